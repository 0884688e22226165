//! [`Library`]: one git repository holding the resource, its proposals, comments and
//! editions. See docs/FORMAT.md for the layout; every write ends in one compare-and-swap
//! of one ref.

mod comments;
mod compare;
pub use compare::SummaryGroup;
mod editions;
mod eventlog;
mod git;
mod merge;
mod moderation;
mod proposals;
mod purge;
mod repair;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use git2::{ErrorCode, Oid, Repository, RepositoryInitOptions};

pub(crate) use git::message as commit_message;
pub use moderation::{
    RedactProposal, REDACTED, REDACTED_RATIONALE, REDACTED_REVISION, REDACTED_TITLE,
};
pub use proposals::{NewProposal, ProposalFilter};
pub use repair::RepairReport;

use crate::error::{Error, Result};
use crate::ids::{check_section_text, EditionSlug, Identity, SectionId};
use crate::layout::{self, MANIFEST_PATH};
use crate::manifest::Manifest;
use crate::model::{CommitId, ReviewRules, Section, SectionDiff, SectionSummary};

/// The git config key holding how many approvals a revision needs.
const REQUIRED_APPROVALS: &str = "quire.requiredApprovals";
/// The git config key saying whether a proposer's own approval counts.
const AUTHOR_APPROVAL_COUNTS: &str = "quire.authorApprovalCounts";
/// The most approvals the rules may ask for.
const MAX_REQUIRED_APPROVALS: u32 = 20;

/// The branch holding the draft of the next edition.
pub use crate::layout::MAIN_REF;

/// An open Quire library.
///
/// A `Library` owns a `git2::Repository` handle and is not `Sync`; open one per thread.
/// Every method reads the refs afresh, so changes made by other processes are seen at once.
pub struct Library {
    repo: Repository,
    path: PathBuf,
    /// The last manifest and table of contents read, by the commit they were read from
    /// (a commit never changes, so this cannot go stale).
    toc: std::cell::RefCell<Option<(Oid, Manifest, Vec<SectionSummary>)>>,
    /// The last manifest parsed, by commit.
    manifest: std::cell::RefCell<Option<(Oid, Manifest)>>,
}

impl std::fmt::Debug for Library {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Library").field("path", &self.path).finish()
    }
}

/// The files of a resource to start a library from: `resource.toml` and
/// `sections/<id>.md`, as (relative path, bytes).
pub type ResourceFiles = Vec<(String, Vec<u8>)>;

impl Library {
    /// Creates a new bare library at `path` from a resource's files and commits them as the
    /// first version of `main`, authored by `who`. `path` must not exist or be an empty
    /// directory. Nothing is left behind if the resource is invalid.
    pub fn init(path: &Path, files: &[(String, Vec<u8>)], who: &Identity) -> Result<Library> {
        let (manifest_text, manifest, sections) = check_resource(files)?;
        if path.exists() {
            let empty = path
                .read_dir()
                .map(|mut d| d.next().is_none())
                .unwrap_or(false);
            if !empty {
                return Err(Error::AlreadyExists(path.to_path_buf()));
            }
        }
        let mut opts = RepositoryInitOptions::new();
        opts.bare(true).initial_head("main").mkpath(true);
        let repo = Repository::init_opts(path, &opts).map_err(|e| Error::Io {
            path: path.to_path_buf(),
            source: std::io::Error::other(e.message().to_string()),
        })?;
        let lib = Library::over(repo, path);
        let tree = lib.build_tree(&manifest_text, &sections)?;
        let at = git::now();
        let sig = git::signature(who, at)?;
        let msg = git::message(
            &format!("Start {} from its first text", manifest.title),
            &format!(
                "{} sections in {} parts.",
                sections.len(),
                manifest.parts.len()
            ),
            &[],
        );
        let commit = {
            let tree = lib.repo.find_tree(tree)?;
            lib.repo.commit(None, &sig, &sig, &msg, &tree, &[])?
        };
        match git::cas(&lib.repo, MAIN_REF, commit, None, "quire init")? {
            git::Cas::Done => Ok(lib),
            git::Cas::Lost => Err(Error::Contention("another init wrote main first".into())),
        }
    }

