//! Block alignment and word diffs.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use serde::Serialize;
use similar::DiffableStr;

use crate::align::{align, intern, Budget, Seen};
use crate::markdown::{blocks, Block, BlockKind};

/// Limits on the work one diff may do.
///
/// When a limit is reached the diff falls back to a coarser form for the rest of the
/// work, stays faithful (it still reconstructs both texts) and sets
/// [`ProseDiff::coarse`]. Build one with struct update syntax:
///
/// ```
/// use quire_prose::DiffOptions;
///
/// let opts = DiffOptions { max_words: 2, ..DiffOptions::default() };
/// let d = quire_prose::diff_with("one two three", "one two four", &opts);
/// assert!(d.coarse); // compared line by line, as the block has three words
/// assert_eq!(d.new_text(), "one two four");
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct DiffOptions {
    /// A changed block with more whitespace-separated words than this, on either side, is
    /// compared line by line instead of word by word. Default 5,000.
    pub max_words: usize,
    /// When both texts together have more blocks than this, blocks are still aligned, but
    /// a run of replaced blocks is shown as whole removed and added blocks, without
    /// pairing and word diffs. Default 50,000.
    pub max_blocks: usize,
    /// The total work budget for aligning blocks, pairing changed blocks and diffing the
    /// words of paired blocks, in units of about one word compared: tokenising a block
    /// costs two units a word, comparing two blocks for pairing one a word of the smaller,
    /// aligning two sequences one an item at each step (more for the small gaps that go
    /// to Myers). Once spent, what is left is
    /// aligned less finely: blocks or words that could have matched are shown as removed
    /// and added instead. Default 400,000 (a few tens of milliseconds at most, while
    /// diffing a typical edit costs far less: only changed blocks are tokenised).
    pub max_block_pairs_words: usize,
    /// How similar (0 to 1) two blocks must be to be shown as one changed block rather
    /// than a removed and an added one: the share of words they have in common (a Dice
    /// coefficient over their multisets of words), less 0.25 when their kinds differ. A
    /// lone removed block next to a lone added block of the same kind is always paired.
    /// Default 0.5.
    pub min_similarity: f64,
    /// A second guard: the time after which the underlying diff algorithm stops
    /// searching for the best alignment and settles for an approximate one (still
    /// faithful). Reaching it sets [`ProseDiff::coarse`], so unlike the other limits its
    /// effect depends on the machine. `None` means no deadline. Default 500 ms.
    pub timeout: Option<Duration>,
}

impl Default for DiffOptions {
    fn default() -> Self {
        DiffOptions {
            max_words: 5_000,
            max_blocks: 50_000,
            max_block_pairs_words: 400_000,
            min_similarity: 0.5,
            timeout: Some(Duration::from_millis(500)),
        }
    }
}

/// The differences between two Markdown texts, block by block.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ProseDiff {
    /// Every block of both texts, in order: unchanged, added, removed or changed.
    pub blocks: Vec<BlockDiff>,
    /// Counts of what changed.
    pub stats: DiffStats,
    /// True when a limit of [`DiffOptions`] made the diff coarser than it could have been.
    pub coarse: bool,
}

/// One block of a [`ProseDiff`]. In JSON the variant is the `op` field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum BlockDiff {
    /// A block that is the same on both sides.
    Unchanged { kind: BlockKind, text: String },
    /// A block only in the new text.
    Added { kind: BlockKind, text: String },
    /// A block only in the old text.
    Removed { kind: BlockKind, text: String },
    /// An old block paired with a similar new block (whose kind this is), with the
    /// differences inside it. The `Equal` and `Delete` spans concatenate to the old
    /// block's text, the `Equal` and `Insert` spans to the new block's.
    Changed { kind: BlockKind, spans: Vec<Span> },
}

impl BlockDiff {
    /// The kind of the block (for a changed block, the kind of its new version).
    pub fn kind(&self) -> BlockKind {
        match self {
            BlockDiff::Unchanged { kind, .. }
            | BlockDiff::Added { kind, .. }
            | BlockDiff::Removed { kind, .. }
            | BlockDiff::Changed { kind, .. } => *kind,
        }
    }

    /// The operation's name as in JSON: `unchanged`, `added`, `removed` or `changed`.
    pub fn op_name(&self) -> &'static str {
        match self {
            BlockDiff::Unchanged { .. } => "unchanged",
            BlockDiff::Added { .. } => "added",
            BlockDiff::Removed { .. } => "removed",
            BlockDiff::Changed { .. } => "changed",
        }
    }

    /// The block's old text, or `None` for an added block.
    pub fn old_text(&self) -> Option<String> {
        match self {
            BlockDiff::Unchanged { text, .. } | BlockDiff::Removed { text, .. } => {
                Some(text.clone())
            }
            BlockDiff::Added { .. } => None,
            BlockDiff::Changed { spans, .. } => Some(side_text(spans, SpanOp::Delete)),
        }
    }

    /// The block's new text, or `None` for a removed block.
    pub fn new_text(&self) -> Option<String> {
        match self {
            BlockDiff::Unchanged { text, .. } | BlockDiff::Added { text, .. } => Some(text.clone()),
            BlockDiff::Removed { .. } => None,
            BlockDiff::Changed { spans, .. } => Some(side_text(spans, SpanOp::Insert)),
        }
    }
}

fn side_text(spans: &[Span], side: SpanOp) -> String {
    spans
        .iter()
        .filter(|s| s.op == SpanOp::Equal || s.op == side)
        .map(|s| s.text.as_str())
        .collect()
}

/// A run of text inside a [`BlockDiff::Changed`] block.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Span {
    /// Whether the text is on both sides, only the new one or only the old one.
    pub op: SpanOp,
    /// The text, never empty.
    pub text: String,
}

impl Span {
    fn new(op: SpanOp, text: &str) -> Span {
        Span {
            op,
            text: text.to_owned(),
        }
    }
}

/// What a [`Span`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SpanOp {
    /// Text on both sides.
    Equal,
    /// Text only in the new block.
    Insert,
    /// Text only in the old block.
    Delete,
}

