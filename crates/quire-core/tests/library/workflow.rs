//! The whole path of a proposal: propose, diff, discuss, review, merge; conflicts and how
//! an update resolves them.

use quire_core::prose::{BlockDiff, SpanOp};
use quire_core::{Error, Mergeability, NewProposal, RevisionKind, SectionId, Status, Verdict};

use crate::support::{
    contributor, edit, editor, from_file, lines, maintainer, proposal_file, reviewer, reviewer2,
    Fixture,
};

#[test]
fn proposals_open_from_a_file_and_from_a_new_proposal() {
    let fx = Fixture::new();
    let initial = fx.lib.main().expect("main");
    let file = proposal_file("01");
    let p1 = fx.lib.propose(&from_file(&file)).expect("propose 01");
    assert_eq!(p1.number, 1);
    assert_eq!(p1.status, Status::Open);
    assert_eq!(p1.title, file.title);
    assert_eq!(
        p1.author.to_string(),
        "Gareth Llewellyn <gareth.llewellyn@example.org>"
    );
    assert_eq!(
        p1.sections,
        [SectionId::new("customer-experience").expect("id")]
    );
    assert_eq!(p1.revisions.len(), 1);
    let r1 = &p1.revisions[0];
    assert_eq!((r1.number, r1.kind), (1, RevisionKind::Opened));
    assert_eq!(r1.base, initial);
    assert_eq!(fx.lib.proposal(1).expect("stored"), p1);

    // The revision is a commit on its base with the proposed text, under its own ref.
    assert_eq!(
        fx.git(&["rev-parse", "refs/proposals/1/1"]).trim(),
        r1.commit.0
    );
    assert_eq!(
        fx.git(&["rev-parse", "refs/proposals/1/1^"]).trim(),
        initial.0
    );
    assert_eq!(
        fx.git(&["show", "refs/proposals/1/1:sections/customer-experience.md"]),
        file.changes[0].1
    );
    assert_eq!(
        fx.git(&["diff", "--name-only", "main", "refs/proposals/1/1"])
            .trim(),
        "sections/customer-experience.md"
    );
    assert_eq!(
        fx.git(&["log", "-1", "--format=%an <%ae>", "refs/proposals/1/1"])
            .trim(),
        p1.author.to_string()
    );
    // Proposing does not touch main.
    assert_eq!(fx.lib.main().expect("main"), initial);

    let text = edit(
        &fx.main_text("about-this-resource"),
        "It answers five questions",
        "It answers six questions",
    );
    let p2 = fx
        .lib
        .propose(&NewProposal {
            title: "Count the questions right".into(),
            rationale: "There are six.".into(),
            author: contributor(),
            changes: vec![(
                SectionId::new("about-this-resource").expect("id"),
                text.clone(),
            )],
            base: Some("main".into()),
        })
        .expect("propose");
    assert_eq!(p2.number, 2);
    assert_eq!(p2.rationale, "There are six.");
    let id = SectionId::new("about-this-resource").expect("id");
    assert_eq!(fx.lib.proposal_text(2, &id, None).expect("text"), text);
    assert_eq!(fx.lib.proposal_numbers().expect("numbers"), [1, 2]);
    fx.assert_fsck_clean();
}

#[test]
fn proposal_diff_shows_words_deleted_and_inserted() {
    let fx = Fixture::new();
    let p = fx.propose_sample("05");
    let diffs = fx.lib.proposal_diff(p.number, None).expect("diff");
    assert_eq!(diffs.len(), 1);
    assert_eq!(diffs[0].section.as_str(), "assisted-digital");
    assert_eq!(diffs[0].title, "Principle 13: Assisted digital");
    let changed: Vec<_> = diffs[0]
        .diff
        .blocks
        .iter()
        .filter_map(|b| match b {
            BlockDiff::Changed { spans, .. } => Some(spans),
            _ => None,
        })
        .collect();
    assert_eq!(changed.len(), 1, "one list item changed");
    let spans = changed[0];
    let deleted: String = spans
        .iter()
        .filter(|s| s.op == SpanOp::Delete)
        .map(|s| s.text.as_str())
        .collect();
    let inserted: String = spans
        .iter()
        .filter(|s| s.op == SpanOp::Insert)
        .map(|s| s.text.as_str())
        .collect();
    assert!(deleted.contains("showing"), "{deleted:?}");
    assert!(deleted.contains("wants"), "{deleted:?}");
    assert!(inserted.contains("consent"), "{inserted:?}");
    assert!(
        inserted.contains("passwords or bank details"),
        "{inserted:?}"
    );
    assert!(!diffs[0]
        .diff
        .blocks
        .iter()
        .any(|b| matches!(b, BlockDiff::Added { .. } | BlockDiff::Removed { .. })));

    // Revision 1 explicitly gives the same diff; a revision that does not exist is refused.
    assert_eq!(
        fx.lib.proposal_diff(p.number, Some(1)).expect("diff"),
        diffs
    );
    let err = fx
        .lib
        .proposal_diff(p.number, Some(2))
        .expect_err("no revision 2");
    assert!(
        matches!(
            err,
            Error::UnknownRevision {
                number: 1,
                revision: 2
            }
        ),
        "{err:?}"
    );

    // A two-section proposal diffs both sections, in its own order.
    let p4 = fx.propose_sample("04");
    let diffs = fx.lib.proposal_diff(p4.number, None).expect("diff");
    let ids: Vec<&str> = diffs.iter().map(|d| d.section.as_str()).collect();
    assert_eq!(ids, ["take-up", "assisted-digital"]);
}

