//! Version 1 of the JSON shapes. Field order is the order of the JSON output.

use quire_core as core;
use quire_prose as prose;
use serde::Serialize;

/// Someone who acted: `{"name", "email"}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Identity {
    pub name: String,
    pub email: String,
}

impl From<&core::Identity> for Identity {
    fn from(i: &core::Identity) -> Identity {
        Identity {
            name: i.name.clone(),
            email: i.email.clone(),
        }
    }
}

/// Where a proposal stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Open,
    Merged,
    Rejected,
    Withdrawn,
}

impl From<core::Status> for Status {
    fn from(s: core::Status) -> Status {
        match s {
            core::Status::Open => Status::Open,
            core::Status::Merged => Status::Merged,
            core::Status::Rejected => Status::Rejected,
            core::Status::Withdrawn => Status::Withdrawn,
        }
    }
}

/// A reviewer's verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    Approved,
    ChangesRequested,
}

impl From<core::Verdict> for Verdict {
    fn from(v: core::Verdict) -> Verdict {
        match v {
            core::Verdict::Approved => Verdict::Approved,
            core::Verdict::ChangesRequested => Verdict::ChangesRequested,
        }
    }
}

/// How a revision came about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RevisionKind {
    Opened,
    Revised,
    Updated,
}

impl From<core::RevisionKind> for RevisionKind {
    fn from(k: core::RevisionKind) -> RevisionKind {
        match k {
            core::RevisionKind::Opened => RevisionKind::Opened,
            core::RevisionKind::Revised => RevisionKind::Revised,
            core::RevisionKind::Updated => RevisionKind::Updated,
        }
    }
}

/// A maintainer's moderation decision.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Moderation {
    pub by: Identity,
    pub at: String,
    pub reason: String,
}

impl From<&core::Moderation> for Moderation {
    fn from(m: &core::Moderation) -> Moderation {
        Moderation {
            by: (&m.by).into(),
            at: m.at.clone(),
            reason: m.reason.clone(),
        }
    }
}

fn moderation(m: &Option<core::Moderation>) -> Option<Moderation> {
    m.as_ref().map(Moderation::from)
}

/// One revision of a proposal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Revision {
    pub number: u32,
    pub commit: String,
    pub base: String,
    pub author: Identity,
    pub at: String,
    pub note: String,
    pub kind: RevisionKind,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub redacted: Option<Moderation>,
}

impl From<&core::Revision> for Revision {
    fn from(r: &core::Revision) -> Revision {
        Revision {
            number: r.number,
            commit: r.commit.0.clone(),
            base: r.base.0.clone(),
            author: (&r.author).into(),
            at: r.at.clone(),
            note: r.note.clone(),
            kind: r.kind.into(),
            redacted: moderation(&r.redacted),
        }
    }
}

/// A verdict on a revision.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Review {
    pub reviewer: Identity,
    pub verdict: Verdict,
    pub revision: u32,
    pub at: String,
    pub comment: String,
}

impl From<&core::Review> for Review {
    fn from(r: &core::Review) -> Review {
        Review {
            reviewer: (&r.reviewer).into(),
            verdict: r.verdict.into(),
            revision: r.revision,
            at: r.at.clone(),
            comment: r.comment.clone(),
        }
    }
}

/// A comment on a proposal or a section.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Comment {
    pub id: u32,
    pub author: Identity,
    pub at: String,
    pub body: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub revision: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hidden: Option<Moderation>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub redacted: Option<Moderation>,
}

impl From<&core::Comment> for Comment {
    fn from(c: &core::Comment) -> Comment {
        Comment {
            id: c.id,
            author: (&c.author).into(),
            at: c.at.clone(),
            body: c.body.clone(),
            revision: c.revision,
            hidden: moderation(&c.hidden),
            redacted: moderation(&c.redacted),
        }
    }
}

/// How a proposal was merged.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MergeInfo {
    pub commit: String,
    pub by: Identity,
    pub at: String,
    pub revision: u32,
}

