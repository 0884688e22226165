//! The in-memory indexes: the proposal index follows writes made through other handles
//! (as another process would make them) and falls back to a rescan when the journal
//! cannot be followed; the merge index always agrees with a full check.

use quire_core::index::{MergeIndex, MergeState, ProposalIndex, ProposalSummary};
use quire_core::{Library, Mergeability, NewProposal, ProposalFilter, SectionId, Status};

use crate::support::{contributor, maintainer, Fixture};

/// Opens a proposal that adds a paragraph at the end of section `id` on `main`.
fn append(lib: &Library, id: &str, tag: &str) -> u64 {
    let text = lib.section(id, "main").expect("section").text;
    lib.propose(&NewProposal {
        title: format!("Add {tag}"),
        rationale: "More to say.".into(),
        author: contributor(),
        changes: vec![(
            id.parse().expect("id"),
            format!("{text}\nA new paragraph about {tag}.\n"),
        )],
        base: None,
    })
    .expect("propose")
    .number
}

/// The summaries of every proposal, read the slow way.
fn truth(lib: &Library) -> Vec<ProposalSummary> {
    lib.proposals(&ProposalFilter::default())
        .expect("proposals")
        .iter()
        .map(ProposalSummary::of)
        .collect()
}

fn indexed(index: &ProposalIndex) -> Vec<ProposalSummary> {
    index.iter().map(|s| (**s).clone()).collect()
}

#[test]
fn the_index_follows_writes_made_through_another_handle() {
    let fx = Fixture::new();
    append(&fx.lib, "usability", "one");
    let mut index = ProposalIndex::build(&fx.lib).expect("build");
    assert_eq!(indexed(&index), truth(&fx.lib));

    // Another handle, as another process: open, comment, approve, merge, reject.
    let other = fx.reopen();
    let two = append(&other, "transparency", "two");
    let three = append(&other, "usability", "three");
    other
        .comment_proposal(1, &contributor(), "A comment.")
        .expect("comment");
    fx.approve_and_merge(two);
    other
        .reject(three, &maintainer(), "Not now.")
        .expect("reject");

    let r = index.refresh(&fx.lib).expect("refresh");
    assert!(!r.rescanned);
    assert!(r.main_moved, "the merge moved main");
    assert_eq!(r.changed, vec![1, two, three]);
    assert_eq!(indexed(&index), truth(&fx.lib));
    assert_eq!(index.get(1).expect("1").comments, 1);
    assert_eq!(index.get(two).expect("2").status, Status::Merged);

    // Nothing new: nothing re-read.
    let r = index.refresh(&fx.lib).expect("refresh");
    assert!(r.changed.is_empty() && !r.main_moved);

    // Filters: by section, newest first.
    let usability = ProposalFilter {
        section: Some(SectionId::new("usability").expect("id")),
        ..ProposalFilter::default()
    };
    let numbers: Vec<u64> = index.newest_first(&usability).map(|s| s.number).collect();
    assert_eq!(numbers, vec![three, 1]);
    let open = ProposalFilter {
        status: Some(Status::Open),
        ..usability
    };
    let numbers: Vec<u64> = index.newest_first(&open).map(|s| s.number).collect();
    assert_eq!(numbers, vec![1]);
}

