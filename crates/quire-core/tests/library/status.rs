//! Status rules: only an open proposal can be reviewed, revised, updated, merged or closed.

use quire_core::{Error, Mergeability, ProposalFilter, SectionId, Status, Verdict};

use crate::support::{contributor, maintainer, reviewer, Fixture};

/// Sets up three closed proposals: #1 merged, #2 withdrawn, #3 rejected (after approval).
fn three_closed() -> Fixture {
    let fx = Fixture::new();
    let p1 = fx.propose_sample("01");
    fx.approve_and_merge(p1.number);
    fx.propose_sample("02");
    fx.propose_sample("06");
    fx.approve(3);
    let w = fx.lib.withdraw(2, &contributor(), "").expect("withdraw");
    assert_eq!(w.status, Status::Withdrawn);
    let r = fx
        .lib
        .reject(3, &maintainer(), "Out of scope for this resource.")
        .expect("reject");
    assert_eq!(r.status, Status::Rejected);
    fx
}

#[test]
fn withdraw_and_reject_record_the_status_who_and_why() {
    let fx = three_closed();
    let w = fx.lib.proposal(2).expect("p2");
    assert_eq!(w.status, Status::Withdrawn);
    let closed = w.closed.as_ref().expect("closed info");
    assert_eq!((&closed.by, closed.reason.as_str()), (&contributor(), ""));
    assert!(w.merged.is_none());

    let r = fx.lib.proposal(3).expect("p3");
    assert_eq!(r.status, Status::Rejected);
    let closed = r.closed.as_ref().expect("closed info");
    assert_eq!(closed.by, maintainer());
    assert_eq!(closed.reason, "Out of scope for this resource.");

    assert_eq!(
        fx.lib
            .history(2)
            .expect("history")
            .last()
            .expect("event")
            .kind,
        "withdrawn"
    );
    assert_eq!(
        fx.lib
            .history(3)
            .expect("history")
            .last()
            .expect("event")
            .kind,
        "rejected"
    );
    let rejected = fx
        .lib
        .proposals(&ProposalFilter {
            status: Some(Status::Rejected),
            section: None,
        })
        .expect("list");
    assert_eq!(rejected.iter().map(|p| p.number).collect::<Vec<_>>(), [3]);
    let on_usability = fx
        .lib
        .proposals(&ProposalFilter {
            status: None,
            section: Some(SectionId::new("usability").expect("id")),
        })
        .expect("list");
    assert_eq!(
        on_usability.iter().map(|p| p.number).collect::<Vec<_>>(),
        [2]
    );

    // Rejecting needs a reason; refused, it writes nothing.
    let p = fx.propose_sample("05");
    let before = fx.refs();
    let err = fx
        .lib
        .reject(p.number, &maintainer(), "  ")
        .expect_err("no reason");
    assert!(matches!(err, Error::Invalid { .. }), "{err:?}");
    assert_eq!(fx.refs(), before);
    // Closing an approved proposal leaves main alone.
    assert_eq!(fx.git(&["rev-list", "--count", "main"]).trim(), "3");
}

#[test]
fn closed_proposals_cannot_be_merged_reviewed_revised_updated_or_closed_again() {
    let fx = three_closed();
    for (n, status) in [
        (1, Status::Merged),
        (2, Status::Withdrawn),
        (3, Status::Rejected),
    ] {
        let before = fx.refs();
        let not_open = |err: Error, action: &str| match err {
            Error::NotOpen {
                number,
                status: s,
                action: a,
            } => {
                assert_eq!((number, s), (n, status));
                assert_eq!(a, action);
            }
            other => panic!("#{n} {action}: expected NotOpen, got {other:?}"),
        };
        not_open(fx.lib.merge(n, &maintainer()).expect_err("merge"), "merged");
        assert_eq!(fx.refs(), before, "merge of #{n} changed refs");
        not_open(
            fx.lib
                .review(n, &reviewer(), Verdict::Approved, "")
                .expect_err("review"),
            "reviewed",
        );
        not_open(
            fx.lib
                .review(n, &reviewer(), Verdict::ChangesRequested, "")
                .expect_err("review"),
            "reviewed",
        );
        not_open(
            fx.lib
                .withdraw(n, &contributor(), "")
                .expect_err("withdraw"),
            "withdrawn",
        );
        not_open(
            fx.lib.reject(n, &maintainer(), "No.").expect_err("reject"),
            "rejected",
        );
        not_open(
            fx.lib.update(n, &maintainer(), &[]).expect_err("update"),
            "updated",
        );
        let p = fx.lib.proposal(n).expect("proposal");
        let id = p.sections[0].clone();
        let text = format!("{}\nA new line.\n", fx.main_text(id.as_str()));
        not_open(
            fx.lib
                .revise(n, &contributor(), &[(id, text)], "")
                .expect_err("revise"),
            "revised",
        );
        assert_eq!(fx.lib.mergeability(n).expect("m"), Mergeability::Closed);
        assert_eq!(fx.refs(), before, "a refused action on #{n} changed refs");
        assert_eq!(fx.lib.proposal(n).expect("proposal").status, status);
    }
    let msg = fx
        .lib
        .merge(2, &maintainer())
        .expect_err("merge")
        .to_string();
    assert_eq!(
        msg,
        "proposal #2 is withdrawn; only an open proposal can be merged"
    );
}
