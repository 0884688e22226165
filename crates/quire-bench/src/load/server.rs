//! `quire serve` as a child process: started on a free loopback port, timed until its
//! first `200` from `/`, its memory read from `/proc`, stopped with SIGTERM.
//!
//! The approach is quire-stress's `server.rs` (parse the first-run lines on stdout, stderr
//! to a log file); this copy also keeps the child's pid (for `/proc/<pid>/status`) and
//! waits longer for a big data directory.

use std::fs::OpenOptions;
use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use anyhow::{bail, Context as _};

/// How long the server may take to say it is serving (a big library opens slowly).
const START_TIMEOUT: Duration = Duration::from_secs(600);

/// Writes allowed per account per minute: high enough that the write measurement is
/// never refused by the server's allowance.
pub const WRITES_PER_MINUTE: u32 = 1_000_000;

/// A running `quire serve`.
pub struct Server {
    child: Child,
    /// Where it listens.
    pub addr: SocketAddr,
    /// The first maintainer's email and one-time password (first start of the account
    /// store only).
    pub maintainer: Option<(String, String)>,
    /// When the process was spawned.
    pub spawned: Instant,
    /// From spawn until the "Quire is serving at" line.
    pub said_serving: Duration,
}

/// Starts `quire serve` on a free loopback port; its log (stderr) goes to `log`.
pub fn start(quire: &Path, data_dir: &Path, log: &Path) -> anyhow::Result<Server> {
    let log_file = OpenOptions::new()
        .create(true)
        .append(true)
        .open(log)
        .with_context(|| format!("opening {}", log.display()))?;
    let spawned = Instant::now();
    let mut child = Command::new(quire)
        .arg("serve")
        .args(["--addr", "127.0.0.1:0", "--insecure-cookies"])
        .args(["--writes-per-minute", &WRITES_PER_MINUTE.to_string()])
        .args(["--auth-attempts-per-minute", "1000"])
        .arg("--data-dir")
        .arg(data_dir)
        .env("RUST_LOG", "warn")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::from(log_file))
        .spawn()
        .with_context(|| format!("running {}", quire.display()))?;
    let stdout = child.stdout.take().context("stdout is piped")?;
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let mut email = None;
    let mut password = None;
    let deadline = spawned + START_TIMEOUT;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        let line = match rx.recv_timeout(left) {
            Ok(l) => l,
            Err(_) => {
                let _ = child.kill();
                let status = child.wait().ok();
                bail!(
                    "quire serve did not say it was serving (exit: {status:?}); the end of {}:\n{}",
                    log.display(),
                    tail(log, 15)
                );
            }
        };
        if let Some(e) = line.strip_prefix("First maintainer account: ") {
            email = Some(e.trim().to_string());
        } else if let Some(p) = line.strip_prefix("One-time password: ") {
            password = Some(p.trim().to_string());
        } else if let Some(rest) = line.strip_prefix("Quire is serving at http://") {
            let addr = rest
                .split('/')
                .next()
                .unwrap_or_default()
                .parse::<SocketAddr>()
                .with_context(|| format!("reading the address in {line:?}"))?;
            return Ok(Server {
                child,
                addr,
                maintainer: email.zip(password),
                spawned,
                said_serving: spawned.elapsed(),
            });
        }
    }
}

/// The last `n` lines of a file.
pub fn tail(path: &Path, n: usize) -> String {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(n)..].join("\n")
}

/// Peak and current resident memory of a process, in KiB.
#[derive(Debug, Clone, Copy, serde::Serialize)]
pub struct Memory {
    pub vm_hwm_kib: u64,
    pub vm_rss_kib: u64,
}

impl Server {
    /// The process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// `VmHWM` and `VmRSS` from `/proc/<pid>/status`.
    pub fn memory(&self) -> anyhow::Result<Memory> {
        let path = format!("/proc/{}/status", self.pid());
        let text = std::fs::read_to_string(&path).with_context(|| format!("reading {path}"))?;
        let field = |name: &str| -> anyhow::Result<u64> {
            let line = text
                .lines()
                .find_map(|l| l.strip_prefix(name))
                .with_context(|| format!("no {name} in {path}"))?;
            line.trim()
                .trim_end_matches("kB")
                .trim()
                .parse()
                .with_context(|| format!("reading {name}{line}"))
        };
        Ok(Memory {
            vm_hwm_kib: field("VmHWM:")?,
            vm_rss_kib: field("VmRSS:")?,
        })
    }

    /// SIGTERM, then wait for the graceful shutdown (SIGKILL after 20 s).
    pub fn stop(mut self) -> anyhow::Result<()> {
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        for _ in 0..200 {
            if self.child.try_wait()?.is_some() {
                return Ok(());
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        self.child.kill().context("killing the server")?;
        self.child.wait().context("waiting for the server")?;
        Ok(())
    }
}

impl Drop for Server {
    /// A server left running by an error is killed, never left behind.
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// Finds the `quire` binary: `explicit`, else beside this executable (or one folder up,
/// for a test binary in `target/<profile>/deps`).
pub fn find_quire(explicit: Option<&Path>) -> anyhow::Result<PathBuf> {
    if let Some(p) = explicit {
        anyhow::ensure!(p.is_file(), "--quire {}: no such file", p.display());
        return Ok(p.to_path_buf());
    }
    let exe = std::env::current_exe().context("finding this executable")?;
    let name = format!("quire{}", std::env::consts::EXE_SUFFIX);
    let mut dir = exe.parent();
    for _ in 0..2 {
        let Some(d) = dir else { break };
        let candidate = d.join(&name);
        if candidate.is_file() {
            return Ok(candidate);
        }
        dir = d.parent();
    }
    bail!(
        "no `quire` binary beside {}; build it first with `cargo build --release -p quire-cli` \
         (or pass --quire PATH)",
        exe.display()
    )
}
