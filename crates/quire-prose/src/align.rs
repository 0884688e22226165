//! Bounded sequence alignment: recursive patience diff with Myers for small gaps.
//!
//! `similar`'s patience diff anchors on unique items once and runs Myers over every gap
//! between anchors, which is `O((N+M)·D)` and so quadratic on reordered or rewritten
//! input. Here the patience step recurses into the gaps (as git's patience diff does),
//! Myers only runs on gaps of at most [`MYERS_MAX_LEN`] items, and every step is charged
//! to a [`Budget`], so the work is bounded whatever the input.

use std::collections::HashMap;
use std::time::Instant;

use similar::{capture_diff_slices_deadline, Algorithm, DiffTag};

/// The work a diff may still do, in units of roughly one word tokenised or compared.
#[derive(Debug)]
pub(crate) struct Budget {
    remaining: usize,
    deadline: Option<Instant>,
    /// Set when a limit made the result coarser than it could have been.
    pub(crate) coarse: bool,
}

impl Budget {
    pub(crate) fn new(units: usize, deadline: Option<Instant>) -> Budget {
        Budget {
            remaining: units,
            deadline,
            coarse: false,
        }
    }

    /// Spends `units`, or returns false (and marks the result coarse) when not enough is
    /// left or the deadline has passed.
    pub(crate) fn charge(&mut self, units: usize) -> bool {
        if units <= self.remaining && !self.deadline_passed() {
            self.remaining -= units;
            true
        } else {
            self.coarse = true;
            false
        }
    }

    fn deadline_passed(&mut self) -> bool {
        let passed = self.deadline.is_some_and(|d| Instant::now() >= d);
        if passed {
            self.coarse = true;
        }
        passed
    }
}

/// Gaps without a unique common item are diffed with Myers only up to this many items
/// (both sides together); larger ones are left unmatched.
pub(crate) const MYERS_MAX_LEN: usize = 2_048;
/// Recursion deeper than this hands the gap to Myers (if small enough) instead.
const MAX_DEPTH: usize = 32;

/// Maps each item of both sides to a small id, equal items to equal ids.
pub(crate) fn intern(old: &[&str], new: &[&str]) -> (Vec<u32>, Vec<u32>) {
    let mut ids: HashMap<&str, u32> = HashMap::with_capacity(old.len().max(new.len()));
    let mut id_of = |item| {
        let next = u32::try_from(ids.len()).expect("fewer than 2^32 distinct items");
        *ids.entry(item).or_insert(next)
    };
    let old_ids = old.iter().map(|item| id_of(item)).collect();
    let new_ids = new.iter().map(|item| id_of(item)).collect();
    (old_ids, new_ids)
}

/// The pairs `(old index, new index)` of matched equal items, increasing in both.
///
/// Items that occur on one side only cannot match, so they are left out first (as GNU
/// diff does): unrelated sequences cost next to nothing. `scratch` is working memory
/// that may be reused across calls.
pub(crate) fn align(
    old: &[u32],
    new: &[u32],
    budget: &mut Budget,
    scratch: &mut Seen,
) -> Vec<(usize, usize)> {
    let size = old.iter().chain(new).max().map_or(0, |&m| m as usize + 1);
    if scratch.entries.len() < size {
        scratch.entries.resize(size, Entry::default());
    }
    let stamp = scratch.next_stamp();
    for &id in old {
        scratch.entries[id as usize].stamp = stamp;
    }
    let new_kept: Vec<usize> = (0..new.len())
        .filter(|&j| scratch.entries[new[j] as usize].stamp == stamp)
        .collect();
    let stamp = scratch.next_stamp();
    for &j in &new_kept {
        scratch.entries[new[j] as usize].stamp = stamp;
    }
    let old_kept: Vec<usize> = (0..old.len())
        .filter(|&i| scratch.entries[old[i] as usize].stamp == stamp)
        .collect();
    let old_ids: Vec<u32> = old_kept.iter().map(|&i| old[i]).collect();
    let new_ids: Vec<u32> = new_kept.iter().map(|&j| new[j]).collect();

    let mut matches = Vec::new();
    let mut aligner = Aligner {
        budget,
        seen: scratch,
        out: &mut matches,
    };
    aligner.patience(&old_ids, &new_ids, (0, 0), 0);
    matches
        .into_iter()
        .map(|(i, j)| (old_kept[i], new_kept[j]))
        .collect()
}

/// Working memory for [`align`]: per-id counts, reused across gaps and calls. An entry
/// is valid for the step whose stamp it carries, so a step costs its own length and not
/// the number of ids.
#[derive(Debug, Default)]
pub(crate) struct Seen {
    stamp: u32,
    entries: Vec<Entry>,
}

