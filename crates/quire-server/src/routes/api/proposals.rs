//! `/proposals`: listing, opening, revising, updating, reviewing, merging and closing
//! proposals, and their discussions.
//!
//! A hidden proposal does not exist for anyone but a maintainer: it is left out of lists
//! and every request naming it answers 404, as if its number were free.

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use quire_core::{
    Action, Audience, Identity, Library, Mergeability, NewProposal, Proposal, ProposalFilter,
    SectionId, Status, Verdict,
};
use quire_wire::v1 as wire;
use serde::{Deserialize, Serialize};

use super::sections::NewComment;
use super::{printable, ApiJson, ApiJsonOrEmpty, ApiPath, ApiQuery, Maintainer, Writer};
use crate::auth::ApiCaller;
use crate::error::ApiError;
use crate::store::User;
use crate::{AppError, AppState};

/// Routes of this module.
pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route("/proposals", get(list).post(propose))
        .route("/proposals/{n}", get(show))
        .route("/proposals/{n}/diff", get(diff))
        .route("/proposals/{n}/comments", post(comment))
        .route("/proposals/{n}/revisions", post(revise))
        .route("/proposals/{n}/update", post(update))
        .route("/proposals/{n}/withdraw", post(withdraw))
        .route("/proposals/{n}/reviews", post(review))
        .route("/proposals/{n}/merge", post(merge))
        .route("/proposals/{n}/reject", post(reject))
}

/// Parses a proposal number from the path (422 if it is not one).
pub(super) fn number(raw: &str) -> Result<u64, AppError> {
    raw.parse::<u64>().ok().filter(|n| *n > 0).ok_or_else(|| {
        AppError::BadRequest(format!(
            "invalid proposal number '{}': use a whole number from 1",
            printable(raw)
        ))
    })
}

/// Reads a proposal as `audience` may see it (see [`quire_core::policy`]): 404 for one it
/// may not see, as for a number no proposal has; comments it may not read have no text.
pub(super) fn visible(lib: &Library, n: u64, audience: &Audience) -> Result<Proposal, AppError> {
    Ok(audience.proposal(lib.proposal(n)?)?)
}

/// Runs `write` on proposal `n` once the policy lets `user` do `action` to it, and returns
/// the proposal after it as the user may see it.
fn act(
    lib: &Library,
    n: u64,
    user: &User,
    action: Action,
    write: impl FnOnce(&Identity) -> quire_core::Result<Proposal>,
) -> Result<Proposal, AppError> {
    let audience = user.audience();
    audience.may(action, &lib.proposal(n)?)?;
    Ok(audience.proposal(write(&user.identity())?)?)
}

/// `merge=` in a list query.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
enum MergeFilter {
    Clean,
    Conflict,
}

#[derive(Debug, Default, Deserialize)]
struct ListQuery {
    #[serde(default)]
    status: Option<String>,
    #[serde(default)]
    section: Option<String>,
    #[serde(default)]
    merge: Option<MergeFilter>,
    /// 1-based page of the list, newest first.
    #[serde(default)]
    page: Option<usize>,
    /// Proposals per page (default 100, at most 1000).
    #[serde(default)]
    per_page: Option<usize>,
}

/// Proposals per page of `GET /proposals` unless `per_page` says otherwise.
const DEFAULT_PER_PAGE: usize = 100;
/// The most `per_page` may ask for.
const MAX_PER_PAGE: usize = 1000;

/// One proposal in a list (API v1's `ProposalSummary`).
#[derive(Debug, Serialize)]
struct ProposalSummary {
    number: u64,
    title: String,
    author: wire::Identity,
    status: wire::Status,
    sections: Vec<String>,
    created: String,
    updated: String,
    /// The latest revision's number.
    revision: u32,
    /// Whether the latest revision is approved with no change request standing.
    approved: bool,
    /// How many comments it has.
    comments: usize,
    /// Whether a maintainer hid it (only maintainers see hidden proposals).
    hidden: bool,
    /// Whether it merges into `main` now (`closed` when it is not open).
    mergeability: wire::Mergeability,
}

