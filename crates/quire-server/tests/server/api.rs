//! Router-level tests of the JSON API under `/api/v1`: every endpoint, as every kind of
//! caller (anonymous, contributor, proposal author, maintainer, blocked account), the
//! errors, and that every refused write leaves every git ref as it was.

#![allow(clippy::unwrap_used)]

use crate::support;

use std::collections::BTreeSet;

use axum::http::{Method, StatusCode};
use quire_server::Role;
use serde_json::{json, Value};
use support::{Resp, TestApp};

/// Every route the API serves, as (method, OpenAPI path). The OpenAPI document must list
/// exactly these, and each must be routed.
const ROUTES: &[(&str, &str)] = &[
    ("get", "/api/v1/openapi.json"),
    ("post", "/api/v1/tokens"),
    ("get", "/api/v1/tokens"),
    ("delete", "/api/v1/tokens/{id}"),
    ("get", "/api/v1/sections"),
    ("get", "/api/v1/sections/{id}"),
    ("get", "/api/v1/sections/{id}/comments"),
    ("post", "/api/v1/sections/{id}/comments"),
    ("get", "/api/v1/proposals"),
    ("post", "/api/v1/proposals"),
    ("get", "/api/v1/proposals/{n}"),
    ("get", "/api/v1/proposals/{n}/diff"),
    ("post", "/api/v1/proposals/{n}/comments"),
    ("post", "/api/v1/proposals/{n}/revisions"),
    ("post", "/api/v1/proposals/{n}/update"),
    ("post", "/api/v1/proposals/{n}/withdraw"),
    ("post", "/api/v1/proposals/{n}/reviews"),
    ("post", "/api/v1/proposals/{n}/merge"),
    ("post", "/api/v1/proposals/{n}/reject"),
    ("get", "/api/v1/editions"),
    ("post", "/api/v1/editions"),
    ("get", "/api/v1/editions/{slug}"),
    ("get", "/api/v1/changelog"),
    ("get", "/api/v1/compare"),
    ("post", "/api/v1/moderation/hide"),
    ("post", "/api/v1/moderation/unhide"),
    ("post", "/api/v1/moderation/redact"),
    ("post", "/api/v1/moderation/block"),
    ("get", "/api/v1/reports"),
    ("post", "/api/v1/reports"),
    ("post", "/api/v1/reports/{id}/resolve"),
];

const FIRST_LINE: &str =
    "Develop and apply standards that make every digital service you offer easy, intuitive and consistent to use.";

/// The usability section's text with its first paragraph replaced.
fn usability_with(t: &TestApp, line: &str) -> String {
    let text = t.lib().section("usability", "main").unwrap().text;
    assert!(text.contains(FIRST_LINE));
    text.replace(FIRST_LINE, line)
}

/// Opens a proposal on the usability section; returns its number.
async fn propose(t: &TestApp, token: &str, title: &str, line: &str) -> u64 {
    let r = t
        .api(
            Method::POST,
            "/api/v1/proposals",
            Some(json!({
                "title": title,
                "rationale": "Because.",
                "changes": [{"section": "usability", "text": usability_with(t, line)}],
            })),
            Some(token),
        )
        .await;
    r.assert_status(StatusCode::CREATED);
    r.json()["number"].as_u64().unwrap()
}

/// Asserts a JSON error with this status, and returns its message.
fn api_error(r: &Resp, status: StatusCode) -> String {
    r.assert_status(status);
    let ct = r
        .headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    assert!(ct.starts_with("application/json"), "content-type {ct:?}");
    let v = r.json();
    assert_eq!(v["error"]["status"], status.as_u16(), "{v}");
    v["error"]["message"].as_str().unwrap().to_string()
}

async fn post(t: &TestApp, path: &str, body: Value, token: Option<&str>) -> Resp {
    t.api(Method::POST, path, Some(body), token).await
}

async fn get(t: &TestApp, path: &str, token: Option<&str>) -> Resp {
    t.api(Method::GET, path, None, token).await
}

/// Every write, with a body that would be acceptable, against proposal `n` and section
/// comment 1 of usability.
fn writes(n: u64, t: &TestApp) -> Vec<(String, Value)> {
    let text = usability_with(t, "A different opening line.");
    vec![
        (
            "/api/v1/sections/usability/comments".into(),
            json!({"body": "hello"}),
        ),
        (
            "/api/v1/proposals".into(),
            json!({"title": "x", "changes": [{"section": "usability", "text": text}]}),
        ),
        (
            format!("/api/v1/proposals/{n}/comments"),
            json!({"body": "hi"}),
        ),
        (
            format!("/api/v1/proposals/{n}/revisions"),
            json!({"changes": [{"section": "usability", "text": text}], "note": "n"}),
        ),
        (format!("/api/v1/proposals/{n}/update"), json!({})),
        (
            format!("/api/v1/proposals/{n}/withdraw"),
            json!({"reason": "r"}),
        ),
        (
            format!("/api/v1/proposals/{n}/reviews"),
            json!({"verdict": "approve"}),
        ),
        (format!("/api/v1/proposals/{n}/merge"), json!({})),
        (
            format!("/api/v1/proposals/{n}/reject"),
            json!({"reason": "no"}),
        ),
        (
            "/api/v1/editions".into(),
            json!({"slug": "spring-2027", "title": "Spring 2027"}),
        ),
        (
            "/api/v1/moderation/hide".into(),
            json!({"kind": "proposal", "target": n, "reason": "spam"}),
        ),
        (
            "/api/v1/moderation/unhide".into(),
            json!({"kind": "proposal", "target": n}),
        ),
        (
            "/api/v1/moderation/redact".into(),
            json!({"kind": "section_comment", "target": "usability", "comment": 1, "reason": "pii"}),
        ),
        (
            "/api/v1/moderation/block".into(),
            json!({"user_id": 1, "blocked": true}),
        ),
        (
            "/api/v1/reports".into(),
            json!({"kind": "proposal", "target": n, "reason": "spam"}),
        ),
        ("/api/v1/reports/1/resolve".into(), json!({})),
    ]
}

/// The writes only a maintainer may make.
fn maintainer_only(path: &str) -> bool {
    [
        "/reviews",
        "/merge",
        "/reject",
        "/editions",
        "/moderation/",
        "/resolve",
    ]
    .iter()
    .any(|p| path.contains(p))
}

