//! The JSON API under `/api/v1/`: every operation the pages offer, for scripts and other
//! front ends. The OpenAPI 3.1 description is served at `/api/v1/openapi.json`
//! (`static/openapi.json`, kept by hand beside this module and checked against real
//! responses by `tests/openapi.rs`). Responses built from the core's data are
//! `quire_wire::v1` types, never the core's own serde output.
//!
//! Reads are anonymous. Writes need `Authorization: Bearer <token>` (a token from
//! `POST /api/v1/tokens`); cookies are never looked at, so there is no CSRF to defend
//! against. Every error, including a body or path that cannot be read and a path that
//! names no endpoint, is JSON: `{"error": {"status": 422, "message": "..."}}`, with a
//! `conflict` report beside the message when a merge or update conflicts.
//!
//! The extractors here decide the order of refusals: a bad token (401) comes first, then
//! who may write ([`Writer`], [`Maintainer`]: 401, 403, then 429 from the write allowance),
//! then the path, the query and the body (400/415/422), and only then the library's own
//! checks (404/409/422). A write taken from the account's allowance is given back when
//! the request then fails (see [`crate::Allowances`]).

mod editions;
mod moderation;
mod proposals;
mod sections;
mod tokens;

use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde::de::DeserializeOwned;

use crate::auth::ApiCaller;
use crate::error::ApiError;
use crate::store::User;
use crate::AppState;

/// The OpenAPI 3.1 document describing this API.
pub const OPENAPI: &str = include_str!("../../static/openapi.json");

/// Routes of this module (nested at `/api/v1`).
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/openapi.json", get(openapi))
        .merge(tokens::router())
        .merge(sections::router())
        .merge(proposals::router())
        .merge(editions::router())
        .merge(moderation::router())
        .fallback(no_such_endpoint)
        .method_not_allowed_fallback(method_not_allowed)
}

/// Builds a JSON error response in the API's one shape. [`ApiError`] covers errors that
/// come from [`AppError`]; this covers the few statuses it has no variant for (400, 405,
/// 413, 415) when a request cannot even be read.
fn error_response(status: StatusCode, message: &str) -> Response {
    let body = serde_json::json!({ "error": { "status": status.as_u16(), "message": message } });
    (status, Json(body)).into_response()
}

/// Keeps every error under `/api/` JSON, whoever made it: a layer outside the API's own
/// handlers (the body limit answers 413 before a handler runs) turns any error response
/// that is not JSON into the API's one shape, with a message for its status.
pub async fn json_errors(req: Request, next: axum::middleware::Next) -> Response {
    let api = req.uri().path().starts_with("/api/");
    let res = next.run(req).await;
    let status = res.status();
    if !api || !(status.is_client_error() || status.is_server_error()) {
        return res;
    }
    let is_json = res
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(is_json_type);
    if is_json {
        return res;
    }
    let message = match status {
        StatusCode::PAYLOAD_TOO_LARGE => format!(
            "the request body is too large: send at most {} KiB",
            crate::MAX_BODY_BYTES / 1024
        ),
        StatusCode::UNSUPPORTED_MEDIA_TYPE => {
            "send the body as JSON, with `Content-Type: application/json`".to_string()
        }
        StatusCode::METHOD_NOT_ALLOWED => {
            "this endpoint does not take this method; see /api/v1/openapi.json".to_string()
        }
        StatusCode::NOT_FOUND => "no API endpoint here; see /api/v1/openapi.json".to_string(),
        StatusCode::REQUEST_TIMEOUT => "the request took too long to arrive".to_string(),
        s if s.is_server_error() => {
            "something went wrong on our side; it has been logged".to_string()
        }
        s => format!(
            "the request could not be read ({})",
            s.canonical_reason().unwrap_or("bad request").to_lowercase()
        ),
    };
    error_response(status, &message)
}

/// A request the API could not read: bad JSON, a body of the wrong type or size, a path
/// or query that does not fit. Answered as JSON, never as axum's plain-text default.
#[derive(Debug)]
pub struct BadRequest {
    status: StatusCode,
    message: String,
}

impl IntoResponse for BadRequest {
    fn into_response(self) -> Response {
        error_response(self.status, &self.message)
    }
}

impl From<JsonRejection> for BadRequest {
    fn from(r: JsonRejection) -> BadRequest {
        // 400 for a syntax error, 422 for well-formed JSON of the wrong shape, 415 without
        // a JSON content type, 413 for a body over the limit.
        BadRequest {
            status: r.status(),
            message: r.body_text(),
        }
    }
}

impl From<QueryRejection> for BadRequest {
    fn from(r: QueryRejection) -> BadRequest {
        BadRequest {
            status: StatusCode::UNPROCESSABLE_ENTITY,
            message: r.body_text(),
        }
    }
}

impl From<PathRejection> for BadRequest {
    fn from(r: PathRejection) -> BadRequest {
        BadRequest {
            status: r.status(),
            message: r.body_text(),
        }
    }
}

/// `axum::Json`, with JSON errors when the body cannot be read.
#[derive(Debug, Clone, Copy, Default)]
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = BadRequest;

    async fn from_request(req: Request, state: &S) -> Result<ApiJson<T>, BadRequest> {
        let Json(v) = Json::<T>::from_request(req, state).await?;
        Ok(ApiJson(v))
    }
}