impl Seen {
    fn next_stamp(&mut self) -> u32 {
        self.stamp = self.stamp.checked_add(1).unwrap_or_else(|| {
            self.entries.iter_mut().for_each(|e| *e = Entry::default());
            1
        });
        self.stamp
    }
}

#[derive(Debug, Clone, Copy, Default)]
struct Entry {
    stamp: u32,
    old_count: u32,
    old_index: usize,
    new_count: u32,
    new_index: usize,
}

struct Aligner<'a> {
    budget: &'a mut Budget,
    seen: &'a mut Seen,
    out: &'a mut Vec<(usize, usize)>,
}

impl Aligner<'_> {
    /// Aligns `old` and `new`, which start at `offset` in the whole sequences.
    fn patience(&mut self, old: &[u32], new: &[u32], offset: (usize, usize), depth: usize) {
        let prefix = old.iter().zip(new).take_while(|(a, b)| a == b).count();
        self.out
            .extend((0..prefix).map(|k| (offset.0 + k, offset.1 + k)));
        let (old, new) = (&old[prefix..], &new[prefix..]);
        let suffix = old
            .iter()
            .rev()
            .zip(new.iter().rev())
            .take_while(|(a, b)| a == b)
            .count();
        let (old, new) = (&old[..old.len() - suffix], &new[..new.len() - suffix]);
        let offset = (offset.0 + prefix, offset.1 + prefix);
        if !old.is_empty() && !new.is_empty() {
            self.middle(old, new, offset, depth);
        }
        self.out
            .extend((0..suffix).map(|k| (offset.0 + old.len() + k, offset.1 + new.len() + k)));
    }

    /// Aligns two non-empty sequences that differ at both ends.
    fn middle(&mut self, old: &[u32], new: &[u32], offset: (usize, usize), depth: usize) {
        if !self.budget.charge(old.len() + new.len()) {
            return;
        }
        let seen = &mut *self.seen;
        let stamp = seen.next_stamp();
        for (i, &id) in old.iter().enumerate() {
            let entry = &mut seen.entries[id as usize];
            if entry.stamp != stamp {
                *entry = Entry {
                    stamp,
                    old_index: i,
                    ..Entry::default()
                };
            }
            entry.old_count += 1;
        }
        let mut any_common = false;
        for (j, &id) in new.iter().enumerate() {
            let entry = &mut seen.entries[id as usize];
            if entry.stamp == stamp {
                entry.new_count += 1;
                entry.new_index = j;
                any_common = true;
            }
        }
        if !any_common {
            return;
        }
        // Unique in both, in old order.
        let anchors: Vec<(usize, usize)> = old
            .iter()
            .map(|&id| seen.entries[id as usize])
            .filter(|e| e.old_count == 1 && e.new_count == 1)
            .map(|e| (e.old_index, e.new_index))
            .collect();
        if anchors.is_empty() || depth >= MAX_DEPTH {
            self.myers(old, new, offset);
            return;
        }
        let (mut i0, mut j0) = (0, 0);
        for (i, j) in longest_increasing(&anchors) {
            let at = (offset.0 + i0, offset.1 + j0);
            self.patience(&old[i0..i], &new[j0..j], at, depth + 1);
            self.out.push((offset.0 + i, offset.1 + j));
            (i0, j0) = (i + 1, j + 1);
        }
        let at = (offset.0 + i0, offset.1 + j0);
        self.patience(&old[i0..], &new[j0..], at, depth + 1);
    }

    /// Myers diff of a gap with no unique common item, if it is small enough.
    fn myers(&mut self, old: &[u32], new: &[u32], offset: (usize, usize)) {
        let len = old.len() + new.len();
        // Myers costs up to (N+M)·D steps, D <= N+M; a step is far cheaper than a unit.
        if len > MYERS_MAX_LEN {
            self.budget.coarse = true;
            return;
        }
        if !self.budget.charge(len * len / 32) {
            return;
        }
        let ops = capture_diff_slices_deadline(Algorithm::Myers, old, new, self.budget.deadline);
        self.budget.deadline_passed();
        for op in ops {
            if let (DiffTag::Equal, o, n) = op.as_tag_tuple() {
                self.out
                    .extend(o.zip(n).map(|(i, j)| (offset.0 + i, offset.1 + j)));
            }
        }
    }
}

