//! Time of rendering and diffing hostile texts of the largest size Quire accepts (a
//! section is at most 512 KiB): where the time goes, step by step.
//!
//! `cargo run --release -p quire-prose --example hostile` prints, per input, the best of
//! three runs of: pulldown-cmark's HTML of the whole text (`to_html`), ammonia over that
//! HTML in one piece (how the server rendered before; one run, and skipped past 250 KB,
//! where it takes minutes), the safe block-by-block rendering
//! used now (`safe_html`), and the prose diff against a short section (`diff` +
//! `render_html`). `-- --quick` runs each input once.

#![allow(clippy::unwrap_used)]

use std::time::{Duration, Instant};

fn best<T>(runs: usize, mut f: impl FnMut() -> T) -> Duration {
    (0..runs)
        .map(|_| {
            let t = Instant::now();
            std::hint::black_box(f());
            t.elapsed()
        })
        .min()
        .unwrap()
}

fn main() {
    let quick = std::env::args().any(|a| a == "--quick");
    let runs = if quick { 1 } else { 3 };
    let max = 512 * 1024;
    let fit = |s: String| -> String {
        let mut s = s;
        s.truncate(max);
        while !s.is_char_boundary(s.len()) {
            s.pop();
        }
        s
    };
    let n = |unit: &str| max / unit.len();
    let inputs: Vec<(&str, String)> = vec![
        ("<div>*10k", format!("# T\n\n{}", "<div>".repeat(10_000))),
        ("<div>*50k", format!("# T\n\n{}", "<div>".repeat(50_000))),
        (
            "<div>*max",
            fit(format!("# T\n\n{}", "<div>".repeat(n("<div>")))),
        ),
        ("<b>*max", fit(format!("# T\n\n{}", "<b>".repeat(n("<b>"))))),
        (
            "nested lists",
            fit((0..n("- x\n"))
                .map(|i| format!("{}- x\n", "  ".repeat(i % 2000)))
                .take_while({
                    let mut total = 0;
                    move |l| {
                        total += l.len();
                        total < max
                    }
                })
                .collect()),
        ),
        ("> * max", fit(format!("{}x", "> ".repeat(n("> "))))),
        ("* * max", fit("* ".repeat(n("* ")))),
        ("emphasis *a max", fit("*a ".repeat(n("*a ")))),
        ("emphasis **_ max", fit("**_".repeat(n("**_")))),
        ("[ * max", fit("[".repeat(max))),
        ("[a]( * max", fit("[a](".repeat(n("[a](")))),
        ("` * max", fit("`a".repeat(n("`a")))),
        (
            "unclosed <a> paras",
            fit("<a href=\"https://e.org\">x\n\n".repeat(n("<a href=\"https://e.org\">x\n\n"))),
        ),
        (
            "unclosed <style>",
            fit("<style>\n\nx\n\n".repeat(n("<style>\n\nx\n\n"))),
        ),
        ("words", fit("word ".repeat(n("word ")))),
    ];
    let old = "# T\n\nA short section.\n";
    println!(
        "{:<20} {:>8} {:>12} {:>14} {:>12} {:>10}",
        "input", "bytes", "to_html", "ammonia whole", "safe_html", "diff"
    );
    for (name, text) in &inputs {
        let to_html = best(runs, || quire_prose::to_html(text));
        let raw = quire_prose::to_html(text);
        // Quadratic in the nesting: 47 s for 50k unclosed `<div>`s, so run once and
        // only up to that.
        let whole = if text.len() <= 250_005 {
            Some(best(1, || {
                ammonia::Builder::default()
                    .url_schemes(["http", "https", "mailto"].into_iter().collect())
                    .clean(&raw)
                    .to_string()
            }))
        } else {
            None
        };
        let safe = best(runs, || quire_prose::safe_html(text, ""));
        let diff = best(runs, || {
            quire_prose::render_html(&quire_prose::diff(old, text))
        });
        let whole = whole.map_or("(skipped)".to_string(), |w| {
            format!("{:.1}ms", w.as_secs_f64() * 1e3)
        });
        println!(
            "{name:<20} {:>8} {:>10.1}ms {whole:>14} {:>10.1}ms {:>8.1}ms",
            text.len(),
            to_html.as_secs_f64() * 1e3,
            safe.as_secs_f64() * 1e3,
            diff.as_secs_f64() * 1e3,
        );
    }
}
