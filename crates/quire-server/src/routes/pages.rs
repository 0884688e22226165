//! Reading pages (contents, sections) and accounts (sign up, sign in, sign out).

use axum::extract::{Path, State};
use axum::http::header::{LOCATION, SET_COOKIE};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use serde::Deserialize;

use crate::auth::{set_cookie, CsrfForm, Viewer, Visitor, SESSION_COOKIE};
use crate::page_cache::PageKey;
use crate::render::markdown;
use crate::store::{self, Role, SignIn, SESSION_SECONDS};
use crate::templates::{
    page, Badges, Chrome, CommentView, ContentsEntry, ContentsPage, ContentsPart, FieldError,
    SectionPage, SignInPage,
};
use crate::{AppError, AppState};

/// Routes of this module.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/", get(contents_draft))
        .route("/sections/{id}", get(section_draft))
        .route("/sections/{id}/comments", post(comment_section))
        .route("/editions/{slug}", get(contents_edition))
        .route("/editions/{slug}/sections/{id}", get(section_edition))
        .route("/signup", get(signup_form).post(signup))
        .route("/signin", get(signin_form).post(signin))
        .route("/signout", post(signout))
}

/// A redirect after a successful form post (303 See Other).
pub fn see_other(location: &str) -> Response {
    (StatusCode::SEE_OTHER, [(LOCATION, location.to_string())]).into_response()
}

async fn contents_draft(
    State(state): State<AppState>,
    viewer: Viewer,
) -> Result<Response, AppError> {
    contents(state, viewer, None).await
}

async fn contents_edition(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(slug): Path<String>,
) -> Result<Response, AppError> {
    contents(state, viewer, Some(slug)).await
}

async fn contents(
    state: AppState,
    viewer: Viewer,
    edition: Option<String>,
) -> Result<Response, AppError> {
    let st = state.clone();
    let page_data = state
        .with_lib(move |lib| {
            let (at, prefix, note) = match &edition {
                Some(slug) => {
                    let e = lib.edition(slug)?;
                    let note = format!("Edition: {} (published {})", e.title, e.date);
                    (e.commit.0.clone(), format!("/editions/{}/sections/", e.slug), note)
                }
                None => (
                    "main".to_string(),
                    "/sections/".to_string(),
                    "This is the working draft of the next edition. Anyone can comment on a section or propose a change.".to_string(),
                ),
            };
            let manifest = lib.manifest(&at)?;
            let sections = lib.sections(&at)?;
            // Open, shown proposals per section, from the index.
            let open: std::collections::HashMap<quire_core::SectionId, usize> =
                if edition.is_none() {
                    st.index_query(lib, |ix| {
                        Ok(sections
                            .iter()
                            .map(|s| (s.id.clone(), ix.proposals().open_shown_count(&s.id)))
                            .collect())
                    })?
                } else {
                    Default::default()
                };
            let mut parts = Vec::new();
            let mut start = 1;
            for part in &manifest.parts {
                let entries: Vec<ContentsEntry> = sections
                    .iter()
                    .filter(|s| s.part == part.id)
                    .map(|s| ContentsEntry {
                        href: format!("{prefix}{}", s.id),
                        title: s.title.clone(),
                        open_proposals: open.get(&s.id).copied().unwrap_or(0),
                    })
                    .collect();
                let n = entries.len();
                parts.push(ContentsPart {
                    id: part.id.clone(),
                    title: part.title.clone(),
                    start,
                    sections: entries,
                });
                start += n;
            }
            Ok((manifest.title, manifest.subtitle, note, parts))
        })
        .await?;
    let (title, subtitle, version_note, parts) = page_data;
    Ok(page(&ContentsPage {
        chrome: Chrome::of(&viewer),
        title,
        subtitle,
        version_note,
        parts,
    }))
}

#[derive(Deserialize, Default)]
struct SectionQuery {
    #[serde(default)]
    reported: Option<String>,
}