/// The longest subsequence of `pairs` (sorted by their first item) whose second items
/// increase, by patience sorting.
fn longest_increasing(pairs: &[(usize, usize)]) -> Vec<(usize, usize)> {
    // tails[k]: index in `pairs` of the smallest tail of an increasing run of length k+1.
    let mut tails: Vec<usize> = Vec::new();
    let mut previous: Vec<Option<usize>> = vec![None; pairs.len()];
    for (k, &(_, j)) in pairs.iter().enumerate() {
        let pos = tails.partition_point(|&t| pairs[t].1 < j);
        previous[k] = pos.checked_sub(1).map(|p| tails[p]);
        if pos == tails.len() {
            tails.push(k);
        } else {
            tails[pos] = k;
        }
    }
    let mut run = Vec::with_capacity(tails.len());
    let mut at = tails.last().copied();
    while let Some(k) = at {
        run.push(pairs[k]);
        at = previous[k];
    }
    run.reverse();
    run
}

#[cfg(test)]
mod tests {
    use super::*;

    fn budget() -> Budget {
        Budget::new(usize::MAX, None)
    }

    fn lcs_len(a: &[u32], b: &[u32]) -> usize {
        let mut row = vec![0usize; b.len() + 1];
        for &x in a {
            let mut diag = 0;
            for (j, &y) in b.iter().enumerate() {
                let up = row[j + 1];
                row[j + 1] = if x == y { diag + 1 } else { up.max(row[j]) };
                diag = up;
            }
        }
        row[b.len()]
    }

    fn check(old: &[u32], new: &[u32]) -> Vec<(usize, usize)> {
        let matches = align(old, new, &mut budget(), &mut Seen::default());
        for w in matches.windows(2) {
            assert!(w[0].0 < w[1].0 && w[0].1 < w[1].1, "{matches:?}");
        }
        for &(i, j) in &matches {
            assert_eq!(old[i], new[j]);
        }
        assert!(matches.len() <= lcs_len(old, new));
        matches
    }

    #[test]
    fn simple_alignments() {
        assert_eq!(check(&[1, 2, 3], &[1, 2, 3]), [(0, 0), (1, 1), (2, 2)]);
        assert_eq!(check(&[1, 2, 3], &[1, 4, 3]), [(0, 0), (2, 2)]);
        assert_eq!(check(&[], &[1]), []);
        assert_eq!(check(&[1, 2], &[3, 4]), []);
        assert_eq!(check(&[1, 2, 3], &[3, 1, 2]), [(0, 1), (1, 2)]);
        // Duplicates only: handled by Myers.
        assert_eq!(check(&[7, 7, 8, 7], &[7, 8, 7, 7]).len(), 3);
    }

    #[test]
    fn finds_the_lcs_on_small_edits() {
        let mut seed = 99u64;
        for _ in 0..300 {
            let mut next = |n: u64| {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                seed % n
            };
            let old: Vec<u32> = (0..next(40)).map(|_| next(12) as u32).collect();
            let mut new = old.clone();
            for _ in 0..next(4) {
                let k = next(new.len() as u64 + 1) as usize;
                match next(3) {
                    0 if k < new.len() => {
                        new.remove(k);
                    }
                    1 if k < new.len() => new[k] = next(12) as u32,
                    _ => new.insert(k, next(12) as u32),
                }
            }
            let matches = check(&old, &new);
            // Patience is not always minimal, but on a few edits it stays close.
            assert!(matches.len() + 4 >= lcs_len(&old, &new), "{old:?} {new:?}");
        }
    }

    #[test]
    fn reversed_and_shuffled_inputs_stay_cheap() {
        let old: Vec<u32> = (0..20_000).collect();
        let new: Vec<u32> = old.iter().rev().copied().collect();
        let mut b = Budget::new(1_000_000, None);
        let matches = align(&old, &new, &mut b, &mut Seen::default());
        assert_eq!(matches.len(), 1);
        assert!(!b.coarse);
    }

    #[test]
    fn an_empty_budget_matches_only_common_ends() {
        let mut b = Budget::new(0, None);
        assert_eq!(
            align(&[1, 2, 3], &[1, 4, 3], &mut b, &mut Seen::default()),
            [(0, 0), (2, 2)]
        );
        assert!(!b.coarse);
        assert_eq!(
            align(&[1, 2, 3, 4], &[1, 3, 2, 4], &mut b, &mut Seen::default()),
            [(0, 0), (3, 3)]
        );
        assert!(b.coarse);
    }

    #[test]
    fn longest_increasing_run() {
        let pairs = [(0, 3), (1, 1), (2, 4), (3, 2), (4, 5), (5, 0)];
        assert_eq!(longest_increasing(&pairs), [(1, 1), (3, 2), (4, 5)]);
        assert_eq!(longest_increasing(&[]), []);
    }
}
