//! The load: simulated web clients over the JSON API and pages, and CLI writers, all
//! recording what was acknowledged, what failed and how long each request took.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::http::{cookie_value, Client, Response, ServerAddr, Transport};

/// At most this many proposals per simulated client are kept open: past it, clients
/// comment and revise instead of proposing, so every run stays the same size.
const OPEN_PER_CLIENT: usize = 4;

/// A write the server (2xx) or the CLI (exit 0 with JSON) said was done.
#[derive(Debug, Clone)]
pub enum Ack {
    Proposal {
        n: u64,
        title: String,
    },
    ProposalComment {
        n: u64,
        id: u64,
        body: String,
    },
    SectionComment {
        section: String,
        id: u64,
        body: String,
    },
    Revision {
        n: u64,
        r: u64,
        commit: String,
    },
    Review {
        n: u64,
        verdict: &'static str,
        comment: String,
    },
    Merge {
        n: u64,
        commit: String,
    },
    Reject {
        n: u64,
        reason: String,
    },
}

impl Ack {
    /// The kind, for the acknowledged-vs-found table.
    pub fn kind(&self) -> &'static str {
        match self {
            Ack::Proposal { .. } => "proposal",
            Ack::ProposalComment { .. } => "proposal comment",
            Ack::SectionComment { .. } => "section comment",
            Ack::Revision { .. } => "revision",
            Ack::Review { .. } => "review",
            Ack::Merge { .. } => "merge",
            Ack::Reject { .. } => "reject",
        }
    }
}

/// Counts and latencies of one kind of operation.
#[derive(Debug, Default, Clone)]
pub struct KindStats {
    pub ok: u64,
    pub errors: BTreeMap<String, u64>,
    /// Latency of every answered request (any status), in microseconds.
    pub latencies_us: Vec<u64>,
}

/// A proposal that is open as far as the load knows.
#[derive(Debug, Clone)]
struct OpenProposal {
    n: u64,
    /// The simulated client that wrote it (`None`: a CLI writer).
    owner: Option<usize>,
    section: String,
    base_text: String,
    line: usize,
}

/// Everything the tasks share.
pub struct Shared {
    pub server: ServerAddr,
    pub deadline: Instant,
    pub stop: AtomicBool,
    pub crash_mode: bool,
    sections: Vec<String>,
    stats: Mutex<BTreeMap<&'static str, KindStats>>,
    acks: Mutex<Vec<Ack>>,
    open: Mutex<Vec<OpenProposal>>,
    known: Mutex<Vec<u64>>,
    /// Problems that fail the run even before the git checks (5xx, unexpected statuses,
    /// an acknowledged proposal that a read right after did not show).
    pub findings: Mutex<Vec<String>>,
    tags: AtomicU64,
    cap_open: usize,
    /// While set, CLI writers start no new command; `cli_busy` counts commands running.
    cli_paused: AtomicBool,
    cli_busy: AtomicU64,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl Shared {
    pub fn new(
        server: ServerAddr,
        deadline: Instant,
        sections: Vec<String>,
        clients: usize,
        crash_mode: bool,
    ) -> Shared {
        Shared {
            server,
            deadline,
            stop: AtomicBool::new(false),
            crash_mode,
            sections,
            stats: Mutex::default(),
            acks: Mutex::default(),
            open: Mutex::default(),
            known: Mutex::default(),
            findings: Mutex::default(),
            tags: AtomicU64::new(0),
            cap_open: clients.max(1) * OPEN_PER_CLIENT,
            cli_paused: AtomicBool::new(false),
            cli_busy: AtomicU64::new(0),
        }
    }

    /// Stops CLI writers from starting commands and waits for running ones to end.
    pub async fn pause_cli(&self) {
        self.cli_paused.store(true, Ordering::SeqCst);
        while self.cli_busy.load(Ordering::SeqCst) > 0 {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }

    /// Lets CLI writers go on.
    pub fn resume_cli(&self) {
        self.cli_paused.store(false, Ordering::SeqCst);
    }

    /// Waits while paused, then counts a CLI step as running (until the guard drops).
    fn cli_step(&self) -> CliStep<'_> {
        loop {
            while self.cli_paused.load(Ordering::SeqCst) {
                std::thread::sleep(Duration::from_millis(10));
            }
            self.cli_busy.fetch_add(1, Ordering::SeqCst);
            if !self.cli_paused.load(Ordering::SeqCst) {
                return CliStep(self);
            }
            self.cli_busy.fetch_sub(1, Ordering::SeqCst);
        }
    }

    fn running(&self) -> bool {
        !self.stop.load(Ordering::Relaxed) && Instant::now() < self.deadline
    }

    fn tag(&self) -> u64 {
        self.tags.fetch_add(1, Ordering::Relaxed)
    }

    /// Every acknowledged write so far.
    pub fn acks(&self) -> Vec<Ack> {
        lock(&self.acks).clone()
    }

    /// Operation statistics so far.
    pub fn stats(&self) -> BTreeMap<&'static str, KindStats> {
        lock(&self.stats).clone()
    }

