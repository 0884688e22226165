//! `quire-bench gen-fixture` end to end: a small fixture, checked with the real git CLI
//! and with quire-core, and the refusals of bad input.
#![allow(clippy::unwrap_used)]

use std::collections::HashMap;
use std::path::Path;
use std::process::{Command, Output};

use quire_core::{Library, Mergeability, Status};
use quire_testkit::git;

fn gen(out: &Path, extra: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_quire-bench"))
        .arg("gen-fixture")
        .arg("--out")
        .arg(out)
        .args(extra)
        .output()
        .unwrap()
}

#[test]
fn a_small_fixture_is_a_valid_library() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let out = gen(
        &data,
        &["--proposals", "300", "--commits", "200", "--seed", "7"],
    );
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "gen-fixture failed: {stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains("proposals: 180 open, 60 merged, 30 rejected, 30 withdrawn"),
        "{stdout}"
    );
    let repo = data.join("library.git");

    // git itself: a clean strict fsck, main as HEAD, 200 commits on the first-parent line.
    quire_testkit::assert_fsck_clean(&repo);
    assert_eq!(
        git(&repo, &["symbolic-ref", "HEAD"]).trim(),
        "refs/heads/main"
    );
    assert_eq!(
        git(&repo, &["rev-list", "--count", "--first-parent", "main"]).trim(),
        "200"
    );
    assert_eq!(
        git(
            &repo,
            &["rev-list", "--count", "--first-parent", "--merges", "main"]
        )
        .trim(),
        "60"
    );
    let mut merges: HashMap<String, String> = HashMap::new();
    for line in git(
        &repo,
        &[
            "log",
            "--first-parent",
            "--merges",
            "--format=%H %P",
            "main",
        ],
    )
    .lines()
    {
        let f: Vec<&str> = line.split(' ').collect();
        assert_eq!(f.len(), 3, "{line}");
        merges.insert(f[0].to_string(), f[2].to_string());
    }

    // quire-core: nothing to repair (a merged proposal without its merged event, a
    // revision without its ref, would show up here).
    let lib = Library::open_no_repair(&repo).unwrap();
    let report = lib.repair().unwrap();
    assert!(report.is_clean(), "{report:?}");
    let lib = Library::open(&repo).unwrap();

    let numbers = lib.proposal_numbers().unwrap();
    assert_eq!(numbers, (1..=300).collect::<Vec<u64>>());
    let mut by_status: HashMap<Status, usize> = HashMap::new();
    let (mut clean, mut conflicts) = (0, 0);
    for &n in &numbers {
        let p = lib.proposal(n).unwrap();
        assert_eq!(p.number, n);
        *by_status.entry(p.status).or_default() += 1;
        assert!((1..=3).contains(&p.revisions.len()), "#{n}");
        assert!(p.comments.len() <= 4, "#{n}");
        assert!(!p.sections.is_empty() && p.sections.len() <= 2, "#{n}");
        for (i, r) in p.revisions.iter().enumerate() {
            assert_eq!(r.number as usize, i + 1);
            let at = git(
                &repo,
                &["rev-parse", &format!("refs/proposals/{n}/{}", r.number)],
            );
            assert_eq!(at.trim(), r.commit.0, "#{n} revision {}", r.number);
            let parent = git(&repo, &["rev-parse", &format!("{}^", r.commit.0)]);
            assert_eq!(parent.trim(), r.base.0, "#{n} revision {} base", r.number);
        }
        let history = lib.history(n).unwrap();
        assert_eq!(history[0].kind, "opened");
        match p.status {
            Status::Merged => {
                let m = p.merged.as_ref().unwrap();
                assert!(
                    p.is_approved(&quire_core::ReviewRules::default()),
                    "#{n} was merged unapproved"
                );
                assert_eq!(history.last().unwrap().kind, "merged");
                let second = merges.get(&m.commit.0).expect("merge commit on main");
                assert_eq!(second, &p.revision(m.revision).unwrap().commit.0, "#{n}");
                assert!(p.closed.is_none());
            }
            Status::Open => {
                assert!(p.merged.is_none() && p.closed.is_none());
                match lib.mergeability(n).unwrap() {
                    Mergeability::Clean => clean += 1,
                    Mergeability::Conflict { report } => {
                        assert_eq!(report.number, n);
                        assert!(!report.sections.is_empty());
                        conflicts += 1;
                    }
                    Mergeability::Closed => panic!("#{n} is open"),
                }
            }
            Status::Rejected | Status::Withdrawn => {
                let c = p.closed.as_ref().unwrap();
                assert_eq!(history.last().unwrap().kind, p.status.as_str());
                if p.status == Status::Withdrawn {
                    assert_eq!(c.by, p.author);
                }
                assert_eq!(lib.mergeability(n).unwrap(), Mergeability::Closed);
            }
        }
    }
    assert_eq!(by_status[&Status::Open], 180);
    assert_eq!(by_status[&Status::Merged], 60);
    assert_eq!(by_status[&Status::Rejected], 30);
    assert_eq!(by_status[&Status::Withdrawn], 30);
    // Some open proposals conflict with main, most do not.
    assert!(
        conflicts > 0 && clean > conflicts,
        "{clean} clean, {conflicts} conflicts"
    );

    // The resource, editions and section comments.
    let sections = lib.sections("main").unwrap();
    let bundled = quire_bundled::resource_files()
        .iter()
        .filter(|(p, _)| p.starts_with("sections/"))
        .count();
    assert_eq!(sections.len(), bundled);
    let editions = lib.editions().unwrap();
    assert!(!editions.is_empty());
    let mut changes = 0;
    for e in &editions {
        assert_eq!(lib.resolve(e.slug.as_str()).unwrap(), e.commit);
        assert_eq!(lib.sections(e.slug.as_str()).unwrap().len(), sections.len());
        for c in &e.changes {
            let p = lib.proposal(c.proposal).unwrap();
            assert_eq!(p.merged.as_ref().unwrap().commit, c.commit);
            assert_eq!(p.title, c.title);
            changes += 1;
        }
    }
    assert!(changes > 0);
    let e = lib.edition(editions[0].slug.as_str()).unwrap();
    assert_eq!(e.previous, None);
    assert_eq!(editions[1].previous.as_ref(), Some(&e.slug));
    let commented = sections
        .iter()
        .filter(|s| !lib.section_comments(s.id.as_str()).unwrap().is_empty())
        .count();
    assert!(commented > 0);

    // The same seed gives the same library.
    let again = dir.path().join("again");
    let out = gen(
        &again,
        &["--proposals", "300", "--commits", "200", "--seed", "7"],
    );
    assert!(out.status.success());
    let tips = |r: &Path| git(r, &["for-each-ref", "--format=%(objectname) %(refname)"]);
    assert_eq!(tips(&repo), tips(&again.join("library.git")));
}

