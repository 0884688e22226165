//! Moderation: signed-in users report a proposal or a comment; maintainers see the queue
//! of open reports and can hide or show again an item (an event in git, with the reason),
//! redact a comment (its text is removed from git), block an author, or dismiss a report.
//!
//! Reports live in the account store, never in git. Every decision about an item goes
//! through `quire_core`, so it is recorded in the library's history.

use askama::Template;
use axum::extract::{Path, State};
use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;
use quire_core::{Audience, CommentTarget, Library, Proposal, RedactProposal, SectionId, Status};
use serde::Deserialize;

use crate::auth::{CsrfForm, Viewer};
use crate::render::markdown;
use crate::routes::pages::see_other;
use crate::store::{Report, User};
use crate::templates::{page, Chrome};
use crate::{AppError, AppState};

/// Longest reason a report may give, in characters.
pub const MAX_REPORT_REASON_CHARS: usize = 2000;

/// Routes of this module.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/report", post(report))
        .route("/moderation", get(queue))
        .route("/moderation/hide", post(hide))
        .route("/moderation/unhide", post(unhide))
        .route("/moderation/redact", post(redact))
        .route(
            "/moderation/proposals/{n}/redact",
            get(redact_proposal_page),
        )
        .route("/moderation/redact-proposal", post(redact_proposal))
        .route("/moderation/block", post(block))
        .route("/moderation/dismiss", post(dismiss))
}

/// What a report or a moderation decision is about.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Item {
    Proposal(u64),
    ProposalComment(u64, u32),
    SectionComment(SectionId, u32),
}

impl Item {
    /// Checks the `kind`, `target` and `comment` fields of a form (422 when malformed).
    fn parse(kind: &str, target: &str, comment: &str) -> Result<Item, AppError> {
        let number = || {
            target.trim().parse::<u64>().map_err(|_| {
                AppError::BadRequest("the proposal number is not a positive whole number".into())
            })
        };
        let comment_id = || {
            comment.trim().parse::<u32>().map_err(|_| {
                AppError::BadRequest("the comment number is missing or not a number".into())
            })
        };
        match kind.trim() {
            "proposal" => Ok(Item::Proposal(number()?)),
            "proposal_comment" => Ok(Item::ProposalComment(number()?, comment_id()?)),
            "section_comment" => Ok(Item::SectionComment(
                SectionId::new(target.trim())?,
                comment_id()?,
            )),
            _ => Err(AppError::BadRequest(
                "what is reported must be a proposal, a proposal comment or a section comment"
                    .into(),
            )),
        }
    }

    /// Rebuilds an item from a stored report (`None` if the report is malformed).
    fn of_report(r: &Report) -> Option<Item> {
        let comment = r.comment.map(|c| c.to_string()).unwrap_or_default();
        Item::parse(&r.kind, &r.target, &comment).ok()
    }

