//! In-memory indexes that make big libraries fast to list and check, and that cannot go
//! stale: every entry is keyed by a git object id, and the refs stay the only truth.
//!
//! - [`ProposalIndex`]: one [`ProposalSummary`] per proposal, keyed by the event commit
//!   its meta ref points at. Built from the refs at start; [`ProposalIndex::refresh`]
//!   then follows the change journal (`quire-journal` in the git directory, one line per
//!   ref update made by any Quire process), so changes made by another process show at
//!   the next refresh. [`ProposalIndex::rescan`] compares every ref again, for writers
//!   that do not keep the journal (plain `git push`, `git fetch`) and for a journal that
//!   was rotated twice between two refreshes.
//! - [`MergeIndex`]: whether each open proposal's latest revision merges cleanly into
//!   `main`, keyed by (revision commit, `main` commit). When `main` advances, only the
//!   proposals that change a file that changed between the old and the new `main` are
//!   checked again; the others keep their result, which is still exact (see
//!   [`MergeIndex::advance`]).
//!
//! - [`Indexes`]: both, kept consistent, with a generation that counts their changes for
//!   callers' caches, and one page of a proposals list.
//!
//! Files: `saved.rs` (the saved index), `merge.rs` (the merge index), `indexes.rs` (the
//! coordination). None of the types locks anything: a server keeps [`Indexes`] behind a
//! lock of its own.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::sync::Arc;

use git2::Oid;
use serde::{Deserialize, Serialize};

use crate::error::Result;
use crate::ids::{Identity, SectionId};
use crate::journal;
use crate::library::{Library, ProposalFilter};
use crate::model::{CommitId, Proposal, ReviewRules, Status};

mod indexes;
mod merge;
mod saved;

pub use indexes::{Indexes, ListPage, ListQuery, Order};
pub use merge::{Advance, MergeDone, MergeIndex, MergeJob, MergeState};
pub(crate) use saved::forget_saved;
use saved::load_saved;
pub use saved::SAVED_INDEX;

/// What a list of proposals needs to know of one, without its comments and texts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProposalSummary {
    /// The proposal number.
    pub number: u64,
    /// One-line title.
    pub title: String,
    /// Who proposed it.
    pub author: Identity,
    /// The sections its latest revision changes.
    pub sections: Vec<SectionId>,
    /// Where it stands.
    pub status: Status,
    /// When it was opened (RFC 3339).
    pub created: String,
    /// When it last changed (RFC 3339).
    pub updated: String,
    /// The latest revision's number.
    pub revision: u32,
    /// The latest revision's commit.
    pub commit: CommitId,
    /// The latest revision's base commit.
    pub base: CommitId,
    /// How many comments it has (hidden and redacted ones included).
    pub comments: usize,
    /// True when the latest revision is approved under the library's review rules (see
    /// [`Proposal::approval_status`]); [`ProposalSummary::of`] uses the default rules and
    /// a [`ProposalIndex`] the library's.
    pub approved: bool,
    /// Standing approvals of the latest revision by others than the proposer.
    pub approvals: u32,
    /// True when the proposer's own standing verdict on the latest revision is an approval.
    pub author_approved: bool,
    /// True when someone's standing verdict on the latest revision is "changes requested".
    pub changes_requested: bool,
    /// True when a maintainer hid it from pages.
    pub hidden: bool,
    /// How many of its comments are hidden (and not redacted).
    pub hidden_comments: usize,
}

impl ProposalSummary {
    /// The summary of a proposal's state.
    pub fn of(p: &Proposal) -> ProposalSummary {
        let latest = p.latest();
        let status = p.approval_status(&ReviewRules::default());
        let mut summary = ProposalSummary {
            number: p.number,
            title: p.title.clone(),
            author: p.author.clone(),
            sections: p.sections.clone(),
            status: p.status,
            created: p.created.clone(),
            updated: p.updated.clone(),
            revision: latest.number,
            commit: latest.commit.clone(),
            base: latest.base.clone(),
            comments: p.comments.len(),
            approved: false,
            approvals: status.counted,
            author_approved: !status.not_counted.is_empty(),
            changes_requested: status.changes_requested,
            hidden: p.hidden.is_some(),
            hidden_comments: p
                .comments
                .iter()
                .filter(|c| c.hidden.is_some() && c.redacted.is_none())
                .count(),
        };
        summary.apply_rules(&ReviewRules::default());
        summary
    }

