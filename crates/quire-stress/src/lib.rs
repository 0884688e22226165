//! Soak and crash harnesses for Quire.
//!
//! [`run`] starts the `quire` binary's server (`quire serve`) on a fresh data directory on
//! a loopback port, puts it under load from many simulated web clients (the JSON API and
//! the pages) while CLI writers (`quire propose`, `quire comment`) write to the same
//! library, and then checks from git alone (the `git` command line) that every write that
//! was acknowledged is there, that proposal numbers are unique and dense, that every merge
//! is on `main` with its text, and that `git fsck --strict` is clean. In [`Mode::Crash`]
//! the server is killed with SIGKILL at random moments and restarted on the same data
//! directory; after each restart the same checks run on what was acknowledged so far.
//!
//! The harness builds nothing: it runs a `quire` binary built beforehand
//! (`cargo build --release -p quire-cli`), found beside its own executable.

pub mod http;
pub mod load;
pub mod server;
pub mod verify;

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context as _;

use crate::http::{Client, ServerAddr};
use crate::load::{Account, KindStats, Shared};
use crate::verify::Verification;

/// Which harness.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Load, then check.
    Soak,
    /// Load with the server killed (SIGKILL) and restarted, checking after each restart.
    Crash,
}

/// Settings of one run.
#[derive(Debug, Clone)]
pub struct Options {
    /// Simulated web clients (one in four is a maintainer).
    pub clients: usize,
    /// How long the load runs.
    pub seconds: u64,
    /// CLI processes writing in a loop beside the server.
    pub cli_writers: usize,
    /// Server kills (crash mode only).
    pub kills: usize,
    /// The `quire` binary (default: beside this executable).
    pub quire: Option<PathBuf>,
    /// Keep the data directory afterwards (it is always kept when a check fails).
    pub keep: bool,
    /// Random seed (default: from the clock).
    pub seed: Option<u64>,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            clients: 32,
            seconds: 60,
            cli_writers: 1,
            kills: 5,
            quire: None,
            keep: false,
            seed: None,
        }
    }
}

/// What happened at one kill and restart.
#[derive(Debug, Clone)]
pub struct Restart {
    /// Seconds into the run.
    pub at: f64,
    /// Lock files under `refs/` just after the kill, with their ages.
    pub locks_after_kill: Vec<(PathBuf, Duration)>,
    /// Lock files older than 30 s still there after the restart (should be none).
    pub stale_locks_after_restart: Vec<(PathBuf, Duration)>,
    /// How long the restart took until the server answered.
    pub restart_time: Duration,
    /// Writes acknowledged so far, and how many of them were found.
    pub acked: u64,
    pub found: u64,
    pub fsck_ok: bool,
    pub problems: Vec<String>,
}

/// A lock file that stayed in place for a long time while the load ran.
#[derive(Debug, Clone)]
pub struct LockSighting {
    pub path: PathBuf,
    /// Seconds into the run when it was first seen, and how long it was seen for.
    pub first_seen: f64,
    pub lasted: Duration,
}

/// The outcome of a run.
#[derive(Debug, Clone)]
pub struct Report {
    pub mode: Mode,
    pub options: Options,
    pub seed: u64,
    pub elapsed: Duration,
    pub stats: BTreeMap<&'static str, KindStats>,
    pub verification: Verification,
    pub findings: Vec<String>,
    pub restarts: Vec<Restart>,
    /// Lock files seen for more than 2 s in a row.
    pub long_locks: Vec<LockSighting>,
    /// Where the data directory is, if kept.
    pub kept: Option<PathBuf>,
}

impl Report {
    /// Acknowledged = found, the repository is clean, no unexpected error (5xx, a status
    /// the load does not expect, or no answer outside crash mode), every restart checked.
    pub fn ok(&self) -> bool {
        self.verification.ok()
            && self.findings.is_empty()
            && self.restarts.iter().all(|r| {
                r.acked == r.found
                    && r.fsck_ok
                    && r.problems.is_empty()
                    && r.stale_locks_after_restart.is_empty()
            })
            && self.server_errors() == 0
    }

    /// Answers with a 5xx status.
    pub fn server_errors(&self) -> u64 {
        self.stats
            .values()
            .flat_map(|s| s.errors.iter())
            .filter(|(k, _)| k.starts_with('5'))
            .map(|(_, n)| n)
            .sum()
    }

