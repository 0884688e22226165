//! Accounts, roles and API tokens through the real router and a real SQLite store: the
//! first maintainer's one-time password, password and display-name rules, role badges,
//! appointing maintainers, API tokens, signing out everywhere, reset links, and the
//! migration of an older store.

#![allow(clippy::unwrap_used)]

use crate::support;

use axum::http::{Method, StatusCode};
use quire_server::store::{SignIn, ONE_TIME_SECONDS};
use quire_server::{Role, Store};
use serde_json::json;
use support::{Session, TestApp};

fn now() -> i64 {
    quire_server::store::now_secs()
}

/// The session cookie a response set, as a test session for `user`.
fn session_from(r: &support::Resp, user: quire_server::User) -> Session {
    let token = r
        .headers
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|c| c.strip_prefix("quire_session="))
        .map(|c| c.split(';').next().unwrap().to_string())
        .expect("a session cookie");
    Session {
        user,
        token,
        csrf: support::CSRF.into(),
    }
}

async fn sign_in(t: &TestApp, email: &str, password: &str) -> support::Resp {
    t.post_form("/signin", &[("email", email), ("password", password)], None)
        .await
}

async fn sign_up(t: &TestApp, name: &str, email: &str, password: &str) -> support::Resp {
    t.post_form(
        "/signup",
        &[("name", name), ("email", email), ("password", password)],
        None,
    )
    .await
}

#[tokio::test]
async fn first_maintainer_password_single_use() {
    let t = TestApp::new();
    let (email, one_time) = t.first_maintainer.clone();
    let first = t.state.store().user_by_email(&email).unwrap().unwrap();

    // Signing in with it leads straight to choosing a new password...
    let r = sign_in(&t, &email, &one_time).await;
    r.assert_status(StatusCode::SEE_OTHER);
    assert_eq!(r.location(), Some("/account/password"));
    let s = session_from(&r, first.clone());

    // ...and every page, and every form, sends them back there until it is done.
    for path in ["/", "/proposals", "/account", "/accounts", "/moderation"] {
        let r = t.get(path, Some(&s)).await;
        r.assert_status(StatusCode::SEE_OTHER);
        assert_eq!(r.location(), Some("/account/password"), "{path}");
    }
    let r = t
        .post_form(
            "/sections/usability/comments",
            &[("body", "hello")],
            Some(&s),
        )
        .await;
    assert_eq!(r.location(), Some("/account/password"));
    t.get("/account/password", Some(&s))
        .await
        .assert_status(StatusCode::OK)
        .assert_contains("Choose a new password");

    // The one-time password itself, a short one or a common one are refused.
    for bad in [one_time.as_str(), "short", "qwertyuiop123"] {
        t.post_form("/account/password", &[("password", bad)], Some(&s))
            .await
            .assert_status(StatusCode::UNPROCESSABLE_ENTITY)
            .assert_contains("href=\"#password\"");
    }
    let r = t
        .post_form(
            "/account/password",
            &[("password", "a brand new passphrase")],
            Some(&s),
        )
        .await;
    r.assert_status(StatusCode::SEE_OTHER);
    t.get("/", Some(&s)).await.assert_status(StatusCode::OK);

    // The one-time password no longer works; the new one does, and leads home.
    sign_in(&t, &email, &one_time)
        .await
        .assert_status(StatusCode::UNPROCESSABLE_ENTITY)
        .assert_contains("not right");
    let r = sign_in(&t, &email, "a brand new passphrase").await;
    assert_eq!(r.location(), Some("/"));
}

