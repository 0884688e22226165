//! `resource.toml`: the resource's title, its parts and the order of its sections.

use std::collections::HashSet;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::ids::{check_title, SectionId};

/// The file name of the manifest at the top of a library tree.
pub use crate::layout::MANIFEST_PATH;

/// Most sections a manifest may list.
pub const MAX_SECTIONS: usize = 1000;

/// The parsed manifest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    /// The resource's title ("Digital Insights").
    pub title: String,
    /// An optional subtitle.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subtitle: Option<String>,
    /// The parts, in reading order.
    pub parts: Vec<Part>,
}

/// A part of the resource ("Key principles") and its sections in order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Part {
    /// A stable slug for the part.
    pub id: String,
    /// The part's heading.
    pub title: String,
    /// Section ids in reading order.
    pub sections: Vec<SectionId>,
}

impl Manifest {
    /// Parses and checks a manifest: valid TOML of the right shape, at least one section,
    /// no id listed twice, sensible titles.
    pub fn parse(text: &str) -> Result<Manifest> {
        let m: Manifest = toml::from_str(text).map_err(|e| Error::Invalid {
            what: MANIFEST_PATH.to_string(),
            reason: e.message().to_string(),
        })?;
        m.check()?;
        Ok(m)
    }

    fn check(&self) -> Result<()> {
        let bad = |reason: String| Error::Invalid {
            what: MANIFEST_PATH.to_string(),
            reason,
        };
        check_title("resource title", &self.title).map_err(|e| bad(e.to_string()))?;
        if self.parts.is_empty() {
            return Err(bad("it lists no parts".into()));
        }
        let mut seen = HashSet::new();
        let mut part_ids = HashSet::new();
        let mut count = 0;
        for part in &self.parts {
            SectionId::new(&part.id).map_err(|_| {
                bad(format!(
                    "part id '{}' must be lowercase letters, digits and '-'",
                    part.id.escape_debug()
                ))
            })?;
            if !part_ids.insert(part.id.as_str()) {
                return Err(bad(format!("part '{}' is listed twice", part.id)));
            }
            check_title("part title", &part.title).map_err(|e| bad(e.to_string()))?;
            for id in &part.sections {
                count += 1;
                if !seen.insert(id.clone()) {
                    return Err(bad(format!("section '{id}' is listed twice")));
                }
            }
        }
        if count == 0 {
            return Err(bad("it lists no sections".into()));
        }
        if count > MAX_SECTIONS {
            return Err(bad(format!(
                "it lists {count} sections; at most {MAX_SECTIONS} are allowed"
            )));
        }
        Ok(())
    }

    /// All section ids in reading order, with the part each belongs to.
    pub fn sections(&self) -> impl Iterator<Item = (&Part, &SectionId)> {
        self.parts
            .iter()
            .flat_map(|p| p.sections.iter().map(move |s| (p, s)))
    }

    /// True if the manifest lists this section.
    pub fn contains(&self, id: &SectionId) -> bool {
        self.sections().any(|(_, s)| s == id)
    }

    /// The manifest as TOML text.
    pub fn to_toml(&self) -> String {
        toml::to_string_pretty(self).expect("a manifest always serialises")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = r#"
title = "Digital Insights"
[[parts]]
id = "introduction"
title = "Introduction"
sections = ["about", "what-digital-is"]
[[parts]]
id = "key"
title = "Key principles"
sections = ["customer-experience"]
"#;

    #[test]
    fn parses_order_and_parts() {
        let m = Manifest::parse(GOOD).expect("valid");
        let order: Vec<_> = m
            .sections()
            .map(|(p, s)| (p.id.as_str(), s.as_str()))
            .collect();
        assert_eq!(
            order,
            [
                ("introduction", "about"),
                ("introduction", "what-digital-is"),
                ("key", "customer-experience")
            ]
        );
        assert_eq!(Manifest::parse(&m.to_toml()).expect("round trip"), m);
    }

    #[test]
    fn rejects_bad_manifests_with_a_reason() {
        let cases = [
            ("title = \"x\"", "missing field `parts`"),
            ("title = \"x\"\nparts = []", "no parts"),
            (
                "title = \"x\"\n[[parts]]\nid=\"a\"\ntitle=\"A\"\nsections=[\"../x\"]",
                "section id",
            ),
            (
                "title = \"x\"\n[[parts]]\nid=\"a\"\ntitle=\"A\"\nsections=[\"s\",\"s\"]",
                "listed twice",
            ),
            (
                "title = \"x\"\n[[parts]]\nid=\"a\"\ntitle=\"A\"\nsections=[]",
                "no sections",
            ),
            ("title = \"x\"\nbogus = 1\nparts=[]", "unknown field"),
            ("title = ", "invalid"),
        ];
        for (text, want) in cases {
            let err = Manifest::parse(text).expect_err(text).to_string();
            assert!(err.contains(want), "{text:?}: got {err:?}, want {want:?}");
        }
    }
}
