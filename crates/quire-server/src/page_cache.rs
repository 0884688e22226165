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
//! - the generation of the in-memory indexes ([`crate::Indexes`]), which counts their
//!   changes, including those made without a ref change (a background mergeability check
//!   finishing) and the ones found by the periodic rescan of the refs.
//!
//! Refs are looked up as git reads them: the loose ref file if there is one, otherwise
//! `packed-refs`. For a ref without a loose file the stamp holds the identity of
//! `packed-refs` (or that there is none) rather than the ref's line in it: `packed-refs` is
//! only ever replaced whole (a lock file renamed over it), so while it is the same file
//! every ref it holds is as it was, and the stamp costs one `lstat` however many refs it
//! holds. A ref that cannot be read so cheaply (a symbolic ref, an unusual layout) makes
//! the page uncacheable: it is rendered as before.
//!
//! A loose ref file once read is kept open ("pinned", a bounded number of them), so that
//! the next stamp needs one `lstat` of it instead of open, read and close: while the file
//! is open its inode cannot be freed, so no other file can have its inode number, and a
//! path that still names that inode, with the same size, mtime and ctime, names the file
//! that was read. Git, libgit2 and Quire never write a loose ref in place (they write a
//! lock file and rename it over the ref: a new inode); a tool that did would change the
//! file's ctime, so only such an overwrite within one tick of the file system's clock of
//! the file's last change could go unseen.
//!
//! A page is stored only if the stamp taken **before** rendering equals the one taken
//! **after**: every input then held still while the page was rendered, so the page is the
//! one the stamp describes. (An input that changed and changed back while one page was
//! rendering could slip through; of the inputs, only a ref can go back to an old value, and
//! only by a rewind, which Quire itself never makes.)
//!
//! The pages stored carry no per-visitor data: anonymous pages have no forms and so no
//! CSRF token, and their responses set no cookie (see [`crate::auth::csrf_cookie`]).

use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use axum::body::Bytes;

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

    /// The page's own event-log ref (besides `main`), if its name is safe to read.
    fn log_ref(&self) -> Option<String> {
        match self {
            PageKey::Section { id, .. } => quire_core::SectionId::new(id)
                .ok()
                .map(|id| format!("refs/comments/{id}")),
            PageKey::Proposal { n, .. } => Some(format!("refs/proposals/{n}/meta")),
        }
    }
}

/// The inputs of a page, as they are now. See the module docs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stamp {
    main: RefState,
    log: RefState,
    journal: Option<FileIdentity>,
    generation: u64,
}

/// Where a ref's value comes from, as far as a stamp needs to know.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum RefState {
    /// A loose ref file with this target.
    Loose([u8; 40]),
    /// No loose file; whatever this `packed-refs` file (kept open) says.
    Packed(FileIdentity),
    /// No loose file and no `packed-refs`: no such ref.
    Absent,
}

/// Which file, and how far it has been written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct FileIdentity {
    dev: u64,
    ino: u64,
    len: u64,
    mtime: i64,
    mtime_nsec: i64,
    ctime: i64,
    ctime_nsec: i64,
}

/// A loose ref file read once and kept open (see the module docs).
struct Pin {
    _file: File,
    /// Taken from the open file before its content was read.
    identity: FileIdentity,
    target: [u8; 40],
}

/// The `packed-refs` file last seen, kept open like a [`Pin`].
struct PackedPin {
    _file: File,
    identity: FileIdentity,
}

