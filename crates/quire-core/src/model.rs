//! Plain data returned by the library. The proposal state is stored as JSON in git exactly
//! as [`Proposal`] serialises (see docs/FORMAT.md), and section comments as
//! [`SectionComments`]; both are checked on read (`Stored::check`). The JSON others see (the
//! API, the CLI's `--json`) is not these types' serde output but `quire_wire`'s.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::ids::{EditionSlug, Identity, SectionId};

/// A git commit id, as 40 lowercase hex digits.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct CommitId(pub String);

impl CommitId {
    /// The first 10 hex digits, for display.
    pub fn short(&self) -> &str {
        &self.0[..self.0.len().min(10)]
    }
}

impl fmt::Display for CommitId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Where a proposal stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Under discussion; can be revised, reviewed and merged.
    Open,
    /// Merged into `main`.
    Merged,
    /// Closed by a maintainer.
    Rejected,
    /// Closed by its author.
    Withdrawn,
}

impl Status {
    /// The status as a lowercase word.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Open => "open",
            Status::Merged => "merged",
            Status::Rejected => "rejected",
            Status::Withdrawn => "withdrawn",
        }
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for Status {
    type Err = crate::Error;
    fn from_str(s: &str) -> crate::Result<Status> {
        match s {
            "open" => Ok(Status::Open),
            "merged" => Ok(Status::Merged),
            "rejected" => Ok(Status::Rejected),
            "withdrawn" => Ok(Status::Withdrawn),
            other => Err(crate::Error::invalid(
                "status",
                format!(
                    "'{}' is not one of open, merged, rejected, withdrawn",
                    crate::ids::printable(other)
                ),
            )),
        }
    }
}

/// A reviewer's verdict on one revision.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// Good to merge.
    Approved,
    /// Needs another revision first.
    ChangesRequested,
}

impl Verdict {
    /// The verdict as words.
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Approved => "approved",
            Verdict::ChangesRequested => "changes requested",
        }
    }
}

/// The state of one proposal, as stored in `proposal.json` on its event log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Proposal {
    /// Format version of this record.
    pub version: u32,
    /// The proposal number, unique in the library.
    pub number: u64,
    /// One-line title.
    pub title: String,
    /// Who proposed it.
    pub author: Identity,
    /// Why the change helps.
    pub rationale: String,
    /// The sections it changes.
    pub sections: Vec<SectionId>,
    /// Where it stands.
    pub status: Status,
    /// When it was opened (RFC 3339).
    pub created: String,
    /// When it last changed (RFC 3339).
    pub updated: String,
    /// Every revision, oldest first; the last is the one that would be merged.
    pub revisions: Revisions,
    /// Reviews, oldest first.
    pub reviews: Vec<Review>,
    /// The discussion, oldest first.
    pub comments: Vec<Comment>,
    /// Set once merged.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub merged: Option<MergeInfo>,
    /// Set once rejected or withdrawn.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub closed: Option<CloseInfo>,
    /// Set when a maintainer hid the proposal from pages.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hidden: Option<Moderation>,
    /// Set when a maintainer redacted the title: it is then [`crate::REDACTED_TITLE`] in
    /// every event and revision commit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title_redacted: Option<Moderation>,
    /// Set when a maintainer redacted the rationale: it is then
    /// [`crate::REDACTED_RATIONALE`] everywhere.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rationale_redacted: Option<Moderation>,
}

impl Proposal {
    /// The format version this code writes in `proposal.json`.
    pub const VERSION: u32 = 1;

    /// A proposal as it is opened: its first revision, no reviews or comments yet, created
    /// and updated when that revision was made. The number is the caller's: the library
    /// allocates it as it writes the record.
    pub fn opened(
        number: u64,
        title: String,
        rationale: String,
        sections: Vec<SectionId>,
        first: Revision,
    ) -> Proposal {
        Proposal {
            version: Proposal::VERSION,
            number,
            title,
            author: first.author.clone(),
            rationale,
            sections,
            status: Status::Open,
            created: first.at.clone(),
            updated: first.at.clone(),
            revisions: Revisions::new(first),
            reviews: Vec::new(),
            comments: Vec::new(),
            merged: None,
            closed: None,
            hidden: None,
            title_redacted: None,
            rationale_redacted: None,
        }
    }

    /// The latest revision.
    pub fn latest(&self) -> &Revision {
        self.revisions.latest()
    }

