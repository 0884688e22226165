//! `quire-bench load`: runs `quire serve` on a data directory and measures a few pages and
//! API calls with `wrk`, each beside a bare axum handler (in this process, on another
//! loopback port) returning the very bytes quire returned for the same URL, with the
//! same content type. The ratio of the two says how much of the machine's HTTP capacity
//! quire's own work (git reads, rendering) leaves over.
//!
//! Also measured: the server's ready time (spawn until the first `200` from `/`), its
//! memory after the load (`VmHWM`, `VmRSS`), and proposals created per second through
//! `POST /api/v1/proposals` by a few concurrent clients.
//!
//! ```sh
//! apt-get install -y wrk
//! cargo build --release -p quire-cli -p quire-bench
//! target/release/quire-bench load --seconds 10 --connections 32
//! ```

mod http;
mod reference;
mod server;
mod writes;
mod wrk;

use std::fmt::Write as _;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use anyhow::{bail, Context as _};
use serde::Serialize;

use self::server::{Memory, Server};
use self::writes::WriteFigures;
use self::wrk::Figures;

/// Target P1: the section and proposal pages reach this share of the reference's req/s.
const P1_TARGET: f64 = 0.5;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Data directory to serve (with library.git; a big fixture). Default: a new temporary
    /// one, where the server creates the bundled library on its first start. The write
    /// measurement adds proposals to it: run on a copy (`cp -a`)
    #[arg(long, value_name = "DIR")]
    pub data: Option<PathBuf>,
    /// Length of each wrk run
    #[arg(long, default_value_t = 10)]
    pub seconds: u64,
    /// Open connections of each wrk run
    #[arg(long, default_value_t = 32)]
    pub connections: u32,
    /// The `quire` binary. Default: the one beside this executable
    /// (`cargo build --release -p quire-cli`)
    #[arg(long, value_name = "PATH")]
    pub quire: Option<PathBuf>,
    /// Also write the figures to this file as JSON
    #[arg(long, value_name = "FILE")]
    pub json: Option<PathBuf>,
    /// The section whose page and proposal list are measured
    #[arg(long, default_value = "usability")]
    pub section: String,
    /// Proposals to create through the API for the write measurement (0: none). It needs
    /// the first maintainer's one-time password, printed only on the first start of a
    /// data directory's account store
    #[arg(long, default_value_t = 200)]
    pub writes: usize,
    /// Concurrent clients of the write measurement
    #[arg(long, default_value_t = 4)]
    pub write_clients: usize,
}

/// One measured URL.
#[derive(Debug, Clone, Serialize)]
pub struct Row {
    /// What it is ("section page", ...).
    pub what: String,
    /// Path and query.
    pub url: String,
    pub content_type: String,
    /// Size of quire's body.
    pub bytes: usize,
    /// Size of the reference's body, fetched once from it.
    pub reference_bytes: usize,
    /// The reference served exactly quire's bytes.
    pub reference_identical: bool,
    pub quire: Figures,
    pub reference: Figures,
    /// quire req/s over reference req/s.
    pub ratio: f64,
}

/// Everything one run measured.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub quire_binary: PathBuf,
    /// The data directory given, or `null` for a temporary one.
    pub data: Option<PathBuf>,
    pub seconds: u64,
    pub connections: u32,
    /// The wrk command line (before the URL).
    pub wrk: String,
    /// Spawn of `quire serve` until its "serving" line.
    pub said_serving_ms: f64,
    /// Spawn of `quire serve` until the first `200` from `/`.
    pub ready_ms: f64,
    /// The open proposal measured.
    pub proposal: u64,
    pub rows: Vec<Row>,
    pub memory_at_ready: Memory,
    pub memory_after_reads: Memory,
    pub memory_after_writes: Option<Memory>,
    pub writes: Option<WriteFigures>,
    /// Why the write measurement did not run, if it did not.
    pub writes_skipped: Option<String>,
    pub writes_per_minute_flag: u32,
    pub total_seconds: f64,
    /// `/proc/loadavg` before and after the run: the machine may be shared, and a busy
    /// one lowers every figure (the reference's too).
    pub load_average_before: String,
    pub load_average_after: String,
}

