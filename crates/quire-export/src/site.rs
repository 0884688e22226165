//! The static website of an edition: every page as a string, plus the search index.
//!
//! Links are relative (`sections/usability.html`, `../index.html`), `index.html` is always
//! named, and nothing is loaded from elsewhere, so the site works from any folder on any
//! web server and straight from the file system.

use std::fmt::Write as _;

use quire_core::prose::{self, BlockDiff, DiffStats, ProseDiff};
use serde::Serialize;

use crate::data::{ChangeKind, EditionData};
use quire_core::prose::escape_html;

use crate::render::{render_section, RenderedSection};

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

/// A page in the site's frame. `root` is the way back to the site's top folder (`""` or
/// `"../"`).
pub(crate) fn page(data: &EditionData, root: &str, title: &str, nav: Nav, body: &str) -> String {
    let mut out = String::with_capacity(body.len() + 3000);
    let resource = escape_html(&data.resource_title);
    let _ = writeln!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en-GB\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <meta name=\"generator\" content=\"Quire\">\n\
         <title>{} — {resource} ({})</title>\n\
         <link rel=\"stylesheet\" href=\"{root}site.css\">\n</head>\n<body>\n\
         <a class=\"skip-link\" href=\"#main\">Skip to main content</a>\n\
         <header class=\"site-header\">\n<div class=\"inner\">\n\
         <p class=\"site-title\"><a href=\"{root}index.html\">{resource}</a>\
         <span class=\"edition\">{}</span></p>",
        escape_html(title),
        escape_html(&data.title),
        escape_html(&data.label()),
    );
    let item = |out: &mut String, href: &str, label: &str, this: Nav| {
        let current = if nav == this {
            " aria-current=\"page\""
        } else {
            ""
        };
        let _ = write!(
            out,
            "<li><a href=\"{root}{href}\"{current}>{label}</a></li>"
        );
    };
    out.push_str("<nav class=\"site-nav\" aria-label=\"Edition\"><ul>");
    item(&mut out, "index.html", "Contents", Nav::Contents);
    item(&mut out, "changes.html", "What changed", Nav::Changes);
    item(
        &mut out,
        "contributors.html",
        "Contributors",
        Nav::Contributors,
    );
    item(&mut out, "search.html", "Search", Nav::Search);
    out.push_str("</ul></nav>\n");
    if nav != Nav::Search {
        let _ = writeln!(
            out,
            "<form class=\"search\" role=\"search\" action=\"{root}search.html\" method=\"get\">\
             <label for=\"search-q\">Search this edition</label>\
             <input id=\"search-q\" name=\"q\" type=\"search\" autocomplete=\"off\">\
             <button type=\"submit\">Search</button></form>"
        );
    }
    out.push_str("</div>\n</header>\n<main id=\"main\" tabindex=\"-1\">\n");
    out.push_str(body);
    out.push_str("</main>\n<footer class=\"site-footer\">\n<div class=\"inner\">\n");
    let _ = writeln!(
        out,
        "<p>{resource}: {}. Published with Quire from commit <code>{}</code>.</p>",
        escape_html(&data.label()),
        &data.commit[..data.commit.len().min(12)],
    );
    out.push_str("</div>\n</footer>\n");
    if nav == Nav::Search {
        let _ = writeln!(
            out,
            "<script src=\"{root}search-index.js\"></script>\n<script src=\"{root}search.js\"></script>"
        );
    }
    out.push_str("</body>\n</html>\n");
    out
}

