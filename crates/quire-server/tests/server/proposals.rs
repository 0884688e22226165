//! Router-level tests of the proposal pages: the list and its filters, proposing with a
//! preview, the proposal page and its three views, and every form for every role, checking
//! that refused writes leave every ref as it was.

#![allow(clippy::unwrap_used)]

use crate::support;

use axum::http::StatusCode;
use quire_server::Role;
use support::{Resp, Session, TestApp};

/// The sentence in "usability" that the tests edit.
const LINE: &str = "Keep your standards short and practical";

fn usability(t: &TestApp) -> String {
    t.lib().section("usability", "main").unwrap().text
}

/// Proposes a change to a section through the form; returns the new proposal's number.
async fn propose(t: &TestApp, s: &Session, section: &str, title: &str, text: &str) -> u64 {
    let r = t
        .post_form(
            &format!("/sections/{section}/propose"),
            &[
                ("title", title),
                ("rationale", "It reads better."),
                ("text", text),
                ("action", "submit"),
            ],
            Some(s),
        )
        .await;
    r.assert_status(StatusCode::SEE_OTHER);
    let loc = r.location().unwrap();
    loc.strip_prefix("/proposals/")
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("unexpected redirect {loc}"))
}

/// A proposal on "usability" by `s` that rewrites [`LINE`] with `replacement`.
async fn propose_line(t: &TestApp, s: &Session, replacement: &str) -> u64 {
    let text = usability(t).replace(LINE, replacement);
    propose(t, s, "usability", "Tighten the standards advice", &text).await
}

fn blocked(t: &TestApp, name: &str) -> Session {
    let s = t.session(name, Role::Contributor);
    t.state.store().set_blocked(s.user.id, true).unwrap();
    s
}

fn assert_one_of(r: &Resp, want: &[StatusCode]) {
    assert!(
        want.contains(&r.status),
        "status {} not in {want:?}; body: {}",
        r.status,
        &r.body[..r.body.len().min(1500)]
    );
}

/// Nothing on the page can run: no script elements, no `javascript:` URLs, and every
/// `onerror` sits in text, not inside a tag.
fn assert_inert(body: &str) {
    let lower = body.to_lowercase();
    assert!(
        !lower.contains("<script"),
        "a script element reached the page"
    );
    assert!(!lower.contains("=\"javascript:"), "a javascript: URL");
    assert!(!lower.contains("=javascript:"), "a javascript: URL");
    for (i, _) in lower.match_indices("onerror") {
        let before = &lower[..i];
        let open = before.rfind('<');
        let close = before.rfind('>');
        assert!(
            close > open,
            "onerror inside a tag: {}",
            &body[i.saturating_sub(80)..i + 20]
        );
    }
}

/// Headings start at `<h1>` and never skip a level on the way down.
fn assert_headings_in_order(body: &str) {
    let mut last = 0;
    for (i, _) in body.match_indices("<h") {
        let Some(level) = body[i + 2..].chars().next().and_then(|c| c.to_digit(10)) else {
            continue;
        };
        assert!(
            level <= last + 1,
            "<h{level}> after <h{last}>: {}",
            &body[i..(i + 80).min(body.len())]
        );
        last = level;
    }
    assert!(last > 0, "no headings");
}

#[tokio::test]
async fn the_list_shows_proposals_and_filters_them() {
    let t = TestApp::new();
    let r = t.get("/proposals", None).await;
    r.assert_status(StatusCode::OK)
        .assert_contains("<th scope=\"col\">Number</th>")
        .assert_contains("href=\"/proposals/1\"")
        .assert_contains("<span class=\"status status-open\">open</span>")
        .assert_contains("<label for=\"filter-status\">Status</label>")
        .assert_contains("<label for=\"filter-section\">Section</label>")
        .assert_contains("<label for=\"filter-merge\">Merge state</label>")
        .assert_contains("<option value=\"usability\">Principle 8: Usability</option>")
        .assert_contains("can merge");
    // The bundled samples 2 and 3 change "usability"; sample 1 does not.
    let r = t.get("/proposals?section=usability", None).await;
    r.assert_status(StatusCode::OK)
        .assert_contains("href=\"/proposals/2\"")
        .assert_contains("href=\"/proposals/3\"")
        .assert_contains("<option value=\"usability\" selected>");
    assert!(!r.body.contains("href=\"/proposals/1\""));
    let r = t.get("/proposals?status=merged", None).await;
    r.assert_status(StatusCode::OK)
        .assert_contains("0 proposals")
        .assert_contains("<option value=\"merged\" selected>");
    let r = t
        .get("/proposals?status=any&section=any&merge=needs_update", None)
        .await;
    r.assert_status(StatusCode::OK)
        .assert_contains("0 proposals");
    for bad in [
        "/proposals?status=bogus",
        "/proposals?merge=bogus",
        "/proposals?section=..",
    ] {
        t.get(bad, None)
            .await
            .assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    }
}

