//! The static website of an edition: every page as a string (from the askama templates in
//! `templates/`, see [`crate::templates`]), plus the search index.
//!
//! Links are relative (`sections/usability.html`, `../index.html`), `index.html` is always
//! named, and nothing is loaded from elsewhere, so the site works from any folder on any
//! web server and straight from the file system.

use quire_core::prose::{self, BlockDiff, DiffStats, ProseDiff};
use quire_core::SectionId;
use serde::Serialize;

use crate::data::{Change, ChangeKind, EditionData};
use crate::render::{render_section, RenderedSection};
use crate::templates::{
    render, Changes, ChangesPage, Comparison, Contents, Contributors, ContributorsPage, DiffItem,
    Frame, NavItem, Neighbour, Page, PartItem, Person, ProposalItem, Search, Section, SectionItem,
    SectionLink,
};

/// The stylesheet, shared with the single-file export: the diff markup's
/// ([`prose::DIFF_CSS`]), then the site's own (whose print styles override it).
pub(crate) static CSS: std::sync::LazyLock<String> =
    std::sync::LazyLock::new(|| [prose::DIFF_CSS, include_str!("../assets/site.css")].join("\n"));
/// The search script.
pub(crate) const SEARCH_JS: &str = include_str!("../assets/search.js");

/// Which top-level page is shown (for `aria-current`).
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Nav {
    Contents,
    Section,
    Changes,
    Contributors,
    Search,
}

/// What every page shows of the edition.
pub(crate) fn frame(data: &EditionData) -> Frame<'_> {
    Frame {
        resource: &data.resource_title,
        edition_title: &data.title,
        label: data.label(),
        commit: &data.commit[..data.commit.len().min(12)],
    }
}

/// A page in the site's frame. `root` is the way back to the site's top folder (`""` or
/// `"../"`).
fn page(data: &EditionData, root: &str, title: &str, nav: Nav, body: String) -> String {
    let item = |href, label, this| NavItem {
        href,
        label,
        current: nav == this,
    };
    render(&Page {
        frame: &frame(data),
        root,
        title,
        nav: vec![
            item("index.html", "Contents", Nav::Contents),
            item("changes.html", "What changed", Nav::Changes),
            item("contributors.html", "Contributors", Nav::Contributors),
            item("search.html", "Search", Nav::Search),
        ],
        search_page: nav == Nav::Search,
        body,
    })
}

/// The parts in reading order, each section with `html` rendered for it.
pub(crate) fn parts<'a>(
    data: &'a EditionData,
    html: &dyn Fn(usize) -> String,
) -> Vec<PartItem<'a>> {
    let mut start = 1;
    data.parts
        .iter()
        .map(|part| {
            let item = PartItem {
                id: &part.id,
                title: &part.title,
                start,
                sections: part
                    .sections
                    .iter()
                    .map(|&i| SectionItem {
                        id: data.sections[i].id.as_str(),
                        title: &data.sections[i].title,
                        html: html(i),
                    })
                    .collect(),
            };
            start += part.sections.len();
            item
        })
        .collect()
}

/// The notes rendered and sanitised, with ids prefixed by `prefix`; `None` when empty.
pub(crate) fn notes(data: &EditionData, prefix: &str) -> Option<String> {
    (!data.notes.trim().is_empty()).then(|| prose::safe_html(&data.notes, prefix))
}

/// `index.html`: title, edition, notes and the contents by part.
pub(crate) fn contents_page(data: &EditionData) -> String {
    let f = frame(data);
    let body = render(&Contents {
        frame: &f,
        subtitle: data.subtitle.as_deref(),
        slug: &data.slug,
        date: data.date.as_deref(),
        notes: notes(data, "notes-"),
        merged: data.changes.len(),
        parts: parts(data, &|_| String::new()),
    });
    page(data, "", "Contents", Nav::Contents, body)
}

/// `sections/<id>.html` for the section at `i` in reading order, with its rendering.
pub(crate) fn section_page(data: &EditionData, i: usize, r: &RenderedSection) -> String {
    let s = &data.sections[i];
    fn neighbour(n: &crate::data::SectionData) -> Neighbour<'_> {
        Neighbour {
            id: n.id.as_str(),
            title: &n.title,
        }
    }
    let cite = r
        .anchors
        .iter()
        .find(|a| a.number.is_some())
        .map(|a| (a.id.as_str(), a.content_id.as_deref().unwrap_or_default()));
    let body = render(&Section {
        id: s.id.as_str(),
        part: data.part_title(&s.part),
        html: &r.html,
        prev: i.checked_sub(1).map(|p| neighbour(&data.sections[p])),
        next: data.sections.get(i + 1).map(neighbour),
        cite,
    });
    page(data, "../", &s.title, Nav::Section, body)
}

