//! A cache of the pages anonymous visitors see (the draft's section pages and proposal
//! pages), so that the most common request costs a few small file reads instead of git
//! reads, rendering and a trip to the library's thread pool.
//!
//! **Exactness.** A cached page is served only while every input of the page is as it
//! was when the page was rendered. Those inputs are summed up by a [`Stamp`], cheap enough
//! to take on the async thread for every request:
//!
//! - the target of `refs/heads/main` (section text, manifest, titles, mergeability),
//! - the target of the page's own event log (`refs/comments/<id>` or
//!   `refs/proposals/<n>/meta`),
//! - for a section page, the identity and length of the change journal (`quire-journal`),
//!   which every Quire writer, in any process, appends to around each ref update: its
//!   list of open proposals comes from the in-memory index, which the uncached handler
//!   first brings up to date from the journal. (A proposal page reads nothing else that
//!   follows the journal: its one answer from the indexes, mergeability, is exact for the
//!   `main` and the revision asked about, both in the stamp.)
//! - the generation of the in-memory indexes ([`quire_core::index::Indexes`]), which counts their
//!   changes, including those made without a ref change (a background mergeability check
//!   finishing) and the ones found by the periodic rescan of the refs.
//!
//! The stamps of refs and of the journal come from [`quire_core::stamp::ChangeStamps`],
//! the core's one reader of git's on-disk layout. A ref that cannot be stamped cheaply (a
//! symbolic ref, an unusual layout) makes the page uncacheable: it is rendered as before.
//!
//! A page is stored only if the stamp taken **before** rendering equals the one taken
//! **after**: every input then held still while the page was rendered, so the page is the
//! one the stamp describes. (An input that changed and changed back while one page was
//! rendering could slip through; of the inputs, only a ref can go back to an old value, and
//! only by a rewind, which Quire itself never makes.)
//!
//! The pages stored carry no per-visitor data: anonymous pages have no forms and so no
//! CSRF token, and their responses set no cookie (see [`crate::auth::csrf_cookie`]).

use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};

use axum::body::Bytes;
use quire_core::stamp::{ChangeStamps, JournalStamp, RefStamp};

/// A page that can be cached.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum PageKey {
    /// A section page of the draft.
    Section {
        /// The section id.
        id: String,
        /// `?reported` was given.
        reported: bool,
    },
    /// A proposal page.
    Proposal {
        /// The proposal number.
        n: u64,
        /// `diff`, `side` or `preview`.
        view: &'static str,
        /// The revision asked for, if any.
        rev: Option<u32>,
        /// `?reported=1` was given.
        reported: bool,
    },
}

impl PageKey {
    /// Whether the page shows what the indexes read from the change journal (see the
    /// module docs).
    fn follows_journal(&self) -> bool {
        matches!(self, PageKey::Section { .. })
    }

    /// The stamp of the page's own event log (besides `main`), if it can be taken.
    fn log(&self, stamps: &ChangeStamps) -> Option<RefStamp> {
        match self {
            PageKey::Section { id, .. } => {
                stamps.comment_log(&quire_core::SectionId::new(id).ok()?)
            }
            PageKey::Proposal { n, .. } => stamps.proposal_log(*n),
        }
    }
}

/// The inputs of a page, as they are now. See the module docs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stamp {
    main: RefStamp,
    log: RefStamp,
    journal: Option<JournalStamp>,
    generation: u64,
}

#[derive(Clone)]
struct Entry {
    stamp: Stamp,
    body: Bytes,
}

#[derive(Clone)]
struct ByBytes;

impl quick_cache::Weighter<PageKey, Entry> for ByBytes {
    fn weight(&self, _key: &PageKey, val: &Entry) -> u64 {
        // The body, plus roughly what the key and the entry take.
        val.body.len() as u64 + 256
    }
}

/// Bytes of pages kept at most.
pub const PAGE_CACHE_BYTES: u64 = 32 * 1024 * 1024;

/// How often the cache served, rendered and stored a page (for tests and logs).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PageCacheStats {
    /// Pages served from the cache.
    pub hits: u64,
    /// Cacheable requests rendered because no page was stored for their stamp.
    pub misses: u64,
    /// Pages stored after rendering.
    pub stores: u64,
}

/// The cache (one per server).
pub struct PageCache {
    stamps: ChangeStamps,
    entries: quick_cache::sync::Cache<PageKey, Entry, ByBytes>,
    /// The generation of the indexes, published by whoever changed them while still
    /// holding their lock.
    generation: AtomicU64,
    hits: AtomicU64,
    misses: AtomicU64,
    stores: AtomicU64,
}

impl PageCache {
    /// A cache for the library at `library` (a bare repository, or a work tree with a
    /// `.git` directory). Any other layout gives a cache that never stores anything.
    pub fn new(library: &Path) -> PageCache {
        PageCache {
            stamps: ChangeStamps::new(library),
            entries: quick_cache::sync::Cache::with_weighter(2048, PAGE_CACHE_BYTES, ByBytes),
            generation: AtomicU64::new(0),
            hits: AtomicU64::new(0),
            misses: AtomicU64::new(0),
            stores: AtomicU64::new(0),
        }
    }

    /// Publishes the generation of the indexes (call while holding their lock).
    pub fn set_generation(&self, generation: u64) {
        self.generation.fetch_max(generation, Ordering::SeqCst);
    }

    /// The stamp of `key`'s page now, or `None` if it cannot be taken cheaply.
    pub fn stamp(&self, key: &PageKey) -> Option<Stamp> {
        let generation = self.generation.load(Ordering::SeqCst);
        let journal = if key.follows_journal() {
            Some(self.stamps.journal()?)
        } else {
            None
        };
        Some(Stamp {
            main: self.stamps.main()?,
            log: key.log(&self.stamps)?,
            journal,
            generation,
        })
    }

    /// The page stored for `key` under exactly `stamp`.
    pub fn get(&self, key: &PageKey, stamp: &Stamp) -> Option<Bytes> {
        let hit = self
            .entries
            .get(key)
            .filter(|e| &e.stamp == stamp)
            .map(|e| e.body);
        let counter = if hit.is_some() {
            &self.hits
        } else {
            &self.misses
        };
        counter.fetch_add(1, Ordering::Relaxed);
        hit
    }

    /// Stores `body`, rendered after `before` was taken, if the stamp is still `before`.
    pub fn store(&self, key: PageKey, before: Stamp, body: Bytes) {
        if self.stamp(&key).as_ref() != Some(&before) {
            return;
        }
        self.entries.insert(
            key,
            Entry {
                stamp: before,
                body,
            },
        );
        self.stores.fetch_add(1, Ordering::Relaxed);
    }

    /// The counts so far.
    pub fn stats(&self) -> PageCacheStats {
        PageCacheStats {
            hits: self.hits.load(Ordering::Relaxed),
            misses: self.misses.load(Ordering::Relaxed),
            stores: self.stores.load(Ordering::Relaxed),
        }
    }
}
