//! Parsing Markdown: the one set of pulldown-cmark options, top-level blocks, titles and HTML.

use std::ops::Range;

use pulldown_cmark::{Event, HeadingLevel, Options, Parser, Tag, TagEnd};
use serde::Serialize;

/// The pulldown-cmark options used everywhere in Quire.
///
/// Enabled: GFM tables, `~~strikethrough~~`, task list items (`- [ ] todo`) and GFM
/// footnotes (`[^1]` with a `[^1]: text` definition). Everything else is off, in particular:
///
/// - heading attributes (`# Title {#id}`): the braces stay part of the title text;
/// - smart punctuation: text is shown exactly as written, so a diff never shows quotes
///   that the author did not type;
/// - metadata blocks, math, definition lists, wiki links and GFM alert block quotes.
///
/// Every function in this crate parses with these options; other crates should call
/// this function rather than build their own [`Options`].
pub fn markdown_options() -> Options {
    Options::ENABLE_TABLES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_TASKLISTS
        | Options::ENABLE_FOOTNOTES
}

/// A parser over `source` with [`markdown_options`] and without its byte order mark, if it
/// has one (pulldown-cmark would take the mark for text, and `# Title` after it for a
/// paragraph). Every reading of Markdown as events goes through this function, in this
/// crate and in others (the print edition converts the events to typst).
pub fn parser(source: &str) -> Parser<'_> {
    Parser::new_ext(without_bom(source), markdown_options())
}

/// The words of Markdown `source` as plain text, for search and headings' anchors: the
/// text the parser reads (entities decoded, markup and raw HTML dropped), with whitespace
/// collapsed to single spaces.
pub fn plain_text(source: &str) -> String {
    let mut out = String::with_capacity(source.len());
    for event in parser(source) {
        match event {
            Event::Text(t) | Event::Code(t) | Event::InlineMath(t) | Event::DisplayMath(t) => {
                out.push_str(&t)
            }
            Event::SoftBreak | Event::HardBreak | Event::End(_) => out.push(' '),
            _ => {}
        }
    }
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn without_bom(source: &str) -> &str {
    source.strip_prefix('\u{feff}').unwrap_or(source)
}

/// What a top-level [`Block`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum BlockKind {
    /// An ATX (`# Title`) or setext (`Title` over `===`) heading of any level.
    Heading,
    /// A paragraph.
    Paragraph,
    /// One item of a top-level list, with anything nested inside it.
    ListItem,
    /// A block quote, with everything inside it.
    BlockQuote,
    /// A fenced or indented code block.
    CodeBlock,
    /// A GFM table.
    Table,
    /// `---`, `***` or `___`.
    ThematicBreak,
    /// A block of raw HTML (including HTML comments).
    Html,
    /// Anything else: footnote definitions, link reference definitions and any source
    /// text that no other block covers.
    Other,
}

impl BlockKind {
    /// The `snake_case` name, as used in JSON and in CSS classes.
    pub fn as_str(self) -> &'static str {
        match self {
            BlockKind::Heading => "heading",
            BlockKind::Paragraph => "paragraph",
            BlockKind::ListItem => "list_item",
            BlockKind::BlockQuote => "block_quote",
            BlockKind::CodeBlock => "code_block",
            BlockKind::Table => "table",
            BlockKind::ThematicBreak => "thematic_break",
            BlockKind::Html => "html",
            BlockKind::Other => "other",
        }
    }
}

/// One top-level block of a Markdown document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Block {
    /// What the block is.
    pub kind: BlockKind,
    /// The block's source text, without trailing whitespace: `&source[range]`.
    pub text: String,
    /// The byte range of `text` in the source.
    pub range: Range<usize>,
}

fn kind_of(tag: &Tag<'_>) -> BlockKind {
    match tag {
        Tag::Heading { .. } => BlockKind::Heading,
        Tag::Paragraph => BlockKind::Paragraph,
        Tag::Item => BlockKind::ListItem,
        Tag::BlockQuote(_) => BlockKind::BlockQuote,
        Tag::CodeBlock(_) => BlockKind::CodeBlock,
        Tag::Table(_) => BlockKind::Table,
        Tag::HtmlBlock => BlockKind::Html,
        _ => BlockKind::Other,
    }
}

