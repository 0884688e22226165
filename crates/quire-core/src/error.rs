//! The one error type of `quire-core`.

use std::fmt;
use std::path::PathBuf;

/// Everything that can go wrong in the core. Each variant is something a caller can act on;
/// messages are lowercase, without a full stop, and name the thing that was wrong.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The path holds no Quire library (or cannot be opened as one).
    #[error("no quire library at {path}: {reason}")]
    NoLibrary { path: PathBuf, reason: String },
    /// `init` was pointed at a path that already holds something.
    #[error("{0} already exists and is not empty; choose another path")]
    AlreadyExists(PathBuf),
    /// Input that is malformed: `what` names the field or file, `reason` says why.
    #[error("invalid {what}: {reason}")]
    Invalid { what: String, reason: String },
    /// A section id that is not in the manifest at the revision asked about.
    #[error("unknown section '{0}'")]
    UnknownSection(String),
    /// No proposal has this number.
    #[error("no proposal #{0}")]
    UnknownProposal(u64),
    /// The proposal exists but has no such revision.
    #[error("proposal #{number} has no revision {revision}")]
    UnknownRevision { number: u64, revision: u32 },
    /// A revision spec (edition slug, `main`, commit id) that names nothing.
    #[error("unknown edition or revision '{0}'")]
    UnknownRev(String),
    /// The action needs an open proposal.
    #[error("proposal #{number} is {status}; only an open proposal can be {action}")]
    NotOpen {
        number: u64,
        status: crate::Status,
        action: &'static str,
    },
    /// Merging needs an approval of the latest revision and no outstanding change request.
    #[error("proposal #{number} cannot be merged yet: {reason}")]
    NotApproved { number: u64, reason: String },
    /// The proposal's latest revision conflicts with `main`.
    #[error("{0}")]
    Conflict(ConflictReport),
    /// A proposal or revision that would change nothing.
    #[error("no change: {0}")]
    NoChange(String),
    /// The audience may see the thing but not do this to it (see [`crate::policy`]).
    #[error("{0}")]
    NotAllowed(String),
    /// Publishing under a name that is taken.
    #[error("an edition named '{0}' already exists")]
    EditionExists(String),
    /// The change was made from a state that is no longer current (an edit started from
    /// a revision that has a newer one by now); nothing was written.
    #[error("{0}")]
    Outdated(String),
    /// Another writer kept winning the race for a ref; nothing was written.
    #[error("the library was busy ({0}); nothing was changed, try again")]
    Contention(String),
    /// The repository is damaged or git failed in a way the caller cannot fix by changing
    /// input. `source` is git's own error when git reported it (its class and code are for
    /// logs, not for people).
    #[error("storage error: {message}")]
    Storage {
        message: String,
        #[source]
        source: Option<git2::Error>,
    },
    /// Reading or writing a file failed.
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// `Result` with [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// What an [`Error`] means for whoever asked: the one classification that the CLI's exit
/// codes and the server's HTTP statuses are both derived from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorKind {
    /// The input was malformed; the same request will fail again until it is changed.
    Invalid,
    /// The thing asked about does not exist (or there is no library at the path).
    NotFound,
    /// The library's state refuses the request (not open, not approved, a conflict, no
    /// change, a name taken, an edit made from a state that is no longer current).
    Refused,
    /// The asker may not do this (see [`crate::policy`]).
    NotAllowed,
    /// Another writer won a race; nothing changed and the same request may succeed now.
    Busy,
    /// Storage or I/O failed: not the asker's doing.
    Failure,
}

impl Error {
    /// What this error means for the asker. Every variant is classified here and only here.
    pub fn kind(&self) -> ErrorKind {
        match self {
            Error::Invalid { .. } => ErrorKind::Invalid,
            Error::NoLibrary { .. }
            | Error::UnknownSection(_)
            | Error::UnknownProposal(_)
            | Error::UnknownRevision { .. }
            | Error::UnknownRev(_) => ErrorKind::NotFound,
            Error::AlreadyExists(_)
            | Error::NotOpen { .. }
            | Error::NotApproved { .. }
            | Error::Conflict(_)
            | Error::NoChange(_)
            | Error::EditionExists(_)
            | Error::Outdated(_) => ErrorKind::Refused,
            Error::NotAllowed(_) => ErrorKind::NotAllowed,
            Error::Contention(_) => ErrorKind::Busy,
            Error::Storage { .. } | Error::Io { .. } => ErrorKind::Failure,
        }
    }

