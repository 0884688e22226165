//! Bad input, table-driven, for every surface of the server: forms, the JSON API, cookies
//! and tokens. Every case must be refused with its status and a message naming what was
//! wrong, and leave every git ref and every row of the account store exactly as it was.
//!
//! The other router tests already cover many refusals (roles, CSRF on the proposal and
//! moderation forms, malformed JSON, unknown things); this file adds the hostile ones:
//! invalid UTF-8, NUL and control characters, oversize bodies, thousands of sections,
//! ref-name and path tricks in every id, login CSRF, session fixation, malformed bearer
//! tokens, stale revisions, and markup injection into every page.

#![allow(clippy::unwrap_used)]

use crate::support;

use axum::body::Body;
use axum::http::{header, Method, Request, StatusCode};
use quire_server::Role;
use serde_json::{json, Value};
use support::{form_token_for, Resp, Session, TestApp, CSRF};

/// Ids that try to climb out of a folder or smuggle git revision syntax into a ref name.
const TRICKS: &[&str] = &[
    "..",
    "../usability",
    "a/b",
    "refs/heads/main",
    "@{",
    "main@{1}",
    "~",
    "usability~1",
    ":",
    "a:b",
    "usability.lock",
    "usa\u{0}bility",
];

/// Percent-encodes everything but unreserved characters, for a path segment or query.
fn enc(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

fn cookies(s: Option<&Session>) -> String {
    match s {
        Some(s) => format!("quire_csrf={CSRF}; quire_session={}", s.token),
        None => format!("quire_csrf={CSRF}"),
    }
}

/// A form POST with the CSRF token.
fn form(path: &str, fields: &[(&str, &str)], s: Option<&Session>) -> Request<Body> {
    let token = form_token_for(s.map(|s| s.token.as_str()));
    let mut all = vec![("csrf", token.as_str())];
    all.extend_from_slice(fields);
    raw_form(
        path,
        serde_urlencoded::to_string(&all).unwrap(),
        &cookies(s),
    )
}

/// A form POST with exactly this body and cookie header.
fn raw_form(path: &str, body: impl Into<Body>, cookie: &str) -> Request<Body> {
    Request::builder()
        .method(Method::POST)
        .uri(path)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::COOKIE, cookie)
        .body(body.into())
        .unwrap()
}

fn get(path: &str, s: Option<&Session>) -> Request<Body> {
    Request::builder()
        .uri(path)
        .header(header::COOKIE, cookies(s))
        .body(Body::empty())
        .unwrap()
}

/// An API call with a bearer token.
fn api(method: Method, path: &str, body: Option<Value>, token: Option<&str>) -> Request<Body> {
    let mut req = Request::builder().method(method).uri(path);
    if let Some(t) = token {
        req = req.header(header::AUTHORIZATION, format!("Bearer {t}"));
    }
    match body {
        Some(b) => req
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(b.to_string()))
            .unwrap(),
        None => req.body(Body::empty()).unwrap(),
    }
}

/// An API call with raw bytes and an exact `Authorization` header value.
fn api_bytes(path: &str, authorization: &[u8], body: impl Into<Body>) -> Request<Body> {
    Request::builder()
        .method(Method::POST)
        .uri(path)
        .header(
            header::AUTHORIZATION,
            header::HeaderValue::from_bytes(authorization).unwrap(),
        )
        .header(header::CONTENT_TYPE, "application/json")
        .body(body.into())
        .unwrap()
}

/// One bad request and what it must produce.
struct Case {
    what: String,
    req: Request<Body>,
    status: Vec<StatusCode>,
    message: Vec<String>,
}

fn case(what: &str, req: Request<Body>, status: StatusCode, message: &[&str]) -> Case {
    Case {
        what: what.to_string(),
        req,
        status: vec![status],
        message: message.iter().map(|m| m.to_string()).collect(),
    }
}

impl Case {
    /// Also accept this status (a path the router itself cannot match answers 404).
    fn or(mut self, status: StatusCode) -> Case {
        self.status.push(status);
        self
    }
}

/// The text of a page or JSON body with the HTML escapes undone and lowercased, to look
/// for a message in.
fn readable(body: &str) -> String {
    body.replace("&#34;", "\"")
        .replace("&#39;", "'")
        .replace("&#60;", "<")
        .replace("&#62;", ">")
        .replace("&quot;", "\"")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&#38;", "&")
        .replace("&amp;", "&")
        .replace("\\\"", "\"")
        .to_lowercase()
}

/// Every row of every table of the account store, to check that nothing changed.
fn store_rows(t: &TestApp) -> String {
    let conn =
        rusqlite::Connection::open(t.dir.path().join("data").join("accounts.sqlite3")).unwrap();
    let mut out = String::new();
    for table in ["users", "sessions", "api_tokens", "reports"] {
        let mut stmt = conn
            .prepare(&format!("SELECT * FROM {table} ORDER BY 1"))
            .unwrap();
        let columns = stmt.column_count();
        // When a token was last used is bookkeeping, not a change a request made.
        let kept: Vec<usize> = (0..columns)
            .filter(|&i| stmt.column_name(i).unwrap() != "last_used")
            .collect();
        let mut rows = stmt.query([]).unwrap();
        while let Some(row) = rows.next().unwrap() {
            let cells: Vec<String> = kept
                .iter()
                .map(|&i| format!("{:?}", row.get_ref(i).unwrap()))
                .collect();
            out.push_str(&format!("{table}: {}\n", cells.join(" | ")));
        }
    }
    out
}