#[test]
fn a_rotated_journal_is_followed_and_a_lost_one_means_a_rescan() {
    let fx = Fixture::new();
    append(&fx.lib, "usability", "one");
    let mut index = ProposalIndex::build(&fx.lib).expect("build");
    let journal = fx.path.join("quire-journal");
    assert!(journal.exists(), "writes keep a journal");

    // Grow the journal past its limit: the next write rotates it first. The write just
    // before the rotation is in the old file's tail, the one after in the new file.
    fx.lib
        .comment_proposal(1, &contributor(), "Before the rotation.")
        .expect("comment");
    let filler = "refs/x 0000000000000000000000000000000000000000\n".repeat(100_000);
    let mut old = std::fs::read_to_string(&journal).expect("journal");
    old.push_str(&filler);
    std::fs::write(&journal, old).expect("write");
    let two = append(&fx.lib, "transparency", "two");
    assert!(fx.path.join("quire-journal.old").exists(), "rotated");
    let r = index.refresh(&fx.lib).expect("refresh");
    assert!(!r.rescanned, "the rotated file's tail was read");
    assert_eq!(r.changed, vec![1, two]);
    assert_eq!(indexed(&index), truth(&fx.lib));

    // The journal deleted behind the reader's back: a rescan, still exact.
    append(&fx.lib, "usability", "three");
    std::fs::remove_file(&journal).expect("remove");
    std::fs::remove_file(fx.path.join("quire-journal.old")).expect("remove");
    let r = index.refresh(&fx.lib).expect("refresh");
    assert!(r.rescanned);
    assert_eq!(indexed(&index), truth(&fx.lib));
}

#[test]
fn a_ref_changed_without_the_journal_is_found_by_a_rescan() {
    let fx = Fixture::new();
    let one = append(&fx.lib, "usability", "one");
    let two = append(&fx.lib, "transparency", "two");
    let mut index = ProposalIndex::build(&fx.lib).expect("build");
    // Plain git (as a fetch from a mirror would): proposal 2's log now ends where 1's does.
    let one_tip = fx.git(&["rev-parse", &format!("refs/proposals/{one}/meta")]);
    fx.git(&[
        "update-ref",
        &format!("refs/proposals/{two}/meta"),
        one_tip.trim(),
    ]);
    assert!(index.refresh(&fx.lib).expect("refresh").changed.is_empty());
    assert_eq!(index.rescan(&fx.lib).expect("rescan"), vec![two]);
    assert_eq!(index.get(two).expect("2").title, "Add one");
    fx.git(&["update-ref", "-d", &format!("refs/proposals/{two}/meta")]);
    assert_eq!(index.rescan(&fx.lib).expect("rescan"), vec![two]);
    assert!(index.get(two).is_none());
}

/// Checks every open proposal's result in `merges` against a full merge check.
fn assert_agrees(lib: &Library, index: &ProposalIndex, merges: &MergeIndex) {
    for s in index.iter().filter(|s| s.status == Status::Open) {
        let full = match lib.mergeability(s.number).expect("mergeability") {
            Mergeability::Clean => MergeState::Clean,
            Mergeability::Conflict { .. } => MergeState::Conflict,
            Mergeability::Closed => unreachable!("open"),
        };
        assert_eq!(
            merges.state(s.number, &s.commit),
            Some(full),
            "proposal {}",
            s.number
        );
    }
}

#[test]
fn only_proposals_touching_what_main_changed_are_checked_again() {
    let fx = Fixture::new();
    let a = append(&fx.lib, "usability", "a");
    let b = append(&fx.lib, "usability", "b");
    let c = append(&fx.lib, "transparency", "c");
    let d = append(&fx.lib, "risk-of-exclusion", "d");
    let mut index = ProposalIndex::build(&fx.lib).expect("build");
    let mut merges = MergeIndex::default();
    assert_eq!(merges.fill(&fx.lib, &index, usize::MAX).expect("fill"), 4);
    assert_agrees(&fx.lib, &index, &merges);
    assert!(merges.state(a, &index.get(a).expect("a").commit) == Some(MergeState::Clean));

    // Merging `a` changes usability only: b (same place) now conflicts; c and d keep
    // their results without a check.
    fx.approve_and_merge(a);
    index.refresh(&fx.lib).expect("refresh");
    let adv = merges.advance(&fx.lib).expect("advance");
    assert_eq!(adv.changed_paths, 1);
    assert_eq!((adv.kept, adv.dropped), (2, 2), "{adv:?}");
    merges.retain_current(&index);
    assert_eq!(
        merges.fill(&fx.lib, &index, usize::MAX).expect("fill"),
        1,
        "only b"
    );
    assert_agrees(&fx.lib, &index, &merges);
    assert_eq!(
        merges.state(b, &index.get(b).expect("b").commit),
        Some(MergeState::Conflict)
    );

    // Updating b (a new revision) needs a check of the new revision only.
    let text = fx.main_text("usability");
    fx.lib
        .update(
            b,
            &contributor(),
            &[(
                SectionId::new("usability").expect("id"),
                format!("{text}\nA new paragraph about b.\n"),
            )],
        )
        .expect("update");
    index.refresh(&fx.lib).expect("refresh");
    merges.advance(&fx.lib).expect("advance");
    merges.retain_current(&index);
    assert_eq!(merges.fill(&fx.lib, &index, usize::MAX).expect("fill"), 1);
    assert_agrees(&fx.lib, &index, &merges);
    let _ = (c, d);
}

