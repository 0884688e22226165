//! Proposal pages: the filtered list, proposing a change to a section (with a preview), one
//! proposal with its change in three views, its revisions, reviews and discussion, and the
//! forms that revise, update, withdraw, review, merge and reject it.
//!
//! Every form posts through [`CsrfForm`], needs a signed-in account that is not blocked and
//! takes one write from the account's allowance. A refused write re-renders its page with an
//! error summary (422 for input to fix, 409 for a state that forbids it) and writes nothing;
//! a successful one redirects (303) to the proposal.

mod actions;
mod list;
mod propose;
mod revise;
mod show;
mod update;
mod views;

use actions::*;
use list::*;
use propose::*;
use revise::*;
use show::*;
use update::*;

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;
use quire_core::ids::{check_body, check_section_text, check_title};
use quire_core::prose;
use quire_core::{
    Action, Audience, ConflictReport, Error as CoreError, Identity, Library, Mergeability,
    NewProposal, Proposal, ProposalFilter, RevisionKind, SectionId, Status, Verdict,
};
use serde::Deserialize;

use crate::auth::{CsrfForm, Viewer, Visitor};
use crate::page_cache::PageKey;
use crate::render::markdown;
use crate::routes::pages::see_other;
use crate::store::User;
use crate::templates::{page, Badges, Chrome, CommentView};
use crate::{AppError, AppState};
use views::{
    demote_headings, error_for, sentence, short_time, Choice, ConflictView, Drafts, ErrorItem,
    HunkView, ProposalPage, ProposalRow, ProposalsPage, ProposePage, ReviewView, RevisePage,
    RevisionView, SectionHtml, SectionRef, SideHtml, SignInNeededPage, Tab, TextField, UpdatePage,
};

/// Routes of this module.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/proposals", get(list))
        .route("/sections/{id}/propose", get(propose_form).post(propose))
        .route("/proposals/{n}", get(show))
        .route("/proposals/{n}/comments", post(comment))
        .route("/proposals/{n}/review", post(review))
        .route("/proposals/{n}/merge", post(merge))
        .route("/proposals/{n}/reject", post(reject))
        .route("/proposals/{n}/withdraw", post(withdraw))
        .route("/proposals/{n}/revise", get(revise_form).post(revise))
        .route("/proposals/{n}/update", get(update_form).post(update))
}

// ---------------------------------------------------------------------------------------
// Shared helpers

/// A proposal number from the path; anything else is a page that does not exist.
fn number(raw: &str) -> Result<u64, AppError> {
    raw.parse::<u64>()
        .ok()
        .filter(|n| *n > 0)
        .ok_or(AppError::NotFound)
}

/// The pairs of a query string (a malformed one counts as empty).
fn query_pairs(raw: Option<&str>) -> Vec<(String, String)> {
    raw.and_then(|q| serde_urlencoded::from_str::<Vec<(String, String)>>(q).ok())
        .unwrap_or_default()
}

/// The first value of a field of a form or query (empty if absent).
fn first<'a>(pairs: &'a [(String, String)], key: &str) -> &'a str {
    pairs
        .iter()
        .find(|(k, _)| k == key)
        .map_or("", |(_, v)| v.as_str())
}

