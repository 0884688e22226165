//! `quire-bench gen-fixture`: builds a large, realistic server data directory.
//!
//! `DIR/library.git` is a bare library in the format of docs/FORMAT.md: the bundled
//! resource as the first commit of `main`, then direct edits and merge commits of merged
//! proposals, edition tags along the way, and proposals of every status with revisions,
//! comments, reviews and full event logs. `quire serve --data-dir DIR` starts on it (it
//! creates `accounts.sqlite3` itself).
//!
//! The objects are streamed through two runs of `git fast-import` (see [`build`]); the
//! proposal states are quire-core's own [`quire_core::Proposal`] values serialised the way
//! the core does. At the end the library is opened with quire-core and a sample of each
//! status is checked.

mod build;
mod plan;
mod text;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use anyhow::{bail, ensure, Context, Result};
use quire_core::{Library, Status};

use plan::{Counts, Plan};

/// Flags of `quire-bench gen-fixture`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The data directory to create (`library.git` goes inside)
    #[arg(long)]
    pub out: PathBuf,
    /// How many proposals: about 60% open, 20% merged, 10% rejected, 10% withdrawn
    #[arg(long, default_value_t = 1000)]
    pub proposals: u64,
    /// How many commits on main in all, counting the first one; each merged proposal is
    /// one of them
    #[arg(long, default_value_t = 1000)]
    pub commits: u64,
    /// Seed of the generator: the same seed gives the same content
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Publish an edition every this many commits (default: a fifth of --commits, at
    /// most 10000)
    #[arg(long)]
    pub edition_every: Option<u64>,
    /// Replace `library.git` (and `accounts.sqlite3`) in an existing, non-empty --out
    #[arg(long)]
    pub force: bool,
    /// Generate nothing: time opening the library in --out and check a sample
    #[arg(long)]
    pub verify_only: bool,
}

pub fn run(args: Args) -> Result<()> {
    let library = args.out.join("library.git");
    if args.verify_only {
        return verify_existing(&library);
    }
    let start = Instant::now();
    let counts = Counts::of(args.proposals);
    ensure!(
        args.commits >= 1,
        "--commits must be at least 1 (the first commit)"
    );
    ensure!(
        args.commits <= u64::from(u32::MAX / 2),
        "--commits {} is too many",
        args.commits
    );
    if counts.merged + 1 > args.commits {
        bail!(
            "--commits {} is too few: {} of the {} proposals are merged, each as its own merge \
             commit on main after the first commit, so --commits must be at least {}",
            args.commits,
            counts.merged,
            args.proposals,
            counts.merged + 1
        );
    }
    prepare_out(&args.out, args.force)?;

    let commits = args.commits as u32;
    let every = args
        .edition_every
        .unwrap_or_else(|| (args.commits / 5).clamp(1, 10_000));
    let every = u32::try_from(every).unwrap_or(u32::MAX);
    let t = Instant::now();
    let mut plan = plan::plan(args.proposals, commits, args.seed, every);
    let planned = t.elapsed();

    let partial = args.out.join(".library.git.partial");
    if partial.exists() {
        std::fs::remove_dir_all(&partial)?;
    }
    let result = generate(&partial, &mut plan);
    if let Err(e) = result {
        let _ = std::fs::remove_dir_all(&partial);
        return Err(e);
    }
    let (history, records, waits) = result?;
    std::fs::rename(&partial, &library)
        .with_context(|| format!("moving the library into {}", library.display()))?;
    let generated = start.elapsed();

    println!(
        "generated {} in {:.1} s (planning {:.1} s, history {:.1} s, event logs {:.1} s; \
         of these, waiting for fast-import to finish after the stream: {:.1} s and {:.1} s)",
        library.display(),
        generated.as_secs_f64(),
        planned.as_secs_f64(),
        history.as_secs_f64(),
        records.as_secs_f64(),
        waits.0.as_secs_f64(),
        waits.1.as_secs_f64(),
    );
    verify(&library, Some(&plan))?;
    println!("total wall time {:.1} s", start.elapsed().as_secs_f64());
    Ok(())
}

