//! `/moderation` and `/reports`: hiding, showing again and redacting proposals and
//! comments, blocking accounts, and reports from readers.

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use quire_core::{Audience, Comment, CommentTarget, Library, RedactProposal, SectionId};
use serde::{Deserialize, Serialize};

use super::proposals::visible;
use super::{printable, ApiJson, ApiPath, Maintainer, Writer};
use crate::auth::ApiCaller;
use crate::error::ApiError;
use crate::store::Report;
use crate::{AppError, AppState};

/// Longest reason accepted in a report, in characters.
const MAX_REPORT_REASON_CHARS: usize = 2000;

/// Routes of this module.
pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route("/moderation/hide", post(hide))
        .route("/moderation/unhide", post(unhide))
        .route("/moderation/redact", post(redact))
        .route("/moderation/block", post(block))
        .route("/reports", get(reports).post(report))
        .route("/reports/{id}/resolve", post(resolve))
}

/// What a moderation request or a report is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
enum Kind {
    Proposal,
    ProposalComment,
    SectionComment,
}

impl Kind {
    fn as_str(self) -> &'static str {
        match self {
            Kind::Proposal => "proposal",
            Kind::ProposalComment => "proposal_comment",
            Kind::SectionComment => "section_comment",
        }
    }
}

/// A target given as a JSON string or number (`12` or `"12"`, `"usability"`).
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
enum TargetJson {
    Number(u64),
    Text(String),
}

impl TargetJson {
    fn text(&self) -> String {
        match self {
            TargetJson::Number(n) => n.to_string(),
            TargetJson::Text(s) => s.clone(),
        }
    }
}

/// A target checked against its kind.
#[derive(Debug, Clone)]
enum Target {
    Proposal(u64),
    Comment(CommentTarget, u32),
}

impl Target {
    fn parse(kind: Kind, target: &TargetJson, comment: Option<u32>) -> Result<Target, AppError> {
        let proposal = || match target {
            TargetJson::Number(n) if *n > 0 => Ok(*n),
            other => super::proposals::number(&other.text()),
        };
        let comment_id = || {
            comment.ok_or_else(|| {
                AppError::BadRequest(format!(
                    "invalid comment: a {} needs the comment's id in \"comment\"",
                    kind.as_str().replace('_', " ")
                ))
            })
        };
        match kind {
            Kind::Proposal => {
                if comment.is_some() {
                    return Err(AppError::BadRequest(
                        "invalid comment: a proposal takes no \"comment\"; use kind \"proposal_comment\" for one of its comments".into(),
                    ));
                }
                Ok(Target::Proposal(proposal()?))
            }
            Kind::ProposalComment => Ok(Target::Comment(
                CommentTarget::Proposal(proposal()?),
                comment_id()?,
            )),
            Kind::SectionComment => Ok(Target::Comment(
                CommentTarget::Section(SectionId::new(&target.text())?),
                comment_id()?,
            )),
        }
    }

    /// Checks that the target exists and that `audience` may see it; 404 otherwise.
    fn check(&self, lib: &Library, audience: &Audience) -> Result<(), AppError> {
        match self {
            Target::Proposal(n) => {
                visible(lib, *n, audience)?;
            }
            Target::Comment(on, id) => {
                find_comment(lib, on, *id, audience)?;
            }
        }
        Ok(())
    }
}