#[test]
fn the_merge_index_agrees_with_full_checks_through_a_long_history() {
    // A deterministic mix of proposals on few sections, merged in turn.
    let fx = Fixture::new();
    let sections = ["usability", "transparency", "risk-of-exclusion"];
    let mut index = ProposalIndex::build(&fx.lib).expect("build");
    let mut merges = MergeIndex::default();
    for round in 0..12 {
        let id = sections[round % sections.len()];
        append(&fx.lib, id, &format!("round {round}"));
        if round % 3 == 2 {
            // Merge the oldest open proposal that merges cleanly.
            index.refresh(&fx.lib).expect("refresh");
            let n = index
                .iter()
                .find(|s| {
                    s.status == Status::Open
                        && matches!(fx.lib.mergeability(s.number), Ok(Mergeability::Clean))
                })
                .map(|s| s.number);
            if let Some(n) = n {
                fx.approve_and_merge(n);
            }
        }
        index.refresh(&fx.lib).expect("refresh");
        merges.advance(&fx.lib).expect("advance");
        merges.retain_current(&index);
        merges.fill(&fx.lib, &index, usize::MAX).expect("fill");
        assert_agrees(&fx.lib, &index, &merges);
        for id in sections {
            let id = SectionId::new(id).expect("id");
            let want = truth(&fx.lib)
                .iter()
                .filter(|s| s.status == Status::Open && !s.hidden && s.sections.contains(&id))
                .count();
            assert_eq!(index.open_shown_count(&id), want, "{id} in round {round}");
        }
    }
    assert_eq!(indexed(&index), truth(&fx.lib));
}

#[test]
fn proposal_numbers_stay_dense_when_found_by_bisection() {
    let fx = Fixture::new();
    for i in 1..=37u64 {
        let n = append(&fx.lib, "usability", &format!("{i}"));
        assert_eq!(n, i);
    }
    assert_eq!(
        fx.lib.proposal_numbers().expect("numbers"),
        (1..=37).collect::<Vec<_>>()
    );
}

#[test]
fn a_merge_shows_in_the_index_even_when_its_approval_was_already_read() {
    let fx = Fixture::new();
    let n = append(&fx.lib, "usability", "one");
    fx.approve(n);
    let mut index = ProposalIndex::build(&fx.lib).expect("build");
    assert!(index.get(n).expect("n").approved);
    // The merge's event is written under the lock it holds on the log (a transaction,
    // not the usual compare-and-swap): the journal must still say so.
    fx.lib.merge(n, &maintainer()).expect("merge");
    let r = index.refresh(&fx.lib).expect("refresh");
    assert_eq!(r.changed, vec![n]);
    assert_eq!(index.get(n).expect("n").status, Status::Merged);
}

