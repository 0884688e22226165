//! Router-level tests of the page cache for anonymous visitors: a cached page is the page
//! the handler would render now, whoever changed the library and however.

#![allow(clippy::unwrap_used)]

use crate::support;

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use quire_core::index::Indexes;
use quire_core::Identity;
use support::{Resp, TestApp, CSRF};

/// A GET with no cookie at all, as a first-time visitor (or `wrk`) sends it.
async fn cookieless(t: &TestApp, path: &str) -> Resp {
    t.send(Request::builder().uri(path).body(Body::empty()).unwrap())
        .await
}

/// GETs `path` anonymously until the cache serves it (a page is stored only once nothing
/// changed while it was rendered, so after a change the first request or two render).
/// Returns the cached response.
async fn cached(t: &TestApp, path: &str) -> Resp {
    for _ in 0..4 {
        let before = t.state.page_cache_stats();
        let r = cookieless(t, path).await;
        r.assert_status(StatusCode::OK);
        if t.state.page_cache_stats().hits > before.hits {
            return r;
        }
    }
    panic!("{path} was never served from the cache");
}

fn who(name: &str) -> Identity {
    Identity::new(name, &format!("{}@example.org", name.to_lowercase())).unwrap()
}

fn without_request_id(r: &Resp) -> Vec<(String, String)> {
    let mut h: Vec<(String, String)> = r
        .headers
        .iter()
        .filter(|(k, _)| k.as_str() != "x-request-id")
        .map(|(k, v)| (k.to_string(), v.to_str().unwrap().to_string()))
        .collect();
    h.sort();
    h
}

#[tokio::test]
async fn anonymous_pages_are_the_same_for_everyone_and_as_rendered() {
    let t = TestApp::new();
    let n = t.propose_paragraph(&who("Pat"), "usability", "Say more", "More words.");
    for path in ["/sections/usability".to_string(), format!("/proposals/{n}")] {
        let first = cookieless(&t, &path).await;
        first.assert_status(StatusCode::OK);
        let hit = cached(&t, &path).await;
        assert_eq!(hit.body, first.body, "{path}");
        assert_eq!(
            without_request_id(&hit),
            without_request_id(&first),
            "{path}"
        );
        // Nothing per visitor: no cookie is set and no form token is in the page.
        assert!(hit.headers.get(header::SET_COOKIE).is_none(), "{path}");
        assert!(!hit.body.contains("name=\"csrf\""), "{path}");
        // Another anonymous visitor, with a CSRF cookie from an earlier page, gets the same.
        let other = t.get(&path, None).await;
        assert_eq!(other.body, hit.body, "{path}");
        // The uncached handler (a session cookie that names no session takes it) renders
        // the very same page.
        let uncached = t
            .send(
                Request::builder()
                    .uri(&path)
                    .header(
                        header::COOKIE,
                        format!("quire_csrf={CSRF}; quire_session=nosuchsession"),
                    )
                    .body(Body::empty())
                    .unwrap(),
            )
            .await;
        uncached.assert_status(StatusCode::OK);
        assert_eq!(uncached.body, hit.body, "{path}");
    }
    // Views and revisions are pages of their own.
    let side = cached(&t, &format!("/proposals/{n}?view=side")).await;
    let diff = cached(&t, &format!("/proposals/{n}")).await;
    assert_ne!(side.body, diff.body);
    side.assert_contains("Proposed text</h4>");
    // Errors are not cached.
    let before = t.state.page_cache_stats();
    for _ in 0..2 {
        cookieless(&t, "/proposals/999")
            .await
            .assert_status(StatusCode::NOT_FOUND);
    }
    assert_eq!(t.state.page_cache_stats().stores, before.stores);
}

#[tokio::test]
async fn a_cached_section_page_shows_a_comment_made_through_the_server() {
    let t = TestApp::new();
    let page = cached(&t, "/sections/usability").await;
    assert!(page.body.contains("Comments (0)"));
    let s = t.contributor();
    t.post_form(
        "/sections/usability/comments",
        &[("body", "A comment through the server.")],
        Some(&s),
    )
    .await
    .assert_status(StatusCode::SEE_OTHER);
    cookieless(&t, "/sections/usability")
        .await
        .assert_contains("A comment through the server.")
        .assert_contains("Comments (1)");
    cached(&t, "/sections/usability")
        .await
        .assert_contains("A comment through the server.");
}