    /// Revision `number`, or the latest where `None`; an error naming both numbers where
    /// the proposal has no such revision.
    pub fn revision_or_latest(&self, number: Option<u32>) -> crate::Result<&Revision> {
        match number {
            Some(r) => self.revision(r).ok_or(crate::Error::UnknownRevision {
                number: self.number,
                revision: r,
            }),
            None => Ok(self.latest()),
        }
    }

    /// A revision by number.
    pub fn revision(&self, number: u32) -> Option<&Revision> {
        self.revisions.iter().find(|r| r.number == number)
    }

    /// Reviews of the latest revision that still stand: each reviewer's last verdict.
    pub fn current_verdicts(&self) -> Vec<&Review> {
        let latest = self.latest().number;
        let mut out: Vec<&Review> = Vec::new();
        for r in self.reviews.iter().filter(|r| r.revision == latest) {
            out.retain(|o| o.reviewer.email != r.reviewer.email);
            out.push(r);
        }
        out
    }

    /// How the standing verdicts on the latest revision count under a library's review
    /// rules (see [`ReviewRules`]).
    pub fn approval_status(&self, rules: &ReviewRules) -> ApprovalStatus<'_> {
        let mut status = ApprovalStatus {
            counted: 0,
            needed: rules.required_approvals,
            not_counted: Vec::new(),
            changes_requested: false,
        };
        for r in self.current_verdicts() {
            match r.verdict {
                Verdict::ChangesRequested => status.changes_requested = true,
                Verdict::Approved
                    if !rules.author_approval_counts
                        && r.reviewer.email.eq_ignore_ascii_case(&self.author.email) =>
                {
                    status.not_counted.push(r);
                }
                Verdict::Approved => status.counted += 1,
            }
        }
        status
    }

    /// True if the latest revision has enough approvals under `rules` and nobody's standing
    /// verdict on it is "changes requested".
    pub fn is_approved(&self, rules: &ReviewRules) -> bool {
        self.approval_status(rules).is_approved()
    }
}

impl Stored for Proposal {
    fn check(&self) -> Result<(), String> {
        // (At least one revision is the type's own invariant: see [`Revisions`].)
        for (i, r) in self.revisions.iter().enumerate() {
            if u32::try_from(i + 1) != Ok(r.number) {
                return Err(format!(
                    "revision {} is listed where revision {} belongs: revisions are numbered 1, 2, 3, ... in order",
                    r.number,
                    i + 1
                ));
            }
        }
        let latest = self.latest().number;
        if let Some(r) = self
            .reviews
            .iter()
            .find(|r| r.revision == 0 || r.revision > latest)
        {
            return Err(format!(
                "a review is of revision {}, which the proposal does not have",
                r.revision
            ));
        }
        match (&self.merged, self.status) {
            (Some(m), Status::Merged) if m.revision == 0 || m.revision > latest => Err(format!(
                "it was merged at revision {}, which the proposal does not have",
                m.revision
            )),
            (None, Status::Merged) => Err("its status is merged but it has no merge record".into()),
            (Some(_), status) if status != Status::Merged => {
                Err(format!("it has a merge record but its status is {status}"))
            }
            _ => check_comment_ids(&self.comments),
        }
    }
}

/// Comment ids count up from 1 in the order the comments were made.
fn check_comment_ids(comments: &[Comment]) -> Result<(), String> {
    let mut last = 0;
    for c in comments {
        if c.id <= last {
            return Err(format!(
                "comment {} comes after comment {last}: comment ids go up from 1",
                c.id
            ));
        }
        last = c.id;
    }
    Ok(())
}

/// A record stored as JSON in git (`proposal.json`, `comments.json`): read back with
/// [`Stored::check`] after parsing, so a damaged or hand-edited file is refused on read
/// with the reason, never trusted until something panics on it later.
pub(crate) trait Stored {
    /// What is wrong with the record, if anything (lowercase, no full stop).
    fn check(&self) -> Result<(), String>;
}

/// A proposal's revisions, oldest first: never empty (a proposal is opened with its first
/// revision), so [`Revisions::latest`] always has an answer. Reading a `proposal.json`
/// whose `revisions` is empty fails.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Revisions(Vec<Revision>);

impl Revisions {
    /// The revisions of a proposal just opened.
    pub fn new(first: Revision) -> Revisions {
        Revisions(vec![first])
    }

