//! Markdown to safe HTML. Every piece of user-written Markdown (sections, proposals,
//! comments) goes through [`markdown`], which sanitises with ammonia's allow-list: no
//! script, no event handlers, no `javascript:` links, no raw HTML beyond plain formatting.

/// Renders Markdown to sanitised HTML.
pub fn markdown(source: &str) -> String {
    let raw = quire_core::prose::to_html(source);
    ammonia::Builder::default()
        .url_schemes(["http", "https", "mailto"].into_iter().collect())
        .link_rel(Some("noopener noreferrer nofollow"))
        .clean(&raw)
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scripts_and_handlers_never_survive() {
        let cases = [
            "<script>alert(1)</script>",
            "[x](javascript:alert(1))",
            "<img src=x onerror=alert(1)>",
            "<svg><script>alert(1)</script></svg>",
            "<a href=\"javascript:alert(1)\">x</a>",
            "<iframe src=\"https://example.org\"></iframe>",
        ];
        for c in cases {
            let html = markdown(c).to_lowercase();
            assert!(!html.contains("<script"), "{c}: {html}");
            assert!(!html.contains("javascript:"), "{c}: {html}");
            assert!(!html.contains("onerror"), "{c}: {html}");
            assert!(!html.contains("<iframe"), "{c}: {html}");
        }
        assert!(
            markdown("**bold** and [link](https://example.org)").contains("<strong>bold</strong>")
        );
    }
}