#[tokio::test]
async fn cached_pages_show_a_merge_made_through_the_server() {
    let t = TestApp::new();
    let n = t.propose_paragraph(
        &who("Pat"),
        "usability",
        "Say more",
        "Paragraph merged through the server.",
    );
    let proposal = format!("/proposals/{n}");
    cached(&t, &proposal)
        .await
        .assert_contains("status-open")
        .assert_contains("Can be merged");
    cached(&t, "/sections/usability")
        .await
        .assert_contains(&format!("href=\"/proposals/{n}\""));
    let m = t.maintainer();
    t.post_form(
        &format!("/proposals/{n}/review"),
        &[("verdict", "approve"), ("comment", "")],
        Some(&m),
    )
    .await
    .assert_status(StatusCode::SEE_OTHER);
    cookieless(&t, &proposal)
        .await
        .assert_contains("Revision 1 is approved.");
    t.post_form(&format!("/proposals/{n}/merge"), &[], Some(&m))
        .await
        .assert_status(StatusCode::SEE_OTHER);
    cookieless(&t, &proposal)
        .await
        .assert_contains("status-merged")
        .assert_contains("Merged into the draft by Max Maintainer");
    let section = cookieless(&t, "/sections/usability").await;
    section.assert_contains("Paragraph merged through the server.");
    assert!(!section.body.contains(&format!("href=\"/proposals/{n}\"")));
    cached(&t, "/sections/usability")
        .await
        .assert_contains("Paragraph merged through the server.");
}

#[tokio::test]
async fn cached_pages_show_writes_made_by_another_process_at_once() {
    let t = TestApp::new();
    let n = t.propose_paragraph(&who("Pat"), "usability", "First", "One.");
    let proposal = format!("/proposals/{n}");
    cached(&t, "/sections/usability").await;
    cached(&t, &proposal).await;
    // The CLI, say: its own `Library` on the same data directory.
    let other = quire_core::Library::open(t.state.library_path()).unwrap();
    let cli = who("Cli");
    other
        .comment_section("usability", &cli, "Section comment from the CLI.")
        .unwrap();
    cookieless(&t, "/sections/usability")
        .await
        .assert_contains("Section comment from the CLI.");
    other
        .comment_proposal(n, &cli, "Proposal comment from the CLI.")
        .unwrap();
    cookieless(&t, &proposal)
        .await
        .assert_contains("Proposal comment from the CLI.");
    // A new proposal shows in the section page's list: it comes from the index, which
    // follows the change journal.
    cached(&t, "/sections/usability").await;
    let m = t.propose_paragraph(&cli, "usability", "Opened from the CLI", "Other words.");
    cookieless(&t, "/sections/usability")
        .await
        .assert_contains(&format!("#{m} Opened from the CLI"));
    // Rejected elsewhere: the proposal page and the section's list both follow.
    cached(&t, &proposal).await;
    other.reject(n, &cli, "Not needed.").unwrap();
    cookieless(&t, &proposal)
        .await
        .assert_contains("status-rejected");
    let section = cookieless(&t, "/sections/usability").await;
    assert!(!section.body.contains(&format!("href=\"/proposals/{n}\"")));
}

/// Commits `text` as section `id` on `main` with plain git (no change journal) and moves
/// `main` to it; returns the new commit.
fn commit_with_git(t: &TestApp, id: &str, text: &str) -> String {
    let lib = t.state.library_path().to_path_buf();
    let index = t.dir.path().join("git-index");
    let git = |args: &[&str], input: Option<&str>| {
        use std::io::Write;
        let mut cmd = std::process::Command::new("git");
        cmd.arg("-C")
            .arg(&lib)
            .args(args)
            .env("GIT_INDEX_FILE", &index)
            .env("GIT_AUTHOR_NAME", "Git User")
            .env("GIT_AUTHOR_EMAIL", "git@example.org")
            .env("GIT_COMMITTER_NAME", "Git User")
            .env("GIT_COMMITTER_EMAIL", "git@example.org")
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped());
        let mut child = cmd.spawn().unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(input.unwrap_or("").as_bytes())
            .unwrap();
        let out = child.wait_with_output().unwrap();
        assert!(out.status.success(), "git {args:?}");
        String::from_utf8(out.stdout).unwrap().trim().to_string()
    };
    let blob = git(&["hash-object", "-w", "--stdin"], Some(text));
    git(&["read-tree", "main"], None);
    let entry = format!("100644,{blob},sections/{id}.md");
    git(&["update-index", "--cacheinfo", &entry], None);
    let tree = git(&["write-tree"], None);
    let commit = git(
        &["commit-tree", &tree, "-p", "main", "-m", "Edit with git"],
        None,
    );
    git(&["update-ref", "refs/heads/main", &commit], None);
    commit
}

