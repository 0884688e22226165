//! Property-style tests: for many generated document pairs, the diff is faithful to both
//! texts and well-formed, whatever the limits. Uses a small seeded generator, so every run
//! checks the same cases and a failure names its seed.

use quire_prose::{blocks, diff_with, BlockDiff, DiffOptions, ProseDiff, SpanOp};

/// xorshift64*: small, seeded, good enough to vary test input.
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Rng {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }
    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
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
    "déjà",
    "ŵyr",
    "Gymraeg",
    "🎉",
    "👩‍🔧",
    "don't",
    "it's",
    "—",
    "&",
    "<b>",
    "</b>",
    "*soon*",
    "`code`",
    "[link](x)",
    "1.",
    "-",
    "#",
    ">",
    "|",
    "\"quoted\"",
    "e.g.",
    "naïve",
];
const PUNCT: &[&str] = &[".", ",", ";", ":", "!", "?", ""];

fn words(rng: &mut Rng, max: usize) -> String {
    let n = 1 + rng.below(max);
    let mut out = String::new();
    for k in 0..n {
        if k > 0 {
            out.push_str(if rng.chance(10) { "\n" } else { " " });
        }
        out.push_str(rng.pick(WORDS));
        if rng.chance(15) {
            out.push_str(rng.pick(PUNCT));
        }
    }
    // A line starting with "-", "#" or ">" would change the block's kind; allowed.
    out
}

fn block(rng: &mut Rng) -> String {
    match rng.below(12) {
        0 => format!(
            "{} {}",
            "#".repeat(1 + rng.below(3)),
            words(rng, 5).replace('\n', " ")
        ),
        1..=4 => words(rng, 30),
        5 | 6 => {
            let items = 1 + rng.below(4);
            (0..items)
                .map(|_| {
                    let mut item = format!("- {}", words(rng, 8).replace('\n', " "));
                    if rng.chance(20) {
                        item.push_str(&format!("\n  - {}", words(rng, 4).replace('\n', " ")));
                    }
                    item
                })
                .collect::<Vec<_>>()
                .join("\n")
        }
        7 => format!("```\n{}\n\n{}\n```", words(rng, 6), words(rng, 6)),
        8 => format!("> {}", words(rng, 10).replace('\n', "\n> ")),
        9 => "| a | b |\n|---|---|\n| 1 | 2 |".to_owned(),
        10 => rng
            .pick(&[
                "---",
                "[ref]: https://example.org",
                "<div>\nhtml\n</div>",
                "1. one\n2. two",
            ])
            .to_owned(),
        _ => words(rng, 3),
    }
}

fn document(rng: &mut Rng) -> Vec<String> {
    let n = rng.below(12);
    (0..n).map(|_| block(rng)).collect()
}

/// Edits a document: block moves, insertions, deletions and word edits.
fn edit(rng: &mut Rng, doc: &[String]) -> Vec<String> {
    let mut doc = doc.to_vec();
    for _ in 0..1 + rng.below(4) {
        let len = doc.len();
        match rng.below(8) {
            0 => doc.insert(rng.below(len + 1), block(rng)),
            1 if len > 0 => {
                doc.remove(rng.below(len));
            }
            2 if len > 1 => {
                let (a, b) = (rng.below(len), rng.below(len));
                doc.swap(a, b);
            }
            3 if len > 0 => {
                let k = rng.below(len);
                let copy = doc[k].clone();
                doc.insert(rng.below(len + 1), copy);
            }
            _ if len > 0 => {
                let k = rng.below(len);
                doc[k] = edit_words(rng, &doc[k]);
            }
            _ => doc.push(block(rng)),
        }
    }
    doc
}

fn edit_words(rng: &mut Rng, text: &str) -> String {
    let mut tokens: Vec<String> = text.split(' ').map(str::to_owned).collect();
    for _ in 0..1 + rng.below(3) {
        let k = rng.below(tokens.len());
        match rng.below(5) {
            0 => tokens[k] = rng.pick(WORDS).to_owned(),
            1 => tokens.insert(k, rng.pick(WORDS).to_owned()),
            2 if tokens.len() > 1 => {
                tokens.remove(k);
            }
            3 => tokens[k] = tokens[k].replace('\n', " "),
            _ => tokens[k].push_str(rng.pick(PUNCT)),
        }
    }
    tokens.join(if rng.chance(10) { "  " } else { " " })
}

fn join(doc: &[String], rng: &mut Rng) -> String {
    let mut text = doc.join("\n\n");
    if rng.chance(30) {
        text.push('\n');
    }
    if rng.chance(10) {
        text = text.replace('\n', "\r\n");
    }
    text
}

fn normalised(source: &str) -> String {
    blocks(source)
        .into_iter()
        .map(|b| b.text)
        .collect::<Vec<_>>()
        .join("\n\n")
}

fn count_words(text: &str) -> usize {
    text.split_whitespace().count()
}

