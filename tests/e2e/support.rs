//! The fixture every end-to-end test uses: a fresh temporary directory with a library in it,
//! a chainable runner for the built `quire` binary, and the real `git` to check the result.
//!
//! ```ignore
//! let env = Env::new();
//! env.init_empty();
//! let text = env.quire(["show", "usability"]).ok().stdout();
//! env.quire(["merge", "9"]).code(3).stderr_has("no proposal #9");
//! ```

use std::ffi::{OsStr, OsString};
use std::fmt::Write as _;
use std::io::{BufRead as _, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use tempfile::TempDir;

/// The maintainer who runs `init`, reviews, merges and publishes unless a test says otherwise.
pub const MAINTAINER: &str = "Morgan Lee <morgan@example.org>";

/// The built binary under test.
pub const QUIRE: &str = env!("CARGO_BIN_EXE_quire");

/// One test's world: a temporary directory holding the library (`lib.git`), a home
/// directory, a temp directory for editors, and any input files the test writes.
pub struct Env {
    dir: TempDir,
    repo: PathBuf,
}

impl Default for Env {
    fn default() -> Env {
        Env::new()
    }
}

impl Env {
    /// Starts `quire serve` on a loopback port with `data` as its data directory and waits
    /// until it says it is serving; returns the running server and what it printed.
    pub fn serve(&self, data: &Path) -> (Child, String) {
        let mut server = self
            .quire(["serve", "--addr", "127.0.0.1:0", "--data-dir"])
            .no_repo()
            .no_author()
            .args([data])
            .command()
            .env("RUST_LOG", "warn")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("quire serve starts");
        let stdout = server.stdout.take().expect("stdout");
        let start = Instant::now();
        let mut printed = String::new();
        for line in BufReader::new(stdout).lines() {
            let line = line.expect("server output");
            printed.push_str(&line);
            printed.push('\n');
            if line.starts_with("Quire is serving at ") {
                break;
            }
            assert!(start.elapsed() < Duration::from_secs(60), "no start");
        }
        (server, printed)
    }

    /// A fresh, empty world (no library yet).
    pub fn new() -> Env {
        let dir = tempfile::Builder::new()
            .prefix("quire-e2e-")
            .tempdir()
            .expect("creating a temporary directory");
        for sub in ["home", "xdg", "tmp", "files"] {
            std::fs::create_dir_all(dir.path().join(sub)).expect("creating a fixture folder");
        }
        let repo = dir.path().join("lib.git");
        Env { dir, repo }
    }

    /// The library's path.
    pub fn repo(&self) -> &Path {
        &self.repo
    }

    /// A path inside the test's temporary directory.
    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// Writes an input file under `files/` and returns its path.
    pub fn write(&self, name: &str, contents: impl AsRef<[u8]>) -> PathBuf {
        let path = self.dir.path().join("files").join(name);
        std::fs::write(&path, contents).expect("writing an input file");
        path
    }

    /// Writes an executable shell script under `files/` and returns its path.
    pub fn script(&self, name: &str, body: &str) -> PathBuf {
        use std::os::unix::fs::PermissionsExt as _;
        let path = self.write(name, format!("#!/bin/sh\n{body}\n"));
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755))
            .expect("making a script executable");
        path
    }

    /// `quire init --no-samples` as the maintainer.
    pub fn init_empty(&self) {
        self.quire(["init", "--no-samples"])
            .ok()
            .stdout_has("Created a library");
    }

    /// A `quire` command against this library, as the maintainer, with `--repo`.
    pub fn quire<I, S>(&self, args: I) -> Run
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        let mut run = Run::new(self, QUIRE);
        run.repo = Some(self.repo.clone().into_os_string());
        run.author = Some(MAINTAINER.into());
        run.args(args)
    }

    /// The real `git -C <library> ARGS`.
    pub fn git<I, S>(&self, args: I) -> Run
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        let mut run = Run::new(self, "git");
        run.args.push("-C".into());
        run.args.push(self.repo.clone().into_os_string());
        run.args(args)
    }

    /// Every ref with the object it points at, one per line, as `git for-each-ref` says.
    pub fn refs(&self) -> String {
        quire_testkit::refs(&self.repo)
    }

    /// `git fsck --strict` succeeds and reports nothing but dangling objects (left by
    /// writers that lost a compare-and-swap race, which is allowed).
    pub fn assert_fsck_clean(&self) {
        quire_testkit::assert_fsck_clean(&self.repo)
    }

    /// A section's text on main, as `quire show` prints it.
    pub fn show(&self, section: &str) -> String {
        self.quire(["show", section]).ok().stdout()
    }
}

/// A command being built; finish it with [`Run::run`], [`Run::ok`] or [`Run::code`].
pub struct Run {
    program: OsString,
    args: Vec<OsString>,
    repo: Option<OsString>,
    author: Option<String>,
    envs: Vec<(OsString, OsString)>,
    stdin: Option<Vec<u8>>,
}

