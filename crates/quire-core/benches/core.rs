//! Criterion benchmarks of the core operations, on a library made from the bundled resource
//! in a temporary directory, plus P2: opening a proposal through the core API against the
//! equivalent pipeline of `git` plumbing commands on a copy of the same library.
//!
//! Run with `cargo bench -p quire-core --bench core` (a filter after `--` picks some, e.g.
//! `cargo bench -p quire-core --bench core -- p2_propose`). Every bench writes only inside
//! its own temporary directory, made under `$TMPDIR` (default `/tmp`). The writing benches
//! (propose, comment, P2) spend much of their time creating loose objects and ref files, so
//! they depend on the file system: run them once more with `TMPDIR=/dev/shm` (tmpfs) to see
//! Quire's own cost without the disk's.

#![allow(clippy::unwrap_used)]

use std::hint::black_box;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use criterion::measurement::WallTime;
use criterion::{criterion_group, criterion_main, Bencher, Criterion};
use quire_core::layout;
use quire_core::{Identity, Library, NewProposal, SectionId, Verdict};
use quire_testkit::{bundled_section, resource_files};
use tempfile::TempDir;

/// The section every edit touches (about 2.5 KB of prose, lists and headings).
const SECTION: &str = "usability";

fn editor() -> Identity {
    "Ada Editor <ada.editor@example.org>".parse().unwrap()
}
fn contributor() -> Identity {
    "Rhea Patel <rhea.patel@example.org>".parse().unwrap()
}
fn reviewer() -> Identity {
    "Sam Okoro <sam.okoro@example.org>".parse().unwrap()
}
fn maintainer() -> Identity {
    "Morgan Reyes <morgan.reyes@example.org>".parse().unwrap()
}

/// `text` with `from` replaced by `to` (which must occur exactly once).
fn edit(text: &str, from: &str, to: &str) -> String {
    assert_eq!(text.matches(from).count(), 1, "{from:?} should occur once");
    text.replacen(from, to, 1)
}

/// The realistic edit: a few words changed in two paragraphs of `usability`.
fn edited_usability(old: &str) -> String {
    let t = edit(
        old,
        "Most people will not read instructions.",
        "Most residents will never read the instructions.",
    );
    edit(
        &t,
        "Testing with five users will usually uncover",
        "Testing with five or six users will often uncover",
    )
}

/// A one-section proposal of `text` for `id` on `main`.
fn proposal(title: &str, id: &str, text: String) -> NewProposal {
    NewProposal {
        title: title.into(),
        rationale: "It reads better.".into(),
        author: contributor(),
        changes: vec![(SectionId::new(id).unwrap(), text)],
        base: None,
    }
}

/// A fresh library from the bundled resource.
struct Fixture {
    _dir: TempDir,
    path: PathBuf,
    lib: Library,
}

impl Fixture {
    fn new() -> Fixture {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("library.git");
        let lib = Library::init(&path, &resource_files(), &editor()).expect("init");
        Fixture {
            _dir: dir,
            path,
            lib,
        }
    }

    fn main_text(&self, id: &str) -> String {
        self.lib.section(id, "main").expect("section").text
    }

    /// A copy of this library's directory (as `cp -r` would make), opened.
    fn copy(&self) -> Fixture {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("library.git");
        let status = Command::new("cp")
            .arg("-r")
            .arg(&self.path)
            .arg(&path)
            .status()
            .expect("run cp");
        assert!(status.success(), "cp -r failed");
        let lib = Library::open(&path).expect("open copy");
        Fixture {
            _dir: dir,
            path,
            lib,
        }
    }
}

