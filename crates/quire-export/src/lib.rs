//! Exports a Quire edition for readers: a static website, a single HTML file or a Markdown
//! bundle.
//!
//! - [`export_site`] writes a folder that works from any web server and straight from the
//!   file system (`file://`): `index.html` (contents), `sections/<id>.html` (one page per
//!   section, with previous/next links and an anchor on every heading and paragraph),
//!   `changes.html` (what changed since the previous edition, section by section, as a word
//!   diff with counts), `contributors.html` (everyone whose proposal was merged, with their
//!   proposals), `search.html` with `search.js` and a prebuilt `search-index.js` (search
//!   works offline), and `site.css` (with print styles). Links are relative and name
//!   `index.html`; the only scripts are the two search files, on `search.html` only, and every
//!   other page works without them.
//! - [`export_single_html`] returns the whole edition as one self-contained HTML page
//!   (inline stylesheet, no script).
//! - [`export_markdown`] writes a folder: `index.md` (contents), `sections/<id>.md` (each
//!   section's source exactly as the edition holds it), `changes.md` and `contributors.md`.
//!   A folder rather than one concatenated file, so each section stays the byte-for-byte text
//!   of the edition and can be diffed or re-imported on its own.
//!
//! Section text is written by contributors, so all of it is rendered by
//! [`quire_core::prose::safe`], the one rendering the server's pages use too: block by
//! block, each block sanitised alone with ammonia's allow-list (no script, no event
//! handlers, no `javascript:` links), so raw HTML in one block never reaches another. Anchors are described in [`render`]: `p-N` is
//! the N-th paragraph-like block of a section, `c-XXXXXXXX` a permanent anchor made from the
//! block's text.
//!
//! Writing is all-or-nothing: files go to a temporary folder beside `out`, which is renamed
//! into place at the end, so a reader (or a web server) never sees half an export.
//!
//! ```no_run
//! use std::path::Path;
//! # fn main() -> quire_export::Result<()> {
//! let lib = quire_core::Library::open(Path::new("library.git"))?;
//! let report = quire_export::export_site(
//!     &lib,
//!     "spring-2027",
//!     Path::new("site"),
//!     &quire_export::SiteOptions::default(),
//!     &mut |p| eprintln!("{}/{} {}", p.done, p.total, p.message),
//! )?;
//! println!("wrote {} files", report.files);
//! # Ok(()) }
//! ```
//!
//! **Architecture invariant:** no terminal code here. Progress goes to a callback; the CLI
//! decides how (and whether) to show it.

mod data;
mod markdown;
pub mod render;
mod single;
mod site;
mod templates;

use std::path::{Path, PathBuf};

use quire_core::Library;

pub use data::{ChangeKind, EditionData, DRAFT_NOTES, DRAFT_TITLE, HIDDEN_TITLE};
pub use render::{content_anchor, render_section, Anchor, RenderedSection};

/// What can go wrong in an export.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Reading the library failed (unknown edition, storage, ...).
    #[error(transparent)]
    Core(#[from] quire_core::Error),
    /// Writing a file failed.
    #[error("writing {}: {source}", path.display())]
    Io {
        /// The file or folder.
        path: PathBuf,
        /// What the system said.
        source: std::io::Error,
    },
    /// The output folder holds files that are not an earlier export; nothing was written.
    #[error(
        "{} is not empty and is not an earlier Quire export; choose a new or empty folder",
        .0.display()
    )]
    OutputNotEmpty(PathBuf),
}

/// The crate's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// How far an export has got: `done` of `total` steps, the last one described by `message`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Progress {
    /// Steps done.
    pub done: usize,
    /// Steps in all.
    pub total: usize,
    /// What was just done ("sections/usability.html").
    pub message: String,
}

/// Settings for the folder exports ([`export_site`], [`export_markdown`]).
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct SiteOptions {
    /// Replace `out` if it holds an earlier Quire export (it is swapped for the new one at
    /// the end). Off: `out` must not exist or be empty.
    pub replace: bool,
}

impl SiteOptions {
    /// Options that replace an earlier export in the output folder.
    pub fn replacing() -> SiteOptions {
        SiteOptions { replace: true }
    }
}

