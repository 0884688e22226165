//! Editions (annotated tags `refs/tags/edition/<slug>`), changelogs and the log of `main`.

use git2::{ObjectType, Oid};

use super::{git, oid_to_id, Library};
use crate::error::{Error, Result};
use crate::ids::{check_body, check_title, EditionSlug, Identity, SectionId};
use crate::layout::{self, MAIN_REF};
use crate::model::{ChangeEntry, CommitId, Edition, LogEntry, ShownChange};

const CHANGES_HEADING: &str = "Changes in this edition:";
const NO_CHANGES: &str = "No proposals were merged for this edition.";

impl Library {
    /// Publishes `main` as a new edition: an annotated tag whose message carries the title,
    /// date, notes and changelog. Refuses a taken name, and refuses when `main` has not
    /// changed since the latest edition.
    pub fn publish(&self, slug: &str, title: &str, notes: &str, who: &Identity) -> Result<Edition> {
        let slug = EditionSlug::new(slug)?;
        let title = check_title("edition title", title)?;
        let notes = check_body("notes", notes, true)?;
        if git::ref_target(&self.repo, &slug.refname())?.is_some() {
            return Err(Error::EditionExists(slug.to_string()));
        }
        let main = self.main_oid()?;
        let previous = self.editions()?.pop();
        if let Some(prev) = &previous {
            if prev.commit == oid_to_id(main) {
                return Err(Error::NoChange(format!(
                    "main has not changed since edition '{}'",
                    prev.slug
                )));
            }
        }
        let prev_commit = previous
            .as_ref()
            .map(|e| super::id_to_oid(&e.commit))
            .transpose()?;
        let changes = self.changes_between(prev_commit, main)?;
        let at = git::now();
        let date = at.date().to_string();
        let mut body = String::new();
        if !notes.is_empty() {
            body.push_str(&notes);
            body.push_str("\n\n");
        }
        if changes.is_empty() {
            body.push_str(NO_CHANGES);
        } else {
            body.push_str(CHANGES_HEADING);
            for c in &changes {
                body.push_str(&format!("\n- #{} {} ({})", c.proposal, c.title, c.author));
            }
        }
        let mut trailers = vec![
            ("Edition", slug.to_string()),
            ("Edition-Date", date.clone()),
        ];
        if let Some(prev) = &previous {
            trailers.push(("Edition-Previous", prev.slug.to_string()));
        }
        let msg = git::message(&title, &body, &trailers);
        let target = self.repo.find_object(main, Some(ObjectType::Commit))?;
        let tagger = git::signature(who, at)?;
        let tag =
            self.repo
                .tag_annotation_create(&format!("edition/{slug}"), &target, &tagger, &msg)?;
        match git::cas(&self.repo, &slug.refname(), tag, None, "publish edition")? {
            git::Cas::Done => {}
            git::Cas::Lost => return Err(Error::EditionExists(slug.to_string())),
        }
        Ok(Edition {
            slug,
            title,
            date,
            commit: oid_to_id(main),
            publisher: who.clone(),
            notes,
            previous: previous.map(|e| e.slug),
            changes,
        })
    }

    /// Every edition, oldest first.
    pub fn editions(&self) -> Result<Vec<Edition>> {
        let mut found: Vec<(i64, Edition)> = Vec::new();
        for r in self.repo.references_glob(layout::EDITIONS_GLOB)? {
            let r = r?;
            let Ok(name) = r.name() else { continue };
            let Some(slug) = layout::parse_edition_ref(name) else {
                continue;
            };
            let Ok(slug) = EditionSlug::new(slug) else {
                continue;
            };
            let Some(target) = r.target() else { continue };
            let Ok(tag) = self.repo.find_tag(target) else {
                continue;
            };
            let commit = tag.target()?.peel_to_commit()?.id();
            let (title, body, trailers) = git::parse_message(&String::from_utf8_lossy(
                tag.message_bytes().unwrap_or_default(),
            ));
            let tagger = tag
                .tagger()
                .map(|s| (git::identity_of(&s), s.when().seconds()));
            let (publisher, when) = tagger.unwrap_or((
                Identity {
                    name: "unknown".into(),
                    email: "unknown@invalid".into(),
                },
                0,
            ));
            let notes = body
                .split(CHANGES_HEADING)
                .next()
                .unwrap_or_default()
                .replace(NO_CHANGES, "")
                .trim()
                .to_string();
            let previous =
                git::trailer(&trailers, "Edition-Previous").and_then(|s| EditionSlug::new(s).ok());
            let date = git::trailer(&trailers, "Edition-Date")
                .unwrap_or_default()
                .to_string();
            found.push((
                when,
                Edition {
                    slug,
                    title,
                    date,
                    commit: oid_to_id(commit),
                    publisher,
                    notes,
                    previous,
                    changes: Vec::new(),
                },
            ));
        }
        // Tag times have one-second resolution; within a second, an edition comes after the
        // one its `Edition-Previous` chain leads back through.
        let depth = |e: &Edition| {
            let mut d = 0;
            let mut prev = e.previous.clone();
            while let Some(p) = prev.filter(|_| d < found.len()) {
                d += 1;
                prev = found
                    .iter()
                    .find(|(_, f)| f.slug == p)
                    .and_then(|(_, f)| f.previous.clone());
            }
            d
        };
        let mut keyed: Vec<(i64, usize, Edition)> = found
            .iter()
            .map(|(when, e)| (*when, depth(e), e.clone()))
            .collect();
        keyed.sort_by(|a, b| {
            (a.0, a.1)
                .cmp(&(b.0, b.1))
                .then_with(|| a.2.slug.cmp(&b.2.slug))
        });
        let mut out: Vec<Edition> = keyed.into_iter().map(|(_, _, e)| e).collect();
        for i in 0..out.len() {
            let prev = match &out[i].previous {
                Some(p) => out.iter().find(|e| &e.slug == p).map(|e| e.commit.clone()),
                None => None,
            };
            let prev = prev.map(|c| super::id_to_oid(&c)).transpose()?;
            let this = super::id_to_oid(&out[i].commit)?;
            out[i].changes = self.changes_between(prev, this)?;
        }
        Ok(out)
    }

