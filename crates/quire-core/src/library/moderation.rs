//! Moderation: hiding proposals and comments from pages (recorded as events), and redacting
//! a comment, which removes its text from git by rewriting that one event log.

use git2::Oid;
use serde_json::Value;

use super::comments::{comments_ref, COMMENTS_FILE};
use super::eventlog::{Apply, NewEvent};
use super::proposals::{meta_ref, PROPOSAL_FILE};
use super::{git, Library};
use crate::error::{Error, Result};
use crate::ids::{check_body, Identity};
use crate::model::{CommentTarget, Moderation, Proposal, SectionComments};

/// What replaces a redacted comment's text in event messages.
pub const REDACTED: &str = "[This comment was redacted by a maintainer.]";

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
                    &comments_ref(s),
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
    /// that one ref is rewritten. The old commits become unreachable; `git gc --prune=now`
    /// deletes them here, and mirrors need a forced fetch of the ref.
    pub fn redact_comment(
        &self,
        target: &CommentTarget,
        id: u32,
        who: &Identity,
        reason: &str,
    ) -> Result<()> {
        let reason = check_body("reason", reason, false)?;
        let (refname, file) = match target {
            CommentTarget::Proposal(n) => (meta_ref(*n), PROPOSAL_FILE),
            CommentTarget::Section(s) => (comments_ref(s), COMMENTS_FILE),
        };
        let not_found = || Error::invalid("comment", format!("there is no comment {id}"));
        git::retry(&refname, || {
            let Some(tip) = git::ref_target(&self.repo, &refname)? else {
                return Err(match target {
                    CommentTarget::Proposal(n) => Error::UnknownProposal(*n),
                    CommentTarget::Section(_) => not_found(),
                });
            };
            let mut walk = self.repo.revwalk()?;
            walk.push(tip)?;
            walk.set_sorting(git2::Sort::TOPOLOGICAL | git2::Sort::REVERSE)?;
            let chain: Vec<Oid> = walk.collect::<std::result::Result<_, _>>()?;
            let mark = moderation(who, &reason);
            let mut parent: Option<Oid> = None;
            let mut found = false;
            for oid in &chain {
                let c = self.repo.find_commit(*oid)?;
                let mut state: Value = self.state_at(*oid, file)?;
                let mut touched = false;
                if let Some(list) = state.get_mut("comments").and_then(Value::as_array_mut) {
                    for cm in list.iter_mut() {
                        if cm.get("id").and_then(Value::as_u64) == Some(u64::from(id)) {
                            if cm.get("redacted").is_some_and(|r| !r.is_null()) {
                                return Err(Error::NoChange(format!(
                                    "comment {id} is already redacted"
                                )));
                            }
                            cm["body"] = Value::String(String::new());
                            cm["redacted"] = serde_json::to_value(&mark).expect("serialises");
                            touched = true;
                        }
                    }
                }
                found |= touched;
                let msg = String::from_utf8_lossy(c.message_bytes()).into_owned();
                let (subject, _, trailers) = git::parse_message(&msg);
                let is_the_comment = git::trailer(&trailers, "Event") == Some("commented")
                    && git::trailer(&trailers, "Comment") == Some(&id.to_string());
                let msg = if is_the_comment {
                    let t: Vec<(&str, String)> = trailers
                        .iter()
                        .map(|(k, v)| (k.as_str(), v.clone()))
                        .collect();
                    git::message(&subject, REDACTED, &t)
                } else {
                    msg
                };
                let json = serde_json::to_vec_pretty(&state).expect("serialises");
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
            if !found {
                return Err(not_found());
            }
            let tip_state: Value = {
                let bytes = git::read_path(&self.repo, parent.expect("a log has a commit"), file)?
                    .ok_or_else(|| Error::Storage("rewritten state is missing".into()))?;
                serde_json::from_slice(&bytes).map_err(|e| Error::Storage(e.to_string()))?
            };
            let mut trailers = vec![
                ("Event", "redacted".to_string()),
                ("Comment", id.to_string()),
            ];
            match target {
                CommentTarget::Proposal(n) => trailers.insert(1, ("Proposal", n.to_string())),
                CommentTarget::Section(s) => trailers.insert(1, ("Section", s.to_string())),
            }
            let sig = git::signature(who, git::now())?;
            let msg = git::message(&format!("Redact comment {id}"), &reason, &trailers);
            let json = serde_json::to_vec_pretty(&tip_state).expect("serialises");
            let new_tip = git::commit_state(&self.repo, file, &json, parent, &sig, &sig, &msg)?;
            match git::cas(&self.repo, &refname, new_tip, Some(tip), "redact comment")? {
                git::Cas::Done => Ok(Some(())),
                git::Cas::Lost => Ok(None),
            }
        })
    }
}
