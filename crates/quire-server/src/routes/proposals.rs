//! Proposal pages: the filtered list, proposing a change to a section (with a preview), one
//! proposal with its change in three views, its revisions, reviews and discussion, and the
//! forms that revise, update, withdraw, review, merge and reject it.
//!
//! Every form posts through [`CsrfForm`], needs a signed-in account that is not blocked and
//! takes one write from the account's allowance. A refused write re-renders its page with an
//! error summary (422 for input to fix, 409 for a state that forbids it) and writes nothing;
//! a successful one redirects (303) to the proposal.

mod views;

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

// ---------------------------------------------------------------------------------------
// GET /proposals

async fn list(
    State(state): State<AppState>,
    viewer: Viewer,
    RawQuery(query): RawQuery,
) -> Result<Response, AppError> {
    let pairs = query_pairs(query.as_deref());
    let status_arg = first(&pairs, "status").to_string();
    let section_arg = first(&pairs, "section").to_string();
    let merge_arg = first(&pairs, "merge").to_string();
    let status = match status_arg.as_str() {
        "" | "any" => None,
        s => Some(s.parse::<Status>()?),
    };
    let section = match section_arg.as_str() {
        "" | "any" => None,
        s => Some(SectionId::new(s)?),
    };
    let merge = match merge_arg.as_str() {
        "" | "any" => None,
        "can_merge" => Some(true),
        "needs_update" => Some(false),
        _ => {
            return Err(AppError::BadRequest(
                "the merge state must be any, can_merge or needs_update".into(),
            ))
        }
    };
    let page_number: usize = match first(&pairs, "page") {
        "" => 1,
        p => p
            .parse()
            .ok()
            .filter(|&n| n >= 1)
            .ok_or_else(|| AppError::BadRequest("the page must be a number from 1".into()))?,
    };
    let audience = viewer.audience();
    let filter = ProposalFilter {
        status,
        section: section.clone(),
    };
    let (mut listing, sections) = state
        .with_index(move |lib, ix| {
            let sections = lib.sections("main")?;
            let titles: HashMap<String, String> = sections
                .iter()
                .map(|s| (s.id.to_string(), s.title.clone()))
                .collect();
            let listing = list_page(lib, ix, &filter, &audience, merge, page_number, &titles)?;
            Ok((listing, sections))
        })
        .await?;
    let ids: Vec<quire_core::Identity> = listing.rows.iter().map(|r| r.author_id.clone()).collect();
    let badges = state
        .with_store(move |s| Ok(Badges::lookup(s, &ids)?))
        .await?;
    for r in &mut listing.rows {
        r.author_badge = badges.of(&r.author_id);
    }
    let current_section = section.map(|s| s.to_string()).unwrap_or_default();
    let mut section_choices = vec![Choice::new("any", "Any section", &current_section)];
    section_choices[0].selected = current_section.is_empty();
    section_choices.extend(
        sections
            .iter()
            .map(|s| Choice::new(s.id.as_str(), &s.title, &current_section)),
    );
    let status_now = status.map_or("any", Status::as_str);
    let merge_now = match merge {
        None => "any",
        Some(true) => "can_merge",
        Some(false) => "needs_update",
    };
    Ok(page(&ProposalsPage {
        chrome: Chrome::of(&viewer),
        status_choices: [
            ("any", "Any status"),
            ("open", "Open"),
            ("merged", "Merged"),
            ("rejected", "Rejected"),
            ("withdrawn", "Withdrawn"),
        ]
        .iter()
        .map(|(v, l)| Choice::new(v, l, status_now))
        .collect(),
        section_choices,
        merge_choices: [
            ("any", "Any"),
            ("can_merge", "Can merge"),
            ("needs_update", "Needs update"),
        ]
        .iter()
        .map(|(v, l)| Choice::new(v, l, merge_now))
        .collect(),
        filtered: status.is_some() || !current_section.is_empty() || merge.is_some(),
        total: listing.total,
        unchecked: listing.unchecked,
        page: page_number,
        pages: listing.total.div_ceil(PAGE_SIZE).max(1),
        newer: (page_number > 1).then(|| page_link(&pairs, page_number - 1)),
        older: (page_number * PAGE_SIZE < listing.total)
            .then(|| page_link(&pairs, page_number + 1)),
        rows: listing.rows,
    }))
}

