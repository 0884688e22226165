//! The test helpers that Quire's test suites share (quire-core's `tests/library`,
//! quire-server's `tests/server`, quire-cli's `tests/e2e`, quire-bench's `tests/bench`, the
//! benchmarks): git itself as the referee, run with no user or system configuration, and
//! the bundled resource as `Library::init` takes it.
//!
//! - [`git`], [`git_output`], [`git_command`]: the real `git -C <repo>`.
//! - [`refs`]: every ref and its object, to check that a refused write changed nothing.
//! - [`assert_fsck_clean`]: `git fsck --strict` finds nothing wrong.
//! - [`commit_on_main_with_a_clone`]: a change made on `main` by plain git, as an editor would.
//! - [`workspace_root`], [`resource_files`], [`bundled_section`]: the bundled text.
//!
//! Depends on no Quire crate, so every crate's tests can use it; the helpers that need a
//! `Library` or an app stay in each suite's `support`.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// `git -C <repo>` with no user or system configuration and the C locale, so what git
/// prints does not depend on the machine.
pub fn git_command(repo: &Path) -> Command {
    let mut cmd = Command::new("git");
    cmd.arg("-C")
        .arg(repo)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("LC_ALL", "C");
    cmd
}

/// Runs `git -C <repo> args...` (see [`git_command`]), whatever its exit status.
pub fn git_output(repo: &Path, args: &[&str]) -> Output {
    git_command(repo).args(args).output().expect("run git")
}

/// Runs `git -C <repo> args...` and returns its stdout, failing the test if git fails.
pub fn git(repo: &Path, args: &[&str]) -> String {
    let out = git_output(repo, args);
    assert!(
        out.status.success(),
        "git {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("git output is UTF-8")
}

/// Every ref and what it points at, one per line, as `git for-each-ref` lists them: compare
/// two snapshots to check that nothing changed.
pub fn refs(repo: &Path) -> String {
    git(repo, &["for-each-ref", "--format=%(refname) %(objectname)"])
}

/// Asserts that `git fsck --strict` succeeds and reports nothing (dangling objects, left by
/// writers that lost a compare-and-swap race, are allowed and not reported).
pub fn assert_fsck_clean(repo: &Path) {
    let out = git_output(
        repo,
        &["fsck", "--strict", "--no-dangling", "--no-progress"],
    );
    let all = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "git fsck --strict failed:\n{all}");
    assert!(
        all.trim().is_empty(),
        "git fsck --strict complained:\n{all}"
    );
}

/// A direct commit on `main` made as an editor would, with the real `git`: clones `repo`
/// into `work` (or pulls, if `work` is already a clone), lets `change` edit the work tree,
/// commits everything as `name <email>` and pushes to `main`. Returns the new commit id.
pub fn commit_on_main_with_a_clone(
    repo: &Path,
    work: &Path,
    (name, email): (&str, &str),
    message: &str,
    change: impl FnOnce(&Path),
) -> String {
    if work.exists() {
        git(work, &["pull", "--quiet", "--ff-only", "origin", "main"]);
    } else {
        let parent = work.parent().expect("the work tree has a parent folder");
        let url = repo.to_str().expect("UTF-8 path");
        let folder = work.file_name().expect("a folder name");
        let folder = folder.to_str().expect("UTF-8 path");
        git(parent, &["clone", "--quiet", url, folder]);
    }
    change(work);
    git(work, &["add", "--all"]);
    let (name, email) = (format!("user.name={name}"), format!("user.email={email}"));
    git(
        work,
        &[
            "-c", &name, "-c", &email, "commit", "--quiet", "-m", message,
        ],
    );
    git(work, &["push", "--quiet", "origin", "HEAD:main"]);
    git(work, &["rev-parse", "HEAD"]).trim().to_string()
}

/// The repository root.
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The bundled resource as `Library::init` takes it (`quire_core::ResourceFiles`):
/// `resource.toml` and `sections/<id>.md`, read from `resource/`, sections in name order.
pub fn resource_files() -> Vec<(String, Vec<u8>)> {
    let root = workspace_root().join("resource");
    let mut files = vec![(
        "resource.toml".to_string(),
        std::fs::read(root.join("resource.toml")).expect("read resource.toml"),
    )];
    let mut entries: Vec<_> = std::fs::read_dir(root.join("sections"))
        .expect("read resource/sections")
        .map(|e| e.expect("dir entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "md"))
        .collect();
    entries.sort();
    for path in entries {
        let name = path.file_name().expect("file name").to_string_lossy();
        files.push((
            format!("sections/{name}"),
            std::fs::read(&path).expect("read section"),
        ));
    }
    files
}

/// The bundled text of one section, as read from disk.
pub fn bundled_section(id: &str) -> String {
    std::fs::read_to_string(workspace_root().join(format!("resource/sections/{id}.md")))
        .expect("read bundled section")
}