/// How a proposal was closed without merging.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CloseInfo {
    pub by: Identity,
    pub at: String,
    pub reason: String,
}

/// A proposal, whole.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Proposal {
    pub version: u32,
    pub number: u64,
    pub title: String,
    pub author: Identity,
    pub rationale: String,
    pub sections: Vec<String>,
    pub status: Status,
    pub created: String,
    pub updated: String,
    pub revisions: Vec<Revision>,
    pub reviews: Vec<Review>,
    pub comments: Vec<Comment>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub merged: Option<MergeInfo>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub closed: Option<CloseInfo>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hidden: Option<Moderation>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title_redacted: Option<Moderation>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rationale_redacted: Option<Moderation>,
}

fn ids(list: &[core::SectionId]) -> Vec<String> {
    list.iter().map(|s| s.as_str().to_string()).collect()
}

impl From<&core::Proposal> for Proposal {
    fn from(p: &core::Proposal) -> Proposal {
        Proposal {
            version: p.version,
            number: p.number,
            title: p.title.clone(),
            author: (&p.author).into(),
            rationale: p.rationale.clone(),
            sections: ids(&p.sections),
            status: p.status.into(),
            created: p.created.clone(),
            updated: p.updated.clone(),
            revisions: p.revisions.iter().map(Revision::from).collect(),
            reviews: p.reviews.iter().map(Review::from).collect(),
            comments: p.comments.iter().map(Comment::from).collect(),
            merged: p.merged.as_ref().map(|m| MergeInfo {
                commit: m.commit.0.clone(),
                by: (&m.by).into(),
                at: m.at.clone(),
                revision: m.revision,
            }),
            closed: p.closed.as_ref().map(|c| CloseInfo {
                by: (&c.by).into(),
                at: c.at.clone(),
                reason: c.reason.clone(),
            }),
            hidden: moderation(&p.hidden),
            title_redacted: moderation(&p.title_redacted),
            rationale_redacted: moderation(&p.rationale_redacted),
        }
    }
}

/// Why a proposal does not merge into `main` as it stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ConflictReport {
    pub number: u64,
    pub sections: Vec<SectionConflict>,
}

/// The conflicts inside one section file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SectionConflict {
    pub section: String,
    pub hunks: Vec<ConflictHunk>,
}

/// One conflicting region.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ConflictHunk {
    pub main: String,
    pub proposal: String,
}

impl From<&core::ConflictReport> for ConflictReport {
    fn from(r: &core::ConflictReport) -> ConflictReport {
        ConflictReport {
            number: r.number,
            sections: r
                .sections
                .iter()
                .map(|s| SectionConflict {
                    section: s.section.clone(),
                    hunks: s
                        .hunks
                        .iter()
                        .map(|h| ConflictHunk {
                            main: h.main.clone(),
                            proposal: h.proposal.clone(),
                        })
                        .collect(),
                })
                .collect(),
        }
    }
}

/// Whether a proposal's latest revision merges into `main`: `{"state": ...}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum Mergeability {
    Clean,
    Conflict { report: ConflictReport },
    Closed,
}

impl From<&core::Mergeability> for Mergeability {
    fn from(m: &core::Mergeability) -> Mergeability {
        match m {
            core::Mergeability::Clean => Mergeability::Clean,
            core::Mergeability::Conflict { report } => Mergeability::Conflict {
                report: report.into(),
            },
            core::Mergeability::Closed => Mergeability::Closed,
        }
    }
}

/// One event of a proposal's history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Event {
    pub commit: String,
    pub kind: String,
    pub actor: Identity,
    pub at: String,
    pub summary: String,
    pub body: String,
}

impl From<&core::Event> for Event {
    fn from(e: &core::Event) -> Event {
        Event {
            commit: e.commit.0.clone(),
            kind: e.kind.clone(),
            actor: (&e.actor).into(),
            at: e.at.clone(),
            summary: e.summary.clone(),
            body: e.body.clone(),
        }
    }
}