#[tokio::test]
async fn the_list_pages_fifty_at_a_time_and_shows_other_writers_at_once() {
    let t = TestApp::new();
    // The app is up (its index built); 52 proposals more come from another handle, as the
    // CLI would write them: the list shows them on the next request.
    t.get("/proposals", None)
        .await
        .assert_contains("6 proposals");
    let who = t.contributor().user.identity();
    for i in 0..52 {
        t.propose_paragraph(
            &who,
            "usability",
            &format!("Idea {i}"),
            &format!("Idea {i}."),
        );
    }
    let r = t.get("/proposals", None).await;
    r.assert_status(StatusCode::OK)
        .assert_contains("58 proposals, page 1 of 2")
        .assert_contains("href=\"/proposals/58\"")
        .assert_contains("href=\"/proposals/9\"")
        .assert_contains("href=\"/proposals?page=2\" rel=\"next\">Older proposals");
    assert!(
        !r.body.contains("href=\"/proposals/8\""),
        "only 50 on a page"
    );
    assert!(!r.body.contains("rel=\"prev\""));
    let r = t.get("/proposals?page=2", None).await;
    r.assert_status(StatusCode::OK)
        .assert_contains("page 2 of 2")
        .assert_contains("href=\"/proposals/8\"")
        .assert_contains("href=\"/proposals/1\"")
        .assert_contains("href=\"/proposals?page=1\" rel=\"prev\">Newer proposals");
    assert!(!r.body.contains("href=\"/proposals/9\""));
    // Filters travel with the page links; a page past the end is empty, not an error.
    let r = t
        .get("/proposals?section=usability&status=open", None)
        .await;
    r.assert_contains("54 proposals matching the filters, page 1 of 2")
        .assert_contains("href=\"/proposals?section=usability&#38;status=open&#38;page=2\"");
    t.get("/proposals?page=9", None)
        .await
        .assert_status(StatusCode::OK)
        .assert_contains("No proposals match");
    for bad in [
        "/proposals?page=0",
        "/proposals?page=-1",
        "/proposals?page=two",
    ] {
        t.get(bad, None)
            .await
            .assert_status(StatusCode::UNPROCESSABLE_ENTITY)
            .assert_contains("page");
    }
    // A merge made elsewhere moves main: merge states follow.
    let m = t.maintainer().user.identity();
    t.approve_and_merge(58, &m);
    let r = t.get("/proposals?status=merged", None).await;
    r.assert_contains("1 proposal matching")
        .assert_contains("href=\"/proposals/58\"");
    let r = t
        .get("/proposals?merge=needs_update&section=usability", None)
        .await;
    // Every other new idea adds a paragraph at the same place as 58 did: all conflict now.
    r.assert_contains("51 proposals matching");
}

#[tokio::test]
async fn hidden_proposals_show_only_to_maintainers() {
    let t = TestApp::new();
    let m = t.maintainer();
    let c = t.contributor();
    t.lib()
        .set_proposal_hidden(1, &m.user.identity(), true, "spam")
        .unwrap();
    let r = t.get("/proposals", Some(&c)).await;
    assert!(!r.body.contains("href=\"/proposals/1\""), "{}", r.body);
    t.get("/proposals", Some(&m))
        .await
        .assert_contains("href=\"/proposals/1\"")
        .assert_contains("<span class=\"tag\">hidden</span>");
    t.get("/proposals/1", None)
        .await
        .assert_status(StatusCode::NOT_FOUND);
    t.get("/proposals/1", Some(&m))
        .await
        .assert_status(StatusCode::OK)
        .assert_contains("hidden from everyone but maintainers");
    let before = t.refs();
    t.post_form("/proposals/1/comments", &[("body", "hello")], Some(&c))
        .await
        .assert_status(StatusCode::NOT_FOUND);
    assert_eq!(t.refs(), before);
}

#[tokio::test]
async fn the_propose_form_needs_a_signed_in_writer() {
    let t = TestApp::new();
    let r = t.get("/sections/usability/propose", None).await;
    r.assert_status(StatusCode::UNAUTHORIZED).assert_contains(
        "<a href=\"/signin\">Sign in</a> or <a href=\"/signup\">create an account</a>",
    );
    let c = t.contributor();
    let r = t.get("/sections/usability/propose", Some(&c)).await;
    r.assert_status(StatusCode::OK)
        .assert_contains("<label for=\"title\">Title</label>")
        .assert_contains("<label for=\"rationale\">Why this change helps</label>")
        .assert_contains("<label for=\"text\">Proposed text</label>")
        .assert_contains("aria-describedby=\"title-hint\"")
        .assert_contains("class=\"editor\"")
        .assert_contains(">Preview</button>")
        .assert_contains("name=\"action\" value=\"preview\"")
        .assert_contains("name=\"action\" value=\"submit\">Submit proposal</button>")
        .assert_contains("# Principle 8: Usability");
    t.get("/sections/no-such-section/propose", Some(&c))
        .await
        .assert_status(StatusCode::NOT_FOUND);
    let b = blocked(&t, "Blocked Person");
    assert_one_of(
        &t.get("/sections/usability/propose", Some(&b)).await,
        &[StatusCode::UNAUTHORIZED, StatusCode::FORBIDDEN],
    );

    let text = usability(&t).replace(LINE, "Keep them short");
    let fields = [
        ("title", "A title"),
        ("text", text.as_str()),
        ("action", "submit"),
    ];
    let before = t.refs();
    t.post_form("/sections/usability/propose", &fields, None)
        .await
        .assert_status(StatusCode::UNAUTHORIZED);
    assert_one_of(
        &t.post_form("/sections/usability/propose", &fields, Some(&b))
            .await,
        &[StatusCode::UNAUTHORIZED, StatusCode::FORBIDDEN],
    );
    t.post_form_raw("/sections/usability/propose", &fields, Some(&c))
        .await
        .assert_status(StatusCode::FORBIDDEN);
    assert_eq!(t.refs(), before);
}