#[tokio::test]
async fn anyone_reads_sections_proposals_and_editions() {
    let t = TestApp::new();
    let r = get(&t, "/api/v1/sections", None).await;
    r.assert_status(StatusCode::OK);
    let v = r.json();
    assert_eq!(v["title"], "Digital Insights");
    assert_eq!(v["commit"], t.lib().main().unwrap().0);
    assert!(!v["parts"].as_array().unwrap().is_empty());
    let sections = v["sections"].as_array().unwrap();
    let u = sections.iter().find(|s| s["id"] == "usability").unwrap();
    assert_eq!(u["title"], "Principle 8: Usability");
    assert_eq!(sections[0]["position"], 1);

    let r = get(&t, "/api/v1/sections/usability?at=main", None).await;
    r.assert_status(StatusCode::OK);
    assert_eq!(
        r.json()["text"],
        t.lib().section("usability", "main").unwrap().text
    );
    let short = &t.lib().main().unwrap().0[..12];
    get(&t, &format!("/api/v1/sections/usability?at={short}"), None)
        .await
        .assert_status(StatusCode::OK);

    let r = get(&t, "/api/v1/sections/usability/comments", None).await;
    r.assert_status(StatusCode::OK);
    assert_eq!(r.json(), json!([]));

    let r = get(&t, "/api/v1/proposals", None).await;
    r.assert_status(StatusCode::OK);
    let list = r.json();
    let list = list.as_array().unwrap();
    assert_eq!(list.len(), t.lib().proposal_numbers().unwrap().len());
    assert!(list.iter().all(|p| p["status"] == "open"
        && p["mergeability"]["state"].is_string()
        && p["revision"] == 1));

    let n = list[0]["number"].as_u64().unwrap();
    let r = get(&t, &format!("/api/v1/proposals/{n}"), None).await;
    r.assert_status(StatusCode::OK);
    let v = r.json();
    assert_eq!(v["proposal"]["number"], n);
    assert_eq!(v["mergeability"]["state"], "clean");
    assert_eq!(v["history"][0]["kind"], "opened");

    let r = get(&t, &format!("/api/v1/proposals/{n}/diff"), None).await;
    r.assert_status(StatusCode::OK);
    let d = r.json();
    assert!(!d.as_array().unwrap().is_empty());
    assert!(d[0]["diff"]["stats"]["words_added"].is_u64(), "{d}");
    get(&t, &format!("/api/v1/proposals/{n}/diff?rev=1"), None)
        .await
        .assert_status(StatusCode::OK);

    let r = get(&t, "/api/v1/editions", None).await;
    r.assert_status(StatusCode::OK);
    assert_eq!(r.json(), json!([]));
    get(&t, "/api/v1/changelog", None)
        .await
        .assert_status(StatusCode::OK);
    let r = get(&t, "/api/v1/compare?from=main&to=main", None).await;
    r.assert_status(StatusCode::OK);
    assert_eq!(r.json(), json!([]));
}