    /// The library over an opened repository, its caches empty.
    fn over(repo: Repository, path: &Path) -> Library {
        Library {
            repo,
            path: path.to_path_buf(),
            toc: Default::default(),
            manifest: Default::default(),
        }
    }

    /// Opens an existing library (bare or not) and completes any write that a crash
    /// interrupted since the last pass (see [`Library::repair_recent`]).
    pub fn open(path: &Path) -> Result<Library> {
        let lib = Library::open_no_repair(path)?;
        lib.repair_recent()?;
        Ok(lib)
    }

    /// Opens a library without the repair pass: for read-only tools.
    pub fn open_no_repair(path: &Path) -> Result<Library> {
        let repo = Repository::open(path).map_err(|e| Error::NoLibrary {
            path: path.to_path_buf(),
            reason: e.message().to_string(),
        })?;
        let lib = Library::over(repo, path);
        let main = git::ref_target(&lib.repo, MAIN_REF)?.ok_or_else(|| Error::NoLibrary {
            path: path.to_path_buf(),
            reason: "it has no main branch".into(),
        })?;
        if git::read_path(&lib.repo, main, MANIFEST_PATH)?.is_none() {
            return Err(Error::NoLibrary {
                path: path.to_path_buf(),
                reason: format!("main has no {MANIFEST_PATH}"),
            });
        }
        Ok(lib)
    }

    /// The git directory (for the change journal, see [`crate::index`]).
    pub(crate) fn git_dir(&self) -> &Path {
        self.repo.path()
    }

    /// The identity git is configured with (`user.name`, `user.email`), from the library's
    /// own config first, then the user's global config.
    pub fn configured_identity(&self) -> Option<Identity> {
        let cfg = self.repo.config().ok()?;
        identity_from_config(&cfg)
    }

    /// The library's review rules, from its git config (`quire.requiredApprovals`,
    /// `quire.authorApprovalCounts`); [`ReviewRules::default`] for what is not set. A
    /// value that is set but malformed is an error naming the key, so a typo never
    /// loosens the rules.
    pub fn review_rules(&self) -> Result<ReviewRules> {
        let cfg = self.repo.config()?.snapshot()?;
        let mut rules = ReviewRules::default();
        match cfg.get_i64(REQUIRED_APPROVALS) {
            Ok(n) => {
                rules.required_approvals = u32::try_from(n)
                    .ok()
                    .filter(|n| (1..=MAX_REQUIRED_APPROVALS).contains(n))
                    .ok_or_else(|| {
                        Error::invalid(
                            REQUIRED_APPROVALS,
                            format!("it is {n}; it must be a whole number from 1 to {MAX_REQUIRED_APPROVALS}"),
                        )
                    })?;
            }
            Err(e) if e.code() == ErrorCode::NotFound => {}
            Err(e) => return Err(Error::invalid(REQUIRED_APPROVALS, e.message().to_string())),
        }
        match cfg.get_bool(AUTHOR_APPROVAL_COUNTS) {
            Ok(b) => rules.author_approval_counts = b,
            Err(e) if e.code() == ErrorCode::NotFound => {}
            Err(e) => {
                return Err(Error::invalid(
                    AUTHOR_APPROVAL_COUNTS,
                    format!("{}; it must be true or false", e.message()),
                ))
            }
        }
        Ok(rules)
    }

    /// Sets the library's review rules in its own git config (see
    /// [`Library::review_rules`]). A clone does not copy them.
    pub fn set_review_rules(&self, rules: &ReviewRules) -> Result<()> {
        if !(1..=MAX_REQUIRED_APPROVALS).contains(&rules.required_approvals) {
            return Err(Error::invalid(
                "required approvals",
                format!(
                    "it is {}; it must be a whole number from 1 to {MAX_REQUIRED_APPROVALS}",
                    rules.required_approvals
                ),
            ));
        }
        let mut cfg = self.repo.config()?.open_level(git2::ConfigLevel::Local)?;
        cfg.set_i64(REQUIRED_APPROVALS, i64::from(rules.required_approvals))?;
        cfg.set_bool(AUTHOR_APPROVAL_COUNTS, rules.author_approval_counts)?;
        Ok(())
    }

    /// Where the library lives.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The commit `main` points at now.
    pub fn main(&self) -> Result<CommitId> {
        Ok(oid_to_id(self.main_oid()?))
    }