#[tokio::test]
async fn preview_shows_the_word_diff_keeps_the_input_and_writes_nothing() {
    let t = TestApp::new();
    let c = t.contributor();
    let text = usability(&t).replace(LINE, "Keep your standards brief and practical");
    let before = t.refs();
    let r = t
        .post_form(
            "/sections/usability/propose",
            &[
                ("title", "Say \"brief\" <b>"),
                ("rationale", "Shorter words."),
                ("text", &text),
                ("action", "preview"),
            ],
            Some(&c),
        )
        .await;
    r.assert_status(StatusCode::OK)
        .assert_contains("<h2 id=\"preview-heading\">Preview</h2>")
        .assert_contains("<del>short</del><ins>brief</ins>")
        .assert_contains("value=\"Say &#34;brief&#34; &#60;b&#62;\"")
        .assert_contains("Shorter words.</textarea>")
        .assert_contains("Keep your standards brief and practical");
    assert_eq!(t.refs(), before, "a preview must not write");
}

#[tokio::test]
async fn invalid_proposals_come_back_with_an_error_summary() {
    let t = TestApp::new();
    let c = t.contributor();
    let current = usability(&t);
    let changed = current.replace(LINE, "Keep them short");
    let before = t.refs();
    let cases: [(&str, &str, &str); 3] = [
        ("", changed.as_str(), "href=\"#title\""),
        ("Same text", current.as_str(), "same as the section"),
        ("No heading", "Just a paragraph.", "href=\"#text\""),
    ];
    for (title, text, needle) in cases {
        let r = t
            .post_form(
                "/sections/usability/propose",
                &[
                    ("title", title),
                    ("rationale", "kept rationale"),
                    ("text", text),
                    ("action", "submit"),
                ],
                Some(&c),
            )
            .await;
        r.assert_status(StatusCode::UNPROCESSABLE_ENTITY)
            .assert_contains("role=\"alert\"")
            .assert_contains("There is a problem")
            .assert_contains("aria-invalid=\"true\"")
            .assert_contains("kept rationale</textarea>")
            .assert_contains(needle);
    }
    assert_eq!(t.refs(), before);
}

#[tokio::test]
async fn propose_comment_approve_and_merge_through_the_forms() {
    let t = TestApp::new();
    let c = t.contributor();
    let m = t.maintainer();
    let n = propose_line(&t, &c, "Keep your standards short, plain and practical").await;
    assert_eq!(n, 7, "after the six bundled samples");
    let p = t.lib().proposal(n).unwrap();
    assert!(c.user.owns(&p.author));

    let page = t.get(&format!("/proposals/{n}"), None).await;
    page.assert_status(StatusCode::OK)
        .assert_contains("<h1>Tighten the standards advice</h1>")
        .assert_contains("Connie Contributor")
        .assert_contains("<strong>Can be merged</strong>")
        .assert_contains("<div class=\"diff\">")
        .assert_contains("<ins>")
        .assert_contains("<p>It reads better.</p>")
        .assert_contains("has no approval yet");
    assert!(
        !page.body.contains("action=\"/proposals/7/merge\""),
        "visitors see no maintainer forms"
    );

    let r = t
        .post_form(
            &format!("/proposals/{n}/comments"),
            &[("body", "Looks **good**")],
            Some(&m),
        )
        .await;
    r.assert_status(StatusCode::SEE_OTHER);
    assert_eq!(r.location(), Some("/proposals/7#comment-1"));

    // Merging before an approval is refused and changes nothing.
    let before = t.refs();
    t.post_form(&format!("/proposals/{n}/merge"), &[], Some(&m))
        .await
        .assert_status(StatusCode::CONFLICT)
        .assert_contains("role=\"alert\"")
        .assert_contains("no approval");
    assert_eq!(t.refs(), before);
    let page = t.get(&format!("/proposals/{n}"), Some(&m)).await;
    page.assert_contains("<strong>good</strong>")
        .assert_contains("Merge into the draft</button>")
        .assert_contains("disabled>Merge into the draft");

    let r = t
        .post_form(
            &format!("/proposals/{n}/review"),
            &[("verdict", "approve"), ("comment", "Clearer.")],
            Some(&m),
        )
        .await;
    r.assert_status(StatusCode::SEE_OTHER);
    assert_eq!(r.location(), Some("/proposals/7#reviews"));
    let page = t.get(&format!("/proposals/{n}"), Some(&m)).await;
    page.assert_contains("Revision 1 is approved.")
        .assert_contains(
            "Max Maintainer</strong> <span class=\"badge\">Maintainer</span>: approved",
        );
    assert!(!page.body.contains("disabled>Merge into the draft"));

    let main_before = t.lib().main().unwrap();
    t.post_form(&format!("/proposals/{n}/merge"), &[], Some(&m))
        .await
        .assert_status(StatusCode::SEE_OTHER);
    assert_ne!(t.lib().main().unwrap(), main_before);
    assert!(usability(&t).contains("Keep your standards short, plain and practical"));
    assert_eq!(
        t.lib().proposal(n).unwrap().status,
        quire_core::Status::Merged
    );
    t.get(&format!("/proposals/{n}"), None)
        .await
        .assert_contains("status-merged")
        .assert_contains("Merged into the draft by Max Maintainer");
    t.get("/proposals?status=merged", None)
        .await
        .assert_contains("href=\"/proposals/7\"");
    // A merged proposal cannot be merged or rejected again.
    let before = t.refs();
    t.post_form(&format!("/proposals/{n}/merge"), &[], Some(&m))
        .await
        .assert_status(StatusCode::CONFLICT);
    t.post_form(
        &format!("/proposals/{n}/reject"),
        &[("reason", "too late")],
        Some(&m),
    )
    .await
    .assert_status(StatusCode::CONFLICT);
    assert_eq!(t.refs(), before);
}

