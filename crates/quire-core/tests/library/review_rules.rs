//! Review rules: how many approvals a merge needs, and that a proposer's own approval does
//! not count, enforced in the core for every writer.

use quire_core::index::ProposalIndex;
use quire_core::{Error, ReviewRules, Verdict};

use crate::support::{contributor, maintainer, reviewer, reviewer2, Fixture};

fn open_by_contributor(fx: &Fixture) -> u64 {
    fx.propose_edit(
        "Count the questions right",
        "about-this-resource",
        "It answers five questions",
        "It answers six questions",
    )
    .number
}

#[test]
fn self_approval_does_not_count_towards_a_merge() {
    let fx = Fixture::new();
    let n = open_by_contributor(&fx);
    fx.lib
        .review(n, &contributor(), Verdict::Approved, "I like it.")
        .expect("the author may say so");
    let before = fx.refs();
    let err = fx.lib.merge(n, &maintainer()).expect_err("own approval");
    assert!(matches!(err, Error::NotApproved { .. }), "{err:?}");
    let msg = err.to_string();
    assert!(msg.contains("no approval yet, and it needs 1"), "{msg}");
    assert!(
        msg.contains("author's own approval does not count"),
        "{msg}"
    );
    assert_eq!(fx.refs(), before, "a refused merge writes nothing");

    let p = fx.lib.proposal(n).expect("proposal");
    let status = p.approval_status(&ReviewRules::default());
    assert_eq!(status.counted, 0);
    assert_eq!(status.not_counted.len(), 1);
    assert_eq!(status.not_counted[0].reviewer, contributor());
    assert_eq!(status.summary(), "Approvals: 0 of 1 needed");

    fx.approve(n);
    fx.lib
        .merge(n, &maintainer())
        .expect("another reviewer's approval counts");
    fx.assert_fsck_clean();
}

#[test]
fn two_required_approvals_refuse_a_merge_with_one_then_allow_it_with_two() {
    let fx = Fixture::new();
    fx.lib
        .set_review_rules(&ReviewRules {
            required_approvals: 2,
            author_approval_counts: false,
        })
        .expect("set rules");
    assert_eq!(fx.git(&["config", "quire.requiredApprovals"]).trim(), "2");
    let n = open_by_contributor(&fx);
    fx.approve(n);
    fx.lib
        .review(n, &contributor(), Verdict::Approved, "")
        .expect("own approval");
    let before = fx.refs();
    let err = fx.lib.merge(n, &maintainer()).expect_err("one of two");
    let msg = err.to_string();
    assert!(
        msg.contains("revision 1 has 1 of the 2 approvals it needs (an author's own approval does not count)"),
        "{msg}"
    );
    assert_eq!(fx.refs(), before, "a refused merge writes nothing");
    // The index agrees.
    let index = ProposalIndex::build(&fx.lib).expect("index");
    assert!(!index.get(n).expect("summary").approved);

    fx.lib
        .review(n, &reviewer2(), Verdict::Approved, "")
        .expect("second approval");
    let p = fx.lib.merge(n, &maintainer()).expect("two approvals");
    assert!(p.merged.is_some());
    fx.assert_fsck_clean();
}

#[test]
fn an_authors_approval_counts_where_the_library_says_so() {
    let fx = Fixture::new();
    fx.lib
        .set_review_rules(&ReviewRules {
            required_approvals: 1,
            author_approval_counts: true,
        })
        .expect("set rules");
    let n = open_by_contributor(&fx);
    let mut index = ProposalIndex::build(&fx.lib).expect("index");
    fx.lib
        .review(n, &contributor(), Verdict::Approved, "")
        .expect("own approval");
    index.refresh(&fx.lib).expect("refresh");
    assert!(index.get(n).expect("summary").approved);
    // Tightening the rules is seen by the next refresh, without a change to the proposal.
    fx.lib
        .set_review_rules(&ReviewRules::default())
        .expect("set rules");
    index.refresh(&fx.lib).expect("refresh");
    assert!(!index.get(n).expect("summary").approved);
    fx.lib
        .set_review_rules(&ReviewRules {
            required_approvals: 1,
            author_approval_counts: true,
        })
        .expect("set rules");
    fx.lib
        .merge(n, &maintainer())
        .expect("the author's approval counts");
}

#[test]
fn malformed_review_rules_are_refused_and_never_loosen_a_merge() {
    let fx = Fixture::new();
    let n = open_by_contributor(&fx);
    fx.lib
        .review(n, &reviewer(), Verdict::Approved, "")
        .expect("approve");
    for (key, value, says) in [
        ("quire.requiredApprovals", "0", "from 1 to 20"),
        ("quire.requiredApprovals", "two", "quire.requiredApprovals"),
        ("quire.authorApprovalCounts", "perhaps", "true or false"),
    ] {
        fx.git(&["config", key, value]);
        let before = fx.refs();
        let err = fx.lib.merge(n, &maintainer()).expect_err("malformed rule");
        let msg = err.to_string();
        assert!(msg.contains(key) && msg.contains(says), "{msg}");
        assert_eq!(fx.refs(), before);
        fx.git(&["config", "--unset", key]);
    }
    let err = fx
        .lib
        .set_review_rules(&ReviewRules {
            required_approvals: 0,
            author_approval_counts: false,
        })
        .expect_err("zero");
    assert!(err.to_string().contains("from 1 to 20"), "{err}");
    fx.lib.merge(n, &maintainer()).expect("merge");
}
