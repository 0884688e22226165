//! Router-level tests of reporting and moderation: the queue, hiding, showing again,
//! redacting (checked with the real `git`), blocking and dismissing.

#![allow(clippy::unwrap_used)]

use crate::support;

use axum::http::StatusCode;
use quire_server::Role;
use support::{Session, TestApp};

const SECRET: &str = "Call me on 07700 900123, I live at 1 Acacia Avenue";
const NASTY_TITLE: &str = "Fix <script>alert(1)</script> & <img src=x onerror=alert(2)>";
const NASTY_BODY: &str = "**hi** <img src=x onerror=alert(3)>\n\n<script>alert('x')</script>";

/// An account whose session ended when it was blocked.
fn blocked_signed_out(t: &TestApp, name: &str, role: Role) -> Session {
    let s = t.session(name, role);
    t.state.store().set_blocked(s.user.id, true).unwrap();
    s
}

/// Comments on a section through the form; returns the comment id (from the redirect).
async fn comment_on(t: &TestApp, section: &str, body: &str, who: &Session) -> String {
    let r = t
        .post_form(
            &format!("/sections/{section}/comments"),
            &[("body", body)],
            Some(who),
        )
        .await;
    r.assert_status(StatusCode::SEE_OTHER);
    r.location()
        .unwrap()
        .rsplit_once("#comment-")
        .unwrap()
        .1
        .to_string()
}

/// Reports a section comment and checks the redirect.
async fn report_section_comment(t: &TestApp, section: &str, comment: &str, who: &Session) {
    let r = t
        .post_form(
            "/report",
            &[
                ("kind", "section_comment"),
                ("target", section),
                ("comment", comment),
                ("reason", "This is abuse"),
            ],
            Some(who),
        )
        .await;
    r.assert_status(StatusCode::SEE_OTHER);
    assert_eq!(
        r.location(),
        Some(format!("/sections/{section}?reported=1#comment-{comment}").as_str())
    );
}

/// True if some `<img ...>` tag in `html` carries an event handler.
fn has_img_with_handler(html: &str) -> bool {
    html.match_indices("<img").any(|(i, _)| {
        let tag = &html[i..html[i..].find('>').map_or(html.len(), |e| i + e)];
        tag.to_lowercase().contains("onerror")
    })
}

fn open_reports(t: &TestApp) -> usize {
    t.state.store().open_reports().unwrap().len()
}

#[tokio::test]
async fn reporting_needs_a_signed_in_unblocked_account_and_the_csrf_token() {
    let t = TestApp::new();
    let fields = [
        ("kind", "proposal"),
        ("target", "1"),
        ("comment", ""),
        ("reason", "spam"),
    ];
    let before = t.refs();
    t.post_form("/report", &fields, None)
        .await
        .assert_status(StatusCode::UNAUTHORIZED);
    let gone = blocked_signed_out(&t, "Gone Contributor", Role::Contributor);
    t.post_form("/report", &fields, Some(&gone))
        .await
        .assert_status(StatusCode::UNAUTHORIZED);
    let blocked = t.blocked_signed_in("Blocked Contributor", Role::Contributor);
    t.post_form("/report", &fields, Some(&blocked))
        .await
        .assert_status(StatusCode::FORBIDDEN);
    let c = t.contributor();
    t.post_form_raw("/report", &fields, Some(&c))
        .await
        .assert_status(StatusCode::FORBIDDEN);
    let mut wrong = vec![("csrf", "wrong")];
    wrong.extend_from_slice(&fields);
    t.post_form_raw("/report", &wrong, Some(&c))
        .await
        .assert_status(StatusCode::FORBIDDEN);
    assert_eq!(open_reports(&t), 0);
    assert_eq!(t.refs(), before);

    // Contributors and maintainers may report.
    for who in [&c, &t.maintainer()] {
        let r = t.post_form("/report", &fields, Some(who)).await;
        r.assert_status(StatusCode::SEE_OTHER);
        assert_eq!(r.location(), Some("/proposals/1?reported=1"));
    }
    assert_eq!(open_reports(&t), 2);
    assert_eq!(t.refs(), before, "reports are not kept in git");
}

