//! Crash repair: writes cut short between their deciding ref update and the follow-ups are
//! completed when the library is opened.

use std::process::Command;

use quire_core::{Error, Library, SectionId, Status};

use crate::support::{contributor, maintainer, Fixture};

fn rev_parse(fx: &Fixture, name: &str) -> Option<String> {
    let out = fx.git_output(&["rev-parse", "--verify", "-q", name]);
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
}

#[test]
fn a_missing_revision_ref_is_recreated() {
    let fx = Fixture::new();
    let p = fx.propose_sample("01");
    let rev1 = p.latest().commit.0.clone();
    fx.git(&["update-ref", "-d", "refs/proposals/1/1"]);
    assert_eq!(rev_parse(&fx, "refs/proposals/1/1"), None);

    let lib = Library::open_no_repair(&fx.path).expect("open without repair");
    let report = lib.repair().expect("repair");
    assert_eq!(report.revision_refs, 1);
    assert_eq!((report.merged_events, report.stale_locks), (0, 0));
    assert_eq!(rev_parse(&fx, "refs/proposals/1/1"), Some(rev1.clone()));
    assert!(lib.repair().expect("repair again").is_clean());

    // Library::open runs the same pass; a later revision's ref comes back too.
    let id = SectionId::new("customer-experience").expect("id");
    let text = format!(
        "{}\nOne more sentence.\n",
        fx.main_text("customer-experience")
    );
    let revised = fx
        .lib
        .revise(1, &p.author, &[(id, text)], "Another sentence.")
        .expect("revise");
    let rev2 = revised.latest().commit.0.clone();
    fx.git(&["update-ref", "-d", "refs/proposals/1/1"]);
    fx.git(&["update-ref", "-d", "refs/proposals/1/2"]);
    let _lib = Library::open(&fx.path).expect("open");
    assert_eq!(rev_parse(&fx, "refs/proposals/1/1"), Some(rev1));
    assert_eq!(rev_parse(&fx, "refs/proposals/1/2"), Some(rev2));
    fx.assert_fsck_clean();
}

#[test]
fn a_merge_whose_merged_event_was_lost_is_recorded() {
    let fx = Fixture::new();
    let p = fx.propose_sample("01");
    fx.approve(p.number);
    let meta_before_merge = rev_parse(&fx, "refs/proposals/1/meta").expect("meta");
    fx.lib.merge(1, &maintainer()).expect("merge");
    let main = fx.lib.main().expect("main");
    // The crash: main moved, the merged event never made it.
    fx.git(&["update-ref", "refs/proposals/1/meta", &meta_before_merge]);
    assert_eq!(fx.lib.proposal(1).expect("p").status, Status::Open);

    let lib = Library::open_no_repair(&fx.path).expect("open without repair");
    let report = lib.repair().expect("repair");
    assert_eq!(report.merged_events, 1);
    assert_eq!((report.revision_refs, report.stale_locks), (0, 0));
    let repaired = lib.proposal(1).expect("p");
    assert_eq!(repaired.status, Status::Merged);
    let info = repaired.merged.expect("merge info");
    assert_eq!(info.commit, main);
    assert_eq!(info.by, maintainer(), "credited to the merge's committer");
    assert_eq!(info.revision, 1);
    assert_eq!(lib.main().expect("main"), main, "main is left alone");
    assert!(lib.repair().expect("repair again").is_clean());

    // The same through Library::open.
    fx.git(&["update-ref", "refs/proposals/1/meta", &meta_before_merge]);
    let lib = Library::open(&fx.path).expect("open");
    assert_eq!(lib.proposal(1).expect("p").status, Status::Merged);
    let err = lib.merge(1, &maintainer()).expect_err("already merged");
    assert!(matches!(err, Error::NotOpen { .. }), "{err:?}");
    fx.assert_fsck_clean();
}

#[test]
fn a_merge_made_by_hand_with_git_is_recorded() {
    let fx = Fixture::new();
    let p = fx.propose_sample("06");
    // Merge the revision into main with plain git, as a maintainer might.
    let tree = fx.git(&["merge-tree", "--write-tree", "main", "refs/proposals/1/1"]);
    let tree = tree.lines().next().expect("tree id").to_string();
    let out = quire_testkit::git_command(&fx.path)
        .args([
            "commit-tree",
            &tree,
            "-p",
            "main",
            "-p",
            "refs/proposals/1/1",
            "-m",
            "Merge by hand",
        ])
        .env("GIT_AUTHOR_NAME", "Hand Merger")
        .env("GIT_AUTHOR_EMAIL", "hand@example.org")
        .env("GIT_COMMITTER_NAME", "Hand Merger")
        .env("GIT_COMMITTER_EMAIL", "hand@example.org")
        .output()
        .expect("git commit-tree");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let merge = String::from_utf8_lossy(&out.stdout).trim().to_string();
    fx.git(&["update-ref", "refs/heads/main", &merge]);

    let lib = Library::open_no_repair(&fx.path).expect("open");
    assert_eq!(lib.repair().expect("repair").merged_events, 1);
    let merged = lib.proposal(p.number).expect("p");
    assert_eq!(merged.status, Status::Merged);
    let info = merged.merged.expect("merge info");
    assert_eq!(info.commit.0, merge);
    assert_eq!(info.by.to_string(), "Hand Merger <hand@example.org>");
    fx.assert_fsck_clean();
}