pub fn run(args: Args) -> anyhow::Result<()> {
    if !wrk::available() {
        bail!("{}", wrk::INSTALL_HINT);
    }
    anyhow::ensure!(args.seconds > 0, "--seconds must be at least 1");
    anyhow::ensure!(args.connections > 0, "--connections must be at least 1");
    anyhow::ensure!(args.write_clients > 0, "--write-clients must be at least 1");
    let quire = server::find_quire(args.quire.as_deref())?;
    let scratch = tempfile::Builder::new()
        .prefix("quire-bench-load-")
        .tempdir()
        .context("making a temporary directory")?;
    let data = match &args.data {
        Some(d) => {
            anyhow::ensure!(
                d.join("library.git").is_dir(),
                "{} has no library.git",
                d.display()
            );
            d.clone()
        }
        None => scratch.path().join("data"),
    };
    let log = scratch.path().join("server.log");
    let settings = wrk::Settings {
        seconds: args.seconds,
        connections: args.connections,
    };
    let urls = 4;
    let load_s = urls * 2 * args.seconds;
    println!(
        "quire-bench load: {} on {}",
        quire.display(),
        args.data.as_ref().map_or(
            "a new temporary data directory (bundled library)".to_string(),
            |d| d.display().to_string()
        )
    );
    println!(
        "wrk time: {urls} URLs x 2 servers x {} s = {load_s} s, plus the server's start, one GET \
         of each URL and {} proposal writes (a few seconds on the bundled library)",
        args.seconds, args.writes
    );
    if args.data.is_some() && args.writes > 0 {
        println!(
            "note: the write measurement adds proposals to {} (if its account store is new)",
            data.display()
        );
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    let load_before = load_average();
    let started = Instant::now();
    let server = server::start(&quire, &data, &log)?;
    let result = measure(&args, &runtime, &server, &data, settings, &quire);
    let report = match result {
        Ok(mut r) => {
            server.stop()?;
            r.total_seconds = started.elapsed().as_secs_f64();
            r.load_average_before = load_before;
            r.load_average_after = load_average();
            r
        }
        Err(e) => {
            drop(server);
            return Err(e.context(format!(
                "the end of the server's log:\n{}",
                server::tail(&log, 15)
            )));
        }
    };
    println!();
    print!("{}", table(&report));
    if let Some(path) = &args.json {
        let text = serde_json::to_string_pretty(&report).context("serialising the report")?;
        std::fs::write(path, text + "\n").with_context(|| format!("writing {}", path.display()))?;
        println!("figures written to {}", path.display());
    }
    Ok(())
}

fn measure(
    args: &Args,
    runtime: &tokio::runtime::Runtime,
    server: &Server,
    data: &Path,
    settings: wrk::Settings,
    quire: &Path,
) -> anyhow::Result<Report> {
    let addr = server.addr;
    let ready = runtime.block_on(wait_for_200(addr, "/"))?;
    let ready_at = ready.duration_since(server.spawned);
    println!(
        "server ready after {:.0} ms (serving line after {:.0} ms), pid {}",
        ms(ready_at),
        ms(server.said_serving),
        server.pid()
    );
    let memory_at_ready = server.memory()?;
    let n = runtime.block_on(open_proposal(addr, &data.join("library.git")))?;
    println!("measuring with open proposal #{n}");
    let targets = [
        ("section page", format!("/sections/{}", args.section)),
        ("proposal page", format!("/proposals/{n}")),
        (
            "proposals list, by section",
            format!("/proposals?section={}", args.section),
        ),
        ("API proposal (JSON)", format!("/api/v1/proposals/{n}")),
    ];
    let mut rows = Vec::new();
    for (what, url) in targets {
        rows.push(measure_url(runtime, addr, settings, what, &url)?);
    }
    let memory_after_reads = server.memory()?;
    let (writes, writes_skipped, memory_after_writes) = if args.writes == 0 {
        (None, Some("--writes 0".to_string()), None)
    } else if let Some((email, password)) = &server.maintainer {
        println!(
            "writes: {} proposals through POST /api/v1/proposals from {} clients",
            args.writes, args.write_clients
        );
        let seed = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos() as u64)
            .unwrap_or(1);
        let w = runtime.block_on(async {
            let token = writes::token(addr, email, password).await?;
            writes::measure(addr, &token, args.writes, args.write_clients, seed).await
        })?;
        (Some(w), None, Some(server.memory()?))
    } else {
        (
            None,
            Some(
                "the server printed no first maintainer password (the data directory's \
                 account store already existed), so there is no account to write with"
                    .to_string(),
            ),
            None,
        )
    };
    Ok(Report {
        quire_binary: quire.to_path_buf(),
        data: args.data.clone(),
        seconds: args.seconds,
        connections: args.connections,
        wrk: settings.command_line("URL"),
        said_serving_ms: ms(server.said_serving),
        ready_ms: ms(ready_at),
        proposal: n,
        rows,
        memory_at_ready,
        memory_after_reads,
        memory_after_writes,
        writes,
        writes_skipped,
        writes_per_minute_flag: server::WRITES_PER_MINUTE,
        total_seconds: 0.0,
        load_average_before: String::new(),
        load_average_after: String::new(),
    })
}