impl Run {
    fn new(env: &Env, program: &str) -> Run {
        let dir = env.dir.path();
        let envs = [
            ("PATH", std::env::var_os("PATH").unwrap_or_default()),
            ("HOME", dir.join("home").into_os_string()),
            ("XDG_DATA_HOME", dir.join("xdg").into_os_string()),
            ("TMPDIR", dir.join("tmp").into_os_string()),
            ("NO_COLOR", "1".into()),
            ("GIT_CONFIG_NOSYSTEM", "1".into()),
            ("LC_ALL", "C".into()),
        ]
        .into_iter()
        .map(|(k, v)| (OsString::from(k), v))
        .collect();
        Run {
            program: program.into(),
            args: Vec::new(),
            repo: None,
            author: None,
            envs,
            stdin: None,
        }
    }

    /// Adds arguments.
    pub fn args<I, S>(mut self, args: I) -> Run
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        self.args
            .extend(args.into_iter().map(|a| a.as_ref().to_os_string()));
        self
    }

    /// Adds a flag with a path value (`--file PATH`).
    pub fn arg_path(mut self, flag: &str, path: &Path) -> Run {
        self.args.push(flag.into());
        self.args.push(path.as_os_str().to_os_string());
        self
    }

    /// Acts as someone else (`--author`).
    pub fn author(mut self, who: &str) -> Run {
        self.author = Some(who.into());
        self
    }

    /// Passes no `--author` at all.
    pub fn no_author(mut self) -> Run {
        self.author = None;
        self
    }

    /// Passes no `--repo` (so `QUIRE_REPO` or the default applies).
    pub fn no_repo(mut self) -> Run {
        self.repo = None;
        self
    }

    /// Sets an environment variable for the child.
    pub fn env(mut self, key: &str, value: impl AsRef<OsStr>) -> Run {
        self.envs.push((key.into(), value.as_ref().to_os_string()));
        self
    }

    /// Feeds bytes to the child's stdin.
    pub fn stdin(mut self, bytes: impl Into<Vec<u8>>) -> Run {
        self.stdin = Some(bytes.into());
        self
    }

    /// The finished `std::process::Command` (for tests that spawn and manage it themselves).
    pub fn command(&self) -> Command {
        let mut cmd = Command::new(&self.program);
        cmd.env_clear();
        for (k, v) in &self.envs {
            cmd.env(k, v);
        }
        if let Some(repo) = &self.repo {
            cmd.arg("--repo").arg(repo);
        }
        if let Some(author) = &self.author {
            cmd.arg("--author").arg(author);
        }
        cmd.args(&self.args);
        cmd
    }

    /// Runs the command to completion, whatever its exit code.
    pub fn run(self) -> Output {
        let mut cmd = self.command();
        let shown = describe(&cmd);
        cmd.stdin(if self.stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        });
        cmd.stdout(Stdio::piped()).stderr(Stdio::piped());
        let mut child = cmd
            .spawn()
            .unwrap_or_else(|e| panic!("starting {shown}: {e}"));
        if let Some(bytes) = &self.stdin {
            use std::io::Write as _;
            let mut pipe = child.stdin.take().expect("stdin was piped");
            pipe.write_all(bytes).expect("writing the child's stdin");
        }
        let out = child
            .wait_with_output()
            .unwrap_or_else(|e| panic!("waiting for {shown}: {e}"));
        Output {
            shown,
            code: out.status.code(),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }

    /// Runs and asserts exit code 0.
    pub fn ok(self) -> Output {
        self.code(0)
    }

    /// Runs and asserts this exit code.
    pub fn code(self, want: i32) -> Output {
        let out = self.run();
        assert_eq!(out.code, Some(want), "wrong exit code\n{out}");
        out
    }
}

/// The result of a finished command.
#[derive(Debug, Clone)]
pub struct Output {
    /// The command line, for failure messages.
    pub shown: String,
    /// The exit code (`None` if killed by a signal).
    pub code: Option<i32>,
    /// Standard output, lossily decoded.
    pub stdout: String,
    /// Standard error, lossily decoded.
    pub stderr: String,
}

impl Output {
    /// Standard output.
    pub fn stdout(self) -> String {
        self.stdout
    }

    /// Standard error.
    pub fn stderr(self) -> String {
        self.stderr
    }

    /// Standard output parsed as JSON.
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("stdout is not JSON ({e})\n{self}"))
    }

    /// Asserts standard output contains `needle`.
    pub fn stdout_has(self, needle: &str) -> Output {
        assert!(
            self.stdout.contains(needle),
            "stdout lacks {needle:?}\n{self}"
        );
        self
    }

    /// Asserts standard error contains `needle`.
    pub fn stderr_has(self, needle: &str) -> Output {
        assert!(
            self.stderr.contains(needle),
            "stderr lacks {needle:?}\n{self}"
        );
        self
    }
}

impl std::fmt::Display for Output {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "command: {}\nexit: {:?}\n--- stdout ---\n{}\n--- stderr ---\n{}",
            self.shown, self.code, self.stdout, self.stderr
        )
    }
}

fn describe(cmd: &Command) -> String {
    let mut s = cmd.get_program().to_string_lossy().into_owned();
    for a in cmd.get_args() {
        let _ = write!(s, " {:?}", a.to_string_lossy());
    }
    s
}

/// `text` with the one occurrence of `from` replaced by `to` (panics if `from` is missing
/// or repeated, so a test never proposes a no-op by accident).
pub fn replace_once(text: &str, from: &str, to: &str) -> String {
    assert_eq!(
        text.matches(from).count(),
        1,
        "{from:?} should occur exactly once in:\n{text}"
    );
    text.replacen(from, to, 1)
}