/// Proposals per page of the list.
pub const PAGE_SIZE: usize = 50;

/// Open proposals whose merge state a filtered list checks in one request before it
/// reports the rest as still being checked (the server checks them in the background).
const CHECKS_PER_REQUEST: usize = 200;

struct Listing {
    rows: Vec<ProposalRow>,
    total: usize,
    /// Open proposals left out of a merge-state filter because they are not checked yet.
    unchecked: usize,
}

/// One page of the proposals list, newest first, from the index.
fn list_page(
    lib: &quire_core::Library,
    ix: &mut quire_core::index::Indexes,
    filter: &ProposalFilter,
    audience: &Audience,
    merge: Option<bool>,
    page: usize,
    titles: &HashMap<String, String>,
) -> Result<Listing, AppError> {
    use quire_core::index::{ListQuery, MergeState, Order};
    let listed = ix.page(
        lib,
        &ListQuery {
            filter,
            audience,
            order: Order::NewestFirst,
            merge,
            page,
            per_page: PAGE_SIZE,
            check_budget: Some(CHECKS_PER_REQUEST),
            count_total: true,
        },
    )?;
    let mut rows = Vec::new();
    for (s, merge) in &listed.rows {
        let merge = merge.map(|state| match state {
            MergeState::Clean => "can merge",
            MergeState::Conflict => "needs update",
        });
        rows.push(ProposalRow {
            number: s.number,
            title: s.title.clone(),
            author: s.author.name.clone(),
            author_id: s.author.clone(),
            author_badge: None,
            sections: s
                .sections
                .iter()
                .map(|id| SectionRef {
                    id: id.to_string(),
                    title: section_title(titles, id.as_str()),
                })
                .collect(),
            status: s.status.as_str(),
            merge,
            hidden: s.hidden,
        });
    }
    Ok(Listing {
        rows,
        total: listed.total,
        unchecked: listed.unchecked,
    })
}

/// The list's URL with the same filters and another page.
fn page_link(pairs: &[(String, String)], page: usize) -> String {
    let mut q: Vec<(&str, String)> = pairs
        .iter()
        .filter(|(k, _)| k != "page")
        .map(|(k, v)| (k.as_str(), v.clone()))
        .collect();
    q.push(("page", page.to_string()));
    format!(
        "/proposals?{}",
        serde_urlencoded::to_string(&q).unwrap_or_default()
    )
}

// ---------------------------------------------------------------------------------------
// GET and POST /sections/{id}/propose

#[derive(Debug, Default, Deserialize)]
struct ProposeForm {
    #[serde(default)]
    title: String,
    #[serde(default)]
    rationale: String,
    #[serde(default)]
    text: String,
    #[serde(default)]
    base: String,
    #[serde(default)]
    action: String,
}

async fn propose_form(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    if viewer.user.is_none() {
        return Ok(signin_needed(
            &viewer,
            "You need an account to propose a change to a section.",
        ));
    }
    viewer.require_writer()?;
    let (section, base) = state
        .with_lib(move |lib| Ok((lib.section(&id, "main")?, lib.main()?.0)))
        .await?;
    let form = ProposeForm {
        text: section.text.clone(),
        base,
        ..ProposeForm::default()
    };
    Ok(propose_page(&viewer, &section, &form, Vec::new(), None))
}

fn propose_page(
    viewer: &Viewer,
    section: &quire_core::Section,
    form: &ProposeForm,
    errors: Vec<ErrorItem>,
    preview: Option<(String, String)>,
) -> Response {
    page(&ProposePage {
        chrome: Chrome::of(viewer),
        title_error: error_for(&errors, "title"),
        rationale_error: error_for(&errors, "rationale"),
        text_error: error_for(&errors, "text"),
        errors,
        section_id: section.id.to_string(),
        section_title: section.title.clone(),
        base: form.base.clone(),
        title: form.title.clone(),
        rationale: form.rationale.clone(),
        text: form.text.clone(),
        preview,
    })
}

