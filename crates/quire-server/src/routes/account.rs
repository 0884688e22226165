//! Accounts: your own account page (name, email, password, API tokens, signing out
//! everywhere), the forced change of a one-time password, the maintainers' list of
//! accounts (appointing and removing maintainers, making reset links), and the reset-link
//! page that sets a new password.
//!
//! The rules for names and passwords are [`crate::credentials`]'s; every secret (sessions,
//! tokens, reset links) is the store's, kept only as a digest.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;
use serde::Deserialize;

use crate::auth::{CsrfForm, Viewer};
use crate::routes::pages::{see_other, session_cookie};
use crate::store::{self, Account, ApiToken, Role, StoreError, User};
use crate::templates::{page, Chrome, FieldError};
use crate::{AppError, AppState};

/// The page where a one-time password is replaced.
pub const CHANGE_PASSWORD: &str = "/account/password";

/// The only paths an account that must change its password may use.
pub const ALLOWED_BEFORE_PASSWORD_CHANGE: &[&str] = &[CHANGE_PASSWORD, "/signout"];

/// Longest name of an API token, in characters.
pub const MAX_TOKEN_NAME_CHARS: usize = 100;

/// The expiries offered for a new API token, in days (`None`: never).
pub const TOKEN_EXPIRIES: &[(Option<u32>, &str)] = &[
    (Some(30), "30 days"),
    (Some(90), "90 days"),
    (Some(365), "1 year"),
    (None, "Never"),
];

/// Routes of this module.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/account", get(account_page))
        .route("/account/details", post(change_details))
        .route("/account/change-password", post(change_password))
        .route(CHANGE_PASSWORD, get(forced_form).post(forced_change))
        .route("/account/tokens", post(create_token))
        .route("/account/tokens/{id}/revoke", post(revoke_token))
        .route("/account/signout-everywhere", post(sign_out_everywhere))
        .route("/accounts", get(accounts_page))
        .route("/accounts/{id}/role", post(set_role))
        .route("/accounts/{id}/reset-link", post(reset_link))
        .route("/reset/{token}", get(reset_form).post(reset))
}

/// Checks the name of a new API token: trimmed, 1 to [`MAX_TOKEN_NAME_CHARS`] characters,
/// no control characters.
pub fn check_token_name(name: &str) -> Result<String, StoreError> {
    let name = name.trim();
    if name.is_empty() {
        return Err(StoreError::Field {
            field: "token_name",
            message: "Enter a name for the token, such as what will use it".into(),
        });
    }
    if name.chars().count() > MAX_TOKEN_NAME_CHARS || name.chars().any(char::is_control) {
        return Err(StoreError::Field {
            field: "token_name",
            message: format!(
                "The token name must be {MAX_TOKEN_NAME_CHARS} characters or fewer, with no control characters"
            ),
        });
    }
    Ok(name.to_string())
}

/// Checks a token's lifetime in days (1 to 3650) and turns it into an expiry time.
pub fn token_expiry(days: Option<u32>, now: i64) -> Result<Option<i64>, StoreError> {
    match days {
        None => Ok(None),
        Some(d) if (1..=3650).contains(&d) => Ok(Some(now + i64::from(d) * 24 * 3600)),
        Some(_) => Err(StoreError::Field {
            field: "expires_in_days",
            message: "A token can last from 1 to 3650 days".into(),
        }),
    }
}

#[derive(Template)]
#[template(path = "account.html")]
struct AccountPage {
    chrome: Chrome,
    user: User,
    name: String,
    email: String,
    tokens: Vec<ApiToken>,
    expiries: &'static [(Option<u32>, &'static str)],
    new_token: Option<(String, String)>,
    notice: Option<&'static str>,
    error: Option<FieldError>,
    min_password: usize,
}

#[derive(Deserialize, Default)]
struct Done {
    #[serde(default)]
    done: String,
}

fn notice(done: &str) -> Option<&'static str> {
    Some(match done {
        "details" => "Your name and email address were changed.",
        "password" => "Your password was changed. You are still signed in here; every other session was signed out.",
        "revoked" => "The token was revoked. It no longer works.",
        _ => return None,
    })
}

