//! The whole edition as one self-contained HTML file: inline stylesheet, no script, no
//! other file. Section `usability` is `#usability`; its anchors are prefixed with the
//! section id and `_` (`#usability_p-3`, `#usability_c-1a2b3c4d`, `#usability_what-this-means`).
//! The page's own ids begin with a capital letter (`#Contents`, `#Changes`, `#Contributors`),
//! so no section id or anchor (all lowercase) can clash with them.

use std::fmt::Write as _;

use crate::data::EditionData;
use quire_core::prose::escape_html;

use crate::render::render_section;
use crate::site::{changes_body, contributors_body, CSS};

/// The single-file HTML of an edition.
pub(crate) fn single_html(data: &EditionData) -> String {
    let href = |id: &str| format!("#{id}");
    let mut out = String::with_capacity(256 * 1024);
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en-GB\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <meta name=\"generator\" content=\"Quire\">\n\
         <title>{} — {}</title>\n<style>\n{css}</style>\n</head>\n<body>\n\
         <a class=\"skip-link\" href=\"#Main\">Skip to main content</a>\n\
         <header class=\"site-header\">\n<div class=\"inner\">\n\
         <p class=\"site-title\"><a href=\"#Top\">{}</a><span class=\"edition\">{}</span></p>\n\
         <nav class=\"site-nav\" aria-label=\"Edition\"><ul><li><a href=\"#Contents\">Contents</a></li>\
         <li><a href=\"#Changes\">What changed</a></li><li><a href=\"#Contributors\">Contributors</a></li></ul></nav>\n\
         </div>\n</header>\n<main id=\"Main\" tabindex=\"-1\">\n",
        escape_html(&data.resource_title),
        escape_html(&data.label()),
        escape_html(&data.resource_title),
        escape_html(&data.label()),
        css = CSS.as_str(),
    );
    let _ = writeln!(
        out,
        "<h1 id=\"Top\">{}</h1>",
        escape_html(&data.resource_title)
    );
    if let Some(s) = &data.subtitle {
        let _ = writeln!(out, "<p class=\"subtitle\">{}</p>", escape_html(s));
    }
    let _ = writeln!(out, "<p class=\"meta\">{}</p>", escape_html(&data.label()));
    if !data.notes.trim().is_empty() {
        out.push_str(&quire_core::prose::safe_html(&data.notes, "Notes-"));
    }
    out.push_str("<nav class=\"contents\" aria-labelledby=\"Contents\">\n<h2 id=\"Contents\">Contents</h2>\n");
    let mut position = 1;
    for part in &data.parts {
        let _ = writeln!(
            out,
            "<h3>{}</h3>\n<ol start=\"{position}\">",
            escape_html(&part.title)
        );
        for &i in &part.sections {
            let s = &data.sections[i];
            let _ = writeln!(
                out,
                "<li><a href=\"#{}\">{}</a></li>",
                s.id,
                escape_html(&s.title)
            );
            position += 1;
        }
        out.push_str("</ol>\n");
    }
    out.push_str("<p><a href=\"#Changes\">What changed in this edition</a> · <a href=\"#Contributors\">Contributors</a></p>\n</nav>\n");
    for part in &data.parts {
        let _ = writeln!(
            out,
            "<p class=\"part-title\" id=\"Part-{}\">{}</p>",
            escape_html(&part.id),
            escape_html(&part.title)
        );
        for &i in &part.sections {
            let s = &data.sections[i];
            let r = render_section(&s.text, &format!("{}_", s.id));
            let _ = writeln!(
                out,
                "<section class=\"chapter section-text\" id=\"{}\">\n{}</section>",
                s.id, r.html
            );
        }
    }
    out.push_str("<section class=\"chapter\" id=\"Changes\" aria-labelledby=\"Changes-heading\">\n<h1 id=\"Changes-heading\">What changed in this edition</h1>\n");
    changes_body(data, &mut out, &href, "Changes-");
    out.push_str("</section>\n<section class=\"chapter\" id=\"Contributors\" aria-labelledby=\"Contributors-heading\">\n<h1 id=\"Contributors-heading\">Contributors</h1>\n");
    contributors_body(data, &mut out, &href, "Contributors-");
    out.push_str("</section>\n</main>\n<footer class=\"site-footer\">\n<div class=\"inner\">\n");
    let _ = writeln!(
        out,
        "<p>{}: {}. Published with Quire from commit <code>{}</code>.</p>",
        escape_html(&data.resource_title),
        escape_html(&data.label()),
        &data.commit[..data.commit.len().min(12)]
    );
    out.push_str("</div>\n</footer>\n</body>\n</html>\n");
    out
}
