//! Reading commands: `sections`, `show`, `proposals`, `proposal`, `diff`, `comments`.

use clap::{Args, ValueEnum};
use quire_core::prose::{escape_html, render_html, render_text_with_context};
use quire_core::{Mergeability, ProposalFilter, SectionDiff, SectionId, Status};
use quire_wire::v1 as wire;

use super::Context;
use crate::output::{json, print, ColorChoice};

#[derive(Debug, Args)]
pub struct SectionsArgs {
    /// An edition, `main`, or a commit id
    #[arg(long, default_value = "main", value_name = "EDITION|REV")]
    pub at: String,
    /// Print JSON
    #[arg(long)]
    pub json: bool,
}

pub fn sections(ctx: &Context, a: SectionsArgs) -> anyhow::Result<()> {
    let lib = ctx.open_read()?;
    let manifest = lib.manifest(&a.at)?;
    let sections = lib.sections(&a.at)?;
    if a.json {
        let sections: Vec<wire::SectionSummary> = wire::list(&sections);
        return json(&sections);
    }
    let mut out = format!("{}\n", manifest.title);
    for part in &manifest.parts {
        out.push_str(&format!("\n{}\n", part.title));
        for s in sections.iter().filter(|s| s.part == part.id) {
            out.push_str(&format!("  {:<32} {}\n", s.id.as_str(), s.title));
        }
    }
    print(&out)
}

#[derive(Debug, Args)]
pub struct ShowArgs {
    /// The section id (see `quire sections`)
    pub section: String,
    /// An edition, `main`, or a commit id
    #[arg(long, default_value = "main", value_name = "EDITION|REV")]
    pub at: String,
    /// Print JSON
    #[arg(long)]
    pub json: bool,
}

pub fn show(ctx: &Context, a: ShowArgs) -> anyhow::Result<()> {
    let lib = ctx.open_read()?;
    let s = lib.section(&a.section, &a.at)?;
    if a.json {
        return json(&wire::Section::from(&s));
    }
    print(&s.text)
}

#[derive(Debug, Args)]
pub struct ProposalsArgs {
    /// Only proposals with this status
    #[arg(long, value_parser = ["open", "merged", "rejected", "withdrawn"])]
    pub status: Option<String>,
    /// Only proposals touching this section
    #[arg(long, value_name = "SECTION")]
    pub section: Option<String>,
    /// Check whether each open proposal merges cleanly into main now
    #[arg(long)]
    pub check: bool,
    /// Print JSON
    #[arg(long)]
    pub json: bool,
}

pub fn proposals(ctx: &Context, a: ProposalsArgs) -> anyhow::Result<()> {
    let lib = ctx.open_read()?;
    let filter = ProposalFilter {
        status: a.status.as_deref().map(str::parse::<Status>).transpose()?,
        section: a.section.as_deref().map(SectionId::new).transpose()?,
    };
    let list = lib.proposals(&filter)?;
    let mut checks = Vec::new();
    if a.check {
        for p in &list {
            checks.push(lib.mergeability_of(p)?);
        }
    }
    if a.json {
        let rows: Vec<_> = list
            .iter()
            .enumerate()
            .map(|(i, p)| {
                let mut v =
                    serde_json::to_value(wire::Proposal::from(p)).expect("a proposal serialises");
                if let Some(m) = checks.get(i) {
                    v["mergeability"] =
                        serde_json::to_value(wire::Mergeability::from(m)).expect("serialises");
                }
                v
            })
            .collect();
        return json(&rows);
    }
    if list.is_empty() {
        return print("No proposals match.");
    }
    let rules = lib.review_rules()?;
    let mut out = String::new();
    for (i, p) in list.iter().enumerate() {
        let state = match checks.get(i) {
            Some(Mergeability::Clean) => "  [can merge]",
            Some(Mergeability::Conflict { .. }) => "  [needs update]",
            _ => "",
        };
        let approved = if p.status == Status::Open && p.is_approved(&rules) {
            " approved"
        } else {
            ""
        };
        out.push_str(&format!(
            "#{:<4} {:<9} {}{}{}\n       by {}, sections: {}, revision {}\n",
            p.number,
            p.status.as_str(),
            p.title,
            approved,
            state,
            p.author.name,
            p.sections
                .iter()
                .map(SectionId::as_str)
                .collect::<Vec<_>>()
                .join(", "),
            p.latest().number
        ));
    }
    print(&out)
}

#[derive(Debug, Args)]
pub struct ProposalArgs {
    /// The proposal number
    pub number: u64,
    /// Print JSON (state and history)
    #[arg(long)]
    pub json: bool,
}