#[tokio::test]
async fn each_post_is_refused_for_the_wrong_role_and_changes_nothing() {
    let t = TestApp::new();
    let author = t.contributor();
    let other = t.session("Olive Other", Role::Contributor);
    let bad = blocked(&t, "Blocked Person");
    let n = propose_line(
        &t,
        &author,
        "Keep your standards short, plain and practical",
    )
    .await;
    let text = usability(&t).replace(LINE, "Something else entirely");
    let base = format!("/proposals/{n}");
    let routes: Vec<(String, Vec<(&str, &str)>)> = vec![
        (format!("{base}/comments"), vec![("body", "hi")]),
        (
            format!("{base}/review"),
            vec![("verdict", "approve"), ("comment", "")],
        ),
        (format!("{base}/merge"), vec![]),
        (format!("{base}/reject"), vec![("reason", "no")]),
        (format!("{base}/withdraw"), vec![("reason", "no")]),
        (
            format!("{base}/revise"),
            vec![("text_usability", text.as_str()), ("action", "submit")],
        ),
        (
            format!("{base}/update"),
            vec![("text_usability", text.as_str())],
        ),
        (
            "/sections/usability/propose".to_string(),
            vec![
                ("title", "t"),
                ("text", text.as_str()),
                ("action", "submit"),
            ],
        ),
    ];
    let before = t.refs();
    for (path, fields) in &routes {
        // Anonymous: 401.
        t.post_form(path, fields, None)
            .await
            .assert_status(StatusCode::UNAUTHORIZED);
        // Blocked: 401 or 403.
        assert_one_of(
            &t.post_form(path, fields, Some(&bad)).await,
            &[StatusCode::UNAUTHORIZED, StatusCode::FORBIDDEN],
        );
        // No CSRF token, or a wrong one: 403, even for a maintainer's session.
        t.post_form_raw(path, fields, Some(&author))
            .await
            .assert_status(StatusCode::FORBIDDEN);
        let mut wrong = vec![("csrf", "not-the-token")];
        wrong.extend(fields.iter().copied());
        t.post_form_raw(path, &wrong, Some(&author))
            .await
            .assert_status(StatusCode::FORBIDDEN);
        assert_eq!(t.refs(), before, "{path}");
    }
    // Another contributor may comment, but not act as author or maintainer.
    for (path, fields) in &routes[1..7] {
        t.post_form(path, fields, Some(&other))
            .await
            .assert_status(StatusCode::FORBIDDEN);
        assert_eq!(t.refs(), before, "{path}");
    }
    // The author may not review, merge or reject.
    for (path, fields) in &routes[1..4] {
        t.post_form(path, fields, Some(&author))
            .await
            .assert_status(StatusCode::FORBIDDEN);
    }
    assert_eq!(t.refs(), before);
    // The forms behind GET: 401 with a sign-in link, 403, or the form.
    for form in ["revise", "update"] {
        let path = format!("{base}/{form}");
        t.get(&path, None)
            .await
            .assert_status(StatusCode::UNAUTHORIZED)
            .assert_contains("<h1>Sign in to continue</h1>")
            .assert_contains("<a href=\"/signin\">Sign in</a>");
        t.get(&path, Some(&other))
            .await
            .assert_status(StatusCode::FORBIDDEN);
        t.get(&path, Some(&author))
            .await
            .assert_status(StatusCode::OK);
    }
    // Only the author and maintainers see the author's actions.
    let page = t.get(&base, Some(&other)).await;
    assert!(!page.body.contains("/withdraw\""));
    assert!(!page.body.contains("/review\""));
    page.assert_contains("action=\"/proposals/7/comments\"");
    t.get(&base, Some(&author))
        .await
        .assert_contains("action=\"/proposals/7/withdraw\"")
        .assert_contains("href=\"/proposals/7/revise\"");
}

#[tokio::test]
async fn maintainers_may_revise_and_withdraw_anyones_proposal() {
    let t = TestApp::new();
    let m = t.maintainer();
    let text = t
        .lib()
        .proposal_text(1, &"customer-experience".parse().unwrap(), None);
    let text = text.unwrap() + "\nOne more line from a maintainer.\n";
    let r = t
        .post_form(
            "/proposals/1/revise",
            &[
                ("text_customer-experience", &text),
                ("note", "Tidied"),
                ("action", "submit"),
            ],
            Some(&m),
        )
        .await;
    r.assert_status(StatusCode::SEE_OTHER);
    let p = t.lib().proposal(1).unwrap();
    assert_eq!(p.latest().number, 2);
    assert_eq!(p.latest().note, "Tidied");
    t.post_form("/proposals/1/withdraw", &[("reason", "")], Some(&m))
        .await
        .assert_status(StatusCode::SEE_OTHER);
    assert_eq!(
        t.lib().proposal(1).unwrap().status,
        quire_core::Status::Withdrawn
    );
}

