//! Small git helpers: signatures, compare-and-swap ref updates, commit messages with
//! trailers, reading blobs. Nothing here knows about proposals.

use std::thread;
use std::time::{Duration, Instant};

use git2::{ErrorCode, Oid, Repository, Signature};
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

use crate::error::{Error, Result};
use crate::ids::Identity;

/// How long a writer keeps retrying a lost compare-and-swap before giving up.
const RETRY_BUDGET: Duration = Duration::from_secs(20);

pub(crate) fn now() -> OffsetDateTime {
    OffsetDateTime::now_utc()
}

pub(crate) fn rfc3339(t: OffsetDateTime) -> String {
    t.replace_nanosecond(0)
        .unwrap_or(t)
        .format(&Rfc3339)
        .expect("RFC 3339 formatting of a UTC time cannot fail")
}

pub(crate) fn git_time_rfc3339(t: git2::Time) -> String {
    let base =
        OffsetDateTime::from_unix_timestamp(t.seconds()).unwrap_or(OffsetDateTime::UNIX_EPOCH);
    rfc3339(base)
}

pub(crate) fn signature(who: &Identity, at: OffsetDateTime) -> Result<Signature<'static>> {
    let time = git2::Time::new(at.unix_timestamp(), 0);
    Ok(Signature::new(&who.name, &who.email, &time)?)
}

pub(crate) fn identity_of(sig: &Signature<'_>) -> Identity {
    Identity {
        name: String::from_utf8_lossy(sig.name_bytes()).into_owned(),
        email: String::from_utf8_lossy(sig.email_bytes()).into_owned(),
    }
}

/// Lock files older than this are left over from a killed process (a ref update holds its
/// lock for microseconds).
pub(crate) const STALE_LOCK_AGE: Duration = Duration::from_secs(30);

/// Removes `path` if it is a lock file older than [`STALE_LOCK_AGE`]; true if it did.
pub(crate) fn remove_if_stale(path: &std::path::Path) -> bool {
    let old = std::fs::metadata(path)
        .and_then(|m| m.modified())
        .ok()
        .and_then(|m| std::time::SystemTime::now().duration_since(m).ok())
        .is_some_and(|age| age > STALE_LOCK_AGE);
    old && std::fs::remove_file(path).is_ok()
}

/// True if `name` has a lock file: a writer is updating it, or a killed one left it.
pub(crate) fn is_locked(repo: &Repository, name: &str) -> bool {
    repo.path().join(format!("{name}.lock")).exists()
}

/// The outcome of one compare-and-swap attempt.
pub(crate) enum Cas {
    /// The ref now points at the new value.
    Done,
    /// Someone else changed (or is changing) the ref: re-read and try again.
    Lost,
}

/// Points `name` at `new` only if it currently points at `old` (`None`: only if it does
/// not exist). Under the ref's lock file, so two processes never both win.
pub(crate) fn cas(
    repo: &Repository,
    name: &str,
    new: Oid,
    old: Option<Oid>,
    log: &str,
) -> Result<Cas> {
    let expected = old.unwrap_or(Oid::ZERO_SHA1);
    // Before: so that a process killed between this update and its follow-ups (a
    // revision's ref after its event) leaves a line for the repair pass. After: so that a
    // reader that read the "before" line too early sees the change on its next read.
    crate::journal::append(repo, name, new);
    match repo.reference_matching(name, new, true, expected, log) {
        Ok(_) => {
            crate::journal::append(repo, name, new);
            Ok(Cas::Done)
        }
        Err(e) if e.code() == ErrorCode::Locked => {
            // A lock left by a killed process would otherwise stop every write to this ref
            // until the next repair pass: remove it once it is stale, as that pass does.
            remove_if_stale(&repo.path().join(format!("{name}.lock")));
            Ok(Cas::Lost)
        }
        Err(e) if matches!(e.code(), ErrorCode::Modified | ErrorCode::Exists) => Ok(Cas::Lost),
        Err(e) => Err(e.into()),
    }
}

