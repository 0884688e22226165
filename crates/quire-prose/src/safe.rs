//! The one rendering of user-written Markdown to HTML that is safe to serve: block by
//! block, each block sanitised on its own.
//!
//! Every surface that shows Markdown (the server's pages, the exported site, and through
//! [`safe_blocks`] the print edition) renders with this module, so they cannot disagree.
//!
//! **Block by block.** The source is split into [`safe_blocks`]; each is rendered with
//! [`crate::to_html`] and sanitised alone, so raw HTML in one block can never hide, wrap or
//! restyle another: an unclosed `<a href=…>` ends with its block, an unclosed `<style>`,
//! `<script>` or `<!--` (which CommonMark lets run to the end of the document) is cut at
//! its first blank line and the text after it is read as Markdown again.
//!
//! **The policy.** ammonia's allow-list (no script, no style, no event handlers, no
//! forms), links to `http`, `https` and `mailto` only (with
//! `rel="noopener noreferrer nofollow"`), relative links dropped except `#fragments`, and
//! every id from the text prefixed with `<prefix>fn-`, so it never clashes with the page's
//! own ids.
//!
//! **Bounded work.** A block's cost is bounded before it is rendered: a block with more
//! than [`MAX_TAGS_PER_BLOCK`] tags or nested deeper than [`MAX_NESTING`] is shown as
//! escaped text with a notice ([`FALLBACK_NOTICE`]) instead of being parsed as HTML, so no
//! text of the largest size Quire accepts (512 KiB) takes long to render.

use std::borrow::Cow;

use crate::escape::escape_into;
use crate::markdown::{blocks, to_html, Block, BlockKind};

/// Raw HTML blocks cut at a blank line per text at most; past this, such a block is shown
/// as escaped text (each cut re-reads the rest of the text, so this bounds the work).
pub const MAX_HTML_CUTS: usize = 32;

/// Tags (`<` characters) a block may hold and still be rendered as HTML.
pub const MAX_TAGS_PER_BLOCK: usize = 2_000;

/// Nesting (of lists, quotes and unclosed raw HTML elements, estimated from the source) a
/// block may have and still be rendered as HTML.
pub const MAX_NESTING: usize = 64;

/// What is shown above a block too complex to render (its text follows, escaped).
pub const FALLBACK_NOTICE: &str =
    "This part is too complex to show formatted, so it is shown as plain text.";

/// Splits Markdown into the blocks it is rendered by: [`blocks`], except that a raw HTML
/// block holding a blank line (an unclosed `<style>`, `<script>`, `<pre>`, `<textarea>` or
/// `<!--`, which CommonMark lets run to the end) ends at that blank line, and the text
/// after it is split again. Ranges are into `source`.
///
/// ```
/// use quire_prose::{safe_blocks, BlockKind};
///
/// let kinds: Vec<_> = safe_blocks("<style>\n\nStill *here*.\n\n- and here\n")
///     .iter()
///     .map(|b| b.kind)
///     .collect();
/// assert_eq!(kinds, [BlockKind::Html, BlockKind::Paragraph, BlockKind::ListItem]);
/// ```
pub fn safe_blocks(source: &str) -> Vec<Block> {
    let mut out = Vec::new();
    let mut offset = 0;
    let mut cuts = 0;
    'text: loop {
        let rest = &source[offset..];
        for mut b in blocks(rest) {
            let cut = match b.kind {
                BlockKind::Html if cuts < MAX_HTML_CUTS => blank_line(&b.text),
                _ => None,
            };
            b.range = b.range.start + offset..b.range.end + offset;
            if let Some(cut) = cut {
                let head = b.text[..cut].trim_end();
                let start = b.range.start;
                out.push(Block {
                    kind: BlockKind::Html,
                    text: head.to_string(),
                    range: start..start + head.len(),
                });
                cuts += 1;
                offset = start + cut;
                continue 'text;
            }
            out.push(b);
        }
        return out;
    }
}