    /// A storage error with no underlying git error.
    pub(crate) fn storage(message: impl Into<String>) -> Error {
        Error::Storage {
            message: message.into(),
            source: None,
        }
    }

    pub(crate) fn invalid(what: impl Into<String>, reason: impl Into<String>) -> Error {
        Error::Invalid {
            what: what.into(),
            reason: reason.into(),
        }
    }

    /// True when the error means "that thing does not exist".
    pub fn is_not_found(&self) -> bool {
        self.kind() == ErrorKind::NotFound
    }
}

impl From<git2::Error> for Error {
    fn from(e: git2::Error) -> Error {
        Error::Storage {
            message: e.message().to_string(),
            source: Some(e),
        }
    }
}

/// Why a proposal cannot be merged into `main` as it stands: one entry per conflicting
/// section, each with the clashing text from both sides.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConflictReport {
    /// The proposal number.
    pub number: u64,
    /// The conflicting sections (or other paths) in the order git reported them.
    pub sections: Vec<SectionConflict>,
}

/// The conflicts inside one section file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SectionConflict {
    /// The section id, or the file path when the conflict is not in a section file.
    pub section: String,
    /// Each conflicting region.
    pub hunks: Vec<ConflictHunk>,
}

/// One conflicting region: what `main` has now and what the proposal wants instead.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConflictHunk {
    /// The text on `main`.
    pub main: String,
    /// The text in the proposal's latest revision.
    pub proposal: String,
}

impl fmt::Display for ConflictReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<&str> = self.sections.iter().map(|s| s.section.as_str()).collect();
        write!(
            f,
            "proposal #{} conflicts with main in section {}; update it onto main and resolve the text",
            self.number,
            names
                .iter()
                .map(|n| format!("'{n}'"))
                .collect::<Vec<_>>()
                .join(", ")
        )?;
        for s in &self.sections {
            for h in &s.hunks {
                write!(
                    f,
                    "\n  in '{}':\n    main now has:      {}\n    the proposal has:  {}",
                    s.section,
                    one_line(&h.main),
                    one_line(&h.proposal)
                )?;
            }
        }
        Ok(())
    }
}

fn one_line(s: &str) -> String {
    let flat: String = s.split_whitespace().collect::<Vec<_>>().join(" ");
    if flat.chars().count() > 160 {
        let cut: String = flat.chars().take(157).collect();
        format!("{cut}...")
    } else if flat.is_empty() {
        "(nothing)".to_string()
    } else {
        flat
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn storage_errors_keep_gits_error_as_their_source() {
        let git = git2::Error::new(
            git2::ErrorCode::Locked,
            git2::ErrorClass::Reference,
            "failed to lock file",
        );
        let e = Error::from(git);
        assert_eq!(e.to_string(), "storage error: failed to lock file");
        assert_eq!(e.kind(), ErrorKind::Failure);
        let source = std::error::Error::source(&e).expect("git's error is kept");
        let source = source.downcast_ref::<git2::Error>().expect("a git2 error");
        assert_eq!(source.code(), git2::ErrorCode::Locked);
        assert_eq!(source.class(), git2::ErrorClass::Reference);
        assert!(std::error::Error::source(&Error::storage("main has disappeared")).is_none());
    }

    #[test]
    fn an_edit_from_an_old_revision_is_a_refusal_not_busy() {
        // The CLI's exit code and the server's status both follow this.
        assert_eq!(Error::Outdated("x".into()).kind(), ErrorKind::Refused);
        assert_eq!(Error::Contention("x".into()).kind(), ErrorKind::Busy);
        assert_eq!(Error::NoChange("x".into()).kind(), ErrorKind::Refused);
    }
}
