//! The repair passes: find writes that a crash cut short between their deciding ref update
//! and the follow-up ones, and complete them.
//!
//! [`Library::repair`] reads every proposal. [`Library::repair_recent`], run by
//! [`Library::open`] and by the server every few seconds, looks only at what changed since
//! its last run: the commits added to `main` (a merge commit whose proposal is still open
//! lacks its `merged` event) and the proposals named in the change journal (a revision
//! without its ref). Where it stopped is kept in `quire-repair` in the git directory, a
//! hint like the journal: without it, or when `main` was rewound, it walks all of `main`.

use serde::Serialize;

use git2::Oid;

use super::{git, id_to_oid, Library};
use crate::error::Result;
use crate::journal;
use crate::layout::{self, PROPOSAL_FILE};
use crate::model::{Proposal, Status};

/// Where [`Library::repair_recent`] keeps its place, in the git directory.
const CHECKPOINT: &str = crate::layout::REPAIR_CHECKPOINT;

#[derive(Debug, Clone, Copy)]
struct Checkpoint {
    main: Oid,
    journal: journal::Cursor,
}

impl Checkpoint {
    fn render(&self) -> String {
        format!(
            "main {}\njournal {} {}\n",
            self.main, self.journal.file, self.journal.offset
        )
    }

    fn parse(s: &str) -> Option<Checkpoint> {
        let mut main = None;
        let mut journal = None;
        for line in s.lines() {
            let mut words = line.split(' ');
            match words.next()? {
                "main" => main = Oid::from_str(words.next()?).ok(),
                "journal" => {
                    let file = words.next()?.parse().ok()?;
                    let offset = words.next()?.parse().ok()?;
                    journal = Some(journal::Cursor { file, offset });
                }
                _ => {}
            }
        }
        Some(Checkpoint {
            main: main?,
            journal: journal?,
        })
    }
}

/// What the repair pass found and fixed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct RepairReport {
    /// Revision refs recreated from event logs.
    pub revision_refs: usize,
    /// Proposals found reachable from `main` whose `merged` event was missing.
    pub merged_events: usize,
    /// Stale `*.lock` files removed.
    pub stale_locks: usize,
    /// Gaps left for a later pass because their ref is locked (by a writer, or by a killed
    /// one: such a lock is removed once it is 30 s old).
    pub deferred: usize,
}

impl RepairReport {
    /// True when nothing needed fixing.
    pub fn is_clean(&self) -> bool {
        *self == RepairReport::default()
    }
}

impl Library {
    /// Completes interrupted writes: recreates missing revision refs, records `merged` for
    /// proposals whose revision is on `main`, and removes stale lock files. Safe to run at
    /// any time, by several processes at once.
    pub fn repair(&self) -> Result<RepairReport> {
        let mut report = RepairReport {
            stale_locks: self.remove_stale_locks(),
            ..RepairReport::default()
        };
        let main = self.main_oid()?;
        for n in self.proposal_numbers()? {
            let p = self.proposal(n)?;
            for r in &p.revisions {
                let name = layout::proposal_revision_ref(n, r.number);
                if git::ref_target(&self.repo, &name)?.is_none() {
                    if git::is_locked(&self.repo, &name) {
                        report.deferred += 1;
                        continue;
                    }
                    self.ensure_revision_ref(n, r.number, id_to_oid(&r.commit)?)?;
                    report.revision_refs += 1;
                }
            }
            if p.status != Status::Open {
                continue;
            }
            for r in p.revisions.iter().rev() {
                let rev = id_to_oid(&r.commit)?;
                if self.repo.graph_descendant_of(main, rev)? {
                    if git::is_locked(&self.repo, &layout::proposal_log_ref(n)) {
                        // Retrying would stall every open for up to 20 s.
                        report.deferred += 1;
                    } else if let Some(merge) = self.find_merge_commit(rev)? {
                        let committer =
                            git::identity_of(&self.repo.find_commit(merge)?.committer());
                        self.record_merged(n, &committer, merge)?;
                        report.merged_events += 1;
                    }
                    break;
                }
            }
        }
        Ok(report)
    }

    /// The repair pass over what changed since the last one (see the module docs). Its
    /// cost grows with the changes, not with the library: it is the pass for every open.
    /// Crash gaps it cannot see (a process killed between a ref update and its journal
    /// line, microseconds apart) are left to [`Library::repair`] (`quire repair`).
    pub fn repair_recent(&self) -> Result<RepairReport> {
        self.repair_recent_with(None)
    }