    pub(crate) fn main_oid(&self) -> Result<Oid> {
        git::ref_target(&self.repo, MAIN_REF)?.ok_or_else(|| Error::storage("main has disappeared"))
    }

    /// Resolves a revision spec to a commit: `main` (or `draft`), an edition slug (with or
    /// without `edition/`), or a commit id (7 to 40 hex digits, unambiguous) of a commit
    /// that holds a resource. For someone with the repository itself (the CLI); a server
    /// resolves what a visitor asks for with [`Library::resolve_for`].
    pub fn resolve(&self, spec: &str) -> Result<CommitId> {
        Ok(oid_to_id(self.resolve_oid(spec)?))
    }

    /// Resolves a revision spec as [`Library::resolve`] does, accepting only commits the
    /// audience may see (see [`crate::policy`]): `main`'s history (which holds every
    /// edition) and the revisions of proposals it may see. Any other commit is
    /// [`Error::UnknownRev`], exactly as a commit that does not exist.
    pub fn resolve_for(&self, spec: &str, audience: &crate::policy::Audience) -> Result<CommitId> {
        let oid = self.resolve_oid(spec)?;
        if self.visible_commit(oid, audience)? {
            Ok(oid_to_id(oid))
        } else {
            Err(Error::UnknownRev(crate::ids::printable(spec.trim())))
        }
    }

    /// True if `oid` is on `main`'s history or a revision of a proposal `audience` sees.
    fn visible_commit(&self, oid: Oid, audience: &crate::policy::Audience) -> Result<bool> {
        let main = self.main_oid()?;
        if oid == main || self.repo.graph_descendant_of(main, oid)? {
            return Ok(true);
        }
        for n in self.revision_owners(oid)? {
            match self.proposal(n) {
                Ok(p) if audience.sees_proposal(&p) => return Ok(true),
                Ok(_) | Err(Error::UnknownProposal(_)) => {}
                Err(e) => return Err(e),
            }
        }
        Ok(false)
    }

    pub(crate) fn resolve_oid(&self, spec: &str) -> Result<Oid> {
        let spec = spec.trim();
        if crate::ids::names_draft(spec) {
            return self.main_oid();
        }
        let unknown = || Error::UnknownRev(crate::ids::printable(spec));
        let slug = spec.strip_prefix("edition/").unwrap_or(spec);
        if let Ok(slug) = EditionSlug::new(slug) {
            if let Some(id) = git::ref_target(&self.repo, &slug.refname())? {
                let obj = self.repo.find_object(id, None)?;
                return Ok(obj.peel_to_commit()?.id());
            }
        }
        if (crate::policy::MIN_COMMIT_PREFIX..=40).contains(&spec.len())
            && spec.bytes().all(|b| b.is_ascii_hexdigit())
        {
            return match self.repo.revparse_single(spec) {
                Ok(obj) => {
                    let commit = obj.peel_to_commit().map_err(|_| unknown())?;
                    // Only commits that hold a resource (main's history, revisions), not
                    // event-log commits.
                    if git::read_path(&self.repo, commit.id(), MANIFEST_PATH)?.is_none() {
                        return Err(unknown());
                    }
                    Ok(commit.id())
                }
                Err(e) if e.code() == ErrorCode::Ambiguous => Err(Error::invalid(
                    "revision",
                    format!("'{spec}' is ambiguous; give more digits"),
                )),
                Err(_) => Err(unknown()),
            };
        }
        Err(unknown())
    }

    /// The manifest at a revision.
    pub fn manifest(&self, at: &str) -> Result<Manifest> {
        self.manifest_at(self.resolve_oid(at)?)
    }

    pub(crate) fn manifest_at(&self, commit: Oid) -> Result<Manifest> {
        if let Some((at, m)) = &*self.manifest.borrow() {
            if *at == commit {
                return Ok(m.clone());
            }
        }
        let bytes = git::read_path(&self.repo, commit, MANIFEST_PATH)?
            .ok_or_else(|| Error::storage(format!("commit {commit} has no {MANIFEST_PATH}")))?;
        let text = String::from_utf8(bytes)
            .map_err(|_| Error::storage(format!("{MANIFEST_PATH} is not UTF-8")))?;
        let m = Manifest::parse(&text)?;
        *self.manifest.borrow_mut() = Some((commit, m.clone()));
        Ok(m)
    }