#[tokio::test]
async fn the_author_revises_updates_and_withdraws() {
    let t = TestApp::new();
    let a = t.contributor();
    let m = t.maintainer();
    let n = propose_line(&t, &a, "Keep your standards short, plain and practical").await;
    let path = format!("/proposals/{n}");

    let r = t.get(&format!("{path}/revise"), Some(&a)).await;
    r.assert_status(StatusCode::OK)
        .assert_contains("name=\"text_usability\"")
        .assert_contains("<label for=\"text-usability\">")
        .assert_contains("short, plain and practical")
        .assert_contains("<label for=\"note\">");

    let v2 = usability(&t).replace(LINE, "Keep your standards short, plain and useful");
    let before = t.refs();
    let r = t
        .post_form(
            &format!("{path}/revise"),
            &[
                ("text_usability", &v2),
                ("note", "Say useful"),
                ("action", "preview"),
            ],
            Some(&a),
        )
        .await;
    r.assert_status(StatusCode::OK)
        .assert_contains("<ins>")
        .assert_contains("Say useful</textarea>");
    assert_eq!(t.refs(), before, "a preview must not write");

    // The same text as the latest revision is refused.
    let v1 = t
        .lib()
        .proposal_text(n, &"usability".parse().unwrap(), None)
        .unwrap();
    t.post_form(
        &format!("{path}/revise"),
        &[("text_usability", &v1), ("action", "submit")],
        Some(&a),
    )
    .await
    .assert_status(StatusCode::UNPROCESSABLE_ENTITY)
    .assert_contains("role=\"alert\"");
    t.post_form(
        &format!("{path}/revise"),
        &[("text_usability", "no heading"), ("action", "submit")],
        Some(&a),
    )
    .await
    .assert_status(StatusCode::UNPROCESSABLE_ENTITY)
    .assert_contains("href=\"#text-usability\"")
    .assert_contains("no heading</textarea>");
    assert_eq!(t.refs(), before);

    t.post_form(
        &format!("{path}/revise"),
        &[
            ("text_usability", &v2),
            ("note", "Say useful"),
            ("action", "submit"),
        ],
        Some(&a),
    )
    .await
    .assert_status(StatusCode::SEE_OTHER);
    let page = t.get(&path, None).await;
    page.assert_contains("href=\"/proposals/7?rev=1#change\"")
        .assert_contains("2 (shown)")
        .assert_contains("Say useful");
    let old = t.get(&format!("{path}?rev=1"), None).await;
    old.assert_status(StatusCode::OK)
        .assert_contains("The change in revision 1 (not the latest)")
        .assert_contains("Keep your standards short<ins>, plain</ins> and practical");
    t.get(&format!("{path}?rev=9"), None)
        .await
        .assert_status(StatusCode::NOT_FOUND);
    t.get(&format!("{path}?rev=abc"), None)
        .await
        .assert_status(StatusCode::NOT_FOUND);

    // Another section changes on main: the proposal needs a clean update.
    let take_up = t.lib().section("take-up", "main").unwrap().text + "\nA new line.\n";
    let other = propose(&t, &m, "take-up", "Add a line", &take_up).await;
    // Another maintainer approves: an author's own approval does not count.
    let m2 = t.session("Second Maintainer", Role::Maintainer);
    t.post_form(
        &format!("/proposals/{other}/review"),
        &[("verdict", "approve")],
        Some(&m2),
    )
    .await
    .assert_status(StatusCode::SEE_OTHER);
    t.post_form(&format!("/proposals/{other}/merge"), &[], Some(&m))
        .await
        .assert_status(StatusCode::SEE_OTHER);
    t.get(&path, Some(&a))
        .await
        .assert_contains("<strong>Can be merged</strong>")
        .assert_contains(">Update onto the latest draft</button>");
    t.get(&format!("{path}/update"), Some(&a))
        .await
        .assert_status(StatusCode::OK)
        .assert_contains("not in the same places");
    t.post_form(&format!("{path}/update"), &[], Some(&a))
        .await
        .assert_status(StatusCode::SEE_OTHER);
    let p = t.lib().proposal(n).unwrap();
    assert_eq!(p.latest().number, 3);
    assert_eq!(p.latest().base, t.lib().main().unwrap());
    t.get(&path, None)
        .await
        .assert_contains("updated onto the draft");
    // Up to date now: updating again changes nothing.
    let before = t.refs();
    t.post_form(&format!("{path}/update"), &[], Some(&a))
        .await
        .assert_status(StatusCode::CONFLICT);
    assert_eq!(t.refs(), before);

    t.post_form(
        &format!("{path}/withdraw"),
        &[("reason", "Changed my mind")],
        Some(&a),
    )
    .await
    .assert_status(StatusCode::SEE_OTHER);
    t.get(&path, None)
        .await
        .assert_contains("status-withdrawn")
        .assert_contains("<p>Changed my mind</p>");
    let before = t.refs();
    t.post_form(
        &format!("{path}/revise"),
        &[("text_usability", &v2), ("action", "submit")],
        Some(&a),
    )
    .await
    .assert_status(StatusCode::CONFLICT);
    t.get(&format!("{path}/revise"), Some(&a))
        .await
        .assert_status(StatusCode::CONFLICT);
    assert_eq!(t.refs(), before);
}

#[tokio::test]
async fn the_three_views_of_a_change() {
    let t = TestApp::new();
    let c = t.contributor();
    let n = propose_line(&t, &c, "Keep your standards brief and practical").await;
    let path = format!("/proposals/{n}");
    let r = t.get(&path, None).await;
    r.assert_contains("<div class=\"diff\">")
        .assert_contains("<del>short</del><ins>brief</ins>")
        .assert_contains("aria-current=\"page\">Changes</a>")
        .assert_contains("href=\"/proposals/7?view=side#change\">Side by side</a>")
        .assert_contains("href=\"/proposals/7?view=preview#change\">Preview</a>");
    let r = t.get(&format!("{path}?view=side"), None).await;
    r.assert_status(StatusCode::OK)
        .assert_contains("<div class=\"diff-side\">")
        .assert_contains("<h4>Current text</h4>")
        .assert_contains("<h4>Proposed text</h4>")
        .assert_contains("Keep your standards <del>short</del> and practical")
        .assert_contains("Keep your standards <ins>brief</ins> and practical")
        .assert_contains("aria-current=\"page\">Side by side</a>");
    let r = t.get(&format!("{path}?view=preview&rev=1"), None).await;
    r.assert_status(StatusCode::OK)
        .assert_contains("<h3>Principle 8: Usability</h3>")
        .assert_contains("Keep your standards brief and practical")
        .assert_contains("aria-current=\"page\">Preview</a>");
    assert!(!r.body.contains("<ins>"), "the preview shows no markup");
}

