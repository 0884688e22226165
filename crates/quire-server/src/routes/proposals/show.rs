//! GET /proposals/{n}

use super::*;

/// What to show on the proposal page besides the proposal itself.
pub(super) struct PageRequest {
    view: &'static str,
    rev: Option<u32>,
    /// The viewer has just reported something here (`?reported=1`, set by `/report`).
    reported: bool,
    errors: Vec<ErrorItem>,
    drafts: Drafts,
}

pub(super) async fn show(
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

pub(super) async fn proposal_response(
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
pub(super) fn view_href(n: u64, view: &str, rev: Option<u32>) -> String {
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
pub(super) fn diff_cache() -> &'static crate::render::DiffCache {
    crate::render::diff_cache()
}

pub(super) fn proposal_page(
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
    let diffs = revision_diff(lib, &p, shown)?;
    let titles = titles_on_main(lib)?;
    let badges = Badges::lookup(
        state.store(),
        std::iter::once(&p.author)
            .chain(p.revisions.iter().map(|r| &r.author))
            .chain(p.reviews.iter().map(|r| &r.reviewer))
            .chain(p.comments.iter().map(|c| &c.author)),
    )?;
    let is_open = p.status == Status::Open;
    let conflicts = if is_open {
        conflicts_with_main(lib, state, &p, &titles)?
    } else {
        Vec::new()
    };
    let needs_update = is_open && p.latest().base != lib.main()?;
    let panels = Panels::of(lib, &p, shown, req.view, &diffs)?;
    let status = p.approval_status(&lib.review_rules()?);
    let (closed_note, closed_reason_html) = closed_note(&p);
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
        approved: status.is_approved(),
        approval_note: approval_note(&p, &status),
        needs_update,
        view: req.view,
        reported: req.reported,
        tabs: tabs(n, req.view, req.rev),
        shown_rev: shown,
        latest_rev: latest,
        coarse: diffs.iter().any(|d| d.diff.coarse),
        diffs: panels.diffs,
        sides: panels.sides,
        previews: panels.previews,
        revisions: revision_views(&p, &badges, req.view, shown),
        reviews: review_views(&p, &badges),
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

/// The word diff of revision `shown` against its base, from the diff cache (keyed by the
/// revision's own commit, which never changes) or worked out now.
fn revision_diff(
    lib: &Library,
    p: &Proposal,
    shown: u32,
) -> Result<Arc<Vec<quire_core::SectionDiff>>, AppError> {
    let n = p.number;
    Ok(match p.revision(shown) {
        Some(r) => match diff_cache().get(&r.commit.0) {
            Some(d) => d,
            None => {
                let d = Arc::new(lib.proposal_diff(n, Some(shown))?);
                diff_cache().insert(r.commit.0.clone(), d.clone());
                d
            }
        },
        None => Arc::new(lib.proposal_diff(n, Some(shown))?),
    })
}

/// The clashing text of open proposal `p` against the draft. The merge index answers
/// "clean" without a merge; the report is worked out only for a conflict.
fn conflicts_with_main(
    lib: &Library,
    state: &AppState,
    p: &Proposal,
    titles: &HashMap<String, String>,
) -> Result<Vec<ConflictView>, AppError> {
    let conflicting = state.index_query(lib, |ix| {
        let latest = p.latest();
        let known = ix.merge_state(lib, p.number, &latest.commit, &latest.base)?;
        Ok(known == quire_core::index::MergeState::Conflict)
    })?;
    if !conflicting {
        return Ok(Vec::new());
    }
    Ok(match lib.mergeability_of(p)? {
        Mergeability::Conflict { report } => conflict_views(&report, titles),
        Mergeability::Clean | Mergeability::Closed => Vec::new(),
    })
}

/// What the tab the page is on shows of each changed section: the word diff, the two
/// texts side by side, or the revised text rendered.
struct Panels {
    diffs: Vec<SectionHtml>,
    sides: Vec<SideHtml>,
    previews: Vec<SectionHtml>,
}

impl Panels {
    fn of(
        lib: &Library,
        p: &Proposal,
        shown: u32,
        view: &str,
        diffs: &[quire_core::SectionDiff],
    ) -> Result<Panels, AppError> {
        let mut out = Panels {
            diffs: Vec::new(),
            sides: Vec::new(),
            previews: Vec::new(),
        };
        for d in diffs {
            let (id, title) = (d.section.to_string(), d.title.clone());
            match view {
                "side" => {
                    let (old_html, new_html) = quire_core::prose::render_side_by_side(&d.diff);
                    out.sides.push(SideHtml {
                        id,
                        title,
                        old_html,
                        new_html,
                    });
                }
                "preview" => {
                    let text = lib.proposal_text(p.number, &d.section, Some(shown))?;
                    out.previews.push(SectionHtml {
                        id,
                        title,
                        html: demote_headings(&markdown(&text), 2),
                    });
                }
                _ => out.diffs.push(SectionHtml {
                    id,
                    title,
                    html: prose::render_html(&d.diff),
                }),
            }
        }
        Ok(out)
    }
}

fn tabs(n: u64, view: &str, rev: Option<u32>) -> Vec<Tab> {
    [
        ("diff", "Changes"),
        ("side", "Side by side"),
        ("preview", "Preview"),
    ]
    .into_iter()
    .map(|(v, label)| Tab {
        label,
        href: view_href(n, v, rev),
        current: v == view,
    })
    .collect()
}

fn revision_views(p: &Proposal, badges: &Badges, view: &str, shown: u32) -> Vec<RevisionView> {
    p.revisions
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
            href: view_href(p.number, view, Some(r.number)),
            shown: r.number == shown,
        })
        .collect()
}

fn review_views(p: &Proposal, badges: &Badges) -> Vec<ReviewView> {
    p.reviews
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
        .collect()
}

/// Where the latest revision stands on approval, in a sentence or two.
fn approval_note(p: &Proposal, status: &quire_core::model::ApprovalStatus) -> String {
    let latest = p.latest().number;
    let own = if status.not_counted.is_empty() {
        String::new()
    } else {
        format!(
            " The approval by {} does not count: an author's own approval does not count.",
            p.author.name
        )
    };
    let summary = status.summary();
    if status.is_approved() {
        format!("Revision {latest} is approved. {summary}.{own}")
    } else if status.changes_requested {
        format!("Changes were requested on revision {latest}; it cannot be merged until a new revision is approved. {summary}.{own}")
    } else if status.counted == 0 {
        format!("Revision {latest} has no approval yet; a maintainer must approve it before it can be merged. {summary}.{own}")
    } else {
        format!("Revision {latest} needs more approvals before it can be merged. {summary}.{own}")
    }
}

/// How a closed proposal ended (merged, rejected or withdrawn, by whom and when), and the
/// reason given, rendered; `None` while it is open.
fn closed_note(p: &Proposal) -> (Option<String>, String) {
    match (&p.merged, &p.closed) {
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
    }
}

/// Re-renders the proposal page after a refused form, or passes the error on.
pub(super) async fn refused(
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
