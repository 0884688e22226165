//! Cheap change stamps for callers' caches: a value that changes whenever a ref (or the
//! change journal) changes, taken with an `lstat` or two and no git read, cheap enough for
//! every request on an async thread. [`ChangeStamps`] reads refs as git does (the loose ref
//! file if there is one, otherwise `packed-refs`); this module and [`crate::layout`] are the
//! only code that knows those files.
//!
//! For a ref without a loose file the stamp holds the identity of `packed-refs` (or that
//! there is none) rather than the ref's line in it: `packed-refs` is only ever replaced
//! whole (a lock file renamed over it), so while it is the same file every ref it holds is
//! as it was, and the stamp costs one `lstat` however many refs it holds. A ref that cannot
//! be read so cheaply (a symbolic ref, an unusual layout) has no stamp (`None`): whatever
//! depends on it cannot be cached.
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
//! Stamps say "same as before" exactly; they do not say what changed. Of the inputs, only a
//! ref can go back to an old value, and only by a rewind, which Quire itself never makes.

use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::ids::SectionId;
use crate::layout;

/// The state of one ref, as far as a cache needs to know: equal stamps mean the ref has
/// not changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RefStamp(RefState);

/// The state of the change journal: equal stamps mean nothing was appended to it and it
/// was not replaced.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct JournalStamp(Option<FileIdentity>);

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

/// Takes [`RefStamp`]s and [`JournalStamp`]s of one library (one per process is enough;
/// it is `Sync`).
pub struct ChangeStamps {
    /// The library's git directory, if its refs can be read directly.
    git_dir: Option<PathBuf>,
    /// By ref name.
    pins: quick_cache::sync::Cache<String, Arc<Pin>>,
    packed: std::sync::Mutex<Option<PackedPin>>,
}

impl std::fmt::Debug for ChangeStamps {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ChangeStamps")
            .field("git_dir", &self.git_dir)
            .finish_non_exhaustive()
    }
}

impl ChangeStamps {
    /// Stamps for the library at `library` (a bare repository, or a work tree with a
    /// `.git` directory). Any other layout gives no stamps at all.
    pub fn new(library: &Path) -> ChangeStamps {
        let git_dir = [library.to_path_buf(), library.join(".git")]
            .into_iter()
            .find(|d| d.join("HEAD").is_file() && d.join("refs").is_dir())
            // Worktrees share refs with another directory, and reftable keeps them in a
            // format of its own: neither is read here.
            .filter(|d| !d.join("commondir").exists() && !d.join("reftable").exists());
        ChangeStamps {
            git_dir,
            pins: quick_cache::sync::Cache::new(PINNED_REFS),
            packed: std::sync::Mutex::new(None),
        }
    }

    /// The stamp of `main` now.
    pub fn main(&self) -> Option<RefStamp> {
        self.of(layout::MAIN_REF)
    }

    /// The stamp of proposal `n`'s event log now.
    pub fn proposal_log(&self, n: u64) -> Option<RefStamp> {
        self.of(&layout::proposal_log_ref(n))
    }

    /// The stamp of a section's comment log now.
    pub fn comment_log(&self, section: &SectionId) -> Option<RefStamp> {
        self.of(&layout::comments_ref(section))
    }

    /// The stamp of the change journal now.
    pub fn journal(&self) -> Option<JournalStamp> {
        let git_dir = self.git_dir.as_deref()?;
        match std::fs::metadata(git_dir.join(layout::JOURNAL)) {
            Ok(m) => Some(JournalStamp(Some(identity(&m)?))),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Some(JournalStamp(None)),
            Err(_) => None,
        }
    }

    fn of(&self, name: &str) -> Option<RefStamp> {
        let git_dir = self.git_dir.as_deref()?;
        self.read_ref(git_dir, name).ok().map(RefStamp)
    }

    /// The state of ref `name`, looked up as git does: the loose file, else `packed-refs`,
    /// else there is no such ref.
    fn read_ref(&self, git_dir: &Path, name: &str) -> Result<RefState, Unreadable> {
        let path = git_dir.join(name);
        let Some(now) = lstat_identity(&path)? else {
            return self.packed(git_dir);
        };
        if let Some(pin) = self.pins.get(name) {
            if pin.identity == now {
                return Ok(RefState::Loose(pin.target));
            }
        }
        let Some((file, identity)) = open_identity(&path)? else {
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
        let path = git_dir.join(PACKED_REFS);
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

/// Git's file of packed refs, in the git directory (git's layout, not Quire's).
const PACKED_REFS: &str = "packed-refs";

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
        // Fresh stamps each time: nothing pinned.
        let stamps = ChangeStamps::new(dir);
        read_with(&stamps, dir, name)
    }

    fn read_with(
        stamps: &ChangeStamps,
        dir: &Path,
        name: &str,
    ) -> Result<Option<String>, Unreadable> {
        stamps.read_ref(dir, name).map(|state| match state {
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
        let cache = ChangeStamps::new(d);
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