/// Everything a diff promises, whatever its input.
fn assert_well_formed(old: &str, new: &str, d: &ProseDiff, seed: u64) {
    assert_eq!(
        d.old_text(),
        normalised(old),
        "seed {seed}: old side\n{d:#?}"
    );
    assert_eq!(
        d.new_text(),
        normalised(new),
        "seed {seed}: new side\n{d:#?}"
    );
    let mut added = (0, 0);
    let mut removed = (0, 0);
    let mut changed = 0;
    for block in &d.blocks {
        match block {
            BlockDiff::Unchanged { .. } => {}
            BlockDiff::Added { text, .. } => added = (added.0 + 1, added.1 + count_words(text)),
            BlockDiff::Removed { text, .. } => {
                removed = (removed.0 + 1, removed.1 + count_words(text))
            }
            BlockDiff::Changed { spans, .. } => {
                changed += 1;
                assert!(
                    spans.iter().any(|s| s.op != SpanOp::Equal),
                    "seed {seed}: a changed block without a change\n{d:#?}"
                );
                for span in spans {
                    assert!(!span.text.is_empty(), "seed {seed}: empty span\n{d:#?}");
                    match span.op {
                        SpanOp::Insert => added.1 += count_words(&span.text),
                        SpanOp::Delete => removed.1 += count_words(&span.text),
                        SpanOp::Equal => {}
                    }
                }
                for pair in spans.windows(2) {
                    assert_ne!(
                        pair[0].op, pair[1].op,
                        "seed {seed}: unmerged spans\n{d:#?}"
                    );
                    assert!(
                        !(pair[0].op == SpanOp::Insert && pair[1].op == SpanOp::Delete),
                        "seed {seed}: insert before delete\n{d:#?}"
                    );
                }
            }
        }
    }
    assert_eq!(
        (d.stats.blocks_added, d.stats.words_added),
        added,
        "seed {seed}"
    );
    assert_eq!(
        (d.stats.blocks_removed, d.stats.words_removed),
        removed,
        "seed {seed}"
    );
    assert_eq!(d.stats.blocks_changed, changed, "seed {seed}");
    assert_eq!(
        d.is_empty(),
        normalised(old) == normalised(new),
        "seed {seed}"
    );
}

fn no_deadline() -> DiffOptions {
    DiffOptions {
        timeout: None,
        ..DiffOptions::default()
    }
}

#[test]
fn generated_diffs_are_faithful() {
    let opts = no_deadline();
    for seed in 0..2_000 {
        let mut rng = Rng::new(seed);
        let old_doc = document(&mut rng);
        let new_doc = edit(&mut rng, &old_doc);
        let (old, new) = (join(&old_doc, &mut rng), join(&new_doc, &mut rng));
        let d = diff_with(&old, &new, &opts);
        assert_well_formed(&old, &new, &d, seed);
        assert!(!d.coarse, "seed {seed}: small input hit a limit");
        let same = diff_with(&old, &old, &opts);
        assert!(same.is_empty(), "seed {seed}");
    }
}

#[test]
fn generated_diffs_are_faithful_under_tight_limits() {
    let limits = [
        DiffOptions {
            max_words: 4,
            ..no_deadline()
        },
        DiffOptions {
            max_block_pairs_words: 40,
            ..no_deadline()
        },
        DiffOptions {
            max_blocks: 6,
            ..no_deadline()
        },
        DiffOptions {
            min_similarity: 0.0,
            ..no_deadline()
        },
        DiffOptions {
            min_similarity: 1.1,
            ..no_deadline()
        },
        DiffOptions {
            timeout: Some(std::time::Duration::ZERO),
            ..no_deadline()
        },
    ];
    for seed in 0..400 {
        let mut rng = Rng::new(10_000 + seed);
        let old_doc = document(&mut rng);
        let new_doc = edit(&mut rng, &old_doc);
        let (old, new) = (join(&old_doc, &mut rng), join(&new_doc, &mut rng));
        for opts in &limits {
            let d = diff_with(&old, &new, opts);
            assert_well_formed(&old, &new, &d, seed);
        }
    }
}

/// About 1 MB of Markdown: many sections of headings, paragraphs and lists.
fn big_document(rng: &mut Rng) -> Vec<String> {
    let mut doc = Vec::new();
    let mut size = 0;
    while size < 1_000_000 {
        let b = block(rng);
        size += b.len() + 2;
        doc.push(b);
    }
    doc
}

#[test]
fn one_megabyte_inputs_complete_faithfully() {
    let mut rng = Rng::new(7);
    let old_doc = big_document(&mut rng);
    let old = old_doc.join("\n\n");
    assert!(old.len() >= 1_000_000);

    // Scattered edits.
    let mut new_doc = old_doc.clone();
    for _ in 0..200 {
        let k = rng.below(new_doc.len());
        new_doc[k] = edit_words(&mut rng, &new_doc[k]);
    }
    let new = new_doc.join("\n\n");
    let d = diff_with(&old, &new, &no_deadline());
    assert_well_formed(&old, &new, &d, 7);
    assert!(d.stats.blocks_changed > 0);

    // Two unrelated documents.
    let other = big_document(&mut rng).join("\n\n");
    let d = diff_with(&old, &other, &no_deadline());
    assert_well_formed(&old, &other, &d, 7);

    // One huge paragraph: too many words to diff word by word.
    let plain = [
        "the", "council", "fixes", "café", "ŵyr", "roads,", "quickly.",
    ];
    let paragraph = (0..170_000)
        .map(|_| plain[rng.below(plain.len())])
        .collect::<Vec<_>>()
        .join(" ");
    assert!(paragraph.len() >= 1_000_000);
    assert_eq!(blocks(&paragraph).len(), 1);
    let edited = paragraph.replacen("council", "COUNCIL", 3);
    let d = diff_with(&paragraph, &edited, &no_deadline());
    assert!(d.coarse);
    assert_well_formed(&paragraph, &edited, &d, 7);
}