#[test]
fn too_few_commits_for_the_merged_proposals_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let out = gen(&data, &["--proposals", "10", "--commits", "1"]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("--commits 1 is too few") && err.contains("at least 3"),
        "{err}"
    );
    assert!(!data.exists(), "nothing is written");
}

#[test]
fn a_non_empty_directory_needs_force() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    std::fs::create_dir(&data).unwrap();
    std::fs::write(data.join("notes.txt"), "keep me").unwrap();
    let out = gen(&data, &["--proposals", "20", "--commits", "20"]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("not empty") && err.contains("--force"),
        "{err}"
    );
    assert!(!data.join("library.git").exists());

    let out = gen(&data, &["--proposals", "20", "--commits", "20", "--force"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(data.join("library.git/HEAD").exists());
    assert_eq!(
        std::fs::read_to_string(data.join("notes.txt")).unwrap(),
        "keep me"
    );
    // Forced again over its own output: the library is replaced.
    let out = gen(&data, &["--proposals", "30", "--commits", "20", "--force"]);
    assert!(out.status.success());
    let lib = Library::open(&data.join("library.git")).unwrap();
    assert_eq!(lib.proposal_numbers().unwrap().len(), 30);
}

#[test]
fn the_proposal_index_of_a_few_thousand_proposals_matches_a_full_read() {
    // Enough proposals for the index to read them on several threads.
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("data");
    let o = gen(
        &out,
        &["--proposals", "2500", "--commits", "600", "--seed", "7"],
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let lib = quire_core::Library::open_no_repair(&out.join("library.git")).unwrap();
    let index = quire_core::index::ProposalIndex::build(&lib).unwrap();
    let truth: Vec<_> = lib
        .proposals(&quire_core::ProposalFilter::default())
        .unwrap()
        .iter()
        .map(quire_core::index::ProposalSummary::of)
        .collect();
    let indexed: Vec<_> = index.iter().map(|s| (**s).clone()).collect();
    assert_eq!(indexed.len(), 2500);
    assert_eq!(indexed, truth);
}
