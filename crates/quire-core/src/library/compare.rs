//! Comparing the structure of two revisions: the manifest (title, parts, section order) and
//! the section titles. The words of the sections are compared by [`Library::compare`].

use std::collections::{HashMap, HashSet};

use super::Library;
use crate::error::Result;
use crate::manifest::Manifest;
use crate::model::{
    Comparison, PartMove, PartPlace, Renamed, SectionMove, SectionSummary, StructureDiff,
    SubtitleChange, TitleChange,
};

impl Library {
    /// How the structure of the resource differs from `from` to `to` (revision specs, as for
    /// [`Library::resolve`]): sections and parts added, removed, renamed (same id, new title)
    /// or moved, and a changed resource title or subtitle. See [`StructureDiff`] for when a
    /// section counts as moved.
    pub fn compare_structure(&self, from: &str, to: &str) -> Result<StructureDiff> {
        let a = self.resolve_oid(from)?;
        let b = self.resolve_oid(to)?;
        let (ma, mb) = (self.manifest_at(a)?, self.manifest_at(b)?);
        let (sa, sb) = (self.summaries_at(a, &ma)?, self.summaries_at(b, &mb)?);
        Ok(structure_diff(&ma, &sa, &mb, &sb))
    }

    /// Everything that differs from `from` to `to`: the structure
    /// ([`Library::compare_structure`]) and the word diffs ([`Library::compare`]), both
    /// taken from the same two commits.
    pub fn comparison(&self, from: &str, to: &str) -> Result<Comparison> {
        let a = self.resolve(from)?;
        let b = self.resolve(to)?;
        Ok(Comparison {
            structure: self.compare_structure(&a.0, &b.0)?,
            sections: self.compare(&a.0, &b.0)?,
        })
    }
}

/// The structural difference between two manifests and their tables of contents.
fn structure_diff(
    ma: &Manifest,
    sa: &[SectionSummary],
    mb: &Manifest,
    sb: &[SectionSummary],
) -> StructureDiff {
    let mut d = StructureDiff::default();
    if ma.title != mb.title {
        d.title = Some(TitleChange {
            old: ma.title.clone(),
            new: mb.title.clone(),
        });
    }
    if ma.subtitle != mb.subtitle {
        d.subtitle = Some(SubtitleChange {
            old: ma.subtitle.clone(),
            new: mb.subtitle.clone(),
        });
    }

    // Parts.
    let place = |(i, p): (usize, &crate::manifest::Part)| PartPlace {
        id: p.id.clone(),
        title: p.title.clone(),
        position: i + 1,
    };
    let old_parts: Vec<PartPlace> = ma.parts.iter().enumerate().map(place).collect();
    let new_parts: Vec<PartPlace> = mb.parts.iter().enumerate().map(place).collect();
    let old_by_id: HashMap<&str, &PartPlace> =
        old_parts.iter().map(|p| (p.id.as_str(), p)).collect();
    let new_ids: HashSet<&str> = new_parts.iter().map(|p| p.id.as_str()).collect();
    d.parts_removed = old_parts
        .iter()
        .filter(|p| !new_ids.contains(p.id.as_str()))
        .cloned()
        .collect();
    for p in &new_parts {
        match old_by_id.get(p.id.as_str()) {
            None => d.parts_added.push(p.clone()),
            Some(old) if old.title != p.title => d.parts_renamed.push(Renamed {
                id: p.id.clone(),
                old_title: old.title.clone(),
                new_title: p.title.clone(),
            }),
            Some(_) => {}
        }
    }
    let kept = in_order(
        &old_parts.iter().map(|p| p.id.as_str()).collect::<Vec<_>>(),
        &new_parts.iter().map(|p| p.id.as_str()).collect::<Vec<_>>(),
    );
    for p in &new_parts {
        if let Some(old) = old_by_id.get(p.id.as_str()) {
            if !kept.contains(p.id.as_str()) {
                d.parts_moved.push(PartMove {
                    id: p.id.clone(),
                    title: p.title.clone(),
                    old_position: old.position,
                    new_position: p.position,
                });
            }
        }
    }

    // Sections.
    let old_by_id: HashMap<&str, &SectionSummary> = sa.iter().map(|s| (s.id.as_str(), s)).collect();
    let new_ids: HashSet<&str> = sb.iter().map(|s| s.id.as_str()).collect();
    d.sections_removed = sa
        .iter()
        .filter(|s| !new_ids.contains(s.id.as_str()))
        .cloned()
        .collect();
    let kept = in_order(
        &sa.iter().map(|s| s.id.as_str()).collect::<Vec<_>>(),
        &sb.iter().map(|s| s.id.as_str()).collect::<Vec<_>>(),
    );
    for s in sb {
        let Some(old) = old_by_id.get(s.id.as_str()) else {
            d.sections_added.push(s.clone());
            continue;
        };
        if old.title != s.title {
            d.sections_renamed.push(Renamed {
                id: s.id.to_string(),
                old_title: old.title.clone(),
                new_title: s.title.clone(),
            });
        }
        if !kept.contains(s.id.as_str()) || old.part != s.part {
            d.sections_moved.push(SectionMove {
                id: s.id.clone(),
                title: s.title.clone(),
                old_part: old.part.clone(),
                old_position: old.position,
                new_part: s.part.clone(),
                new_position: s.position,
            });
        }
    }
    d
}