#[test]
fn discuss_review_and_merge_a_proposal() {
    let fx = Fixture::new();
    let initial = fx.lib.main().expect("main");
    let file = proposal_file("01");
    let p = fx.lib.propose(&from_file(&file)).expect("propose");

    let c1 = fx
        .lib
        .comment_proposal(
            1,
            &reviewer(),
            "How long did the tracking page take to build?",
        )
        .expect("comment");
    assert_eq!((c1.id, c1.revision, &c1.author), (1, Some(1), &reviewer()));
    let c2 = fx
        .lib
        .comment_proposal(1, &p.author, "About six weeks,\r\nincluding testing.")
        .expect("comment");
    assert_eq!(c2.id, 2);
    assert_eq!(c2.body, "About six weeks,\nincluding testing.");
    let stored = fx.lib.proposal(1).expect("proposal");
    assert_eq!(stored.comments, [c1, c2]);

    let sc = fx
        .lib
        .comment_section(
            "customer-experience",
            &reviewer2(),
            "The example could name a council.",
        )
        .expect("section comment");
    assert_eq!((sc.id, sc.revision), (1, None));
    assert_eq!(
        fx.lib
            .section_comments("customer-experience")
            .expect("comments"),
        [sc]
    );
    assert!(fx
        .git(&["show", "refs/comments/customer-experience:comments.json"])
        .contains("The example could name a council."));
    assert!(fx
        .lib
        .section_comments("usability")
        .expect("none")
        .is_empty());

    assert!(!stored.is_approved(&quire_core::ReviewRules::default()));
    let approved = fx
        .lib
        .review(1, &reviewer(), Verdict::Approved, "Good addition.")
        .expect("approve");
    assert!(approved.is_approved(&quire_core::ReviewRules::default()));
    assert_eq!(approved.reviews.len(), 1);
    assert_eq!(approved.reviews[0].revision, 1);
    assert_eq!(
        fx.lib.mergeability(1).expect("mergeability"),
        Mergeability::Clean
    );

    let merged = fx.lib.merge(1, &maintainer()).expect("merge");
    assert_eq!(merged.status, Status::Merged);
    let info = merged.merged.as_ref().expect("merge info");
    assert_eq!(info.by, maintainer());
    assert_eq!(info.revision, 1);
    let main = fx.lib.main().expect("main");
    assert_eq!(info.commit, main);
    assert_eq!(fx.main_text("customer-experience"), file.changes[0].1);
    assert_eq!(
        fx.lib.mergeability(1).expect("closed"),
        Mergeability::Closed
    );

    // A real merge commit: first parent the old main, second the revision.
    let parents = fx.git(&["rev-list", "--parents", "-n", "1", "main"]);
    let parents: Vec<&str> = parents.split_whitespace().collect();
    assert_eq!(
        parents,
        [
            main.0.as_str(),
            initial.0.as_str(),
            p.revisions[0].commit.0.as_str()
        ]
    );
    assert_eq!(
        fx.git(&["log", "-1", "--format=%an <%ae>|%cn <%ce>|%s", "main"])
            .trim(),
        format!("{}|{}|{} (#1)", p.author, maintainer(), file.title)
    );
    assert_eq!(
        fx.git(&[
            "log",
            "-1",
            "--format=%(trailers:key=Reviewed-by,valueonly)",
            "main"
        ])
        .trim(),
        reviewer().to_string()
    );
    assert_eq!(
        fx.git(&[
            "log",
            "-1",
            "--format=%(trailers:key=Proposal,valueonly)",
            "main"
        ])
        .trim(),
        "1"
    );
    // The rest of the tree is untouched.
    assert_eq!(
        fx.git(&["diff", "--name-only", &initial.0, "main"]).trim(),
        "sections/customer-experience.md"
    );
    fx.assert_fsck_clean();
}

