//! Test harness: a real app over a real library and account store in a temporary
//! directory, driven through the router with `tower::ServiceExt::oneshot`.

#![allow(dead_code, clippy::unwrap_used)]

use axum::body::Body;
use axum::http::{header, Method, Request, StatusCode};
use axum::Router;
use http_body_util::BodyExt;
use quire_server::{AppState, Config, Role, User};
use tempfile::TempDir;
use tower::ServiceExt;

/// A running app with its data directory.
pub struct TestApp {
    pub dir: TempDir,
    pub state: AppState,
    pub app: Router,
    /// The first maintainer's email and one-time password.
    pub first_maintainer: (String, String),
}

/// A signed-in browser: session cookie and CSRF cookie.
#[derive(Clone, Debug)]
pub struct Session {
    pub user: User,
    pub token: String,
    pub csrf: String,
}

/// A response, read whole.
#[derive(Debug)]
pub struct Resp {
    pub status: StatusCode,
    pub headers: axum::http::HeaderMap,
    pub body: String,
}

impl Resp {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }
    pub fn location(&self) -> Option<&str> {
        self.headers
            .get(header::LOCATION)
            .and_then(|v| v.to_str().ok())
    }
    /// Asserts the status, showing the body when it differs.
    pub fn assert_status(&self, want: StatusCode) -> &Resp {
        assert_eq!(
            self.status,
            want,
            "body: {}",
            &self.body[..self.body.len().min(2000)]
        );
        self
    }
    pub fn assert_contains(&self, needle: &str) -> &Resp {
        assert!(
            self.body.contains(needle),
            "{needle:?} not in body:\n{}",
            self.body
        );
        self
    }
}

/// The CSRF cookie every test browser has.
pub const CSRF: &str = "testcsrftoken0123456789";
/// The key of form tokens in every test app (`Config::form_key`).
pub const FORM_KEY: &str = "test-form-key";

/// The form token a page shows a browser with the [`CSRF`] cookie and this session
/// cookie (none: not signed in).
pub fn form_token_for(session: Option<&str>) -> String {
    quire_server::auth::form_token(FORM_KEY.as_bytes(), CSRF, session)
}

impl TestApp {
    pub fn new() -> TestApp {
        TestApp::with_config(|_| {})
    }

    /// Creates an account and a session for it.
    pub fn session(&self, name: &str, role: Role) -> Session {
        let email = format!("{}@example.org", name.to_lowercase().replace(' ', "."));
        let user = self
            .state
            .store()
            .create_user(name, &email, "a long enough password", role)
            .unwrap();
        let token = self.state.store().create_session(user.id).unwrap();
        Session {
            user,
            token,
            csrf: CSRF.into(),
        }
    }

    pub fn contributor(&self) -> Session {
        self.session("Connie Contributor", Role::Contributor)
    }

    pub fn maintainer(&self) -> Session {
        self.session("Max Maintainer", Role::Maintainer)
    }

    /// An API token for a new account.
    pub fn api_token(&self, name: &str, role: Role) -> (User, String) {
        let s = self.session(name, role);
        let t = self
            .state
            .store()
            .create_api_token(s.user.id, "tests")
            .unwrap();
        (s.user, t)
    }

    pub async fn send(&self, req: Request<Body>) -> Resp {
        let res = self.app.clone().oneshot(req).await.unwrap();
        let status = res.status();
        let headers = res.headers().clone();
        let bytes = res.into_body().collect().await.unwrap().to_bytes();
        Resp {
            status,
            headers,
            body: String::from_utf8_lossy(&bytes).into_owned(),
        }
    }

    fn cookies(session: Option<&Session>) -> String {
        match session {
            Some(s) => format!("quire_csrf={}; quire_session={}", s.csrf, s.token),
            None => format!("quire_csrf={CSRF}"),
        }
    }

    /// GET a page as a visitor (None) or a signed-in session.
    pub async fn get(&self, path: &str, session: Option<&Session>) -> Resp {
        let req = Request::builder()
            .uri(path)
            .header(header::COOKIE, Self::cookies(session))
            .body(Body::empty())
            .unwrap();
        self.send(req).await
    }

    /// The form token a page shows this browser (the CSRF cookie [`CSRF`], and the
    /// session's cookie if signed in).
    pub fn form_token(&self, session: Option<&Session>) -> String {
        match session {
            Some(s) => self.state.form_token(&s.csrf, Some(&s.token)),
            None => self.state.form_token(CSRF, None),
        }
    }

    /// [`TestApp::form_token`] for a session cookie alone.
    pub fn form_token_of(&self, session: Option<&str>) -> String {
        self.state.form_token(CSRF, session)
    }

    /// POST a form with the right CSRF token added.
    pub async fn post_form(
        &self,
        path: &str,
        fields: &[(&str, &str)],
        session: Option<&Session>,
    ) -> Resp {
        let token = self.form_token(session);
        let mut all: Vec<(&str, &str)> = vec![("csrf", &token)];
        all.extend_from_slice(fields);
        self.post_form_raw(path, &all, session).await
    }