/// Loose ref files kept open at most (file descriptors).
const PINNED_REFS: usize = 128;

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
    /// The library's git directory, if its refs can be read directly.
    git_dir: Option<PathBuf>,
    main_path: PathBuf,
    journal_path: PathBuf,
    entries: quick_cache::sync::Cache<PageKey, Entry, ByBytes>,
    /// By ref name.
    pins: quick_cache::sync::Cache<String, Arc<Pin>>,
    packed: std::sync::Mutex<Option<PackedPin>>,
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
        let git_dir = [library.to_path_buf(), library.join(".git")]
            .into_iter()
            .find(|d| d.join("HEAD").is_file() && d.join("refs").is_dir())
            // Worktrees share refs with another directory, and reftable keeps them in a
            // format of its own: neither is read here.
            .filter(|d| !d.join("commondir").exists() && !d.join("reftable").exists());
        let base = git_dir.clone().unwrap_or_default();
        PageCache {
            main_path: base.join(quire_core::MAIN_REF),
            journal_path: base.join("quire-journal"),
            git_dir,
            entries: quick_cache::sync::Cache::with_weighter(2048, PAGE_CACHE_BYTES, ByBytes),
            pins: quick_cache::sync::Cache::new(PINNED_REFS),
            packed: std::sync::Mutex::new(None),
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
        let git_dir = self.git_dir.as_deref()?;
        let log = key.log_ref()?;
        let generation = self.generation.load(Ordering::SeqCst);
        let journal = if key.follows_journal() {
            match std::fs::metadata(&self.journal_path) {
                Ok(m) => Some(identity(&m)?),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
                Err(_) => return None,
            }
        } else {
            None
        };
        Some(Stamp {
            main: self
                .read_ref(git_dir, &self.main_path, quire_core::MAIN_REF)
                .ok()?,
            log: self.read_ref(git_dir, &git_dir.join(&log), &log).ok()?,
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

#[cfg(unix)]
fn identity(m: &std::fs::Metadata) -> Option<FileIdentity> {
    use std::os::unix::fs::MetadataExt;
    Some(FileIdentity {
        dev: m.dev(),
        ino: m.ino(),
        len: m.len(),
        mtime: m.mtime(),
        mtime_nsec: m.mtime_nsec(),
        ctime: m.ctime(),
        ctime_nsec: m.ctime_nsec(),
    })
}

#[cfg(not(unix))]
fn identity(_m: &std::fs::Metadata) -> Option<FileIdentity> {
    None
}

/// Why a ref could not be read cheaply.
#[derive(Debug, PartialEq, Eq)]
struct Unreadable;

impl PageCache {
    /// The state of ref `name` (whose loose file is `path`), looked up as git does: the
    /// loose file, else `packed-refs`, else there is no such ref.
    fn read_ref(&self, git_dir: &Path, path: &Path, name: &str) -> Result<RefState, Unreadable> {
        let Some(now) = lstat_identity(path)? else {
            return self.packed(git_dir);
        };
        if let Some(pin) = self.pins.get(name) {
            if pin.identity == now {
                return Ok(RefState::Loose(pin.target));
            }
        }
        let Some((file, identity)) = open_identity(path)? else {
            // Gone since the lstat (packed, or deleted).
            return self.packed(git_dir);
        };
        // A loose ref is "<40 hex>\n"; ask for one byte more to see that nothing follows.
        // One read is enough: a regular file gives all that is asked for unless it ends
        // first.
        let mut buf = [0u8; 42];
        let n = read_once(&file, &mut buf).map_err(|_| Unreadable)?;
        let target = match &buf[..n] {
            [id @ .., b'\n'] => object_id(id).ok_or(Unreadable)?,
            _ => return Err(Unreadable),
        };
        self.pins.insert(
            name.to_string(),
            Arc::new(Pin {
                _file: file,
                identity,
                target,
            }),
        );
        Ok(RefState::Loose(target))
    }

    /// The identity of `packed-refs` now (kept open, see [`PackedPin`]), or `Absent`.
    fn packed(&self, git_dir: &Path) -> Result<RefState, Unreadable> {
        let path = git_dir.join("packed-refs");
        let Some(now) = lstat_identity(&path)? else {
            return Ok(RefState::Absent);
        };
        let mut pinned = self.packed.lock().map_err(|_| Unreadable)?;
        if let Some(pin) = pinned.as_ref() {
            if pin.identity == now {
                return Ok(RefState::Packed(now));
            }
        }
        // The identity of the file held open, which may be newer than the lstat's.
        let Some((file, identity)) = open_identity(&path)? else {
            return Ok(RefState::Absent);
        };
        *pinned = Some(PackedPin {
            _file: file,
            identity,
        });
        Ok(RefState::Packed(identity))
    }
}

/// The identity of the regular file at `path` (not following a symlink), or `None` if
/// there is none.
fn lstat_identity(path: &Path) -> Result<Option<FileIdentity>, Unreadable> {
    match std::fs::symlink_metadata(path) {
        Ok(m) if m.file_type().is_file() => identity(&m).map(Some).ok_or(Unreadable),
        Ok(_) => Err(Unreadable),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(_) => Err(Unreadable),
    }
}

/// The regular file at `path`, opened, with the identity of what was opened; `None` if
/// there is none.
fn open_identity(path: &Path) -> Result<Option<(File, FileIdentity)>, Unreadable> {
    let file = match File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(_) => return Err(Unreadable),
    };
    let identity = file
        .metadata()
        .ok()
        .filter(|m| m.file_type().is_file())
        .and_then(|m| identity(&m))
        .ok_or(Unreadable)?;
    Ok(Some((file, identity)))
}

/// One `read` (retried if interrupted).
fn read_once(mut f: &File, buf: &mut [u8]) -> std::io::Result<usize> {
    loop {
        match f.read(buf) {
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            out => return out,
        }
    }
}

/// A 40-digit lowercase hex object id.
fn object_id(id: &[u8]) -> Option<[u8; 40]> {
    let id: [u8; 40] = id.try_into().ok()?;
    id.iter()
        .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(b))
        .then_some(id)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    const A: &str = "0123456789abcdef0123456789abcdef01234567";
    const B: &str = "89abcdef0123456789abcdef0123456789abcdef";

    /// What a stamp says of ref `name`: its loose target, "packed <inode>", or `None`.
    fn read(dir: &Path, name: &str) -> Result<Option<String>, Unreadable> {
        // A fresh cache each time: nothing pinned.
        let cache = PageCache::new(dir);
        read_with(&cache, dir, name)
    }

    fn read_with(cache: &PageCache, dir: &Path, name: &str) -> Result<Option<String>, Unreadable> {
        cache
            .read_ref(dir, &dir.join(name), name)
            .map(|state| match state {
                RefState::Loose(id) => Some(String::from_utf8(id.to_vec()).unwrap()),
                RefState::Packed(f) => Some(format!("packed {}", f.ino)),
                RefState::Absent => None,
            })
    }

    fn packed(dir: &Path) -> String {
        use std::os::unix::fs::MetadataExt;
        let ino = std::fs::metadata(dir.join("packed-refs")).unwrap().ino();
        format!("packed {ino}")
    }

    /// Replaces `packed-refs` as git does.
    fn write_packed(dir: &Path, text: &str) {
        let lock = dir.join("packed-refs.lock");
        std::fs::write(&lock, text).unwrap();
        std::fs::rename(lock, dir.join("packed-refs")).unwrap();
    }

    /// Replaces a loose ref as git does: a lock file renamed over it.
    fn update(dir: &Path, name: &str, target: &str) {
        let lock = dir.join(format!("{name}.lock"));
        std::fs::write(&lock, format!("{target}\n")).unwrap();
        std::fs::rename(lock, dir.join(name)).unwrap();
    }

    #[test]
    fn a_pinned_ref_is_read_again_when_its_file_is_replaced_or_changed() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        std::fs::create_dir_all(d.join("refs/heads")).unwrap();
        let cache = PageCache::new(d);
        let name = "refs/heads/main";
        update(d, name, A);
        assert_eq!(read_with(&cache, d, name), Ok(Some(A.into())));
        assert_eq!(read_with(&cache, d, name), Ok(Some(A.into())));
        // Many updates in a row (in one tick of the clock, likely): each is seen.
        for k in 0..50 {
            let t = if k % 2 == 0 { B } else { A };
            update(d, name, t);
            assert_eq!(read_with(&cache, d, name), Ok(Some(t.into())), "{k}");
        }
        // Written in place, a new length.
        std::fs::write(d.join(name), format!("{A}\n\n")).unwrap();
        assert_eq!(read_with(&cache, d, name), Err(Unreadable));
        update(d, name, B);
        assert_eq!(read_with(&cache, d, name), Ok(Some(B.into())));
        // Deleted, then packed.
        std::fs::remove_file(d.join(name)).unwrap();
        assert_eq!(read_with(&cache, d, name), Ok(None));
        write_packed(d, &format!("{A} {name}\n"));
        let mut seen = packed(d);
        assert_eq!(read_with(&cache, d, name), Ok(Some(seen.clone())));
        // Every rewrite of packed-refs is a new file, seen at once: the one last read is
        // held open, so its inode number cannot come back.
        for k in 0..20 {
            write_packed(d, &format!("{} {name}\n", if k % 2 == 0 { B } else { A }));
            let now = packed(d);
            assert_ne!(now, seen, "{k}");
            assert_eq!(read_with(&cache, d, name), Ok(Some(now.clone())), "{k}");
            seen = now;
        }
    }

    #[test]
    fn refs_are_read_loose_first_then_packed_else_absent() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        std::fs::create_dir_all(d.join("refs/heads")).unwrap();
        assert_eq!(read(d, "refs/heads/main"), Ok(None));
        write_packed(
            d,
            &format!("# pack-refs with: peeled fully-peeled sorted \n{B} refs/heads/main\n"),
        );
        assert_eq!(read(d, "refs/heads/main"), Ok(Some(packed(d))));
        // A ref not in packed-refs has the same stamp: it stays absent exactly while
        // packed-refs stays the same file.
        assert_eq!(read(d, "refs/heads/other"), Ok(Some(packed(d))));
        std::fs::write(d.join("refs/heads/main"), format!("{A}\n")).unwrap();
        assert_eq!(read(d, "refs/heads/main"), Ok(Some(A.into())));
        std::fs::remove_file(d.join("packed-refs")).unwrap();
        assert_eq!(read(d, "refs/heads/other"), Ok(None));
    }

    #[test]
    fn anything_unusual_is_unreadable() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        std::fs::create_dir_all(d.join("refs/heads/dir")).unwrap();
        for bad in [
            "ref: refs/heads/other\n".to_string(),
            A.to_string(),
            format!("{A}\n\n"),
            format!("{}\n", A.to_uppercase()),
            format!("{A}00\n"),
        ] {
            std::fs::write(d.join("refs/heads/main"), bad.as_bytes()).unwrap();
            assert_eq!(read(d, "refs/heads/main"), Err(Unreadable), "{bad:?}");
        }
        assert_eq!(read(d, "refs/heads/dir"), Err(Unreadable));
        std::fs::create_dir(d.join("packed-refs")).unwrap();
        assert_eq!(read(d, "refs/heads/gone"), Err(Unreadable));
    }
}