    /// Sets [`ProposalSummary::approved`] as `rules` decide it.
    pub fn apply_rules(&mut self, rules: &ReviewRules) {
        let own = u32::from(rules.author_approval_counts && self.author_approved);
        self.approved = self.approvals + own >= rules.required_approvals && !self.changes_requested;
    }
}

#[derive(Debug, Clone)]
struct Entry {
    /// The event commit the summary was read from.
    meta: Oid,
    summary: Arc<ProposalSummary>,
}

/// What one [`ProposalIndex::refresh`] did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Refresh {
    /// Proposals whose summary was read again (changed, added or removed).
    pub changed: Vec<u64>,
    /// True if `main` moved (by the journal) or a full rescan was needed.
    pub main_moved: bool,
    /// True if the journal could not be followed and every ref was compared instead.
    pub rescanned: bool,
}

/// Every proposal's [`ProposalSummary`], by number, with a per-section index.
#[derive(Debug, Clone, Default)]
pub struct ProposalIndex {
    entries: BTreeMap<u64, Entry>,
    /// Per section, the summaries of the proposals that change it, by number.
    by_section: HashMap<SectionId, BTreeMap<u64, Arc<ProposalSummary>>>,
    /// Open proposals not hidden, per section they change.
    open_shown: HashMap<SectionId, usize>,
    cursor: journal::Cursor,
    /// The review rules `approved` was computed with.
    rules: ReviewRules,
}

impl ProposalIndex {
    /// Reads every proposal's summary from the refs.
    pub fn build(lib: &Library) -> Result<ProposalIndex> {
        // Take the journal's position first: whatever changes while the refs are read is
        // then also in the journal's tail, and applying it again is harmless.
        let mut index = ProposalIndex {
            cursor: journal::end(lib.git_dir()),
            rules: lib.review_rules()?,
            ..ProposalIndex::default()
        };
        // A summary is a function of the event commit it was read from, so the saved
        // ones whose commit is still the ref's target are exact; only the rest are read.
        // Reading the saved ones and listing the refs take about as long: both at once.
        let git_dir = lib.git_dir();
        let (all, mut saved) = std::thread::scope(|scope| {
            let saved = scope.spawn(|| load_saved(git_dir));
            let all = lib.meta_targets();
            (all, saved.join().unwrap_or_default())
        });
        let all = all?;
        let stale = saved.len() != all.len();
        let mut targets = Vec::new();
        for (n, meta) in all {
            match saved.remove(&n) {
                Some((m, summary)) if m == meta => index.insert(n, meta, summary),
                _ => targets.push((n, meta)),
            }
        }
        // Reading the states is most of the work: spread it over the machine's cores,
        // one library handle per thread (a handle is not shared between threads).
        let threads = std::thread::available_parallelism()
            .map_or(1, |n| n.get())
            .min(8)
            .min(targets.len() / 1024 + 1);
        let summaries: Vec<Result<Vec<(u64, Oid, ProposalSummary)>>> = if threads <= 1 {
            vec![read_summaries(lib, &targets)]
        } else {
            let chunk = targets.len().div_ceil(threads);
            let path = lib.path().to_path_buf();
            std::thread::scope(|scope| {
                let handles: Vec<_> = targets
                    .chunks(chunk)
                    .map(|part| {
                        let path = path.clone();
                        scope.spawn(move || {
                            let lib = Library::open_no_repair(&path)?;
                            read_summaries(&lib, part)
                        })
                    })
                    .collect();
                handles
                    .into_iter()
                    .map(|h| {
                        h.join().unwrap_or_else(|_| {
                            Err(crate::Error::storage("an index reader panicked"))
                        })
                    })
                    .collect()
            })
        };
        for part in summaries {
            for (n, meta, summary) in part? {
                index.insert(n, meta, summary);
            }
        }
        if stale || !targets.is_empty() {
            // The saved summaries are only a head start: failing to write them loses
            // nothing but the next start's speed.
            let _ = index.save(lib);
        }
        Ok(index)
    }

