//! Property tests with proptest: whatever Markdown a user writes, the sanitised HTML that
//! `quire_server::render::markdown` makes of it holds no script, no event handler and no
//! `javascript:` (or other non-http) link, and no tag outside ammonia's allow-list.
//!
//! The output is checked with a small tokenizer that reads it as a browser would read
//! html5ever's serialisation: text with `<` escaped, tags with quoted attributes.

#![allow(clippy::unwrap_used)]

use proptest::prelude::*;
use quire_server::render::markdown;

/// Markdown and HTML pieces that try to smuggle script into a page, and plain ones.
const PIECES: &[&str] = &[
    "hello",
    "world",
    " ",
    "\n",
    "\n\n",
    "\t",
    "# ",
    "- ",
    "> ",
    "```",
    "    ",
    "`",
    "*",
    "_",
    "[",
    "]",
    "(",
    ")",
    "<",
    ">",
    "/",
    "=",
    "\"",
    "'",
    "&",
    ";",
    ":",
    "#x",
    "\u{0}",
    "\u{1b}",
    "\u{feff}",
    "<script>alert(1)</script>",
    "<script",
    "</script>",
    "<SCRIPT SRC=//x.example/x.js>",
    "<svg onload=alert(1)>",
    "<svg><script>alert(1)</script></svg>",
    "<svg/onload=alert(1)>",
    "<math><mi xlink:href=\"javascript:alert(1)\">x</mi></math>",
    "<img src=x onerror=alert(1)>",
    "<img src=\"javascript:alert(1)\">",
    "<a href=\"javascript:alert(1)\">x</a>",
    "<a href=\"jav&#x09;ascript:alert(1)\">x</a>",
    "<a href=\"&#106;avascript:alert(1)\">x</a>",
    "<a href=\" javascript:alert(1)\">x</a>",
    "<a href=\"JaVaScRiPt:alert(1)\">x</a>",
    "<a href=\"data:text/html,<script>alert(1)</script>\">x</a>",
    "<a href=\"vbscript:msgbox(1)\">x</a>",
    "[x](javascript:alert(1))",
    "[x](JAVASCRIPT:alert(1))",
    "[x](java\tscript:alert(1))",
    "[x]: javascript:alert(1)\n\n[x]",
    "# [x]: javascript:alert(1)\n\n[x]:\"![x](javascript:alert(1))",
    "![x](javascript:alert(1))",
    "<javascript:alert(1)>",
    "<https://example.org>",
    "[ok](https://example.org \"title\")",
    "<div onclick=\"alert(1)\">x</div>",
    "<p style=\"background:url(javascript:alert(1))\">x</p>",
    "<details open ontoggle=alert(1)>",
    "<iframe src=\"https://example.org\"></iframe>",
    "<object data=x></object>",
    "<embed src=x>",
    "<form action=x><input name=a><button>go</button></form>",
    "<style>*{color:red}</style>",
    "<link rel=stylesheet href=x>",
    "<meta http-equiv=refresh content=0;url=x>",
    "<base href=//x.example/>",
    "<template><script>alert(1)</script></template>",
    "<noscript><p title=\"</noscript><img src=x onerror=alert(1)>\">",
    "<!-- <script>alert(1)</script> -->",
    "<![CDATA[<script>alert(1)</script>]]>",
    "<textarea><script>alert(1)</script></textarea>",
    "<table><td onmouseover=alert(1)>x</td></table>",
    "<b onmouseover=alert(1)>x</b>",
    "<a href=x onfocus=alert(1) autofocus>x</a>",
];

fn hostile_markdown() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        6 => prop::sample::select(PIECES).prop_map(str::to_owned),
        1 => any::<String>(),
        1 => "[a-zA-Z<>/=\"' :&#;]{1,16}",
    ];
    prop::collection::vec(piece, 0..40).prop_map(|v| v.concat())
}

/// Tags ammonia's default allow-list keeps (ammonia 4, `Builder::default`).
const ALLOWED_TAGS: &[&str] = &[
    "a",
    "abbr",
    "acronym",
    "area",
    "article",
    "aside",
    "b",
    "bdi",
    "bdo",
    "blockquote",
    "br",
    "caption",
    "center",
    "cite",
    "code",
    "col",
    "colgroup",
    "data",
    "dd",
    "del",
    "details",
    "dfn",
    "div",
    "dl",
    "dt",
    "em",
    "figcaption",
    "figure",
    "footer",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "header",
    "hgroup",
    "hr",
    "i",
    "img",
    "ins",
    "kbd",
    "li",
    "map",
    "mark",
    "nav",
    "ol",
    "p",
    "pre",
    "q",
    "rp",
    "rt",
    "rtc",
    "ruby",
    "s",
    "samp",
    "small",
    "span",
    "strike",
    "strong",
    "sub",
    "summary",
    "sup",
    "table",
    "tbody",
    "td",
    "th",
    "thead",
    "time",
    "tr",
    "tt",
    "u",
    "ul",
    "var",
    "wbr",
];

/// A start or end tag read from the output.
#[derive(Debug)]
struct Tag {
    name: String,
    attrs: Vec<(String, String)>,
}

