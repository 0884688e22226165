//! Escaping text for markup: the one home of the rules for HTML and for XML.
//!
//! Everything Quire writes as HTML or XML by hand (the diff fragments, the feeds, the
//! exported pages' fragments) escapes its text here; askama templates escape with
//! askama's own HTML escaper, which follows the same rules.

/// The entity for each character markup reserves; `'` is `apos`, which HTML and XML
/// spell differently.
fn entity(c: char, apos: &'static str) -> Option<&'static str> {
    match c {
        '&' => Some("&amp;"),
        '<' => Some("&lt;"),
        '>' => Some("&gt;"),
        '"' => Some("&quot;"),
        '\'' => Some(apos),
        _ => None,
    }
}

/// Appends `text` escaped for HTML element content and attribute values (`& < > " '`).
/// The one HTML escaper of Quire: the server and the exporters use it too.
pub fn escape_into(out: &mut String, text: &str) {
    for c in text.chars() {
        match entity(c, "&#39;") {
            Some(e) => out.push_str(e),
            None => out.push(c),
        }
    }
}

/// `text` escaped for HTML element content and attribute values.
pub fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    escape_into(&mut out, text);
    out
}

/// `text` escaped for XML 1.0 element content and attribute values (the feeds), dropping
/// the characters XML 1.0 does not allow at all: control characters other than tab,
/// newline and carriage return, and U+FFFE and U+FFFF. HTML keeps those characters, so
/// the two escapers differ.
pub fn escape_xml(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        let allowed = !matches!(c, '\u{FFFE}' | '\u{FFFF}')
            && (c as u32 >= 0x20 || matches!(c, '\t' | '\n' | '\r'));
        if !allowed {
            continue;
        }
        match entity(c, "&apos;") {
            Some(e) => out.push_str(e),
            None => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_escaping_covers_markup_and_keeps_every_character() {
        assert_eq!(
            escape_html("a<b>&\"c\"'d'"),
            "a&lt;b&gt;&amp;&quot;c&quot;&#39;d&#39;"
        );
        assert_eq!(escape_html("x\u{1b}y\ttab"), "x\u{1b}y\ttab");
    }

    #[test]
    fn escaping_covers_markup_and_drops_what_xml_cannot_hold() {
        assert_eq!(
            escape_xml("a<b>&\"c\"'d'"),
            "a&lt;b&gt;&amp;&quot;c&quot;&apos;d&apos;"
        );
        assert_eq!(escape_xml("x\u{0}y\u{1b}z\u{FFFF}"), "xyz");
        assert_eq!(escape_xml("line\nnext\ttab"), "line\nnext\ttab");
        assert_eq!(escape_xml("été ☕"), "été ☕");
    }
}