#[tokio::test]
async fn reports_are_checked_against_the_library() {
    let t = TestApp::new();
    let c = t.contributor();
    let cid = comment_on(&t, "usability", "A comment", &c).await;
    let pc = t
        .lib()
        .comment_proposal(2, &c.user.identity(), "On a proposal")
        .unwrap();
    let long = "x".repeat(2001);
    let just = "y".repeat(2000);
    let cases: Vec<([(&str, &str); 4], StatusCode)> = vec![
        (
            [
                ("kind", "nonsense"),
                ("target", "1"),
                ("comment", ""),
                ("reason", "r"),
            ],
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            [
                ("kind", "proposal"),
                ("target", "one"),
                ("comment", ""),
                ("reason", "r"),
            ],
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            [
                ("kind", "proposal"),
                ("target", "-1"),
                ("comment", ""),
                ("reason", "r"),
            ],
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            [
                ("kind", "proposal"),
                ("target", "999"),
                ("comment", ""),
                ("reason", "r"),
            ],
            StatusCode::NOT_FOUND,
        ),
        (
            [
                ("kind", "proposal"),
                ("target", "1"),
                ("comment", ""),
                ("reason", "  "),
            ],
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            [
                ("kind", "proposal"),
                ("target", "1"),
                ("comment", ""),
                ("reason", &long),
            ],
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            [
                ("kind", "proposal"),
                ("target", "1"),
                ("comment", ""),
                ("reason", "a\u{1}b"),
            ],
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            [
                ("kind", "section_comment"),
                ("target", ".."),
                ("comment", "1"),
                ("reason", "r"),
            ],
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            [
                ("kind", "section_comment"),
                ("target", "usability"),
                ("comment", ""),
                ("reason", "r"),
            ],
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            [
                ("kind", "section_comment"),
                ("target", "usability"),
                ("comment", "99"),
                ("reason", "r"),
            ],
            StatusCode::NOT_FOUND,
        ),
        (
            [
                ("kind", "section_comment"),
                ("target", "take-up"),
                ("comment", "1"),
                ("reason", "r"),
            ],
            StatusCode::NOT_FOUND,
        ),
        (
            [
                ("kind", "section_comment"),
                ("target", "no-such-section"),
                ("comment", "1"),
                ("reason", "r"),
            ],
            StatusCode::NOT_FOUND,
        ),
        (
            [
                ("kind", "proposal_comment"),
                ("target", "2"),
                ("comment", "7"),
                ("reason", "r"),
            ],
            StatusCode::NOT_FOUND,
        ),
        (
            [
                ("kind", "proposal_comment"),
                ("target", "999"),
                ("comment", "1"),
                ("reason", "r"),
            ],
            StatusCode::NOT_FOUND,
        ),
    ];
    for (fields, want) in &cases {
        let r = t.post_form("/report", fields, Some(&c)).await;
        assert_eq!(r.status, *want, "{fields:?}: {}", r.body);
    }
    assert_eq!(open_reports(&t), 0, "nothing bad was recorded");

    let pcid = pc.id.to_string();
    let r = t
        .post_form(
            "/report",
            &[
                ("kind", "proposal_comment"),
                ("target", "2"),
                ("comment", &pcid),
                ("reason", &just),
            ],
            Some(&c),
        )
        .await;
    r.assert_status(StatusCode::SEE_OTHER);
    assert_eq!(
        r.location(),
        Some(format!("/proposals/2?reported=1#comment-{pcid}").as_str())
    );
    report_section_comment(&t, "usability", &cid, &c).await;
    let reports = t.state.store().open_reports().unwrap();
    assert_eq!(reports.len(), 2);
    assert_eq!(reports[0].kind, "proposal_comment");
    assert_eq!(reports[0].target, "2");
    assert_eq!(reports[0].comment, Some(i64::from(pc.id)));
    assert_eq!(reports[0].reason, just);
    assert_eq!(reports[1].kind, "section_comment");
    assert_eq!(reports[1].target, "usability");
}

#[tokio::test]
async fn the_report_button_on_a_section_page_works() {
    let t = TestApp::new();
    let c = t.contributor();
    let cid = comment_on(&t, "usability", "Reportable", &c).await;
    let other = t.session("Other Reader", Role::Contributor);
    let page = t.get("/sections/usability", Some(&other)).await;
    page.assert_contains("action=\"/report\"")
        .assert_contains("name=\"kind\" value=\"section_comment\"");
    report_section_comment(&t, "usability", &cid, &other).await;
    assert_eq!(open_reports(&t), 1);
}

#[tokio::test]
async fn the_queue_is_for_maintainers_only() {
    let t = TestApp::new();
    t.get("/moderation", None)
        .await
        .assert_status(StatusCode::UNAUTHORIZED);
    t.get("/moderation", Some(&t.contributor()))
        .await
        .assert_status(StatusCode::FORBIDDEN);
    let gone = blocked_signed_out(&t, "Gone Maintainer", Role::Maintainer);
    t.get("/moderation", Some(&gone))
        .await
        .assert_status(StatusCode::UNAUTHORIZED);
    let blocked = t.blocked_signed_in("Blocked Maintainer", Role::Maintainer);
    t.get("/moderation", Some(&blocked))
        .await
        .assert_status(StatusCode::FORBIDDEN);
    t.get("/moderation", Some(&t.maintainer()))
        .await
        .assert_status(StatusCode::OK)
        .assert_contains("No open reports.")
        .assert_contains("Nothing is hidden.");
}

#[tokio::test]
async fn the_queue_shows_reported_text_escaped_with_every_action() {
    let t = TestApp::new();
    let m = t.maintainer();
    let c = t.contributor();
    let reader = t.session("Rita Reader", Role::Contributor);
    let cid = comment_on(&t, "usability", NASTY_BODY, &c).await;
    report_section_comment(&t, "usability", &cid, &reader).await;
    let n = t.propose_paragraph(&c.user.identity(), "take-up", NASTY_TITLE, "Text.");
    let nn = n.to_string();
    t.post_form(
        "/report",
        &[
            ("kind", "proposal"),
            ("target", &nn),
            ("comment", ""),
            ("reason", "<b>bad</b> title"),
        ],
        Some(&reader),
    )
    .await
    .assert_status(StatusCode::SEE_OTHER);
    // A proposal by a maintainer, reported twice: one item, two reports, no block button.
    let mine = t.propose_paragraph(&m.user.identity(), "sharing", "Maintainer's idea", "Text.");
    let mn = mine.to_string();
    for reason in ["first report", "second report"] {
        t.post_form(
            "/report",
            &[
                ("kind", "proposal"),
                ("target", &mn),
                ("comment", ""),
                ("reason", reason),
            ],
            Some(&reader),
        )
        .await
        .assert_status(StatusCode::SEE_OTHER);
    }

    let r = t.get("/moderation", Some(&m)).await;
    r.assert_status(StatusCode::OK)
        .assert_contains(&format!("Comment {cid} on section usability"))
        .assert_contains(&format!("href=\"/sections/usability#comment-{cid}\""))
        .assert_contains("<strong>hi</strong>")
        .assert_contains("Fix &#60;script&#62;alert(1)&#60;/script&#62;")
        .assert_contains("&#60;b&#62;bad&#60;/b&#62; title")
        .assert_contains("Rita Reader")
        .assert_contains("Written by <strong>Connie Contributor</strong>")
        .assert_contains("action=\"/moderation/hide\"")
        .assert_contains("action=\"/moderation/redact\"")
        .assert_contains("action=\"/moderation/dismiss\"")
        .assert_contains(&format!("name=\"user\" value=\"{}\"", c.user.id))
        .assert_contains("Block the author, Connie Contributor")
        .assert_contains("The author is a maintainer")
        .assert_contains("first report")
        .assert_contains("second report");
    assert!(!r.body.contains("<script>alert"), "{}", r.body);
    assert!(!r.body.contains("<script"), "{}", r.body);
    assert!(!has_img_with_handler(&r.body), "{}", r.body);
    assert!(!r.body.contains("<b>bad</b>"));
    assert_eq!(r.body.matches("<section class=\"queue-item\"").count(), 3);
    // Only comments can be redacted: one redact form, for the one comment.
    assert_eq!(r.body.matches("action=\"/moderation/redact\"").count(), 1);
    // Blocking is offered for the contributor only.
    assert_eq!(r.body.matches("action=\"/moderation/block\"").count(), 2);
}

