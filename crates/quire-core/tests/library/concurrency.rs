//! Many writers at once, each with its own `Library` on the same repository: every
//! acknowledged write is kept, proposal numbers are unique and dense.

use std::collections::HashSet;
use std::path::Path;
use std::sync::{Arc, Barrier};
use std::thread;

use quire_core::{Comment, Identity, Library, NewProposal, SectionId};

use crate::support::{lines, Fixture};

const WRITERS: usize = 4;
const EACH: usize = 15;
const SECTIONS: [&str; 3] = ["usability", "take-up", "transparency"];

fn writer(kind: &str, t: usize) -> Identity {
    Identity::new(&format!("{kind} {t}"), &format!("{kind}{t}@example.org")).expect("identity")
}

fn propose_many(path: &Path, t: usize, start: &Barrier) -> Vec<(u64, String)> {
    let lib = Library::open(path).expect("open");
    start.wait();
    let mut out = Vec::new();
    for i in 0..EACH {
        let id = SECTIONS[(t + i) % SECTIONS.len()];
        let text = format!(
            "{}\nA line from writer {t}, change {i}.\n",
            lib.section(id, "main").expect("section").text
        );
        let title = format!("Change {i} from writer {t}");
        let p = lib
            .propose(&NewProposal {
                title: title.clone(),
                rationale: String::new(),
                author: writer("Proposer", t),
                changes: vec![(SectionId::new(id).expect("id"), text)],
                base: None,
            })
            .expect("propose under contention");
        assert_eq!(p.title, title);
        out.push((p.number, title));
    }
    out
}

fn comment_many(path: &Path, t: usize, start: &Barrier) -> (Vec<Comment>, Vec<Comment>) {
    let lib = Library::open(path).expect("open");
    start.wait();
    let (mut on_proposal, mut on_section) = (Vec::new(), Vec::new());
    for i in 0..EACH {
        let who = writer("Commenter", t);
        on_proposal.push(
            lib.comment_proposal(1, &who, &format!("Proposal comment {t}-{i}"))
                .expect("comment under contention"),
        );
        on_section.push(
            lib.comment_section("usability", &who, &format!("Section comment {t}-{i}"))
                .expect("section comment under contention"),
        );
    }
    (on_proposal, on_section)
}

