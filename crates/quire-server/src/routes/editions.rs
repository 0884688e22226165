//! Editions: the list of published editions, each edition's changelog, comparing any two
//! versions (editions or the working draft), and publishing a new edition (maintainers).

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use quire_core::{ChangeEntry, Edition, Library};
use serde::Deserialize;

use crate::auth::{CsrfForm, Viewer};
use crate::render::markdown;
use crate::routes::pages::see_other;
use crate::templates::{page, Badges, Chrome};
use crate::{AppError, AppState};

/// Routes of this module.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/editions", get(list))
        .route("/editions/{slug}/changelog", get(changelog))
        .route("/compare", get(compare))
        .route("/publish", get(publish_form).post(publish))
}

/// A merged proposal as a changelog shows it.
pub(crate) struct ChangeView {
    pub number: u64,
    /// The title, or the policy's [`HIDDEN_TITLE`](quire_core::policy::HIDDEN_TITLE) when
    /// the proposal is hidden from the audience.
    pub title: String,
    pub hidden: bool,
    /// The proposer, credited.
    pub author: String,
    /// The proposer's git identity, for [`Badges`].
    pub author_id: quire_core::Identity,
    /// The badge beside the proposer's name (filled by [`badge_changes`]).
    pub author_badge: Option<&'static str>,
    /// The sections it changed: (link, title).
    pub sections: Vec<(String, String)>,
}

/// Turns changelog entries into views as `audience` may see them: titles of hidden
/// proposals are replaced (see [`quire_core::policy`]), section ids
/// get their titles at `at` and links under `section_prefix` (`/sections/` or
/// `/editions/<slug>/sections/`).
pub(crate) fn change_views(
    lib: &Library,
    entries: &[ChangeEntry],
    at: &str,
    section_prefix: &str,
    audience: &quire_core::Audience,
) -> Result<Vec<ChangeView>, AppError> {
    let titles = lib.sections(at)?;
    let mut out = Vec::with_capacity(entries.len());
    for shown in lib.changes_for(entries, audience)? {
        let c = shown.entry;
        let sections = c
            .sections
            .iter()
            .map(|id| {
                let title = titles
                    .iter()
                    .find(|s| &s.id == id)
                    .map_or_else(|| id.to_string(), |s| s.title.clone());
                (format!("{section_prefix}{id}"), title)
            })
            .collect();
        out.push(ChangeView {
            number: c.proposal,
            title: c.title,
            hidden: shown.hidden,
            author: c.author.name.clone(),
            author_id: c.author.clone(),
            author_badge: None,
            sections,
        });
    }
    Ok(out)
}

/// Fills the badges beside the proposers' names (one store query).
pub(crate) fn badge_changes(
    store: &crate::store::Store,
    changes: &mut [ChangeView],
) -> Result<(), AppError> {
    let badges = Badges::lookup(store, changes.iter().map(|c| &c.author_id))?;
    for c in changes {
        c.author_badge = badges.of(&c.author_id);
    }
    Ok(())
}

/// The distinct proposers of a changelog, by name.
pub(crate) fn contributors(entries: &[ChangeEntry]) -> Vec<String> {
    let mut seen: Vec<&quire_core::Identity> = Vec::new();
    for c in entries {
        if !seen.iter().any(|i| i.email == c.author.email) {
            seen.push(&c.author);
        }
    }
    let mut names: Vec<String> = seen.iter().map(|i| i.name.clone()).collect();
    names.sort_by_key(|n| n.to_lowercase());
    names
}

struct EditionRow {
    slug: String,
    title: String,
    date: String,
    publisher: String,
    publisher_badge: Option<&'static str>,
    merged: usize,
}

#[derive(Template)]
#[template(path = "editions.html")]
struct EditionsPage {
    chrome: Chrome,
    editions: Vec<EditionRow>,
}

async fn list(State(state): State<AppState>, viewer: Viewer) -> Result<Response, AppError> {
    let editions = state.with_lib(|lib| Ok(lib.editions()?)).await?;
    let ids: Vec<quire_core::Identity> = editions.iter().map(|e| e.publisher.clone()).collect();
    let badges = state
        .with_store(move |s| Ok(Badges::lookup(s, &ids)?))
        .await?;
    let editions = editions
        .into_iter()
        .rev()
        .map(|e| EditionRow {
            slug: e.slug.to_string(),
            title: e.title,
            date: e.date,
            publisher_badge: badges.of(&e.publisher),
            publisher: e.publisher.name,
            merged: e.changes.len(),
        })
        .collect();
    Ok(page(&EditionsPage {
        chrome: Chrome::of(&viewer),
        editions,
    }))
}

