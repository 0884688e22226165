//! Page templates (askama: checked at compile time, HTML-escaped by default). Only values
//! that went through [`crate::render::markdown`] or a diff renderer are marked `|safe`.

use askama::Template;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};

use crate::auth::Viewer;

/// What every page shows around its content.
#[derive(Debug, Clone, Default)]
pub struct Chrome {
    /// The signed-in user's name.
    pub user: Option<String>,
    /// Show maintainer links.
    pub maintainer: bool,
    /// The CSRF token for forms.
    pub csrf: String,
}

impl Chrome {
    /// The chrome for a viewer.
    pub fn of(v: &Viewer) -> Chrome {
        Chrome {
            user: v.user.as_ref().map(|u| u.name.clone()),
            maintainer: v.is_maintainer(),
            csrf: v.csrf.clone(),
        }
    }
}

/// Renders a template to a response (500 with a plain message if rendering fails).
pub fn page<T: Template>(t: &T) -> Response {
    match t.render() {
        Ok(html) => Html(html).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "template failed");
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                "something went wrong on our side",
            )
                .into_response()
        }
    }
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage<'a> {
    chrome: Chrome,
    heading: &'a str,
    message: &'a str,
    signin: bool,
}

/// The error page for a status.
pub fn error_page(status: StatusCode, message: &str) -> Response {
    let heading = match status {
        StatusCode::NOT_FOUND => "Page not found",
        StatusCode::UNAUTHORIZED => "Sign in to continue",
        StatusCode::FORBIDDEN => "You cannot do that",
        StatusCode::CONFLICT => "That could not be done",
        StatusCode::TOO_MANY_REQUESTS => "Too many requests",
        StatusCode::UNPROCESSABLE_ENTITY | StatusCode::BAD_REQUEST => "There is a problem",
        StatusCode::PAYLOAD_TOO_LARGE => "That was too large",
        _ => "Sorry, something went wrong",
    };
    let mut res = page(&ErrorPage {
        chrome: Chrome::default(),
        heading,
        message,
        signin: status == StatusCode::UNAUTHORIZED,
    });
    *res.status_mut() = status;
    res
}

/// One part in the contents.
pub struct ContentsPart {
    pub id: String,
    pub title: String,
    pub start: usize,
    pub sections: Vec<ContentsEntry>,
}

/// One section in the contents.
pub struct ContentsEntry {
    pub href: String,
    pub title: String,
    pub open_proposals: usize,
}

/// The contents of the draft or of an edition.
#[derive(Template)]
#[template(path = "contents.html")]
pub struct ContentsPage {
    pub chrome: Chrome,
    pub title: String,
    pub subtitle: Option<String>,
    pub version_note: String,
    pub parts: Vec<ContentsPart>,
}

/// The role badges of the accounts behind some git identities ("Maintainer"), looked up
/// in one query ([`crate::store::Store::roles_by_identity`]): pages fill a `*_badge` field
/// beside every name they show from it.
#[derive(Debug, Default)]
pub struct Badges(std::collections::HashMap<String, crate::store::Role>);

impl Badges {
    /// The badges of `ids`' accounts.
    pub fn lookup<'a>(
        store: &crate::store::Store,
        ids: impl IntoIterator<Item = &'a quire_core::Identity>,
    ) -> Result<Badges, crate::store::StoreError> {
        Ok(Badges(store.roles_by_identity(ids)?))
    }

    /// The badge to show beside `id`'s name, if any.
    pub fn of(&self, id: &quire_core::Identity) -> Option<&'static str> {
        self.0.get(&id.email).and_then(|r| r.badge())
    }
}

/// A comment as shown.
pub struct CommentView {
    pub id: u32,
    pub author: String,
    /// The badge beside the author's name (see [`Badges`]; filled by [`CommentView::badged`]).
    pub role_badge: Option<&'static str>,
    pub at: String,
    pub body_html: String,
    /// Hidden or redacted: the body is a notice, not the text.
    pub removed: bool,
}

impl CommentView {
    /// Shows a comment as `audience` may see it ([`quire_core::policy`]): text it may not
    /// read is replaced with a notice; a maintainer reading a hidden comment is told so.
    pub fn of(c: &quire_core::Comment, audience: &quire_core::Audience) -> CommentView {
        let (removed, body_html) = match audience.comment_notice(c) {
            Some(notice) => (true, notice.to_string()),
            None if c.hidden.is_some() => (
                false,
                format!(
                    "<p class=\"removed\">Hidden by a maintainer: only maintainers see this text.</p>{}",
                    crate::render::markdown(&c.body)
                ),
            ),
            None => (false, crate::render::markdown(&c.body)),
        };
        CommentView {
            id: c.id,
            author: c.author.name.clone(),
            role_badge: None,
            at: c.at.clone(),
            body_html,
            removed,
        }
    }

    /// [`CommentView::of`] with the role badge beside the author's name.
    pub fn badged(
        c: &quire_core::Comment,
        audience: &quire_core::Audience,
        badges: &Badges,
    ) -> CommentView {
        CommentView {
            role_badge: badges.of(&c.author),
            ..CommentView::of(c, audience)
        }
    }
}

/// A section page.
#[derive(Template)]
#[template(path = "section.html")]
pub struct SectionPage {
    pub chrome: Chrome,
    pub csrf: String,
    pub id: String,
    pub title: String,
    pub resource_title: String,
    pub part_title: String,
    pub contents_href: String,
    pub body_html: String,
    pub is_draft: bool,
    pub signed_in: bool,
    pub can_report: bool,
    pub comments: Vec<CommentView>,
    pub open_proposals: Vec<(u64, String)>,
    /// How many open proposals there are in all (only the newest are listed).
    pub open_total: usize,
    /// Show "thank you for reporting".
    pub reported: bool,
}

/// Sign in and sign up.
#[derive(Template)]
#[template(path = "signin.html")]
pub struct SignInPage {
    pub chrome: Chrome,
    pub heading: &'static str,
    pub action: &'static str,
    pub button: &'static str,
    pub signup: bool,
    pub min_password: usize,
    pub error: Option<FieldError>,
    pub name: String,
    pub email: String,
}

/// A problem with one form field: shown in the error summary as a link to the field, and
/// beside the field.
#[derive(Debug, Clone)]
pub struct FieldError {
    /// The field's `id`.
    pub field: &'static str,
    /// What is wrong.
    pub message: String,
}

impl FieldError {
    /// A problem with `field`.
    pub fn new(field: &'static str, message: impl Into<String>) -> FieldError {
        FieldError {
            field,
            message: message.into(),
        }
    }

    /// The field error a store error is about, or the error back if it is not about
    /// input the user can fix.
    pub fn of(e: crate::store::StoreError) -> Result<FieldError, crate::store::StoreError> {
        match e {
            crate::store::StoreError::Field { field, message } => {
                Ok(FieldError::new(field, message))
            }
            crate::store::StoreError::Invalid(message) => Ok(FieldError::new("", message)),
            other => Err(other),
        }
    }

    /// True if the problem is with `field`.
    pub fn is(&self, field: &str) -> bool {
        self.field == field
    }
}
