//! The diff renderers on diffs of arbitrary text. `render_html` emits no tag but `div`,
//! `ins` and `del`, no attribute but `class`, balanced tags, and every `<`, `>`, `"` and
//! `'` outside its own markup escaped; `render_text` and `render_text_with_context` never
//! panic and end with a newline unless empty.
#![no_main]

use libfuzzer_sys::fuzz_target;
use quire_prose::{diff, render_html, render_text, render_text_with_context, TextStyle};

/// Checks the fragment tag by tag. Between tags there may be no raw `>`, `"` or `'`
/// (all text is escaped), and each tag must be one of the few the renderer writes.
fn check_html(html: &str) {
    let mut depth: Vec<&str> = Vec::new();
    let mut rest = html;
    while let Some(open) = rest.find('<') {
        let text = &rest[..open];
        assert!(
            !text.contains(['>', '"', '\'']),
            "unescaped text {text:?} in {html}"
        );
        let after = &rest[open..];
        let close = after
            .find('>')
            .unwrap_or_else(|| panic!("unclosed tag in {html}"));
        let tag = &after[..=close];
        if let Some(name) = tag.strip_prefix("</").and_then(|t| t.strip_suffix('>')) {
            assert!(["div", "ins", "del"].contains(&name), "tag {tag} in {html}");
            assert_eq!(depth.pop(), Some(name), "unbalanced {tag} in {html}");
        } else if tag == "<ins>" || tag == "<del>" {
            depth.push(&tag[1..4]);
        } else {
            let class = tag
                .strip_prefix("<div class=\"block block-")
                .and_then(|t| t.strip_suffix("\">"))
                .unwrap_or_else(|| panic!("tag {tag} in {html}"));
            assert!(
                class
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c == '_' || c == ' '),
                "class {class:?} in {html}"
            );
            depth.push("div");
        }
        rest = &after[close + 1..];
    }
    assert!(!rest.contains(['>', '"', '\'']), "unescaped text in {html}");
    assert!(depth.is_empty(), "unclosed {depth:?} in {html}");
}

fuzz_target!(|input: (&str, &str, u8)| {
    let (old, new, context) = input;
    let d = diff(old, new);
    check_html(&render_html(&d));
    for text in [
        render_text(&d, &TextStyle::PLAIN),
        render_text(&d, &TextStyle::ANSI),
        render_text_with_context(&d, &TextStyle::PLAIN, usize::from(context % 4)),
    ] {
        assert!(text.is_empty() || text.ends_with('\n'));
    }
});