/// Decodes the character references html5ever writes in attribute values.
fn decode(value: &str) -> String {
    value
        .replace("&quot;", "\"")
        .replace("&nbsp;", "\u{a0}")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

/// Reads every tag of `html`. Panics on anything html5ever would not have written: a `<`
/// not starting a tag or comment, an unterminated tag or an unquoted attribute value.
fn read_tags(html: &str) -> Vec<Tag> {
    let mut tags = Vec::new();
    let mut rest = html;
    while let Some(at) = rest.find('<') {
        rest = &rest[at + 1..];
        if let Some(after) = rest.strip_prefix("!--") {
            let end = after
                .find("-->")
                .unwrap_or_else(|| panic!("open comment in {html}"));
            rest = &after[end + 3..];
            continue;
        }
        let rest_tag = rest.strip_prefix('/').unwrap_or(rest);
        let name_len = rest_tag
            .find(|c: char| !c.is_ascii_alphanumeric())
            .unwrap_or(rest_tag.len());
        assert!(name_len > 0, "a raw '<' in {html}");
        let name = rest_tag[..name_len].to_ascii_lowercase();
        let mut attrs = Vec::new();
        let mut s = &rest_tag[name_len..];
        loop {
            s = s.trim_start();
            if let Some(after) = s.strip_prefix('>') {
                rest = after;
                break;
            }
            if let Some(after) = s.strip_prefix("/>") {
                rest = after;
                break;
            }
            let end = s
                .find(|c: char| c == '=' || c == '>' || c.is_whitespace() || c == '/')
                .unwrap_or_else(|| panic!("unterminated tag in {html}"));
            assert!(end > 0, "a bad attribute at {s:?} in {html}");
            let attr = s[..end].to_ascii_lowercase();
            s = &s[end..];
            let mut value = String::new();
            if let Some(after) = s.strip_prefix('=') {
                let after = after
                    .strip_prefix('"')
                    .unwrap_or_else(|| panic!("an unquoted value of {attr} in {html}"));
                let close = after
                    .find('"')
                    .unwrap_or_else(|| panic!("an unclosed value of {attr} in {html}"));
                value = decode(&after[..close]);
                s = &after[close + 1..];
            }
            attrs.push((attr, value));
        }
        tags.push(Tag { name, attrs });
    }
    tags
}

/// What a browser would take as the scheme of a URL: control characters and whitespace
/// dropped, lowercased, up to the first `:`.
fn scheme(url: &str) -> Option<String> {
    let cleaned: String = url
        .chars()
        .filter(|c| !c.is_control() && !c.is_whitespace())
        .collect::<String>()
        .to_ascii_lowercase();
    let (scheme, _) = cleaned.split_once(':')?;
    let looks_like_scheme = !scheme.is_empty()
        && scheme
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c));
    looks_like_scheme.then(|| scheme.to_string())
}

fn check_safe(source: &str) -> Result<(), TestCaseError> {
    let html = markdown(source);
    let lower = html.to_ascii_lowercase();
    prop_assert!(!lower.contains("<script"), "{:?} gave {}", source, html);
    for tag in read_tags(&html) {
        prop_assert!(
            ALLOWED_TAGS.contains(&tag.name.as_str()),
            "tag <{}> from {:?} in {}",
            tag.name,
            source,
            html
        );
        for (attr, value) in &tag.attrs {
            prop_assert!(
                !attr.starts_with("on"),
                "handler {}= on <{}> from {:?} in {}",
                attr,
                tag.name,
                source,
                html
            );
            prop_assert!(attr != "style", "style attribute from {:?}", source);
            let is_url = ["href", "src", "cite", "action", "formaction", "xlink:href"]
                .contains(&attr.as_str());
            if is_url {
                if let Some(s) = scheme(value) {
                    prop_assert!(
                        ["http", "https", "mailto"].contains(&s.as_str()),
                        "{}={:?} on <{}> from {:?} in {}",
                        attr,
                        value,
                        tag.name,
                        source,
                        html
                    );
                }
            }
            // A URL is dangerous only through its scheme (checked above): a relative URL
            // such as `%22!%5Bx%5D(javascript:alert(1))` merely names a path. Any other
            // attribute must not carry the text at all.
            prop_assert!(
                is_url || !value.to_ascii_lowercase().contains("javascript:"),
                "javascript: in {}= from {:?} in {}",
                attr,
                source,
                html
            );
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2_000, ..ProptestConfig::default() })]

    #[test]
    fn sanitised_markdown_never_carries_script(source in hostile_markdown()) {
        check_safe(&source)?;
    }
}

#[test]
fn every_hostile_piece_alone_is_sanitised() {
    for piece in PIECES {
        check_safe(piece).unwrap();
    }
}

#[test]
fn the_checker_sees_what_it_must_refuse() {
    // The tokenizer itself: these would be unsafe if they ever came out of `markdown`.
    let tags =
        read_tags("<p>a &lt;b</p><a href=\"jav&amp;#x09;ascript:x\" onclick=\"y\">z</a><br>");
    let names: Vec<&str> = tags.iter().map(|t| t.name.as_str()).collect();
    assert_eq!(names, ["p", "p", "a", "a", "br"]);
    assert_eq!(tags[2].attrs[1].0, "onclick");
    assert_eq!(
        scheme(" Java\tScript:alert(1)").as_deref(),
        Some("javascript")
    );
    assert_eq!(scheme("/relative/path"), None);
}
