//! Property tests with proptest (beside the seeded generator of `faithful.rs`): for
//! arbitrary Markdown-ish input, a computed diff applied to the old text gives the new
//! text, and `render_html` emits no tag but `div`, `ins` and `del`. A failure is shrunk to
//! a small input and saved under `proptest-regressions/`, which is kept in git so the
//! case runs first from then on.

use proptest::prelude::*;
use quire_prose::{blocks, diff_with, render_html, BlockDiff, DiffOptions, SpanOp};

/// Pieces Markdown is made of, and pieces that try to break it or the HTML around it.
const PIECES: &[&str] = &[
    "the",
    "council",
    "fixes",
    "potholes",
    "café",
    "ŵyr",
    "🎉",
    "👩‍🔧",
    " ",
    "  ",
    "\t",
    "\n",
    "\n\n",
    "\r\n",
    "\r",
    ".",
    ",",
    "# ",
    "## ",
    "- ",
    "* ",
    "1. ",
    "  - ",
    "> ",
    "```",
    "~~~",
    "    ",
    "---",
    "| a | b |\n|---|---|\n",
    "[link](https://example.org)",
    "[x](javascript:alert(1))",
    "<script>alert(1)</script>",
    "<svg onload=alert(1)>",
    "<img src=x onerror=alert(1)>",
    "<div>\n",
    "</div>",
    "<ins>",
    "</del>",
    "<!-- ",
    " -->",
    "&amp;",
    "&",
    "\"",
    "'",
    "<",
    ">",
    "\u{0}",
    "\u{1b}[31m",
    "\u{200b}",
    "\u{feff}",
    "\u{2028}",
];

/// Markdown-ish text: mostly known pieces, with some arbitrary characters mixed in.
fn markdownish() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        4 => prop::sample::select(PIECES).prop_map(str::to_owned),
        1 => any::<String>(),
        1 => "[a-z ]{1,12}",
    ];
    prop::collection::vec(piece, 0..60).prop_map(|v| v.concat())
}

/// An old text and a new text made from it by inserting, deleting and replacing pieces
/// (so the two share most of their blocks, as real edits do), or an unrelated one.
fn old_and_new() -> impl Strategy<Value = (String, String)> {
    (
        markdownish(),
        markdownish(),
        any::<bool>(),
        any::<prop::sample::Index>(),
    )
        .prop_map(|(old, other, related, at)| {
            if !related {
                return (old, other);
            }
            // Splice `other` into `old` at a character boundary, dropping a little.
            let cuts: Vec<usize> = old
                .char_indices()
                .map(|(i, _)| i)
                .chain([old.len()])
                .collect();
            let from = cuts[at.index(cuts.len())];
            let to = cuts
                .iter()
                .copied()
                .find(|&c| c >= from + 8)
                .unwrap_or(old.len());
            let new = format!("{}{}{}", &old[..from], other, &old[to..]);
            (old, new)
        })
}

fn normalised(source: &str) -> String {
    blocks(source)
        .into_iter()
        .map(|b| b.text)
        .collect::<Vec<_>>()
        .join("\n\n")
}

/// Applies `diff` as a patch to the blocks of `old`: every block the diff says was on the
/// old side must be the next old block, and the new side is what the diff keeps, changes
/// to and adds. Returns the new blocks joined like `ProseDiff::new_text`, or what went
/// wrong.
fn apply(old: &str, diff: &quire_prose::ProseDiff) -> Result<String, String> {
    let mut old_blocks = blocks(old).into_iter().map(|b| b.text);
    let mut out = Vec::new();
    let mut expect_old = |text: &str| match old_blocks.next() {
        Some(b) if b == text => Ok(()),
        Some(b) => Err(format!(
            "diff's old block {text:?} is {b:?} in the old text"
        )),
        None => Err(format!(
            "diff's old block {text:?} is past the old text's end"
        )),
    };
    for block in &diff.blocks {
        match block {
            BlockDiff::Unchanged { text, .. } => {
                expect_old(text)?;
                out.push(text.clone());
            }
            BlockDiff::Removed { text, .. } => expect_old(text)?,
            BlockDiff::Added { text, .. } => out.push(text.clone()),
            BlockDiff::Changed { spans, .. } => {
                let mut before = String::new();
                let mut after = String::new();
                for span in spans {
                    if span.text.is_empty() {
                        return Err("an empty span".into());
                    }
                    match span.op {
                        SpanOp::Equal => {
                            before.push_str(&span.text);
                            after.push_str(&span.text);
                        }
                        SpanOp::Delete => before.push_str(&span.text),
                        SpanOp::Insert => after.push_str(&span.text),
                    }
                }
                expect_old(&before)?;
                out.push(after);
            }
        }
    }
    if let Some(left) = old_blocks.next() {
        return Err(format!("old block {left:?} is missing from the diff"));
    }
    Ok(out.join("\n\n"))
}