#[tokio::test]
async fn the_proposal_list_filters_by_status_section_and_mergeability() {
    let t = TestApp::new();
    let all = get(&t, "/api/v1/proposals", None).await.json();
    let total = all.as_array().unwrap().len();
    let r = get(&t, "/api/v1/proposals?status=open", None).await.json();
    assert_eq!(r.as_array().unwrap().len(), total);
    let r = get(&t, "/api/v1/proposals?status=merged", None)
        .await
        .json();
    assert_eq!(r, json!([]));
    let r = get(&t, "/api/v1/proposals?section=usability", None)
        .await
        .json();
    assert!(r.as_array().unwrap().iter().all(|p| p["sections"]
        .as_array()
        .unwrap()
        .contains(&json!("usability"))));
    let r = get(&t, "/api/v1/proposals?merge=clean", None).await.json();
    assert_eq!(r.as_array().unwrap().len(), total);
    let r = get(&t, "/api/v1/proposals?merge=conflict", None)
        .await
        .json();
    assert_eq!(r, json!([]));
    for bad in ["status=bogus", "merge=maybe", "section=..", "section=a%2Fb"] {
        let r = get(&t, &format!("/api/v1/proposals?{bad}"), None).await;
        api_error(&r, StatusCode::UNPROCESSABLE_ENTITY);
    }
    // Pages, lowest number first.
    let numbers = |v: serde_json::Value| -> Vec<u64> {
        v.as_array()
            .unwrap()
            .iter()
            .map(|p| p["number"].as_u64().unwrap())
            .collect()
    };
    let r = get(&t, "/api/v1/proposals?per_page=4", None).await.json();
    assert_eq!(numbers(r), vec![1, 2, 3, 4]);
    let r = get(&t, "/api/v1/proposals?per_page=4&page=2", None)
        .await
        .json();
    assert_eq!(numbers(r), (5..=total as u64).collect::<Vec<_>>());
    let r = get(&t, "/api/v1/proposals?per_page=4&page=3", None)
        .await
        .json();
    assert_eq!(r, json!([]));
    let r = get(
        &t,
        "/api/v1/proposals?section=usability&per_page=1&page=2",
        None,
    )
    .await
    .json();
    assert_eq!(numbers(r), vec![3], "pages count matching proposals only");
    for bad in [
        "page=0",
        "per_page=0",
        "per_page=1001",
        "page=x",
        "per_page=-1",
    ] {
        let r = get(&t, &format!("/api/v1/proposals?{bad}"), None).await;
        let msg = api_error(&r, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(msg.contains("page"), "{bad}: {msg}");
    }
}

#[tokio::test]
async fn writes_without_a_token_are_401_and_change_nothing() {
    let t = TestApp::new();
    let before = t.refs();
    for (path, body) in writes(1, &t) {
        let r = post(&t, &path, body, None).await;
        let msg = api_error(&r, StatusCode::UNAUTHORIZED);
        assert!(msg.contains("sign in"), "{path}: {msg}");
    }
    let r = get(&t, "/api/v1/reports", None).await;
    api_error(&r, StatusCode::UNAUTHORIZED);
    assert_eq!(t.refs(), before);
}

#[tokio::test]
async fn a_malformed_or_unknown_token_is_401_even_for_reads() {
    let t = TestApp::new();
    let before = t.refs();
    let bad = [
        "Bearer qt_0000000000000000000000000000000000000000000000000000000000000000",
        "Bearer not-a-token",
        "Bearer ",
        "Basic dXNlcjpwYXNz",
        "qt_abc",
    ];
    for auth in bad {
        let r = t
            .api_raw(
                Method::POST,
                "/api/v1/sections/usability/comments",
                Some(auth),
                Some("application/json"),
                r#"{"body":"hello"}"#,
            )
            .await;
        api_error(&r, StatusCode::UNAUTHORIZED);
        let r = t
            .api_raw(Method::GET, "/api/v1/sections", Some(auth), None, "")
            .await;
        api_error(&r, StatusCode::UNAUTHORIZED);
    }
    let long = format!("Bearer {}", "a".repeat(500));
    let r = t
        .api_raw(Method::GET, "/api/v1/proposals", Some(&long), None, "")
        .await;
    api_error(&r, StatusCode::UNAUTHORIZED);
    assert_eq!(t.refs(), before);
}

#[tokio::test]
async fn cookies_do_not_authenticate_the_api() {
    let t = TestApp::new();
    let s = t.contributor();
    let before = t.refs();
    let req = axum::http::Request::builder()
        .method(Method::POST)
        .uri("/api/v1/sections/usability/comments")
        .header("content-type", "application/json")
        .header(
            "cookie",
            format!("quire_csrf={}; quire_session={}", s.csrf, s.token),
        )
        .body(axum::body::Body::from(r#"{"body":"from a cookie"}"#))
        .unwrap();
    let r = t.send(req).await;
    api_error(&r, StatusCode::UNAUTHORIZED);
    assert_eq!(t.refs(), before);
}

#[tokio::test]
async fn contributors_get_403_for_what_only_maintainers_do() {
    let t = TestApp::new();
    let (_, author) = t.api_token("Ada Author", Role::Contributor);
    let (_, other) = t.api_token("Cy Contributor", Role::Contributor);
    let n = propose(&t, &author, "Shorter opening", "Short.").await;
    post(
        &t,
        "/api/v1/sections/usability/comments",
        json!({"body": "a comment"}),
        Some(&other),
    )
    .await
    .assert_status(StatusCode::CREATED);
    let before = t.refs();
    for token in [&author, &other] {
        for (path, body) in writes(n, &t)
            .into_iter()
            .filter(|(p, _)| maintainer_only(p))
        {
            let r = post(&t, &path, body, Some(token)).await;
            let msg = api_error(&r, StatusCode::FORBIDDEN);
            assert!(msg.contains("only maintainers"), "{path}: {msg}");
        }
        let r = get(&t, "/api/v1/reports", Some(token)).await;
        api_error(&r, StatusCode::FORBIDDEN);
    }
    assert_eq!(t.refs(), before);
}

#[tokio::test]
async fn only_the_author_or_a_maintainer_revises_updates_and_withdraws() {
    let t = TestApp::new();
    let (author, a) = t.api_token("Ada Author", Role::Contributor);
    let (_, other) = t.api_token("Cy Contributor", Role::Contributor);
    let (_, m) = t.api_token("Mo Maintainer", Role::Maintainer);
    let n = propose(&t, &a, "Shorter opening", "Short.").await;
    let p = t.lib().proposal(n).unwrap();
    assert_eq!(p.author, author.identity());

    let before = t.refs();
    let revision = json!({
        "changes": [{"section": "usability", "text": usability_with(&t, "Shorter still.")}],
        "note": "tighter",
    });
    for (path, body) in [
        (format!("/api/v1/proposals/{n}/revisions"), revision.clone()),
        (format!("/api/v1/proposals/{n}/update"), json!({})),
        (format!("/api/v1/proposals/{n}/withdraw"), json!({})),
    ] {
        let r = post(&t, &path, body, Some(&other)).await;
        let msg = api_error(&r, StatusCode::FORBIDDEN);
        assert!(msg.contains("author or a maintainer"), "{msg}");
    }
    assert_eq!(t.refs(), before);

    let r = post(
        &t,
        &format!("/api/v1/proposals/{n}/revisions"),
        revision,
        Some(&a),
    )
    .await;
    r.assert_status(StatusCode::OK);
    assert_eq!(r.json()["revisions"][1]["note"], "tighter");
    assert_eq!(t.lib().proposal(n).unwrap().revisions.len(), 2);

    // Nothing to update onto: main has not moved.
    let before = t.refs();
    let r = post(
        &t,
        &format!("/api/v1/proposals/{n}/update"),
        json!({}),
        Some(&a),
    )
    .await;
    let msg = api_error(&r, StatusCode::CONFLICT);
    assert!(msg.contains("already based on the current main"), "{msg}");
    // An empty body means no resolutions, with or without a JSON content type.
    let r = t
        .api_raw(
            Method::POST,
            &format!("/api/v1/proposals/{n}/update"),
            Some(&format!("Bearer {a}")),
            Some("application/json"),
            "",
        )
        .await;
    let msg = api_error(&r, StatusCode::CONFLICT);
    assert!(msg.contains("already based on the current main"), "{msg}");
    assert_eq!(t.refs(), before);

    // A maintainer may revise someone else's proposal.
    let r = post(
        &t,
        &format!("/api/v1/proposals/{n}/revisions"),
        json!({"changes": [{"section": "usability", "text": usability_with(&t, "Maintainer's words.")}], "from_revision": 2}),
        Some(&m),
    )
    .await;
    r.assert_status(StatusCode::OK);
    // An edit made from revision 2 after revision 3 is refused, and writes nothing.
    let before = t.refs();
    let r = post(
        &t,
        &format!("/api/v1/proposals/{n}/revisions"),
        json!({"changes": [{"section": "usability", "text": usability_with(&t, "Late words.")}], "from_revision": 2}),
        Some(&a),
    )
    .await;
    let msg = api_error(&r, StatusCode::CONFLICT);
    assert!(msg.contains("is at revision 3 now"), "{msg}");
    assert_eq!(t.refs(), before);

    // Withdrawing takes no body at all.
    let r = t
        .api(
            Method::POST,
            &format!("/api/v1/proposals/{n}/withdraw"),
            None,
            Some(&a),
        )
        .await;
    r.assert_status(StatusCode::OK);
    assert_eq!(r.json()["status"], "withdrawn");
    assert_eq!(
        t.lib().proposal(n).unwrap().status,
        quire_core::Status::Withdrawn
    );
    let before = t.refs();
    let r = post(
        &t,
        &format!("/api/v1/proposals/{n}/withdraw"),
        json!({}),
        Some(&a),
    )
    .await;
    api_error(&r, StatusCode::CONFLICT);
    assert_eq!(t.refs(), before);
}

#[tokio::test]
async fn a_maintainer_can_reject_and_request_changes() {
    let t = TestApp::new();
    let (_, a) = t.api_token("Ada Author", Role::Contributor);
    let (_, m) = t.api_token("Mo Maintainer", Role::Maintainer);
    let n = propose(&t, &a, "Shorter opening", "Short.").await;
    let r = post(
        &t,
        &format!("/api/v1/proposals/{n}/reviews"),
        json!({"verdict": "request_changes", "comment": "too short"}),
        Some(&m),
    )
    .await;
    r.assert_status(StatusCode::OK);
    assert_eq!(r.json()["reviews"][0]["verdict"], "changes_requested");
    let before = t.refs();
    let r = post(
        &t,
        &format!("/api/v1/proposals/{n}/merge"),
        json!({}),
        Some(&m),
    )
    .await;
    let msg = api_error(&r, StatusCode::CONFLICT);
    assert!(msg.contains("changes were requested"), "{msg}");
    let r = post(
        &t,
        &format!("/api/v1/proposals/{n}/reject"),
        json!({"reason": " "}),
        Some(&m),
    )
    .await;
    api_error(&r, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(t.refs(), before);
    let r = post(
        &t,
        &format!("/api/v1/proposals/{n}/reject"),
        json!({"reason": "out of scope"}),
        Some(&m),
    )
    .await;
    r.assert_status(StatusCode::OK);
    assert_eq!(r.json()["status"], "rejected");
    assert_eq!(r.json()["closed"]["reason"], "out of scope");
}

#[tokio::test]
async fn a_blocked_account_reads_but_cannot_write() {
    let t = TestApp::new();
    let (user, c) = t.api_token("Cy Contributor", Role::Contributor);
    let (mu, m) = t.api_token("Mo Maintainer", Role::Maintainer);
    let n = propose(&t, &c, "Shorter opening", "Short.").await;

    let r = post(
        &t,
        "/api/v1/moderation/block",
        json!({"user_id": user.id, "blocked": true}),
        Some(&m),
    )
    .await;
    r.assert_status(StatusCode::OK);
    assert_eq!(r.json(), json!({"user_id": user.id, "blocked": true}));

    let before = t.refs();
    for (path, body) in writes(n, &t) {
        let r = post(&t, &path, body, Some(&c)).await;
        let msg = api_error(&r, StatusCode::FORBIDDEN);
        assert!(msg.contains("blocked"), "{path}: {msg}");
    }
    assert_eq!(t.refs(), before);
    get(&t, "/api/v1/sections", Some(&c))
        .await
        .assert_status(StatusCode::OK);
    get(&t, &format!("/api/v1/proposals/{n}"), Some(&c))
        .await
        .assert_status(StatusCode::OK);
    // A blocked account cannot get a new token either.
    let r = post(
        &t,
        "/api/v1/tokens",
        json!({"email": user.email, "password": "a long enough password"}),
        None,
    )
    .await;
    api_error(&r, StatusCode::FORBIDDEN);

    // Maintainers cannot block themselves, nor unknown accounts.
    let r = post(
        &t,
        "/api/v1/moderation/block",
        json!({"user_id": mu.id, "blocked": true}),
        Some(&m),
    )
    .await;
    api_error(&r, StatusCode::UNPROCESSABLE_ENTITY);
    let r = post(
        &t,
        "/api/v1/moderation/block",
        json!({"user_id": 9999, "blocked": true}),
        Some(&m),
    )
    .await;
    api_error(&r, StatusCode::NOT_FOUND);

    // A blocked maintainer is refused too.
    let (bm, bmt) = t.api_token("Bo Blocked", Role::Maintainer);
    post(
        &t,
        "/api/v1/moderation/block",
        json!({"user_id": bm.id, "blocked": true}),
        Some(&m),
    )
    .await
    .assert_status(StatusCode::OK);
    let r = post(
        &t,
        &format!("/api/v1/proposals/{n}/reviews"),
        json!({"verdict": "approve"}),
        Some(&bmt),
    )
    .await;
    api_error(&r, StatusCode::FORBIDDEN);
    assert_eq!(t.refs(), before);

    post(
        &t,
        "/api/v1/moderation/block",
        json!({"user_id": user.id, "blocked": false}),
        Some(&m),
    )
    .await
    .assert_status(StatusCode::OK);
    post(
        &t,
        "/api/v1/sections/usability/comments",
        json!({"body": "back again"}),
        Some(&c),
    )
    .await
    .assert_status(StatusCode::CREATED);
}

#[tokio::test]
async fn unknown_things_are_404() {
    let t = TestApp::new();
    let (_, c) = t.api_token("Cy Contributor", Role::Contributor);
    let (_, m) = t.api_token("Mo Maintainer", Role::Maintainer);
    for path in [
        "/api/v1/sections/no-such-section",
        "/api/v1/sections/no-such-section/comments",
        "/api/v1/sections?at=no-such-edition",
        "/api/v1/sections/usability?at=deadbeef",
        "/api/v1/proposals/9999",
        "/api/v1/proposals/9999/diff",
        "/api/v1/proposals/1/diff?rev=99",
        "/api/v1/editions/no-such-edition",
        "/api/v1/compare?from=main&to=no-such-edition",
        "/api/v1/changelog?to=no-such-edition",
    ] {
        let r = get(&t, path, None).await;
        api_error(&r, StatusCode::NOT_FOUND);
    }
    // Paths that name no endpoint are JSON 404s too, and wrong methods JSON 405s.
    for path in [
        "/api/v1/nowhere",
        "/api/v1/sections/a/b",
        "/api/v1/proposals/1/2/3",
    ] {
        let msg = api_error(&get(&t, path, None).await, StatusCode::NOT_FOUND);
        assert!(msg.contains("no API endpoint"), "{msg}");
    }
    let r = t
        .api(Method::DELETE, "/api/v1/proposals/1", None, None)
        .await;
    api_error(&r, StatusCode::METHOD_NOT_ALLOWED);

    let before = t.refs();
    let text = usability_with(&t, "New words.");
    let attempts = [
        (
            "/api/v1/sections/no-such-section/comments",
            json!({"body": "hi"}),
            &c,
        ),
        ("/api/v1/proposals/9999/comments", json!({"body": "hi"}), &c),
        (
            "/api/v1/proposals/9999/revisions",
            json!({"changes": [{"section": "usability", "text": text}]}),
            &c,
        ),
        ("/api/v1/proposals/9999/withdraw", json!({}), &c),
        ("/api/v1/proposals/9999/update", json!({}), &c),
        (
            "/api/v1/proposals",
            json!({"title": "t", "changes": [{"section": "no-such-section", "text": "# X\n"}]}),
            &c,
        ),
        (
            "/api/v1/proposals",
            json!({"title": "t", "base": "no-such-edition", "changes": [{"section": "usability", "text": text}]}),
            &c,
        ),
        (
            "/api/v1/reports",
            json!({"kind": "proposal", "target": 9999, "reason": "spam"}),
            &c,
        ),
        (
            "/api/v1/reports",
            json!({"kind": "section_comment", "target": "usability", "comment": 5, "reason": "spam"}),
            &c,
        ),
        (
            "/api/v1/proposals/9999/reviews",
            json!({"verdict": "approve"}),
            &m,
        ),
        ("/api/v1/proposals/9999/merge", json!({}), &m),
        ("/api/v1/proposals/9999/reject", json!({"reason": "no"}), &m),
        (
            "/api/v1/moderation/hide",
            json!({"kind": "proposal", "target": 9999, "reason": "spam"}),
            &m,
        ),
        (
            "/api/v1/moderation/hide",
            json!({"kind": "proposal_comment", "target": 1, "comment": 42, "reason": "spam"}),
            &m,
        ),
        (
            "/api/v1/moderation/redact",
            json!({"kind": "section_comment", "target": "usability", "comment": 1, "reason": "pii"}),
            &m,
        ),
        ("/api/v1/reports/9999/resolve", json!({}), &m),
    ];
    for (path, body, token) in attempts {
        let r = post(&t, path, body.clone(), Some(token)).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{path} {body}: {}", r.body);
        api_error(&r, StatusCode::NOT_FOUND);
    }
    assert_eq!(t.refs(), before);
}

#[tokio::test]
async fn bad_input_is_422_and_changes_nothing() {
    let t = TestApp::new();
    let (_, c) = t.api_token("Cy Contributor", Role::Contributor);
    let (_, m) = t.api_token("Mo Maintainer", Role::Maintainer);
    let n = propose(&t, &c, "Shorter opening", "Short.").await;
    for path in [
        "/api/v1/sections/..",
        "/api/v1/sections/a%2Fb",
        "/api/v1/sections/..%2F..%2Fetc",
        "/api/v1/sections/Usability",
        "/api/v1/sections/..%2Fx/comments",
        "/api/v1/editions/..",
        "/api/v1/editions/a%2Fb",
        "/api/v1/proposals/abc",
        "/api/v1/proposals/..",
        "/api/v1/proposals/0",
        "/api/v1/proposals/-1/diff",
        "/api/v1/proposals/1/diff?rev=x",
        "/api/v1/compare?from=main",
    ] {
        let r = get(&t, path, None).await;
        api_error(&r, StatusCode::UNPROCESSABLE_ENTITY);
    }
    let before = t.refs();
    let text = usability_with(&t, "New words.");
    let attempts = [
        (
            "/api/v1/proposals".to_string(),
            json!({"title": "  ", "changes": [{"section": "usability", "text": text}]}),
            &c,
        ),
        (
            "/api/v1/proposals".into(),
            json!({"title": "x".repeat(201), "changes": [{"section": "usability", "text": text}]}),
            &c,
        ),
        (
            "/api/v1/proposals".into(),
            json!({"title": "t", "changes": []}),
            &c,
        ),
        (
            "/api/v1/proposals".into(),
            json!({"title": "t", "changes": [{"section": "../usability", "text": text}]}),
            &c,
        ),
        (
            "/api/v1/proposals".into(),
            json!({"title": "t", "changes": [{"section": "a/b", "text": text}]}),
            &c,
        ),
        (
            "/api/v1/proposals".into(),
            json!({"title": "t", "changes": [{"section": "usability", "text": "no heading"}]}),
            &c,
        ),
        (
            "/api/v1/sections/usability/comments".into(),
            json!({"body": ""}),
            &c,
        ),
        (
            "/api/v1/sections/..%2Fusability/comments".into(),
            json!({"body": "hi"}),
            &c,
        ),
        (
            format!("/api/v1/proposals/{n}/comments"),
            json!({"body": "  \n "}),
            &c,
        ),
        (
            "/api/v1/proposals/abc/comments".into(),
            json!({"body": "hi"}),
            &c,
        ),
        (
            format!("/api/v1/proposals/{n}/reviews"),
            json!({"verdict": "maybe"}),
            &m,
        ),
        (
            "/api/v1/editions".into(),
            json!({"slug": "../x", "title": "X"}),
            &m,
        ),
        (
            "/api/v1/editions".into(),
            json!({"slug": "main", "title": "X"}),
            &m,
        ),
        (
            "/api/v1/editions".into(),
            json!({"slug": "spring", "title": ""}),
            &m,
        ),
        (
            "/api/v1/moderation/hide".into(),
            json!({"kind": "proposal", "target": n, "reason": ""}),
            &m,
        ),
        (
            "/api/v1/moderation/hide".into(),
            json!({"kind": "proposal_comment", "target": n, "reason": "r"}),
            &m,
        ),
        (
            "/api/v1/moderation/hide".into(),
            json!({"kind": "proposal", "target": n, "comment": 1, "reason": "r"}),
            &m,
        ),
        (
            "/api/v1/moderation/hide".into(),
            json!({"kind": "section_comment", "target": "../x", "comment": 1, "reason": "r"}),
            &m,
        ),
        (
            "/api/v1/moderation/hide".into(),
            json!({"kind": "thing", "target": n, "reason": "r"}),
            &m,
        ),
        (
            "/api/v1/moderation/redact".into(),
            json!({"kind": "proposal", "target": n, "reason": "r"}),
            &m,
        ),
        (
            "/api/v1/reports".into(),
            json!({"kind": "proposal", "target": n, "reason": ""}),
            &c,
        ),
        (
            "/api/v1/reports".into(),
            json!({"kind": "proposal", "target": "abc", "reason": "spam"}),
            &c,
        ),
        ("/api/v1/reports/abc/resolve".into(), json!({}), &m),
    ];
    for (path, body, token) in attempts {
        let r = post(&t, &path, body.clone(), Some(token)).await;
        assert_eq!(
            r.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{path} {body}: {}",
            r.body
        );
        api_error(&r, StatusCode::UNPROCESSABLE_ENTITY);
    }
    // A proposal that changes nothing conflicts with what is there.
    let same = t.lib().section("usability", "main").unwrap().text;
    let r = post(
        &t,
        "/api/v1/proposals",
        json!({"title": "t", "changes": [{"section": "usability", "text": same}]}),
        Some(&c),
    )
    .await;
    api_error(&r, StatusCode::CONFLICT);
    assert_eq!(t.refs(), before);
}

#[tokio::test]
async fn malformed_json_gets_a_json_error() {
    let t = TestApp::new();
    let (_, c) = t.api_token("Cy Contributor", Role::Contributor);
    let auth = format!("Bearer {c}");
    let before = t.refs();
    let json_ct = Some("application/json");
    let cases: &[(&str, Option<&str>, &str, StatusCode)] = &[
        (
            "/api/v1/proposals",
            json_ct,
            "{\"title\": ",
            StatusCode::BAD_REQUEST,
        ),
        (
            "/api/v1/proposals",
            json_ct,
            "not json",
            StatusCode::BAD_REQUEST,
        ),
        ("/api/v1/proposals", json_ct, "", StatusCode::BAD_REQUEST),
        (
            "/api/v1/proposals",
            json_ct,
            "{\"title\": 5, \"changes\": []}",
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            "/api/v1/proposals",
            json_ct,
            "{\"changes\": []}",
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            "/api/v1/proposals",
            json_ct,
            "[]",
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            "/api/v1/proposals",
            json_ct,
            "{\"title\": \"t\", \"changes\": [], \"extra\": 1}",
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            "/api/v1/proposals",
            None,
            "{\"title\": \"t\", \"changes\": []}",
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
        ),
        (
            "/api/v1/proposals",
            Some("text/plain"),
            "{}",
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
        ),
        (
            "/api/v1/sections/usability/comments",
            json_ct,
            "{\"body\": null}",
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            "/api/v1/proposals/1/withdraw",
            json_ct,
            "{\"reason\": 1}",
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            "/api/v1/proposals/1/withdraw",
            None,
            "{\"reason\": \"r\"}",
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
        ),
        (
            "/api/v1/proposals/1/update",
            json_ct,
            "{\"resolutions\": {}}",
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            "/api/v1/tokens",
            json_ct,
            "{\"email\": []}",
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
    ];
    for (path, ct, body, status) in cases {
        let r = t.api_raw(Method::POST, path, Some(&auth), *ct, body).await;
        assert_eq!(r.status, *status, "{path} {body:?}: {}", r.body);
        api_error(&r, *status);
    }
    // A body over the limit.
    let huge = format!("{{\"body\": \"{}\"}}", "a".repeat(700 * 1024));
    let r = t
        .api_raw(
            Method::POST,
            "/api/v1/sections/usability/comments",
            Some(&auth),
            json_ct,
            &huge,
        )
        .await;
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(t.refs(), before);
}

#[tokio::test]
async fn tokens_are_made_from_an_email_and_password() {
    let t = TestApp::new();
    let s = t.contributor();
    let before = t.refs();
    for (email, password) in [
        (s.user.email.as_str(), "wrong password"),
        ("nobody@example.org", "a long enough password"),
        ("", ""),
    ] {
        let r = post(
            &t,
            "/api/v1/tokens",
            json!({"email": email, "password": password, "label": "x"}),
            None,
        )
        .await;
        api_error(&r, StatusCode::UNAUTHORIZED);
    }
    let r = post(
        &t,
        "/api/v1/tokens",
        json!({"email": s.user.email, "password": "a long enough password", "label": "x".repeat(101)}),
        None,
    )
    .await;
    api_error(&r, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(t.refs(), before);

    let r = post(
        &t,
        "/api/v1/tokens",
        json!({"email": s.user.email, "password": "a long enough password", "label": "my script"}),
        None,
    )
    .await;
    r.assert_status(StatusCode::CREATED);
    let v = r.json();
    assert_eq!(v["user"]["id"], s.user.id);
    assert_eq!(v["user"]["role"], "contributor");
    let token = v["token"].as_str().unwrap();
    assert!(token.starts_with("qt_"));
    post(
        &t,
        "/api/v1/sections/usability/comments",
        json!({"body": "made with a fresh token"}),
        Some(token),
    )
    .await
    .assert_status(StatusCode::CREATED);
    // The label may be left out.
    post(
        &t,
        "/api/v1/tokens",
        json!({"email": s.user.email, "password": "a long enough password"}),
        None,
    )
    .await
    .assert_status(StatusCode::CREATED);
}

#[tokio::test]
async fn writes_and_token_requests_are_rate_limited() {
    let t = TestApp::with_limits(2, 2);
    let (_, c) = t.api_token("Cy Contributor", Role::Contributor);
    for _ in 0..2 {
        post(
            &t,
            "/api/v1/sections/usability/comments",
            json!({"body": "hello"}),
            Some(&c),
        )
        .await
        .assert_status(StatusCode::CREATED);
    }
    let before = t.refs();
    let r = post(
        &t,
        "/api/v1/sections/usability/comments",
        json!({"body": "hello"}),
        Some(&c),
    )
    .await;
    api_error(&r, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(t.refs(), before);
    // Reads are not limited.
    for _ in 0..5 {
        get(&t, "/api/v1/sections/usability/comments", Some(&c))
            .await
            .assert_status(StatusCode::OK);
    }
    let body = json!({"email": "x@example.org", "password": "wrong"});
    for _ in 0..2 {
        let r = post(&t, "/api/v1/tokens", body.clone(), None).await;
        api_error(&r, StatusCode::UNAUTHORIZED);
    }
    let r = post(&t, "/api/v1/tokens", body, None).await;
    api_error(&r, StatusCode::TOO_MANY_REQUESTS);
}

#[tokio::test]
async fn conflicting_proposals_are_refused_with_a_report_and_can_be_updated() {
    let t = TestApp::new();
    let (_, a) = t.api_token("Ada Author", Role::Contributor);
    let (_, b) = t.api_token("Bea Author", Role::Contributor);
    let (_, m) = t.api_token("Mo Maintainer", Role::Maintainer);
    let first = propose(&t, &a, "Say it shorter", "Make services easy to use.").await;
    let second = propose(
        &t,
        &b,
        "Say it longer",
        "Make every service easy, quick and pleasant to use.",
    )
    .await;
    for n in [first, second] {
        post(
            &t,
            &format!("/api/v1/proposals/{n}/reviews"),
            json!({"verdict": "approve", "comment": "good"}),
            Some(&m),
        )
        .await
        .assert_status(StatusCode::OK);
    }
    let r = post(
        &t,
        &format!("/api/v1/proposals/{first}/merge"),
        json!({}),
        Some(&m),
    )
    .await;
    r.assert_status(StatusCode::OK);
    assert_eq!(r.json()["status"], "merged");

    let list = get(&t, "/api/v1/proposals?merge=conflict", None)
        .await
        .json();
    let numbers: Vec<u64> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["number"].as_u64().unwrap())
        .collect();
    assert_eq!(numbers, vec![second]);
    assert_eq!(list[0]["mergeability"]["state"], "conflict");
    assert_eq!(
        list[0]["mergeability"]["report"]["sections"][0]["section"],
        "usability"
    );
    let d = get(&t, &format!("/api/v1/proposals/{second}"), None)
        .await
        .json();
    assert_eq!(d["mergeability"]["state"], "conflict");

    let before = t.refs();
    let r = post(
        &t,
        &format!("/api/v1/proposals/{second}/merge"),
        json!({}),
        Some(&m),
    )
    .await;
    let msg = api_error(&r, StatusCode::CONFLICT);
    assert!(msg.contains("usability"), "{msg}");
    let v = r.json();
    let conflict = &v["error"]["conflict"];
    assert_eq!(conflict["number"], second);
    assert_eq!(conflict["sections"][0]["section"], "usability");
    assert!(conflict["sections"][0]["hunks"][0]["main"]
        .as_str()
        .unwrap()
        .contains("Make services easy to use."));
    assert_eq!(t.refs(), before);

    // Updating without resolving is refused the same way; the author resolves it.
    let r = post(
        &t,
        &format!("/api/v1/proposals/{second}/update"),
        json!({}),
        Some(&b),
    )
    .await;
    api_error(&r, StatusCode::CONFLICT);
    assert_eq!(
        r.json()["error"]["conflict"]["sections"][0]["section"],
        "usability"
    );
    let r = t
        .api(
            Method::POST,
            &format!("/api/v1/proposals/{second}/update"),
            None,
            Some(&b),
        )
        .await;
    api_error(&r, StatusCode::CONFLICT);
    assert_eq!(t.refs(), before);
    let main_text = t.lib().section("usability", "main").unwrap().text;
    let resolved = main_text.replace(
        "Make services easy to use.",
        "Make every service easy, quick and pleasant to use.",
    );
    assert_ne!(resolved, main_text);
    let r = post(
        &t,
        &format!("/api/v1/proposals/{second}/update"),
        json!({"resolutions": [{"section": "usability", "text": resolved}]}),
        Some(&b),
    )
    .await;
    r.assert_status(StatusCode::OK);
    let v = r.json();
    assert_eq!(v["revisions"][1]["kind"], "updated");
    // A resolved update needs a fresh approval.
    let r = post(
        &t,
        &format!("/api/v1/proposals/{second}/merge"),
        json!({}),
        Some(&m),
    )
    .await;
    api_error(&r, StatusCode::CONFLICT);
    post(
        &t,
        &format!("/api/v1/proposals/{second}/reviews"),
        json!({"verdict": "approve"}),
        Some(&m),
    )
    .await
    .assert_status(StatusCode::OK);
    post(
        &t,
        &format!("/api/v1/proposals/{second}/merge"),
        json!({}),
        Some(&m),
    )
    .await
    .assert_status(StatusCode::OK);
    assert!(t
        .lib()
        .section("usability", "main")
        .unwrap()
        .text
        .contains("quick and pleasant"));
}

#[tokio::test]
async fn propose_comment_approve_merge_and_publish_through_the_api() {
    let t = TestApp::new();
    t.session("Ada Author", Role::Contributor);
    t.session("Mo Maintainer", Role::Maintainer);
    let token_of = |email: &str| json!({"email": email, "password": "a long enough password", "label": "flow"});
    let a = post(
        &t,
        "/api/v1/tokens",
        token_of("ada.author@example.org"),
        None,
    )
    .await;
    a.assert_status(StatusCode::CREATED);
    let a = a.json()["token"].as_str().unwrap().to_string();
    let m = post(
        &t,
        "/api/v1/tokens",
        token_of("mo.maintainer@example.org"),
        None,
    )
    .await;
    m.assert_status(StatusCode::CREATED);
    let m = m.json()["token"].as_str().unwrap().to_string();

    let n = propose(&t, &a, "Say it shorter", "Make services easy to use.").await;
    let r = post(
        &t,
        &format!("/api/v1/proposals/{n}/comments"),
        json!({"body": "Shorter is better."}),
        Some(&m),
    )
    .await;
    r.assert_status(StatusCode::CREATED);
    assert_eq!(r.json()["id"], 1);
    assert_eq!(r.json()["revision"], 1);
    let r = post(
        &t,
        &format!("/api/v1/proposals/{n}/reviews"),
        json!({"verdict": "approve", "comment": "Clear."}),
        Some(&m),
    )
    .await;
    r.assert_status(StatusCode::OK);
    assert_eq!(r.json()["reviews"][0]["verdict"], "approved");
    let r = post(
        &t,
        &format!("/api/v1/proposals/{n}/merge"),
        json!({}),
        Some(&m),
    )
    .await;
    r.assert_status(StatusCode::OK);
    let merged = r.json();
    assert_eq!(merged["status"], "merged");
    assert_eq!(merged["merged"]["commit"], t.lib().main().unwrap().0);

    let r = post(
        &t,
        "/api/v1/editions",
        json!({"slug": "spring-2027", "title": "Spring 2027", "notes": "The first."}),
        Some(&m),
    )
    .await;
    r.assert_status(StatusCode::CREATED);
    let e = r.json();
    assert_eq!(e["slug"], "spring-2027");
    assert_eq!(e["changes"][0]["proposal"], n);
    assert_eq!(e["publisher"]["name"], "Mo Maintainer");

    // The result, as the library sees it.
    let lib = t.lib();
    assert!(lib
        .section("usability", "spring-2027")
        .unwrap()
        .text
        .contains("Make services easy to use."));
    let p = lib.proposal(n).unwrap();
    assert_eq!(p.status, quire_core::Status::Merged);
    assert_eq!(p.author.name, "Ada Author");
    assert_eq!(p.comments[0].body, "Shorter is better.");
    let ed = lib.edition("spring-2027").unwrap();
    assert_eq!(ed.changes[0].proposal, n);

    // And through the API.
    let r = get(&t, "/api/v1/editions/spring-2027", None).await;
    r.assert_status(StatusCode::OK);
    assert_eq!(r.json()["title"], "Spring 2027");
    let list = get(&t, "/api/v1/editions", None).await.json();
    assert_eq!(list.as_array().unwrap().len(), 1);
    let r = get(&t, "/api/v1/changelog?to=spring-2027", None)
        .await
        .json();
    assert_eq!(r[0]["proposal"], n);
    let r = get(&t, "/api/v1/sections?at=spring-2027", None)
        .await
        .json();
    assert_eq!(r["commit"], ed.commit.0);
    let first = lib.log(1000).unwrap().last().unwrap().commit.0.clone();
    let r = get(
        &t,
        &format!("/api/v1/compare?from={first}&to=spring-2027"),
        None,
    )
    .await;
    r.assert_status(StatusCode::OK);
    assert!(r
        .json()
        .as_array()
        .unwrap()
        .iter()
        .any(|d| d["section"] == "usability"));
    let r = get(&t, "/api/v1/proposals?status=merged", None)
        .await
        .json();
    assert_eq!(r[0]["number"], n);
    assert_eq!(r[0]["mergeability"]["state"], "closed");

    // Publishing the same name again conflicts, and changes nothing.
    let before = t.refs();
    let r = post(
        &t,
        "/api/v1/editions",
        json!({"slug": "spring-2027", "title": "Again"}),
        Some(&m),
    )
    .await;
    api_error(&r, StatusCode::CONFLICT);
    let r = post(
        &t,
        &format!("/api/v1/proposals/{n}/merge"),
        json!({}),
        Some(&m),
    )
    .await;
    api_error(&r, StatusCode::CONFLICT);
    assert_eq!(t.refs(), before);
}

#[tokio::test]
async fn script_in_titles_and_comments_comes_back_as_plain_json_strings() {
    let t = TestApp::new();
    let (_, a) = t.api_token("Ada Author", Role::Contributor);
    let evil = "<script>alert('x')</script> & \"quotes\"";
    let n = propose(&t, &a, evil, "Short.").await;
    let r = post(
        &t,
        &format!("/api/v1/proposals/{n}/comments"),
        json!({"body": evil}),
        Some(&a),
    )
    .await;
    r.assert_status(StatusCode::CREATED);
    let r = post(
        &t,
        "/api/v1/sections/usability/comments",
        json!({"body": evil}),
        Some(&a),
    )
    .await;
    r.assert_status(StatusCode::CREATED);
    let r = get(&t, &format!("/api/v1/proposals/{n}"), None).await;
    r.assert_status(StatusCode::OK);
    assert!(r.headers["content-type"]
        .to_str()
        .unwrap()
        .starts_with("application/json"));
    assert_eq!(r.headers["x-content-type-options"], "nosniff");
    let v = r.json();
    assert_eq!(v["proposal"]["title"], evil);
    assert_eq!(v["proposal"]["comments"][0]["body"], evil);
    let c = get(&t, "/api/v1/sections/usability/comments", None)
        .await
        .json();
    assert_eq!(c[0]["body"], evil);
    // An id with script in it is refused, and the message quotes it escaped, as JSON.
    let r = get(&t, "/api/v1/sections/%3Cscript%3E", None).await;
    api_error(&r, StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn hidden_and_redacted_things_keep_their_text_from_readers() {
    let t = TestApp::new();
    let (_, a) = t.api_token("Ada Author", Role::Contributor);
    let (_, c) = t.api_token("Cy Contributor", Role::Contributor);
    let (_, m) = t.api_token("Mo Maintainer", Role::Maintainer);
    let n = propose(&t, &a, "Shorter opening", "Short.").await;
    for body in ["first, fine", "second, rude"] {
        post(
            &t,
            &format!("/api/v1/proposals/{n}/comments"),
            json!({"body": body}),
            Some(&c),
        )
        .await
        .assert_status(StatusCode::CREATED);
    }
    post(
        &t,
        "/api/v1/sections/usability/comments",
        json!({"body": "my phone number is 555"}),
        Some(&c),
    )
    .await
    .assert_status(StatusCode::CREATED);

    // A reader reports the rude comment; maintainers see the report.
    let r = post(
        &t,
        "/api/v1/reports",
        json!({"kind": "proposal_comment", "target": n.to_string(), "comment": 2, "reason": "rude"}),
        Some(&a),
    )
    .await;
    r.assert_status(StatusCode::CREATED);
    let report = r.json()["id"].as_i64().unwrap();
    let r = get(&t, "/api/v1/reports", Some(&m)).await;
    r.assert_status(StatusCode::OK);
    let v = r.json();
    assert_eq!(v[0]["id"], report);
    assert_eq!(v[0]["kind"], "proposal_comment");
    assert_eq!(v[0]["target"], n.to_string());
    assert_eq!(v[0]["comment"], 2);
    assert_eq!(v[0]["reporter"], "Ada Author");

    // Hide it.
    let r = post(
        &t,
        "/api/v1/moderation/hide",
        json!({"kind": "proposal_comment", "target": n, "comment": 2, "reason": "rude"}),
        Some(&m),
    )
    .await;
    r.assert_status(StatusCode::OK);
    assert_eq!(
        r.json(),
        json!({"kind": "proposal_comment", "target": n.to_string(), "comment": 2, "hidden": true, "redacted": false})
    );
    for token in [None, Some(c.as_str())] {
        let v = get(&t, &format!("/api/v1/proposals/{n}"), token)
            .await
            .json();
        let comments = &v["proposal"]["comments"];
        assert_eq!(comments[0]["body"], "first, fine");
        assert_eq!(comments[1]["body"], "");
        assert_eq!(comments[1]["hidden"]["reason"], "rude");
        assert!(!v.to_string().contains("second, rude"), "{v}");
    }
    let v = get(&t, &format!("/api/v1/proposals/{n}"), Some(&m))
        .await
        .json();
    assert_eq!(v["proposal"]["comments"][1]["body"], "second, rude");
    // The author's revision answer does not leak it either.
    let r = post(
        &t,
        &format!("/api/v1/proposals/{n}/revisions"),
        json!({"changes": [{"section": "usability", "text": usability_with(&t, "Shorter.")}]}),
        Some(&a),
    )
    .await;
    r.assert_status(StatusCode::OK);
    assert!(!r.body.contains("second, rude"));

    let r = post(
        &t,
        &format!("/api/v1/reports/{report}/resolve"),
        json!({}),
        Some(&m),
    )
    .await;
    r.assert_status(StatusCode::OK);
    assert_eq!(r.json(), json!({"id": report, "resolved": true}));
    assert_eq!(get(&t, "/api/v1/reports", Some(&m)).await.json(), json!([]));

    // Show it again.
    let r = post(
        &t,
        "/api/v1/moderation/unhide",
        json!({"kind": "proposal_comment", "target": n, "comment": 2}),
        Some(&m),
    )
    .await;
    r.assert_status(StatusCode::OK);
    assert_eq!(r.json()["hidden"], false);
    let v = get(&t, &format!("/api/v1/proposals/{n}"), None)
        .await
        .json();
    assert_eq!(v["proposal"]["comments"][1]["body"], "second, rude");

    // Redact the section comment: gone for everyone, maintainers included, and from git.
    let r = post(
        &t,
        "/api/v1/moderation/redact",
        json!({"kind": "section_comment", "target": "usability", "comment": 1, "reason": "personal data"}),
        Some(&m),
    )
    .await;
    r.assert_status(StatusCode::OK);
    assert_eq!(r.json()["redacted"], true);
    for token in [None, Some(m.as_str())] {
        let v = get(&t, "/api/v1/sections/usability/comments", token)
            .await
            .json();
        assert_eq!(v[0]["body"], "");
        assert_eq!(v[0]["redacted"]["reason"], "personal data");
    }
    assert_eq!(t.lib().section_comments("usability").unwrap()[0].body, "");
    let before = t.refs();
    let r = post(
        &t,
        "/api/v1/moderation/redact",
        json!({"kind": "section_comment", "target": "usability", "comment": 1, "reason": "again"}),
        Some(&m),
    )
    .await;
    api_error(&r, StatusCode::CONFLICT);
    assert_eq!(t.refs(), before);

    // Hide the whole proposal: gone for everyone but maintainers and its author (the one
    // policy; the API used to answer 404 to the author while the web showed it).
    let r = post(
        &t,
        "/api/v1/moderation/hide",
        json!({"kind": "proposal", "target": n, "reason": "spam"}),
        Some(&m),
    )
    .await;
    r.assert_status(StatusCode::OK);
    assert_eq!(r.json()["hidden"], true);
    assert!(t.lib().proposal(n).unwrap().hidden.is_some());
    let before = t.refs();
    let list = get(&t, "/api/v1/proposals", Some(&a)).await.json();
    assert!(list.as_array().unwrap().iter().any(|p| p["number"] == n));
    get(&t, &format!("/api/v1/proposals/{n}"), Some(&a))
        .await
        .assert_status(StatusCode::OK);
    for token in [None, Some(c.as_str())] {
        let list = get(&t, "/api/v1/proposals", token).await.json();
        assert!(!list.as_array().unwrap().iter().any(|p| p["number"] == n));
        api_error(
            &get(&t, &format!("/api/v1/proposals/{n}"), token).await,
            StatusCode::NOT_FOUND,
        );
        api_error(
            &get(&t, &format!("/api/v1/proposals/{n}/diff"), token).await,
            StatusCode::NOT_FOUND,
        );
    }
    for (path, body) in [
        (
            format!("/api/v1/proposals/{n}/comments"),
            json!({"body": "hi"}),
        ),
        (format!("/api/v1/proposals/{n}/withdraw"), json!({})),
        (
            "/api/v1/reports".to_string(),
            json!({"kind": "proposal", "target": n, "reason": "spam"}),
        ),
    ] {
        api_error(
            &post(&t, &path, body, Some(&c)).await,
            StatusCode::NOT_FOUND,
        );
    }
    assert_eq!(t.refs(), before);
    let list = get(&t, "/api/v1/proposals", Some(&m)).await.json();
    let mine = list
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["number"] == n)
        .unwrap()
        .clone();
    assert_eq!(mine["hidden"], true);
    get(&t, &format!("/api/v1/proposals/{n}"), Some(&m))
        .await
        .assert_status(StatusCode::OK);
    post(
        &t,
        "/api/v1/moderation/unhide",
        json!({"kind": "proposal", "target": n}),
        Some(&m),
    )
    .await
    .assert_status(StatusCode::OK);
    get(&t, &format!("/api/v1/proposals/{n}"), None)
        .await
        .assert_status(StatusCode::OK);
}

#[tokio::test]
async fn a_hidden_comment_leaves_no_text_in_the_history() {
    let t = TestApp::new();
    let (_, a) = t.api_token("Ada Author", Role::Contributor);
    let (_, m) = t.api_token("Mo Maintainer", Role::Maintainer);
    let n = propose(&t, &a, "Shorter opening", "Short.").await;
    for body in ["one", "two, secret", "three"] {
        post(
            &t,
            &format!("/api/v1/proposals/{n}/comments"),
            json!({"body": body}),
            Some(&a),
        )
        .await
        .assert_status(StatusCode::CREATED);
    }
    post(
        &t,
        "/api/v1/moderation/hide",
        json!({"kind": "proposal_comment", "target": n, "comment": 2, "reason": "off topic"}),
        Some(&m),
    )
    .await
    .assert_status(StatusCode::OK);
    let v = get(&t, &format!("/api/v1/proposals/{n}"), None)
        .await
        .json();
    let bodies: Vec<&str> = v["history"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["kind"] == "commented")
        .map(|e| e["body"].as_str().unwrap())
        .collect();
    assert_eq!(bodies, vec!["one", "", "three"]);
    assert!(!v.to_string().contains("secret"));
    let v = get(&t, &format!("/api/v1/proposals/{n}"), Some(&m))
        .await
        .json();
    assert!(v.to_string().contains("two, secret"));
}

/// Fills an OpenAPI path template with sample values.
fn sample_path(template: &str) -> String {
    template
        .replace("{n}", "1")
        .replace("{slug}", "no-such-edition")
        .replace("/sections/{id}", "/sections/usability")
        .replace("/reports/{id}", "/reports/1")
        .replace("/tokens/{id}", "/tokens/1")
}

#[tokio::test]
async fn the_openapi_document_describes_exactly_the_routes_served() {
    let t = TestApp::new();
    let r = get(&t, "/api/v1/openapi.json", None).await;
    r.assert_status(StatusCode::OK);
    let doc = r.json();
    assert_eq!(doc["openapi"], "3.1.0");
    assert_eq!(
        doc["components"]["securitySchemes"]["bearerAuth"]["scheme"],
        "bearer"
    );

    let mut documented = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            documented.insert((method.clone(), path.clone()));
            let responses = op["responses"].as_object().unwrap();
            if path != "/api/v1/openapi.json" {
                assert!(
                    responses.contains_key("401"),
                    "{method} {path} documents no 401"
                );
            }
            let writes = op["security"] == json!([{"bearerAuth": []}]);
            if method == "post" && path != "/api/v1/tokens" {
                assert!(writes, "{method} {path} should need a bearer token");
                for code in ["403", "429"] {
                    assert!(responses.contains_key(code), "{method} {path}: no {code}");
                }
            }
            if op.get("requestBody").is_some() {
                for code in ["400", "415", "422"] {
                    assert!(responses.contains_key(code), "{method} {path}: no {code}");
                }
            }
        }
    }
    let registered: BTreeSet<(String, String)> = ROUTES
        .iter()
        .map(|(m, p)| (m.to_string(), p.to_string()))
        .collect();
    assert_eq!(documented, registered);

    // Every documented route is routed: no JSON "no endpoint" 404 and no 405.
    let before = t.refs();
    for (method, path) in &registered {
        let m = match method.as_str() {
            "get" => Method::GET,
            "delete" => Method::DELETE,
            _ => Method::POST,
        };
        let r = t.api(m, &sample_path(path), Some(json!({})), None).await;
        assert_ne!(r.status, StatusCode::METHOD_NOT_ALLOWED, "{method} {path}");
        assert!(
            !r.body.contains("no API endpoint"),
            "{method} {path} is not routed: {}",
            r.body
        );
    }
    assert_eq!(t.refs(), before);

    // Every reference points at something defined.
    let text = doc.to_string();
    let mut rest = text.as_str();
    while let Some(i) = rest.find("\"$ref\":\"#/components/") {
        let tail = &rest[i + "\"$ref\":\"#/components/".len()..];
        let end = tail.find('"').unwrap();
        let (kind, name) = tail[..end].split_once('/').unwrap();
        assert!(
            doc["components"][kind].get(name).is_some(),
            "dangling $ref {kind}/{name}"
        );
        rest = &tail[end..];
    }
}
