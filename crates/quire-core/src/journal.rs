//! The change journal, `quire-journal` in the git directory: lines `<ref> <new id>` for
//! each ref update made by Quire, appended just before the update and again just after it
//! succeeds. A hint for in-memory indexes (see [`crate::index`]) and the repair pass, never
//! the record: refs are the truth, and a reader that finds the journal missing, shorter
//! than before or replaced rescans the refs. This module is the only writer and reader.

use std::io::{Read as _, Seek as _, SeekFrom};
use std::path::Path;

use git2::{Oid, Repository};

use crate::layout::{JOURNAL, JOURNAL_OLD};

/// Appends one line to the [`JOURNAL`]. A line is one `write` in append mode, so lines
/// from concurrent writers do not interleave. Failure to write it loses only a hint, so it
/// is ignored. When the journal passes 4 MiB it is renamed away first, so it stays small.
pub(crate) fn append(repo: &Repository, name: &str, new: Oid) {
    use std::io::Write as _;
    const MAX_JOURNAL: u64 = 4 << 20;
    let path = repo.path().join(JOURNAL);
    if std::fs::metadata(&path).is_ok_and(|m| m.len() > MAX_JOURNAL) {
        let _ = std::fs::rename(&path, repo.path().join(JOURNAL_OLD));
    }
    let line = format!("{name} {new}\n");
    if let Ok(mut f) = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&path)
    {
        let _ = f.write_all(line.as_bytes());
    }
}

/// Rewrites the [`JOURNAL`] (and the rotated `quire-journal.old`) without the lines that
/// name one of `ids`: after a redaction, so that no hint names a commit that held the
/// removed text. The file is written aside and renamed into place, so readers see a new
/// file and compare every ref (their documented fallback). Lines a concurrent writer
/// appends while this runs are copied over after the rename; a line written in the
/// instant between that copy and its writer closing the old file is lost, which costs a
/// hint only.
pub(crate) fn forget(
    repo: &Repository,
    ids: &std::collections::HashSet<Oid>,
) -> std::io::Result<()> {
    use std::io::{Read as _, Write as _};
    let names_one = |line: &str| {
        line.split_once(' ')
            .and_then(|(_, id)| Oid::from_str(id.trim()).ok())
            .is_some_and(|id| ids.contains(&id))
    };
    let keep = |text: &str| -> String {
        text.split_inclusive('\n')
            .filter(|l| !names_one(l))
            .collect()
    };
    for name in [JOURNAL, JOURNAL_OLD] {
        let path = repo.path().join(name);
        let mut old = match std::fs::File::open(&path) {
            Ok(f) => f,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
            Err(e) => return Err(e),
        };
        let mut bytes = Vec::new();
        old.read_to_end(&mut bytes)?;
        let text = String::from_utf8_lossy(&bytes);
        if !text.lines().any(names_one) {
            continue;
        }
        let tmp = repo
            .path()
            .join(format!("{name}.{}.tmp", std::process::id()));
        let written = (|| -> std::io::Result<()> {
            let mut out = std::fs::File::create(&tmp)?;
            out.write_all(keep(&text).as_bytes())?;
            out.sync_all()?;
            std::fs::rename(&tmp, &path)?;
            // Whatever was appended to the old file meanwhile (read through the handle
            // still open on it).
            let mut late = Vec::new();
            old.read_to_end(&mut late)?;
            if !late.is_empty() {
                let mut out = std::fs::OpenOptions::new().append(true).open(&path)?;
                out.write_all(keep(&String::from_utf8_lossy(&late)).as_bytes())?;
            }
            Ok(())
        })();
        if written.is_err() {
            let _ = std::fs::remove_file(&tmp);
        }
        written?;
    }
    Ok(())
}

/// Where a reader of the change journal stands.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Cursor {
    /// Identity of the journal file (inode), 0 if unknown.
    pub(crate) file: u64,
    /// Bytes read so far (always at a line end).
    pub(crate) offset: u64,
}

/// The journal's identity and length now, for a reader starting from here.
pub(crate) fn end(dir: &Path) -> Cursor {
    match std::fs::metadata(dir.join(JOURNAL)) {
        Ok(m) => Cursor {
            file: file_id(&m),
            offset: m.len(),
        },
        Err(_) => Cursor::default(),
    }
}

#[cfg(unix)]
fn file_id(m: &std::fs::Metadata) -> u64 {
    use std::os::unix::fs::MetadataExt as _;
    m.ino()
}

#[cfg(not(unix))]
fn file_id(_: &std::fs::Metadata) -> u64 {
    0
}

/// Reads the journal lines written since `cursor` and advances it (to the last complete
/// line). `None` if lines may have been lost: the journal shrank, or was rotated and the
/// rotated file is not the one the cursor was reading.
pub(crate) fn read(dir: &Path, cursor: &mut Cursor) -> Option<String> {
    let path = dir.join(JOURNAL);
    let Ok(meta) = std::fs::metadata(&path) else {
        // No journal: nothing was written since it was rotated away, or ever.
        return if cursor.offset == 0 {
            Some(String::new())
        } else {
            None
        };
    };
    let id = file_id(&meta);
    let mut text = String::new();
    if cursor.offset > 0 && id != cursor.file {
        // Rotated: finish the old file if it is the one we were reading.
        let old = dir.join(JOURNAL_OLD);
        let old_meta = std::fs::metadata(&old).ok()?;
        if file_id(&old_meta) != cursor.file || old_meta.len() < cursor.offset {
            return None;
        }
        text.push_str(&read_from(&old, cursor.offset, old_meta.len())?);
        *cursor = Cursor {
            file: id,
            offset: 0,
        };
    }
    cursor.file = id;
    if meta.len() < cursor.offset {
        return None;
    }
    let tail = read_from(&path, cursor.offset, meta.len())?;
    // Keep a partial last line (a writer mid-append) for the next read.
    let complete = tail.rfind('\n').map_or(0, |i| i + 1);
    cursor.offset += complete as u64;
    text.push_str(&tail[..complete]);
    Some(text)
}

fn read_from(path: &Path, from: u64, to: u64) -> Option<String> {
    let mut f = std::fs::File::open(path).ok()?;
    f.seek(SeekFrom::Start(from)).ok()?;
    let mut buf = Vec::with_capacity(usize::try_from(to.saturating_sub(from)).ok()?);
    f.take(to.saturating_sub(from)).read_to_end(&mut buf).ok()?;
    String::from_utf8(buf).ok()
}

/// The ref names in journal `text` (one per line; a line may name a ref more than once).
pub(crate) fn ref_names(text: &str) -> impl Iterator<Item = &str> {
    text.lines()
        .filter_map(|l| l.split_once(' '))
        .map(|(name, _)| name)
}
