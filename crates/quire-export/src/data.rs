//! Everything an export shows, read from the library once: the edition, its sections in
//! reading order, and what changed since the previous edition.
//!
//! [`EditionData::load`] is the one loader of "an edition for readers": the exports and the
//! print edition (`quire-pdf`) both read through it, so they agree on the draft's name
//! ([`quire_core::ids::DRAFT`]), the titles and the order of the sections.

use quire_core::ids::{names_draft, DRAFT};
use quire_core::prose::{self, ProseDiff};
use quire_core::{Audience, ChangeEntry, Library, SectionId};

use crate::Result;

/// What a changelog shows in place of the title of a proposal a maintainer hid (the
/// policy's, as everywhere).
pub use quire_core::policy::HIDDEN_TITLE;

/// The title of the draft (the core's, as on the server's pages).
pub use quire_core::ids::DRAFT_TITLE;

/// What an export or print edition of the draft says about it, in place of an edition's
/// notes.
pub const DRAFT_NOTES: &str =
    "Draft of the next edition: it changes as proposals are merged; not a published edition.";

/// An edition (or the draft) with everything the exports need.
#[derive(Debug, Clone)]
pub struct EditionData {
    /// The edition slug, or [`DRAFT`] (`draft`) for the draft.
    pub slug: String,
    /// The edition's title ([`DRAFT_TITLE`] for the draft).
    pub title: String,
    /// The publication day (YYYY-MM-DD); `None` for the draft.
    pub date: Option<String>,
    /// True when exporting `main` rather than a published edition.
    pub is_draft: bool,
    /// The publisher's notes.
    pub notes: String,
    /// The commit exported, 40 hex digits.
    pub commit: String,
    /// The resource's title ("Digital Insights").
    pub resource_title: String,
    /// The resource's subtitle.
    pub subtitle: Option<String>,
    /// The parts in reading order.
    pub parts: Vec<PartData>,
    /// Every section in reading order.
    pub sections: Vec<SectionData>,
    /// The edition this one is compared with.
    pub previous: Option<Previous>,
    /// The proposals merged since the previous edition, oldest first.
    pub changes: Vec<Change>,
    /// Sections whose text differs from the previous edition (including added and removed
    /// ones), in this edition's reading order, removed sections last.
    pub diffs: Vec<SectionChange>,
}

/// A part of the resource.
#[derive(Debug, Clone)]
pub struct PartData {
    /// Part slug.
    pub id: String,
    /// Part heading.
    pub title: String,
    /// Indexes into [`EditionData::sections`].
    pub sections: Vec<usize>,
}

/// One section's text.
#[derive(Debug, Clone)]
pub struct SectionData {
    /// Stable id (the file stem).
    pub id: SectionId,
    /// Title from the first heading.
    pub title: String,
    /// Part slug.
    pub part: String,
    /// The Markdown source.
    pub text: String,
}

/// The previous edition.
#[derive(Debug, Clone)]
pub struct Previous {
    /// Its slug.
    pub slug: String,
    /// Its title.
    pub title: String,
    /// Its date.
    pub date: String,
}

/// A merged proposal as the exports credit it.
#[derive(Debug, Clone)]
pub struct Change {
    /// The changelog entry from git.
    pub entry: ChangeEntry,
    /// The title to show ([`HIDDEN_TITLE`] for a hidden proposal).
    pub title: String,
    /// A maintainer hid the proposal.
    pub hidden: bool,
}

/// How one section changed since the previous edition.
#[derive(Debug, Clone)]
pub struct SectionChange {
    /// The section.
    pub id: SectionId,
    /// Its title (this edition's, or the old one for a removed section).
    pub title: String,
    /// Added, removed or changed.
    pub kind: ChangeKind,
    /// The word diff (against an empty text for added and removed sections).
    pub diff: ProseDiff,
}

/// What happened to a section.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChangeKind {
    /// New in this edition.
    Added,
    /// Gone from this edition.
    Removed,
    /// Text changed.
    Changed,
}

