//! A section's Markdown as sanitised HTML with an anchor on every heading and every
//! paragraph-like block.
//!
//! # Anchors
//!
//! Every *numbered block* — a paragraph, a list item (of a top-level list), a block quote, a
//! code block or a table — gets two anchors:
//!
//! - a **positional** anchor `p-N`: the block is the N-th numbered block of the section
//!   (1-based). This is what a reader cites ("principle 8, paragraph 3" is
//!   `sections/usability.html#p-3`); it shifts when a block is inserted or removed above.
//! - a **content** anchor `c-XXXXXXXX`: the first 8 hex digits of the SHA-256 of the block's
//!   normalised text (whitespace collapsed to single spaces, and for a list item the list
//!   marker `-`, `*`, `+`, `1.` or `1)` removed). It stays the same in every edition in which
//!   the block's text does not change, wherever the block moves. A second block with the
//!   same text in one section gets `c-XXXXXXXX-2`, and so on.
//!
//! Headings get a slug of their text (`## What this means` → `what-this-means`), with `-2`,
//! `-3`, ... added when a slug is already taken in the section (including by a `p-`/`c-`
//! anchor). Ids from the section text itself (footnotes, raw HTML) are prefixed with `fn-`,
//! so they never clash with these.
//!
//! All anchors can carry a prefix (the single-file export uses `<section-id>-`).

use std::collections::HashSet;
use std::fmt::Write as _;

use quire_core::prose::{safe, BlockKind};
use sha2::{Digest, Sha256};

/// A rendered section.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RenderedSection {
    /// The HTML fragment, sanitised, with anchors.
    pub html: String,
    /// Every anchored block, in order.
    pub anchors: Vec<Anchor>,
}

/// An anchored block of a section.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Anchor {
    /// The id to link to: `p-N` for a numbered block, a slug for a heading (with the
    /// prefix, if any).
    pub id: String,
    /// The content anchor `c-XXXXXXXX` of a numbered block (with the prefix), `None` for a
    /// heading.
    pub content_id: Option<String>,
    /// `Some(N)` for the N-th numbered block, `None` for a heading.
    pub number: Option<usize>,
    /// The block's plain text (tags stripped, entities decoded, whitespace collapsed).
    pub text: String,
}

/// The content anchor of a block's Markdown source, without prefix or duplicate suffix:
/// `c-` and the first 8 hex digits of the SHA-256 of the normalised text.
///
/// ```
/// let a = quire_export::content_anchor("Test with  real\nusers.");
/// assert_eq!(a, quire_export::content_anchor("Test with real users."));
/// assert_eq!(a.len(), 10);
/// // A list item's marker does not count, so renumbering a list keeps the anchor.
/// assert_eq!(quire_export::content_anchor("2. Map the help"), quire_export::content_anchor("3. Map the help"));
/// ```
pub fn content_anchor(markdown: &str) -> String {
    let normalised = normalise(markdown);
    let digest = Sha256::digest(normalised.as_bytes());
    let mut out = String::from("c-");
    for b in &digest[..4] {
        let _ = write!(out, "{b:02x}");
    }
    out
}

fn normalise(markdown: &str) -> String {
    let collapsed = markdown.split_whitespace().collect::<Vec<_>>().join(" ");
    strip_list_marker(&collapsed).to_string()
}

fn strip_list_marker(s: &str) -> &str {
    for m in ["- ", "* ", "+ "] {
        if let Some(rest) = s.strip_prefix(m) {
            return rest;
        }
    }
    let digits = s.bytes().take_while(u8::is_ascii_digit).count();
    if (1..=9).contains(&digits) {
        let rest = &s[digits..];
        if let Some(r) = rest.strip_prefix(". ").or_else(|| rest.strip_prefix(") ")) {
            return r;
        }
    }
    s
}

