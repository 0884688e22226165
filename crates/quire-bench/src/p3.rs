//! `quire-bench p3`: incremental mergeability after `main` advances, against checking
//! every open proposal with `git merge-tree --write-tree --stdin` in one batch.
//!
//! On a shared clone of a fixture (objects borrowed through git's alternates, refs
//! copied), it indexes the proposals, checks the first `--open` open ones (cold), merges
//! one more proposal that changes one section (a real merge through quire-core), and then
//! times bringing those results up to date: follow the journal, keep the results of
//! proposals that do not touch the changed section, check the rest again. The reference
//! is one `git merge-tree --stdin` process checking the same proposals against the new
//! `main` (each line names the revision's base as merge base, as quire does).

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

use anyhow::{bail, Context as _};
use quire_core::index::{MergeIndex, MergeState, ProposalIndex};
use quire_core::{Identity, Library, NewProposal, SectionId, Status, Verdict};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The fixture: a data directory with library.git (from gen-fixture)
    #[arg(long, value_name = "DIR")]
    data: PathBuf,
    /// How many open proposals to keep results for
    #[arg(long, default_value_t = 10_000)]
    open: usize,
    /// The section the new commit on main changes
    #[arg(long, default_value = "usability")]
    section: String,
    /// Write the figures as JSON here too
    #[arg(long, value_name = "FILE")]
    json: Option<PathBuf>,
}

pub fn run(a: Args) -> anyhow::Result<()> {
    let src = a.data.join("library.git");
    if !src.join("HEAD").exists() {
        bail!(
            "{} is not a data directory with library.git",
            a.data.display()
        );
    }
    let tmp = tempfile::tempdir().context("temp dir")?;
    let lib_path = tmp.path().join("library.git");
    git(
        None,
        &[
            "clone",
            "--mirror",
            "--shared",
            "--quiet",
            &src.to_string_lossy(),
            &lib_path.to_string_lossy(),
        ],
    )?;
    // As the server runs (see quire_server::AppState::open).
    quire_core::verify_object_hashes(false);
    let lib = Library::open_no_repair(&lib_path)?;

    let t = Instant::now();
    let mut index = ProposalIndex::build(&lib)?;
    let index_ms = ms(t);
    let open: Vec<_> = index
        .iter()
        .filter(|s| s.status == Status::Open)
        .take(a.open)
        .map(|s| (s.number, s.commit.clone(), s.base.clone()))
        .collect();
    if open.len() < a.open {
        eprintln!(
            "note: the fixture has {} open proposals; using all of them",
            open.len()
        );
    }
    let mut merges = MergeIndex::default();
    merges.advance(&lib)?;
    let t = Instant::now();
    for (n, commit, base) in &open {
        merges.check(&lib, *n, commit, base)?;
    }
    let cold_ms = ms(t);

    // Advance main: one proposal changing one section, approved and merged for real.
    let who: Identity = "Bench Maintainer <bench@example.org>".parse()?;
    let id = SectionId::new(&a.section)?;
    let text = lib.section(id.as_str(), "main")?.text;
    let p = lib.propose(&NewProposal {
        title: "Benchmark change".into(),
        rationale: "Moves main by one section.".into(),
        author: who.clone(),
        changes: vec![(id.clone(), format!("{text}\nOne more paragraph for P3.\n"))],
        base: None,
    })?;
    // Another person approves: an author's own approval does not count.
    let reviewer: Identity = "Bench Reviewer <bench.reviewer@example.org>".parse()?;
    lib.review(p.number, &reviewer, Verdict::Approved, "")?;
    lib.merge(p.number, &who)?;

    // Quire: bring the results up to date.
    let t = Instant::now();
    index.refresh(&lib)?;
    let advance = merges.advance(&lib)?;
    merges.retain_current(&index);
    let bookkeeping_ms = ms(t);
    let mut rechecked = 0;
    for (n, commit, base) in &open {
        if merges.state(*n, commit).is_none() {
            merges.check(&lib, *n, commit, base)?;
            rechecked += 1;
        }
    }
    let incremental_ms = ms(t);
    let quire_clean = open
        .iter()
        .filter(|(n, c, _)| merges.state(*n, c) == Some(MergeState::Clean))
        .count();

    // The reference: one git merge-tree batch over the same proposals.
    let main = lib.main()?.0;
    let mut input = String::new();
    for (_, commit, base) in &open {
        input.push_str(&format!("{} -- {main} {}\n", base.0, commit.0));
    }
    let t = Instant::now();
    let out = git_stdin(
        &lib_path,
        &[
            "merge-tree",
            "--write-tree",
            "--stdin",
            "--name-only",
            "--no-messages",
            "-z",
        ],
        input.as_bytes(),
    )?;
    let git_ms = ms(t);
    let git_clean = count_clean(&out, open.len());

    let ratio = git_ms / incremental_ms.max(1e-9);
    let table = format!(
        "| proposals kept | changed paths | kept | dropped | re-checked | quire up to date | git merge-tree batch | ratio | clean (quire / git) |\n\
         |---|---|---|---|---|---|---|---|---|\n\
         | {} | {} | {} | {} | {} | {:.1} ms | {:.1} ms | {:.1}× | {} / {} |\n",
        open.len(),
        advance.changed_paths,
        advance.kept,
        advance.dropped,
        rechecked,
        incremental_ms,
        git_ms,
        ratio,
        quire_clean,
        git_clean,
    );
    println!(
        "up to date in {incremental_ms:.1} ms: {bookkeeping_ms:.1} ms to follow the journal and keep what still holds, the rest re-checking {rechecked}"
    );
    println!(
        "index built in {index_ms:.0} ms ({} proposals); cold check of {} open proposals: {cold_ms:.0} ms ({:.0} µs each)",
        index.len(),
        open.len(),
        cold_ms * 1000.0 / open.len().max(1) as f64
    );
    print!("{table}");
    if quire_clean != git_clean {
        eprintln!("warning: quire and git disagree on how many merge cleanly");
    }
    if let Some(file) = a.json {
        let v = serde_json::json!({
            "proposals": open.len(),
            "index_ms": index_ms,
            "cold_check_ms": cold_ms,
            "changed_paths": advance.changed_paths,
            "kept": advance.kept,
            "dropped": advance.dropped,
            "rechecked": rechecked,
            "incremental_ms": incremental_ms,
            "bookkeeping_ms": bookkeeping_ms,
            "git_merge_tree_ms": git_ms,
            "ratio": ratio,
            "clean_quire": quire_clean,
            "clean_git": git_clean,
        });
        std::fs::write(&file, serde_json::to_string_pretty(&v)?)
            .with_context(|| format!("writing {}", file.display()))?;
    }
    Ok(())
}

