//! The OpenAPI document against the server: every documented operation is called for
//! real (success and the documented error shapes) and every JSON body the app sends is
//! checked against the document's schema for that operation and status. An undocumented
//! operation or status, a missing required field, an extra field or a wrong type fails;
//! so does a documented operation no request reached.

#![allow(clippy::unwrap_used)]

mod schema;

use std::io::Write;
use std::process::{Command, Stdio};
use std::sync::Mutex;

use crate::support::{Resp, TestApp};
use axum::http::{Method, StatusCode};
use quire_server::Role;
use schema::{Doc, Seen};
use serde_json::{json, Value};

/// Documented responses (method, path, status) no request here reaches, and why. Keep it
/// to responses that truly cannot be provoked through the router.
const NOT_REACHED: &[(&str, &str, &str, &str)] = &[
    (
        "post",
        "/api/v1/moderation/hide",
        "409",
        "hiding is idempotent: its only 409 is a lost compare-and-swap race after 20 s of retries",
    ),
    (
        "post",
        "/api/v1/moderation/unhide",
        "409",
        "showing again is idempotent: its only 409 is a lost compare-and-swap race after 20 s of retries",
    ),
];

/// Calls the API and checks each response against the document.
struct Checked {
    doc: Doc,
    seen: Mutex<Seen>,
}

impl Checked {
    fn new() -> Checked {
        Checked {
            doc: Doc::new(quire_server::routes::api::OPENAPI),
            seen: Mutex::new(Seen::default()),
        }
    }

    async fn call(
        &self,
        t: &TestApp,
        method: Method,
        path: &str,
        body: Option<Value>,
        token: Option<&str>,
    ) -> Resp {
        let r = t.api(method.clone(), path, body, token).await;
        self.verify(&method, path, &r);
        r
    }

    /// As [`Checked::call`], with exactly these headers and body.
    async fn raw(
        &self,
        t: &TestApp,
        method: Method,
        path: &str,
        token: Option<&str>,
        content_type: Option<&str>,
        body: &str,
    ) -> Resp {
        let auth = token.map(|t| format!("Bearer {t}"));
        let r = t
            .api_raw(method.clone(), path, auth.as_deref(), content_type, body)
            .await;
        self.verify(&method, path, &r);
        r
    }

    /// Fails unless `r` is a documented response of the operation `method path`, with a
    /// body that fits its schema.
    fn verify(&self, method: &Method, path: &str, r: &Resp) {
        let m = method.as_str().to_lowercase();
        let template = schema::template_of(&self.doc, path)
            .unwrap_or_else(|| panic!("{method} {path}: no such path in the document"));
        let op = self.doc.root["paths"][template]
            .get(&m)
            .unwrap_or_else(|| panic!("{method} {template}: not in the document"));
        let status = r.status.as_u16().to_string();
        let response = op["responses"]
            .get(&status)
            .or_else(|| op["responses"].get("default"))
            .unwrap_or_else(|| {
                panic!(
                    "{method} {path} answered {status}, which the document does not list for {template}: {}",
                    r.body
                )
            });
        let response = self.doc.deref(response);
        match response.pointer("/content/application~1json/schema") {
            Some(schema) => {
                let ct = r
                    .headers
                    .get("content-type")
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or_default();
                assert!(
                    ct.starts_with("application/json"),
                    "{method} {path} ({status}): content-type {ct:?}, the document says JSON"
                );
                let body: Value = serde_json::from_str(&r.body)
                    .unwrap_or_else(|e| panic!("{method} {path} ({status}): not JSON ({e})"));
                let errors = self.doc.check(schema, &body);
                assert!(
                    errors.is_empty(),
                    "{method} {path} ({status}) differs from the document ({template}):\n  {}\nbody: {}",
                    errors.join("\n  "),
                    &r.body[..r.body.len().min(3000)]
                );
            }
            None => assert!(
                r.body.is_empty(),
                "{method} {path} ({status}): the document says no body, got {}",
                r.body
            ),
        }
        self.seen
            .lock()
            .unwrap()
            .0
            .insert((m, template.to_string(), status));
    }