    /// One edition by slug.
    pub fn edition(&self, slug: &str) -> Result<Edition> {
        let slug = EditionSlug::new(slug.strip_prefix("edition/").unwrap_or(slug))?;
        self.editions()?
            .into_iter()
            .find(|e| e.slug == slug)
            .ok_or_else(|| Error::UnknownRev(slug.to_string()))
    }

    /// A changelog as `audience` may see it ([`crate::policy`]): each entry with whether
    /// its proposal is hidden, and the title replaced by
    /// [`HIDDEN_TITLE`](crate::policy::HIDDEN_TITLE) where the audience may not see it.
    pub fn changes_for(
        &self,
        entries: &[ChangeEntry],
        audience: &crate::policy::Audience,
    ) -> Result<Vec<ShownChange>> {
        let mut out = Vec::with_capacity(entries.len());
        for entry in entries {
            // The changelog comes from git; the proposal record says whether it is hidden.
            let hidden = match self.proposal(entry.proposal) {
                Ok(p) => p.hidden.is_some(),
                Err(e) if e.is_not_found() => false,
                Err(e) => return Err(e),
            };
            let mut entry = entry.clone();
            entry.title = audience.change_title(&entry, hidden).to_string();
            out.push(ShownChange { entry, hidden });
        }
        Ok(out)
    }

    /// The proposals merged after `from` up to `to` (revision specs). Without `to`: what
    /// `main` has gained since the latest edition it contains. With `to` but no `from`: the
    /// changes that `to` brought since the edition before it (so `changelog(None,
    /// Some("spring-2027"))` is that edition's changelog). With neither edition: everything.
    pub fn changelog(&self, from: Option<&str>, to: Option<&str>) -> Result<Vec<ChangeEntry>> {
        let strict = to.is_some();
        let to = match to {
            Some(t) => self.resolve_oid(t)?,
            None => self.main_oid()?,
        };
        let from = match from {
            Some(f) => Some(self.resolve_oid(f)?),
            None => {
                let mut found = None;
                for e in self.editions()?.iter().rev() {
                    let c = super::id_to_oid(&e.commit)?;
                    let before = if c == to {
                        !strict
                    } else {
                        self.repo.graph_descendant_of(to, c)?
                    };
                    if before {
                        found = Some(c);
                        break;
                    }
                }
                found
            }
        };
        self.changes_between(from, to)
    }

    /// Merge commits of proposals on the first-parent line from `to` back to (not
    /// including) `from`, oldest first.
    fn changes_between(&self, from: Option<Oid>, to: Oid) -> Result<Vec<ChangeEntry>> {
        let mut walk = self.repo.revwalk()?;
        walk.push(to)?;
        if let Some(f) = from {
            walk.hide(f)?;
        }
        walk.simplify_first_parent()?;
        let mut out = Vec::new();
        for oid in walk {
            let c = self.repo.find_commit(oid?)?;
            if c.parent_count() < 2 {
                continue;
            }
            let (subject, _, trailers) =
                git::parse_message(&String::from_utf8_lossy(c.message_bytes()));
            let Some(n) = git::trailer(&trailers, "Proposal").and_then(|n| n.parse::<u64>().ok())
            else {
                continue;
            };
            let title = subject
                .strip_suffix(&format!(" (#{n})"))
                .unwrap_or(&subject)
                .to_string();
            let sections = trailers
                .iter()
                .filter(|(k, _)| k == "Section")
                .filter_map(|(_, v)| SectionId::new(v).ok())
                .collect();
            out.push(ChangeEntry {
                proposal: n,
                title,
                author: git::identity_of(&c.author()),
                merged_by: git::identity_of(&c.committer()),
                commit: oid_to_id(c.id()),
                sections,
            });
        }
        out.reverse();
        Ok(out)
    }

    /// The history of `main`, newest first, following first parents (one entry per merged
    /// proposal or direct change), at most `limit` entries.
    pub fn log(&self, limit: usize) -> Result<Vec<LogEntry>> {
        let mut walk = self.repo.revwalk()?;
        walk.push_ref(MAIN_REF)?;
        walk.simplify_first_parent()?;
        let mut out = Vec::new();
        for oid in walk.take(limit) {
            let c = self.repo.find_commit(oid?)?;
            let (summary, _, trailers) =
                git::parse_message(&String::from_utf8_lossy(c.message_bytes()));
            out.push(LogEntry {
                commit: CommitId(c.id().to_string()),
                summary,
                author: git::identity_of(&c.author()),
                committer: git::identity_of(&c.committer()),
                at: git::git_time_rfc3339(c.committer().when()),
                proposal: git::trailer(&trailers, "Proposal").and_then(|n| n.parse().ok()),
            });
        }
        Ok(out)
    }
}
