//! POST /proposals/{n}/comments, review, merge, reject, withdraw

use super::*;

#[derive(Deserialize)]
pub(super) struct CommentForm {
    #[serde(default)]
    body: String,
}

pub(super) async fn comment(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(n): Path<String>,
    CsrfForm(form): CsrfForm<CommentForm>,
) -> Result<Response, AppError> {
    let n = number(&n)?;
    let user = poster(&state, &viewer)?;
    if form.body.trim().is_empty() {
        let e = AppError::BadRequest("enter your comment".into());
        return refused(&state, &viewer, n, e, "comment-body", Drafts::default()).await;
    }
    let body = form.body.clone();
    let done = write(&state, &user, n, Action::Comment, move |lib, _, who| {
        lib.comment_proposal(n, who, &body)
    })
    .await;
    match done {
        Ok(c) => Ok(see_other(&format!("/proposals/{n}#comment-{}", c.id))),
        Err(e) => {
            let drafts = Drafts {
                comment: form.body,
                ..Drafts::default()
            };
            refused(&state, &viewer, n, e, "comment-body", drafts).await
        }
    }
}

#[derive(Deserialize)]
pub(super) struct ReviewForm {
    #[serde(default)]
    verdict: String,
    #[serde(default)]
    comment: String,
    /// The revision the reviewer saw (the form's hidden field); a verdict is refused if
    /// the proposal was revised since, so no one approves text they have not read.
    #[serde(default)]
    revision: Option<String>,
}

pub(super) async fn review(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(n): Path<String>,
    CsrfForm(form): CsrfForm<ReviewForm>,
) -> Result<Response, AppError> {
    let n = number(&n)?;
    viewer.require_maintainer()?;
    let user = poster(&state, &viewer)?;
    let drafts = Drafts {
        review: form.comment.clone(),
        verdict: form.verdict.clone(),
        ..Drafts::default()
    };
    let verdict = match form.verdict.as_str() {
        "approve" => Verdict::Approved,
        "request_changes" => Verdict::ChangesRequested,
        _ => {
            let e = AppError::BadRequest("choose whether to approve or to request changes".into());
            return refused(&state, &viewer, n, e, "verdict-approve", drafts).await;
        }
    };
    let seen = match form.revision.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(r) => match r.parse::<u32>() {
            Ok(r) => Some(r),
            Err(_) => {
                let e = AppError::BadRequest(format!(
                    "invalid revision '{}': the form should carry a revision number",
                    r.escape_debug()
                ));
                return refused(&state, &viewer, n, e, "verdict-approve", drafts).await;
            }
        },
    };
    let comment = form.comment;
    let done = state
        .with_lib(move |lib| {
            let p = lib.proposal(n)?;
            authorise(&p, &user, Action::Review)?;
            let latest = p.latest().number;
            match seen {
                Some(seen) if seen != latest => Err(AppError::Stale(format!(
                    "proposal #{n} was revised since you loaded the page: your verdict was on revision {seen}, the latest is revision {latest}; read it and review again"
                ))),
                _ => Ok(lib.review(n, &user.identity(), verdict, &comment)?),
            }
        })
        .await;
    match done {
        Ok(_) => Ok(see_other(&format!("/proposals/{n}#reviews"))),
        Err(e) => refused(&state, &viewer, n, e, "review-comment", drafts).await,
    }
}

pub(super) async fn merge(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(n): Path<String>,
    CsrfForm(_form): CsrfForm<serde::de::IgnoredAny>,
) -> Result<Response, AppError> {
    let n = number(&n)?;
    viewer.require_maintainer()?;
    let user = poster(&state, &viewer)?;
    let done = write(&state, &user, n, Action::Merge, move |lib, _, who| {
        lib.merge(n, who)
    })
    .await;
    match done {
        Ok(_) => Ok(see_other(&format!("/proposals/{n}"))),
        Err(e) => refused(&state, &viewer, n, e, "", Drafts::default()).await,
    }
}

#[derive(Deserialize)]
pub(super) struct ReasonForm {
    #[serde(default)]
    reason: String,
}

/// How a proposal is closed without merging: a maintainer rejects it (a reason is
/// required), or its author withdraws it (a reason is optional).
#[derive(Clone, Copy)]
enum Closing {
    Reject,
    Withdraw,
}

impl Closing {
    /// The form field the reason is typed in, where an error is shown.
    fn field(self) -> &'static str {
        match self {
            Closing::Reject => "reject-reason",
            Closing::Withdraw => "withdraw-reason",
        }
    }

    /// The proposal page again with the reason as typed, after a refusal.
    fn drafts(self, reason: String) -> Drafts {
        match self {
            Closing::Reject => Drafts {
                reject: reason,
                ..Drafts::default()
            },
            Closing::Withdraw => Drafts {
                withdraw: reason,
                ..Drafts::default()
            },
        }
    }
}

pub(super) async fn reject(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(n): Path<String>,
    CsrfForm(form): CsrfForm<ReasonForm>,
) -> Result<Response, AppError> {
    close(state, viewer, n, form.reason, Closing::Reject).await
}

pub(super) async fn withdraw(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(n): Path<String>,
    CsrfForm(form): CsrfForm<ReasonForm>,
) -> Result<Response, AppError> {
    close(state, viewer, n, form.reason, Closing::Withdraw).await
}

async fn close(
    state: AppState,
    viewer: Viewer,
    n: String,
    reason: String,
    how: Closing,
) -> Result<Response, AppError> {
    let n = number(&n)?;
    if let Closing::Reject = how {
        viewer.require_maintainer()?;
    }
    let user = poster(&state, &viewer)?;
    if matches!(how, Closing::Reject) && reason.trim().is_empty() {
        let e = AppError::BadRequest("enter the reason for rejecting this proposal".into());
        return refused(&state, &viewer, n, e, how.field(), Drafts::default()).await;
    }
    let typed = reason.clone();
    let action = match how {
        Closing::Reject => Action::Reject,
        Closing::Withdraw => Action::Edit,
    };
    let done = write(&state, &user, n, action, move |lib, _, who| match how {
        Closing::Reject => lib.reject(n, who, &reason),
        Closing::Withdraw => lib.withdraw(n, who, &reason),
    })
    .await;
    match done {
        Ok(_) => Ok(see_other(&format!("/proposals/{n}"))),
        Err(e) => refused(&state, &viewer, n, e, how.field(), how.drafts(typed)).await,
    }
}