#[tokio::test]
async fn cached_pages_follow_refs_moved_by_plain_git_loose_or_packed() {
    let t = TestApp::new();
    cached(&t, "/sections/usability").await;
    commit_with_git(
        &t,
        "usability",
        "# Principle 8: Usability\n\nEdited with plain git.\n",
    );
    cookieless(&t, "/sections/usability")
        .await
        .assert_contains("Edited with plain git.");
    // With every ref packed (as after `git gc`), pages are still cached, and still follow.
    t.git(&["pack-refs", "--all"]);
    assert!(!t.state.library_path().join("refs/heads/main").exists());
    cached(&t, "/sections/usability")
        .await
        .assert_contains("Edited with plain git.");
    commit_with_git(
        &t,
        "usability",
        "# Principle 8: Usability\n\nEdited again.\n",
    );
    cookieless(&t, "/sections/usability")
        .await
        .assert_contains("Edited again.");
    t.git(&["pack-refs", "--all"]);
    cached(&t, "/sections/usability")
        .await
        .assert_contains("Edited again.");
    // A packed ref deleted by git: the comment log goes.
    let s = t.contributor();
    t.post_form(
        "/sections/usability/comments",
        &[("body", "Soon gone.")],
        Some(&s),
    )
    .await
    .assert_status(StatusCode::SEE_OTHER);
    t.git(&["pack-refs", "--all"]);
    cached(&t, "/sections/usability")
        .await
        .assert_contains("Soon gone.");
    t.git(&["update-ref", "-d", "refs/comments/usability"]);
    let page = cookieless(&t, "/sections/usability").await;
    assert!(!page.body.contains("Soon gone."));
}

