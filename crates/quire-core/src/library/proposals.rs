//! Proposals: numbers, revisions and their event logs.
//!
//! Refs: `refs/proposals/<n>/meta` (the event log, state in `proposal.json`) and
//! `refs/proposals/<n>/<r>` (revision `r`'s commit). The meta ref is always the deciding
//! update; revision refs are written after it and recreated by the repair pass if a crash
//! came between.

use git2::Oid;

use super::eventlog::{Apply, NewEvent};
use super::{git, id_to_oid, oid_to_id, section_diff, Library};
use crate::error::{Error, Result};
use crate::events;
use crate::ids::{check_body, check_section_text, check_title, Identity, SectionId};
use crate::layout::{self, ProposalRef, PROPOSAL_FILE};
use crate::model::{
    CloseInfo, Comment, Event, Proposal, Review, Revision, RevisionKind, SectionDiff, Status,
    Verdict,
};

/// Section ids with their full texts.
type SectionTexts = Vec<(SectionId, String)>;

/// What a contributor submits to open a proposal.
#[derive(Debug, Clone)]
pub struct NewProposal {
    /// One-line title.
    pub title: String,
    /// Why the change helps.
    pub rationale: String,
    /// Who proposes it.
    pub author: Identity,
    /// The full proposed text of each target section.
    pub changes: Vec<(SectionId, String)>,
    /// What to propose against (edition slug, `main`, commit id); `None` means `main`.
    pub base: Option<String>,
}

/// Which proposals to list.
#[derive(Debug, Clone, Default)]
pub struct ProposalFilter {
    /// Only this status.
    pub status: Option<Status>,
    /// Only those touching this section.
    pub section: Option<SectionId>,
}

impl Library {
    /// Opens a proposal: writes revision 1 on its base, takes the next free number and
    /// starts its event log. Returns the stored proposal.
    pub fn propose(&self, req: &NewProposal) -> Result<Proposal> {
        let title = check_title("title", &req.title)?;
        let rationale = check_body("rationale", &req.rationale, true)?;
        let base = match &req.base {
            Some(b) => self.resolve_oid(b)?,
            None => self.main_oid()?,
        };
        let main = self.main_oid()?;
        if base != main && !self.repo.graph_descendant_of(main, base)? {
            return Err(Error::invalid(
                "base",
                format!("commit {base} is not on the history of main"),
            ));
        }
        let (changes, sections) = self.check_changes(base, &req.changes)?;
        let at = git::now();
        let rev_commit = self.write_revision(base, &changes, &req.author, &title, &rationale)?;
        let first = Revision {
            number: 1,
            commit: oid_to_id(rev_commit),
            base: oid_to_id(base),
            author: req.author.clone(),
            at: git::rfc3339(at),
            note: String::new(),
            kind: RevisionKind::Opened,
            redacted: None,
        };
        let mut proposal = Proposal::opened(0, title, rationale, sections, first);
        let number = git::retry("allocating a proposal number", || {
            let n = self.highest_proposal_number()? + 1;
            proposal.number = n;
            let event = events::opened(&proposal);
            let commit = self.write_event(PROPOSAL_FILE, &proposal, &event, &req.author, None)?;
            match git::cas(
                &self.repo,
                &layout::proposal_log_ref(n),
                commit,
                None,
                "open proposal",
            )? {
                git::Cas::Done => Ok(Some(n)),
                git::Cas::Lost => Ok(None),
            }
        })?;
        self.ensure_revision_ref(number, 1, rev_commit)?;
        Ok(proposal)
    }