#[test]
fn merge_needs_an_approval_of_the_latest_revision_and_no_standing_change_request() {
    let fx = Fixture::new();
    let p = fx.propose_edit(
        "Count the questions right",
        "about-this-resource",
        "It answers five questions",
        "It answers six questions",
    );
    let n = p.number;
    let before = fx.refs();
    let err = fx.lib.merge(n, &maintainer()).expect_err("no approval");
    assert!(
        matches!(err, Error::NotApproved { number: 1, .. }),
        "{err:?}"
    );
    assert!(err.to_string().contains("no approval"), "{err}");
    assert_eq!(fx.refs(), before);

    fx.approve(n);
    fx.lib
        .review(n, &reviewer2(), Verdict::ChangesRequested, "Say which six.")
        .expect("request changes");
    let before = fx.refs();
    let err = fx
        .lib
        .merge(n, &maintainer())
        .expect_err("changes requested");
    assert!(matches!(err, Error::NotApproved { .. }), "{err:?}");
    assert!(err.to_string().contains("changes were requested"), "{err}");
    assert_eq!(fx.refs(), before);

    // A new revision needs a new approval: verdicts on revision 1 no longer count.
    let id = SectionId::new("about-this-resource").expect("id");
    let text = edit(
        &fx.main_text("about-this-resource"),
        "It answers five questions",
        "It answers six questions (what, why, when, who, how and where)",
    );
    let revised = fx
        .lib
        .revise(n, &contributor(), &[(id, text)], "Named the six.")
        .expect("revise");
    assert_eq!(revised.latest().number, 2);
    assert_eq!(revised.latest().kind, RevisionKind::Revised);
    assert_eq!(revised.latest().base, p.latest().base);
    assert!(revised.current_verdicts().is_empty());
    let before = fx.refs();
    let err = fx
        .lib
        .merge(n, &maintainer())
        .expect_err("revision 2 unreviewed");
    assert!(
        err.to_string().contains("revision 2 has no approval"),
        "{err}"
    );
    assert_eq!(fx.refs(), before);

    fx.lib
        .review(n, &reviewer2(), Verdict::Approved, "Thanks.")
        .expect("approve revision 2");
    let merged = fx.lib.merge(n, &maintainer()).expect("merge");
    assert_eq!(merged.merged.expect("merge info").revision, 2);
    assert!(fx.main_text("about-this-resource").contains("where)"));
    assert_eq!(
        fx.git(&["rev-parse", "main^2"]).trim(),
        fx.git(&["rev-parse", "refs/proposals/1/2"]).trim()
    );
}