/// The `git` command line on the library (`git --git-dir=<dir> args...`), for what
/// libgit2 cannot do (listing every reachable object, repacking), with hooks off.
/// Git is a stated requirement of Quire (README).
fn git_command(repo: &Repository, args: &[&str]) -> std::process::Command {
    let mut cmd = std::process::Command::new("git");
    cmd.arg("--git-dir")
        .arg(repo.path())
        .args(["-c", "core.hooksPath=/dev/null"])
        .args(args)
        .env("LC_ALL", "C")
        .stdin(std::process::Stdio::null());
    cmd
}

fn git_failed(args: &[&str], detail: impl std::fmt::Display) -> Error {
    Error::storage(format!(
        "`git {}` failed (the git command line is needed to remove redacted text from the repository): {detail}",
        args.join(" ")
    ))
}

/// Runs git and returns its standard output.
pub(crate) fn run_git(repo: &Repository, args: &[&str]) -> Result<Vec<u8>> {
    let out = git_command(repo, args)
        .output()
        .map_err(|e| git_failed(args, e))?;
    if !out.status.success() {
        return Err(git_failed(
            args,
            String::from_utf8_lossy(&out.stderr).trim(),
        ));
    }
    Ok(out.stdout)
}

/// Runs git and hands each line of its standard output to `each` as it comes (for
/// outputs too long to hold, like every object of a big library).
pub(crate) fn run_git_lines(
    repo: &Repository,
    args: &[&str],
    mut each: impl FnMut(&[u8]),
) -> Result<()> {
    use std::io::BufRead as _;
    let mut child = git_command(repo, args)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .map_err(|e| git_failed(args, e))?;
    let stdout = child
        .stdout
        .take()
        .ok_or_else(|| git_failed(args, "no output"))?;
    let mut reader = std::io::BufReader::with_capacity(1 << 16, stdout);
    let mut line = Vec::new();
    loop {
        line.clear();
        match reader.read_until(b'\n', &mut line) {
            Ok(0) => break,
            Ok(_) => each(&line),
            Err(e) => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(git_failed(args, e));
            }
        }
    }
    let out = child.wait_with_output().map_err(|e| git_failed(args, e))?;
    if !out.status.success() {
        return Err(git_failed(
            args,
            String::from_utf8_lossy(&out.stderr).trim(),
        ));
    }
    Ok(())
}

/// Runs `attempt` until it returns `Some`, backing off between lost races, for at most
/// [`RETRY_BUDGET`].
pub(crate) fn retry<T>(what: &str, mut attempt: impl FnMut() -> Result<Option<T>>) -> Result<T> {
    let start = Instant::now();
    let mut round: u32 = 0;
    loop {
        if let Some(v) = attempt()? {
            return Ok(v);
        }
        round += 1;
        if start.elapsed() > RETRY_BUDGET {
            return Err(Error::Contention(format!(
                "{what}: gave up after {round} attempts"
            )));
        }
        thread::sleep(backoff(round));
    }
}

fn backoff(round: u32) -> Duration {
    // Exponential up to ~32 ms, with jitter from the clock so racing processes spread out.
    let cap = 1u64 << round.min(5);
    let jitter = u64::from(now().nanosecond()) % 1000;
    Duration::from_micros(cap * 1000 / 2 + jitter * cap / 2)
}

/// Lists of trailers in a commit or tag message.
pub(crate) type Trailers = Vec<(String, String)>;

/// Builds a commit message: subject, optional body, trailers.
pub(crate) fn message(subject: &str, body: &str, trailers: &[(&str, String)]) -> String {
    let mut m = one_line(subject);
    let body = body.trim();
    if !body.is_empty() {
        m.push_str("\n\n");
        m.push_str(body);
    }
    if !trailers.is_empty() {
        m.push_str("\n\n");
        for (k, v) in trailers {
            m.push_str(k);
            m.push_str(": ");
            m.push_str(&one_line(v));
            m.push('\n');
        }
    } else {
        m.push('\n');
    }
    m
}