    /// POST a form exactly as given (no CSRF token added).
    pub async fn post_form_raw(
        &self,
        path: &str,
        fields: &[(&str, &str)],
        session: Option<&Session>,
    ) -> Resp {
        let body = serde_urlencoded::to_string(fields).unwrap();
        let req = Request::builder()
            .method(Method::POST)
            .uri(path)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(header::COOKIE, Self::cookies(session))
            .body(Body::from(body))
            .unwrap();
        self.send(req).await
    }

    /// Calls the JSON API.
    pub async fn api(
        &self,
        method: Method,
        path: &str,
        body: Option<serde_json::Value>,
        token: Option<&str>,
    ) -> Resp {
        let mut req = Request::builder().method(method).uri(path);
        if let Some(t) = token {
            req = req.header(header::AUTHORIZATION, format!("Bearer {t}"));
        }
        let req = match body {
            Some(b) => req
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from(b.to_string()))
                .unwrap(),
            None => req.body(Body::empty()).unwrap(),
        };
        self.send(req).await
    }

    /// Every ref in the library and what it points at (to check that nothing changed).
    pub fn refs(&self) -> String {
        quire_testkit::refs(self.state.library_path())
    }

    /// The library, for checking results.
    pub fn lib(&self) -> quire_core::Library {
        quire_core::Library::open_no_repair(self.state.library_path()).unwrap()
    }
}

impl TestApp {
    /// As [`TestApp::new`], with other allowances for writes and sign-in attempts per
    /// minute (to test the limits).
    pub fn with_limits(writes_per_minute: u32, auth_attempts_per_minute: u32) -> TestApp {
        TestApp::with_config(|c| {
            c.writes_per_minute = writes_per_minute;
            c.auth_attempts_per_minute = auth_attempts_per_minute;
        })
    }

    /// As [`TestApp::new`], with the settings changed by `change` (generous allowances
    /// first, as in `new`).
    pub fn with_config(change: impl FnOnce(&mut Config)) -> TestApp {
        let dir = tempfile::tempdir().unwrap();
        let mut config = Config::new(dir.path().join("data"));
        config.form_key = Some(FORM_KEY.into());
        config.writes_per_minute = 10_000;
        config.auth_attempts_per_minute = 10_000;
        change(&mut config);
        let (state, setup) = AppState::open(config).unwrap();
        let app = quire_server::app(state.clone());
        TestApp {
            dir,
            state,
            app,
            first_maintainer: setup.first_maintainer.unwrap(),
        }
    }

    /// Serves the app on a real loopback socket (as `quire serve` does) in a background
    /// task; returns its address.
    pub async fn serve(&self) -> std::net::SocketAddr {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(quire_server::serve_on(self.state.clone(), listener));
        addr
    }

    /// Calls the API with exactly these headers and body: for malformed requests.
    pub async fn api_raw(
        &self,
        method: Method,
        path: &str,
        authorization: Option<&str>,
        content_type: Option<&str>,
        body: &str,
    ) -> Resp {
        let mut req = Request::builder().method(method).uri(path);
        if let Some(a) = authorization {
            req = req.header(header::AUTHORIZATION, a);
        }
        if let Some(c) = content_type {
            req = req.header(header::CONTENT_TYPE, c);
        }
        self.send(req.body(Body::from(body.to_string())).unwrap())
            .await
    }
}

impl TestApp {
    /// Opens a proposal by `who` that adds `paragraph` at the end of `section` on `main`;
    /// returns its number. (Straight through `quire_core`, as the CLI would.)
    pub fn propose_paragraph(
        &self,
        who: &quire_core::Identity,
        section: &str,
        title: &str,
        paragraph: &str,
    ) -> u64 {
        let lib = self.lib();
        let text = lib.section(section, "main").unwrap().text;
        lib.propose(&quire_core::NewProposal {
            title: title.into(),
            rationale: format!("Rationale: {title}"),
            author: who.clone(),
            changes: vec![(
                quire_core::SectionId::new(section).unwrap(),
                format!("{text}\n{paragraph}\n"),
            )],
            base: None,
        })
        .unwrap()
        .number
    }

    /// Approves proposal `n` and merges it into `main`, as `maintainer`.
    pub fn approve_and_merge(&self, n: u64, maintainer: &quire_core::Identity) {
        let lib = self.lib();
        lib.review(n, maintainer, quire_core::Verdict::Approved, "")
            .unwrap();
        lib.merge(n, maintainer).unwrap();
    }

    /// Runs `git` in the library and returns what it printed.
    pub fn git(&self, args: &[&str]) -> String {
        quire_testkit::git(self.state.library_path(), args)
    }

    /// Asserts that `git fsck --strict` finds nothing wrong in the library.
    pub fn assert_fsck_clean(&self) {
        quire_testkit::assert_fsck_clean(self.state.library_path())
    }
}

impl TestApp {
    /// An account that was blocked and then signed in again: its session is live but the
    /// account may not write.
    pub fn blocked_signed_in(&self, name: &str, role: Role) -> Session {
        let s = self.session(name, role);
        self.state.store().set_blocked(s.user.id, true).unwrap();
        let token = self.state.store().create_session(s.user.id).unwrap();
        let mut user = s.user.clone();
        user.blocked = true;
        Session { user, token, ..s }
    }
}