/// GETs `url` from quire once, serves those bytes from the reference, checks the
/// reference returns them, and runs wrk against both.
fn measure_url(
    runtime: &tokio::runtime::Runtime,
    addr: SocketAddr,
    settings: wrk::Settings,
    what: &str,
    url: &str,
) -> anyhow::Result<Row> {
    let got = runtime.block_on(async { http::Client::new(addr).get(url).await })?;
    anyhow::ensure!(
        got.status == 200,
        "GET {url} from quire: {} {}",
        got.status,
        got.message()
    );
    let content_type = got
        .content_type
        .clone()
        .with_context(|| format!("GET {url} from quire: no content type"))?;
    let path = url.split('?').next().unwrap_or(url);
    let reference = runtime.block_on(reference::start(path, &content_type, got.body.clone()))?;
    let check = runtime.block_on(async { http::Client::new(reference.addr).get(url).await });
    let check = match check {
        Ok(c) if c.status == 200 => c,
        Ok(c) => {
            runtime.block_on(reference.stop());
            bail!("GET {url} from the reference: {}", c.status)
        }
        Err(e) => {
            runtime.block_on(reference.stop());
            return Err(e);
        }
    };
    println!(
        "wrk: {what} {url} ({} bytes), quire then reference",
        got.body.len()
    );
    let q = wrk::run(settings, &format!("http://{addr}{url}"));
    let r = wrk::run(settings, &format!("http://{}{url}", reference.addr));
    runtime.block_on(reference.stop());
    let (q, r) = (q?, r?);
    Ok(Row {
        what: what.to_string(),
        url: url.to_string(),
        content_type,
        bytes: got.body.len(),
        reference_bytes: check.body.len(),
        reference_identical: check.body == got.body
            && check.content_type.as_deref() == got.content_type.as_deref(),
        ratio: if r.requests_per_sec > 0.0 {
            q.requests_per_sec / r.requests_per_sec
        } else {
            0.0
        },
        quire: q,
        reference: r,
    })
}

