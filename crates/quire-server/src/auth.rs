//! Who is asking: sessions (cookies) for pages, bearer tokens for the API, and CSRF
//! protection for every form.
//!
//! CSRF uses a token bound to the browser and its session: a random `quire_csrf` cookie
//! (HttpOnly, SameSite=Strict) is set by the first page that may hold a form (every page
//! rendered for a [`Viewer`]), and every form carries, as a hidden `csrf` field,
//! [`form_token`]: an HMAC, under a key kept in the account store, of that cookie and the
//! session cookie. [`CsrfForm`] recomputes it and compares in constant time before a
//! handler sees the form. A cookie and field planted by someone else do not match without
//! the key, and signing in (a new session) changes the token. Pages served to anonymous visitors through
//! the page cache ([`Visitor::Anonymous`]) hold no form, so they set no cookie and are the
//! same for everyone. The API takes no cookies, only `Authorization: Bearer` tokens, so it
//! needs no CSRF token.

use std::sync::{Arc, OnceLock};

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::header::{AUTHORIZATION, COOKIE, SET_COOKIE};
use axum::http::request::Parts;
use axum::http::HeaderValue;
use axum::middleware::Next;
use axum::response::Response;
use serde::de::DeserializeOwned;
use serde::Deserialize;

use crate::error::AppError;
use crate::store::{random_token, User};
use crate::AppState;

/// The session cookie.
pub const SESSION_COOKIE: &str = "quire_session";
/// The CSRF cookie.
pub const CSRF_COOKIE: &str = "quire_csrf";

/// The CSRF token for this request: the cookie's, or one made when a handler first asks
/// for it (and then set as the cookie).
#[derive(Debug, Clone)]
pub struct CsrfToken(Arc<CsrfSlot>);

#[derive(Debug)]
struct CsrfSlot {
    from_cookie: Option<String>,
    made: OnceLock<String>,
}

impl CsrfToken {
    /// The token, made now if the request brought none.
    pub fn get(&self) -> &str {
        match &self.0.from_cookie {
            Some(t) => t,
            None => self.0.made.get_or_init(random_token),
        }
    }
}

/// The token a form must carry: HMAC-SHA256 (RFC 2104) under `key` of the browser's CSRF
/// cookie and its session cookie (none before signing in), as hex.
pub fn form_token(key: &[u8], csrf_cookie: &str, session: Option<&str>) -> String {
    let mut msg = Vec::with_capacity(64);
    msg.extend_from_slice(b"quire-form\0");
    msg.extend_from_slice(csrf_cookie.as_bytes());
    msg.push(0);
    msg.extend_from_slice(session.unwrap_or("").as_bytes());
    hmac_sha256(key, &msg)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// HMAC-SHA256 (RFC 2104), from the `hmac` crate.
fn hmac_sha256(key: &[u8], msg: &[u8]) -> [u8; 32] {
    use hmac::Mac as _;
    // HMAC takes a key of any length: `new_from_slice` cannot fail for it.
    let Ok(mut mac) = hmac::Hmac::<sha2::Sha256>::new_from_slice(key) else {
        unreachable!("HMAC accepts keys of every length")
    };
    mac.update(msg);
    mac.finalize().into_bytes().into()
}

/// Reads a cookie from the request headers.
pub fn cookie(parts_headers: &axum::http::HeaderMap, name: &str) -> Option<String> {
    parts_headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_string())
        .filter(|v| {
            !v.is_empty()
                && v.len() <= 128
                && v.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
        })
}

/// Builds a `Set-Cookie` value.
pub fn set_cookie(
    name: &str,
    value: &str,
    max_age: Option<i64>,
    same_site: &str,
    secure: bool,
) -> HeaderValue {
    let mut c = format!("{name}={value}; Path=/; HttpOnly; SameSite={same_site}");
    if let Some(age) = max_age {
        c.push_str(&format!("; Max-Age={age}"));
    }
    if secure {
        c.push_str("; Secure");
    }
    HeaderValue::from_str(&c).expect("cookie values are ASCII tokens")
}

/// Middleware: exposes the visitor's CSRF token to handlers, and sets the cookie when a
/// handler used a token the visitor did not have yet (every page rendered for a
/// [`Viewer`]), so that every form a visitor is shown can be posted.
pub async fn csrf_cookie(
    axum::extract::State(state): axum::extract::State<AppState>,
    mut req: Request,
    next: Next,
) -> Response {
    let slot = Arc::new(CsrfSlot {
        from_cookie: cookie(req.headers(), CSRF_COOKIE),
        made: OnceLock::new(),
    });
    req.extensions_mut().insert(CsrfToken(Arc::clone(&slot)));
    let mut res = next.run(req).await;
    if let Some(token) = slot.made.get() {
        res.headers_mut().append(
            SET_COOKIE,
            set_cookie(
                CSRF_COOKIE,
                token,
                None,
                "Strict",
                state.config().secure_cookies,
            ),
        );
    }
    res
}