/// What a folder export wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct SiteReport {
    /// The edition slug (`main` for the draft).
    pub edition: String,
    /// The commit exported.
    pub commit: String,
    /// Sections exported.
    pub sections: usize,
    /// Files written.
    pub files: usize,
    /// Bytes written.
    pub bytes: u64,
}

/// The file that marks a folder as a Quire export (so it may be replaced); it holds the
/// export's [`export_key`].
pub const MARKER: &str = ".quire-export";

const MARKER_HEADING: &str = "A Quire export: it may be replaced by the next export.";

/// What an export of `edition` depends on: its slug, its commit and which of its merged
/// proposals a maintainer hid (their titles are replaced on the changes and contributors
/// pages). Two exports with the same key are the same, so a cache of exports keyed by it
/// never goes stale. Cheaper than an export: no section is read or diffed.
pub fn export_key(lib: &Library, edition: &str) -> Result<String> {
    data::export_key(lib, edition)
}

/// True when the folder `out` holds a complete export whose key is `key`.
pub fn export_is_current(out: &Path, key: &str) -> bool {
    std::fs::read_to_string(out.join(MARKER))
        .is_ok_and(|m| m.strip_prefix(MARKER_HEADING).map(str::trim_start) == Some(key))
}

/// Writes the static website of `edition` (a slug, or `main` for the working draft) into
/// the folder `out`. See the crate docs for what it holds.
pub fn export_site(
    lib: &Library,
    edition: &str,
    out: &Path,
    opts: &SiteOptions,
    progress: &mut dyn FnMut(Progress),
) -> Result<SiteReport> {
    let data = EditionData::load(lib, edition)?;
    write_site(&data, out, opts, progress)
}

/// Writes the static website of already loaded edition data (see [`export_site`]).
pub fn write_site(
    data: &EditionData,
    out: &Path,
    opts: &SiteOptions,
    progress: &mut dyn FnMut(Progress),
) -> Result<SiteReport> {
    let total = data.sections.len() + 7;
    write_folder(out, opts, data, total, progress, |w| {
        let rendered = site::render_all(data);
        let section_href = |id: &str| format!("sections/{id}.html");
        w.file("site.css", &site::CSS)?;
        w.file("search.js", site::SEARCH_JS)?;
        w.file("index.html", &site::contents_page(data))?;
        for (i, r) in rendered.iter().enumerate() {
            let name = format!("sections/{}.html", data.sections[i].id);
            w.file(&name, &site::section_page(data, i, r))?;
        }
        w.file("changes.html", &site::changes_page(data, "", &section_href))?;
        w.file(
            "contributors.html",
            &site::contributors_page(data, &section_href),
        )?;
        w.file("search.html", &site::search_page(data))?;
        w.file("search-index.js", &site::search_index(data, &rendered))?;
        Ok(())
    })
}

/// The whole of `edition` as one self-contained HTML page: inline stylesheet, no script,
/// every section with its anchors prefixed by the section id (`#usability_p-3`), then what
/// changed and the contributors.
pub fn export_single_html(lib: &Library, edition: &str) -> Result<String> {
    let data = EditionData::load(lib, edition)?;
    Ok(single::single_html(&data))
}

/// Writes the Markdown bundle of `edition` into the folder `out`: `index.md`,
/// `sections/<id>.md` (the sources exactly as in the edition), `changes.md` (word diffs with
/// `{+inserted+}` and `[-deleted-]` marks) and `contributors.md`.
pub fn export_markdown(
    lib: &Library,
    edition: &str,
    out: &Path,
    opts: &SiteOptions,
    progress: &mut dyn FnMut(Progress),
) -> Result<SiteReport> {
    let data = EditionData::load(lib, edition)?;
    let total = data.sections.len() + 4;
    write_folder(out, opts, &data, total, progress, |w| {
        w.file("index.md", &markdown::index(&data))?;
        for s in &data.sections {
            w.file(&format!("sections/{}.md", s.id), &s.text)?;
        }
        w.file("changes.md", &markdown::changes(&data))?;
        w.file("contributors.md", &markdown::contributors(&data))?;
        Ok(())
    })
}

