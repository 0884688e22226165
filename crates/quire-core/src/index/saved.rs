//! The saved proposal index, [`SAVED_INDEX`] in the git directory: the summaries with
//! the event commits they were read from, so that the next build re-reads only what moved.

use std::collections::HashMap;
use std::path::Path;

use git2::Oid;
use serde::{Deserialize, Serialize};

use super::ProposalSummary;

/// The file in the git directory that keeps the proposal summaries between runs. It is a
/// cache: each line holds the event commit it was read from, a line is used only while
/// that commit is still its proposal's meta ref target, and deleting the file loses
/// nothing. See FORMAT.md.
pub use crate::layout::SAVED_INDEX;

/// The first line of [`SAVED_INDEX`]; a file with another first line is ignored (written
/// by another version).
const SAVED_INDEX_HEADER: &str = "quire proposal index 2";

#[derive(Serialize, Deserialize)]
struct SavedLine<'a> {
    meta: String,
    summary: std::borrow::Cow<'a, ProposalSummary>,
}

/// The saved summaries by proposal number, or none when the file is missing, from
/// another version, or damaged anywhere.
pub(super) fn load_saved(git_dir: &Path) -> HashMap<u64, (Oid, ProposalSummary)> {
    use std::io::BufRead as _;
    // Line by line: the file is about 500 bytes a proposal, and need not be in memory
    // whole beside what is read from it.
    let Ok(file) = std::fs::File::open(git_dir.join(SAVED_INDEX)) else {
        return HashMap::new();
    };
    let mut lines = std::io::BufReader::with_capacity(1 << 16, file).lines();
    if !matches!(lines.next(), Some(Ok(h)) if h == SAVED_INDEX_HEADER) {
        return HashMap::new();
    }
    let mut out = HashMap::new();
    for line in lines {
        let Ok(line) = line else {
            return HashMap::new();
        };
        let Ok(saved) = serde_json::from_str::<SavedLine<'_>>(&line) else {
            return HashMap::new();
        };
        let Ok(meta) = Oid::from_str(&saved.meta) else {
            return HashMap::new();
        };
        let summary = saved.summary.into_owned();
        out.insert(summary.number, (meta, summary));
    }
    out
}

/// Removes the saved summaries of `numbers` from [`SAVED_INDEX`] (after a redaction, so
/// that no copy of a redacted title is left in it). The file is rewritten aside and
/// renamed into place; one it cannot read is deleted, which loses only a cache.
pub(crate) fn forget_saved(git_dir: &Path, numbers: &[u64]) -> std::io::Result<()> {
    use std::io::{BufRead as _, Write as _};
    let path = git_dir.join(SAVED_INDEX);
    let file = match std::fs::File::open(&path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(e),
    };
    let tmp = git_dir.join(format!("{SAVED_INDEX}.{}.forget.tmp", std::process::id()));
    let rewrite = || -> std::io::Result<bool> {
        let mut out = std::io::BufWriter::new(std::fs::File::create(&tmp)?);
        for (i, line) in std::io::BufReader::new(file).lines().enumerate() {
            let line = line?;
            if i > 0 {
                let Ok(saved) = serde_json::from_str::<SavedLine<'_>>(&line) else {
                    return Ok(false);
                };
                if numbers.contains(&saved.summary.number) {
                    continue;
                }
            }
            out.write_all(line.as_bytes())?;
            out.write_all(b"\n")?;
        }
        out.into_inner().map_err(|e| e.into_error())?.sync_all()?;
        Ok(true)
    };
    match rewrite() {
        Ok(true) => std::fs::rename(&tmp, &path),
        Ok(false) => {
            let _ = std::fs::remove_file(&tmp);
            std::fs::remove_file(&path)
        }
        Err(e) => {
            let _ = std::fs::remove_file(&tmp);
            // A cache that cannot be rewritten must not keep the text: remove it.
            std::fs::remove_file(&path).or(Err(e))
        }
    }
}

/// Writes `entries` (event commit, summary) to [`SAVED_INDEX`] in `git_dir` (written aside,
/// then renamed into place).
pub(super) fn save<'a>(
    git_dir: &Path,
    entries: impl Iterator<Item = (Oid, &'a ProposalSummary)>,
) -> std::io::Result<()> {
    use std::io::Write as _;
    let path = git_dir.join(SAVED_INDEX);
    let tmp = git_dir.join(format!("{SAVED_INDEX}.{}.tmp", std::process::id()));
    let write = || -> std::io::Result<()> {
        let mut out = std::io::BufWriter::new(std::fs::File::create(&tmp)?);
        out.write_all(SAVED_INDEX_HEADER.as_bytes())?;
        out.write_all(b"\n")?;
        for (meta, summary) in entries {
            let line = SavedLine {
                meta: meta.to_string(),
                summary: std::borrow::Cow::Borrowed(summary),
            };
            serde_json::to_writer(&mut out, &line)?;
            out.write_all(b"\n")?;
        }
        out.into_inner().map_err(|e| e.into_error())?.sync_all()?;
        std::fs::rename(&tmp, &path)
    };
    write().inspect_err(|_| {
        let _ = std::fs::remove_file(&tmp);
    })
}