/// Counts of what changed. Words are whitespace-separated words of the inserted and
/// deleted spans and of the added and removed blocks.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct DiffStats {
    pub words_added: usize,
    pub words_removed: usize,
    pub blocks_added: usize,
    pub blocks_removed: usize,
    pub blocks_changed: usize,
}

impl ProseDiff {
    /// True when the two texts have the same blocks: nothing was added, removed or changed.
    pub fn is_empty(&self) -> bool {
        self.blocks
            .iter()
            .all(|b| matches!(b, BlockDiff::Unchanged { .. }))
    }

    /// The old text, block-normalised: its blocks' texts joined by a blank line.
    pub fn old_text(&self) -> String {
        join_blocks(self.blocks.iter().filter_map(BlockDiff::old_text))
    }

    /// The new text, block-normalised: its blocks' texts joined by a blank line.
    pub fn new_text(&self) -> String {
        join_blocks(self.blocks.iter().filter_map(BlockDiff::new_text))
    }
}

fn join_blocks(texts: impl Iterator<Item = String>) -> String {
    texts.collect::<Vec<_>>().join("\n\n")
}

/// Diffs two Markdown texts with [`DiffOptions::default`].
pub fn diff(old: &str, new: &str) -> ProseDiff {
    diff_with(old, new, &DiffOptions::default())
}

/// Diffs two Markdown texts: aligns their blocks, pairs similar replaced blocks and diffs
/// the words inside each pair. See the [crate docs](crate) for the approach.
pub fn diff_with(old: &str, new: &str, opts: &DiffOptions) -> ProseDiff {
    let old_blocks = blocks(old);
    let new_blocks = blocks(new);
    let deadline = opts.timeout.and_then(|t| Instant::now().checked_add(t));
    let mut differ = Differ {
        opts,
        budget: Budget::new(opts.max_block_pairs_words, deadline),
        scratch: Seen::default(),
        pairing: old_blocks.len() + new_blocks.len() <= opts.max_blocks,
        out: Vec::with_capacity(old_blocks.len().max(new_blocks.len())),
        stats: DiffStats::default(),
    };

    let old_texts: Vec<&str> = old_blocks.iter().map(|b| b.text.as_str()).collect();
    let new_texts: Vec<&str> = new_blocks.iter().map(|b| b.text.as_str()).collect();
    let (old_ids, new_ids) = intern(&old_texts, &new_texts);
    let matches = align(&old_ids, &new_ids, &mut differ.budget, &mut Seen::default());

    let (mut oi, mut ni) = (0, 0);
    for (i, j) in matches {
        differ.region(&old_blocks[oi..i], &new_blocks[ni..j]);
        differ.out.push(BlockDiff::Unchanged {
            kind: new_blocks[j].kind,
            text: new_blocks[j].text.clone(),
        });
        (oi, ni) = (i + 1, j + 1);
    }
    differ.region(&old_blocks[oi..], &new_blocks[ni..]);

    ProseDiff {
        blocks: differ.out,
        stats: differ.stats,
        coarse: differ.budget.coarse,
    }
}

/// Below this many cells, a replaced region is paired optimally; above it, greedily.
const MAX_PAIRING_CELLS: usize = 10_000;
/// How far ahead greedy pairing looks for a partner of each old block.
const GREEDY_WINDOW: usize = 16;
/// A greedy candidate this similar is taken without looking further.
const GREEDY_GOOD_ENOUGH: f64 = 0.9;
/// Subtracted from the similarity of blocks of different kinds.
const KIND_PENALTY: f64 = 0.25;

struct Differ<'o> {
    opts: &'o DiffOptions,
    budget: Budget,
    /// Working memory for aligning tokens.
    scratch: Seen,
    /// False when `max_blocks` was exceeded.
    pairing: bool,
    out: Vec<BlockDiff>,
    stats: DiffStats,
}

/// A block prepared for pairing and word diffing.
struct Prepared<'t> {
    tokens: Vec<&'t str>,
    /// The tokens' ids in the region's vocabulary, whitespace all one id.
    ids: Vec<u32>,
    /// Sorted ids of the words that count for similarity.
    bag: Vec<u32>,
}

/// A block prepared on demand: `None` until tried, then `Some(None)` if it could not be.
type Lazy<'t> = Option<Option<Prepared<'t>>>;

/// Token ids shared by the blocks of one replaced region.
#[derive(Default)]
struct Vocabulary<'t> {
    ids: HashMap<&'t str, u32>,
}

impl<'t> Vocabulary<'t> {
    fn id(&mut self, token: &'t str) -> u32 {
        let next = u32::try_from(self.ids.len()).expect("fewer than 2^32 distinct tokens");
        *self.ids.entry(word_key(token)).or_insert(next)
    }
}