/// Checks the propose form against the section's text at its base; one message per field.
fn check_propose(form: &ProposeForm, section: &quire_core::Section) -> Vec<ErrorItem> {
    let mut errors = Vec::new();
    if form.title.trim().is_empty() {
        errors.push(ErrorItem::field("title", "Enter a title for your proposal"));
    } else if let Err(e) = check_title("title", &form.title) {
        errors.push(ErrorItem::field(
            "title",
            format!("Check the title: {}", reason(e)),
        ));
    }
    if let Err(e) = check_body("rationale", &form.rationale, true) {
        errors.push(ErrorItem::field(
            "rationale",
            format!("Check why this change helps: {}", reason(e)),
        ));
    }
    match check_section_text(&section.id, &form.text) {
        Err(e) => errors.push(ErrorItem::field(
            "text",
            format!("Check the proposed text: {}", reason(e)),
        )),
        Ok(t) if t == section.text => errors.push(ErrorItem::field(
            "text",
            "Change the proposed text: it is the same as the section's current text",
        )),
        Ok(_) => {}
    }
    errors
}

/// The rendered text (headings under the page's) and its word diff against `old`.
fn preview_of(old: &str, new: &str, demote: u8) -> (String, String) {
    let new = new.replace("\r\n", "\n");
    let rendered = demote_headings(&markdown(&new), demote);
    let diff = prose::diff(old.trim_end_matches('\n'), new.trim_matches('\n'));
    let diff_html = if diff.is_empty() {
        "<p>No changes yet: the text is the same as the current text.</p>".to_string()
    } else {
        prose::render_html(&diff)
    };
    (rendered, diff_html)
}

async fn propose(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    CsrfForm(form): CsrfForm<ProposeForm>,
) -> Result<Response, AppError> {
    let user = viewer.require_writer()?.clone();
    let base = if form.base.trim().is_empty() {
        "main".to_string()
    } else {
        form.base.trim().to_string()
    };
    let at = base.clone();
    let audience = viewer.audience();
    let section = state
        .with_lib(move |lib| {
            // The base names a commit the form came from: only one this visitor may see.
            let at = lib.resolve_for(&at, &audience)?;
            Ok(lib.section(&id, &at.0)?)
        })
        .await?;
    if form.action != "submit" {
        let preview = state.expensive(&user, || preview_of(&section.text, &form.text, 3))?;
        return Ok(propose_page(
            &viewer,
            &section,
            &form,
            Vec::new(),
            Some(preview),
        ));
    }
    let errors = check_propose(&form, &section);
    if !errors.is_empty() {
        return Ok(with_status(
            propose_page(&viewer, &section, &form, errors, None),
            StatusCode::UNPROCESSABLE_ENTITY,
        ));
    }
    state.check_write_rate(&user)?;
    let req = NewProposal {
        title: form.title.clone(),
        rationale: form.rationale.clone(),
        author: user.identity(),
        changes: vec![(section.id.clone(), form.text.clone())],
        base: Some(base),
    };
    match state.with_lib(move |lib| Ok(lib.propose(&req)?)).await {
        Ok(p) => Ok(see_other(&format!("/proposals/{}", p.number))),
        Err(e) => match refusal(&e) {
            Some((status, message)) => Ok(with_status(
                propose_page(
                    &viewer,
                    &section,
                    &form,
                    vec![ErrorItem::general(message)],
                    None,
                ),
                status,
            )),
            None => Err(e),
        },
    }
}

// ---------------------------------------------------------------------------------------
// GET /proposals/{n}

/// What to show on the proposal page besides the proposal itself.
struct PageRequest {
    view: &'static str,
    rev: Option<u32>,
    /// The viewer has just reported something here (`?reported=1`, set by `/report`).
    reported: bool,
    errors: Vec<ErrorItem>,
    drafts: Drafts,
}

async fn show(
    State(state): State<AppState>,
    visitor: Visitor,
    Path(n): Path<String>,
    RawQuery(query): RawQuery,
) -> Result<Response, AppError> {
    let n = number(&n)?;
    let pairs = query_pairs(query.as_deref());
    let view = match first(&pairs, "view") {
        "side" => "side",
        "preview" => "preview",
        _ => "diff",
    };
    let rev = match first(&pairs, "rev") {
        "" => None,
        r => Some(r.parse::<u32>().map_err(|_| AppError::NotFound)?),
    };
    let reported = first(&pairs, "reported") == "1";
    let req = PageRequest {
        view,
        rev,
        reported,
        errors: Vec::new(),
        drafts: Drafts::default(),
    };
    match visitor {
        Visitor::Viewer(viewer) => proposal_response(&state, &viewer, n, req, StatusCode::OK).await,
        Visitor::Anonymous => {
            let key = PageKey::Proposal {
                n,
                view,
                rev,
                reported,
            };
            let viewer = Visitor::anonymous_viewer();
            let render = proposal_response(&state, &viewer, n, req, StatusCode::OK);
            state.anonymous_page(key, render).await
        }
    }
}

