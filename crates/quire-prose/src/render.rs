//! Rendering a [`ProseDiff`] as text for terminals and as an HTML fragment.

use crate::diff::{BlockDiff, ProseDiff, Span, SpanOp};
use crate::escape::escape_into;

/// The markers that [`render_text`] puts around inserted and deleted text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TextStyle {
    pub ins_open: &'static str,
    pub ins_close: &'static str,
    pub del_open: &'static str,
    pub del_close: &'static str,
}

impl TextStyle {
    /// `{+inserted+}` and `[-deleted-]`, like `git diff --word-diff=plain`.
    pub const PLAIN: TextStyle = TextStyle {
        ins_open: "{+",
        ins_close: "+}",
        del_open: "[-",
        del_close: "-]",
    };

    /// Inserted text green and deleted text red, with ANSI SGR codes, like
    /// `git diff --word-diff=color`.
    pub const ANSI: TextStyle = TextStyle {
        ins_open: "\x1b[32m",
        ins_close: "\x1b[0m",
        del_open: "\x1b[31m",
        del_close: "\x1b[0m",
    };
}

/// The line that stands for unchanged blocks left out by [`render_text_with_context`].
pub const ELISION: &str = "⋯";

/// Renders a diff as text: unchanged blocks as they are, added blocks wrapped whole in
/// the insertion markers, removed blocks in the deletion markers and changed blocks with
/// markers around the changed words. Blocks are separated by a blank line; the result
/// ends with a newline unless it is empty.
///
/// ```
/// use quire_prose::{diff, render_text, TextStyle};
///
/// let d = diff("Fix potholes.\n\nSweep.", "Fix roads.\n\nSweep.");
/// assert_eq!(render_text(&d, &TextStyle::PLAIN), "Fix [-potholes-]{+roads+}.\n\nSweep.\n");
/// ```
pub fn render_text(diff: &ProseDiff, style: &TextStyle) -> String {
    render_text_blocks(diff, style, None)
}

/// Like [`render_text`], but shows only `context` unchanged blocks before and after each
/// change; each longer run of unchanged blocks is replaced by one [`ELISION`] line.
///
/// ```
/// use quire_prose::{diff, render_text_with_context, TextStyle};
///
/// let d = diff("A.\n\nB.\n\nC.\n\nD.", "A.\n\nB.\n\nC.\n\nD!");
/// assert_eq!(
///     render_text_with_context(&d, &TextStyle::PLAIN, 1),
///     "⋯\n\nC.\n\nD[-.-]{+!+}\n"
/// );
/// ```
pub fn render_text_with_context(diff: &ProseDiff, style: &TextStyle, context: usize) -> String {
    render_text_blocks(diff, style, Some(context))
}

fn render_text_blocks(diff: &ProseDiff, style: &TextStyle, context: Option<usize>) -> String {
    let shown = shown_blocks(&diff.blocks, context);
    let mut parts: Vec<String> = Vec::new();
    let mut eliding = false;
    for (block, show) in diff.blocks.iter().zip(shown) {
        if !show {
            if !eliding {
                parts.push(ELISION.to_owned());
            }
            eliding = true;
            continue;
        }
        eliding = false;
        parts.push(match block {
            BlockDiff::Unchanged { text, .. } => text.clone(),
            BlockDiff::Added { text, .. } => wrap(text, style.ins_open, style.ins_close),
            BlockDiff::Removed { text, .. } => wrap(text, style.del_open, style.del_close),
            BlockDiff::Changed { spans, .. } => spans
                .iter()
                .map(|Span { op, text }| match op {
                    SpanOp::Equal => text.clone(),
                    SpanOp::Insert => wrap(text, style.ins_open, style.ins_close),
                    SpanOp::Delete => wrap(text, style.del_open, style.del_close),
                })
                .collect(),
        });
    }
    let mut out = parts.join("\n\n");
    if !out.is_empty() {
        out.push('\n');
    }
    out
}