    /// Adds a newer revision.
    pub fn push(&mut self, newer: Revision) {
        self.0.push(newer);
    }

    /// The newest revision.
    pub fn latest(&self) -> &Revision {
        self.0
            .last()
            .expect("Revisions holds at least one revision: `new` and `deserialize` see to it")
    }
}

impl std::ops::Deref for Revisions {
    type Target = [Revision];
    fn deref(&self) -> &[Revision] {
        &self.0
    }
}

impl<'a> IntoIterator for &'a Revisions {
    type Item = &'a Revision;
    type IntoIter = std::slice::Iter<'a, Revision>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}

impl Serialize for Revisions {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(s)
    }
}

impl<'de> Deserialize<'de> for Revisions {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Revisions, D::Error> {
        let list = Vec::<Revision>::deserialize(d)?;
        if list.is_empty() {
            return Err(serde::de::Error::custom(
                "`revisions` is empty: a proposal always has at least one revision",
            ));
        }
        Ok(Revisions(list))
    }
}

/// A library's review rules: how many approvals a revision needs before it can be merged,
/// and whether the proposer's own approval counts. Kept in the library's git config
/// (`quire.requiredApprovals`, `quire.authorApprovalCounts`; see docs/FORMAT.md).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReviewRules {
    /// Approvals needed (at least 1).
    pub required_approvals: u32,
    /// True if the proposer's own approval counts.
    pub author_approval_counts: bool,
}

impl Default for ReviewRules {
    /// One approval, and the proposer's own does not count.
    fn default() -> ReviewRules {
        ReviewRules {
            required_approvals: 1,
            author_approval_counts: false,
        }
    }
}

/// How a revision stands against the review rules.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApprovalStatus<'a> {
    /// Standing approvals that count.
    pub counted: u32,
    /// Approvals needed.
    pub needed: u32,
    /// Standing approvals that do not count (the proposer's own).
    pub not_counted: Vec<&'a Review>,
    /// True if someone's standing verdict is "changes requested".
    pub changes_requested: bool,
}

impl ApprovalStatus<'_> {
    /// Enough approvals and no change requested.
    pub fn is_approved(&self) -> bool {
        self.counted >= self.needed && !self.changes_requested
    }

    /// "Approvals: 1 of 2 needed".
    pub fn summary(&self) -> String {
        format!("Approvals: {} of {} needed", self.counted, self.needed)
    }
}

/// One revision: a commit on top of `base` that changes only the proposal's sections.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Revision {
    /// 1, 2, 3, ...
    pub number: u32,
    /// The revision commit.
    pub commit: CommitId,
    /// The commit it was made on (its parent).
    pub base: CommitId,
    /// Who made it.
    pub author: Identity,
    /// When (RFC 3339).
    pub at: String,
    /// What changed in this revision (empty for the first).
    #[serde(default)]
    pub note: String,
    /// How it was made.
    pub kind: RevisionKind,
    /// Set when a maintainer redacted this revision's words: its commit's tree is then its
    /// base's tree (the change is gone) and its note is [`crate::REDACTED_REVISION`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub redacted: Option<Moderation>,
}

/// How a revision came about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RevisionKind {
    /// The first revision.
    Opened,
    /// New text on the same base.
    Revised,
    /// Rebased onto a newer `main`.
    Updated,
}

/// A verdict on a revision.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Review {
    /// Who reviewed.
    pub reviewer: Identity,
    /// The verdict.
    pub verdict: Verdict,
    /// The revision reviewed.
    pub revision: u32,
    /// When (RFC 3339).
    pub at: String,
    /// An optional remark.
    #[serde(default)]
    pub comment: String,
}

/// A comment on a proposal or a section.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Comment {
    /// 1, 2, 3, ... within its proposal or section.
    pub id: u32,
    /// Who wrote it.
    pub author: Identity,
    /// When (RFC 3339).
    pub at: String,
    /// The text (Markdown).
    pub body: String,
    /// For proposal comments: the revision that was current.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revision: Option<u32>,
    /// Set when a maintainer hid the comment from pages.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hidden: Option<Moderation>,
    /// Set when a maintainer redacted the comment: its text is gone from every event.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub redacted: Option<Moderation>,
}