/// One bench in a group of its own, with its own time and sample count.
fn bench<F>(c: &mut Criterion, name: &str, secs: u64, samples: usize, f: F)
where
    F: FnMut(&mut Bencher<'_, WallTime>),
{
    let mut g = c.benchmark_group(name);
    g.measurement_time(Duration::from_secs(secs))
        .warm_up_time(Duration::from_secs(1))
        .sample_size(samples);
    g.bench_function("run", f);
    g.finish();
}

fn bench_propose(c: &mut Criterion) {
    let fx = Fixture::new();
    let new_text = edited_usability(&fx.main_text(SECTION));
    let req = proposal("Say residents, not people", SECTION, new_text);
    bench(c, "propose", 4, 20, |b| {
        b.iter(|| black_box(fx.lib.propose(&req).expect("propose")))
    });
}

fn bench_comment(c: &mut Criterion) {
    let fx = Fixture::new();
    let new_text = edited_usability(&fx.main_text(SECTION));
    let req = proposal("Say residents, not people", SECTION, new_text);
    let who = reviewer();
    let body = "Could we say *residents* throughout? The rest of the resource does.";
    // Comments go to fresh proposals, at most 10 each, so the state file stays the size a
    // real discussion has (the comment is appended to the whole proposal.json).
    bench(c, "comment_proposal", 4, 20, |b| {
        b.iter_custom(|iters| {
            let fresh: Vec<u64> = (0..iters.div_ceil(10))
                .map(|_| fx.lib.propose(&req).expect("propose").number)
                .collect();
            let start = Instant::now();
            for k in 0..iters {
                let n = fresh[usize::try_from(k / 10).expect("fits")];
                black_box(fx.lib.comment_proposal(n, &who, body).expect("comment"));
            }
            start.elapsed()
        })
    });
}

fn bench_mergeability(c: &mut Criterion) {
    let fx = Fixture::new();
    let usability = fx.main_text(SECTION);
    // A: two paragraphs of `usability` edited.
    let a = fx
        .lib
        .propose(&proposal(
            "Residents",
            SECTION,
            edited_usability(&usability),
        ))
        .expect("propose a")
        .number;
    // B: the last paragraph of the same section, merged: main moves on, and A's file
    // needs a real 3-way content merge.
    let b_text = edit(
        &usability,
        "before it goes live?",
        "before it goes live, and how?",
    );
    let b = fx
        .lib
        .propose(&proposal("Ask how", SECTION, b_text))
        .expect("propose b")
        .number;
    // C: another section, merged too: A's other files differ on main.
    let other = "assisted-digital";
    let c_text = format!("{}\nCall us.\n", fx.main_text(other).trim_end());
    let c_n = fx
        .lib
        .propose(&proposal("Call us", other, c_text))
        .expect("propose c")
        .number;
    for n in [b, c_n] {
        fx.lib
            .review(n, &reviewer(), Verdict::Approved, "Looks right.")
            .expect("approve");
        fx.lib.merge(n, &maintainer()).expect("merge");
    }
    assert!(matches!(
        fx.lib.mergeability(a).expect("mergeability"),
        quire_core::Mergeability::Clean
    ));
    bench(c, "mergeability_after_main_moved", 4, 50, |bch| {
        bch.iter(|| black_box(fx.lib.mergeability(a).expect("mergeability")))
    });
}

fn bench_diffs(c: &mut Criterion) {
    let fx = Fixture::new();
    let old = fx.main_text(SECTION);
    let new = edited_usability(&old);
    let n = fx
        .lib
        .propose(&proposal("Residents", SECTION, new.clone()))
        .expect("propose")
        .number;
    bench(c, "proposal_diff", 4, 50, |b| {
        b.iter(|| black_box(fx.lib.proposal_diff(n, None).expect("diff")))
    });
    bench(c, "prose_diff_section", 3, 50, |b| {
        b.iter(|| black_box(quire_core::prose::diff(black_box(&old), black_box(&new))))
    });
}

fn bench_render(c: &mut Criterion) {
    let text = bundled_section(SECTION);
    bench(c, "to_html_section", 3, 50, |b| {
        b.iter(|| black_box(quire_core::prose::to_html(black_box(&text))))
    });
}

fn bench_load(c: &mut Criterion) {
    let fx = Fixture::new();
    bench(c, "open_and_list_sections", 4, 50, |b| {
        b.iter(|| {
            let lib = Library::open_no_repair(&fx.path).expect("open");
            black_box(lib.sections("main").expect("sections"))
        })
    });
}

// ---------------------------------------------------------------------------------------
// P2: core `propose` against the same writes done with git's command-line plumbing.

/// Runs git in a library with no user or system configuration; returns trimmed stdout.
fn git(dir: &Path, index: Option<&Path>, args: &[&str], stdin: Option<&[u8]>) -> String {
    let mut cmd = Command::new("git");
    cmd.arg("--git-dir")
        .arg(dir)
        .args(args)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_AUTHOR_NAME", "Rhea Patel")
        .env("GIT_AUTHOR_EMAIL", "rhea.patel@example.org")
        .env("GIT_COMMITTER_NAME", "Rhea Patel")
        .env("GIT_COMMITTER_EMAIL", "rhea.patel@example.org")
        .env("LC_ALL", "C")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        });
    if let Some(index) = index {
        cmd.env("GIT_INDEX_FILE", index);
    }
    let mut child = cmd.spawn().expect("spawn git");
    if let Some(input) = stdin {
        child
            .stdin
            .take()
            .expect("stdin piped")
            .write_all(input)
            .expect("write git stdin");
    }
    let out = child.wait_with_output().expect("wait for git");
    assert!(
        out.status.success(),
        "git {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .expect("git output is UTF-8")
        .trim()
        .to_string()
}

const ZERO: &str = "0000000000000000000000000000000000000000";

