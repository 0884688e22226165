//! Where everything lives in a library's git repository: every ref name Quire reads or
//! writes, every file Quire keeps in the git directory, and the names of the files inside
//! its commits. They are named here and nowhere else; FORMAT.md describes them for people.
//!
//! Other crates never build these names or read these files themselves: they ask the
//! [`Library`](crate::Library), or take a [`crate::stamp`] for their caches.

/// The branch holding the draft of the next edition.
pub const MAIN_REF: &str = "refs/heads/main";

/// The namespace of the proposals' refs.
pub const PROPOSALS: &str = "refs/proposals/";
/// Every proposal's event log.
pub(crate) const PROPOSAL_LOGS_GLOB: &str = "refs/proposals/*/meta";
/// Every ref of every proposal (logs and revisions).
pub(crate) const PROPOSAL_REFS_GLOB: &str = "refs/proposals/*";
/// The namespace of the edition tags.
const EDITIONS: &str = "refs/tags/edition/";
/// Every edition tag.
pub(crate) const EDITIONS_GLOB: &str = "refs/tags/edition/*";
/// The namespace of the sections' comment logs.
const COMMENTS: &str = "refs/comments/";

/// Proposal `n`'s event log.
pub fn proposal_log_ref(n: u64) -> String {
    format!("{PROPOSALS}{n}/meta")
}

/// Revision `r` of proposal `n`.
pub fn proposal_revision_ref(n: u64, r: u32) -> String {
    format!("{PROPOSALS}{n}/{r}")
}

/// The comment log of the section `section` (a valid [`crate::SectionId`]).
pub fn comments_ref(section: &crate::SectionId) -> String {
    format!("{COMMENTS}{section}")
}

/// The tag of the edition `slug` (a valid [`crate::EditionSlug`]).
pub fn edition_ref(slug: &crate::EditionSlug) -> String {
    format!("{EDITIONS}{slug}")
}

/// What a ref name under `refs/proposals/` is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProposalRef {
    /// Proposal `n`'s event log.
    Log(u64),
    /// Revision `r` of proposal `n`.
    Revision(u64, u32),
}

/// Reads a proposal ref's name; `None` for any other name.
pub fn parse_proposal_ref(name: &str) -> Option<ProposalRef> {
    let (n, rest) = name.strip_prefix(PROPOSALS)?.split_once('/')?;
    let n = n.parse::<u64>().ok()?;
    match rest {
        "meta" => Some(ProposalRef::Log(n)),
        r => r.parse::<u32>().ok().map(|r| ProposalRef::Revision(n, r)),
    }
}

/// The proposal number of an event-log ref's name; `None` for any other name.
pub fn parse_proposal_log_ref(name: &str) -> Option<u64> {
    match parse_proposal_ref(name)? {
        ProposalRef::Log(n) => Some(n),
        ProposalRef::Revision(..) => None,
    }
}

/// The slug in an edition tag's name; `None` for any other name.
pub fn parse_edition_ref(name: &str) -> Option<&str> {
    name.strip_prefix(EDITIONS)
}

/// The section id in a comment log's name; `None` for any other name.
pub fn parse_comments_ref(name: &str) -> Option<&str> {
    name.strip_prefix(COMMENTS)
}

/// The change journal, in the git directory (see [`crate::journal`]).
pub(crate) const JOURNAL: &str = "quire-journal";
/// Where the journal is moved when it grows too long.
pub(crate) const JOURNAL_OLD: &str = "quire-journal.old";
/// The saved proposal index, in the git directory (see [`crate::index`]).
pub const SAVED_INDEX: &str = "quire-index";
/// Where the repair pass keeps its place, in the git directory.
pub(crate) const REPAIR_CHECKPOINT: &str = "quire-repair";

/// The manifest, at the root of every commit on `main`.
pub const MANIFEST_PATH: &str = "resource.toml";
/// The folder of section files in every commit on `main` and every revision.
pub const SECTIONS_DIR: &str = "sections";

/// The name of section `id`'s file in the [`SECTIONS_DIR`] folder.
pub(crate) fn section_file_name(id: &str) -> String {
    format!("{id}.md")
}

/// The path of section `id`'s file in a commit.
pub fn section_path(id: &str) -> String {
    format!("{SECTIONS_DIR}/{}", section_file_name(id))
}

/// The section id of a section file's path in a commit; `None` for any other path.
pub fn parse_section_path(path: &str) -> Option<&str> {
    path.strip_prefix(SECTIONS_DIR)?
        .strip_prefix('/')?
        .strip_suffix(".md")
}
/// The proposal's state, in every commit of its event log.
pub const PROPOSAL_FILE: &str = "proposal.json";
/// A section's comments, in every commit of its comment log.
pub const COMMENTS_FILE: &str = "comments.json";

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn proposal_refs_are_read_back_as_written() {
        assert_eq!(
            parse_proposal_ref(&proposal_log_ref(12)),
            Some(ProposalRef::Log(12))
        );
        assert_eq!(
            parse_proposal_ref(&proposal_revision_ref(12, 3)),
            Some(ProposalRef::Revision(12, 3))
        );
        assert_eq!(parse_proposal_log_ref(&proposal_log_ref(7)), Some(7));
        assert_eq!(parse_proposal_log_ref(&proposal_revision_ref(7, 1)), None);
        for other in [
            "refs/proposals/x/meta",
            "refs/proposals/1/meta/extra",
            "refs/proposals/1/x",
            "refs/proposals/1",
            MAIN_REF,
            "refs/comments/usability",
        ] {
            assert_eq!(parse_proposal_ref(other), None, "{other}");
        }
        let slug = crate::EditionSlug::new("spring-2027").unwrap();
        assert_eq!(parse_edition_ref(&edition_ref(&slug)), Some("spring-2027"));
        let id = crate::SectionId::new("usability").unwrap();
        assert_eq!(parse_comments_ref(&comments_ref(&id)), Some("usability"));
        assert_eq!(parse_edition_ref(MAIN_REF), None);
    }
}
