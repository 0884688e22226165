//! Validated names: section ids, edition slugs, identities, and the limits on free text.
//!
//! Everything that ends up in a ref name or a file path goes through here first, so
//! `..`, `/`, `@{`, `~`, `:` and friends can never reach git.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// Longest section id or edition slug.
pub const MAX_SLUG_LEN: usize = 64;
/// Longest proposal or edition title, in characters.
pub const MAX_TITLE_CHARS: usize = 200;
/// Largest comment, rationale or note, in bytes.
pub const MAX_BODY_BYTES: usize = 64 * 1024;
/// Largest section text, in bytes.
pub const MAX_SECTION_BYTES: usize = 512 * 1024;

/// A section's stable id: lowercase ASCII letters and digits in words joined by single
/// hyphens (`assisted-digital`). It names the file `sections/<id>.md` and never changes
/// when the section's title does.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct SectionId(String);

impl SectionId {
    /// Checks and wraps a section id.
    pub fn new(id: &str) -> Result<SectionId> {
        check_slug(id, false).map_err(|reason| Error::Invalid {
            what: format!("section id '{}'", printable(id)),
            reason,
        })?;
        Ok(SectionId(id.to_string()))
    }

    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The path of the section's file inside a library tree.
    pub fn path(&self) -> String {
        crate::layout::section_path(&self.0)
    }
}

impl fmt::Display for SectionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for SectionId {
    type Err = Error;
    fn from_str(s: &str) -> Result<SectionId> {
        SectionId::new(s)
    }
}

impl TryFrom<String> for SectionId {
    type Error = Error;
    fn try_from(s: String) -> Result<SectionId> {
        SectionId::new(&s)
    }
}

impl From<SectionId> for String {
    fn from(id: SectionId) -> String {
        id.0
    }
}

/// An edition's slug, used in `refs/tags/edition/<slug>`: like a section id, but dots are
/// allowed between words too (`2027.1`, `spring-2027`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct EditionSlug(String);

impl EditionSlug {
    /// Checks and wraps an edition slug.
    pub fn new(slug: &str) -> Result<EditionSlug> {
        check_slug(slug, true)
            .and_then(|()| {
                if slug.ends_with(".lock") {
                    Err("it must not end with '.lock', which git keeps for lock files".into())
                } else if names_draft(slug) {
                    Err("'main' and 'draft' name the draft of the next edition".into())
                } else if slug == "latest" {
                    Err("'latest' always means the newest edition (as in /read/latest/)".into())
                } else {
                    Ok(())
                }
            })
            .map_err(|reason| Error::Invalid {
                what: format!("edition name '{}'", printable(slug)),
                reason,
            })?;
        Ok(EditionSlug(slug.to_string()))
    }

    /// The slug as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The full ref name of the edition's tag.
    pub fn refname(&self) -> String {
        crate::layout::edition_ref(self)
    }
}

impl fmt::Display for EditionSlug {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for EditionSlug {
    type Error = Error;
    fn try_from(s: String) -> Result<EditionSlug> {
        EditionSlug::new(&s)
    }
}

impl From<EditionSlug> for String {
    fn from(s: EditionSlug) -> String {
        s.0
    }
}

fn check_slug(s: &str, allow_dot: bool) -> Result<(), String> {
    if s.is_empty() {
        return Err("it is empty".into());
    }
    if s.len() > MAX_SLUG_LEN {
        return Err(format!("it is longer than {MAX_SLUG_LEN} characters"));
    }
    let seps: &[char] = if allow_dot { &['-', '.'] } else { &['-'] };
    let mut prev_sep = true;
    for c in s.chars() {
        if c.is_ascii_lowercase() || c.is_ascii_digit() {
            prev_sep = false;
        } else if seps.contains(&c) {
            if prev_sep {
                return Err(format!(
                    "'{c}' must sit between letters or digits (no leading, trailing or doubled separators)"
                ));
            }
            prev_sep = true;
        } else {
            let allowed = if allow_dot {
                "lowercase letters a-z, digits, '-' and '.'"
            } else {
                "lowercase letters a-z, digits and '-'"
            };
            return Err(format!(
                "'{}' is not allowed; use {allowed}",
                c.escape_default()
            ));
        }
    }
    if prev_sep {
        return Err("it must not end with a separator".into());
    }
    Ok(())
}

/// Someone who acts on the library: `Name <email>`, as in a git signature.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Identity {
    /// Display name.
    pub name: String,
    /// Email address.
    pub email: String,
}