fn ms(t: Instant) -> f64 {
    t.elapsed().as_secs_f64() * 1000.0
}

/// Clean merges in `git merge-tree --stdin -z` output: each merge's section starts with
/// its status (`1` clean, `0` conflicted) then the tree id, NUL-separated; sections end
/// with an empty field.
fn count_clean(out: &[u8], merges: usize) -> usize {
    let fields: Vec<&[u8]> = out.split(|b| *b == 0).collect();
    let mut clean = 0;
    let mut i = 0;
    let mut seen = 0;
    while i < fields.len() && seen < merges {
        let status = fields[i];
        if status == b"1" {
            clean += 1;
        }
        seen += 1;
        // Skip status, tree and conflicted names up to the empty field ending the section.
        i += 2;
        while i < fields.len() && !fields[i].is_empty() {
            i += 1;
        }
        i += 1;
    }
    clean
}

fn git(dir: Option<&Path>, args: &[&str]) -> anyhow::Result<()> {
    let mut cmd = Command::new("git");
    if let Some(d) = dir {
        cmd.arg("-C").arg(d);
    }
    let status = cmd.args(args).status().context("running git")?;
    if !status.success() {
        bail!("git {} failed", args.join(" "));
    }
    Ok(())
}

fn git_stdin(dir: &Path, args: &[&str], input: &[u8]) -> anyhow::Result<Vec<u8>> {
    let mut child = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .context("running git merge-tree")?;
    let mut stdin = child.stdin.take().context("stdin")?;
    let input = input.to_vec();
    let writer = std::thread::spawn(move || stdin.write_all(&input));
    let out = child.wait_with_output().context("git merge-tree")?;
    writer
        .join()
        .map_err(|_| anyhow::anyhow!("writer panicked"))??;
    if !out.status.success() {
        bail!(
            "git merge-tree failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    Ok(out.stdout)
}
