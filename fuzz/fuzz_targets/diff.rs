//! The Markdown block aligner and word diff (`quire_prose::diff_with`) on two arbitrary
//! texts: never panics, and the diff is faithful: `old_text()`/`new_text()` rebuild both
//! texts, block-normalised. The first byte picks the limits, so the coarse paths (too
//! many words, blocks or block pairs; a similarity threshold nothing or everything
//! meets) are fuzzed as well as the full one.
#![no_main]

use libfuzzer_sys::fuzz_target;
use quire_prose::{blocks, diff_with, DiffOptions};

fn normalised(source: &str) -> String {
    blocks(source)
        .into_iter()
        .map(|b| b.text)
        .collect::<Vec<_>>()
        .join("\n\n")
}

fn options(pick: u8) -> DiffOptions {
    let base = DiffOptions {
        timeout: None,
        ..DiffOptions::default()
    };
    match pick % 6 {
        0 | 1 => base,
        2 => DiffOptions {
            max_words: 4,
            ..base
        },
        3 => DiffOptions {
            max_blocks: 3,
            ..base
        },
        4 => DiffOptions {
            max_block_pairs_words: 20,
            ..base
        },
        _ => DiffOptions {
            min_similarity: if pick & 0x80 == 0 { 0.0 } else { 1.1 },
            ..base
        },
    }
}

fuzz_target!(|input: (u8, &str, &str)| {
    let (pick, old, new) = input;
    let d = diff_with(old, new, &options(pick));
    assert_eq!(d.old_text(), normalised(old), "old side");
    assert_eq!(d.new_text(), normalised(new), "new side");
    assert_eq!(d.is_empty(), normalised(old) == normalised(new));
});