/// Splits Markdown source into its top-level blocks, in source order.
///
/// Each item of a top-level list is its own block; lists nested in an item stay inside
/// that item, as does everything inside a block quote. Each block's `text` is
/// `&source[range]`: from the start of its first line (indentation included, so that the
/// text parses back to the same kind of block) to its end, trimmed of trailing whitespace
/// (so of trailing newlines). Source text
/// that belongs to no block but is not blank, such as a link reference definition
/// (`[home]: https://example.org`), becomes a [`BlockKind::Other`] block, so that no
/// non-blank text of the source is lost: only the blank lines between blocks are.
///
/// ```
/// use quire_prose::{blocks, BlockKind};
///
/// let source = "# Roads\n\nWe fix potholes.\n\n- one\n- two\n  - nested\n";
/// let kinds: Vec<_> = blocks(source).iter().map(|b| b.kind).collect();
/// assert_eq!(
///     kinds,
///     [BlockKind::Heading, BlockKind::Paragraph, BlockKind::ListItem, BlockKind::ListItem]
/// );
/// assert_eq!(blocks(source)[3].text, "- two\n  - nested");
/// ```
pub fn blocks(source: &str) -> Vec<Block> {
    // (kind, untrimmed range) of each top-level element, from the offset iterator.
    let mut found: Vec<(BlockKind, Range<usize>)> = Vec::new();
    // Nesting depth of container tags below the top level.
    let mut depth = 0usize;
    // Whether we are directly inside a top-level list (depth 1 holds its items).
    let mut in_top_list = false;
    // Offsets from the parser are relative to the source without its byte order mark.
    let bom = source.len() - without_bom(source).len();
    for (event, range) in parser(source).into_offset_iter() {
        let range = range.start + bom..range.end + bom;
        match event {
            Event::Start(tag) => {
                if depth == 0 {
                    if let Tag::List(_) = tag {
                        in_top_list = true;
                    } else {
                        found.push((kind_of(&tag), range));
                    }
                } else if depth == 1 && in_top_list {
                    found.push((kind_of(&tag), range));
                }
                depth += 1;
            }
            Event::End(tag) => {
                depth = depth.saturating_sub(1);
                if depth == 0 && matches!(tag, TagEnd::List(_)) {
                    in_top_list = false;
                }
            }
            Event::Rule if depth == 0 => found.push((BlockKind::ThematicBreak, range)),
            Event::Html(_) if depth == 0 => found.push((BlockKind::Html, range)),
            // Anything else outside a container (not produced by pulldown-cmark today, but
            // harmless): keep the text rather than lose it.
            Event::Text(_) | Event::Code(_) | Event::InlineHtml(_) | Event::DisplayMath(_)
                if depth == 0 =>
            {
                found.push((BlockKind::Other, range))
            }
            _ => {}
        }
    }

    let mut out = Vec::with_capacity(found.len());
    let mut covered = bom;
    for (kind, range) in found {
        // Keep the indentation before the block (an indented code block's range starts
        // after it), so that the text parses back to the same block.
        let line_start = source[..range.start].rfind('\n').map_or(bom, |i| i + 1);
        let indented = source[line_start..range.start]
            .chars()
            .all(|c| c == ' ' || c == '\t');
        let start = if indented { line_start } else { range.start }.max(covered);
        if start < range.end {
            push_gap(source, covered..start, &mut out);
            push_block(source, kind, start..range.end, &mut out);
            covered = range.end;
        }
    }
    push_gap(source, covered..source.len(), &mut out);
    out
}

/// Adds text between blocks that is not blank as an [`BlockKind::Other`] block.
fn push_gap(source: &str, gap: Range<usize>, out: &mut Vec<Block>) {
    let text = &source[gap.clone()];
    if text.trim().is_empty() {
        return;
    }
    // Skip the blank lines before the text.
    let skip = text.len() - text.trim_start().len();
    let line_start = text[..skip].rfind('\n').map_or(0, |i| i + 1);
    push_block(
        source,
        BlockKind::Other,
        gap.start + line_start..gap.end,
        out,
    );
}

fn push_block(source: &str, kind: BlockKind, range: Range<usize>, out: &mut Vec<Block>) {
    let text = source[range.clone()].trim_end();
    if text.trim_start().is_empty() {
        return;
    }
    out.push(Block {
        kind,
        text: text.to_owned(),
        range: range.start..range.start + text.len(),
    });
}

