//! `quire comment`, `quire review`, `quire merge`, `quire reject`, `quire withdraw`.

use quire_wire::v1 as wire;
use std::path::PathBuf;

use clap::{ArgGroup, Args};
use quire_core::Verdict;

use super::{edit, read_text, usage, Context};
use crate::output::{json, print};

#[derive(Debug, Args)]
#[command(group(ArgGroup::new("target").required(true).args(["number", "section"])))]
#[command(after_help = "\
Examples:
  quire comment 3 -m \"Could you give an example from adult social care?\"
  quire comment --section risk-of-exclusion -m \"Add carers to the list.\"")]
pub struct CommentArgs {
    /// The proposal to comment on
    pub number: Option<u64>,
    /// Comment on this section instead
    #[arg(long, value_name = "SECTION")]
    pub section: Option<String>,
    /// The comment (Markdown). Without -m or --file, your editor opens
    #[arg(short = 'm', long, conflicts_with = "file")]
    pub message: Option<String>,
    /// Read the comment from a file (`-` for stdin)
    #[arg(long, value_name = "FILE")]
    pub file: Option<PathBuf>,
    /// Print the comment as JSON
    #[arg(long)]
    pub json: bool,
}

fn body(message: Option<String>, file: Option<PathBuf>) -> anyhow::Result<String> {
    match (message, file) {
        (Some(m), _) => Ok(m),
        (None, Some(f)) => read_text(&f),
        (None, None) => edit("", ".md"),
    }
}

pub fn comment(ctx: &Context, a: CommentArgs) -> anyhow::Result<()> {
    let lib = ctx.open()?;
    let who = ctx.identity(Some(&lib))?;
    let text = body(a.message, a.file)?;
    let (c, target) = match (a.number, a.section) {
        (Some(n), None) => (
            lib.comment_proposal(n, &who, &text)?,
            format!("proposal #{n}"),
        ),
        (None, Some(s)) => (
            lib.comment_section(&s, &who, &text)?,
            format!("section {s}"),
        ),
        _ => {
            return Err(usage(
                "comment on a proposal number or a --section, not both",
            ))
        }
    };
    if a.json {
        return json(&wire::Comment::from(&c));
    }
    print(&format!("Added comment {} on {target}.", c.id))
}

#[derive(Debug, Args)]
#[command(group(ArgGroup::new("verdict").required(true).args(["approve", "request_changes"])))]
pub struct ReviewArgs {
    /// The proposal number
    pub number: u64,
    /// Approve the latest revision
    #[arg(long)]
    pub approve: bool,
    /// Ask for another revision
    #[arg(long)]
    pub request_changes: bool,
    /// A remark to go with the verdict
    #[arg(short = 'm', long, default_value = "")]
    pub message: String,
    /// Print the proposal as JSON
    #[arg(long)]
    pub json: bool,
}

pub fn review(ctx: &Context, a: ReviewArgs) -> anyhow::Result<()> {
    let lib = ctx.open()?;
    let who = ctx.identity(Some(&lib))?;
    let verdict = if a.approve {
        Verdict::Approved
    } else {
        Verdict::ChangesRequested
    };
    let p = lib.review(a.number, &who, verdict, &a.message)?;
    if a.json {
        return json(&wire::Proposal::from(&p));
    }
    print(&format!(
        "Recorded '{}' on proposal #{}, revision {}.",
        verdict.as_str(),
        p.number,
        p.latest().number
    ))
}

#[derive(Debug, Args)]
pub struct MergeArgs {
    /// The proposal number
    pub number: u64,
    /// Print the proposal as JSON
    #[arg(long)]
    pub json: bool,
}

pub fn merge(ctx: &Context, a: MergeArgs) -> anyhow::Result<()> {
    let lib = ctx.open()?;
    let who = ctx.identity(Some(&lib))?;
    let p = lib.merge(a.number, &who)?;
    if a.json {
        return json(&wire::Proposal::from(&p));
    }
    let commit = p
        .merged
        .as_ref()
        .map(|m| m.commit.short().to_string())
        .unwrap_or_default();
    print(&format!(
        "Merged proposal #{} into main as {commit}.",
        p.number
    ))
}

#[derive(Debug, Args)]
pub struct RulesArgs {
    /// How many approvals a revision needs before it can be merged (1 to 20)
    #[arg(long)]
    pub required_approvals: Option<u32>,
    /// Whether a proposer's own approval counts (yes or no; default no)
    #[arg(long, value_parser = clap::builder::BoolishValueParser::new())]
    pub author_approval_counts: Option<bool>,
    /// Print the rules as JSON
    #[arg(long)]
    pub json: bool,
}

/// Shows the library's review rules, setting any given first. They live in the library's
/// git config, so a clone does not copy them.
pub fn rules(ctx: &Context, a: RulesArgs) -> anyhow::Result<()> {
    let lib = ctx.open()?;
    let mut rules = lib.review_rules()?;
    if a.required_approvals.is_some() || a.author_approval_counts.is_some() {
        if let Some(n) = a.required_approvals {
            rules.required_approvals = n;
        }
        if let Some(b) = a.author_approval_counts {
            rules.author_approval_counts = b;
        }
        lib.set_review_rules(&rules)?;
    }
    if a.json {
        return json(&wire::ReviewRules::from(&rules));
    }
    print(&format!(
        "A proposal needs {} approval{} before it can be merged. An author's own approval {}.",
        rules.required_approvals,
        if rules.required_approvals == 1 {
            ""
        } else {
            "s"
        },
        if rules.author_approval_counts {
            "counts"
        } else {
            "does not count"
        }
    ))
}

#[derive(Debug, Args)]
pub struct RejectArgs {
    /// The proposal number
    pub number: u64,
    /// Why it is rejected (shown to the author)
    #[arg(long)]
    pub reason: String,
    /// Print the proposal as JSON
    #[arg(long)]
    pub json: bool,
}

pub fn reject(ctx: &Context, a: RejectArgs) -> anyhow::Result<()> {
    let lib = ctx.open()?;
    let who = ctx.identity(Some(&lib))?;
    let p = lib.reject(a.number, &who, &a.reason)?;
    if a.json {
        return json(&wire::Proposal::from(&p));
    }
    print(&format!("Rejected proposal #{}.", p.number))
}

#[derive(Debug, Args)]
pub struct WithdrawArgs {
    /// The proposal number
    pub number: u64,
    /// Why (optional)
    #[arg(long, default_value = "")]
    pub reason: String,
    /// Print the proposal as JSON
    #[arg(long)]
    pub json: bool,
}

pub fn withdraw(ctx: &Context, a: WithdrawArgs) -> anyhow::Result<()> {
    let lib = ctx.open()?;
    let who = ctx.identity(Some(&lib))?;
    let p = lib.withdraw(a.number, &who, &a.reason)?;
    if a.json {
        return json(&wire::Proposal::from(&p));
    }
    print(&format!("Withdrew proposal #{}.", p.number))
}
