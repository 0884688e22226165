//! Router-level tests of `/read/`: each published edition served as its exported static
//! site, `/read/latest/` redirecting to the newest, the exports generated once and cached,
//! and the Content Security Policy that lets only the site's own search script run there.

#![allow(clippy::unwrap_used)]

use crate::support;

use axum::http::{header, StatusCode};
use quire_core::Identity;
use support::TestApp;

fn maintainer() -> Identity {
    "Mia Maintainer <mia@example.org>".parse().unwrap()
}

fn header_of(r: &support::Resp, name: header::HeaderName) -> &str {
    r.headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
}

#[tokio::test]
async fn nothing_to_read_before_the_first_edition() {
    let t = TestApp::new();
    for path in [
        "/read/latest/",
        "/read/",
        "/read",
        "/read/latest/index.html",
    ] {
        t.get(path, None).await.assert_status(StatusCode::NOT_FOUND);
    }
    t.get("/read/2027.1/", None)
        .await
        .assert_status(StatusCode::NOT_FOUND);
    assert!(!t.state.config().data_dir.join("exports/2027.1").exists());
}

#[tokio::test]
async fn every_edition_is_served_at_its_own_url_and_latest_redirects_to_the_newest() {
    let t = TestApp::new();
    let m = maintainer();
    let author: Identity = "Priya Shah <priya@example.org>".parse().unwrap();
    t.lib().publish("2027.1", "Spring edition", "", &m).unwrap();

    let r = t.get("/read/latest/", None).await;
    r.assert_status(StatusCode::TEMPORARY_REDIRECT);
    assert_eq!(r.location(), Some("/read/2027.1/"));
    assert_eq!(header_of(&r, header::CACHE_CONTROL), "no-store");
    let r = t.get("/read/latest/sections/usability.html", None).await;
    assert_eq!(r.location(), Some("/read/2027.1/sections/usability.html"));
    assert_eq!(t.get("/read", None).await.location(), Some("/read/2027.1/"));
    let r = t.get("/read/2027.1", None).await;
    r.assert_status(StatusCode::PERMANENT_REDIRECT);
    assert_eq!(r.location(), Some("/read/2027.1/"));

    let r = t.get("/read/2027.1/", None).await;
    r.assert_status(StatusCode::OK)
        .assert_contains("Spring edition")
        .assert_contains("href=\"sections/usability.html\"");
    assert_eq!(
        header_of(&r, header::CONTENT_TYPE),
        "text/html; charset=utf-8"
    );
    assert_eq!(
        header_of(&r, header::CONTENT_SECURITY_POLICY),
        quire_server::routes::read::READ_CSP
    );
    t.get("/read/2027.1/sections/usability.html", None)
        .await
        .assert_status(StatusCode::OK)
        .assert_contains("id=\"p-3\"");
    let r = t.get("/read/2027.1/search.js", None).await;
    r.assert_status(StatusCode::OK);
    assert!(header_of(&r, header::CONTENT_TYPE).starts_with("text/javascript"));
    t.get("/read/2027.1/search-index.js", None)
        .await
        .assert_status(StatusCode::OK)
        .assert_contains("window.QUIRE_SEARCH_INDEX");
    t.get("/read/2027.1/search.html", None)
        .await
        .assert_contains("<script src=\"search.js\"></script>");
    let r = t.get("/read/2027.1/site.css", None).await;
    assert!(header_of(&r, header::CONTENT_TYPE).starts_with("text/css"));

    // A second edition: latest moves, the first stays where it was.
    let n = t.propose_paragraph(&author, "usability", "Test forms", "Test every form.");
    t.approve_and_merge(n, &m);
    t.lib().publish("2027.2", "Autumn edition", "", &m).unwrap();
    assert_eq!(
        t.get("/read/latest/", None).await.location(),
        Some("/read/2027.2/")
    );
    t.get("/read/2027.2/contributors.html", None)
        .await
        .assert_status(StatusCode::OK)
        .assert_contains("Priya Shah");
    t.get("/read/2027.1/contributors.html", None)
        .await
        .assert_status(StatusCode::OK)
        .assert_contains("No proposals were merged");
    let exports = t.state.config().data_dir.join("exports");
    assert!(exports.join("2027.1/index.html").is_file());
    assert!(exports.join("2027.2/index.html").is_file());
}

