//! [`Indexes`]: the proposal index and the merge index kept consistent, a generation that
//! counts their changes (for callers' caches), and one page of a proposals list.

use std::sync::Arc;

use super::{
    ListedRefs, MergeDone, MergeIndex, MergeJob, MergeState, ProposalIndex, ProposalSummary,
};
use crate::error::Result;
use crate::library::{Library, ProposalFilter};
use crate::model::{CommitId, Status};
use crate::policy::Audience;

/// The in-memory indexes a long-running process keeps, kept consistent with each other.
///
/// Whoever changes them (or may have: a call that failed half-way) calls
/// [`Indexes::changed`], so that the generation counts every change a page could show;
/// the page cache keys pages by it.
#[derive(Debug, Default)]
pub struct Indexes {
    proposals: ProposalIndex,
    merges: MergeIndex,
    generation: u64,
}

impl Indexes {
    /// The indexes of `lib`, with the proposal index built (see [`ProposalIndex::build`])
    /// and no mergeability known yet.
    pub fn build(lib: &Library) -> Result<Indexes> {
        Ok(Indexes {
            proposals: ProposalIndex::build(lib)?,
            ..Indexes::default()
        })
    }

    /// Every proposal's summary.
    pub fn proposals(&self) -> &ProposalIndex {
        &self.proposals
    }

    /// Open proposals' mergeability against the current `main`.
    pub fn merges(&self) -> &MergeIndex {
        &self.merges
    }

    /// Starts again from the refs after a panic while the indexes were being changed: the
    /// merge results are dropped and every proposal ref compared (`lib`, when one could be
    /// opened). Every entry is keyed by the object it was read from, so nothing else can
    /// be left inconsistent.
    pub fn recover(&mut self, lib: Option<&Library>) {
        self.merges = MergeIndex::default();
        if let Some(lib) = lib {
            let _ = self.proposals.rescan(lib);
        }
        self.changed();
    }

    /// Follows the change journal: re-reads changed proposals, and when `main` moved,
    /// keeps only the merge results that are still exact.
    pub fn refresh(&mut self, lib: &Library) -> Result<()> {
        let main_before = self.merges.main();
        let out = (|| {
            let r = self.proposals.refresh(lib)?;
            // Reading `main` is cheap, and catches a `main` moved by a plain git push too.
            let advance = self.merges.advance(lib)?;
            let moved = advance.dropped > 0 || !r.changed.is_empty();
            if moved {
                self.merges.retain_current(&self.proposals);
            }
            Ok(moved || r.rescanned)
        })();
        if !matches!(out, Ok(false)) || self.merges.main() != main_before {
            self.changed();
        }
        out.map(|_| ())
    }

    /// The server's background work on the indexes, in one call: a rescan of every
    /// proposal ref if `rescan`, then up to `limit` mergeability checks. Returns how many
    /// were checked. (A server runs the slow parts without its lock on the
    /// indexes: [`Indexes::merge_jobs`], then [`MergeJob::run`], then
    /// [`Indexes::apply_merges`].)
    pub fn maintain(&mut self, lib: &Library, rescan: bool, limit: usize) -> Result<usize> {
        if rescan {
            self.rescan_with(lib, ProposalIndex::list_refs(lib)?)?;
        }
        let jobs = self.merge_jobs(lib, limit)?;
        let done = jobs
            .into_iter()
            .map(|j| j.run(lib))
            .collect::<Result<Vec<_>>>()?;
        Ok(self.apply_merges(done))
    }

    /// Applies a listing of the refs made by [`ProposalIndex::list_refs`].
    pub fn rescan_with(&mut self, lib: &Library, listed: ListedRefs) -> Result<()> {
        let main_before = self.merges.main();
        let out = (|| {
            let changed = !self.proposals.rescan_with(lib, listed)?.is_empty();
            self.merges.advance(lib)?;
            self.merges.retain_current(&self.proposals);
            Ok(changed)
        })();
        if !matches!(out, Ok(false)) || self.merges.main() != main_before {
            self.changed();
        }
        out.map(|_| ())
    }

    /// Up to `limit` mergeability checks still to make (see [`MergeIndex::jobs`]).
    pub fn merge_jobs(&mut self, lib: &Library, limit: usize) -> Result<Vec<MergeJob>> {
        let main_before = self.merges.main();
        let out = self.merges.jobs(lib, &self.proposals, limit);
        if out.is_err() || self.merges.main() != main_before {
            self.changed();
        }
        out
    }

