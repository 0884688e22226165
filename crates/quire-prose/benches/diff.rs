//! P6: the full prose diff (block alignment, pairing, word diff, then HTML) against
//! `similar`'s bare patience word diff of the same pair, in the same run; and a 1 MB pair
//! with many changes, to show the whole diff stays within its cap.
//!
//! Run with `cargo bench -p quire-prose --bench diff`.

#![allow(clippy::unwrap_used)]

use std::hint::black_box;
use std::path::Path;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion};
use quire_prose::{diff, render_html};
use similar::{Algorithm, TextDiff};

/// `text` with `from` replaced by `to` (which must occur exactly once).
fn edit(text: &str, from: &str, to: &str) -> String {
    assert_eq!(text.matches(from).count(), 1, "{from:?} should occur once");
    text.replacen(from, to, 1)
}

/// The bundled `usability` section (about 2.5 KB) and a realistic edit of it: a few words
/// changed in two paragraphs.
fn section_pair() -> (String, String) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../resource/sections/usability.md");
    let old = std::fs::read_to_string(path).expect("read resource/sections/usability.md");
    let new = edit(
        &old,
        "Most people will not read instructions.",
        "Most residents will never read the instructions.",
    );
    let new = edit(
        &new,
        "Testing with five users will usually uncover",
        "Testing with five or six users will often uncover",
    );
    (old, new)
}

const WORDS: &[&str] = &[
    "the",
    "council",
    "fixes",
    "repairs",
    "potholes",
    "roads",
    "quickly",
    "and",
    "a",
    "of",
    "café",
    "ŵyr",
    "don't",
    "street",
    "lights",
    "report",
    "online",
    "within",
    "days",
    "people",
    "service",
    "residents",
    "form",
    "test",
    "users",
    "digital",
    "money",
    "phone",
    "staff",
];

struct Rng(u64);

impl Rng {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        usize::try_from(self.0 % n as u64).expect("fits")
    }
    fn sentence(&mut self, n: usize) -> String {
        let words: Vec<&str> = (0..n).map(|_| WORDS[self.below(WORDS.len())]).collect();
        format!("{}.", words.join(" "))
    }
}

/// About 1 MB of Markdown (headings, paragraphs of ~60 words, list items) and an edit of it
/// with many changes: every 4th block has words replaced and appended, every 37th block is
/// removed and a new paragraph is inserted after every 41st.
fn megabyte_pair() -> (String, String) {
    let mut rng = Rng(0x1234_5678_9abc_def1);
    let mut blocks = Vec::new();
    let mut len = 0;
    let mut section = 0;
    while len < 1_000_000 {
        let block = match blocks.len() % 8 {
            0 => {
                section += 1;
                format!("## Section {section}")
            }
            1..=4 => rng.sentence(60),
            _ => format!("- {}", rng.sentence(8)),
        };
        len += block.len() + 2;
        blocks.push(block);
    }
    let mut edited = Vec::new();
    for (k, b) in blocks.iter().enumerate() {
        if k % 37 == 5 {
            continue;
        }
        if k % 4 == 1 {
            edited.push(b.replacen("the", "THE", 1).replacen("council", "parish", 1) + " More.");
        } else {
            edited.push(b.clone());
        }
        if k % 41 == 3 {
            edited.push(rng.sentence(40));
        }
    }
    (blocks.join("\n\n"), edited.join("\n\n"))
}

/// The full prose diff as the proposal pages use it: diff, then the HTML fragment.
fn prose_diff_html(old: &str, new: &str) -> String {
    render_html(&diff(old, new))
}

/// `similar`'s bare patience diff over Unicode words, its ops iterated.
fn similar_words(old: &str, new: &str) -> usize {
    let d = TextDiff::configure()
        .algorithm(Algorithm::Patience)
        .diff_unicode_words(old, new);
    let mut n = 0;
    for op in d.ops() {
        n += black_box(op).new_range().len();
    }
    n
}

fn bench_section(c: &mut Criterion) {
    let (old, new) = section_pair();
    let d = diff(&old, &new);
    assert_eq!(d.stats.blocks_changed, 2, "the edit changes two paragraphs");
    assert!(!d.coarse);

    let mut g = c.benchmark_group("p6_section");
    g.measurement_time(Duration::from_secs(4))
        .warm_up_time(Duration::from_secs(1))
        .sample_size(50);
    g.bench_function("prose_diff_and_html", |b| {
        b.iter(|| prose_diff_html(black_box(&old), black_box(&new)))
    });
    g.bench_function("prose_diff_only", |b| {
        b.iter(|| diff(black_box(&old), black_box(&new)))
    });
    g.bench_function("similar_patience_words", |b| {
        b.iter(|| similar_words(black_box(&old), black_box(&new)))
    });
    g.finish();
}

fn bench_megabyte(c: &mut Criterion) {
    let (old, new) = megabyte_pair();
    let d = diff(&old, &new);
    println!(
        "1 MB pair: {} and {} bytes; {} blocks changed, {} added, {} removed, coarse={}",
        old.len(),
        new.len(),
        d.stats.blocks_changed,
        d.stats.blocks_added,
        d.stats.blocks_removed,
        d.coarse
    );
    let mut g = c.benchmark_group("p6_1mb");
    g.measurement_time(Duration::from_secs(5))
        .warm_up_time(Duration::from_secs(1))
        .sample_size(10);
    g.bench_function("prose_diff_and_html", |b| {
        b.iter(|| prose_diff_html(black_box(&old), black_box(&new)))
    });
    g.bench_function("similar_patience_words", |b| {
        b.iter(|| similar_words(black_box(&old), black_box(&new)))
    });
    g.finish();
}

criterion_group!(benches, bench_section, bench_megabyte);
criterion_main!(benches);
