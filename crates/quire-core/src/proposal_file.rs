//! Proposal files: the offline way to write a proposal in an editor.
//!
//! ```text
//! +++
//! title = "Add a named contact for people who cannot get online"
//! author = "Priya Shah <priya.shah@example.org>"
//! sections = ["assisted-digital"]
//! base = "spring-2027"          # optional: an edition, "main" or a commit id
//! rationale = """
//! Why the change helps.
//! """
//! +++
//! # Principle 13: Assisted digital
//!
//! ...the full proposed text of the section...
//! ```
//!
//! A proposal for several sections gives each section's full text after a marker line
//! `<!-- quire:section ID -->`, in the order of `sections`.

use serde::Deserialize;

use crate::error::{Error, Result};
use crate::ids::{check_body, check_section_text, check_title, Identity, SectionId};

const FENCE: &str = "+++";
const MARKER_OPEN: &str = "<!-- quire:section ";
const MARKER_CLOSE: &str = "-->";

/// A parsed, checked proposal file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProposalFile {
    /// One-line title.
    pub title: String,
    /// Who wrote it, if the file says.
    pub author: Option<Identity>,
    /// The base to propose against (edition slug, `main`, commit id), if the file says.
    pub base: Option<String>,
    /// Why the change helps.
    pub rationale: String,
    /// The proposed full text of each target section, in the file's order.
    pub changes: Vec<(SectionId, String)>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FrontMatter {
    title: String,
    #[serde(default)]
    author: Option<String>,
    #[serde(default)]
    section: Option<String>,
    #[serde(default)]
    sections: Option<Vec<String>>,
    #[serde(default)]
    base: Option<String>,
    #[serde(default)]
    rationale: String,
}

impl ProposalFile {
    /// Parses a proposal file. `name` is used in error messages.
    pub fn parse(name: &str, text: &str) -> Result<ProposalFile> {
        let bad = |reason: String| Error::Invalid {
            what: format!("proposal file {name}"),
            reason,
        };
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        let text = text.replace("\r\n", "\n");
        let mut lines = text.split_inclusive('\n');
        let first = lines.next().unwrap_or("");
        if first.trim_end() != FENCE {
            return Err(bad(format!(
                "it must start with a '{FENCE}' line opening the front matter"
            )));
        }
        let mut front = String::new();
        let mut closed = false;
        let mut consumed = first.len();
        for line in lines.by_ref() {
            consumed += line.len();
            if line.trim_end() == FENCE {
                closed = true;
                break;
            }
            front.push_str(line);
        }
        if !closed {
            return Err(bad(format!(
                "the front matter is not closed by a second '{FENCE}' line"
            )));
        }
        let body = &text[consumed..];
        let fm: FrontMatter =
            toml::from_str(&front).map_err(|e| bad(format!("front matter: {}", e.message())))?;
        let title = check_title("title", &fm.title).map_err(|e| bad(e.to_string()))?;
        let author = fm
            .author
            .as_deref()
            .map(str::parse::<Identity>)
            .transpose()
            .map_err(|e| bad(e.to_string()))?;
        let rationale =
            check_body("rationale", &fm.rationale, true).map_err(|e| bad(e.to_string()))?;
        let ids: Vec<String> = match (fm.section, fm.sections) {
            (Some(_), Some(_)) => {
                return Err(bad("give either 'section' or 'sections', not both".into()))
            }
            (Some(s), None) => vec![s],
            (None, Some(v)) => v,
            (None, None) => return Err(bad("it names no target section ('sections')".into())),
        };
        if ids.is_empty() {
            return Err(bad("'sections' is empty".into()));
        }
        let mut sections = Vec::with_capacity(ids.len());
        for id in &ids {
            let id = SectionId::new(id).map_err(|e| bad(e.to_string()))?;
            if sections.contains(&id) {
                return Err(bad(format!("section '{id}' is named twice")));
            }
            sections.push(id);
        }
        let texts = split_body(body, &sections).map_err(bad)?;
        let mut changes = Vec::with_capacity(texts.len());
        for (id, t) in sections.into_iter().zip(texts) {
            let t = check_section_text(&id, &t).map_err(|e| bad(e.to_string()))?;
            changes.push((id, t));
        }
        Ok(ProposalFile {
            title,
            author,
            base: fm.base.filter(|b| !b.trim().is_empty()),
            rationale,
            changes,
        })
    }

    /// Writes the proposal back out in the file format (used to prefill an editor).
    pub fn render(&self) -> String {
        let mut out = String::from("+++\n");
        out.push_str(&format!("title = {}\n", toml_str(&self.title)));
        if let Some(a) = &self.author {
            out.push_str(&format!("author = {}\n", toml_str(&a.to_string())));
        }
        let ids: Vec<String> = self
            .changes
            .iter()
            .map(|(id, _)| toml_str(id.as_str()))
            .collect();
        out.push_str(&format!("sections = [{}]\n", ids.join(", ")));
        if let Some(b) = &self.base {
            out.push_str(&format!("base = {}\n", toml_str(b)));
        }
        out.push_str(&format!("rationale = {}\n", toml_str(&self.rationale)));
        out.push_str("+++\n");
        let multi = self.changes.len() > 1;
        for (id, text) in &self.changes {
            if multi {
                out.push_str(&format!("{MARKER_OPEN}{id} {MARKER_CLOSE}\n"));
            }
            out.push_str(text);
        }
        out
    }
}

