//! Markdown to safe HTML. Every piece of user-written Markdown (sections, proposals,
//! comments) goes through [`markdown`], which sanitises with ammonia's allow-list: no
//! script, no event handlers, no `javascript:` links, no raw HTML beyond plain formatting.

use std::sync::{Arc, OnceLock};

/// Rendered pieces kept, by the git blob id of their Markdown source.
const CACHED_PIECES: usize = 8192;
/// Sources longer than this are rendered every time (rare, and big to keep).
const MAX_CACHED_SOURCE: usize = 256 * 1024;

fn cache() -> &'static quick_cache::sync::Cache<String, Arc<str>> {
    static CACHE: OnceLock<quick_cache::sync::Cache<String, Arc<str>>> = OnceLock::new();
    CACHE.get_or_init(|| quick_cache::sync::Cache::new(CACHED_PIECES))
}

/// Renders Markdown to sanitised HTML. Results are kept by the git blob id of the
/// source, so the same text is rendered once and a changed text can never meet an old
/// rendering.
pub fn markdown(source: &str) -> String {
    if source.len() > MAX_CACHED_SOURCE {
        return render(source);
    }
    let key = quire_core::blob_id(source.as_bytes());
    if let Some(html) = cache().get(&key) {
        return html.to_string();
    }
    let html = render(source);
    cache().insert(key, Arc::from(html.as_str()));
    html
}

fn render(source: &str) -> String {
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

    #[test]
    fn the_cache_gives_each_text_its_own_rendering() {
        // Twice the same text: the same HTML; a one-byte change: its own HTML.
        let a = markdown("Cache me *once*.");
        assert_eq!(markdown("Cache me *once*."), a);
        assert!(a.contains("<em>once</em>"));
        let b = markdown("Cache me *twice*.");
        assert!(b.contains("<em>twice</em>"), "{b}");
        // Large sources bypass the cache and still render.
        let big = "word ".repeat(MAX_CACHED_SOURCE / 5 + 1);
        assert!(markdown(&big).starts_with("<p>word word"));
    }
}