#[tokio::test]
async fn cached_pages_follow_the_indexes_rescan_of_refs_changed_by_plain_git() {
    let t = TestApp::new();
    let n = t.propose_paragraph(&who("Pat"), "usability", "Say more", "More words.");
    let listed = format!("href=\"/proposals/{n}\"");
    cached(&t, "/sections/usability")
        .await
        .assert_contains(&listed);
    // Deleted with plain git: the section page's list comes from the index, which sees
    // it at its next rescan of the refs (the server makes one every minute).
    t.git(&["update-ref", "-d", &format!("refs/proposals/{n}/meta")]);
    t.state
        .with_index(|lib, ix| Ok(ix.maintain(lib, true, 0)?))
        .await
        .unwrap();
    let page = cookieless(&t, "/sections/usability").await;
    assert!(!page.body.contains(&listed), "{}", page.body);
    cookieless(&t, &format!("/proposals/{n}"))
        .await
        .assert_status(StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn signed_in_viewers_get_their_own_pages_with_forms() {
    let t = TestApp::new();
    let n = t.propose_paragraph(&who("Pat"), "usability", "Say more", "More words.");
    let proposal = format!("/proposals/{n}");
    cached(&t, "/sections/usability").await;
    cached(&t, &proposal).await;
    let s = t.contributor();
    let hits = t.state.page_cache_stats().hits;
    t.get("/sections/usability", Some(&s))
        .await
        .assert_contains("Signed in as <strong>Connie Contributor</strong>")
        .assert_contains("action=\"/sections/usability/comments\"")
        .assert_contains(&format!(
            "name=\"csrf\" value=\"{}\"",
            t.form_token(Some(&s))
        ));
    t.get(&proposal, Some(&s))
        .await
        .assert_contains(&format!("action=\"/proposals/{n}/comments\""))
        .assert_contains(&format!(
            "name=\"csrf\" value=\"{}\"",
            t.form_token(Some(&s))
        ));
    assert_eq!(t.state.page_cache_stats().hits, hits);
    // And the anonymous page stays anonymous.
    let anon = cached(&t, "/sections/usability").await;
    assert!(!anon.body.contains("Connie Contributor"));
    assert!(!anon
        .body
        .contains("action=\"/sections/usability/comments\""));
}

#[tokio::test]
async fn the_csrf_cookie_comes_with_the_pages_that_have_forms() {
    let t = TestApp::new();
    let section = cookieless(&t, "/sections/usability").await;
    assert!(section.headers.get(header::SET_COOKIE).is_none());
    // Sign in as a first-time visitor would: the sign-in page sets the cookie the form
    // needs; then the comment form works.
    let signin = cookieless(&t, "/signin").await;
    let set = signin
        .headers
        .get(header::SET_COOKIE)
        .unwrap()
        .to_str()
        .unwrap();
    let token = set
        .strip_prefix("quire_csrf=")
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_string();
    // The form carries the token of that cookie (and no session yet).
    let form_token = t.state.form_token(&token, None);
    assert!(signin.body.contains(&format!("value=\"{form_token}\"")));
    // (Not the first maintainer: signing in with a one-time password leads only to
    // choosing a new one.)
    let (email, password) = (
        "ann@example.org".to_string(),
        "a long enough password".to_string(),
    );
    t.state
        .store()
        .create_user(
            "Ann Example",
            &email,
            &password,
            quire_server::Role::Contributor,
        )
        .unwrap();
    let form = serde_urlencoded::to_string([
        ("csrf", form_token.as_str()),
        ("email", &email),
        ("password", &password),
    ])
    .unwrap();
    let r = t
        .send(
            Request::builder()
                .method("POST")
                .uri("/signin")
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .header(header::COOKIE, format!("quire_csrf={token}"))
                .body(Body::from(form))
                .unwrap(),
        )
        .await;
    r.assert_status(StatusCode::SEE_OTHER);
    let session = r
        .headers
        .get(header::SET_COOKIE)
        .unwrap()
        .to_str()
        .unwrap()
        .strip_prefix("quire_session=")
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_string();
    let cookies = format!("quire_csrf={token}; quire_session={session}");
    let page = t
        .send(
            Request::builder()
                .uri("/sections/usability")
                .header(header::COOKIE, &cookies)
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    let signed_in_token = t.state.form_token(&token, Some(&session));
    page.assert_contains(&format!("name=\"csrf\" value=\"{signed_in_token}\""));
    let form =
        serde_urlencoded::to_string([("csrf", signed_in_token.as_str()), ("body", "Signed in.")])
            .unwrap();
    t.send(
        Request::builder()
            .method("POST")
            .uri("/sections/usability/comments")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(header::COOKIE, &cookies)
            .body(Body::from(form))
            .unwrap(),
    )
    .await
    .assert_status(StatusCode::SEE_OTHER);
    // A signed-in visitor whose CSRF cookie is gone (it lasts for the browser session, the
    // session cookie longer) gets a new one with the page that holds the forms.
    let page = t
        .send(
            Request::builder()
                .uri("/sections/usability")
                .header(header::COOKIE, format!("quire_session={session}"))
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    let set = page
        .headers
        .get(header::SET_COOKIE)
        .unwrap()
        .to_str()
        .unwrap();
    let fresh = set
        .strip_prefix("quire_csrf=")
        .unwrap()
        .split(';')
        .next()
        .unwrap();
    page.assert_contains(&format!(
        "name=\"csrf\" value=\"{}\"",
        t.state.form_token(fresh, Some(&session))
    ));
}

#[tokio::test]
async fn the_index_generation_counts_changes_and_only_changes() {
    let t = TestApp::new();
    let lib = t.lib();
    let mut ix = Indexes::build(&lib).unwrap();
    ix.refresh(&lib).unwrap();
    let settled = ix.generation();
    ix.refresh(&lib).unwrap();
    assert_eq!(ix.maintain(&lib, false, 100).unwrap(), ix.merges().len());
    let checked = ix.generation();
    // The bundled library has open proposals: their first checks are changes.
    assert!(checked > settled);
    // Nothing left to do: no change.
    assert_eq!(ix.maintain(&lib, true, 100).unwrap(), 0);
    ix.refresh(&lib).unwrap();
    assert_eq!(ix.generation(), checked);
    // A new proposal (through the journal) and a check of it are changes.
    let n = t.propose_paragraph(&who("Pat"), "usability", "New", "New words.");
    ix.refresh(&lib).unwrap();
    let seen = ix.generation();
    assert!(seen > checked);
    let p = lib.proposal(n).unwrap();
    let latest = p.latest();
    ix.merge_state(&lib, n, &latest.commit, &latest.base)
        .unwrap();
    let after_check = ix.generation();
    assert!(after_check > seen);
    ix.merge_state(&lib, n, &latest.commit, &latest.base)
        .unwrap();
    assert_eq!(ix.generation(), after_check);
    // `main` moved by plain git (no journal) is a change too.
    commit_with_git(&t, "usability", "# Principle 8: Usability\n\nMoved.\n");
    ix.refresh(&lib).unwrap();
    assert!(ix.generation() > after_check);
}
