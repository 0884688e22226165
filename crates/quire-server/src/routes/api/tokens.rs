//! `/tokens`: make an API token from an email and password, list the caller's tokens,
//! revoke one. The rules for a token's name and lifetime are the account page's
//! ([`crate::routes::account`]).

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{delete, get};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};

use super::{printable, ApiJson, ApiPath, Client, Writer};
use crate::auth::ApiCaller;
use crate::error::ApiError;
use crate::routes::account::{check_token_name, token_expiry};
use crate::store::{self, ApiToken, SignIn, User};
use crate::{AppError, AppState};

/// Routes of this module.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/tokens", get(list).post(create))
        .route("/tokens/{id}", delete(revoke))
}

/// `POST /tokens`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct TokenRequest {
    email: String,
    password: String,
    /// The token's name (`label` is its old spelling).
    #[serde(default, alias = "label")]
    name: String,
    /// Days until it stops working; never, if absent.
    #[serde(default)]
    expires_in_days: Option<u32>,
    /// A new password to set first (needed when `password` is a one-time password), for
    /// servers set up without a browser.
    #[serde(default)]
    new_password: Option<String>,
}

/// A new API token, shown once.
#[derive(Debug, Serialize)]
struct TokenCreated {
    token: String,
    #[serde(flatten)]
    listed: ApiToken,
    user: User,
}

async fn create(
    State(state): State<AppState>,
    Client(client): Client,
    ApiJson(req): ApiJson<TokenRequest>,
) -> Result<(StatusCode, Json<TokenCreated>), ApiError> {
    state.check_auth_rate(&client)?;
    let name = if req.name.trim().is_empty() {
        "api".to_string()
    } else {
        check_token_name(&req.name).map_err(AppError::from)?
    };
    let now = store::now_secs();
    let expires = token_expiry(req.expires_in_days, now).map_err(AppError::from)?;
    let created = state
        .with_store(move |s| {
            let user = match s.sign_in_at(&req.email, &req.password, now)? {
                SignIn::Ok(u) => u,
                SignIn::Wrong => return Err(AppError::Unauthorized),
                SignIn::OneTimeExpired => {
                    return Err(AppError::Forbidden(
                        "this one-time password has expired; ask whoever runs the site to run `quire accounts reset-password`".into(),
                    ))
                }
            };
            if user.blocked {
                return Err(AppError::Forbidden(
                    "this account is blocked; it cannot get API tokens".into(),
                ));
            }
            if let Some(new) = &req.new_password {
                s.change_password(user.id, &req.password, new, None)?;
            } else if user.must_change_password {
                return Err(AppError::Forbidden(
                    "this account signed in with a one-time password: choose a new password first (on the website, or with new_password here)".into(),
                ));
            }
            let (listed, token) = s.create_api_token_at(user.id, &name, expires, now)?;
            Ok(TokenCreated {
                token,
                listed,
                user: crate::store::User {
                    must_change_password: false,
                    ..user
                },
            })
        })
        .await?;
    Ok((StatusCode::CREATED, Json(created)))
}

async fn list(
    State(state): State<AppState>,
    caller: ApiCaller,
) -> Result<Json<Vec<ApiToken>>, ApiError> {
    let id = caller.user.as_ref().ok_or(AppError::Unauthorized)?.id;
    Ok(Json(
        state.with_store(move |s| Ok(s.api_tokens(id)?)).await?,
    ))
}

async fn revoke(
    State(state): State<AppState>,
    Writer(user): Writer,
    ApiPath(id): ApiPath<String>,
) -> Result<StatusCode, ApiError> {
    let token: i64 = id.parse().ok().filter(|n| *n > 0).ok_or_else(|| {
        AppError::BadRequest(format!(
            "invalid token id '{}': use a whole number from 1",
            printable(&id)
        ))
    })?;
    let revoked = state
        .with_store(move |s| Ok(s.revoke_api_token(user.id, token)?))
        .await?;
    if !revoked {
        return Err(AppError::NotFound.into());
    }
    Ok(StatusCode::NO_CONTENT)
}