    fn ack(&self, a: Ack) {
        if let Ack::Proposal { n, .. } = &a {
            lock(&self.known).push(*n);
        }
        lock(&self.acks).push(a);
    }

    fn finding(&self, f: String) {
        let mut all = lock(&self.findings);
        if all.len() < 200 {
            all.push(f);
        }
    }

    fn record(&self, kind: &'static str, outcome: Result<(), String>, latency: Option<Duration>) {
        let mut stats = lock(&self.stats);
        let s = stats.entry(kind).or_default();
        match outcome {
            Ok(()) => s.ok += 1,
            Err(e) => *s.errors.entry(e).or_default() += 1,
        }
        if let Some(l) = latency {
            s.latencies_us
                .push(u64::try_from(l.as_micros()).unwrap_or(u64::MAX));
        }
    }

    fn pick_open(
        &self,
        rng: &mut fastrand::Rng,
        owner: Option<Option<usize>>,
    ) -> Option<OpenProposal> {
        let open = lock(&self.open);
        let mine: Vec<&OpenProposal> = open
            .iter()
            .filter(|p| owner.is_none_or(|o| p.owner == o))
            .collect();
        if mine.is_empty() {
            None
        } else {
            Some(mine[rng.usize(0..mine.len())].clone())
        }
    }

    fn close(&self, n: u64) {
        lock(&self.open).retain(|p| p.n != n);
    }

    fn pick_known(&self, rng: &mut fastrand::Rng) -> Option<u64> {
        let known = lock(&self.known);
        (!known.is_empty()).then(|| known[rng.usize(0..known.len())])
    }

    fn room_to_propose(&self) -> bool {
        lock(&self.open).len() < self.cap_open
    }
}

/// A CLI step in progress (see [`Shared::pause_cli`]).
struct CliStep<'a>(&'a Shared);

impl Drop for CliStep<'_> {
    fn drop(&mut self) {
        self.0.cli_busy.fetch_sub(1, Ordering::SeqCst);
    }
}

/// Sorts a non-2xx answer into a bucket for the error table, and says whether it is
/// expected under this load (a lost race or a refusal the library's state explains).
pub fn classify(r: &Response) -> (String, bool) {
    let m = r.message().to_lowercase();
    match r.status {
        409 if m.contains("try again") => ("409 busy, try again".into(), true),
        409 if m.contains("cannot be merged yet") => ("409 not approved".into(), true),
        409 if m.contains("only an open proposal") => ("409 not open".into(), true),
        409 if m.contains("conflicts with main") => ("409 merge conflict".into(), true),
        409 if m.starts_with("no change") => ("409 no change".into(), true),
        s => {
            let short: String = m.chars().take(70).collect();
            (format!("{s} {short}"), false)
        }
    }
}

/// Picks a paragraph line (not a heading, not blank) of a section's text.
fn paragraph_line(text: &str, rng: &mut fastrand::Rng) -> usize {
    let candidates: Vec<usize> = text
        .lines()
        .enumerate()
        .filter(|(_, l)| {
            let t = l.trim();
            !t.is_empty() && !t.starts_with('#') && !t.starts_with('|') && !t.starts_with("```")
        })
        .map(|(i, _)| i)
        .collect();
    if candidates.is_empty() {
        text.lines().count().saturating_sub(1)
    } else {
        candidates[rng.usize(0..candidates.len())]
    }
}

/// The marker a change adds, found again on `main` by the checks.
pub fn marker(tag: &str) -> String {
    format!("[q:{tag}]")
}

/// `text` with ` [q:tag]` appended to line `line`.
fn marked(text: &str, line: usize, tag: &str) -> String {
    let mut out = String::with_capacity(text.len() + 32);
    for (i, l) in text.lines().enumerate() {
        out.push_str(l);
        if i == line {
            out.push(' ');
            out.push_str(&marker(tag));
        }
        out.push('\n');
    }
    out
}