#[tokio::test]
async fn hiding_shows_a_notice_records_an_event_and_resolves_the_reports() {
    let t = TestApp::new();
    let m = t.maintainer();
    let c = t.contributor();
    let cid = comment_on(&t, "usability", "Rude words here", &c).await;
    report_section_comment(&t, "usability", &cid, &t.session("R1", Role::Contributor)).await;
    report_section_comment(&t, "usability", &cid, &t.session("R2", Role::Contributor)).await;
    let fields = |reason: &'static str| {
        [
            ("kind", "section_comment"),
            ("target", "usability"),
            ("comment", "1"),
            ("reason", reason),
        ]
    };
    assert_eq!(cid, "1");
    // A reason is needed.
    let before = t.refs();
    t.post_form("/moderation/hide", &fields("  "), Some(&m))
        .await
        .assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(t.refs(), before);
    assert_eq!(open_reports(&t), 2);

    let r = t
        .post_form("/moderation/hide", &fields("insulting"), Some(&m))
        .await;
    r.assert_status(StatusCode::SEE_OTHER);
    assert_eq!(r.location(), Some("/moderation"));
    assert_eq!(open_reports(&t), 0, "both reports about it are resolved");
    let page = t.get("/sections/usability", None).await;
    page.assert_contains("This comment was hidden by a maintainer.");
    assert!(!page.body.contains("Rude words here"));
    let log = t.git(&["log", "refs/comments/usability"]);
    assert!(log.contains("Hide comment 1 on section usability"), "{log}");
    assert!(log.contains("insulting"), "{log}");
    assert!(log.contains("Event: hidden"), "{log}");
    let q = t.get("/moderation", Some(&m)).await;
    q.assert_contains("No open reports.")
        .assert_contains("Comment 1 on section usability")
        .assert_contains("action=\"/moderation/unhide\"");

    // Show it again.
    t.post_form("/moderation/unhide", &fields(""), Some(&m))
        .await
        .assert_status(StatusCode::SEE_OTHER);
    t.get("/sections/usability", None)
        .await
        .assert_contains("Rude words here");
    assert!(t
        .git(&["log", "refs/comments/usability"])
        .contains("Show again comment 1 on section usability"));

    // Hiding a proposal takes it out of the feed.
    let n = t.propose_paragraph(&c.user.identity(), "take-up", "Spam spam spam", "Text.");
    let nn = n.to_string();
    t.post_form(
        "/moderation/hide",
        &[
            ("kind", "proposal"),
            ("target", &nn),
            ("comment", ""),
            ("reason", "spam"),
        ],
        Some(&m),
    )
    .await
    .assert_status(StatusCode::SEE_OTHER);
    let p = t.lib().proposal(n).unwrap();
    assert_eq!(p.hidden.unwrap().reason, "spam");
    let feed = t.get("/feeds/proposals.atom", None).await;
    assert!(!feed.body.contains("Spam spam spam"));
    t.get("/moderation", Some(&m))
        .await
        .assert_contains(&format!("Proposal #{n}"))
        .assert_contains("Spam spam spam");
    // Unknown items are not found and change nothing.
    let before = t.refs();
    for (kind, target, comment) in [
        ("proposal", "999", ""),
        ("section_comment", "usability", "42"),
        ("section_comment", "take-up", "1"),
        ("proposal_comment", &nn as &str, "3"),
    ] {
        t.post_form(
            "/moderation/hide",
            &[
                ("kind", kind),
                ("target", target),
                ("comment", comment),
                ("reason", "x"),
            ],
            Some(&m),
        )
        .await
        .assert_status(StatusCode::NOT_FOUND);
    }
    assert_eq!(t.refs(), before);
}