/// The person viewing a page: maybe signed in, always with a CSRF token for forms.
#[derive(Debug, Clone)]
pub struct Viewer {
    /// The account, if signed in (and not blocked from signing in).
    pub user: Option<User>,
    /// The CSRF token to put in forms.
    pub csrf: String,
    /// The session token, if any (for signing out).
    pub session: Option<String>,
    /// The client's address, for rate limits on signing in.
    pub client: String,
}

impl Viewer {
    /// The signed-in user, or 401.
    pub fn require_user(&self) -> Result<&User, AppError> {
        self.user.as_ref().ok_or(AppError::Unauthorized)
    }

    /// A signed-in user who may write (not blocked), or 401/403.
    pub fn require_writer(&self) -> Result<&User, AppError> {
        writer(self.user.as_ref())
    }

    /// A signed-in maintainer, or 401/403.
    pub fn require_maintainer(&self) -> Result<&User, AppError> {
        maintainer(self.user.as_ref())
    }

    /// True for a signed-in maintainer.
    pub fn is_maintainer(&self) -> bool {
        self.audience().is_maintainer()
    }

    /// Who is looking, for the visibility policy.
    pub fn audience(&self) -> quire_core::Audience {
        audience_of(self.user.as_ref())
    }
}

/// The policy's audience for an account (or nobody).
pub fn audience_of(user: Option<&User>) -> quire_core::Audience {
    user.map_or(quire_core::Audience::Anonymous, User::audience)
}

impl FromRequestParts<AppState> for Viewer {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Viewer, AppError> {
        let session = cookie(&parts.headers, SESSION_COOKIE);
        let browser = parts
            .extensions
            .get::<CsrfToken>()
            .map(|t| t.get().to_string())
            .unwrap_or_else(random_token);
        let csrf = state.form_token(&browser, session.as_deref());
        let user = match session.clone() {
            Some(token) => {
                state
                    .with_store(move |s| Ok(s.session_user(&token)?))
                    .await?
            }
            None => None,
        };
        // Signed in with a one-time password: nothing but choosing a new one (or signing
        // out) until that is done.
        if user.as_ref().is_some_and(|u| u.must_change_password)
            && !crate::routes::account::ALLOWED_BEFORE_PASSWORD_CHANGE.contains(&parts.uri.path())
        {
            return Err(AppError::PasswordChangeNeeded);
        }
        Ok(Viewer {
            user,
            csrf,
            session,
            client: crate::net::client_of(parts, &state.config().trusted_proxies),
        })
    }
}

/// The visitor of a page that the page cache may serve: anonymous (no session cookie at
/// all), or a [`Viewer`] for everyone else (signed in, or with a session that has ended).
#[derive(Debug, Clone)]
pub enum Visitor {
    /// No session cookie: sees the same page as every other anonymous visitor.
    Anonymous,
    /// Anyone else.
    Viewer(Viewer),
}

impl Visitor {
    /// The viewer to render an anonymous visitor's page for: no account, and no CSRF token,
    /// which such a page must not need (it has no form; the token would make it
    /// per-visitor).
    pub fn anonymous_viewer() -> Viewer {
        Viewer {
            user: None,
            csrf: String::new(),
            session: None,
            client: String::new(),
        }
    }
}

impl FromRequestParts<AppState> for Visitor {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Visitor, AppError> {
        if cookie(&parts.headers, SESSION_COOKIE).is_none() {
            return Ok(Visitor::Anonymous);
        }
        Ok(Visitor::Viewer(
            Viewer::from_request_parts(parts, state).await?,
        ))
    }
}

/// The caller of an API endpoint: anonymous, or identified by a bearer token.
#[derive(Debug, Clone)]
pub struct ApiCaller {
    /// The account, if a valid token was given.
    pub user: Option<User>,
}

impl ApiCaller {
    /// A user who may write (not blocked), or 401/403.
    pub fn require_writer(&self) -> Result<&User, AppError> {
        writer(self.user.as_ref())
    }

    /// A maintainer, or 401/403.
    pub fn require_maintainer(&self) -> Result<&User, AppError> {
        maintainer(self.user.as_ref())
    }

    /// Who is calling, for the visibility policy.
    pub fn audience(&self) -> quire_core::Audience {
        audience_of(self.user.as_ref())
    }
}

impl FromRequestParts<AppState> for ApiCaller {
    type Rejection = crate::error::ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<ApiCaller, Self::Rejection> {
        let Some(header) = parts.headers.get(AUTHORIZATION) else {
            return Ok(ApiCaller { user: None });
        };
        let token = header
            .to_str()
            .ok()
            .and_then(|h| h.strip_prefix("Bearer "))
            .map(str::trim)
            .filter(|t| t.len() <= 128 && !t.is_empty())
            .ok_or(AppError::Unauthorized)?
            .to_string();
        let user = state.with_store(move |s| Ok(s.token_user(&token)?)).await?;
        match user {
            Some(u) if u.must_change_password => Err(AppError::Forbidden(
                "this account must choose a new password on the website first".into(),
            )
            .into()),
            Some(u) => Ok(ApiCaller { user: Some(u) }),
            None => Err(AppError::Unauthorized.into()),
        }
    }
}

