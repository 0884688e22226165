//! [`MergeIndex`]: whether each open proposal's latest revision merges cleanly into
//! `main`, keyed by (revision commit, `main` commit).

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use git2::Oid;
use serde::Serialize;

use super::ProposalIndex;
use crate::error::Result;
use crate::library::Library;
use crate::model::{CommitId, Status};

/// Whether an open proposal's latest revision merges cleanly into `main`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MergeState {
    /// A 3-way merge into `main` has no conflict (or the revision is already in).
    Clean,
    /// It conflicts: the proposal needs an update.
    Conflict,
}

#[derive(Debug, Clone)]
struct MergeEntry {
    revision: CommitId,
    /// The files the revision changes against its base.
    paths: Arc<[String]>,
    /// `None` once `main` has changed one of `paths`: to be checked again.
    state: Option<MergeState>,
}

/// The mergeability of open proposals against one `main` commit. See the module docs.
#[derive(Debug, Clone, Default)]
pub struct MergeIndex {
    main: Option<Oid>,
    entries: HashMap<u64, MergeEntry>,
}

/// What one [`MergeIndex::advance`] did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Advance {
    /// Files that differ between the old and the new `main`.
    pub changed_paths: usize,
    /// Results kept because the proposal changes none of those files.
    pub kept: usize,
    /// Results dropped, to be checked again.
    pub dropped: usize,
}

impl MergeIndex {
    /// The `main` commit the results hold for.
    pub fn main(&self) -> Option<String> {
        self.main.map(|m| m.to_string())
    }

    /// How many results are held.
    pub fn len(&self) -> usize {
        self.entries.values().filter(|e| e.state.is_some()).count()
    }

    /// True if none are held.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The known state of proposal `n` at revision `commit`, if it has been checked
    /// against the current `main`. `None` means "still checking".
    pub fn state(&self, n: u64, commit: &CommitId) -> Option<MergeState> {
        let e = self.entries.get(&n)?;
        if &e.revision == commit {
            e.state
        } else {
            None
        }
    }

    /// Moves the results to `main`'s current commit. If the new `main` descends from the
    /// old one, a result stays valid unless the proposal changes a file that differs
    /// between the two: the merge base of a revision and `main` is the revision's base
    /// either way, and every other file merges to `main`'s version. Otherwise (first call,
    /// or `main` was rewound) every result is dropped.
    pub fn advance(&mut self, lib: &Library) -> Result<Advance> {
        let new = lib.main_oid()?;
        let mut out = Advance::default();
        let Some(old) = self.main else {
            self.main = Some(new);
            out.dropped = self.forget_all();
            return Ok(out);
        };
        if old == new {
            return Ok(out);
        }
        if !lib.is_ancestor(old, new)? {
            self.main = Some(new);
            out.dropped = self.forget_all();
            return Ok(out);
        }
        let changed: HashSet<String> = lib.changed_paths(old, new)?.into_iter().collect();
        out.changed_paths = changed.len();
        // A dropped result keeps its revision's changed files, which do not depend on
        // `main`, so the check again needs no tree diff.
        for e in self.entries.values_mut() {
            if e.state.is_none() {
                continue;
            }
            if e.paths.iter().any(|p| changed.contains(p)) {
                e.state = None;
                out.dropped += 1;
            } else {
                out.kept += 1;
            }
        }
        self.main = Some(new);
        Ok(out)
    }

    /// Marks every result to be checked again; returns how many there were.
    fn forget_all(&mut self) -> usize {
        let mut n = 0;
        for e in self.entries.values_mut() {
            n += usize::from(e.state.take().is_some());
        }
        n
    }

    /// Forgets proposals that are no longer open or whose latest revision changed.
    pub fn retain_current(&mut self, index: &ProposalIndex) {
        self.entries.retain(|n, e| {
            index
                .get(*n)
                .is_some_and(|s| s.status == Status::Open && e.revision == s.commit)
        });
    }