#[tokio::test]
async fn redacting_removes_the_text_from_pages_and_from_git() {
    let t = TestApp::new();
    let m = t.maintainer();
    let c = t.contributor();
    comment_on(&t, "usability", "A harmless first comment", &c).await;
    let cid = comment_on(&t, "usability", SECRET, &c).await;
    comment_on(&t, "usability", "A later comment", &c).await;
    report_section_comment(&t, "usability", &cid, &t.session("R1", Role::Contributor)).await;
    assert!(t
        .git(&["log", "-p", "refs/comments/usability"])
        .contains("07700 900123"));
    t.get("/moderation", Some(&m))
        .await
        .assert_contains("07700 900123");

    let r = t
        .post_form(
            "/moderation/redact",
            &[
                ("kind", "section_comment"),
                ("target", "usability"),
                ("comment", &cid),
                ("reason", "personal data"),
            ],
            Some(&m),
        )
        .await;
    r.assert_status(StatusCode::SEE_OTHER);
    assert_eq!(r.location(), Some("/moderation"));
    assert_eq!(open_reports(&t), 0);
    let page = t.get("/sections/usability", None).await;
    page.assert_contains("This comment was removed by a maintainer.")
        .assert_contains("A harmless first comment")
        .assert_contains("A later comment");
    assert!(!page.body.contains("07700 900123"));
    let log = t.git(&["log", "-p", "refs/comments/usability"]);
    assert!(!log.contains("07700 900123"), "{log}");
    assert!(log.contains(quire_core::REDACTED), "{log}");
    assert!(log.contains(&format!("Redact comment {cid}")), "{log}");
    assert!(!t.get("/moderation", Some(&m)).await.body.contains("07700"));

    // Twice: 409, nothing written.
    let before = t.refs();
    t.post_form(
        "/moderation/redact",
        &[
            ("kind", "section_comment"),
            ("target", "usability"),
            ("comment", &cid),
            ("reason", "again"),
        ],
        Some(&m),
    )
    .await
    .assert_status(StatusCode::CONFLICT);
    // A reason is needed, and a proposal cannot be redacted (hide it instead).
    let pc = t
        .lib()
        .comment_proposal(1, &c.user.identity(), SECRET)
        .unwrap();
    let before_pc = t.refs();
    assert_ne!(before, before_pc);
    let pcid = pc.id.to_string();
    t.post_form(
        "/moderation/redact",
        &[
            ("kind", "proposal_comment"),
            ("target", "1"),
            ("comment", &pcid),
            ("reason", ""),
        ],
        Some(&m),
    )
    .await
    .assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    t.post_form(
        "/moderation/redact",
        &[
            ("kind", "proposal"),
            ("target", "1"),
            ("comment", ""),
            ("reason", "no"),
        ],
        Some(&m),
    )
    .await
    .assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(t.refs(), before_pc);

    // A proposal comment, through the same form.
    t.post_form(
        "/moderation/redact",
        &[
            ("kind", "proposal_comment"),
            ("target", "1"),
            ("comment", &pcid),
            ("reason", "personal data"),
        ],
        Some(&m),
    )
    .await
    .assert_status(StatusCode::SEE_OTHER);
    let p = t.lib().proposal(1).unwrap();
    let redacted = p.comments.iter().find(|x| x.id == pc.id).unwrap();
    assert_eq!(redacted.body, "");
    assert!(redacted.redacted.is_some());
    let log = t.git(&["log", "-p", "refs/proposals/1/meta"]);
    assert!(!log.contains("07700 900123"), "{log}");
}

