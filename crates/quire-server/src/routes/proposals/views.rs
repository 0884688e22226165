//! Templates of the proposal pages and the pure helpers that shape data for them: heading
//! demotion, times and the error summary.
//!
//! Only HTML made by [`crate::render::markdown`], [`quire_core::prose::render_html`] or
//! [`quire_core::prose::render_side_by_side`] (both escape every piece of text) reaches a
//! template as `|safe`.

use askama::Template;

use crate::templates::{Chrome, CommentView};

/// One entry of an error summary: the message, and the id of the field to fix if any.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ErrorItem {
    /// The `id` of the field the message is about, for the link in the summary.
    pub field: Option<String>,
    /// What to fix, as a sentence.
    pub message: String,
}

impl ErrorItem {
    /// An error about one field.
    pub fn field(field: &str, message: impl Into<String>) -> ErrorItem {
        ErrorItem {
            field: Some(field.to_string()),
            message: message.into(),
        }
    }

    /// An error about the form as a whole.
    pub fn general(message: impl Into<String>) -> ErrorItem {
        ErrorItem {
            field: None,
            message: message.into(),
        }
    }
}

/// The message for a field, if the list has one.
pub fn error_for(errors: &[ErrorItem], field: &str) -> Option<String> {
    errors
        .iter()
        .find(|e| e.field.as_deref() == Some(field))
        .map(|e| e.message.clone())
}