async fn section_draft(
    State(state): State<AppState>,
    visitor: Visitor,
    Path(id): Path<String>,
    axum::extract::Query(q): axum::extract::Query<SectionQuery>,
) -> Result<Response, AppError> {
    let reported = q.reported.is_some();
    match visitor {
        Visitor::Viewer(viewer) => section(state, viewer, id, None, reported).await,
        Visitor::Anonymous => {
            let key = PageKey::Section {
                id: id.clone(),
                reported,
            };
            let render = section(
                state.clone(),
                Visitor::anonymous_viewer(),
                id,
                None,
                reported,
            );
            state.anonymous_page(key, render).await
        }
    }
}

async fn section_edition(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((slug, id)): Path<(String, String)>,
) -> Result<Response, AppError> {
    section(state, viewer, id, Some(slug), false).await
}

/// Open proposals listed on a section page; the rest are a link away.
const OPEN_PROPOSALS_SHOWN: usize = 20;

async fn section(
    state: AppState,
    viewer: Viewer,
    id: String,
    edition: Option<String>,
    reported: bool,
) -> Result<Response, AppError> {
    let is_draft = edition.is_none();
    let st = state.clone();
    let audience = viewer.audience();
    let data = state
        .with_lib(move |lib| {
            let (at, contents_href) = match &edition {
                Some(slug) => {
                    let e = lib.edition(slug)?;
                    (e.commit.0.clone(), format!("/editions/{}", e.slug))
                }
                None => ("main".to_string(), "/".to_string()),
            };
            let s = lib.section(&id, &at)?;
            let manifest = lib.manifest(&at)?;
            let part_title = manifest
                .parts
                .iter()
                .find(|p| p.id == s.part)
                .map(|p| p.title.clone())
                .unwrap_or_default();
            let (comments, open) = if edition.is_none() {
                let filter = quire_core::ProposalFilter {
                    status: Some(quire_core::Status::Open),
                    section: Some(s.id.clone()),
                };
                let open = st.index_query(lib, |ix| {
                    let listed: Vec<(u64, String)> = ix
                        .proposals()
                        .newest_first(&filter)
                        .filter(|p| audience.sees(p.hidden, &p.author))
                        .take(OPEN_PROPOSALS_SHOWN)
                        .map(|p| (p.number, p.title.clone()))
                        .collect();
                    Ok((listed, ix.proposals().open_shown_count(&s.id)))
                })?;
                (lib.section_comments(&id)?, open)
            } else {
                (Vec::new(), (Vec::new(), 0))
            };
            let badges = Badges::lookup(st.store(), comments.iter().map(|c| &c.author))?;
            let comments: Vec<CommentView> = comments
                .iter()
                .map(|c| CommentView::badged(c, &audience, &badges))
                .collect();
            Ok((s, manifest.title, part_title, contents_href, comments, open))
        })
        .await?;
    let (s, resource_title, part_title, contents_href, comments, open_proposals) = data;
    Ok(page(&SectionPage {
        chrome: Chrome::of(&viewer),
        csrf: viewer.csrf.clone(),
        id: s.id.to_string(),
        title: s.title,
        resource_title,
        part_title,
        contents_href,
        body_html: markdown(&s.text),
        is_draft,
        signed_in: viewer.user.is_some(),
        can_report: viewer.user.is_some(),
        comments,
        open_total: open_proposals.1,
        open_proposals: open_proposals.0,
        reported,
    }))
}

#[derive(Deserialize)]
struct CommentForm {
    body: String,
}

async fn comment_section(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    CsrfForm(form): CsrfForm<CommentForm>,
) -> Result<Response, AppError> {
    let user = viewer.require_writer()?.clone();
    state.check_write_rate(&user)?;
    let who = user.identity();
    let target = id.clone();
    let c = state
        .with_lib(move |lib| Ok(lib.comment_section(&target, &who, &form.body)?))
        .await?;
    Ok(see_other(&format!("/sections/{id}#comment-{}", c.id)))
}