    fn kind(&self) -> &'static str {
        match self {
            Item::Proposal(_) => "proposal",
            Item::ProposalComment(..) => "proposal_comment",
            Item::SectionComment(..) => "section_comment",
        }
    }

    fn target(&self) -> String {
        match self {
            Item::Proposal(n) | Item::ProposalComment(n, _) => n.to_string(),
            Item::SectionComment(s, _) => s.to_string(),
        }
    }

    fn comment(&self) -> Option<u32> {
        match self {
            Item::Proposal(_) => None,
            Item::ProposalComment(_, c) | Item::SectionComment(_, c) => Some(*c),
        }
    }

    fn comment_target(&self) -> Option<(CommentTarget, u32)> {
        match self {
            Item::Proposal(_) => None,
            Item::ProposalComment(n, c) => Some((CommentTarget::Proposal(*n), *c)),
            Item::SectionComment(s, c) => Some((CommentTarget::Section(s.clone()), *c)),
        }
    }

    /// The page that shows the item.
    fn href(&self) -> String {
        match self {
            Item::Proposal(n) => format!("/proposals/{n}"),
            Item::ProposalComment(n, c) => format!("/proposals/{n}#comment-{c}"),
            Item::SectionComment(s, c) => format!("/sections/{s}#comment-{c}"),
        }
    }

    /// Where to go back to after reporting it.
    fn reported_href(&self) -> String {
        match self {
            Item::Proposal(n) => format!("/proposals/{n}?reported=1"),
            Item::ProposalComment(n, c) => format!("/proposals/{n}?reported=1#comment-{c}"),
            Item::SectionComment(s, c) => format!("/sections/{s}?reported=1#comment-{c}"),
        }
    }

    fn label(&self) -> String {
        match self {
            Item::Proposal(n) => format!("Proposal #{n}"),
            Item::ProposalComment(n, c) => format!("Comment {c} on proposal #{n}"),
            Item::SectionComment(s, c) => format!("Comment {c} on section {s}"),
        }
    }

    fn matches(&self, r: &Report) -> bool {
        r.kind == self.kind()
            && r.target == self.target()
            && r.comment == self.comment().map(i64::from)
    }

    /// Reads the item from the library as `audience` may see it: 404 if it does not exist
    /// or the audience may not see it (the same answer, so nothing is revealed).
    fn load(&self, lib: &Library, audience: &Audience) -> Result<Loaded, AppError> {
        match self {
            Item::Proposal(n) => {
                let p = audience.proposal(lib.proposal(*n)?)?;
                Ok(Loaded {
                    title: Some(p.title),
                    body_html: markdown(&p.rationale),
                    author: p.author,
                    hidden: p.hidden.map(|m| (m.reason, m.by.name)),
                    redacted: false,
                })
            }
            Item::ProposalComment(n, id) => {
                let p = audience.proposal(lib.proposal(*n)?)?;
                let c = p
                    .comments
                    .into_iter()
                    .find(|c| c.id == *id)
                    .ok_or(AppError::NotFound)?;
                Ok(Loaded::comment(c))
            }
            Item::SectionComment(s, id) => {
                let c = lib
                    .section_comments(s.as_str())?
                    .into_iter()
                    .find(|c| c.id == *id)
                    .ok_or(AppError::NotFound)?;
                Ok(Loaded::comment(c))
            }
        }
    }
}

/// An item as read from the library.
struct Loaded {
    title: Option<String>,
    /// Sanitised HTML of the text (rationale or comment).
    body_html: String,
    author: quire_core::Identity,
    /// (reason, by whom) when hidden.
    hidden: Option<(String, String)>,
    redacted: bool,
}

impl Loaded {
    fn comment(c: quire_core::Comment) -> Loaded {
        Loaded {
            title: None,
            body_html: if c.redacted.is_some() {
                String::new()
            } else {
                markdown(&c.body)
            },
            author: c.author,
            hidden: c.hidden.map(|m| (m.reason, m.by.name)),
            redacted: c.redacted.is_some(),
        }
    }
}

/// The fields of a report or a moderation form. All optional here so that a missing field
/// gets a clear 422 from [`Item::parse`] rather than a generic one.
#[derive(Deserialize)]
struct ItemForm {
    #[serde(default)]
    kind: String,
    #[serde(default)]
    target: String,
    #[serde(default)]
    comment: String,
    #[serde(default)]
    reason: String,
}

/// Checks a report's reason: not empty, not too long, no control characters.
fn check_reason(reason: &str) -> Result<String, AppError> {
    let reason = quire_core::ids::check_body("reason", reason, false)?;
    if reason.chars().count() > MAX_REPORT_REASON_CHARS {
        return Err(AppError::BadRequest(format!(
            "the reason is longer than {MAX_REPORT_REASON_CHARS} characters"
        )));
    }
    Ok(reason)
}

async fn report(
    State(state): State<AppState>,
    viewer: Viewer,
    CsrfForm(form): CsrfForm<ItemForm>,
) -> Result<Response, AppError> {
    let user = viewer.require_writer()?.clone();
    let item = Item::parse(&form.kind, &form.target, &form.comment)?;
    let reason = check_reason(&form.reason)?;
    let it = item.clone();
    let audience = user.audience();
    state
        .with_lib(move |lib| it.load(lib, &audience).map(|_| ()))
        .await?;
    state.check_write_rate(&user)?;
    let it = item.clone();
    state
        .with_store(move |s| {
            s.add_report(
                user.id,
                it.kind(),
                &it.target(),
                it.comment().map(i64::from),
                &reason,
            )?;
            Ok(())
        })
        .await?;
    Ok(see_other(&item.reported_href()))
}

struct ReportView {
    id: i64,
    reporter: String,
    reason: String,
    created: String,
}

/// The author of a reported item and what a maintainer may do about them.
enum AuthorAccount {
    /// No account on this server (for example, someone using the command line).
    None,
    Maintainer,
    Blocked,
    Blockable(i64),
}