/// Which blocks to show: all without `context`, else the changed ones and up to
/// `context` unchanged blocks on each side of them.
fn shown_blocks(blocks: &[BlockDiff], context: Option<usize>) -> Vec<bool> {
    let Some(context) = context else {
        return vec![true; blocks.len()];
    };
    let mut shown = vec![false; blocks.len()];
    for (k, block) in blocks.iter().enumerate() {
        if !matches!(block, BlockDiff::Unchanged { .. }) {
            let from = k.saturating_sub(context);
            let to = k
                .saturating_add(context)
                .saturating_add(1)
                .min(blocks.len());
            shown[from..to].iter_mut().for_each(|s| *s = true);
        }
    }
    shown
}

fn wrap(text: &str, open: &str, close: &str) -> String {
    [open, text, close].concat()
}

/// The stylesheet for the markup of [`render_html`] and [`render_side_by_side`] (inside an
/// element of class `diff` or `diff-side`): the one home of the diff's colours, used by the
/// review server and the exported editions.
pub const DIFF_CSS: &str = include_str!("../assets/diff.css");

/// Renders a diff as an HTML fragment: one
/// `<div class="block block-{kind} {op}">` per block (`kind` as in
/// [`BlockKind::as_str`](crate::BlockKind::as_str), `op` one of `unchanged`, `added`,
/// `removed`, `changed`), with inserted text in `<ins>` and deleted text in `<del>`
/// (an added block's whole text is in `<ins>`, a removed block's in `<del>`).
///
/// All text is HTML-escaped (`&`, `<`, `>`, `"`, `'`), so the fragment contains no tag but
/// `div`, `ins` and `del`, and nothing from the input can become markup. The Markdown
/// source is shown as source, not rendered; line breaks are kept as newline characters, so
/// style the blocks with `white-space: pre-wrap`.
///
/// ```
/// let d = quire_prose::diff("Fix <b>potholes</b>.", "Fix <b>roads</b>.");
/// assert_eq!(
///     quire_prose::render_html(&d),
///     "<div class=\"block block-paragraph changed\">Fix &lt;b&gt;\
///      <del>potholes</del><ins>roads</ins>&lt;/b&gt;.</div>\n"
/// );
/// ```
pub fn render_html(diff: &ProseDiff) -> String {
    let mut out = String::new();
    for block in &diff.blocks {
        open_block(&mut out, block);
        match block {
            BlockDiff::Unchanged { text, .. } => escape_into(&mut out, text),
            BlockDiff::Added { text, .. } => tagged(&mut out, "ins", text),
            BlockDiff::Removed { text, .. } => tagged(&mut out, "del", text),
            BlockDiff::Changed { spans, .. } => {
                for span in spans {
                    match span.op {
                        SpanOp::Equal => escape_into(&mut out, &span.text),
                        SpanOp::Insert => tagged(&mut out, "ins", &span.text),
                        SpanOp::Delete => tagged(&mut out, "del", &span.text),
                    }
                }
            }
        }
        close_block(&mut out);
    }
    out
}

/// Renders a diff as two columns for reading side by side: `(old, new)`, each a sequence
/// of `<div class="block block-{kind} {op}">` elements as in [`render_html`]. The old
/// column holds unchanged and removed text with deletions in `<del>`, the new column
/// unchanged and added text with insertions in `<ins>`; a block only one side has appears
/// only in that column. All text is escaped.
pub fn render_side_by_side(diff: &ProseDiff) -> (String, String) {
    let mut old = String::new();
    let mut new = String::new();
    for block in &diff.blocks {
        match block {
            BlockDiff::Unchanged { text, .. } => {
                open_block(&mut old, block);
                escape_into(&mut old, text);
                close_block(&mut old);
                open_block(&mut new, block);
                escape_into(&mut new, text);
                close_block(&mut new);
            }
            BlockDiff::Removed { text, .. } => {
                open_block(&mut old, block);
                tagged(&mut old, "del", text);
                close_block(&mut old);
            }
            BlockDiff::Added { text, .. } => {
                open_block(&mut new, block);
                tagged(&mut new, "ins", text);
                close_block(&mut new);
            }
            BlockDiff::Changed { spans, .. } => {
                open_block(&mut old, block);
                open_block(&mut new, block);
                for span in spans {
                    match span.op {
                        SpanOp::Equal => {
                            escape_into(&mut old, &span.text);
                            escape_into(&mut new, &span.text);
                        }
                        SpanOp::Delete => tagged(&mut old, "del", &span.text),
                        SpanOp::Insert => tagged(&mut new, "ins", &span.text),
                    }
                }
                close_block(&mut old);
                close_block(&mut new);
            }
        }
    }
    (old, new)
}