impl Differ<'_> {
    /// Emits a run of old blocks replaced by a run of new blocks.
    fn region(&mut self, old: &[Block], new: &[Block]) {
        if old.is_empty() || new.is_empty() || !self.pairing {
            if !old.is_empty() && !new.is_empty() {
                self.budget.coarse = true;
            }
            old.iter().for_each(|b| self.removed(b));
            new.iter().for_each(|b| self.added(b));
            return;
        }
        let mut vocabulary = Vocabulary::default();
        let mut prep_old: Vec<Lazy<'_>> = old.iter().map(|_| None).collect();
        let mut prep_new: Vec<Lazy<'_>> = new.iter().map(|_| None).collect();
        let (n, m) = (old.len(), new.len());
        let (mut oi, mut ni) = (0, 0);
        let mut emit_pair = |this: &mut Self, i: usize, j: usize, a: Lazy<'_>, b: Lazy<'_>| {
            old[oi..i].iter().for_each(|b| this.removed(b));
            new[ni..j].iter().for_each(|b| this.added(b));
            this.changed(&old[i], &new[j], a.flatten(), b.flatten());
            (oi, ni) = (i + 1, j + 1);
        };

        if n == 1 && m == 1 && old[0].kind == new[0].kind {
            // A lone block replaced by a lone block of its kind: always a change.
            let a = Some(self.prepare(&old[0], &mut vocabulary));
            let b = Some(self.prepare(&new[0], &mut vocabulary));
            emit_pair(self, 0, 0, a, b);
        } else if n.saturating_mul(m) <= MAX_PAIRING_CELLS {
            // Small: the in-order pairing with the greatest total similarity.
            for (i, block) in old.iter().enumerate() {
                prep_old[i] = Some(self.prepare(block, &mut vocabulary));
            }
            for (j, block) in new.iter().enumerate() {
                prep_new[j] = Some(self.prepare(block, &mut vocabulary));
            }
            for (i, j) in self.best_pairs(old, new, &prep_old, &prep_new) {
                let (a, b) = (prep_old[i].take(), prep_new[j].take());
                emit_pair(self, i, j, a, b);
            }
        } else {
            // Large: each old block in turn takes the most similar of the next few new
            // blocks. Blocks are prepared and diffed as they come, so that if the budget
            // runs out, it is the end of the region that is left coarse.
            let mut next = 0;
            for i in 0..n {
                if next >= m {
                    break;
                }
                if prep_old[i].is_none() {
                    prep_old[i] = Some(self.prepare(&old[i], &mut vocabulary));
                }
                let mut best: Option<(usize, f64)> = None;
                for j in next..(next + GREEDY_WINDOW).min(m) {
                    if prep_new[j].is_none() {
                        prep_new[j] = Some(self.prepare(&new[j], &mut vocabulary));
                    }
                    let s = self.similarity(
                        (&old[i], prep_old[i].as_ref().and_then(Option::as_ref)),
                        (&new[j], prep_new[j].as_ref().and_then(Option::as_ref)),
                    );
                    if s >= self.opts.min_similarity && best.is_none_or(|(_, b)| s > b) {
                        best = Some((j, s));
                    }
                    if s >= GREEDY_GOOD_ENOUGH {
                        break;
                    }
                }
                if let Some((j, _)) = best {
                    let (a, b) = (prep_old[i].take(), prep_new[j].take());
                    emit_pair(self, i, j, a, b);
                    next = j + 1;
                }
            }
        }
        old[oi..].iter().for_each(|b| self.removed(b));
        new[ni..].iter().for_each(|b| self.added(b));
    }

    fn removed(&mut self, block: &Block) {
        self.stats.blocks_removed += 1;
        self.stats.words_removed += count_words(&block.text);
        self.out.push(BlockDiff::Removed {
            kind: block.kind,
            text: block.text.clone(),
        });
    }

    fn added(&mut self, block: &Block) {
        self.stats.blocks_added += 1;
        self.stats.words_added += count_words(&block.text);
        self.out.push(BlockDiff::Added {
            kind: block.kind,
            text: block.text.clone(),
        });
    }

    /// Tokenises a block, if it is small enough and the budget allows.
    fn prepare<'t>(
        &mut self,
        block: &'t Block,
        vocabulary: &mut Vocabulary<'t>,
    ) -> Option<Prepared<'t>> {
        let words = count_words(&block.text);
        if words > self.opts.max_words {
            self.budget.coarse = true;
            return None;
        }
        // Tokenising and interning cost about twice as much as comparing a word.
        if !self.budget.charge(2 * words) {
            return None;
        }
        let tokens = word_tokens(&block.text);
        let ids: Vec<u32> = tokens.iter().map(|t| vocabulary.id(t)).collect();
        let bag_of = |counts: fn(&str) -> bool| -> Vec<u32> {
            let mut bag: Vec<u32> = (tokens.iter().zip(&ids))
                .filter(|(t, _)| counts(t))
                .map(|(_, &id)| id)
                .collect();
            bag.sort_unstable();
            bag
        };
        let mut bag = bag_of(|t| t.chars().any(char::is_alphanumeric));
        if bag.is_empty() {
            // No words, only symbols (a rule, a table of dashes): compare the symbols.
            bag = bag_of(|t| !is_space(t));
        }
        Some(Prepared { tokens, ids, bag })
    }

    /// The share of words two blocks have in common, less a penalty for different kinds.
    fn similarity(
        &mut self,
        old: (&Block, Option<&Prepared<'_>>),
        new: (&Block, Option<&Prepared<'_>>),
    ) -> f64 {
        let (Some(a), Some(b)) = (old.1, new.1) else {
            return 0.0;
        };
        let (a, b) = (a.bag.as_slice(), b.bag.as_slice());
        if a.is_empty() && b.is_empty() || !self.budget.charge(a.len().min(b.len())) {
            return 0.0;
        }
        // Size of the multiset intersection of two sorted lists.
        let (mut i, mut j, mut common) = (0, 0, 0usize);
        while i < a.len() && j < b.len() {
            match a[i].cmp(&b[j]) {
                std::cmp::Ordering::Less => i += 1,
                std::cmp::Ordering::Greater => j += 1,
                std::cmp::Ordering::Equal => {
                    common += 1;
                    i += 1;
                    j += 1;
                }
            }
        }
        let dice = 2.0 * common as f64 / (a.len() + b.len()) as f64;
        if old.0.kind == new.0.kind {
            dice
        } else {
            dice - KIND_PENALTY
        }
    }

    /// The in-order pairing of a small region with the greatest total similarity.
    fn best_pairs(
        &mut self,
        old: &[Block],
        new: &[Block],
        prep_old: &[Lazy<'_>],
        prep_new: &[Lazy<'_>],
    ) -> Vec<(usize, usize)> {
        let threshold = self.opts.min_similarity;
        let (n, m) = (old.len(), new.len());
        let width = m + 1;
        let mut total = vec![0.0f64; (n + 1) * width];
        let mut took_pair = vec![false; (n + 1) * width];
        for i in 1..=n {
            for j in 1..=m {
                let mut best = total[(i - 1) * width + j].max(total[i * width + j - 1]);
                let s = self.similarity(
                    (
                        &old[i - 1],
                        prep_old[i - 1].as_ref().and_then(Option::as_ref),
                    ),
                    (
                        &new[j - 1],
                        prep_new[j - 1].as_ref().and_then(Option::as_ref),
                    ),
                );
                if s >= threshold {
                    let with_pair = total[(i - 1) * width + j - 1] + s;
                    if with_pair > best {
                        best = with_pair;
                        took_pair[i * width + j] = true;
                    }
                }
                total[i * width + j] = best;
            }
        }
        let mut pairs = Vec::new();
        let (mut i, mut j) = (n, m);
        while i > 0 && j > 0 {
            if took_pair[i * width + j] {
                pairs.push((i - 1, j - 1));
                (i, j) = (i - 1, j - 1);
            } else if total[(i - 1) * width + j] >= total[i * width + j - 1] {
                i -= 1;
            } else {
                j -= 1;
            }
        }
        pairs.reverse();
        pairs
    }

    /// Emits a paired block: a word diff, or a coarser one if a limit is reached.
    fn changed(
        &mut self,
        old: &Block,
        new: &Block,
        prep_old: Option<Prepared<'_>>,
        prep_new: Option<Prepared<'_>>,
    ) {
        if old.text == new.text {
            // Only when a limit kept the block alignment from matching them.
            self.out.push(BlockDiff::Unchanged {
                kind: new.kind,
                text: new.text.clone(),
            });
            return;
        }
        let spans = if let (Some(a), Some(b)) = (&prep_old, &prep_new) {
            let matches = align(&a.ids, &b.ids, &mut self.budget, &mut self.scratch);
            Some(spans(&a.tokens, &b.tokens, &matches))
        } else if count_words(&old.text).max(count_words(&new.text)) > self.opts.max_words {
            // Too many words: diff lines instead, if the budget allows.
            let old_lines: Vec<&str> = old.text.split_inclusive('\n').collect();
            let new_lines: Vec<&str> = new.text.split_inclusive('\n').collect();
            if self.budget.charge(old_lines.len() + new_lines.len()) {
                let (old_ids, new_ids) = intern(&old_lines, &new_lines);
                let matches = align(&old_ids, &new_ids, &mut self.budget, &mut self.scratch);
                Some(spans(&old_lines, &new_lines, &matches))
            } else {
                None
            }
        } else {
            None
        };
        match spans {
            Some(spans) if spans.iter().any(|s| s.op != SpanOp::Equal) => {
                self.stats.blocks_changed += 1;
                for span in &spans {
                    match span.op {
                        SpanOp::Equal => {}
                        SpanOp::Insert => self.stats.words_added += count_words(&span.text),
                        SpanOp::Delete => self.stats.words_removed += count_words(&span.text),
                    }
                }
                self.out.push(BlockDiff::Changed {
                    kind: new.kind,
                    spans,
                });
            }
            _ => {
                self.removed(old);
                self.added(new);
            }
        }
    }
}

/// Turns matched tokens into compact spans. In each gap between matches come the
/// deletions, then the insertions; matched tokens that differ (whitespace, which matches
/// any whitespace) are a deletion and an insertion.
fn spans(old: &[&str], new: &[&str], matches: &[(usize, usize)]) -> Vec<Span> {
    let mut raw: Vec<(SpanOp, &str)> = Vec::with_capacity(old.len().max(new.len()));
    let (mut oi, mut ni) = (0, 0);
    for &(i, j) in matches
        .iter()
        .chain(std::iter::once(&(old.len(), new.len())))
    {
        raw.extend(old[oi..i].iter().map(|t| (SpanOp::Delete, *t)));
        raw.extend(new[ni..j].iter().map(|t| (SpanOp::Insert, *t)));
        if i == old.len() {
            break;
        }
        if old[i] == new[j] {
            raw.push((SpanOp::Equal, old[i]));
        } else {
            raw.push((SpanOp::Delete, old[i]));
            raw.push((SpanOp::Insert, new[j]));
        }
        (oi, ni) = (i + 1, j + 1);
    }
    compact(&raw)
}

/// A run of equal text, or one change: what was deleted and what was inserted there.
enum Piece {
    Equal(String),
    Change { del: String, ins: String },
}

/// Turns token-level ops into compact spans:
///
/// - each run of changes becomes one `Delete` then one `Insert` span;
/// - whitespace that is equal but sits between two changes joins them, so that a
///   rewritten phrase reads `[-quickly fixes-]{+slowly repairs+}` rather than
///   `[-quickly-]{+slowly+} [-fixes-]{+repairs+}`;
/// - so does an equal word or two between two larger changes, so that a rewritten
///   sentence reads as one change and not as fragments around every `the`;
/// - whitespace common to the start or end of both sides of a change moves out into the
///   equal text.
fn compact(raw: &[(SpanOp, &str)]) -> Vec<Span> {
    let mut pieces: Vec<Piece> = Vec::new();
    for (k, &(op, text)) in raw.iter().enumerate() {
        let between_changes = op == SpanOp::Equal
            && is_space(text)
            && k > 0
            && raw[k - 1].0 != SpanOp::Equal
            && raw.get(k + 1).is_some_and(|next| next.0 != SpanOp::Equal);
        let (del, ins) = match op {
            SpanOp::Equal if !between_changes => {
                match pieces.last_mut() {
                    Some(Piece::Equal(equal)) => equal.push_str(text),
                    _ => pieces.push(Piece::Equal(text.to_owned())),
                }
                continue;
            }
            SpanOp::Equal => (text, text),
            SpanOp::Delete => (text, ""),
            SpanOp::Insert => ("", text),
        };
        match pieces.last_mut() {
            Some(Piece::Change { del: d, ins: i }) => {
                d.push_str(del);
                i.push_str(ins);
            }
            _ => pieces.push(Piece::Change {
                del: del.to_owned(),
                ins: ins.to_owned(),
            }),
        }
        absorb_small_equal(&mut pieces);
    }

    let mut spans: Vec<Span> = Vec::new();
    for piece in pieces {
        match piece {
            Piece::Equal(text) => push_span(&mut spans, SpanOp::Equal, &text),
            Piece::Change { del, ins } => {
                let (mut lead, mut trail) = (0, 0);
                if !del.is_empty() && !ins.is_empty() {
                    lead = common_space_prefix(&del, &ins);
                    trail = common_space_suffix(&del[lead..], &ins[lead..]);
                }
                push_span(&mut spans, SpanOp::Equal, &del[..lead]);
                push_span(&mut spans, SpanOp::Delete, &del[lead..del.len() - trail]);
                push_span(&mut spans, SpanOp::Insert, &ins[lead..ins.len() - trail]);
                push_span(&mut spans, SpanOp::Equal, &del[del.len() - trail..]);
            }
        }
    }
    spans
}

/// An equal run of at most this many words between two changes may join them.
const ABSORB_WORDS: usize = 2;

/// While the last pieces are a change, a short equal run and a change, and the run has
/// fewer words than either change (counting the larger side of each), merges the three
/// into one change. A single changed word on each side of an equal word stays as it is.
fn absorb_small_equal(pieces: &mut Vec<Piece>) {
    let size = |piece: &Piece| match piece {
        Piece::Change { del, ins } => count_words(del).max(count_words(ins)),
        Piece::Equal(_) => 0,
    };
    while let [.., Piece::Change { .. }, Piece::Equal(equal), right @ Piece::Change { .. }] =
        pieces.as_slice()
    {
        let (left, words) = (&pieces[pieces.len() - 3], count_words(equal));
        if words > ABSORB_WORDS || words >= size(left).min(size(right)) {
            return;
        }
        let (Some(Piece::Change { del: rd, ins: ri }), Some(Piece::Equal(equal))) =
            (pieces.pop(), pieces.pop())
        else {
            unreachable!("matched above");
        };
        if let Some(Piece::Change { del, ins }) = pieces.last_mut() {
            del.push_str(&equal);
            del.push_str(&rd);
            ins.push_str(&equal);
            ins.push_str(&ri);
        }
    }
}

fn push_span(spans: &mut Vec<Span>, op: SpanOp, text: &str) {
    if text.is_empty() {
        return;
    }
    match spans.last_mut() {
        Some(last) if last.op == op => last.text.push_str(text),
        _ => spans.push(Span::new(op, text)),
    }
}

/// Byte length of the longest common prefix of `a` and `b` made only of whitespace.
fn common_space_prefix(a: &str, b: &str) -> usize {
    a.chars()
        .zip(b.chars())
        .take_while(|(x, y)| x == y && x.is_whitespace())
        .map(|(x, _)| x.len_utf8())
        .sum()
}

/// Byte length of the longest common suffix of `a` and `b` made only of whitespace.
fn common_space_suffix(a: &str, b: &str) -> usize {
    a.chars()
        .rev()
        .zip(b.chars().rev())
        .take_while(|(x, y)| x == y && x.is_whitespace())
        .map(|(x, _)| x.len_utf8())
        .sum()
}

fn is_space(text: &str) -> bool {
    text.chars().all(char::is_whitespace)
}

/// Whitespace compares equal to any whitespace, so that a re-wrapped line or a doubled
/// space does not disturb the alignment of the words around it.
fn word_key(token: &str) -> &str {
    if is_space(token) {
        " "
    } else {
        token
    }
}

/// Splits text into Unicode words (UAX #29: `don't`, `déjà`, `ŵyr` and an emoji
/// sequence are one token each; punctuation is a token of its own) and runs of
/// whitespace. The tokens concatenate back to the text.
///
/// Runs of non-whitespace that are all ASCII take a fast path that applies the same
/// UAX #29 rules; the others go to `unicode-segmentation` (through `similar`).
pub(crate) fn word_tokens<'t>(text: &'t str) -> Vec<&'t str> {
    let mut out = Vec::with_capacity(text.len() / 3);
    let mut emit = |chunk: &'t str, space: bool| {
        if space {
            out.push(chunk);
        } else if chunk.is_ascii() {
            ascii_words(chunk, &mut out);
        } else {
            out.extend(chunk.tokenize_unicode_words());
        }
    };
    let mut start = 0;
    let mut in_space = None;
    for (i, c) in text.char_indices() {
        let space = c.is_whitespace();
        if in_space != Some(space) {
            if let Some(was_space) = in_space {
                emit(&text[start..i], was_space);
            }
            (start, in_space) = (i, Some(space));
        }
    }
    if let Some(was_space) = in_space {
        emit(&text[start..], was_space);
    }
    out
}