    /// Checks proposed section texts against a base: known sections, valid text, each one
    /// a real change. Returns the normalised changes and the section list.
    fn check_changes(
        &self,
        base: Oid,
        changes: &[(SectionId, String)],
    ) -> Result<(SectionTexts, Vec<SectionId>)> {
        if changes.is_empty() {
            return Err(Error::invalid("proposal", "it changes no section"));
        }
        let manifest = self.manifest_at(base)?;
        let mut out = Vec::new();
        let mut ids = Vec::new();
        for (id, text) in changes {
            if !manifest.contains(id) {
                return Err(Error::UnknownSection(id.to_string()));
            }
            if ids.contains(id) {
                return Err(Error::invalid(
                    "proposal",
                    format!("section '{id}' is given twice"),
                ));
            }
            let text = check_section_text(id, text)?;
            let current = self.section_text_at(base, id)?;
            if text == current {
                return Err(Error::NoChange(format!(
                    "the proposed text of section '{id}' is the same as its current text"
                )));
            }
            ids.push(id.clone());
            out.push((id.clone(), text));
        }
        Ok((out, ids))
    }

    /// Writes a revision commit: `base` with the given sections replaced.
    fn write_revision(
        &self,
        base: Oid,
        changes: &[(SectionId, String)],
        author: &Identity,
        title: &str,
        rationale: &str,
    ) -> Result<Oid> {
        let tree = self.repo.find_tree(self.tree_with(base, changes)?)?;
        let parent = self.repo.find_commit(base)?;
        let sig = git::signature(author, git::now())?;
        let trailers: Vec<(&str, String)> = changes
            .iter()
            .map(|(id, _)| ("Section", id.to_string()))
            .collect();
        let msg = git::message(title, rationale, &trailers);
        Ok(self
            .repo
            .commit(None, &sig, &sig, &msg, &tree, &[&parent])?)
    }

    pub(crate) fn ensure_revision_ref(&self, n: u64, r: u32, commit: Oid) -> Result<()> {
        let name = layout::proposal_revision_ref(n, r);
        match git::ref_target(&self.repo, &name)? {
            Some(existing) if existing == commit => Ok(()),
            Some(other) => Err(Error::storage(format!(
                "{name} points at {other}, but the event log says {commit}"
            ))),
            None => {
                // Lost only if another process created it at the same moment, with the
                // same value (both read it from the same event log).
                git::cas(&self.repo, &name, commit, None, "revision")?;
                Ok(())
            }
        }
    }