/// `<div class="block block-{kind} {op}">`: the one opening of a rendered diff block.
fn open_block(out: &mut String, block: &BlockDiff) {
    out.push_str("<div class=\"block block-");
    out.push_str(block.kind().as_str());
    out.push(' ');
    out.push_str(block.op_name());
    out.push_str("\">");
}

fn close_block(out: &mut String) {
    out.push_str("</div>\n");
}

fn tagged(out: &mut String, tag: &str, text: &str) {
    out.push('<');
    out.push_str(tag);
    out.push('>');
    escape_into(out, text);
    out.push_str("</");
    out.push_str(tag);
    out.push('>');
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diff::diff;

    const OLD: &str = "# Roads\n\nThe council fixes potholes.\n\nGone soon.\n\n- one\n";
    const NEW: &str = "# Roads\n\nThe council repairs potholes.\n\n- one\n\nBrand new text.\n";

    #[test]
    fn plain_text_markers() {
        assert_eq!(
            render_text(&diff(OLD, NEW), &TextStyle::PLAIN),
            "# Roads\n\n\
             The council [-fixes-]{+repairs+} potholes.\n\n\
             [-Gone soon.-]\n\n\
             - one\n\n\
             {+Brand new text.+}\n"
        );
    }

    #[test]
    fn ansi_markers() {
        let text = render_text(&diff("Fix it.", "Mend it."), &TextStyle::ANSI);
        assert_eq!(text, "\x1b[31mFix\x1b[0m\x1b[32mMend\x1b[0m it.\n");
    }

    #[test]
    fn empty_diff_renders_empty() {
        let d = diff("", "");
        assert_eq!(render_text(&d, &TextStyle::PLAIN), "");
        assert_eq!(render_text_with_context(&d, &TextStyle::PLAIN, 2), "");
        assert_eq!(render_html(&d), "");
    }

    #[test]
    fn context_elides_long_unchanged_runs() {
        let old: Vec<String> = (1..=9).map(|i| format!("Block {i}.")).collect();
        let mut new = old.clone();
        new[1] = "Block two.".to_owned();
        new[7] = "Block eight.".to_owned();
        let d = diff(&old.join("\n\n"), &new.join("\n\n"));
        assert_eq!(
            render_text_with_context(&d, &TextStyle::PLAIN, 1),
            "Block 1.\n\nBlock [-2-]{+two+}.\n\nBlock 3.\n\n⋯\n\n\
             Block 7.\n\nBlock [-8-]{+eight+}.\n\nBlock 9.\n"
        );
        assert_eq!(
            render_text_with_context(&d, &TextStyle::PLAIN, 0),
            "⋯\n\nBlock [-2-]{+two+}.\n\n⋯\n\nBlock [-8-]{+eight+}.\n\n⋯\n"
        );
        // Enough context shows everything, like render_text.
        assert_eq!(
            render_text_with_context(&d, &TextStyle::PLAIN, 3),
            render_text(&d, &TextStyle::PLAIN)
        );
        // No change at all: one elision line.
        let same = diff(&old.join("\n\n"), &old.join("\n\n"));
        assert_eq!(render_text_with_context(&same, &TextStyle::PLAIN, 1), "⋯\n");
    }

    #[test]
    fn html_blocks_and_classes() {
        assert_eq!(
            render_html(&diff(OLD, NEW)),
            "<div class=\"block block-heading unchanged\"># Roads</div>\n\
             <div class=\"block block-paragraph changed\">The council <del>fixes</del><ins>repairs</ins> potholes.</div>\n\
             <div class=\"block block-paragraph removed\"><del>Gone soon.</del></div>\n\
             <div class=\"block block-list_item unchanged\">- one</div>\n\
             <div class=\"block block-paragraph added\"><ins>Brand new text.</ins></div>\n"
        );
    }

    /// The names of all tags in `html`, which must be well-formed enough to scan.
    fn tag_names(html: &str) -> Vec<String> {
        html.split('<')
            .skip(1)
            .map(|rest| {
                rest.trim_start_matches('/')
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric())
                    .collect()
            })
            .collect()
    }

    #[test]
    fn html_escapes_everything_from_the_input() {
        let old =
            "Hello <script>alert('x')</script> & \"friends\".\n\n<div onclick=\"x()\">raw</div>\n";
        let new = "Hello <img src=x onerror=alert(1)> & 'friends'.\n\n<style>*{}</style>\n\n</ins><del>\n";
        let html = render_html(&diff(old, new));
        for name in tag_names(&html) {
            assert!(
                ["div", "ins", "del"].contains(&name.as_str()),
                "{name} in {html}"
            );
        }
        assert!(!html.contains("<script"), "{html}");
        assert!(!html.contains("<img"), "{html}");
        for escaped in ["&lt;", "&gt;", "&amp;", "&quot;", "&#39;", "script&gt;"] {
            assert!(html.contains(escaped), "{escaped} in {html}");
        }
        assert!(
            html.contains("&lt;div onclick=&quot;x()&quot;&gt;raw&lt;/div&gt;"),
            "{html}"
        );
        assert!(html.contains("&lt;/ins&gt;&lt;del&gt;"), "{html}");
        // Every quote in the output belongs to a class attribute.
        assert_eq!(html.matches('"').count(), 2 * html.matches("<div").count());
        // Balanced: each opened tag is closed.
        for name in ["div", "ins", "del"] {
            assert_eq!(
                html.matches(&format!("<{name}")).count(),
                html.matches(&format!("</{name}>")).count(),
                "{name} in {html}"
            );
        }
    }

    #[test]
    fn side_by_side_splits_and_escapes() {
        let d = diff(
            "# T\n\nFix <b>potholes</b> now.\n\nGone.\n",
            "# T\n\nFix <b>roads</b> now.\n\n<script>x</script>\n",
        );
        let (old, new) = render_side_by_side(&d);
        assert!(old.contains("<del>potholes</del>"), "{old}");
        assert!(!old.contains("<ins>"), "{old}");
        assert!(new.contains("<ins>roads</ins>"), "{new}");
        assert!(!new.contains("<del>"), "{new}");
        assert!(old.contains("<del>Gone.</del>"), "{old}");
        assert!(new.contains("&lt;script&gt;x&lt;/script&gt;"), "{new}");
        assert!(!new.contains("<script>"), "{new}");
        assert!(old.contains("Fix &lt;b&gt;"), "{old}");

        // The same block markup as render_html, one column each.
        let (old, new) = render_side_by_side(&diff("Fix <b>potholes</b>.", "Fix <b>roads</b>."));
        assert_eq!(
            old,
            "<div class=\"block block-paragraph changed\">Fix &lt;b&gt;<del>potholes</del>&lt;/b&gt;.</div>\n"
        );
        assert_eq!(
            new,
            "<div class=\"block block-paragraph changed\">Fix &lt;b&gt;<ins>roads</ins>&lt;/b&gt;.</div>\n"
        );
    }
}
