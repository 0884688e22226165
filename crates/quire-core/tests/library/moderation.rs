//! Hiding and redacting: decisions are events; a redaction removes the text from git.

use quire_core::{CommentTarget, Error, SectionId, REDACTED};

use crate::support::{contributor, maintainer, Fixture};

const SECRET: &str = "Call me on 07700 900123, I live at 1 Acacia Avenue";

#[test]
fn a_redacted_proposal_comment_is_gone_from_every_commit_of_its_log() {
    let fx = Fixture::new();
    let p = fx.propose_sample("01");
    fx.lib
        .comment_proposal(p.number, &contributor(), "First, harmless.")
        .expect("comment 1");
    let c = fx
        .lib
        .comment_proposal(p.number, &contributor(), SECRET)
        .expect("comment 2");
    fx.lib
        .comment_proposal(p.number, &maintainer(), "A later comment.")
        .expect("comment 3");
    let meta = format!("refs/proposals/{}/meta", p.number);
    let events_before = fx.git(&["rev-list", "--count", &meta]);
    assert!(fx.git(&["log", "-p", &meta]).contains("07700 900123"));
    let main_before = fx.git(&["rev-parse", "main"]);

    fx.lib
        .redact_comment(
            &CommentTarget::Proposal(p.number),
            c.id,
            &maintainer(),
            "personal data",
        )
        .expect("redact");

    let log = fx.git(&["log", "-p", &meta]);
    assert!(
        !log.contains("07700 900123"),
        "the text is still in the log:\n{log}"
    );
    assert!(log.contains(REDACTED));
    assert!(log.contains("Redact comment 2"));
    let count: u32 = fx
        .git(&["rev-list", "--count", &meta])
        .trim()
        .parse()
        .expect("count");
    let before: u32 = events_before.trim().parse().expect("count");
    assert_eq!(count, before + 1, "one redaction event, no event lost");
    let state = fx.lib.proposal(p.number).expect("proposal");
    assert_eq!(state.comments.len(), 3);
    assert_eq!(state.comments[1].body, "");
    assert_eq!(
        state.comments[1]
            .redacted
            .as_ref()
            .map(|m| m.reason.as_str()),
        Some("personal data")
    );
    assert_eq!(state.comments[0].body, "First, harmless.");
    assert_eq!(state.comments[2].body, "A later comment.");
    assert_eq!(
        fx.git(&["rev-parse", "main"]),
        main_before,
        "only the one log is rewritten"
    );
    // After pruning, the text is nowhere in the object database.
    fx.git(&["reflog", "expire", "--expire=now", "--all"]);
    fx.git(&["gc", "--prune=now", "--quiet"]);
    let grep = fx.git_output(&["grep", "-e", "07700", &meta]);
    assert!(!grep.status.success());
    fx.assert_fsck_clean();

    let again = fx
        .lib
        .redact_comment(
            &CommentTarget::Proposal(p.number),
            c.id,
            &maintainer(),
            "again",
        )
        .expect_err("already redacted");
    assert!(matches!(again, Error::NoChange(_)), "{again}");
}

#[test]
fn a_section_comment_can_be_hidden_shown_and_redacted() {
    let fx = Fixture::new();
    let section = SectionId::new("usability").expect("id");
    let target = CommentTarget::Section(section.clone());
    let c = fx
        .lib
        .comment_section("usability", &contributor(), SECRET)
        .expect("comment");
    fx.lib
        .set_comment_hidden(&target, c.id, &maintainer(), true, "abusive")
        .expect("hide");
    let list = fx.lib.section_comments("usability").expect("comments");
    assert_eq!(
        list[0].hidden.as_ref().map(|m| m.reason.as_str()),
        Some("abusive")
    );
    fx.lib
        .set_comment_hidden(&target, c.id, &maintainer(), false, "")
        .expect("show");
    assert!(fx.lib.section_comments("usability").expect("comments")[0]
        .hidden
        .is_none());
    fx.lib
        .redact_comment(&target, c.id, &maintainer(), "phone number")
        .expect("redact");
    assert!(!fx
        .git(&["log", "-p", "refs/comments/usability"])
        .contains("07700"));
    let kinds: Vec<String> = fx
        .lib
        .section_history("usability")
        .expect("history")
        .into_iter()
        .map(|e| e.kind)
        .collect();
    assert_eq!(kinds, ["commented", "hidden", "unhidden", "redacted"]);
}

#[test]
fn hiding_a_proposal_is_an_event_and_unknown_comments_are_refused() {
    let fx = Fixture::new();
    let p = fx.propose_sample("06");
    let hidden = fx
        .lib
        .set_proposal_hidden(p.number, &maintainer(), true, "spam")
        .expect("hide");
    assert_eq!(
        hidden.hidden.as_ref().map(|m| m.reason.as_str()),
        Some("spam")
    );
    let subjects = fx.git(&[
        "log",
        "--format=%s",
        &format!("refs/proposals/{}/meta", p.number),
    ]);
    assert!(
        subjects.starts_with(&format!("Hide proposal {}", p.number)),
        "{subjects}"
    );
    let refs = fx.refs();
    let err = fx
        .lib
        .redact_comment(&CommentTarget::Proposal(p.number), 99, &maintainer(), "x")
        .expect_err("no comment 99");
    assert!(err.to_string().contains("no comment 99"), "{err}");
    let err = fx
        .lib
        .set_proposal_hidden(p.number, &maintainer(), true, " ")
        .expect_err("a reason is needed");
    assert!(err.to_string().contains("reason"), "{err}");
    assert_eq!(fx.refs(), refs, "refused moderation changes nothing");
}
