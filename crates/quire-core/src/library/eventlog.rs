//! Event logs: a ref whose commits are one event each, with a readable message, trailers,
//! and a tree holding the whole current state as one JSON file (the NoteDb pattern).

use git2::Oid;
use serde::de::DeserializeOwned;
use serde::Serialize;

use super::git;
use super::Library;
use crate::error::{Error, Result};
use crate::ids::Identity;
use crate::model::{Event, Stored};

pub(crate) use crate::events::EventMessage as NewEvent;

/// The outcome of applying an event to a state.
pub(crate) enum Apply<T> {
    /// Write this new state with this event.
    Write(T, NewEvent),
    /// Nothing to write (the change is already there); return this state.
    Unchanged(T),
}

impl Library {
    /// Reads the state file at the tip of an event log; `None` if the ref does not exist.
    pub(crate) fn read_log_state<T: DeserializeOwned + Stored>(
        &self,
        refname: &str,
        file: &str,
    ) -> Result<Option<(Oid, T)>> {
        let Some(tip) = git::ref_target(&self.repo, refname)? else {
            return Ok(None);
        };
        Ok(Some((tip, self.state_at(tip, file)?)))
    }

    /// Reads and checks (see [`Stored`]) the state file of one event commit.
    pub(crate) fn state_at<T: DeserializeOwned + Stored>(
        &self,
        commit: Oid,
        file: &str,
    ) -> Result<T> {
        let bytes = git::read_path(&self.repo, commit, file)?
            .ok_or_else(|| Error::storage(format!("event {commit} has no {file}")))?;
        let state: T = serde_json::from_slice(&bytes)
            .map_err(|e| Error::storage(format!("{file} at {commit} is unreadable: {e}")))?;
        state
            .check()
            .map_err(|why| Error::storage(format!("{file} at {commit} is invalid: {why}")))?;
        Ok(state)
    }

    /// Appends one event to a log with compare-and-swap, retrying from a fresh read when
    /// another writer got there first. `apply` sees the current state (`None` when the log
    /// does not exist yet) and may refuse with an error, in which case nothing is written.
    pub(crate) fn append_event<T, F>(
        &self,
        refname: &str,
        file: &str,
        actor: &Identity,
        mut apply: F,
    ) -> Result<T>
    where
        T: Serialize + DeserializeOwned + Stored,
        F: FnMut(Option<T>) -> Result<Apply<T>>,
    {
        // A redaction rewrites a log and deletes its old commits: a read or write that
        // fails because the commit it started from is gone is a lost race, not an error.
        let rewritten = |from: Option<Oid>| {
            from.is_some_and(|t| git::ref_target(&self.repo, refname).ok() != Some(Some(t)))
        };
        git::retry(refname, || {
            let before = git::ref_target(&self.repo, refname)?;
            let current = match self.read_log_state::<T>(refname, file) {
                Ok(c) => c,
                Err(_) if rewritten(before) => return Ok(None),
                Err(e) => return Err(e),
            };
            let (tip, state) = match current {
                Some((tip, s)) => (Some(tip), Some(s)),
                None => (None, None),
            };
            match apply(state)? {
                Apply::Unchanged(s) => Ok(Some(s)),
                Apply::Write(new, event) => {
                    let commit = match self.write_event(file, &new, &event, actor, tip) {
                        Ok(c) => c,
                        Err(_) if rewritten(tip) => return Ok(None),
                        Err(e) => return Err(e),
                    };
                    // (A redaction's purge may even have deleted this write's commit.)
                    let swapped = match git::cas(&self.repo, refname, commit, tip, event.kind) {
                        Ok(s) => s,
                        Err(_) if rewritten(tip) => git::Cas::Lost,
                        Err(e) => return Err(e),
                    };
                    match swapped {
                        git::Cas::Done => Ok(Some(new)),
                        git::Cas::Lost => {
                            self.discard_lost_write(refname, tip, commit);
                            Ok(None)
                        }
                    }
                }
            }
        })
    }

    /// Writes (but does not publish) an event commit.
    pub(crate) fn write_event<T: Serialize>(
        &self,
        file: &str,
        state: &T,
        event: &NewEvent,
        actor: &Identity,
        parent: Option<Oid>,
    ) -> Result<Oid> {
        let json = serde_json::to_vec_pretty(state).expect("state always serialises");
        let sig = git::signature(actor, git::now())?;
        git::commit_state(
            &self.repo,
            file,
            &json,
            parent,
            &sig,
            &sig,
            &event.message(),
        )
    }

    /// Every event of a log, oldest first.
    pub(crate) fn read_events(&self, refname: &str) -> Result<Vec<Event>> {
        let Some(tip) = git::ref_target(&self.repo, refname)? else {
            return Ok(Vec::new());
        };
        let mut walk = self.repo.revwalk()?;
        walk.push(tip)?;
        walk.set_sorting(git2::Sort::TOPOLOGICAL | git2::Sort::REVERSE)?;
        let mut out = Vec::new();
        for oid in walk {
            let c = self.repo.find_commit(oid?)?;
            let (summary, body, trailers) =
                git::parse_message(&String::from_utf8_lossy(c.message_bytes()));
            out.push(Event {
                commit: super::oid_to_id(c.id()),
                kind: git::trailer(&trailers, "Event")
                    .unwrap_or("unknown")
                    .to_string(),
                actor: git::identity_of(&c.author()),
                at: git::git_time_rfc3339(c.author().when()),
                summary,
                body,
            });
        }
        Ok(out)
    }
}