#[derive(Template)]
#[template(path = "changelog.html")]
struct ChangelogPage {
    chrome: Chrome,
    slug: String,
    title: String,
    date: String,
    publisher: String,
    publisher_badge: Option<&'static str>,
    previous: Option<String>,
    notes_html: String,
    changes: Vec<ChangeView>,
    contributors: Vec<String>,
}

async fn changelog(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(slug): Path<String>,
) -> Result<Response, AppError> {
    let st = state.clone();
    let audience = viewer.audience();
    let (e, changes, publisher_badge): (Edition, Vec<ChangeView>, _) = state
        .with_lib(move |lib| {
            let e = lib.edition(&slug)?;
            let prefix = format!("/editions/{}/sections/", e.slug);
            let mut changes = change_views(lib, &e.changes, &e.commit.0, &prefix, &audience)?;
            badge_changes(st.store(), &mut changes)?;
            let publisher_badge = Badges::lookup(st.store(), [&e.publisher])?.of(&e.publisher);
            Ok((e, changes, publisher_badge))
        })
        .await?;
    Ok(page(&ChangelogPage {
        chrome: Chrome::of(&viewer),
        slug: e.slug.to_string(),
        title: e.title,
        date: e.date,
        publisher: e.publisher.name,
        publisher_badge,
        previous: e.previous.map(|p| p.to_string()),
        notes_html: markdown(&e.notes),
        contributors: contributors(&e.changes),
        changes,
    }))
}

#[derive(Deserialize)]
struct CompareQuery {
    #[serde(default)]
    from: Option<String>,
    #[serde(default)]
    to: Option<String>,
}

struct DiffView {
    id: String,
    title: String,
    added: usize,
    removed: usize,
    coarse: bool,
    html: String,
}

struct Comparison {
    from_label: String,
    to_label: String,
    /// Structural changes (sections added, removed, renamed, moved; parts; titles).
    structure: Vec<quire_core::SummaryGroup>,
    /// One sentence on the text of sections present on both sides.
    text_summary: String,
    sections: Vec<DiffView>,
    added: usize,
    removed: usize,
}

#[derive(Template)]
#[template(path = "compare.html")]
struct ComparePage {
    chrome: Chrome,
    /// (value, label) for both selects.
    choices: Vec<(String, String)>,
    from: String,
    to: String,
    result: Option<Comparison>,
}

/// The label of a version that can be compared: the working draft (`main` or `draft`) or a
/// published edition (`<slug>` or `edition/<slug>`); `None` for anything else. (Commit ids
/// are not offered: one could name a commit that holds no resource, such as an event.)
fn version_label(spec: &str, editions: &[Edition]) -> Option<String> {
    if spec == "main" || spec == "draft" {
        return Some(quire_core::ids::DRAFT_TITLE.to_string());
    }
    let slug = spec.strip_prefix("edition/").unwrap_or(spec);
    editions
        .iter()
        .find(|e| e.slug.as_str() == slug)
        .map(|e| format!("{} ({})", e.title, e.slug))
}

