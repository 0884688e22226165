//! The real-browser journey: starts `quire serve` on a fresh data directory and a free port,
//! then runs `tests/browser/journey.mjs` (playwright-core driving Debian's Chromium, with an
//! axe-core scan of every page). Screenshots and the axe report are saved under
//! `target/tmp/browser-artifacts/`.
//!
//! The tools (Chromium, Node.js, the npm packages) are installed once by
//! `bash tests/browser/setup.sh`, never from here: a test installs nothing. When one is
//! missing the tests skip with that instruction, and under CI (`CI` set) they fail with it.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn browser_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/browser")
}

/// Whether `program` names a file, or a file on the `PATH` (as `command -v` finds it).
fn on_path(program: &str) -> bool {
    if program.contains('/') {
        return Path::new(program).is_file();
    }
    std::env::var_os("PATH")
        .is_some_and(|paths| std::env::split_paths(&paths).any(|dir| dir.join(program).is_file()))
}

/// The browser tools that are not installed: Chromium (`CHROMIUM`, or Debian's
/// `/usr/bin/chromium`, as the scripts launch it), Node.js and the npm packages.
fn missing_tools() -> Vec<String> {
    let chromium = std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
    let mut missing = Vec::new();
    if !on_path(&chromium) {
        missing.push(chromium);
    }
    if !on_path("node") {
        missing.push("node".into());
    }
    for package in ["playwright-core", "axe-core"] {
        if !browser_dir().join("node_modules").join(package).is_dir() {
            missing.push(format!("node_modules/{package}"));
        }
    }
    missing
}

/// Checks that Chromium and the npm packages are there; `false` means "skip" (outside CI).
/// Installs nothing: that is `tests/browser/setup.sh`'s job.
fn ensure_tools() -> bool {
    let missing = missing_tools();
    if missing.is_empty() {
        return true;
    }
    let message = format!(
        "the browser tests need {}: run `bash tests/browser/setup.sh` once to install them",
        missing.join(", ")
    );
    if std::env::var_os("CI").is_some() {
        panic!("{message}");
    }
    eprintln!("SKIPPED: {message}");
    false
}

#[test]
fn the_whole_journey_works_in_a_real_browser_and_passes_axe() {
    if !ensure_tools() {
        return;
    }
    let data = tempfile::tempdir().expect("temp dir");
    let mut child = Command::new(env!("CARGO_BIN_EXE_quire"))
        .args(["serve", "--addr", "127.0.0.1:0", "--data-dir"])
        .arg(data.path())
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("quire serve starts");
    let stdout = child.stdout.take().expect("piped stdout");
    let server = Server(child);
    let (mut url, mut email, mut password) = (None, None, None);
    let start = Instant::now();
    for line in BufReader::new(stdout).lines() {
        let line = line.expect("server output");
        println!("server: {line}");
        if let Some(e) = line.strip_prefix("First maintainer account: ") {
            email = Some(e.trim().to_string());
        } else if let Some(p) = line.strip_prefix("One-time password: ") {
            password = Some(p.trim().to_string());
        } else if let Some(rest) = line.strip_prefix("Quire is serving at ") {
            url = rest.split_whitespace().next().map(str::to_string);
            break;
        }
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "the server did not start"
        );
    }
    let url = url.expect("the server printed its URL");
    let email = email.expect("the server printed the first maintainer's email");
    let password = password.expect("the server printed a one-time password");
    let out = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("browser-artifacts");
    let _ = std::fs::remove_dir_all(&out);
    let status = Command::new("node")
        .current_dir(browser_dir())
        .arg("journey.mjs")
        .args([&url, &email, &password])
        .arg(&out)
        .status()
        .expect("node runs");
    // Graceful shutdown: SIGTERM ends the server cleanly.
    let pid = server.0.id().to_string();
    let killed = Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .expect("kill runs");
    assert!(killed.success());
    let mut server = server;
    let deadline = Instant::now() + Duration::from_secs(10);
    let exit = loop {
        if let Some(code) = server.0.try_wait().expect("wait") {
            break Some(code);
        }
        if Instant::now() > deadline {
            break None;
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let exit = exit.expect("the server stops within 10 s of SIGTERM");
    assert!(
        exit.success(),
        "the server exits cleanly on SIGTERM: {exit}"
    );
    assert!(
        status.success(),
        "the browser journey failed; screenshots are in {}",
        out.display()
    );
    let shots = std::fs::read_dir(&out)
        .expect("artifacts")
        .filter(|e| {
            e.as_ref()
                .is_ok_and(|e| e.path().extension().is_some_and(|x| x == "png"))
        })
        .count();
    assert!(
        shots >= 10,
        "expected a screenshot of every page, found {shots}"
    );
}

/// Runs `quire` with a library and an author, and checks that it succeeded.
fn quire(repo: &Path, args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_quire"))
        .args(args)
        .env("QUIRE_REPO", repo)
        .env("QUIRE_AUTHOR", "Priya Shah <priya@example.org>")
        .env_remove("NO_COLOR")
        .output()
        .expect("quire runs");
    assert!(
        out.status.success(),
        "quire {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn the_exported_site_works_from_the_file_system_with_offline_search() {
    if !ensure_tools() {
        return;
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let repo = dir.path().join("library.git");
    quire(&repo, &["init"]);
    quire(
        &repo,
        &["publish", "2027.1", "--title", "Spring 2027 edition"],
    );
    // Sample proposals 2 (usability: names WCAG 2.2) and 6 (transparency).
    for n in ["2", "6"] {
        quire(&repo, &["review", n, "--approve"]);
        quire(&repo, &["merge", n]);
    }
    quire(
        &repo,
        &["publish", "2027.2", "--title", "Autumn 2027 edition"],
    );
    let site = dir.path().join("site");
    let printed = quire(
        &repo,
        &[
            "export",
            "2027.2",
            "--out",
            site.to_str().expect("UTF-8 path"),
        ],
    );
    // Not a terminal: no progress bar, just the summary.
    assert!(printed.starts_with("Exported '2027.2'"), "{printed}");
    let out = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("browser-export-artifacts");
    let _ = std::fs::remove_dir_all(&out);
    let status = Command::new("node")
        .current_dir(browser_dir())
        .arg("export.mjs")
        .arg(&site)
        .arg(&out)
        .arg("Web Content Accessibility Guidelines")
        .status()
        .expect("node runs");
    assert!(
        status.success(),
        "the exported site failed in the browser; screenshots are in {}",
        out.display()
    );
    for shot in ["contents", "section", "changes"] {
        let found = std::fs::read_dir(&out).expect("artifacts").any(|e| {
            e.is_ok_and(|e| {
                let name = e.file_name().to_string_lossy().into_owned();
                name.ends_with(&format!("-{shot}.png"))
            })
        });
        assert!(
            found,
            "no screenshot of the {shot} page in {}",
            out.display()
        );
    }
}
