//! Building typst markup: escaping text, converting section Markdown, laying out the edition.
//!
//! Nothing from the library is ever written into the markup as is. Text goes through
//! [`escape_text`], which escapes every ASCII punctuation character with a backslash (a
//! typst escape, so `#`, `$`, `*`, `_`, `` ` ``, `<`, `@`, `[`, `/`, `=`, `-` and the rest
//! are plain characters) and turns line breaks and control characters into spaces (so no
//! text can start a line, and so never a heading, list or comment). Text that must be a typst
//! value (code, URLs, metadata) goes through [`string_literal`]. Structure comes only from
//! this module, as function calls (`#heading(level: 2)[...]`, `#list([...], [...])`),
//! whose content blocks hold escaped text.

use pulldown_cmark::{CodeBlockKind, Event, HeadingLevel, LinkType, Tag, TagEnd};

use crate::EditionText;

/// Escapes text so that typst markup shows it exactly, as plain characters:
/// `#set *x* [a]` becomes `\#set \*x\* \[a\]`, a newline a space.
pub fn escape_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + text.len() / 8);
    for c in text.chars() {
        if c.is_ascii_punctuation() {
            out.push('\\');
            out.push(c);
        } else if c.is_control() || matches!(c, '\u{2028}' | '\u{2029}') {
            // Newlines (typst also breaks lines at U+0085, U+2028 and U+2029) would let
            // text start a line of markup; a tab is a space in print anyway.
            out.push(' ');
        } else {
            out.push(c);
        }
    }
    out
}

