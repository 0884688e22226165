//! Markdown blocks and prose-aware word diffs.
//!
//! This crate is the one place in Quire that parses Markdown: [`markdown_options`] owns
//! the pulldown-cmark options, [`blocks`] splits a document into its top-level blocks,
//! [`first_heading`] finds a section's title and [`to_html`] renders (unsanitised) HTML.
//!
//! Its other job is showing reviewers what a proposed edit changes, as words changed
//! inside paragraphs rather than as a line diff. [`diff`] works in three steps:
//!
//! 1. **Align blocks.** Both texts are split into [`blocks`] (each list item its own
//!    block) and the sequences of block texts are diffed with the patience algorithm, so
//!    identical blocks line up as [`BlockDiff::Unchanged`].
//! 2. **Pair replaced blocks.** Between two unchanged blocks, the old blocks that were
//!    replaced are paired in order with similar new blocks (most words in common, same
//!    kind preferred); a pair becomes one [`BlockDiff::Changed`], the rest
//!    [`BlockDiff::Removed`] and [`BlockDiff::Added`]. A moved block shows as removed in
//!    one place and added in the other.
//! 3. **Diff words.** Inside a pair, Unicode words, punctuation and runs of whitespace are
//!    diffed with the patience algorithm and merged into compact [`Span`]s: one
//!    `Delete` then one `Insert` per change, whitespace between two changes joining them.
//!
//! The diff is faithful: [`ProseDiff::old_text`] and [`ProseDiff::new_text`] rebuild both
//! texts, block-normalised (the blocks' texts joined by a blank line). Only the blank
//! lines between blocks are not compared. The work is bounded by [`DiffOptions`]: past a
//! limit the diff gets coarser (whole blocks, or lines of a huge block) and says so in
//! [`ProseDiff::coarse`].
//!
//! A diff renders as terminal text ([`render_text`], [`TextStyle`]), as an escaped HTML
//! fragment ([`render_html`]) or, through its `Serialize` impls, as JSON.
//!
//! ```
//! use quire_prose::{diff, render_text, BlockDiff, Span, SpanOp, TextStyle};
//!
//! let old = "# Roads\n\nThe council fixes potholes quickly.\n";
//! let new = "# Roads\n\nThe council repairs potholes quickly.\n\n- Report one online.\n";
//! let d = diff(old, new);
//!
//! let span = |op, text: &str| Span { op, text: text.to_string() };
//! assert!(matches!(d.blocks[0], BlockDiff::Unchanged { .. }));
//! assert!(matches!(&d.blocks[1], BlockDiff::Changed { spans, .. } if *spans == [
//!     span(SpanOp::Equal, "The council "),
//!     span(SpanOp::Delete, "fixes"),
//!     span(SpanOp::Insert, "repairs"),
//!     span(SpanOp::Equal, " potholes quickly."),
//! ]));
//! assert!(matches!(d.blocks[2], BlockDiff::Added { .. }));
//! // Whitespace-separated words: "repairs", then "-", "Report", "one", "online.".
//! assert_eq!(d.stats.words_added, 5);
//! assert_eq!(d.new_text(), "# Roads\n\nThe council repairs potholes quickly.\n\n- Report one online.");
//!
//! assert_eq!(
//!     render_text(&d, &TextStyle::PLAIN),
//!     "# Roads\n\nThe council [-fixes-]{+repairs+} potholes quickly.\n\n{+- Report one online.+}\n"
//! );
//! ```

mod diff;
mod markdown;
mod render;

pub use diff::{diff, diff_with, BlockDiff, DiffOptions, DiffStats, ProseDiff, Span, SpanOp};
pub use markdown::{blocks, first_heading, markdown_options, to_html, Block, BlockKind};
pub use render::{render_html, render_text, render_text_with_context, TextStyle, ELISION};