/// A proposal with what a reader wants beside it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ProposalDetail {
    pub proposal: Proposal,
    pub mergeability: Mergeability,
    pub history: Vec<Event>,
}

impl ProposalDetail {
    /// The detail of `p`, its mergeability and its history.
    pub fn new(p: &core::Proposal, m: &core::Mergeability, history: &[core::Event]) -> Self {
        ProposalDetail {
            proposal: p.into(),
            mergeability: m.into(),
            history: history.iter().map(Event::from).collect(),
        }
    }
}

/// A section in a table of contents.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SectionSummary {
    pub id: String,
    pub title: String,
    pub part: String,
    pub position: usize,
}

impl From<&core::SectionSummary> for SectionSummary {
    fn from(s: &core::SectionSummary) -> SectionSummary {
        SectionSummary {
            id: s.id.as_str().to_string(),
            title: s.title.clone(),
            part: s.part.clone(),
            position: s.position,
        }
    }
}

/// A section's text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Section {
    pub id: String,
    pub title: String,
    pub part: String,
    pub text: String,
}

impl From<&core::Section> for Section {
    fn from(s: &core::Section) -> Section {
        Section {
            id: s.id.as_str().to_string(),
            title: s.title.clone(),
            part: s.part.clone(),
            text: s.text.clone(),
        }
    }
}

/// The word diff of one section.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SectionDiff {
    pub section: String,
    pub title: String,
    pub diff: ProseDiff,
}

impl From<&core::SectionDiff> for SectionDiff {
    fn from(d: &core::SectionDiff) -> SectionDiff {
        SectionDiff {
            section: d.section.as_str().to_string(),
            title: d.title.clone(),
            diff: (&d.diff).into(),
        }
    }
}

/// A prose diff, block by block.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ProseDiff {
    pub blocks: Vec<BlockDiff>,
    pub stats: DiffStats,
    pub coarse: bool,
}

impl From<&prose::ProseDiff> for ProseDiff {
    fn from(d: &prose::ProseDiff) -> ProseDiff {
        ProseDiff {
            blocks: d.blocks.iter().map(BlockDiff::from).collect(),
            stats: DiffStats {
                words_added: d.stats.words_added,
                words_removed: d.stats.words_removed,
                blocks_added: d.stats.blocks_added,
                blocks_removed: d.stats.blocks_removed,
                blocks_changed: d.stats.blocks_changed,
            },
            coarse: d.coarse,
        }
    }
}

/// One block of a diff: `{"op": "unchanged" | "added" | "removed" | "changed", ...}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum BlockDiff {
    Unchanged { kind: BlockKind, text: String },
    Added { kind: BlockKind, text: String },
    Removed { kind: BlockKind, text: String },
    Changed { kind: BlockKind, spans: Vec<Span> },
}

impl From<&prose::BlockDiff> for BlockDiff {
    fn from(b: &prose::BlockDiff) -> BlockDiff {
        match b {
            prose::BlockDiff::Unchanged { kind, text } => BlockDiff::Unchanged {
                kind: (*kind).into(),
                text: text.clone(),
            },
            prose::BlockDiff::Added { kind, text } => BlockDiff::Added {
                kind: (*kind).into(),
                text: text.clone(),
            },
            prose::BlockDiff::Removed { kind, text } => BlockDiff::Removed {
                kind: (*kind).into(),
                text: text.clone(),
            },
            prose::BlockDiff::Changed { kind, spans } => BlockDiff::Changed {
                kind: (*kind).into(),
                spans: spans
                    .iter()
                    .map(|s| Span {
                        op: match s.op {
                            prose::SpanOp::Equal => SpanOp::Equal,
                            prose::SpanOp::Insert => SpanOp::Insert,
                            prose::SpanOp::Delete => SpanOp::Delete,
                        },
                        text: s.text.clone(),
                    })
                    .collect(),
            },
        }
    }
}