async fn render_account(
    state: &AppState,
    viewer: &Viewer,
    user: User,
    new_token: Option<(String, String)>,
    notice: Option<&'static str>,
    error: Option<FieldError>,
    entered: Option<(String, String)>,
) -> Result<Response, AppError> {
    let id = user.id;
    let tokens = state.with_store(move |s| Ok(s.api_tokens(id)?)).await?;
    let (name, email) = entered.unwrap_or_else(|| (user.name.clone(), user.email.clone()));
    let failed = error.is_some();
    let mut res = page(&AccountPage {
        chrome: Chrome::of(viewer),
        user,
        name,
        email,
        tokens,
        expiries: TOKEN_EXPIRIES,
        new_token,
        notice,
        error,
        min_password: crate::credentials::MIN_PASSWORD_CHARS,
    });
    if failed {
        *res.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(res)
}

async fn account_page(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(done): Query<Done>,
) -> Result<Response, AppError> {
    let user = viewer.require_user()?.clone();
    render_account(&state, &viewer, user, None, notice(&done.done), None, None).await
}

#[derive(Deserialize)]
struct DetailsForm {
    name: String,
    email: String,
}

async fn change_details(
    State(state): State<AppState>,
    viewer: Viewer,
    CsrfForm(form): CsrfForm<DetailsForm>,
) -> Result<Response, AppError> {
    let user = viewer.require_user()?.clone();
    let (id, name, email) = (user.id, form.name.clone(), form.email.clone());
    let changed = state
        .with_store(move |s| Ok(s.update_details(id, &name, &email)?))
        .await;
    match changed {
        Ok(_) => Ok(see_other("/account?done=details")),
        Err(AppError::Store(e)) => {
            let fe = FieldError::of(e)?;
            render_account(
                &state,
                &viewer,
                user,
                None,
                None,
                Some(fe),
                Some((form.name, form.email)),
            )
            .await
        }
        Err(e) => Err(e),
    }
}

#[derive(Deserialize)]
struct ChangePasswordForm {
    current_password: String,
    password: String,
}

async fn change_password(
    State(state): State<AppState>,
    viewer: Viewer,
    CsrfForm(form): CsrfForm<ChangePasswordForm>,
) -> Result<Response, AppError> {
    let user = viewer.require_user()?.clone();
    state.check_auth_rate(&viewer.client)?;
    let (id, keep) = (user.id, viewer.session.clone());
    let changed = state
        .with_store(move |s| {
            Ok(s.change_password(id, &form.current_password, &form.password, keep.as_deref())?)
        })
        .await;
    match changed {
        Ok(()) => Ok(see_other("/account?done=password")),
        Err(AppError::Store(e)) => {
            let fe = FieldError::of(e)?;
            render_account(&state, &viewer, user, None, None, Some(fe), None).await
        }
        Err(e) => Err(e),
    }
}

#[derive(Template)]
#[template(path = "password.html")]
struct ForcedPasswordPage {
    chrome: Chrome,
    error: Option<FieldError>,
    min_password: usize,
}

fn forced_page(viewer: &Viewer, error: Option<FieldError>) -> Response {
    let failed = error.is_some();
    let mut res = page(&ForcedPasswordPage {
        chrome: Chrome::of(viewer),
        error,
        min_password: crate::credentials::MIN_PASSWORD_CHARS,
    });
    if failed {
        *res.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    res
}

async fn forced_form(viewer: Viewer) -> Result<Response, AppError> {
    let user = viewer.require_user()?;
    if !user.must_change_password {
        return Ok(see_other("/account"));
    }
    Ok(forced_page(&viewer, None))
}

#[derive(Deserialize)]
struct NewPasswordForm {
    password: String,
}

async fn forced_change(
    State(state): State<AppState>,
    viewer: Viewer,
    CsrfForm(form): CsrfForm<NewPasswordForm>,
) -> Result<Response, AppError> {
    let user = viewer.require_user()?.clone();
    if !user.must_change_password {
        return Ok(see_other("/account"));
    }
    let (id, keep) = (user.id, viewer.session.clone());
    let changed = state
        .with_store(move |s| Ok(s.set_password(id, &form.password, keep.as_deref())?))
        .await;
    match changed {
        Ok(()) => Ok(see_other("/account?done=password")),
        Err(AppError::Store(e)) => Ok(forced_page(&viewer, Some(FieldError::of(e)?))),
        Err(e) => Err(e),
    }
}

#[derive(Deserialize)]
struct NewTokenForm {
    token_name: String,
    #[serde(default)]
    expires_in_days: String,
}

async fn create_token(
    State(state): State<AppState>,
    viewer: Viewer,
    CsrfForm(form): CsrfForm<NewTokenForm>,
) -> Result<Response, AppError> {
    let user = viewer.require_writer()?.clone();
    let id = user.id;
    let made = state
        .with_store(move |s| {
            let name = check_token_name(&form.token_name)?;
            let days = match form.expires_in_days.trim() {
                "" | "never" => None,
                d => Some(d.parse::<u32>().map_err(|_| StoreError::Field {
                    field: "expires_in_days",
                    message: "Choose how long the token lasts".into(),
                })?),
            };
            let now = store::now_secs();
            let (listed, secret) =
                s.create_api_token_at(id, &name, token_expiry(days, now)?, now)?;
            Ok((listed.name, secret))
        })
        .await;
    match made {
        Ok(t) => render_account(&state, &viewer, user, Some(t), None, None, None).await,
        Err(AppError::Store(e)) => {
            let fe = FieldError::of(e)?;
            render_account(&state, &viewer, user, None, None, Some(fe), None).await
        }
        Err(e) => Err(e),
    }
}

async fn revoke_token(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(token): Path<i64>,
    CsrfForm(_form): CsrfForm<serde::de::IgnoredAny>,
) -> Result<Response, AppError> {
    let id = viewer.require_user()?.id;
    let revoked = state
        .with_store(move |s| Ok(s.revoke_api_token(id, token)?))
        .await?;
    if !revoked {
        return Err(AppError::NotFound);
    }
    Ok(see_other("/account?done=revoked"))
}

#[derive(Deserialize)]
struct EverywhereForm {
    #[serde(default)]
    tokens: String,
}

async fn sign_out_everywhere(
    State(state): State<AppState>,
    viewer: Viewer,
    CsrfForm(form): CsrfForm<EverywhereForm>,
) -> Result<Response, AppError> {
    let id = viewer.require_user()?.id;
    let tokens = !form.tokens.is_empty();
    state
        .with_store(move |s| Ok(s.sign_out_everywhere(id, tokens)?))
        .await?;
    Ok(session_cookie(&state, see_other("/signin"), None))
}

/// One account as the maintainers' list shows it.
struct AccountRow {
    account: Account,
    me: bool,
}

#[derive(Template)]
#[template(path = "accounts.html")]
struct AccountsPage {
    chrome: Chrome,
    accounts: Vec<AccountRow>,
    error: Option<FieldError>,
    notice: Option<String>,
    reset_link: Option<(String, String)>,
}

async fn render_accounts(
    state: &AppState,
    viewer: &Viewer,
    error: Option<FieldError>,
    notice: Option<String>,
    reset_link: Option<(String, String)>,
) -> Result<Response, AppError> {
    let me = viewer.require_maintainer()?.id;
    let accounts = state.with_store(|s| Ok(s.accounts()?)).await?;
    let failed = error.is_some();
    let mut res = page(&AccountsPage {
        chrome: Chrome::of(viewer),
        accounts: accounts
            .into_iter()
            .map(|a| AccountRow {
                me: a.user.id == me,
                account: a,
            })
            .collect(),
        error,
        notice,
        reset_link,
    });
    if failed {
        *res.status_mut() = StatusCode::CONFLICT;
    }
    Ok(res)
}

async fn accounts_page(
    State(state): State<AppState>,
    viewer: Viewer,
) -> Result<Response, AppError> {
    render_accounts(&state, &viewer, None, None, None).await
}

#[derive(Deserialize)]
struct RoleForm {
    role: String,
}

async fn set_role(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<i64>,
    CsrfForm(form): CsrfForm<RoleForm>,
) -> Result<Response, AppError> {
    viewer.require_maintainer()?;
    let role = match form.role.as_str() {
        "maintainer" => Role::Maintainer,
        "contributor" => Role::Contributor,
        _ => {
            return Err(AppError::BadRequest(
                "the role must be maintainer or contributor".into(),
            ))
        }
    };
    let outcome = state
        .with_store(move |s| {
            let user = s.user(id)?.ok_or(AppError::NotFound)?;
            s.set_role(id, role)?;
            Ok(user)
        })
        .await;
    match outcome {
        Ok(user) => {
            state.roles_changed().await?;
            let said = match role {
                Role::Maintainer => format!("{} is now a maintainer.", user.name),
                Role::Contributor => format!("{} is no longer a maintainer.", user.name),
            };
            render_accounts(&state, &viewer, None, Some(said), None).await
        }
        Err(AppError::Store(StoreError::Invalid(msg))) => {
            render_accounts(&state, &viewer, Some(FieldError::new("", msg)), None, None).await
        }
        Err(e) => Err(e),
    }
}

async fn reset_link(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<i64>,
    CsrfForm(_form): CsrfForm<serde::de::IgnoredAny>,
) -> Result<Response, AppError> {
    viewer.require_maintainer()?;
    let (user, token) = state
        .with_store(move |s| {
            let user = s.user(id)?.ok_or(AppError::NotFound)?;
            let token = s.create_reset_link_at(id, store::now_secs())?;
            Ok((user, token))
        })
        .await?;
    // Absolute links come from the configured public address, never the `Host` header.
    let link = format!("{}/reset/{token}", state.public_url());
    render_accounts(&state, &viewer, None, None, Some((user.name, link))).await
}

#[derive(Template)]
#[template(path = "reset.html")]
struct ResetPage {
    chrome: Chrome,
    name: String,
    token: String,
    error: Option<FieldError>,
    min_password: usize,
}

fn reset_token(token: &str) -> Result<String, AppError> {
    if token.len() == 64 && token.bytes().all(|b| b.is_ascii_hexdigit()) {
        Ok(token.to_string())
    } else {
        Err(AppError::NotFound)
    }
}

const LINK_GONE: &str =
    "This reset link has expired or has been used. Ask a maintainer for a new one.";

async fn reset_form(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(token): Path<String>,
) -> Result<Response, AppError> {
    let token = reset_token(&token)?;
    let t = token.clone();
    let user = state
        .with_store(move |s| Ok(s.reset_link_user_at(&t, store::now_secs())?))
        .await?
        .ok_or_else(|| AppError::Forbidden(LINK_GONE.into()))?;
    Ok(page(&ResetPage {
        chrome: Chrome::of(&viewer),
        name: user.name,
        token,
        error: None,
        min_password: crate::credentials::MIN_PASSWORD_CHARS,
    }))
}

async fn reset(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(token): Path<String>,
    CsrfForm(form): CsrfForm<NewPasswordForm>,
) -> Result<Response, AppError> {
    state.check_auth_rate(&viewer.client)?;
    let token = reset_token(&token)?;
    let t = token.clone();
    let outcome = state
        .with_store(move |s| {
            let now = store::now_secs();
            let Some(user) = s.reset_link_user_at(&t, now)? else {
                return Ok(Err(None));
            };
            match s.use_reset_link_at(&t, &form.password, now) {
                Ok(_) => Ok(Ok(())),
                Err(e @ (StoreError::Field { .. } | StoreError::Invalid(_))) => {
                    Ok(Err(Some((user, e))))
                }
                Err(e) => Err(e.into()),
            }
        })
        .await?;
    match outcome {
        Ok(()) => Ok(see_other("/signin?reset=done")),
        Err(None) => Err(AppError::Forbidden(LINK_GONE.into())),
        Err(Some((user, e))) => {
            let mut res = page(&ResetPage {
                chrome: Chrome::of(&viewer),
                name: user.name,
                token,
                error: Some(FieldError::of(e)?),
                min_password: crate::credentials::MIN_PASSWORD_CHARS,
            });
            *res.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
            Ok(res)
        }
    }
}