/// Sends every case; each must answer its status with its message and change no ref and
/// no stored row. Reports every case that misbehaved at once.
async fn run(t: &TestApp, cases: Vec<Case>) {
    let total = cases.len();
    let mut failures = Vec::new();
    for c in cases {
        let (refs, rows) = (t.refs(), store_rows(t));
        let r = t.send(c.req).await;
        let mut wrong = Vec::new();
        if !c.status.contains(&r.status) {
            wrong.push(format!("status {}, want {:?}", r.status, c.status));
        }
        let text = readable(&r.body);
        for m in &c.message {
            if !text.contains(&m.to_lowercase()) {
                wrong.push(format!("no {m:?} in the answer"));
            }
        }
        if t.refs() != refs {
            wrong.push(format!("refs changed:\n{refs}\nto\n{}", t.refs()));
        }
        if store_rows(t) != rows {
            wrong.push(format!(
                "the account store changed:\n{rows}\nto\n{}",
                store_rows(t)
            ));
        }
        if !wrong.is_empty() {
            let body = &r.body[..r.body.len().min(600)];
            failures.push(format!("{}: {}\n{body}", c.what, wrong.join("; ")));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {total} bad-input cases misbehaved:\n\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}

/// A library with an open proposal by `author` (its number), a comment on it and on the
/// usability section, and an edition `first`.
struct Fixture {
    t: TestApp,
    author: Session,
    other: Session,
    maintainer: Session,
    author_token: String,
    maintainer_token: String,
    n: u64,
}

fn fixture() -> Fixture {
    let t = TestApp::new();
    let author = t.contributor();
    let other = t.session("Olive Other", Role::Contributor);
    let maintainer = t.maintainer();
    let author_token = t
        .state
        .store()
        .create_api_token(author.user.id, "tests")
        .unwrap();
    let maintainer_token = t
        .state
        .store()
        .create_api_token(maintainer.user.id, "tests")
        .unwrap();
    let n = t.propose_paragraph(
        &author.user.identity(),
        "usability",
        "Test with five users",
        "Test every form with five users.",
    );
    let lib = t.lib();
    lib.comment_proposal(n, &other.user.identity(), "A fair point.")
        .unwrap();
    lib.comment_section("usability", &other.user.identity(), "Hello.")
        .unwrap();
    lib.publish("first", "First", "", &maintainer.user.identity())
        .unwrap();
    Fixture {
        t,
        author,
        other,
        maintainer,
        author_token,
        maintainer_token,
        n,
    }
}

fn usability_plus(t: &TestApp, line: &str) -> String {
    format!(
        "{}\n{line}\n",
        t.lib().section("usability", "main").unwrap().text
    )
}

#[tokio::test]
async fn hostile_forms_are_refused_and_change_nothing() {
    let fx = fixture();
    let t = &fx.t;
    let (a, m, o) = (Some(&fx.author), Some(&fx.maintainer), Some(&fx.other));
    let n = fx.n;
    let text = usability_plus(t, "Another line.");
    let (email, password) = t.first_maintainer.clone();
    let atok = form_token_for(Some(&fx.author.token));
    let mut cases = vec![
        // Login CSRF and CSRF without its cookie.
        case(
            "signing in without the CSRF token",
            raw_form(
                "/signin",
                serde_urlencoded::to_string([("email", &email), ("password", &password)]).unwrap(),
                &cookies(None),
            ),
            StatusCode::FORBIDDEN,
            &["the form had expired or came from another site"],
        ),
        case(
            "signing up without the CSRF token",
            raw_form(
                "/signup",
                "name=Eve&email=eve%40example.org&password=long+enough+password",
                &cookies(None),
            ),
            StatusCode::FORBIDDEN,
            &["came from another site"],
        ),
        case(
            "signing out without the CSRF token (a forced sign-out)",
            raw_form("/signout", "", &cookies(a)),
            StatusCode::FORBIDDEN,
            &["came from another site"],
        ),
        case(
            "a CSRF token in the form but no CSRF cookie",
            raw_form(
                "/sections/usability/comments",
                format!("csrf={CSRF}&body=hello"),
                &format!("quire_session={}", fx.author.token),
            ),
            StatusCode::FORBIDDEN,
            &["came from another site"],
        ),
        case(
            "an empty CSRF cookie and an empty CSRF field",
            raw_form(
                "/sections/usability/comments",
                "csrf=&body=hello",
                &format!("quire_csrf=; quire_session={}", fx.author.token),
            ),
            StatusCode::FORBIDDEN,
            &["came from another site"],
        ),
        case(
            "the CSRF token in the query string instead of the form",
            raw_form(
                &format!("/sections/usability/comments?csrf={CSRF}"),
                "body=hello",
                &cookies(a),
            ),
            StatusCode::FORBIDDEN,
            &["came from another site"],
        ),
        case(
            "a second CSRF cookie that differs from the first",
            raw_form(
                "/sections/usability/comments",
                "csrf=attackerchosen&body=hello",
                &format!(
                    "quire_csrf={CSRF}; quire_csrf=attackerchosen; quire_session={}",
                    fx.author.token
                ),
            ),
            StatusCode::FORBIDDEN,
            &["came from another site"],
        ),
        // Invalid UTF-8, percent-encoded or raw.
        case(
            "a comment that is not UTF-8 (percent-encoded)",
            raw_form(
                "/sections/usability/comments",
                format!("csrf={atok}&body=caf%E9+%FF%FE"),
                &cookies(a),
            ),
            StatusCode::UNPROCESSABLE_ENTITY,
            &["not valid utf-8"],
        ),
        case(
            "a comment that is not UTF-8 (raw bytes)",
            raw_form(
                "/sections/usability/comments",
                [format!("csrf={atok}&body=caf").as_bytes(), &[0xe9, 0xff]].concat(),
                &cookies(a),
            ),
            StatusCode::UNPROCESSABLE_ENTITY,
            &["not valid utf-8"],
        ),
        case(
            "a proposal title that is not UTF-8",
            raw_form(
                "/sections/usability/propose",
                format!("csrf={atok}&action=submit&title=%C0%AF&text={}", enc(&text)),
                &cookies(a),
            ),
            StatusCode::UNPROCESSABLE_ENTITY,
            &["not valid utf-8"],
        ),
        case(
            "a field name that is not UTF-8",
            raw_form(
                &format!("/proposals/{n}/revise"),
                format!("csrf={atok}&action=submit&text_%FF={}", enc(&text)),
                &cookies(a),
            ),
            StatusCode::UNPROCESSABLE_ENTITY,
            &["not valid utf-8"],
        ),
        // NUL and control characters.
        case(
            "a section comment with a NUL byte",
            form("/sections/usability/comments", &[("body", "a\0b")], a),
            StatusCode::UNPROCESSABLE_ENTITY,
            &["invalid comment", "control character"],
        ),
        case(
            "a proposal comment with a terminal escape",
            form(
                &format!("/proposals/{n}/comments"),
                &[("body", "clear \u{1b}[2J the screen")],
                o,
            ),
            StatusCode::UNPROCESSABLE_ENTITY,
            &["invalid comment", "control character"],
        ),
        case(
            "a proposal title with a NUL byte",
            form(
                "/sections/usability/propose",
                &[("title", "Fix\0it"), ("text", &text), ("action", "submit")],
                a,
            ),
            StatusCode::UNPROCESSABLE_ENTITY,
            &["title"],
        ),
        case(
            "a proposal title with a line break",
            form(
                "/sections/usability/propose",
                &[
                    ("title", "Two\nlines"),
                    ("text", &text),
                    ("action", "submit"),
                ],
                a,
            ),
            StatusCode::UNPROCESSABLE_ENTITY,
            &["title"],
        ),
        case(
            "a proposed text with a NUL byte",
            form(
                "/sections/usability/propose",
                &[
                    ("title", "Fix"),
                    ("text", &text.replace("Another", "Ano\0ther")),
                    ("action", "submit"),
                ],
                a,
            ),
            StatusCode::UNPROCESSABLE_ENTITY,
            &["control character"],
        ),
        case(
            "a rationale with a backspace",
            form(
                "/sections/usability/propose",
                &[
                    ("title", "Fix"),
                    ("rationale", "why\u{8}"),
                    ("text", &text),
                    ("action", "submit"),
                ],
                a,
            ),
            StatusCode::UNPROCESSABLE_ENTITY,
            &["rationale"],
        ),
        case(
            "a revision note with a bell",
            form(
                &format!("/proposals/{n}/revise"),
                &[
                    ("text_usability", &text),
                    ("note", "ding\u{7}"),
                    ("action", "submit"),
                ],
                a,
            ),
            StatusCode::UNPROCESSABLE_ENTITY,
            &["check the note", "control character"],
        ),
        case(
            "a review comment with a NUL byte",
            form(
                &format!("/proposals/{n}/review"),
                &[("verdict", "approve"), ("comment", "ok\0")],
                m,
            ),
            StatusCode::UNPROCESSABLE_ENTITY,
            &["control character"],
        ),
        case(
            "a rejection reason with an escape",
            form(
                &format!("/proposals/{n}/reject"),
                &[("reason", "no \u{1b}[31m")],
                m,
            ),
            StatusCode::UNPROCESSABLE_ENTITY,
            &["control character"],
        ),
        case(
            "a withdrawal reason with a NUL byte",
            form(
                &format!("/proposals/{n}/withdraw"),
                &[("reason", "gone\0")],
                a,
            ),
            StatusCode::UNPROCESSABLE_ENTITY,
            &["control character"],
        ),
        case(
            "edition notes with a NUL byte",
            form(
                "/publish",
                &[("slug", "second"), ("title", "Second"), ("notes", "n\0")],
                m,
            ),
            StatusCode::UNPROCESSABLE_ENTITY,
            &["invalid notes"],
        ),
        case(
            "an edition title with a line break",
            form(
                "/publish",
                &[("slug", "second"), ("title", "Se\ncond"), ("notes", "")],
                m,
            ),
            StatusCode::UNPROCESSABLE_ENTITY,
            &["title"],
        ),
        case(
            "a report reason with a NUL byte",
            form(
                "/report",
                &[
                    ("kind", "proposal"),
                    ("target", &n.to_string()),
                    ("reason", "spam\0"),
                ],
                o,
            ),
            StatusCode::UNPROCESSABLE_ENTITY,
            &["reason"],
        ),
        case(
            "an account name with a line break",
            form(
                "/signup",
                &[
                    ("name", "Eve\nAdmin"),
                    ("email", "eve@example.org"),
                    ("password", "long enough password"),
                ],
                None,
            ),
            StatusCode::UNPROCESSABLE_ENTITY,
            &["invisible character (u+000a)"],
        ),
        case(
            "an account name with markup",
            form(
                "/signup",
                &[
                    ("name", "<script>alert(1)</script>"),
                    ("email", "eve@example.org"),
                    ("password", "long enough password"),
                ],
                None,
            ),
            StatusCode::UNPROCESSABLE_ENTITY,
            &["cannot contain the character"],
        ),
        case(
            "an email address with a NUL byte",
            form(
                "/signup",
                &[
                    ("name", "Eve"),
                    ("email", "eve@exa\0mple.org"),
                    ("password", "long enough password"),
                ],
                None,
            ),
            StatusCode::UNPROCESSABLE_ENTITY,
            &["enter an email address like"],
        ),
        // Oversize.
        case(
            "a propose form over the body limit",
            form(
                "/sections/usability/propose",
                &[
                    ("title", "Big"),
                    ("text", &"x".repeat(quire_server::MAX_BODY_BYTES)),
                    ("action", "submit"),
                ],
                a,
            ),
            StatusCode::UNPROCESSABLE_ENTITY,
            &["the form is too large"],
        )
        .or(StatusCode::PAYLOAD_TOO_LARGE),
        case(
            "a proposed text over the section limit but under the body limit",
            form(
                "/sections/usability/propose",
                &[
                    ("title", "Big"),
                    (
                        "text",
                        &format!("# Usability\n\n{}\n", "word ".repeat(110_000)),
                    ),
                    ("action", "submit"),
                ],
                a,
            ),
            StatusCode::UNPROCESSABLE_ENTITY,
            &["kib"],
        ),
        case(
            "a ten-thousand-character title",
            form(
                "/sections/usability/propose",
                &[
                    ("title", &"t".repeat(10_000)),
                    ("text", &text),
                    ("action", "submit"),
                ],
                a,
            ),
            StatusCode::UNPROCESSABLE_ENTITY,
            &["title"],
        ),
        case(
            "a comment over 64 KiB",
            form(
                &format!("/proposals/{n}/comments"),
                &[("body", &"x".repeat(65 * 1024))],
                o,
            ),
            StatusCode::UNPROCESSABLE_ENTITY,
            &["kib"],
        ),
    ];

    // A revise form naming a thousand sections that do not exist.
    let many: Vec<(String, String)> = (0..1000)
        .map(|k| (format!("text_s-{k}"), format!("# S {k}\n\nText.\n")))
        .collect();
    let mut fields: Vec<(&str, &str)> =
        many.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    fields.push(("action", "submit"));
    cases.push(
        case(
            "a revise form naming 1,000 unknown sections",
            form(&format!("/proposals/{n}/revise"), &fields, a),
            StatusCode::NOT_FOUND,
            &["unknown section 's-0'"],
        )
        .or(StatusCode::UNPROCESSABLE_ENTITY),
    );

    // Path and ref tricks in every id a form names.
    for trick in TRICKS {
        let e = enc(trick);
        cases.push(
            case(
                &format!("a section comment on {trick:?}"),
                form(&format!("/sections/{e}/comments"), &[("body", "hi")], a),
                StatusCode::UNPROCESSABLE_ENTITY,
                &["invalid section id"],
            )
            .or(StatusCode::NOT_FOUND),
        );
        cases.push(
            case(
                &format!("proposing to section {trick:?}"),
                form(
                    &format!("/sections/{e}/propose"),
                    &[("title", "t"), ("text", &text), ("action", "submit")],
                    a,
                ),
                StatusCode::UNPROCESSABLE_ENTITY,
                &["invalid section id"],
            )
            .or(StatusCode::NOT_FOUND),
        );
        cases.push(case(
            &format!("revising with a text for section {trick:?}"),
            form(
                &format!("/proposals/{n}/revise"),
                &[(&format!("text_{trick}"), &text), ("action", "submit")],
                a,
            ),
            StatusCode::UNPROCESSABLE_ENTITY,
            &["invalid section id"],
        ));
        cases.push(case(
            &format!("publishing an edition named {trick:?}"),
            form(
                "/publish",
                &[("slug", trick), ("title", "T"), ("notes", "")],
                m,
            ),
            StatusCode::UNPROCESSABLE_ENTITY,
            &["invalid edition name"],
        ));
        for action in ["comments", "merge", "withdraw", "review"] {
            cases.push(case(
                &format!("{action} on proposal {trick:?}"),
                form(
                    &format!("/proposals/{e}/{action}"),
                    &[("body", "x"), ("reason", "x"), ("verdict", "approve")],
                    m,
                ),
                StatusCode::NOT_FOUND,
                &["page not found"],
            ));
        }
        cases.push(case(
            &format!("reporting proposal {trick:?}"),
            form(
                "/report",
                &[("kind", "proposal"), ("target", trick), ("reason", "spam")],
                o,
            ),
            StatusCode::UNPROCESSABLE_ENTITY,
            &["the proposal number is not a positive whole number"],
        ));
        cases.push(case(
            &format!("reporting a comment on section {trick:?}"),
            form(
                "/report",
                &[
                    ("kind", "section_comment"),
                    ("target", trick),
                    ("comment", "1"),
                    ("reason", "spam"),
                ],
                o,
            ),
            StatusCode::UNPROCESSABLE_ENTITY,
            &["invalid section id"],
        ));
        for action in ["hide", "redact", "unhide"] {
            cases.push(case(
                &format!("{action} comment {trick:?} on a proposal"),
                form(
                    &format!("/moderation/{action}"),
                    &[
                        ("kind", "proposal_comment"),
                        ("target", &n.to_string()),
                        ("comment", trick),
                        ("reason", "spam"),
                    ],
                    m,
                ),
                StatusCode::UNPROCESSABLE_ENTITY,
                &["the comment number is missing or not a number"],
            ));
        }
        cases.push(case(
            &format!("blocking account {trick:?}"),
            form("/moderation/block", &[("user", trick)], m),
            StatusCode::UNPROCESSABLE_ENTITY,
            &[],
        ));
        cases.push(case(
            &format!("dismissing report {trick:?}"),
            form("/moderation/dismiss", &[("report", trick)], m),
            StatusCode::UNPROCESSABLE_ENTITY,
            &[],
        ));
    }
    for id in [
        "-1",
        "4294967296",
        "99999999999999999999",
        "1.0",
        "0x1",
        " ",
    ] {
        cases.push(case(
            &format!("hiding section comment {id:?}"),
            form(
                "/moderation/hide",
                &[
                    ("kind", "section_comment"),
                    ("target", "usability"),
                    ("comment", id),
                    ("reason", "spam"),
                ],
                m,
            ),
            StatusCode::UNPROCESSABLE_ENTITY,
            &["the comment number is missing or not a number"],
        ));
    }
    run(t, cases).await;
}

#[tokio::test]
async fn hostile_api_requests_are_refused_and_change_nothing() {
    let fx = fixture();
    let t = &fx.t;
    let (c, m) = (
        Some(fx.author_token.as_str()),
        Some(fx.maintainer_token.as_str()),
    );
    let n = fx.n;
    let text = usability_plus(t, "Another line.");
    let valid_auth = format!("Bearer {}", fx.author_token);
    let mut cases = vec![
        case(
            "a JSON body that is not UTF-8",
            api_bytes(
                "/api/v1/sections/usability/comments",
                valid_auth.as_bytes(),
                [b"{\"body\": \"caf".as_slice(), &[0xe9, 0xff], b"\"}"].concat(),
            ),
            StatusCode::BAD_REQUEST,
            &["failed to parse the request body as json", "invalid unicode code point"],
        ),
        case(
            "a JSON comment with an escaped NUL",
            api(
                Method::POST,
                "/api/v1/sections/usability/comments",
                Some(json!({"body": "a\u{0}b"})),
                c,
            ),
            StatusCode::UNPROCESSABLE_ENTITY,
            &["invalid comment", "control character"],
        ),
        case(
            "a JSON title with a terminal escape",
            api(
                Method::POST,
                "/api/v1/proposals",
                Some(json!({"title": "t\u{1b}[2J", "changes": [{"section": "usability", "text": text}]})),
                c,
            ),
            StatusCode::UNPROCESSABLE_ENTITY,
            &["invalid title"],
        ),
        case(
            "a JSON text with a lone surrogate escape",
            api_bytes(
                "/api/v1/sections/usability/comments",
                valid_auth.as_bytes(),
                r#"{"body": "bad \ud800 surrogate"}"#,
            ),
            StatusCode::BAD_REQUEST,
            &["failed to parse the request body as json", "hex escape"],
        )
        .or(StatusCode::UNPROCESSABLE_ENTITY),
        case(
            "edition notes with a NUL byte",
            api(
                Method::POST,
                "/api/v1/editions",
                Some(json!({"slug": "second", "title": "Second", "notes": "n\u{0}"})),
                m,
            ),
            StatusCode::UNPROCESSABLE_ENTITY,
            &["invalid notes"],
        ),
        case(
            "a report reason with a control character",
            api(
                Method::POST,
                "/api/v1/reports",
                Some(json!({"kind": "proposal", "target": n, "reason": "x\u{7}"})),
                c,
            ),
            StatusCode::UNPROCESSABLE_ENTITY,
            &["reason"],
        ),
        case(
            "a token label with a NUL byte (the password is right)",
            api(
                Method::POST,
                "/api/v1/tokens",
                Some(json!({"email": t.first_maintainer.0, "password": t.first_maintainer.1, "label": "x\u{0}"})),
                None,
            ),
            StatusCode::UNPROCESSABLE_ENTITY,
            &["token name", "no control characters"],
        ),
        case(
            "a proposed text over the section limit but under the body limit",
            api(
                Method::POST,
                "/api/v1/proposals",
                Some(json!({"title": "Big", "changes": [{"section": "usability", "text": format!("# Usability\n\n{}\n", "word ".repeat(110_000))}]})),
                c,
            ),
            StatusCode::UNPROCESSABLE_ENTITY,
            &["kib"],
        ),
        case(
            "a JSON nested ten thousand deep",
            api_bytes(
                "/api/v1/proposals",
                valid_auth.as_bytes(),
                format!("{}{}", "[".repeat(10_000), "]".repeat(10_000)),
            ),
            StatusCode::UNPROCESSABLE_ENTITY,
            &["invalid type: sequence"],
        ),
        case(
            "an API revision of a proposal naming 1,000 sections",
            api(
                Method::POST,
                &format!("/api/v1/proposals/{n}/revisions"),
                Some(json!({"changes": (0..1000).map(|k| json!({"section": format!("s-{k}"), "text": format!("# S {k}\n\nText.\n")})).collect::<Vec<_>>()})),
                c,
            ),
            StatusCode::NOT_FOUND,
            &["unknown section 's-0'"],
        )
        .or(StatusCode::UNPROCESSABLE_ENTITY),
        case(
            "a proposal naming 1,000 sections",
            api(
                Method::POST,
                "/api/v1/proposals",
                Some(json!({"title": "Many", "changes": (0..1000).map(|k| json!({"section": format!("s-{k}"), "text": format!("# S {k}\n\nText.\n")})).collect::<Vec<_>>()})),
                c,
            ),
            StatusCode::NOT_FOUND,
            &["unknown section 's-0'"],
        )
        .or(StatusCode::UNPROCESSABLE_ENTITY),
        case(
            "a proposal naming one section 1,000 times",
            api(
                Method::POST,
                "/api/v1/proposals",
                Some(json!({"title": "Many", "changes": (0..1000).map(|_| json!({"section": "usability", "text": "# Usability\n\nShort.\n"})).collect::<Vec<_>>()})),
                c,
            ),
            StatusCode::UNPROCESSABLE_ENTITY,
            &["given twice"],
        ),
        case(
            "a moderation comment id given as a string",
            api(
                Method::POST,
                "/api/v1/moderation/hide",
                Some(json!({"kind": "proposal_comment", "target": n, "comment": "1", "reason": "spam"})),
                m,
            ),
            StatusCode::UNPROCESSABLE_ENTITY,
            &["comment"],
        ),
        case(
            "a moderation comment id that is negative",
            api(
                Method::POST,
                "/api/v1/moderation/hide",
                Some(json!({"kind": "proposal_comment", "target": n, "comment": -1, "reason": "spam"})),
                m,
            ),
            StatusCode::UNPROCESSABLE_ENTITY,
            &["comment"],
        ),
        case(
            "a proposal number beyond u64",
            api_bytes(
                "/api/v1/reports",
                valid_auth.as_bytes(),
                r#"{"kind": "proposal", "target": 18446744073709551616, "reason": "spam"}"#,
            ),
            StatusCode::UNPROCESSABLE_ENTITY,
            &[],
        )
        .or(StatusCode::BAD_REQUEST),
    ];

    for trick in TRICKS {
        let e = enc(trick);
        cases.push(case(
            &format!("a comment on section {trick:?}"),
            api(
                Method::POST,
                &format!("/api/v1/sections/{e}/comments"),
                Some(json!({"body": "hi"})),
                c,
            ),
            StatusCode::UNPROCESSABLE_ENTITY,
            &["invalid section id"],
        ));
        cases.push(case(
            &format!("a proposal for section {trick:?}"),
            api(
                Method::POST,
                "/api/v1/proposals",
                Some(json!({"title": "t", "changes": [{"section": trick, "text": text}]})),
                c,
            ),
            StatusCode::UNPROCESSABLE_ENTITY,
            &["invalid section id"],
        ));
        cases.push(case(
            &format!("a revision for section {trick:?}"),
            api(
                Method::POST,
                &format!("/api/v1/proposals/{n}/revisions"),
                Some(json!({"changes": [{"section": trick, "text": text}]})),
                c,
            ),
            StatusCode::UNPROCESSABLE_ENTITY,
            &["invalid section id"],
        ));
        cases.push(case(
            &format!("an update resolving section {trick:?}"),
            api(
                Method::POST,
                &format!("/api/v1/proposals/{n}/update"),
                Some(json!({"resolutions": [{"section": trick, "text": text}]})),
                c,
            ),
            StatusCode::UNPROCESSABLE_ENTITY,
            &[],
        ));
        cases.push(case(
            &format!("a proposal based on {trick:?}"),
            api(
                Method::POST,
                "/api/v1/proposals",
                Some(json!({"title": "t", "base": trick, "changes": [{"section": "usability", "text": text}]})),
                c,
            ),
            StatusCode::NOT_FOUND,
            &["unknown edition or revision"],
        )
        .or(StatusCode::UNPROCESSABLE_ENTITY),
        );
        cases.push(case(
            &format!("an edition named {trick:?}"),
            api(
                Method::POST,
                "/api/v1/editions",
                Some(json!({"slug": trick, "title": "T"})),
                m,
            ),
            StatusCode::UNPROCESSABLE_ENTITY,
            &["invalid edition name"],
        ));
        for (action, body) in [
            ("merge", json!({})),
            ("withdraw", json!({"reason": "x"})),
            ("comments", json!({"body": "x"})),
            ("reject", json!({"reason": "x"})),
            ("reviews", json!({"verdict": "approve"})),
        ] {
            cases.push(case(
                &format!("{action} proposal {trick:?}"),
                api(
                    Method::POST,
                    &format!("/api/v1/proposals/{e}/{action}"),
                    Some(body),
                    m,
                ),
                StatusCode::UNPROCESSABLE_ENTITY,
                &["invalid proposal number"],
            ));
        }
        cases.push(case(
            &format!("a report on proposal {trick:?}"),
            api(
                Method::POST,
                "/api/v1/reports",
                Some(json!({"kind": "proposal", "target": trick, "reason": "spam"})),
                c,
            ),
            StatusCode::UNPROCESSABLE_ENTITY,
            &["invalid proposal number"],
        ));
        cases.push(case(
            &format!("a report on a comment of section {trick:?}"),
            api(
                Method::POST,
                "/api/v1/reports",
                Some(json!({"kind": "section_comment", "target": trick, "comment": 1, "reason": "spam"})),
                c,
            ),
            StatusCode::UNPROCESSABLE_ENTITY,
            &["invalid section id"],
        ));
        cases.push(case(
            &format!("resolving report {trick:?}"),
            api(
                Method::POST,
                &format!("/api/v1/reports/{e}/resolve"),
                Some(json!({})),
                m,
            ),
            StatusCode::UNPROCESSABLE_ENTITY,
            &[],
        ));
    }

    // Malformed bearer tokens: every one is 401 and nothing is written.
    let token = fx.author_token.clone();
    let session = fx.author.token.clone();
    let bad_auth: Vec<(String, Vec<u8>)> = vec![
        (
            "a space inside the token".into(),
            format!("Bearer {} {}", &token[..10], &token[10..]).into_bytes(),
        ),
        (
            "two tokens".into(),
            format!("Bearer {token} {token}").into_bytes(),
        ),
        (
            "a tab instead of the space".into(),
            format!("Bearer\t{token}").into_bytes(),
        ),
        (
            "a lowercase scheme".into(),
            format!("bearer {token}").into_bytes(),
        ),
        ("no scheme".into(), token.clone().into_bytes()),
        (
            "a comma after the token".into(),
            format!("Bearer {token},").into_bytes(),
        ),
        (
            "a session cookie's token".into(),
            format!("Bearer {session}").into_bytes(),
        ),
        (
            "a token of 10,000 characters".into(),
            format!("Bearer {}", "q".repeat(10_000)).into_bytes(),
        ),
        (
            "non-ASCII bytes".into(),
            [
                b"Bearer qt_".as_slice(),
                "é".as_bytes(),
                &token.as_bytes()[3..],
            ]
            .concat(),
        ),
        (
            "Latin-1 bytes".into(),
            [b"Bearer ".as_slice(), &[0xe9, 0xff]].concat(),
        ),
        (
            "a quoted token".into(),
            format!("Bearer \"{token}\"").into_bytes(),
        ),
    ];
    for (what, auth) in bad_auth {
        cases.push(case(
            &format!("a bearer token with {what}"),
            api_bytes(
                "/api/v1/sections/usability/comments",
                &auth,
                r#"{"body": "hello"}"#,
            ),
            StatusCode::UNAUTHORIZED,
            &["sign in"],
        ));
    }
    run(t, cases).await;
}

/// Reads the `quire_session` value a response sets, if any.
fn session_set(r: &Resp) -> Option<String> {
    r.headers
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|v| v.strip_prefix("quire_session="))
        .map(|v| v.split(';').next().unwrap_or("").to_string())
}

async fn signed_in_as(t: &TestApp, token: &str) -> Option<String> {
    let r = t
        .send(
            Request::builder()
                .uri("/")
                .header(header::COOKIE, format!("quire_session={token}"))
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    let text = readable(&r.body);
    let at = text.find("signed in as <strong>")?;
    let rest = &text[at + "signed in as <strong>".len()..];
    Some(rest[..rest.find('<')?].to_string())
}

#[tokio::test]
async fn a_session_cookie_set_before_signing_in_never_becomes_the_signed_in_session() {
    let t = TestApp::new();
    t.state
        .store()
        .create_user(
            "Victim Person",
            "victim@example.org",
            "victim's long password",
            Role::Maintainer,
        )
        .unwrap();
    let sign_in = |planted: &str| {
        raw_form(
            "/signin",
            serde_urlencoded::to_string([
                ("csrf", form_token_for(Some(planted)).as_str()),
                ("email", "victim@example.org"),
                ("password", "victim's long password"),
            ])
            .unwrap(),
            &format!("quire_csrf={CSRF}; quire_session={planted}"),
        )
    };

    // 1. A token the attacker made up.
    let planted = "attackerchosensessiontoken0123456789";
    assert_eq!(signed_in_as(&t, planted).await, None);
    let r = t.send(sign_in(planted)).await;
    r.assert_status(StatusCode::SEE_OTHER);
    let new = session_set(&r).expect("signing in sets a session cookie");
    assert_ne!(new, planted);
    assert_eq!(signed_in_as(&t, planted).await, None);
    assert!(t.state.store().session_user(planted).unwrap().is_none());
    assert_eq!(
        signed_in_as(&t, &new).await.as_deref(),
        Some("victim person")
    );

    // 2. A real session of the attacker's own account, planted in the victim's browser:
    // signing in gives a new token and ends the planted session, so the attacker's copy
    // of it does not become the victim's session (nor stays the attacker's).
    let attacker = t.session("Attacker Person", Role::Contributor);
    assert_eq!(
        signed_in_as(&t, &attacker.token).await.as_deref(),
        Some("attacker person")
    );
    let r = t.send(sign_in(&attacker.token)).await;
    r.assert_status(StatusCode::SEE_OTHER);
    let new = session_set(&r).expect("signing in sets a session cookie");
    assert_ne!(new, attacker.token);
    assert_eq!(signed_in_as(&t, &attacker.token).await, None);
    assert!(t
        .state
        .store()
        .session_user(&attacker.token)
        .unwrap()
        .is_none());
    assert_eq!(
        signed_in_as(&t, &new).await.as_deref(),
        Some("victim person")
    );

    // 3. Signing up with a planted cookie also starts a fresh session.
    let r = t
        .send(raw_form(
            "/signup",
            serde_urlencoded::to_string([
                ("csrf", form_token_for(Some(planted)).as_str()),
                ("name", "New Person"),
                ("email", "new@example.org"),
                ("password", "a long enough password"),
            ])
            .unwrap(),
            &format!("quire_csrf={CSRF}; quire_session={planted}"),
        ))
        .await;
    r.assert_status(StatusCode::SEE_OTHER);
    let new = session_set(&r).expect("signing up sets a session cookie");
    assert_ne!(new, planted);
    assert_eq!(signed_in_as(&t, planted).await, None);

    // 4. An API token is not a session.
    let (_, api_token) = t.api_token("Api Person", Role::Maintainer);
    assert_eq!(signed_in_as(&t, &api_token).await, None);

    // 5. A role sent with the sign-up form is ignored: every new account is a contributor.
    let r = t
        .send(form(
            "/signup",
            &[
                ("name", "Mallory"),
                ("email", "mallory@example.org"),
                ("password", "a long enough password"),
                ("role", "maintainer"),
            ],
            None,
        ))
        .await;
    r.assert_status(StatusCode::SEE_OTHER);
    let mallory = t
        .state
        .store()
        .verify_login("mallory@example.org", "a long enough password")
        .unwrap()
        .unwrap();
    assert_eq!(mallory.role, Role::Contributor);
}

#[tokio::test]
async fn stale_revisions_are_refused() {
    let fx = fixture();
    let t = &fx.t;
    let n = fx.n;
    let (a, m) = (Some(&fx.author), Some(&fx.maintainer));

    // The review form says which revision the verdict is on, and carries its number.
    let page = t.send(get(&format!("/proposals/{n}"), m)).await;
    page.assert_status(StatusCode::OK)
        .assert_contains("Your verdict on revision 1")
        .assert_contains("name=\"revision\" value=\"1\"");
    // The author revises while the maintainer reads revision 1.
    t.send(form(
        &format!("/proposals/{n}/revise"),
        &[
            ("text_usability", &usability_plus(t, "Revised line.")),
            ("action", "submit"),
        ],
        a,
    ))
    .await
    .assert_status(StatusCode::SEE_OTHER);
    assert_eq!(t.lib().proposal(n).unwrap().latest().number, 2);

    let mut cases = vec![
        case(
            "approving revision 1 when revision 2 is the latest",
            form(
                &format!("/proposals/{n}/review"),
                &[("verdict", "approve"), ("revision", "1")],
                m,
            ),
            StatusCode::CONFLICT,
            &[
                "was revised since you loaded the page",
                "revision 1",
                "the latest is revision 2",
            ],
        ),
        case(
            "approving revision 1 through the API when revision 2 is the latest",
            api(
                Method::POST,
                &format!("/api/v1/proposals/{n}/reviews"),
                Some(json!({"verdict": "approve", "revision": 1})),
                Some(&fx.maintainer_token),
            ),
            StatusCode::CONFLICT,
            &["was revised", "revision 1", "the latest is revision 2"],
        ),
        case(
            "a review form whose revision is not a number",
            form(
                &format!("/proposals/{n}/review"),
                &[("verdict", "approve"), ("revision", "1~1")],
                m,
            ),
            StatusCode::UNPROCESSABLE_ENTITY,
            &["invalid revision"],
        ),
    ];
    for trick in ["..", "@{", "refs/heads/main", "-1", "99999999999"] {
        cases.push(
            case(
                &format!("viewing revision {trick:?}"),
                get(&format!("/proposals/{n}?rev={}", enc(trick)), None),
                StatusCode::NOT_FOUND,
                &[],
            )
            .or(StatusCode::UNPROCESSABLE_ENTITY),
        );
        cases.push(case(
            &format!("the API diff of revision {trick:?}"),
            api(
                Method::GET,
                &format!("/api/v1/proposals/{n}/diff?rev={}", enc(trick)),
                None,
                None,
            ),
            StatusCode::UNPROCESSABLE_ENTITY,
            &[],
        ));
        for (from, to) in [(trick, "main"), ("main", trick)] {
            cases.push(
                case(
                    &format!("comparing {from:?} with {to:?}"),
                    get(&format!("/compare?from={}&to={}", enc(from), enc(to)), None),
                    StatusCode::NOT_FOUND,
                    &[],
                )
                .or(StatusCode::UNPROCESSABLE_ENTITY),
            );
        }
    }
    run(t, cases).await;

    // Approved at revision 2, then revised again: merging (the form carries no revision;
    // the library only merges an approved latest revision) is refused.
    t.send(form(
        &format!("/proposals/{n}/review"),
        &[("verdict", "approve"), ("revision", "2")],
        m,
    ))
    .await
    .assert_status(StatusCode::SEE_OTHER);
    t.send(form(
        &format!("/proposals/{n}/revise"),
        &[
            ("text_usability", &usability_plus(t, "Revised once more.")),
            ("action", "submit"),
        ],
        a,
    ))
    .await
    .assert_status(StatusCode::SEE_OTHER);
    let cases = vec![
        case(
            "merging through the form after the approved revision was superseded",
            form(&format!("/proposals/{n}/merge"), &[], m),
            StatusCode::CONFLICT,
            &["cannot be merged yet"],
        ),
        case(
            "merging through the API after the approved revision was superseded",
            api(
                Method::POST,
                &format!("/api/v1/proposals/{n}/merge"),
                Some(json!({})),
                Some(&fx.maintainer_token),
            ),
            StatusCode::CONFLICT,
            &["cannot be merged yet"],
        ),
    ];
    run(t, cases).await;

    // Once merged, the proposal has moved on: revising, updating, reviewing, withdrawing
    // and merging again are refused.
    t.send(form(
        &format!("/proposals/{n}/review"),
        &[("verdict", "approve"), ("revision", "3")],
        m,
    ))
    .await
    .assert_status(StatusCode::SEE_OTHER);
    t.send(form(&format!("/proposals/{n}/merge"), &[], m))
        .await
        .assert_status(StatusCode::SEE_OTHER);
    let text = usability_plus(t, "After the merge.");
    let ct = Some(fx.author_token.as_str());
    let cases = vec![
        case(
            "revising a merged proposal (form)",
            form(
                &format!("/proposals/{n}/revise"),
                &[("text_usability", &text), ("action", "submit")],
                a,
            ),
            StatusCode::CONFLICT,
            &["is merged", "only an open proposal can be revised"],
        ),
        case(
            "revising a merged proposal (API)",
            api(
                Method::POST,
                &format!("/api/v1/proposals/{n}/revisions"),
                Some(json!({"changes": [{"section": "usability", "text": text}]})),
                ct,
            ),
            StatusCode::CONFLICT,
            &["is merged"],
        ),
        case(
            "updating a merged proposal (form)",
            form(&format!("/proposals/{n}/update"), &[], a),
            StatusCode::CONFLICT,
            &["is merged"],
        ),
        case(
            "updating a merged proposal (API)",
            api(
                Method::POST,
                &format!("/api/v1/proposals/{n}/update"),
                Some(json!({})),
                ct,
            ),
            StatusCode::CONFLICT,
            &["is merged"],
        ),
        case(
            "withdrawing a merged proposal",
            form(&format!("/proposals/{n}/withdraw"), &[("reason", "r")], a),
            StatusCode::CONFLICT,
            &["is merged"],
        ),
        case(
            "reviewing a merged proposal",
            form(
                &format!("/proposals/{n}/review"),
                &[("verdict", "approve"), ("revision", "3")],
                m,
            ),
            StatusCode::CONFLICT,
            &["is merged"],
        ),
        case(
            "merging a merged proposal again",
            form(&format!("/proposals/{n}/merge"), &[], m),
            StatusCode::CONFLICT,
            &["is merged"],
        ),
    ];
    run(t, cases).await;
}

/// Every tag of a page: its name and its attributes as (name, value), for checking that
/// nothing a user wrote became markup.
fn tags(html: &str) -> Vec<(String, Vec<(String, String)>)> {
    let mut out = Vec::new();
    let mut rest = html;
    while let Some(at) = rest.find('<') {
        rest = &rest[at + 1..];
        let end = rest.find('>').unwrap_or(rest.len());
        let inner = &rest[..end];
        rest = &rest[end..];
        if inner.starts_with('!') || inner.starts_with('?') {
            continue;
        }
        let inner = inner.trim_start_matches('/');
        let name_len = inner
            .find(|c: char| c.is_whitespace() || c == '/')
            .unwrap_or(inner.len());
        let name = inner[..name_len].to_ascii_lowercase();
        let mut attrs = Vec::new();
        let mut s = &inner[name_len..];
        loop {
            s = s.trim_start_matches(|c: char| c.is_whitespace() || c == '/');
            if s.is_empty() {
                break;
            }
            let n_end = s
                .find(|c: char| c == '=' || c.is_whitespace())
                .unwrap_or(s.len());
            let attr = s[..n_end].to_ascii_lowercase();
            s = &s[n_end..];
            let mut value = String::new();
            if let Some(after) = s.strip_prefix('=') {
                let (v, after) = match after.chars().next() {
                    Some(q @ ('"' | '\'')) => {
                        let body = &after[1..];
                        let close = body.find(q).unwrap_or(body.len());
                        (&body[..close], body.get(close + 1..).unwrap_or(""))
                    }
                    _ => {
                        let close = after.find(char::is_whitespace).unwrap_or(after.len());
                        (&after[..close], &after[close..])
                    }
                };
                value = v.to_string();
                s = after;
            }
            attrs.push((attr, value));
        }
        out.push((name, attrs));
    }
    out
}

/// No script can run from the page: no script, iframe, object, embed or svg element, no
/// event-handler attribute, no `javascript:` or `data:` URL.
fn assert_inert(path: &str, html: &str) {
    for (name, attrs) in tags(html) {
        assert!(
            !["script", "iframe", "object", "embed", "svg", "math", "base"]
                .contains(&name.as_str()),
            "{path}: a <{name}> element"
        );
        for (attr, value) in attrs {
            assert!(
                !attr.starts_with("on"),
                "{path}: a handler {attr}={value:?} on <{name}>"
            );
            let v: String = readable(&value)
                .chars()
                .filter(|c| !c.is_whitespace() && !c.is_control())
                .collect();
            assert!(
                !v.starts_with("javascript:")
                    && !v.starts_with("data:text")
                    && !v.starts_with("vbscript:"),
                "{path}: {attr}={value:?} on <{name}>"
            );
        }
    }
}

#[tokio::test]
async fn markup_written_anywhere_is_rendered_inert_everywhere() {
    let fx = fixture();
    let t = &fx.t;
    let (a, m, o) = (Some(&fx.author), Some(&fx.maintainer), Some(&fx.other));
    let payload = "<script>alert(1)</script> <svg onload=alert(2)><circle/></svg> \
        <img src=x onerror=alert(3)> [link](javascript:alert(4)) \
        <a href=\"jav&#x09;ascript:alert(5)\">x</a> <iframe src=\"https://example.org\"></iframe>";
    let block = "<div onclick=\"alert(6)\">\n\n**raw block**\n\n</div>\n\n<style>body{display:none}</style>";
    let text = usability_plus(t, &format!("{payload}\n\n{block}"));
    let title = "<svg/onload=alert(7)> <script>alert(8)</script>";

    // Written through every form that takes text.
    t.send(form(
        "/sections/usability/comments",
        &[("body", &format!("{payload}\n\n{block}"))],
        o,
    ))
    .await
    .assert_status(StatusCode::SEE_OTHER);
    let r = t
        .send(form(
            "/sections/usability/propose",
            &[
                ("title", title),
                ("rationale", &format!("{payload}\n\n{block}")),
                ("text", &text),
                ("action", "submit"),
            ],
            a,
        ))
        .await;
    r.assert_status(StatusCode::SEE_OTHER);
    let p: u64 = r
        .location()
        .and_then(|l| l.strip_prefix("/proposals/"))
        .and_then(|n| n.parse().ok())
        .unwrap();
    t.send(form(
        &format!("/proposals/{p}/comments"),
        &[("body", payload)],
        o,
    ))
    .await
    .assert_status(StatusCode::SEE_OTHER);
    t.send(form(
        &format!("/proposals/{p}/review"),
        &[("verdict", "approve"), ("comment", payload)],
        m,
    ))
    .await
    .assert_status(StatusCode::SEE_OTHER);
    t.send(form(&format!("/proposals/{p}/merge"), &[], m))
        .await
        .assert_status(StatusCode::SEE_OTHER);
    t.send(form(
        "/report",
        &[
            ("kind", "proposal"),
            ("target", &p.to_string()),
            ("reason", payload),
        ],
        o,
    ))
    .await
    .assert_status(StatusCode::SEE_OTHER);
    t.send(form(
        "/publish",
        &[
            ("slug", "second"),
            ("title", "<img src=x onerror=alert(9)>"),
            ("notes", &format!("{payload}\n\n{block}")),
        ],
        m,
    ))
    .await
    .assert_status(StatusCode::SEE_OTHER);

    // Read back on every page, by a visitor and by a maintainer.
    let n = fx.n;
    for path in [
        "/".to_string(),
        "/sections/usability".into(),
        "/editions/second/sections/usability".into(),
        "/proposals".into(),
        format!("/proposals/{p}"),
        format!("/proposals/{p}?view=side"),
        format!("/proposals/{p}?view=preview"),
        format!("/proposals/{n}"),
        "/editions".into(),
        "/editions/second".into(),
        "/editions/second/changelog".into(),
        "/compare?from=first&to=second".into(),
        "/feeds/proposals.atom".into(),
        "/feeds/editions.atom".into(),
        "/moderation".into(),
        "/publish".into(),
    ] {
        for who in [None, m] {
            if who.is_none() && (path == "/moderation" || path == "/publish") {
                continue;
            }
            let r = t.send(get(&path, who)).await;
            r.assert_status(StatusCode::OK);
            if path.ends_with(".atom") {
                // XML: the payload appears only escaped (as text or in escaped HTML).
                assert!(!r.body.contains("<script"), "{path}");
                assert!(!r.body.contains("<svg"), "{path}");
                continue;
            }
            assert_inert(&path, &r.body);
        }
    }
    // The JSON API gives the text back as it was written, as JSON strings.
    let r = t
        .send(api(
            Method::GET,
            &format!("/api/v1/proposals/{p}"),
            None,
            None,
        ))
        .await;
    r.assert_status(StatusCode::OK);
    assert_eq!(r.json()["proposal"]["title"], title);
}

// ---------------------------------------------------------------------------------------
// Hardening: each defect found by trying the server as an attacker, pinned by name.

/// Merges a change to `usability` that appends `tail`; returns the new text.
fn merge_usability_tail(fx: &Fixture, tail: &str) -> String {
    let t = &fx.t;
    let n = t.propose_paragraph(&fx.author.user.identity(), "usability", "Tail", tail);
    t.approve_and_merge(n, &fx.maintainer.user.identity());
    t.lib().section("usability", "main").unwrap().text
}

#[tokio::test]
async fn unclosed_style_does_not_hide_later_blocks() {
    let fx = fixture();
    let t = &fx.t;
    for open in ["<style>", "<script>", "<!--"] {
        let later = format!(
            "Still shown after {}",
            open.trim_matches(['<', '>', '!', '-'])
        );
        let text = merge_usability_tail(
            &fx,
            &format!("{open}\n\n{later}, as a paragraph.\n\n- And {later} in a list."),
        );
        let page = t.get("/sections/usability", None).await;
        page.assert_status(StatusCode::OK);
        assert!(
            page.body
                .contains(&format!("<p>{later}, as a paragraph.</p>")),
            "{open}"
        );
        assert!(
            page.body
                .contains(&format!("<li>And {later} in a list.</li>")),
            "{open}"
        );
        assert_inert("/sections/usability", &page.body);
        assert!(!page.body.contains("<style"), "{open}");
        // The export renders the section the same way: the rest is there too.
        let exported = quire_export::render_section(&text, "");
        assert!(
            exported
                .html
                .contains(&format!("{later}, as a paragraph.</p>")),
            "{open}"
        );
        assert!(
            exported
                .html
                .contains(&format!("And {later} in a list.</li>")),
            "{open}"
        );
    }
}

#[tokio::test]
async fn unclosed_link_does_not_wrap_the_page() {
    let fx = fixture();
    let t = &fx.t;
    merge_usability_tail(
        &fx,
        "A <a href=\"https://example.org/open\">link left open\n\nAfter the link.",
    );
    let page = t.get("/sections/usability", None).await;
    page.assert_status(StatusCode::OK);
    // One link, ending with its paragraph; the next paragraph and the page are not in it.
    assert_eq!(
        page.body
            .matches("href=\"https://example.org/open\"")
            .count(),
        1,
        "{}",
        page.body
    );
    assert!(
        page.body.contains("<p>After the link.</p>"),
        "{}",
        page.body
    );
}

#[tokio::test]
async fn read_path_under_a_file_is_404_not_500() {
    let fx = fixture();
    for path in [
        "/read/first/index.html/",
        "/read/first/index.html/x.html",
        "/read/first/sections/usability.html/index.html",
    ] {
        fx.t.get(path, None)
            .await
            .assert_status(StatusCode::NOT_FOUND);
    }
    fx.t.get("/read/first/index.html", None)
        .await
        .assert_status(StatusCode::OK);
}

#[tokio::test]
async fn feed_links_ignore_host_header() {
    let feeds = ["/feeds/proposals.atom", "/feeds/editions.atom"];
    let hostile = |path: &str| {
        Request::builder()
            .uri(path)
            .header(header::HOST, "attacker.example")
            .body(Body::empty())
            .unwrap()
    };
    // No public URL (and not served on a socket): links are on http://localhost.
    let fx = fixture();
    for f in feeds {
        let r = fx.t.send(hostile(f)).await;
        r.assert_status(StatusCode::OK);
        assert!(!r.body.contains("attacker.example"), "{f}: {}", r.body);
        assert!(
            r.body.contains("href=\"http://localhost/"),
            "{f}: {}",
            r.body
        );
    }
    // With one: every link is on it.
    let t = TestApp::with_config(|c| c.public_url = Some("https://quire.example.org".into()));
    let lib = t.lib();
    let m = t.maintainer();
    lib.publish("first", "First", "", &m.user.identity())
        .unwrap();
    for f in feeds {
        let r = t.send(hostile(f)).await;
        r.assert_status(StatusCode::OK);
        assert!(!r.body.contains("attacker.example"), "{f}: {}", r.body);
        let doc = roxmltree::Document::parse(&r.body).unwrap();
        let hrefs: Vec<&str> = doc
            .descendants()
            .filter_map(|n| n.attribute("href"))
            .collect();
        assert!(!hrefs.is_empty(), "{f}");
        for h in hrefs {
            assert!(h.starts_with("https://quire.example.org/"), "{f}: {h}");
        }
    }
}

/// A body over the limit, refused by the body limit before any handler runs.
async fn api_413_is_json_inner() {
    let t = TestApp::new();
    let (_, token) = t.api_token("Big Body", Role::Contributor);
    let big = format!(
        "{{\"title\":\"x\",\"rationale\":\"{}\"}}",
        "a".repeat(700 * 1024)
    );
    let len = big.len();
    let req = Request::builder()
        .method(Method::POST)
        .uri("/api/v1/proposals")
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .header(header::CONTENT_TYPE, "application/json")
        .header(header::CONTENT_LENGTH, len)
        .body(Body::from(big))
        .unwrap();
    let r = t.send(req).await;
    r.assert_status(StatusCode::PAYLOAD_TOO_LARGE);
    assert!(
        r.headers[header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("application/json"),
        "{:?}",
        r.headers
    );
    assert_eq!(r.json()["error"]["status"], 413);
    assert!(r.json()["error"]["message"]
        .as_str()
        .unwrap()
        .contains("KiB"));
}

#[tokio::test]
async fn api_413_is_json() {
    api_413_is_json_inner().await;
    // And the other refusals made outside the API's handlers: wrong media type, wrong
    // method, no such endpoint.
    let t = TestApp::new();
    let (_, token) = t.api_token("Some One", Role::Contributor);
    let cases = [
        (
            t.api_raw(
                Method::POST,
                "/api/v1/proposals",
                Some(&format!("Bearer {token}")),
                Some("text/plain"),
                "{}",
            )
            .await,
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
        ),
        (
            t.api_raw(Method::DELETE, "/api/v1/openapi.json", None, None, "")
                .await,
            StatusCode::METHOD_NOT_ALLOWED,
        ),
        (
            t.api_raw(Method::GET, "/api/v1/nothing/here", None, None, "")
                .await,
            StatusCode::NOT_FOUND,
        ),
    ];
    for (r, status) in cases {
        r.assert_status(status);
        assert_eq!(r.json()["error"]["status"], status.as_u16(), "{}", r.body);
    }
}

#[cfg(unix)]
#[tokio::test]
async fn store_file_is_private() {
    use std::os::unix::fs::PermissionsExt;
    let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    let t = TestApp::new();
    let data = t.dir.path().join("data");
    let store = data.join("accounts.sqlite3");
    assert_eq!(mode(&data), 0o700);
    assert_eq!(mode(&store), 0o600);
    for suffix in ["-wal", "-shm"] {
        let p = data.join(format!("accounts.sqlite3{suffix}"));
        if p.exists() {
            assert_eq!(mode(&p), 0o600, "{suffix}");
        }
    }
    // A data directory left open by an older version is made private at start.
    let set = |p: &std::path::Path, m: u32| {
        std::fs::set_permissions(p, std::fs::Permissions::from_mode(m)).unwrap()
    };
    set(&data, 0o755);
    set(&store, 0o644);
    let (_again, _) = quire_server::AppState::open(quire_server::Config::new(&data)).unwrap();
    assert_eq!(mode(&data), 0o700);
    assert_eq!(mode(&store), 0o600);
}

/// Reads from `s` until it is closed (or fails); true if that happened within `limit`.
async fn closed_within(s: &mut tokio::net::TcpStream, limit: std::time::Duration) -> bool {
    use tokio::io::AsyncReadExt;
    let mut buf = [0u8; 4096];
    let waited = tokio::time::timeout(limit, async {
        loop {
            match s.read(&mut buf).await {
                Ok(0) | Err(_) => return,
                Ok(_) => {}
            }
        }
    })
    .await;
    waited.is_ok()
}

#[tokio::test]
async fn slow_header_connection_is_closed() {
    use tokio::io::AsyncWriteExt;
    let t = TestApp::with_config(|c| c.header_timeout = std::time::Duration::from_secs(1));
    let addr = t.serve().await;
    let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
    // One byte every 300 ms: the whole header would take about 10 s.
    let request = b"GET /static/quire.css HTTP/1.1\r\nHost: localhost\r\n\r\n";
    let mut closed = false;
    for b in request {
        if s.write_all(&[*b]).await.is_err() {
            closed = true;
            break;
        }
        if closed_within(&mut s, std::time::Duration::from_millis(300)).await {
            closed = true;
            break;
        }
    }
    assert!(closed, "the server waited for the whole slow header");
    // The server still answers a normal request.
    let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
    s.write_all(b"GET /static/quire.css HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
        .await
        .unwrap();
    let mut out = Vec::new();
    tokio::io::AsyncReadExt::read_to_end(&mut s, &mut out)
        .await
        .unwrap();
    assert!(
        out.starts_with(b"HTTP/1.1 200"),
        "{}",
        String::from_utf8_lossy(&out)
    );
}

#[tokio::test]
async fn idle_connections_are_closed() {
    use tokio::io::AsyncWriteExt;
    let t = TestApp::with_config(|c| c.header_timeout = std::time::Duration::from_secs(1));
    let addr = t.serve().await;
    let mut idle = Vec::new();
    for _ in 0..50 {
        idle.push(tokio::net::TcpStream::connect(addr).await.unwrap());
    }
    // A kept-alive connection that finished a request and then sent nothing more.
    let mut kept = tokio::net::TcpStream::connect(addr).await.unwrap();
    kept.write_all(b"GET /static/quire.css HTTP/1.1\r\nHost: localhost\r\n\r\n")
        .await
        .unwrap();
    idle.push(kept);
    for (i, s) in idle.iter_mut().enumerate() {
        assert!(
            closed_within(s, std::time::Duration::from_secs(10)).await,
            "connection {i} was kept open"
        );
    }
}

#[tokio::test]
async fn failed_writes_do_not_spend_allowance() {
    let t = TestApp::with_limits(2, 100);
    let (_, token) = t.api_token("Tip Typo", Role::Maintainer);
    let comment = |body: Value| {
        api(
            Method::POST,
            "/api/v1/sections/usability/comments",
            Some(body),
            Some(&token),
        )
    };
    // Five mistakes (an empty comment, an unknown section): refused, and free.
    for _ in 0..4 {
        t.send(comment(json!({"body": ""})))
            .await
            .assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    }
    t.send(api(
        Method::POST,
        "/api/v1/sections/no-such-section/comments",
        Some(json!({"body": "hi"})),
        Some(&token),
    ))
    .await
    .assert_status(StatusCode::NOT_FOUND);
    // Then both writes of the allowance still go through, and the third is refused.
    for _ in 0..2 {
        t.send(comment(json!({"body": "hello"})))
            .await
            .assert_status(StatusCode::CREATED);
    }
    t.send(comment(json!({"body": "hello"})))
        .await
        .assert_status(StatusCode::TOO_MANY_REQUESTS);
    // Failures are not unlimited either: every attempt counts against four times the
    // allowance (8 here; 5 + 2 + 1 spent), so a ninth bad request is refused.
    t.send(comment(json!({"body": ""})))
        .await
        .assert_status(StatusCode::TOO_MANY_REQUESTS);
}

#[tokio::test]
async fn forwarded_for_ignored_unless_proxy_trusted() {
    use axum::extract::ConnectInfo;
    let token_request = |forwarded: &str| {
        let mut req = api(
            Method::POST,
            "/api/v1/tokens",
            Some(json!({"email": "x@example.org", "password": "wrong"})),
            None,
        );
        req.headers_mut()
            .insert("x-forwarded-for", forwarded.parse().unwrap());
        req.extensions_mut()
            .insert(ConnectInfo(std::net::SocketAddr::from((
                [10, 0, 0, 2],
                40_000,
            ))));
        req
    };
    // No proxy trusted: a forged X-Forwarded-For does not give a fresh allowance.
    let t = TestApp::with_limits(100, 2);
    for (i, client) in ["203.0.113.1", "203.0.113.2", "203.0.113.3"]
        .iter()
        .enumerate()
    {
        let want = if i < 2 {
            StatusCode::UNAUTHORIZED
        } else {
            StatusCode::TOO_MANY_REQUESTS
        };
        t.send(token_request(client)).await.assert_status(want);
    }
    // The proxy trusted: each client behind it has its own allowance, and only the
    // right-most untrusted address counts (a forged one to its left does not).
    let t = TestApp::with_config(|c| {
        c.auth_attempts_per_minute = 2;
        c.trusted_proxies = vec!["10.0.0.0/8".parse().unwrap()];
    });
    for client in ["203.0.113.1", "203.0.113.2", "203.0.113.3"] {
        t.send(token_request(client))
            .await
            .assert_status(StatusCode::UNAUTHORIZED);
    }
    t.send(token_request("1.1.1.1, 203.0.113.1"))
        .await
        .assert_status(StatusCode::UNAUTHORIZED);
    t.send(token_request("1.1.1.2, 203.0.113.1"))
        .await
        .assert_status(StatusCode::TOO_MANY_REQUESTS);
}

/// Texts built to make a renderer or diff work hard, as large as a form can carry (the
/// markup characters are sent percent-encoded, three bytes each, within the 600 KiB body
/// limit; the benchmark `quire-prose --example hostile` takes them to 512 KiB).
fn hostile_texts() -> Vec<(&'static str, String)> {
    let max = 190 * 1024;
    let fill = |unit: &str| unit.repeat(max / unit.len());
    let texts = vec![
        ("nested divs", format!("# T\n\n{}", "<div>".repeat(max / 5))),
        (
            "nested lists",
            (0..20_000)
                .map(|i| format!("{}- x\n", "  ".repeat(i % 100)))
                .collect(),
        ),
        ("nested quotes", format!("{}x", "> ".repeat(max / 2))),
        ("emphasis", fill("*a ")),
        ("strong and emphasis", fill("**_")),
        ("brackets", fill("[")),
        ("links", fill("[a](")),
        ("unclosed links", fill("<a href=\"https://e.org\">x\n\n")),
        ("unclosed styles", fill("<style>\n\nx\n\n")),
    ];
    // Cut each to what fits in a form.
    texts
        .into_iter()
        .map(|(what, mut text)| {
            while serde_urlencoded::to_string([("text", &text)])
                .unwrap()
                .len()
                > 560 * 1024
            {
                text.truncate(text.len() * 9 / 10);
            }
            (what, text)
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_previews_answer_and_do_not_stall_other_requests() {
    let t = std::sync::Arc::new(TestApp::new());
    let author = t.contributor();
    for (what, text) in hostile_texts() {
        // Two previews at once, and a page beside them.
        let preview = || {
            let (t, author, text) = (t.clone(), author.clone(), text.clone());
            tokio::spawn(async move {
                t.send(form(
                    "/sections/usability/propose",
                    &[
                        ("title", "x"),
                        ("rationale", "x"),
                        ("text", &text),
                        ("action", "preview"),
                    ],
                    Some(&author),
                ))
                .await
            })
        };
        let (a, b) = (preview(), preview());
        let css = t.get("/static/quire.css", None).await;
        css.assert_status(StatusCode::OK);
        for r in [a.await.unwrap(), b.await.unwrap()] {
            r.assert_status(StatusCode::OK);
            assert_inert(what, &r.body);
            assert!(!r.body.contains("<div><div><div>"), "{what}");
        }
    }
    // The most complex ones are shown as text, with a notice.
    let r = t
        .send(form(
            "/sections/usability/propose",
            &[
                ("title", "x"),
                ("rationale", "x"),
                ("text", &hostile_texts()[0].1),
                ("action", "preview"),
            ],
            Some(&author),
        ))
        .await;
    r.assert_contains(quire_core::prose::safe::FALLBACK_NOTICE);
}

#[tokio::test]
async fn slow_body_is_cut_off() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let t = TestApp::with_config(|c| c.body_timeout = std::time::Duration::from_secs(1));
    let addr = t.serve().await;
    let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
    // A body announced as 100 bytes, of which 10 arrive, then nothing.
    s.write_all(
        b"POST /api/v1/tokens HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"email\":",
    )
    .await
    .unwrap();
    let mut out = Vec::new();
    let read = tokio::time::timeout(std::time::Duration::from_secs(10), async {
        let mut buf = [0u8; 4096];
        loop {
            match s.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => {
                    out.extend_from_slice(&buf[..n]);
                    if out.windows(4).any(|w| w == b"\r\n\r\n") {
                        break;
                    }
                }
            }
        }
    })
    .await;
    assert!(read.is_ok(), "the server waited for the rest of the body");
    let head = String::from_utf8_lossy(&out);
    // Either an error answer (JSON, as everywhere under /api/) or a closed connection.
    assert!(head.is_empty() || head.starts_with("HTTP/1.1 4"), "{head}");
}

/// The trust issue: the CSRF token was a double-submit cookie, so a cookie and form field
/// planted together (by a sibling site, say) were accepted. The token is now bound to the
/// session by a key the attacker does not have.
#[tokio::test]
async fn planted_csrf_pair_refused() {
    let fx = fixture();
    let t = &fx.t;
    let before = t.refs();
    for (cookie, field) in [(CSRF, CSRF), ("planted0123456789", "planted0123456789")] {
        let r = t
            .send(raw_form(
                "/sections/usability/comments",
                format!("csrf={field}&body=planted"),
                &format!("quire_csrf={cookie}; quire_session={}", fx.author.token),
            ))
            .await;
        r.assert_status(StatusCode::FORBIDDEN);
    }
    // The token for another session, or for no session, does not do either.
    for token in [form_token_for(Some(&fx.other.token)), form_token_for(None)] {
        let r = t
            .send(raw_form(
                "/sections/usability/comments",
                format!("csrf={token}&body=planted"),
                &cookies(Some(&fx.author)),
            ))
            .await;
        r.assert_status(StatusCode::FORBIDDEN);
    }
    assert_eq!(t.refs(), before);
    // The page's own token works.
    let r = t
        .send(form(
            "/sections/usability/comments",
            &[("body", "mine")],
            Some(&fx.author),
        ))
        .await;
    r.assert_status(StatusCode::SEE_OTHER);
}

/// The trust issue: the CSRF token was not rotated at sign-in. A form token shown before
/// signing in no longer works after it, and the pages after it carry a new one.
#[tokio::test]
async fn csrf_rotated_at_sign_in() {
    let t = TestApp::new();
    t.state
        .store()
        .create_user(
            "Rota Person",
            "rota@example.org",
            "rota's long password here",
            Role::Contributor,
        )
        .unwrap();
    let before = form_token_for(None);
    let page = t.get("/signin", None).await;
    page.assert_contains(&format!("value=\"{before}\""));
    let r = t
        .send(raw_form(
            "/signin",
            serde_urlencoded::to_string([
                ("csrf", before.as_str()),
                ("email", "rota@example.org"),
                ("password", "rota's long password here"),
            ])
            .unwrap(),
            &cookies(None),
        ))
        .await;
    r.assert_status(StatusCode::SEE_OTHER);
    let session = session_set(&r).expect("signing in sets a session cookie");
    let after = form_token_for(Some(&session));
    assert_ne!(before, after);
    let cookie = format!("quire_csrf={CSRF}; quire_session={session}");
    let page = t
        .send(
            Request::builder()
                .uri("/sections/usability")
                .header(axum::http::header::COOKIE, &cookie)
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    page.assert_contains(&format!("value=\"{after}\""));
    assert!(!page.body.contains(&before));
    let refs = t.refs();
    let r = t
        .send(raw_form(
            "/sections/usability/comments",
            format!("csrf={before}&body=old+token"),
            &cookie,
        ))
        .await;
    r.assert_status(StatusCode::FORBIDDEN);
    assert_eq!(t.refs(), refs);
}
