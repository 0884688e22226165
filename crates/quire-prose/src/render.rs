//! Rendering a [`ProseDiff`] as text for terminals and as an HTML fragment.

use crate::diff::{BlockDiff, ProseDiff, Span, SpanOp};

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
            let to = k.saturating_add(context).saturating_add(1).min(blocks.len());
            shown[from..to].iter_mut().for_each(|s| *s = true);
        }
    }
    shown
}

fn wrap(text: &str, open: &str, close: &str) -> String {
    [open, text, close].concat()
}

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
        out.push_str("<div class=\"block block-");
        out.push_str(block.kind().as_str());
        out.push(' ');
        out.push_str(block.op_name());
        out.push_str("\">");
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
        out.push_str("</div>\n");
    }
    out
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

fn escape_into(out: &mut String, text: &str) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
}