/// Writes files into a temporary folder and counts them.
struct Writer<'a> {
    dir: PathBuf,
    files: usize,
    bytes: u64,
    done: usize,
    total: usize,
    progress: &'a mut dyn FnMut(Progress),
}

impl Writer<'_> {
    fn file(&mut self, rel: &str, contents: &str) -> Result<()> {
        let path = self.dir.join(rel);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|source| Error::Io {
                path: parent.to_path_buf(),
                source,
            })?;
        }
        std::fs::write(&path, contents).map_err(|source| Error::Io {
            path: path.clone(),
            source,
        })?;
        self.files += 1;
        self.bytes += contents.len() as u64;
        self.done = (self.done + 1).min(self.total);
        (self.progress)(Progress {
            done: self.done,
            total: self.total,
            message: rel.to_string(),
        });
        Ok(())
    }
}

/// What `out` is now.
enum Existing {
    Nothing,
    EmptyDir,
    Export,
}

fn check_out(out: &Path, replace: bool) -> Result<Existing> {
    let io = |source| Error::Io {
        path: out.to_path_buf(),
        source,
    };
    match std::fs::symlink_metadata(out) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Existing::Nothing),
        Err(e) => Err(io(e)),
        Ok(m) if !m.is_dir() => Err(Error::OutputNotEmpty(out.to_path_buf())),
        Ok(_) => {
            let empty = std::fs::read_dir(out).map_err(io)?.next().is_none();
            if empty {
                Ok(Existing::EmptyDir)
            } else if replace && out.join(MARKER).is_file() {
                Ok(Existing::Export)
            } else {
                Err(Error::OutputNotEmpty(out.to_path_buf()))
            }
        }
    }
}

fn write_folder(
    out: &Path,
    opts: &SiteOptions,
    data: &EditionData,
    total: usize,
    progress: &mut dyn FnMut(Progress),
    fill: impl FnOnce(&mut Writer<'_>) -> Result<()>,
) -> Result<SiteReport> {
    let existing = check_out(out, opts.replace)?;
    let parent = match out.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |source| Error::Io { path, source }
    };
    std::fs::create_dir_all(&parent).map_err(io(&parent))?;
    let name = out
        .file_name()
        .map_or_else(|| "export".into(), |n| n.to_string_lossy().into_owned());
    let unique = format!(
        "{}-{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos())
    );
    let tmp = parent.join(format!(".{name}.tmp-{unique}"));
    std::fs::create_dir(&tmp).map_err(io(&tmp))?;
    let mut w = Writer {
        dir: tmp.clone(),
        files: 0,
        bytes: 0,
        done: 0,
        total,
        progress,
    };
    let filled = fill(&mut w).and_then(|()| {
        let marker = format!("{MARKER_HEADING}\n{}", data.key());
        std::fs::write(tmp.join(MARKER), marker).map_err(io(&tmp.join(MARKER)))
    });
    if let Err(e) = filled {
        let _ = std::fs::remove_dir_all(&tmp);
        return Err(e);
    }
    let report = SiteReport {
        edition: data.slug.clone(),
        commit: data.commit.clone(),
        sections: data.sections.len(),
        files: w.files,
        bytes: w.bytes,
    };
    let swapped = match existing {
        Existing::Nothing => std::fs::rename(&tmp, out).map_err(io(out)),
        Existing::EmptyDir => std::fs::remove_dir(out)
            .and_then(|()| std::fs::rename(&tmp, out))
            .map_err(io(out)),
        Existing::Export => {
            let old = parent.join(format!(".{name}.old-{unique}"));
            std::fs::rename(out, &old)
                .and_then(|()| match std::fs::rename(&tmp, out) {
                    Ok(()) => {
                        let _ = std::fs::remove_dir_all(&old);
                        Ok(())
                    }
                    Err(e) => {
                        let _ = std::fs::rename(&old, out);
                        Err(e)
                    }
                })
                .map_err(io(out))
        }
    };
    if let Err(e) = swapped {
        let _ = std::fs::remove_dir_all(&tmp);
        return Err(e);
    }
    Ok(report)
}