    /// Acknowledged and found writes, all kinds together.
    pub fn acked_found(&self) -> (u64, u64) {
        self.verification
            .by_kind
            .values()
            .fold((0, 0), |(a, f), (x, y)| (a + x, f + y))
    }

    /// The tables, as printed at the end of a run.
    pub fn table(&self) -> String {
        let mut o = String::new();
        let mode = match self.mode {
            Mode::Soak => "soak",
            Mode::Crash => "crash",
        };
        let _ = writeln!(
            o,
            "quire-stress {mode}: {} clients, {} CLI writer(s), {:.1} s{}, seed {}",
            self.options.clients,
            self.options.cli_writers,
            self.elapsed.as_secs_f64(),
            if self.mode == Mode::Crash {
                format!(", {} kills", self.restarts.len())
            } else {
                String::new()
            },
            self.seed
        );
        let _ = writeln!(o);
        let _ = writeln!(
            o,
            "{:<26} {:>8} {:>8} {:>9} {:>9}",
            "operation", "ok", "errors", "p50 ms", "p99 ms"
        );
        let mut total = (0, 0);
        for (kind, s) in &self.stats {
            let errors: u64 = s.errors.values().sum();
            total.0 += s.ok;
            total.1 += errors;
            let (p50, p99) = percentiles(&s.latencies_us);
            let _ = writeln!(
                o,
                "{kind:<26} {:>8} {:>8} {p50:>9.1} {p99:>9.1}",
                s.ok, errors
            );
        }
        let _ = writeln!(o, "{:<26} {:>8} {:>8}", "total", total.0, total.1);
        let _ = writeln!(o);
        let _ = writeln!(o, "{:<26} {:<36} {:>8}", "errors by kind", "", "count");
        let mut any = false;
        for (kind, s) in &self.stats {
            for (e, n) in &s.errors {
                any = true;
                let _ = writeln!(o, "{kind:<26} {e:<36} {n:>8}");
            }
        }
        if !any {
            let _ = writeln!(o, "(none)");
        }
        let _ = writeln!(o);
        let _ = writeln!(
            o,
            "{:<26} {:>12} {:>8}",
            "acknowledged write", "acknowledged", "found"
        );
        for (kind, (a, f)) in &self.verification.by_kind {
            let _ = writeln!(o, "{kind:<26} {a:>12} {f:>8}");
        }
        let (a, f) = self.acked_found();
        let _ = writeln!(o, "{:<26} {a:>12} {f:>8}", "total");
        let _ = writeln!(o);
        let v = &self.verification;
        let _ =
            writeln!(
            o,
            "proposals in git: {} (numbers 1..{}, {}); merges on main: {}; git fsck --strict: {}",
            v.proposals,
            v.highest,
            if v.proposals == v.highest { "dense, none repeated" } else { "NOT DENSE" },
            v.merges_on_main,
            if v.fsck_ok { "clean" } else { "FAILED" }
        );
        let _ = writeln!(o, "5xx answers: {}", self.server_errors());
        if self.mode == Mode::Crash {
            let _ = writeln!(o);
            let _ = writeln!(
                o,
                "{:<5} {:>7} {:>10} {:>12} {:>8} {:>6} {:<}",
                "kill",
                "at s",
                "restart ms",
                "acknowledged",
                "found",
                "fsck",
                "locks left by the kill"
            );
            for (i, r) in self.restarts.iter().enumerate() {
                let locks = if r.locks_after_kill.is_empty() {
                    "none".to_string()
                } else {
                    r.locks_after_kill
                        .iter()
                        .map(|(p, _)| p.display().to_string())
                        .collect::<Vec<_>>()
                        .join(", ")
                };
                let _ = writeln!(
                    o,
                    "{:<5} {:>7.1} {:>10} {:>12} {:>8} {:>6} {locks}",
                    i + 1,
                    r.at,
                    r.restart_time.as_millis(),
                    r.acked,
                    r.found,
                    if r.fsck_ok { "clean" } else { "FAIL" }
                );
            }
        }
        if !self.long_locks.is_empty() {
            let _ = writeln!(o);
            let _ = writeln!(o, "lock files that stayed more than 2 s:");
            for l in &self.long_locks {
                let _ = writeln!(
                    o,
                    "  {} first seen at {:.1} s, for {:.1} s",
                    l.path.display(),
                    l.first_seen,
                    l.lasted.as_secs_f64()
                );
            }
        }
        if !v.rejected_then_merged.is_empty() {
            let _ = writeln!(o);
            let _ = writeln!(
                o,
                "RACE (kept in git, but wrong): {} rejection(s) acknowledged after a merge was decided:",
                v.rejected_then_merged.len()
            );
            for r in &v.rejected_then_merged {
                let _ = writeln!(o, "  {r}");
            }
        }
        let problems: Vec<&String> = self
            .findings
            .iter()
            .chain(&v.problems)
            .chain(self.restarts.iter().flat_map(|r| &r.problems))
            .collect();
        if !problems.is_empty() {
            let _ = writeln!(o);
            let _ = writeln!(o, "PROBLEMS ({}):", problems.len());
            for p in problems.iter().take(60) {
                let _ = writeln!(o, "  {p}");
            }
        }
        if let Some(k) = &self.kept {
            let _ = writeln!(o, "data directory kept: {}", k.display());
        }
        let _ = writeln!(o);
        let _ = writeln!(
            o,
            "result: {}",
            if self.ok() {
                "PASS (acknowledged = found, fsck clean)"
            } else {
                "FAIL"
            }
        );
        o
    }
}