/// A comment by target and id; 404 when there is no such comment (or its proposal is
/// hidden from the caller).
fn find_comment(
    lib: &Library,
    on: &CommentTarget,
    id: u32,
    audience: &Audience,
) -> Result<Comment, AppError> {
    let comments = match on {
        CommentTarget::Proposal(n) => visible(lib, *n, audience)?.comments,
        CommentTarget::Section(s) => {
            lib.section(s.as_str(), "main")?;
            lib.section_comments(s.as_str())?
        }
    };
    comments
        .into_iter()
        .find(|c| c.id == id)
        .ok_or(AppError::NotFound)
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ModerationJson {
    kind: Kind,
    target: TargetJson,
    #[serde(default)]
    comment: Option<u32>,
    #[serde(default)]
    reason: String,
    /// Redacting a proposal: its title goes.
    #[serde(default)]
    title: bool,
    /// Redacting a proposal: its rationale goes.
    #[serde(default)]
    rationale: bool,
    /// Redacting a proposal: the words of these revisions go.
    #[serde(default)]
    revisions: Vec<u32>,
}

/// Where a target stands after a moderation request.
#[derive(Debug, Serialize)]
struct ModerationOutcome {
    kind: Kind,
    target: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    comment: Option<u32>,
    hidden: bool,
    redacted: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Action {
    Hide,
    Unhide,
    Redact,
}

async fn moderate(
    state: AppState,
    user: crate::User,
    req: ModerationJson,
    action: Action,
) -> Result<Json<ModerationOutcome>, ApiError> {
    let target = Target::parse(req.kind, &req.target, req.comment)?;
    let what = RedactProposal {
        title: req.title,
        rationale: req.rationale,
        revisions: req.revisions.clone(),
    };
    let names_parts = what != RedactProposal::default();
    if names_parts && !(action == Action::Redact && matches!(target, Target::Proposal(_))) {
        return Err(AppError::BadRequest(
            "invalid request: title, rationale and revisions only say what to redact of a proposal"
                .into(),
        )
        .into());
    }
    let who = user.identity();
    let audience = user.audience();
    let kind = req.kind;
    let outcome = state
        .with_lib(move |lib| {
            target.check(lib, &audience)?;
            let hide = action == Action::Hide;
            match &target {
                Target::Proposal(n) => {
                    let p = if action == Action::Redact {
                        lib.redact_proposal(*n, &what, &who, &req.reason)?
                    } else {
                        lib.set_proposal_hidden(*n, &who, hide, &req.reason)?
                    };
                    Ok(ModerationOutcome {
                        kind,
                        target: n.to_string(),
                        comment: None,
                        hidden: p.hidden.is_some(),
                        redacted: p.title_redacted.is_some()
                            || p.rationale_redacted.is_some()
                            || p.revisions.iter().any(|r| r.redacted.is_some()),
                    })
                }
                Target::Comment(on, id) => {
                    if action == Action::Redact {
                        lib.redact_comment(on, *id, &who, &req.reason)?;
                    } else {
                        lib.set_comment_hidden(on, *id, &who, hide, &req.reason)?;
                    }
                    let c = find_comment(lib, on, *id, &audience)?;
                    Ok(ModerationOutcome {
                        kind,
                        target: match on {
                            CommentTarget::Proposal(n) => n.to_string(),
                            CommentTarget::Section(s) => s.to_string(),
                        },
                        comment: Some(*id),
                        hidden: c.hidden.is_some(),
                        redacted: c.redacted.is_some(),
                    })
                }
            }
        })
        .await?;
    Ok(Json(outcome))
}

async fn hide(
    State(state): State<AppState>,
    Maintainer(user): Maintainer,
    ApiJson(req): ApiJson<ModerationJson>,
) -> Result<Json<ModerationOutcome>, ApiError> {
    moderate(state, user, req, Action::Hide).await
}

async fn unhide(
    State(state): State<AppState>,
    Maintainer(user): Maintainer,
    ApiJson(req): ApiJson<ModerationJson>,
) -> Result<Json<ModerationOutcome>, ApiError> {
    moderate(state, user, req, Action::Unhide).await
}

async fn redact(
    State(state): State<AppState>,
    Maintainer(user): Maintainer,
    ApiJson(req): ApiJson<ModerationJson>,
) -> Result<Json<ModerationOutcome>, ApiError> {
    moderate(state, user, req, Action::Redact).await
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct BlockJson {
    user_id: i64,
    blocked: bool,
}

#[derive(Debug, Serialize)]
struct BlockOutcome {
    user_id: i64,
    blocked: bool,
}

async fn block(
    State(state): State<AppState>,
    Maintainer(user): Maintainer,
    ApiJson(req): ApiJson<BlockJson>,
) -> Result<Json<BlockOutcome>, ApiError> {
    if req.user_id == user.id {
        return Err(AppError::BadRequest(
            "invalid user_id: a maintainer cannot block their own account".into(),
        )
        .into());
    }
    let found = state
        .with_store(move |s| Ok(s.set_blocked(req.user_id, req.blocked)?))
        .await?;
    if !found {
        return Err(AppError::NotFound.into());
    }
    Ok(Json(BlockOutcome {
        user_id: req.user_id,
        blocked: req.blocked,
    }))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ReportJson {
    kind: Kind,
    target: TargetJson,
    #[serde(default)]
    comment: Option<u32>,
    reason: String,
}

#[derive(Debug, Serialize)]
struct ReportCreated {
    id: i64,
}

async fn report(
    State(state): State<AppState>,
    Writer(user): Writer,
    ApiJson(req): ApiJson<ReportJson>,
) -> Result<(StatusCode, Json<ReportCreated>), ApiError> {
    let target = Target::parse(req.kind, &req.target, req.comment)?;
    let reason = req.reason.trim().to_string();
    if reason.is_empty()
        || reason.chars().count() > MAX_REPORT_REASON_CHARS
        || reason
            .chars()
            .any(|c| c.is_control() && c != '\n' && c != '\t')
    {
        return Err(AppError::BadRequest(format!(
            "invalid reason: say what is wrong in 1 to {MAX_REPORT_REASON_CHARS} characters, without control characters"
        ))
        .into());
    }
    let audience = user.audience();
    let (target_text, comment) = {
        let checked = target.clone();
        state
            .with_lib(move |lib| {
                checked.check(lib, &audience)?;
                Ok(())
            })
            .await?;
        match target {
            Target::Proposal(n) => (n.to_string(), None),
            Target::Comment(CommentTarget::Proposal(n), id) => (n.to_string(), Some(id)),
            Target::Comment(CommentTarget::Section(s), id) => (s.to_string(), Some(id)),
        }
    };
    let kind = req.kind.as_str();
    let id = state
        .with_store(move |s| {
            Ok(s.add_report(user.id, kind, &target_text, comment.map(i64::from), &reason)?)
        })
        .await?;
    Ok((StatusCode::CREATED, Json(ReportCreated { id })))
}

async fn reports(
    State(state): State<AppState>,
    caller: ApiCaller,
) -> Result<Json<Vec<Report>>, ApiError> {
    caller.require_maintainer()?;
    let list = state.with_store(|s| Ok(s.open_reports()?)).await?;
    Ok(Json(list))
}

#[derive(Debug, Serialize)]
struct ResolveOutcome {
    id: i64,
    resolved: bool,
}

async fn resolve(
    State(state): State<AppState>,
    Maintainer(_user): Maintainer,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<ResolveOutcome>, ApiError> {
    let id: i64 = id.parse().ok().filter(|n| *n > 0).ok_or_else(|| {
        AppError::BadRequest(format!(
            "invalid report id '{}': use a whole number from 1",
            printable(&id)
        ))
    })?;
    let found = state.with_store(move |s| Ok(s.resolve_report(id)?)).await?;
    if !found {
        return Err(AppError::NotFound.into());
    }
    Ok(Json(ResolveOutcome { id, resolved: true }))
}