/// A heading's slug: lowercase letters and digits, other runs of characters as one `-`.
pub fn slug(text: &str) -> String {
    let mut out = String::new();
    let mut dash = false;
    for c in text.chars().flat_map(char::to_lowercase) {
        if c.is_alphanumeric() && c.is_ascii() {
            if dash && !out.is_empty() {
                out.push('-');
            }
            dash = false;
            out.push(c);
        } else {
            dash = true;
        }
    }
    if out.is_empty() {
        out.push_str("heading");
    }
    out.truncate(60);
    out.trim_end_matches('-').to_string()
}

/// Ids the page around a section uses; a heading never takes them.
const RESERVED: &[&str] = &["main", "top", "content", "search-q", "search-results"];

/// Renders a section's Markdown: each block as [`quire_core::prose::safe`] renders it (the
/// one rendering, shared with the server's pages), with anchors (see the module docs).
/// `prefix` goes before every id.
pub fn render_section(markdown: &str, prefix: &str) -> RenderedSection {
    let mut anchors = Vec::new();
    let mut used: HashSet<String> = RESERVED.iter().map(|s| format!("{prefix}{s}")).collect();
    let blocks = safe::render_blocks(markdown, prefix);
    // Reserve every positional and content id first, so a heading slug can never take one.
    let mut contents = Vec::new();
    let mut n = 0;
    for b in blocks.iter().map(|r| &r.block) {
        if numbered(b.kind) {
            n += 1;
            used.insert(format!("{prefix}p-{n}"));
            let id = unique_id(&mut used, format!("{prefix}{}", content_anchor(&b.text)));
            contents.push(id);
        }
    }
    let mut contents = contents.into_iter();
    let mut pieces: Vec<(BlockKind, String)> = Vec::with_capacity(blocks.len());
    let mut n = 0;
    for r in &blocks {
        let (kind, rendered) = (r.block.kind, r.html.as_str());
        if kind == BlockKind::Heading {
            let text = quire_core::prose::plain_text(&r.block.text);
            let id = unique_id(&mut used, format!("{prefix}{}", slug(&text)));
            pieces.push((kind, with_id(rendered, &id, "")));
            anchors.push(Anchor {
                id,
                content_id: None,
                number: None,
                text,
            });
            continue;
        }
        if !numbered(kind) {
            pieces.push((kind, rendered.to_string()));
            continue;
        }
        n += 1;
        let id = format!("{prefix}p-{n}");
        let content_id = contents
            .next()
            .expect("a content id was reserved for every numbered block");
        let link = format!(
            "<a class=\"pnum\" id=\"{content_id}\" href=\"#{id}\" aria-label=\"Paragraph {n}\">¶&#xa0;{n}</a> "
        );
        anchors.push(Anchor {
            id: id.clone(),
            content_id: Some(content_id),
            number: Some(n),
            text: quire_core::prose::plain_text(&r.block.text),
        });
        let html = match kind {
            BlockKind::Paragraph => with_id(rendered, &id, &link),
            BlockKind::ListItem => match safe::split_list(rendered) {
                Some((open, item, close)) => format!("{open}{}{close}", with_id(item, &id, &link)),
                None => format!("<div class=\"block\" id=\"{id}\">{link}{rendered}</div>\n"),
            },
            _ => format!("<div class=\"block\" id=\"{id}\">{link}{rendered}</div>\n"),
        };
        pieces.push((kind, html));
    }
    let html = safe::join_blocks(pieces.iter().map(|(k, h)| (*k, h.as_str())));
    RenderedSection { html, anchors }
}

/// `base`, or `base-2`, `base-3`, ... where taken; the id returned is taken from then on.
fn unique_id(used: &mut HashSet<String>, base: String) -> String {
    let mut id = base.clone();
    let mut k = 1;
    while used.contains(&id) {
        k += 1;
        id = format!("{base}-{k}");
    }
    used.insert(id.clone());
    id
}

fn numbered(kind: BlockKind) -> bool {
    matches!(
        kind,
        BlockKind::Paragraph
            | BlockKind::ListItem
            | BlockKind::BlockQuote
            | BlockKind::CodeBlock
            | BlockKind::Table
    )
}

