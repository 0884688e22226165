//! After a redaction has rewritten some refs: removing what they used to reach from the
//! repository itself, so that no object, journal line or saved summary keeps the text.
//! See docs/FORMAT.md, "Redaction".

use std::collections::HashSet;

use git2::{Oid, Repository, TreeWalkMode, TreeWalkResult};

use super::{git, Library};
use crate::error::{Error, Result};
use crate::layout::MAIN_REF;

/// What a redaction replaced.
pub(crate) struct Replaced<'a> {
    /// The refs that were rewritten.
    pub refs: &'a [String],
    /// What they pointed at before.
    pub old: &'a [Oid],
    /// What they point at now.
    pub new: &'a [Oid],
    /// The proposals whose saved summaries must go.
    pub proposals: &'a [u64],
}

impl Library {
    /// Deletes every object that only the old targets reached: the old commits, each
    /// tree and blob of theirs that no ref (or reflog) reaches any more, and unreachable
    /// loose commits made on top of them (writes that lost a race on the old log). Loose
    /// objects are deleted one by one; if any of them is also in a pack, the packs are
    /// rewritten to hold only reachable objects. Then drops the journal lines that name
    /// the old commits and the saved summaries of the proposals. See FORMAT.md,
    /// "Redaction", for why this is safe beside concurrent writers.
    pub(crate) fn purge_replaced(&self, what: &Replaced<'_>) -> Result<()> {
        // Reflogs are not written by Quire, but a library configured to keep them would
        // keep the old commits through them.
        for name in what.refs {
            let log = self.repo.path().join("logs").join(name);
            match std::fs::remove_file(&log) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(source) => return Err(Error::Io { path: log, source }),
            }
        }
        let commits = self.commits_only_reached_by(what.old, what.new)?;
        let mut candidates: HashSet<Oid> = HashSet::new();
        for c in &commits {
            candidates.insert(*c);
            let tree = self.repo.find_commit(*c)?.tree()?;
            candidates.insert(tree.id());
            tree.walk(TreeWalkMode::PreOrder, |_, entry| {
                candidates.insert(entry.id());
                TreeWalkResult::Ok
            })?;
        }
        // Loose objects no ref reaches: among them, writes that lost a race on the old
        // log (their state, made from an old one, holds the text too).
        let mut unreachable = self.loose_objects()?;
        git::run_git_lines(
            &self.repo,
            &["rev-list", "--objects", "--all", "--reflog"],
            |line| {
                if let Some(id) = line
                    .get(..40)
                    .and_then(|hex| std::str::from_utf8(hex).ok())
                    .and_then(|hex| Oid::from_str(hex).ok())
                {
                    candidates.remove(&id);
                    unreachable.remove(&id);
                }
            },
        )?;
        let mut gone: HashSet<Oid> = commits.iter().copied().collect();
        let loose_commits: Vec<(Oid, Vec<Oid>, Oid)> = unreachable
            .iter()
            .filter_map(|id| self.repo.find_commit(*id).ok())
            .map(|c| (c.id(), c.parent_ids().collect(), c.tree_id()))
            .collect();
        loop {
            let mut grew = false;
            for (id, parents, tree) in &loose_commits {
                if gone.contains(id) || !parents.iter().any(|p| gone.contains(p)) {
                    continue;
                }
                gone.insert(*id);
                grew = true;
                candidates.insert(*id);
                if let Ok(tree) = self.repo.find_tree(*tree) {
                    let mut add = |id: Oid| {
                        if unreachable.contains(&id) {
                            candidates.insert(id);
                        }
                    };
                    add(tree.id());
                    tree.walk(TreeWalkMode::PreOrder, |_, entry| {
                        add(entry.id());
                        TreeWalkResult::Ok
                    })?;
                }
            }
            if !grew {
                break;
            }
        }
        self.delete_loose(&candidates)?;
        // A fresh handle: this one's object database may remember packs and objects. A
        // cruft pack (`git gc` of git 2.37 and later) holds unreachable objects too.
        if self.has_cruft_pack() || !still_present(self.repo.path(), &candidates)?.is_empty() {
            self.repack_reachable()?;
            let left = still_present(self.repo.path(), &candidates)?;
            if !left.is_empty() {
                return Err(Error::storage(format!(
                    "{} replaced objects are still in the repository after repacking (a `.keep` pack or an alternate object store keeps them), for example {}",
                    left.len(),
                    left[0]
                )));
            }
        }
        crate::journal::forget(&self.repo, &gone).map_err(|source| Error::Io {
            path: self.repo.path().join(crate::layout::JOURNAL),
            source,
        })?;
        crate::index::forget_saved(self.git_dir(), what.proposals).map_err(|source| Error::Io {
            path: self.repo.path().join(crate::index::SAVED_INDEX),
            source,
        })?;
        Ok(())
    }

    /// After an event-log write lost its compare-and-swap: if the log was rewritten (its
    /// new tip no longer descends from the `parent` the write was made on), that write's
    /// commit, tree and state file were made from a state a redaction has since removed,
    /// so they are deleted. They are this writer's own objects and are unreachable: any
    /// identical object would have the same old parent and would have lost too. Objects
    /// the log's current chain reaches (a state unchanged by the rewrite) are kept.
    pub(crate) fn discard_lost_write(&self, refname: &str, parent: Option<Oid>, commit: Oid) {
        let (Some(parent), Ok(Some(tip))) = (parent, git::ref_target(&self.repo, refname)) else {
            return;
        };
        // A parent that is gone was deleted by a redaction's purge.
        let parent_gone = self.repo.find_commit(parent).is_err();
        if !parent_gone
            && (tip == parent || self.repo.graph_descendant_of(tip, parent).unwrap_or(true))
        {
            return;
        }
        let _ = (|| -> Result<()> {
            let mut mine: HashSet<Oid> = HashSet::from([commit]);
            let tree = self.repo.find_commit(commit)?.tree()?;
            mine.insert(tree.id());
            tree.walk(TreeWalkMode::PreOrder, |_, e| {
                mine.insert(e.id());
                TreeWalkResult::Ok
            })?;
            let mut walk = self.repo.revwalk()?;
            walk.push(tip)?;
            for c in walk {
                let tree = self.repo.find_commit(c?)?.tree()?;
                mine.remove(&tree.id());
                tree.walk(TreeWalkMode::PreOrder, |_, e| {
                    mine.remove(&e.id());
                    TreeWalkResult::Ok
                })?;
            }
            self.delete_loose(&mine)
        })();
    }

    /// Rewrites the packs so that they hold only reachable objects: `git repack -a` writes
    /// one new pack of everything reachable, then the packs that were there before are
    /// deleted. Not `git repack -a -d`: its `prune-packed` step removes empty
    /// `objects/xx` folders, which makes a concurrent writer's object write fail. Loose
    /// objects are left alone (a concurrent writer's fresh ones among them).
    fn repack_reachable(&self) -> Result<()> {
        let pack_dir = self.repo.path().join("objects/pack");
        let before = packs_in(&pack_dir)?;
        git::run_git(
            &self.repo,
            &["repack", "-a", "-q", "--no-write-bitmap-index"],
        )?;
        for stem in before {
            if pack_dir.join(format!("{stem}.keep")).exists() {
                continue;
            }
            // The index first, so no reader finds a pack whose data is going.
            for ext in ["idx", "pack", "rev", "bitmap", "mtimes", "promisor"] {
                let path = pack_dir.join(format!("{stem}.{ext}"));
                match std::fs::remove_file(&path) {
                    Ok(()) => {}
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                    Err(source) => return Err(Error::Io { path, source }),
                }
            }
        }
        Ok(())
    }

    /// Every loose object's id.
    fn loose_objects(&self) -> Result<HashSet<Oid>> {
        let objects = self.repo.path().join("objects");
        let mut out = HashSet::new();
        for byte in 0..=255u8 {
            let dir = objects.join(format!("{byte:02x}"));
            let entries = match std::fs::read_dir(&dir) {
                Ok(e) => e,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
                Err(source) => return Err(Error::Io { path: dir, source }),
            };
            for entry in entries.flatten() {
                let name = entry.file_name();
                if let Ok(id) = Oid::from_str(&format!("{byte:02x}{}", name.to_string_lossy())) {
                    if name.len() == 38 {
                        out.insert(id);
                    }
                }
            }
        }
        Ok(out)
    }

    fn has_cruft_pack(&self) -> bool {
        std::fs::read_dir(self.repo.path().join("objects/pack")).is_ok_and(|d| {
            d.flatten()
                .any(|e| e.path().extension().is_some_and(|x| x == "mtimes"))
        })
    }

    /// Deletes the loose files of `ids` (those that are loose).
    pub(crate) fn delete_loose(&self, ids: &HashSet<Oid>) -> Result<()> {
        let objects = self.repo.path().join("objects");
        for id in ids {
            let hex = id.to_string();
            let loose = objects.join(&hex[..2]).join(&hex[2..]);
            match std::fs::remove_file(&loose) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(source) => {
                    return Err(Error::Io {
                        path: loose,
                        source,
                    })
                }
            }
        }
        Ok(())
    }

    /// The commits reachable from `old` but from none of `new` nor `main`.
    fn commits_only_reached_by(&self, old: &[Oid], new: &[Oid]) -> Result<Vec<Oid>> {
        let mut walk = self.repo.revwalk()?;
        for o in old {
            walk.push(*o)?;
        }
        for n in new {
            walk.hide(*n)?;
        }
        if let Some(main) = git::ref_target(&self.repo, MAIN_REF)? {
            walk.hide(main)?;
        }
        Ok(walk.collect::<std::result::Result<_, _>>()?)
    }
}

/// Which of `ids` a newly opened handle on the repository still finds.
fn still_present(path: &std::path::Path, ids: &HashSet<Oid>) -> Result<Vec<Oid>> {
    let repo = Repository::open(path)?;
    let odb = repo.odb()?;
    Ok(ids.iter().copied().filter(|id| odb.exists(*id)).collect())
}

/// The stems (`pack-<hash>`) of the packs in a pack folder.
fn packs_in(dir: &std::path::Path) -> Result<Vec<String>> {
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(source) => {
            return Err(Error::Io {
                path: dir.to_path_buf(),
                source,
            })
        }
    };
    Ok(entries
        .flatten()
        .filter_map(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            name.strip_suffix(".idx").map(str::to_string)
        })
        .collect())
}