/// Like [`ApiJson`], but an empty body (with or without a content type) means
/// `T::default()`: for endpoints whose every field is optional.
#[derive(Debug, Clone, Copy, Default)]
pub struct ApiJsonOrEmpty<T>(pub T);

impl<T: DeserializeOwned + Default, S: Send + Sync> FromRequest<S> for ApiJsonOrEmpty<T> {
    type Rejection = BadRequest;

    async fn from_request(req: Request, state: &S) -> Result<ApiJsonOrEmpty<T>, BadRequest> {
        let is_json = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(is_json_type);
        let bytes = axum::body::Bytes::from_request(req, state)
            .await
            .map_err(|e| BadRequest {
                status: e.status(),
                message: e.body_text(),
            })?;
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Ok(ApiJsonOrEmpty(T::default()));
        }
        if !is_json {
            return Err(BadRequest {
                status: StatusCode::UNSUPPORTED_MEDIA_TYPE,
                message: "Expected request with `Content-Type: application/json`".into(),
            });
        }
        let Json(v) = Json::<T>::from_bytes(&bytes)?;
        Ok(ApiJsonOrEmpty(v))
    }
}

/// True for `application/json` and `application/*+json`, with any parameters.
fn is_json_type(content_type: &str) -> bool {
    let essence = content_type
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    essence == "application/json"
        || (essence.starts_with("application/") && essence.ends_with("+json"))
}

/// `axum::extract::Path`, with JSON errors.
#[derive(Debug)]
pub struct ApiPath<T>(pub T);

impl<T: DeserializeOwned + Send, S: Send + Sync> FromRequestParts<S> for ApiPath<T> {
    type Rejection = BadRequest;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<ApiPath<T>, BadRequest> {
        let axum::extract::Path(v) =
            axum::extract::Path::<T>::from_request_parts(parts, state).await?;
        Ok(ApiPath(v))
    }
}

/// `axum::extract::Query`, with JSON errors (422: the query is data).
#[derive(Debug)]
pub struct ApiQuery<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = BadRequest;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<ApiQuery<T>, BadRequest> {
        let axum::extract::Query(v) =
            axum::extract::Query::<T>::from_request_parts(parts, state).await?;
        Ok(ApiQuery(v))
    }
}

/// A caller who may write: a valid token of an account that is not blocked, with a write
/// left in its allowance. Refuses with 401, 403 or 429.
#[derive(Debug, Clone)]
pub struct Writer(pub User);

impl FromRequestParts<AppState> for Writer {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Writer, ApiError> {
        let caller = ApiCaller::from_request_parts(parts, state).await?;
        let user = caller.require_writer()?.clone();
        state.check_write_rate(&user)?;
        Ok(Writer(user))
    }
}

/// A maintainer who may write, as [`Writer`].
#[derive(Debug, Clone)]
pub struct Maintainer(pub User);

impl FromRequestParts<AppState> for Maintainer {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Maintainer, ApiError> {
        let caller = ApiCaller::from_request_parts(parts, state).await?;
        let user = caller.require_maintainer()?.clone();
        state.check_write_rate(&user)?;
        Ok(Maintainer(user))
    }
}

/// The client's address, for the sign-in allowance (see [`crate::net::client_of`]).
#[derive(Debug, Clone)]
struct Client(String);

impl FromRequestParts<AppState> for Client {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Client, std::convert::Infallible> {
        Ok(Client(crate::net::client_of(
            parts,
            &state.config().trusted_proxies,
        )))
    }
}

/// User text quoted in a message: escaped and cut short.
fn printable(s: &str) -> String {
    let mut out: String = s.chars().take(80).flat_map(char::escape_debug).collect();
    if s.chars().count() > 80 {
        out.push_str("...");
    }
    out
}

async fn openapi() -> Response {
    (
        [
            (header::CONTENT_TYPE, "application/json"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        OPENAPI,
    )
        .into_response()
}

async fn no_such_endpoint(uri: axum::http::Uri) -> Response {
    error_response(
        StatusCode::NOT_FOUND,
        &format!(
            "no API endpoint at '{}'; see /api/v1/openapi.json",
            printable(uri.path())
        ),
    )
}

async fn method_not_allowed(method: axum::http::Method) -> Response {
    error_response(
        StatusCode::METHOD_NOT_ALLOWED,
        &format!("this endpoint does not take {method}; see /api/v1/openapi.json"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_openapi_document_is_json() {
        let v: serde_json::Value = serde_json::from_str(OPENAPI).expect("valid JSON");
        assert_eq!(v["openapi"], "3.1.0");
    }

    #[test]
    fn json_content_types() {
        assert!(is_json_type("application/json"));
        assert!(is_json_type("Application/JSON; charset=utf-8"));
        assert!(is_json_type("application/merge-patch+json"));
        assert!(!is_json_type("text/plain"));
        assert!(!is_json_type("application/x-www-form-urlencoded"));
    }

    #[test]
    fn printable_escapes_and_cuts() {
        assert_eq!(printable("a\nb"), "a\\nb");
        assert_eq!(printable(&"x".repeat(100)).len(), 83);
    }
}
