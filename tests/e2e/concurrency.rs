//! Several `quire` processes writing to one library at the same moment: every write a
//! process acknowledged is there afterwards, and no proposal number is handed out twice.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Barrier;

use crate::support::{Env, Output};

const WORKERS: usize = 3;
const ROUNDS: usize = 10;
/// Every worker comments on this section (and on proposal 1), so their comments race for
/// one ref.
const SHARED_SECTION: &str = "usability";
/// Sections the workers propose changes to, in turn.
const TARGETS: [&str; 3] = ["usability", "take-up", "assisted-digital"];

/// A write that a `quire` process reported as done.
#[derive(Debug)]
enum Ack {
    Proposal {
        number: u64,
        title: String,
        author: String,
    },
    ProposalComment {
        number: u64,
        id: u64,
        body: String,
    },
    SectionComment {
        id: u64,
        body: String,
    },
}

/// The outcome of one write: acknowledged (exit 0, JSON on stdout) or refused as busy
/// (exit 5, nothing written). Anything else fails the test.
fn acknowledged(out: &Output) -> Option<serde_json::Value> {
    match out.code {
        Some(0) => Some(out.json()),
        Some(5) => None,
        _ => panic!("a concurrent write failed\n{out}"),
    }
}

fn worker(env: &Env, w: usize, texts: &BTreeMap<&str, String>, start: &Barrier) -> Vec<Ack> {
    let name = format!("Worker {w}");
    let author = format!("{name} <worker{w}@example.org>");
    let mut acks = Vec::new();
    let mut mine: Option<u64> = None;
    start.wait();
    for i in 0..ROUNDS {
        let section = TARGETS[(w + i) % TARGETS.len()];
        let text = format!("{}\nWorker {w} adds paragraph {i}.\n", texts[section]);
        let file = env.write(&format!("w{w}-r{i}.md"), text);
        let title = format!("Worker {w}, round {i}");
        let out = env
            .quire(["propose", section, "--title", &title, "--json"])
            .arg_path("--file", &file)
            .author(&author)
            .run();
        if let Some(p) = acknowledged(&out) {
            let number = p["number"].as_u64().expect("a proposal number");
            mine = Some(number);
            acks.push(Ack::Proposal {
                number,
                title: title.clone(),
                author: name.clone(),
            });
        }
        let body = format!("Comment {i} from worker {w}.");
        // Even rounds comment on a proposal: every fourth on proposal 1, which all workers
        // share (it exists once any number was handed out), else on the worker's latest.
        let target = mine.map(|n| if i % 4 == 0 { 1 } else { n });
        match target {
            Some(number) if i % 2 == 0 => {
                let out = env
                    .quire(["comment", &number.to_string(), "-m", &body, "--json"])
                    .author(&author)
                    .run();
                if let Some(c) = acknowledged(&out) {
                    let id = c["id"].as_u64().expect("a comment id");
                    acks.push(Ack::ProposalComment { number, id, body });
                }
            }
            _ => {
                let out = env
                    .quire([
                        "comment",
                        "--section",
                        SHARED_SECTION,
                        "-m",
                        &body,
                        "--json",
                    ])
                    .author(&author)
                    .run();
                if let Some(c) = acknowledged(&out) {
                    let id = c["id"].as_u64().expect("a comment id");
                    acks.push(Ack::SectionComment { id, body });
                }
            }
        }
    }
    acks
}