fn percentiles(lat_us: &[u64]) -> (f64, f64) {
    if lat_us.is_empty() {
        return (0.0, 0.0);
    }
    let mut v = lat_us.to_vec();
    v.sort_unstable();
    let at = |q: f64| {
        let i = ((v.len() as f64 - 1.0) * q).round() as usize;
        v[i.min(v.len() - 1)] as f64 / 1000.0
    };
    (at(0.50), at(0.99))
}

/// Section ids on `main`, from git.
fn section_ids(repo: &Path) -> anyhow::Result<Vec<String>> {
    let out = std::process::Command::new("git")
        .arg("--git-dir")
        .arg(repo)
        .args(["ls-tree", "--name-only", "refs/heads/main", "sections/"])
        .output()
        .context("running git ls-tree")?;
    anyhow::ensure!(
        out.status.success(),
        "git ls-tree failed on {}",
        repo.display()
    );
    let ids: Vec<String> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| {
            l.strip_prefix("sections/")?
                .strip_suffix(".md")
                .map(str::to_string)
        })
        .collect();
    anyhow::ensure!(!ids.is_empty(), "no sections on main");
    Ok(ids)
}

/// Runs one harness and returns its report (print it with [`Report::table`]).
pub fn run(mode: Mode, opts: &Options) -> anyhow::Result<Report> {
    let quire = server::find_quire(opts.quire.as_deref())?;
    let seed = opts.seed.unwrap_or_else(|| {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos() as u64)
            .unwrap_or(1)
    });
    let dir = tempfile::Builder::new()
        .prefix("quire-stress-")
        .tempdir()
        .context("making a temporary directory")?;
    let data = dir.path().join("data");
    let scratch = dir.path().join("scratch");
    std::fs::create_dir_all(&scratch)?;
    let log = dir.path().join("server.log");
    let repo = data.join("library.git");

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    let report = match runtime.block_on(drive(
        mode, opts, seed, &quire, &data, &repo, &scratch, &log,
    )) {
        Ok(r) => r,
        Err(e) => {
            let kept = dir.keep();
            return Err(e.context(format!("data directory kept: {}", kept.display())));
        }
    };
    let keep = opts.keep || !report.ok();
    let mut report = report;
    if keep {
        let path = dir.keep();
        report.kept = Some(path);
    }
    Ok(report)
}