/// Opens a proposal with git plumbing: the same objects and refs `Library::propose` writes
/// (revision commit on main with the section replaced, a one-file event-log commit holding
/// proposal.json, meta ref then revision ref, both create-only). Returns the number.
fn propose_with_git_cli(dir: &Path, index: &Path, section: &str, text: &str) -> u64 {
    // 1. The next free number, from the existing event logs.
    let refs = git(
        dir,
        None,
        &["for-each-ref", "--format=%(refname)", layout::PROPOSALS],
        None,
    );
    let n = refs
        .lines()
        .filter_map(layout::parse_proposal_log_ref)
        .max()
        .unwrap_or(0)
        + 1;
    // 2. The base: main.
    let base = git(dir, None, &["rev-parse", layout::MAIN_REF], None);
    // 3-7. The revision commit: base's tree with one file replaced.
    let blob = git(
        dir,
        None,
        &["hash-object", "-w", "--stdin"],
        Some(text.as_bytes()),
    );
    git(dir, Some(index), &["read-tree", &base], None);
    let cacheinfo = format!("100644,{blob},sections/{section}.md");
    git(
        dir,
        Some(index),
        &["update-index", "--cacheinfo", &cacheinfo],
        None,
    );
    let tree = git(dir, Some(index), &["write-tree"], None);
    let title = "Say residents, not people";
    let rev_msg = format!("{title}\n\nIt reads better.\n\nSection: {section}\n");
    let rev = git(
        dir,
        None,
        &["commit-tree", &tree, "-p", &base, "-m", &rev_msg],
        None,
    );
    // 8-10. The event-log commit: proposal.json alone in a tree, no parent.
    let now = "2026-01-01T00:00:00Z";
    let state = serde_json::json!({
        "version": 1, "number": n, "title": title,
        "author": {"name": "Rhea Patel", "email": "rhea.patel@example.org"},
        "rationale": "It reads better.", "sections": [section], "status": "open",
        "created": now, "updated": now,
        "revisions": [{"number": 1, "commit": rev, "base": base,
            "author": {"name": "Rhea Patel", "email": "rhea.patel@example.org"},
            "at": now, "note": "", "kind": "opened"}],
        "reviews": [], "comments": [],
    });
    let json = serde_json::to_vec_pretty(&state).expect("json");
    let json_blob = git(dir, None, &["hash-object", "-w", "--stdin"], Some(&json));
    let listing = format!("100644 blob {json_blob}\tproposal.json\n");
    let meta_tree = git(dir, None, &["mktree"], Some(listing.as_bytes()));
    let meta_msg = format!(
        "Open proposal {n}: {title}\n\nIt reads better.\n\nEvent: opened\nProposal: {n}\n\
         Revision: 1\nCommit: {rev}\nBase: {base}\nSection: {section}\n"
    );
    let meta = git(
        dir,
        None,
        &["commit-tree", &meta_tree, "-m", &meta_msg],
        None,
    );
    // 11-12. The deciding create-only update, then the revision ref.
    git(
        dir,
        None,
        &["update-ref", &layout::proposal_log_ref(n), &meta, ZERO],
        None,
    );
    git(
        dir,
        None,
        &[
            "update-ref",
            &layout::proposal_revision_ref(n, 1),
            &rev,
            ZERO,
        ],
        None,
    );
    n
}

fn bench_p2(c: &mut Criterion) {
    let fx = Fixture::new();
    let cli = fx.copy();
    let new_text = edited_usability(&fx.main_text(SECTION));
    let req = proposal("Say residents, not people", SECTION, new_text.clone());
    let index_dir = tempfile::tempdir().expect("temp dir");
    let index = index_dir.path().join("index");

    // The pipeline writes what the core would: check once that the core reads it back.
    let n = propose_with_git_cli(&cli.path, &index, SECTION, &new_text);
    let back = cli.lib.proposal(n).expect("core reads the CLI's proposal");
    assert_eq!(back.sections[0].as_str(), SECTION);
    assert_eq!(
        cli.lib
            .proposal_text(n, &SectionId::new(SECTION).unwrap(), None)
            .expect("text"),
        new_text
    );

    let mut g = c.benchmark_group("p2_propose");
    g.measurement_time(Duration::from_secs(5))
        .warm_up_time(Duration::from_secs(1))
        .sample_size(20);
    g.bench_function("core", |b| {
        b.iter(|| black_box(fx.lib.propose(&req).expect("propose")))
    });
    g.bench_function("git_cli", |b| {
        b.iter(|| black_box(propose_with_git_cli(&cli.path, &index, SECTION, &new_text)))
    });
    g.finish();
}

criterion_group!(
    benches,
    bench_propose,
    bench_comment,
    bench_mergeability,
    bench_diffs,
    bench_render,
    bench_load,
    bench_p2
);
criterion_main!(benches);
