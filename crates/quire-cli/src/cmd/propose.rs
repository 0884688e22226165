//! `quire propose`, `quire revise`, `quire update`.

use quire_wire::v1 as wire;
use std::path::PathBuf;

use clap::Args;
use quire_core::{Library, NewProposal, Proposal, ProposalFile, SectionId};

use super::{edit, read_text, usage, Context};
use crate::output::{json, print};

#[derive(Debug, Args)]
#[command(after_help = "\
Examples:
  quire propose usability --title \"Name the accessibility standard\" \\
      --rationale \"Officers ask which standard applies.\" --file usability.md
  quire propose take-up assisted-digital --title \"Link the two\" --file a.md --file b.md
  quire propose --from proposals/01-customer-experience-permit-tracking.md
  quire propose usability --title \"...\"      (opens your editor on the current text)")]
pub struct ProposeArgs {
    /// The section(s) to change
    #[arg(
        value_name = "SECTION",
        required_unless_present = "from",
        conflicts_with = "from"
    )]
    pub sections: Vec<String>,
    /// A one-line title
    #[arg(long, required_unless_present = "from", conflicts_with = "from")]
    pub title: Option<String>,
    /// Why the change helps
    #[arg(long, default_value = "", conflicts_with = "from")]
    pub rationale: String,
    /// The full proposed text of each section, in the order of SECTION (`-` for stdin).
    /// Without it, your editor opens on the current text
    #[arg(long, value_name = "FILE", conflicts_with = "from")]
    pub file: Vec<PathBuf>,
    /// A proposal file (front matter and text) to submit as it is
    #[arg(long, value_name = "FILE")]
    pub from: Option<PathBuf>,
    /// Propose against this edition or revision instead of main
    #[arg(long, value_name = "EDITION|REV")]
    pub base: Option<String>,
    /// Print the new proposal as JSON
    #[arg(long)]
    pub json: bool,
}

pub fn propose(ctx: &Context, a: ProposeArgs) -> anyhow::Result<()> {
    let lib = ctx.open()?;
    let who = ctx.identity(Some(&lib))?;
    let req = if let Some(path) = &a.from {
        let f = ProposalFile::parse(&path.display().to_string(), &read_text(path)?)?;
        NewProposal {
            title: f.title,
            rationale: f.rationale,
            author: f.author.unwrap_or(who),
            changes: f.changes,
            base: a.base.or(f.base),
        }
    } else {
        let title = a.title.unwrap_or_default();
        let ids = a
            .sections
            .iter()
            .map(|s| SectionId::new(s))
            .collect::<Result<Vec<_>, _>>()?;
        let base = a.base.clone().unwrap_or_else(|| "main".into());
        let changes = if a.file.is_empty() {
            let current = ids
                .iter()
                .map(|id| Ok((id.clone(), lib.section(id.as_str(), &base)?.text)))
                .collect::<anyhow::Result<Vec<_>>>()?;
            let template = ProposalFile {
                title: title.clone(),
                author: Some(who.clone()),
                base: a.base.clone(),
                rationale: a.rationale.clone(),
                changes: current,
            };
            let edited = edit(&template.render(), ".md")?;
            let f = ProposalFile::parse("the edited proposal", &edited)?;
            return finish(
                ctx,
                &lib,
                NewProposal {
                    title: f.title,
                    rationale: f.rationale,
                    author: f.author.unwrap_or(who),
                    changes: f.changes,
                    base: f.base,
                },
                a.json,
            );
        } else {
            if a.file.len() != ids.len() {
                return Err(usage(format!(
                    "give one --file per section: {} sections but {} files",
                    ids.len(),
                    a.file.len()
                )));
            }
            ids.into_iter()
                .zip(&a.file)
                .map(|(id, f)| Ok((id, read_text(f)?)))
                .collect::<anyhow::Result<Vec<_>>>()?
        };
        NewProposal {
            title,
            rationale: a.rationale,
            author: who,
            changes,
            base: a.base,
        }
    };
    finish(ctx, &lib, req, a.json)
}

fn finish(_ctx: &Context, lib: &Library, req: NewProposal, as_json: bool) -> anyhow::Result<()> {
    // A proposal file may name its author: never one of the review server's accounts.
    req.author.check_not_reserved()?;
    let p = lib.propose(&req)?;
    if as_json {
        return json(&wire::Proposal::from(&p));
    }
    print(&format!(
        "Opened proposal #{}: {}\nSee it with `quire diff {}`.",
        p.number, p.title, p.number
    ))
}