/// The byte offset of the first blank line in `text` (after its first line), if any.
fn blank_line(text: &str) -> Option<usize> {
    let mut pos = 0;
    for line in text.split_inclusive('\n') {
        if pos > 0 && line.trim().is_empty() {
            return Some(pos);
        }
        pos += line.len();
    }
    None
}

/// Renders one block's Markdown to sanitised HTML (see the module docs); `prefix` goes
/// before every id from the text. A block too complex to render is shown as escaped text
/// after [`FALLBACK_NOTICE`].
pub fn render_block(kind: BlockKind, text: &str, prefix: &str) -> String {
    // A raw HTML block still holding a blank line is one past [`MAX_HTML_CUTS`].
    if too_complex(text) || (kind == BlockKind::Html && blank_line(text).is_some()) {
        return fallback(text);
    }
    // Without the trailing newline: after `</p>`, text would reopen an unclosed `<a>`
    // (the HTML parser's reconstruction of formatting elements) as an empty link.
    let mut html = sanitise(to_html(text).trim_end(), prefix);
    html.push('\n');
    html
}

/// Whether a block's text is over the work bound: too many tags, or nested too deep.
fn too_complex(text: &str) -> bool {
    let tags = text.bytes().filter(|&b| b == b'<').count();
    tags > MAX_TAGS_PER_BLOCK || nesting(text) > MAX_NESTING
}

/// An upper estimate of how deep a block nests: the most list and quote markers on a line
/// (with its indentation before a marker), plus the raw HTML elements opened and not
/// closed so far.
fn nesting(text: &str) -> usize {
    let mut open_html = 0usize;
    let mut deepest = 0usize;
    for line in text.lines() {
        let mut depth = 0usize;
        let mut rest = line;
        loop {
            let t = rest.trim_start_matches([' ', '\t']);
            let indent = (rest.len() - t.len()) / 2;
            if let Some(r) = t
                .strip_prefix('>')
                .or_else(|| t.strip_prefix("- "))
                .or_else(|| t.strip_prefix("* "))
                .or_else(|| t.strip_prefix("+ "))
            {
                depth += 1 + indent;
                rest = r;
            } else {
                let digits = t.bytes().take_while(u8::is_ascii_digit).count();
                match t[digits..]
                    .strip_prefix(". ")
                    .or_else(|| t[digits..].strip_prefix(") "))
                {
                    Some(r) if digits > 0 => {
                        depth += 1 + indent;
                        rest = r;
                    }
                    _ => break,
                }
            }
        }
        let bytes = line.as_bytes();
        for (i, &b) in bytes.iter().enumerate() {
            if b != b'<' {
                continue;
            }
            match bytes.get(i + 1) {
                Some(b'/') => open_html = open_html.saturating_sub(1),
                Some(c) if c.is_ascii_alphabetic() && !is_void(&line[i + 1..]) => open_html += 1,
                _ => {}
            }
        }
        deepest = deepest.max(depth + open_html);
    }
    deepest
}

/// Whether the tag whose name starts `rest` never has content (`<br>`, `<img …>`, …) or
/// closes itself (`<x/>`).
fn is_void(rest: &str) -> bool {
    let name_len = rest.bytes().take_while(u8::is_ascii_alphanumeric).count();
    let name = rest[..name_len].to_ascii_lowercase();
    let void = matches!(
        name.as_str(),
        "br" | "img"
            | "hr"
            | "wbr"
            | "input"
            | "col"
            | "area"
            | "source"
            | "track"
            | "embed"
            | "meta"
            | "link"
            | "base"
            | "param"
    );
    void || rest[name_len..]
        .split('>')
        .next()
        .is_some_and(|attrs| attrs.ends_with('/'))
}

/// A block shown as escaped text, after the notice.
fn fallback(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 200);
    out.push_str("<div class=\"fallback\"><p><strong>");
    out.push_str(FALLBACK_NOTICE);
    out.push_str("</strong></p><pre>");
    escape_into(&mut out, text);
    out.push_str("</pre></div>\n");
    out
}