    /// The table of contents at a revision.
    pub fn sections(&self, at: &str) -> Result<Vec<SectionSummary>> {
        let commit = self.resolve_oid(at)?;
        if let Some((c, _, toc)) = &*self.toc.borrow() {
            if *c == commit {
                return Ok(toc.clone());
            }
        }
        let manifest = self.manifest_at(commit)?;
        let toc = self.summaries_at(commit, &manifest)?;
        *self.toc.borrow_mut() = Some((commit, manifest, toc.clone()));
        Ok(toc)
    }

    /// The table of contents of `manifest`, with titles read from `commit`.
    pub(crate) fn summaries_at(
        &self,
        commit: Oid,
        manifest: &Manifest,
    ) -> Result<Vec<SectionSummary>> {
        let mut out = Vec::new();
        for (i, (part, id)) in manifest.sections().enumerate() {
            let text = self.section_text_at(commit, id)?;
            out.push(SectionSummary {
                id: id.clone(),
                title: title_of(&text, id),
                part: part.id.clone(),
                position: i + 1,
            });
        }
        Ok(out)
    }

    /// One section's text at a revision.
    pub fn section(&self, id: &str, at: &str) -> Result<Section> {
        let id = SectionId::new(id)?;
        let commit = self.resolve_oid(at)?;
        let manifest = self.manifest_at(commit)?;
        let part = manifest
            .sections()
            .find(|(_, s)| **s == id)
            .map(|(p, _)| p.id.clone())
            .ok_or_else(|| Error::UnknownSection(id.to_string()))?;
        let text = self.section_text_at(commit, &id)?;
        Ok(Section {
            title: title_of(&text, &id),
            id,
            part,
            text,
        })
    }

    pub(crate) fn section_text_at(&self, commit: Oid, id: &SectionId) -> Result<String> {
        let bytes = git::read_path(&self.repo, commit, &id.path())?
            .ok_or_else(|| Error::UnknownSection(id.to_string()))?;
        String::from_utf8(bytes).map_err(|_| Error::storage(format!("{} is not UTF-8", id.path())))
    }

    /// The section's text at `commit`, or an empty text when the commit has no such
    /// section (added or removed on the other side of a diff). Any other failure is an
    /// error, never an empty text.
    pub(crate) fn section_text_or_empty(&self, commit: Oid, id: &SectionId) -> Result<String> {
        match self.section_text_at(commit, id) {
            Err(Error::UnknownSection(_)) => Ok(String::new()),
            other => other,
        }
    }

    /// The word diff of every section whose text differs between two revisions (sections
    /// present on one side only are diffed against an empty text), in the new side's order.
    pub fn compare(&self, from: &str, to: &str) -> Result<Vec<SectionDiff>> {
        let a = self.resolve_oid(from)?;
        let b = self.resolve_oid(to)?;
        let ma = self.manifest_at(a)?;
        let mb = self.manifest_at(b)?;
        let mut ids: Vec<SectionId> = mb.sections().map(|(_, s)| s.clone()).collect();
        for (_, s) in ma.sections() {
            if !ids.contains(s) {
                ids.push(s.clone());
            }
        }
        let mut out = Vec::new();
        for id in ids {
            let old = self.section_text_or_empty(a, &id)?;
            let new = self.section_text_or_empty(b, &id)?;
            if old != new {
                out.push(section_diff(&id, &old, &new));
            }
        }
        Ok(out)
    }

    /// Writes the tree for a manifest (its source text, so comments survive) and section
    /// texts; returns its id.
    fn build_tree(
        &self,
        manifest_text: &str,
        sections: &BTreeMap<SectionId, String>,
    ) -> Result<Oid> {
        let mut sections_tb = self.repo.treebuilder(None)?;
        for (id, text) in sections {
            let blob = self.repo.blob(text.as_bytes())?;
            sections_tb.insert(layout::section_file_name(id.as_str()), blob, 0o100644)?;
        }
        let sections_tree = sections_tb.write()?;
        let mut root = self.repo.treebuilder(None)?;
        let manifest_blob = self.repo.blob(manifest_text.as_bytes())?;
        root.insert(MANIFEST_PATH, manifest_blob, 0o100644)?;
        root.insert(layout::SECTIONS_DIR, sections_tree, 0o040000)?;
        Ok(root.write()?)
    }