#[tokio::test]
async fn first_maintainer_password_expires_after_24h() {
    let t = TestApp::new();
    let store = t.state.store();
    let made = now();
    let (user, password) = {
        // A fresh store's first maintainer, made at a known time.
        let dir = tempfile::tempdir().unwrap();
        let s = Store::open(&dir.path().join("accounts.sqlite3")).unwrap();
        let (u, p) = s.create_first_maintainer_at(made).unwrap();
        assert!(matches!(
            s.sign_in_at(&u.email, &p, made + ONE_TIME_SECONDS - 1)
                .unwrap(),
            SignIn::Ok(_)
        ));
        assert_eq!(
            s.sign_in_at(&u.email, &p, made + ONE_TIME_SECONDS + 1)
                .unwrap(),
            SignIn::OneTimeExpired
        );
        // A wrong password says nothing about expiry.
        assert_eq!(
            s.sign_in_at(&u.email, "not the password", made + ONE_TIME_SECONDS + 1)
                .unwrap(),
            SignIn::Wrong
        );
        (u, p)
    };
    assert!(user.must_change_password && password.len() >= 20);

    // Through the page: a one-time password made 25 hours ago is refused, with the
    // command that makes a new one.
    let (email, _) = t.first_maintainer.clone();
    let first = store.user_by_email(&email).unwrap().unwrap();
    let old = store
        .reset_password_at(first.id, made - ONE_TIME_SECONDS - 3600)
        .unwrap();
    sign_in(&t, &email, &old)
        .await
        .assert_status(StatusCode::UNPROCESSABLE_ENTITY)
        .assert_contains("quire accounts reset-password")
        .assert_contains("expired");
    // The API refuses it too.
    t.api(
        Method::POST,
        "/api/v1/tokens",
        Some(json!({"email": email, "password": old})),
        None,
    )
    .await
    .assert_status(StatusCode::FORBIDDEN);
    // A fresh reset works (and must be changed at once).
    let fresh = store.reset_password_at(first.id, now()).unwrap();
    assert_eq!(
        sign_in(&t, &email, &fresh).await.location(),
        Some("/account/password")
    );
}

