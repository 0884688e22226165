//! Redaction removes the text from the repository itself: from every object (loose or
//! packed, reachable or not), the change journal and the saved index, so neither a
//! `git update-ref` nor a mirror made afterwards can bring it back.

use std::path::Path;
use std::sync::{Arc, Barrier};
use std::thread;

use quire_core::{
    index::ProposalIndex, CommentTarget, Error, Identity, Library, NewProposal, RedactProposal,
    SectionId, REDACTED_RATIONALE, REDACTED_REVISION, REDACTED_TITLE,
};

use crate::support::{contributor, edit, git_in, maintainer, Fixture};

/// A string that occurs nowhere in the bundled resource.
const MARKER: &str = "Zebracrossing4417";

/// Every object of the repository at `dir`, loose or packed, reachable or not, as
/// `git cat-file --batch-all-objects --batch` prints them.
fn all_objects(dir: &Path) -> Vec<u8> {
    let out = git_in(dir, &["cat-file", "--batch-all-objects", "--batch"]);
    assert!(
        out.status.success(),
        "cat-file failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|w| w == needle.as_bytes())
}

/// Asserts that `marker` is in no object of the repository at `dir`.
fn assert_in_no_object(dir: &Path, marker: &str) {
    let all = all_objects(dir);
    if !contains(&all, marker) {
        return;
    }
    // Name the objects, for the failure message: each is "<id> <type> <size>\n<data>\n".
    let mut found = Vec::new();
    let mut rest = &all[..];
    while let Some(nl) = rest.iter().position(|b| *b == b'\n') {
        let header = String::from_utf8_lossy(&rest[..nl]).into_owned();
        let size: usize = header
            .rsplit(' ')
            .next()
            .and_then(|s| s.parse().ok())
            .unwrap_or(0);
        let data = &rest[nl + 1..(nl + 1 + size).min(rest.len())];
        if contains(data, marker) {
            found.push(header);
        }
        rest = &rest[(nl + 2 + size).min(rest.len())..];
    }
    panic!(
        "{marker} is still in objects of {}: {found:?}",
        dir.display()
    );
}

/// The library's git directory files that hold hints (journal, saved index), read whole.
fn side_file(fx: &Fixture, name: &str) -> String {
    std::fs::read_to_string(fx.path.join(name)).unwrap_or_default()
}

fn redact_proposal_comment(fx: &Fixture, n: u64, id: u32) {
    fx.lib
        .redact_comment(
            &CommentTarget::Proposal(n),
            id,
            &maintainer(),
            "personal data",
        )
        .expect("redact");
}

#[test]
fn redacted_comment_text_gone_from_unreachable_objects() {
    let fx = Fixture::new();
    let p = fx.propose_sample("01");
    fx.lib
        .comment_proposal(p.number, &contributor(), "Before.")
        .expect("comment");
    let c = fx
        .lib
        .comment_proposal(p.number, &contributor(), &format!("Ring {MARKER} now"))
        .expect("comment");
    fx.lib
        .comment_proposal(p.number, &maintainer(), "After.")
        .expect("comment");
    assert!(contains(&all_objects(&fx.path), MARKER));

    redact_proposal_comment(&fx, p.number, c.id);

    assert_in_no_object(&fx.path, MARKER);
    fx.assert_fsck_clean();
    let state = fx.lib.proposal(p.number).expect("proposal");
    assert_eq!(state.comments.len(), 3);
    assert_eq!(state.comments[0].body, "Before.");
    assert_eq!(state.comments[2].body, "After.");
    assert!(state.comments[1].redacted.is_some());
}

#[test]
fn redacted_comment_text_gone_from_packed_objects() {
    let fx = Fixture::new();
    let p = fx.propose_sample("02");
    let c = fx
        .lib
        .comment_proposal(p.number, &contributor(), &format!("Ring {MARKER} now"))
        .expect("comment");
    // Everything packed first, as after a `git gc`: a pack keeps unreachable objects
    // until it is rewritten.
    fx.git(&["repack", "-a", "-d", "-q"]);
    let loose = fx.git(&["count-objects", "-v"]);
    assert!(loose.contains("count: 0"), "{loose}");

    redact_proposal_comment(&fx, p.number, c.id);

    assert_in_no_object(&fx.path, MARKER);
    fx.assert_fsck_clean();
}

#[test]
fn redacted_section_comment_text_gone_from_every_object() {
    let fx = Fixture::new();
    let target = CommentTarget::Section(SectionId::new("usability").expect("id"));
    fx.lib
        .comment_section("usability", &contributor(), "Harmless.")
        .expect("comment");
    let c = fx
        .lib
        .comment_section("usability", &contributor(), &format!("I am {MARKER}"))
        .expect("comment");
    fx.git(&["repack", "-a", "-d", "-q"]);
    fx.lib
        .comment_section("usability", &maintainer(), "Loose, after the pack.")
        .expect("comment");

    fx.lib
        .redact_comment(&target, c.id, &maintainer(), "phone number")
        .expect("redact");

    assert_in_no_object(&fx.path, MARKER);
    fx.assert_fsck_clean();
    let bodies: Vec<String> = fx
        .lib
        .section_comments("usability")
        .expect("comments")
        .into_iter()
        .map(|c| c.body)
        .collect();
    assert_eq!(bodies, ["Harmless.", "", "Loose, after the pack."]);
}

#[test]
fn redaction_journal_cannot_restore_text() {
    let fx = Fixture::new();
    let p = fx.propose_sample("03");
    let c = fx
        .lib
        .comment_proposal(p.number, &contributor(), &format!("Ring {MARKER} now"))
        .expect("comment");
    let meta = format!("refs/proposals/{}/meta", p.number);
    let old_tip = fx.git(&["rev-parse", &meta]).trim().to_string();
    assert!(side_file(&fx, "quire-journal").contains(&old_tip));

    redact_proposal_comment(&fx, p.number, c.id);

    let journal = side_file(&fx, "quire-journal");
    assert!(
        !journal.contains(&old_tip),
        "the journal still names the old tip:\n{journal}"
    );
    // Nothing to restore the old log from: the commit itself is gone.
    let restore = fx.git_output(&["update-ref", &meta, &old_tip]);
    assert!(
        !restore.status.success(),
        "update-ref to the old tip worked"
    );
    assert!(!fx.git(&["log", "-p", &meta]).contains(MARKER));
    // The journal still names the new tip, and readers that follow it see the change.
    let new_tip = fx.git(&["rev-parse", &meta]).trim().to_string();
    assert!(journal.contains(&new_tip), "{journal}");
}

#[test]
fn redacted_text_not_in_a_mirror_made_afterwards() {
    let fx = Fixture::new();
    let p = fx.propose_sample("04");
    let c = fx
        .lib
        .comment_proposal(p.number, &contributor(), &format!("Ring {MARKER} now"))
        .expect("comment");
    redact_proposal_comment(&fx, p.number, c.id);

    let dir = tempfile::tempdir().expect("temp dir");
    let local = dir.path().join("local.git");
    let url = dir.path().join("url.git");
    let from = fx.path.display().to_string();
    for (source, to) in [(from.clone(), &local), (format!("file://{from}"), &url)] {
        let out = git_in(
            dir.path(),
            &[
                "clone",
                "--mirror",
                "-q",
                &source,
                &to.display().to_string(),
            ],
        );
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert_in_no_object(to, MARKER);
        assert!(!std::fs::read_to_string(to.join("quire-journal"))
            .unwrap_or_default()
            .contains(MARKER));
    }
}

fn marked_proposal(fx: &Fixture) -> (u64, String) {
    let text = edit(
        &fx.main_text("usability"),
        "usability",
        &format!("usability ({MARKER}-words)"),
    );
    let p = fx
        .lib
        .propose(&NewProposal {
            title: format!("Title {MARKER}-title"),
            rationale: format!("Because {MARKER}-why."),
            author: contributor(),
            changes: vec![(SectionId::new("usability").expect("id"), text)],
            base: None,
        })
        .expect("propose");
    (p.number, p.latest().base.0.clone())
}

#[test]
fn redacted_proposal_text_gone_from_every_object_journal_and_saved_index() {
    let fx = Fixture::new();
    let (n, base) = marked_proposal(&fx);
    fx.lib
        .comment_proposal(n, &maintainer(), "Please say more.")
        .expect("comment");
    let revised = edit(
        &fx.main_text("usability"),
        "usability",
        "usability (second wording)",
    );
    fx.lib
        .revise(
            n,
            &contributor(),
            &[(SectionId::new("usability").expect("id"), revised)],
            &format!("Dropped {MARKER}-note"),
        )
        .expect("revise");
    // A saved index holding the title, as a server leaves behind.
    let index = ProposalIndex::build(&fx.lib).expect("index");
    index.save(&fx.lib).expect("save");
    assert!(side_file(&fx, "quire-index").contains(MARKER));
    let rev1_before = fx.git(&["rev-parse", &format!("refs/proposals/{n}/1")]);
    fx.git(&["repack", "-a", "-d", "-q"]);

    let p = fx
        .lib
        .redact_proposal(
            n,
            &RedactProposal {
                title: true,
                rationale: true,
                revisions: vec![1, 2],
            },
            &maintainer(),
            "names a member of the public",
        )
        .expect("redact");

    assert_in_no_object(&fx.path, MARKER);
    assert!(!side_file(&fx, "quire-index").contains(MARKER));
    assert!(!side_file(&fx, "quire-journal").contains(rev1_before.trim()));
    fx.assert_fsck_clean();
    // It reads cleanly, as a record of what was removed, by whom and why.
    assert_eq!(p.title, REDACTED_TITLE);
    assert_eq!(p.rationale, REDACTED_RATIONALE);
    assert_eq!(
        p.title_redacted.as_ref().map(|m| m.reason.as_str()),
        Some("names a member of the public")
    );
    assert!(p.rationale_redacted.is_some());
    assert!(p.revisions.iter().all(|r| r.redacted.is_some()));
    assert_eq!(p.revisions[1].note, REDACTED_REVISION);
    assert_eq!(p.comments[0].body, "Please say more.");
    // Each revision ref points at the recorded commit, whose tree is its base's.
    for r in &p.revisions {
        let name = format!("refs/proposals/{n}/{}", r.number);
        assert_eq!(fx.git(&["rev-parse", &name]).trim(), r.commit.0);
        assert_eq!(
            fx.git(&["rev-parse", &format!("{name}^{{tree}}")]),
            fx.git(&["rev-parse", &format!("{base}^{{tree}}")])
        );
    }
    assert!(fx
        .lib
        .proposal_diff(n, Some(1))
        .expect("diff")
        .iter()
        .all(|d| d.diff.is_empty()));
    let kinds: Vec<String> = fx
        .lib
        .history(n)
        .expect("history")
        .into_iter()
        .map(|e| e.kind)
        .collect();
    assert_eq!(kinds, ["opened", "commented", "revised", "redacted"]);
    // A fresh index reads it, and another process sees it through the journal.
    let fresh = ProposalIndex::build(&fx.reopen()).expect("index");
    assert_eq!(fresh.get(n).expect("summary").title, REDACTED_TITLE);
    // Nothing left to merge.
    fx.approve(n);
    let err = fx
        .lib
        .merge(n, &maintainer())
        .expect_err("nothing to merge");
    assert!(err.to_string().contains("redacted"), "{err}");
}

#[test]
fn redacting_a_revision_keeps_the_blobs_a_later_revision_shares() {
    let fx = Fixture::new();
    let usability = SectionId::new("usability").expect("id");
    let take_up = SectionId::new("take-up").expect("id");
    let kept = edit(
        &fx.main_text("usability"),
        "usability",
        "usability (kept in both revisions)",
    );
    let p = fx
        .lib
        .propose(&NewProposal {
            title: "Two sections".into(),
            rationale: String::new(),
            author: contributor(),
            changes: vec![
                (usability.clone(), kept.clone()),
                (
                    take_up.clone(),
                    format!(
                        "{}\n{MARKER} in the first revision only.\n",
                        fx.main_text("take-up")
                    ),
                ),
            ],
            base: None,
        })
        .expect("propose");
    fx.lib
        .revise(
            p.number,
            &contributor(),
            &[
                (usability.clone(), kept.clone()),
                (
                    take_up,
                    format!("{}\nA better line.\n", fx.main_text("take-up")),
                ),
            ],
            "",
        )
        .expect("revise");

    fx.lib
        .redact_proposal(
            p.number,
            &RedactProposal {
                revisions: vec![1],
                ..RedactProposal::default()
            },
            &maintainer(),
            "abuse",
        )
        .expect("redact");

    assert_in_no_object(&fx.path, MARKER);
    fx.assert_fsck_clean();
    let text = fx
        .lib
        .proposal_text(p.number, &usability, Some(2))
        .expect("revision 2 text");
    assert_eq!(text, kept, "revision 2 lost its text");
}

#[test]
fn redacting_the_title_of_a_merged_proposal_is_refused_and_changes_nothing() {
    let fx = Fixture::new();
    let p = fx.propose_sample("01");
    fx.approve_and_merge(p.number);
    let refs = fx.refs();
    let err = fx
        .lib
        .redact_proposal(
            p.number,
            &RedactProposal {
                title: true,
                ..RedactProposal::default()
            },
            &maintainer(),
            "abuse",
        )
        .expect_err("merged");
    assert!(err.to_string().contains("history of main"), "{err}");
    let err = fx
        .lib
        .redact_proposal(p.number, &RedactProposal::default(), &maintainer(), "x")
        .expect_err("nothing chosen");
    assert!(err.to_string().contains("choose what to redact"), "{err}");
    let err = fx
        .lib
        .redact_proposal(
            p.number,
            &RedactProposal {
                revisions: vec![7],
                ..RedactProposal::default()
            },
            &maintainer(),
            "x",
        )
        .expect_err("no revision 7");
    assert!(matches!(err, Error::UnknownRevision { .. }), "{err}");
    assert_eq!(fx.refs(), refs);
}

fn writer(t: usize) -> Identity {
    Identity::new(&format!("Writer {t}"), &format!("writer{t}@example.org")).expect("identity")
}

#[test]
fn concurrent_writers_during_redaction_lose_nothing() {
    let fx = Fixture::new();
    let p = fx.propose_sample("05");
    let mut secret = Vec::new();
    for i in 0..4 {
        secret.push(
            fx.lib
                .comment_proposal(p.number, &contributor(), &format!("{MARKER} {i}"))
                .expect("comment")
                .id,
        );
    }
    fx.git(&["repack", "-a", "-d", "-q"]);
    let start = Arc::new(Barrier::new(3));
    let path = fx.path.clone();
    let n = p.number;
    let redactor = {
        let (path, start) = (path.clone(), start.clone());
        thread::spawn(move || {
            let lib = Library::open(&path).expect("open");
            start.wait();
            for id in secret {
                lib.redact_comment(&CommentTarget::Proposal(n), id, &maintainer(), "data")
                    .expect("redact under contention");
            }
        })
    };
    let writers: Vec<_> = (0..2)
        .map(|t| {
            let (path, start) = (path.clone(), start.clone());
            thread::spawn(move || {
                let lib = Library::open(&path).expect("open");
                start.wait();
                let mut made = Vec::new();
                for i in 0..6 {
                    let text = format!(
                        "{}\nWriter {t}, change {i}.\n",
                        lib.section("usability", "main").expect("section").text
                    );
                    let q = lib
                        .propose(&NewProposal {
                            title: format!("Change {i} from writer {t}"),
                            rationale: "Clearer.".into(),
                            author: writer(t),
                            changes: vec![(SectionId::new("usability").expect("id"), text)],
                            base: None,
                        })
                        .expect("propose during redaction");
                    lib.comment_proposal(q.number, &writer(t), "A comment.")
                        .expect("comment during redaction");
                    let c = lib
                        .comment_proposal(n, &writer(t), &format!("Kept {t}-{i}"))
                        .expect("comment on the redacted proposal");
                    made.push((q.number, c.id));
                }
                made
            })
        })
        .collect();
    redactor.join().expect("redactor");
    let made: Vec<(u64, u32)> = writers
        .into_iter()
        .flat_map(|w| w.join().expect("writer"))
        .collect();

    fx.assert_fsck_clean();
    assert_in_no_object(&fx.path, MARKER);
    let lib = fx.reopen();
    let redacted = lib.proposal(n).expect("proposal");
    for (q, c) in made {
        let other = lib.proposal(q).expect("a proposal made meanwhile");
        assert_eq!(other.comments.len(), 1);
        lib.proposal_text(q, &SectionId::new("usability").expect("id"), None)
            .expect("its revision is whole");
        let kept = redacted
            .comments
            .iter()
            .find(|x| x.id == c)
            .expect("a comment made meanwhile is kept");
        assert!(kept.body.starts_with("Kept "), "{}", kept.body);
    }
    assert_eq!(
        redacted
            .comments
            .iter()
            .filter(|c| c.redacted.is_some())
            .count(),
        4
    );
}
