//! `quire export`: an edition as a static website, a single HTML file or a Markdown bundle.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};

use anyhow::Context as _;
use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};
use quire_export::{Progress, SiteOptions, SiteReport};

use super::{usage, Context};
use crate::output::{json, print};

#[derive(Debug, Args)]
#[command(after_help = "\
Formats:
  site      a folder: index.html, sections/<id>.html, changes.html, contributors.html and an
            offline search (search.html); works from any web server and from the file system
  html      one self-contained file, DIR/<EDITION>.html (no script, stylesheet inline)
  markdown  a folder: index.md, sections/<id>.md (the sources as they are), changes.md,
            contributors.md
  pdf       the print edition, one PDF: title page, contents with page numbers, every
            section, the changelog; --out FILE.pdf (or a folder for <EDITION>.pdf);
            missing from builds made with --no-default-features

The folder may be new, empty or an earlier export (which is replaced whole); files appear
only when the export is complete. Progress shows on a terminal only.

Examples:
  quire export spring-2027 --out site
  quire export main --out preview            # the working draft, for a preview
  quire export spring-2027 --out dist --format html
  quire export spring-2027 --format pdf --out spring-2027.pdf")]
pub struct ExportArgs {
    /// The edition to export (its slug), or `main` for the working draft
    pub edition: String,
    /// The folder to write into
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// What to write
    #[arg(long, value_enum, default_value_t = ExportFormat::Site)]
    pub format: ExportFormat,
    /// Print what was written as JSON
    #[arg(long)]
    pub json: bool,
}

/// `--format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ExportFormat {
    /// A static website (folder)
    Site,
    /// One self-contained HTML file
    Html,
    /// A folder of Markdown files
    Markdown,
    /// The print edition: one PDF (--out FILE.pdf, or a folder for <EDITION>.pdf)
    #[cfg(feature = "pdf")]
    Pdf,
}

pub fn run(ctx: &Context, a: ExportArgs) -> anyhow::Result<()> {
    let lib = ctx.open_read()?;
    let opts = SiteOptions::replacing();
    let report = match a.format {
        ExportFormat::Site => {
            with_progress(|p| quire_export::export_site(&lib, &a.edition, &a.out, &opts, p))?
        }
        ExportFormat::Markdown => {
            with_progress(|p| quire_export::export_markdown(&lib, &a.edition, &a.out, &opts, p))?
        }
        #[cfg(feature = "pdf")]
        ExportFormat::Pdf => {
            let pdf = quire_pdf::render_edition_pdf(&lib, &a.edition).map_err(pdf_error)?;
            let file = if a
                .out
                .extension()
                .is_some_and(|x| x.eq_ignore_ascii_case("pdf"))
            {
                a.out.clone()
            } else {
                a.out.join(format!("{}.pdf", file_stem(&a.edition)))
            };
            write_file(&file, &pdf)?;
            return finish(&a, &file, None);
        }
        ExportFormat::Html => {
            let html = quire_export::export_single_html(&lib, &a.edition).map_err(export_error)?;
            let file = a.out.join(format!("{}.html", file_stem(&a.edition)));
            write_file(&file, &html)?;
            return finish(&a, &file, None);
        }
    };
    let main_file = match a.format {
        ExportFormat::Markdown => a.out.join("index.md"),
        _ => a.out.join("index.html"),
    };
    finish(&a, &main_file, Some(&report))
}

fn finish(a: &ExportArgs, file: &Path, report: Option<&SiteReport>) -> anyhow::Result<()> {
    if a.json {
        return json(&serde_json::json!({
            "edition": a.edition,
            "format": format!("{:?}", a.format).to_lowercase(),
            "out": a.out,
            "open": file,
            "files": report.map(|r| r.files),
            "bytes": report.map(|r| r.bytes),
            "sections": report.map(|r| r.sections),
        }));
    }
    let what = match report {
        Some(r) => format!(
            "Exported '{}' ({} sections, {} files, {} KB) to {}.",
            r.edition,
            r.sections,
            r.files,
            r.bytes.div_ceil(1024),
            a.out.display()
        ),
        #[cfg(feature = "pdf")]
        None if a.format == ExportFormat::Pdf => {
            format!("Exported '{}' as a PDF (the print edition).", a.edition)
        }
        None => format!("Exported '{}' as one HTML file.", a.edition),
    };
    print(&format!("{what}\nOpen {}\n", file.display()))
}

/// The edition name as a file name: `main` and `draft` stay as they are.
fn file_stem(edition: &str) -> String {
    let e = edition.trim();
    let e = e.strip_prefix("edition/").unwrap_or(e);
    if e.is_empty() {
        "main".into()
    } else {
        e.to_string()
    }
}

/// Writes a file whole: to a temporary file beside it, then renamed into place.
fn write_file(file: &Path, text: impl AsRef<[u8]>) -> anyhow::Result<()> {
    let dir = file.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let tmp = tempfile::NamedTempFile::new_in(dir)
        .with_context(|| format!("writing in {}", dir.display()))?;
    std::fs::write(tmp.path(), text).with_context(|| format!("writing {}", file.display()))?;
    tmp.persist(file)
        .with_context(|| format!("writing {}", file.display()))?;
    Ok(())
}

/// Runs an export with a progress bar on stderr when stderr is a terminal, silently
/// otherwise.
fn with_progress(
    f: impl FnOnce(&mut dyn FnMut(Progress)) -> quire_export::Result<SiteReport>,
) -> anyhow::Result<SiteReport> {
    let bar = if std::io::stderr().is_terminal() {
        let bar = ProgressBar::new(0);
        bar.set_style(
            ProgressStyle::with_template("{spinner} exporting [{bar:30}] {pos}/{len} {wide_msg}")
                .expect("the progress template is valid")
                .progress_chars("=> "),
        );
        bar
    } else {
        ProgressBar::hidden()
    };
    let result = f(&mut |p: Progress| {
        bar.set_length(p.total as u64);
        bar.set_position(p.done as u64);
        bar.set_message(p.message);
    });
    bar.finish_and_clear();
    result.map_err(export_error)
}

/// Keeps the core's error as the cause (so the exit code follows it); a refused output
/// folder is a usage error.
fn export_error(e: quire_export::Error) -> anyhow::Error {
    match e {
        quire_export::Error::Core(c) => c.into(),
        quire_export::Error::OutputNotEmpty(_) => usage(e.to_string()),
        other => other.into(),
    }
}

/// Keeps the core's error as the cause, so the exit code follows it.
#[cfg(feature = "pdf")]
fn pdf_error(e: quire_pdf::Error) -> anyhow::Error {
    match e {
        quire_pdf::Error::Core(c) => c.into(),
        other => other.into(),
    }
}