/// A typst string literal holding `text` exactly.
pub fn string_literal(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// What an open Markdown container becomes when it closes.
enum Frame {
    /// The document itself.
    Root,
    /// A paragraph.
    Paragraph,
    /// A heading inside the section; `None` for the section's own title (left out, as the
    /// layout sets the title itself).
    Heading(Option<u8>),
    /// Inline markup wrapped in a typst function: `#emph`, `#strong`, `#strike`.
    Wrap(&'static str),
    /// A link: its text, then its address in a footnote.
    Link(String),
    /// An image: its alternative text.
    Image,
    /// A list: numbered from `start`, or bulleted.
    List {
        start: Option<u64>,
        items: Vec<String>,
    },
    Item,
    Quote,
    Code(String),
    Html,
    Table {
        columns: usize,
        in_head: bool,
        cells: Vec<String>,
    },
    Cell,
    /// A footnote definition with its label.
    Note(String),
    /// Anything else (metadata blocks, definition lists when off): dropped.
    Skip,
}

struct Open {
    frame: Frame,
    buf: String,
}

/// Appends a block-level construct, on its own line after a blank line.
fn push_block(buf: &mut String, block: &str) {
    if !buf.is_empty() && !buf.ends_with("\n\n") {
        buf.push_str(if buf.ends_with('\n') { "\n" } else { "\n\n" });
    }
    buf.push_str(block);
    buf.push_str("\n\n");
}

fn content(buf: &str) -> String {
    format!("[{}]", buf.trim())
}

/// The parts of `markdown` converted apart, split as [`quire_prose::safe_blocks`] splits
/// it for the HTML renderings: every raw HTML block alone (cut at its first blank line),
/// the runs of other blocks between them whole (so lists and link definitions keep
/// together). An unclosed `<style>` or `<!--` thus ends at a blank line here as on the
/// pages, instead of swallowing the rest of the section.
fn segments(markdown: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut run: Option<std::ops::Range<usize>> = None;
    for b in quire_prose::safe_blocks(markdown) {
        if b.kind == quire_prose::BlockKind::Html {
            if let Some(r) = run.take() {
                out.push(&markdown[r]);
            }
            out.push(&markdown[b.range]);
        } else {
            run = Some(match run {
                Some(r) => r.start..b.range.end,
                None => b.range,
            });
        }
    }
    if let Some(r) = run {
        out.push(&markdown[r]);
    }
    out
}

/// Converts a section's Markdown to typst markup: headings (the section's own `# Title`
/// left out; `##` and below become levels 3 to 6), paragraphs, bulleted and numbered lists,
/// emphasis, strong, strikethrough, inline code and code blocks, block quotes, tables,
/// rules, footnotes (as a list of notes after the text), links (their text, with the
/// address in a footnote) and images (their alternative text). Raw HTML is shown as code;
/// HTML comments are left out.
pub fn markdown_to_typst(markdown: &str) -> String {
    let mut stack = vec![Open {
        frame: Frame::Root,
        buf: String::new(),
    }];
    let mut seen_title = false;
    let mut notes: Vec<(String, String)> = Vec::new();
    // Block ranges start after a byte order mark, and `quire_prose::parser` drops one too.
    let events = segments(markdown).into_iter().flat_map(quire_prose::parser);
    for event in events {
        match event {
            Event::Start(tag) => {
                let frame = match tag {
                    Tag::Paragraph => Frame::Paragraph,
                    Tag::Heading { level, .. } => {
                        if level == HeadingLevel::H1 && !seen_title && stack.len() == 1 {
                            seen_title = true;
                            Frame::Heading(None)
                        } else {
                            Frame::Heading(Some((level as u8 + 1).clamp(3, 6)))
                        }
                    }
                    Tag::Emphasis => Frame::Wrap("#emph"),
                    Tag::Strong => Frame::Wrap("#strong"),
                    Tag::Strikethrough => Frame::Wrap("#strike"),
                    Tag::Superscript => Frame::Wrap("#super"),
                    Tag::Subscript => Frame::Wrap("#sub"),
                    Tag::Link {
                        link_type,
                        dest_url,
                        ..
                    } => Frame::Link(match link_type {
                        LinkType::Email => format!("mailto:{dest_url}"),
                        _ => dest_url.to_string(),
                    }),
                    Tag::Image { .. } => Frame::Image,
                    Tag::List(start) => Frame::List {
                        start,
                        items: Vec::new(),
                    },
                    Tag::Item => Frame::Item,
                    Tag::BlockQuote(_) => Frame::Quote,
                    Tag::CodeBlock(kind) => Frame::Code(match kind {
                        CodeBlockKind::Fenced(lang) => lang
                            .split_whitespace()
                            .next()
                            .unwrap_or_default()
                            .to_string(),
                        CodeBlockKind::Indented => String::new(),
                    }),
                    Tag::HtmlBlock => Frame::Html,
                    Tag::Table(alignments) => Frame::Table {
                        columns: alignments.len().max(1),
                        in_head: false,
                        cells: Vec::new(),
                    },
                    Tag::TableHead => {
                        if let Some(Open {
                            frame: Frame::Table { in_head, .. },
                            ..
                        }) = stack.last_mut()
                        {
                            *in_head = true;
                        }
                        continue;
                    }
                    Tag::TableRow => continue,
                    Tag::TableCell => Frame::Cell,
                    Tag::FootnoteDefinition(label) => Frame::Note(label.to_string()),
                    _ => Frame::Skip,
                };
                stack.push(Open {
                    frame,
                    buf: String::new(),
                });
            }
            Event::End(TagEnd::TableHead) => {
                if let Some(Open {
                    frame: Frame::Table { in_head, .. },
                    ..
                }) = stack.last_mut()
                {
                    *in_head = false;
                }
            }
            Event::End(TagEnd::TableRow) => {}
            Event::End(_) => {
                if stack.len() < 2 {
                    continue;
                }
                let Some(Open { frame, buf }) = stack.pop() else {
                    continue;
                };
                let parent = stack.last_mut().expect("the root frame is never popped");
                close(frame, buf, parent, &mut notes);
            }
            Event::Text(text) => {
                let top = stack.last_mut().expect("the root frame is never popped");
                match top.frame {
                    Frame::Code(_) | Frame::Html => top.buf.push_str(&text),
                    _ => top.buf.push_str(&escape_text(&text)),
                }
            }
            Event::Code(code) => {
                let top = stack.last_mut().expect("the root frame is never popped");
                top.buf
                    .push_str(&format!("#raw({})", string_literal(&code)));
            }
            Event::Html(html) | Event::InlineHtml(html) => {
                let top = stack.last_mut().expect("the root frame is never popped");
                match top.frame {
                    Frame::Html => top.buf.push_str(&html),
                    _ if html.trim_start().starts_with("<!--") => {}
                    _ => top.buf.push_str(&escape_text(&html)),
                }
            }
            Event::InlineMath(math) | Event::DisplayMath(math) => {
                let top = stack.last_mut().expect("the root frame is never popped");
                top.buf.push_str(&escape_text(&math));
            }
            Event::FootnoteReference(label) => {
                let top = stack.last_mut().expect("the root frame is never popped");
                top.buf
                    .push_str(&format!("#super[{}]", escape_text(&label)));
            }
            Event::SoftBreak => {
                let top = stack.last_mut().expect("the root frame is never popped");
                match top.frame {
                    Frame::Code(_) | Frame::Html => top.buf.push('\n'),
                    _ => top.buf.push(' '),
                }
            }
            Event::HardBreak => {
                let top = stack.last_mut().expect("the root frame is never popped");
                top.buf.push_str("#linebreak()");
            }
            Event::Rule => {
                let top = stack.last_mut().expect("the root frame is never popped");
                push_block(&mut top.buf, "#line(length: 100%, stroke: 0.5pt + gray)");
            }
            Event::TaskListMarker(done) => {
                let top = stack.last_mut().expect("the root frame is never popped");
                top.buf
                    .push_str(&escape_text(if done { "[x] " } else { "[ ] " }));
            }
        }
    }
    // Close anything the parser left open (it does not, but be safe).
    while stack.len() > 1 {
        let Some(Open { frame, buf }) = stack.pop() else {
            break;
        };
        let parent = stack.last_mut().expect("the root frame is never popped");
        close(frame, buf, parent, &mut notes);
    }
    let mut out = stack.pop().map(|o| o.buf).unwrap_or_default();
    if !notes.is_empty() {
        push_block(&mut out, "#line(length: 30%, stroke: 0.5pt + gray)");
        for (label, text) in notes {
            push_block(
                &mut out,
                &format!(
                    "#text(size: 9pt)[#super[{}] {}]",
                    escape_text(&label),
                    text.trim()
                ),
            );
        }
    }
    out.trim_end().to_string()
}

/// Renders a closed container into its parent.
fn close(frame: Frame, buf: String, parent: &mut Open, notes: &mut Vec<(String, String)>) {
    match frame {
        Frame::Root | Frame::Skip => {}
        Frame::Paragraph => push_block(&mut parent.buf, buf.trim()),
        Frame::Heading(None) => {}
        Frame::Heading(Some(level)) => push_block(
            &mut parent.buf,
            &format!("#heading(level: {level}){}", content(&buf)),
        ),
        Frame::Wrap(f) => parent.buf.push_str(&format!("{f}[{buf}]")),
        Frame::Link(url) => {
            parent.buf.push_str(&buf);
            let shown = url.strip_prefix("mailto:").unwrap_or(&url);
            if !url.is_empty() && !url.starts_with('#') && escape_text(shown) != buf {
                parent
                    .buf
                    .push_str(&format!("#footnote[{}]", escape_text(&url)));
            }
        }
        Frame::Image => parent.buf.push_str(&format!(
            "{}{}{}",
            escape_text("[Image: "),
            buf,
            escape_text("]")
        )),
        Frame::Item => match &mut parent.frame {
            Frame::List { items, .. } => items.push(content(&buf)),
            _ => push_block(&mut parent.buf, buf.trim()),
        },
        Frame::List { start, items } => {
            let call = match start {
                Some(n) => format!("#enum(start: {n}, {})", items.join(", ")),
                None => format!("#list({})", items.join(", ")),
            };
            push_block(&mut parent.buf, &call);
        }
        Frame::Quote => push_block(
            &mut parent.buf,
            &format!("#quote(block: true){}", content(&buf)),
        ),
        Frame::Code(lang) => {
            let code = buf.strip_suffix('\n').unwrap_or(&buf);
            let lang = if lang.is_empty() {
                String::new()
            } else {
                format!("lang: {}, ", string_literal(&lang))
            };
            push_block(
                &mut parent.buf,
                &format!("#raw(block: true, {lang}{})", string_literal(code)),
            );
        }
        Frame::Html => {
            let html = buf.trim_end();
            if !html.trim_start().starts_with("<!--") && !html.trim().is_empty() {
                push_block(
                    &mut parent.buf,
                    &format!("#raw(block: true, {})", string_literal(html)),
                );
            }
        }
        Frame::Table { columns, cells, .. } => push_block(
            &mut parent.buf,
            &format!(
                "#table(columns: {columns}, stroke: 0.5pt + gray, {})",
                cells.join(", ")
            ),
        ),
        Frame::Cell => {
            if let Frame::Table { in_head, cells, .. } = &mut parent.frame {
                cells.push(if *in_head {
                    format!("[#strong{}]", content(&buf))
                } else {
                    content(&buf)
                });
            }
        }
        Frame::Note(label) => notes.push((label, buf)),
    }
}

/// `2026-11-27` as `27 November 2026`; anything else (not a real date) as it is.
fn long_date(date: &str) -> String {
    use time::macros::format_description;
    time::Date::parse(date, format_description!("[year]-[month]-[day]"))
        .ok()
        .and_then(|d| {
            d.format(format_description!(
                "[day padding:none] [month repr:long] [year]"
            ))
            .ok()
        })
        .unwrap_or_else(|| date.to_string())
}

/// `datetime(...)` for a YYYY-MM-DD date, if it is one.
fn datetime(date: &str) -> Option<String> {
    let mut it = date.splitn(3, '-');
    let y: i32 = it.next()?.parse().ok()?;
    let m: u8 = it.next()?.parse().ok()?;
    let d: u8 = it.next()?.parse().ok()?;
    ((1..=9999).contains(&y) && (1..=12).contains(&m) && (1..=31).contains(&d))
        .then(|| format!("datetime(year: {y}, month: {m}, day: {d})"))
}

/// Free text (notes) as paragraphs: blank lines separate them.
fn paragraphs(text: &str) -> String {
    text.split("\n\n")
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(escape_text)
        .collect::<Vec<_>>()
        .join("\n\n")
}

/// The typst markup of a whole print edition: title page, contents with page numbers, a
/// divider page per part, each section from a new page, then the changelog.
///
/// Text is set ragged right without hyphenation, as plain-language guidance asks (and so
/// that words survive copying and text extraction whole).
///
/// Parts are level-1 headings and sections level-2 headings; the contents lists both, and
/// the headings inside sections (levels 3 to 6) appear only as PDF bookmarks. Pages are
/// numbered from the title page (which shows no number), so a page's printed number is its
/// place in the file.
pub fn edition_source(e: &EditionText) -> String {
    let mut s = String::new();
    let doc_title = format!("{}: {}", e.resource_title, e.title);
    s.push_str(&format!(
        "#set document(title: {}{})\n",
        string_literal(&doc_title),
        datetime(&e.date)
            .map(|d| format!(", date: {d}"))
            .unwrap_or_default()
    ));
    s.push_str(
        r#"#set page(paper: "a4", margin: (x: 25mm, y: 25mm), numbering: "1")
#set text(font: "Libertinus Serif", size: 11pt, lang: "en", hyphenate: false)
#set par(justify: false)
#show raw: set text(font: "DejaVu Sans Mono", size: 9pt)
#show heading: set block(above: 1.6em, below: 0.9em)
#show heading.where(level: 1): set text(size: 24pt)
#show heading.where(level: 2): set text(size: 18pt)
#show heading.where(level: 3): set text(size: 13pt)
#show outline.entry.where(level: 1): set block(above: 1.2em)

"#,
    );

    // Title page.
    s.push_str("#page(numbering: none)[\n#set align(center)\n#v(1fr)\n");
    s.push_str(&format!(
        "#text(size: 30pt, weight: \"bold\")[{}]\n\n",
        escape_text(&e.resource_title)
    ));
    if let Some(sub) = e.subtitle.as_deref().filter(|t| !t.trim().is_empty()) {
        s.push_str(&format!(
            "#text(size: 14pt, style: \"italic\")[{}]\n\n",
            escape_text(sub)
        ));
    }
    s.push_str("#v(2cm)\n");
    s.push_str(&format!("#text(size: 20pt)[{}]\n\n", escape_text(&e.title)));
    s.push_str(&format!(
        "#text(size: 12pt)[{}]\n\n",
        escape_text(&format!("Published {}", long_date(&e.date)))
    ));
    if !e.notes.trim().is_empty() {
        s.push_str(&format!(
            "#v(1cm)\n#block(width: 80%)[#set align(left)\n{}]\n\n",
            paragraphs(&e.notes)
        ));
    }
    s.push_str(&format!(
        "#v(2fr)\n#text(size: 9pt)[{}]\n]\n\n",
        escape_text(&format!("Edition {}", e.slug))
    ));

    // Contents.
    s.push_str("#outline(title: [Contents], depth: 2)\n\n");

    // Parts and sections.
    for part in &e.parts {
        s.push_str(&format!(
            "#pagebreak(weak: true)\n#v(1fr)\n#align(center)[#heading(level: 1)[{}]]\n#v(2fr)\n\n",
            escape_text(&part.title)
        ));
        for section in &part.sections {
            s.push_str(&format!(
                "#pagebreak(weak: true)\n#heading(level: 2)[{}]\n\n",
                escape_text(&section.title)
            ));
            s.push_str(&markdown_to_typst(&section.markdown));
            s.push_str("\n\n");
        }
    }

    // Changelog.
    s.push_str("#pagebreak(weak: true)\n#heading(level: 1)[Changes in this edition]\n\n");
    if e.changes.is_empty() {
        s.push_str("No proposals were merged for this edition.\n");
    } else {
        s.push_str(&escape_text(&format!(
            "The proposals merged for {}, with the people who proposed them.",
            e.title
        )));
        s.push_str("\n\n#list(");
        let items: Vec<String> = e
            .changes
            .iter()
            .map(|c| {
                let sections = c
                    .sections
                    .iter()
                    .map(|s| s.as_str())
                    .collect::<Vec<_>>()
                    .join(", ");
                format!(
                    "[#strong[{}] {} — {}#linebreak()#text(size: 9pt)[{}]]",
                    escape_text(&format!("#{}", c.proposal)),
                    escape_text(&c.title),
                    escape_text(&format!("proposed by {}", c.author.name)),
                    escape_text(&format!(
                        "Merged by {}; sections: {sections}",
                        c.merged_by.name
                    )),
                )
            })
            .collect();
        s.push_str(&items.join(", "));
        s.push_str(")\n");
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    // Were doctests (each one a link step of typst).
    #[test]
    fn escape_text_examples() {
        assert_eq!(escape_text("#set *x* [a]"), r"\#set \*x\* \[a\]");
        assert_eq!(escape_text("line\none"), "line one");
    }

    #[test]
    fn string_literal_example() {
        assert_eq!(string_literal("a \"b\" \\ c\n"), r#""a \"b\" \\ c\n""#);
    }

    #[test]
    fn every_ascii_punctuation_character_is_escaped() {
        let all: String = (0u8..128)
            .map(char::from)
            .filter(|c| c.is_ascii_punctuation())
            .collect();
        let escaped = escape_text(&all);
        let expected: String = all.chars().flat_map(|c| ['\\', c]).collect();
        assert_eq!(escaped, expected);
    }

    #[test]
    fn line_breaks_and_controls_become_spaces() {
        assert_eq!(escape_text("a\nb\rc\td\u{2028}e\u{85}f"), "a b c d e f");
        assert_eq!(escape_text("Café ŵ ☕"), "Café ŵ ☕");
    }

    #[test]
    fn string_literals_escape_quotes_backslashes_and_controls() {
        assert_eq!(string_literal(r#"a"b\c"#), r#""a\"b\\c""#);
        assert_eq!(string_literal("x\u{1}y"), r#""x\u{1}y""#);
    }

    #[test]
    fn unclosed_raw_html_does_not_swallow_later_blocks() {
        for open in ["<!--", "<style>", "<script>", "<pre>"] {
            let t = markdown_to_typst(&format!("# T\n\n{open}\n\nLater words.\n\n- an item\n"));
            assert!(t.contains("Later words"), "{open}: {t}");
            assert!(t.contains("an item"), "{open}: {t}");
            assert!(
                !t.contains("#raw(block: true, \"<style>\\n\\nLater"),
                "{open}: {t}"
            );
        }
    }

    #[test]
    fn a_byte_order_mark_is_dropped_as_everywhere() {
        let plain = markdown_to_typst("# Title\n\nText.\n\n## Sub\n");
        assert_eq!(
            markdown_to_typst("\u{feff}# Title\n\nText.\n\n## Sub\n"),
            plain
        );
        assert!(!plain.contains("Title"), "{plain}");
    }

    #[test]
    fn the_section_title_is_left_out_and_subheadings_shift_down() {
        let t = markdown_to_typst("# Title\n\nText.\n\n## Sub\n\n### Subsub\n");
        assert!(!t.contains("Title"), "{t}");
        assert!(t.contains("#heading(level: 3)[Sub]"), "{t}");
        assert!(t.contains("#heading(level: 4)[Subsub]"), "{t}");
    }

    #[test]
    fn lists_emphasis_links_and_code() {
        let t = markdown_to_typst(
            "# T\n\n- one *two*\n- **three**\n\n1. a\n2. b\n\nSee [the site](https://example.org) and `x_y`.\n",
        );
        assert!(
            t.contains("#list([one #emph[two]], [#strong[three]])"),
            "{t}"
        );
        assert!(t.contains("#enum(start: 1, [a], [b])"), "{t}");
        assert!(
            t.contains(r"the site#footnote[https\:\/\/example\.org]"),
            "{t}"
        );
        assert!(t.contains(r##"#raw("x_y")"##), "{t}");
    }

    #[test]
    fn dates() {
        assert_eq!(long_date("2026-11-27"), "27 November 2026");
        assert_eq!(long_date("soon"), "soon");
        assert_eq!(long_date("2026-03-05"), "5 March 2026");
        // Not a real day: left as it is rather than named.
        assert_eq!(long_date("2026-02-31"), "2026-02-31");
        assert_eq!(
            datetime("2026-11-27").as_deref(),
            Some("datetime(year: 2026, month: 11, day: 27)")
        );
        assert_eq!(datetime("2026-13-01"), None);
    }
}