    /// Keeps the results of checks made from [`Indexes::merge_jobs`]; returns how many
    /// still held (`main` may have moved meanwhile).
    pub fn apply_merges(&mut self, done: Vec<MergeDone>) -> usize {
        let kept = self.merges.apply(done);
        if kept > 0 {
            self.changed();
        }
        kept
    }

    /// The mergeability of open proposal `n` at its latest revision `commit`: the result
    /// held, or a check made now (and held).
    pub fn merge_state(
        &mut self,
        lib: &Library,
        n: u64,
        commit: &CommitId,
        base: &CommitId,
    ) -> Result<MergeState> {
        if let Some(known) = self.merges.state(n, commit) {
            return Ok(known);
        }
        self.changed();
        self.merges.check(lib, n, commit, base)
    }

    /// Records a change to the indexes.
    pub fn changed(&mut self) {
        self.generation += 1;
    }

    /// How many changes were recorded.
    pub fn generation(&self) -> u64 {
        self.generation
    }
}

/// Which proposals come first in a list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Order {
    /// The highest number first.
    NewestFirst,
    /// The lowest number first.
    OldestFirst,
}

/// What one page of a proposals list asks for.
#[derive(Debug, Clone)]
pub struct ListQuery<'a> {
    /// Status and section.
    pub filter: &'a ProposalFilter,
    /// Who is looking: proposals they may not see are left out, and not counted.
    pub audience: &'a Audience,
    /// The order of the list.
    pub order: Order,
    /// Only open proposals that merge cleanly (`Some(true)`) or conflict (`Some(false)`).
    pub merge: Option<bool>,
    /// The page, from 1.
    pub page: usize,
    /// Proposals on a page.
    pub per_page: usize,
    /// How many mergeability checks the merge filter may make (each reads git); `None`
    /// for as many as needed. A proposal the filter could not check is left out and
    /// counted in [`ListPage::unchecked`]. The rows of the page are always checked.
    pub check_budget: Option<usize>,
    /// Count every matching proposal ([`ListPage::total`]); otherwise the listing stops
    /// at the end of the page.
    pub count_total: bool,
}

/// One page of a proposals list.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ListPage {
    /// The page's proposals, each with its mergeability when it is open.
    pub rows: Vec<(Arc<ProposalSummary>, Option<MergeState>)>,
    /// How many proposals match on every page (only with [`ListQuery::count_total`]).
    pub total: usize,
    /// Open proposals left out because the merge filter could not check them yet.
    pub unchecked: usize,
}

impl Indexes {
    /// One page of the proposals list `q` asks for.
    pub fn page(&mut self, lib: &Library, q: &ListQuery<'_>) -> Result<ListPage> {
        // A check made here changes the indexes: `generation` counts it.
        let Indexes {
            proposals,
            merges,
            generation,
        } = self;
        // The result held, or a check made now (and held) if `budget` allows one.
        let mut state =
            |s: &ProposalSummary, budget: &mut Option<usize>| -> Result<Option<MergeState>> {
                if let Some(known) = merges.state(s.number, &s.commit) {
                    return Ok(Some(known));
                }
                match budget {
                    Some(0) => return Ok(None),
                    Some(left) => *left -= 1,
                    None => {}
                }
                *generation += 1;
                merges.check(lib, s.number, &s.commit, &s.base).map(Some)
            };
        let listed: Box<dyn Iterator<Item = &Arc<ProposalSummary>>> = match q.order {
            Order::NewestFirst => Box::new(proposals.newest_first(q.filter)),
            Order::OldestFirst => Box::new(proposals.oldest_first(q.filter)),
        };
        let first_row = q.page.saturating_sub(1).saturating_mul(q.per_page);
        let mut budget = q.check_budget;
        let mut out = ListPage::default();
        let mut page_rows = Vec::new();
        for s in listed.filter(|s| q.audience.sees(s.hidden, &s.author)) {
            if !q.count_total && page_rows.len() == q.per_page {
                break;
            }
            if let Some(want) = q.merge {
                if s.status != Status::Open {
                    continue;
                }
                match state(s.as_ref(), &mut budget)? {
                    Some(k) if (k == MergeState::Clean) == want => {}
                    Some(_) => continue,
                    None => {
                        out.unchecked += 1;
                        continue;
                    }
                }
            }
            // Only the page's rows are kept; the rest are counted.
            if out.total >= first_row && page_rows.len() < q.per_page {
                page_rows.push(s.clone());
            }
            out.total += 1;
        }
        for s in page_rows {
            let merge = if s.status == Status::Open {
                state(s.as_ref(), &mut None)?
            } else {
                None
            };
            out.rows.push((s, merge));
        }
        if !q.count_total {
            out.total = 0;
        }
        Ok(out)
    }
}