#[test]
fn a_conflicting_merge_is_refused_then_resolved_by_an_update() {
    let fx = Fixture::new();
    let helen = fx.propose_sample("02");
    let tom = fx.propose_sample("03");
    assert_eq!((helen.number, tom.number), (1, 2));
    fx.approve(1);
    fx.approve(2);
    assert_eq!(fx.lib.mergeability(2).expect("m"), Mergeability::Clean);
    fx.lib.merge(1, &maintainer()).expect("merge 02");
    let main_after_first = fx.lib.main().expect("main");

    let Mergeability::Conflict { report } = fx.lib.mergeability(2).expect("m") else {
        panic!("03 should conflict with 02 once 02 is merged");
    };
    let before = fx.refs();
    let err = fx.lib.merge(2, &maintainer()).expect_err("conflict");
    let Error::Conflict(refused) = &err else {
        panic!("expected a conflict, got {err:?}");
    };
    assert_eq!(refused, &report);
    assert_eq!(refused.number, 2);
    assert_eq!(refused.sections.len(), 1);
    assert_eq!(refused.sections[0].section, "usability");
    let hunks = &refused.sections[0].hunks;
    assert!(!hunks.is_empty());
    assert!(hunks.iter().any(|h| h.main.contains("WCAG")), "{hunks:?}");
    assert!(
        hunks
            .iter()
            .any(|h| h.proposal.contains("target reading age")),
        "{hunks:?}"
    );
    assert!(
        !hunks.iter().any(|h| h.main.contains("reading age")),
        "{hunks:?}"
    );
    assert!(
        !hunks.iter().any(|h| h.proposal.contains("WCAG")),
        "{hunks:?}"
    );
    let msg = err.to_string();
    assert!(
        msg.contains("'usability'") && msg.contains("update it onto main"),
        "{msg}"
    );
    assert_eq!(fx.refs(), before, "a refused merge writes nothing");
    assert_eq!(fx.lib.main().expect("main"), main_after_first);
    assert_eq!(fx.lib.proposal(2).expect("p").status, Status::Open);

    // An update without a resolution is refused the same way.
    let err = fx.lib.update(2, &maintainer(), &[]).expect_err("conflict");
    assert!(
        matches!(&err, Error::Conflict(r) if r.sections[0].section == "usability"),
        "{err:?}"
    );
    assert_eq!(fx.refs(), before);

    // With the resolved text it becomes revision 2 on the current main.
    let usability = SectionId::new("usability").expect("id");
    let resolved = edit(
        &fx.main_text("usability"),
        "expected to meet by law, and they should cover:",
        "expected to meet by law, set a target reading age for everything you publish, such as nine years, and they should cover:",
    );
    let updated = fx
        .lib
        .update(2, &maintainer(), &[(usability.clone(), resolved.clone())])
        .expect("update with a resolution");
    assert_eq!(updated.revisions.len(), 2);
    let r2 = updated.latest();
    assert_eq!((r2.number, r2.kind), (2, RevisionKind::Updated));
    assert_eq!(r2.base, main_after_first);
    assert_eq!(r2.author, maintainer());
    assert!(r2.note.contains("resolved"), "{}", r2.note);
    assert_eq!(
        fx.git(&["rev-parse", "refs/proposals/2/2"]).trim(),
        r2.commit.0
    );
    assert_eq!(
        fx.git(&["rev-parse", "refs/proposals/2/2^"]).trim(),
        main_after_first.0
    );
    assert_eq!(
        fx.lib.proposal_text(2, &usability, None).expect("text"),
        resolved
    );
    // The old revision is kept.
    assert_eq!(
        fx.git(&["rev-parse", "refs/proposals/2/1"]).trim(),
        tom.latest().commit.0
    );
    // A hand-resolved update is a new change: the approval does not carry over.
    assert!(!updated.is_approved(&quire_core::ReviewRules::default()));
    let err = fx
        .lib
        .merge(2, &maintainer())
        .expect_err("needs approval again");
    assert!(matches!(err, Error::NotApproved { .. }), "{err:?}");
    assert_eq!(fx.lib.mergeability(2).expect("m"), Mergeability::Clean);

    fx.approve_and_merge(2);
    assert_eq!(fx.main_text("usability"), resolved);

    // Credit: the proposers author the merge commits on main, the maintainer commits them.
    let authors = fx.git(&["log", "--first-parent", "--format=%an <%ae>", "main"]);
    assert_eq!(
        lines(&authors),
        [
            tom.author.to_string(),
            helen.author.to_string(),
            editor().to_string()
        ]
    );
    let everyone = fx.git(&["log", "--format=%an", "main"]);
    for name in [&helen.author.name, &tom.author.name] {
        assert!(
            lines(&everyone).contains(&name.as_str()),
            "{name} in {everyone}"
        );
    }
    let subjects = fx.git(&["log", "--first-parent", "--format=%s", "main"]);
    assert_eq!(
        lines(&subjects),
        [
            format!("{} (#2)", tom.title).as_str(),
            format!("{} (#1)", helen.title).as_str(),
            "Start Digital Insights from its first text",
        ]
    );
    let committers = fx.git(&[
        "log",
        "--first-parent",
        "--merges",
        "--format=%cn <%ce>",
        "main",
    ]);
    let m = maintainer().to_string();
    assert_eq!(lines(&committers), [m.as_str(); 2]);
    let log = fx.lib.log(10).expect("log");
    let numbers: Vec<Option<u64>> = log.iter().map(|e| e.proposal).collect();
    assert_eq!(numbers, [Some(2), Some(1), None]);
    assert_eq!(log[0].committer, maintainer());
    assert_eq!(log[0].author, tom.author);
    assert_eq!(log[0].summary, format!("{} (#2)", tom.title));
    assert_eq!(fx.lib.log(1).expect("log").len(), 1);
    fx.assert_fsck_clean();
}