/// One simulated web client.
struct Ctx {
    sh: Arc<Shared>,
    me: usize,
    http: Client,
    token: String,
    rng: fastrand::Rng,
}

impl Ctx {
    /// Sends a request, records it, and returns the answer if it was 2xx.
    async fn call(
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

    fn section(&mut self) -> String {
        self.sh.sections[self.rng.usize(0..self.sh.sections.len())].clone()
    }

    async fn read(&mut self) {
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

    async fn propose(&mut self) {
        if !self.sh.room_to_propose() {
            return self.comment_proposal().await;
        }
        let s = self.section();
        // The text at a known commit of main, proposed against that commit: without a
        // base, the text would replace whatever main holds when the proposal is written,
        // silently undoing anything merged in between.
        let Ok(r) = self
            .call(
                "read contents api",
                hyper::Method::GET,
                "/api/v1/sections",
                None,
            )
            .await
        else {
            return;
        };
        let Some(base) = r.json()["commit"].as_str().map(str::to_string) else {
            self.sh.finding("GET /api/v1/sections: no commit".into());
            return;
        };
        let Ok(r) = self
            .call(
                "read section api",
                hyper::Method::GET,
                &format!("/api/v1/sections/{s}?at={base}"),
                None,
            )
            .await
        else {
            return;
        };
        let Some(base_text) = r.json()["text"].as_str().map(str::to_string) else {
            return;
        };
        let line = paragraph_line(&base_text, &mut self.rng);
        let tag = format!("c{}-{}", self.me, self.sh.tag());
        let title = format!("Stress change {tag} to {s}");
        let body = json!({
            "title": title,
            "rationale": format!("Soak test change {tag}."),
            "changes": [{"section": s, "text": marked(&base_text, line, &tag)}],
            "base": base,
        });
        let Ok(r) = self
            .call(
                "propose",
                hyper::Method::POST,
                "/api/v1/proposals",
                Some(body),
            )
            .await
        else {
            return;
        };
        let Some(n) = r.json()["number"].as_u64() else {
            self.sh
                .finding(format!("propose {tag}: 201 without a number"));
            return;
        };
        self.sh.ack(Ack::Proposal {
            n,
            title: title.clone(),
        });
        lock(&self.sh.open).push(OpenProposal {
            n,
            owner: Some(self.me),
            section: s,
            base_text,
            line,
        });
        // Read your write: the next request sees it.
        match self
            .call(
                "read proposal api",
                hyper::Method::GET,
                &format!("/api/v1/proposals/{n}"),
                None,
            )
            .await
        {
            Ok(r) if r.json()["proposal"]["title"].as_str() == Some(title.as_str()) => {}
            Ok(r) => self.sh.finding(format!(
                "proposal #{n} ({title}) was acknowledged but a read right after shows {:?}",
                r.json()["proposal"]["title"]
            )),
            Err(Some(r)) => self.sh.finding(format!(
                "proposal #{n} ({title}) was acknowledged but a read right after gave {} {}",
                r.status,
                r.message()
            )),
            Err(None) => {}
        }
    }

    async fn comment_proposal(&mut self) {
        let Some(n) = self.sh.pick_known(&mut self.rng) else {
            return self.comment_section().await;
        };
        let body = format!("Comment {} from client {}.", self.sh.tag(), self.me);
        if let Ok(r) = self
            .call(
                "comment on proposal",
                hyper::Method::POST,
                &format!("/api/v1/proposals/{n}/comments"),
                Some(json!({ "body": body })),
            )
            .await
        {
            match r.json()["id"].as_u64() {
                Some(id) => self.sh.ack(Ack::ProposalComment { n, id, body }),
                None => self
                    .sh
                    .finding(format!("comment on #{n}: 201 without an id")),
            }
        }
    }

    async fn comment_section(&mut self) {
        let s = self.section();
        let body = format!("Section comment {} from client {}.", self.sh.tag(), self.me);
        if let Ok(r) = self
            .call(
                "comment on section",
                hyper::Method::POST,
                &format!("/api/v1/sections/{s}/comments"),
                Some(json!({ "body": body })),
            )
            .await
        {
            match r.json()["id"].as_u64() {
                Some(id) => self.sh.ack(Ack::SectionComment {
                    section: s,
                    id,
                    body,
                }),
                None => self
                    .sh
                    .finding(format!("comment on {s}: 201 without an id")),
            }
        }
    }

    async fn revise(&mut self) {
        let Some(p) = self.sh.pick_open(&mut self.rng, Some(Some(self.me))) else {
            return self.propose().await;
        };
        let tag = format!("c{}-{}", self.me, self.sh.tag());
        let body = json!({
            "changes": [{"section": p.section, "text": marked(&p.base_text, p.line, &tag)}],
            "note": format!("Revision {tag}"),
        });
        match self
            .call(
                "revise",
                hyper::Method::POST,
                &format!("/api/v1/proposals/{}/revisions", p.n),
                Some(body),
            )
            .await
        {
            Ok(r) => {
                let v = r.json();
                let latest = v["revisions"]
                    .as_array()
                    .and_then(|revs| revs.last())
                    .cloned()
                    .unwrap_or(Value::Null);
                match (latest["number"].as_u64(), latest["commit"].as_str()) {
                    (Some(rn), Some(c)) => self.sh.ack(Ack::Revision {
                        n: p.n,
                        r: rn,
                        commit: c.to_string(),
                    }),
                    _ => self
                        .sh
                        .finding(format!("revise #{}: 200 without a revision", p.n)),
                }
            }
            Err(Some(r)) if r.status == 409 && classify(&r).0 == "409 not open" => {
                self.sh.close(p.n);
            }
            Err(_) => {}
        }
    }

    async fn review(&mut self, n: u64, verdict: &'static str) -> bool {
        let comment = format!("Review {} ({verdict})", self.sh.tag());
        match self
            .call(
                if verdict == "approve" {
                    "approve"
                } else {
                    "request changes"
                },
                hyper::Method::POST,
                &format!("/api/v1/proposals/{n}/reviews"),
                Some(json!({ "verdict": verdict, "comment": comment })),
            )
            .await
        {
            Ok(_) => {
                self.sh.ack(Ack::Review {
                    n,
                    verdict,
                    comment,
                });
                true
            }
            Err(Some(r)) if classify(&r).0 == "409 not open" => {
                self.sh.close(n);
                false
            }
            Err(_) => false,
        }
    }

    async fn reject(&mut self, n: u64, why: &str) {
        let reason = format!("{why} ({})", self.sh.tag());
        match self
            .call(
                "reject",
                hyper::Method::POST,
                &format!("/api/v1/proposals/{n}/reject"),
                Some(json!({ "reason": reason })),
            )
            .await
        {
            Ok(_) => {
                self.sh.ack(Ack::Reject { n, reason });
                self.sh.close(n);
            }
            Err(Some(r)) if classify(&r).0 == "409 not open" => self.sh.close(n),
            Err(_) => {}
        }
    }

    async fn approve_and_merge(&mut self) {
        let Some(p) = self.sh.pick_open(&mut self.rng, None) else {
            return self.read().await;
        };
        if !self.review(p.n, "approve").await {
            return;
        }
        match self
            .call(
                "merge",
                hyper::Method::POST,
                &format!("/api/v1/proposals/{}/merge", p.n),
                None,
            )
            .await
        {
            Ok(r) => {
                let v = r.json();
                match v["merged"]["commit"].as_str() {
                    Some(c) => self.sh.ack(Ack::Merge {
                        n: p.n,
                        commit: c.to_string(),
                    }),
                    None => self
                        .sh
                        .finding(format!("merge #{}: 200 without a merge commit", p.n)),
                }
                self.sh.close(p.n);
            }
            Err(Some(r)) => match classify(&r).0.as_str() {
                "409 merge conflict" => self.reject(p.n, "Conflicts with main").await,
                "409 not open" => self.sh.close(p.n),
                _ => {}
            },
            Err(None) => {}
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

/// A CLI writer: `quire propose` and `quire comment` in a loop, straight on the library.
pub fn cli_writer(sh: &Shared, quire: &Path, repo: &Path, scratch: &Path, k: usize, seed: u64) {
    let mut rng = fastrand::Rng::with_seed(seed.wrapping_add(104_729 + k as u64));
    let author = format!("CLI Writer {k} <cli{k}@example.org>");
    let mut i = 0u64;
    while sh.running() {
        let _step = sh.cli_step();
        i += 1;
        let roll = rng.u32(0..100);
        if roll < 40 && sh.room_to_propose() {
            let s = sh.sections[rng.usize(0..sh.sections.len())].clone();
            // As the web clients do: the text at one commit, proposed against it.
            let Ok(head) = Command::new("git")
                .arg("--git-dir")
                .arg(repo)
                .args(["rev-parse", "refs/heads/main"])
                .output()
            else {
                continue;
            };
            let base = String::from_utf8_lossy(&head.stdout).trim().to_string();
            let Ok(out) = Command::new("git")
                .arg("--git-dir")
                .arg(repo)
                .args(["show", &format!("{base}:sections/{s}.md")])
                .output()
            else {
                continue;
            };
            let base_text = String::from_utf8_lossy(&out.stdout).into_owned();
            if !out.status.success() || base_text.is_empty() {
                continue;
            }
            let line = paragraph_line(&base_text, &mut rng);
            let tag = format!("cli{k}-{}", sh.tag());
            let file: PathBuf = scratch.join(format!("cli{k}-{i}.md"));
            if std::fs::write(&file, marked(&base_text, line, &tag)).is_err() {
                continue;
            }
            let title = format!("CLI change {tag} to {s}");
            let rationale = format!("Soak test change {tag} from the command line.");
            let v = run_cli(
                sh,
                "cli propose",
                Command::new(quire)
                    .arg("--repo")
                    .arg(repo)
                    .args(["--author", &author, "propose", &s, "--title", &title])
                    .args([
                        "--rationale",
                        &rationale,
                        "--base",
                        &base,
                        "--json",
                        "--file",
                    ])
                    .arg(&file),
            );
            let _ = std::fs::remove_file(&file);
            if let Some(v) = v {
                if let Some(n) = v["number"].as_u64() {
                    sh.ack(Ack::Proposal { n, title });
                    lock(&sh.open).push(OpenProposal {
                        n,
                        owner: None,
                        section: s,
                        base_text,
                        line,
                    });
                } else {
                    sh.finding(format!("quire propose {tag}: exit 0 without a number"));
                }
            }
        } else if roll < 75 {
            let Some(n) = sh.pick_known(&mut rng) else {
                continue;
            };
            let body = format!("CLI comment {} from writer {k}.", sh.tag());
            let v = run_cli(
                sh,
                "cli comment on proposal",
                Command::new(quire)
                    .arg("--repo")
                    .arg(repo)
                    .args(["--author", &author, "comment", &n.to_string(), "-m", &body])
                    .arg("--json"),
            );
            if let Some(id) = v.as_ref().and_then(|v| v["id"].as_u64()) {
                sh.ack(Ack::ProposalComment { n, id, body });
            }
        } else {
            let s = sh.sections[rng.usize(0..sh.sections.len())].clone();
            let body = format!("CLI section comment {} from writer {k}.", sh.tag());
            let v = run_cli(
                sh,
                "cli comment on section",
                Command::new(quire)
                    .arg("--repo")
                    .arg(repo)
                    .args(["--author", &author, "comment", "--section", &s, "-m", &body])
                    .arg("--json"),
            );
            if let Some(id) = v.as_ref().and_then(|v| v["id"].as_u64()) {
                sh.ack(Ack::SectionComment {
                    section: s,
                    id,
                    body,
                });
            }
        }
    }
}

/// Runs a `quire` command: its JSON output if it exited 0; records the outcome.
fn run_cli(sh: &Shared, kind: &'static str, cmd: &mut Command) -> Option<Value> {
    let start = Instant::now();
    let out = match cmd.output() {
        Ok(o) => o,
        Err(e) => {
            sh.finding(format!("{kind}: could not run quire: {e}"));
            sh.record(kind, Err("could not run".into()), None);
            return None;
        }
    };
    let took = start.elapsed();
    match out.status.code() {
        Some(0) => match serde_json::from_slice::<Value>(&out.stdout) {
            Ok(v) => {
                sh.record(kind, Ok(()), Some(took));
                Some(v)
            }
            Err(e) => {
                sh.finding(format!("{kind}: exit 0 but no JSON: {e}"));
                sh.record(kind, Err("exit 0 without JSON".into()), Some(took));
                None
            }
        },
        Some(5) => {
            sh.record(kind, Err("exit 5 busy, try again".into()), Some(took));
            None
        }
        Some(4) => {
            sh.record(kind, Err("exit 4 refused".into()), Some(took));
            None
        }
        code => {
            let err = String::from_utf8_lossy(&out.stderr);
            let short: String = err.trim().chars().take(200).collect();
            sh.finding(format!("{kind}: exit {code:?}: {short}"));
            sh.record(kind, Err(format!("exit {code:?}")), Some(took));
            None
        }
    }
}
