//! Merging proposals into `main`, checking mergeability, and updating (rebasing) a
//! proposal onto the current `main`.
//!
//! The deciding update of a merge is the compare-and-swap of `main` to a merge commit whose
//! second parent is the proposal's revision. A proposal is merged exactly when one of its
//! revisions is reachable from `main`; the `merged` event that follows is bookkeeping that
//! the repair pass completes if a crash skipped it.

use git2::{ErrorCode, Index, IndexEntry, IndexTime, MergeOptions, Oid};

use super::eventlog::{Apply, NewEvent};
use super::proposals::require_open;
use super::{git, id_to_oid, oid_to_id, Library};
use crate::error::{ConflictHunk, ConflictReport, Error, Result, SectionConflict};
use crate::ids::{check_section_text, Identity, SectionId};
use crate::layout::MAIN_REF;
use crate::layout::{self, PROPOSAL_FILE};
use crate::model::{
    MergeInfo, Mergeability, Proposal, Review, ReviewRules, RevisionKind, Status, Verdict,
};

enum Trial {
    Clean(Index),
    Conflict(ConflictReport),
    AlreadyIn,
}

impl Library {
    fn trial_merge(&self, p: &Proposal, main: Oid) -> Result<Trial> {
        let rev = id_to_oid(&p.latest().commit)?;
        if rev == main || self.repo.graph_descendant_of(main, rev)? {
            return Ok(Trial::AlreadyIn);
        }
        let ours = self.repo.find_commit(main)?;
        let theirs = self.repo.find_commit(rev)?;
        let mut opts = MergeOptions::new();
        opts.find_renames(false);
        let index = self.repo.merge_commits(&ours, &theirs, Some(&opts))?;
        if index.has_conflicts() {
            Ok(Trial::Conflict(self.conflict_report(p.number, &index)?))
        } else {
            Ok(Trial::Clean(index))
        }
    }

    fn conflict_report(&self, number: u64, index: &Index) -> Result<ConflictReport> {
        let mut sections = Vec::new();
        for c in index.conflicts()? {
            let c = c?;
            let path = [&c.our, &c.their, &c.ancestor]
                .iter()
                .find_map(|e| {
                    e.as_ref()
                        .map(|e| String::from_utf8_lossy(&e.path).into_owned())
                })
                .unwrap_or_default();
            let section = crate::layout::parse_section_path(&path)
                .map(str::to_string)
                .unwrap_or(path);
            let hunks = match (&c.ancestor, &c.our, &c.their) {
                (Some(a), Some(o), Some(t)) => {
                    let merged = self.repo.merge_file_from_index(a, o, t, None)?;
                    parse_conflict_markers(&String::from_utf8_lossy(merged.content()))
                }
                (_, o, t) => vec![ConflictHunk {
                    main: self.blob_text(o.as_ref().map(|e| e.id)),
                    proposal: self.blob_text(t.as_ref().map(|e| e.id)),
                }],
            };
            sections.push(SectionConflict { section, hunks });
        }
        Ok(ConflictReport { number, sections })
    }

    fn blob_text(&self, id: Option<Oid>) -> String {
        id.and_then(|id| self.repo.find_blob(id).ok())
            .map(|b| String::from_utf8_lossy(b.content()).into_owned())
            .unwrap_or_default()
    }

    /// True if revision commit `rev` (whose parent is its `base`, a commit on `main`'s
    /// history) merges into `main` without conflict. The merge base of the two is `base`
    /// (FORMAT.md), so this is one 3-way merge of three trees, with no history walk.
    pub(crate) fn merges_cleanly(&self, rev: Oid, base: Oid, main: Oid) -> Result<bool> {
        if rev == main {
            return Ok(true);
        }
        let tree = |c: Oid| -> Result<git2::Tree<'_>> { Ok(self.repo.find_commit(c)?.tree()?) };
        let mut opts = MergeOptions::new();
        opts.find_renames(false);
        let index = self
            .repo
            .merge_trees(&tree(base)?, &tree(main)?, &tree(rev)?, Some(&opts))?;
        Ok(!index.has_conflicts())
    }