/// What a block is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum BlockKind {
    Heading,
    Paragraph,
    ListItem,
    BlockQuote,
    CodeBlock,
    Table,
    ThematicBreak,
    Html,
    Other,
}

impl From<prose::BlockKind> for BlockKind {
    fn from(k: prose::BlockKind) -> BlockKind {
        match k {
            prose::BlockKind::Heading => BlockKind::Heading,
            prose::BlockKind::Paragraph => BlockKind::Paragraph,
            prose::BlockKind::ListItem => BlockKind::ListItem,
            prose::BlockKind::BlockQuote => BlockKind::BlockQuote,
            prose::BlockKind::CodeBlock => BlockKind::CodeBlock,
            prose::BlockKind::Table => BlockKind::Table,
            prose::BlockKind::ThematicBreak => BlockKind::ThematicBreak,
            prose::BlockKind::Html => BlockKind::Html,
            prose::BlockKind::Other => BlockKind::Other,
        }
    }
}

/// A run of text inside a changed block.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Span {
    pub op: SpanOp,
    pub text: String,
}

/// What a span is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SpanOp {
    Equal,
    Insert,
    Delete,
}

/// Counts of what changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct DiffStats {
    pub words_added: usize,
    pub words_removed: usize,
    pub blocks_added: usize,
    pub blocks_removed: usize,
    pub blocks_changed: usize,
}

/// A merged proposal in a changelog.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ChangeEntry {
    pub proposal: u64,
    pub title: String,
    pub author: Identity,
    pub merged_by: Identity,
    pub commit: String,
    pub sections: Vec<String>,
}

impl From<&core::ChangeEntry> for ChangeEntry {
    fn from(c: &core::ChangeEntry) -> ChangeEntry {
        ChangeEntry {
            proposal: c.proposal,
            title: c.title.clone(),
            author: (&c.author).into(),
            merged_by: (&c.merged_by).into(),
            commit: c.commit.0.clone(),
            sections: ids(&c.sections),
        }
    }
}

/// A published edition.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Edition {
    pub slug: String,
    pub title: String,
    pub date: String,
    pub commit: String,
    pub publisher: Identity,
    pub notes: String,
    pub previous: Option<String>,
    pub changes: Vec<ChangeEntry>,
}

impl From<&core::Edition> for Edition {
    fn from(e: &core::Edition) -> Edition {
        Edition {
            slug: e.slug.as_str().to_string(),
            title: e.title.clone(),
            date: e.date.clone(),
            commit: e.commit.0.clone(),
            publisher: (&e.publisher).into(),
            notes: e.notes.clone(),
            previous: e.previous.as_ref().map(|s| s.as_str().to_string()),
            changes: e.changes.iter().map(ChangeEntry::from).collect(),
        }
    }
}

/// Converts a list.
pub fn list<'a, C: 'a, W: From<&'a C>>(items: impl IntoIterator<Item = &'a C>) -> Vec<W> {
    items.into_iter().map(W::from).collect()
}

/// A commit on `main` (`quire log --json`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LogEntry {
    pub commit: String,
    pub summary: String,
    pub author: Identity,
    pub committer: Identity,
    pub at: String,
    pub proposal: Option<u64>,
}

impl From<&core::LogEntry> for LogEntry {
    fn from(e: &core::LogEntry) -> LogEntry {
        LogEntry {
            commit: e.commit.0.clone(),
            summary: e.summary.clone(),
            author: (&e.author).into(),
            committer: (&e.committer).into(),
            at: e.at.clone(),
            proposal: e.proposal,
        }
    }
}

/// A library's review rules (`quire rules --json`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct ReviewRules {
    pub required_approvals: u32,
    pub author_approval_counts: bool,
}

impl From<&core::ReviewRules> for ReviewRules {
    fn from(r: &core::ReviewRules) -> ReviewRules {
        ReviewRules {
            required_approvals: r.required_approvals,
            author_approval_counts: r.author_approval_counts,
        }
    }
}