#[test]
fn concurrent_writers_keep_every_write_and_number_proposals_densely() {
    let fx = Fixture::new();
    fx.propose_edit(
        "The proposal everyone discusses",
        "about-this-resource",
        "It answers five questions",
        "It answers six questions",
    );
    let start = Arc::new(Barrier::new(2 * WRITERS));
    let mut proposers = Vec::new();
    let mut commenters = Vec::new();
    for t in 0..WRITERS {
        let (path, gate) = (fx.path.clone(), Arc::clone(&start));
        proposers.push(thread::spawn(move || propose_many(&path, t, &gate)));
        let (path, gate) = (fx.path.clone(), Arc::clone(&start));
        commenters.push(thread::spawn(move || comment_many(&path, t, &gate)));
    }
    let proposed: Vec<(u64, String)> = proposers
        .into_iter()
        .flat_map(|h| h.join().expect("proposer thread"))
        .collect();
    let (mut on_proposal, mut on_section) = (Vec::new(), Vec::new());
    for h in commenters {
        let (p, s) = h.join().expect("commenter thread");
        on_proposal.extend(p);
        on_section.extend(s);
    }

    // Proposal numbers: unique, exactly 2..=61 (1 was opened first), each with its own title.
    let total = WRITERS * EACH;
    let mut numbers: Vec<u64> = proposed.iter().map(|(n, _)| *n).collect();
    numbers.sort_unstable();
    numbers.dedup();
    assert_eq!(numbers.len(), total, "every returned number is unique");
    assert_eq!(numbers, (2..=1 + total as u64).collect::<Vec<_>>());
    let lib = fx.reopen();
    assert_eq!(
        lib.proposal_numbers().expect("numbers"),
        (1..=1 + total as u64).collect::<Vec<_>>()
    );
    for (n, title) in &proposed {
        let p = lib.proposal(*n).expect("stored proposal");
        assert_eq!(&p.title, title, "#{n}");
        assert_eq!(
            fx.git(&["rev-parse", &format!("refs/proposals/{n}/1")])
                .trim(),
            p.latest().commit.0
        );
    }

    // Comments: every acknowledged one stored once, ids unique and dense.
    let stored = lib.proposal(1).expect("proposal 1").comments;
    assert_eq!(stored.len(), total);
    let ids: HashSet<u32> = stored.iter().map(|c| c.id).collect();
    assert_eq!(ids, (1..=total as u32).collect::<HashSet<_>>());
    for c in &on_proposal {
        assert!(stored.contains(c), "acknowledged comment {c:?} is missing");
    }
    let bodies: HashSet<&str> = on_proposal.iter().map(|c| c.body.as_str()).collect();
    assert_eq!(bodies.len(), total);
    assert_eq!(
        lines(&fx.git(&["log", "--format=%s", "refs/proposals/1/meta"])).len(),
        total + 1
    );

    let stored = lib.section_comments("usability").expect("section comments");
    assert_eq!(stored.len(), total);
    let ids: HashSet<u32> = stored.iter().map(|c| c.id).collect();
    assert_eq!(ids.len(), total);
    for c in &on_section {
        assert!(
            stored.contains(c),
            "acknowledged section comment {c:?} is missing"
        );
    }
    assert_eq!(
        fx.git(&["rev-list", "--count", "refs/comments/usability"])
            .trim(),
        total.to_string()
    );
    assert!(lib.repair().expect("repair").is_clean());
    fx.assert_fsck_clean();
}

/// A rejection racing a merge of the same proposal: exactly one of them is acknowledged,
/// and the state agrees with `main` (a regression found by the soak harness: a rejection
/// could be acknowledged between the advance of `main` and the `merged` event).
#[test]
fn a_rejection_racing_a_merge_never_contradicts_main() {
    let fx = Fixture::new();
    for round in 0..12 {
        let p = fx
            .lib
            .propose(&NewProposal {
                title: format!("Round {round}"),
                rationale: String::new(),
                author: crate::support::contributor(),
                changes: vec![(
                    SectionId::new("performance").expect("id"),
                    format!(
                        "{}\nRound {round} adds this line.\n",
                        fx.main_text("performance")
                    ),
                )],
                base: None,
            })
            .expect("propose");
        fx.approve(p.number);
        let start = Arc::new(Barrier::new(2));
        let path = fx.path.clone();
        let (s1, s2) = (start.clone(), start);
        let n = p.number;
        let merger = {
            let path = path.clone();
            thread::spawn(move || {
                let lib = Library::open(&path).expect("open");
                s1.wait();
                lib.merge(n, &crate::support::maintainer()).is_ok()
            })
        };
        let rejecter = thread::spawn(move || {
            let lib = Library::open(&path).expect("open");
            s2.wait();
            lib.reject(n, &crate::support::maintainer(), "Racing")
                .is_ok()
        });
        let merged = merger.join().expect("merger");
        let rejected = rejecter.join().expect("rejecter");
        assert!(
            merged ^ rejected,
            "round {round}: merged={merged} rejected={rejected}"
        );
        let state = fx.reopen().proposal(n).expect("proposal");
        let on_main = fx
            .main_text("performance")
            .contains(&format!("Round {round} adds"));
        if merged {
            assert_eq!(state.status, quire_core::Status::Merged);
            assert!(on_main);
        } else {
            assert_eq!(state.status, quire_core::Status::Rejected);
            assert!(!on_main, "round {round}: rejected, but its text is on main");
        }
    }
    fx.assert_fsck_clean();
}