async fn list(
    State(state): State<AppState>,
    caller: ApiCaller,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> Result<Json<Vec<ProposalSummary>>, ApiError> {
    let audience = caller.audience();
    let status = q
        .status
        .as_deref()
        .filter(|s| !s.is_empty())
        .map(str::parse::<Status>)
        .transpose()?;
    let section = q
        .section
        .as_deref()
        .filter(|s| !s.is_empty())
        .map(SectionId::new)
        .transpose()?;
    let page = q.page.unwrap_or(1);
    let per_page = q.per_page.unwrap_or(DEFAULT_PER_PAGE);
    if page == 0 {
        return Err(AppError::BadRequest("page must be 1 or more".into()).into());
    }
    if per_page == 0 || per_page > MAX_PER_PAGE {
        return Err(
            AppError::BadRequest(format!("per_page must be from 1 to {MAX_PER_PAGE}")).into(),
        );
    }
    let out = state
        .with_index(move |lib, ix| {
            use quire_core::index::{ListQuery, MergeState, Order};
            let filter = ProposalFilter { status, section };
            let listed = ix.page(
                lib,
                &ListQuery {
                    filter: &filter,
                    audience: &audience,
                    order: Order::OldestFirst,
                    merge: q.merge.map(|m| m == MergeFilter::Clean),
                    page,
                    per_page,
                    check_budget: None,
                    count_total: false,
                },
            )?;
            let mut out = Vec::new();
            for (s, state) in listed.rows {
                let m = match state {
                    None => Mergeability::Closed,
                    Some(MergeState::Clean) => Mergeability::Clean,
                    // The conflict report is worked out only for conflicting ones.
                    Some(MergeState::Conflict) => lib.mergeability(s.number)?,
                };
                out.push(ProposalSummary {
                    number: s.number,
                    revision: s.revision,
                    approved: s.approved,
                    comments: s.comments,
                    hidden: s.hidden,
                    title: s.title.clone(),
                    author: (&s.author).into(),
                    status: s.status.into(),
                    sections: s.sections.iter().map(|i| i.as_str().to_string()).collect(),
                    created: s.created.clone(),
                    updated: s.updated.clone(),
                    mergeability: (&m).into(),
                });
            }
            Ok(out)
        })
        .await?;
    Ok(Json(out))
}

/// One section's full proposed text.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Change {
    section: String,
    text: String,
}