    /// The highest proposal number in use (0 if none), found with O(log n) ref lookups:
    /// numbers are dense from 1 (Quire never leaves a gap), so the first free number is
    /// found by galloping then bisecting on "does `refs/proposals/<n>/meta` exist". In a
    /// library with gaps made by other tools this may return a number below the highest;
    /// the create-only update of the new meta ref still keeps numbers unique.
    pub(crate) fn highest_proposal_number(&self) -> Result<u64> {
        let exists = |n: u64| -> Result<bool> {
            Ok(git::ref_target(&self.repo, &layout::proposal_log_ref(n))?.is_some())
        };
        if !exists(1)? {
            return Ok(0);
        }
        let (mut lo, mut hi) = (1u64, 2u64);
        while exists(hi)? {
            lo = hi;
            hi = hi.saturating_mul(2);
        }
        while hi - lo > 1 {
            let mid = lo + (hi - lo) / 2;
            if exists(mid)? {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        Ok(lo)
    }

    /// Every proposal's event-log ref target, by number (one pass over the refs).
    pub(crate) fn meta_targets(&self) -> Result<Vec<(u64, Oid)>> {
        let mut out = Vec::new();
        for r in self.repo.references_glob(layout::PROPOSAL_LOGS_GLOB)? {
            let r = r?;
            let (Ok(name), Some(target)) = (r.name(), r.target()) else {
                continue;
            };
            if let Some(n) = layout::parse_proposal_log_ref(name) {
                out.push((n, target));
            }
        }
        out.sort_unstable_by_key(|(n, _)| *n);
        Ok(out)
    }

    /// The proposals that have `commit` as one of their revisions (one pass over the
    /// revision refs; usually none or one).
    pub(crate) fn revision_owners(&self, commit: Oid) -> Result<Vec<u64>> {
        let mut out = Vec::new();
        for r in self.repo.references_glob(layout::PROPOSAL_REFS_GLOB)? {
            let r = r?;
            if r.target() != Some(commit) {
                continue;
            }
            let Ok(name) = r.name() else { continue };
            if let Some(ProposalRef::Revision(n, _)) = layout::parse_proposal_ref(name) {
                out.push(n);
            }
        }
        out.sort_unstable();
        out.dedup();
        Ok(out)
    }

    /// Where proposal `n`'s event log points now (`None`: no such proposal).
    pub(crate) fn meta_target(&self, n: u64) -> Result<Option<Oid>> {
        git::ref_target(&self.repo, &layout::proposal_log_ref(n))
    }

    /// The proposal state stored in event commit `event`.
    pub(crate) fn proposal_at(&self, event: Oid) -> Result<Proposal> {
        self.state_at(event, PROPOSAL_FILE)
    }

    /// Every proposal number with an event log, ascending.
    pub fn proposal_numbers(&self) -> Result<Vec<u64>> {
        let mut out = Vec::new();
        for name in self
            .repo
            .references_glob(layout::PROPOSAL_LOGS_GLOB)?
            .names()
        {
            if let Some(n) = layout::parse_proposal_log_ref(name?) {
                out.push(n);
            }
        }
        out.sort_unstable();
        Ok(out)
    }

    /// One proposal's current state.
    pub fn proposal(&self, n: u64) -> Result<Proposal> {
        self.read_log_state::<Proposal>(&layout::proposal_log_ref(n), PROPOSAL_FILE)?
            .map(|(_, p)| p)
            .ok_or(Error::UnknownProposal(n))
    }

    /// Proposals matching a filter, by number.
    pub fn proposals(&self, filter: &ProposalFilter) -> Result<Vec<Proposal>> {
        let mut out = Vec::new();
        for n in self.proposal_numbers()? {
            let p = self.proposal(n)?;
            if filter.status.is_some_and(|s| s != p.status) {
                continue;
            }
            if filter
                .section
                .as_ref()
                .is_some_and(|s| !p.sections.contains(s))
            {
                continue;
            }
            out.push(p);
        }
        Ok(out)
    }

    /// A proposal's history: every event, oldest first.
    pub fn history(&self, n: u64) -> Result<Vec<Event>> {
        let events = self.read_events(&layout::proposal_log_ref(n))?;
        if events.is_empty() {
            return Err(Error::UnknownProposal(n));
        }
        Ok(events)
    }

    /// The word diff of a revision (default: the latest) against its base, per section.
    pub fn proposal_diff(&self, n: u64, revision: Option<u32>) -> Result<Vec<SectionDiff>> {
        let p = self.proposal(n)?;
        let rev = p.revision_or_latest(revision)?;
        let base = id_to_oid(&rev.base)?;
        let commit = id_to_oid(&rev.commit)?;
        // The sections this revision changes, from the revision itself (not from the
        // proposal's latest list), in the proposal's order.
        let changed: Vec<String> = self.changed_paths(base, commit)?;
        let changed: Vec<&str> = changed
            .iter()
            .filter_map(|path| layout::parse_section_path(path))
            .collect();
        let mut out = Vec::new();
        for id in p
            .sections
            .iter()
            .filter(|id| changed.contains(&id.as_str()))
        {
            let old = self.section_text_or_empty(base, id)?;
            let new = self.section_text_or_empty(commit, id)?;
            if old != new {
                out.push(section_diff(id, &old, &new));
            }
        }
        Ok(out)
    }

    /// The full text of a proposal's section at a revision (default: latest).
    pub fn proposal_text(
        &self,
        n: u64,
        section: &SectionId,
        revision: Option<u32>,
    ) -> Result<String> {
        let p = self.proposal(n)?;
        let rev = p.revision_or_latest(revision)?;
        self.section_text_at(id_to_oid(&rev.commit)?, section)
    }

    /// Adds a comment to a proposal's discussion.
    pub fn comment_proposal(&self, n: u64, who: &Identity, body: &str) -> Result<Comment> {
        let body = check_body("comment", body, false)?;
        let mut made = None;
        self.update_proposal(n, who, |p| {
            let c = Comment {
                id: p.comments.last().map_or(1, |c| c.id + 1),
                author: who.clone(),
                at: git::rfc3339(git::now()),
                body: body.clone(),
                revision: Some(p.latest().number),
                hidden: None,
                redacted: None,
            };
            p.comments.push(c.clone());
            let event = events::commented(n, c.id, &body);
            made = Some(c);
            Ok(Some(event))
        })?;
        Ok(made.expect("the closure ran and set the comment"))
    }

    /// Records a review verdict on the latest revision.
    pub fn review(
        &self,
        n: u64,
        who: &Identity,
        verdict: Verdict,
        comment: &str,
    ) -> Result<Proposal> {
        let comment = check_body("review comment", comment, true)?;
        self.update_proposal(n, who, |p| {
            require_open(p, "reviewed")?;
            let revision = p.latest().number;
            p.reviews.push(Review {
                reviewer: who.clone(),
                verdict,
                revision,
                at: git::rfc3339(git::now()),
                comment: comment.clone(),
            });
            Ok(Some(events::reviewed(n, revision, verdict, &comment)))
        })
    }

    /// Rejects an open proposal, with a reason.
    pub fn reject(&self, n: u64, who: &Identity, reason: &str) -> Result<Proposal> {
        let reason = check_body("reason", reason, false)?;
        self.close(n, who, Status::Rejected, &reason)
    }

    /// Withdraws an open proposal (its author changed their mind).
    pub fn withdraw(&self, n: u64, who: &Identity, reason: &str) -> Result<Proposal> {
        let reason = check_body("reason", reason, true)?;
        self.close(n, who, Status::Withdrawn, &reason)
    }

    fn close(&self, n: u64, who: &Identity, status: Status, reason: &str) -> Result<Proposal> {
        let kind = match status {
            Status::Rejected => "rejected",
            _ => "withdrawn",
        };
        self.update_proposal(n, who, |p| {
            require_open(p, kind)?;
            p.status = status;
            p.closed = Some(CloseInfo {
                by: who.clone(),
                at: git::rfc3339(git::now()),
                reason: reason.to_string(),
            });
            Ok(Some(events::closed(n, status, reason)))
        })
    }

    /// Adds a revision with new text on the same base as the latest revision. Sections not
    /// named keep the latest revision's text; naming a new section adds it to the proposal.
    pub fn revise(
        &self,
        n: u64,
        who: &Identity,
        changes: &[(SectionId, String)],
        note: &str,
    ) -> Result<Proposal> {
        self.revise_from(n, who, None, changes, note)
    }

    /// As [`Library::revise`], for text edited from revision `from` (when given): if the
    /// proposal has another latest revision by now, it is refused with
    /// [`Error::Contention`] and nothing is written, so an edit made on an old revision
    /// never silently undoes a newer one.
    pub fn revise_from(
        &self,
        n: u64,
        who: &Identity,
        from: Option<u32>,
        changes: &[(SectionId, String)],
        note: &str,
    ) -> Result<Proposal> {
        let note = check_body("note", note, true)?;
        let p = self.proposal(n)?;
        require_open(&p, "revised")?;
        if let Some(from) = from {
            if from != p.latest().number {
                return Err(Error::Outdated(format!(
                    "proposal {n} is at revision {} now, and this edit started from revision \
                     {from}; look at the latest revision and make the edit again",
                    p.latest().number
                )));
            }
        }
        if changes.is_empty() {
            return Err(Error::invalid("revision", "it changes no section"));
        }
        let base = id_to_oid(&p.latest().base)?;
        let latest = id_to_oid(&p.latest().commit)?;
        let manifest = self.manifest_at(base)?;
        let mut full = Vec::new();
        let mut sections = p.sections.clone();
        for (id, _) in changes {
            if !manifest.contains(id) {
                return Err(Error::UnknownSection(id.to_string()));
            }
            if !sections.contains(id) {
                sections.push(id.clone());
            }
        }
        let mut differs_from_latest = false;
        for id in &sections {
            let text = match changes.iter().find(|(s, _)| s == id) {
                Some((_, t)) => check_section_text(id, t)?,
                None => self.section_text_at(latest, id)?,
            };
            if text != self.section_text_or_empty(latest, id)? {
                differs_from_latest = true;
            }
            if text != self.section_text_at(base, id)? {
                full.push((id.clone(), text));
            }
        }
        if !differs_from_latest {
            return Err(Error::NoChange(format!(
                "the new text is the same as revision {} of proposal {n}",
                p.latest().number
            )));
        }
        if full.is_empty() {
            return Err(Error::NoChange(
                "the revision would change nothing; withdraw the proposal instead".into(),
            ));
        }
        let commit = self.write_revision(base, &full, who, &p.title, &p.rationale)?;
        let sections: Vec<SectionId> = full.iter().map(|(id, _)| id.clone()).collect();
        self.add_revision(
            n,
            who,
            p.latest().number,
            commit,
            base,
            sections,
            RevisionKind::Revised,
            &note,
        )
    }

    /// Appends a revision event, provided no other revision was added meanwhile.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn add_revision(
        &self,
        n: u64,
        who: &Identity,
        expected_latest: u32,
        commit: Oid,
        base: Oid,
        sections: Vec<SectionId>,
        kind: RevisionKind,
        note: &str,
    ) -> Result<Proposal> {
        let event_kind = match kind {
            RevisionKind::Updated => "updated",
            _ => "revised",
        };
        // The revision commit's message holds the title and rationale read when it was
        // made; if a maintainer redacted them meanwhile, the commit must not be used.
        let (made_title, made_rationale, _) = git::parse_message(&String::from_utf8_lossy(
            self.repo.find_commit(commit)?.message_bytes(),
        ));
        let mut stale = false;
        let p = self.update_proposal(n, who, |p| {
            require_open(p, event_kind)?;
            if (p.title_redacted.is_some() && made_title != git::one_line(&p.title))
                || (p.rationale_redacted.is_some() && made_rationale != p.rationale.trim())
            {
                stale = true;
                return Err(Error::Outdated(format!(
                    "proposal {n} was redacted while this revision was being made; look at it and try again"
                )));
            }
            if p.latest().number != expected_latest {
                return Err(Error::Outdated(format!(
                    "proposal {n} got revision {} while this one was being made; look at it and try again",
                    p.latest().number
                )));
            }
            let r = expected_latest + 1;
            p.revisions.push(Revision {
                number: r,
                commit: oid_to_id(commit),
                base: oid_to_id(base),
                author: who.clone(),
                at: git::rfc3339(git::now()),
                note: note.to_string(),
                kind,
                redacted: None,
            });
            p.sections = sections.clone();
            Ok(Some(events::revised(p, p.latest())))
        });
        if stale {
            // Only this writer's new commit refers to the redacted text; nothing else can.
            let _ = self.delete_loose(&std::collections::HashSet::from([commit]));
        }
        let p = p?;
        self.ensure_revision_ref(n, p.latest().number, commit)?;
        Ok(p)
    }

    /// Reads a proposal, lets `change` edit it and describe the event, and appends that
    /// event; `change` returning `Ok(None)` writes nothing.
    pub(crate) fn update_proposal<F>(
        &self,
        n: u64,
        who: &Identity,
        mut change: F,
    ) -> Result<Proposal>
    where
        F: FnMut(&mut Proposal) -> Result<Option<NewEvent>>,
    {
        self.complete_merge(n)?;
        self.append_event(
            &layout::proposal_log_ref(n),
            PROPOSAL_FILE,
            who,
            |state: Option<Proposal>| {
                let mut p = state.ok_or(Error::UnknownProposal(n))?;
                match change(&mut p)? {
                    Some(event) => {
                        p.updated = git::rfc3339(git::now());
                        Ok(Apply::Write(p, event))
                    }
                    None => Ok(Apply::Unchanged(p)),
                }
            },
        )
    }
}

pub(crate) fn require_open(p: &Proposal, action: &'static str) -> Result<()> {
    if p.status == Status::Open {
        Ok(())
    } else {
        Err(Error::NotOpen {
            number: p.number,
            status: p.status,
            action,
        })
    }
}