/// The title of a section: the text of its first top-level level-1 heading that has any,
/// with inline markup stripped (`# The *Quire* \`guide\`` gives `The Quire guide`),
/// whitespace collapsed and trimmed.
///
/// ```
/// assert_eq!(
///     quire_prose::first_heading("Intro.\n\n## Not this\n\n# Road *safety*\n"),
///     Some("Road safety".to_string())
/// );
/// assert_eq!(quire_prose::first_heading("No title here."), None);
/// ```
pub fn first_heading(source: &str) -> Option<String> {
    let mut depth = 0usize;
    let mut in_title = false;
    let mut title = String::new();
    for event in parser(source) {
        match event {
            Event::Start(Tag::Heading {
                level: HeadingLevel::H1,
                ..
            }) if depth == 0 => {
                in_title = true;
                title.clear();
                depth += 1;
            }
            Event::Start(_) => depth += 1,
            Event::End(TagEnd::Heading(HeadingLevel::H1)) if in_title && depth == 1 => {
                depth = 0;
                in_title = false;
                let collapsed = title.split_whitespace().collect::<Vec<_>>().join(" ");
                if !collapsed.is_empty() {
                    return Some(collapsed);
                }
            }
            Event::End(_) => depth = depth.saturating_sub(1),
            Event::Text(text) | Event::Code(text) | Event::InlineMath(text) if in_title => {
                title.push_str(&text)
            }
            Event::SoftBreak | Event::HardBreak if in_title => title.push(' '),
            _ => {}
        }
    }
    None
}