fn changes(list: Vec<Change>) -> Result<Vec<(SectionId, String)>, AppError> {
    list.into_iter()
        .map(|c| Ok((SectionId::new(&c.section)?, c.text)))
        .collect()
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct NewProposalJson {
    title: String,
    #[serde(default)]
    rationale: String,
    changes: Vec<Change>,
    #[serde(default)]
    base: Option<String>,
}

async fn propose(
    State(state): State<AppState>,
    Writer(user): Writer,
    ApiJson(req): ApiJson<NewProposalJson>,
) -> Result<(StatusCode, Json<wire::Proposal>), ApiError> {
    let mut new = NewProposal {
        title: req.title,
        rationale: req.rationale,
        author: user.identity(),
        changes: changes(req.changes)?,
        base: req.base,
    };
    let audience = user.audience();
    let p = state
        .with_lib(move |lib| {
            // A base names a commit: one the caller may not see answers as one that does
            // not exist, never "not on the history of main".
            if let Some(base) = &new.base {
                new.base = Some(lib.resolve_for(base, &audience)?.0);
            }
            Ok(lib.propose(&new)?)
        })
        .await?;
    Ok((StatusCode::CREATED, Json((&p).into())))
}

async fn show(
    State(state): State<AppState>,
    caller: ApiCaller,
    ApiPath(n): ApiPath<String>,
) -> Result<Json<wire::ProposalDetail>, ApiError> {
    let n = number(&n)?;
    let audience = caller.audience();
    let d = state
        .with_lib(move |lib| {
            let p = visible(lib, n, &audience)?;
            let mergeability = lib.mergeability_of(&p)?;
            let mut history = lib.history(n)?;
            audience.scrub_events(&mut history, &p.comments);
            Ok(wire::ProposalDetail::new(&p, &mergeability, &history))
        })
        .await?;
    Ok(Json(d))
}

#[derive(Debug, Default, Deserialize)]
struct DiffQuery {
    #[serde(default)]
    rev: Option<u32>,
}

async fn diff(
    State(state): State<AppState>,
    caller: ApiCaller,
    ApiPath(n): ApiPath<String>,
    ApiQuery(q): ApiQuery<DiffQuery>,
) -> Result<Json<Vec<wire::SectionDiff>>, ApiError> {
    let n = number(&n)?;
    let audience = caller.audience();
    let d = state
        .with_lib(move |lib| {
            visible(lib, n, &audience)?;
            Ok(lib.proposal_diff(n, q.rev)?)
        })
        .await?;
    Ok(Json(wire::list(&d)))
}

async fn comment(
    State(state): State<AppState>,
    Writer(user): Writer,
    ApiPath(n): ApiPath<String>,
    ApiJson(req): ApiJson<NewComment>,
) -> Result<(StatusCode, Json<wire::Comment>), ApiError> {
    let n = number(&n)?;
    let c = state
        .with_lib(move |lib| {
            user.audience().may(Action::Comment, &lib.proposal(n)?)?;
            Ok(lib.comment_proposal(n, &user.identity(), &req.body)?)
        })
        .await?;
    Ok((StatusCode::CREATED, Json((&c).into())))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RevisionJson {
    changes: Vec<Change>,
    #[serde(default)]
    note: String,
    /// The revision the texts were edited from: refused (409) if there is a newer one.
    #[serde(default)]
    from_revision: Option<u32>,
}

async fn revise(
    State(state): State<AppState>,
    Writer(user): Writer,
    ApiPath(n): ApiPath<String>,
    ApiJson(req): ApiJson<RevisionJson>,
) -> Result<Json<wire::Proposal>, ApiError> {
    let n = number(&n)?;
    let changes = changes(req.changes)?;
    let p = state
        .with_lib(move |lib| {
            act(lib, n, &user, Action::Edit, |who| {
                lib.revise_from(n, who, req.from_revision, &changes, &req.note)
            })
        })
        .await?;
    Ok(Json((&p).into()))
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct UpdateJson {
    #[serde(default)]
    resolutions: Vec<Change>,
}

async fn update(
    State(state): State<AppState>,
    Writer(user): Writer,
    ApiPath(n): ApiPath<String>,
    ApiJsonOrEmpty(req): ApiJsonOrEmpty<UpdateJson>,
) -> Result<Json<wire::Proposal>, ApiError> {
    let n = number(&n)?;
    let resolutions = changes(req.resolutions)?;
    let p = state
        .with_lib(move |lib| {
            act(lib, n, &user, Action::Edit, |who| {
                lib.update(n, who, &resolutions)
            })
        })
        .await?;
    Ok(Json((&p).into()))
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct WithdrawJson {
    #[serde(default)]
    reason: String,
}

async fn withdraw(
    State(state): State<AppState>,
    Writer(user): Writer,
    ApiPath(n): ApiPath<String>,
    ApiJsonOrEmpty(req): ApiJsonOrEmpty<WithdrawJson>,
) -> Result<Json<wire::Proposal>, ApiError> {
    let n = number(&n)?;
    let p = state
        .with_lib(move |lib| {
            act(lib, n, &user, Action::Edit, |who| {
                lib.withdraw(n, who, &req.reason)
            })
        })
        .await?;
    Ok(Json((&p).into()))
}

/// A reviewer's verdict, as the API spells it.
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(rename_all = "snake_case")]
enum VerdictJson {
    Approve,
    RequestChanges,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ReviewJson {
    verdict: VerdictJson,
    #[serde(default)]
    comment: String,
    /// The revision the verdict is on: refused (409) if the proposal was revised since.
    #[serde(default)]
    revision: Option<u32>,
}

async fn review(
    State(state): State<AppState>,
    Maintainer(user): Maintainer,
    ApiPath(n): ApiPath<String>,
    ApiJson(req): ApiJson<ReviewJson>,
) -> Result<Json<wire::Proposal>, ApiError> {
    let n = number(&n)?;
    let verdict = match req.verdict {
        VerdictJson::Approve => Verdict::Approved,
        VerdictJson::RequestChanges => Verdict::ChangesRequested,
    };
    let p = state
        .with_lib(move |lib| {
            if let Some(seen) = req.revision {
                let latest = visible(lib, n, &user.audience())?.latest().number;
                if seen != latest {
                    return Err(AppError::Stale(format!(
                        "proposal #{n} was revised: the verdict is on revision {seen}, the latest is revision {latest}"
                    )));
                }
            }
            act(lib, n, &user, Action::Review, |who| {
                lib.review(n, who, verdict, &req.comment)
            })
        })
        .await?;
    Ok(Json((&p).into()))
}

async fn merge(
    State(state): State<AppState>,
    Maintainer(user): Maintainer,
    ApiPath(n): ApiPath<String>,
) -> Result<Json<wire::Proposal>, ApiError> {
    let n = number(&n)?;
    let p = state
        .with_lib(move |lib| act(lib, n, &user, Action::Merge, |who| lib.merge(n, who)))
        .await?;
    Ok(Json((&p).into()))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RejectJson {
    reason: String,
}

async fn reject(
    State(state): State<AppState>,
    Maintainer(user): Maintainer,
    ApiPath(n): ApiPath<String>,
    ApiJson(req): ApiJson<RejectJson>,
) -> Result<Json<wire::Proposal>, ApiError> {
    let n = number(&n)?;
    let p = state
        .with_lib(move |lib| {
            act(lib, n, &user, Action::Reject, |who| {
                lib.reject(n, who, &req.reason)
            })
        })
        .await?;
    Ok(Json((&p).into()))
}
