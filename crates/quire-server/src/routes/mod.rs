//! The router: pages, the JSON API, feeds and static files, with the security layers.

pub mod account;
pub mod api;
pub mod editions;
pub mod feeds;
pub mod moderation;
pub mod pages;
pub mod proposals;
pub mod read;

use axum::http::{header, HeaderValue};
use axum::middleware;
use axum::response::IntoResponse;
use axum::routing::get;
use axum::Router;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::request_id::{
    MakeRequestId, PropagateRequestIdLayer, RequestId, SetRequestIdLayer,
};
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::timeout::RequestBodyTimeoutLayer;
use tower_http::trace::TraceLayer;

use crate::{AppError, AppState, MAX_BODY_BYTES};

/// The Content Security Policy: nothing but our own stylesheet; no scripts at all.
pub const CSP: &str = "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/// The stylesheet: the server's own, then the diff markup's ([`quire_core::prose::DIFF_CSS`]).
static CSS: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
    [
        include_str!("../../static/quire.css"),
        quire_core::prose::DIFF_CSS,
    ]
    .join("\n")
});

/// Builds the router.
pub fn router(state: AppState) -> Router {
    let request_id = header::HeaderName::from_static("x-request-id");
    Router::new()
        .merge(pages::router())
        .merge(account::router())
        .merge(proposals::router())
        .merge(editions::router())
        .merge(moderation::router())
        .merge(feeds::router())
        .merge(read::router())
        .nest("/api/v1", api::router())
        .route("/static/quire.css", get(css))
        .fallback(not_found)
        .layer(middleware::from_fn_with_state(state.clone(), crate::auth::csrf_cookie))
        // Writes taken by a request that then fails are given back (see `Allowances`).
        .layer(middleware::from_fn_with_state(state.clone(), settle_writes))
        .layer(axum::extract::DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(RequestBodyLimitLayer::new(MAX_BODY_BYTES))
        .layer(RequestBodyTimeoutLayer::new(state.config().body_timeout))
        // Outside the body limit, whose 413 is plain text: errors under `/api/` stay JSON.
        .layer(middleware::from_fn(api::json_errors))
        // Only `/read/` sets its own policy (see `read::READ_CSP`); every other response
        // gets this one.
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(CSP),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::REFERRER_POLICY,
            HeaderValue::from_static("same-origin"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::X_FRAME_OPTIONS,
            HeaderValue::from_static("DENY"),
        ))
        .layer(PropagateRequestIdLayer::new(request_id.clone()))
        .layer(TraceLayer::new_for_http().make_span_with(|req: &axum::http::Request<_>| {
            let id = req
                .headers()
                .get("x-request-id")
                .and_then(|v| v.to_str().ok())
                .unwrap_or("-");
            tracing::info_span!("request", method = %req.method(), path = %req.uri().path(), id = %id)
        }))
        .layer(SetRequestIdLayer::new(request_id, RequestIds::new()))
        .with_state(state)
}

/// Request ids shaped like UUIDs: a random prefix per process, then a counter. (A random
/// UUID for every request cost a `getrandom` system call each.)
#[derive(Clone)]
struct RequestIds {
    prefix: u64,
    next: std::sync::Arc<std::sync::atomic::AtomicU64>,
}

impl RequestIds {
    fn new() -> RequestIds {
        let mut bytes = [0u8; 8];
        // Without randomness, ids are still unique within the process.
        let _ = getrandom::fill(&mut bytes);
        RequestIds {
            prefix: u64::from_le_bytes(bytes),
            next: Default::default(),
        }
    }
}

impl MakeRequestId for RequestIds {
    fn make_request_id<B>(&mut self, _request: &axum::http::Request<B>) -> Option<RequestId> {
        let n = self.next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let p = self.prefix;
        let id = format!(
            "{:08x}-{:04x}-{:04x}-{:04x}-{:012x}",
            p >> 32,
            (p >> 16) & 0xffff,
            p & 0xffff,
            (n >> 48) & 0xffff,
            n & 0xffff_ffff_ffff
        );
        HeaderValue::from_str(&id).ok().map(RequestId::new)
    }
}

async fn css() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        CSS.as_str(),
    )
}

async fn settle_writes(
    axum::extract::State(state): axum::extract::State<AppState>,
    req: axum::extract::Request,
    next: middleware::Next,
) -> axum::response::Response {
    state.allowances().settle(next.run(req)).await
}

async fn not_found() -> AppError {
    AppError::NotFound
}
