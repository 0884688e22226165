//! A small HTTP/1.1 client for loopback: one kept-alive connection per simulated client,
//! reopened after any error, following the server to a new address after a restart.

use std::net::SocketAddr;
use std::sync::{Arc, RwLock};
use std::time::Duration;

use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper::client::conn::http1::{self, SendRequest};
use hyper::Method;
use hyper_util::rt::TokioIo;

/// Longest a request may take by default: the library retries a lost race for up to 20 s.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(60);

/// Where the server listens now; `None` while it is down.
#[derive(Clone, Default)]
pub struct ServerAddr(Arc<RwLock<Option<SocketAddr>>>);

impl ServerAddr {
    /// An address that never changes.
    pub fn fixed(addr: SocketAddr) -> ServerAddr {
        ServerAddr(Arc::new(RwLock::new(Some(addr))))
    }

    /// The current address.
    pub fn get(&self) -> Option<SocketAddr> {
        *self.0.read().unwrap_or_else(|e| e.into_inner())
    }

    /// Points clients at a new address (or at none).
    pub fn set(&self, addr: Option<SocketAddr>) {
        *self.0.write().unwrap_or_else(|e| e.into_inner()) = addr;
    }
}

/// An answer from the server.
#[derive(Debug)]
pub struct Response {
    pub status: u16,
    /// The `Content-Type` header, if any.
    pub content_type: Option<String>,
    pub body: Bytes,
    pub set_cookies: Vec<String>,
}

impl Response {
    /// The body as JSON (`Null` if it is not JSON).
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap_or(serde_json::Value::Null)
    }

    /// The error message of a JSON error body, or the start of the body.
    pub fn message(&self) -> String {
        match self.json()["error"]["message"].as_str() {
            Some(m) => m.to_string(),
            None => String::from_utf8_lossy(&self.body[..self.body.len().min(120)]).into_owned(),
        }
    }

    /// True for 2xx.
    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }
}

/// No answer: the server was down, the connection broke, or the request timed out. Such a
/// write is not acknowledged, whatever became of it.
#[derive(Debug)]
pub enum Transport {
    /// No server address or the connection was refused.
    Unavailable,
    /// The connection broke mid-request.
    Broken(String),
    /// No answer within the client's timeout.
    Timeout,
}

impl std::fmt::Display for Transport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Transport::Unavailable => f.write_str("the server is not listening"),
            Transport::Broken(e) => write!(f, "the connection broke: {e}"),
            Transport::Timeout => f.write_str("no answer in time"),
        }
    }
}

impl std::error::Error for Transport {}

impl Transport {
    /// A short name for the error table.
    pub fn kind(&self) -> &'static str {
        match self {
            Transport::Unavailable => "unavailable",
            Transport::Broken(_) => "connection broken",
            Transport::Timeout => "timeout",
        }
    }
}

/// One simulated client's connection.
pub struct Client {
    server: ServerAddr,
    conn: Option<(SocketAddr, SendRequest<Full<Bytes>>)>,
    timeout: Duration,
}

impl Client {
    pub fn new(server: ServerAddr) -> Client {
        Client {
            server,
            conn: None,
            timeout: REQUEST_TIMEOUT,
        }
    }

    /// The same client with another limit on how long a request may take.
    pub fn with_timeout(self, timeout: Duration) -> Client {
        Client { timeout, ..self }
    }

    /// How long a request may take.
    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    async fn connection(&mut self) -> Result<&mut SendRequest<Full<Bytes>>, Transport> {
        let addr = self.server.get().ok_or(Transport::Unavailable)?;
        let stale = match &mut self.conn {
            Some((a, s)) => *a != addr || s.ready().await.is_err(),
            None => true,
        };
        if stale {
            self.conn = None;
            let stream = tokio::net::TcpStream::connect(addr)
                .await
                .map_err(|_| Transport::Unavailable)?;
            let _ = stream.set_nodelay(true);
            let (sender, conn) = http1::handshake(TokioIo::new(stream))
                .await
                .map_err(|e| Transport::Broken(e.to_string()))?;
            tokio::spawn(async move {
                let _ = conn.await;
            });
            self.conn = Some((addr, sender));
        }
        let (_, sender) = self.conn.as_mut().expect("set just above");
        Ok(sender)
    }

    /// Sends one request: `body` is (content type, bytes).
    pub async fn send(
        &mut self,
        method: Method,
        path: &str,
        headers: &[(&str, &str)],
        body: Option<(&str, Vec<u8>)>,
    ) -> Result<Response, Transport> {
        let result =
            tokio::time::timeout(self.timeout, self.send_inner(method, path, headers, body)).await;
        match result {
            Ok(Ok(r)) => Ok(r),
            Ok(Err(e)) => {
                self.conn = None;
                Err(e)
            }
            Err(_) => {
                self.conn = None;
                Err(Transport::Timeout)
            }
        }
    }

    async fn send_inner(
        &mut self,
        method: Method,
        path: &str,
        headers: &[(&str, &str)],
        body: Option<(&str, Vec<u8>)>,
    ) -> Result<Response, Transport> {
        let sender = self.connection().await?;
        let mut req = hyper::Request::builder()
            .method(method)
            .uri(path)
            .header("host", "127.0.0.1");
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        let bytes = match body {
            Some((ct, b)) => {
                req = req.header("content-type", ct);
                Bytes::from(b)
            }
            None => Bytes::new(),
        };
        let req = req
            .body(Full::new(bytes))
            .map_err(|e| Transport::Broken(e.to_string()))?;
        let res = sender
            .send_request(req)
            .await
            .map_err(|e| Transport::Broken(e.to_string()))?;
        let status = res.status().as_u16();
        let content_type = res
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        let set_cookies = res
            .headers()
            .get_all("set-cookie")
            .iter()
            .filter_map(|v| v.to_str().ok().map(str::to_string))
            .collect();
        let body = res
            .into_body()
            .collect()
            .await
            .map_err(|e| Transport::Broken(e.to_string()))?
            .to_bytes();
        Ok(Response {
            status,
            content_type,
            body,
            set_cookies,
        })
    }

    /// `GET path`.
    pub async fn get(&mut self, path: &str) -> Result<Response, Transport> {
        self.send(Method::GET, path, &[], None).await
    }

    /// `POST path` with a JSON body and a bearer token.
    pub async fn post_json(
        &mut self,
        path: &str,
        token: Option<&str>,
        body: &serde_json::Value,
    ) -> Result<Response, Transport> {
        let bytes = serde_json::to_vec(body).expect("JSON values serialise");
        self.send_as(Method::POST, path, token, Some(("application/json", bytes)))
            .await
    }

    /// Sends one request with a bearer token where there is one.
    pub async fn send_as(
        &mut self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<(&str, Vec<u8>)>,
    ) -> Result<Response, Transport> {
        let auth = token.map(|t| format!("Bearer {t}"));
        let headers: Vec<(&str, &str)> = auth
            .as_deref()
            .map(|a| vec![("authorization", a)])
            .unwrap_or_default();
        self.send(method, path, &headers, body).await
    }
}

/// The value of cookie `name` among `Set-Cookie` headers.
pub fn cookie_value(set_cookies: &[String], name: &str) -> Option<String> {
    set_cookies.iter().find_map(|c| {
        let first = c.split(';').next()?;
        let (k, v) = first.split_once('=')?;
        (k.trim() == name).then(|| v.trim().to_string())
    })
}