#[tokio::test]
async fn scripts_in_proposals_and_comments_never_run() {
    let t = TestApp::new();
    let c = t.contributor();
    let evil = "<script>alert(1)</script>";
    let text = usability(&t).replace(
        LINE,
        "<script>alert(2)</script> <img src=x onerror=alert(3)> [click](javascript:alert(4)) Keep",
    );
    let r = t
        .post_form(
            "/sections/usability/propose",
            &[
                ("title", evil),
                (
                    "rationale",
                    "<img src=x onerror=alert(5)> [x](javascript:alert(6)) <script>alert(7)</script>",
                ),
                ("text", &text),
                ("action", "submit"),
            ],
            Some(&c),
        )
        .await;
    r.assert_status(StatusCode::SEE_OTHER);
    let n = 7;
    t.post_form(
        &format!("/proposals/{n}/comments"),
        &[(
            "body",
            "<script>alert(8)</script><img src=x onerror=alert(9)> [y](javascript:alert(10))",
        )],
        Some(&c),
    )
    .await
    .assert_status(StatusCode::SEE_OTHER);
    for path in [
        "/proposals".to_string(),
        format!("/proposals/{n}"),
        format!("/proposals/{n}?view=side"),
        format!("/proposals/{n}?view=preview"),
        format!("/proposals/{n}/revise"),
    ] {
        let r = t.get(&path, Some(&c)).await;
        r.assert_status(StatusCode::OK);
        assert_inert(&r.body);
    }
    t.get("/proposals", None)
        .await
        .assert_contains("&#60;script&#62;alert(1)&#60;/script&#62;");
    // The preview of the propose form is just as safe.
    let r = t
        .post_form(
            "/sections/usability/propose",
            &[("title", evil), ("text", &text), ("action", "preview")],
            Some(&c),
        )
        .await;
    r.assert_status(StatusCode::OK);
    assert_inert(&r.body);
}

#[tokio::test]
async fn conflicting_proposals_need_an_update_before_they_merge() {
    let t = TestApp::new();
    let a = t.contributor();
    let b = t.session("Bea Second", Role::Contributor);
    let m = t.maintainer();
    let first = propose_line(&t, &a, "Keep your standards brief and practical").await;
    let second = propose_line(&t, &b, "Keep your standards short and useful").await;
    let r = t.get("/proposals?merge=can_merge", None).await;
    r.assert_contains(&format!("href=\"/proposals/{first}\""))
        .assert_contains(&format!("href=\"/proposals/{second}\""));

    for n in [first, second] {
        t.post_form(
            &format!("/proposals/{n}/review"),
            &[("verdict", "approve")],
            Some(&m),
        )
        .await
        .assert_status(StatusCode::SEE_OTHER);
    }
    t.post_form(&format!("/proposals/{first}/merge"), &[], Some(&m))
        .await
        .assert_status(StatusCode::SEE_OTHER);

    let r = t.get("/proposals?merge=needs_update", None).await;
    r.assert_contains(&format!("href=\"/proposals/{second}\""))
        .assert_contains("needs update");
    assert!(!r.body.contains(&format!("href=\"/proposals/{first}\"")));
    let r = t.get("/proposals?merge=can_merge", None).await;
    assert!(!r.body.contains(&format!("href=\"/proposals/{second}\"")));

    let path = format!("/proposals/{second}");
    t.get(&path, Some(&b))
        .await
        .assert_contains("Needs an update: conflicts in section Principle 8: Usability")
        .assert_contains("brief and practical")
        .assert_contains(&format!("href=\"/proposals/{second}/update\""));

    // Merging it now is a conflict, and writes nothing.
    let before = t.refs();
    t.post_form(&format!("{path}/merge"), &[], Some(&m))
        .await
        .assert_status(StatusCode::CONFLICT)
        .assert_contains("role=\"alert\"")
        .assert_contains("conflicts with the current draft in section usability");
    // Updating without resolving is a conflict too.
    t.post_form(&format!("{path}/update"), &[], Some(&b))
        .await
        .assert_status(StatusCode::CONFLICT)
        .assert_contains("name=\"text_usability\"");
    // A resolution that is not a section text is refused, keeping the input.
    t.post_form(
        &format!("{path}/update"),
        &[("text_usability", "not a section")],
        Some(&b),
    )
    .await
    .assert_status(StatusCode::UNPROCESSABLE_ENTITY)
    .assert_contains("not a section</textarea>");
    assert_eq!(t.refs(), before);

    let r = t.get(&format!("{path}/update"), Some(&b)).await;
    r.assert_status(StatusCode::OK)
        .assert_contains("<label for=\"text-usability\">Resolved text of")
        .assert_contains("Keep your standards brief and practical");
    let resolved = usability(&t).replace(
        "Keep your standards brief and practical",
        "Keep your standards brief and useful",
    );
    t.post_form(
        &format!("{path}/update"),
        &[("text_usability", &resolved)],
        Some(&b),
    )
    .await
    .assert_status(StatusCode::SEE_OTHER);
    t.get("/proposals?merge=can_merge", None)
        .await
        .assert_contains(&format!("href=\"/proposals/{second}\""));
    // A resolved update needs a fresh approval.
    t.post_form(&format!("{path}/merge"), &[], Some(&m))
        .await
        .assert_status(StatusCode::CONFLICT);
    t.post_form(
        &format!("{path}/review"),
        &[("verdict", "approve")],
        Some(&m),
    )
    .await
    .assert_status(StatusCode::SEE_OTHER);
    t.post_form(&format!("{path}/merge"), &[], Some(&m))
        .await
        .assert_status(StatusCode::SEE_OTHER);
    assert!(usability(&t).contains("Keep your standards brief and useful"));
}