#[tokio::test]
async fn blocking_an_author_ends_their_session_and_stops_their_writes() {
    let t = TestApp::new();
    let m = t.maintainer();
    let c = t.contributor();
    let cid = comment_on(&t, "usability", "Trolling", &c).await;
    report_section_comment(&t, "usability", &cid, &t.session("R1", Role::Contributor)).await;
    t.get("/", Some(&c))
        .await
        .assert_contains("Signed in as <strong>Connie Contributor</strong>");

    let id = c.user.id.to_string();
    let r = t
        .post_form("/moderation/block", &[("user", &id)], Some(&m))
        .await;
    r.assert_status(StatusCode::SEE_OTHER);
    assert_eq!(r.location(), Some("/moderation"));
    assert!(t.state.store().user(c.user.id).unwrap().unwrap().blocked);
    let home = t.get("/", Some(&c)).await;
    assert!(!home.body.contains("Signed in as"), "the session has ended");
    let before = t.refs();
    t.post_form(
        "/sections/usability/comments",
        &[("body", "more trolling")],
        Some(&c),
    )
    .await
    .assert_status(StatusCode::UNAUTHORIZED);
    // Signing in again gives a session that still cannot write.
    let again = t.state.store().create_session(c.user.id).unwrap();
    let c2 = Session {
        token: again,
        ..c.clone()
    };
    t.post_form(
        "/sections/usability/comments",
        &[("body", "more trolling")],
        Some(&c2),
    )
    .await
    .assert_status(StatusCode::FORBIDDEN);
    assert_eq!(t.refs(), before);
    t.get("/moderation", Some(&m))
        .await
        .assert_contains("The author's account is blocked.");

    // Maintainers (including oneself) cannot be blocked here; unknown accounts are not found.
    let other_m = t.session("Other Maintainer", Role::Maintainer);
    for target in [other_m.user.id, m.user.id] {
        t.post_form(
            "/moderation/block",
            &[("user", &target.to_string())],
            Some(&m),
        )
        .await
        .assert_status(StatusCode::FORBIDDEN);
        assert!(!t.state.store().user(target).unwrap().unwrap().blocked);
    }
    t.post_form("/moderation/block", &[("user", "9999")], Some(&m))
        .await
        .assert_status(StatusCode::NOT_FOUND);
    t.post_form("/moderation/block", &[("user", "abc")], Some(&m))
        .await
        .assert_status(StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn dismissing_a_report_leaves_the_item_alone() {
    let t = TestApp::new();
    let m = t.maintainer();
    let c = t.contributor();
    let cid = comment_on(&t, "usability", "Fine, really", &c).await;
    report_section_comment(&t, "usability", &cid, &t.session("R1", Role::Contributor)).await;
    let id = t.state.store().open_reports().unwrap()[0].id.to_string();
    let before = t.refs();
    let r = t
        .post_form("/moderation/dismiss", &[("report", &id)], Some(&m))
        .await;
    r.assert_status(StatusCode::SEE_OTHER);
    assert_eq!(r.location(), Some("/moderation"));
    assert_eq!(open_reports(&t), 0);
    assert_eq!(t.refs(), before);
    t.get("/sections/usability", None)
        .await
        .assert_contains("Fine, really");
    t.post_form("/moderation/dismiss", &[("report", "9999")], Some(&m))
        .await
        .assert_status(StatusCode::NOT_FOUND);
    t.post_form("/moderation/dismiss", &[("report", "x")], Some(&m))
        .await
        .assert_status(StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn every_moderation_action_is_for_maintainers_with_the_csrf_token() {
    let t = TestApp::new();
    let c = t.contributor();
    let cid = comment_on(&t, "usability", "Something", &c).await;
    report_section_comment(&t, "usability", &cid, &t.session("R1", Role::Contributor)).await;
    let report = t.state.store().open_reports().unwrap()[0].id.to_string();
    let uid = c.user.id.to_string();
    let item = [
        ("kind", "section_comment"),
        ("target", "usability"),
        ("comment", cid.as_str()),
        ("reason", "a reason"),
    ];
    let actions: Vec<(&str, Vec<(&str, &str)>)> = vec![
        ("/moderation/hide", item.to_vec()),
        ("/moderation/unhide", item.to_vec()),
        ("/moderation/redact", item.to_vec()),
        ("/moderation/block", vec![("user", uid.as_str())]),
        ("/moderation/dismiss", vec![("report", report.as_str())]),
    ];
    let m = t.maintainer();
    let contributor = t.session("Another Contributor", Role::Contributor);
    let gone = blocked_signed_out(&t, "Gone Maintainer", Role::Maintainer);
    let blocked = t.blocked_signed_in("Blocked Maintainer", Role::Maintainer);
    let before = t.refs();
    for (path, fields) in &actions {
        t.post_form(path, fields, None)
            .await
            .assert_status(StatusCode::UNAUTHORIZED);
        t.post_form(path, fields, Some(&contributor))
            .await
            .assert_status(StatusCode::FORBIDDEN);
        t.post_form(path, fields, Some(&gone))
            .await
            .assert_status(StatusCode::UNAUTHORIZED);
        t.post_form(path, fields, Some(&blocked))
            .await
            .assert_status(StatusCode::FORBIDDEN);
        t.post_form_raw(path, fields, Some(&m))
            .await
            .assert_status(StatusCode::FORBIDDEN);
        let mut wrong = vec![("csrf", "wrong")];
        wrong.extend_from_slice(fields);
        t.post_form_raw(path, &wrong, Some(&m))
            .await
            .assert_status(StatusCode::FORBIDDEN);
    }
    assert_eq!(t.refs(), before, "no refused action wrote anything");
    assert_eq!(open_reports(&t), 1, "the report is still open");
    assert!(!t.state.store().user(c.user.id).unwrap().unwrap().blocked);
    t.get("/sections/usability", None)
        .await
        .assert_contains("Something");
}

/// The issue's moderation check, end to end: a report, a hide (gone from pages and the API
/// for everyone but maintainers), and a redaction (gone from `git log -p --all`, with every
/// other event of the thread still there).
#[tokio::test]
async fn report_hide_and_redact_a_proposal_comment_end_to_end() {
    use axum::http::Method;
    let t = TestApp::new();
    let m = t.maintainer();
    let author = t.contributor();
    let reader = t.session("Rita Reader", Role::Contributor);
    let (_, reader_token) = t.api_token("Api Reader", Role::Contributor);
    let (_, maint_token) = t.api_token("Api Maintainer", Role::Maintainer);
    let n = t.propose_paragraph(
        &author.user.identity(),
        "take-up",
        "Add a local example",
        "A local example.",
    );
    let path = format!("/proposals/{n}");
    let comment = |body: &'static str, who: Session| {
        let path = format!("{path}/comments");
        let t = &t;
        async move {
            t.post_form(&path, &[("body", body)], Some(&who))
                .await
                .assert_status(StatusCode::SEE_OTHER);
        }
    };
    comment("First, a useful remark.", reader.clone()).await;
    comment(SECRET, author.clone()).await;
    comment("Third, another remark.", reader.clone()).await;
    let meta = format!("refs/proposals/{n}/meta");

    // Report it.
    t.post_form(
        "/report",
        &[
            ("kind", "proposal_comment"),
            ("target", &n.to_string()),
            ("comment", "2"),
            ("reason", "Personal data"),
        ],
        Some(&reader),
    )
    .await
    .assert_status(StatusCode::SEE_OTHER);
    t.get("/moderation", Some(&m))
        .await
        .assert_contains("07700 900123");

    // Hide it: gone for readers (page and API), still visible to maintainers.
    t.post_form(
        "/moderation/hide",
        &[
            ("kind", "proposal_comment"),
            ("target", &n.to_string()),
            ("comment", "2"),
            ("reason", "personal data"),
        ],
        Some(&m),
    )
    .await
    .assert_status(StatusCode::SEE_OTHER);
    for viewer in [None, Some(&reader), Some(&author)] {
        let page = t.get(&path, viewer).await;
        page.assert_status(StatusCode::OK);
        assert!(
            !page.body.contains("07700"),
            "hidden text shown on the page"
        );
    }
    let api_path = format!("/api/v1/proposals/{n}");
    for token in [None, Some(reader_token.as_str())] {
        let r = t.api(Method::GET, &api_path, None, token).await;
        r.assert_status(StatusCode::OK);
        assert!(
            !r.body.contains("07700"),
            "hidden text in the API: {}",
            r.body
        );
    }
    let r = t
        .api(Method::GET, &api_path, None, Some(&maint_token))
        .await;
    assert!(
        r.body.contains("07700"),
        "maintainers still see hidden text"
    );

    // Redact it: gone from every page, the API and all of git's history.
    let subjects_before: Vec<String> = t
        .git(&["log", "--format=%s", &meta])
        .lines()
        .map(str::to_string)
        .collect();
    assert_eq!(subjects_before.len(), 5, "open, three comments, hide");
    t.post_form(
        "/moderation/redact",
        &[
            ("kind", "proposal_comment"),
            ("target", &n.to_string()),
            ("comment", "2"),
            ("reason", "personal data"),
        ],
        Some(&m),
    )
    .await
    .assert_status(StatusCode::SEE_OTHER);
    let all = t.git(&["log", "-p", "--all"]);
    assert!(
        !all.contains("07700 900123"),
        "redacted text still in git log -p --all"
    );
    assert!(!t.get(&path, Some(&m)).await.body.contains("07700"));
    assert!(!t
        .api(Method::GET, &api_path, None, Some(&maint_token))
        .await
        .body
        .contains("07700"));
    let subjects_after: Vec<String> = t
        .git(&["log", "--format=%s", &meta])
        .lines()
        .map(str::to_string)
        .collect();
    assert_eq!(subjects_after[0], "Redact comment 2");
    assert_eq!(
        subjects_after[1..],
        subjects_before[..],
        "every other event is still there"
    );
    let page = t.get(&path, None).await;
    page.assert_contains("First, a useful remark.")
        .assert_contains("Third, another remark.");
    t.assert_fsck_clean();
}

/// The trust issue's leak: a hidden proposal's words, title and rationale were served by
/// lookups of its revision commit (`at=`, `compare`, the propose preview's `base=`) and a
/// 4-digit prefix was enough. Every route is tried as an anonymous visitor, another
/// contributor, the author and a maintainer: only the last two see it, and the first two
/// get the same answer as for a commit or proposal that does not exist.
#[tokio::test]
async fn hidden_proposal_not_served_by_any_route() {
    const WORDS: &str = "Zanzibarquux secret paragraph";
    const TITLE: &str = "Wolfram hidden title";
    let t = TestApp::new();
    let m = t.maintainer();
    let author = t.session("Ann Author", Role::Contributor);
    let other = t.session("Olly Other", Role::Contributor);
    let tokens: Vec<String> = [&author, &other, &m]
        .iter()
        .map(|s| t.state.store().create_api_token(s.user.id, "t").unwrap())
        .collect();
    let n = t.propose_paragraph(&author.user.identity(), "usability", TITLE, WORDS);
    t.post_form(
        "/moderation/hide",
        &[
            ("kind", "proposal"),
            ("target", &n.to_string()),
            ("comment", ""),
            ("reason", "spam"),
        ],
        Some(&m),
    )
    .await
    .assert_status(StatusCode::SEE_OTHER);
    let commit = t.lib().proposal(n).unwrap().latest().commit.0.clone();
    let short = &commit[..7];
    // Someone who may see it (author, maintainer) and someone who may not.
    let who: [(Option<&Session>, Option<&str>, bool); 4] = [
        (None, None, false),
        (Some(&other), Some(&tokens[1]), false),
        (Some(&author), Some(&tokens[0]), true),
        (Some(&m), Some(&tokens[2]), true),
    ];
    let leaks = |body: &str| body.contains("Zanzibarquux") || body.contains("Wolfram");
    for (session, token, sees) in who {
        let label = session.map_or("anonymous", |s| s.user.name.as_str());
        let want = if sees {
            StatusCode::OK
        } else {
            StatusCode::NOT_FOUND
        };
        // Lookups by commit id: full and 7-digit, API and web.
        for at in [commit.as_str(), short] {
            for path in [
                format!("/api/v1/sections/usability?at={at}"),
                format!("/api/v1/sections?at={at}"),
                format!("/api/v1/compare?from=main&to={at}"),
                format!("/api/v1/compare?from={at}&to=main"),
                format!("/api/v1/changelog?to={at}"),
            ] {
                let r = t.api(axum::http::Method::GET, &path, None, token).await;
                assert_eq!(r.status, want, "{label} {path}: {}", r.body);
                if !sees {
                    assert!(!leaks(&r.body), "{label} {path}: {}", r.body);
                }
            }
        }
        // The proposal itself, on pages and in the API.
        for path in [format!("/proposals/{n}")] {
            let r = t.get(&path, session).await;
            assert_eq!(r.status, want, "{label} {path}");
            assert_eq!(leaks(&r.body), sees, "{label} {path}");
        }
        for path in [
            format!("/api/v1/proposals/{n}"),
            format!("/api/v1/proposals/{n}/diff"),
        ] {
            let r = t.api(axum::http::Method::GET, &path, None, token).await;
            assert_eq!(r.status, want, "{label} {path}: {}", r.body);
            assert_eq!(leaks(&r.body), sees, "{label} {path}");
        }
        // Lists and feeds.
        let list = t.get("/proposals", session).await;
        assert_eq!(leaks(&list.body), sees, "{label} /proposals");
        let list = t
            .api(axum::http::Method::GET, "/api/v1/proposals", None, token)
            .await;
        assert_eq!(leaks(&list.body), sees, "{label} /api/v1/proposals");
        let section = t.get("/sections/usability", session).await;
        assert_eq!(leaks(&section.body), sees, "{label} /sections/usability");
        let feed = t.get("/feeds/proposals.atom", session).await;
        assert!(!leaks(&feed.body), "feeds are public: {label}");
        // Proposing through the API on the hidden commit as base: refused as for a
        // commit that does not exist, whoever asks (a base must be on the draft's
        // history), and without saying that the commit exists.
        if let Some(token) = token {
            let r = t
                .api(
                    axum::http::Method::POST,
                    "/api/v1/proposals",
                    Some(serde_json::json!({
                        "title": "x",
                        "changes": [{"section": "usability", "text": "# Usability\n\nNew.\n"}],
                        "base": short,
                    })),
                    Some(token),
                )
                .await;
            let want_base = if sees {
                StatusCode::UNPROCESSABLE_ENTITY
            } else {
                StatusCode::NOT_FOUND
            };
            assert_eq!(r.status, want_base, "{label} propose on it: {}", r.body);
            assert!(!leaks(&r.body), "{label}: {}", r.body);
        }
        // The propose form's preview from the hidden commit as base.
        if let Some(s) = session {
            let r = t
                .post_form(
                    "/sections/usability/propose",
                    &[
                        ("base", &commit),
                        ("title", "x"),
                        ("rationale", "y"),
                        ("text", "# Usability\n\nNew.\n"),
                        ("action", "preview"),
                    ],
                    Some(s),
                )
                .await;
            assert_eq!(r.status, want, "{label} preview from the hidden base");
            if !sees {
                assert!(!leaks(&r.body), "{label} preview: {}", r.body);
            }
        }
        // Reporting it answers as for a proposal that does not exist.
        if let Some(s) = session.filter(|_| !sees) {
            for target in [n.to_string(), "9999".to_string()] {
                let r = t
                    .post_form(
                        "/report",
                        &[
                            ("kind", "proposal"),
                            ("target", &target),
                            ("comment", ""),
                            ("reason", "spam"),
                        ],
                        Some(s),
                    )
                    .await;
                assert_eq!(r.status, StatusCode::NOT_FOUND, "{label} reports #{target}");
            }
        }
    }
    // Prefixes shorter than 7 digits are refused for everyone, maintainers included.
    let r = t
        .api(
            axum::http::Method::GET,
            &format!("/api/v1/sections/usability?at={}", &commit[..4]),
            None,
            Some(&tokens[2]),
        )
        .await;
    assert!(
        r.status == StatusCode::NOT_FOUND || r.status == StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        r.body
    );
    assert!(!leaks(&r.body));
}

/// The trust issue: the print edition, the export, the changelog pages and the API
/// printed the titles of hidden proposals; every one asks the policy now.
#[tokio::test]
async fn hidden_proposal_title_not_in_changelogs_exports_or_pdf() {
    const TITLE: &str = "Wolfram merged then hidden";
    let t = TestApp::new();
    let m = t.maintainer();
    let c = t.contributor();
    let n = t.propose_paragraph(&c.user.identity(), "usability", TITLE, "Fine words.");
    t.approve_and_merge(n, &m.user.identity());
    let lib = t.lib();
    lib.publish("spring-2027", "Spring 2027", "", &m.user.identity())
        .unwrap();
    lib.set_proposal_hidden(n, &m.user.identity(), true, "abuse in the title")
        .unwrap();
    // Someone other than the author; the author still sees the title.
    let other = t.session("Olly Other", Role::Contributor);
    let token = t
        .state
        .store()
        .create_api_token(other.user.id, "t")
        .unwrap();
    let hidden = quire_core::policy::HIDDEN_TITLE;
    t.get("/editions/spring-2027/changelog", Some(&c))
        .await
        .assert_contains("Wolfram");
    for path in ["/editions/spring-2027/changelog", "/feeds/editions.atom"] {
        let r = t.get(path, Some(&other)).await;
        r.assert_status(StatusCode::OK);
        assert!(!r.body.contains("Wolfram"), "{path}: {}", r.body);
    }
    for path in [
        "/api/v1/editions",
        "/api/v1/editions/spring-2027",
        "/api/v1/changelog?to=spring-2027",
    ] {
        for token in [None, Some(token.as_str())] {
            let r = t.api(axum::http::Method::GET, path, None, token).await;
            r.assert_status(StatusCode::OK);
            assert!(!r.body.contains("Wolfram"), "{path}: {}", r.body);
            assert!(r.body.contains(hidden), "{path}: {}", r.body);
        }
    }
    // Maintainers still see what they hid.
    t.get("/editions/spring-2027/changelog", Some(&m))
        .await
        .assert_contains("Wolfram");
    // The export is a public artefact (the print edition's test is in quire-pdf).
    let data = quire_export::EditionData::load(&lib, "spring-2027").unwrap();
    let titles: Vec<&str> = data.changes.iter().map(|c| c.title.as_str()).collect();
    assert_eq!(titles, [hidden]);
}

/// Every object of the library, loose or packed, reachable or not.
fn all_objects(t: &TestApp) -> String {
    let out = quire_testkit::git_output(
        t.state.library_path(),
        &["cat-file", "--batch-all-objects", "--batch"],
    );
    assert!(out.status.success());
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[tokio::test]
async fn redacted_proposal_and_comment_text_not_served_anywhere_nor_in_git() {
    use axum::http::Method;
    const MARK: &str = "Quokkahollow8821";
    let t = TestApp::new();
    let m = t.maintainer();
    let author = t.contributor();
    let (_, token) = t.api_token("Api Reader", Role::Contributor);
    let lib = t.lib();
    let text = lib.section("take-up", "main").unwrap().text;
    let n = lib
        .propose(&quire_core::NewProposal {
            title: format!("Call {MARK} title"),
            rationale: format!("Because {MARK} why"),
            author: author.user.identity(),
            changes: vec![(
                quire_core::SectionId::new("take-up").unwrap(),
                format!("{text}\nA {MARK} paragraph.\n"),
            )],
            base: None,
        })
        .unwrap()
        .number;
    t.post_form(
        &format!("/proposals/{n}/comments"),
        &[("body", &format!("My number is {MARK}-c"))],
        Some(&author),
    )
    .await
    .assert_status(StatusCode::SEE_OTHER);
    comment_on(&t, "usability", &format!("Section {MARK}-s"), &author).await;
    let pages = [
        "/proposals".to_string(),
        format!("/proposals/{n}"),
        format!("/proposals/{n}?view=side"),
        format!("/proposals/{n}?view=preview"),
        format!("/proposals/{n}?rev=1"),
        "/sections/usability".to_string(),
        "/feeds/proposals.atom".to_string(),
    ];
    let apis = [
        "/api/v1/proposals".to_string(),
        format!("/api/v1/proposals/{n}"),
        format!("/api/v1/proposals/{n}/diff"),
        format!("/api/v1/proposals/{n}/comments"),
        "/api/v1/sections/usability/comments".to_string(),
    ];
    // Seen before (and so cached, where pages are cached).
    assert!(t
        .get(&format!("/proposals/{n}"), None)
        .await
        .body
        .contains(MARK));
    assert!(t.get("/sections/usability", None).await.body.contains(MARK));

    // The maintainer's form, linked from the proposal page.
    t.get(&format!("/proposals/{n}"), Some(&m))
        .await
        .assert_contains(&format!("/moderation/proposals/{n}/redact"));
    t.get(&format!("/moderation/proposals/{n}/redact"), Some(&author))
        .await
        .assert_status(StatusCode::FORBIDDEN);
    t.get(&format!("/moderation/proposals/{n}/redact"), Some(&m))
        .await
        .assert_status(StatusCode::OK)
        .assert_contains("name=\"revision\" value=\"1\"")
        .assert_contains("Copies made before you redact");
    let r = t
        .post_form(
            "/moderation/redact-proposal",
            &[
                ("target", &n.to_string()),
                ("title", "on"),
                ("rationale", "on"),
                ("revision", "1"),
                ("reason", "personal data"),
            ],
            Some(&m),
        )
        .await;
    r.assert_status(StatusCode::SEE_OTHER);
    assert_eq!(r.location(), Some(format!("/proposals/{n}").as_str()));
    t.post_form(
        "/moderation/redact",
        &[
            ("kind", "proposal_comment"),
            ("target", &n.to_string()),
            ("comment", "1"),
            ("reason", "personal data"),
        ],
        Some(&m),
    )
    .await
    .assert_status(StatusCode::SEE_OTHER);
    let (_, maint_token) = t.api_token("Api Maintainer", Role::Maintainer);
    t.api(
        Method::POST,
        "/api/v1/moderation/redact",
        Some(serde_json::json!({"kind": "section_comment", "target": "usability", "comment": 1, "reason": "personal data"})),
        Some(&maint_token),
    )
    .await
    .assert_status(StatusCode::OK);

    // An edition published afterwards, and its export.
    lib.publish("after", "After the redaction", "", &m.user.identity())
        .unwrap();
    let mut served = Vec::new();
    for p in pages.iter().chain(
        [
            "/read/after/".to_string(),
            "/read/after/changes.html".to_string(),
        ]
        .iter(),
    ) {
        for who in [None, Some(&m)] {
            served.push((p.clone(), t.get(p, who).await.body));
        }
    }
    for p in &apis {
        served.push((
            p.clone(),
            t.api(Method::GET, p, None, Some(&token)).await.body,
        ));
        served.push((
            p.clone(),
            t.api(Method::GET, p, None, Some(&maint_token)).await.body,
        ));
    }
    served.push((
        "single-page export".into(),
        quire_export::export_single_html(&t.lib(), "main").unwrap(),
    ));
    for (p, body) in &served {
        assert!(
            !body.contains(MARK),
            "{p} still shows the redacted text:\n{body}"
        );
    }
    let page = t.get(&format!("/proposals/{n}"), None).await;
    page.assert_status(StatusCode::OK)
        .assert_contains(&askama_escape(quire_core::REDACTED_TITLE))
        .assert_contains(&askama_escape(quire_core::REDACTED_RATIONALE));
    assert!(!all_objects(&t).contains(MARK), "the text is still in git");
    // Nothing is left to redact of revision 1, so the form no longer offers it.
    t.get(&format!("/moderation/proposals/{n}/redact"), Some(&m))
        .await
        .assert_contains("The words of revision 1: already redacted.");

    // Bad input: nothing chosen, or a revision that is not a number. Nothing written.
    let before = t.refs();
    t.post_form(
        "/moderation/redact-proposal",
        &[("target", &n.to_string()), ("reason", "again")],
        Some(&m),
    )
    .await
    .assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    t.post_form(
        "/moderation/redact-proposal",
        &[
            ("target", &n.to_string()),
            ("revision", "one"),
            ("reason", "again"),
        ],
        Some(&m),
    )
    .await
    .assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    t.api(
        Method::POST,
        "/api/v1/moderation/hide",
        Some(serde_json::json!({"kind": "proposal", "target": n, "title": true, "reason": "x"})),
        Some(&maint_token),
    )
    .await
    .assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(t.refs(), before);
}

#[tokio::test]
async fn a_proposal_redacted_through_the_api_reports_it() {
    use axum::http::Method;
    let t = TestApp::new();
    let author = t.contributor();
    let (_, maint_token) = t.api_token("Api Maintainer", Role::Maintainer);
    let n = t.propose_paragraph(&author.user.identity(), "take-up", "Abusive words", "Bad.");
    let r = t
        .api(
            Method::POST,
            "/api/v1/moderation/redact",
            Some(serde_json::json!({"kind": "proposal", "target": n, "title": true, "revisions": [1], "reason": "abuse"})),
            Some(&maint_token),
        )
        .await;
    r.assert_status(StatusCode::OK);
    assert_eq!(r.json()["redacted"], true);
    let p = t.lib().proposal(n).unwrap();
    assert_eq!(p.title, quire_core::REDACTED_TITLE);
    assert!(p.revisions[0].redacted.is_some());
    assert_eq!(p.rationale, format!("Rationale: Abusive words"));
}

/// Text as askama escapes it in HTML.
fn askama_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&#34;")
        .replace('\'', "&#39;")
}

/// The trust issue: maintainers saw a hidden comment's text in the API but not on the web
/// (two copies of the rule). Both ask the policy now: maintainers read it, marked hidden,
/// on the page and in the API; nobody else does, the comment's own author included.
#[tokio::test]
async fn maintainers_see_hidden_comment_text_on_the_web_as_in_the_api() {
    let t = TestApp::new();
    let m = t.maintainer();
    let c = t.contributor();
    let id = comment_on(&t, "usability", "Quillwort hidden remark", &c).await;
    t.post_form(
        "/moderation/hide",
        &[
            ("kind", "section_comment"),
            ("target", "usability"),
            ("comment", &id),
            ("reason", "off topic"),
        ],
        Some(&m),
    )
    .await
    .assert_status(StatusCode::SEE_OTHER);
    t.get("/sections/usability", Some(&m))
        .await
        .assert_contains("Quillwort hidden remark")
        .assert_contains("only maintainers see this text");
    let token = t.state.store().create_api_token(m.user.id, "t").unwrap();
    let api = t
        .api(
            axum::http::Method::GET,
            "/api/v1/sections/usability/comments",
            None,
            Some(&token),
        )
        .await;
    assert!(api.body.contains("Quillwort"), "{}", api.body);
    for viewer in [None, Some(&c)] {
        let page = t.get("/sections/usability", viewer).await;
        page.assert_contains("This comment was hidden by a maintainer.");
        assert!(!page.body.contains("Quillwort"));
    }
}