#[derive(Deserialize)]
struct CsrfOnly {
    #[serde(default)]
    csrf: String,
}

/// A URL-encoded form whose `csrf` field is the [`form_token`] of the visitor's CSRF and
/// session cookies.
pub struct CsrfForm<T>(pub T);

impl<T: DeserializeOwned> FromRequest<AppState> for CsrfForm<T> {
    type Rejection = AppError;

    async fn from_request(req: Request, state: &AppState) -> Result<CsrfForm<T>, AppError> {
        let expected = cookie(req.headers(), CSRF_COOKIE).map(|browser| {
            let session = cookie(req.headers(), SESSION_COOKIE);
            state.form_token(&browser, session.as_deref())
        });
        let bytes = Bytes::from_request(req, state).await.map_err(|e| {
            if e.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
                AppError::BadRequest("the form is too large".into())
            } else {
                AppError::BadRequest(format!("the form could not be read: {e}"))
            }
        })?;
        let sent: CsrfOnly = serde_urlencoded::from_bytes(&bytes).map_err(|_| AppError::Csrf)?;
        match expected {
            Some(c) if constant_time_eq(c.as_bytes(), sent.csrf.as_bytes()) => {}
            _ => return Err(AppError::Csrf),
        }
        // URL decoding replaces invalid UTF-8 with U+FFFD; refuse it rather than store it.
        if std::str::from_utf8(&percent_decode(&bytes)).is_err() {
            return Err(AppError::BadRequest(
                "the form is not valid UTF-8; send it again from the page".into(),
            ));
        }
        let form: T = serde_urlencoded::from_bytes(&bytes)
            .map_err(|e| AppError::BadRequest(format!("the form is not complete: {e}")))?;
        Ok(CsrfForm(form))
    }
}

/// Decodes `%XX` escapes and `+` of a URL-encoded body (malformed escapes stay as they
/// are). Splitting at `&` and `=` does not matter for UTF-8 validity: both are ASCII.
fn percent_decode(bytes: &[u8]) -> Vec<u8> {
    let hex = |b: u8| char::from(b).to_digit(16);
    let mut out = Vec::with_capacity(bytes.len());
    let mut k = 0;
    while k < bytes.len() {
        match bytes[k] {
            b'+' => out.push(b' '),
            b'%' => {
                if let (Some(h), Some(l)) = (
                    bytes.get(k + 1).copied().and_then(hex),
                    bytes.get(k + 2).copied().and_then(hex),
                ) {
                    out.push((h * 16 + l) as u8);
                    k += 3;
                    continue;
                }
                out.push(b'%');
            }
            b => out.push(b),
        }
        k += 1;
    }
    out
}

/// The one rule for writing, shared by pages and the API: signed in (401) and not blocked
/// (403).
fn writer(user: Option<&User>) -> Result<&User, AppError> {
    let u = user.ok_or(AppError::Unauthorized)?;
    if u.blocked {
        return Err(AppError::Forbidden(
            "this account is blocked from writing".into(),
        ));
    }
    Ok(u)
}

/// A writer who is also a maintainer (403 otherwise).
fn maintainer(user: Option<&User>) -> Result<&User, AppError> {
    let u = writer(user)?;
    if !u.is_maintainer() {
        return Err(AppError::Forbidden("only maintainers can do that".into()));
    }
    Ok(u)
}

/// Compares in time that does not depend on where the bytes differ (`subtle`).
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    use subtle::ConstantTimeEq as _;
    a.ct_eq(b).into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hmac_matches_rfc_4231() {
        // RFC 4231, test cases 2 and 6 (a key longer than the block).
        let hex = |b: [u8; 32]| b.iter().map(|x| format!("{x:02x}")).collect::<String>();
        assert_eq!(
            hex(hmac_sha256(b"Jefe", b"what do ya want for nothing?")),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
        assert_eq!(
            hex(hmac_sha256(
                &[0xaa; 131],
                b"Test Using Larger Than Block-Size Key - Hash Key First"
            )),
            "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"
        );
    }

    #[test]
    fn form_token_depends_on_cookie_session_and_key() {
        let t = form_token(b"k", "browser", Some("session"));
        assert_ne!(t, form_token(b"k", "browser", None));
        assert_ne!(t, form_token(b"k", "browser", Some("other")));
        assert_ne!(t, form_token(b"k", "other", Some("session")));
        assert_ne!(t, form_token(b"j", "browser", Some("session")));
        assert_eq!(t, form_token(b"k", "browser", Some("session")));
    }
}
