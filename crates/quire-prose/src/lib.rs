//! Markdown blocks and prose-aware word diffs.
//!
//! This crate is the one place in Quire that parses Markdown: [`markdown_options`] owns
//! the pulldown-cmark options and [`parser`] reads a text with them (a byte order mark
//! dropped), [`blocks`] splits a document into its top-level blocks,
//! [`first_heading`] finds a section's title and [`to_html`] renders (unsanitised) HTML.
//! It is also the one home of rendering user-written Markdown for display: [`safe_html`]
//! (and the parts of it in [`safe`]) renders block by block and sanitises each block, for
//! the server's pages and the exported site alike; the print edition splits with the same
//! [`safe_blocks`].
//!
//! Its other job is showing reviewers what a proposed edit changes, as words changed
//! inside paragraphs rather than as a line diff. [`diff`] works in three steps:
//!
//! 1. **Align blocks.** Both texts are split into [`blocks`] (each list item its own
//!    block) and the sequences of block texts are aligned with a patience diff, so
//!    identical blocks line up as [`BlockDiff::Unchanged`].
//! 2. **Pair replaced blocks.** Between two unchanged blocks, the old blocks that were
//!    replaced are paired in order with similar new blocks (most words in common, same
//!    kind preferred); a pair becomes one [`BlockDiff::Changed`], the rest
//!    [`BlockDiff::Removed`] and [`BlockDiff::Added`]. A moved block shows as removed in
//!    one place and added in the other.
//! 3. **Diff words.** Inside a pair, Unicode words (UAX #29), punctuation and runs of
//!    whitespace are aligned with the same patience diff and merged into compact
//!    [`Span`]s: one `Delete` then one `Insert` per change, whitespace between two changes
//!    joining them. Whitespace matches any whitespace, so re-wrapping a line does not
//!    disturb the words around it.
//!
//! The patience diff anchors on items that occur once on each side and recurses into the
//! gaps between anchors, as git's does; only small gaps without such an anchor go to the
//! Myers algorithm of the `similar` crate. Unlike a plain Myers diff, whose cost grows with
//! the product of the lengths on reordered or rewritten text, every step here is charged
//! to a budget.
//!
//! The diff is faithful: [`ProseDiff::old_text`] and [`ProseDiff::new_text`] rebuild both
//! texts, block-normalised (the blocks' texts joined by a blank line). Only the blank
//! lines between blocks are not compared; line endings are (normalise CRLF before diffing
//! if it should not count). The work is bounded by [`DiffOptions`]: past a limit the diff
//! gets coarser (whole blocks, or the lines of a huge block) and says so in
//! [`ProseDiff::coarse`]. About 1 MB of Markdown diffs in tens of milliseconds at most in
//! a release build (`cargo run --release -p quire-prose --example bench`).
//!
//! A diff renders as terminal text ([`render_text`], [`TextStyle`]), as an escaped HTML
//! fragment ([`render_html`], or two columns with [`render_side_by_side`]) or, through its
//! `Serialize` impls, as JSON.
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

mod align;
mod diff;
mod escape;
mod markdown;
mod render;
pub mod safe;

pub use diff::{diff, diff_with, BlockDiff, DiffOptions, DiffStats, ProseDiff, Span, SpanOp};
pub use escape::{escape_html, escape_into, escape_xml};
pub use markdown::{
    blocks, first_heading, markdown_options, parser, plain_text, to_html, Block, BlockKind,
};
pub use render::{
    render_html, render_side_by_side, render_text, render_text_with_context, TextStyle, DIFF_CSS,
    ELISION,
};
pub use safe::{safe_blocks, safe_html};
