//! Moderation: hiding proposals and comments from pages (recorded as events), and redacting
//! a comment or a proposal's text, which removes it from git: the event log (and revision
//! commits) are rewritten, and the old objects are deleted.

use git2::Oid;
use serde_json::Value;

use super::eventlog::{Apply, NewEvent};
use super::purge::Replaced;
use super::{git, id_to_oid, Library};
use crate::error::{Error, Result};
use crate::ids::{check_body, Identity};
use crate::layout::COMMENTS_FILE;
use crate::layout::{self, PROPOSAL_FILE};
use crate::model::{CommentTarget, Moderation, Proposal, SectionComments};

/// What replaces a redacted comment's text in event messages.
pub const REDACTED: &str = "[This comment was redacted by a maintainer.]";

/// What replaces a redacted proposal title, everywhere it was written.
pub const REDACTED_TITLE: &str = "[Title redacted by a maintainer]";

/// What replaces a redacted proposal rationale, everywhere it was written.
pub const REDACTED_RATIONALE: &str = "[This rationale was redacted by a maintainer.]";

/// What replaces the note of a revision whose words were redacted.
pub const REDACTED_REVISION: &str = "[The text of this revision was redacted by a maintainer.]";

fn moderation(who: &Identity, reason: &str) -> Moderation {
    Moderation {
        by: who.clone(),
        at: git::rfc3339(git::now()),
        reason: reason.to_string(),
    }
}

impl Library {
    /// Hides (or, with `hide == false`, shows again) a proposal on pages. The proposal and
    /// its history stay in git; the decision is an event with the reason.
    pub fn set_proposal_hidden(
        &self,
        n: u64,
        who: &Identity,
        hide: bool,
        reason: &str,
    ) -> Result<Proposal> {
        let reason = check_body("reason", reason, !hide)?;
        self.update_proposal(n, who, |p| {
            if p.hidden.is_some() == hide {
                return Ok(None);
            }
            p.hidden = hide.then(|| moderation(who, &reason));
            Ok(Some(NewEvent {
                kind: if hide { "hidden" } else { "unhidden" },
                subject: format!("{} proposal {n}", if hide { "Hide" } else { "Show again" }),
                body: reason.clone(),
                trailers: vec![("Proposal", n.to_string())],
            }))
        })
    }

    /// Hides (or shows again) one comment on pages, recording the decision as an event.
    pub fn set_comment_hidden(
        &self,
        target: &CommentTarget,
        id: u32,
        who: &Identity,
        hide: bool,
        reason: &str,
    ) -> Result<()> {
        let reason = check_body("reason", reason, !hide)?;
        let (kind, verb) = if hide {
            ("hidden", "Hide")
        } else {
            ("unhidden", "Show again")
        };
        let apply_to = |comments: &mut Vec<crate::model::Comment>| -> Result<bool> {
            let c = comments
                .iter_mut()
                .find(|c| c.id == id)
                .ok_or_else(|| Error::invalid("comment", format!("there is no comment {id}")))?;
            if c.hidden.is_some() == hide {
                return Ok(false);
            }
            c.hidden = hide.then(|| moderation(who, &reason));
            Ok(true)
        };
        match target {
            CommentTarget::Proposal(n) => {
                let n = *n;
                self.update_proposal(n, who, |p| {
                    if !apply_to(&mut p.comments)? {
                        return Ok(None);
                    }
                    Ok(Some(NewEvent {
                        kind,
                        subject: format!("{verb} comment {id} on proposal {n}"),
                        body: reason.clone(),
                        trailers: vec![("Proposal", n.to_string()), ("Comment", id.to_string())],
                    }))
                })?;
            }
            CommentTarget::Section(s) => {
                self.append_event(
                    &layout::comments_ref(s),
                    COMMENTS_FILE,
                    who,
                    |state: Option<SectionComments>| {
                        let mut st = state.ok_or_else(|| {
                            Error::invalid("comment", format!("there is no comment {id}"))
                        })?;
                        if !apply_to(&mut st.comments)? {
                            return Ok(Apply::Unchanged(st));
                        }
                        Ok(Apply::Write(
                            st,
                            NewEvent {
                                kind,
                                subject: format!("{verb} comment {id} on section {s}"),
                                body: reason.clone(),
                                trailers: vec![
                                    ("Section", s.to_string()),
                                    ("Comment", id.to_string()),
                                ],
                            },
                        ))
                    },
                )?;
            }
        }
        Ok(())
    }