/// Adds `id` to the first tag of `html` (which must be a plain `<p>`, `<li>` or `<hN>`)
/// and `inner` right after it; otherwise wraps it in a `div`.
fn with_id(html: &str, id: &str, inner: &str) -> String {
    let html = html.trim_start();
    let Some(end) = html.find('>') else {
        return format!("<div class=\"block\" id=\"{id}\">{inner}{html}</div>\n");
    };
    let tag = &html[..end];
    let plain = matches!(
        tag,
        "<p" | "<li" | "<h1" | "<h2" | "<h3" | "<h4" | "<h5" | "<h6"
    );
    if !plain {
        return format!("<div class=\"block\" id=\"{id}\">{inner}{html}</div>\n");
    }
    format!("{tag} id=\"{id}\">{inner}{}", &html[end + 1..])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paragraphs_list_items_and_headings_get_anchors() {
        let md =
            "# Title\n\nFirst para.\n\n## What this means\n\n- one\n- two\n\n1. a\n2. b\n\nLast.\n";
        let r = render_section(md, "");
        let ids: Vec<&str> = r.anchors.iter().map(|a| a.id.as_str()).collect();
        assert_eq!(
            ids,
            [
                "title",
                "p-1",
                "what-this-means",
                "p-2",
                "p-3",
                "p-4",
                "p-5",
                "p-6"
            ]
        );
        assert!(r.html.contains("<h1 id=\"title\">Title</h1>"), "{}", r.html);
        assert!(
            r.html.contains("<p id=\"p-1\"><a class=\"pnum\""),
            "{}",
            r.html
        );
        // Consecutive items stay one list; a bullet list then an ordered list are two.
        assert_eq!(r.html.matches("<ul>").count(), 1, "{}", r.html);
        assert_eq!(r.html.matches("<ol>").count(), 1, "{}", r.html);
        assert!(r.html.contains("<li id=\"p-3\">"), "{}", r.html);
        assert_eq!(r.anchors[1].text, "First para.");
    }

    #[test]
    fn content_anchors_survive_insertions_and_duplicates_are_numbered() {
        let a = render_section("Alpha.\n\nBeta.\n", "");
        let b = render_section("New.\n\nAlpha.\n\nBeta.\n\nBeta.\n", "");
        let beta_a = a.anchors[1].content_id.clone();
        assert_eq!(b.anchors[2].content_id, beta_a);
        assert_eq!(a.anchors[1].id, "p-2");
        assert_eq!(b.anchors[2].id, "p-3");
        assert_eq!(b.anchors[3].content_id, beta_a.map(|c| format!("{c}-2")));
    }

    #[test]
    fn scripts_never_survive_and_ids_are_prefixed() {
        let r = render_section(
            "<script>alert(1)</script>\n\n[x](javascript:alert(1)) <span id=\"p-1\">y</span> <img src=x onerror=alert(1)>\n\n[rel](other.html)\n",
            "s-",
        );
        let h = r.html.to_lowercase();
        assert!(!h.contains("<script"), "{h}");
        assert!(!h.contains("javascript:"), "{h}");
        assert!(!h.contains("onerror"), "{h}");
        assert!(!h.contains("other.html"), "{h}");
        assert!(h.contains("id=\"s-fn-p-1\""), "{h}");
        assert_eq!(h.matches("id=\"s-p-1\"").count(), 1, "{h}");
    }

    #[test]
    fn slugs() {
        assert_eq!(slug("What this means"), "what-this-means");
        assert_eq!(slug("  Q&A: 2027!  "), "q-a-2027");
        assert_eq!(slug("…"), "heading");
        // A heading that would take a paragraph anchor gets another slug.
        let r = render_section("## P 1\n\nText.\n", "");
        assert_eq!(r.anchors[0].id, "p-1-2");
    }

    #[test]
    fn entities_decode() {
        assert_eq!(
            quire_core::prose::plain_text("a &amp; b &lt;c&gt; &#39;d&#x27; <b>e</b>"),
            "a & b <c> 'd' e"
        );
    }
}
