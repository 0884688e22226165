//! A small HTTP/1.1 client for loopback: one kept-alive connection, reopened after an
//! error.

use std::net::SocketAddr;
use std::time::Duration;

use anyhow::Context as _;
use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper::client::conn::http1::{self, SendRequest};
use hyper::header::{AUTHORIZATION, CONTENT_TYPE, HOST};
use hyper::Method;
use hyper_util::rt::TokioIo;

/// Longest a request may take (a big library's list page is slow, but not this slow).
const REQUEST_TIMEOUT: Duration = Duration::from_secs(120);

/// An answer.
#[derive(Debug, Clone)]
pub struct Response {
    pub status: u16,
    /// The `Content-Type` header, if any.
    pub content_type: Option<String>,
    pub body: Bytes,
}

impl Response {
    /// The body as JSON (`Null` if it is not JSON).
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap_or(serde_json::Value::Null)
    }

    /// The start of the body, for error messages.
    pub fn snippet(&self) -> String {
        String::from_utf8_lossy(&self.body[..self.body.len().min(200)]).into_owned()
    }
}

/// One connection to one server.
pub struct Client {
    addr: SocketAddr,
    conn: Option<SendRequest<Full<Bytes>>>,
}

impl Client {
    pub fn new(addr: SocketAddr) -> Client {
        Client { addr, conn: None }
    }

    async fn connection(&mut self) -> anyhow::Result<&mut SendRequest<Full<Bytes>>> {
        let stale = match &mut self.conn {
            Some(s) => s.ready().await.is_err(),
            None => true,
        };
        if stale {
            self.conn = None;
            let stream = tokio::net::TcpStream::connect(self.addr)
                .await
                .with_context(|| format!("connecting to {}", self.addr))?;
            let _ = stream.set_nodelay(true);
            let (sender, conn) = http1::handshake(TokioIo::new(stream)).await?;
            tokio::spawn(async move {
                let _ = conn.await;
            });
            self.conn = Some(sender);
        }
        self.conn.as_mut().context("connection set just above")
    }

    /// Sends one request; `body` is (content type, bytes).
    pub async fn send(
        &mut self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<(&str, Vec<u8>)>,
    ) -> anyhow::Result<Response> {
        let what = format!("{method} {path}");
        let r =
            tokio::time::timeout(REQUEST_TIMEOUT, self.send_inner(method, path, token, body)).await;
        match r {
            Ok(Ok(r)) => Ok(r),
            Ok(Err(e)) => {
                self.conn = None;
                Err(e.context(what))
            }
            Err(_) => {
                self.conn = None;
                anyhow::bail!("{what}: no answer in {} s", REQUEST_TIMEOUT.as_secs())
            }
        }
    }

    async fn send_inner(
        &mut self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<(&str, Vec<u8>)>,
    ) -> anyhow::Result<Response> {
        let sender = self.connection().await?;
        let mut req = hyper::Request::builder()
            .method(method)
            .uri(path)
            .header(HOST, "127.0.0.1");
        if let Some(t) = token {
            req = req.header(AUTHORIZATION, format!("Bearer {t}"));
        }
        let bytes = match body {
            Some((ct, b)) => {
                req = req.header(CONTENT_TYPE, ct);
                Bytes::from(b)
            }
            None => Bytes::new(),
        };
        let res = sender.send_request(req.body(Full::new(bytes))?).await?;
        let status = res.status().as_u16();
        let content_type = res
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        let body = res.into_body().collect().await?.to_bytes();
        Ok(Response {
            status,
            content_type,
            body,
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
        let bytes = serde_json::to_vec(body).context("serialising a JSON body")?;
        self.send(Method::POST, path, token, Some(("application/json", bytes)))
            .await
    }
}