/// Refuses a non-empty `out` unless forced; with `--force`, removes the library and the
/// account store there (nothing else).
fn prepare_out(out: &Path, force: bool) -> Result<()> {
    if out.exists() {
        ensure!(
            out.is_dir(),
            "{} exists and is not a directory",
            out.display()
        );
        let empty = out.read_dir()?.next().is_none();
        if !empty {
            if !force {
                bail!(
                    "{} exists and is not empty; give --force to replace its library.git and \
                     accounts.sqlite3",
                    out.display()
                );
            }
            let lib = out.join("library.git");
            if lib.exists() {
                std::fs::remove_dir_all(&lib)
                    .with_context(|| format!("removing {}", lib.display()))?;
            }
            for f in [
                "accounts.sqlite3",
                "accounts.sqlite3-wal",
                "accounts.sqlite3-shm",
            ] {
                let p = out.join(f);
                if p.exists() {
                    std::fs::remove_file(&p)?;
                }
            }
        }
    }
    std::fs::create_dir_all(out).with_context(|| format!("creating {}", out.display()))?;
    Ok(())
}

type Timings = (Duration, Duration, (Duration, Duration));

fn generate(repo: &Path, plan: &mut Plan) -> Result<Timings> {
    let res = build::bundled_resource()?;
    git(&[
        "init",
        "--bare",
        "--quiet",
        "--initial-branch=main",
        &repo.to_string_lossy(),
    ])?;
    let marks = repo.join("fixture-marks");
    let t = Instant::now();
    let wait1 = build::write_history(repo, plan, &res, &marks)?;
    let history = t.elapsed();
    let t = Instant::now();
    let ids = build::read_marks(&marks)?;
    std::fs::remove_file(&marks)?;
    let wait2 = build::write_records(repo, plan, &res, &ids)?;
    Ok((history, t.elapsed(), (wait1, wait2)))
}

fn git(args: &[&str]) -> Result<String> {
    let out = Command::new("git")
        .args(args)
        .output()
        .context("running git")?;
    ensure!(
        out.status.success(),
        "git {} failed: {}",
        args.join(" "),
        String::from_utf8_lossy(&out.stderr).trim()
    );
    Ok(String::from_utf8_lossy(&out.stdout).trim().to_string())
}

/// Loose ref files under `refs/` and lines of `packed-refs`.
fn count_refs(repo: &Path) -> (u64, u64) {
    let mut loose = 0;
    let mut stack = vec![repo.join("refs")];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else {
                loose += 1;
            }
        }
    }
    let packed = std::fs::read_to_string(repo.join("packed-refs"))
        .map(|t| {
            t.lines()
                .filter(|l| !l.starts_with('#') && !l.starts_with('^'))
                .count() as u64
        })
        .unwrap_or(0);
    (loose, packed)
}

/// (apparent bytes, bytes allocated on disk) of everything under `dir`.
fn disk_usage(dir: &Path) -> (u64, u64) {
    use std::os::unix::fs::MetadataExt;
    let (mut apparent, mut allocated) = (0, 0);
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            let Ok(m) = e.metadata() else { continue };
            if m.is_dir() {
                stack.push(e.path());
            } else {
                apparent += m.len();
                allocated += m.blocks() * 512;
            }
        }
    }
    (apparent, allocated)
}

fn mib(b: u64) -> f64 {
    b as f64 / (1024.0 * 1024.0)
}

fn verify_existing(library: &Path) -> Result<()> {
    verify(library, None)
}