/// A maintainer's moderation decision: who, when, why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Moderation {
    /// The maintainer.
    pub by: Identity,
    /// When (RFC 3339).
    pub at: String,
    /// Why.
    pub reason: String,
}

/// What a comment belongs to.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", content = "id", rename_all = "snake_case")]
pub enum CommentTarget {
    /// A proposal's discussion.
    Proposal(u64),
    /// A section's comments.
    Section(SectionId),
}

/// How a proposal was merged.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MergeInfo {
    /// The merge commit on `main`.
    pub commit: CommitId,
    /// The maintainer who merged.
    pub by: Identity,
    /// When (RFC 3339).
    pub at: String,
    /// The revision merged.
    pub revision: u32,
}

/// How a proposal was closed without merging.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CloseInfo {
    /// Who closed it.
    pub by: Identity,
    /// When (RFC 3339).
    pub at: String,
    /// Why.
    pub reason: String,
}

/// The comments on one section, as stored in `comments.json` on its event log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SectionComments {
    /// Format version of this record.
    pub version: u32,
    /// The section.
    pub section: SectionId,
    /// Oldest first.
    pub comments: Vec<Comment>,
}

impl SectionComments {
    /// The format version this code writes in `comments.json`.
    pub const VERSION: u32 = 1;

    /// A section's comments before the first one is made.
    pub fn empty(section: SectionId) -> SectionComments {
        SectionComments {
            version: SectionComments::VERSION,
            section,
            comments: Vec::new(),
        }
    }
}

impl Stored for SectionComments {
    fn check(&self) -> Result<(), String> {
        check_comment_ids(&self.comments)
    }
}

/// One event of an event log, read back from its commit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    /// The event commit.
    pub commit: CommitId,
    /// `opened`, `revised`, `updated`, `commented`, `approved`, `changes-requested`,
    /// `merged`, `rejected`, `withdrawn`.
    pub kind: String,
    /// Who did it.
    pub actor: Identity,
    /// When (RFC 3339).
    pub at: String,
    /// The commit message's first line.
    pub summary: String,
    /// The commit message's body without trailers.
    pub body: String,
}

/// A section in a table of contents.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SectionSummary {
    /// Stable id.
    pub id: SectionId,
    /// Title from the section's first heading.
    pub title: String,
    /// The part it belongs to.
    pub part: String,
    /// 1-based position in reading order.
    pub position: usize,
}

/// A section's text at some revision.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Section {
    /// Stable id.
    pub id: SectionId,
    /// Title from the first heading.
    pub title: String,
    /// The part it belongs to.
    pub part: String,
    /// The full Markdown text.
    pub text: String,
}

/// The word diff of one section between two texts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SectionDiff {
    /// The section.
    pub section: SectionId,
    /// Its title (new side).
    pub title: String,
    /// The prose diff.
    pub diff: quire_prose::ProseDiff,
}

/// Whether a proposal's latest revision merges into `main` as it stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Mergeability {
    /// A 3-way merge with `main` is clean.
    Clean,
    /// It conflicts; it needs an update.
    Conflict {
        /// Details.
        report: crate::ConflictReport,
    },
    /// Not open, so the question does not arise.
    Closed,
}

/// A published edition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Edition {
    /// Its name in `refs/tags/edition/<slug>`.
    pub slug: EditionSlug,
    /// Its title.
    pub title: String,
    /// The day it was published (YYYY-MM-DD).
    pub date: String,
    /// The commit of `main` it froze.
    pub commit: CommitId,
    /// Who published it.
    pub publisher: Identity,
    /// Notes given at publishing.
    pub notes: String,
    /// The previous edition it was compared with, if any.
    pub previous: Option<EditionSlug>,
    /// The proposals merged since the previous edition.
    pub changes: Vec<ChangeEntry>,
}

/// A merged proposal, as listed in a changelog.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChangeEntry {
    /// The proposal number.
    pub proposal: u64,
    /// Its title.
    pub title: String,
    /// Its author, credited.
    pub author: Identity,
    /// Who merged it.
    pub merged_by: Identity,
    /// The merge commit.
    pub commit: CommitId,
    /// Sections it changed.
    pub sections: Vec<SectionId>,
}

/// A changelog entry as one audience may see it (see
/// [`Library::changes_for`](crate::Library::changes_for)).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShownChange {
    /// The entry, its title replaced where the proposal is hidden from the audience.
    pub entry: ChangeEntry,
    /// Whether a maintainer hid the proposal.
    pub hidden: bool,
}