#[allow(clippy::too_many_arguments)]
async fn drive(
    mode: Mode,
    opts: &Options,
    seed: u64,
    quire: &Path,
    data: &Path,
    repo: &Path,
    scratch: &Path,
    log: &Path,
) -> anyhow::Result<Report> {
    let (q, d, l) = (quire.to_path_buf(), data.to_path_buf(), log.to_path_buf());
    let first = tokio::task::spawn_blocking(move || server::start(&q, &d, &l)).await??;
    let (email, password) = first
        .maintainer
        .clone()
        .context("the first start did not print the first maintainer's account")?;
    let addr = ServerAddr::default();
    addr.set(Some(first.addr));
    let mut current = Some(first);

    // Accounts: the first maintainer, and a contributor per other client, signed up
    // through the form.
    let mut http = Client::new(addr.clone());
    let maintainer_token = load::token(
        &mut http,
        &email,
        &password,
        Some("the stress maintainer's own passphrase"),
    )
    .await?;
    let mut accounts = Vec::new();
    for i in 0..opts.clients {
        if i % 4 == 0 {
            accounts.push(Account {
                token: maintainer_token.clone(),
                maintainer: true,
            });
        } else {
            accounts.push(Account {
                token: load::sign_up(&mut http, i).await?,
                maintainer: false,
            });
        }
    }

    let sections = section_ids(repo)?;
    let start = Instant::now();
    let deadline = start + Duration::from_secs(opts.seconds);
    let sh = Arc::new(Shared::new(
        addr.clone(),
        deadline,
        sections,
        opts.clients,
        mode == Mode::Crash,
    ));
    let mut tasks = Vec::new();
    for (i, a) in accounts.into_iter().enumerate() {
        tasks.push(tokio::spawn(load::web_client(Arc::clone(&sh), i, a, seed)));
    }
    let mut cli = Vec::new();
    for k in 0..opts.cli_writers {
        let (sh, q, r, s) = (
            Arc::clone(&sh),
            quire.to_path_buf(),
            repo.to_path_buf(),
            scratch.to_path_buf(),
        );
        cli.push(std::thread::spawn(move || {
            load::cli_writer(&sh, &q, &r, &s, k, seed)
        }));
    }

    // The kill schedule: random moments in the middle 70% of the run, at least 2 s apart.
    let mut rng = fastrand::Rng::with_seed(seed);
    let mut kill_at: Vec<Duration> = Vec::new();
    if mode == Mode::Crash && opts.kills > 0 {
        let span = opts.seconds as f64;
        let (lo, hi) = (0.15 * span, 0.85 * span);
        let slot = (hi - lo) / opts.kills as f64;
        for i in 0..opts.kills {
            let t = lo + slot * (i as f64 + 0.15 + 0.7 * rng.f64());
            kill_at.push(Duration::from_secs_f64(t));
        }
    }
    let mut restarts = Vec::new();
    let mut watcher = LockWatcher::default();
    let mut next_kill = kill_at.into_iter().peekable();
    while Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(250)).await;
        watcher.look(repo, start);
        if next_kill.peek().is_some_and(|t| start.elapsed() >= *t) {
            next_kill.next();
            let server = current.take().expect("the server is running");
            let at = start.elapsed().as_secs_f64();
            addr.set(None);
            tokio::task::spawn_blocking(move || server.kill()).await??;
            let locks_after_kill: Vec<_> = verify::lock_files(repo)
                .into_iter()
                .filter(|(_, age)| *age < Duration::from_secs(2))
                .collect();
            // The checks need a repository nobody writes to (`git fsck` on a live one
            // reports objects written during its walk as missing): the CLI writers pause,
            // and web clients see no server until the checks are done.
            sh.pause_cli().await;
            let t0 = Instant::now();
            let (q, d, l) = (quire.to_path_buf(), data.to_path_buf(), log.to_path_buf());
            let s = tokio::task::spawn_blocking(move || server::start(&q, &d, &l)).await??;
            let serves = wait_until_serving(s.addr).await;
            let restart_time = t0.elapsed();
            let stale_locks_after_restart: Vec<_> = verify::lock_files(repo)
                .into_iter()
                .filter(|(_, age)| *age > Duration::from_secs(30))
                .collect();
            let acks = sh.acks();
            let r2 = repo.to_path_buf();
            let v = tokio::task::spawn_blocking(move || verify::verify(&r2, &acks)).await??;
            addr.set(Some(s.addr));
            current = Some(s);
            sh.resume_cli();
            let (acked, found) = v
                .by_kind
                .values()
                .fold((0, 0), |(a, f), (x, y)| (a + x, f + y));
            // A merge cut short while it held the proposal's log locked can only be
            // recorded once the kill's lock is stale (30 s): at restart that gap is
            // expected, and the final check (after the harness waits it out) must not
            // find it.
            let guarded = |p: &String| {
                p.strip_prefix("proposal #")
                    .and_then(|rest| rest.split_once(' '))
                    .filter(|(_, rest)| rest.starts_with("is merged on main"))
                    .is_some_and(|(n, _)| {
                        let lock = format!("refs/proposals/{n}/meta.lock");
                        locks_after_kill.iter().any(|(l, _)| l.ends_with(&lock))
                    })
            };
            let mut problems: Vec<String> =
                v.problems.iter().filter(|p| !guarded(p)).cloned().collect();
            if !serves {
                problems.push(format!(
                    "the server did not answer within 10 s of restart {}",
                    restarts.len() + 1
                ));
            }
            restarts.push(Restart {
                at,
                locks_after_kill,
                stale_locks_after_restart,
                restart_time,
                acked,
                found,
                fsck_ok: v.fsck_ok,
                problems,
            });
        }
    }
    sh.stop.store(true, std::sync::atomic::Ordering::Relaxed);
    for t in tasks {
        let _ = t.await;
    }
    for c in cli {
        let _ = tokio::task::spawn_blocking(move || c.join()).await;
    }
    // A kill inside a merge leaves the proposal's log locked; the promise is that the
    // server records the merge once that lock is stale (30 s) at its next repair pass
    // (every 10 s). So before the final check, let such a lock run its course.
    if restarts
        .iter()
        .any(|r: &Restart| !r.locks_after_kill.is_empty())
    {
        let deadline = Instant::now() + Duration::from_secs(45);
        while Instant::now() < deadline
            && verify::lock_files(repo)
                .iter()
                .any(|(_, age)| *age < Duration::from_secs(60))
        {
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
        // One repair pass after the lock went.
        tokio::time::sleep(Duration::from_secs(11)).await;
    }
    let elapsed = start.elapsed();
    watcher.look(repo, start);
    if let Some(s) = current.take() {
        tokio::task::spawn_blocking(move || s.stop()).await??;
    }
    let acks = sh.acks();
    let r2 = repo.to_path_buf();
    let verification = tokio::task::spawn_blocking(move || verify::verify(&r2, &acks)).await??;
    let findings = sh.findings.lock().map(|f| f.clone()).unwrap_or_default();
    Ok(Report {
        mode,
        options: opts.clone(),
        seed,
        elapsed,
        stats: sh.stats(),
        verification,
        findings,
        restarts,
        long_locks: watcher.long(),
        kept: None,
    })
}

