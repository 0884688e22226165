//! CLI writers: `quire propose` and `quire comment` straight on the library, beside the
//! server.

use super::*;

/// A CLI writer: `quire propose` and `quire comment` in a loop, straight on the library.
pub fn cli_writer(sh: &Shared, quire: &Path, repo: &Path, scratch: &Path, k: usize, seed: u64) {
    let mut rng = fastrand::Rng::with_seed(seed.wrapping_add(104_729 + k as u64));
    let author = format!("CLI Writer {k} <cli{k}@example.org>");
    let mut i = 0u64;
    while sh.running() {
        let _step = sh.cli_step();
        i += 1;
        let roll = rng.u32(0..100);
        if roll < 40 && sh.room_to_propose() {
            let s = sh.sections[rng.usize(0..sh.sections.len())].clone();
            // As the web clients do: the text at one commit, proposed against it.
            let Ok(head) = Command::new("git")
                .arg("--git-dir")
                .arg(repo)
                .args(["rev-parse", "refs/heads/main"])
                .output()
            else {
                continue;
            };
            let base = String::from_utf8_lossy(&head.stdout).trim().to_string();
            let Ok(out) = Command::new("git")
                .arg("--git-dir")
                .arg(repo)
                .args(["show", &format!("{base}:sections/{s}.md")])
                .output()
            else {
                continue;
            };
            let base_text = String::from_utf8_lossy(&out.stdout).into_owned();
            if !out.status.success() || base_text.is_empty() {
                continue;
            }
            let line = paragraph_line(&base_text, &mut rng);
            let tag = format!("cli{k}-{}", sh.tag());
            let file: PathBuf = scratch.join(format!("cli{k}-{i}.md"));
            if std::fs::write(&file, marked(&base_text, line, &tag)).is_err() {
                continue;
            }
            let title = format!("CLI change {tag} to {s}");
            let rationale = format!("Soak test change {tag} from the command line.");
            let v = run_cli(
                sh,
                "cli propose",
                Command::new(quire)
                    .arg("--repo")
                    .arg(repo)
                    .args(["--author", &author, "propose", &s, "--title", &title])
                    .args([
                        "--rationale",
                        &rationale,
                        "--base",
                        &base,
                        "--json",
                        "--file",
                    ])
                    .arg(&file),
            );
            let _ = std::fs::remove_file(&file);
            if let Some(v) = v {
                if let Some(n) = v["number"].as_u64() {
                    sh.ack(Ack::Proposal { n, title });
                    lock(&sh.open).push(OpenProposal {
                        n,
                        owner: None,
                        section: s,
                        base_text,
                        line,
                    });
                } else {
                    sh.finding(format!("quire propose {tag}: exit 0 without a number"));
                }
            }
        } else if roll < 75 {
            let Some(n) = sh.pick_known(&mut rng) else {
                continue;
            };
            let body = format!("CLI comment {} from writer {k}.", sh.tag());
            let v = run_cli(
                sh,
                "cli comment on proposal",
                Command::new(quire)
                    .arg("--repo")
                    .arg(repo)
                    .args(["--author", &author, "comment", &n.to_string(), "-m", &body])
                    .arg("--json"),
            );
            if let Some(id) = v.as_ref().and_then(|v| v["id"].as_u64()) {
                sh.ack(Ack::ProposalComment { n, id, body });
            }
        } else {
            let s = sh.sections[rng.usize(0..sh.sections.len())].clone();
            let body = format!("CLI section comment {} from writer {k}.", sh.tag());
            let v = run_cli(
                sh,
                "cli comment on section",
                Command::new(quire)
                    .arg("--repo")
                    .arg(repo)
                    .args(["--author", &author, "comment", "--section", &s, "-m", &body])
                    .arg("--json"),
            );
            if let Some(id) = v.as_ref().and_then(|v| v["id"].as_u64()) {
                sh.ack(Ack::SectionComment {
                    section: s,
                    id,
                    body,
                });
            }
        }
    }
}

/// Runs a `quire` command: its JSON output if it exited 0; records the outcome.
fn run_cli(sh: &Shared, kind: &'static str, cmd: &mut Command) -> Option<Value> {
    let start = Instant::now();
    let out = match cmd.output() {
        Ok(o) => o,
        Err(e) => {
            sh.finding(format!("{kind}: could not run quire: {e}"));
            sh.record(kind, Err("could not run".into()), None);
            return None;
        }
    };
    let took = start.elapsed();
    match out.status.code() {
        Some(0) => match serde_json::from_slice::<Value>(&out.stdout) {
            Ok(v) => {
                sh.record(kind, Ok(()), Some(took));
                Some(v)
            }
            Err(e) => {
                sh.finding(format!("{kind}: exit 0 but no JSON: {e}"));
                sh.record(kind, Err("exit 0 without JSON".into()), Some(took));
                None
            }
        },
        Some(5) => {
            sh.record(kind, Err("exit 5 busy, try again".into()), Some(took));
            None
        }
        Some(4) => {
            sh.record(kind, Err("exit 4 refused".into()), Some(took));
            None
        }
        code => {
            let err = String::from_utf8_lossy(&out.stderr);
            let short: String = err.trim().chars().take(200).collect();
            sh.finding(format!("{kind}: exit {code:?}: {short}"));
            sh.record(kind, Err(format!("exit {code:?}")), Some(took));
            None
        }
    }
}
