//! Markdown to safe HTML for the server's pages. Every piece of user-written Markdown
//! (sections, proposals, comments) goes through [`markdown`], which renders with
//! [`quire_core::prose::safe_html`]: the one rendering, shared with the exported site,
//! block by block, each block sanitised on its own with ammonia's allow-list (no script,
//! no event handlers, no `javascript:` links, no raw HTML beyond plain formatting), and
//! with the work per block bounded (a block too complex to render is shown as text).
//!
//! Renderings are kept in a cache bounded by bytes ([`CACHE_BYTES`]), by the git blob id
//! of their source.

use std::sync::{Arc, OnceLock};

/// Bytes of rendered HTML kept (keys and values together).
pub const CACHE_BYTES: u64 = 64 * 1024 * 1024;
/// Sources longer than this are rendered every time (rare, and big to keep).
const MAX_CACHED_SOURCE: usize = 256 * 1024;

/// Weighs a cached rendering by its size in bytes.
#[derive(Clone)]
struct Bytes;

impl quick_cache::Weighter<String, Arc<str>> for Bytes {
    fn weight(&self, key: &String, val: &Arc<str>) -> u64 {
        (key.len() + val.len() + 64) as u64
    }
}

type Cache = quick_cache::sync::Cache<String, Arc<str>, Bytes>;

fn cache() -> &'static Cache {
    static CACHE: OnceLock<Cache> = OnceLock::new();
    CACHE.get_or_init(|| new_cache(CACHE_BYTES))
}

fn new_cache(bytes: u64) -> Cache {
    // Estimated items: a typical rendering is a few KB.
    let items = usize::try_from(bytes / 4096).unwrap_or(usize::MAX).max(16);
    Cache::with_weighter(items, bytes, Bytes)
}

/// Renders Markdown to sanitised HTML. Results are kept by the git blob id of the
/// source, so the same text is rendered once and a changed text can never meet an old
/// rendering.
///
/// This is CPU work (a few milliseconds for a large section, bounded for any text of the
/// allowed size): on a cache miss it renders through [`off_runtime`], so it never stalls
/// the async runtime's threads.
pub fn markdown(source: &str) -> String {
    markdown_in(cache(), source)
}

fn markdown_in(cache: &Cache, source: &str) -> String {
    if source.len() > MAX_CACHED_SOURCE {
        return off_runtime(|| render(source));
    }
    let key = quire_core::blob_id(source.as_bytes());
    if let Some(html) = cache.get(&key) {
        return html.to_string();
    }
    let html = off_runtime(|| render(source));
    cache.insert(key, Arc::from(html.as_str()));
    html
}

fn render(source: &str) -> String {
    quire_core::prose::safe_html(source, "")
}

/// Bytes of word diffs kept by [`diff_cache`].
pub const DIFF_CACHE_BYTES: u64 = 64 * 1024 * 1024;

/// Weighs a cached diff by the bytes of its texts.
#[derive(Clone)]
pub struct DiffBytes;

impl quick_cache::Weighter<String, Arc<Vec<quire_core::SectionDiff>>> for DiffBytes {
    fn weight(&self, key: &String, val: &Arc<Vec<quire_core::SectionDiff>>) -> u64 {
        use quire_core::prose::BlockDiff;
        let blocks: usize = val
            .iter()
            .flat_map(|d| &d.diff.blocks)
            .map(|b| match b {
                BlockDiff::Unchanged { text, .. }
                | BlockDiff::Added { text, .. }
                | BlockDiff::Removed { text, .. } => text.len() + 32,
                BlockDiff::Changed { spans, .. } => {
                    spans.iter().map(|s| s.text.len() + 32).sum::<usize>() + 32
                }
            })
            .sum();
        (key.len() + blocks + 64 * val.len() + 64) as u64
    }
}

/// A cache of word diffs by revision commit, bounded by bytes.
pub type DiffCache = quick_cache::sync::Cache<String, Arc<Vec<quire_core::SectionDiff>>, DiffBytes>;

/// The server's one [`DiffCache`] ([`DIFF_CACHE_BYTES`]).
pub fn diff_cache() -> &'static DiffCache {
    static CACHE: OnceLock<DiffCache> = OnceLock::new();
    CACHE.get_or_init(|| DiffCache::with_weighter(1024, DIFF_CACHE_BYTES, DiffBytes))
}

/// Runs CPU work (rendering, diffs) off the async runtime's threads: with
/// `tokio::task::block_in_place` on the multi-threaded runtime the server runs on, so the
/// other requests of this thread move to another; inline anywhere else (on a blocking
/// thread already, or a single-threaded test runtime).
pub fn off_runtime<T>(f: impl FnOnce() -> T) -> T {
    match tokio::runtime::Handle::try_current() {
        Ok(h) if h.runtime_flavor() == tokio::runtime::RuntimeFlavor::MultiThread => {
            tokio::task::block_in_place(f)
        }
        _ => f(),
    }
}

/// Bytes the rendering cache holds now.
pub fn cached_bytes() -> u64 {
    cache().weight()
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

    #[test]
    fn the_cache_is_bounded_by_bytes() {
        // 100 distinct renderings of 20 KB each would be 2 MB; a cache of 256 KiB keeps
        // about a tenth of them, however many entries it could hold.
        let cache = new_cache(256 * 1024);
        let block = "word ".repeat(4_000);
        for i in 0..100 {
            markdown_in(&cache, &format!("{i}\n\n{block}"));
        }
        assert!(cache.weight() <= 256 * 1024, "{}", cache.weight());
        assert!(cache.len() >= 5, "{}", cache.len());
    }
}