/// What a repair pass did (`quire repair --json`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct RepairReport {
    pub revision_refs: usize,
    pub merged_events: usize,
    pub stale_locks: usize,
    pub deferred: usize,
}

impl From<&core::RepairReport> for RepairReport {
    fn from(r: &core::RepairReport) -> RepairReport {
        RepairReport {
            revision_refs: r.revision_refs,
            merged_events: r.merged_events,
            stale_locks: r.stale_locks,
            deferred: r.deferred,
        }
    }
}

/// Everything that differs between two revisions (`quire compare --json`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Comparison {
    pub structure: StructureDiff,
    pub sections: Vec<SectionDiff>,
}

impl From<&core::Comparison> for Comparison {
    fn from(c: &core::Comparison) -> Comparison {
        let s = &c.structure;
        let part = |p: &core::PartPlace| PartPlace {
            id: p.id.clone(),
            title: p.title.clone(),
            position: p.position,
        };
        let renamed = |r: &core::Renamed| Renamed {
            id: r.id.clone(),
            old_title: r.old_title.clone(),
            new_title: r.new_title.clone(),
        };
        Comparison {
            structure: StructureDiff {
                title: s.title.as_ref().map(|t| TitleChange {
                    old: t.old.clone(),
                    new: t.new.clone(),
                }),
                subtitle: s.subtitle.as_ref().map(|t| SubtitleChange {
                    old: t.old.clone(),
                    new: t.new.clone(),
                }),
                parts_added: s.parts_added.iter().map(part).collect(),
                parts_removed: s.parts_removed.iter().map(part).collect(),
                parts_renamed: s.parts_renamed.iter().map(renamed).collect(),
                parts_moved: s
                    .parts_moved
                    .iter()
                    .map(|m| PartMove {
                        id: m.id.clone(),
                        title: m.title.clone(),
                        old_position: m.old_position,
                        new_position: m.new_position,
                    })
                    .collect(),
                sections_added: list(&s.sections_added),
                sections_removed: list(&s.sections_removed),
                sections_renamed: s.sections_renamed.iter().map(renamed).collect(),
                sections_moved: s
                    .sections_moved
                    .iter()
                    .map(|m| SectionMove {
                        id: m.id.as_str().to_string(),
                        title: m.title.clone(),
                        old_part: m.old_part.clone(),
                        old_position: m.old_position,
                        new_part: m.new_part.clone(),
                        new_position: m.new_position,
                    })
                    .collect(),
            },
            sections: list(&c.sections),
        }
    }
}

/// How the shape of the resource differs between two revisions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StructureDiff {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<TitleChange>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subtitle: Option<SubtitleChange>,
    pub parts_added: Vec<PartPlace>,
    pub parts_removed: Vec<PartPlace>,
    pub parts_renamed: Vec<Renamed>,
    pub parts_moved: Vec<PartMove>,
    pub sections_added: Vec<SectionSummary>,
    pub sections_removed: Vec<SectionSummary>,
    pub sections_renamed: Vec<Renamed>,
    pub sections_moved: Vec<SectionMove>,
}

/// A title that changed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TitleChange {
    pub old: String,
    pub new: String,
}

/// A subtitle that changed, appeared or went away.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SubtitleChange {
    pub old: Option<String>,
    pub new: Option<String>,
}

/// A part and where it stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PartPlace {
    pub id: String,
    pub title: String,
    pub position: usize,
}

/// A part or section whose title changed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Renamed {
    pub id: String,
    pub old_title: String,
    pub new_title: String,
}

/// A part that was reordered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PartMove {
    pub id: String,
    pub title: String,
    pub old_position: usize,
    pub new_position: usize,
}

/// A section that was reordered or moved to another part.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SectionMove {
    pub id: String,
    pub title: String,
    pub old_part: String,
    pub old_position: usize,
    pub new_part: String,
    pub new_position: usize,
}
