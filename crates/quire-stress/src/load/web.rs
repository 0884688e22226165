//! Simulated web clients: each signs in with a token and reads, proposes, comments,
//! revises, reviews and merges through the JSON API and the pages.

use super::*;

/// One simulated web client.
pub(super) struct Ctx {
    pub(super) sh: Arc<Shared>,
    pub(super) me: usize,
    pub(super) http: Client,
    pub(super) token: String,
    pub(super) rng: fastrand::Rng,
}

impl Ctx {
    /// Sends a request, records it, and returns the answer if it was 2xx.
    pub(super) async fn call(
        &mut self,
        kind: &'static str,
        method: hyper::Method,
        path: &str,
        body: Option<Value>,
    ) -> Result<Response, Option<Response>> {
        let start = Instant::now();
        let res = match (&method, body) {
            (&hyper::Method::GET, _) => self.http.get(path).await,
            (_, Some(b)) => self.http.post_json(path, Some(&self.token), &b).await,
            (_, None) => {
                self.http
                    .post_json(path, Some(&self.token), &Value::Null)
                    .await
            }
        };
        match res {
            Ok(r) if r.is_success() => {
                self.sh.record(kind, Ok(()), Some(start.elapsed()));
                Ok(r)
            }
            Ok(r) => {
                let (bucket, expected) = classify(&r);
                if !expected {
                    self.sh
                        .finding(format!("{kind} {path}: {} {}", r.status, r.message()));
                }
                self.sh.record(kind, Err(bucket), Some(start.elapsed()));
                Err(Some(r))
            }
            Err(e) => {
                if !self.sh.crash_mode {
                    self.sh.finding(format!("{kind} {path}: no answer ({e:?})"));
                }
                self.sh.record(kind, Err(e.kind().to_string()), None);
                if matches!(e, Transport::Unavailable) {
                    tokio::time::sleep(Duration::from_millis(20)).await;
                }
                Err(None)
            }
        }
    }

    pub(super) fn section(&mut self) -> String {
        self.sh.sections[self.rng.usize(0..self.sh.sections.len())].clone()
    }

    pub(super) async fn read(&mut self) {
        let roll = self.rng.u32(0..100);
        if roll < 20 {
            let _ = self
                .call("read page /", hyper::Method::GET, "/", None)
                .await;
        } else if roll < 45 {
            let s = self.section();
            let _ = self
                .call(
                    "read section page",
                    hyper::Method::GET,
                    &format!("/sections/{s}"),
                    None,
                )
                .await;
        } else if roll < 65 {
            if let Some(n) = self.sh.pick_known(&mut self.rng) {
                let _ = self
                    .call(
                        "read proposal page",
                        hyper::Method::GET,
                        &format!("/proposals/{n}"),
                        None,
                    )
                    .await;
            }
        } else if roll < 90 {
            if let Some(n) = self.sh.pick_known(&mut self.rng) {
                let _ = self
                    .call(
                        "read proposal api",
                        hyper::Method::GET,
                        &format!("/api/v1/proposals/{n}"),
                        None,
                    )
                    .await;
            }
        } else {
            let s = self.section();
            let _ = self
                .call(
                    "read section api",
                    hyper::Method::GET,
                    &format!("/api/v1/sections/{s}"),
                    None,
                )
                .await;
        }
    }

    async fn maintainer_step(&mut self) {
        let roll = self.rng.u32(0..100);
        if roll < 35 {
            self.read().await;
        } else if roll < 75 {
            self.approve_and_merge().await;
        } else if roll < 82 {
            if let Some(p) = self.sh.pick_open(&mut self.rng, None) {
                self.review(p.n, "request_changes").await;
            }
        } else if roll < 87 {
            if let Some(p) = self.sh.pick_open(&mut self.rng, None) {
                self.reject(p.n, "Out of scope").await;
            }
        } else {
            self.comment_proposal().await;
        }
    }

    async fn contributor_step(&mut self) {
        let roll = self.rng.u32(0..100);
        if roll < 40 {
            self.read().await;
        } else if roll < 62 {
            self.propose().await;
        } else if roll < 77 {
            self.comment_proposal().await;
        } else if roll < 87 {
            self.comment_section().await;
        } else {
            self.revise().await;
        }
    }
}

/// An account for a simulated client.
pub struct Account {
    pub token: String,
    pub maintainer: bool,
}

/// Runs one simulated client until the deadline.
pub async fn web_client(sh: Arc<Shared>, me: usize, account: Account, seed: u64) {
    let mut ctx = Ctx {
        http: Client::new(sh.server.clone()),
        sh,
        me,
        token: account.token,
        rng: fastrand::Rng::with_seed(seed.wrapping_add(me as u64 * 7919)),
    };
    while ctx.sh.running() {
        if account.maintainer {
            ctx.maintainer_step().await;
        } else {
            ctx.contributor_step().await;
        }
    }
}

/// Gets an API token for an existing account, first setting `new_password` if given
/// (the first maintainer's printed password works only to choose a new one).
pub async fn token(
    http: &mut Client,
    email: &str,
    password: &str,
    new_password: Option<&str>,
) -> anyhow::Result<String> {
    let mut body = json!({ "email": email, "password": password, "label": "stress" });
    if let Some(n) = new_password {
        body["new_password"] = json!(n);
    }
    let r = http
        .post_json("/api/v1/tokens", None, &body)
        .await
        .map_err(|e| anyhow::anyhow!("POST /api/v1/tokens: {e:?}"))?;
    anyhow::ensure!(
        r.status == 201,
        "POST /api/v1/tokens: {} {}",
        r.status,
        r.message()
    );
    r.json()["token"]
        .as_str()
        .map(str::to_string)
        .ok_or_else(|| anyhow::anyhow!("POST /api/v1/tokens gave no token"))
}

/// The value of the hidden `csrf` field of the first form on a page.
fn form_token(body: &[u8]) -> Option<String> {
    let html = String::from_utf8_lossy(body);
    let marker = "name=\"csrf\" value=\"";
    let start = html.find(marker)? + marker.len();
    let len = html[start..].find('"')?;
    Some(html[start..start + len].to_string())
}

/// Signs up a contributor through the sign-up form (with the CSRF cookie the page sets
/// and the token its form carries) and gets an API token for it.
pub async fn sign_up(http: &mut Client, i: usize) -> anyhow::Result<String> {
    let page = http
        .get("/signup")
        .await
        .map_err(|e| anyhow::anyhow!("GET /signup: {e:?}"))?;
    let csrf = cookie_value(&page.set_cookies, "quire_csrf")
        .ok_or_else(|| anyhow::anyhow!("GET /signup set no quire_csrf cookie"))?;
    let field = form_token(&page.body)
        .ok_or_else(|| anyhow::anyhow!("GET /signup: no csrf field in the form"))?;
    let email = format!("client{i}@example.org");
    let password = format!("stress-password-{i}");
    let form = serde_urlencoded::to_string([
        ("csrf", field.as_str()),
        ("name", &format!("Client {i}")),
        ("email", &email),
        ("password", &password),
    ])?;
    let cookie = format!("quire_csrf={csrf}");
    let r = http
        .send(
            hyper::Method::POST,
            "/signup",
            &[("cookie", &cookie)],
            Some(("application/x-www-form-urlencoded", form.into_bytes())),
        )
        .await
        .map_err(|e| anyhow::anyhow!("POST /signup: {e:?}"))?;
    anyhow::ensure!(
        r.status == 303,
        "POST /signup: {} {}",
        r.status,
        r.message()
    );
    token(http, &email, &password, None).await
}