fn toml_str(s: &str) -> String {
    toml::Value::String(s.to_string()).to_string()
}

fn split_body(body: &str, sections: &[SectionId]) -> Result<Vec<String>, String> {
    let mut parts: Vec<(String, String)> = Vec::new();
    let mut preamble = String::new();
    for line in body.split_inclusive('\n') {
        let trimmed = line.trim();
        if let Some(rest) = trimmed.strip_prefix(MARKER_OPEN) {
            let id = rest
                .strip_suffix(MARKER_CLOSE)
                .ok_or_else(|| format!("marker line '{trimmed}' must end with '{MARKER_CLOSE}'"))?
                .trim();
            parts.push((id.to_string(), String::new()));
        } else if let Some((_, text)) = parts.last_mut() {
            text.push_str(line);
        } else {
            preamble.push_str(line);
        }
    }
    if parts.is_empty() {
        if sections.len() > 1 {
            return Err(format!(
                "it targets {} sections, so each section's text must follow a line '{MARKER_OPEN}ID {MARKER_CLOSE}'",
                sections.len()
            ));
        }
        return Ok(vec![preamble]);
    }
    if !preamble.trim().is_empty() {
        return Err("text before the first section marker belongs to no section".into());
    }
    let named: Vec<&str> = parts.iter().map(|(id, _)| id.as_str()).collect();
    let wanted: Vec<&str> = sections.iter().map(SectionId::as_str).collect();
    if named != wanted {
        return Err(format!(
            "the section markers name [{}] but 'sections' lists [{}]; they must match, in order",
            named.join(", "),
            wanted.join(", ")
        ));
    }
    Ok(parts.into_iter().map(|(_, t)| t).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    const ONE: &str = "+++\ntitle = \"Fix it\"\nauthor = \"A B <a@example.org>\"\nsections = [\"usability\"]\nrationale = \"\"\"\nBecause.\n\"\"\"\n+++\n# Principle 8: Usability\n\nNew text.\n";

    #[test]
    fn parses_a_single_section_file() {
        let p = ProposalFile::parse("one.md", ONE).expect("valid");
        assert_eq!(p.title, "Fix it");
        assert_eq!(p.author.as_ref().map(|a| a.name.as_str()), Some("A B"));
        assert_eq!(p.rationale, "Because.");
        assert_eq!(p.changes.len(), 1);
        assert_eq!(p.changes[0].0.as_str(), "usability");
        assert_eq!(p.changes[0].1, "# Principle 8: Usability\n\nNew text.\n");
        assert_eq!(
            ProposalFile::parse("again", &p.render()).expect("round trip"),
            p
        );
    }

    #[test]
    fn parses_a_two_section_file() {
        let text = "+++\ntitle = \"Link\"\nsections = [\"a\", \"b\"]\n+++\n<!-- quire:section a -->\n# A\n\nText a.\n<!-- quire:section b -->\n# B\n\nText b.\n";
        let p = ProposalFile::parse("two.md", text).expect("valid");
        assert_eq!(
            p.changes[0],
            (SectionId::new("a").expect("id"), "# A\n\nText a.\n".into())
        );
        assert_eq!(p.changes[1].1, "# B\n\nText b.\n");
        assert_eq!(
            ProposalFile::parse("again", &p.render()).expect("round trip"),
            p
        );
    }

    #[test]
    fn malformed_files_name_the_problem() {
        let cases = [
            ("no front matter", "must start with a '+++'"),
            ("+++\ntitle = \"x\"\n", "not closed"),
            ("+++\ntitle = \n+++\n# T\n", "front matter"),
            ("+++\ntitle = \"\"\nsections=[\"a\"]\n+++\n# T\n", "title"),
            ("+++\ntitle = \"x\"\n+++\n# T\n", "no target section"),
            ("+++\ntitle = \"x\"\nsections=[\"../etc\"]\n+++\n# T\n", "section id"),
            ("+++\ntitle = \"x\"\nsections=[\"a\",\"b\"]\n+++\n# T\n", "each section's text"),
            (
                "+++\ntitle = \"x\"\nsections=[\"a\",\"b\"]\n+++\n<!-- quire:section b -->\n# B\n<!-- quire:section a -->\n# A\n",
                "must match",
            ),
            ("+++\ntitle = \"x\"\nsections=[\"a\"]\n+++\nno heading\n", "'# Title'"),
            ("+++\ntitle = \"x\"\nsections=[\"a\"]\nwho = 1\n+++\n# T\n", "unknown field"),
            ("+++\ntitle = \"x\"\nauthor = \"nobody\"\nsections=[\"a\"]\n+++\n# T\n", "Name <email>"),
        ];
        for (text, want) in cases {
            let err = ProposalFile::parse("f.md", text)
                .expect_err(text)
                .to_string();
            assert!(err.contains(want), "{text:?}: got {err:?}, want {want:?}");
            assert!(err.contains("f.md"), "{err}");
        }
    }
}