pub(crate) fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Splits a message into (subject, body without trailers, trailers).
pub(crate) fn parse_message(msg: &str) -> (String, String, Trailers) {
    let msg = msg.trim_end();
    let (subject, rest) = msg.split_once('\n').unwrap_or((msg, ""));
    let rest = rest.trim_start_matches('\n');
    let (body, last) = match rest.rfind("\n\n") {
        Some(i) => (&rest[..i], &rest[i + 2..]),
        None => ("", rest),
    };
    let is_trailer_line = |l: &str| {
        l.split_once(": ").is_some_and(|(k, _)| {
            !k.is_empty() && k.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        })
    };
    if !last.is_empty() && last.lines().all(is_trailer_line) {
        let trailers = last
            .lines()
            .filter_map(|l| l.split_once(": "))
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        (subject.to_string(), body.trim().to_string(), trailers)
    } else {
        (subject.to_string(), rest.trim().to_string(), Vec::new())
    }
}

pub(crate) fn trailer<'a>(trailers: &'a Trailers, key: &str) -> Option<&'a str> {
    trailers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(key))
        .map(|(_, v)| v.as_str())
}

/// The blob at `path` in a commit's tree, if there is one.
pub(crate) fn read_path(repo: &Repository, commit: Oid, path: &str) -> Result<Option<Vec<u8>>> {
    let tree = repo.find_commit(commit)?.tree()?;
    let entry = match tree.get_path(std::path::Path::new(path)) {
        Ok(e) => e,
        Err(e) if e.code() == ErrorCode::NotFound => return Ok(None),
        Err(e) => return Err(e.into()),
    };
    let blob = repo.find_blob(entry.id())?;
    Ok(Some(blob.content().to_vec()))
}

/// The target of a ref, or `None` if there is no such ref.
pub(crate) fn ref_target(repo: &Repository, name: &str) -> Result<Option<Oid>> {
    match repo.refname_to_id(name) {
        Ok(id) => Ok(Some(id)),
        Err(e) if e.code() == ErrorCode::NotFound => Ok(None),
        Err(e) => Err(e.into()),
    }
}

/// Writes a tree of one JSON file and a commit of it on top of `parent`.
pub(crate) fn commit_state(
    repo: &Repository,
    file: &str,
    json: &[u8],
    parent: Option<Oid>,
    author: &Signature<'_>,
    committer: &Signature<'_>,
    msg: &str,
) -> Result<Oid> {
    // The parent first: if it is gone (a redaction deleted it), nothing is written.
    let parents = match parent {
        Some(p) => vec![repo.find_commit(p)?],
        None => Vec::new(),
    };
    let blob = repo.blob(json)?;
    let mut tb = repo.treebuilder(None)?;
    tb.insert(file, blob, 0o100644)?;
    let tree = repo.find_tree(tb.write()?)?;
    let refs: Vec<&git2::Commit<'_>> = parents.iter().collect();
    Ok(repo.commit(None, author, committer, msg, &tree, &refs)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_round_trip_with_trailers() {
        let m = message(
            "Comment on proposal 3",
            "Line one.\n\nLine two.",
            &[("Event", "commented".into()), ("Proposal", "3".into())],
        );
        let (s, b, t) = parse_message(&m);
        assert_eq!(s, "Comment on proposal 3");
        assert_eq!(b, "Line one.\n\nLine two.");
        assert_eq!(trailer(&t, "event"), Some("commented"));
        assert_eq!(trailer(&t, "Proposal"), Some("3"));
    }

    #[test]
    fn a_body_without_trailers_is_kept_whole() {
        let (s, b, t) = parse_message("Subject\n\nJust: text here and more\n\nSecond para\n");
        assert_eq!(s, "Subject");
        assert_eq!(b, "Just: text here and more\n\nSecond para");
        assert!(t.is_empty());
    }

    #[test]
    fn subject_lines_are_flattened() {
        let m = message("a\nb", "", &[("K", "x\ny".into())]);
        assert_eq!(m, "a b\n\nK: x y\n");
    }
}