    /// Checks proposal `n` (open, latest revision `commit`) against the `main` the index
    /// holds, stores and returns the result.
    pub fn check(
        &mut self,
        lib: &Library,
        n: u64,
        commit: &CommitId,
        base: &CommitId,
    ) -> Result<MergeState> {
        let main = match self.main {
            Some(m) => m,
            None => {
                self.advance(lib)?;
                lib.main_oid()?
            }
        };
        if let Some(s) = self.state(n, commit) {
            return Ok(s);
        }
        let paths = match self.entries.get(&n) {
            Some(e) if &e.revision == commit => Some(Arc::clone(&e.paths)),
            _ => None,
        };
        let job = MergeJob {
            n,
            revision: commit.clone(),
            base: base.clone(),
            main,
            paths,
        };
        let done = job.run(lib)?;
        let state = done.state;
        self.apply(vec![done]);
        Ok(state)
    }

    /// Up to `limit` checks still to make (open proposals of `index` without a result),
    /// after moving to `main`'s current commit. The checks need no access to the index:
    /// run them with [`MergeJob::run`] without holding whatever guards it, then
    /// [`MergeIndex::apply`] the results.
    pub fn jobs(
        &mut self,
        lib: &Library,
        index: &ProposalIndex,
        limit: usize,
    ) -> Result<Vec<MergeJob>> {
        self.advance(lib)?;
        let Some(main) = self.main else {
            return Ok(Vec::new());
        };
        Ok(index
            .iter()
            .filter(|s| s.status == Status::Open && self.state(s.number, &s.commit).is_none())
            .take(limit)
            .map(|s| MergeJob {
                n: s.number,
                revision: s.commit.clone(),
                base: s.base.clone(),
                main,
                paths: self
                    .entries
                    .get(&s.number)
                    .filter(|e| e.revision == s.commit)
                    .map(|e| Arc::clone(&e.paths)),
            })
            .collect())
    }

    /// Keeps the results of checks made against the `main` the index holds now; results
    /// for another `main` (it moved meanwhile) are dropped. Returns how many were kept.
    pub fn apply(&mut self, done: Vec<MergeDone>) -> usize {
        let mut kept = 0;
        for d in done {
            if Some(d.main) != self.main {
                continue;
            }
            self.entries.insert(
                d.n,
                MergeEntry {
                    revision: d.revision,
                    paths: d.paths,
                    state: Some(d.state),
                },
            );
            kept += 1;
        }
        kept
    }

    /// Checks every open proposal of `index` that has no result yet, up to `limit` of
    /// them; returns how many it checked.
    pub fn fill(&mut self, lib: &Library, index: &ProposalIndex, limit: usize) -> Result<usize> {
        let jobs = self.jobs(lib, index, limit)?;
        let n = jobs.len();
        let done = jobs
            .into_iter()
            .map(|j| j.run(lib))
            .collect::<Result<Vec<_>>>()?;
        self.apply(done);
        Ok(n)
    }
}

/// One mergeability check to make (see [`MergeIndex::jobs`]).
#[derive(Debug, Clone)]
pub struct MergeJob {
    n: u64,
    revision: CommitId,
    base: CommitId,
    main: Oid,
    /// The files the revision changes, when already known.
    paths: Option<Arc<[String]>>,
}

/// The result of a [`MergeJob`].
#[derive(Debug, Clone)]
pub struct MergeDone {
    n: u64,
    revision: CommitId,
    main: Oid,
    paths: Arc<[String]>,
    state: MergeState,
}

impl MergeJob {
    /// Makes the check: a 3-way merge of the files the revision changes (see
    /// [`MergeIndex`]).
    pub fn run(self, lib: &Library) -> Result<MergeDone> {
        let revision = crate::library::id_to_oid(&self.revision)?;
        let base = crate::library::id_to_oid(&self.base)?;
        let paths = match self.paths {
            Some(p) => p,
            None => lib.changed_paths(base, revision)?.into(),
        };
        let state = if lib.merges_cleanly_at(revision, base, self.main, &paths)? {
            MergeState::Clean
        } else {
            MergeState::Conflict
        };
        Ok(MergeDone {
            n: self.n,
            revision: self.revision,
            main: self.main,
            paths,
            state,
        })
    }
}