/// `index.html`: title, edition, notes and the contents by part.
pub(crate) fn contents_page(data: &EditionData) -> String {
    let mut b = String::new();
    let _ = writeln!(b, "<h1>{}</h1>", escape_html(&data.resource_title));
    if let Some(s) = &data.subtitle {
        let _ = writeln!(b, "<p class=\"subtitle\">{}</p>", escape_html(s));
    }
    let _ = writeln!(b, "<p class=\"meta\">{}</p>", edition_line(data));
    if !data.notes.trim().is_empty() {
        b.push_str("<div class=\"notes\">");
        b.push_str(&prose::safe_html(&data.notes, "notes-"));
        b.push_str("</div>\n");
    }
    let _ = writeln!(
        b,
        "<p><a href=\"changes.html\">What changed in this edition</a> · \
         <a href=\"contributors.html\">Contributors</a> ({} proposals merged)</p>",
        data.changes.len()
    );
    b.push_str("<nav class=\"contents\" aria-labelledby=\"contents-heading\">\n<h2 id=\"contents-heading\">Contents</h2>\n");
    let mut position = 1;
    for part in &data.parts {
        let _ = writeln!(
            b,
            "<h3 id=\"part-{}\">{}</h3>\n<ol start=\"{position}\">",
            escape_html(&part.id),
            escape_html(&part.title)
        );
        for &i in &part.sections {
            let s = &data.sections[i];
            let _ = writeln!(
                b,
                "<li><a href=\"sections/{}.html\">{}</a></li>",
                s.id,
                escape_html(&s.title)
            );
            position += 1;
        }
        b.push_str("</ol>\n");
    }
    b.push_str("</nav>\n");
    page(data, "", "Contents", Nav::Contents, &b)
}

fn edition_line(data: &EditionData) -> String {
    match &data.date {
        Some(d) => format!(
            "{} (edition <code>{}</code>), published <time datetime=\"{d}\">{d}</time>.",
            escape_html(&data.title),
            escape_html(&data.slug)
        ),
        None => format!(
            "The working draft at commit <code>{}</code>: not a published edition.",
            &data.commit[..data.commit.len().min(12)]
        ),
    }
}

/// `sections/<id>.html` for the section at `i` in reading order, with its rendering.
pub(crate) fn section_page(data: &EditionData, i: usize, r: &RenderedSection) -> String {
    let s = &data.sections[i];
    let mut b = String::new();
    let _ = writeln!(
        b,
        "<nav class=\"breadcrumbs\" aria-label=\"Breadcrumb\"><ol><li><a href=\"../index.html\">Contents</a></li>\
         <li>{}</li></ol></nav>",
        escape_html(data.part_title(&s.part))
    );
    let _ = writeln!(b, "<article class=\"section-text\">\n{}</article>", r.html);
    b.push_str("<nav class=\"pager\" aria-label=\"Previous and next section\">\n");
    match i.checked_sub(1).map(|p| &data.sections[p]) {
        Some(p) => {
            let _ = writeln!(
                b,
                "<a class=\"prev\" rel=\"prev\" href=\"{}.html\"><span class=\"dir\">Previous section</span>{}</a>",
                p.id,
                escape_html(&p.title)
            );
        }
        None => b.push_str(
            "<a class=\"prev\" href=\"../index.html\"><span class=\"dir\">Back to</span>Contents</a>\n",
        ),
    }
    match data.sections.get(i + 1) {
        Some(n) => {
            let _ = writeln!(
                b,
                "<a class=\"next\" rel=\"next\" href=\"{}.html\"><span class=\"dir\">Next section</span>{}</a>",
                n.id,
                escape_html(&n.title)
            );
        }
        None => b.push_str(
            "<a class=\"next\" href=\"../changes.html\"><span class=\"dir\">Next</span>What changed in this edition</a>\n",
        ),
    }
    b.push_str("</nav>\n");
    let example = r
        .anchors
        .iter()
        .find(|a| a.number.is_some())
        .map(|a| (a.id.clone(), a.content_id.clone().unwrap_or_default()));
    if let Some((pos, content)) = example {
        let _ = writeln!(
            b,
            "<aside class=\"cite\" aria-label=\"Citing this section\"><p>To cite a paragraph, use its \
             number: the ¶&#xa0;links go to <code>sections/{id}.html#{pos}</code> and so on. Numbers \
             can shift in a later edition; each paragraph also has a permanent anchor made from its \
             text (<code>#{content}</code> for the first), which stays the same for as long as the \
             paragraph is unchanged.</p></aside>",
            id = s.id
        );
    }
    page(data, "../", &s.title, Nav::Section, &b)
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
    let mut b = String::new();
    b.push_str("<h1>What changed in this edition</h1>\n");
    changes_body(data, &mut b, section_href, "");
    page(data, root, "What changed in this edition", Nav::Changes, &b)
}

