//! The whole edition as one self-contained HTML file: inline stylesheet, no script, no
//! other file. Section `usability` is `#usability`; its anchors are prefixed with the
//! section id and `_` (`#usability_p-3`, `#usability_c-1a2b3c4d`, `#usability_what-this-means`).
//! The page's own ids begin with a capital letter (`#Contents`, `#Changes`, `#Contributors`),
//! so no section id or anchor (all lowercase) can clash with them. The page is the
//! `single.html` template.

use crate::data::EditionData;
use crate::render::render_section;
use crate::site::{changes_body, contributors_body, frame, notes, parts, CSS};
use crate::templates::{render, Single};

/// The single-file HTML of an edition.
pub(crate) fn single_html(data: &EditionData) -> String {
    let href = |id: &str| format!("#{id}");
    let section_html = |i: usize| {
        let s = &data.sections[i];
        render_section(&s.text, &format!("{}_", s.id)).html
    };
    render(&Single {
        frame: &frame(data),
        css: &CSS,
        subtitle: data.subtitle.as_deref(),
        notes: notes(data, "Notes-"),
        parts: parts(data, &section_html),
        changes: changes_body(data, &href, "Changes-"),
        contributors: contributors_body(data, &href, "Contributors-"),
    })
}