    /// As [`Library::merges_cleanly`], given `paths`: the files `rev` changes against
    /// `base`. Every other file merges to `main`'s version, so only these need a look. A
    /// file that is the same blob in two of the three trees merges without reading it;
    /// one changed on both sides is one 3-way text merge of three blobs, as the tree merge
    /// would make. Anything else (a file added, deleted, or with another mode on some side)
    /// falls back to the tree merge.
    pub(crate) fn merges_cleanly_at(
        &self,
        rev: Oid,
        base: Oid,
        main: Oid,
        paths: &[String],
    ) -> Result<bool> {
        if rev == main || base == main {
            return Ok(true);
        }
        let tree = |c: Oid| -> Result<git2::Tree<'_>> { Ok(self.repo.find_commit(c)?.tree()?) };
        let (tb, tm, tr) = (tree(base)?, tree(main)?, tree(rev)?);
        for path in paths {
            let at = |t: &git2::Tree<'_>| -> Result<Option<IndexEntry>> {
                match t.get_path(std::path::Path::new(path)) {
                    Ok(e) if e.kind() == Some(git2::ObjectType::Blob) => Ok(Some(IndexEntry {
                        ctime: IndexTime::new(0, 0),
                        mtime: IndexTime::new(0, 0),
                        dev: 0,
                        ino: 0,
                        mode: u32::try_from(e.filemode()).unwrap_or(0),
                        uid: 0,
                        gid: 0,
                        file_size: 0,
                        id: e.id(),
                        flags: 0,
                        flags_extended: 0,
                        path: path.as_bytes().to_vec(),
                    })),
                    Ok(_) => Ok(None),
                    Err(e) if e.code() == ErrorCode::NotFound => Ok(None),
                    Err(e) => Err(e.into()),
                }
            };
            let (Some(b), Some(m), Some(r)) = (at(&tb)?, at(&tm)?, at(&tr)?) else {
                return self.merges_cleanly(rev, base, main);
            };
            if b.mode != m.mode || b.mode != r.mode {
                return self.merges_cleanly(rev, base, main);
            }
            if m.id == b.id || m.id == r.id || r.id == b.id {
                continue;
            }
            if !self
                .repo
                .merge_file_from_index(&b, &m, &r, None)?
                .is_automergeable()
            {
                return Ok(false);
            }
        }
        Ok(true)
    }

    /// The paths of the files that differ between two commits' trees.
    pub(crate) fn changed_paths(&self, a: Oid, b: Oid) -> Result<Vec<String>> {
        let ta = self.repo.find_commit(a)?.tree()?;
        let tb = self.repo.find_commit(b)?.tree()?;
        let diff = self.repo.diff_tree_to_tree(Some(&ta), Some(&tb), None)?;
        Ok(diff
            .deltas()
            .filter_map(|d| {
                d.new_file()
                    .path()
                    .or_else(|| d.old_file().path())
                    .map(|p| p.to_string_lossy().into_owned())
            })
            .collect())
    }

    /// True if commit `a` is `b` or an ancestor of it.
    pub(crate) fn is_ancestor(&self, a: Oid, b: Oid) -> Result<bool> {
        Ok(a == b || self.repo.graph_descendant_of(b, a)?)
    }

    /// Whether the proposal's latest revision merges cleanly into `main` now.
    pub fn mergeability(&self, n: u64) -> Result<Mergeability> {
        let p = self.proposal(n)?;
        self.mergeability_of(&p)
    }

    /// As [`Library::mergeability`], for a proposal already read.
    pub fn mergeability_of(&self, p: &Proposal) -> Result<Mergeability> {
        if p.status != Status::Open {
            return Ok(Mergeability::Closed);
        }
        Ok(match self.trial_merge(p, self.main_oid()?)? {
            Trial::Clean(_) | Trial::AlreadyIn => Mergeability::Clean,
            Trial::Conflict(report) => Mergeability::Conflict { report },
        })
    }

    /// Merges an approved, open proposal's latest revision into `main` with a real 3-way
    /// merge. The merge commit is authored by the proposer and committed by `who`. A
    /// conflict is refused with [`Error::Conflict`] and changes nothing.
    ///
    /// The proposal's event log is locked for the whole merge (read state, advance `main`,
    /// append `merged`), so no rejection, withdrawal, review or revision can be acknowledged
    /// between the deciding update of `main` and the `merged` event.
    pub fn merge(&self, n: u64, who: &Identity) -> Result<Proposal> {
        let meta = layout::proposal_log_ref(n);
        if git::ref_target(&self.repo, &meta)?.is_none() {
            return Err(Error::UnknownProposal(n));
        }
        let rules = self.review_rules()?;
        git::retry("merging into main", || {
            let mut tx = self.repo.transaction()?;
            match tx.lock_ref(&meta) {
                Ok(()) => {}
                Err(e) if e.code() == ErrorCode::Locked => {
                    git::remove_if_stale(&self.repo.path().join(format!("{meta}.lock")));
                    return Ok(None);
                }
                Err(e) => return Err(e.into()),
            }
            let (tip, mut p) = self
                .read_log_state::<Proposal>(&meta, PROPOSAL_FILE)?
                .ok_or(Error::UnknownProposal(n))?;
            require_open(&p, "merged")?;
            if p.latest().redacted.is_some() {
                return Err(Error::invalid(
                    "proposal",
                    format!(
                        "the text of revision {} of proposal {n} was redacted, so there is nothing to merge; the proposal needs a new revision first",
                        p.latest().number
                    ),
                ));
            }
            check_approved(&p, &rules)?;
            let merge_commit = self.advance_main(&p, who)?;
            let Some(event) = merged_event(&self.repo, &mut p, who, merge_commit)? else {
                return Ok(Some(p));
            };
            p.updated = git::rfc3339(git::now());
            let commit = self.write_event(PROPOSAL_FILE, &p, &event, who, Some(tip))?;
            tx.set_target(&meta, commit, None, "merged")?;
            // Like every ref update, in the change journal before and after.
            crate::journal::append(&self.repo, &meta, commit);
            tx.commit()?;
            crate::journal::append(&self.repo, &meta, commit);
            Ok(Some(p))
        })
    }

    /// Makes the merge commit of `p`'s latest revision and swaps `main` to it (retrying
    /// when another writer moves `main` first). Returns the merge commit, or the existing
    /// one if `main` already has the revision.
    fn advance_main(&self, p: &Proposal, who: &Identity) -> Result<Oid> {
        let n = p.number;
        let reviewers: Vec<String> = p
            .current_verdicts()
            .iter()
            .filter(|r| r.verdict == Verdict::Approved)
            .map(|r| r.reviewer.to_string())
            .collect();
        let rev = id_to_oid(&p.latest().commit)?;
        git::retry("advancing main", || {
            let main = self.main_oid()?;
            let mut index = match self.trial_merge(p, main)? {
                Trial::AlreadyIn => return Ok(Some(self.find_merge_commit(rev)?.unwrap_or(main))),
                Trial::Conflict(report) => return Err(Error::Conflict(report)),
                Trial::Clean(index) => index,
            };
            let tree = self.repo.find_tree(index.write_tree_to(&self.repo)?)?;
            let at = git::now();
            let author = git::signature(&p.author, at)?;
            let committer = git::signature(who, at)?;
            let mut trailers: Vec<(&str, String)> = vec![
                ("Proposal", n.to_string()),
                ("Revision", p.latest().number.to_string()),
            ];
            trailers.extend(p.sections.iter().map(|s| ("Section", s.to_string())));
            trailers.extend(reviewers.iter().map(|r| ("Reviewed-by", r.clone())));
            let msg = git::message(&format!("{} (#{n})", p.title), &p.rationale, &trailers);
            let parents = [&self.repo.find_commit(main)?, &self.repo.find_commit(rev)?];
            let commit = self
                .repo
                .commit(None, &author, &committer, &msg, &tree, &parents)?;
            match git::cas(
                &self.repo,
                MAIN_REF,
                commit,
                Some(main),
                &format!("merge proposal {n}"),
            )? {
                git::Cas::Done => Ok(Some(commit)),
                git::Cas::Lost => Ok(None),
            }
        })
    }

    /// Appends the `merged` event (idempotent: does nothing if already recorded). Used by
    /// the repair pass when a crash came between the advance of `main` and the event.
    pub(crate) fn record_merged(&self, n: u64, who: &Identity, commit: Oid) -> Result<Proposal> {
        self.append_event(
            &layout::proposal_log_ref(n),
            PROPOSAL_FILE,
            who,
            |state: Option<Proposal>| {
                let mut p = state.ok_or(Error::UnknownProposal(n))?;
                match merged_event(&self.repo, &mut p, who, commit)? {
                    Some(event) => {
                        p.updated = git::rfc3339(git::now());
                        Ok(Apply::Write(p, event))
                    }
                    None => Ok(Apply::Unchanged(p)),
                }
            },
        )
    }

    /// If `main` already holds one of an open proposal's revisions (a merge whose `merged`
    /// event a crash cut off), records the merge now. Every write to a proposal calls this
    /// first, so no rejection, withdrawal or revision is acknowledged for a proposal that
    /// is in fact merged. Returns true if it recorded a merge.
    pub(crate) fn complete_merge(&self, n: u64) -> Result<bool> {
        let Some((_, p)) =
            self.read_log_state::<Proposal>(&layout::proposal_log_ref(n), PROPOSAL_FILE)?
        else {
            return Ok(false);
        };
        if p.status != Status::Open {
            return Ok(false);
        }
        let main = self.main_oid()?;
        for r in p.revisions.iter().rev() {
            let rev = id_to_oid(&r.commit)?;
            if rev == main || self.repo.graph_descendant_of(main, rev)? {
                return match self.find_merge_commit(rev)? {
                    Some(merge) => {
                        let committer =
                            git::identity_of(&self.repo.find_commit(merge)?.committer());
                        self.record_merged(n, &committer, merge)?;
                        Ok(true)
                    }
                    None => Ok(false),
                };
            }
        }
        Ok(false)
    }

    /// The first-parent commit of `main` whose second parent is `rev`.
    pub(crate) fn find_merge_commit(&self, rev: Oid) -> Result<Option<Oid>> {
        let mut walk = self.repo.revwalk()?;
        walk.push(self.main_oid()?)?;
        walk.simplify_first_parent()?;
        for oid in walk {
            let c = self.repo.find_commit(oid?)?;
            if c.parent_count() > 1 && c.parent_id(1)? == rev {
                return Ok(Some(c.id()));
            }
        }
        Ok(None)
    }

    /// Rebases a proposal onto the current `main` as a new revision. Sections that merge
    /// cleanly take the merged text; a conflicting section needs its resolved text in
    /// `resolutions`, or the update is refused with the conflict report. A clean update keeps
    /// the standing approvals (the change itself is the same).
    pub fn update(
        &self,
        n: u64,
        who: &Identity,
        resolutions: &[(SectionId, String)],
    ) -> Result<Proposal> {
        let p = self.proposal(n)?;
        require_open(&p, "updated")?;
        let main = self.main_oid()?;
        let latest = p.latest();
        if id_to_oid(&latest.base)? == main && resolutions.is_empty() {
            return Err(Error::NoChange(format!(
                "proposal {n} is already based on the current main"
            )));
        }
        let main_commit = self.repo.find_commit(main)?;
        let rev_commit = self.repo.find_commit(id_to_oid(&latest.commit)?)?;
        let index = self.repo.merge_commits(&main_commit, &rev_commit, None)?;
        let report = if index.has_conflicts() {
            Some(self.conflict_report(n, &index)?)
        } else {
            None
        };
        let manifest = self.manifest_at(main)?;
        for (id, _) in resolutions {
            if !p.sections.contains(id) {
                return Err(Error::invalid(
                    "resolution",
                    format!("section '{id}' is not part of proposal {n}"),
                ));
            }
        }
        let mut changes = Vec::new();
        for id in &p.sections {
            if !manifest.contains(id) {
                return Err(Error::UnknownSection(format!("{id} (no longer on main)")));
            }
            let conflicted = report
                .as_ref()
                .is_some_and(|r| r.sections.iter().any(|s| s.section == id.as_str()));
            let text = match resolutions.iter().find(|(s, _)| s == id) {
                Some((_, t)) => check_section_text(id, t)?,
                None if conflicted => {
                    let report = report.clone().expect("conflicted implies a report");
                    return Err(Error::Conflict(report));
                }
                None => {
                    let entry = index
                        .get_path(std::path::Path::new(&id.path()), 0)
                        .ok_or_else(|| {
                            Error::storage(format!("merged index lacks {}", id.path()))
                        })?;
                    self.blob_text(Some(entry.id))
                }
            };
            if text != self.section_text_at(main, id)? {
                changes.push((id.clone(), text));
            }
        }
        if changes.is_empty() {
            return Err(Error::NoChange(format!(
                "on the current main, proposal {n} would change nothing (main already has its text); withdraw it instead"
            )));
        }
        let tree = self.repo.find_tree(self.tree_with(main, &changes)?)?;
        let sig = git::signature(who, git::now())?;
        let trailers: Vec<(&str, String)> = changes
            .iter()
            .map(|(id, _)| ("Section", id.to_string()))
            .collect();
        let msg = git::message(&p.title, &p.rationale, &trailers);
        let commit = self
            .repo
            .commit(None, &sig, &sig, &msg, &tree, &[&main_commit])?;
        let clean = report.is_none() && resolutions.is_empty();
        let note = if clean {
            "Updated onto the current main; it merged cleanly.".to_string()
        } else {
            "Updated onto the current main, with conflicts resolved by hand.".to_string()
        };
        let sections = changes.iter().map(|(id, _)| id.clone()).collect();
        let updated = self.add_revision(
            n,
            who,
            latest.number,
            commit,
            main,
            sections,
            RevisionKind::Updated,
            &note,
        )?;
        if clean {
            self.carry_approvals(n, who, &p, &updated)
        } else {
            Ok(updated)
        }
    }

    fn carry_approvals(
        &self,
        n: u64,
        who: &Identity,
        before: &Proposal,
        after: &Proposal,
    ) -> Result<Proposal> {
        // Only an approved proposal keeps its approvals: carrying them past a standing change
        // request would let an update clear that request.
        if !before.is_approved(&self.review_rules()?) {
            return Ok(after.clone());
        }
        let carried: Vec<Review> = before
            .current_verdicts()
            .into_iter()
            .filter(|r| r.verdict == Verdict::Approved)
            .map(|r| Review {
                revision: after.latest().number,
                comment: format!("Carried over from revision {}: a clean update.", r.revision),
                ..r.clone()
            })
            .collect();
        if carried.is_empty() {
            return Ok(after.clone());
        }
        let revision = after.latest().number;
        self.update_proposal(n, who, |p| {
            if p.latest().number != revision {
                return Ok(None);
            }
            p.reviews.extend(carried.iter().cloned());
            Ok(Some(NewEvent {
                kind: "approved",
                subject: format!("Carry approvals of proposal {n} over to revision {revision}"),
                body: "The update merged cleanly, so the change is the same.".into(),
                trailers: vec![
                    ("Proposal", n.to_string()),
                    ("Revision", revision.to_string()),
                    ("Verdict", "approved".into()),
                ],
            }))
        })
    }
}