#[test]
fn a_stale_lock_file_is_removed_on_open_and_writes_work_again() {
    let fx = Fixture::new();
    let p = fx.propose_sample("01");
    fx.approve(p.number);
    let lock = fx.path.join("refs/heads/main.lock");
    std::fs::write(&lock, "0000000000000000000000000000000000000000\n").expect("write lock");
    let status = Command::new("touch")
        .args(["-d", "-2 minutes"])
        .arg(&lock)
        .status()
        .expect("touch");
    assert!(status.success());
    let meta_lock = fx.path.join("refs/proposals/1/meta.lock");
    std::fs::write(&meta_lock, "").expect("write lock");
    let status = Command::new("touch")
        .args(["-d", "-2 minutes"])
        .arg(&meta_lock)
        .status()
        .expect("touch");
    assert!(status.success());

    let lib = Library::open_no_repair(&fx.path).expect("open");
    let report = lib.repair().expect("repair");
    assert_eq!(report.stale_locks, 2);
    assert!(!lock.exists() && !meta_lock.exists());

    // Writes to main and to the proposal's log work again.
    let merged = lib.merge(1, &maintainer()).expect("merge after repair");
    assert_eq!(merged.status, Status::Merged);
    lib.comment_proposal(1, &contributor(), "Thanks!")
        .expect("comment");

    // Through Library::open as well.
    std::fs::write(&lock, "").expect("write lock");
    let status = Command::new("touch")
        .args(["-d", "-2 minutes"])
        .arg(&lock)
        .status()
        .expect("touch");
    assert!(status.success());
    let lib = Library::open(&fx.path).expect("open");
    assert!(!lock.exists());
    let p2 = lib
        .propose(&quire_core::NewProposal {
            title: "Another".into(),
            rationale: String::new(),
            author: contributor(),
            changes: vec![(
                SectionId::new("usability").expect("id"),
                format!("{}\nMore.\n", fx.main_text("usability")),
            )],
            base: None,
        })
        .expect("propose");
    lib.review(p2.number, &maintainer(), quire_core::Verdict::Approved, "")
        .expect("approve");
    lib.merge(p2.number, &maintainer()).expect("merge");
    fx.assert_fsck_clean();
}

#[test]
fn a_fresh_lock_file_is_left_alone() {
    let fx = Fixture::new();
    let lock = fx.path.join("refs/heads/main.lock");
    std::fs::write(&lock, "").expect("write lock");
    let report = fx.lib.repair().expect("repair");
    assert_eq!(report.stale_locks, 0);
    assert!(lock.exists(), "a lock in use is not taken away");
    std::fs::remove_file(&lock).expect("remove lock");
}

/// Found by the crash harness: a kill between a merge's swap of `main` and its `merged`
/// event, holding the event log's lock, stopped every open (and so `quire serve`) for 30 s.
#[test]
fn a_merge_gap_behind_a_fresh_lock_is_left_for_later_and_the_library_opens() {
    let fx = Fixture::new();
    let p = fx.propose_sample("01");
    fx.approve(p.number);
    let meta_before_merge = rev_parse(&fx, "refs/proposals/1/meta").expect("meta");
    fx.lib.merge(1, &maintainer()).expect("merge");
    fx.git(&["update-ref", "refs/proposals/1/meta", &meta_before_merge]);
    let lock = fx.path.join("refs/proposals/1/meta.lock");
    std::fs::write(&lock, format!("{meta_before_merge}\n")).expect("write lock");

    let started = std::time::Instant::now();
    let lib = Library::open(&fx.path).expect("open with a fresh lock");
    assert!(
        started.elapsed() < std::time::Duration::from_secs(5),
        "open did not wait"
    );
    let report = lib.repair().expect("repair");
    assert_eq!((report.deferred, report.merged_events), (1, 0));
    assert!(lock.exists(), "a lock in use is not taken away");

    // Once the lock is stale, the next pass completes the merge.
    let status = Command::new("touch")
        .args(["-d", "-2 minutes"])
        .arg(&lock)
        .status()
        .expect("touch");
    assert!(status.success());
    let report = lib.repair().expect("repair");
    assert_eq!((report.stale_locks, report.merged_events), (1, 1));
    assert_eq!(lib.proposal(1).expect("p").status, Status::Merged);
    fx.assert_fsck_clean();
}