    /// Fails if a documented response (operation and status) was never received, unless
    /// [`NOT_REACHED`] says why it cannot be. A 500 needs a damaged library, so the
    /// shared 500 is required of one operation only
    /// (`a_proposal_json_with_no_revisions_is_an_error_not_a_panic`).
    fn assert_covered(&self) {
        let seen = &self.seen.lock().unwrap().0;
        let mut missing = Vec::new();
        if !seen.iter().any(|(_, _, s)| s == "500") {
            missing.push("any operation's 500".to_string());
        }
        for (method, path, statuses) in schema::operations(&self.doc) {
            for status in statuses.into_iter().filter(|s| s != "500") {
                let skipped = NOT_REACHED
                    .iter()
                    .any(|(m, p, s, _)| *m == method && *p == path && *s == status);
                if !skipped && !seen.contains(&(method.clone(), path.clone(), status.clone())) {
                    missing.push(format!("{method} {path} {status}"));
                }
            }
        }
        assert!(
            missing.is_empty(),
            "documented responses no request here reached (exercise them, or say in NOT_REACHED why they cannot be):\n  {}",
            missing.join("\n  ")
        );
    }
}

const FIRST_LINE: &str =
    "Develop and apply standards that make every digital service you offer easy, intuitive and consistent to use.";

/// A section's text on `main` with `from` replaced by `to`.
fn edited(t: &TestApp, section: &str, from: &str, to: &str) -> String {
    let text = t.lib().section(section, "main").unwrap().text;
    assert!(text.contains(from), "{from:?} not in {section}");
    text.replacen(from, to, 1)
}

/// Opens a proposal changing the usability section's first line; returns its number.
async fn propose(c: &Checked, t: &TestApp, token: &str, title: &str, line: &str) -> u64 {
    let r = c
        .call(
            t,
            Method::POST,
            "/api/v1/proposals",
            Some(json!({
                "title": title,
                "rationale": "Because.",
                "changes": [{"section": "usability", "text": edited(t, "usability", FIRST_LINE, line)}],
            })),
            Some(token),
        )
        .await;
    r.assert_status(StatusCode::CREATED);
    r.json()["number"].as_u64().unwrap()
}

