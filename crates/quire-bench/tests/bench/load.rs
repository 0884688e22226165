//! A short `quire-bench load` run on the bundled library against the debug `quire` binary,
//! so the script cannot rot: every row is measured on both sides, and the reference
//! serves exactly quire's bytes. Speed is never asserted.
//!
//! Needs `wrk` (`apt-get install -y wrk`; without it the test prints `SKIPPED` and
//! returns) and `target/debug/quire` (`cargo test --workspace` builds it; alone, run
//! `cargo build -p quire-cli` first).

#![allow(clippy::unwrap_used)]

use std::path::PathBuf;
use std::process::Command;

fn quire_binary() -> PathBuf {
    let bench = PathBuf::from(env!("CARGO_BIN_EXE_quire-bench"));
    let quire = bench
        .parent()
        .unwrap()
        .join(format!("quire{}", std::env::consts::EXE_SUFFIX));
    assert!(
        quire.is_file(),
        "{} is missing: build it with `cargo build -p quire-cli`",
        quire.display()
    );
    quire
}

#[test]
fn a_short_load_run_measures_every_row_on_both_sides() {
    if Command::new("wrk").arg("--version").output().is_err() {
        // CI installs wrk (tests/browser/setup.sh), so there a missing wrk is a failure.
        assert!(
            std::env::var_os("CI").is_none(),
            "wrk is not installed, and CI must run this test"
        );
        println!("SKIPPED: wrk not installed (apt-get install -y wrk)");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let json = dir.path().join("load.json");
    let out = Command::new(env!("CARGO_BIN_EXE_quire-bench"))
        .args(["load", "--seconds", "1", "--connections", "4"])
        .args(["--writes", "12", "--write-clients", "3"])
        .arg("--quire")
        .arg(quire_binary())
        .arg("--json")
        .arg(&json)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    println!("{stdout}");
    assert!(out.status.success(), "quire-bench load failed:\n{stderr}");

    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    let rows = report["rows"].as_array().unwrap();
    let what: Vec<&str> = rows.iter().map(|r| r["what"].as_str().unwrap()).collect();
    assert_eq!(
        what,
        [
            "section page",
            "proposal page",
            "proposals list, by section",
            "API proposal (JSON)"
        ]
    );
    let n = report["proposal"].as_u64().unwrap();
    let urls: Vec<&str> = rows.iter().map(|r| r["url"].as_str().unwrap()).collect();
    assert_eq!(
        urls,
        [
            "/sections/usability".to_string(),
            format!("/proposals/{n}"),
            "/proposals?section=usability".to_string(),
            format!("/api/v1/proposals/{n}"),
        ]
    );
    for r in rows {
        let url = r["url"].as_str().unwrap();
        for side in ["quire", "reference"] {
            assert!(
                r[side]["requests_per_sec"].as_f64().unwrap() > 0.0,
                "{url}: no requests/s on the {side} side"
            );
            assert!(r[side]["requests"].as_u64().unwrap() > 0, "{url} ({side})");
            assert_eq!(
                r[side]["non_2xx_3xx"].as_u64().unwrap(),
                0,
                "{url}: error answers on the {side} side"
            );
        }
        let bytes = r["bytes"].as_u64().unwrap();
        assert!(bytes > 0, "{url}: quire served nothing");
        assert_eq!(r["reference_bytes"].as_u64().unwrap(), bytes, "{url}");
        assert_eq!(
            r["reference_identical"],
            serde_json::Value::Bool(true),
            "{url}: the reference did not serve quire's bytes"
        );
        // The table printed at the end has the row.
        assert!(
            stdout.contains(&format!("| `{url}` (")),
            "{url} missing from the table"
        );
    }
    assert!(rows[3]["content_type"]
        .as_str()
        .unwrap()
        .starts_with("application/json"));
    assert!(rows[0]["content_type"]
        .as_str()
        .unwrap()
        .starts_with("text/html"));

    // Ready time and memory are read; the writes were all created.
    assert!(report["ready_ms"].as_f64().unwrap() > 0.0);
    assert!(report["memory_after_reads"]["vm_hwm_kib"].as_u64().unwrap() > 0);
    let w = &report["writes"];
    assert_eq!(
        w["created"].as_u64().unwrap(),
        12,
        "write errors: {}",
        w["errors"]
    );
    assert!(w["ops_per_sec"].as_f64().unwrap() > 0.0);
}

#[test]
fn without_wrk_it_says_how_to_install_it() {
    // An empty PATH hides wrk (and everything else): the run must stop before starting
    // anything, with the install command.
    let out = Command::new(env!("CARGO_BIN_EXE_quire-bench"))
        .args(["load", "--seconds", "1"])
        .env("PATH", "")
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("apt-get install -y wrk"), "{stderr}");
}