fn signin_page(
    viewer: &Viewer,
    signup: bool,
    error: Option<FieldError>,
    name: String,
    email: String,
) -> Response {
    let mut res = page(&SignInPage {
        chrome: Chrome::of(viewer),
        heading: if signup {
            "Create an account"
        } else {
            "Sign in"
        },
        action: if signup { "/signup" } else { "/signin" },
        button: if signup { "Create account" } else { "Sign in" },
        signup,
        min_password: crate::credentials::MIN_PASSWORD_CHARS,
        error: error.clone(),
        name,
        email,
    });
    if error.is_some() {
        *res.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    res
}

async fn signup_form(viewer: Viewer) -> Response {
    signin_page(&viewer, true, None, String::new(), String::new())
}

async fn signin_form(viewer: Viewer) -> Response {
    signin_page(&viewer, false, None, String::new(), String::new())
}

#[derive(Deserialize)]
struct SignUpForm {
    name: String,
    email: String,
    password: String,
}

#[derive(Deserialize)]
struct SignInForm {
    email: String,
    password: String,
}

/// Starts a fresh session for `user_id` (a new token every time: no session fixation) and
/// redirects home.
pub fn start_session(state: &AppState, token: &str, to: &str) -> Response {
    session_cookie(state, see_other(to), Some(token))
}

/// `res` with the session cookie set to `token` (for [`SESSION_SECONDS`]), or cleared when
/// `None`: the one place that knows the session cookie's attributes.
pub fn session_cookie(state: &AppState, mut res: Response, token: Option<&str>) -> Response {
    res.headers_mut().append(
        SET_COOKIE,
        set_cookie(
            SESSION_COOKIE,
            token.unwrap_or(""),
            Some(if token.is_some() { SESSION_SECONDS } else { 0 }),
            "Lax",
            state.config().secure_cookies,
        ),
    );
    res
}

async fn signup(
    State(state): State<AppState>,
    viewer: Viewer,
    CsrfForm(form): CsrfForm<SignUpForm>,
) -> Result<Response, AppError> {
    state.check_auth_rate(&viewer.client)?;
    let SignUpForm {
        name,
        email,
        password,
    } = form;
    let (n, e) = (name.clone(), email.clone());
    let created = state
        .with_store(move |s| {
            let u = s.create_user(&n, &e, &password, Role::Contributor)?;
            Ok(s.create_session(u.id)?)
        })
        .await;
    match created {
        Ok(token) => Ok(start_session(&state, &token, "/")),
        Err(AppError::Store(e)) => match FieldError::of(e) {
            Ok(fe) => Ok(signin_page(&viewer, true, Some(fe), name, email)),
            Err(e) => Err(e.into()),
        },
        Err(e) => Err(e),
    }
}

async fn signin(
    State(state): State<AppState>,
    viewer: Viewer,
    CsrfForm(form): CsrfForm<SignInForm>,
) -> Result<Response, AppError> {
    state.check_auth_rate(&viewer.client)?;
    let email = form.email.clone();
    let outcome = state
        .with_store(move |s| {
            Ok(
                match s.sign_in_at(&form.email, &form.password, store::now_secs())? {
                    SignIn::Ok(u) => Ok((s.create_session(u.id)?, u.must_change_password)),
                    other => Err(other),
                },
            )
        })
        .await?;
    match outcome {
        Ok((token, must_change)) => {
            if let Some(old) = viewer.session.clone() {
                state
                    .with_store(move |s| Ok(s.delete_session(&old)?))
                    .await?;
            }
            let to = if must_change {
                crate::routes::account::CHANGE_PASSWORD
            } else {
                "/"
            };
            Ok(start_session(&state, &token, to))
        }
        Err(SignIn::OneTimeExpired) => Ok(signin_page(
            &viewer,
            false,
            Some(FieldError::new(
                "password",
                "This one-time password has expired (they last 24 hours). Ask whoever runs this \
                 site to make a new one with: quire accounts reset-password",
            )),
            String::new(),
            email,
        )),
        Err(_) => Ok(signin_page(
            &viewer,
            false,
            Some(FieldError::new(
                "email",
                "The email address or password is not right",
            )),
            String::new(),
            email,
        )),
    }
}

async fn signout(
    State(state): State<AppState>,
    viewer: Viewer,
    CsrfForm(_form): CsrfForm<serde::de::IgnoredAny>,
) -> Result<Response, AppError> {
    if let Some(token) = viewer.session.clone() {
        state
            .with_store(move |s| Ok(s.delete_session(&token)?))
            .await?;
    }
    Ok(session_cookie(&state, see_other("/"), None))
}
