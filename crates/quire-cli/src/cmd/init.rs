//! `quire init`, `quire repair`, `quire completions`.

use std::path::{Path, PathBuf};

use anyhow::Context as _;
use clap::{Args, CommandFactory};

use super::{read_text, usage, Context};
use crate::output::{json, print};

#[derive(Debug, Args)]
pub struct InitArgs {
    /// A resource folder (resource.toml + sections/). Default: the bundled Digital Insights
    #[arg(long, value_name = "DIR")]
    pub resource: Option<PathBuf>,
    /// A folder of proposal files to load as open proposals. Default: the bundled samples
    /// (only with the bundled resource)
    #[arg(long, value_name = "DIR", conflicts_with = "no_samples")]
    pub proposals: Option<PathBuf>,
    /// Do not load any sample proposals
    #[arg(long)]
    pub no_samples: bool,
    /// Print the result as JSON
    #[arg(long)]
    pub json: bool,
}

pub fn run(ctx: &Context, a: InitArgs) -> anyhow::Result<()> {
    let who = ctx.identity(None)?;
    let files = match &a.resource {
        Some(dir) => read_resource_dir(dir)?,
        None => quire_bundled::resource_files()
            .into_iter()
            .map(|(p, b)| (p, b.to_vec()))
            .collect(),
    };
    let samples: Vec<(String, String)> = if a.no_samples {
        Vec::new()
    } else if let Some(dir) = &a.proposals {
        read_proposal_dir(dir)?
    } else if a.resource.is_none() {
        quire_bundled::proposal_files()
            .into_iter()
            .map(|(name, b)| (name, String::from_utf8_lossy(b).into_owned()))
            .collect()
    } else {
        Vec::new()
    };
    let (lib, opened) = quire_bundled::init_with(&ctx.repo, &files, &samples, &who)?;
    let sections = lib.sections("main")?;
    if a.json {
        return json(&serde_json::json!({
            "repo": ctx.repo,
            "main": lib.main()?.0,
            "sections": sections.len(),
            "proposals": opened,
        }));
    }
    print(&format!(
        "Created a library at {} with {} sections and {} open proposals.\n\
         Next: `quire sections`, `quire proposals`, `quire diff {}`.",
        ctx.repo.display(),
        sections.len(),
        opened.len(),
        opened.first().copied().unwrap_or(1)
    ))
}

fn read_resource_dir(dir: &Path) -> anyhow::Result<Vec<(String, Vec<u8>)>> {
    let manifest = dir.join("resource.toml");
    if !manifest.is_file() {
        return Err(usage(format!(
            "{} is not a resource folder: it has no resource.toml",
            dir.display()
        )));
    }
    let mut files = vec![(
        "resource.toml".to_string(),
        std::fs::read(&manifest).with_context(|| format!("reading {}", manifest.display()))?,
    )];
    let sections = dir.join("sections");
    let entries =
        std::fs::read_dir(&sections).with_context(|| format!("reading {}", sections.display()))?;
    for e in entries {
        let e = e?;
        let name = e.file_name().to_string_lossy().into_owned();
        if name.ends_with(".md") {
            let bytes = std::fs::read(e.path())
                .with_context(|| format!("reading {}", e.path().display()))?;
            files.push((format!("sections/{name}"), bytes));
        }
    }
    Ok(files)
}

fn read_proposal_dir(dir: &Path) -> anyhow::Result<Vec<(String, String)>> {
    let mut out = Vec::new();
    let entries = std::fs::read_dir(dir).with_context(|| format!("reading {}", dir.display()))?;
    for e in entries {
        let path = e?.path();
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        if name.ends_with(".md") && name != "README.md" {
            out.push((name, read_text(&path)?));
        }
    }
    out.sort();
    Ok(out)
}

#[derive(Debug, Args)]
pub struct RepairArgs {
    /// Print the report as JSON
    #[arg(long)]
    pub json: bool,
}

pub fn repair(ctx: &Context, a: RepairArgs) -> anyhow::Result<()> {
    let lib = ctx.open_read()?;
    let report = lib.repair()?;
    if a.json {
        return json(&quire_wire::v1::RepairReport::from(&report));
    }
    if report.is_clean() {
        print("Nothing to repair.")
    } else {
        print(&format!(
            "Repaired: {} revision refs recreated, {} merges recorded, {} stale locks removed.",
            report.revision_refs, report.merged_events, report.stale_locks
        ))
    }
}

#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

pub fn completions(a: CompletionsArgs) -> anyhow::Result<()> {
    let mut cmd = crate::Cli::command();
    let mut buf = Vec::new();
    clap_complete::generate(a.shell, &mut cmd, "quire", &mut buf);
    print(&String::from_utf8_lossy(&buf))
}