#[test]
fn concurrent_writers_lose_nothing_and_never_share_a_number() {
    let env = Env::new();
    env.init_empty();
    let texts: BTreeMap<&str, String> = TARGETS.iter().map(|s| (*s, env.show(s))).collect();
    let start = Barrier::new(WORKERS);
    let acks: Vec<Ack> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..WORKERS)
            .map(|w| {
                let (env, texts, start) = (&env, &texts, &start);
                scope.spawn(move || worker(env, w, texts, start))
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().expect("a worker thread panicked"))
            .collect()
    });

    // Proposals: numbers 1..=total, each exactly once, each with its acknowledged content.
    let mut numbers: Vec<u64> = acks
        .iter()
        .filter_map(|a| match a {
            Ack::Proposal { number, .. } => Some(*number),
            _ => None,
        })
        .collect();
    numbers.sort_unstable();
    let total = numbers.len() as u64;
    assert!(total > 0, "no proposal was acknowledged");
    assert_eq!(
        numbers,
        (1..=total).collect::<Vec<_>>(),
        "numbers repeat or skip"
    );
    let listed = env.quire(["proposals", "--json"]).ok().json();
    assert_eq!(
        listed.as_array().expect("a proposal list").len() as u64,
        total,
        "unacknowledged proposals exist"
    );
    let mut proposals = BTreeMap::new();
    for n in &numbers {
        let p = env
            .quire(["proposal", &n.to_string(), "--json"])
            .ok()
            .json();
        proposals.insert(*n, p["proposal"].clone());
    }
    for a in &acks {
        if let Ack::Proposal {
            number,
            title,
            author,
        } = a
        {
            let p = &proposals[number];
            assert_eq!(p["title"], title.as_str(), "{p:#}");
            assert_eq!(p["author"]["name"], author.as_str(), "{p:#}");
        }
    }

    // Proposal comments: each acknowledged one is stored under its id.
    let mut proposal_comments = BTreeSet::new();
    for a in &acks {
        if let Ack::ProposalComment { number, id, body } = a {
            assert!(
                proposal_comments.insert((*number, *id)),
                "comment {id} on proposal {number} acknowledged twice"
            );
            let stored = proposals[number]["comments"]
                .as_array()
                .expect("a comments array")
                .iter()
                .find(|c| c["id"].as_u64() == Some(*id))
                .unwrap_or_else(|| panic!("comment {id} on proposal {number} is lost"));
            assert_eq!(stored["body"], body.as_str());
        }
    }

    // Section comments: ids 1..=count on the shared section, every acknowledged body there.
    let section_acks: BTreeMap<u64, &str> = acks
        .iter()
        .filter_map(|a| match a {
            Ack::SectionComment { id, body } => Some((*id, body.as_str())),
            _ => None,
        })
        .collect();
    let acked = acks
        .iter()
        .filter(|a| matches!(a, Ack::SectionComment { .. }))
        .count();
    assert_eq!(
        section_acks.len(),
        acked,
        "a section comment id was handed out twice"
    );
    let stored = env
        .quire(["comments", SHARED_SECTION, "--json"])
        .ok()
        .json();
    let stored = stored.as_array().expect("a comment list");
    let count = stored.len();
    let stored: BTreeMap<u64, &str> = stored
        .iter()
        .map(|c| {
            (
                c["id"].as_u64().expect("an id"),
                c["body"].as_str().expect("a body"),
            )
        })
        .collect();
    assert_eq!(
        stored.len(),
        count,
        "two stored section comments share an id"
    );
    assert_eq!(
        stored.keys().copied().collect::<Vec<_>>(),
        (1..=count as u64).collect::<Vec<_>>()
    );
    assert_eq!(stored, section_acks, "section comments lost or invented");

    // Every proposal has its revision ref, and git finds nothing wrong.
    let refs = env.refs();
    for n in &numbers {
        assert!(
            refs.contains(&format!("refs/proposals/{n}/1 ")),
            "refs/proposals/{n}/1 is missing:\n{refs}"
        );
    }
    let locks = lock_files(&env.repo().join("refs"));
    assert!(locks.is_empty(), "lock files left behind: {locks:?}");
    env.assert_fsck_clean();
    let events = env
        .git([
            "log",
            "--format=%s",
            &format!("refs/comments/{SHARED_SECTION}"),
        ])
        .ok()
        .stdout();
    assert_eq!(events.lines().count(), stored.len());
}

/// Every `*.lock` file under a folder.
fn lock_files(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).expect("reading a refs folder") {
        let path = entry.expect("a directory entry").path();
        if path.is_dir() {
            out.extend(lock_files(&path));
        } else if path.extension().is_some_and(|e| e == "lock") {
            out.push(path);
        }
    }
    out
}