/// The ids present on both sides that keep their relative order: one longest common
/// subsequence of the two id sequences (restricted to the ids both sides have). Every id
/// both sides have but this set lacks was reordered. Ids are unique on each side.
fn in_order<'a>(old: &[&'a str], new: &[&'a str]) -> HashSet<&'a str> {
    let new_set: HashSet<&str> = new.iter().copied().collect();
    let old_set: HashSet<&str> = old.iter().copied().collect();
    let a: Vec<&str> = old
        .iter()
        .copied()
        .filter(|s| new_set.contains(s))
        .collect();
    let b: Vec<&str> = new
        .iter()
        .copied()
        .filter(|s| old_set.contains(s))
        .collect();
    // len[i][j]: length of the LCS of a[i..] and b[j..]. Manifests list at most 1000
    // sections, so this table has at most about a million cells.
    let w = b.len() + 1;
    let mut len = vec![0u32; (a.len() + 1) * w];
    for i in (0..a.len()).rev() {
        for j in (0..b.len()).rev() {
            len[i * w + j] = if a[i] == b[j] {
                len[(i + 1) * w + j + 1] + 1
            } else {
                len[(i + 1) * w + j].max(len[i * w + j + 1])
            };
        }
    }
    let mut kept = HashSet::new();
    let (mut i, mut j) = (0, 0);
    while i < a.len() && j < b.len() {
        if a[i] == b[j] {
            kept.insert(a[i]);
            i += 1;
            j += 1;
        } else if len[(i + 1) * w + j] >= len[i * w + j + 1] {
            i += 1;
        } else {
            j += 1;
        }
    }
    kept
}

#[cfg(test)]
mod tests {
    use super::in_order;

    fn moved(old: &[&str], new: &[&str]) -> Vec<String> {
        let kept = in_order(old, new);
        new.iter()
            .filter(|s| old.contains(s) && !kept.contains(*s))
            .map(|s| s.to_string())
            .collect()
    }

    #[test]
    fn an_insertion_or_removal_moves_nothing() {
        assert!(moved(&["a", "b", "c"], &["x", "a", "b", "c"]).is_empty());
        assert!(moved(&["a", "b", "c"], &["a", "c"]).is_empty());
        assert!(moved(&["a", "b", "c"], &["a", "b", "c"]).is_empty());
    }

    #[test]
    fn one_section_dragged_is_the_one_moved() {
        assert_eq!(
            moved(&["a", "b", "c", "d", "e"], &["b", "c", "d", "e", "a"]),
            ["a"]
        );
        assert_eq!(
            moved(&["a", "b", "c", "d", "e"], &["e", "a", "b", "c", "d"]),
            ["e"]
        );
        assert_eq!(
            moved(&["a", "b", "c", "d", "e"], &["a", "d", "b", "c", "e"]),
            ["d"]
        );
    }

    #[test]
    fn a_swap_moves_one_of_the_two() {
        assert_eq!(moved(&["a", "b"], &["b", "a"]).len(), 1);
    }

    #[test]
    fn a_reversal_moves_all_but_one() {
        assert_eq!(moved(&["a", "b", "c", "d"], &["d", "c", "b", "a"]).len(), 3);
    }
}

/// One kind of structural change and a plain-English line for each instance, as
/// [`StructureDiff::summary`] gives them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SummaryGroup {
    /// What changed, such as "Sections renamed".
    pub heading: &'static str,
    /// One line per change, such as `p08 “Old” → “New”`.
    pub lines: Vec<String>,
}