/// Renders Markdown to HTML with [`markdown_options`].
///
/// **The output is not sanitised**: raw HTML in the source (`<script>`, `onclick=`,
/// `javascript:` links) passes straight through. Callers that display text written by
/// users must sanitise this HTML before serving it.
///
/// ```
/// assert_eq!(quire_prose::to_html("Hello *world*"), "<p>Hello <em>world</em></p>\n");
/// ```
pub fn to_html(source: &str) -> String {
    let mut html = String::with_capacity(source.len() + source.len() / 4);
    pulldown_cmark::html::push_html(&mut html, parser(source));
    html
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds_and_texts(source: &str) -> Vec<(BlockKind, String)> {
        blocks(source)
            .into_iter()
            .map(|b| (b.kind, b.text))
            .collect()
    }

    fn assert_ranges_slice_back(source: &str) {
        for block in blocks(source) {
            assert_eq!(&source[block.range.clone()], block.text, "{block:?}");
        }
    }

    #[test]
    fn headings_paragraphs_and_breaks() {
        let source =
            "# Title\n\nFirst paragraph\nwraps here.\n\n---\n\nSetext\n======\n\n## Sub\nText.\n";
        assert_eq!(
            kinds_and_texts(source),
            [
                (BlockKind::Heading, "# Title".to_string()),
                (
                    BlockKind::Paragraph,
                    "First paragraph\nwraps here.".to_string()
                ),
                (BlockKind::ThematicBreak, "---".to_string()),
                (BlockKind::Heading, "Setext\n======".to_string()),
                (BlockKind::Heading, "## Sub".to_string()),
                (BlockKind::Paragraph, "Text.".to_string()),
            ]
        );
        assert_ranges_slice_back(source);
    }

    #[test]
    fn each_list_item_is_a_block_and_nested_lists_stay_inside() {
        let source =
            "Intro:\n\n- one\n- two\n  - two a\n  - two b\n- three\n\n1. first\n2. second\n";
        assert_eq!(
            kinds_and_texts(source),
            [
                (BlockKind::Paragraph, "Intro:".to_string()),
                (BlockKind::ListItem, "- one".to_string()),
                (
                    BlockKind::ListItem,
                    "- two\n  - two a\n  - two b".to_string()
                ),
                (BlockKind::ListItem, "- three".to_string()),
                (BlockKind::ListItem, "1. first".to_string()),
                (BlockKind::ListItem, "2. second".to_string()),
            ]
        );
        assert_ranges_slice_back(source);
    }

    #[test]
    fn loose_list_items_with_paragraphs() {
        let source = "- one\n\n  more about one\n\n- two\n";
        assert_eq!(
            kinds_and_texts(source),
            [
                (BlockKind::ListItem, "- one\n\n  more about one".to_string()),
                (BlockKind::ListItem, "- two".to_string()),
            ]
        );
        assert_ranges_slice_back(source);
    }

    #[test]
    fn code_quote_table_html() {
        let source = "```rust\nfn main() {}\n\n// blank line above\n```\n\n    indented code\n\n> quoted\n> - list in quote\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n<div>\nraw\n</div>\n\n<!-- note -->\n";
        assert_eq!(
            kinds_and_texts(source),
            [
                (
                    BlockKind::CodeBlock,
                    "```rust\nfn main() {}\n\n// blank line above\n```".to_string()
                ),
                (BlockKind::CodeBlock, "    indented code".to_string()),
                (
                    BlockKind::BlockQuote,
                    "> quoted\n> - list in quote".to_string()
                ),
                (
                    BlockKind::Table,
                    "| a | b |\n|---|---|\n| 1 | 2 |".to_string()
                ),
                (BlockKind::Html, "<div>\nraw\n</div>".to_string()),
                (BlockKind::Html, "<!-- note -->".to_string()),
            ]
        );
        assert_ranges_slice_back(source);
    }

    #[test]
    fn link_reference_definitions_are_kept_as_other_blocks() {
        let source = "See [home].\n\n[home]: https://example.org\n\nEnd.\n";
        assert_eq!(
            kinds_and_texts(source),
            [
                (BlockKind::Paragraph, "See [home].".to_string()),
                (BlockKind::Other, "[home]: https://example.org".to_string()),
                (BlockKind::Paragraph, "End.".to_string()),
            ]
        );
        assert_ranges_slice_back(source);
    }

    #[test]
    fn footnote_definitions_are_other_blocks() {
        let source = "Claim.[^1]\n\n[^1]: Source.\n";
        assert_eq!(
            kinds_and_texts(source),
            [
                (BlockKind::Paragraph, "Claim.[^1]".to_string()),
                (BlockKind::Other, "[^1]: Source.".to_string()),
            ]
        );
    }

    #[test]
    fn crlf_source() {
        let source = "# Title\r\n\r\nLine one\r\nline two.\r\n\r\n- a\r\n- b\r\n";
        assert_eq!(
            kinds_and_texts(source),
            [
                (BlockKind::Heading, "# Title".to_string()),
                (BlockKind::Paragraph, "Line one\r\nline two.".to_string()),
                (BlockKind::ListItem, "- a".to_string()),
                (BlockKind::ListItem, "- b".to_string()),
            ]
        );
        assert_ranges_slice_back(source);
    }

    #[test]
    fn a_byte_order_mark_is_skipped() {
        let source = "\u{feff}# Title\n\nText.\n";
        assert_eq!(
            kinds_and_texts(source),
            [
                (BlockKind::Heading, "# Title".to_string()),
                (BlockKind::Paragraph, "Text.".to_string()),
            ]
        );
        assert_eq!(
            kinds_and_texts("\u{feff}    code\n"),
            [(BlockKind::CodeBlock, "    code".to_string())]
        );
        assert_ranges_slice_back(source);
        assert_eq!(first_heading(source), Some("Title".to_string()));
        assert_eq!(to_html(source), to_html("# Title\n\nText.\n"));
    }

    #[test]
    fn empty_and_blank_sources_have_no_blocks() {
        assert!(blocks("").is_empty());
        assert!(blocks("\n \n\t\n").is_empty());
    }

    #[test]
    fn unicode_ranges_are_char_boundaries() {
        let source = "# Croeso i Gymru ŵ\n\nCafé ☕ 🎉 déjà vu.\n\n- ŷ\n";
        assert_eq!(blocks(source).len(), 3);
        assert_ranges_slice_back(source);
    }

    #[test]
    fn heading_attributes_are_off() {
        assert_eq!(
            first_heading("# Title {#custom}\n"),
            Some("Title {#custom}".to_string())
        );
    }

    #[test]
    fn first_heading_strips_markup_and_skips_other_levels() {
        assert_eq!(
            first_heading("## Two\n\n# The *Quire* `guide` [link](x)\n\n# Later\n"),
            Some("The Quire guide link".to_string())
        );
        assert_eq!(
            first_heading("Setext\ntitle\n===\n"),
            Some("Setext title".to_string())
        );
        assert_eq!(first_heading("## Only level two\n"), None);
        assert_eq!(first_heading(""), None);
        // Not a section title: a heading inside a block quote.
        assert_eq!(first_heading("> # Quoted\n"), None);
        // An empty level-1 heading is skipped.
        assert_eq!(first_heading("#\n\n# Real\n"), Some("Real".to_string()));
    }

    #[test]
    fn to_html_uses_the_options_and_does_not_sanitise() {
        let html = to_html("~~old~~ new\n\n| a |\n|---|\n| 1 |\n\n<script>x()</script>\n");
        assert!(html.contains("<del>old</del>"), "{html}");
        assert!(html.contains("<table>"), "{html}");
        assert!(html.contains("<script>x()</script>"), "{html}");
    }
}
