//! The fixture shared by every test: a fresh library made from the bundled resource, the
//! people who act on it, and helpers that ask the real `git` what the repository holds.

use std::path::PathBuf;
use std::process::Output;

use quire_core::{Identity, Library, NewProposal, Proposal, ProposalFile, Verdict};
use tempfile::TempDir;

pub use quire_testkit::{bundled_section, git_output as git_in, resource_files, workspace_root};

/// The sample proposal file whose name starts with `prefix` (`"02"`), parsed.
pub fn proposal_file(prefix: &str) -> ProposalFile {
    let dir = workspace_root().join("proposals");
    let path = std::fs::read_dir(&dir)
        .expect("read proposals/")
        .map(|e| e.expect("dir entry").path())
        .find(|p| {
            p.file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with(&format!("{prefix}-")))
        })
        .unwrap_or_else(|| panic!("no proposals/{prefix}-*.md"));
    let text = std::fs::read_to_string(&path).expect("read proposal file");
    ProposalFile::parse(&path.display().to_string(), &text).expect("sample proposal parses")
}

/// A `NewProposal` from a proposal file (author from the file, base from the file).
pub fn from_file(pf: &ProposalFile) -> NewProposal {
    NewProposal {
        title: pf.title.clone(),
        rationale: pf.rationale.clone(),
        author: pf.author.clone().expect("sample files name their author"),
        changes: pf.changes.clone(),
        base: pf.base.clone(),
    }
}

fn person(s: &str) -> Identity {
    s.parse().expect("valid identity")
}

/// Who starts the library.
pub fn editor() -> Identity {
    person("Ada Editor <ada.editor@example.org>")
}

/// The maintainer who merges and publishes.
pub fn maintainer() -> Identity {
    person("Morgan Reyes <morgan.reyes@example.org>")
}

/// A reviewer.
pub fn reviewer() -> Identity {
    person("Sam Okoro <sam.okoro@example.org>")
}

/// A second reviewer.
pub fn reviewer2() -> Identity {
    person("Kit Lindqvist <kit.lindqvist@example.net>")
}

/// A contributor without a sample file.
pub fn contributor() -> Identity {
    person("Rhea Patel <rhea.patel@example.org>")
}

/// `text` with `from` replaced by `to`, checking that `from` occurs exactly once.
pub fn edit(text: &str, from: &str, to: &str) -> String {
    assert_eq!(text.matches(from).count(), 1, "{from:?} should occur once");
    text.replacen(from, to, 1)
}

/// A fresh library made from the bundled resource.
pub struct Fixture {
    _dir: TempDir,
    pub path: PathBuf,
    pub lib: Library,
}

impl Fixture {
    pub fn new() -> Fixture {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("library.git");
        let lib = Library::init(&path, &resource_files(), &editor()).expect("init");
        Fixture {
            _dir: dir,
            path,
            lib,
        }
    }

    /// Another handle on the same library (as another process would open it).
    pub fn reopen(&self) -> Library {
        Library::open(&self.path).expect("open")
    }

    /// Runs `git -C <library> args...` with no user or system configuration.
    pub fn git_output(&self, args: &[&str]) -> Output {
        git_in(&self.path, args)
    }

    /// Runs git and returns its stdout, failing the test if git fails.
    pub fn git(&self, args: &[&str]) -> String {
        quire_testkit::git(&self.path, args)
    }

    /// Every ref and what it points at, as `git for-each-ref` lists them.
    pub fn refs(&self) -> String {
        quire_testkit::refs(&self.path)
    }

    /// Asserts that `git fsck --strict` finds nothing wrong.
    pub fn assert_fsck_clean(&self) {
        quire_testkit::assert_fsck_clean(&self.path)
    }

    /// Opens the sample proposal `prefix` (`"02"`).
    pub fn propose_sample(&self, prefix: &str) -> Proposal {
        self.lib
            .propose(&from_file(&proposal_file(prefix)))
            .expect("sample proposal opens")
    }

    /// Approves a proposal's latest revision as the reviewer.
    pub fn approve(&self, n: u64) -> Proposal {
        self.lib
            .review(n, &reviewer(), Verdict::Approved, "Looks right.")
            .expect("approve")
    }

    /// Approves and merges as the maintainer.
    pub fn approve_and_merge(&self, n: u64) -> Proposal {
        self.approve(n);
        self.lib.merge(n, &maintainer()).expect("merge")
    }

    /// A section's text on `main`.
    pub fn main_text(&self, id: &str) -> String {
        self.lib.section(id, "main").expect("section").text
    }

    /// Opens a one-section proposal by `contributor()` that replaces `from` with `to` in a
    /// section's current text on `main`.
    pub fn propose_edit(&self, title: &str, id: &str, from: &str, to: &str) -> Proposal {
        let text = edit(&self.main_text(id), from, to);
        self.lib
            .propose(&NewProposal {
                title: title.into(),
                rationale: "It reads better.".into(),
                author: contributor(),
                changes: vec![(id.parse().expect("section id"), text)],
                base: None,
            })
            .expect("propose")
    }
}

/// The non-empty lines of some output.
pub fn lines(s: &str) -> Vec<&str> {
    s.lines().filter(|l| !l.trim().is_empty()).collect()
}