#[tokio::test]
async fn weak_passwords_refused_at_sign_up() {
    let t = TestApp::new();
    for (password, says) in [
        ("elevenchars", "at least 12 characters"),
        ("              ", "not only spaces"),
        ("1qaz2wsx3edc", "most common passwords"),
        ("password1234567", "most common passwords"),
    ] {
        let r = sign_up(&t, "Ann Example", "ann@example.org", password).await;
        r.assert_status(StatusCode::UNPROCESSABLE_ENTITY)
            .assert_contains(says)
            .assert_contains("href=\"#password\"");
    }
    assert!(t
        .state
        .store()
        .user_by_email("ann@example.org")
        .unwrap()
        .is_none());
    sign_up(
        &t,
        "Ann Example",
        "ann@example.org",
        "correct horse battery",
    )
    .await
    .assert_status(StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn display_name_confusable_with_maintainer_refused() {
    let t = TestApp::new();
    // "Maintainer" itself, in capitals, with Cyrillic а and е, with "rn" for "m", and
    // with a leading "The".
    for name in [
        "Maintainer",
        "MAINTAINER",
        "M\u{0430}intain\u{0435}r",
        "Rnaintainer",
        "The Maintainer",
        "Admin",
        "Quire",
    ] {
        sign_up(&t, name, "eve@example.org", "correct horse battery")
            .await
            .assert_status(StatusCode::UNPROCESSABLE_ENTITY)
            .assert_contains("href=\"#name\"")
            .assert_contains("anything that looks like it");
    }
    assert_eq!(t.state.store().user_count().unwrap(), 1);
}

#[tokio::test]
async fn rtl_override_in_display_name_refused() {
    let t = TestApp::new();
    for name in [
        "Eve\u{202E}reniatniaM",
        "Eve\u{2067}x",
        "Eve\u{200F}",
        "Eve\u{061C}",
    ] {
        sign_up(&t, name, "eve@example.org", "correct horse battery")
            .await
            .assert_status(StatusCode::UNPROCESSABLE_ENTITY)
            .assert_contains("changes the direction of text")
            .assert_contains("href=\"#name\"");
    }
    assert_eq!(t.state.store().user_count().unwrap(), 1);
}

#[tokio::test]
async fn invisible_characters_in_display_name_refused() {
    let t = TestApp::new();
    for name in [
        "Mai\u{200B}ntainer",
        "Eve\u{200D}",
        "Eve\u{FE0F}",
        "Eve\u{2060}",
        "Eve\u{E0041}",
        "Eve\u{00AD}",
    ] {
        sign_up(&t, name, "eve@example.org", "correct horse battery")
            .await
            .assert_status(StatusCode::UNPROCESSABLE_ENTITY)
            .assert_contains("invisible character");
    }
    assert_eq!(t.state.store().user_count().unwrap(), 1);
}

#[tokio::test]
async fn display_name_confusable_with_existing_account_refused() {
    let t = TestApp::new();
    let ann = t.session("Ann Example", Role::Contributor);
    // Capital I for lower-case l, and different case.
    sign_up(
        &t,
        "ANN EXAMPIE",
        "eve@example.org",
        "correct horse battery",
    )
    .await
    .assert_status(StatusCode::UNPROCESSABLE_ENTITY)
    .assert_contains("looks the same");
    // The same rules apply to a change of name.
    let bob = t.session("Bob Example", Role::Contributor);
    for name in ["Ann Example", "Maintainer", "Bob\u{202E}"] {
        t.post_form(
            "/account/details",
            &[("name", name), ("email", &bob.user.email)],
            Some(&bob),
        )
        .await
        .assert_status(StatusCode::UNPROCESSABLE_ENTITY)
        .assert_contains("href=\"#name\"");
    }
    // Keeping one's own name (and changing the email) is fine.
    t.post_form(
        "/account/details",
        &[("name", "Ann Example"), ("email", "ann@new.example.org")],
        Some(&ann),
    )
    .await
    .assert_status(StatusCode::SEE_OTHER);
    assert!(t
        .state
        .store()
        .user_by_email("ann@new.example.org")
        .unwrap()
        .is_some());
}

#[tokio::test]
async fn maintainer_names_carry_a_badge_and_lookalikes_do_not() {
    let t = TestApp::new();
    let m = t.session("Max Mainwaring", Role::Maintainer);
    let c = t.session("Connie Contributor", Role::Contributor);
    for s in [&m, &c] {
        t.post_form(
            "/sections/usability/comments",
            &[("body", &format!("Comment by {}", s.user.name))],
            Some(s),
        )
        .await
        .assert_status(StatusCode::SEE_OTHER);
    }
    let n = t.propose_paragraph(&c.user.identity(), "usability", "An idea", "Text.");
    let badge = "<span class=\"badge\">Maintainer</span>";
    let page = t.get("/sections/usability", None).await;
    page.assert_contains(&format!("<strong>Max Mainwaring</strong> {badge}"));
    assert!(!page
        .body
        .contains(&format!("<strong>Connie Contributor</strong> {badge}")));

    // A review by a maintainer shows the badge on the proposal page; the contributor's
    // name in the list does not have one until they are made a maintainer.
    t.lib()
        .review(n, &m.user.identity(), quire_core::Verdict::Approved, "")
        .unwrap();
    t.get(&format!("/proposals/{n}"), None)
        .await
        .assert_contains(&format!("<strong>Max Mainwaring</strong> {badge}"));
    let list = t.get("/proposals", Some(&m)).await;
    assert!(!list.body.contains(&format!("Connie Contributor {badge}")));
    t.post_form(
        &format!("/accounts/{}/role", c.user.id),
        &[("role", "maintainer")],
        Some(&m),
    )
    .await
    .assert_status(StatusCode::OK);
    t.get("/proposals", Some(&m))
        .await
        .assert_contains(&format!("Connie Contributor {badge}"));
    // The anonymous (cached) section page shows the new badge too.
    t.get("/sections/usability", None)
        .await
        .assert_contains(&format!("<strong>Connie Contributor</strong> {badge}"));
}

#[tokio::test]
async fn maintainers_appoint_maintainers_from_the_web() {
    let t = TestApp::new();
    let m = t.session("Max Mainwaring", Role::Maintainer);
    let c = t.session("Connie Contributor", Role::Contributor);
    // Contributors see no list and cannot appoint themselves.
    t.get("/accounts", Some(&c))
        .await
        .assert_status(StatusCode::FORBIDDEN);
    t.post_form(
        &format!("/accounts/{}/role", c.user.id),
        &[("role", "maintainer")],
        Some(&c),
    )
    .await
    .assert_status(StatusCode::FORBIDDEN);
    // Nor without the CSRF token.
    t.post_form_raw(
        &format!("/accounts/{}/role", c.user.id),
        &[("role", "maintainer")],
        Some(&m),
    )
    .await
    .assert_status(StatusCode::FORBIDDEN);
    assert_eq!(
        t.state.store().user(c.user.id).unwrap().unwrap().role,
        Role::Contributor
    );
    t.get("/accounts", Some(&m))
        .await
        .assert_status(StatusCode::OK)
        .assert_contains("Connie Contributor")
        .assert_contains(&c.user.email);
    t.post_form(
        &format!("/accounts/{}/role", c.user.id),
        &[("role", "maintainer")],
        Some(&m),
    )
    .await
    .assert_status(StatusCode::OK)
    .assert_contains("Connie Contributor is now a maintainer.");
    // The new maintainer can now see the list and remove the first one.
    t.post_form(
        &format!("/accounts/{}/role", m.user.id),
        &[("role", "contributor")],
        Some(&c),
    )
    .await
    .assert_status(StatusCode::OK);
    assert_eq!(
        t.state.store().user(m.user.id).unwrap().unwrap().role,
        Role::Contributor
    );
}

#[tokio::test]
async fn last_maintainer_cannot_be_removed() {
    let t = TestApp::new();
    let store = t.state.store();
    let (email, _) = t.first_maintainer.clone();
    let first = store.user_by_email(&email).unwrap().unwrap();
    let m = t.session("Max Mainwaring", Role::Maintainer);
    // Two maintainers: one may go.
    t.post_form(
        &format!("/accounts/{}/role", first.id),
        &[("role", "contributor")],
        Some(&m),
    )
    .await
    .assert_status(StatusCode::OK);
    // The last one may not, not even by their own hand.
    let r = t
        .post_form(
            &format!("/accounts/{}/role", m.user.id),
            &[("role", "contributor")],
            Some(&m),
        )
        .await;
    r.assert_status(StatusCode::CONFLICT)
        .assert_contains("only maintainer")
        .assert_contains("appoint another maintainer first");
    assert_eq!(
        store.user(m.user.id).unwrap().unwrap().role,
        Role::Maintainer
    );
    assert!(store.set_role(m.user.id, Role::Contributor).is_err());
}

#[tokio::test]
async fn revoked_token_refused() {
    let t = TestApp::new();
    let s = t.contributor();
    // Made through the API from the email and password, named, with an expiry.
    let r = t
        .api(
            Method::POST,
            "/api/v1/tokens",
            Some(json!({"email": s.user.email, "password": "a long enough password", "name": "nightly script", "expires_in_days": 30})),
            None,
        )
        .await;
    r.assert_status(StatusCode::CREATED);
    let made = r.json();
    let token = made["token"].as_str().unwrap().to_string();
    assert_eq!(made["name"], "nightly script");
    assert!(made["expires"].is_string());
    let id = made["id"].as_i64().unwrap();

    let listed = t
        .api(Method::GET, "/api/v1/tokens", None, Some(&token))
        .await;
    listed.assert_status(StatusCode::OK);
    let listed = listed.json();
    assert_eq!(listed[0]["name"], "nightly script");
    assert!(listed[0]["last_used"].is_string(), "{listed}");
    assert!(
        !listed.to_string().contains(&token),
        "the list never holds the secret"
    );
    // Someone else cannot revoke it.
    let (_, other) = t.api_token("Olga Other", Role::Contributor);
    t.api(
        Method::DELETE,
        &format!("/api/v1/tokens/{id}"),
        None,
        Some(&other),
    )
    .await
    .assert_status(StatusCode::NOT_FOUND);
    t.api(
        Method::DELETE,
        &format!("/api/v1/tokens/{id}"),
        None,
        Some(&token),
    )
    .await
    .assert_status(StatusCode::NO_CONTENT);
    let r = t
        .api(Method::GET, "/api/v1/tokens", None, Some(&token))
        .await;
    r.assert_status(StatusCode::UNAUTHORIZED);
    assert_eq!(r.json()["error"]["status"], 401);
    t.api(
        Method::POST,
        "/api/v1/sections/usability/comments",
        Some(json!({"body": "still here?"})),
        Some(&token),
    )
    .await
    .assert_status(StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn expired_token_refused() {
    let t = TestApp::new();
    let s = t.contributor();
    let store = t.state.store();
    let made = now() - 3 * 24 * 3600;
    let (_, token) = store
        .create_api_token_at(s.user.id, "old", Some(made + 24 * 3600), made)
        .unwrap();
    let r = t
        .api(Method::GET, "/api/v1/tokens", None, Some(&token))
        .await;
    r.assert_status(StatusCode::UNAUTHORIZED);
    assert_eq!(r.json()["error"]["status"], 401);
    // Until it expired, it worked.
    assert!(store.token_user_at(&token, made + 3600).unwrap().is_some());
    assert!(store
        .token_user_at(&token, made + 24 * 3600 + 1)
        .unwrap()
        .is_none());
}

#[tokio::test]
async fn tokens_made_on_the_account_page_are_shown_once_and_revocable() {
    let t = TestApp::new();
    let s = t.contributor();
    let r = t
        .post_form(
            "/account/tokens",
            &[("token_name", "my laptop"), ("expires_in_days", "90")],
            Some(&s),
        )
        .await;
    r.assert_status(StatusCode::OK)
        .assert_contains("shown only this once");
    let token = r
        .body
        .split("value=\"qt_")
        .nth(1)
        .map(|rest| format!("qt_{}", &rest[..64]))
        .unwrap();
    t.api(Method::GET, "/api/v1/tokens", None, Some(&token))
        .await
        .assert_status(StatusCode::OK);
    let page = t.get("/account", Some(&s)).await;
    page.assert_contains("my laptop");
    assert!(!page.body.contains(&token), "shown once only");
    // A token needs a name.
    t.post_form("/account/tokens", &[("token_name", "  ")], Some(&s))
        .await
        .assert_status(StatusCode::UNPROCESSABLE_ENTITY)
        .assert_contains("href=\"#token_name\"");
    let id = t.state.store().api_tokens(s.user.id).unwrap()[0].id;
    t.post_form(&format!("/account/tokens/{id}/revoke"), &[], Some(&s))
        .await
        .assert_status(StatusCode::SEE_OTHER);
    t.api(Method::GET, "/api/v1/tokens", None, Some(&token))
        .await
        .assert_status(StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn sign_out_everywhere_revokes_sessions_and_tokens() {
    let t = TestApp::new();
    let s = t.contributor();
    let laptop = t.state.store().create_session(s.user.id).unwrap();
    let laptop = Session {
        token: laptop,
        ..s.clone()
    };
    let token = t
        .state
        .store()
        .create_api_token(s.user.id, "script")
        .unwrap();

    // Plain sign-out ends only this session; the token keeps working.
    t.post_form("/signout", &[], Some(&laptop))
        .await
        .assert_status(StatusCode::SEE_OTHER);
    assert!(t
        .state
        .store()
        .session_user(&laptop.token)
        .unwrap()
        .is_none());
    assert!(t.state.store().session_user(&s.token).unwrap().is_some());
    t.api(Method::GET, "/api/v1/tokens", None, Some(&token))
        .await
        .assert_status(StatusCode::OK);

    // Everywhere without the box: every session ends, tokens stay.
    let other = t.state.store().create_session(s.user.id).unwrap();
    t.post_form("/account/signout-everywhere", &[], Some(&s))
        .await
        .assert_status(StatusCode::SEE_OTHER);
    assert!(t.state.store().session_user(&s.token).unwrap().is_none());
    assert!(t.state.store().session_user(&other).unwrap().is_none());
    t.api(Method::GET, "/api/v1/tokens", None, Some(&token))
        .await
        .assert_status(StatusCode::OK);

    // With the box ticked, tokens are revoked too.
    let again = Session {
        token: t.state.store().create_session(s.user.id).unwrap(),
        ..s.clone()
    };
    t.post_form(
        "/account/signout-everywhere",
        &[("tokens", "revoke")],
        Some(&again),
    )
    .await
    .assert_status(StatusCode::SEE_OTHER);
    assert!(t
        .state
        .store()
        .session_user(&again.token)
        .unwrap()
        .is_none());
    t.api(Method::GET, "/api/v1/tokens", None, Some(&token))
        .await
        .assert_status(StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn password_change_needs_the_current_password_and_signs_out_elsewhere() {
    let t = TestApp::new();
    let s = t.contributor();
    let elsewhere = t.state.store().create_session(s.user.id).unwrap();
    t.post_form(
        "/account/change-password",
        &[
            ("current_password", "not my password"),
            ("password", "a new long passphrase"),
        ],
        Some(&s),
    )
    .await
    .assert_status(StatusCode::UNPROCESSABLE_ENTITY)
    .assert_contains("href=\"#current_password\"");
    t.post_form(
        "/account/change-password",
        &[
            ("current_password", "a long enough password"),
            ("password", "a new long passphrase"),
        ],
        Some(&s),
    )
    .await
    .assert_status(StatusCode::SEE_OTHER);
    assert!(t.state.store().session_user(&s.token).unwrap().is_some());
    assert!(t.state.store().session_user(&elsewhere).unwrap().is_none());
    assert!(t
        .state
        .store()
        .verify_login(&s.user.email, "a new long passphrase")
        .unwrap()
        .is_some());
}

#[tokio::test]
async fn reset_link_sets_a_password_once() {
    let t = TestApp::new();
    let m = t.maintainer();
    let c = t.contributor();
    let r = t
        .post_form(
            &format!("/accounts/{}/reset-link", c.user.id),
            &[],
            Some(&m),
        )
        .await;
    r.assert_status(StatusCode::OK)
        .assert_contains("Reset link for Connie Contributor");
    let token: String = r
        .body
        .split("/reset/")
        .nth(1)
        .unwrap()
        .chars()
        .take(64)
        .collect();
    let path = format!("/reset/{token}");
    // Contributors cannot make one.
    t.post_form(
        &format!("/accounts/{}/reset-link", m.user.id),
        &[],
        Some(&c),
    )
    .await
    .assert_status(StatusCode::FORBIDDEN);
    t.get(&path, None)
        .await
        .assert_status(StatusCode::OK)
        .assert_contains("Connie Contributor");
    t.post_form(&path, &[("password", "short")], None)
        .await
        .assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    t.post_form(&path, &[("password", "reset to this passphrase")], None)
        .await
        .assert_status(StatusCode::SEE_OTHER);
    assert!(t
        .state
        .store()
        .verify_login(&c.user.email, "reset to this passphrase")
        .unwrap()
        .is_some());
    assert!(t.state.store().session_user(&c.token).unwrap().is_none());
    // Used up.
    t.post_form(&path, &[("password", "and again to this one")], None)
        .await
        .assert_status(StatusCode::FORBIDDEN);
    t.get(&path, None)
        .await
        .assert_status(StatusCode::FORBIDDEN);
    // And a link expires after a day.
    let old = t
        .state
        .store()
        .create_reset_link_at(c.user.id, now() - ONE_TIME_SECONDS - 1)
        .unwrap();
    t.get(&format!("/reset/{old}"), None)
        .await
        .assert_status(StatusCode::FORBIDDEN)
        .assert_contains("expired");
}

#[tokio::test]
async fn a_store_from_before_accounts_had_rules_is_migrated() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("accounts.sqlite3");
    {
        // The schema as it was at version 0, with the first maintainer and a token.
        let conn = rusqlite::Connection::open(&path).unwrap();
        conn.execute_batch(
            "CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT NOT NULL, email TEXT NOT NULL UNIQUE COLLATE NOCASE, password_hash TEXT NOT NULL, role TEXT NOT NULL CHECK (role IN ('contributor', 'maintainer')), blocked INTEGER NOT NULL DEFAULT 0, created TEXT NOT NULL);
             CREATE TABLE sessions (token_hash TEXT PRIMARY KEY, user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE, expires INTEGER NOT NULL);
             CREATE TABLE api_tokens (token_hash TEXT PRIMARY KEY, user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE, label TEXT NOT NULL, created TEXT NOT NULL);
             CREATE TABLE reports (id INTEGER PRIMARY KEY, reporter_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE, kind TEXT NOT NULL, target TEXT NOT NULL, comment_id INTEGER, reason TEXT NOT NULL, created TEXT NOT NULL, resolved INTEGER NOT NULL DEFAULT 0);
             INSERT INTO users VALUES (1, 'Maintainer', 'maintainer@localhost.invalid', 'x', 'maintainer', 0, '2026-01-01T00:00:00Z');
             INSERT INTO users VALUES (2, 'Ann Example', 'ann@example.org', 'x', 'contributor', 0, '2026-01-01T00:00:00Z');
             INSERT INTO api_tokens VALUES ('abc', 2, 'old script', '2026-01-01T00:00:00Z');",
        )
        .unwrap();
    }
    let store = Store::open(&path).unwrap();
    let first = store.user(1).unwrap().unwrap();
    assert!(
        first.must_change_password,
        "the printed password was never changeable"
    );
    assert!(!store.user(2).unwrap().unwrap().must_change_password);
    // Skeletons were filled in: a look-alike of an existing name is refused.
    let dup = store.create_user(
        "ANN EXAMPIE",
        "eve@example.org",
        "correct horse battery",
        Role::Contributor,
    );
    assert!(dup.is_err(), "{dup:?}");
    let tokens = store.api_tokens(2).unwrap();
    assert_eq!(tokens.len(), 1);
    assert_eq!(tokens[0].name, "old script");
    assert_eq!(tokens[0].expires, None);
    drop(store);
    // Opening again changes nothing more.
    let store = Store::open(&path).unwrap();
    assert_eq!(store.user_count().unwrap(), 2);
    let version: i64 = rusqlite::Connection::open(&path)
        .unwrap()
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .unwrap();
    assert_eq!(version, quire_server::store::SCHEMA_VERSION);
}

#[tokio::test]
async fn first_maintainer_chooses_a_password_through_the_api_without_a_browser() {
    let t = TestApp::new();
    let (email, one_time) = t.first_maintainer.clone();
    let ask = |body: serde_json::Value| t.api(Method::POST, "/api/v1/tokens", Some(body), None);
    // The one-time password alone gets no token.
    ask(json!({"email": email, "password": one_time}))
        .await
        .assert_status(StatusCode::FORBIDDEN)
        .assert_contains("new_password");
    // A weak new password is refused and changes nothing.
    ask(json!({"email": email, "password": one_time, "new_password": "short"}))
        .await
        .assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    let r =
        ask(json!({"email": email, "password": one_time, "new_password": "a headless passphrase"}))
            .await;
    r.assert_status(StatusCode::CREATED);
    let token = r.json()["token"].as_str().unwrap().to_string();
    t.api(Method::GET, "/api/v1/tokens", None, Some(&token))
        .await
        .assert_status(StatusCode::OK);
    // The one-time password is spent.
    ask(json!({"email": email, "password": one_time}))
        .await
        .assert_status(StatusCode::UNAUTHORIZED);
}

/// A reset link is an absolute link: like the feeds' links, it comes from the configured
/// public address (`--public-url`), never from the request's `Host` header, which anyone
/// can set.
#[tokio::test]
async fn reset_link_ignores_host_header() {
    let t = TestApp::with_config(|c| c.public_url = Some("https://quire.example.org".into()));
    let m = t.maintainer();
    let c = t.contributor();
    let body = serde_urlencoded::to_string([("csrf", t.form_token(Some(&m)))]).unwrap();
    let r = t
        .send(
            axum::http::Request::builder()
                .method("POST")
                .uri(format!("/accounts/{}/reset-link", c.user.id))
                .header("host", "evil.example")
                .header("content-type", "application/x-www-form-urlencoded")
                .header(
                    "cookie",
                    format!("quire_csrf={}; quire_session={}", m.csrf, m.token),
                )
                .body(axum::body::Body::from(body))
                .unwrap(),
        )
        .await;
    r.assert_status(StatusCode::OK)
        .assert_contains("https://quire.example.org/reset/");
    assert!(!r.body.contains("evil.example"), "{}", r.body);
}