/// One `<option>` of a `<select>`.
#[derive(Debug, Clone)]
pub struct Choice {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

impl Choice {
    /// An option, selected when `value` is the current one.
    pub fn new(value: &str, label: &str, current: &str) -> Choice {
        Choice {
            value: value.to_string(),
            label: label.to_string(),
            selected: value == current,
        }
    }
}

/// A section named by a proposal: its id and title.
#[derive(Debug, Clone)]
pub struct SectionRef {
    pub id: String,
    pub title: String,
}

/// One row of the proposal list.
pub struct ProposalRow {
    pub number: u64,
    pub title: String,
    pub author: String,
    /// The author's git identity, for [`crate::templates::Badges`].
    pub author_id: quire_core::Identity,
    pub author_badge: Option<&'static str>,
    pub sections: Vec<SectionRef>,
    pub status: &'static str,
    /// "can merge" or "needs update", for open proposals.
    pub merge: Option<&'static str>,
    pub hidden: bool,
}

/// `GET /proposals`.
#[derive(Template)]
#[template(path = "proposals.html")]
pub struct ProposalsPage {
    pub chrome: Chrome,
    pub status_choices: Vec<Choice>,
    pub section_choices: Vec<Choice>,
    pub merge_choices: Vec<Choice>,
    pub filtered: bool,
    pub rows: Vec<ProposalRow>,
    /// Proposals matching the filters, on every page.
    pub total: usize,
    /// Open proposals whose merge state is not known yet (left out of a merge filter).
    pub unchecked: usize,
    pub page: usize,
    pub pages: usize,
    /// Links to the neighbouring pages, if any.
    pub newer: Option<String>,
    pub older: Option<String>,
}

/// A rendered section: its title and an HTML fragment.
pub struct SectionHtml {
    pub id: String,
    pub title: String,
    pub html: String,
}

/// A section's diff as two columns.
pub struct SideHtml {
    pub id: String,
    pub title: String,
    pub old_html: String,
    pub new_html: String,
}

/// One conflicting region.
pub struct HunkView {
    pub main: String,
    pub proposal: String,
}

/// The conflicts in one section.
pub struct ConflictView {
    pub section: String,
    pub title: String,
    pub hunks: Vec<HunkView>,
}

/// A link in the list of views of a change.
pub struct Tab {
    pub label: &'static str,
    pub href: String,
    pub current: bool,
}

/// A row of the revisions table.
pub struct RevisionView {
    pub number: u32,
    pub kind: &'static str,
    pub author: String,
    pub author_badge: Option<&'static str>,
    pub at: String,
    pub at_short: String,
    pub note: String,
    pub href: String,
    pub shown: bool,
}

/// A review as shown.
pub struct ReviewView {
    pub reviewer: String,
    pub reviewer_badge: Option<&'static str>,
    pub verdict: &'static str,
    pub revision: u32,
    pub at: String,
    pub at_short: String,
    pub comment_html: String,
}

/// What the viewer typed into the forms of the proposal page, kept when one is refused.
#[derive(Debug, Clone, Default)]
pub struct Drafts {
    pub comment: String,
    pub review: String,
    pub verdict: String,
    pub reject: String,
    pub withdraw: String,
}

/// `GET /proposals/{n}`.
#[derive(Template)]
#[template(path = "proposal.html")]
pub struct ProposalPage {
    pub chrome: Chrome,
    pub csrf: String,
    pub errors: Vec<ErrorItem>,
    pub comment_error: Option<String>,
    pub reject_error: Option<String>,
    pub verdict_error: Option<String>,
    pub number: u64,
    pub title: String,
    pub status: &'static str,
    pub author: String,
    pub author_badge: Option<&'static str>,
    pub created: String,
    pub created_short: String,
    pub sections: Vec<SectionRef>,
    pub rationale_html: String,
    pub hidden_note: Option<String>,
    pub closed_note: Option<String>,
    pub closed_reason_html: String,
    pub is_open: bool,
    pub conflicts: Vec<ConflictView>,
    pub approved: bool,
    pub approval_note: String,
    pub needs_update: bool,
    pub view: &'static str,
    /// Thank the viewer for a report they just made.
    pub reported: bool,
    pub tabs: Vec<Tab>,
    pub shown_rev: u32,
    pub latest_rev: u32,
    pub diffs: Vec<SectionHtml>,
    pub sides: Vec<SideHtml>,
    pub previews: Vec<SectionHtml>,
    pub coarse: bool,
    pub revisions: Vec<RevisionView>,
    pub reviews: Vec<ReviewView>,
    pub comments: Vec<CommentView>,
    pub signed_in: bool,
    pub can_write: bool,
    pub can_edit: bool,
    pub is_author: bool,
    pub is_maintainer: bool,
    pub drafts: Drafts,
}

/// A textarea for one section's text.
pub struct TextField {
    /// The field name: `text_<section id>`.
    pub name: String,
    /// The element id.
    pub id: String,
    pub label: String,
    pub value: String,
    pub error: Option<String>,
}

/// `GET /sections/{id}/propose`, and the same form again after a preview or an error.
#[derive(Template)]
#[template(path = "propose.html")]
pub struct ProposePage {
    pub chrome: Chrome,
    pub errors: Vec<ErrorItem>,
    pub section_id: String,
    pub section_title: String,
    /// The commit the text was taken from, so the proposal is made against it.
    pub base: String,
    pub title: String,
    pub rationale: String,
    pub text: String,
    pub title_error: Option<String>,
    pub rationale_error: Option<String>,
    pub text_error: Option<String>,
    /// The rendered preview and the diff against the current text, after "Preview".
    pub preview: Option<(String, String)>,
}

/// `GET /proposals/{n}/revise`, and the same form after a preview or an error.
#[derive(Template)]
#[template(path = "proposal_revise.html")]
pub struct RevisePage {
    pub chrome: Chrome,
    pub errors: Vec<ErrorItem>,
    pub number: u64,
    pub title: String,
    pub fields: Vec<TextField>,
    pub note: String,
    pub note_error: Option<String>,
    /// Per section: the rendered text and the diff against the proposal's base.
    pub previews: Vec<(SectionHtml, String)>,
    /// The revision the texts were edited from: a save is refused if there is a newer one.
    pub from_revision: u32,
}

/// `GET /proposals/{n}/update`: update onto the latest draft, resolving conflicts.
#[derive(Template)]
#[template(path = "proposal_update.html")]
pub struct UpdatePage {
    pub chrome: Chrome,
    pub errors: Vec<ErrorItem>,
    pub number: u64,
    pub title: String,
    pub up_to_date: bool,
    pub conflicts: Vec<ConflictView>,
    pub fields: Vec<TextField>,
}

/// A page that needs a signed-in account (answered with 401).
#[derive(Template)]
#[template(path = "signin_needed.html")]
pub struct SignInNeededPage {
    pub chrome: Chrome,
    pub message: String,
}

/// Moves every heading in sanitised HTML down `by` levels (at most to `<h6>`), so a
/// section's `# Title` fits under the page's own headings.
pub fn demote_headings(html: &str, by: u8) -> String {
    let mut out = html.to_string();
    for level in (1..=6u8).rev() {
        let to = (level + by).min(6);
        if to == level {
            continue;
        }
        out = out
            .replace(&format!("<h{level}"), &format!("<h{to}"))
            .replace(&format!("</h{level}>"), &format!("</h{to}>"));
    }
    out
}

/// An RFC 3339 time as `YYYY-MM-DD HH:MM` (UTC), for reading.
pub fn short_time(rfc3339: &str) -> String {
    match (rfc3339.get(..10), rfc3339.get(11..16)) {
        (Some(day), Some(hm)) => format!("{day} {hm}"),
        _ => rfc3339.to_string(),
    }
}

/// A core error message (lowercase by convention) with its first letter upper-cased.
pub fn sentence(message: &str) -> String {
    let mut chars = message.chars();
    match chars.next() {
        Some(c) => c.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headings_move_down_without_overflow() {
        assert_eq!(
            demote_headings("<h1>A</h1><h2 id=\"x\">B</h2><h5>C</h5><h6>D</h6>", 2),
            "<h3>A</h3><h4 id=\"x\">B</h4><h6>C</h6><h6>D</h6>"
        );
    }

    #[test]
    fn times_and_sentences() {
        assert_eq!(short_time("2027-03-01T10:20:30Z"), "2027-03-01 10:20");
        assert_eq!(short_time("soon"), "soon");
        assert_eq!(
            sentence("invalid title: it is empty"),
            "Invalid title: it is empty"
        );
        assert_eq!(sentence(""), "");
    }
}
