//! The load: simulated web clients over the JSON API and pages ([`web`], their writes in
//! `actions`), and CLI writers ([`cli`]), all recording what was acknowledged, what failed
//! and how long each request took. This module holds what they share: the record of
//! acknowledged writes ([`Shared`]) and the text edits they make.

mod actions;
pub mod cli;
pub mod web;

pub use cli::cli_writer;
pub use web::{sign_up, token, web_client, Account};

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

/// The numbers (from 0) of a section's lines that an edit may change without touching its
/// structure: not blank, not a heading, a table row or a code fence. The load tools of
/// quire-stress and quire-bench change these.
pub fn paragraph_lines(text: &str) -> Vec<usize> {
    text.lines()
        .enumerate()
        .filter(|(_, l)| {
            let t = l.trim();
            !t.is_empty() && !t.starts_with('#') && !t.starts_with('|') && !t.starts_with("```")
        })
        .map(|(i, _)| i)
        .collect()
}

/// Picks a paragraph line (not a heading, not blank) of a section's text.
fn paragraph_line(text: &str, rng: &mut fastrand::Rng) -> usize {
    let candidates = paragraph_lines(text);
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