    /// Redacts a comment that holds personal data or abuse: rewrites its event log so the
    /// text is gone from every event commit (the `commented` event's message and every later
    /// state file), keeping authors, times and order, and appends a `redacted` event. Only
    /// that one ref is rewritten. Then the old commits, and every tree and blob only they
    /// reached, are deleted from the repository (loose or packed), and the journal lines
    /// naming them are dropped (see [`Library::redact_proposal`] and FORMAT.md).
    pub fn redact_comment(
        &self,
        target: &CommentTarget,
        id: u32,
        who: &Identity,
        reason: &str,
    ) -> Result<()> {
        let reason = check_body("reason", reason, false)?;
        let (refname, file) = match target {
            CommentTarget::Proposal(n) => (layout::proposal_log_ref(*n), PROPOSAL_FILE),
            CommentTarget::Section(s) => (layout::comments_ref(s), COMMENTS_FILE),
        };
        let not_found = || Error::invalid("comment", format!("there is no comment {id}"));
        let mark = serde_json::to_value(moderation(who, &reason)).expect("serialises");
        let id_text = id.to_string();
        let (old, new) = git::retry(&refname, || {
            let Some(tip) = git::ref_target(&self.repo, &refname)? else {
                return Err(match target {
                    CommentTarget::Proposal(n) => Error::UnknownProposal(*n),
                    CommentTarget::Section(_) => not_found(),
                });
            };
            let mut found = false;
            let rewritten = self.rewrite_log(tip, file, &mut |state, text| {
                if let Some(list) = state.get_mut("comments").and_then(Value::as_array_mut) {
                    for cm in list.iter_mut() {
                        if cm.get("id").and_then(Value::as_u64) == Some(u64::from(id)) {
                            if cm.get("redacted").is_some_and(|r| !r.is_null()) {
                                return Err(Error::NoChange(format!(
                                    "comment {id} is already redacted"
                                )));
                            }
                            cm["body"] = Value::String(String::new());
                            cm["redacted"] = mark.clone();
                            found = true;
                        }
                    }
                }
                if text.trailer("Event") == Some("commented")
                    && text.trailer("Comment") == Some(&id_text)
                {
                    text.body = REDACTED.to_string();
                }
                Ok(())
            })?;
            if !found {
                return Err(not_found());
            }
            let mut trailers = vec![
                ("Event", "redacted".to_string()),
                ("Comment", id.to_string()),
            ];
            match target {
                CommentTarget::Proposal(n) => trailers.insert(1, ("Proposal", n.to_string())),
                CommentTarget::Section(s) => trailers.insert(1, ("Section", s.to_string())),
            }
            let msg = git::message(&format!("Redact comment {id}"), &reason, &trailers);
            let new_tip = self.append_same_state(rewritten, file, who, &msg)?;
            match git::cas(&self.repo, &refname, new_tip, Some(tip), "redact comment")? {
                git::Cas::Done => Ok(Some((tip, new_tip))),
                git::Cas::Lost => Ok(None),
            }
        })?;
        let proposals = match target {
            CommentTarget::Proposal(n) => vec![*n],
            CommentTarget::Section(_) => Vec::new(),
        };
        self.purge_replaced(&Replaced {
            refs: &[refname],
            old: &[old],
            new: &[new],
            proposals: &proposals,
        })
    }

