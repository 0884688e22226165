//! The Quire domain: a guidance resource kept as versioned Markdown in git, with proposals,
//! reviews, comments and editions stored beside it in the same repository.
//!
//! [`Library`] is the hub. It is the only type that touches git, and no git type appears in
//! its public signatures. Everything it returns is plain data from [`model`].
//!
//! ```no_run
//! use quire_core::{Identity, Library, NewProposal, SectionId};
//! # fn main() -> quire_core::Result<()> {
//! let lib = Library::open(std::path::Path::new("library.git"))?;
//! let me: Identity = "Priya Shah <priya@example.org>".parse()?;
//! let section = lib.section("assisted-digital", "main")?;
//! let p = lib.propose(&NewProposal {
//!     title: "Name a contact for people who cannot get online".into(),
//!     rationale: "Residents ask who to call.".into(),
//!     author: me,
//!     changes: vec![(SectionId::new("assisted-digital")?, section.text + "\nCall us.\n")],
//!     base: None,
//! })?;
//! println!("opened proposal {}", p.number);
//! # Ok(()) }
//! ```
//!
//! Invariants (see docs/ARCHITECTURE.md): every write ends in one compare-and-swap of one
//! ref; a crash between that and any follow-up ref update is completed by
//! [`Library::repair`]; bad input is refused before anything is written.

mod error;
pub mod events;
pub mod ids;
pub mod index;
mod journal;
pub mod layout;
mod library;
pub mod manifest;
pub mod model;
pub mod policy;
pub mod proposal_file;
pub mod stamp;

pub use error::{ConflictHunk, ConflictReport, Error, ErrorKind, Result, SectionConflict};
pub use ids::{EditionSlug, Identity, SectionId};
pub use library::{
    git_config_identity, Library, NewProposal, ProposalFilter, RedactProposal, RepairReport,
    ResourceFiles, SummaryGroup, MAIN_REF, REDACTED, REDACTED_RATIONALE, REDACTED_REVISION,
    REDACTED_TITLE,
};
pub use manifest::Manifest;
pub use model::*;
pub use policy::{Action, Audience};
pub use proposal_file::ProposalFile;
pub use quire_prose as prose;

/// Whether libgit2 checks the hash of every object it reads (on by default). A server may
/// turn it off, as git itself does for ordinary reads: corruption is then found by
/// `git fsck`, not on every page view. Process-wide.
pub fn verify_object_hashes(on: bool) {
    git2::opts::strict_hash_verification(on);
}

/// A commit or tag message in the form docs/FORMAT.md gives ("Commit messages and
/// trailers"): the subject on one line, the body if any, then one `Key: value` trailer per
/// line. For tools that write the format themselves, such as a fixture generator.
pub fn commit_message(subject: &str, body: &str, trailers: &[(&str, String)]) -> String {
    library::commit_message(subject, body, trailers)
}

/// The git object id the bytes would have as a blob (`git hash-object`): a key for
/// caches of values computed from text, which can never go stale.
pub fn blob_id(bytes: &[u8]) -> String {
    git2::Oid::hash_object(git2::ObjectType::Blob, bytes)
        .map(|o| o.to_string())
        .unwrap_or_default()
}