#[tokio::test]
async fn every_response_matches_the_openapi_document() {
    let c = Checked::new();
    let t = TestApp::new();
    let (_, m) = t.api_token("Max Maintainer", Role::Maintainer);
    let (connie, k) = t.api_token("Connie Contributor", Role::Contributor);
    let get = Method::GET;
    let post = Method::POST;

    // The document itself.
    c.call(&t, get.clone(), "/api/v1/openapi.json", None, None)
        .await
        .assert_status(StatusCode::OK);

    // Tokens.
    let s = t.session("Tess Token", Role::Contributor);
    let creds =
        json!({"email": s.user.email, "password": "a long enough password", "name": "laptop"});
    let r = c
        .call(
            &t,
            post.clone(),
            "/api/v1/tokens",
            Some(creds.clone()),
            None,
        )
        .await;
    r.assert_status(StatusCode::CREATED);
    let tess = r.json()["token"].as_str().unwrap().to_string();
    let tess_id = r.json()["id"].as_i64().unwrap();
    let wrong = json!({"email": s.user.email, "password": "not the password at all"});
    c.call(&t, post.clone(), "/api/v1/tokens", Some(wrong), None)
        .await
        .assert_status(StatusCode::UNAUTHORIZED);
    c.raw(
        &t,
        post.clone(),
        "/api/v1/tokens",
        None,
        Some("application/json"),
        "{",
    )
    .await
    .assert_status(StatusCode::BAD_REQUEST);
    c.raw(&t, post.clone(), "/api/v1/tokens", None, None, "{}")
        .await
        .assert_status(StatusCode::UNSUPPORTED_MEDIA_TYPE);
    c.call(
        &t,
        post.clone(),
        "/api/v1/tokens",
        Some(json!({"email": "x"})),
        None,
    )
    .await
    .assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    let b = t.blocked_signed_in("Bob Blocked", Role::Contributor);
    let blocked = json!({"email": b.user.email, "password": "a long enough password"});
    c.call(&t, post.clone(), "/api/v1/tokens", Some(blocked), None)
        .await
        .assert_status(StatusCode::FORBIDDEN);
    c.call(&t, get.clone(), "/api/v1/tokens", None, Some(&tess))
        .await
        .assert_status(StatusCode::OK);
    c.call(&t, get.clone(), "/api/v1/tokens", None, None)
        .await
        .assert_status(StatusCode::UNAUTHORIZED);
    c.call(&t, Method::DELETE, "/api/v1/tokens/abc", None, Some(&tess))
        .await
        .assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    c.call(&t, Method::DELETE, "/api/v1/tokens/9999", None, Some(&tess))
        .await
        .assert_status(StatusCode::NOT_FOUND);
    c.call(
        &t,
        Method::DELETE,
        &format!("/api/v1/tokens/{tess_id}"),
        None,
        Some(&tess),
    )
    .await
    .assert_status(StatusCode::NO_CONTENT);

    // Sections and their comments.
    c.call(&t, get.clone(), "/api/v1/sections", None, None)
        .await
        .assert_status(StatusCode::OK);
    c.call(
        &t,
        get.clone(),
        "/api/v1/sections?at=no-such-thing",
        None,
        None,
    )
    .await
    .assert_status(StatusCode::NOT_FOUND);
    c.call(&t, get.clone(), "/api/v1/sections/usability", None, None)
        .await
        .assert_status(StatusCode::OK);
    c.call(
        &t,
        get.clone(),
        "/api/v1/sections/no-such-section",
        None,
        None,
    )
    .await
    .assert_status(StatusCode::NOT_FOUND);
    for body in ["A remark.", "Another remark."] {
        c.call(
            &t,
            post.clone(),
            "/api/v1/sections/usability/comments",
            Some(json!({"body": body})),
            Some(&k),
        )
        .await
        .assert_status(StatusCode::CREATED);
    }
    c.call(
        &t,
        get.clone(),
        "/api/v1/sections/usability/comments",
        None,
        None,
    )
    .await
    .assert_status(StatusCode::OK);

    // An edition before anything is merged, to compare with later.
    c.call(
        &t,
        post.clone(),
        "/api/v1/editions",
        Some(json!({"slug": "first", "title": "First edition", "notes": "Notes."})),
        Some(&m),
    )
    .await
    .assert_status(StatusCode::CREATED);
    c.call(
        &t,
        post.clone(),
        "/api/v1/editions",
        Some(json!({"slug": "first", "title": "Again"})),
        Some(&m),
    )
    .await
    .assert_status(StatusCode::CONFLICT);

    // Proposals: one merged, one that then conflicts, one updated onto the new main.
    c.call(
        &t,
        post.clone(),
        "/api/v1/proposals",
        Some(json!({"title": "x", "changes": []})),
        None,
    )
    .await
    .assert_status(StatusCode::UNAUTHORIZED);
    let n1 = propose(&c, &t, &k, "Say it plainly", "Make every service plain.").await;
    let n2 = propose(&c, &t, &k, "Say it kindly", "Make every service kind.").await;
    let other = t.lib().sections("main").unwrap()[0].id.to_string();
    let first_line = t
        .lib()
        .section(&other, "main")
        .unwrap()
        .text
        .lines()
        .find(|l| l.len() > 20 && !l.starts_with('#'))
        .unwrap()
        .to_string();
    let r = c
        .call(
            &t,
            post.clone(),
            "/api/v1/proposals",
            Some(json!({
                "title": "Elsewhere",
                "changes": [{"section": other, "text": edited(&t, &other, &first_line, "A new line.")}],
            })),
            Some(&k),
        )
        .await;
    r.assert_status(StatusCode::CREATED);
    let n3 = r.json()["number"].as_u64().unwrap();
    c.call(
        &t,
        post.clone(),
        &format!("/api/v1/proposals/{n1}/comments"),
        Some(json!({"body": "What do you think?"})),
        Some(&k),
    )
    .await
    .assert_status(StatusCode::CREATED);
    c.call(
        &t,
        post.clone(),
        &format!("/api/v1/proposals/{n1}/revisions"),
        Some(json!({
            "changes": [{"section": "usability", "text": edited(&t, "usability", FIRST_LINE, "Make every service plain and clear.")}],
            "note": "Clearer.",
        })),
        Some(&k),
    )
    .await
    .assert_status(StatusCode::OK);
    c.call(
        &t,
        post.clone(),
        &format!("/api/v1/proposals/{n1}/reviews"),
        Some(json!({"verdict": "approve"})),
        Some(&k),
    )
    .await
    .assert_status(StatusCode::FORBIDDEN);
    c.call(
        &t,
        post.clone(),
        &format!("/api/v1/proposals/{n1}/reviews"),
        Some(json!({"verdict": "request_changes", "comment": "Shorter?"})),
        Some(&m),
    )
    .await
    .assert_status(StatusCode::OK);
    c.call(
        &t,
        post.clone(),
        &format!("/api/v1/proposals/{n1}/merge"),
        None,
        Some(&m),
    )
    .await
    .assert_status(StatusCode::CONFLICT);
    c.call(
        &t,
        post.clone(),
        &format!("/api/v1/proposals/{n1}/reviews"),
        Some(json!({"verdict": "approve", "revision": 2})),
        Some(&m),
    )
    .await
    .assert_status(StatusCode::OK);
    c.call(
        &t,
        post.clone(),
        &format!("/api/v1/proposals/{n1}/merge"),
        None,
        Some(&m),
    )
    .await
    .assert_status(StatusCode::OK);
    // n2 now conflicts with main (a report in the list and in the refusal), n3 does not.
    c.call(&t, get.clone(), "/api/v1/proposals", None, None)
        .await
        .assert_status(StatusCode::OK)
        .assert_contains("\"conflict\"");
    c.call(
        &t,
        get.clone(),
        "/api/v1/proposals?status=nonsense",
        None,
        None,
    )
    .await
    .assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    let r = c
        .call(
            &t,
            post.clone(),
            &format!("/api/v1/proposals/{n2}/update"),
            None,
            Some(&k),
        )
        .await;
    r.assert_status(StatusCode::CONFLICT);
    assert!(r.json()["error"]["conflict"].is_object(), "{}", r.body);
    c.call(
        &t,
        post.clone(),
        &format!("/api/v1/proposals/{n3}/update"),
        Some(json!({})),
        Some(&k),
    )
    .await
    .assert_status(StatusCode::OK);
    for n in [n1, n2] {
        c.call(
            &t,
            get.clone(),
            &format!("/api/v1/proposals/{n}"),
            None,
            None,
        )
        .await
        .assert_status(StatusCode::OK);
        c.call(
            &t,
            get.clone(),
            &format!("/api/v1/proposals/{n}/diff"),
            None,
            None,
        )
        .await
        .assert_status(StatusCode::OK);
    }
    c.call(
        &t,
        get.clone(),
        &format!("/api/v1/proposals/{n1}/diff?rev=1"),
        None,
        None,
    )
    .await
    .assert_status(StatusCode::OK);
    c.call(&t, get.clone(), "/api/v1/proposals/9999", None, None)
        .await
        .assert_status(StatusCode::NOT_FOUND);
    c.call(&t, get.clone(), "/api/v1/proposals/abc/diff", None, None)
        .await
        .assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    c.call(
        &t,
        post.clone(),
        &format!("/api/v1/proposals/{n2}/withdraw"),
        Some(json!({"reason": "Not now."})),
        Some(&k),
    )
    .await
    .assert_status(StatusCode::OK);
    c.call(
        &t,
        post.clone(),
        &format!("/api/v1/proposals/{n3}/reject"),
        Some(json!({"reason": "Out of scope."})),
        Some(&m),
    )
    .await
    .assert_status(StatusCode::OK);

    // Editions, the changelog and comparisons.
    c.call(
        &t,
        post.clone(),
        "/api/v1/editions",
        Some(json!({"slug": "second", "title": "Second edition"})),
        Some(&m),
    )
    .await
    .assert_status(StatusCode::CREATED);
    c.call(&t, get.clone(), "/api/v1/editions", None, None)
        .await
        .assert_status(StatusCode::OK);
    c.call(&t, get.clone(), "/api/v1/editions/second", None, None)
        .await
        .assert_status(StatusCode::OK);
    c.call(
        &t,
        get.clone(),
        "/api/v1/editions/no-such-edition",
        None,
        None,
    )
    .await
    .assert_status(StatusCode::NOT_FOUND);
    c.call(&t, get.clone(), "/api/v1/changelog", None, None)
        .await
        .assert_status(StatusCode::OK);
    c.call(
        &t,
        get.clone(),
        "/api/v1/changelog?from=first&to=second",
        None,
        None,
    )
    .await
    .assert_status(StatusCode::OK);
    c.call(
        &t,
        get.clone(),
        "/api/v1/changelog?from=no-such-edition",
        None,
        None,
    )
    .await
    .assert_status(StatusCode::NOT_FOUND);
    c.call(
        &t,
        get.clone(),
        "/api/v1/compare?from=first&to=main",
        None,
        None,
    )
    .await
    .assert_status(StatusCode::OK);
    c.call(&t, get.clone(), "/api/v1/compare?from=first", None, None)
        .await
        .assert_status(StatusCode::UNPROCESSABLE_ENTITY);

    // Moderation and reports.
    let comment =
        json!({"kind": "proposal_comment", "target": n1, "comment": 1, "reason": "Rude."});
    c.call(
        &t,
        post.clone(),
        "/api/v1/moderation/hide",
        Some(comment.clone()),
        Some(&m),
    )
    .await
    .assert_status(StatusCode::OK);
    c.call(
        &t,
        post.clone(),
        "/api/v1/moderation/unhide",
        Some(comment),
        Some(&m),
    )
    .await
    .assert_status(StatusCode::OK);
    c.call(
        &t,
        post.clone(),
        "/api/v1/moderation/hide",
        Some(json!({"kind": "proposal", "target": n3, "reason": "Spam."})),
        Some(&m),
    )
    .await
    .assert_status(StatusCode::OK);
    c.call(
        &t,
        post.clone(),
        "/api/v1/moderation/redact",
        Some(json!({"kind": "section_comment", "target": "usability", "comment": 2, "reason": "Personal data."})),
        Some(&m),
    )
    .await
    .assert_status(StatusCode::OK);
    // Redacting it again changes nothing.
    c.call(
        &t,
        post.clone(),
        "/api/v1/moderation/redact",
        Some(json!({"kind": "section_comment", "target": "usability", "comment": 2, "reason": "Again."})),
        Some(&m),
    )
    .await
    .assert_status(StatusCode::CONFLICT);
    // What a maintainer sees of hidden and redacted things has the documented shape too.
    for path in [
        "/api/v1/proposals".to_string(),
        format!("/api/v1/proposals/{n3}"),
        format!("/api/v1/proposals/{n1}"),
        "/api/v1/sections/usability/comments".to_string(),
    ] {
        c.call(&t, get.clone(), &path, None, Some(&m))
            .await
            .assert_status(StatusCode::OK);
    }
    let r = c
        .call(
            &t,
            post.clone(),
            "/api/v1/reports",
            Some(json!({"kind": "section_comment", "target": "usability", "comment": 1, "reason": "Off topic."})),
            Some(&k),
        )
        .await;
    r.assert_status(StatusCode::CREATED);
    let report = r.json()["id"].as_i64().unwrap();
    c.call(&t, get.clone(), "/api/v1/reports", None, Some(&k))
        .await
        .assert_status(StatusCode::FORBIDDEN);
    c.call(&t, get.clone(), "/api/v1/reports", None, Some(&m))
        .await
        .assert_status(StatusCode::OK);
    c.call(
        &t,
        post.clone(),
        &format!("/api/v1/reports/{report}/resolve"),
        None,
        Some(&m),
    )
    .await
    .assert_status(StatusCode::OK);
    c.call(
        &t,
        post.clone(),
        "/api/v1/reports/9999/resolve",
        None,
        Some(&m),
    )
    .await
    .assert_status(StatusCode::NOT_FOUND);
    c.call(
        &t,
        post.clone(),
        "/api/v1/moderation/block",
        Some(json!({"user_id": connie.id, "blocked": true})),
        Some(&m),
    )
    .await
    .assert_status(StatusCode::OK);

    // Things that are not there, and states that do not allow the action.
    let nothing: &[(&str, Value)] = &[
        ("/api/v1/proposals/9999/comments", json!({"body": "x"})),
        (
            "/api/v1/proposals/9999/reviews",
            json!({"verdict": "approve"}),
        ),
        ("/api/v1/proposals/9999/reject", json!({"reason": "x"})),
        ("/api/v1/proposals/9999/withdraw", json!({})),
        ("/api/v1/proposals/9999/update", json!({})),
        ("/api/v1/proposals/9999/merge", json!({})),
        (
            "/api/v1/proposals/9999/revisions",
            json!({"changes": [{"section": "usability", "text": "x"}]}),
        ),
        (
            "/api/v1/sections/no-such-section/comments",
            json!({"body": "x"}),
        ),
        (
            "/api/v1/moderation/hide",
            json!({"kind": "proposal", "target": 9999, "reason": "x"}),
        ),
        (
            "/api/v1/moderation/unhide",
            json!({"kind": "proposal", "target": 9999}),
        ),
        (
            "/api/v1/moderation/redact",
            json!({"kind": "proposal", "target": 9999, "reason": "x", "title": true}),
        ),
        (
            "/api/v1/moderation/block",
            json!({"user_id": 9999, "blocked": true}),
        ),
        (
            "/api/v1/reports",
            json!({"kind": "proposal", "target": 9999, "reason": "x"}),
        ),
        (
            "/api/v1/proposals",
            json!({"title": "x", "base": "0000000000", "changes": [{"section": "usability", "text": "x"}]}),
        ),
    ];
    for (path, body) in nothing {
        c.call(&t, post.clone(), path, Some(body.clone()), Some(&m))
            .await
            .assert_status(StatusCode::NOT_FOUND);
    }
    for path in [
        "/api/v1/proposals/9999/diff",
        "/api/v1/compare?from=no-such-edition&to=main",
    ] {
        c.call(&t, get.clone(), path, None, None)
            .await
            .assert_status(StatusCode::NOT_FOUND);
    }
    // Names that cannot be names.
    for path in [
        "/api/v1/changelog?from=main&from=main",
        "/api/v1/sections?at=main&at=main",
        "/api/v1/sections/Not%20An%20Id",
        "/api/v1/sections/Not%20An%20Id/comments",
        "/api/v1/editions/Not%20A%20Slug",
    ] {
        c.call(&t, get.clone(), path, None, None).await;
    }
    // n2 is withdrawn, n1 merged.
    let closed: &[(String, Value)] = &[
        (format!("/api/v1/proposals/{n2}/withdraw"), json!({})),
        (
            format!("/api/v1/proposals/{n2}/reject"),
            json!({"reason": "x"}),
        ),
        (
            format!("/api/v1/proposals/{n2}/reviews"),
            json!({"verdict": "approve"}),
        ),
        (
            format!("/api/v1/proposals/{n2}/revisions"),
            json!({"changes": [{"section": "usability", "text": "x"}]}),
        ),
        (
            "/api/v1/proposals".to_string(),
            json!({"title": "No change", "changes": [{"section": "usability", "text": t.lib().section("usability", "main").unwrap().text}]}),
        ),
    ];
    for (path, body) in closed {
        c.call(&t, post.clone(), path, Some(body.clone()), Some(&m))
            .await
            .assert_status(StatusCode::CONFLICT);
    }

    // The refusals every operation shares, sent to each operation that documents them.
    let (blocked, bt) = t.api_token("Bea Blocked", Role::Contributor);
    t.state.store().set_blocked(blocked.id, true).unwrap();
    for (method, template, statuses) in schema::operations(&c.doc) {
        let method = Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
        let path = concrete(&template, n1);
        let has = |s: &str| statuses.iter().any(|x| x == s);
        if has("401") {
            c.raw(&t, method.clone(), &path, Some("not-a-token"), None, "")
                .await;
        }
        if has("400") {
            c.raw(
                &t,
                method.clone(),
                &path,
                Some(&m),
                Some("application/json"),
                "{",
            )
            .await;
        }
        if has("415") {
            c.raw(&t, method.clone(), &path, Some(&m), None, "{}").await;
        }
        if has("403") {
            c.raw(
                &t,
                method.clone(),
                &path,
                Some(&bt),
                Some("application/json"),
                "{}",
            )
            .await;
        }
        if has("422") {
            if template.contains('{') && template != "/api/v1/sections/{id}" {
                let bad = concrete(&template, n1)
                    .split('/')
                    .zip(template.split('/'))
                    .map(|(p, t)| if t.starts_with('{') { "abc" } else { p })
                    .collect::<Vec<_>>()
                    .join("/");
                c.raw(
                    &t,
                    method.clone(),
                    &bad,
                    Some(&m),
                    Some("application/json"),
                    "{}",
                )
                .await;
            } else if method == Method::POST {
                c.raw(
                    &t,
                    method.clone(),
                    &path,
                    Some(&m),
                    Some("application/json"),
                    r#"{"zzz": 1}"#,
                )
                .await;
            }
        }
    }

    // The allowances: writes per account, sign-in attempts per client.
    let slow = TestApp::with_limits(1, 1);
    let (_, w) = slow.api_token("Wanda Writer", Role::Maintainer);
    for want in [StatusCode::CREATED, StatusCode::TOO_MANY_REQUESTS] {
        c.call(
            &slow,
            post.clone(),
            "/api/v1/sections/usability/comments",
            Some(json!({"body": "Again and again."})),
            Some(&w),
        )
        .await
        .assert_status(want);
    }
    for (method, template, statuses) in schema::operations(&c.doc) {
        if template != "/api/v1/tokens" && statuses.iter().any(|s| s == "429") {
            let method = Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
            c.raw(
                &slow,
                method,
                &concrete(&template, 1),
                Some(&w),
                Some("application/json"),
                "{}",
            )
            .await
            .assert_status(StatusCode::TOO_MANY_REQUESTS);
        }
    }
    let wrong = json!({"email": "nobody@example.org", "password": "not the password at all"});
    for want in [StatusCode::UNAUTHORIZED, StatusCode::TOO_MANY_REQUESTS] {
        c.call(
            &slow,
            post.clone(),
            "/api/v1/tokens",
            Some(wrong.clone()),
            None,
        )
        .await
        .assert_status(want);
    }

    damaged_proposal_is_an_error_not_a_panic(&c).await;
    c.assert_covered();
}