#[tokio::test]
async fn exported_files_answer_head_and_conditional_requests() {
    let t = TestApp::new();
    t.lib()
        .publish("2027.1", "Spring edition", "", &maintainer())
        .unwrap();
    let r = t.get("/read/2027.1/site.css", None).await;
    r.assert_status(StatusCode::OK);
    let modified = header_of(&r, header::LAST_MODIFIED).to_string();
    assert!(!modified.is_empty(), "no Last-Modified: {:?}", r.headers);
    let length: usize = header_of(&r, header::CONTENT_LENGTH).parse().unwrap();
    assert_eq!(length, r.body.len());

    // A browser that holds the file asks again and gets 304 with no body.
    let req = axum::http::Request::builder()
        .uri("/read/2027.1/site.css")
        .header(header::IF_MODIFIED_SINCE, &modified)
        .body(axum::body::Body::empty())
        .unwrap();
    let r = t.send(req).await;
    r.assert_status(StatusCode::NOT_MODIFIED);
    assert!(r.body.is_empty());

    // HEAD: the headers of GET, no body.
    let req = axum::http::Request::builder()
        .method("HEAD")
        .uri("/read/2027.1/index.html")
        .body(axum::body::Body::empty())
        .unwrap();
    let r = t.send(req).await;
    r.assert_status(StatusCode::OK);
    assert_eq!(
        header_of(&r, header::CONTENT_TYPE),
        "text/html; charset=utf-8"
    );
    assert!(r.body.is_empty());

    // A part of a file (resumed downloads).
    let req = axum::http::Request::builder()
        .uri("/read/2027.1/site.css")
        .header(header::RANGE, "bytes=0-9")
        .body(axum::body::Body::empty())
        .unwrap();
    let r = t.send(req).await;
    r.assert_status(StatusCode::PARTIAL_CONTENT);
    assert_eq!(r.body.len(), 10);
}

#[tokio::test]
async fn the_read_policy_allows_own_scripts_only_there() {
    let t = TestApp::new();
    t.lib()
        .publish("2027.1", "Spring edition", "", &maintainer())
        .unwrap();
    let csp = quire_server::routes::read::READ_CSP;
    assert!(csp.contains("script-src 'self'"));
    assert!(!csp.contains("unsafe-inline") && !csp.contains("unsafe-eval"));
    for path in [
        "/read/2027.1/search.html",
        "/read/2027.1/missing.html",
        "/read/nope/",
    ] {
        let r = t.get(path, None).await;
        assert_eq!(
            header_of(&r, header::CONTENT_SECURITY_POLICY),
            csp,
            "{path}"
        );
    }
    // Everywhere else, no script at all.
    for path in ["/", "/editions", "/sections/usability", "/no-such-page"] {
        let r = t.get(path, None).await;
        assert_eq!(
            header_of(&r, header::CONTENT_SECURITY_POLICY),
            quire_server::routes::CSP,
            "{path}"
        );
        assert!(!header_of(&r, header::CONTENT_SECURITY_POLICY).contains("script-src"));
    }
    // The editions page links to the latest edition's site.
    t.get("/editions", None)
        .await
        .assert_contains("href=\"/read/latest/\"");
}

#[tokio::test]
async fn only_published_editions_and_plain_file_names_are_served() {
    let t = TestApp::new();
    t.lib()
        .publish("2027.1", "Spring edition", "", &maintainer())
        .unwrap();
    for path in [
        "/read/main/",
        "/read/draft/",
        "/read/main/index.html",
        "/read/nope/",
        "/read/2027.1/nope.html",
        "/read/2027.1/.quire-export",
        "/read/2027.1/../library.git/HEAD",
        "/read/2027.1/%2e%2e/accounts.sqlite3",
        "/read/2027.1/sections/..%2f..%2findex.html",
        "/read/2027.1/sections",
        "/read/2027.1/index.md",
        "/read/..%2f/index.html",
    ] {
        let r = t.get(path, None).await;
        assert!(
            r.status == StatusCode::NOT_FOUND,
            "{path}: {} {:?}",
            r.status,
            r.location()
        );
    }
    assert!(!t.state.config().data_dir.join("exports/main").exists());
}

#[tokio::test]
async fn an_export_is_generated_once_and_again_only_when_a_proposal_is_hidden() {
    let t = TestApp::new();
    let m = maintainer();
    let author: Identity = "Priya Shah <priya@example.org>".parse().unwrap();
    let n = t.propose_paragraph(&author, "usability", "Test the forms", "Test every form.");
    t.approve_and_merge(n, &m);
    t.lib().publish("2027.1", "Spring edition", "", &m).unwrap();
    let dir = t.state.config().data_dir.join("exports/2027.1");
    let marker = dir.join(quire_export::MARKER);

    t.get("/read/2027.1/contributors.html", None)
        .await
        .assert_contains("Test the forms");
    let first = std::fs::metadata(&marker).unwrap().modified().unwrap();
    std::thread::sleep(std::time::Duration::from_millis(20));
    t.get("/read/2027.1/", None)
        .await
        .assert_status(StatusCode::OK);
    t.get("/read/2027.1/changes.html", None)
        .await
        .assert_status(StatusCode::OK);
    assert_eq!(
        std::fs::metadata(&marker).unwrap().modified().unwrap(),
        first,
        "served from the cache"
    );

    // Hiding the proposal changes what the pages show, so the site is generated again.
    t.lib().set_proposal_hidden(n, &m, true, "spam").unwrap();
    let r = t.get("/read/2027.1/contributors.html", None).await;
    r.assert_contains(quire_export::HIDDEN_TITLE);
    assert!(!r.body.contains("Test the forms"));
    assert_ne!(
        std::fs::metadata(&marker).unwrap().modified().unwrap(),
        first
    );
    // No temporary folders are left behind.
    let names: Vec<String> = std::fs::read_dir(dir.parent().unwrap())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, ["2027.1"]);
}
