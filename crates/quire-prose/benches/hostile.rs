//! The trust issue's denial-of-service inputs, at the largest size a section may have
//! (512 KiB), through the one rendering of user Markdown (`safe_html`) and the preview's
//! prose diff. Before the block-by-block rendering, `"<div>" * 50k` took 11 to 47 s in
//! ammonia; the bound now is under 1 s per input. The step-by-step breakdown, with the old
//! one-piece rendering beside it, is `cargo run --release -p quire-prose --example hostile`.
//!
//! Run with `cargo bench -p quire-prose --bench hostile`.

#![allow(clippy::unwrap_used)]

use std::hint::black_box;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion};
use quire_prose::{diff, render_html, safe_html};

const MAX: usize = 512 * 1024;

/// `unit` repeated after a title, cut to the largest section size.
fn fill(unit: &str) -> String {
    let mut s = format!("# T\n\n{}", unit.repeat(MAX / unit.len()));
    s.truncate(MAX);
    while !s.is_char_boundary(s.len()) {
        s.pop();
    }
    s
}

fn hostile(c: &mut Criterion) {
    let inputs = [
        ("div_50k", format!("# T\n\n{}", "<div>".repeat(50_000))),
        ("div_max", fill("<div>")),
        ("strong_em_max", fill("**_")),
        ("backticks_max", fill("`a")),
        (
            "unclosed_links_max",
            fill("<a href=\"https://example.org\">x\n\n"),
        ),
        ("unclosed_styles_max", fill("<style>\n\nx\n\n")),
    ];
    let short = "# T\n\nA short section.\n";
    let mut g = c.benchmark_group("hostile");
    g.sample_size(10);
    g.measurement_time(Duration::from_secs(10));
    for (name, text) in &inputs {
        g.bench_function(format!("render/{name}"), |b| {
            b.iter(|| safe_html(black_box(text), ""))
        });
        g.bench_function(format!("preview_diff/{name}"), |b| {
            b.iter(|| render_html(&diff(black_box(short), black_box(text))))
        });
    }
    g.finish();
}

criterion_group!(benches, hostile);
criterion_main!(benches);