impl Identity {
    /// Checks and builds an identity.
    pub fn new(name: &str, email: &str) -> Result<Identity> {
        // Checked before trimming, which would quietly drop a leading or trailing newline.
        let name_control = name.chars().any(char::is_control);
        let email_control = email.chars().any(char::is_control);
        let name = name.trim();
        let email = email.trim();
        let bad = |reason: &str| Error::Invalid {
            what: format!("identity '{} <{}>'", printable(name), printable(email)),
            reason: reason.to_string(),
        };
        if name.is_empty() {
            return Err(bad("the name is empty"));
        }
        if email.is_empty() {
            return Err(bad("the email is empty"));
        }
        if name.chars().count() > 100 || email.len() > 254 {
            return Err(bad("the name or email is too long"));
        }
        if name_control || name.chars().any(|c| c == '<' || c == '>') {
            return Err(bad("the name must not hold '<', '>' or control characters"));
        }
        if email_control
            || email
                .chars()
                .any(|c| c.is_whitespace() || c == '<' || c == '>')
            || !email.contains('@')
        {
            return Err(bad("the email must look like someone@example.org"));
        }
        Ok(Identity {
            name: name.to_string(),
            email: email.to_string(),
        })
    }
}

/// What readers call the draft of the next edition (`main` is its branch): the slug of
/// the draft in an export or a print edition.
pub const DRAFT: &str = "draft";

/// The title of the draft of the next edition wherever readers see it: the server's pages,
/// the exports and the print edition.
pub const DRAFT_TITLE: &str = "Working draft";

/// True when a revision spec names the draft of the next edition: `main`, `draft` or
/// nothing at all (surrounding whitespace ignored).
pub fn names_draft(spec: &str) -> bool {
    matches!(spec.trim(), "" | "main" | DRAFT)
}

/// The mail domain of the identities a review server writes to git for its accounts
/// (`user-<id>@noreply.quire.invalid`): `.invalid` can never receive mail, so a sign-in
/// address never becomes public.
pub const WEB_ACCOUNT_DOMAIN: &str = "noreply.quire.invalid";

impl Identity {
    /// The identity written to git for review-server account `id`, named `name`.
    pub fn web_account(id: i64, name: &str) -> Identity {
        Identity {
            name: name.to_string(),
            email: format!("user-{id}@{WEB_ACCOUNT_DOMAIN}"),
        }
    }

    /// The review-server account this identity is written for, if it is one.
    pub fn web_account_id(&self) -> Option<i64> {
        self.email
            .strip_prefix("user-")
            .and_then(|r| r.strip_suffix(&format!("@{WEB_ACCOUNT_DOMAIN}")))
            .and_then(|n| n.parse::<i64>().ok())
    }

    /// Refuses an identity in the review server's own domain ([`WEB_ACCOUNT_DOMAIN`]), which
    /// only the server may write: someone using the command line or a proposal file could
    /// otherwise act as a web account (and be taken for its owner).
    pub fn check_not_reserved(&self) -> Result<()> {
        let domain = self.email.rsplit('@').next().unwrap_or_default();
        if domain.eq_ignore_ascii_case(WEB_ACCOUNT_DOMAIN) {
            return Err(Error::Invalid {
                what: format!("identity '{}'", printable(&self.to_string())),
                reason: format!(
                    "addresses at {WEB_ACCOUNT_DOMAIN} belong to the review server's accounts; use your own email"
                ),
            });
        }
        Ok(())
    }
}

impl fmt::Display for Identity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} <{}>", self.name, self.email)
    }
}

impl FromStr for Identity {
    type Err = Error;
    /// Parses `Name <email>`.
    fn from_str(s: &str) -> Result<Identity> {
        let s = s.trim();
        match (s.find('<'), s.rfind('>')) {
            (Some(open), Some(close)) if open < close && close == s.len() - 1 => {
                Identity::new(&s[..open], &s[open + 1..close])
            }
            _ => Err(Error::Invalid {
                what: format!("identity '{}'", printable(s)),
                reason: "write it as \"Name <email>\"".into(),
            }),
        }
    }
}

/// Checks a one-line title (proposal or edition).
pub fn check_title(what: &str, title: &str) -> Result<String> {
    let t = title.trim();
    if t.is_empty() {
        return Err(Error::invalid(what, "it is empty"));
    }
    if t.chars().count() > MAX_TITLE_CHARS {
        return Err(Error::invalid(
            what,
            format!("it is longer than {MAX_TITLE_CHARS} characters"),
        ));
    }
    if t.chars().any(char::is_control) {
        return Err(Error::invalid(
            what,
            "it must be one line without control characters",
        ));
    }
    Ok(t.to_string())
}