struct QueueItem {
    kind: String,
    target: String,
    comment: String,
    label: String,
    href: String,
    is_comment: bool,
    /// False when the item no longer exists (only dismissing makes sense).
    exists: bool,
    title: Option<String>,
    body_html: String,
    author: String,
    account: AuthorAccount,
    hidden: Option<(String, String)>,
    redacted: bool,
    reports: Vec<ReportView>,
}

struct HiddenItem {
    kind: String,
    target: String,
    comment: String,
    label: String,
    href: String,
    title: Option<String>,
    reason: String,
    by: String,
}

#[derive(Template)]
#[template(path = "moderation.html")]
struct ModerationPage {
    chrome: Chrome,
    items: Vec<QueueItem>,
    malformed: Vec<ReportView>,
    hidden: Vec<HiddenItem>,
}

/// Every proposal and comment currently hidden, for "show again".
fn hidden_items(
    lib: &Library,
    ix: &quire_core::index::Indexes,
) -> Result<Vec<HiddenItem>, AppError> {
    let mut out = Vec::new();
    let entry = |item: Item, title: Option<String>, h: &quire_core::Moderation| HiddenItem {
        kind: item.kind().to_string(),
        target: item.target(),
        comment: item.comment().map(|c| c.to_string()).unwrap_or_default(),
        label: item.label(),
        href: item.href(),
        title,
        reason: h.reason.clone(),
        by: h.by.name.clone(),
    };
    // Only proposals the index says hide something are read in full.
    let hiding: Vec<u64> = ix
        .proposals()
        .iter()
        .filter(|s| s.hidden || s.hidden_comments > 0)
        .map(|s| s.number)
        .collect();
    for n in hiding {
        let p = lib.proposal(n)?;
        if let Some(h) = &p.hidden {
            out.push(entry(Item::Proposal(p.number), Some(p.title.clone()), h));
        }
        for c in &p.comments {
            if let (Some(h), None) = (&c.hidden, &c.redacted) {
                out.push(entry(Item::ProposalComment(p.number, c.id), None, h));
            }
        }
    }
    for s in lib.sections("main")? {
        for c in lib.section_comments(s.id.as_str())? {
            if let (Some(h), None) = (&c.hidden, &c.redacted) {
                out.push(entry(Item::SectionComment(s.id.clone(), c.id), None, h));
            }
        }
    }
    Ok(out)
}

async fn queue(State(state): State<AppState>, viewer: Viewer) -> Result<Response, AppError> {
    let audience = viewer.require_maintainer()?.audience();
    let reports = state.with_store(|s| Ok(s.open_reports()?)).await?;
    // Group the reports by item, in the order each item was first reported.
    let mut groups: Vec<(Item, Vec<Report>)> = Vec::new();
    let mut malformed = Vec::new();
    for r in reports {
        match Item::of_report(&r) {
            Some(item) => match groups.iter_mut().find(|(i, _)| *i == item) {
                Some((_, list)) => list.push(r),
                None => groups.push((item, vec![r])),
            },
            None => malformed.push(report_view(r)),
        }
    }
    let items: Vec<Item> = groups.iter().map(|(i, _)| i.clone()).collect();
    let (loaded, hidden) = state
        .with_index(move |lib, ix| {
            let mut loaded = Vec::with_capacity(items.len());
            for item in &items {
                loaded.push(match item.load(lib, &audience) {
                    Ok(l) => Some(l),
                    Err(AppError::NotFound) => None,
                    Err(AppError::Core(e)) if e.is_not_found() => None,
                    Err(e) => return Err(e),
                });
            }
            Ok((loaded, hidden_items(lib, ix)?))
        })
        .await?;
    let authors: Vec<Option<quire_core::Identity>> = loaded
        .iter()
        .map(|l| l.as_ref().map(|l| l.author.clone()))
        .collect();
    let accounts: Vec<Option<User>> = state
        .with_store(move |s| {
            let mut out = Vec::with_capacity(authors.len());
            for a in &authors {
                out.push(match a {
                    Some(id) => s.user_by_identity(id)?,
                    None => None,
                });
            }
            Ok(out)
        })
        .await?;
    let mut out = Vec::with_capacity(groups.len());
    for (((item, reports), loaded), account) in groups.into_iter().zip(loaded).zip(accounts) {
        let account = match account {
            None => AuthorAccount::None,
            Some(u) if u.is_maintainer() => AuthorAccount::Maintainer,
            Some(u) if u.blocked => AuthorAccount::Blocked,
            Some(u) => AuthorAccount::Blockable(u.id),
        };
        let base = QueueItem {
            kind: item.kind().to_string(),
            target: item.target(),
            comment: item.comment().map(|c| c.to_string()).unwrap_or_default(),
            label: item.label(),
            href: item.href(),
            is_comment: item.comment().is_some(),
            exists: loaded.is_some(),
            title: None,
            body_html: String::new(),
            author: String::new(),
            account,
            hidden: None,
            redacted: false,
            reports: reports.into_iter().map(report_view).collect(),
        };
        out.push(match loaded {
            Some(l) => QueueItem {
                title: l.title,
                body_html: l.body_html,
                author: l.author.name,
                hidden: l.hidden,
                redacted: l.redacted,
                ..base
            },
            None => base,
        });
    }
    Ok(page(&ModerationPage {
        chrome: Chrome::of(&viewer),
        items: out,
        malformed,
        hidden,
    }))
}