/// Pairs `--section` with `--file`; with one file and no section, the proposal's only
/// section.
fn pair_files(
    p: &Proposal,
    sections: &[String],
    files: &[PathBuf],
) -> anyhow::Result<Vec<(SectionId, String)>> {
    let ids: Vec<SectionId> = if sections.is_empty() {
        if p.sections.len() != 1 || files.len() != 1 {
            return Err(usage(format!(
                "proposal {} targets {} sections; name each with --section before its --file",
                p.number,
                p.sections.len()
            )));
        }
        p.sections.clone()
    } else {
        sections
            .iter()
            .map(|s| SectionId::new(s))
            .collect::<Result<_, _>>()?
    };
    if ids.len() != files.len() {
        return Err(usage(format!(
            "give one --file per --section: {} sections but {} files",
            ids.len(),
            files.len()
        )));
    }
    ids.into_iter()
        .zip(files)
        .map(|(id, f)| Ok((id, read_text(f)?)))
        .collect()
}

/// Opens the editor on a proposal's latest texts and returns the edited changes.
fn edit_latest(lib: &Library, p: &Proposal) -> anyhow::Result<Vec<(SectionId, String)>> {
    let current = p
        .sections
        .iter()
        .map(|id| Ok((id.clone(), lib.proposal_text(p.number, id, None)?)))
        .collect::<anyhow::Result<Vec<_>>>()?;
    let template = ProposalFile {
        title: p.title.clone(),
        author: Some(p.author.clone()),
        base: None,
        rationale: p.rationale.clone(),
        changes: current,
    };
    let edited = edit(&template.render(), ".md")?;
    Ok(ProposalFile::parse("the edited proposal", &edited)?.changes)
}

#[derive(Debug, Args)]
#[command(after_help = "\
Examples:
  quire revise 3 --file usability.md --note \"Shorter, as asked\"
  quire revise 4 --section take-up --file take-up.md --section assisted-digital --file ad.md
  quire revise 3                              (opens your editor on the latest text)")]
pub struct ReviseArgs {
    /// The proposal number
    pub number: u64,
    /// The section each following --file is for (repeat in pairs)
    #[arg(long, value_name = "SECTION")]
    pub section: Vec<String>,
    /// The new full text of a section (`-` for stdin)
    #[arg(long, value_name = "FILE")]
    pub file: Vec<PathBuf>,
    /// What changed in this revision, for reviewers
    #[arg(long, default_value = "")]
    pub note: String,
    /// The revision your text was edited from: refused if the proposal has a newer one
    /// by now (the editor sets this itself)
    #[arg(long, value_name = "REVISION")]
    pub from_revision: Option<u32>,
    /// Print the proposal as JSON
    #[arg(long)]
    pub json: bool,
}

pub fn revise(ctx: &Context, a: ReviseArgs) -> anyhow::Result<()> {
    let lib = ctx.open()?;
    let who = ctx.identity(Some(&lib))?;
    let p = lib.proposal(a.number)?;
    let (changes, from) = if a.file.is_empty() && a.section.is_empty() {
        // Someone may add a revision while the editor is open: do not undo it.
        let from = a.from_revision.unwrap_or(p.latest().number);
        (edit_latest(&lib, &p)?, Some(from))
    } else {
        (pair_files(&p, &a.section, &a.file)?, a.from_revision)
    };
    let p = lib.revise_from(a.number, &who, from, &changes, &a.note)?;
    if a.json {
        return json(&wire::Proposal::from(&p));
    }
    print(&format!(
        "Proposal #{} is now at revision {}.",
        p.number,
        p.latest().number
    ))
}

#[derive(Debug, Args)]
#[command(after_help = "\
When the proposal conflicts with main, the update is refused with the clashing text.
Write the resolved full text of each conflicting section and pass it:
  quire show usability > usability.md   # main's text; edit in the proposal's change
  quire update 3 --section usability --file usability.md")]
pub struct UpdateArgs {
    /// The proposal number
    pub number: u64,
    /// A conflicting section you resolve (repeat in pairs with --file)
    #[arg(long, value_name = "SECTION")]
    pub section: Vec<String>,
    /// The resolved full text of the section (`-` for stdin)
    #[arg(long, value_name = "FILE")]
    pub file: Vec<PathBuf>,
    /// Print the proposal as JSON
    #[arg(long)]
    pub json: bool,
}

pub fn update(ctx: &Context, a: UpdateArgs) -> anyhow::Result<()> {
    let lib = ctx.open()?;
    let who = ctx.identity(Some(&lib))?;
    let p = lib.proposal(a.number)?;
    let resolutions = if a.file.is_empty() && a.section.is_empty() {
        Vec::new()
    } else {
        pair_files(&p, &a.section, &a.file)?
    };
    let p = lib.update(a.number, &who, &resolutions)?;
    if a.json {
        return json(&wire::Proposal::from(&p));
    }
    print(&format!(
        "Proposal #{} is updated onto main as revision {}{}.",
        p.number,
        p.latest().number,
        if p.is_approved(&lib.review_rules()?) {
            " (approvals carried over)"
        } else {
            "; it needs a new review"
        }
    ))
}
