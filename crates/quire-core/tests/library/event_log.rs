//! Event logs are plain git history: readable with `git log`, state in a JSON file,
//! trailers that git itself parses.

use quire_core::{Proposal, SectionComments, Verdict};

use crate::support::{lines, maintainer, reviewer, reviewer2, Fixture};

#[test]
fn a_proposals_event_log_reads_as_its_history_in_git() {
    let fx = Fixture::new();
    let p = fx.propose_sample("01");
    fx.lib
        .comment_proposal(
            1,
            &reviewer(),
            "Could we say how long it took?\n\nSee-also: the take-up section",
        )
        .expect("comment");
    fx.lib
        .review(
            1,
            &reviewer2(),
            Verdict::ChangesRequested,
            "Name the council.",
        )
        .expect("request changes");
    fx.lib
        .review(1, &reviewer2(), Verdict::Approved, "Fine as it is.")
        .expect("approve");
    fx.lib.merge(1, &maintainer()).expect("merge");

    let meta = "refs/proposals/1/meta";
    assert_eq!(
        lines(&fx.git(&["log", "--format=%s", meta])),
        [
            "Merge proposal 1 into main".to_string(),
            "Approve proposal 1, revision 1".to_string(),
            "Request changes to proposal 1, revision 1".to_string(),
            "Comment on proposal 1".to_string(),
            format!("Open proposal 1: {}", p.title),
        ]
    );
    assert_eq!(
        lines(&fx.git(&["log", "--format=%(trailers:key=Event,valueonly)", meta])),
        [
            "merged",
            "approved",
            "changes-requested",
            "commented",
            "opened"
        ]
    );
    assert_eq!(
        lines(&fx.git(&["log", "--format=%(trailers:key=Proposal,valueonly)", meta])),
        ["1"; 5]
    );
    assert_eq!(
        lines(&fx.git(&["log", "--format=%(trailers:key=Verdict,valueonly)", meta])),
        ["approved", "changes-requested"]
    );
    assert_eq!(
        lines(&fx.git(&["log", "--format=%an <%ae>", meta])),
        [
            maintainer().to_string(),
            reviewer2().to_string(),
            reviewer2().to_string(),
            reviewer().to_string(),
            p.author.to_string(),
        ]
    );
    // The comment is the body of its event, its own "trailer-like" line kept in the body.
    let comment_event = fx.git(&["log", "-1", "--format=%b", &format!("{meta}~3")]);
    assert!(
        comment_event
            .starts_with("Could we say how long it took?\n\nSee-also: the take-up section\n"),
        "{comment_event:?}"
    );
    assert_eq!(
        fx.git(&[
            "log",
            "-1",
            "--format=%(trailers:key=Event,valueonly)",
            &format!("{meta}~3")
        ])
        .trim(),
        "commented"
    );
    assert_eq!(
        fx.lib.proposal(1).expect("p").comments[0].body,
        "Could we say how long it took?\n\nSee-also: the take-up section"
    );
    let opened = fx.git(&[
        "log",
        "-1",
        "--format=%(trailers:key=Commit,valueonly)",
        &format!("{meta}~4"),
    ]);
    assert_eq!(opened.trim(), p.latest().commit.0);

    // One linear history whose every commit holds only proposal.json.
    assert_eq!(fx.git(&["rev-list", "--count", meta]).trim(), "5");
    assert_eq!(
        fx.git(&["rev-list", "--count", "--merges", meta]).trim(),
        "0"
    );
    assert_eq!(
        fx.git(&["rev-list", "--max-parents=0", meta]).trim(),
        fx.git(&["rev-parse", &format!("{meta}~4")]).trim()
    );
    for rev in ["", "~1", "~2", "~3", "~4"] {
        let files = fx.git(&["ls-tree", "--name-only", &format!("{meta}{rev}")]);
        assert_eq!(files.trim(), "proposal.json");
    }

    // The state file is the proposal as the library returns it.
    let json = fx.git(&["show", &format!("{meta}:proposal.json")]);
    let value: serde_json::Value = serde_json::from_str(&json).expect("proposal.json is JSON");
    assert_eq!(value["status"], "merged");
    assert_eq!(value["number"], 1);
    assert_eq!(value["merged"]["by"]["name"], maintainer().name);
    assert_eq!(value["reviews"].as_array().map(Vec::len), Some(2));
    let stored: Proposal = serde_json::from_str(&json).expect("proposal.json is a Proposal");
    assert_eq!(stored, fx.lib.proposal(1).expect("proposal"));
    let first: serde_json::Value =
        serde_json::from_str(&fx.git(&["show", &format!("{meta}~4:proposal.json")])).expect("json");
    assert_eq!(first["status"], "open");
    assert!(first.get("merged").is_none());

    // The library's own reading of the log agrees with git's.
    let history = fx.lib.history(1).expect("history");
    let kinds: Vec<&str> = history.iter().map(|e| e.kind.as_str()).collect();
    assert_eq!(
        kinds,
        [
            "opened",
            "commented",
            "changes-requested",
            "approved",
            "merged"
        ]
    );
    let commits: Vec<String> = history.iter().map(|e| e.commit.0.clone()).collect();
    let git_commits = fx.git(&["rev-list", "--reverse", meta]);
    assert_eq!(commits, lines(&git_commits));
    assert_eq!(history[1].actor, reviewer());
    assert_eq!(
        history[1].body,
        "Could we say how long it took?\n\nSee-also: the take-up section"
    );
    assert_eq!(history[4].summary, "Merge proposal 1 into main");
}

#[test]
fn a_sections_comment_log_reads_in_git() {
    let fx = Fixture::new();
    fx.lib
        .comment_section("usability", &reviewer(), "Name a standard.")
        .expect("comment");
    fx.lib
        .comment_section("usability", &reviewer2(), "Agreed: WCAG.")
        .expect("comment");
    let log = "refs/comments/usability";
    assert_eq!(
        lines(&fx.git(&["log", "--format=%s", log])),
        ["Comment on section usability"; 2]
    );
    assert_eq!(
        lines(&fx.git(&["log", "--format=%(trailers:key=Comment,valueonly)", log])),
        ["2", "1"]
    );
    assert_eq!(
        lines(&fx.git(&["log", "--format=%(trailers:key=Section,valueonly)", log])),
        ["usability"; 2]
    );
    let json = fx.git(&["show", &format!("{log}:comments.json")]);
    let state: SectionComments = serde_json::from_str(&json).expect("comments.json");
    assert_eq!(state.section.as_str(), "usability");
    assert_eq!(
        state.comments,
        fx.lib.section_comments("usability").expect("comments")
    );
    assert_eq!(state.comments[1].body, "Agreed: WCAG.");
    let history = fx.lib.section_history("usability").expect("history");
    assert_eq!(history.len(), 2);
    assert_eq!(history[0].actor, reviewer());
    assert_eq!(history[1].body, "Agreed: WCAG.");
    fx.assert_fsck_clean();
}
