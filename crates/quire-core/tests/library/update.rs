//! Updating a proposal onto the current `main`.

use quire_core::{Error, RevisionKind, SectionId, Verdict};

use crate::support::{contributor, maintainer, reviewer, reviewer2, Fixture};

/// Opens #1 (an edit to the summary of `transparency`) and #2 (sample 06, a new bullet in
/// the same section), and merges #2 so that #1's base is old but merges cleanly.
fn old_base_clean() -> Fixture {
    let fx = Fixture::new();
    fx.propose_edit(
        "Say what openness gives people",
        "transparency",
        "unless there is a good reason to withhold them.\n",
        "unless there is a good reason to withhold them, so people can see how you work.\n",
    );
    fx.propose_sample("06");
    fx
}

#[test]
fn a_clean_update_carries_approvals_over() {
    let fx = old_base_clean();
    let before = fx
        .lib
        .review(1, &reviewer(), Verdict::Approved, "Yes.")
        .expect("approve");
    fx.lib
        .review(1, &reviewer2(), Verdict::Approved, "Yes.")
        .expect("approve");
    fx.approve_and_merge(2);
    let main = fx.lib.main().expect("main");

    let updated = fx.lib.update(1, &contributor(), &[]).expect("update");
    let r2 = updated.latest();
    assert_eq!((r2.number, r2.kind), (2, RevisionKind::Updated));
    assert_eq!(r2.base, main);
    assert!(r2.note.contains("cleanly"), "{}", r2.note);
    assert!(
        updated.is_approved(&quire_core::ReviewRules::default()),
        "approvals carried over"
    );
    let verdicts = updated.current_verdicts();
    assert_eq!(verdicts.len(), 2);
    for v in &verdicts {
        assert_eq!(v.revision, 2);
        assert_eq!(v.verdict, Verdict::Approved);
        assert!(
            v.comment.contains("Carried over from revision 1"),
            "{}",
            v.comment
        );
    }
    assert_eq!(fx.lib.proposal(1).expect("p"), updated);
    assert_eq!(
        fx.git(&["log", "-1", "--format=%s", "refs/proposals/1/meta"])
            .trim(),
        "Carry approvals of proposal 1 over to revision 2"
    );
    assert_eq!(fx.git(&["rev-parse", "refs/proposals/1/2^"]).trim(), main.0);
    // The same change, now on top of main.
    assert_eq!(
        fx.lib.proposal_diff(1, Some(2)).expect("diff")[0]
            .diff
            .stats,
        fx.lib.proposal_diff(1, Some(1)).expect("diff")[0]
            .diff
            .stats
    );
    assert_eq!(before.latest().number, 1);

    fx.lib
        .merge(1, &maintainer())
        .expect("merge without a new review");
    let text = fx.main_text("transparency");
    assert!(text.contains("so people can see how you work."), "{text}");
    assert!(text.contains("automated tools or algorithms"), "{text}");
    // The update was a fast step on main: the merge's first parent is the main it was based on.
    assert_eq!(fx.git(&["rev-parse", "main^1"]).trim(), main.0);
    fx.assert_fsck_clean();
}

#[test]
fn a_clean_update_keeps_a_standing_change_request() {
    let fx = old_base_clean();
    fx.lib
        .review(1, &reviewer(), Verdict::Approved, "Yes.")
        .expect("approve");
    fx.lib
        .review(1, &reviewer2(), Verdict::ChangesRequested, "Say how.")
        .expect("request changes");
    fx.approve_and_merge(2);
    let updated = fx.lib.update(1, &contributor(), &[]).expect("update");
    assert!(
        !updated.is_approved(&quire_core::ReviewRules::default()),
        "an update must not drop a standing change request: {:?}",
        updated.current_verdicts()
    );
    let before = fx.refs();
    let err = fx
        .lib
        .merge(1, &maintainer())
        .expect_err("changes still requested");
    assert!(matches!(err, Error::NotApproved { .. }), "{err:?}");
    assert_eq!(fx.refs(), before);
}

#[test]
fn updating_a_proposal_already_on_main_is_no_change() {
    let fx = old_base_clean();
    let before = fx.refs();
    let err = fx
        .lib
        .update(1, &contributor(), &[])
        .expect_err("already on main");
    assert!(matches!(err, Error::NoChange(_)), "{err:?}");
    assert!(
        err.to_string()
            .contains("already based on the current main"),
        "{err}"
    );
    assert_eq!(fx.refs(), before);

    // After an update it is on main again.
    fx.approve_and_merge(2);
    fx.lib.update(1, &contributor(), &[]).expect("update");
    let before = fx.refs();
    let err = fx
        .lib
        .update(1, &contributor(), &[])
        .expect_err("on main again");
    assert!(matches!(err, Error::NoChange(_)), "{err:?}");
    assert_eq!(fx.refs(), before);
}

#[test]
fn updating_a_proposal_whose_text_main_already_has_is_no_change() {
    let fx = Fixture::new();
    fx.propose_sample("02");
    fx.propose_sample("02");
    fx.approve_and_merge(1);
    let before = fx.refs();
    let err = fx
        .lib
        .update(2, &contributor(), &[])
        .expect_err("main has the text");
    assert!(matches!(err, Error::NoChange(_)), "{err:?}");
    assert!(err.to_string().contains("withdraw"), "{err}");
    assert_eq!(fx.refs(), before);
}

#[test]
fn an_update_refuses_a_resolution_for_a_section_outside_the_proposal() {
    let fx = old_base_clean();
    fx.approve_and_merge(2);
    let before = fx.refs();
    let err = fx
        .lib
        .update(
            1,
            &contributor(),
            &[(
                SectionId::new("usability").expect("id"),
                "# Usability\n\nNew.\n".into(),
            )],
        )
        .expect_err("not part of the proposal");
    assert!(matches!(err, Error::Invalid { .. }), "{err:?}");
    assert!(err.to_string().contains("not part of proposal 1"), "{err}");
    assert_eq!(fx.refs(), before);
}
