//! Times `blocks` and `diff` on about 1 MB of Markdown in a few shapes.
//!
//! Run with `cargo run --release -p quire-prose --example bench`. Not a test: timings
//! depend on the machine.

use std::hint::black_box;
use std::time::{Duration, Instant};

use quire_prose::{blocks, diff, DiffOptions, ProseDiff};

const WORDS: &[&str] = &[
    "the", "council", "fixes", "repairs", "potholes", "roads", "quickly", "and", "a", "of", "café",
    "ŵyr", "🎉", "don't", "street", "lights", "report", "online", "within", "days",
];

struct Rng(u64);

impl Rng {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % n as u64) as usize
    }
    fn sentence(&mut self, n: usize) -> String {
        let words: Vec<&str> = (0..n).map(|_| WORDS[self.below(WORDS.len())]).collect();
        format!("{}.", words.join(" "))
    }
}

/// About `size` bytes of sections with headings, paragraphs and list items.
fn document(rng: &mut Rng, size: usize, paragraph_words: usize) -> Vec<String> {
    let mut blocks = Vec::new();
    let mut len = 0;
    let mut section = 0;
    while len < size {
        let block = match blocks.len() % 8 {
            0 => {
                section += 1;
                format!("## Section {section}")
            }
            1..=4 => rng.sentence(paragraph_words),
            _ => format!("- {}", rng.sentence(8)),
        };
        len += block.len() + 2;
        blocks.push(block);
    }
    blocks
}

fn time(name: &str, old: &str, new: &str) {
    let runs = 5;
    let mut best = Duration::MAX;
    let mut last: Option<ProseDiff> = None;
    for _ in 0..runs {
        let start = Instant::now();
        let d = black_box(diff(old, new));
        best = best.min(start.elapsed());
        last = Some(d);
    }
    let d = last.expect("ran at least once");
    println!(
        "{name:<44} {:>7.1} ms  coarse={:<5} blocks={} changed={} added={} removed={}",
        best.as_secs_f64() * 1e3,
        d.coarse,
        d.blocks.len(),
        d.stats.blocks_changed,
        d.stats.blocks_added,
        d.stats.blocks_removed,
    );
}

fn main() {
    let mut rng = Rng(0x1234_5678_9abc_def1);
    let doc = document(&mut rng, 1_000_000, 60);
    let old = doc.join("\n\n");
    println!(
        "old: {} bytes, {} blocks; defaults {:?}",
        old.len(),
        doc.len(),
        DiffOptions::default()
    );

    let start = Instant::now();
    let n = black_box(blocks(&old)).len();
    println!(
        "blocks() of 1 MB: {:.1} ms ({n} blocks)",
        start.elapsed().as_secs_f64() * 1e3
    );

    time("identical", &old, &old);

    let mut edited = doc.clone();
    for k in (0..edited.len()).step_by(50) {
        edited[k] = edited[k].replacen("the", "THE", 1) + " More.";
    }
    time("every 50th block edited", &old, &edited.join("\n\n"));

    let every: Vec<String> = doc
        .iter()
        .map(|b| b.replacen(' ', "  ", 1) + " x")
        .collect();
    time("every block edited", &old, &every.join("\n\n"));

    let other = document(&mut rng, 1_000_000, 60).join("\n\n");
    time("unrelated documents", &old, &other);

    let mut shuffled = doc.clone();
    for k in 0..shuffled.len() {
        let j = rng.below(shuffled.len());
        shuffled.swap(k, j);
    }
    time("same blocks shuffled", &old, &shuffled.join("\n\n"));

    let mut reversed = doc.clone();
    reversed.reverse();
    time("same blocks reversed", &old, &reversed.join("\n\n"));

    let lists = document(&mut rng, 1_000_000, 6);
    let mut lists_edited = lists.clone();
    for k in (0..lists_edited.len()).step_by(7) {
        lists_edited[k].push_str(" extra");
    }
    time(
        "short blocks, every 7th edited",
        &lists.join("\n\n"),
        &lists_edited.join("\n\n"),
    );

    let one = old.replace("\n\n", "\n").replace(['#', '-'], "x");
    time(
        "one 1 MB paragraph, one word changed",
        &one,
        &one.replacen("council", "COUNCIL", 1),
    );

    let big_a = rng.sentence(5_000);
    let big_b = rng.sentence(5_000);
    time("two unrelated 5,000-word paragraphs", &big_a, &big_b);

    let big_c = big_a.replace("council", "parish");
    time("5,000-word paragraph, word replaced", &big_a, &big_c);
}