async fn proposal_response(
    state: &AppState,
    viewer: &Viewer,
    n: u64,
    req: PageRequest,
    status: StatusCode,
) -> Result<Response, AppError> {
    let viewer = viewer.clone();
    let page_data = state
        .with_lib({
            let state = state.clone();
            move |lib| proposal_page(lib, &state, &viewer, n, req)
        })
        .await?;
    Ok(with_status(page(&page_data), status))
}

/// The link to a view of a revision of proposal `n`.
fn view_href(n: u64, view: &str, rev: Option<u32>) -> String {
    let mut params = Vec::new();
    if view != "diff" {
        params.push(format!("view={view}"));
    }
    if let Some(r) = rev {
        params.push(format!("rev={r}"));
    }
    if params.is_empty() {
        format!("/proposals/{n}")
    } else {
        format!("/proposals/{n}?{}", params.join("&"))
    }
}

/// Word diffs of proposal revisions, by revision commit (whose parent is its base, so
/// the diff of a commit never changes); bounded by bytes.
fn diff_cache() -> &'static crate::render::DiffCache {
    crate::render::diff_cache()
}

fn proposal_page(
    lib: &Library,
    state: &AppState,
    viewer: &Viewer,
    n: u64,
    req: PageRequest,
) -> Result<ProposalPage, AppError> {
    let audience = viewer.audience();
    let p = audience.proposal(lib.proposal(n)?)?;
    let user = viewer.user.as_ref();
    let latest = p.latest().number;
    let shown = req.rev.unwrap_or(latest);
    let diffs = match p.revision(shown) {
        Some(r) => match diff_cache().get(&r.commit.0) {
            Some(d) => d,
            None => {
                let d = Arc::new(lib.proposal_diff(n, Some(shown))?);
                diff_cache().insert(r.commit.0.clone(), d.clone());
                d
            }
        },
        None => Arc::new(lib.proposal_diff(n, Some(shown))?),
    };
    let titles = titles_on_main(lib)?;
    let badges = Badges::lookup(
        state.store(),
        std::iter::once(&p.author)
            .chain(p.revisions.iter().map(|r| &r.author))
            .chain(p.reviews.iter().map(|r| &r.reviewer))
            .chain(p.comments.iter().map(|c| &c.author)),
    )?;
    let is_open = p.status == Status::Open;
    // The merge index answers "clean" without a merge; the report is worked out only for
    // a conflict.
    let conflicting = is_open
        && state.index_query(lib, |ix| {
            let latest = p.latest();
            let known = ix.merge_state(lib, n, &latest.commit, &latest.base)?;
            Ok(known == quire_core::index::MergeState::Conflict)
        })?;
    let conflicts = if conflicting {
        match lib.mergeability_of(&p)? {
            Mergeability::Conflict { report } => conflict_views(&report, &titles),
            Mergeability::Clean | Mergeability::Closed => Vec::new(),
        }
    } else {
        Vec::new()
    };
    let needs_update = is_open && p.latest().base != lib.main()?;

    let (mut diff_views, mut sides, mut previews) = (Vec::new(), Vec::new(), Vec::new());
    for d in diffs.iter() {
        match req.view {
            "side" => {
                let (old_html, new_html) = quire_core::prose::render_side_by_side(&d.diff);
                sides.push(SideHtml {
                    id: d.section.to_string(),
                    title: d.title.clone(),
                    old_html,
                    new_html,
                });
            }
            "preview" => {
                let text = lib.proposal_text(n, &d.section, Some(shown))?;
                previews.push(SectionHtml {
                    id: d.section.to_string(),
                    title: d.title.clone(),
                    html: demote_headings(&markdown(&text), 2),
                });
            }
            _ => diff_views.push(SectionHtml {
                id: d.section.to_string(),
                title: d.title.clone(),
                html: prose::render_html(&d.diff),
            }),
        }
    }
    let tabs = [
        ("diff", "Changes"),
        ("side", "Side by side"),
        ("preview", "Preview"),
    ]
    .into_iter()
    .map(|(v, label)| Tab {
        label,
        href: view_href(n, v, req.rev),
        current: v == req.view,
    })
    .collect();
    let revisions = p
        .revisions
        .iter()
        .map(|r| RevisionView {
            number: r.number,
            kind: match r.kind {
                RevisionKind::Opened => "opened",
                RevisionKind::Revised => "revised",
                RevisionKind::Updated => "updated onto the draft",
            },
            author: r.author.name.clone(),
            author_badge: badges.of(&r.author),
            at: r.at.clone(),
            at_short: short_time(&r.at),
            note: r.note.clone(),
            href: view_href(n, req.view, Some(r.number)),
            shown: r.number == shown,
        })
        .collect();
    let reviews = p
        .reviews
        .iter()
        .map(|r| ReviewView {
            reviewer: r.reviewer.name.clone(),
            reviewer_badge: badges.of(&r.reviewer),
            verdict: r.verdict.as_str(),
            revision: r.revision,
            at: r.at.clone(),
            at_short: short_time(&r.at),
            comment_html: markdown(&r.comment),
        })
        .collect();
    let status = p.approval_status(&lib.review_rules()?);
    let approved = status.is_approved();
    let own = if status.not_counted.is_empty() {
        String::new()
    } else {
        format!(
            " The approval by {} does not count: an author's own approval does not count.",
            p.author.name
        )
    };
    let approval_note = if approved {
        format!("Revision {latest} is approved. {}.{own}", status.summary())
    } else if status.changes_requested {
        format!("Changes were requested on revision {latest}; it cannot be merged until a new revision is approved. {}.{own}", status.summary())
    } else if status.counted == 0 {
        format!("Revision {latest} has no approval yet; a maintainer must approve it before it can be merged. {}.{own}", status.summary())
    } else {
        format!(
            "Revision {latest} needs more approvals before it can be merged. {}.{own}",
            status.summary()
        )
    };
    let (closed_note, closed_reason_html) = match (&p.merged, &p.closed) {
        (Some(m), _) => (
            Some(format!(
                "Merged into the draft by {} on {} (revision {}).",
                m.by.name,
                short_time(&m.at),
                m.revision
            )),
            String::new(),
        ),
        (None, Some(c)) => (
            Some(format!(
                "{} by {} on {}.",
                if p.status == Status::Rejected {
                    "Rejected"
                } else {
                    "Withdrawn"
                },
                c.by.name,
                short_time(&c.at)
            )),
            markdown(&c.reason),
        ),
        (None, None) => (None, String::new()),
    };
    let can_write = user.is_some_and(|u| !u.blocked);
    let is_author = audience.is(&p.author);
    let is_maintainer = audience.is_maintainer();
    let errors = req.errors;
    Ok(ProposalPage {
        chrome: Chrome::of(viewer),
        csrf: viewer.csrf.clone(),
        comment_error: error_for(&errors, "comment-body"),
        reject_error: error_for(&errors, "reject-reason"),
        verdict_error: error_for(&errors, "verdict-approve"),
        errors,
        number: p.number,
        title: p.title.clone(),
        status: p.status.as_str(),
        author: p.author.name.clone(),
        author_badge: badges.of(&p.author),
        created: p.created.clone(),
        created_short: short_time(&p.created),
        sections: p
            .sections
            .iter()
            .map(|s| SectionRef {
                id: s.to_string(),
                title: section_title(&titles, s.as_str()),
            })
            .collect(),
        rationale_html: markdown(&p.rationale),
        hidden_note: p.hidden.as_ref().map(|h| {
            format!(
                "This proposal is hidden from everyone but maintainers and its author (by {} on {}: {}).",
                h.by.name,
                short_time(&h.at),
                h.reason
            )
        }),
        closed_note,
        closed_reason_html,
        is_open,
        conflicts,
        approved,
        approval_note,
        needs_update,
        view: req.view,
        reported: req.reported,
        tabs,
        shown_rev: shown,
        latest_rev: latest,
        coarse: diffs.iter().any(|d| d.diff.coarse),
        diffs: diff_views,
        sides,
        previews,
        revisions,
        reviews,
        comments: p
            .comments
            .iter()
            .map(|c| CommentView::badged(c, &audience, &badges))
            .collect(),
        signed_in: user.is_some(),
        can_write,
        can_edit: is_open && can_write && (is_author || is_maintainer),
        is_author,
        is_maintainer,
        drafts: req.drafts,
    })
}