/// Opens a proposal that rewrites paragraph `i` of section `id` on `main` (and, given
/// `also`, the last paragraph of a second section).
fn rewrite(lib: &Library, id: &str, i: usize, with: &str, also: Option<&str>) -> u64 {
    let edit = |id: &str, i: Option<usize>| {
        let text = lib.section(id, "main").expect("section").text;
        let mut paras: Vec<String> = text.split("\n\n").map(str::to_string).collect();
        let i = i.unwrap_or(paras.len() - 1);
        paras[i] = format!("{} {with}", paras[i].trim_end());
        (id.parse().expect("id"), paras.join("\n\n"))
    };
    let mut changes = vec![edit(id, Some(i))];
    changes.extend(also.map(|a| edit(a, None)));
    lib.propose(&NewProposal {
        title: format!("Rewrite {id} {i}"),
        rationale: "Clearer.".into(),
        author: contributor(),
        changes,
        base: None,
    })
    .expect("propose")
    .number
}

#[test]
fn checks_again_merge_one_section_file_and_agree_with_a_full_merge() {
    // Proposals on different paragraphs of one section still merge after each other
    // (a real 3-way text merge of the file); two on the same paragraph conflict; two
    // with the same change do not.
    let fx = Fixture::new();
    let paragraphs = fx.main_text("usability").split("\n\n").count();
    assert!(paragraphs >= 4, "usability has {paragraphs} paragraphs");
    let mut index = ProposalIndex::build(&fx.lib).expect("build");
    let mut merges = MergeIndex::default();
    let first = rewrite(&fx.lib, "usability", 0, "First.", None);
    let same = rewrite(&fx.lib, "usability", 0, "First.", None);
    let clash = rewrite(&fx.lib, "usability", 0, "Other.", None);
    let apart = rewrite(&fx.lib, "usability", 2, "Apart.", Some("transparency"));
    let last = rewrite(&fx.lib, "usability", paragraphs - 1, "Last.", None);
    let elsewhere = rewrite(&fx.lib, "transparency", 0, "Else.", None);
    index.refresh(&fx.lib).expect("refresh");
    assert_eq!(merges.fill(&fx.lib, &index, usize::MAX).expect("fill"), 6);
    assert_agrees(&fx.lib, &index, &merges);

    let state = |merges: &MergeIndex, index: &ProposalIndex, n: u64| {
        merges.state(n, &index.get(n).expect("n").commit)
    };
    for (step, n) in [first, apart, last].into_iter().enumerate() {
        fx.approve_and_merge(n);
        index.refresh(&fx.lib).expect("refresh");
        let adv = merges.advance(&fx.lib).expect("advance");
        assert!(adv.dropped >= 1, "step {step}: {adv:?}");
        merges.retain_current(&index);
        merges.fill(&fx.lib, &index, usize::MAX).expect("fill");
        assert_agrees(&fx.lib, &index, &merges);
        assert_eq!(state(&merges, &index, same), Some(MergeState::Clean));
        assert_eq!(state(&merges, &index, clash), Some(MergeState::Conflict));
    }
    // `elsewhere` met `apart`'s edit of transparency's last paragraph, not its first.
    assert_eq!(state(&merges, &index, elsewhere), Some(MergeState::Clean));
}

