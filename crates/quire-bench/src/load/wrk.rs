//! Running `wrk` and reading its summary.

use std::process::Command;

use anyhow::{bail, Context as _};

/// How to install wrk, for the error when it is missing.
pub const INSTALL_HINT: &str = "wrk is not installed: install it with `apt-get install -y wrk` \
     (Debian/Ubuntu), then run this again";

/// The settings of every wrk run.
#[derive(Debug, Clone, Copy)]
pub struct Settings {
    pub seconds: u64,
    pub connections: u32,
}

impl Settings {
    /// The arguments before the URL. One thread (the machine has two cores, and the server
    /// needs them); a generous timeout so that slow answers are counted in the latency
    /// figures instead of being dropped as wrk's default 2 s timeouts.
    pub fn args(&self) -> Vec<String> {
        vec![
            "-t1".into(),
            format!("-c{}", self.connections),
            format!("-d{}s", self.seconds),
            "--timeout".into(),
            "30s".into(),
            "--latency".into(),
        ]
    }

    /// The command line, for the report.
    pub fn command_line(&self, url: &str) -> String {
        format!("wrk {} {url}", self.args().join(" "))
    }
}

/// True if `wrk` can be run.
pub fn available() -> bool {
    // `wrk --version` exits 1 after printing its version: only whether it ran counts.
    Command::new("wrk").arg("--version").output().is_ok()
}

/// What one wrk run measured.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct Figures {
    pub requests: u64,
    pub requests_per_sec: f64,
    pub p50_ms: f64,
    pub p99_ms: f64,
    /// Answers with a status outside 2xx and 3xx.
    pub non_2xx_3xx: u64,
    /// Connect, read, write and timeout errors together.
    pub socket_errors: u64,
}

/// Runs wrk against `url` and reads its summary.
pub fn run(settings: Settings, url: &str) -> anyhow::Result<Figures> {
    let out = Command::new("wrk")
        .args(settings.args())
        .arg(url)
        .output()
        .context("running wrk")?;
    let text = String::from_utf8_lossy(&out.stdout);
    if !out.status.success() {
        bail!(
            "wrk failed on {url} ({}): {}{}",
            out.status,
            text,
            String::from_utf8_lossy(&out.stderr)
        );
    }
    parse(&text).with_context(|| format!("reading wrk's output for {url}:\n{text}"))
}

/// Reads wrk's `--latency` summary.
pub fn parse(text: &str) -> anyhow::Result<Figures> {
    let mut f = Figures::default();
    let mut rps = None;
    let mut p50 = None;
    let mut p99 = None;
    let mut requests = None;
    for line in text.lines() {
        let t = line.trim();
        if let Some(v) = t.strip_prefix("Requests/sec:") {
            rps = Some(v.trim().parse::<f64>().context("Requests/sec")?);
        } else if let Some(v) = t.strip_prefix("50%") {
            p50 = Some(duration_ms(v.trim())?);
        } else if let Some(v) = t.strip_prefix("99%") {
            p99 = Some(duration_ms(v.trim())?);
        } else if let Some(v) = t.strip_prefix("Non-2xx or 3xx responses:") {
            f.non_2xx_3xx = v.trim().parse().context("Non-2xx or 3xx responses")?;
        } else if let Some(v) = t.strip_prefix("Socket errors:") {
            // "connect 0, read 0, write 0, timeout 0"
            f.socket_errors = v
                .split(',')
                .filter_map(|p| p.split_whitespace().nth(1))
                .filter_map(|n| n.parse::<u64>().ok())
                .sum();
        } else if t.contains(" requests in ") {
            requests = t.split_whitespace().next().and_then(|n| n.parse().ok());
        }
    }
    f.requests_per_sec = rps.context("no Requests/sec line")?;
    f.p50_ms = p50.context("no 50% line (was --latency given?)")?;
    f.p99_ms = p99.context("no 99% line")?;
    f.requests = requests.context("no `N requests in` line")?;
    Ok(f)
}

/// `1.23ms`, `456.00us`, `2.01s`, `1.50m` in milliseconds.
fn duration_ms(v: &str) -> anyhow::Result<f64> {
    let units = [
        ("us", 0.001),
        ("ms", 1.0),
        ("s", 1000.0),
        ("m", 60_000.0),
        ("h", 3_600_000.0),
    ];
    for (suffix, factor) in units {
        if let Some(n) = v.strip_suffix(suffix) {
            if let Ok(x) = n.parse::<f64>() {
                return Ok(x * factor);
            }
        }
    }
    bail!("cannot read the duration {v:?}")
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = "Running 1s test @ http://127.0.0.1:40000/sections/usability
  1 threads and 4 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     1.40ms  512.10us   8.01ms   80.00%
    Req/Sec     2.90k   120.00     3.10k    70.00%
  Latency Distribution
     50%    1.31ms
     75%    1.60ms
     90%    1.90ms
     99%  850.00us
  2893 requests in 1.00s, 120.52MB read
  Socket errors: connect 0, read 2, write 0, timeout 3
  Non-2xx or 3xx responses: 7
Requests/sec:   2890.11
Transfer/sec:    120.40MB
";

    #[test]
    fn reads_the_summary() {
        let f = parse(SAMPLE).expect("parses");
        assert_eq!(f.requests, 2893);
        assert!((f.requests_per_sec - 2890.11).abs() < 1e-9);
        assert!((f.p50_ms - 1.31).abs() < 1e-9);
        assert!((f.p99_ms - 0.85).abs() < 1e-9);
        assert_eq!(f.socket_errors, 5);
        assert_eq!(f.non_2xx_3xx, 7);
    }

    #[test]
    fn reads_every_unit() {
        assert!((duration_ms("2.50s").expect("s") - 2500.0).abs() < 1e-9);
        assert!((duration_ms("1.00m").expect("m") - 60_000.0).abs() < 1e-9);
        assert!((duration_ms("10.00us").expect("us") - 0.01).abs() < 1e-9);
        assert!(duration_ms("fast").is_err());
    }

    #[test]
    fn a_summary_without_latency_is_an_error() {
        assert!(parse("Requests/sec: 10\n  10 requests in 1.00s, 1KB read\n").is_err());
    }
}