    /// Saves every summary with the event commit it was read from to
    /// [`SAVED_INDEX`] in the git directory (written aside, then renamed into place), for
    /// the next [`ProposalIndex::build`] to start from.
    pub fn save(&self, lib: &Library) -> std::io::Result<()> {
        saved::save(
            lib.git_dir(),
            self.entries.values().map(|e| (e.meta, &*e.summary)),
        )
    }

    /// Brings the index up to date with the change journal: re-reads the proposals whose
    /// meta ref moved since the last refresh. Falls back to [`ProposalIndex::rescan`] when
    /// the journal was replaced in a way that loses lines.
    pub fn refresh(&mut self, lib: &Library) -> Result<Refresh> {
        let rules = lib.review_rules()?;
        let mut rejudged = Vec::new();
        if rules != self.rules {
            // The rules changed (`quire rules`): every `approved` is decided again.
            self.rules = rules;
            let all: Vec<(u64, Oid, ProposalSummary)> = self
                .entries
                .iter()
                .map(|(n, e)| (*n, e.meta, (*e.summary).clone()))
                .collect();
            for (n, meta, summary) in all {
                self.insert(n, meta, summary);
                rejudged.push(n);
            }
        }
        let dir = lib.git_dir();
        let Some(lines) = journal::read(dir, &mut self.cursor) else {
            let mut changed = self.rescan(lib)?;
            if !rejudged.is_empty() {
                changed = rejudged;
            }
            return Ok(Refresh {
                changed,
                main_moved: true,
                rescanned: true,
            });
        };
        let mut out = Refresh {
            changed: rejudged,
            ..Refresh::default()
        };
        let mut touched = BTreeSet::new();
        for name in journal::ref_names(&lines) {
            if name == crate::MAIN_REF {
                out.main_moved = true;
            } else if let Some(n) = crate::layout::parse_proposal_log_ref(name) {
                touched.insert(n);
            }
        }
        for n in touched {
            if self.reload(lib, n)? && !out.changed.contains(&n) {
                out.changed.push(n);
            }
        }
        Ok(out)
    }

    /// Compares every meta ref with the index and re-reads what differs. Returns the
    /// proposals that changed.
    pub fn rescan(&mut self, lib: &Library) -> Result<Vec<u64>> {
        let listed = ProposalIndex::list_refs(lib)?;
        self.rescan_with(lib, listed)
    }

    /// The first half of [`ProposalIndex::rescan`]: lists every meta ref (the slow part,
    /// which needs no access to the index).
    pub fn list_refs(lib: &Library) -> Result<ListedRefs> {
        // The journal's position first: whatever changes after it is replayed by the next
        // refresh, so nothing that changes while the refs are listed is missed.
        let cursor = journal::end(lib.git_dir());
        Ok(ListedRefs {
            cursor,
            targets: lib.meta_targets()?,
        })
    }

    /// The second half of [`ProposalIndex::rescan`]: re-reads the proposals whose listed
    /// meta ref differs from the index, and drops those not listed. A proposal re-read is
    /// read at its ref's target now, not the listed one, so a list that is a little old
    /// never takes the index back.
    pub fn rescan_with(&mut self, lib: &Library, listed: ListedRefs) -> Result<Vec<u64>> {
        self.cursor = listed.cursor;
        let now = listed.targets;
        let mut changed = Vec::new();
        let present: HashSet<u64> = now.iter().map(|(n, _)| *n).collect();
        let gone: Vec<u64> = self
            .entries
            .keys()
            .filter(|n| !present.contains(n))
            .copied()
            .collect();
        for n in gone {
            // Listed before it was made, perhaps: ask the ref itself.
            if self.reload(lib, n)? {
                changed.push(n);
            }
        }
        for (n, meta) in now {
            if self.entries.get(&n).is_some_and(|e| e.meta == meta) {
                continue;
            }
            if self.reload(lib, n)? {
                changed.push(n);
            }
        }
        changed.sort_unstable();
        changed.dedup();
        Ok(changed)
    }

    /// Re-reads one proposal if its meta ref moved; true if the index changed.
    fn reload(&mut self, lib: &Library, n: u64) -> Result<bool> {
        match lib.meta_target(n)? {
            None => Ok(self.remove(n)),
            Some(meta) if self.entries.get(&n).is_some_and(|e| e.meta == meta) => Ok(false),
            Some(meta) => {
                let p = lib.proposal_at(meta)?;
                self.insert(n, meta, ProposalSummary::of(&p));
                Ok(true)
            }
        }
    }