fn counts(stats: &DiffStats) -> String {
    let mut parts = vec![
        format!(
            "{} word{} added",
            stats.words_added,
            if stats.words_added == 1 { "" } else { "s" }
        ),
        format!(
            "{} word{} removed",
            stats.words_removed,
            if stats.words_removed == 1 { "" } else { "s" }
        ),
    ];
    let blocks =
        |n: usize, what: &str| format!("{n} paragraph{} {what}", if n == 1 { "" } else { "s" });
    if stats.blocks_changed > 0 {
        parts.push(blocks(stats.blocks_changed, "changed"));
    }
    if stats.blocks_added > 0 {
        parts.push(blocks(stats.blocks_added, "added"));
    }
    if stats.blocks_removed > 0 {
        parts.push(blocks(stats.blocks_removed, "removed"));
    }
    parts.join(", ")
}

/// The counts of a section change as one line of text (for the Markdown bundle too).
pub(crate) fn counts_text(stats: &DiffStats) -> String {
    counts(stats)
}

/// `changes.html`: the merged proposals, then every changed section's word diff.
pub(crate) fn changes_page(
    data: &EditionData,
    root: &str,
    section_href: &dyn Fn(&str) -> String,
) -> String {
    let body = render(&ChangesPage {
        body: changes_body(data, section_href, ""),
    });
    page(
        data,
        root,
        "What changed in this edition",
        Nav::Changes,
        body,
    )
}

/// The links to the sections `ids`, by title (or the id of a section no longer in it).
fn section_links<'a>(
    data: &'a EditionData,
    ids: &'a [SectionId],
    section_href: &dyn Fn(&str) -> String,
) -> Vec<SectionLink<'a>> {
    ids.iter()
        .map(|id| match data.section_title(id) {
            Some(title) => SectionLink {
                href: Some(section_href(id.as_str())),
                title,
            },
            None => SectionLink {
                href: None,
                title: id.as_str(),
            },
        })
        .collect()
}

fn proposal_item<'a>(
    data: &'a EditionData,
    c: &'a Change,
    section_href: &dyn Fn(&str) -> String,
) -> ProposalItem<'a> {
    ProposalItem {
        number: c.entry.proposal,
        title: &c.title,
        author: &c.entry.author.name,
        sections: section_links(data, &c.entry.sections, section_href),
    }
}

/// The body of the changes page; ids get `prefix`.
pub(crate) fn changes_body(
    data: &EditionData,
    section_href: &dyn Fn(&str) -> String,
    prefix: &str,
) -> String {
    let previous = data.previous.as_ref().map(|p| {
        let mut c = Comparison {
            title: &p.title,
            slug: &p.slug,
            date: &p.date,
            changed: 0,
            added: 0,
            removed: 0,
            words_added: 0,
            words_removed: 0,
        };
        for d in &data.diffs {
            c.words_added += d.diff.stats.words_added;
            c.words_removed += d.diff.stats.words_removed;
            match d.kind {
                ChangeKind::Added => c.added += 1,
                ChangeKind::Removed => c.removed += 1,
                ChangeKind::Changed => c.changed += 1,
            }
        }
        c
    });
    let diffs = data.previous.as_ref().map(|_| {
        data.diffs
            .iter()
            .map(|d| DiffItem {
                id: d.id.as_str(),
                kind: match d.kind {
                    ChangeKind::Added => "added",
                    ChangeKind::Removed => "removed",
                    ChangeKind::Changed => "changed",
                },
                words_added: d.diff.stats.words_added,
                words_removed: d.diff.stats.words_removed,
                title: &d.title,
                href: (d.kind != ChangeKind::Removed).then(|| section_href(d.id.as_str())),
                tag: match d.kind {
                    ChangeKind::Added => Some("new"),
                    ChangeKind::Removed => Some("removed"),
                    ChangeKind::Changed => None,
                },
                counts: counts(&d.diff.stats),
                by: data
                    .changes
                    .iter()
                    .filter(|c| c.entry.sections.contains(&d.id))
                    .map(|c| (c.entry.proposal, c.title.as_str()))
                    .collect(),
                diff: (d.kind == ChangeKind::Changed).then(|| diff_pieces(&d.diff)),
            })
            .collect()
    });
    render(&Changes {
        resource: &data.resource_title,
        prefix,
        previous,
        proposals: data
            .changes
            .iter()
            .map(|c| proposal_item(data, c, section_href))
            .collect(),
        diffs,
    })
}

