//! The reference: a bare axum handler in this process returning fixed bytes with a fixed
//! content type, on its own loopback port. What quire's figures are measured against.

use std::net::SocketAddr;

use anyhow::Context as _;
use axum::body::Bytes;
use axum::http::header::CONTENT_TYPE;
use axum::http::HeaderValue;
use axum::routing::get;
use axum::Router;
use tokio::sync::oneshot;

/// A running reference server.
pub struct Reference {
    pub addr: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<()>,
}

/// Serves `body` with `content_type` at `path` (the path without its query; any query
/// gets the same answer) on a free loopback port.
pub async fn start(path: &str, content_type: &str, body: Bytes) -> anyhow::Result<Reference> {
    let ct = HeaderValue::from_str(content_type)
        .with_context(|| format!("content type {content_type:?}"))?;
    let app = Router::new().route(
        path,
        get(move || {
            let (ct, body) = (ct.clone(), body.clone());
            async move { ([(CONTENT_TYPE, ct)], body) }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .context("binding the reference server")?;
    let addr = listener.local_addr()?;
    let (tx, rx) = oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        let _ = axum::serve(listener, app)
            .with_graceful_shutdown(async move {
                let _ = rx.await;
            })
            .await;
    });
    Ok(Reference {
        addr,
        stop: Some(tx),
        task,
    })
}

impl Reference {
    /// Stops it and waits until it no longer listens.
    pub async fn stop(mut self) {
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
        }
        let _ = (&mut self.task).await;
    }
}