impl EditionData {
    /// Reads `edition` (a slug, with or without `edition/`, or `main`/`draft` for the
    /// working draft) from the library, every file from one commit.
    pub fn load(lib: &Library, edition: &str) -> Result<EditionData> {
        let edition = edition.trim();
        let is_draft = names_draft(edition);
        let (slug, title, date, notes, commit, previous, entries) = if is_draft {
            let commit = lib.main()?;
            let previous = lib.editions()?.pop();
            let entries = lib.changelog(None, None)?;
            (
                DRAFT.to_string(),
                DRAFT_TITLE.to_string(),
                None,
                DRAFT_NOTES.to_string(),
                commit,
                previous,
                entries,
            )
        } else {
            let e = lib.edition(edition)?;
            let previous = match &e.previous {
                Some(p) => Some(lib.edition(p.as_str())?),
                None => None,
            };
            (
                e.slug.to_string(),
                e.title,
                Some(e.date),
                e.notes,
                e.commit,
                previous,
                e.changes,
            )
        };
        let commit = commit.0;
        let at = commit.as_str();
        let manifest = lib.manifest(at)?;
        let mut sections = Vec::new();
        let mut parts = Vec::new();
        for part in &manifest.parts {
            let mut idx = Vec::new();
            for id in &part.sections {
                let s = lib.section(id.as_str(), at)?;
                idx.push(sections.len());
                sections.push(SectionData {
                    id: s.id,
                    title: s.title,
                    part: part.id.clone(),
                    text: s.text,
                });
            }
            parts.push(PartData {
                id: part.id.clone(),
                title: part.title.clone(),
                sections: idx,
            });
        }

        let mut diffs = Vec::new();
        if let Some(prev) = &previous {
            let old_manifest = lib.manifest(prev.slug.as_str())?;
            for s in &sections {
                if old_manifest.contains(&s.id) {
                    let old = lib.section(s.id.as_str(), prev.slug.as_str())?.text;
                    if old != s.text {
                        diffs.push(SectionChange {
                            id: s.id.clone(),
                            title: s.title.clone(),
                            kind: ChangeKind::Changed,
                            diff: prose::diff(&old, &s.text),
                        });
                    }
                } else {
                    diffs.push(SectionChange {
                        id: s.id.clone(),
                        title: s.title.clone(),
                        kind: ChangeKind::Added,
                        diff: prose::diff("", &s.text),
                    });
                }
            }
            for (_, id) in old_manifest.sections() {
                if !sections.iter().any(|s| &s.id == id) {
                    let old = lib.section(id.as_str(), prev.slug.as_str())?;
                    diffs.push(SectionChange {
                        id: id.clone(),
                        title: old.title,
                        kind: ChangeKind::Removed,
                        diff: prose::diff(&old.text, ""),
                    });
                }
            }
        }

        // An export is public: it shows what an anonymous visitor may see.
        let changes = lib
            .changes_for(&entries, &Audience::Anonymous)?
            .into_iter()
            .map(|shown| Change {
                title: shown.entry.title.clone(),
                entry: shown.entry,
                hidden: shown.hidden,
            })
            .collect();

        Ok(EditionData {
            slug,
            title,
            date,
            is_draft,
            notes,
            commit,
            resource_title: manifest.title.clone(),
            subtitle: manifest.subtitle.clone(),
            parts,
            sections,
            previous: previous.map(|p| Previous {
                slug: p.slug.to_string(),
                title: p.title,
                date: p.date,
            }),
            changes,
            diffs,
        })
    }

    /// What an export of this data depends on besides the commit's files: see
    /// [`crate::export_key`].
    pub fn key(&self) -> String {
        let hidden: Vec<u64> = self
            .changes
            .iter()
            .filter(|c| c.hidden)
            .map(|c| c.entry.proposal)
            .collect();
        key_text(&self.slug, &self.commit, &hidden)
    }

    /// The title of a part by slug.
    pub fn part_title<'a>(&'a self, id: &'a str) -> &'a str {
        self.parts
            .iter()
            .find(|p| p.id == id)
            .map_or(id, |p| p.title.as_str())
    }

    /// A section's title by id, if it is in this edition.
    pub fn section_title(&self, id: &SectionId) -> Option<&str> {
        self.sections
            .iter()
            .find(|s| &s.id == id)
            .map(|s| s.title.as_str())
    }

    /// The people whose proposals were merged, each with their proposals, sorted by name
    /// (case-insensitive). People are told apart by email; the name shown is the one on
    /// their first merged proposal.
    pub fn contributors(&self) -> Vec<Contributor<'_>> {
        let mut out: Vec<Contributor<'_>> = Vec::new();
        for c in &self.changes {
            match out
                .iter_mut()
                .find(|p| p.email == c.entry.author.email.as_str())
            {
                Some(p) => p.proposals.push(c),
                None => out.push(Contributor {
                    name: &c.entry.author.name,
                    email: &c.entry.author.email,
                    proposals: vec![c],
                }),
            }
        }
        out.sort_by(|a, b| {
            a.name
                .to_lowercase()
                .cmp(&b.name.to_lowercase())
                .then_with(|| a.email.cmp(b.email))
        });
        out
    }

    /// "Spring conference edition, 2027-03-01" or "Working draft".
    pub fn label(&self) -> String {
        match &self.date {
            Some(d) => format!("{}, {d}", self.title),
            None => self.title.clone(),
        }
    }
}

/// Someone whose proposals were merged into the edition.
#[derive(Debug, Clone)]
pub struct Contributor<'a> {
    /// Display name.
    pub name: &'a str,
    /// Email (used to tell people apart; never shown).
    pub email: &'a str,
    /// Their merged proposals, oldest first.
    pub proposals: Vec<&'a Change>,
}

fn is_hidden(lib: &Library, n: u64) -> Result<bool> {
    match lib.proposal(n) {
        Ok(p) => Ok(p.hidden.is_some()),
        Err(e) if e.is_not_found() => Ok(false),
        Err(e) => Err(e.into()),
    }
}

pub(crate) fn key_text(slug: &str, commit: &str, hidden: &[u64]) -> String {
    let hidden: Vec<String> = hidden.iter().map(u64::to_string).collect();
    format!(
        "edition {slug}\ncommit {commit}\nhidden {}\n",
        hidden.join(",")
    )
}

/// See [`crate::export_key`].
pub(crate) fn export_key(lib: &Library, edition: &str) -> Result<String> {
    let edition = edition.trim();
    let (slug, commit, entries) = if names_draft(edition) {
        (DRAFT.to_string(), lib.main()?, lib.changelog(None, None)?)
    } else {
        let e = lib.edition(edition)?;
        (e.slug.to_string(), e.commit, e.changes)
    };
    let commit = commit.0;
    let mut hidden = Vec::new();
    for c in &entries {
        if is_hidden(lib, c.proposal)? {
            hidden.push(c.proposal);
        }
    }
    Ok(key_text(&slug, &commit, &hidden))
}