/// The word diff as runs of blocks rendered by [`prose::render_html`], showing one
/// unchanged block around each change, with `None` in place of each longer run of
/// unchanged blocks.
fn diff_pieces(d: &ProseDiff) -> Vec<Option<String>> {
    let changed: Vec<bool> = d
        .blocks
        .iter()
        .map(|b| !matches!(b, BlockDiff::Unchanged { .. }))
        .collect();
    let shown = |i: usize| {
        changed[i.saturating_sub(1)..(i + 2).min(changed.len())]
            .iter()
            .any(|c| *c)
    };
    let mut out = Vec::new();
    let mut run: Vec<BlockDiff> = Vec::new();
    let mut elided = false;
    let flush = |run: &mut Vec<BlockDiff>, out: &mut Vec<Option<String>>| {
        if !run.is_empty() {
            out.push(Some(prose::render_html(&ProseDiff {
                blocks: std::mem::take(run),
                stats: d.stats,
                coarse: d.coarse,
            })));
        }
    };
    for (i, block) in d.blocks.iter().enumerate() {
        if shown(i) {
            if elided {
                out.push(None);
                elided = false;
            }
            run.push(block.clone());
        } else {
            flush(&mut run, &mut out);
            elided = true;
        }
    }
    flush(&mut run, &mut out);
    if elided {
        out.push(None);
    }
    out
}

/// `contributors.html`.
pub(crate) fn contributors_page(
    data: &EditionData,
    section_href: &dyn Fn(&str) -> String,
) -> String {
    let body = render(&ContributorsPage {
        body: contributors_body(data, section_href, ""),
    });
    page(data, "", "Contributors", Nav::Contributors, body)
}

/// The body of the contributors page; ids get `prefix`.
pub(crate) fn contributors_body(
    data: &EditionData,
    section_href: &dyn Fn(&str) -> String,
    prefix: &str,
) -> String {
    let people = data
        .contributors()
        .into_iter()
        .map(|p| Person {
            name: p.name,
            proposals: p
                .proposals
                .into_iter()
                .map(|c| proposal_item(data, c, section_href))
                .collect(),
        })
        .collect();
    render(&Contributors {
        resource: &data.resource_title,
        prefix,
        people,
    })
}

/// `search.html`: the form, and the results that `search.js` fills in.
pub(crate) fn search_page(data: &EditionData) -> String {
    page(data, "", "Search", Nav::Search, render(&Search))
}

#[derive(Serialize)]
struct IndexSection<'a> {
    id: &'a str,
    title: &'a str,
    part: &'a str,
    url: String,
    /// `[anchor, label, text]`: label is "¶ 3" or the heading's text.
    blocks: Vec<[String; 3]>,
}

#[derive(Serialize)]
struct Index<'a> {
    edition: &'a str,
    sections: Vec<IndexSection<'a>>,
}

/// `search-index.js`: a script that assigns the index to `window.QUIRE_SEARCH_INDEX`.
pub(crate) fn search_index(data: &EditionData, rendered: &[RenderedSection]) -> String {
    let sections = data
        .sections
        .iter()
        .zip(rendered)
        .map(|(s, r)| IndexSection {
            id: s.id.as_str(),
            title: &s.title,
            part: data.part_title(&s.part),
            url: format!("sections/{}.html", s.id),
            blocks: r
                .anchors
                .iter()
                .map(|a| {
                    let label = match a.number {
                        Some(n) => format!("¶ {n}"),
                        None => a.text.clone(),
                    };
                    [a.id.clone(), label, a.text.clone()]
                })
                .collect(),
        })
        .collect();
    let index = Index {
        edition: &data.slug,
        sections,
    };
    let json = serde_json::to_string(&index).expect("the index serialises: it is plain strings");
    // Keep the file safe to inline in a <script> element too.
    let json = json.replace("</", "<\\/");
    format!("// The search index of this edition, for search.js.\nwindow.QUIRE_SEARCH_INDEX = {json};\n")
}

/// Renders every section of the edition for the site.
pub(crate) fn render_all(data: &EditionData) -> Vec<RenderedSection> {
    data.sections
        .iter()
        .map(|s| render_section(&s.text, ""))
        .collect()
}
