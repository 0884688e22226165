//! Who may see and do what: the one visibility and permission policy.
//!
//! Every surface that shows or changes the record (pages, the JSON API, feeds, the export,
//! the print edition, moderation reports, lookups of a revision by commit id) asks an
//! [`Audience`] here; none keeps its own copy of the rules. The rules:
//!
//! - A **hidden proposal** exists only for maintainers and its author. For everyone else
//!   every route naming it answers as if its number were free, its revisions' commits
//!   cannot be looked up, and a changelog shows [`HIDDEN_TITLE`] in place of its title (its
//!   merged text is part of `main`, which is public).
//! - A **hidden comment's** text is shown to maintainers only; everyone else, its author
//!   included, sees that it was hidden ([`HIDDEN_COMMENT`]). A **redacted** comment's text is gone
//!   for everyone ([`REDACTED_COMMENT`]).
//! - Anyone signed in (and not blocked) may comment on what they can see; the author or a
//!   maintainer may revise, update or withdraw a proposal; only maintainers review, merge,
//!   reject and moderate. A blocked account reads as an anonymous visitor would.
//! - A commit id given as a revision (`at=`, `from`/`to`, `base=`) must be a full id or an
//!   unambiguous prefix of at least [`MIN_COMMIT_PREFIX`] hex digits, and name a commit the
//!   audience may see: one on `main`'s history (editions are on it), or a revision of a
//!   proposal it may see ([`Library::resolve_for`](crate::Library::resolve_for)).
//!
//! ```
//! use quire_core::policy::{Action, Audience};
//! let anyone = Audience::Anonymous;
//! assert!(!anyone.is_maintainer());
//! assert!(!Action::Merge.open_to_authors());
//! ```

use crate::error::{Error, Result};
use crate::ids::Identity;
use crate::model::{ChangeEntry, Comment, Event, Proposal};

/// What pages, feeds and exports show in place of a hidden proposal's title.
pub const HIDDEN_TITLE: &str = "(This proposal was hidden by a maintainer.)";
/// What replaces a hidden comment's text for those who may not read it.
pub const HIDDEN_COMMENT: &str = "This comment was hidden by a maintainer.";
/// What replaces a redacted comment's text for everyone.
pub const REDACTED_COMMENT: &str = "This comment was removed by a maintainer.";
/// The fewest hex digits a commit id given as a revision may have.
pub const MIN_COMMIT_PREFIX: usize = 7;

/// Who is looking or acting.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Audience {
    /// Not signed in, a blocked account, or a public artefact (export, print edition, feed).
    Anonymous,
    /// A signed-in contributor, by the identity written to git for them.
    Contributor(Identity),
    /// A maintainer, by the identity written to git for them.
    Maintainer(Identity),
}

/// Something done to a proposal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Add to its discussion.
    Comment,
    /// Revise, update (rebase) or withdraw it.
    Edit,
    /// Approve it or request changes.
    Review,
    /// Merge it into the draft.
    Merge,
    /// Close it without merging.
    Reject,
    /// Hide, show again or redact it or its comments.
    Moderate,
}

impl Action {
    /// True if a proposal's author may do this (as well as a maintainer).
    pub fn open_to_authors(self) -> bool {
        matches!(self, Action::Comment | Action::Edit)
    }

    /// True if any signed-in account that can see the proposal may do this.
    pub fn open_to_everyone(self) -> bool {
        self == Action::Comment
    }
}

impl Audience {
    /// True for a maintainer.
    pub fn is_maintainer(&self) -> bool {
        matches!(self, Audience::Maintainer(_))
    }

    /// True for anyone signed in.
    pub fn is_signed_in(&self) -> bool {
        !matches!(self, Audience::Anonymous)
    }

    /// The identity of a signed-in audience.
    pub fn identity(&self) -> Option<&Identity> {
        match self {
            Audience::Anonymous => None,
            Audience::Contributor(id) | Audience::Maintainer(id) => Some(id),
        }
    }

    /// True if `who` (an author written in git) is this audience. People are told apart by
    /// their email, as in git.
    pub fn is(&self, who: &Identity) -> bool {
        self.identity()
            .is_some_and(|me| me.email.eq_ignore_ascii_case(&who.email))
    }

    /// True if the audience may see the proposal at all.
    pub fn sees_proposal(&self, p: &Proposal) -> bool {
        self.sees(p.hidden.is_some(), &p.author)
    }

    /// True if the audience may see a proposal that is `hidden` or not, by `author`: the
    /// rule of [`Audience::sees_proposal`] for callers holding a summary of it.
    pub fn sees(&self, hidden: bool, author: &Identity) -> bool {
        !hidden || self.is_maintainer() || self.is(author)
    }

    /// True if the audience may read a comment's text.
    pub fn sees_comment_text(&self, c: &Comment) -> bool {
        c.redacted.is_none() && (c.hidden.is_none() || self.is_maintainer())
    }

