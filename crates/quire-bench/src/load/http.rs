//! quire-stress's loopback HTTP client (one kept-alive connection, reopened after an
//! error) with a longer timeout and errors that name the request.

use std::net::SocketAddr;
use std::time::Duration;

use axum::http::Method;
use quire_stress::http::{self, ServerAddr};

pub use quire_stress::http::Response;

/// Longest a request may take (a big library's list page is slow, but not this slow).
const REQUEST_TIMEOUT: Duration = Duration::from_secs(120);

/// One connection to one server.
pub struct Client(http::Client);

impl Client {
    pub fn new(addr: SocketAddr) -> Client {
        Client(http::Client::new(ServerAddr::fixed(addr)).with_timeout(REQUEST_TIMEOUT))
    }

    /// Sends one request with maybe a bearer token; `body` is (content type, bytes).
    pub async fn send(
        &mut self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<(&str, Vec<u8>)>,
    ) -> anyhow::Result<Response> {
        let what = format!("{method} {path}");
        let limit = self.0.timeout().as_secs();
        self.0
            .send_as(method, path, token, body)
            .await
            .map_err(|e| match e {
                http::Transport::Timeout => anyhow::anyhow!("{what}: no answer in {limit} s"),
                e => anyhow::Error::new(e).context(what),
            })
    }

    /// `GET path`.
    pub async fn get(&mut self, path: &str) -> anyhow::Result<Response> {
        self.send(Method::GET, path, None, None).await
    }

    /// `POST path` with a JSON body and maybe a bearer token.
    pub async fn post_json(
        &mut self,
        path: &str,
        token: Option<&str>,
        body: &serde_json::Value,
    ) -> anyhow::Result<Response> {
        let bytes = serde_json::to_vec(body)?;
        self.send(Method::POST, path, token, Some(("application/json", bytes)))
            .await
    }
}