/// Re-renders the proposal page after a refused form, or passes the error on.
async fn refused(
    state: &AppState,
    viewer: &Viewer,
    n: u64,
    e: AppError,
    field: &str,
    drafts: Drafts,
) -> Result<Response, AppError> {
    let Some((status, message)) = refusal(&e) else {
        return Err(e);
    };
    let item = if status == StatusCode::UNPROCESSABLE_ENTITY && !field.is_empty() {
        ErrorItem::field(field, message)
    } else {
        ErrorItem::general(message)
    };
    let req = PageRequest {
        view: "diff",
        rev: None,
        reported: false,
        errors: vec![item],
        drafts,
    };
    proposal_response(state, viewer, n, req, status).await
}

// ---------------------------------------------------------------------------------------
// POST /proposals/{n}/comments, review, merge, reject, withdraw

#[derive(Deserialize)]
struct CommentForm {
    #[serde(default)]
    body: String,
}

async fn comment(
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
struct ReviewForm {
    #[serde(default)]
    verdict: String,
    #[serde(default)]
    comment: String,
    /// The revision the reviewer saw (the form's hidden field); a verdict is refused if
    /// the proposal was revised since, so no one approves text they have not read.
    #[serde(default)]
    revision: Option<String>,
}

async fn review(
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

async fn merge(
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
struct ReasonForm {
    #[serde(default)]
    reason: String,
}

async fn reject(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(n): Path<String>,
    CsrfForm(form): CsrfForm<ReasonForm>,
) -> Result<Response, AppError> {
    let n = number(&n)?;
    viewer.require_maintainer()?;
    let user = poster(&state, &viewer)?;
    if form.reason.trim().is_empty() {
        let e = AppError::BadRequest("enter the reason for rejecting this proposal".into());
        return refused(&state, &viewer, n, e, "reject-reason", Drafts::default()).await;
    }
    let reason = form.reason.clone();
    let done = write(&state, &user, n, Action::Reject, move |lib, _, who| {
        lib.reject(n, who, &reason)
    })
    .await;
    match done {
        Ok(_) => Ok(see_other(&format!("/proposals/{n}"))),
        Err(e) => {
            let drafts = Drafts {
                reject: form.reason,
                ..Drafts::default()
            };
            refused(&state, &viewer, n, e, "reject-reason", drafts).await
        }
    }
}

async fn withdraw(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(n): Path<String>,
    CsrfForm(form): CsrfForm<ReasonForm>,
) -> Result<Response, AppError> {
    let n = number(&n)?;
    let user = poster(&state, &viewer)?;
    let reason = form.reason.clone();
    let done = write(&state, &user, n, Action::Edit, move |lib, _, who| {
        lib.withdraw(n, who, &reason)
    })
    .await;
    match done {
        Ok(_) => Ok(see_other(&format!("/proposals/{n}"))),
        Err(e) => {
            let drafts = Drafts {
                withdraw: form.reason,
                ..Drafts::default()
            };
            refused(&state, &viewer, n, e, "withdraw-reason", drafts).await
        }
    }
}

// ---------------------------------------------------------------------------------------
// GET and POST /proposals/{n}/revise

/// The section texts a form gives: `text_<id>` fields, or a lone `text` field for a
/// proposal of one section.
fn given_texts(
    pairs: &[(String, String)],
    p: &Proposal,
) -> Result<Vec<(SectionId, String)>, AppError> {
    let mut out = Vec::new();
    for (id, text) in text_fields(pairs) {
        out.push((SectionId::new(&id)?, text));
    }
    if out.is_empty() && p.sections.len() == 1 {
        if let Some((_, t)) = pairs.iter().find(|(k, _)| k == "text") {
            out.push((p.sections[0].clone(), t.clone()));
        }
    }
    Ok(out)
}

fn text_field(id: &SectionId, title: &str, label: &str, value: String) -> TextField {
    TextField {
        name: format!("text_{id}"),
        id: format!("text-{id}"),
        label: format!("{label} “{title}”"),
        value,
        error: None,
    }
}

/// The revise form: one textarea per section of the proposal (given texts kept), with
/// optional errors and previews.
#[allow(clippy::too_many_arguments)]
fn revise_page(
    lib: &Library,
    viewer: &Viewer,
    p: &Proposal,
    from_revision: u32,
    given: &[(SectionId, String)],
    note: &str,
    errors: Vec<ErrorItem>,
    preview: bool,
) -> Result<Response, AppError> {
    let base = p.latest().base.0.clone();
    let mut ids = p.sections.clone();
    for (id, _) in given {
        if !ids.contains(id) {
            ids.push(id.clone());
        }
    }
    let mut fields = Vec::new();
    let mut previews = Vec::new();
    for id in &ids {
        let value = match given.iter().find(|(s, _)| s == id) {
            Some((_, t)) => t.clone(),
            None => lib.proposal_text(p.number, id, None)?,
        };
        let title = prose::first_heading(&value).unwrap_or_else(|| id.to_string());
        let mut field = text_field(id, &title, "Proposed text of", value);
        field.error = error_for(&errors, &field.id);
        if preview {
            let old = lib
                .section(id.as_str(), &base)
                .map(|s| s.text)
                .unwrap_or_default();
            let (html, diff_html) = preview_of(&old, &field.value, 3);
            previews.push((
                SectionHtml {
                    id: id.to_string(),
                    title: title.clone(),
                    html,
                },
                diff_html,
            ));
        }
        fields.push(field);
    }
    Ok(page(&RevisePage {
        chrome: Chrome::of(viewer),
        note_error: error_for(&errors, "note"),
        errors,
        number: p.number,
        title: p.title.clone(),
        fields,
        note: note.to_string(),
        previews,
        from_revision,
    }))
}

async fn revise_form(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(n): Path<String>,
) -> Result<Response, AppError> {
    editor_form(state, viewer, &n, "revise", "revised", |lib, viewer, p| {
        revise_page(
            lib,
            viewer,
            p,
            p.latest().number,
            &[],
            "",
            Vec::new(),
            false,
        )
    })
    .await
}

/// The GET side of a form only the author (or a maintainer) may use on an open proposal:
/// a sign-in page for visitors, 403 for others, else the page `render` makes.
async fn editor_form<F>(
    state: AppState,
    viewer: Viewer,
    n: &str,
    verb: &'static str,
    action: &'static str,
    render: F,
) -> Result<Response, AppError>
where
    F: FnOnce(&quire_core::Library, &Viewer, &quire_core::Proposal) -> Result<Response, AppError>
        + Send
        + 'static,
{
    let n = number(n)?;
    if viewer.user.is_none() {
        return Ok(signin_needed(
            &viewer,
            &format!("You need an account to {verb} a proposal."),
        ));
    }
    let user = viewer.require_writer()?.clone();
    state
        .with_lib(move |lib| {
            let p = lib.proposal(n)?;
            authorise(&p, &user, Action::Edit)?;
            require_open(&p, action)?;
            render(lib, &viewer, &p)
        })
        .await
}

async fn revise(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(n): Path<String>,
    CsrfForm(pairs): CsrfForm<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let n = number(&n)?;
    let user = viewer.require_writer()?.clone();
    let submit = first(&pairs, "action") != "preview";
    if submit {
        state.check_write_rate(&user)?;
    } else {
        state.expensive(&user, || ())?;
    }
    let res = state
        .with_lib(move |lib| {
            let p = lib.proposal(n)?;
            authorise(&p, &user, Action::Edit)?;
            require_open(&p, "revised")?;
            let given = given_texts(&pairs, &p)?;
            let note = first(&pairs, "note").to_string();
            // The revision the form was made from; a form without one (an older page)
            // saves over whatever is latest, as before.
            let from = match first(&pairs, "from") {
                "" => None,
                r => Some(r.parse::<u32>().map_err(|_| {
                    AppError::BadRequest(format!("the form's revision {r:?} is not a number"))
                })?),
            };
            let shown_from = from.unwrap_or(p.latest().number);
            if !submit {
                return revise_page(
                    lib,
                    &viewer,
                    &p,
                    shown_from,
                    &given,
                    &note,
                    Vec::new(),
                    true,
                );
            }
            let mut errors = Vec::new();
            if given.is_empty() {
                errors.push(ErrorItem::general(
                    "Give the new text of at least one section",
                ));
            }
            for (id, text) in &given {
                if let Err(e) = check_section_text(id, text) {
                    errors.push(ErrorItem::field(
                        &format!("text-{id}"),
                        format!("Check the proposed text: {}", reason(e)),
                    ));
                }
            }
            if let Err(e) = check_body("note", &note, true) {
                errors.push(ErrorItem::field(
                    "note",
                    format!("Check the note: {}", reason(e)),
                ));
            }
            let mut shown_from = shown_from;
            let status = if errors.is_empty() {
                match lib.revise_from(n, &user.identity(), from, &given, &note) {
                    Ok(_) => return Ok(see_other(&format!("/proposals/{n}"))),
                    Err(e) => {
                        let e = AppError::from(e);
                        let Some((status, message)) = refusal(&e) else {
                            return Err(e);
                        };
                        if matches!(e, AppError::Core(quire_core::Error::Outdated(_))) {
                            // The texts stay as typed; saving them again is now a
                            // choice made knowing the newer revision is there.
                            shown_from = p.latest().number;
                        }
                        errors.push(ErrorItem::general(message));
                        status
                    }
                }
            } else {
                StatusCode::UNPROCESSABLE_ENTITY
            };
            let res = revise_page(lib, &viewer, &p, shown_from, &given, &note, errors, false)?;
            Ok(with_status(res, status))
        })
        .await?;
    Ok(res)
}

// ---------------------------------------------------------------------------------------
// GET and POST /proposals/{n}/update

/// The update page: the conflicts with the draft, and a textarea per conflicting section
/// (given texts kept, else the draft's current text).
fn update_page(
    lib: &Library,
    viewer: &Viewer,
    p: &Proposal,
    given: &[(SectionId, String)],
    errors: Vec<ErrorItem>,
) -> Result<Response, AppError> {
    let titles = titles_on_main(lib)?;
    let up_to_date = p.latest().base == lib.main()?;
    let report = match lib.mergeability_of(p)? {
        Mergeability::Conflict { report } => Some(report),
        Mergeability::Clean | Mergeability::Closed => None,
    };
    let mut fields = Vec::new();
    if let Some(r) = &report {
        for s in &r.sections {
            let Some(id) = p.sections.iter().find(|id| id.as_str() == s.section) else {
                continue;
            };
            let value = match given.iter().find(|(g, _)| g == id) {
                Some((_, t)) => t.clone(),
                None => lib.section(id.as_str(), "main")?.text,
            };
            let title = section_title(&titles, id.as_str());
            let mut field = text_field(id, &title, "Resolved text of", value);
            field.error = error_for(&errors, &field.id);
            fields.push(field);
        }
    }
    Ok(page(&UpdatePage {
        chrome: Chrome::of(viewer),
        errors,
        number: p.number,
        title: p.title.clone(),
        up_to_date,
        conflicts: report
            .as_ref()
            .map(|r| conflict_views(r, &titles))
            .unwrap_or_default(),
        fields,
    }))
}

async fn update_form(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(n): Path<String>,
) -> Result<Response, AppError> {
    editor_form(state, viewer, &n, "update", "updated", |lib, viewer, p| {
        update_page(lib, viewer, p, &[], Vec::new())
    })
    .await
}

async fn update(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(n): Path<String>,
    CsrfForm(pairs): CsrfForm<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let n = number(&n)?;
    let user = poster(&state, &viewer)?;
    state
        .with_lib(move |lib| {
            let p = lib.proposal(n)?;
            authorise(&p, &user, Action::Edit)?;
            require_open(&p, "updated")?;
            let given = given_texts(&pairs, &p)?;
            let mut errors = Vec::new();
            for (id, text) in &given {
                if let Err(e) = check_section_text(id, text) {
                    errors.push(ErrorItem::field(
                        &format!("text-{id}"),
                        format!("Check the resolved text: {}", reason(e)),
                    ));
                }
            }
            let status = if errors.is_empty() {
                match lib.update(n, &user.identity(), &given) {
                    Ok(_) => return Ok(see_other(&format!("/proposals/{n}"))),
                    Err(e) => {
                        let no_change = matches!(e, CoreError::NoChange(_));
                        let e = AppError::from(e);
                        let Some((status, message)) = refusal(&e) else {
                            return Err(e);
                        };
                        errors.push(ErrorItem::general(message));
                        if no_change && given.is_empty() {
                            StatusCode::CONFLICT
                        } else {
                            status
                        }
                    }
                }
            } else {
                StatusCode::UNPROCESSABLE_ENTITY
            };
            let res = update_page(lib, &viewer, &p, &given, errors)?;
            Ok(with_status(res, status))
        })
        .await
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