    /// Redacts a proposal's title, rationale or the words of some of its revisions
    /// (personal data, abuse), removing the text from git, not only from pages.
    ///
    /// - The title becomes [`REDACTED_TITLE`] and the rationale [`REDACTED_RATIONALE`] in
    ///   every state file, in the `opened` event's message and in every revision commit's
    ///   message; the proposal records who, when and why (`title_redacted`,
    ///   `rationale_redacted`).
    /// - A redacted revision's commit is recreated with its base's tree, so the change is
    ///   gone; its note becomes [`REDACTED_REVISION`] and it records the redaction
    ///   (`redacted`). It can no longer be merged.
    ///
    /// Revision commits are recreated with the same author, committer and times; the event
    /// log is rewritten as for [`Library::redact_comment`] with the new commit ids, a
    /// `redacted` event is appended, the log is swapped with a compare-and-swap (the
    /// deciding update), then each `refs/proposals/<n>/<r>` is moved to its new commit, and
    /// the old objects are deleted from the repository.
    ///
    /// Refused for the title, the rationale or the merged revision of a merged proposal:
    /// those are part of `main`'s history, which is never rewritten.
    pub fn redact_proposal(
        &self,
        n: u64,
        what: &RedactProposal,
        who: &Identity,
        reason: &str,
    ) -> Result<Proposal> {
        let reason = check_body("reason", reason, false)?;
        if !what.title && !what.rationale && what.revisions.is_empty() {
            return Err(Error::invalid(
                "redaction",
                "choose what to redact: the title, the rationale or the text of a revision",
            ));
        }
        let refname = layout::proposal_log_ref(n);
        let mark = moderation(who, &reason);
        let mark_value = serde_json::to_value(&mark).expect("serialises");
        let (old_tip, new_tip, moved) = git::retry(&refname, || {
            let tip = self.meta_target(n)?.ok_or(Error::UnknownProposal(n))?;
            let p: Proposal = self.state_at(tip, PROPOSAL_FILE)?;
            for r in &what.revisions {
                if p.revision(*r).is_none() {
                    return Err(Error::UnknownRevision {
                        number: n,
                        revision: *r,
                    });
                }
            }
            if let Some(m) = &p.merged {
                if what.title || what.rationale || what.revisions.contains(&m.revision) {
                    return Err(Error::invalid(
                        "redaction",
                        format!(
                            "proposal {n} is merged: its title, rationale and merged revision {} are part of the history of main, which is never rewritten",
                            m.revision
                        ),
                    ));
                }
            }
            // Only what is not redacted yet.
            let title = what.title && p.title_redacted.is_none();
            let rationale = what.rationale && p.rationale_redacted.is_none();
            let words: Vec<u32> = p
                .revisions
                .iter()
                .filter(|r| what.revisions.contains(&r.number) && r.redacted.is_none())
                .map(|r| r.number)
                .collect();
            if !title && !rationale && words.is_empty() {
                return Err(Error::NoChange(format!(
                    "what you chose of proposal {n} is already redacted"
                )));
            }
            // The revision commits, recreated.
            let mut remap: Vec<(u32, Oid, Oid)> = Vec::new();
            for r in &p.revisions {
                let old = id_to_oid(&r.commit)?;
                let new =
                    self.redacted_revision(old, title, rationale, words.contains(&r.number))?;
                if new != old {
                    remap.push((r.number, old, new));
                }
            }
            let map_id = |v: &str| {
                remap
                    .iter()
                    .find(|(_, old, _)| old.to_string() == v)
                    .map(|(_, _, new)| new.to_string())
            };
            let words_text: Vec<String> = words.iter().map(u32::to_string).collect();
            let rewritten = self.rewrite_log(tip, PROPOSAL_FILE, &mut |state, text| {
                if title {
                    state["title"] = Value::String(REDACTED_TITLE.into());
                    state["title_redacted"] = mark_value.clone();
                }
                if rationale {
                    state["rationale"] = Value::String(REDACTED_RATIONALE.into());
                    state["rationale_redacted"] = mark_value.clone();
                }
                if let Some(list) = state.get_mut("revisions").and_then(Value::as_array_mut) {
                    for rev in list.iter_mut() {
                        if let Some(new) =
                            rev.get("commit").and_then(Value::as_str).and_then(map_id)
                        {
                            rev["commit"] = Value::String(new);
                        }
                        let number = rev.get("number").and_then(Value::as_u64);
                        if number.is_some_and(|r| words.iter().any(|w| u64::from(*w) == r)) {
                            rev["note"] = Value::String(REDACTED_REVISION.into());
                            rev["redacted"] = mark_value.clone();
                        }
                    }
                }
                for (_, v) in text.trailers.iter_mut() {
                    if let Some(new) = map_id(v) {
                        *v = new;
                    }
                }
                let event = text.trailer("Event").map(str::to_string);
                if event.as_deref() == Some("opened") {
                    if title {
                        text.subject = format!("Open proposal {n}: {REDACTED_TITLE}");
                    }
                    if rationale {
                        text.body = REDACTED_RATIONALE.to_string();
                    }
                }
                if matches!(event.as_deref(), Some("revised" | "updated"))
                    && text
                        .trailer("Revision")
                        .is_some_and(|r| words_text.iter().any(|w| w == r))
                {
                    text.body = REDACTED_REVISION.to_string();
                }
                Ok(())
            })?;
            let mut trailers = vec![
                ("Event", "redacted".to_string()),
                ("Proposal", n.to_string()),
            ];
            if title {
                trailers.push(("Redacted", "title".into()));
            }
            if rationale {
                trailers.push(("Redacted", "rationale".into()));
            }
            trailers.extend(words.iter().map(|r| ("Redacted", format!("revision {r}"))));
            let msg = git::message(&format!("Redact proposal {n}"), &reason, &trailers);
            let new_tip = self.append_same_state(rewritten, PROPOSAL_FILE, who, &msg)?;
            match git::cas(&self.repo, &refname, new_tip, Some(tip), "redact proposal")? {
                git::Cas::Done => Ok(Some((tip, new_tip, remap))),
                git::Cas::Lost => Ok(None),
            }
        })?;
        // Follow-up updates: each revision ref to its new commit.
        let mut refs = vec![refname];
        let mut old = vec![old_tip];
        let mut new = vec![new_tip];
        for (r, from, to) in &moved {
            let name = layout::proposal_revision_ref(n, *r);
            git::retry(&name, || match git::ref_target(&self.repo, &name)? {
                Some(at) if at == *to => Ok(Some(())),
                current => match git::cas(&self.repo, &name, *to, current, "redact revision")? {
                    git::Cas::Done => Ok(Some(())),
                    git::Cas::Lost => Ok(None),
                },
            })?;
            refs.push(name);
            old.push(*from);
            new.push(*to);
        }
        self.purge_replaced(&Replaced {
            refs: &refs,
            old: &old,
            new: &new,
            proposals: &[n],
        })?;
        self.proposal(n)
    }