/// Refuses a proposal whose latest revision lacks enough standing approvals under `rules`.
fn check_approved(p: &Proposal, rules: &ReviewRules) -> Result<()> {
    let status = p.approval_status(rules);
    if status.is_approved() {
        return Ok(());
    }
    let latest = p.latest().number;
    let reason = if status.changes_requested {
        format!("changes were requested on revision {latest}")
    } else {
        let own = if rules.author_approval_counts {
            ""
        } else {
            " (an author's own approval does not count)"
        };
        if status.counted == 0 {
            format!(
                "revision {latest} has no approval yet, and it needs {}{own}",
                status.needed
            )
        } else {
            format!(
                "revision {latest} has {} of the {} approvals it needs{own}",
                status.counted, status.needed
            )
        }
    };
    Err(Error::NotApproved {
        number: p.number,
        reason,
    })
}

/// Marks `p` merged as `commit` and describes the `merged` event; `None` if it already is.
fn merged_event(
    repo: &git2::Repository,
    p: &mut Proposal,
    who: &Identity,
    commit: Oid,
) -> Result<Option<NewEvent>> {
    if p.status == Status::Merged {
        return Ok(None);
    }
    let n = p.number;
    let merged_commit = repo.find_commit(commit)?;
    let revision = merged_commit
        .parent_id(1)
        .ok()
        .and_then(|second| {
            p.revisions
                .iter()
                .find(|r| r.commit.0 == second.to_string())
        })
        .map_or(p.latest().number, |r| r.number);
    p.status = Status::Merged;
    p.merged = Some(MergeInfo {
        commit: oid_to_id(commit),
        by: who.clone(),
        at: git::rfc3339(git::now()),
        revision,
    });
    Ok(Some(crate::events::merged(
        n,
        revision,
        &commit.to_string(),
    )))
}