/// The body of the changes page; ids get `prefix`.
pub(crate) fn changes_body(
    data: &EditionData,
    b: &mut String,
    section_href: &dyn Fn(&str) -> String,
    prefix: &str,
) {
    match &data.previous {
        None => {
            let _ = writeln!(
                b,
                "<p class=\"lead\">This is the first edition of {}; there is no earlier edition to compare it with.</p>",
                escape_html(&data.resource_title)
            );
        }
        Some(p) => {
            let (mut words_added, mut words_removed) = (0, 0);
            let (mut changed, mut added, mut removed) = (0, 0, 0);
            for d in &data.diffs {
                words_added += d.diff.stats.words_added;
                words_removed += d.diff.stats.words_removed;
                match d.kind {
                    ChangeKind::Added => added += 1,
                    ChangeKind::Removed => removed += 1,
                    ChangeKind::Changed => changed += 1,
                }
            }
            let _ = writeln!(
                b,
                "<p class=\"lead\">Compared with the previous edition, {} (<code>{}</code>, {}).</p>",
                escape_html(&p.title),
                escape_html(&p.slug),
                escape_html(&p.date)
            );
            let _ = writeln!(
                b,
                "<p class=\"summary\" id=\"{prefix}summary\">{changed} section{} changed, {added} added, {removed} removed; \
                 {words_added} word{} added and {words_removed} removed in all.</p>",
                if changed == 1 { "" } else { "s" },
                if words_added == 1 { "" } else { "s" },
            );
        }
    }
    let _ = writeln!(
        b,
        "<h2 id=\"{prefix}proposals\">Proposals merged ({})</h2>",
        data.changes.len()
    );
    if data.changes.is_empty() {
        b.push_str("<p>No proposals were merged for this edition.</p>\n");
    } else {
        b.push_str("<ul class=\"proposals\">\n");
        for c in &data.changes {
            let _ = write!(
                b,
                "<li id=\"{prefix}proposal-{}\">#{} {} — proposed by {}. Sections: ",
                c.entry.proposal,
                c.entry.proposal,
                escape_html(&c.title),
                escape_html(&c.entry.author.name)
            );
            section_links(data, b, &c.entry.sections, section_href);
            b.push_str("</li>\n");
        }
        b.push_str("</ul>\n");
    }
    if data.previous.is_none() {
        return;
    }
    let _ = writeln!(
        b,
        "<h2 id=\"{prefix}sections\">Changes section by section ({})</h2>",
        data.diffs.len()
    );
    if data.diffs.is_empty() {
        b.push_str("<p>No section's text changed.</p>\n");
    }
    for d in &data.diffs {
        let s = &d.diff.stats;
        let _ = writeln!(
            b,
            "<section class=\"change\" id=\"{prefix}change-{}\" data-kind=\"{}\" data-words-added=\"{}\" \
             data-words-removed=\"{}\" aria-labelledby=\"{prefix}change-{}-title\">",
            d.id,
            match d.kind {
                ChangeKind::Added => "added",
                ChangeKind::Removed => "removed",
                ChangeKind::Changed => "changed",
            },
            s.words_added,
            s.words_removed,
            d.id
        );
        let title = match d.kind {
            ChangeKind::Removed => format!(
                "{} <span class=\"tag\">removed</span>",
                escape_html(&d.title)
            ),
            ChangeKind::Added => format!(
                "<a href=\"{}\">{}</a> <span class=\"tag\">new</span>",
                section_href(d.id.as_str()),
                escape_html(&d.title)
            ),
            ChangeKind::Changed => format!(
                "<a href=\"{}\">{}</a>",
                section_href(d.id.as_str()),
                escape_html(&d.title)
            ),
        };
        let _ = writeln!(b, "<h3 id=\"{prefix}change-{}-title\">{title}</h3>", d.id);
        let _ = writeln!(b, "<p class=\"counts\">{}.</p>", counts(s));
        let by: Vec<String> = data
            .changes
            .iter()
            .filter(|c| c.entry.sections.contains(&d.id))
            .map(|c| format!("#{} {}", c.entry.proposal, escape_html(&c.title)))
            .collect();
        if !by.is_empty() {
            let _ = writeln!(b, "<p class=\"meta\">From: {}.</p>", by.join("; "));
        }
        if d.kind == ChangeKind::Changed {
            b.push_str("<div class=\"diff\">\n");
            b.push_str(&diff_html(&d.diff));
            b.push_str("</div>\n");
        }
        b.push_str("</section>\n");
    }
}