    /// The notice that stands in for a comment's text the audience may not read, or `None`
    /// when it may read it.
    pub fn comment_notice(&self, c: &Comment) -> Option<&'static str> {
        if c.redacted.is_some() {
            Some(REDACTED_COMMENT)
        } else if !self.sees_comment_text(c) {
            Some(HIDDEN_COMMENT)
        } else {
            None
        }
    }

    /// May the audience do `action` to `p`? A proposal it may not see is
    /// [`Error::UnknownProposal`], exactly as a number no proposal has; an action it may
    /// not take is [`Error::NotAllowed`].
    pub fn may(&self, action: Action, p: &Proposal) -> Result<()> {
        if !self.sees_proposal(p) {
            return Err(Error::UnknownProposal(p.number));
        }
        let allowed = match self {
            Audience::Anonymous => false,
            Audience::Maintainer(_) => true,
            Audience::Contributor(_) => {
                action.open_to_everyone() || (action.open_to_authors() && self.is(&p.author))
            }
        };
        if allowed {
            return Ok(());
        }
        Err(Error::NotAllowed(match (self, action.open_to_authors()) {
            (Audience::Anonymous, _) => "you need to sign in to do that".into(),
            (_, true) => "only the proposal's author or a maintainer can do that".into(),
            (_, false) => "only maintainers can do that".into(),
        }))
    }

    /// The proposal as this audience may see it: [`Error::UnknownProposal`] if it may not
    /// see it at all, otherwise with the text of comments it may not read cleared (their
    /// `hidden` and `redacted` records stay, saying why the text is missing).
    pub fn proposal(&self, mut p: Proposal) -> Result<Proposal> {
        if !self.sees_proposal(&p) {
            return Err(Error::UnknownProposal(p.number));
        }
        self.scrub_comments(&mut p.comments);
        Ok(p)
    }

    /// Clears the text of every comment the audience may not read.
    pub fn scrub_comments(&self, comments: &mut [Comment]) {
        for c in comments {
            if !self.sees_comment_text(c) {
                c.body.clear();
            }
        }
    }

    /// Clears, in an event log, the text of the `commented` events whose comment the
    /// audience may not read. Comment ids are 1, 2, 3, ... in the order of their events.
    pub fn scrub_events(&self, events: &mut [Event], comments: &[Comment]) {
        for (i, e) in events
            .iter_mut()
            .filter(|e| e.kind == "commented")
            .enumerate()
        {
            let id = u32::try_from(i + 1).unwrap_or(u32::MAX);
            let hide = comments
                .iter()
                .find(|c| c.id == id)
                .is_none_or(|c| !self.sees_comment_text(c));
            if hide {
                e.body.clear();
            }
        }
    }

    /// The title to show for a proposal in a list or changelog: [`HIDDEN_TITLE`] if it is
    /// hidden and the audience may not see it.
    pub fn proposal_title<'a>(&self, p: &'a Proposal) -> &'a str {
        if self.sees_proposal(p) {
            &p.title
        } else {
            HIDDEN_TITLE
        }
    }

    /// The title to show for a changelog entry whose proposal is `hidden` or not.
    pub fn change_title<'a>(&self, entry: &'a ChangeEntry, hidden: bool) -> &'a str {
        if self.sees(hidden, &entry.author) {
            &entry.title
        } else {
            HIDDEN_TITLE
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{CommitId, Moderation, Revision, RevisionKind, Revisions, Status};

    fn who(n: &str) -> Identity {
        Identity {
            name: n.into(),
            email: format!("{n}@example.org"),
        }
    }

    fn proposal(hidden: bool) -> Proposal {
        Proposal {
            version: 1,
            number: 8,
            title: "T".into(),
            author: who("author"),
            rationale: String::new(),
            sections: vec![],
            status: Status::Open,
            created: String::new(),
            updated: String::new(),
            revisions: Revisions::new(Revision {
                number: 1,
                commit: CommitId("0".repeat(40)),
                base: CommitId("0".repeat(40)),
                author: who("author"),
                at: String::new(),
                note: String::new(),
                kind: RevisionKind::Opened,
                redacted: None,
            }),
            reviews: vec![],
            comments: vec![],
            merged: None,
            closed: None,
            title_redacted: None,
            rationale_redacted: None,
            hidden: hidden.then(|| Moderation {
                by: who("m"),
                at: String::new(),
                reason: "r".into(),
            }),
        }
    }

    #[test]
    fn hidden_proposal_seen_by_author_and_maintainers_only() {
        let p = proposal(true);
        assert!(!Audience::Anonymous.sees_proposal(&p));
        assert!(!Audience::Contributor(who("other")).sees_proposal(&p));
        assert!(Audience::Contributor(who("author")).sees_proposal(&p));
        assert!(Audience::Maintainer(who("m")).sees_proposal(&p));
        assert!(matches!(
            Audience::Contributor(who("other")).may(Action::Comment, &p),
            Err(Error::UnknownProposal(8))
        ));
    }

    #[test]
    fn actions_by_role() {
        let p = proposal(false);
        let author = Audience::Contributor(who("author"));
        let other = Audience::Contributor(who("other"));
        assert!(author.may(Action::Edit, &p).is_ok());
        assert!(matches!(
            other.may(Action::Edit, &p),
            Err(Error::NotAllowed(_))
        ));
        assert!(other.may(Action::Comment, &p).is_ok());
        assert!(matches!(
            author.may(Action::Merge, &p),
            Err(Error::NotAllowed(_))
        ));
        assert!(Audience::Maintainer(who("m"))
            .may(Action::Merge, &p)
            .is_ok());
        assert!(Audience::Anonymous.may(Action::Comment, &p).is_err());
    }
}