#[tokio::test]
async fn maintainer_forms_check_their_input() {
    let t = TestApp::new();
    let m = t.maintainer();
    let before = t.refs();
    t.post_form("/proposals/1/reject", &[("reason", "  ")], Some(&m))
        .await
        .assert_status(StatusCode::UNPROCESSABLE_ENTITY)
        .assert_contains("role=\"alert\"")
        .assert_contains("href=\"#reject-reason\"");
    t.post_form("/proposals/1/review", &[("verdict", "maybe")], Some(&m))
        .await
        .assert_status(StatusCode::UNPROCESSABLE_ENTITY)
        .assert_contains("href=\"#verdict-approve\"");
    t.post_form("/proposals/1/comments", &[("body", " ")], Some(&m))
        .await
        .assert_status(StatusCode::UNPROCESSABLE_ENTITY)
        .assert_contains("href=\"#comment-body\"");
    assert_eq!(t.refs(), before);

    t.post_form(
        "/proposals/1/review",
        &[
            ("verdict", "request_changes"),
            ("comment", "Shorter, please"),
        ],
        Some(&m),
    )
    .await
    .assert_status(StatusCode::SEE_OTHER);
    t.get("/proposals/1", None)
        .await
        .assert_contains("changes requested")
        .assert_contains("Shorter, please");
    t.post_form(
        "/proposals/1/reject",
        &[("reason", "Out of scope")],
        Some(&m),
    )
    .await
    .assert_status(StatusCode::SEE_OTHER);
    t.get("/proposals/1", None)
        .await
        .assert_contains("status-rejected")
        .assert_contains("Rejected by Max Maintainer");
    let before = t.refs();
    t.post_form("/proposals/1/review", &[("verdict", "approve")], Some(&m))
        .await
        .assert_status(StatusCode::CONFLICT);
    assert_eq!(t.refs(), before);
}

#[tokio::test]
async fn unknown_and_malformed_proposals_are_not_found() {
    let t = TestApp::new();
    let c = t.contributor();
    for path in [
        "/proposals/999",
        "/proposals/abc",
        "/proposals/0",
        "/proposals/-1",
        "/proposals/999/revise",
        "/proposals/abc/update",
    ] {
        let r = t.get(path, Some(&c)).await;
        r.assert_status(StatusCode::NOT_FOUND)
            .assert_contains("<h1>Page not found</h1>");
    }
    let before = t.refs();
    for path in [
        "/proposals/999/comments",
        "/proposals/abc/comments",
        "/proposals/999/withdraw",
    ] {
        t.post_form(path, &[("body", "x"), ("reason", "x")], Some(&c))
            .await
            .assert_status(StatusCode::NOT_FOUND);
    }
    assert_eq!(t.refs(), before);
}

#[tokio::test]
async fn the_proposal_page_has_forms_a_keyboard_and_screen_reader_can_use() {
    let t = TestApp::new();
    let m = t.maintainer();
    let r = t.get("/proposals/2", Some(&m)).await;
    r.assert_status(StatusCode::OK)
        .assert_contains("<label for=\"comment-body\">")
        .assert_contains("<label for=\"reject-reason\">")
        .assert_contains("<legend>Your verdict on revision 1</legend>")
        .assert_contains("<label for=\"verdict-approve\">Approve</label>")
        .assert_contains("<label for=\"review-comment\">")
        .assert_contains("<label for=\"report-reason\">")
        .assert_contains("name=\"kind\" value=\"proposal\"")
        .assert_contains("aria-describedby=\"merge-hint\"");
    assert_headings_in_order(&r.body);
    // A comment has a report button.
    t.post_form("/proposals/2/comments", &[("body", "Hmm")], Some(&m))
        .await
        .assert_status(StatusCode::SEE_OTHER);
    t.get("/proposals/2", Some(&m))
        .await
        .assert_contains("name=\"kind\" value=\"proposal_comment\"")
        .assert_contains("name=\"comment\" value=\"1\"");
    // The report forms carry what the report route needs, and it thanks the reporter here.
    let c = t.contributor();
    for fields in [
        vec![("kind", "proposal"), ("target", "2"), ("reason", "Spam")],
        vec![
            ("kind", "proposal_comment"),
            ("target", "2"),
            ("comment", "1"),
            ("reason", "Reported from the proposal page"),
        ],
    ] {
        let r = t.post_form("/report", &fields, Some(&c)).await;
        r.assert_status(StatusCode::SEE_OTHER);
        let back = r.location().unwrap().to_string();
        assert!(back.starts_with("/proposals/2"), "{back}");
        t.get(&back, Some(&c))
            .await
            .assert_status(StatusCode::OK)
            .assert_contains("role=\"status\"");
    }
}

