//! Starting, killing and stopping `quire serve` as a child process, and reading its
//! memory from `/proc`. Used by the soak and crash harnesses and by `quire-bench load`.

use std::fs::OpenOptions;
use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use anyhow::{bail, Context as _};

/// How long the server may take to say it is serving (see [`start_with`] for more).
const START_TIMEOUT: Duration = Duration::from_secs(30);

/// Writes allowed per account per minute: high enough that no load is ever refused by
/// the server's allowance.
pub const WRITES_PER_MINUTE: u32 = 1_000_000;

/// A running `quire serve`.
pub struct Server {
    child: Child,
    /// Where it listens.
    pub addr: SocketAddr,
    /// The first maintainer's email and one-time password, on the first start only.
    pub maintainer: Option<(String, String)>,
    /// When the process was spawned.
    pub spawned: Instant,
    /// From spawn until its "Quire is serving at" line.
    pub said_serving: Duration,
}

/// Starts `quire serve` on a free loopback port with rate limits high enough for the load.
/// Its log (stderr) is appended to `log`.
pub fn start(quire: &Path, data_dir: &Path, log: &Path) -> anyhow::Result<Server> {
    start_with(quire, data_dir, log, START_TIMEOUT)
}

/// As [`start`], allowing `timeout` for the server to say it is serving (a big library
/// opens slowly).
pub fn start_with(
    quire: &Path,
    data_dir: &Path,
    log: &Path,
    timeout: Duration,
) -> anyhow::Result<Server> {
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
        .args(["--auth-attempts-per-minute", "1000000"])
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
    let deadline = spawned + timeout;
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
    /// The part of `vm_rss_kib` that is the process's own heap and stacks.
    pub rss_anon_kib: u64,
    /// The part that is mapped files (git's pack files, the binary): pages the kernel
    /// can drop and read again at any time.
    pub rss_file_kib: u64,
}

impl Server {
    /// The process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// `VmHWM`, `VmRSS`, `RssAnon` and `RssFile` from `/proc/<pid>/status`.
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
            rss_anon_kib: field("RssAnon:")?,
            rss_file_kib: field("RssFile:")?,
        })
    }

    /// SIGKILL: no chance to finish anything.
    pub fn kill(mut self) -> anyhow::Result<()> {
        self.child.kill().context("killing the server")?;
        self.child.wait().context("waiting for the server")?;
        Ok(())
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
        self.kill()
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
    let profile = exe
        .parent()
        .and_then(|d| {
            if d.ends_with("deps") {
                d.parent()
            } else {
                Some(d)
            }
        })
        .and_then(Path::file_name)
        .and_then(|s| s.to_str())
        .unwrap_or("release")
        .to_string();
    let flag = if profile == "debug" { "" } else { " --release" };
    bail!(
        "no `quire` binary beside {}; build it first with `cargo build{flag} -p quire-cli` \
         (or pass --quire PATH)",
        exe.display()
    )
}
