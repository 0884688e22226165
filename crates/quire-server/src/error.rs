//! [`AppError`]: every handler's error, rendered as an HTML page or as JSON for the API.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use quire_core::ErrorKind;

/// What went wrong while handling a request.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// The library said no.
    #[error(transparent)]
    Core(#[from] quire_core::Error),
    /// The account store said no.
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
    /// No such page or thing.
    #[error("not found")]
    NotFound,
    /// Sign in first.
    #[error("you need to sign in to do that")]
    Unauthorized,
    /// Signed in, but not allowed.
    #[error("{0}")]
    Forbidden(String),
    /// The form's CSRF token was missing or wrong.
    #[error(
        "the form had expired or came from another site; go back, reload the page and try again"
    )]
    Csrf,
    /// Too many writes.
    #[error("too many requests; wait a minute and try again")]
    TooManyRequests,
    /// Input the user can fix.
    #[error("{0}")]
    BadRequest(String),
    /// The thing changed since the form was loaded (a review of a superseded revision).
    #[error("{0}")]
    Stale(String),
    /// Signed in with a one-time password: a new one must be chosen first (pages redirect
    /// to the form).
    #[error("choose a new password first")]
    PasswordChangeNeeded,
    /// A bug or an outage; details are logged, not shown.
    #[error("something went wrong on our side")]
    Internal(String),
}

impl AppError {
    /// An internal error with details for the log.
    pub fn internal(detail: impl Into<String>) -> AppError {
        AppError::Internal(detail.into())
    }

    /// For an error a form can show next to what was typed (the asker can change the input
    /// or try again): its status and message. `None` for the rest, which become error pages.
    pub fn for_form(&self) -> Option<(StatusCode, String)> {
        let shown = match self {
            AppError::Core(e) => matches!(
                e.kind(),
                ErrorKind::Invalid | ErrorKind::Refused | ErrorKind::Busy
            ),
            AppError::BadRequest(_) | AppError::Stale(_) => true,
            _ => false,
        };
        shown.then(|| self.status_and_message())
    }

    /// The HTTP status and the message to show.
    pub fn status_and_message(&self) -> (StatusCode, String) {
        let status = match self {
            AppError::Core(e) => status_of(e.kind()),
            AppError::Store(
                crate::store::StoreError::Invalid(_) | crate::store::StoreError::Field { .. },
            ) => StatusCode::UNPROCESSABLE_ENTITY,
            AppError::PasswordChangeNeeded => StatusCode::FORBIDDEN,
            AppError::Store(_) => StatusCode::INTERNAL_SERVER_ERROR,
            AppError::NotFound => StatusCode::NOT_FOUND,
            AppError::Unauthorized => StatusCode::UNAUTHORIZED,
            AppError::Forbidden(_) | AppError::Csrf => StatusCode::FORBIDDEN,
            AppError::TooManyRequests => StatusCode::TOO_MANY_REQUESTS,
            AppError::BadRequest(_) => StatusCode::UNPROCESSABLE_ENTITY,
            AppError::Stale(_) => StatusCode::CONFLICT,
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        };
        let message = if status == StatusCode::INTERNAL_SERVER_ERROR {
            tracing::error!(error = %self, detail = ?self, "internal error");
            "something went wrong on our side; it has been logged".to_string()
        } else if let AppError::Core(quire_core::Error::Contention(_)) = self {
            "someone else changed this at the same moment; nothing was saved, please try again"
                .to_string()
        } else {
            self.to_string()
        };
        (status, message)
    }
}

/// The HTTP status for each kind of core error (the CLI's exit codes come from the same
/// [`ErrorKind`]).
pub fn status_of(kind: ErrorKind) -> StatusCode {
    match kind {
        ErrorKind::Invalid => StatusCode::UNPROCESSABLE_ENTITY,
        ErrorKind::NotFound => StatusCode::NOT_FOUND,
        ErrorKind::Refused | ErrorKind::Busy => StatusCode::CONFLICT,
        ErrorKind::NotAllowed => StatusCode::FORBIDDEN,
        ErrorKind::Failure => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

/// An error shown as JSON: `{"error": {"status": 409, "message": "..."}}`.
#[derive(Debug)]
pub struct ApiError(pub AppError);

impl<E: Into<AppError>> From<E> for ApiError {
    fn from(e: E) -> ApiError {
        ApiError(e.into())
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, message) = self.0.status_and_message();
        let mut body =
            serde_json::json!({ "error": { "status": status.as_u16(), "message": message } });
        if let AppError::Core(quire_core::Error::Conflict(report)) = &self.0 {
            body["error"]["conflict"] =
                serde_json::to_value(quire_wire::v1::ConflictReport::from(report))
                    .unwrap_or_default();
        }
        (status, axum::Json(body)).into_response()
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        if let AppError::PasswordChangeNeeded = self {
            return crate::routes::pages::see_other(crate::routes::account::CHANGE_PASSWORD);
        }
        let (status, message) = self.status_and_message();
        crate::templates::error_page(status, &message)
    }
}
