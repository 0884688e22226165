//! The commit messages of proposal events, as FORMAT.md describes them: a subject line, a
//! free-text body, an `Event:` trailer and the event's own trailers. These are pure
//! encoders, the one place the format of each event's message is written: the library
//! uses them for every event it records, and tools that build libraries another way (the
//! benchmark fixture writes its history with `git fast-import`) use them too, so nothing
//! retypes the format.

use crate::model::{Proposal, Revision, RevisionKind, Status, Verdict};

/// One event's commit message, before it is written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventMessage {
    /// The `Event:` trailer: `opened`, `commented`, ...
    pub kind: &'static str,
    /// The message's first line.
    pub subject: String,
    /// The message body (free text, e.g. the comment).
    pub body: String,
    /// The trailers after `Event:`.
    pub trailers: Vec<(&'static str, String)>,
}

impl EventMessage {
    /// The whole commit message.
    pub fn message(&self) -> String {
        let mut t: Vec<(&str, String)> = vec![("Event", self.kind.to_string())];
        t.extend(self.trailers.iter().map(|(k, v)| (*k, v.clone())));
        crate::commit_message(&self.subject, &self.body, &t)
    }
}

/// The trailers naming a revision: its number, commit, base and the proposal's sections.
fn revision_trailers(p: &Proposal, rev: &Revision) -> Vec<(&'static str, String)> {
    let mut t = vec![
        ("Proposal", p.number.to_string()),
        ("Revision", rev.number.to_string()),
        ("Commit", rev.commit.to_string()),
        ("Base", rev.base.to_string()),
    ];
    t.extend(p.sections.iter().map(|s| ("Section", s.to_string())));
    t
}

/// Proposal `p` was opened (with its first revision).
pub fn opened(p: &Proposal) -> EventMessage {
    EventMessage {
        kind: "opened",
        subject: format!("Open proposal {}: {}", p.number, p.title),
        body: p.rationale.clone(),
        trailers: revision_trailers(p, p.latest()),
    }
}

/// Revision `rev` (now the latest of `p`, whose sections it lists) was added: revised by
/// hand, or updated onto `main`.
pub fn revised(p: &Proposal, rev: &Revision) -> EventMessage {
    let (kind, verb) = match rev.kind {
        RevisionKind::Updated => ("updated", "Update"),
        _ => ("revised", "Revise"),
    };
    EventMessage {
        kind,
        subject: format!("{verb} proposal {} to revision {}", p.number, rev.number),
        body: rev.note.clone(),
        trailers: revision_trailers(p, rev),
    }
}

/// Comment `id` was added to proposal `n`'s discussion.
pub fn commented(n: u64, id: u32, body: &str) -> EventMessage {
    EventMessage {
        kind: "commented",
        subject: format!("Comment on proposal {n}"),
        body: body.to_string(),
        trailers: vec![("Proposal", n.to_string()), ("Comment", id.to_string())],
    }
}

/// A review of revision `revision` of proposal `n`.
pub fn reviewed(n: u64, revision: u32, verdict: Verdict, comment: &str) -> EventMessage {
    let (kind, word) = match verdict {
        Verdict::Approved => ("approved", "Approve"),
        Verdict::ChangesRequested => ("changes-requested", "Request changes to"),
    };
    EventMessage {
        kind,
        subject: format!("{word} proposal {n}, revision {revision}"),
        body: comment.to_string(),
        trailers: vec![
            ("Proposal", n.to_string()),
            ("Revision", revision.to_string()),
            ("Verdict", verdict.as_str().replace(' ', "-")),
        ],
    }
}

/// Revision `revision` of proposal `n` was merged into `main` as `commit`.
pub fn merged(n: u64, revision: u32, commit: &str) -> EventMessage {
    EventMessage {
        kind: "merged",
        subject: format!("Merge proposal {n} into main"),
        body: String::new(),
        trailers: vec![
            ("Proposal", n.to_string()),
            ("Revision", revision.to_string()),
            ("Commit", commit.to_string()),
            ("Status", "merged".into()),
        ],
    }
}

/// Proposal `n` was closed without merging (`status` is rejected or withdrawn).
pub fn closed(n: u64, status: Status, reason: &str) -> EventMessage {
    let (kind, verb) = match status {
        Status::Rejected => ("rejected", "Reject"),
        _ => ("withdrawn", "Withdraw"),
    };
    EventMessage {
        kind,
        subject: format!("{verb} proposal {n}"),
        body: reason.to_string(),
        trailers: vec![("Proposal", n.to_string()), ("Status", status.to_string())],
    }
}
