//! Stored JSON is input: a `proposal.json` or `comments.json` that breaks the format's
//! rules is refused on read with an error naming the file and what is wrong.

use std::io::Write;
use std::process::{Command, Stdio};

use quire_core::Error;
use serde_json::Value;

use crate::support::Fixture;

/// Runs git in the library with `input` on its stdin; returns its trimmed stdout.
fn git_with_input(f: &Fixture, args: &[&str], input: &[u8]) -> String {
    let mut child = Command::new("git")
        .arg("-C")
        .arg(&f.path)
        .args(args)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_AUTHOR_NAME", "Mallory")
        .env("GIT_AUTHOR_EMAIL", "mallory@example.org")
        .env("GIT_COMMITTER_NAME", "Mallory")
        .env("GIT_COMMITTER_EMAIL", "mallory@example.org")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(input).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "git {args:?} failed");
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

/// Appends an event to proposal `n`'s log, by hand, whose `proposal.json` is the current
/// one changed by `damage`.
pub fn damage_proposal(f: &Fixture, n: u64, damage: impl FnOnce(&mut Value)) {
    let meta = format!("refs/proposals/{n}/meta");
    let tip = f.git(&["rev-parse", &meta]).trim().to_string();
    let mut state: Value =
        serde_json::from_str(&f.git(&["show", &format!("{tip}:proposal.json")])).unwrap();
    damage(&mut state);
    let blob = git_with_input(
        f,
        &["hash-object", "-w", "--stdin"],
        state.to_string().as_bytes(),
    );
    let tree = git_with_input(
        f,
        &["mktree"],
        format!("100644 blob {blob}\tproposal.json\n").as_bytes(),
    );
    let commit = git_with_input(
        f,
        &["commit-tree", &tree, "-p", &tip],
        b"Edit proposal by hand\n\nEvent: commented\n",
    );
    f.git(&["update-ref", &meta, &commit, &tip]);
}

/// Reading proposal `n` fails with a storage error whose message contains every `want`.
fn assert_refused(f: &Fixture, n: u64, want: &[&str]) {
    let lib = quire_core::Library::open_no_repair(&f.path).unwrap();
    match lib.proposal(n) {
        Err(e @ Error::Storage { .. }) => {
            let msg = e.to_string();
            for w in want {
                assert!(msg.contains(w), "{w:?} not in {msg:?}");
            }
        }
        other => panic!("expected a storage error, got {other:?}"),
    }
}

#[test]
fn a_proposal_with_no_revisions_is_refused_on_read() {
    let f = Fixture::new();
    let n = f.propose_sample("02").number;
    damage_proposal(&f, n, |p| p["revisions"] = Value::Array(vec![]));
    assert_refused(&f, n, &["proposal.json", "`revisions` is empty"]);
    // Every other way in reads the same file and refuses it the same way.
    let lib = quire_core::Library::open_no_repair(&f.path).unwrap();
    assert!(matches!(
        lib.proposals(&Default::default()),
        Err(Error::Storage { .. })
    ));
}

#[test]
fn revisions_out_of_order_are_refused_on_read() {
    let f = Fixture::new();
    let n = f.propose_sample("02").number;
    damage_proposal(&f, n, |p| p["revisions"][0]["number"] = 2.into());
    assert_refused(
        &f,
        n,
        &[
            "proposal.json",
            "invalid",
            "revision 2 is listed where revision 1 belongs",
        ],
    );
}

#[test]
fn a_review_of_a_missing_revision_is_refused_on_read() {
    let f = Fixture::new();
    let n = f.approve(f.propose_sample("02").number).number;
    damage_proposal(&f, n, |p| p["reviews"][0]["revision"] = 7.into());
    assert_refused(&f, n, &["proposal.json", "review is of revision 7"]);
}

#[test]
fn merged_without_a_merge_record_is_refused_on_read() {
    let f = Fixture::new();
    let n = f.propose_sample("02").number;
    damage_proposal(&f, n, |p| p["status"] = "merged".into());
    assert_refused(
        &f,
        n,
        &[
            "proposal.json",
            "status is merged but it has no merge record",
        ],
    );
}
