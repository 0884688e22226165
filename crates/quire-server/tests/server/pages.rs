//! Router-level tests of the reading pages and accounts.

#![allow(clippy::unwrap_used)]

use crate::support;

use axum::http::StatusCode;
use quire_server::Role;
use support::TestApp;

#[tokio::test]
async fn anyone_reads_the_contents_and_a_section() {
    let t = TestApp::new();
    let r = t.get("/", None).await;
    r.assert_status(StatusCode::OK)
        .assert_contains("<h1>Digital Insights</h1>")
        .assert_contains("href=\"/sections/assisted-digital\"");
    assert!(r.headers.get("content-security-policy").is_some());
    assert!(r.headers.get("x-request-id").is_some());
    let r = t.get("/sections/usability", None).await;
    r.assert_status(StatusCode::OK)
        .assert_contains("Principle 8: Usability")
        .assert_contains("Sign in</a> or <a href=\"/signup\">sign up</a>");
    t.get("/sections/no-such-section", None)
        .await
        .assert_status(StatusCode::NOT_FOUND);
    t.get("/sections/..", None)
        .await
        .assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    t.get("/nowhere", None)
        .await
        .assert_status(StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn every_response_has_its_own_request_id() {
    let t = TestApp::new();
    let mut ids = std::collections::HashSet::new();
    for path in [
        "/",
        "/",
        "/sections/usability",
        "/sections/usability",
        "/nowhere",
    ] {
        let r = t.get(path, None).await;
        let id = r.headers.get("x-request-id").unwrap().to_str().unwrap();
        assert_eq!(id.len(), 36, "{id}");
        assert!(ids.insert(id.to_string()), "{id} twice");
    }
}

#[tokio::test]
async fn the_first_visit_sets_a_strict_httponly_csrf_cookie() {
    let t = TestApp::new();
    let req = axum::http::Request::builder()
        .uri("/")
        .body(axum::body::Body::empty())
        .unwrap();
    let r = t.send(req).await;
    let cookie = r.headers.get("set-cookie").unwrap().to_str().unwrap();
    assert!(cookie.starts_with("quire_csrf="), "{cookie}");
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"),
        "{cookie}"
    );
}

#[tokio::test]
async fn signing_up_in_and_out() {
    let t = TestApp::new();
    let r = t
        .post_form(
            "/signup",
            &[
                ("name", "Ann Example"),
                ("email", "ann@example.org"),
                ("password", "correct horse battery"),
            ],
            None,
        )
        .await;
    r.assert_status(StatusCode::SEE_OTHER);
    let set = r.headers.get("set-cookie").unwrap().to_str().unwrap();
    assert!(
        set.starts_with("quire_session=")
            && set.contains("HttpOnly")
            && set.contains("SameSite=Lax"),
        "{set}"
    );
    // A duplicate email and a short password are shown on the form, not as a crash.
    t.post_form(
        "/signup",
        &[
            ("name", "Ann"),
            ("email", "ann@example.org"),
            ("password", "correct horse battery"),
        ],
        None,
    )
    .await
    .assert_status(StatusCode::UNPROCESSABLE_ENTITY)
    .assert_contains("already exists");
    t.post_form(
        "/signup",
        &[
            ("name", "Bo"),
            ("email", "bo@example.org"),
            ("password", "short"),
        ],
        None,
    )
    .await
    .assert_status(StatusCode::UNPROCESSABLE_ENTITY)
    .assert_contains("at least 12 characters");
    t.post_form(
        "/signin",
        &[("email", "ann@example.org"), ("password", "wrong password")],
        None,
    )
    .await
    .assert_status(StatusCode::UNPROCESSABLE_ENTITY)
    .assert_contains("not right");
    let r = t
        .post_form(
            "/signin",
            &[
                ("email", "ann@example.org"),
                ("password", "correct horse battery"),
            ],
            None,
        )
        .await;
    r.assert_status(StatusCode::SEE_OTHER);
    let (email, password) = t.first_maintainer.clone();
    t.post_form(
        "/signin",
        &[("email", &email), ("password", &password)],
        None,
    )
    .await
    .assert_status(StatusCode::SEE_OTHER);
    let s = t.contributor();
    t.get("/", Some(&s))
        .await
        .assert_contains("Signed in as <strong>Connie Contributor</strong>");
    t.post_form("/signout", &[], Some(&s))
        .await
        .assert_status(StatusCode::SEE_OTHER);
    t.get("/", Some(&s))
        .await
        .assert_contains("href=\"/signin\"");
}

#[tokio::test]
async fn forms_without_the_csrf_token_are_refused_and_change_nothing() {
    let t = TestApp::new();
    let s = t.contributor();
    let before = t.refs();
    let r = t
        .post_form_raw(
            "/sections/usability/comments",
            &[("body", "hello")],
            Some(&s),
        )
        .await;
    r.assert_status(StatusCode::FORBIDDEN);
    let r = t
        .post_form_raw(
            "/sections/usability/comments",
            &[("csrf", "wrong"), ("body", "hello")],
            Some(&s),
        )
        .await;
    r.assert_status(StatusCode::FORBIDDEN);
    assert_eq!(t.refs(), before);
}

#[tokio::test]
async fn section_comments_need_a_signed_in_unblocked_account_and_are_escaped() {
    let t = TestApp::new();
    let before = t.refs();
    t.post_form(
        "/sections/usability/comments",
        &[("body", "anonymous")],
        None,
    )
    .await
    .assert_status(StatusCode::UNAUTHORIZED);
    assert_eq!(t.refs(), before);
    let s = t.session("Bad Actor", Role::Contributor);
    t.state.store().set_blocked(s.user.id, true).unwrap();
    t.post_form(
        "/sections/usability/comments",
        &[("body", "blocked")],
        Some(&s),
    )
    .await
    .assert_status(StatusCode::UNAUTHORIZED);
    assert_eq!(
        t.refs(),
        before,
        "a blocked account's session no longer works"
    );
    let s2 = t.contributor();
    let r = t
        .post_form(
            "/sections/usability/comments",
            &[(
                "body",
                "**hi** <img src=x onerror=alert(1)>\n\n<script>alert('x')</script>",
            )],
            Some(&s2),
        )
        .await;
    r.assert_status(StatusCode::SEE_OTHER);
    let page = t.get("/sections/usability", None).await;
    page.assert_contains("<strong>hi</strong>");
    assert!(
        !page.body.contains("<script>alert"),
        "script must not reach the page"
    );
    assert!(
        !page.body.contains("onerror"),
        "handlers must not reach the page"
    );
    t.post_form(
        "/sections/usability/comments",
        &[("body", "   ")],
        Some(&s2),
    )
    .await
    .assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    t.post_form("/sections/nope/comments", &[("body", "x")], Some(&s2))
        .await
        .assert_status(StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn oversize_bodies_are_refused() {
    let t = TestApp::new();
    let s = t.contributor();
    let big = "x".repeat(quire_server::MAX_BODY_BYTES + 10);
    let r = t
        .post_form("/sections/usability/comments", &[("body", &big)], Some(&s))
        .await;
    assert!(
        r.status == StatusCode::PAYLOAD_TOO_LARGE || r.status == StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        r.status
    );
}

#[tokio::test]
async fn a_change_made_by_another_process_shows_on_the_next_request() {
    let t = TestApp::new();
    t.get("/sections/usability", None)
        .await
        .assert_status(StatusCode::OK);
    // Another writer (the CLI, say) comments straight into the library.
    let other = quire_core::Library::open(t.state.library_path()).unwrap();
    let who: quire_core::Identity = "Cli User <cli@example.org>".parse().unwrap();
    other
        .comment_section("usability", &who, "Written from the command line.")
        .unwrap();
    t.get("/sections/usability", None)
        .await
        .assert_contains("Written from the command line.")
        .assert_contains("Cli User");
}

#[test]
fn a_lost_race_is_a_409_with_a_retry_message_not_a_500() {
    let e = quire_server::AppError::Core(quire_core::Error::Contention("refs/heads/main".into()));
    let (status, message) = e.status_and_message();
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(message.contains("try again"), "{message}");
}

#[tokio::test]
async fn a_report_is_acknowledged_on_the_section_page() {
    let t = TestApp::new();
    let plain = t.get("/sections/usability", None).await;
    assert!(!plain.body.contains("Thank you."));
    t.get("/sections/usability?reported=1", None)
        .await
        .assert_status(StatusCode::OK)
        .assert_contains("Thank you. A maintainer will look at what you reported.");
}

/// A request cancelled while its library work runs on keeps that work counted, so the
/// bound on libraries at work holds (before, the permit went with the request).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cancelled_request_keeps_its_library_counted_until_the_work_ends() {
    let t = TestApp::new();
    let full = t.state.library_permits_available();
    let (release, wait) = std::sync::mpsc::channel::<()>();
    let (started, has_started) = tokio::sync::oneshot::channel::<()>();
    let state = t.state.clone();
    let call = tokio::spawn(async move {
        state
            .with_lib(move |_| {
                let _ = started.send(());
                let _ = wait.recv();
                Ok(())
            })
            .await
    });
    has_started.await.expect("the work started");
    call.abort();
    assert!(call.await.is_err(), "the request was cancelled");
    assert_eq!(
        t.state.library_permits_available(),
        full - 1,
        "the work still running holds its permit"
    );
    release.send(()).expect("the work is waiting");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while t.state.library_permits_available() < full && std::time::Instant::now() < deadline {
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    assert_eq!(t.state.library_permits_available(), full);
}