fn options(pick: u8) -> DiffOptions {
    let base = DiffOptions {
        timeout: None,
        ..DiffOptions::default()
    };
    match pick % 5 {
        0 | 1 => base,
        2 => DiffOptions {
            max_words: 3,
            ..base
        },
        3 => DiffOptions {
            max_blocks: 2,
            max_block_pairs_words: 10,
            ..base
        },
        _ => DiffOptions {
            min_similarity: 0.0,
            ..base
        },
    }
}

/// Every tag in an HTML fragment, as the text between `<` and `>`.
fn tags(html: &str) -> Vec<&str> {
    html.split('<')
        .skip(1)
        .map(|rest| rest.split_once('>').map_or(rest, |(tag, _)| tag))
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 1_000, ..ProptestConfig::default() })]

    /// Applying a computed diff to the old text gives the new text (both
    /// block-normalised), under the default limits and under tight ones.
    #[test]
    fn applying_the_diff_to_the_old_text_gives_the_new_text(
        (old, new) in old_and_new(),
        pick in any::<u8>(),
    ) {
        let d = diff_with(&old, &new, &options(pick));
        prop_assert_eq!(apply(&old, &d), Ok(normalised(&new)));
        prop_assert_eq!(d.old_text(), normalised(&old));
        prop_assert_eq!(d.new_text(), normalised(&new));
        prop_assert_eq!(d.is_empty(), normalised(&old) == normalised(&new));
    }

    /// A text diffed against itself has no change, and applying it changes nothing.
    #[test]
    fn a_text_diffed_with_itself_is_unchanged(text in markdownish()) {
        let d = diff_with(&text, &text, &options(0));
        prop_assert!(d.is_empty());
        prop_assert_eq!(apply(&text, &d), Ok(normalised(&text)));
    }

    /// `render_html` writes only `div` (with a class), `ins` and `del` tags, balanced, and
    /// no raw `<`, `>`, `"` or `'` from the input.
    #[test]
    fn render_html_emits_only_div_ins_and_del((old, new) in old_and_new()) {
        let html = render_html(&diff_with(&old, &new, &options(0)));
        let mut open = Vec::new();
        for tag in tags(&html) {
            match tag {
                "ins" | "del" => open.push(tag),
                "/ins" | "/del" | "/div" => prop_assert_eq!(open.pop(), Some(&tag[1..]), "{}", html),
                _ => {
                    let class = tag.strip_prefix("div class=\"block block-").and_then(|t| t.strip_suffix('"'));
                    prop_assert!(
                        class.is_some_and(|c| c.chars().all(|c| c.is_ascii_lowercase() || c == '_' || c == ' ')),
                        "tag <{}> in {}", tag, html
                    );
                    open.push("div");
                }
            }
        }
        prop_assert!(open.is_empty(), "unclosed {:?} in {}", open, html);
        // Outside the tags, no character that could start or end markup or an attribute.
        let text: String = html
            .split('<')
            .enumerate()
            .map(|(k, part)| if k == 0 { part } else { part.split_once('>').map_or("", |(_, t)| t) })
            .collect();
        prop_assert!(!text.contains(['<', '>', '"', '\'']), "{}", html);
    }
}