    fn insert(&mut self, n: u64, meta: Oid, mut summary: ProposalSummary) {
        self.remove(n);
        summary.apply_rules(&self.rules);
        let shown = summary.status == Status::Open && !summary.hidden;
        let summary = Arc::new(summary);
        for s in &summary.sections {
            self.by_section
                .entry(s.clone())
                .or_default()
                .insert(n, summary.clone());
            if shown {
                *self.open_shown.entry(s.clone()).or_default() += 1;
            }
        }
        self.entries.insert(n, Entry { meta, summary });
    }

    fn remove(&mut self, n: u64) -> bool {
        let Some(old) = self.entries.remove(&n) else {
            return false;
        };
        let shown = old.summary.status == Status::Open && !old.summary.hidden;
        for s in &old.summary.sections {
            if let Some(set) = self.by_section.get_mut(s) {
                set.remove(&n);
            }
            if shown {
                if let Some(c) = self.open_shown.get_mut(s) {
                    *c = c.saturating_sub(1);
                }
            }
        }
        true
    }

    /// How many open proposals that a maintainer has not hidden change `section`.
    pub fn open_shown_count(&self, section: &SectionId) -> usize {
        self.open_shown.get(section).copied().unwrap_or(0)
    }

    /// How many proposals there are.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// True if there are none.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// One proposal's summary.
    pub fn get(&self, n: u64) -> Option<&Arc<ProposalSummary>> {
        self.entries.get(&n).map(|e| &e.summary)
    }

    /// The event commit a proposal's summary was read from (to check a page against).
    pub fn meta_of(&self, n: u64) -> Option<String> {
        self.entries.get(&n).map(|e| e.meta.to_string())
    }

    /// Every summary, by number.
    pub fn iter(&self) -> impl DoubleEndedIterator<Item = &Arc<ProposalSummary>> {
        self.entries.values().map(|e| &e.summary)
    }

    /// The summaries matching a filter, newest (highest number) first. With a section in
    /// the filter only that section's proposals are visited.
    pub fn newest_first<'a>(
        &'a self,
        filter: &'a ProposalFilter,
    ) -> Box<dyn Iterator<Item = &'a Arc<ProposalSummary>> + 'a> {
        self.select(filter, true)
    }

    /// As [`ProposalIndex::newest_first`], lowest number first.
    pub fn oldest_first<'a>(
        &'a self,
        filter: &'a ProposalFilter,
    ) -> Box<dyn Iterator<Item = &'a Arc<ProposalSummary>> + 'a> {
        self.select(filter, false)
    }

    fn select<'a>(
        &'a self,
        filter: &'a ProposalFilter,
        newest: bool,
    ) -> Box<dyn Iterator<Item = &'a Arc<ProposalSummary>> + 'a> {
        let status = filter.status;
        let keep = move |s: &&Arc<ProposalSummary>| status.is_none_or(|st| s.status == st);
        match &filter.section {
            Some(section) => {
                let set = self
                    .by_section
                    .get(section)
                    .into_iter()
                    .flat_map(|m| m.values());
                if newest {
                    Box::new(
                        self.by_section
                            .get(section)
                            .into_iter()
                            .flat_map(|m| m.values().rev())
                            .filter(keep),
                    )
                } else {
                    Box::new(set.filter(keep))
                }
            }
            None if newest => {
                Box::new(self.entries.values().rev().map(|e| &e.summary).filter(keep))
            }
            None => Box::new(self.entries.values().map(|e| &e.summary).filter(keep)),
        }
    }
}

/// Every proposal's meta ref target, listed by [`ProposalIndex::list_refs`].
#[derive(Debug, Clone)]
pub struct ListedRefs {
    cursor: journal::Cursor,
    targets: Vec<(u64, Oid)>,
}

/// The summaries of the given proposals' event-log tips.
fn read_summaries(
    lib: &Library,
    targets: &[(u64, Oid)],
) -> Result<Vec<(u64, Oid, ProposalSummary)>> {
    targets
        .iter()
        .map(|&(n, meta)| Ok((n, meta, ProposalSummary::of(&lib.proposal_at(meta)?))))
        .collect()
}