    /// As [`Library::repair_recent`]; when it has no place kept, the summaries of `index`
    /// (built from the same refs just before) stand in for reading every proposal again:
    /// each latest revision's ref is checked by a ref lookup.
    pub fn repair_recent_with(
        &self,
        index: Option<&crate::index::ProposalIndex>,
    ) -> Result<RepairReport> {
        let mut report = RepairReport {
            // Everything but the (many) proposal folders; a stale lock there is removed by
            // the next writer of that ref, and by the full pass.
            stale_locks: self.remove_stale_locks_outside_proposals(),
            ..RepairReport::default()
        };
        let checkpoint_path = self.git_dir().join(CHECKPOINT);
        let checkpoint = std::fs::read_to_string(&checkpoint_path)
            .ok()
            .and_then(|s| Checkpoint::parse(&s));
        let main = self.main_oid()?;
        // Journal first (its position is taken before `main` is walked, so nothing
        // written meanwhile is skipped next time).
        let mut cursor = checkpoint.map(|c| c.journal).unwrap_or_default();
        let lines = match checkpoint {
            Some(_) => journal::read(self.git_dir(), &mut cursor),
            None => None,
        };
        let touched: Vec<u64> = match lines {
            Some(text) => {
                let mut ns: Vec<u64> = journal::ref_names(&text)
                    .filter_map(layout::parse_proposal_log_ref)
                    .collect();
                ns.sort_unstable();
                ns.dedup();
                ns
            }
            None => {
                // No usable position: look at every proposal.
                cursor = journal::end(self.git_dir());
                match index {
                    Some(index) => {
                        for s in index.iter() {
                            let name = layout::proposal_revision_ref(s.number, s.revision);
                            if git::ref_target(&self.repo, &name)?.is_none()
                                && !git::is_locked(&self.repo, &name)
                            {
                                self.ensure_revision_ref(
                                    s.number,
                                    s.revision,
                                    id_to_oid(&s.commit)?,
                                )?;
                                report.revision_refs += 1;
                            }
                        }
                        Vec::new()
                    }
                    None => self.proposal_numbers()?,
                }
            }
        };
        for n in touched {
            let Some((_, p)) =
                self.read_log_state::<Proposal>(&layout::proposal_log_ref(n), PROPOSAL_FILE)?
            else {
                continue;
            };
            for r in &p.revisions {
                let name = layout::proposal_revision_ref(n, r.number);
                if git::ref_target(&self.repo, &name)?.is_none() {
                    if self.locked_not_stale(&name) {
                        report.deferred += 1;
                        continue;
                    }
                    self.ensure_revision_ref(n, r.number, id_to_oid(&r.commit)?)?;
                    report.revision_refs += 1;
                }
            }
        }
        // Merge commits added to main since the last pass.
        let stop = checkpoint
            .map(|c| c.main)
            .filter(|old| self.is_ancestor(*old, main).unwrap_or(false));
        let mut walk = self.repo.revwalk()?;
        walk.push(main)?;
        walk.simplify_first_parent()?;
        if let Some(old) = stop {
            walk.hide(old)?;
        }
        let mut merged_open = Vec::new();
        for oid in walk {
            let c = self.repo.find_commit(oid?)?;
            if c.parent_count() < 2 {
                continue;
            }
            let (_, _, trailers) = git::parse_message(&String::from_utf8_lossy(c.message_bytes()));
            if let Some(n) = git::trailer(&trailers, "Proposal").and_then(|n| n.parse::<u64>().ok())
            {
                merged_open.push((n, c.id()));
            }
        }
        for (n, merge) in merged_open {
            let Some((_, p)) =
                self.read_log_state::<Proposal>(&layout::proposal_log_ref(n), PROPOSAL_FILE)?
            else {
                continue;
            };
            if p.status != Status::Open {
                continue;
            }
            if self.locked_not_stale(&layout::proposal_log_ref(n)) {
                report.deferred += 1;
                continue;
            }
            let committer = git::identity_of(&self.repo.find_commit(merge)?.committer());
            self.record_merged(n, &committer, merge)?;
            report.merged_events += 1;
        }
        // Keep the place only when nothing was left for later.
        if report.deferred == 0 {
            let text = Checkpoint {
                main,
                journal: cursor,
            }
            .render();
            let tmp = self
                .git_dir()
                .join(format!("{CHECKPOINT}.tmp-{}", std::process::id()));
            if std::fs::write(&tmp, text).is_ok() {
                let _ = std::fs::rename(&tmp, &checkpoint_path);
            }
        }
        Ok(report)
    }

    fn remove_stale_locks(&self) -> usize {
        self.sweep_stale_locks(true)
    }

    /// True if `name` is locked by a writer that may still be alive; a lock older than
    /// the stale age (left by a killed process) is removed and false returned.
    fn locked_not_stale(&self, name: &str) -> bool {
        git::is_locked(&self.repo, name)
            && !git::remove_if_stale(&self.repo.path().join(format!("{name}.lock")))
    }

    fn remove_stale_locks_outside_proposals(&self) -> usize {
        self.sweep_stale_locks(false)
    }

    fn sweep_stale_locks(&self, proposals_too: bool) -> usize {
        let root = self.repo.path().to_path_buf();
        let mut removed = 0;
        let mut stack = vec![root.join("refs")];
        let proposals = root.join("refs").join("proposals");
        let mut candidates = vec![root.join("packed-refs.lock"), root.join("HEAD.lock")];
        while let Some(dir) = stack.pop() {
            let Ok(entries) = std::fs::read_dir(&dir) else {
                continue;
            };
            for e in entries.flatten() {
                let path = e.path();
                if path.is_dir() {
                    if proposals_too || path != proposals {
                        stack.push(path);
                    }
                } else if path.extension().is_some_and(|x| x == "lock") {
                    candidates.push(path);
                }
            }
        }
        for path in candidates {
            if git::remove_if_stale(&path) {
                removed += 1;
            }
        }
        removed
    }
}