/// `“title”`, quoted for a summary line.
fn q(s: &str) -> String {
    format!("\u{201c}{s}\u{201d}")
}

impl StructureDiff {
    /// The sentence to show when [`StructureDiff::summary`] is empty.
    pub const UNCHANGED: &'static str =
        "Structure unchanged: the same parts and sections, in the same order, under the same titles.";

    /// The changes as plain-English lines, one group per kind of change (title, subtitle,
    /// parts added/removed/renamed/moved, sections renamed/moved/added/removed), leaving out
    /// kinds with no change. Empty if the structure is the same.
    pub fn summary(&self) -> Vec<SummaryGroup> {
        let mut groups = Vec::new();
        let mut group = |heading: &'static str, lines: Vec<String>| {
            if !lines.is_empty() {
                groups.push(SummaryGroup { heading, lines });
            }
        };
        group(
            "Title changed",
            self.title
                .iter()
                .map(|t| format!("{} → {}", q(&t.old), q(&t.new)))
                .collect(),
        );
        group(
            "Subtitle changed",
            self.subtitle
                .iter()
                .map(|t| {
                    let show = |s: &Option<String>| s.as_deref().map_or("(none)".into(), q);
                    format!("{} → {}", show(&t.old), show(&t.new))
                })
                .collect(),
        );
        let part = |p: &PartPlace| format!("{} {} (part {})", p.id, q(&p.title), p.position);
        let renamed = |r: &Renamed| format!("{}: {} → {}", r.id, q(&r.old_title), q(&r.new_title));
        group("Parts added", self.parts_added.iter().map(part).collect());
        group(
            "Parts removed",
            self.parts_removed.iter().map(part).collect(),
        );
        group(
            "Parts renamed",
            self.parts_renamed.iter().map(renamed).collect(),
        );
        group(
            "Parts moved",
            self.parts_moved
                .iter()
                .map(|m| {
                    format!(
                        "{} {}: part {} → part {}",
                        m.id,
                        q(&m.title),
                        m.old_position,
                        m.new_position
                    )
                })
                .collect(),
        );
        group(
            "Sections renamed",
            self.sections_renamed.iter().map(renamed).collect(),
        );
        group(
            "Sections moved",
            self.sections_moved
                .iter()
                .map(|m| {
                    format!(
                        "{} {}: {}, position {} → {}, position {}",
                        m.id,
                        q(&m.title),
                        m.old_part,
                        m.old_position,
                        m.new_part,
                        m.new_position
                    )
                })
                .collect(),
        );
        let place = |s: &SectionSummary| {
            format!(
                "{} {}: {}, position {}",
                s.id,
                q(&s.title),
                s.part,
                s.position
            )
        };
        group(
            "Sections added",
            self.sections_added.iter().map(place).collect(),
        );
        group(
            "Sections removed",
            self.sections_removed.iter().map(place).collect(),
        );
        groups
    }
}

impl Comparison {
    /// One sentence on the text: how many sections present on both sides changed their
    /// words, and the words added and removed (sections added or removed whole are told by
    /// the [`StructureDiff::summary`]).
    pub fn text_summary(&self) -> String {
        let d = &self.structure;
        let one_side = |id: &crate::SectionId| {
            d.sections_added.iter().any(|s| &s.id == id)
                || d.sections_removed.iter().any(|s| &s.id == id)
        };
        let changed: Vec<_> = self
            .sections
            .iter()
            .filter(|s| !one_side(&s.section))
            .collect();
        let added: usize = changed.iter().map(|s| s.diff.stats.words_added).sum();
        let removed: usize = changed.iter().map(|s| s.diff.stats.words_removed).sum();
        match changed.len() {
            0 => "Text changed in no section.".into(),
            1 => format!("Text changed in 1 section (+{added} −{removed} words)."),
            n => format!("Text changed in {n} sections (+{added} −{removed} words)."),
        }
    }
}
