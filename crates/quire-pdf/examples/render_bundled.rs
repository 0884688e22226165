//! Times the print edition of the bundled resource: creates a library from the bundle in a
//! temporary directory, merges one sample proposal, publishes `spring-2027`, then renders
//! its PDF a few times and prints the timings.
//!
//! ```text
//! cargo run --release -p quire-pdf --example render_bundled [OUT.pdf]
//! ```

use std::time::Instant;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = tempfile::tempdir()?;
    let who: quire_core::Identity = "Ada Editor <ada@example.org>".parse()?;
    let reviewer: quire_core::Identity = "Sam Okoro <sam@example.org>".parse()?;
    let (lib, opened) = quire_bundled::init_library(&dir.path().join("library.git"), &who)?;
    let n = *opened.first().ok_or("the bundle has sample proposals")?;
    lib.review(n, &reviewer, quire_core::Verdict::Approved, "")?;
    lib.merge(n, &who)?;
    lib.publish("spring-2027", "Spring 2027", "", &who)?;

    let mut pdf = Vec::new();
    for run in 1..=5 {
        let start = Instant::now();
        pdf = quire_pdf::render_edition_pdf(&lib, "spring-2027")?;
        println!(
            "run {run}: {:.0} ms, {} KB",
            start.elapsed().as_secs_f64() * 1000.0,
            pdf.len().div_ceil(1024)
        );
    }
    if let Some(out) = std::env::args().nth(1) {
        std::fs::write(&out, &pdf)?;
        println!("wrote {out}");
    }
    Ok(())
}
