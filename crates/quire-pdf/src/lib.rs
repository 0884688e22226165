//! The print edition: one PDF of a whole published edition, typeset with
//! [typst](https://typst.app) used as a library.
//!
//! [`render_edition_pdf`] reads an edition from a [`quire_core::Library`] and returns the
//! bytes of a PDF with a title page (resource title, edition title, date), a contents page
//! with page numbers, each part and section (headings, paragraphs, lists, emphasis, block
//! quotes, code, tables; links as their text with the address in a footnote) and the
//! edition's changelog (the proposals merged for it, with their authors).
//!
//! It works in two steps, each usable on its own:
//!
//! 1. [`edition_source`] turns an [`EditionText`] into typst markup. Every piece of text
//!    from the library goes through [`escape_text`] (markup) or [`string_literal`] (code), so
//!    no text can reach typst as markup or code; section Markdown is converted event by
//!    event ([`markdown_to_typst`]) from Quire's one Markdown parser
//!    ([`quire_prose::parser`]: the one set of options, the byte order mark dropped).
//! 2. [`typeset_pdf`] compiles that markup in a minimal [`typst::World`]: one main source,
//!    the fonts bundled with typst (`typst-assets`), and no files, packages, clock or
//!    network. Typesetting is deterministic: the same edition gives the same bytes.
//!
//! ```text
//! let lib = quire_core::Library::open(std::path::Path::new("library.git"))?;
//! let pdf = quire_pdf::render_edition_pdf(&lib, "spring-2027")?;
//! std::fs::write("spring-2027.pdf", pdf).expect("write the PDF");
//! ```
//!
//! (Text, not a doctest: each doctest would link typst. `tests/print.rs` makes editions
//! this way.)
//!
//! **Architecture invariant:** this crate reads the library only through the exports' one
//! loader of an edition for readers ([`quire_export::EditionData::load`]) and
//! `quire-core`'s public API; it knows nothing of git, terminals or HTTP, and never touches the file
//! system (the caller writes the bytes).

mod markup;
mod world;

pub use markup::{edition_source, escape_text, markdown_to_typst, string_literal};
pub use world::typeset_pdf;

use quire_core::{ChangeEntry, Library};

/// What can go wrong making a print edition.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Reading the edition from the library failed (unknown edition, storage).
    #[error(transparent)]
    Core(#[from] quire_core::Error),
    /// typst refused the generated markup. This is a bug in this crate: every text is
    /// escaped, so no input should cause it.
    #[error("typesetting the edition failed: {}", .0.join("; "))]
    Typeset(Vec<String>),
    /// typst laid the document out but could not write it as a PDF.
    #[error("writing the PDF failed: {}", .0.join("; "))]
    Pdf(Vec<String>),
    /// The exports' reading of the edition failed other than in the core (it writes no
    /// file, so this does not happen today).
    #[error(transparent)]
    Export(quire_export::Error),
}

impl From<quire_export::Error> for Error {
    /// A core error stays [`Error::Core`] (so callers map it as any other), whichever crate
    /// read the library.
    fn from(e: quire_export::Error) -> Error {
        match e {
            quire_export::Error::Core(e) => Error::Core(e),
            other => Error::Export(other),
        }
    }
}

/// The crate's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything a print edition shows, read from the library: plain data, so the markup can be
/// built and tested without a repository.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EditionText {
    /// The resource's title ("Digital Insights").
    pub resource_title: String,
    /// The resource's subtitle, if any.
    pub subtitle: Option<String>,
    /// The edition's slug (`spring-2027`).
    pub slug: String,
    /// The edition's title ("Spring 2027").
    pub title: String,
    /// The day it was published (YYYY-MM-DD).
    pub date: String,
    /// The notes given at publishing.
    pub notes: String,
    /// The parts in reading order, each with its sections.
    pub parts: Vec<PartText>,
    /// The proposals merged for this edition, oldest first.
    pub changes: Vec<ChangeEntry>,
}

/// One part and its sections.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PartText {
    /// The part's heading.
    pub title: String,
    /// Its sections in reading order.
    pub sections: Vec<SectionText>,
}

/// One section: its title and its Markdown (which starts with `# Title`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SectionText {
    /// The section's title.
    pub title: String,
    /// Its full Markdown text.
    pub markdown: String,
}

/// Reads an edition (by slug, with or without `edition/`) as it was published; `main` (or
/// `draft`) reads the working draft as a preview, dated by its latest commit, with what it
/// has gained since the latest edition as its changelog.
///
/// The reading is the exports' ([`quire_export::EditionData::load`], the one loader of an
/// edition for readers), so the print edition and the exported site of one edition name
/// it, its parts and its sections alike: the draft is `draft`, titled
/// [`quire_export::DRAFT_TITLE`]. Its changelog shows what an anonymous visitor may see.
pub fn edition_text(lib: &Library, edition: &str) -> Result<EditionText> {
    let data = quire_export::EditionData::load(lib, edition)?;
    let date = match &data.date {
        Some(d) => d.clone(),
        None => lib
            .log(1)?
            .first()
            .map(|e| e.at.chars().take(10).collect())
            .unwrap_or_default(),
    };
    let parts = data
        .parts
        .iter()
        .map(|part| PartText {
            title: part.title.clone(),
            sections: part
                .sections
                .iter()
                .map(|&i| SectionText {
                    title: data.sections[i].title.clone(),
                    markdown: data.sections[i].text.clone(),
                })
                .collect(),
        })
        .collect();
    Ok(EditionText {
        resource_title: data.resource_title,
        subtitle: data.subtitle,
        slug: data.slug,
        title: data.title,
        date,
        notes: data.notes,
        parts,
        changes: data.changes.into_iter().map(|c| c.entry).collect(),
    })
}

/// The print edition of `edition` (a slug, with or without `edition/`; or `main` for a
/// preview of the draft) as PDF bytes.
pub fn render_edition_pdf(lib: &Library, edition: &str) -> Result<Vec<u8>> {
    let text = edition_text(lib, edition)?;
    typeset_pdf(&edition_source(&text), &text.slug)
}