#[tokio::test]
async fn every_proposal_page_keeps_its_headings_in_order() {
    let t = TestApp::new();
    let a = t.contributor();
    let b = t.session("Bea Second", Role::Contributor);
    let m = t.maintainer();
    let first = propose_line(&t, &a, "Keep your standards brief and practical").await;
    let second = propose_line(&t, &b, "Keep your standards short and useful").await;
    t.post_form(
        &format!("/proposals/{first}/review"),
        &[("verdict", "approve")],
        Some(&m),
    )
    .await
    .assert_status(StatusCode::SEE_OTHER);
    t.post_form(&format!("/proposals/{first}/merge"), &[], Some(&m))
        .await
        .assert_status(StatusCode::SEE_OTHER);
    let text = usability(&t).replace("brief", "terse");
    let p = format!("/proposals/{second}");
    let pages = [
        t.get("/proposals", Some(&m)).await,
        t.get(&p, Some(&m)).await,
        t.get(&format!("{p}?view=side"), Some(&b)).await,
        t.get(&format!("{p}?view=preview"), Some(&b)).await,
        t.get(&format!("{p}/update"), Some(&b)).await,
        t.get(&format!("{p}/revise"), Some(&b)).await,
        t.get("/sections/usability/propose", Some(&a)).await,
        t.post_form(&format!("{p}/merge"), &[], Some(&m)).await,
        t.post_form(
            &format!("{p}/revise"),
            &[("text_usability", &text), ("action", "preview")],
            Some(&b),
        )
        .await,
        t.post_form(
            "/sections/usability/propose",
            &[("title", "x"), ("text", &text), ("action", "preview")],
            Some(&a),
        )
        .await,
    ];
    for r in &pages {
        assert_headings_in_order(&r.body);
    }
}

#[tokio::test]
async fn a_revise_form_opened_before_a_newer_revision_does_not_undo_it() {
    let t = TestApp::new();
    let a = t.contributor();
    let m = t.maintainer();
    let n = propose_line(&t, &a, "Keep your standards short, plain and practical").await;
    let path = format!("/proposals/{n}/revise");
    // Both open the form at revision 1.
    t.get(&path, Some(&a))
        .await
        .assert_status(StatusCode::OK)
        .assert_contains("name=\"from\" value=\"1\"");
    let by_maintainer = usability(&t).replace(LINE, "Keep your standards short and useful");
    t.post_form(
        &path,
        &[
            ("text_usability", &by_maintainer),
            ("from", "1"),
            ("action", "submit"),
        ],
        Some(&m),
    )
    .await
    .assert_status(StatusCode::SEE_OTHER);

    // The author saves from the old form: refused, nothing written, their text kept, and
    // the form now carries revision 2.
    let by_author = usability(&t).replace(LINE, "Keep your standards short and clear");
    let before = t.refs();
    t.post_form(
        &path,
        &[
            ("text_usability", &by_author),
            ("from", "1"),
            ("action", "submit"),
        ],
        Some(&a),
    )
    .await
    .assert_status(StatusCode::CONFLICT)
    .assert_contains("is at revision 2 now")
    .assert_contains("short and clear")
    .assert_contains("name=\"from\" value=\"2\"");
    assert_eq!(t.refs(), before, "a stale form must not write");
    assert_eq!(t.lib().proposal(n).unwrap().latest().number, 2);

    // A form revision that is not a number is bad input.
    t.post_form(
        &path,
        &[
            ("text_usability", &by_author),
            ("from", "two"),
            ("action", "submit"),
        ],
        Some(&a),
    )
    .await
    .assert_status(StatusCode::UNPROCESSABLE_ENTITY)
    .assert_contains("is not a number");
    assert_eq!(t.refs(), before);

    // Saved again from revision 2, knowingly.
    t.post_form(
        &path,
        &[
            ("text_usability", &by_author),
            ("from", "2"),
            ("action", "submit"),
        ],
        Some(&a),
    )
    .await
    .assert_status(StatusCode::SEE_OTHER);
    assert_eq!(t.lib().proposal(n).unwrap().latest().number, 3);
}

#[tokio::test]
async fn review_rules_show_on_the_page_and_refuse_a_self_approved_merge() {
    let t = TestApp::new();
    let m = t.maintainer();
    let author = t.session("Ann Author", Role::Maintainer);
    t.lib()
        .set_review_rules(&quire_core::ReviewRules {
            required_approvals: 2,
            author_approval_counts: false,
        })
        .unwrap();
    let n = t.propose_paragraph(
        &author.user.identity(),
        "take-up",
        "Add a local example",
        "A local example.",
    );
    let review = |who: &Session| {
        let who = who.clone();
        let t = &t;
        async move {
            t.post_form(
                &format!("/proposals/{n}/review"),
                &[("revision", "1"), ("verdict", "approve"), ("comment", "")],
                Some(&who),
            )
            .await
            .assert_status(StatusCode::SEE_OTHER);
        }
    };
    review(&author).await;
    t.get(&format!("/proposals/{n}"), Some(&m))
        .await
        .assert_contains("Approvals: 0 of 2 needed")
        .assert_contains("The approval by Ann Author does not count")
        .assert_contains("disabled>Merge into the draft");
    review(&m).await;
    let before = t.refs();
    t.post_form(&format!("/proposals/{n}/merge"), &[], Some(&m))
        .await
        .assert_status(StatusCode::CONFLICT)
        .assert_contains("1 of the 2 approvals it needs")
        .assert_contains("own approval does not count");
    assert_eq!(t.refs(), before, "a refused merge changes nothing");
    t.get(&format!("/proposals/{n}"), None)
        .await
        .assert_contains("Approvals: 1 of 2 needed");
    review(&t.session("Second Reviewer", Role::Maintainer)).await;
    t.get(&format!("/proposals/{n}"), Some(&m))
        .await
        .assert_contains("Revision 1 is approved. Approvals: 2 of 2 needed.");
    t.post_form(&format!("/proposals/{n}/merge"), &[], Some(&m))
        .await
        .assert_status(StatusCode::SEE_OTHER);
    assert_eq!(
        t.lib().proposal(n).unwrap().status,
        quire_core::Status::Merged
    );
}