/// The server runs the repair pass only when it starts: a writer that meets a stale lock
/// removes it itself.
#[test]
fn a_writer_that_meets_a_stale_lock_removes_it() {
    let fx = Fixture::new();
    let p = fx.propose_sample("01");
    let lock = fx.path.join("refs/proposals/1/meta.lock");
    std::fs::write(&lock, "").expect("write lock");
    let status = Command::new("touch")
        .args(["-d", "-2 minutes"])
        .arg(&lock)
        .status()
        .expect("touch");
    assert!(status.success());
    let lib = Library::open_no_repair(&fx.path).expect("open without repair");
    lib.comment_proposal(p.number, &contributor(), "Is anyone there?")
        .expect("comment past a stale lock");
    assert!(!lock.exists());
    fx.assert_fsck_clean();
}

/// Found by the crash harness: after a kill between the advance of `main` and the `merged`
/// event, a rejection (on a library that is not reopened) was acknowledged for a proposal
/// that `main` already held. Every write now completes such a merge first.
#[test]
fn a_write_to_a_proposal_whose_merge_was_cut_short_sees_it_merged() {
    let fx = Fixture::new();
    let p = fx.propose_sample("01");
    fx.approve(p.number);
    let meta_before_merge = rev_parse(&fx, "refs/proposals/1/meta").expect("meta");
    fx.lib.merge(1, &maintainer()).expect("merge");
    fx.git(&["update-ref", "refs/proposals/1/meta", &meta_before_merge]);
    let lib = Library::open_no_repair(&fx.path).expect("open without repair");
    let err = lib
        .reject(1, &maintainer(), "Too late")
        .expect_err("main already has it");
    assert!(
        matches!(
            err,
            Error::NotOpen {
                status: Status::Merged,
                ..
            }
        ),
        "{err:?}"
    );
    assert_eq!(lib.proposal(1).expect("p").status, Status::Merged);
    let err = lib.withdraw(1, &contributor(), "").expect_err("merged");
    assert!(matches!(err, Error::NotOpen { .. }), "{err:?}");
    fx.assert_fsck_clean();
}

#[test]
fn the_recent_pass_looks_only_at_what_changed_since_its_last_run() {
    let fx = Fixture::new();
    let one = fx.propose_sample("01");
    // The first pass has no place kept: it looks at everything, then keeps its place.
    let lib = Library::open_no_repair(&fx.path).expect("open");
    assert!(lib.repair_recent().expect("pass").is_clean());
    assert!(fx.path.join("quire-repair").exists());

    // A revision whose ref a crash cut off, after the last pass: found by the journal.
    let six = fx.propose_sample("06");
    let rev = six.latest().commit.0.clone();
    fx.git(&["update-ref", "-d", "refs/proposals/2/1"]);
    let report = lib.repair_recent().expect("pass");
    assert_eq!((report.revision_refs, report.merged_events), (1, 0));
    assert_eq!(rev_parse(&fx, "refs/proposals/2/1"), Some(rev));

    // A merge whose event a crash cut off: found by walking the commits new on main.
    fx.approve(one.number);
    let before = rev_parse(&fx, "refs/proposals/1/meta").expect("meta");
    fx.lib.merge(1, &maintainer()).expect("merge");
    fx.git(&["update-ref", "refs/proposals/1/meta", &before]);
    let report = lib.repair_recent().expect("pass");
    assert_eq!((report.revision_refs, report.merged_events), (0, 1));
    assert_eq!(lib.proposal(1).expect("p").status, Status::Merged);
    assert!(lib.repair_recent().expect("pass").is_clean());

    // Its limit: a gap made behind its back with plain git, before its place, is left to
    // the full pass (`quire repair`).
    fx.git(&["update-ref", "-d", "refs/proposals/1/1"]);
    assert!(lib.repair_recent().expect("pass").is_clean());
    assert_eq!(lib.repair().expect("full pass").revision_refs, 1);

    // Without its place (the file removed) it looks at everything again.
    fx.git(&["update-ref", "-d", "refs/proposals/2/1"]);
    std::fs::remove_file(fx.path.join("quire-repair")).expect("remove");
    assert_eq!(lib.repair_recent().expect("pass").revision_refs, 1);
    fx.assert_fsck_clean();
}

#[test]
fn without_its_place_the_recent_pass_can_lean_on_a_fresh_index() {
    let fx = Fixture::new();
    fx.propose_sample("01");
    fx.propose_sample("06");
    fx.git(&["update-ref", "-d", "refs/proposals/2/1"]);
    let _ = std::fs::remove_file(fx.path.join("quire-repair"));
    let lib = Library::open_no_repair(&fx.path).expect("open");
    let index = quire_core::index::ProposalIndex::build(&lib).expect("index");
    let report = lib.repair_recent_with(Some(&index)).expect("pass");
    assert_eq!((report.revision_refs, report.merged_events), (1, 0));
    assert!(rev_parse(&fx, "refs/proposals/2/1").is_some());
    assert!(lib.repair_recent().expect("pass").is_clean());
}