/// Opens the library with quire-core, times it, checks a sample of proposals of each
/// status against the plan (or, without a plan, only reads them) and prints the figures.
fn verify(library: &Path, plan: Option<&Plan>) -> Result<()> {
    let t = Instant::now();
    let lib = Library::open_no_repair(library)?;
    let opened = t.elapsed();
    let t = Instant::now();
    let numbers = lib.proposal_numbers()?;
    let listed = t.elapsed();
    println!(
        "Library::open_no_repair {:.1} ms, proposal_numbers() {:.1} ms ({} proposals)",
        opened.as_secs_f64() * 1e3,
        listed.as_secs_f64() * 1e3,
        numbers.len()
    );
    if let Some(plan) = plan {
        ensure!(
            numbers.len() == plan.stories.len()
                && numbers
                    .iter()
                    .zip(1u64..)
                    .all(|(n, expected)| *n == expected),
            "expected proposals 1..={}, found {} numbers",
            plan.stories.len(),
            numbers.len()
        );
    }

    let t = Instant::now();
    let mut checked = 0;
    let mut seen = [0u64; 4];
    match plan {
        Some(plan) => {
            for status in [
                Status::Open,
                Status::Merged,
                Status::Rejected,
                Status::Withdrawn,
            ] {
                let of: Vec<&plan::Story> =
                    plan.stories.iter().filter(|s| s.status == status).collect();
                let step = (of.len() / 25).max(1);
                for s in of.iter().step_by(step) {
                    check_story(&lib, s)?;
                    checked += 1;
                }
            }
        }
        None => {
            let step = (numbers.len() / 200).max(1);
            for &n in numbers.iter().step_by(step) {
                let p = lib.proposal(n)?;
                seen[p.status as usize] += 1;
                checked += 1;
            }
        }
    }
    println!(
        "checked {checked} sampled proposals in {:.1} ms",
        t.elapsed().as_secs_f64() * 1e3
    );

    let t = Instant::now();
    let first_parent = git(&[
        "-C",
        &library.to_string_lossy(),
        "rev-list",
        "--count",
        "--first-parent",
        quire_core::MAIN_REF,
    ])?;
    let rev_list = t.elapsed();
    let editions = lib.editions()?;
    let (loose, packed) = count_refs(library);
    let (apparent, allocated) = disk_usage(library);
    match plan {
        Some(plan) => {
            let c = plan.counts;
            println!(
                "proposals: {} open, {} merged, {} rejected, {} withdrawn",
                c.open, c.merged, c.rejected, c.withdrawn
            );
            ensure!(
                first_parent == plan.commits().to_string(),
                "main has {first_parent} first-parent commits, planned {}",
                plan.commits()
            );
            ensure!(
                editions.len() == plan.editions.len(),
                "found {} editions, planned {}",
                editions.len(),
                plan.editions.len()
            );
        }
        None => println!(
            "sample of {checked}: {} open, {} merged, {} rejected, {} withdrawn",
            seen[0], seen[1], seen[2], seen[3]
        ),
    }
    println!(
        "main: {first_parent} commits (first-parent; git rev-list {:.0} ms), {} editions",
        rev_list.as_secs_f64() * 1e3,
        editions.len()
    );
    println!(
        "refs: {} ({loose} loose files, {packed} in packed-refs, as git fast-import wrote them)",
        loose + packed
    );
    println!(
        "size of library.git: {:.1} MiB of files, {:.1} MiB allocated on disk",
        mib(apparent),
        mib(allocated)
    );
    Ok(())
}

fn check_story(lib: &Library, s: &plan::Story) -> Result<()> {
    let n = s.number;
    let p = lib
        .proposal(n)
        .with_context(|| format!("reading proposal {n}"))?;
    ensure!(p.status == s.status, "proposal {n}: status {}", p.status);
    ensure!(
        p.revisions.len() == s.revision_count(),
        "proposal {n}: {} revisions, planned {}",
        p.revisions.len(),
        s.revision_count()
    );
    ensure!(
        p.comments.len() == s.count(|a| a == plan::Act::Comment),
        "proposal {n}: {} comments",
        p.comments.len()
    );
    ensure!(
        p.reviews.len() == s.count(|a| matches!(a, plan::Act::Review(_))),
        "proposal {n}: {} reviews",
        p.reviews.len()
    );
    let history = lib.history(n)?;
    ensure!(
        history.len() == s.steps.len() + 1,
        "proposal {n}: {} events, planned {}",
        history.len(),
        s.steps.len() + 1
    );
    match s.status {
        Status::Merged => {
            ensure!(p.merged.is_some() && p.is_approved(&quire_core::ReviewRules::default()))
        }
        Status::Rejected | Status::Withdrawn => ensure!(p.closed.is_some()),
        Status::Open => ensure!(p.merged.is_none() && p.closed.is_none()),
    }
    Ok(())
}
