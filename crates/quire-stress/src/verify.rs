//! The checks, from git alone: the `git` command line on the library, nothing of Quire's.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, SystemTime};

use anyhow::{bail, Context as _};
use serde_json::Value;

use crate::load::Ack;

/// What the checks found.
#[derive(Debug, Default, Clone)]
pub struct Verification {
    /// Per acknowledgement kind: (acknowledged, found).
    pub by_kind: BTreeMap<&'static str, (u64, u64)>,
    /// Every way the repository disagrees with what was acknowledged or with the format.
    pub problems: Vec<String>,
    /// Proposal event logs in the repository, and the highest number.
    pub proposals: u64,
    pub highest: u64,
    /// Merge commits on `main`'s first-parent line that name a proposal.
    pub merges_on_main: u64,
    /// Acknowledged rejections that are in the proposal's event log, but were followed by
    /// a merge that had already been decided (a race between reject and merge: the
    /// rejection was acknowledged although `main` already contained the proposal).
    pub rejected_then_merged: Vec<String>,
    /// `git fsck --strict` passed, and what it printed.
    pub fsck_ok: bool,
    pub fsck_output: String,
}

impl Verification {
    /// Acknowledged = found, and nothing else is wrong.
    pub fn ok(&self) -> bool {
        self.fsck_ok && self.problems.is_empty() && self.by_kind.values().all(|(a, f)| a == f)
    }

    fn problem(&mut self, p: String) {
        if self.problems.len() < 100 {
            self.problems.push(p);
        }
    }
}

fn git(repo: &Path) -> Command {
    let mut c = Command::new("git");
    c.arg("--git-dir").arg(repo);
    c
}