/// A request path for a documented path template: proposal `n`, the usability section,
/// token, report and comment 1, edition `first`.
fn concrete(template: &str, n: u64) -> String {
    template
        .replace("/sections/{id}", "/sections/usability")
        .replace("{n}", &n.to_string())
        .replace("{id}", "1")
        .replace("{slug}", "first")
}

/// Runs git in `dir` with `input` on stdin; returns its trimmed stdout.
fn git_with_input(dir: &std::path::Path, args: &[&str], input: &[u8]) -> String {
    let mut child = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_AUTHOR_NAME", "Mallory")
        .env("GIT_AUTHOR_EMAIL", "mallory@example.org")
        .env("GIT_COMMITTER_NAME", "Mallory")
        .env("GIT_COMMITTER_EMAIL", "mallory@example.org")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(input).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "git {args:?} failed");
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

/// A `proposal.json` with no revisions (edited by hand) is refused on read: the API
/// answers 500 in its error shape (the cause is logged, not shown), the page 500, and
/// the server goes on serving.
async fn damaged_proposal_is_an_error_not_a_panic(c: &Checked) {
    let t = TestApp::new();
    let (_, k) = t.api_token("Connie Contributor", Role::Contributor);
    let n = propose(c, &t, &k, "Say it plainly", "Make every service plain.").await;
    // Someone edits the event log by hand and leaves the proposal without revisions.
    let meta = format!("refs/proposals/{n}/meta");
    let tip = t.git(&["rev-parse", &meta]).trim().to_string();
    let mut state: Value =
        serde_json::from_str(&t.git(&["show", &format!("{tip}:proposal.json")])).unwrap();
    state["revisions"] = json!([]);
    let dir = t.state.library_path();
    let blob = git_with_input(
        dir,
        &["hash-object", "-w", "--stdin"],
        state.to_string().as_bytes(),
    );
    let tree = git_with_input(
        dir,
        &["mktree"],
        format!("100644 blob {blob}\tproposal.json\n").as_bytes(),
    );
    let commit = git_with_input(
        dir,
        &["commit-tree", &tree, "-p", &tip],
        b"Edit by hand\n\nEvent: commented\n",
    );
    t.git(&["update-ref", &meta, &commit, &tip]);

    for path in [
        format!("/api/v1/proposals/{n}"),
        format!("/api/v1/proposals/{n}/diff"),
    ] {
        c.call(&t, Method::GET, &path, None, None)
            .await
            .assert_status(StatusCode::INTERNAL_SERVER_ERROR)
            .assert_contains("something went wrong");
    }
    // So does the page, and the server goes on serving.
    t.get(&format!("/proposals/{n}"), None)
        .await
        .assert_status(StatusCode::INTERNAL_SERVER_ERROR);
    c.call(&t, Method::GET, "/api/v1/sections", None, None)
        .await
        .assert_status(StatusCode::OK);
}
