//! P2 through HTTP: proposals created through `POST /api/v1/proposals` by a few concurrent
//! clients, each a real edit of a random section of `main`.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context as _;
use serde_json::json;

use super::http::Client;

/// What the write measurement found.
#[derive(Debug, Clone, serde::Serialize)]
pub struct WriteFigures {
    pub requests: usize,
    pub clients: usize,
    /// `201 Created` answers.
    pub created: usize,
    /// Other answers and transport errors, by kind.
    pub errors: BTreeMap<String, usize>,
    pub seconds: f64,
    /// Created proposals per second of wall time.
    pub ops_per_sec: f64,
    pub p50_ms: f64,
    pub p99_ms: f64,
}

/// Gets an API token for the account, first choosing a new password (the first
/// maintainer's printed password works only for that).
pub async fn token(addr: SocketAddr, email: &str, password: &str) -> anyhow::Result<String> {
    let mut http = Client::new(addr);
    let r = http
        .post_json(
            "/api/v1/tokens",
            None,
            &json!({
                "email": email,
                "password": password,
                "label": "quire-bench load",
                "new_password": "the bench maintainer's own passphrase",
            }),
        )
        .await?;
    anyhow::ensure!(
        r.status == 201,
        "POST /api/v1/tokens: {} {}",
        r.status,
        r.message()
    );
    r.json()["token"]
        .as_str()
        .map(str::to_string)
        .context("POST /api/v1/tokens gave no token")
}

/// One section of `main`: its id and text.
struct SectionText {
    id: String,
    text: String,
    /// Lines an edit may touch (prose, not headings, tables or fences).
    lines: Vec<usize>,
}

/// Reads every section of `main` through the API, at one commit.
async fn sections(addr: SocketAddr) -> anyhow::Result<(String, Vec<SectionText>)> {
    let mut http = Client::new(addr);
    let r = http.get("/api/v1/sections").await?;
    anyhow::ensure!(r.status == 200, "GET /api/v1/sections: {}", r.status);
    let v = r.json();
    let commit = v["commit"]
        .as_str()
        .context("GET /api/v1/sections: no commit")?
        .to_string();
    let ids: Vec<String> = v["sections"]
        .as_array()
        .context("GET /api/v1/sections: no sections")?
        .iter()
        .filter_map(|s| s["id"].as_str().map(str::to_string))
        .collect();
    let mut out = Vec::new();
    for id in ids {
        let r = http
            .get(&format!("/api/v1/sections/{id}?at={commit}"))
            .await?;
        anyhow::ensure!(r.status == 200, "GET /api/v1/sections/{id}: {}", r.status);
        let text = r.json()["text"]
            .as_str()
            .with_context(|| format!("GET /api/v1/sections/{id}: no text"))?
            .to_string();
        let lines = quire_stress::load::paragraph_lines(&text);
        if !lines.is_empty() {
            out.push(SectionText { id, text, lines });
        }
    }
    anyhow::ensure!(!out.is_empty(), "no section of main has a line to edit");
    Ok((commit, out))
}

/// `text` with ` (edit tag)` appended to line `line`.
fn edited(text: &str, line: usize, tag: &str) -> String {
    let mut out = String::with_capacity(text.len() + 32);
    for (i, l) in text.lines().enumerate() {
        out.push_str(l);
        if i == line {
            out.push_str(" (load edit ");
            out.push_str(tag);
            out.push(')');
        }
        out.push('\n');
    }
    out
}

/// Sends `requests` proposals from `clients` concurrent clients (one connection each) and
/// times each `POST`.
pub async fn measure(
    addr: SocketAddr,
    token: &str,
    requests: usize,
    clients: usize,
    seed: u64,
) -> anyhow::Result<WriteFigures> {
    let (base, texts) = sections(addr).await?;
    let texts = Arc::new(texts);
    let next = Arc::new(AtomicUsize::new(0));
    let start = Instant::now();
    let mut tasks = Vec::new();
    for c in 0..clients {
        let (texts, next, base, token) = (
            Arc::clone(&texts),
            Arc::clone(&next),
            base.clone(),
            token.to_string(),
        );
        tasks.push(tokio::spawn(async move {
            let mut rng = fastrand::Rng::with_seed(seed.wrapping_add(c as u64));
            let mut http = Client::new(addr);
            let mut lat = Vec::new();
            let mut errors: BTreeMap<String, usize> = BTreeMap::new();
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= requests {
                    break;
                }
                let s = &texts[rng.usize(0..texts.len())];
                let line = s.lines[rng.usize(0..s.lines.len())];
                let tag = format!("{seed:x}-{i}");
                let body = json!({
                    "title": format!("Load test edit {tag} of {}", s.id),
                    "rationale": format!("Written by quire-bench load ({tag})."),
                    "changes": [{ "section": s.id, "text": edited(&s.text, line, &tag) }],
                    "base": base,
                });
                let t0 = Instant::now();
                let r = http
                    .post_json("/api/v1/proposals", Some(&token), &body)
                    .await;
                let took = t0.elapsed();
                match r {
                    Ok(r) if r.status == 201 && r.json()["number"].as_u64().is_some() => {
                        lat.push(took)
                    }
                    Ok(r) => {
                        *errors
                            .entry(format!("{} {}", r.status, r.message()))
                            .or_default() += 1
                    }
                    Err(e) => *errors.entry(format!("{e:#}")).or_default() += 1,
                }
            }
            (lat, errors)
        }));
    }
    let mut lat: Vec<Duration> = Vec::new();
    let mut errors: BTreeMap<String, usize> = BTreeMap::new();
    for t in tasks {
        let (l, e) = t.await.context("a write client panicked")?;
        lat.extend(l);
        for (k, n) in e {
            *errors.entry(k).or_default() += n;
        }
    }
    let seconds = start.elapsed().as_secs_f64();
    lat.sort_unstable();
    let at = |q: f64| -> f64 {
        if lat.is_empty() {
            return 0.0;
        }
        let i = ((lat.len() as f64 - 1.0) * q).round() as usize;
        lat[i.min(lat.len() - 1)].as_secs_f64() * 1000.0
    };
    Ok(WriteFigures {
        requests,
        clients,
        created: lat.len(),
        errors,
        seconds,
        ops_per_sec: lat.len() as f64 / seconds,
        p50_ms: at(0.50),
        p99_ms: at(0.99),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_edit_changes_only_its_line() {
        let t = "# Title\n\nFirst line.\nSecond line.\n";
        let e = edited(t, 3, "x1");
        assert_eq!(e, "# Title\n\nFirst line.\nSecond line. (load edit x1)\n");
    }
}