/// The word diff as HTML, showing one unchanged block around each change and a marker in
/// place of each longer run of unchanged blocks.
fn diff_html(d: &ProseDiff) -> String {
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
    let mut out = String::new();
    let mut run: Vec<BlockDiff> = Vec::new();
    let mut elided = false;
    let flush = |run: &mut Vec<BlockDiff>, out: &mut String| {
        if !run.is_empty() {
            out.push_str(&prose::render_html(&ProseDiff {
                blocks: std::mem::take(run),
                stats: d.stats,
                coarse: d.coarse,
            }));
        }
    };
    for (i, block) in d.blocks.iter().enumerate() {
        if shown(i) {
            if elided {
                out.push_str("<p class=\"elided\">⋯ unchanged text left out ⋯</p>\n");
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
        out.push_str("<p class=\"elided\">⋯ unchanged text left out ⋯</p>\n");
    }
    out
}

fn section_links(
    data: &EditionData,
    b: &mut String,
    ids: &[quire_core::SectionId],
    section_href: &dyn Fn(&str) -> String,
) {
    let links: Vec<String> = ids
        .iter()
        .map(|id| match data.section_title(id) {
            Some(t) => format!(
                "<a href=\"{}\">{}</a>",
                section_href(id.as_str()),
                escape_html(t)
            ),
            None => format!("{} (removed)", escape_html(id.as_str())),
        })
        .collect();
    b.push_str(&links.join(", "));
    b.push('.');
}

/// `contributors.html`.
pub(crate) fn contributors_page(
    data: &EditionData,
    section_href: &dyn Fn(&str) -> String,
) -> String {
    let mut b = String::new();
    b.push_str("<h1>Contributors</h1>\n");
    contributors_body(data, &mut b, section_href, "");
    page(data, "", "Contributors", Nav::Contributors, &b)
}

/// The body of the contributors page; ids get `prefix`.
pub(crate) fn contributors_body(
    data: &EditionData,
    b: &mut String,
    section_href: &dyn Fn(&str) -> String,
    prefix: &str,
) {
    let people = data.contributors();
    if people.is_empty() {
        b.push_str("<p class=\"lead\">No proposals were merged into this edition.</p>\n");
        return;
    }
    let _ = writeln!(
        b,
        "<p class=\"lead\">{} is written in the open. These {} people proposed the changes merged into this edition. Thank you.</p>",
        escape_html(&data.resource_title),
        people.len()
    );
    b.push_str("<ul class=\"contributors\">\n");
    for (i, p) in people.iter().enumerate() {
        let _ = writeln!(
            b,
            "<li class=\"contributor\" id=\"{prefix}contributor-{}\"><strong class=\"name\">{}</strong>\n<ul>",
            i + 1,
            escape_html(p.name)
        );
        for c in &p.proposals {
            let _ = write!(
                b,
                "<li>#{} {}. Sections: ",
                c.entry.proposal,
                escape_html(&c.title)
            );
            section_links(data, b, &c.entry.sections, section_href);
            b.push_str("</li>\n");
        }
        b.push_str("</ul></li>\n");
    }
    b.push_str("</ul>\n");
}

/// `search.html`: the form, and the results that `search.js` fills in.
pub(crate) fn search_page(data: &EditionData) -> String {
    let b = "<h1>Search</h1>\n\
        <form class=\"search search-page\" role=\"search\" action=\"search.html\" method=\"get\">\
        <label for=\"search-page-q\">Search this edition for</label>\
        <input id=\"search-page-q\" name=\"q\" type=\"search\" autocomplete=\"off\">\
        <button type=\"submit\">Search</button></form>\n\
        <noscript><p>Searching needs JavaScript, which is turned off in this browser. \
        Every section is listed in the <a href=\"index.html\">contents</a>.</p></noscript>\n\
        <p id=\"search-status\" role=\"status\" aria-live=\"polite\"></p>\n\
        <ol id=\"search-results\" class=\"results\"></ol>\n";
    page(data, "", "Search", Nav::Search, b)
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