/// Sanitises HTML rendered from user-written Markdown with the one policy (see the module
/// docs); every id from the text gets `<prefix>fn-` before it.
pub fn sanitise(html: &str, prefix: &str) -> String {
    let id_prefix = format!("{prefix}fn-");
    let mut b = ammonia::Builder::default();
    b.url_schemes(["http", "https", "mailto"].into_iter().collect())
        .link_rel(Some("noopener noreferrer nofollow"))
        .add_generic_attributes(["id"])
        .id_prefix(Some(&id_prefix))
        .url_relative(ammonia::UrlRelative::Custom(Box::new(FragmentPrefix(
            id_prefix.clone(),
        ))));
    b.clean(html).to_string()
}

/// Keeps `#fragment` links (prefixed like the ids) and drops every other relative URL,
/// which could not resolve outside the library.
struct FragmentPrefix(String);

impl<'a> ammonia::UrlRelativeEvaluate<'a> for FragmentPrefix {
    fn evaluate<'url>(&self, url: &'url str) -> Option<Cow<'url, str>> {
        url.strip_prefix('#')
            .map(|frag| Cow::Owned(format!("#{}{frag}", self.0)))
    }
}

/// A block of a text with its safe HTML.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RenderedBlock {
    /// The block, as [`safe_blocks`] found it.
    pub block: Block,
    /// Its HTML from [`render_block`]. A list item is a whole one-item list
    /// (`<ul><li>…</li></ul>`); [`join_blocks`] merges neighbouring items into one list.
    pub html: String,
}

/// Renders every block of `source` (see [`safe_blocks`] and [`render_block`]).
pub fn render_blocks(source: &str, prefix: &str) -> Vec<RenderedBlock> {
    safe_blocks(source)
        .into_iter()
        .map(|block| {
            let html = render_block(block.kind, &block.text, prefix);
            RenderedBlock { block, html }
        })
        .collect()
}

/// Joins rendered blocks into one fragment, merging neighbouring list items of the same
/// kind of list (bulleted or numbered) into one list.
pub fn join_blocks<'a>(blocks: impl IntoIterator<Item = (BlockKind, &'a str)>) -> String {
    let mut html = String::new();
    // The list being built: (opening tag, closing tag).
    let mut list: Option<(&str, &str)> = None;
    for (kind, rendered) in blocks {
        let parts = match kind {
            BlockKind::ListItem => split_list(rendered),
            _ => None,
        };
        match (parts, list) {
            (Some((open, item, _)), Some((o, _))) if same_list(o, open) => {
                html.push_str(item);
            }
            (Some((open, item, close)), _) => {
                if let Some((_, c)) = list.take() {
                    html.push_str(c);
                    html.push('\n');
                }
                html.push_str(open);
                html.push_str(item);
                list = Some((open, close));
            }
            (None, _) => {
                if let Some((_, c)) = list.take() {
                    html.push_str(c);
                    html.push('\n');
                }
                html.push_str(rendered);
                if !rendered.ends_with('\n') {
                    html.push('\n');
                }
            }
        }
    }
    if let Some((_, c)) = list {
        html.push_str(c);
        html.push('\n');
    }
    html
}

/// Renders a whole text to one safe HTML fragment: [`render_blocks`] then [`join_blocks`].
///
/// ```
/// let html = quire_prose::safe_html("Text with <a href=\"https://example.org\">a link\n\nNot a link.\n", "");
/// assert_eq!(html.matches("</a>").count(), 1);
/// assert!(html.ends_with("<p>Not a link.</p>\n"), "{html}");
/// ```
pub fn safe_html(source: &str, prefix: &str) -> String {
    let rendered = render_blocks(source, prefix);
    join_blocks(rendered.iter().map(|r| (r.block.kind, r.html.as_str())))
}

