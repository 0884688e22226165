//! Routes: moderation.

use axum::Router;

use crate::AppState;

/// Routes of this module.
pub fn router() -> Router<AppState> {
    Router::new()
}