async fn compare(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(q): Query<CompareQuery>,
) -> Result<Response, AppError> {
    let given = |s: Option<String>| s.map(|s| s.trim().to_string()).filter(|s| !s.is_empty());
    let (from, to) = (given(q.from), given(q.to));
    let viewer_audience = viewer.audience();
    // The form alone until both ends are chosen; then the diff too.
    let both = from.is_some() && to.is_some();
    let (editions, result, from, to) = state
        .with_lib(move |lib| {
            let editions = lib.editions()?;
            let from = from.unwrap_or_else(|| {
                editions
                    .last()
                    .map_or_else(|| "main".to_string(), |e| e.slug.to_string())
            });
            let to = to.unwrap_or_else(|| "main".to_string());
            // Each end must name a version, whether or not the diff is shown yet.
            let from_label = version_label(&from, &editions).ok_or(AppError::NotFound)?;
            let to_label = version_label(&to, &editions).ok_or(AppError::NotFound)?;
            if !both {
                return Ok((editions, None, from, to));
            }
            let comparison = {
                let audience = viewer_audience;
                let a = lib.resolve_for(&from, &audience)?;
                let b = lib.resolve_for(&to, &audience)?;
                lib.comparison(&a.0, &b.0)?
            };
            let sections: Vec<DiffView> = comparison
                .sections
                .iter()
                .map(|d| DiffView {
                    id: d.section.to_string(),
                    title: d.title.clone(),
                    added: d.diff.stats.words_added,
                    removed: d.diff.stats.words_removed,
                    coarse: d.diff.coarse,
                    html: quire_core::prose::render_html(&d.diff),
                })
                .collect();
            let result = Comparison {
                from_label,
                to_label,
                structure: comparison.structure.summary(),
                text_summary: comparison.text_summary(),
                added: sections.iter().map(|s| s.added).sum(),
                removed: sections.iter().map(|s| s.removed).sum(),
                sections,
            };
            Ok((editions, Some(result), from, to))
        })
        .await?;
    let mut choices = vec![("main".to_string(), quire_core::ids::DRAFT_TITLE.to_string())];
    for e in editions.iter().rev() {
        choices.push((e.slug.to_string(), format!("{} ({})", e.title, e.date)));
    }
    // Spellings the selects do not offer ("draft", "edition/<slug>") select their version.
    let canonical = |spec: String| match spec.as_str() {
        "draft" => "main".to_string(),
        s => s.strip_prefix("edition/").unwrap_or(s).to_string(),
    };
    let (from, to) = (canonical(from), canonical(to));
    Ok(page(&ComparePage {
        chrome: Chrome::of(&viewer),
        choices,
        from,
        to,
        result,
    }))
}

#[derive(Deserialize, Clone, Default)]
struct PublishFields {
    #[serde(default)]
    slug: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    notes: String,
}

#[derive(Template)]
#[template(path = "publish.html")]
struct PublishPage {
    chrome: Chrome,
    error: Option<String>,
    fields: PublishFields,
    latest: Option<String>,
    changes: Vec<ChangeView>,
    contributors: Vec<String>,
    main_changed: bool,
}

async fn publish_form(State(state): State<AppState>, viewer: Viewer) -> Result<Response, AppError> {
    viewer.require_maintainer()?;
    publish_page(
        &state,
        &viewer,
        PublishFields::default(),
        None,
        StatusCode::OK,
    )
    .await
}

async fn publish_page(
    state: &AppState,
    viewer: &Viewer,
    fields: PublishFields,
    error: Option<String>,
    status: StatusCode,
) -> Result<Response, AppError> {
    let audience = viewer.audience();
    let (latest, pending, contributors, main_changed) = state
        .with_lib(move |lib| {
            let latest = lib.editions()?.pop();
            let entries = lib.changelog(None, None)?;
            let pending = change_views(lib, &entries, "main", "/sections/", &audience)?;
            let main_changed = latest
                .as_ref()
                .map_or(Ok(true), |e| lib.main().map(|m| m != e.commit))?;
            let latest = latest.map(|e| format!("{} ({})", e.title, e.slug));
            Ok((latest, pending, contributors(&entries), main_changed))
        })
        .await?;
    let mut res = page(&PublishPage {
        chrome: Chrome::of(viewer),
        error,
        fields,
        latest,
        changes: pending,
        contributors,
        main_changed,
    });
    *res.status_mut() = status;
    Ok(res)
}

async fn publish(
    State(state): State<AppState>,
    viewer: Viewer,
    CsrfForm(fields): CsrfForm<PublishFields>,
) -> Result<Response, AppError> {
    let user = viewer.require_maintainer()?.clone();
    state.check_write_rate(&user)?;
    let who = user.identity();
    let f = fields.clone();
    let done = state
        .with_lib(move |lib| Ok(lib.publish(f.slug.trim(), &f.title, &f.notes, &who)?))
        .await;
    match done {
        Ok(e) => Ok(see_other(&format!("/editions/{}/changelog", e.slug))),
        Err(e) => match e.for_form() {
            Some((status, message)) => {
                publish_page(&state, &viewer, fields, Some(message), status).await
            }
            None => Err(e),
        },
    }
}