/// Polls `GET /api/v1/sections` at `addr` until it answers 200 (at most 10 s).
async fn wait_until_serving(addr: std::net::SocketAddr) -> bool {
    let mut http = Client::new(ServerAddr::fixed(addr));
    for _ in 0..100 {
        if let Ok(r) = http.get("/api/v1/sections").await {
            if r.status == 200 {
                return true;
            }
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    false
}

/// Watches lock files under `refs/` and remembers the ones that stay in place.
#[derive(Default)]
struct LockWatcher {
    /// Present at the last look: first seen (seconds into the run, instant), last seen.
    current: BTreeMap<PathBuf, (f64, Instant, Instant)>,
    done: Vec<LockSighting>,
}

impl LockWatcher {
    fn look(&mut self, repo: &Path, start: Instant) {
        let now = Instant::now();
        let present: BTreeMap<PathBuf, Duration> = verify::lock_files(repo).into_iter().collect();
        let gone: Vec<PathBuf> = self
            .current
            .keys()
            .filter(|p| !present.contains_key(*p))
            .cloned()
            .collect();
        for p in gone {
            if let Some((at, first, last)) = self.current.remove(&p) {
                self.finish(p, at, last.duration_since(first));
            }
        }
        for p in present.into_keys() {
            let e = self
                .current
                .entry(p)
                .or_insert((start.elapsed().as_secs_f64(), now, now));
            e.2 = now;
        }
    }

    fn finish(&mut self, path: PathBuf, first_seen: f64, lasted: Duration) {
        if lasted > Duration::from_secs(2) {
            self.done.push(LockSighting {
                path,
                first_seen,
                lasted,
            });
        }
    }

    fn long(mut self) -> Vec<LockSighting> {
        let still: Vec<_> = std::mem::take(&mut self.current).into_iter().collect();
        for (p, (at, first, last)) in still {
            self.finish(p, at, last.duration_since(first));
        }
        self.done
    }
}
