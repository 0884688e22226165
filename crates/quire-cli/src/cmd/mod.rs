//! One module per group of subcommands; each has its clap arguments and a `run`-style
//! function: parse → call the core → print.

pub mod accounts;
pub mod edition;
pub mod export;
pub mod init;
pub mod propose;
pub mod read;
pub mod review;
pub mod serve;

use std::path::{Path, PathBuf};

use anyhow::{bail, Context as _};
use quire_core::{Identity, Library};

use crate::output::ColorChoice;
use crate::Global;

/// An error in how the command was called (exit code 2).
#[derive(Debug)]
pub struct UsageError(pub String);

impl std::fmt::Display for UsageError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for UsageError {}

pub fn usage(msg: impl Into<String>) -> anyhow::Error {
    anyhow::Error::new(UsageError(msg.into()))
}

/// What every subcommand needs: where the library is, who is acting, how to print.
pub struct Context {
    pub repo: PathBuf,
    author: Option<String>,
    pub color: ColorChoice,
}

impl Context {
    pub fn new(g: Global) -> Context {
        Context {
            repo: g.repo.unwrap_or_else(default_repo),
            author: g.author,
            color: g.color,
        }
    }

    /// Opens the library (running the repair pass).
    pub fn open(&self) -> anyhow::Result<Library> {
        Ok(Library::open(&self.repo)?)
    }

    /// Opens the library for reading only.
    pub fn open_read(&self) -> anyhow::Result<Library> {
        Ok(Library::open_no_repair(&self.repo)?)
    }

    /// Who is acting: --author / QUIRE_AUTHOR, else git's user.name and user.email; never
    /// an identity of the review server's accounts.
    pub fn identity(&self, lib: Option<&Library>) -> anyhow::Result<Identity> {
        let who = match &self.author {
            Some(a) => a.parse::<Identity>()?,
            None => lib
                .and_then(Library::configured_identity)
                .or_else(quire_core::git_config_identity)
                .ok_or_else(|| {
                    usage(
                        "who are you? pass --author \"Name <email>\", set QUIRE_AUTHOR, \
                         or set git's user.name and user.email",
                    )
                })?,
        };
        who.check_not_reserved()?;
        Ok(who)
    }
}

/// `$XDG_DATA_HOME/quire/library.git`, or `~/.local/share/quire/library.git`.
pub fn default_repo() -> PathBuf {
    default_data_dir().join("library.git")
}

/// `$XDG_DATA_HOME/quire`, or `~/.local/share/quire`.
pub fn default_data_dir() -> PathBuf {
    let base = std::env::var_os("XDG_DATA_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".local/share")))
        .unwrap_or_else(|| PathBuf::from("."));
    base.join("quire")
}

/// Reads a UTF-8 text file (or stdin for `-`), naming the file in every error.
pub fn read_text(path: &Path) -> anyhow::Result<String> {
    let bytes = if path == Path::new("-") {
        let mut buf = Vec::new();
        std::io::Read::read_to_end(&mut std::io::stdin(), &mut buf).context("reading stdin")?;
        buf
    } else {
        match std::fs::read(path) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(usage(format!("{}: no such file", path.display())));
            }
            Err(e) => return Err(e).with_context(|| format!("reading {}", path.display())),
        }
    };
    String::from_utf8(bytes).map_err(|e| {
        usage(format!(
            "{} is not valid UTF-8 (bad byte at offset {})",
            path.display(),
            e.utf8_error().valid_up_to()
        ))
    })
}

/// Opens the user's editor ($VISUAL, $EDITOR, else vi) on `initial` text and returns what
/// they saved. An unchanged or emptied file counts as "abandon".
pub fn edit(initial: &str, suffix: &str) -> anyhow::Result<String> {
    let editor = std::env::var("VISUAL")
        .ok()
        .filter(|v| !v.trim().is_empty())
        .or_else(|| {
            std::env::var("EDITOR")
                .ok()
                .filter(|v| !v.trim().is_empty())
        })
        .unwrap_or_else(|| "vi".to_string());
    let file = tempfile::Builder::new()
        .prefix("quire-")
        .suffix(suffix)
        .tempfile()
        .context("creating a temporary file for the editor")?;
    std::fs::write(file.path(), initial).context("writing the temporary file")?;
    let status = std::process::Command::new("sh")
        .arg("-c")
        .arg(format!("{editor} \"$1\""))
        .arg("quire-editor")
        .arg(file.path())
        .status()
        .with_context(|| format!("starting the editor '{editor}'"))?;
    if !status.success() {
        bail!("the editor '{editor}' exited with {status}; nothing was changed");
    }
    let text = read_text(file.path())?;
    if text.trim().is_empty() || text == initial {
        // Abandoning the edit is a refusal (exit 4), not a storage failure.
        return Err(quire_core::Error::NoChange(
            "the text was not changed in the editor; nothing was done".into(),
        )
        .into());
    }
    Ok(text)
}