#[test]
fn saved_summaries_are_used_only_while_their_event_commit_is_current() {
    use quire_core::index::SAVED_INDEX;
    let fx = Fixture::new();
    let a = append(&fx.lib, "usability", "a");
    let b = append(&fx.lib, "transparency", "b");
    let saved = fx.lib.path().join(SAVED_INDEX);
    assert!(!saved.exists());
    let first = ProposalIndex::build(&fx.lib).expect("build");
    assert!(saved.exists(), "a build saves the summaries it read");
    assert_eq!(indexed(&first), truth(&fx.lib));

    // Changes made after the save (another process, no index running): the next build
    // re-reads exactly those.
    fx.approve(a);
    fx.lib
        .withdraw(b, &contributor(), "Not needed.")
        .expect("withdraw");
    let c = append(&fx.lib, "usability", "c");
    let second = ProposalIndex::build(&fx.lib).expect("build");
    assert_eq!(indexed(&second), truth(&fx.lib));
    assert!(second.get(a).expect("a").approved);
    assert_eq!(second.get(b).expect("b").status, Status::Withdrawn);
    assert!(second.get(c).is_some());

    // The second build used the saved lines of unchanged proposals: an edited line with
    // a current commit shows (which is why the file is the library's own, in its git
    // directory).
    let text = std::fs::read_to_string(&saved).expect("read");
    assert!(text.contains("\"title\":\"Add c\""), "{text}");
    std::fs::write(
        &saved,
        text.replace("\"title\":\"Add c\"", "\"title\":\"Saved\""),
    )
    .expect("write");
    let third = ProposalIndex::build(&fx.lib).expect("build");
    assert_eq!(third.get(c).expect("c").title, "Saved");

    // A damaged or foreign file is ignored as a whole.
    for junk in [
        "not an index\n",
        "quire proposal index 1\n{\"meta\": 12}\n",
        "",
    ] {
        std::fs::write(&saved, junk).expect("write");
        let built = ProposalIndex::build(&fx.lib).expect("build");
        assert_eq!(indexed(&built), truth(&fx.lib), "with {junk:?}");
    }
    // Deleting it loses nothing.
    std::fs::remove_file(&saved).expect("remove");
    assert_eq!(
        indexed(&ProposalIndex::build(&fx.lib).expect("build")),
        truth(&fx.lib)
    );
}

#[test]
fn checks_made_outside_the_index_are_kept_only_for_the_main_they_were_made_on() {
    let fx = Fixture::new();
    let a = append(&fx.lib, "usability", "a");
    let b = append(&fx.lib, "usability", "b");
    let index = ProposalIndex::build(&fx.lib).expect("build");
    let mut merges = MergeIndex::default();
    let jobs = merges.jobs(&fx.lib, &index, usize::MAX).expect("jobs");
    assert_eq!(jobs.len(), 2);
    // Done against the main of the time, applied after main moved: dropped.
    let done: Vec<_> = jobs
        .into_iter()
        .map(|j| j.run(&fx.lib).expect("run"))
        .collect();
    fx.approve_and_merge(a);
    let mut index = index;
    index.refresh(&fx.lib).expect("refresh");
    merges.advance(&fx.lib).expect("advance");
    merges.retain_current(&index);
    assert_eq!(
        merges.apply(done),
        0,
        "results for an old main are not kept"
    );
    assert_eq!(
        merges.state(b, &index.get(b).expect("b").commit),
        None,
        "b is still to check"
    );
    merges.fill(&fx.lib, &index, usize::MAX).expect("fill");
    assert_agrees(&fx.lib, &index, &merges);
    assert_eq!(
        merges.state(b, &index.get(b).expect("b").commit),
        Some(MergeState::Conflict)
    );
}

#[test]
fn a_rescan_from_an_older_listing_never_takes_the_index_back() {
    let fx = Fixture::new();
    let a = append(&fx.lib, "usability", "a");
    let mut index = ProposalIndex::build(&fx.lib).expect("build");
    let listed = ProposalIndex::list_refs(&fx.lib).expect("list");
    // After the listing: a approved, c opened, both followed through the journal.
    fx.approve(a);
    let c = append(&fx.lib, "transparency", "c");
    index.refresh(&fx.lib).expect("refresh");
    assert!(index.get(a).expect("a").approved);
    index.rescan_with(&fx.lib, listed).expect("rescan");
    assert!(index.get(a).expect("a").approved, "not taken back");
    assert!(index.get(c).is_some(), "not dropped for being unlisted");
    assert_eq!(indexed(&index), truth(&fx.lib));
    // And the journal after the listing is read again, harmlessly.
    index.refresh(&fx.lib).expect("refresh");
    assert_eq!(indexed(&index), truth(&fx.lib));
}