/// UAX #29 word segmentation of ASCII text without whitespace: letters, digits and `_`
/// join; `'`, `.` and `:` join two letters; `'`, `.`, `,` and `;` join two digits;
/// anything else is a token of its own.
fn ascii_words<'t>(chunk: &'t str, out: &mut Vec<&'t str>) {
    let is_word = |b: u8| b.is_ascii_alphanumeric() || b == b'_';
    let bytes = chunk.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let start = i;
        i += 1;
        if is_word(bytes[start]) {
            loop {
                while i < bytes.len() && is_word(bytes[i]) {
                    i += 1;
                }
                if i + 1 < bytes.len() {
                    let (prev, mid, next) = (bytes[i - 1], bytes[i], bytes[i + 1]);
                    let letters = prev.is_ascii_alphabetic()
                        && next.is_ascii_alphabetic()
                        && matches!(mid, b'\'' | b'.' | b':');
                    let digits = prev.is_ascii_digit()
                        && next.is_ascii_digit()
                        && matches!(mid, b'\'' | b'.' | b',' | b';');
                    if letters || digits {
                        i += 2;
                        continue;
                    }
                }
                break;
            }
        }
        out.push(&chunk[start..i]);
    }
}

fn count_words(text: &str) -> usize {
    text.split_whitespace().count()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn eq(text: &str) -> Span {
        Span::new(SpanOp::Equal, text)
    }
    fn ins(text: &str) -> Span {
        Span::new(SpanOp::Insert, text)
    }
    fn del(text: &str) -> Span {
        Span::new(SpanOp::Delete, text)
    }
    fn unchanged(kind: BlockKind, text: &str) -> BlockDiff {
        BlockDiff::Unchanged {
            kind,
            text: text.to_owned(),
        }
    }
    fn added(kind: BlockKind, text: &str) -> BlockDiff {
        BlockDiff::Added {
            kind,
            text: text.to_owned(),
        }
    }
    fn removed(kind: BlockKind, text: &str) -> BlockDiff {
        BlockDiff::Removed {
            kind,
            text: text.to_owned(),
        }
    }
    fn changed(kind: BlockKind, spans: Vec<Span>) -> BlockDiff {
        BlockDiff::Changed { kind, spans }
    }
    use BlockKind::{Heading, ListItem, Paragraph};

    /// Checks that the diff rebuilds both block-normalised texts, and returns it.
    fn checked(old: &str, new: &str, opts: &DiffOptions) -> ProseDiff {
        let d = diff_with(old, new, opts);
        let normalised = |s: &str| {
            blocks(s)
                .into_iter()
                .map(|b| b.text)
                .collect::<Vec<_>>()
                .join("\n\n")
        };
        assert_eq!(d.old_text(), normalised(old), "old side of {d:#?}");
        assert_eq!(d.new_text(), normalised(new), "new side of {d:#?}");
        d
    }

    fn check(old: &str, new: &str) -> ProseDiff {
        let opts = DiffOptions {
            timeout: None,
            ..DiffOptions::default()
        };
        let d = checked(old, new, &opts);
        assert!(!d.coarse, "{d:#?}");
        d
    }

    const DOC: &str =
        "# Roads\n\nThe council fixes potholes quickly.\n\nReport them online.\n\n- one\n- two\n";

    #[test]
    fn identical_texts_are_empty() {
        let d = check(DOC, DOC);
        assert!(d.is_empty());
        assert_eq!(d.stats, DiffStats::default());
        assert_eq!(d.blocks.len(), 5);
        // Blank lines between blocks are not compared.
        assert!(check(DOC, &DOC.replace("\n\n", "\n\n\n")).is_empty());
    }

    #[test]
    fn one_word_changed_is_one_changed_block_with_exact_spans() {
        let new = DOC.replace("fixes", "repairs");
        let d = check(DOC, &new);
        assert_eq!(
            d.blocks,
            [
                unchanged(Heading, "# Roads"),
                changed(
                    Paragraph,
                    vec![
                        eq("The council "),
                        del("fixes"),
                        ins("repairs"),
                        eq(" potholes quickly."),
                    ]
                ),
                unchanged(Paragraph, "Report them online."),
                unchanged(ListItem, "- one"),
                unchanged(ListItem, "- two"),
            ]
        );
        assert_eq!(
            d.stats,
            DiffStats {
                words_added: 1,
                words_removed: 1,
                blocks_changed: 1,
                ..DiffStats::default()
            }
        );
        assert!(!d.is_empty());
    }

    #[test]
    fn paragraph_added_in_the_middle() {
        let new = DOC.replace("Report", "Potholes cost money.\n\nReport");
        let d = check(DOC, &new);
        assert_eq!(
            d.blocks,
            [
                unchanged(Heading, "# Roads"),
                unchanged(Paragraph, "The council fixes potholes quickly."),
                added(Paragraph, "Potholes cost money."),
                unchanged(Paragraph, "Report them online."),
                unchanged(ListItem, "- one"),
                unchanged(ListItem, "- two"),
            ]
        );
        assert_eq!(d.stats.blocks_added, 1);
        assert_eq!(d.stats.words_added, 3);
        assert_eq!(d.stats.blocks_changed + d.stats.blocks_removed, 0);
    }

    #[test]
    fn paragraph_removed() {
        let new = DOC.replace("Report them online.\n\n", "");
        let d = check(DOC, &new);
        assert_eq!(d.blocks[2], removed(Paragraph, "Report them online."));
        assert_eq!(
            d.blocks
                .iter()
                .filter(|b| !matches!(b, BlockDiff::Unchanged { .. }))
                .count(),
            1
        );
        assert_eq!(d.stats.words_removed, 3);
    }

    #[test]
    fn paragraph_moved_is_removed_and_added() {
        let old = "First.\n\nSecond one.\n\nThird one.\n\nFourth.\n";
        let new = "First.\n\nThird one.\n\nSecond one.\n\nFourth.\n";
        let d = check(old, new);
        assert_eq!(d.blocks.len(), 5);
        assert_eq!(d.blocks[0], unchanged(Paragraph, "First."));
        assert_eq!(d.blocks[4], unchanged(Paragraph, "Fourth."));
        let moved: Vec<_> = d.blocks[1..4]
            .iter()
            .filter(|b| !matches!(b, BlockDiff::Unchanged { .. }))
            .collect();
        assert_eq!(moved.len(), 2, "{d:#?}");
        assert_eq!(d.stats.blocks_added, 1);
        assert_eq!(d.stats.blocks_removed, 1);
        assert_eq!(d.stats.blocks_changed, 0);
    }

    #[test]
    fn list_item_edited() {
        let new = DOC.replace("- two", "- two more");
        let d = check(DOC, &new);
        assert_eq!(d.blocks[3], unchanged(ListItem, "- one"));
        assert_eq!(
            d.blocks[4],
            changed(ListItem, vec![eq("- two"), ins(" more")])
        );
    }

    #[test]
    fn nested_list_item_edited_shows_in_its_top_level_item() {
        let old = "- a\n- b\n  - b1\n  - b2\n- c\n";
        let new = "- a\n- b\n  - b1\n  - b2 changed\n- c\n";
        let d = check(old, new);
        assert_eq!(
            d.blocks[1],
            changed(ListItem, vec![eq("- b\n  - b1\n  - b2"), ins(" changed")])
        );
        assert_eq!(d.stats.blocks_changed, 1);
    }

    #[test]
    fn heading_edited() {
        let new = DOC.replace("# Roads", "# Streets");
        let d = check(DOC, &new);
        assert_eq!(
            d.blocks[0],
            changed(Heading, vec![eq("# "), del("Roads"), ins("Streets")])
        );
    }

    #[test]
    fn several_changes_in_one_region_are_paired_in_order() {
        let old =
            "# T\n\nThe council fixes potholes quickly.\n\nReport them online today.\n\nEnd.\n";
        let new = "# T\n\nThe council repairs potholes quickly.\n\nSomething entirely new.\n\nReport them online tomorrow.\n\nEnd.\n";
        let d = check(old, new);
        assert_eq!(
            d.blocks,
            [
                unchanged(Heading, "# T"),
                changed(
                    Paragraph,
                    vec![
                        eq("The council "),
                        del("fixes"),
                        ins("repairs"),
                        eq(" potholes quickly."),
                    ]
                ),
                added(Paragraph, "Something entirely new."),
                changed(
                    Paragraph,
                    vec![
                        eq("Report them online "),
                        del("today"),
                        ins("tomorrow"),
                        eq("."),
                    ]
                ),
                unchanged(Paragraph, "End."),
            ]
        );
    }

    #[test]
    fn dissimilar_blocks_in_a_region_are_not_paired() {
        let old = "Start.\n\nAlpha beta gamma delta.\n\nEpsilon zeta eta theta.\n\nEnd.\n";
        let new = "Start.\n\nOne two three four.\n\nEnd.\n";
        let d = check(old, new);
        assert_eq!(d.stats.blocks_changed, 0, "{d:#?}");
        assert_eq!(d.stats.blocks_removed, 2);
        assert_eq!(d.stats.blocks_added, 1);
    }

    #[test]
    fn a_lone_replaced_block_of_the_same_kind_is_changed() {
        let d = check("A.\n\nYes.\n\nB.\n", "A.\n\nNo.\n\nB.\n");
        assert_eq!(
            d.blocks[1],
            changed(Paragraph, vec![del("Yes"), ins("No"), eq(".")])
        );
    }

    #[test]
    fn paragraph_turned_into_list_item_is_changed() {
        let d = check(
            "Fix the potholes on Main Street.\n",
            "- Fix the potholes on Main Street.\n",
        );
        assert_eq!(
            d.blocks,
            [changed(
                ListItem,
                vec![ins("- "), eq("Fix the potholes on Main Street.")]
            )]
        );
    }

    #[test]
    fn rewritten_phrase_is_one_delete_and_one_insert() {
        let d = check(
            "We quickly fix big holes here.",
            "We slowly repair small holes here.",
        );
        assert_eq!(
            d.blocks,
            [changed(
                Paragraph,
                vec![
                    eq("We "),
                    del("quickly fix big"),
                    ins("slowly repair small"),
                    eq(" holes here."),
                ]
            )]
        );
        assert_eq!(d.stats.words_added, 3);
        assert_eq!(d.stats.words_removed, 3);
    }

    #[test]
    fn a_short_equal_run_between_larger_changes_joins_them() {
        let d = check(
            "Train staff, showing them the steps as they go.",
            "Train staff, and to do it safely: ask before acting for them, record that.",
        );
        assert_eq!(
            d.blocks,
            [changed(
                Paragraph,
                vec![
                    eq("Train staff, "),
                    del("showing them the steps as they go"),
                    ins("and to do it safely: ask before acting for them, record that"),
                    eq("."),
                ]
            )]
        );
    }

    #[test]
    fn single_word_changes_around_an_equal_word_stay_apart() {
        let d = check("We fix big roads.", "We mend big lanes.");
        assert_eq!(
            d.blocks,
            [changed(
                Paragraph,
                vec![
                    eq("We "),
                    del("fix"),
                    ins("mend"),
                    eq(" big "),
                    del("roads"),
                    ins("lanes"),
                    eq("."),
                ]
            )]
        );
    }

    #[test]
    fn punctuation_change_is_just_the_punctuation() {
        let d = check("Fix it now.", "Fix it now!");
        assert_eq!(
            d.blocks,
            [changed(
                Paragraph,
                vec![eq("Fix it now"), del("."), ins("!")]
            )]
        );
    }

    #[test]
    fn rewrapping_does_not_disturb_the_words() {
        let d = check(
            "The council fixes\npotholes quickly.",
            "The council\nfixes potholes quickly.",
        );
        assert_eq!(
            d.blocks,
            [changed(
                Paragraph,
                vec![
                    eq("The council"),
                    del(" "),
                    ins("\n"),
                    eq("fixes"),
                    del("\n"),
                    ins(" "),
                    eq("potholes quickly."),
                ]
            )]
        );
        assert_eq!(d.stats.words_added + d.stats.words_removed, 0);
    }

    #[test]
    fn whitespace_next_to_a_change_joins_the_change() {
        let d = check("fixes\npotholes", "repairs potholes");
        assert_eq!(
            d.blocks,
            [changed(
                Paragraph,
                vec![del("fixes\n"), ins("repairs "), eq("potholes")]
            )]
        );
    }

    #[test]
    fn crlf_input() {
        let old = "# Roads\r\n\r\nThe council fixes\r\npotholes quickly.\r\n\r\n- one\r\n";
        let new = old.replace("fixes", "repairs");
        let d = check(old, &new);
        assert_eq!(
            d.blocks,
            [
                unchanged(Heading, "# Roads"),
                changed(
                    Paragraph,
                    vec![
                        eq("The council "),
                        del("fixes"),
                        ins("repairs"),
                        eq("\r\npotholes quickly."),
                    ]
                ),
                unchanged(ListItem, "- one"),
            ]
        );

        // CRLF against LF: only line endings differ, and no words.
        let d = check(old, &old.replace("\r\n", "\n"));
        assert_eq!(
            d.blocks[1],
            changed(
                Paragraph,
                vec![
                    eq("The council fixes"),
                    del("\r"),
                    eq("\npotholes quickly."),
                ]
            )
        );
        assert_eq!(d.stats.words_added + d.stats.words_removed, 0);
    }

    #[test]
    fn empty_sides() {
        let d = check("", DOC);
        assert_eq!(d.blocks.len(), 5);
        assert!(d
            .blocks
            .iter()
            .all(|b| matches!(b, BlockDiff::Added { .. })));
        assert_eq!(d.stats.blocks_added, 5);
        assert_eq!(d.stats.words_added, 14);

        let d = check(DOC, "\n");
        assert!(d
            .blocks
            .iter()
            .all(|b| matches!(b, BlockDiff::Removed { .. })));
        assert_eq!(d.stats.blocks_removed, 5);

        let d = check("", "");
        assert!(d.is_empty());
        assert!(d.blocks.is_empty());
        assert_eq!(d.old_text(), "");
    }

    #[test]
    fn unicode_words() {
        let d = check(
            "Mae'r ŵyr yn y café gyda 🎉 heddiw.",
            "Mae'r ŵyres yn y café gyda 🎊 heddiw.",
        );
        assert_eq!(
            d.blocks,
            [changed(
                Paragraph,
                vec![
                    eq("Mae'r "),
                    del("ŵyr"),
                    ins("ŵyres"),
                    eq(" yn y café gyda "),
                    del("🎉"),
                    ins("🎊"),
                    eq(" heddiw."),
                ]
            )]
        );
        let d = check("Un café.", "Un cafe.");
        assert_eq!(
            d.blocks,
            [changed(
                Paragraph,
                vec![eq("Un "), del("café"), ins("cafe"), eq(".")]
            )]
        );
    }

    #[test]
    fn duplicate_blocks_align() {
        let old = "- TBD\n- TBD\n- TBD\n\n---\n\nMiddle.\n\n---\n\n- TBD\n";
        let new = "- TBD\n- TBD\n- done\n\n---\n\nMiddle.\n\n---\n\n- TBD\n";
        let d = check(old, new);
        assert_eq!(
            d.blocks
                .iter()
                .filter(|b| !matches!(b, BlockDiff::Unchanged { .. }))
                .count(),
            1,
            "{d:#?}"
        );
        assert_eq!(d.stats.blocks_changed, 1);
    }

    #[test]
    fn too_many_words_falls_back_to_lines() {
        let opts = DiffOptions {
            max_words: 3,
            ..DiffOptions::default()
        };
        let d = checked(
            "one two three\nfour five six\nseven",
            "one two three\nfour FIVE six\nseven",
            &opts,
        );
        assert!(d.coarse);
        assert_eq!(
            d.blocks,
            [changed(
                Paragraph,
                vec![
                    eq("one two three\n"),
                    del("four five six"),
                    ins("four FIVE six"),
                    eq("\nseven"),
                ]
            )]
        );
    }

    #[test]
    fn an_exhausted_budget_falls_back_to_whole_blocks() {
        let opts = DiffOptions {
            max_block_pairs_words: 0,
            ..DiffOptions::default()
        };
        let d = checked(DOC, &DOC.replace("fixes", "repairs"), &opts);
        assert!(d.coarse);
        assert_eq!(
            d.blocks[1],
            removed(Paragraph, "The council fixes potholes quickly.")
        );
        assert_eq!(
            d.blocks[2],
            added(Paragraph, "The council repairs potholes quickly.")
        );
        assert_eq!(d.stats.blocks_changed, 0);
        assert_eq!(d.stats.words_added, 5);
        // An unchanged document costs nothing.
        assert!(!checked(DOC, DOC, &opts).coarse);
    }

    #[test]
    fn too_many_blocks_still_aligns_but_does_not_pair() {
        let opts = DiffOptions {
            max_blocks: 4,
            ..DiffOptions::default()
        };
        let d = checked(DOC, &DOC.replace("fixes", "repairs"), &opts);
        assert!(d.coarse);
        assert_eq!(d.blocks.len(), 6);
        assert_eq!(d.stats.blocks_removed, 1);
        assert_eq!(d.stats.blocks_added, 1);
        assert_eq!(d.blocks[0], unchanged(Heading, "# Roads"));
    }

    #[test]
    fn greedy_pairing_of_a_large_region() {
        // More than MAX_PAIRING_CELLS cells: 120 x 120 edited paragraphs.
        let para = |i: usize, verb: &str| format!("Paragraph {i} says the council {verb} roads.");
        let old: Vec<String> = (0..120).map(|i| para(i, "fixes")).collect();
        let new: Vec<String> = (0..120).map(|i| para(i, "repairs")).collect();
        let d = check(&old.join("\n\n"), &new.join("\n\n"));
        assert_eq!(d.stats.blocks_changed, 120);
        assert_eq!(d.stats.words_added, 120);
        assert_eq!(d.stats.words_removed, 120);
    }

    #[test]
    fn json_shape() {
        let d = check("Fix it.", "Fix it now.");
        let json = serde_json::to_value(&d).expect("serialises");
        assert_eq!(
            json,
            serde_json::json!({
                "blocks": [{
                    "op": "changed",
                    "kind": "paragraph",
                    "spans": [
                        {"op": "equal", "text": "Fix it"},
                        {"op": "insert", "text": " now"},
                        {"op": "equal", "text": "."},
                    ],
                }],
                "stats": {
                    "words_added": 1,
                    "words_removed": 0,
                    "blocks_added": 0,
                    "blocks_removed": 0,
                    "blocks_changed": 1,
                },
                "coarse": false,
            })
        );
        let block = serde_json::to_value(&blocks("- item\n")[0]).expect("serialises");
        assert_eq!(
            block,
            serde_json::json!({"kind": "list_item", "text": "- item", "range": {"start": 0, "end": 6}})
        );
    }

    #[test]
    fn ascii_fast_path_matches_unicode_segmentation() {
        let alphabet = b"aZ09_ .:,;'-!x\n\t\"";
        let mut seed = 7u64;
        for _ in 0..3_000 {
            let mut text = String::new();
            for _ in 0..(seed % 16) {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                text.push(alphabet[(seed % alphabet.len() as u64) as usize] as char);
            }
            // unicode-segmentation, with whitespace runs merged as word_tokens does.
            let mut expected: Vec<String> = Vec::new();
            for token in text.as_str().tokenize_unicode_words() {
                match expected.last_mut() {
                    Some(last) if is_space(last) && is_space(token) => last.push_str(token),
                    _ => expected.push(token.to_owned()),
                }
            }
            assert_eq!(word_tokens(&text), expected, "{text:?}");
        }
    }

    #[test]
    fn word_tokens_concatenate_back() {
        for text in ["", "a", "  a  b\n\tc ", "don't stop—ever. 🎉🎉 ŵ\r\n"] {
            assert_eq!(word_tokens(text).concat(), text);
        }
        assert_eq!(
            word_tokens("don't  stop.\n"),
            ["don't", "  ", "stop", ".", "\n"]
        );
    }
}