/// Reads git's conflict markers (`<<<<<<<`, `=======`, `>>>>>>>`, optional `|||||||`) into
/// hunks.
fn parse_conflict_markers(text: &str) -> Vec<ConflictHunk> {
    #[derive(PartialEq)]
    enum At {
        Outside,
        Ours,
        Base,
        Theirs,
    }
    let mut at = At::Outside;
    let mut hunks = Vec::new();
    let (mut ours, mut theirs) = (String::new(), String::new());
    for line in text.split_inclusive('\n') {
        if line.starts_with("<<<<<<<") && at == At::Outside {
            at = At::Ours;
        } else if line.starts_with("|||||||") && at == At::Ours {
            at = At::Base;
        } else if line.starts_with("=======") && (at == At::Ours || at == At::Base) {
            at = At::Theirs;
        } else if line.starts_with(">>>>>>>") && at == At::Theirs {
            hunks.push(ConflictHunk {
                main: std::mem::take(&mut ours),
                proposal: std::mem::take(&mut theirs),
            });
            at = At::Outside;
        } else {
            match at {
                At::Ours => ours.push_str(line),
                At::Theirs => theirs.push_str(line),
                At::Outside | At::Base => {}
            }
        }
    }
    hunks
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conflict_markers_become_hunks() {
        let text = "a\n<<<<<<< ours\nmain text\n=======\nproposal text\n>>>>>>> theirs\nb\n";
        let h = parse_conflict_markers(text);
        assert_eq!(h.len(), 1);
        assert_eq!(h[0].main, "main text\n");
        assert_eq!(h[0].proposal, "proposal text\n");
    }
}