fn report_view(r: Report) -> ReportView {
    ReportView {
        id: r.id,
        reporter: r.reporter,
        reason: r.reason,
        created: r.created,
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Action {
    Hide,
    Unhide,
    Redact,
}

async fn hide(
    State(state): State<AppState>,
    viewer: Viewer,
    CsrfForm(form): CsrfForm<ItemForm>,
) -> Result<Response, AppError> {
    moderate(state, viewer, form, Action::Hide).await
}

async fn unhide(
    State(state): State<AppState>,
    viewer: Viewer,
    CsrfForm(form): CsrfForm<ItemForm>,
) -> Result<Response, AppError> {
    moderate(state, viewer, form, Action::Unhide).await
}

async fn redact(
    State(state): State<AppState>,
    viewer: Viewer,
    CsrfForm(form): CsrfForm<ItemForm>,
) -> Result<Response, AppError> {
    moderate(state, viewer, form, Action::Redact).await
}

/// Marks every open report about `item` dealt with.
async fn resolve_reports(state: &AppState, item: Item) -> Result<(), AppError> {
    state
        .with_store(move |s| {
            for r in s.open_reports()? {
                if item.matches(&r) {
                    s.resolve_report(r.id)?;
                }
            }
            Ok(())
        })
        .await
}

/// Hides, shows again or redacts an item through the library (so the decision is in git),
/// then marks the reports about it dealt with (except when showing again).
async fn moderate(
    state: AppState,
    viewer: Viewer,
    form: ItemForm,
    action: Action,
) -> Result<Response, AppError> {
    let user = viewer.require_maintainer()?.clone();
    let item = Item::parse(&form.kind, &form.target, &form.comment)?;
    if action == Action::Redact && item.comment().is_none() {
        return Err(AppError::BadRequest(
            "redact a proposal's text from its own redaction page; here only comments can be redacted".into(),
        ));
    }
    state.check_write_rate(&user)?;
    let who = user.identity();
    let audience = user.audience();
    let it = item.clone();
    let reason = form.reason;
    state
        .with_lib(move |lib| {
            it.load(lib, &audience)?;
            let hide = action == Action::Hide;
            match (action, it.comment_target()) {
                (Action::Redact, Some((target, id))) => {
                    lib.redact_comment(&target, id, &who, &reason)?;
                }
                (_, Some((target, id))) => {
                    lib.set_comment_hidden(&target, id, &who, hide, &reason)?;
                }
                // Redacting a proposal was refused above.
                (_, None) => {
                    if let Item::Proposal(n) = it {
                        lib.set_proposal_hidden(n, &who, hide, &reason)?;
                    }
                }
            }
            Ok(())
        })
        .await?;
    if action != Action::Unhide {
        resolve_reports(&state, item).await?;
    }
    Ok(see_other("/moderation"))
}

/// A revision offered for redaction.
struct RevisionChoice {
    number: u32,
    /// Already redacted, or the merged revision: shown, not offered.
    note: Option<&'static str>,
}

#[derive(Template)]
#[template(path = "redact_proposal.html")]
struct RedactProposalPage {
    chrome: Chrome,
    number: u64,
    title: String,
    merged: bool,
    title_offered: bool,
    rationale_offered: bool,
    revisions: Vec<RevisionChoice>,
}

impl RedactProposalPage {
    fn of(chrome: Chrome, p: &Proposal) -> RedactProposalPage {
        let merged = p.status == Status::Merged;
        let merged_rev = p.merged.as_ref().map(|m| m.revision);
        RedactProposalPage {
            chrome,
            number: p.number,
            title: p.title.clone(),
            merged,
            title_offered: !merged && p.title_redacted.is_none(),
            rationale_offered: !merged && p.rationale_redacted.is_none(),
            revisions: p
                .revisions
                .iter()
                .map(|r| RevisionChoice {
                    number: r.number,
                    note: if r.redacted.is_some() {
                        Some("already redacted")
                    } else if merged_rev == Some(r.number) {
                        Some("merged into the draft, so it cannot be redacted")
                    } else {
                        None
                    },
                })
                .collect(),
        }
    }
}

/// The proposal number in a path or form (404 when it is not a number).
fn proposal_number(raw: &str) -> Result<u64, AppError> {
    raw.trim().parse::<u64>().map_err(|_| AppError::NotFound)
}

/// The form to redact a proposal's title, rationale or revision words (maintainers).
async fn redact_proposal_page(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(n): Path<String>,
) -> Result<Response, AppError> {
    let audience = viewer.require_maintainer()?.audience();
    let n = proposal_number(&n)?;
    let p = state
        .with_lib(move |lib| Ok(audience.proposal(lib.proposal(n)?)?))
        .await?;
    Ok(page(&RedactProposalPage::of(Chrome::of(&viewer), &p)))
}

/// Redacts what the form chose, then deals with the reports about the proposal.
async fn redact_proposal(
    State(state): State<AppState>,
    viewer: Viewer,
    CsrfForm(fields): CsrfForm<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let user = viewer.require_maintainer()?.clone();
    let field = |name: &str| {
        fields
            .iter()
            .find(|(k, _)| k == name)
            .map_or("", |(_, v)| v.as_str())
    };
    let n = field("target").trim().parse::<u64>().map_err(|_| {
        AppError::BadRequest("the proposal number is not a positive whole number".into())
    })?;
    let mut what = RedactProposal {
        title: !field("title").is_empty(),
        rationale: !field("rationale").is_empty(),
        revisions: Vec::new(),
    };
    for (_, v) in fields.iter().filter(|(k, _)| k == "revision") {
        what.revisions.push(v.trim().parse::<u32>().map_err(|_| {
            AppError::BadRequest("a revision to redact is not a revision number".into())
        })?);
    }
    let reason = field("reason").to_string();
    state.check_write_rate(&user)?;
    let who = user.identity();
    state
        .with_lib(move |lib| {
            lib.redact_proposal(n, &what, &who, &reason)?;
            Ok(())
        })
        .await?;
    resolve_reports(&state, Item::Proposal(n)).await?;
    Ok(see_other(&format!("/proposals/{n}")))
}

#[derive(Deserialize)]
struct BlockForm {
    #[serde(default)]
    user: String,
}

async fn block(
    State(state): State<AppState>,
    viewer: Viewer,
    CsrfForm(form): CsrfForm<BlockForm>,
) -> Result<Response, AppError> {
    let me = viewer.require_maintainer()?.clone();
    let id: i64 = form
        .user
        .trim()
        .parse()
        .map_err(|_| AppError::BadRequest("the account number is not a number".into()))?;
    state.check_write_rate(&me)?;
    state
        .with_store(move |s| {
            let u = s.user(id)?.ok_or(AppError::NotFound)?;
            if u.is_maintainer() || u.id == me.id {
                return Err(AppError::Forbidden(
                    "a maintainer cannot be blocked here; make them a contributor first".into(),
                ));
            }
            s.set_blocked(u.id, true)?;
            Ok(())
        })
        .await?;
    Ok(see_other("/moderation"))
}

#[derive(Deserialize)]
struct DismissForm {
    #[serde(default)]
    report: String,
}

async fn dismiss(
    State(state): State<AppState>,
    viewer: Viewer,
    CsrfForm(form): CsrfForm<DismissForm>,
) -> Result<Response, AppError> {
    let me = viewer.require_maintainer()?.clone();
    let id: i64 = form
        .report
        .trim()
        .parse()
        .map_err(|_| AppError::BadRequest("the report number is not a number".into()))?;
    state.check_write_rate(&me)?;
    let found = state.with_store(move |s| Ok(s.resolve_report(id)?)).await?;
    if !found {
        return Err(AppError::NotFound);
    }
    Ok(see_other("/moderation"))
}