/// Checks free text (comments, rationales, notes): not empty unless allowed, no NUL or
/// control characters other than newline and tab, not too large. Line ends become `\n`.
pub fn check_body(what: &str, body: &str, allow_empty: bool) -> Result<String> {
    let b = body.replace("\r\n", "\n");
    let b = b.trim();
    if b.is_empty() && !allow_empty {
        return Err(Error::invalid(what, "it is empty"));
    }
    if b.len() > MAX_BODY_BYTES {
        return Err(Error::invalid(
            what,
            format!("it is larger than {} KiB", MAX_BODY_BYTES / 1024),
        ));
    }
    if let Some(c) = b
        .chars()
        .find(|&c| c.is_control() && c != '\n' && c != '\t')
    {
        return Err(Error::invalid(
            what,
            format!("it holds the control character {}", c.escape_unicode()),
        ));
    }
    Ok(b.to_string())
}

/// Checks a section's full Markdown text: size, no control characters, a `# Title` first
/// line. Returns the text with `\n` line ends and exactly one final newline.
pub fn check_section_text(id: &SectionId, text: &str) -> Result<String> {
    let what = || format!("text for section '{id}'");
    let t = text.replace("\r\n", "\n");
    let t = t.trim_matches('\n');
    if t.len() > MAX_SECTION_BYTES {
        return Err(Error::invalid(
            what(),
            format!("it is larger than {} KiB", MAX_SECTION_BYTES / 1024),
        ));
    }
    if let Some(c) = t
        .chars()
        .find(|&c| c.is_control() && c != '\n' && c != '\t')
    {
        return Err(Error::invalid(
            what(),
            format!("it holds the control character {}", c.escape_unicode()),
        ));
    }
    let first = t.lines().next().unwrap_or("");
    if !first.starts_with("# ") || first[2..].trim().is_empty() {
        return Err(Error::invalid(
            what(),
            "it must start with the section's title as a '# Title' line",
        ));
    }
    Ok(format!("{t}\n"))
}

/// Shows untrusted text safely in an error message (escapes control characters, cuts long
/// input).
pub(crate) fn printable(s: &str) -> String {
    let mut out: String = s.chars().take(80).flat_map(char::escape_debug).collect();
    if s.chars().count() > 80 {
        out.push_str("...");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn main_draft_and_nothing_name_the_draft() {
        for spec in ["", " ", "main", "draft", " main\n"] {
            assert!(names_draft(spec), "{spec:?}");
        }
        for spec in ["Main", "drafts", "spring-2027", "edition/draft"] {
            assert!(!names_draft(spec), "{spec:?}");
        }
    }

    #[test]
    fn section_ids_reject_path_and_ref_tricks() {
        for bad in [
            "",
            "..",
            "a/b",
            "../etc",
            "refs/heads/main",
            "a@{1}",
            "a~1",
            "a:b",
            "A",
            "-a",
            "a-",
            "a--b",
            "a.b",
            "a b",
            "é",
            "a\0b",
        ] {
            assert!(SectionId::new(bad).is_err(), "{bad:?} should be rejected");
        }
        for good in ["a", "what-digital-is", "principle-13", "x1"] {
            assert_eq!(SectionId::new(good).expect("valid").as_str(), good);
        }
        assert!(SectionId::new(&"a".repeat(65)).is_err());
    }

    #[test]
    fn edition_slugs_allow_dots_between_words() {
        assert!(EditionSlug::new("2027.1").is_ok());
        assert!(EditionSlug::new("spring-2027").is_ok());
        for bad in [
            "..", "a..b", ".a", "a.", "a/b", "@{", "~", "a.lock", "main", "draft", "latest",
        ] {
            assert!(EditionSlug::new(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn identities_parse_and_reject_junk() {
        let id: Identity = "Priya Shah <priya@example.org>".parse().expect("valid");
        assert_eq!(id.name, "Priya Shah");
        assert_eq!(id.email, "priya@example.org");
        assert_eq!(id.to_string(), "Priya Shah <priya@example.org>");
        for bad in [
            "Priya",
            "<a@b>",
            "Pri<ya <a@b>",
            "A <no-at>",
            "A <a b@c>",
            "A\n <a@b>",
        ] {
            assert!(bad.parse::<Identity>().is_err(), "{bad:?}");
        }
    }

    #[test]
    fn titles_and_bodies_are_checked() {
        assert!(check_title("title", "  ").is_err());
        assert!(check_title("title", "a\nb").is_err());
        assert_eq!(check_title("title", " Fix it ").expect("ok"), "Fix it");
        assert!(check_body("comment", "", false).is_err());
        assert!(check_body("comment", "a\u{1}b", false).is_err());
        assert_eq!(
            check_body("comment", "a\r\nb\n", false).expect("ok"),
            "a\nb"
        );
    }

    #[test]
    fn section_text_needs_a_title_line() {
        let id = SectionId::new("x").expect("valid");
        assert!(check_section_text(&id, "no title").is_err());
        assert!(check_section_text(&id, "#  \n").is_err());
        assert_eq!(
            check_section_text(&id, "# T\r\n\r\nBody\n\n\n").expect("ok"),
            "# T\n\nBody\n"
        );
    }
}