fn git_text(repo: &Path, args: &[&str]) -> anyhow::Result<String> {
    let out = git(repo)
        .args(args)
        .output()
        .with_context(|| format!("running git {}", args.join(" ")))?;
    if !out.status.success() {
        bail!(
            "git {} failed: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// The contents of many objects (`rev:path` or ids) through one `git cat-file --batch`:
/// `None` for a missing one.
fn cat_files(repo: &Path, specs: &[String]) -> anyhow::Result<Vec<Option<Vec<u8>>>> {
    let mut child = git(repo)
        .args(["cat-file", "--batch"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .context("running git cat-file --batch")?;
    let mut stdin = child.stdin.take().expect("stdin is piped");
    let input: String = specs.iter().map(|s| format!("{s}\n")).collect();
    let writer = std::thread::spawn(move || {
        let _ = stdin.write_all(input.as_bytes());
    });
    let mut out = BufReader::new(child.stdout.take().expect("stdout is piped"));
    let mut result = Vec::with_capacity(specs.len());
    for spec in specs {
        let mut header = String::new();
        out.read_line(&mut header)?;
        let header = header.trim_end();
        if header.ends_with(" missing") || header.ends_with(" ambiguous") || header.is_empty() {
            result.push(None);
            continue;
        }
        let size: usize = header
            .rsplit(' ')
            .next()
            .and_then(|s| s.parse().ok())
            .with_context(|| format!("reading cat-file header {header:?} for {spec}"))?;
        let mut buf = vec![0; size + 1];
        out.read_exact(&mut buf)?;
        buf.pop();
        result.push(Some(buf));
    }
    let _ = writer.join();
    child.wait()?;
    Ok(result)
}

/// `*.lock` files under `refs/` (and `HEAD.lock`, `packed-refs.lock`) with their ages.
pub fn lock_files(repo: &Path) -> Vec<(PathBuf, Duration)> {
    let mut out = Vec::new();
    let mut stack = vec![repo.join("refs")];
    let mut candidates = vec![repo.join("HEAD.lock"), repo.join("packed-refs.lock")];
    while let Some(dir) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "lock") {
                candidates.push(p);
            }
        }
    }
    let now = SystemTime::now();
    for p in candidates {
        if let Ok(m) = std::fs::metadata(&p).and_then(|m| m.modified()) {
            let age = now.duration_since(m).unwrap_or_default();
            let rel = p.strip_prefix(repo).map(Path::to_path_buf).unwrap_or(p);
            out.push((rel, age));
        }
    }
    out
}

/// `git fsck --strict`: (passed, output).
pub fn fsck(repo: &Path) -> anyhow::Result<(bool, String)> {
    let out = git(repo)
        .args(["fsck", "--strict", "--no-dangling", "--no-progress"])
        .output()
        .context("running git fsck")?;
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    Ok((out.status.success() && text.trim().is_empty(), text))
}

/// True if proposal `n`'s event log has a `Reject proposal n` event with this reason.
fn rejected_in_log(repo: &Path, n: u64, reason: &str) -> anyhow::Result<bool> {
    let log = git_text(
        repo,
        &[
            "log",
            "--format=%s%x1f%b%x1e",
            &format!("refs/proposals/{n}/meta"),
        ],
    )?;
    Ok(log.split('\x1e').any(|e| {
        e.trim()
            .split_once('\x1f')
            .is_some_and(|(s, b)| s == format!("Reject proposal {n}") && b.contains(reason))
    }))
}

/// The `[q:...]` markers in a text.
fn markers(text: &str) -> HashSet<String> {
    let mut out = HashSet::new();
    let mut rest = text;
    while let Some(i) = rest.find("[q:") {
        let after = &rest[i..];
        match after.find(']') {
            Some(j) => {
                out.insert(after[..=j].to_string());
                rest = &after[j + 1..];
            }
            None => break,
        }
    }
    out
}

/// Checks every acknowledged write against the repository, the proposal numbering, the
/// merges on `main`, and `git fsck --strict`.
pub fn verify(repo: &Path, acks: &[Ack]) -> anyhow::Result<Verification> {
    let mut v = Verification::default();

    // Refs.
    let refs: HashMap<String, String> =
        git_text(repo, &["for-each-ref", "--format=%(objectname) %(refname)"])?
            .lines()
            .filter_map(|l| l.split_once(' '))
            .map(|(o, r)| (r.to_string(), o.to_string()))
            .collect();
    let numbers: BTreeSet<u64> = refs
        .keys()
        .filter_map(|r| {
            r.strip_prefix("refs/proposals/")?
                .strip_suffix("/meta")?
                .parse()
                .ok()
        })
        .collect();
    v.proposals = numbers.len() as u64;
    v.highest = numbers.iter().max().copied().unwrap_or(0);
    if v.proposals != v.highest {
        let missing: Vec<u64> = (1..=v.highest)
            .filter(|n| !numbers.contains(n))
            .take(20)
            .collect();
        v.problem(format!(
            "proposal numbers are not dense: missing {missing:?}"
        ));
    }

    // Every proposal's state, every section's comments.
    let list: Vec<u64> = numbers.iter().copied().collect();
    let specs: Vec<String> = list
        .iter()
        .map(|n| format!("refs/proposals/{n}/meta:proposal.json"))
        .collect();
    let mut proposals: HashMap<u64, Value> = HashMap::new();
    for (n, blob) in list.iter().zip(cat_files(repo, &specs)?) {
        match blob.and_then(|b| serde_json::from_slice::<Value>(&b).ok()) {
            Some(p) => {
                if p["number"].as_u64() != Some(*n) {
                    v.problem(format!(
                        "refs/proposals/{n}/meta holds proposal {:?}",
                        p["number"]
                    ));
                }
                proposals.insert(*n, p);
            }
            None => v.problem(format!(
                "refs/proposals/{n}/meta has no readable proposal.json"
            )),
        }
    }
    let comment_sections: Vec<String> = refs
        .keys()
        .filter_map(|r| r.strip_prefix("refs/comments/").map(str::to_string))
        .collect();
    let specs: Vec<String> = comment_sections
        .iter()
        .map(|s| format!("refs/comments/{s}:comments.json"))
        .collect();
    let mut section_comments: HashMap<String, Value> = HashMap::new();
    for (s, blob) in comment_sections.iter().zip(cat_files(repo, &specs)?) {
        match blob.and_then(|b| serde_json::from_slice::<Value>(&b).ok()) {
            Some(c) => {
                section_comments.insert(s.clone(), c);
            }
            None => v.problem(format!("refs/comments/{s} has no readable comments.json")),
        }
    }

    // main's first-parent line, and the proposals its merge commits name.
    let log = git_text(
        repo,
        &[
            "log",
            "--first-parent",
            "--format=%H %P%x1f%(trailers:key=Proposal,valueonly,separator=%x2c)%x1e",
            "refs/heads/main",
        ],
    )?;
    let mut first_parent: HashMap<String, usize> = HashMap::new();
    let mut merged_on_main: HashMap<u64, String> = HashMap::new();
    for (i, rec) in log.split('\x1e').enumerate() {
        let rec = rec.trim();
        if rec.is_empty() {
            continue;
        }
        let (ids, trailer) = rec.split_once('\x1f').unwrap_or((rec, ""));
        let commit = ids.split(' ').next().unwrap_or_default().to_string();
        first_parent.insert(commit.clone(), i);
        if let Ok(n) = trailer.trim().parse::<u64>() {
            if ids.split(' ').count() > 2 {
                if let Some(prev) = merged_on_main.insert(n, commit.clone()) {
                    v.problem(format!(
                        "proposal #{n} is merged twice on main ({prev}, {commit})"
                    ));
                }
            }
        }
    }
    v.merges_on_main = merged_on_main.len() as u64;
    for (n, p) in &proposals {
        let status = p["status"].as_str().unwrap_or_default();
        match (status, merged_on_main.get(n)) {
            ("merged", Some(c)) if p["merged"]["commit"].as_str() != Some(c.as_str()) => {
                v.problem(format!(
                    "proposal #{n} records merge commit {:?}, main has {c}",
                    p["merged"]["commit"]
                ));
            }
            ("merged", Some(_)) => {}
            ("merged", None) => v.problem(format!(
                "proposal #{n} says merged but no merge commit on main's first-parent line names it"
            )),
            (s, Some(c)) => v.problem(format!(
                "proposal #{n} is merged on main ({c}) but its log says {s}"
            )),
            _ => {}
        }
    }

    // Each acknowledged write.
    let mut merged_acks: Vec<(u64, String)> = Vec::new();
    for a in acks {
        let found = match a {
            Ack::Proposal { n, title } => {
                let p = proposals.get(n);
                let ok = p.is_some_and(|p| p["title"].as_str() == Some(title.as_str()));
                if !ok {
                    v.problem(format!(
                        "acknowledged proposal #{n} {title:?} is not in git (found {:?})",
                        p.map(|p| p["title"].clone())
                    ));
                }
                ok
            }
            Ack::ProposalComment { n, id, body } => {
                let ok = proposals.get(n).is_some_and(|p| {
                    p["comments"].as_array().is_some_and(|cs| {
                        cs.iter().any(|c| {
                            c["id"].as_u64() == Some(*id) && c["body"].as_str() == Some(body)
                        })
                    })
                });
                if !ok {
                    v.problem(format!(
                        "acknowledged comment {id} on proposal #{n} ({body:?}) is not in git"
                    ));
                }
                ok
            }
            Ack::SectionComment { section, id, body } => {
                let ok = section_comments.get(section).is_some_and(|c| {
                    c["comments"].as_array().is_some_and(|cs| {
                        cs.iter().any(|c| {
                            c["id"].as_u64() == Some(*id) && c["body"].as_str() == Some(body)
                        })
                    })
                });
                if !ok {
                    v.problem(format!(
                        "acknowledged comment {id} on section {section} ({body:?}) is not in git"
                    ));
                }
                ok
            }
            Ack::Revision { n, r, commit } => {
                let in_log = proposals.get(n).is_some_and(|p| {
                    p["revisions"].as_array().is_some_and(|rs| {
                        rs.iter().any(|x| {
                            x["number"].as_u64() == Some(*r) && x["commit"].as_str() == Some(commit)
                        })
                    })
                });
                let in_ref = refs.get(&format!("refs/proposals/{n}/{r}")) == Some(commit);
                if !(in_log && in_ref) {
                    v.problem(format!(
                        "acknowledged revision {r} of proposal #{n} ({commit}): in proposal.json {in_log}, ref {in_ref}"
                    ));
                }
                in_log && in_ref
            }
            Ack::Review {
                n,
                verdict,
                comment,
            } => {
                let want = if *verdict == "approve" {
                    "approved"
                } else {
                    "changes_requested"
                };
                let ok = proposals.get(n).is_some_and(|p| {
                    p["reviews"].as_array().is_some_and(|rs| {
                        rs.iter().any(|x| {
                            x["comment"].as_str() == Some(comment)
                                && x["verdict"].as_str() == Some(want)
                        })
                    })
                });
                if !ok {
                    v.problem(format!(
                        "acknowledged review {comment:?} of proposal #{n} is not in git"
                    ));
                }
                ok
            }
            Ack::Merge { n, commit } => {
                let on_main = first_parent.contains_key(commit);
                let recorded = proposals.get(n).is_some_and(|p| {
                    p["status"] == "merged" && p["merged"]["commit"].as_str() == Some(commit)
                });
                if !(on_main && recorded) {
                    v.problem(format!(
                        "acknowledged merge of proposal #{n} ({commit}): on main's first-parent line {on_main}, recorded {recorded}"
                    ));
                }
                if on_main {
                    merged_acks.push((*n, commit.clone()));
                }
                on_main && recorded
            }
            Ack::Reject { n, reason } => {
                let p = proposals.get(n);
                let ok = p.is_some_and(|p| {
                    p["status"] == "rejected" && p["closed"]["reason"].as_str() == Some(reason)
                });
                if ok {
                    true
                } else if merged_on_main.contains_key(n) && rejected_in_log(repo, *n, reason)? {
                    // Kept in git, but overtaken: see `rejected_then_merged`.
                    v.rejected_then_merged.push(format!(
                        "proposal #{n}: rejection {reason:?} acknowledged and in its event log, \
                         but a merge decided before it (main already held the proposal) then \
                         recorded it as merged"
                    ));
                    true
                } else {
                    v.problem(format!(
                        "acknowledged rejection of proposal #{n} ({reason:?}) is not in git: status {:?}, on main {}",
                        p.map(|p| p["status"].clone()),
                        merged_on_main.contains_key(n)
                    ));
                    false
                }
            }
        };
        let e = v.by_kind.entry(a.kind()).or_default();
        e.0 += 1;
        e.1 += u64::from(found);
    }
    // Numbers never repeat: no two acknowledged proposals share one.
    let mut seen: HashMap<u64, usize> = HashMap::new();
    for a in acks {
        if let Ack::Proposal { n, .. } = a {
            *seen.entry(*n).or_default() += 1;
        }
    }
    for (n, times) in seen {
        if times > 1 {
            v.problem(format!(
                "proposal number {n} was acknowledged {times} times"
            ));
        }
    }

    // Every acknowledged merge's change is in main's text: the markers its revision added
    // to each section are all there (later changes only ever add markers).
    let mut specs = Vec::new();
    let mut keys = Vec::new();
    for (n, commit) in &merged_acks {
        let sections: Vec<String> = proposals
            .get(n)
            .and_then(|p| p["sections"].as_array().cloned())
            .unwrap_or_default()
            .iter()
            .filter_map(|s| s.as_str().map(str::to_string))
            .collect();
        for s in sections {
            specs.push(format!("{commit}^2^:sections/{s}.md"));
            specs.push(format!("{commit}^2:sections/{s}.md"));
            specs.push(format!("refs/heads/main:sections/{s}.md"));
            keys.push((*n, s));
        }
    }
    let blobs = cat_files(repo, &specs)?;
    for (i, (n, s)) in keys.iter().enumerate() {
        let text = |j: usize| {
            blobs[3 * i + j]
                .as_deref()
                .map(|b| String::from_utf8_lossy(b).into_owned())
        };
        let (Some(base), Some(rev), Some(main)) = (text(0), text(1), text(2)) else {
            v.problem(format!(
                "merged proposal #{n}: cannot read section {s} at its base, revision or main"
            ));
            continue;
        };
        let added: Vec<String> = markers(&rev).difference(&markers(&base)).cloned().collect();
        let on_main = markers(&main);
        for m in added {
            if !on_main.contains(&m) {
                v.problem(format!(
                    "merged proposal #{n}: its change {m} to section {s} is not in main's text"
                ));
            }
        }
    }

    let (ok, out) = fsck(repo)?;
    v.fsck_ok = ok;
    v.fsck_output = out;
    if !ok {
        v.problem(format!("git fsck --strict: {}", v.fsck_output.trim()));
    }
    Ok(v)
}