/// Splits a list rendered alone into (opening tag, the `<li>…</li>`, closing tag).
pub fn split_list(html: &str) -> Option<(&str, &str, &str)> {
    let html = html.trim();
    let close = if html.starts_with("<ul") {
        "</ul>"
    } else if html.starts_with("<ol") {
        "</ol>"
    } else {
        return None;
    };
    let open_end = html.find('>')? + 1;
    let body = html[open_end..].strip_suffix(close)?;
    let item = body.trim();
    if !item.starts_with("<li") || !item.ends_with("</li>") {
        return None;
    }
    Some((&html[..open_end], item, close))
}

fn same_list(a: &str, b: &str) -> bool {
    a.starts_with("<ul") == b.starts_with("<ul")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scripts_and_handlers_never_survive() {
        let cases = [
            "<script>alert(1)</script>",
            "[x](javascript:alert(1))",
            "<img src=x onerror=alert(1)>",
            "<svg><script>alert(1)</script></svg>",
            "<a href=\"javascript:alert(1)\">x</a>",
            "<iframe src=\"https://example.org\"></iframe>",
            "<style>body{display:none}</style>",
        ];
        for c in cases {
            let html = safe_html(c, "").to_lowercase();
            for bad in ["<script", "javascript:", "onerror", "<iframe", "<style"] {
                assert!(!html.contains(bad), "{c}: {html}");
            }
        }
    }

    #[test]
    fn unclosed_raw_html_ends_with_its_block() {
        for open in ["<style>", "<script>", "<!--", "<pre>", "<textarea>"] {
            let md = format!("# T\n\n{open}\n\nLater *words*.\n\n- an item\n");
            let html = safe_html(&md, "");
            assert!(html.contains("<em>words</em>"), "{open}: {html}");
            assert!(html.contains("<li>an item</li>"), "{open}: {html}");
        }
        let html = safe_html("A <a href=\"https://e.org\">link\n\nAfter.\n", "");
        assert!(html.contains("<p>After.</p>"), "{html}");
        assert_eq!(html.matches("<a ").count(), 1, "{html}");
    }

    #[test]
    fn cuts_are_bounded_and_later_ones_fall_back_to_text() {
        let md = "<style>\n\nx\n\n".repeat(MAX_HTML_CUTS + 3);
        let html = safe_html(&md, "");
        assert!(html.contains(FALLBACK_NOTICE), "{html}");
        assert!(!html.contains("<style"), "{html}");
    }

    #[test]
    fn deep_or_tag_heavy_blocks_fall_back_to_escaped_text() {
        for md in [
            "<div>".repeat(10_000),
            format!("<div>{}", "<b>".repeat(100)),
            (0..100)
                .map(|i| format!("{}- x\n", "  ".repeat(i)))
                .collect::<String>(),
            "> ".repeat(200) + "deep",
        ] {
            let html = safe_html(&md, "");
            assert!(html.contains(FALLBACK_NOTICE), "{}", &md[..40]);
            assert!(!html.contains("<div><div>"));
        }
        // Ordinary nesting renders, and void elements do not count as nesting.
        assert!(safe_html("- a\n  - b\n    - c\n", "").contains("<li>c</li>"));
        let breaks = "line<br>".repeat(100);
        assert!(!safe_html(&breaks, "").contains(FALLBACK_NOTICE));
    }

    #[test]
    fn lists_rejoin_and_ids_are_prefixed() {
        let html = safe_html(
            "- one\n- two\n\n1. a\n2. b\n\n<p id=\"x\">t</p>\n\n[t](#x)\n",
            "s-",
        );
        assert_eq!(html.matches("<ul>").count(), 1, "{html}");
        assert_eq!(html.matches("<ol>").count(), 1, "{html}");
        assert!(html.contains("id=\"s-fn-x\""), "{html}");
        assert!(html.contains("href=\"#s-fn-x\""), "{html}");
        assert!(!safe_html("[a](other.html)", "").contains("other.html"));
    }
}