    /// A tree equal to `base`'s with some section files replaced.
    pub(crate) fn tree_with(&self, base: Oid, changes: &[(SectionId, String)]) -> Result<Oid> {
        let base_tree = self.repo.find_commit(base)?.tree()?;
        let sections = base_tree
            .get_name(layout::SECTIONS_DIR)
            .ok_or_else(|| Error::storage("the tree has no sections folder"))?;
        let sections_tree = self.repo.find_tree(sections.id())?;
        let mut tb = self.repo.treebuilder(Some(&sections_tree))?;
        for (id, text) in changes {
            let blob = self.repo.blob(text.as_bytes())?;
            tb.insert(layout::section_file_name(id.as_str()), blob, 0o100644)?;
        }
        let new_sections = tb.write()?;
        let mut root = self.repo.treebuilder(Some(&base_tree))?;
        root.insert(layout::SECTIONS_DIR, new_sections, 0o040000)?;
        Ok(root.write()?)
    }
}

/// Checks a resource's files: a valid manifest, one valid section file per listed id, no
/// stray section files. Returns the manifest and the normalised section texts.
fn check_resource(
    files: &[(String, Vec<u8>)],
) -> Result<(String, Manifest, BTreeMap<SectionId, String>)> {
    let find = |p: &str| files.iter().find(|(name, _)| name == p).map(|(_, b)| b);
    let manifest_bytes = find(MANIFEST_PATH)
        .ok_or_else(|| Error::invalid("resource", format!("it has no {MANIFEST_PATH}")))?;
    let manifest_text = String::from_utf8(manifest_bytes.clone())
        .map_err(|_| Error::invalid(MANIFEST_PATH, "it is not valid UTF-8"))?;
    let manifest = Manifest::parse(&manifest_text)?;
    let mut sections = BTreeMap::new();
    for (_, id) in manifest.sections() {
        let path = id.path();
        let bytes = find(&path).ok_or_else(|| {
            Error::invalid(
                "resource",
                format!("{MANIFEST_PATH} lists '{id}' but {path} is missing"),
            )
        })?;
        let text = String::from_utf8(bytes.clone())
            .map_err(|_| Error::invalid(path.clone(), "it is not valid UTF-8"))?;
        sections.insert(id.clone(), check_section_text(id, &text)?);
    }
    for (name, _) in files {
        if let Some(stem) = layout::parse_section_path(name) {
            let listed = SectionId::new(stem).is_ok_and(|id| manifest.contains(&id));
            if !listed {
                return Err(Error::invalid(
                    "resource",
                    format!("{name} is not listed in {MANIFEST_PATH}"),
                ));
            }
        }
    }
    Ok((manifest_text, manifest, sections))
}

/// The identity in the user's global git config, if both `user.name` and `user.email` are
/// set and valid.
pub fn git_config_identity() -> Option<Identity> {
    let cfg = git2::Config::open_default().ok()?;
    identity_from_config(&cfg)
}

fn identity_from_config(cfg: &git2::Config) -> Option<Identity> {
    let name = cfg.get_string("user.name").ok()?;
    let email = cfg.get_string("user.email").ok()?;
    Identity::new(&name, &email).ok()
}

pub(crate) fn oid_to_id(oid: Oid) -> CommitId {
    CommitId(oid.to_string())
}

pub(crate) fn id_to_oid(id: &CommitId) -> Result<Oid> {
    Oid::from_str(&id.0).map_err(|_| Error::storage(format!("bad commit id '{}'", id.0)))
}

fn title_of(text: &str, id: &SectionId) -> String {
    quire_prose::first_heading(text).unwrap_or_else(|| id.to_string())
}

pub(crate) fn section_diff(id: &SectionId, old: &str, new: &str) -> SectionDiff {
    let title = if new.is_empty() { old } else { new };
    SectionDiff {
        section: id.clone(),
        title: title_of(title, id),
        diff: quire_prose::diff(old, new),
    }
}
