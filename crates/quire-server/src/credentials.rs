//! What a display name and a password must be: the one home of those rules, asked by the
//! account store whenever an account is made, renamed or given a new password.
//!
//! - A **display name** is shown beside everything an account writes, so it must not be
//!   able to pass for someone else: no characters that reorder text (bidirectional
//!   controls), none that cannot be seen (zero-width, format and variation characters),
//!   only letters, digits, spaces and a little name punctuation, and its confusable
//!   skeleton (Unicode Technical Standard #39, from the `unicode-security` crate) must
//!   differ from every reserved word (see [`RESERVED_NAMES`]; "The Maintainer" too) and from every other
//!   account's, compared case-insensitively ([`name_skeletons`]). The store keeps each
//!   account's skeletons in indexed columns, so the uniqueness check is one query.
//! - A **password** has at least [`MIN_PASSWORD_CHARS`] characters, is not only spaces, and
//!   is not one of the 10,000 most common passwords ([`COMMON_PASSWORDS`]), nor one of them
//!   followed by digits or symbols.

use unicode_security::GeneralSecurityProfile;

/// Shortest password accepted.
pub const MIN_PASSWORD_CHARS: usize = 12;
/// Longest password accepted (in bytes; argon2 hashes it whole).
pub const MAX_PASSWORD_BYTES: usize = 1024;
/// Longest display name accepted, in characters.
pub const MAX_NAME_CHARS: usize = 100;

/// Words no one may take as a name, nor anything that looks like them: they would pass
/// for the people who run the server.
pub const RESERVED_NAMES: &[&str] = &[
    "maintainer",
    "maintainers",
    "admin",
    "administrator",
    "moderator",
    "quire",
    "system",
];

/// The 10,000 most common passwords, one a line, most common first: the first 10,000
/// entries of the password frequency list that the zxcvbn password-strength estimator
/// ships (Dropbox's zxcvbn, MIT licence, as carried by the `zxcvbn` crate 3.1.1; built from
/// Mark Burnett's list of leaked passwords).
pub const COMMON_PASSWORDS: &str = include_str!("common_passwords.txt");

/// Why a password was refused, as a sentence for the form, or `None` if it is acceptable.
pub fn password_problem(password: &str) -> Option<String> {
    if password.trim().is_empty() {
        return Some("Enter a password that is not only spaces".into());
    }
    if password.chars().count() < MIN_PASSWORD_CHARS {
        return Some(format!(
            "The password must be at least {MIN_PASSWORD_CHARS} characters"
        ));
    }
    if password.len() > MAX_PASSWORD_BYTES {
        return Some("The password is too long".into());
    }
    let lower = password.to_lowercase();
    let core = lower.trim_end_matches(|c: char| !c.is_alphabetic());
    if is_common(&lower) || (core.chars().count() >= 4 && is_common(core)) {
        return Some(
            "That password is one of the most common passwords, so it is easy to guess; choose another"
                .into(),
        );
    }
    None
}

fn is_common(p: &str) -> bool {
    COMMON_PASSWORDS.lines().any(|l| l == p)
}

/// The characters that reorder text around them: embeddings, overrides, isolates and the
/// implicit marks.
pub fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}' | '\u{061C}')
}

/// Characters that show nothing (Unicode's default-ignorable code points: zero-width
/// spaces and joiners, word joiners, invisible operators, soft hyphens, fillers, variation
/// selectors, tags), plus the other format characters (general category Cf) and
/// controls.
pub fn is_invisible(c: char) -> bool {
    matches!(c,
        '\u{00AD}' | '\u{034F}' | '\u{061C}' | '\u{115F}' | '\u{1160}' | '\u{17B4}' | '\u{17B5}'
        | '\u{180B}'..='\u{180F}' | '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}'
        | '\u{2060}'..='\u{206F}' | '\u{3164}' | '\u{FE00}'..='\u{FE0F}' | '\u{FEFF}'
        | '\u{FFA0}' | '\u{FFF0}'..='\u{FFFB}' | '\u{1BCA0}'..='\u{1BCA3}'
        | '\u{1D173}'..='\u{1D17A}' | '\u{E0000}'..='\u{E0FFF}'
        // Other format characters (Cf).
        | '\u{0600}'..='\u{0605}' | '\u{06DD}' | '\u{070F}' | '\u{0890}' | '\u{0891}'
        | '\u{08E2}' | '\u{110BD}' | '\u{110CD}' | '\u{13430}'..='\u{1343F}'
        | '\u{2028}' | '\u{2029}')
        || c.is_control()
}

/// Punctuation a name may hold besides letters, digits and spaces.
const NAME_PUNCTUATION: &[char] = &['.', ',', '\'', '\u{2019}', '-', '(', ')'];

