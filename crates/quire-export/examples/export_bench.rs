//! Times exporting the bundled Digital Insights: a library from the bundle with its six
//! sample proposals merged between two editions, then each export of the second edition.
//!
//! `cargo run --release -p quire-export --example export_bench`

use std::time::Instant;

use quire_core::{Identity, Verdict};
use quire_export::{export_markdown, export_single_html, export_site, SiteOptions};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = tempfile::tempdir()?;
    let founder: Identity = "Quire Founder <founder@example.org>".parse()?;
    let maintainer: Identity = "Mia Maintainer <mia@example.org>".parse()?;
    let (lib, opened) = quire_bundled::init_library(&dir.path().join("library.git"), &founder)?;
    lib.publish("2027.1", "Spring 2027 edition", "", &maintainer)?;
    for n in [opened[0], opened[1], opened[3], opened[5]] {
        lib.review(n, &maintainer, Verdict::Approved, "")?;
        lib.merge(n, &maintainer)?;
    }
    lib.publish("2027.2", "Autumn 2027 edition", "", &maintainer)?;

    let runs = 10;
    let mut best = f64::MAX;
    let mut report = None;
    for i in 0..runs {
        let out = dir.path().join(format!("site-{i}"));
        let t = Instant::now();
        report = Some(export_site(
            &lib,
            "2027.2",
            &out,
            &SiteOptions::default(),
            &mut |_| {},
        )?);
        best = best.min(t.elapsed().as_secs_f64());
    }
    let r = report.expect("ran at least once");
    println!(
        "site:     {:>7.1} ms  ({} files, {} KB; best of {runs})",
        best * 1e3,
        r.files,
        r.bytes / 1024
    );
    let t = Instant::now();
    let html = export_single_html(&lib, "2027.2")?;
    println!(
        "html:     {:>7.1} ms  ({} KB)",
        t.elapsed().as_secs_f64() * 1e3,
        html.len() / 1024
    );
    let t = Instant::now();
    let md = export_markdown(
        &lib,
        "2027.2",
        &dir.path().join("md"),
        &SiteOptions::default(),
        &mut |_| {},
    )?;
    println!(
        "markdown: {:>7.1} ms  ({} files)",
        t.elapsed().as_secs_f64() * 1e3,
        md.files
    );
    Ok(())
}