/// The `text_<section id>` fields of a form, in order.
fn text_fields(pairs: &[(String, String)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .filter_map(|(k, v)| {
            k.strip_prefix("text_")
                .map(|id| (id.to_string(), v.clone()))
        })
        .collect()
}

/// May `user` do `action` to `p`? Asks the one policy ([`quire_core::policy`]).
fn authorise(p: &Proposal, user: &User, action: Action) -> Result<(), AppError> {
    Ok(user.audience().may(action, p)?)
}

fn require_open(p: &Proposal, action: &'static str) -> Result<(), AppError> {
    if p.status == Status::Open {
        Ok(())
    } else {
        Err(CoreError::NotOpen {
            number: p.number,
            status: p.status,
            action,
        }
        .into())
    }
}

/// The writer behind a form post: signed in, not blocked, within the write allowance.
fn poster(state: &AppState, viewer: &Viewer) -> Result<User, AppError> {
    let user = viewer.require_writer()?.clone();
    state.check_write_rate(&user)?;
    Ok(user)
}

/// Runs a write on proposal `n` as `user`, once the policy allows `action`.
async fn write<T, F>(
    state: &AppState,
    user: &User,
    n: u64,
    action: Action,
    f: F,
) -> Result<T, AppError>
where
    T: Send + 'static,
    F: FnOnce(&Library, &Proposal, &Identity) -> quire_core::Result<T> + Send + 'static,
{
    let user = user.clone();
    state
        .with_lib(move |lib| {
            let p = lib.proposal(n)?;
            authorise(&p, &user, action)?;
            Ok(f(lib, &p, &user.identity())?)
        })
        .await
}

/// For an error a form can show: its status and message. Other errors become error pages.
fn refusal(e: &AppError) -> Option<(StatusCode, String)> {
    match e {
        AppError::Core(quire_core::Error::Conflict(report)) => {
            Some((StatusCode::CONFLICT, conflict_message(report)))
        }
        // On these forms "no change" is about the text just typed: like invalid input,
        // the person fixes it in the form.
        AppError::Core(quire_core::Error::NoChange(_)) => {
            Some((StatusCode::UNPROCESSABLE_ENTITY, sentence(&e.to_string())))
        }
        _ => e
            .for_form()
            .map(|(status, message)| (status, sentence(&message))),
    }
}

fn conflict_message(report: &ConflictReport) -> String {
    let names: Vec<&str> = report.sections.iter().map(|s| s.section.as_str()).collect();
    format!(
        "Proposal #{} conflicts with the current draft in section {}. It needs an update onto the latest draft, with the conflicting text resolved, before it can be merged.",
        report.number,
        names.join(", ")
    )
}

/// The reason inside an `Invalid` error, or the whole message.
fn reason(e: CoreError) -> String {
    match e {
        CoreError::Invalid { reason, .. } => reason,
        other => other.to_string(),
    }
}

fn titles_on_main(lib: &Library) -> Result<HashMap<String, String>, AppError> {
    Ok(lib
        .sections("main")?
        .into_iter()
        .map(|s| (s.id.to_string(), s.title))
        .collect())
}

fn section_title(titles: &HashMap<String, String>, id: &str) -> String {
    titles.get(id).cloned().unwrap_or_else(|| id.to_string())
}

fn conflict_views(report: &ConflictReport, titles: &HashMap<String, String>) -> Vec<ConflictView> {
    report
        .sections
        .iter()
        .map(|s| ConflictView {
            section: s.section.clone(),
            title: section_title(titles, &s.section),
            hunks: s
                .hunks
                .iter()
                .map(|h| HunkView {
                    main: h.main.clone(),
                    proposal: h.proposal.clone(),
                })
                .collect(),
        })
        .collect()
}

/// The 401 page of a form that needs an account, with a way to sign in.
fn signin_needed(viewer: &Viewer, message: &str) -> Response {
    let mut res = page(&SignInNeededPage {
        chrome: Chrome::of(viewer),
        message: message.to_string(),
    });
    *res.status_mut() = StatusCode::UNAUTHORIZED;
    res
}

fn with_status(mut res: Response, status: StatusCode) -> Response {
    *res.status_mut() = status;
    res
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_positive_whole_numbers_name_a_proposal() {
        assert_eq!(number("7").ok(), Some(7));
        for bad in ["0", "-1", "abc", "", "1.5", "99999999999999999999999"] {
            assert!(matches!(number(bad), Err(AppError::NotFound)), "{bad}");
        }
    }

    #[test]
    fn refusals_map_to_form_errors_and_the_rest_to_error_pages() {
        let busy = AppError::Core(CoreError::Contention("main".into()));
        let (status, message) = refusal(&busy).expect("contention is a refusal");
        assert_eq!(status, StatusCode::CONFLICT);
        assert!(
            message.starts_with("Someone else changed this"),
            "{message}"
        );
        let empty = AppError::Core(CoreError::NoChange("same text".into()));
        assert_eq!(
            refusal(&empty).map(|r| r.0),
            Some(StatusCode::UNPROCESSABLE_ENTITY)
        );
        let conflict = AppError::Core(CoreError::Conflict(ConflictReport {
            number: 3,
            sections: Vec::new(),
        }));
        assert_eq!(refusal(&conflict).map(|r| r.0), Some(StatusCode::CONFLICT));
        assert!(refusal(&AppError::NotFound).is_none());
        assert!(refusal(&AppError::Forbidden("no".into())).is_none());
        assert!(refusal(&AppError::Core(CoreError::UnknownProposal(3))).is_none());
    }

    #[test]
    fn view_links_keep_the_revision() {
        assert_eq!(view_href(4, "diff", None), "/proposals/4");
        assert_eq!(
            view_href(4, "side", Some(2)),
            "/proposals/4?view=side&rev=2"
        );
        assert_eq!(view_href(4, "diff", Some(1)), "/proposals/4?rev=1");
    }
}