/// The confusable skeletons of a name, as stored and compared: two names are too alike if
/// either skeleton is the same. UTS #39's skeleton is case-sensitive (a capital I looks
/// like a small l; a small i does not), so a case-insensitive comparison needs two:
///
/// - the skeleton of the lower-cased name ("MAINTAINER" and "maintainer" alike), and
/// - the skeleton of the lower-cased skeleton ("ExampIe", with a capital I, and
///   "Example" alike).
///
/// Both are lower-cased again, with spaces and punctuation left out (so "Main tainer"
/// and "maintainer." look alike too).
pub fn name_skeletons(name: &str) -> (String, String) {
    fn skeleton(s: &str) -> String {
        unicode_security::skeleton(s).collect()
    }
    fn squeeze(s: &str) -> String {
        s.to_lowercase()
            .chars()
            .filter(|c| c.is_alphanumeric())
            .collect()
    }
    let folded = squeeze(&skeleton(&name.to_lowercase()));
    let cased = squeeze(&skeleton(&skeleton(name).to_lowercase()));
    (folded, cased)
}

/// True if two names look alike (see [`name_skeletons`]).
pub fn look_alike(a: &str, b: &str) -> bool {
    let (a1, a2) = name_skeletons(a);
    let (b1, b2) = name_skeletons(b);
    a1 == b1 || a2 == b2
}

/// Why a display name was refused, as a sentence for the form, or `None` if its
/// characters are acceptable. (Whether another account looks the same is the store's to
/// say: see [`name_skeletons`].)
pub fn name_problem(name: &str) -> Option<String> {
    let name = name.trim();
    if name.is_empty() {
        return Some("Enter your name".into());
    }
    if name.chars().count() > MAX_NAME_CHARS {
        return Some(format!(
            "Your name must be {MAX_NAME_CHARS} characters or fewer"
        ));
    }
    if let Some(c) = name.chars().find(|&c| is_bidi_control(c)) {
        return Some(format!(
            "Your name contains a hidden character that changes the direction of text (U+{:04X}); remove it",
            u32::from(c)
        ));
    }
    if let Some(c) = name.chars().find(|&c| is_invisible(c)) {
        return Some(format!(
            "Your name contains an invisible character (U+{:04X}); remove it",
            u32::from(c)
        ));
    }
    if let Some(c) = name
        .chars()
        .find(|&c| !(c == ' ' || NAME_PUNCTUATION.contains(&c) || c.identifier_allowed()))
    {
        return Some(format!(
            "Your name cannot contain the character \u{201C}{c}\u{201D} (U+{:04X}); use letters, numbers, spaces and . , ' - ( ) only",
            u32::from(c)
        ));
    }
    if !name.chars().any(char::is_alphabetic) {
        return Some("Your name must contain at least one letter".into());
    }
    let without_the = name
        .strip_prefix("The ")
        .or_else(|| name.strip_prefix("the "))
        .or_else(|| name.strip_prefix("THE "))
        .unwrap_or(name);
    let reserved = RESERVED_NAMES
        .iter()
        .find(|r| look_alike(name, r) || look_alike(without_the, r));
    if let Some(r) = reserved {
        return Some(format!(
            "Your name cannot be \u{201C}{r}\u{201D}, or anything that looks like it, so that no one can pass for the people who run this site"
        ));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_common_list_is_the_top_ten_thousand() {
        assert_eq!(COMMON_PASSWORDS.lines().count(), 10_000);
        assert_eq!(COMMON_PASSWORDS.lines().next(), Some("123456"));
    }

    #[test]
    fn passwords() {
        assert!(password_problem("short").is_some());
        assert!(password_problem("              ").is_some());
        assert!(password_problem("qwertyuiop12").is_some(), "common");
        assert!(password_problem("Password1234567").is_some(), "common core");
        assert!(password_problem("correct horse battery").is_none());
    }

    #[test]
    fn names() {
        assert!(name_problem("Ann Example").is_none());
        assert!(name_problem("Siân O'Brien-Jones").is_none());
        assert!(name_problem("Zoë Λαμπράκη").is_none());
        assert!(name_problem("Maintainer").is_some());
        assert!(name_problem("MAINTAINER").is_some());
        assert!(name_problem("The Maintainer").is_some());
        assert!(
            name_problem("Max Maintainer").is_none(),
            "a surname may be a word"
        );
        // Cyrillic а and е in place of Latin a and e.
        assert!(name_problem("M\u{0430}intain\u{0435}r").is_some());
        assert!(name_problem("Rnaintainer").is_some(), "rn looks like m");
        assert!(name_problem("Ann\u{202E}rotcA").is_some());
        assert!(name_problem("Ma\u{200B}intainer").is_some());
        assert!(name_problem("Ann\u{FE0F}").is_some());
        assert!(name_problem("Ann <b>").is_some());
        assert!(name_problem("   ").is_some());
        assert!(look_alike("Ann Example", "ann  exampIe"));
        assert!(look_alike("Ann Example", "ANN EXAMPIE"));
        assert!(!look_alike("Ann Example", "Ann Exemple"));
    }
}
