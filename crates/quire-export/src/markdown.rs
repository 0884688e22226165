//! The Markdown bundle: a folder with each section's source exactly as the edition holds it,
//! and the contents, changes and contributors as Markdown pages beside it.

use std::fmt::Write as _;

use quire_core::prose::{self, TextStyle};

use crate::data::{ChangeKind, EditionData};
use crate::site::counts_text;

/// `index.md`.
pub(crate) fn index(data: &EditionData) -> String {
    let mut b = String::new();
    let _ = writeln!(b, "# {}\n", data.resource_title);
    if let Some(s) = &data.subtitle {
        let _ = writeln!(b, "{s}\n");
    }
    match &data.date {
        Some(d) => {
            let _ = writeln!(
                b,
                "{} (edition `{}`), published {d}.\n",
                data.title, data.slug
            );
        }
        None => {
            let _ = writeln!(
                b,
                "The working draft at commit `{}`: not a published edition.\n",
                &data.commit[..data.commit.len().min(12)]
            );
        }
    }
    if !data.notes.trim().is_empty() {
        let _ = writeln!(b, "{}\n", data.notes.trim());
    }
    b.push_str("See [what changed in this edition](changes.md) and the [contributors](contributors.md).\n\n## Contents\n");
    let mut position = 1;
    for part in &data.parts {
        let _ = writeln!(b, "\n### {}\n", part.title);
        for &i in &part.sections {
            let s = &data.sections[i];
            let _ = writeln!(
                b,
                "{position}. [{}](sections/{}.md)",
                link_text(&s.title),
                s.id
            );
            position += 1;
        }
    }
    b
}

/// Escapes the characters that would end or break a link text.
fn link_text(t: &str) -> String {
    t.replace('\\', "\\\\")
        .replace('[', "\\[")
        .replace(']', "\\]")
}

/// A fence longer than any run of backticks in `text`.
fn fence(text: &str) -> String {
    let mut longest = 0;
    let mut run = 0;
    for c in text.chars() {
        if c == '`' {
            run += 1;
            longest = longest.max(run);
        } else {
            run = 0;
        }
    }
    "`".repeat((longest + 1).max(3))
}

fn section_link(data: &EditionData, id: &quire_core::SectionId) -> String {
    match data.section_title(id) {
        Some(t) => format!("[{}](sections/{id}.md)", link_text(t)),
        None => format!("{id} (removed)"),
    }
}

/// The sections a proposal changed, as a comma-separated list of links.
fn section_links(data: &EditionData, ids: &[quire_core::SectionId]) -> String {
    let links: Vec<String> = ids.iter().map(|id| section_link(data, id)).collect();
    links.join(", ")
}

/// `changes.md`: the merged proposals and each changed section's word diff, with
/// `{+inserted+}` and `[-deleted-]` marks as in `git diff --word-diff=plain`.
pub(crate) fn changes(data: &EditionData) -> String {
    let mut b = String::from("# What changed in this edition\n\n");
    match &data.previous {
        None => {
            let _ = writeln!(
                b,
                "This is the first edition of {}; there is no earlier edition to compare it with.\n",
                data.resource_title
            );
        }
        Some(p) => {
            let _ = writeln!(
                b,
                "Compared with the previous edition, {} (`{}`, {}).\n",
                p.title, p.slug, p.date
            );
        }
    }
    let _ = writeln!(b, "## Proposals merged ({})\n", data.changes.len());
    if data.changes.is_empty() {
        b.push_str("No proposals were merged for this edition.\n");
    }
    for c in &data.changes {
        let _ = writeln!(
            b,
            "- #{} {} — proposed by {}. Sections: {}.",
            c.entry.proposal,
            c.title,
            c.entry.author.name,
            section_links(data, &c.entry.sections)
        );
    }
    if data.previous.is_none() {
        return b;
    }
    let _ = writeln!(b, "\n## Changes section by section ({})", data.diffs.len());
    if data.diffs.is_empty() {
        b.push_str("\nNo section's text changed.\n");
    }
    for d in &data.diffs {
        let title = match d.kind {
            ChangeKind::Removed => format!("{} (removed)", d.title),
            ChangeKind::Added => format!("[{}](sections/{}.md) (new)", link_text(&d.title), d.id),
            ChangeKind::Changed => format!("[{}](sections/{}.md)", link_text(&d.title), d.id),
        };
        let _ = writeln!(b, "\n### {title}\n\n{}.", counts_text(&d.diff.stats));
        if d.kind == ChangeKind::Changed {
            let text = prose::render_text_with_context(&d.diff, &TextStyle::PLAIN, 1);
            let f = fence(&text);
            let _ = writeln!(b, "\n{f}text\n{}{f}", text);
        }
    }
    b
}

/// `contributors.md`.
pub(crate) fn contributors(data: &EditionData) -> String {
    let mut b = String::from("# Contributors\n\n");
    let people = data.contributors();
    if people.is_empty() {
        b.push_str("No proposals were merged into this edition.\n");
        return b;
    }
    let _ = writeln!(
        b,
        "These {} people proposed the changes merged into this edition. Thank you.\n",
        people.len()
    );
    for p in people {
        let _ = writeln!(b, "- **{}**", p.name);
        for c in &p.proposals {
            let _ = writeln!(
                b,
                "  - #{} {}. Sections: {}.",
                c.entry.proposal,
                c.title,
                section_links(data, &c.entry.sections)
            );
        }
    }
    b
}