/// Polls `GET path` every 5 ms until it answers 200; returns when it did.
async fn wait_for_200(addr: SocketAddr, path: &str) -> anyhow::Result<Instant> {
    let deadline = Instant::now() + Duration::from_secs(600);
    let mut last = String::new();
    while Instant::now() < deadline {
        match http::Client::new(addr).get(path).await {
            Ok(r) if r.status == 200 => return Ok(Instant::now()),
            Ok(r) => last = format!("{} {}", r.status, r.message()),
            Err(e) => last = format!("{e:#}"),
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    bail!("GET {path} never answered 200 (last: {last})")
}

/// An open, visible proposal: the highest-numbered one, from the proposal refs in git and
/// the API's answer for each (newest first, at most 500 looked at).
async fn open_proposal(addr: SocketAddr, repo: &Path) -> anyhow::Result<u64> {
    let out = Command::new("git")
        .arg("--git-dir")
        .arg(repo)
        .args([
            "for-each-ref",
            "--format=%(refname)",
            quire_core::layout::PROPOSALS,
        ])
        .output()
        .context("running git for-each-ref")?;
    anyhow::ensure!(
        out.status.success(),
        "git for-each-ref failed on {}: {}",
        repo.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    let mut numbers: Vec<u64> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(quire_core::layout::parse_proposal_log_ref)
        .collect();
    numbers.sort_unstable_by(|a, b| b.cmp(a));
    let mut http = http::Client::new(addr);
    for n in numbers.into_iter().take(500) {
        let r = http.get(&format!("/api/v1/proposals/{n}")).await?;
        if r.status == 200 && r.json()["proposal"]["status"].as_str() == Some("open") {
            return Ok(n);
        }
    }
    bail!(
        "no open proposal among the newest 500 in {}",
        repo.display()
    )
}

/// The 1, 5 and 15 minute load averages from `/proc/loadavg` (empty if unreadable).
fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|t| t.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_default()
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn mib(kib: u64) -> f64 {
    kib as f64 / 1024.0
}

/// The report as printed: Markdown tables.
pub fn table(r: &Report) -> String {
    let mut o = String::new();
    let _ = writeln!(
        o,
        "quire-bench load: `{}` against a bare axum handler serving the same bytes",
        r.wrk
    );
    let _ = writeln!(o);
    let _ = writeln!(
        o,
        "| URL | bytes | quire req/s | reference req/s | ratio | quire p50 ms | quire p99 ms | reference p99 ms | errors (quire/ref) |"
    );
    let _ = writeln!(o, "|---|---:|---:|---:|---:|---:|---:|---:|---:|");
    for row in &r.rows {
        let errors = |f: &Figures| f.non_2xx_3xx + f.socket_errors;
        let _ = writeln!(
            o,
            "| `{}` ({}) | {} | {:.0} | {:.0} | {:.0}% | {:.2} | {:.2} | {:.2} | {}/{} |",
            row.url,
            row.what,
            row.bytes,
            row.quire.requests_per_sec,
            row.reference.requests_per_sec,
            row.ratio * 100.0,
            row.quire.p50_ms,
            row.quire.p99_ms,
            row.reference.p99_ms,
            errors(&row.quire),
            errors(&row.reference),
        );
    }
    let _ = writeln!(o);
    for row in r
        .rows
        .iter()
        .filter(|x| x.what == "section page" || x.what == "proposal page")
    {
        let _ = writeln!(
            o,
            "P1 ({} >= {:.0}% of the reference): {:.0}% -> {}",
            row.what,
            P1_TARGET * 100.0,
            row.ratio * 100.0,
            if row.ratio >= P1_TARGET {
                "met"
            } else {
                "NOT met"
            }
        );
    }
    if let Some(row) = r.rows.iter().find(|x| !x.reference_identical) {
        let _ = writeln!(
            o,
            "WARNING: the reference did not serve quire's bytes for {}",
            row.url
        );
    }
    let _ = writeln!(o);
    let _ = writeln!(
        o,
        "server ready (spawn to first 200 from /): {:.0} ms (serving line at {:.0} ms)",
        r.ready_ms, r.said_serving_ms
    );
    let mem = |m: &Memory| {
        format!(
            "VmHWM {:.1} MiB, VmRSS {:.1} MiB (heap {:.1}, mapped files {:.1})",
            mib(m.vm_hwm_kib),
            mib(m.vm_rss_kib),
            mib(m.rss_anon_kib),
            mib(m.rss_file_kib)
        )
    };
    let _ = writeln!(o, "server memory at ready:     {}", mem(&r.memory_at_ready));
    let _ = writeln!(
        o,
        "server memory after reads:  {}",
        mem(&r.memory_after_reads)
    );
    if let Some(m) = &r.memory_after_writes {
        let _ = writeln!(o, "server memory after writes: {}", mem(m));
    }
    match (&r.writes, &r.writes_skipped) {
        (Some(w), _) => {
            let _ = writeln!(
                o,
                "P2 through HTTP: {} of {} proposals created by {} clients in {:.2} s: {:.1} ops/s, p50 {:.1} ms, p99 {:.1} ms (server flag --writes-per-minute {})",
                w.created,
                w.requests,
                w.clients,
                w.seconds,
                w.ops_per_sec,
                w.p50_ms,
                w.p99_ms,
                r.writes_per_minute_flag
            );
            for (e, n) in &w.errors {
                let _ = writeln!(o, "  write error x{n}: {e}");
            }
        }
        (None, Some(why)) => {
            let _ = writeln!(o, "P2 through HTTP: not measured: {why}");
        }
        (None, None) => {}
    }
    let _ = writeln!(o, "open proposal measured: #{}", r.proposal);
    let _ = writeln!(o, "total time: {:.1} s", r.total_seconds);
    let _ = writeln!(
        o,
        "load average before / after: {} / {} (on {} cores)",
        r.load_average_before,
        r.load_average_after,
        std::thread::available_parallelism().map_or(0, |n| n.get())
    );
    o
}
