//! The repair pass run by [`Library::open`]: finds writes that a crash cut short between
//! their deciding ref update and the follow-up ones, and completes them.

use serde::Serialize;

use super::{git, id_to_oid, Library};
use crate::error::Result;
use crate::model::Status;

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
                let name = super::proposals::revision_ref(n, r.number);
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
                    if git::is_locked(&self.repo, &super::proposals::meta_ref(n)) {
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

    fn remove_stale_locks(&self) -> usize {
        let root = self.repo.path().to_path_buf();
        let mut removed = 0;
        let mut stack = vec![root.join("refs")];
        let mut candidates = vec![root.join("packed-refs.lock"), root.join("HEAD.lock")];
        while let Some(dir) = stack.pop() {
            let Ok(entries) = std::fs::read_dir(&dir) else {
                continue;
            };
            for e in entries.flatten() {
                let path = e.path();
                if path.is_dir() {
                    stack.push(path);
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