/// A commit on `main`, as `quire log` shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogEntry {
    /// The commit.
    pub commit: CommitId,
    /// First line of the message.
    pub summary: String,
    /// Its author.
    pub author: Identity,
    /// Its committer.
    pub committer: Identity,
    /// When committed (RFC 3339).
    pub at: String,
    /// The proposal it merged, if any.
    pub proposal: Option<u64>,
}

/// How the shape of the resource differs between two revisions: what its manifest
/// (`resource.toml`) and its section titles say, as opposed to the words of its sections.
///
/// Built by [`Library::compare_structure`](crate::Library::compare_structure). Sections are
/// matched by their stable id, so a section whose title changed is *renamed*, not removed
/// and added. Positions are 1-based: a section's position is its place in reading order
/// across the whole resource (as in [`SectionSummary`]), a part's its place among the parts.
///
/// A section counts as **moved** only when its order relative to the other sections changed
/// (it is not on a longest common subsequence of the two id orders, taken over the
/// sections present on both sides) or when it now belongs to another part. A section that
/// merely shifted because another was added, removed or moved before it is not moved.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StructureDiff {
    /// The resource's title, if it changed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<TitleChange>,
    /// The resource's subtitle, if it changed (either side may have none).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subtitle: Option<SubtitleChange>,
    /// Parts only the newer side has, in its order.
    pub parts_added: Vec<PartPlace>,
    /// Parts only the older side has, in its order.
    pub parts_removed: Vec<PartPlace>,
    /// Parts whose title changed (same id), in the newer side's order.
    pub parts_renamed: Vec<Renamed>,
    /// Parts whose order relative to the other parts changed, in the newer side's order.
    pub parts_moved: Vec<PartMove>,
    /// Sections only the newer side has, in its reading order.
    pub sections_added: Vec<SectionSummary>,
    /// Sections only the older side has, in its reading order.
    pub sections_removed: Vec<SectionSummary>,
    /// Sections whose title changed (same id), in the newer side's reading order.
    pub sections_renamed: Vec<Renamed>,
    /// Sections that were reordered or moved to another part, in the newer side's
    /// reading order.
    pub sections_moved: Vec<SectionMove>,
}

impl StructureDiff {
    /// True if the two sides have the same title, parts and sections in the same order
    /// under the same titles.
    pub fn is_empty(&self) -> bool {
        self == &StructureDiff::default()
    }
}

/// A title that changed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TitleChange {
    /// On the older side.
    pub old: String,
    /// On the newer side.
    pub new: String,
}

/// A subtitle that changed, appeared or went away.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubtitleChange {
    /// On the older side.
    pub old: Option<String>,
    /// On the newer side.
    pub new: Option<String>,
}

/// A part and where it stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PartPlace {
    /// The part's slug.
    pub id: String,
    /// Its heading.
    pub title: String,
    /// 1-based place among the parts.
    pub position: usize,
}

/// A part or section whose title changed while its id stayed the same.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Renamed {
    /// The stable id (a section id or a part slug).
    pub id: String,
    /// The title on the older side.
    pub old_title: String,
    /// The title on the newer side.
    pub new_title: String,
}

/// A part that was reordered among the parts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PartMove {
    /// The part's slug.
    pub id: String,
    /// Its heading on the newer side.
    pub title: String,
    /// 1-based place among the parts on the older side.
    pub old_position: usize,
    /// 1-based place among the parts on the newer side.
    pub new_position: usize,
}

/// A section that was reordered or moved to another part.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SectionMove {
    /// The section.
    pub id: SectionId,
    /// Its title on the newer side.
    pub title: String,
    /// The part it was in.
    pub old_part: String,
    /// Its 1-based place in reading order on the older side.
    pub old_position: usize,
    /// The part it is in now.
    pub new_part: String,
    /// Its 1-based place in reading order on the newer side.
    pub new_position: usize,
}

/// Everything that differs between two revisions: the structure, then the words of each
/// section whose text changed (see [`Library::comparison`](crate::Library::comparison)).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Comparison {
    /// Sections and parts added, removed, renamed or moved; title changes.
    pub structure: StructureDiff,
    /// The word diff of every section whose text differs, in the newer side's order.
    pub sections: Vec<SectionDiff>,
}
