//! GET /proposals

use super::*;

pub(super) async fn list(
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
pub(super) const CHECKS_PER_REQUEST: usize = 200;

pub(super) struct Listing {
    rows: Vec<ProposalRow>,
    total: usize,
    /// Open proposals left out of a merge-state filter because they are not checked yet.
    unchecked: usize,
}

/// One page of the proposals list, newest first, from the index.
pub(super) fn list_page(
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
pub(super) fn page_link(pairs: &[(String, String)], page: usize) -> String {
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