#[test]
fn a_proposal_merges_cleanly_when_main_changed_another_part_of_its_section() {
    let fx = Fixture::new();
    let transparency = fx.propose_sample("06");
    let summary = fx.propose_edit(
        "Say what openness gives people",
        "transparency",
        "unless there is a good reason to withhold them.\n",
        "unless there is a good reason to withhold them, so people can see how you work.\n",
    );
    fx.approve_and_merge(summary.number);
    assert_eq!(
        fx.lib.mergeability(transparency.number).expect("m"),
        Mergeability::Clean
    );
    let merged = fx.approve_and_merge(transparency.number);
    assert_eq!(merged.revisions.len(), 1, "no update was needed");
    let text = fx.main_text("transparency");
    assert!(text.contains("so people can see how you work."), "{text}");
    assert!(text.contains("automated tools or algorithms"), "{text}");
    assert_eq!(
        fx.git(&["rev-parse", "main^2"]).trim(),
        transparency.latest().commit.0
    );
    fx.assert_fsck_clean();
}

#[test]
fn proposals_to_different_sections_merge_in_any_order() {
    let fx = Fixture::new();
    let p4 = fx.propose_sample("04");
    let p1 = fx.propose_sample("01");
    fx.approve_and_merge(p1.number);
    fx.approve_and_merge(p4.number);
    for (id, text) in proposal_file("04")
        .changes
        .iter()
        .chain(&proposal_file("01").changes)
    {
        assert_eq!(&fx.main_text(id.as_str()), text);
    }
    assert_eq!(
        fx.git(&["diff", "--name-only", "main~1", "main"]).trim(),
        "sections/assisted-digital.md\nsections/take-up.md"
    );
}

#[test]
fn sample_05_conflicts_with_04_only_once_04_is_merged() {
    let fx = Fixture::new();
    let p4 = fx.propose_sample("04");
    let p5 = fx.propose_sample("05");
    assert_eq!(
        fx.lib.mergeability(p5.number).expect("m"),
        Mergeability::Clean
    );
    fx.approve_and_merge(p4.number);
    match fx.lib.mergeability(p5.number).expect("m") {
        Mergeability::Conflict { report } => {
            let names: Vec<&str> = report.sections.iter().map(|s| s.section.as_str()).collect();
            assert_eq!(names, ["assisted-digital"]);
        }
        other => panic!("expected a conflict, got {other:?}"),
    }
}

#[test]
fn a_revision_commit_is_authored_by_whoever_made_it() {
    let fx = Fixture::new();
    let p = fx.propose_sample("05");
    let id = SectionId::new("assisted-digital").expect("id");
    let text = format!(
        "{}\nA closing line.\n",
        fx.lib.proposal_text(1, &id, None).expect("text")
    );
    let revised = fx
        .lib
        .revise(1, &reviewer(), &[(id, text)], "Added a closing line.")
        .expect("revise");
    assert_eq!(revised.latest().author, reviewer());
    assert_eq!(revised.author, p.author, "the proposal keeps its author");
    assert_eq!(
        fx.git(&[
            "log",
            "-1",
            "--format=%an <%ae>|%cn <%ce>",
            "refs/proposals/1/2"
        ])
        .trim(),
        format!("{}|{}", reviewer(), reviewer())
    );
    assert_eq!(
        fx.git(&["log", "-1", "--format=%an <%ae>", "refs/proposals/1/1"])
            .trim(),
        p.author.to_string()
    );
}

#[test]
fn an_edit_started_from_an_old_revision_is_refused_and_writes_nothing() {
    let fx = Fixture::new();
    fx.propose_sample("05");
    let id = SectionId::new("assisted-digital").expect("id");
    let text = fx.lib.proposal_text(1, &id, None).expect("text");
    // Two people open the edit form at revision 1; the first one saves.
    fx.lib
        .revise_from(
            1,
            &reviewer(),
            Some(1),
            &[(id.clone(), format!("{text}\nFirst closing line.\n"))],
            "",
        )
        .expect("first edit");
    let before = fx.git(&["for-each-ref"]);
    let err = fx
        .lib
        .revise_from(
            1,
            &contributor(),
            Some(1),
            &[(id.clone(), format!("{text}\nSecond closing line.\n"))],
            "",
        )
        .expect_err("the second edit started from revision 1");
    assert!(matches!(err, Error::Outdated(_)), "{err:?}");
    assert!(err.to_string().contains("revision 2"), "{err}");
    assert_eq!(fx.git(&["for-each-ref"]), before, "nothing written");
    assert!(fx
        .lib
        .proposal_text(1, &id, None)
        .expect("text")
        .contains("First closing line."));
    // Made again from the latest revision, it is accepted.
    let p = fx
        .lib
        .revise_from(
            1,
            &contributor(),
            Some(2),
            &[(id, format!("{text}\nSecond closing line.\n"))],
            "",
        )
        .expect("edit from revision 2");
    assert_eq!(p.latest().number, 3);
}