pub fn proposal(ctx: &Context, a: ProposalArgs) -> anyhow::Result<()> {
    let lib = ctx.open_read()?;
    let p = lib.proposal(a.number)?;
    let history = lib.history(a.number)?;
    let merge = lib.mergeability_of(&p)?;
    if a.json {
        return json(&serde_json::json!({
            "proposal": wire::Proposal::from(&p),
            "mergeability": wire::Mergeability::from(&merge),
            "history": wire::list::<_, wire::Event>(&history),
        }));
    }
    let mut out = format!("#{} {}\n", p.number, p.title);
    out.push_str(&format!("Status:    {}\n", p.status));
    out.push_str(&format!("Author:    {}\n", p.author));
    out.push_str(&format!(
        "Sections:  {}\n",
        p.sections
            .iter()
            .map(SectionId::as_str)
            .collect::<Vec<_>>()
            .join(", ")
    ));
    match &merge {
        Mergeability::Clean => out.push_str("Merge:     merges cleanly into main\n"),
        Mergeability::Conflict { report } => {
            out.push_str(&format!("Merge:     needs an update: {report}\n"))
        }
        Mergeability::Closed => {}
    }
    if let Some(m) = &p.merged {
        out.push_str(&format!(
            "Merged:    by {} as {}\n",
            m.by.name,
            m.commit.short()
        ));
    }
    if let Some(c) = &p.closed {
        out.push_str(&format!("Closed:    by {}: {}\n", c.by.name, c.reason));
    }
    if !p.rationale.is_empty() {
        out.push_str(&format!("\n{}\n", p.rationale));
    }
    out.push_str("\nRevisions:\n");
    for r in &p.revisions {
        out.push_str(&format!(
            "  {} {} by {} on {} (base {}){}\n",
            r.number,
            r.commit.short(),
            r.author.name,
            r.at,
            r.base.short(),
            if r.note.is_empty() {
                String::new()
            } else {
                format!(": {}", r.note)
            }
        ));
    }
    if !p.reviews.is_empty() {
        out.push_str("\nReviews:\n");
        for r in &p.reviews {
            out.push_str(&format!(
                "  {} {} revision {}{}\n",
                r.reviewer.name,
                r.verdict.as_str(),
                r.revision,
                if r.comment.is_empty() {
                    String::new()
                } else {
                    format!(": {}", r.comment)
                }
            ));
        }
    }
    if !p.comments.is_empty() {
        out.push_str("\nDiscussion:\n");
        for c in &p.comments {
            out.push_str(&format!("  [{}] {} ({}):\n", c.id, c.author.name, c.at));
            for line in c.body.lines() {
                out.push_str(&format!("      {line}\n"));
            }
        }
    }
    out.push_str("\nHistory:\n");
    for e in &history {
        out.push_str(&format!(
            "  {} {:<18} {} — {}\n",
            e.at, e.kind, e.actor.name, e.summary
        ));
    }
    print(&out)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DiffFormat {
    /// Word diff for the terminal ({+added+} [-removed-], or colour)
    Text,
    /// HTML fragment with <ins> and <del>
    Html,
    /// JSON for scripts
    Json,
}

#[derive(Debug, Args)]
pub struct DiffArgs {
    /// The proposal number
    pub number: u64,
    /// Which revision (default: the latest)
    #[arg(long, value_name = "R")]
    pub rev: Option<u32>,
    /// Output format
    #[arg(long, value_enum, default_value_t = DiffFormat::Text)]
    pub format: DiffFormat,
    /// Unchanged blocks to show around each change (text format)
    #[arg(long, default_value_t = 1)]
    pub context: usize,
}

pub fn diff(ctx: &Context, a: DiffArgs) -> anyhow::Result<()> {
    let lib = ctx.open_read()?;
    let diffs = lib.proposal_diff(a.number, a.rev)?;
    print_diffs(&diffs, a.format, a.context, ctx.color)
}

/// Prints section diffs in a format (shared with `compare`).
pub fn print_diffs(
    diffs: &[SectionDiff],
    format: DiffFormat,
    context: usize,
    color: ColorChoice,
) -> anyhow::Result<()> {
    match format {
        DiffFormat::Json => json(&wire::list::<_, wire::SectionDiff>(diffs)),
        DiffFormat::Html => {
            let mut out = String::new();
            for d in diffs {
                out.push_str(&format!(
                    "<section class=\"section-diff\" data-section=\"{}\">\n<h2>{}</h2>\n{}</section>\n",
                    d.section,
                    escape_html(&d.title),
                    render_html(&d.diff)
                ));
            }
            print(&out)
        }
        DiffFormat::Text => {
            let style = color.diff_style();
            let mut out = String::new();
            for d in diffs {
                let s = d.diff.stats;
                out.push_str(&format!(
                    "── {} ({}) ── +{} −{} words{}\n",
                    d.title,
                    d.section,
                    s.words_added,
                    s.words_removed,
                    if d.diff.coarse {
                        " (coarse: the change was too large for a word diff)"
                    } else {
                        ""
                    }
                ));
                out.push_str(&render_text_with_context(&d.diff, style, context));
                out.push('\n');
            }
            if diffs.is_empty() {
                out.push_str("No changes.\n");
            }
            print(&out)
        }
    }
}

#[derive(Debug, Args)]
pub struct CommentsArgs {
    /// The section id
    pub section: String,
    /// Print JSON
    #[arg(long)]
    pub json: bool,
}

pub fn comments(ctx: &Context, a: CommentsArgs) -> anyhow::Result<()> {
    let lib = ctx.open_read()?;
    let section = lib.section(&a.section, "main")?;
    let list = lib.section_comments(&a.section)?;
    if a.json {
        return json(&wire::list::<_, wire::Comment>(&list));
    }
    let mut out = format!("Comments on {} ({})\n", section.title, section.id);
    if list.is_empty() {
        out.push_str("  none yet\n");
    }
    for c in &list {
        out.push_str(&format!("\n[{}] {} ({}):\n", c.id, c.author.name, c.at));
        for line in c.body.lines() {
            out.push_str(&format!("    {line}\n"));
        }
    }
    print(&out)
}