    /// A revision commit recreated with the same parent, author, committer and times, and
    /// with the redacted title or rationale in its message and, if `words`, its parent's
    /// tree. The same commit when nothing changes.
    fn redacted_revision(
        &self,
        commit: Oid,
        title: bool,
        rationale: bool,
        words: bool,
    ) -> Result<Oid> {
        let c = self.repo.find_commit(commit)?;
        let msg = String::from_utf8_lossy(c.message_bytes()).into_owned();
        let (subject, body, trailers) = git::parse_message(&msg);
        let parent = c.parent(0)?;
        let tree = if words { parent.tree()? } else { c.tree()? };
        let msg = if title || rationale {
            let t: Vec<(&str, String)> = trailers
                .iter()
                .map(|(k, v)| (k.as_str(), v.clone()))
                .collect();
            git::message(
                if title { REDACTED_TITLE } else { &subject },
                if rationale { REDACTED_RATIONALE } else { &body },
                &t,
            )
        } else {
            msg
        };
        if !words && !title && !rationale {
            return Ok(commit);
        }
        let (author, committer) = (c.author(), c.committer());
        Ok(self
            .repo
            .commit(None, &author, &committer, &msg, &tree, &[&parent])?)
    }

    /// Recreates the event log ending at `tip`, oldest first, with the same author,
    /// committer, times and order, after `edit` has changed each commit's state (as JSON)
    /// and text. A commit whose state and text `edit` leaves alone keeps its exact message
    /// and state bytes, so the commits before the first change stay the same objects.
    /// Writes objects only; returns the new tip.
    fn rewrite_log(
        &self,
        tip: Oid,
        file: &str,
        edit: &mut dyn FnMut(&mut Value, &mut EventText) -> Result<()>,
    ) -> Result<Oid> {
        let mut walk = self.repo.revwalk()?;
        walk.push(tip)?;
        walk.set_sorting(git2::Sort::TOPOLOGICAL | git2::Sort::REVERSE)?;
        let chain: Vec<Oid> = walk.collect::<std::result::Result<_, _>>()?;
        let mut parent: Option<Oid> = None;
        for oid in &chain {
            let c = self.repo.find_commit(*oid)?;
            let bytes = git::read_path(&self.repo, *oid, file)?
                .ok_or_else(|| Error::storage(format!("event {oid} has no {file}")))?;
            let original: Value = serde_json::from_slice(&bytes)
                .map_err(|e| Error::storage(format!("{file} at {oid} is unreadable: {e}")))?;
            let msg = String::from_utf8_lossy(c.message_bytes()).into_owned();
            let (subject, body, trailers) = git::parse_message(&msg);
            let before = EventText {
                subject,
                body,
                trailers,
            };
            let mut state = original.clone();
            let mut text = before.clone();
            edit(&mut state, &mut text)?;
            let json = if state == original {
                bytes
            } else {
                serde_json::to_vec_pretty(&state).expect("serialises")
            };
            let msg = if text == before {
                msg
            } else {
                let t: Vec<(&str, String)> = text
                    .trailers
                    .iter()
                    .map(|(k, v)| (k.as_str(), v.clone()))
                    .collect();
                git::message(&text.subject, &text.body, &t)
            };
            parent = Some(git::commit_state(
                &self.repo,
                file,
                &json,
                parent,
                &c.author(),
                &c.committer(),
                &msg,
            )?);
        }
        parent.ok_or_else(|| Error::storage(format!("the log at {tip} has no commit")))
    }

    /// Writes (without publishing) an event commit on `parent` with `parent`'s state.
    fn append_same_state(&self, parent: Oid, file: &str, who: &Identity, msg: &str) -> Result<Oid> {
        let bytes = git::read_path(&self.repo, parent, file)?
            .ok_or_else(|| Error::storage("rewritten state is missing"))?;
        let sig = git::signature(who, git::now())?;
        git::commit_state(&self.repo, file, &bytes, Some(parent), &sig, &sig, msg)
    }
}

/// What [`Library::redact_proposal`] removes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RedactProposal {
    /// The title (becomes [`REDACTED_TITLE`]).
    pub title: bool,
    /// The rationale (becomes [`REDACTED_RATIONALE`]).
    pub rationale: bool,
    /// The revisions whose words go (each becomes its base's text).
    pub revisions: Vec<u32>,
}

/// The text of one event commit, as a rewrite may change it.
#[derive(Clone, PartialEq, Eq)]
struct EventText {
    subject: String,
    body: String,
    trailers: Vec<(String, String)>,
}

impl EventText {
    fn trailer(&self, key: &str) -> Option<&str> {
        git::trailer(&self.trailers, key)
    }
}
