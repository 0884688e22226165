//! `quire publish`, `quire editions`, `quire changelog`, `quire compare`, `quire log`.

use clap::Args;
use quire_wire::v1 as wire;

use super::read::{print_diffs, DiffFormat};
use super::Context;
use crate::output::{json, print};

#[derive(Debug, Args)]
#[command(
    after_help = "Example:\n  quire publish spring-2027 --title \"Spring conference edition\" --notes \"Launched in London.\""
)]
pub struct PublishArgs {
    /// The edition's name in refs/tags/edition/<SLUG>: lowercase letters, digits, '-' and '.'
    pub slug: String,
    /// The edition's title
    #[arg(long)]
    pub title: String,
    /// Notes for readers (what this edition is)
    #[arg(long, default_value = "")]
    pub notes: String,
    /// Print the edition as JSON
    #[arg(long)]
    pub json: bool,
}

pub fn publish(ctx: &Context, a: PublishArgs) -> anyhow::Result<()> {
    let lib = ctx.open()?;
    let who = ctx.identity(Some(&lib))?;
    let e = lib.publish(&a.slug, &a.title, &a.notes, &who)?;
    if a.json {
        return json(&wire::Edition::from(&e));
    }
    let mut out = format!(
        "Published edition '{}' ({}) at {}, tag edition/{}.\n",
        e.title,
        e.date,
        e.commit.short(),
        e.slug
    );
    out.push_str(&changes_text(&e.changes));
    print(&out)
}

fn changes_text(changes: &[quire_core::ChangeEntry]) -> String {
    if changes.is_empty() {
        return "No proposals merged.\n".into();
    }
    let mut out = String::new();
    for c in changes {
        out.push_str(&format!(
            "  #{} {} — {}\n",
            c.proposal, c.title, c.author.name
        ));
    }
    out
}

#[derive(Debug, Args)]
pub struct EditionsArgs {
    /// Print JSON
    #[arg(long)]
    pub json: bool,
}

pub fn editions(ctx: &Context, a: EditionsArgs) -> anyhow::Result<()> {
    let lib = ctx.open_read()?;
    let list = lib.editions()?;
    if a.json {
        let list: Vec<wire::Edition> = wire::list(&list);
        return json(&list);
    }
    if list.is_empty() {
        return print("No editions yet. Publish one with `quire publish SLUG --title TITLE`.");
    }
    let mut out = String::new();
    for e in &list {
        out.push_str(&format!(
            "{:<20} {}  {}  ({} proposals merged, published by {})\n",
            e.slug,
            e.date,
            e.title,
            e.changes.len(),
            e.publisher.name
        ));
    }
    print(&out)
}

#[derive(Debug, Args)]
#[command(after_help = "\
Examples:
  quire changelog                      what main has gained since the latest edition
  quire changelog --of spring-2027     the changelog of one edition
  quire changelog spring-2027 main     everything merged between two points")]
pub struct ChangelogArgs {
    /// From this edition or revision (default: the latest edition before TO)
    #[arg(conflicts_with = "of")]
    pub from: Option<String>,
    /// Up to this edition or revision (default: main)
    pub to: Option<String>,
    /// The changelog of one edition: what it brought since the edition before it
    #[arg(long, value_name = "EDITION")]
    pub of: Option<String>,
    /// Print JSON
    #[arg(long)]
    pub json: bool,
}

pub fn changelog(ctx: &Context, a: ChangelogArgs) -> anyhow::Result<()> {
    let lib = ctx.open_read()?;
    let list = match &a.of {
        Some(edition) => lib.changelog(None, Some(edition))?,
        None => lib.changelog(a.from.as_deref(), a.to.as_deref())?,
    };
    if a.json {
        let list: Vec<wire::ChangeEntry> = wire::list(&list);
        return json(&list);
    }
    let mut out = String::new();
    for c in &list {
        out.push_str(&format!(
            "#{} {} — {} <{}> (merged by {}; {})\n",
            c.proposal,
            c.title,
            c.author.name,
            c.author.email,
            c.merged_by.name,
            c.sections
                .iter()
                .map(|s| s.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    if list.is_empty() {
        out.push_str("No proposals merged in that range.\n");
    }
    print(&out)
}

#[derive(Debug, Args)]
#[command(after_help = "\
Prints a summary first (sections renamed, moved, added and removed; parts and the title;
how many sections' text changed), then the word diff of each section whose text changed.
A section counts as moved when its order among the others changed or it changed part, not
when it merely shifted because another section was added, removed or moved.

Examples:
  quire compare spring-2027 main       what the draft has changed since an edition
  quire compare spring-2027 autumn-2027 --json")]
pub struct CompareArgs {
    /// The older edition or revision
    pub from: String,
    /// The newer edition or revision
    pub to: String,
    /// Output format (json is the same as --json)
    #[arg(long, value_enum, default_value_t = DiffFormat::Text)]
    pub format: DiffFormat,
    /// Print JSON: {"structure": {...}, "sections": [...]}
    #[arg(long)]
    pub json: bool,
    /// Unchanged blocks to show around each change (text format)
    #[arg(long, default_value_t = 1)]
    pub context: usize,
}

pub fn compare(ctx: &Context, a: CompareArgs) -> anyhow::Result<()> {
    let lib = ctx.open_read()?;
    let c = lib.comparison(&a.from, &a.to)?;
    if a.json || a.format == DiffFormat::Json {
        return json(&wire::Comparison::from(&c));
    }
    if a.format == DiffFormat::Html {
        print(&structure_html(&c))?;
    } else {
        print(&structure_text(&c))?;
    }
    print_diffs(&c.sections, a.format, a.context, ctx.color)
}

fn structure_text(c: &quire_core::Comparison) -> String {
    let groups = c.structure.summary();
    let mut out = String::new();
    if groups.is_empty() {
        out.push_str(quire_core::StructureDiff::UNCHANGED);
        out.push('\n');
    }
    for g in groups {
        out.push_str(&format!("{}:\n", g.heading));
        for l in g.lines {
            out.push_str(&format!("  {l}\n"));
        }
    }
    out.push_str(&c.text_summary());
    out.push_str("\n\n");
    out
}

fn structure_html(c: &quire_core::Comparison) -> String {
    use quire_core::prose::escape_html as esc;
    let mut out = String::from("<section class=\"structure-diff\">\n");
    for g in c.structure.summary() {
        out.push_str(&format!("<h2>{}</h2>\n<ul>\n", esc(g.heading)));
        for l in g.lines {
            out.push_str(&format!("<li>{}</li>\n", esc(&l)));
        }
        out.push_str("</ul>\n");
    }
    out.push_str(&format!("<p>{}</p>\n</section>", esc(&c.text_summary())));
    out
}

#[derive(Debug, Args)]
pub struct LogArgs {
    /// How many entries
    #[arg(short = 'n', long, default_value_t = 50)]
    pub limit: usize,
    /// Print JSON
    #[arg(long)]
    pub json: bool,
}

pub fn log(ctx: &Context, a: LogArgs) -> anyhow::Result<()> {
    let lib = ctx.open_read()?;
    let entries = lib.log(a.limit)?;
    if a.json {
        return json(&wire::list::<_, wire::LogEntry>(&entries));
    }
    let mut out = String::new();
    for e in &entries {
        out.push_str(&format!(
            "{} {} {} — {}\n",
            e.commit.short(),
            &e.at[..10.min(e.at.len())],
            e.summary,
            e.author.name
        ));
    }
    print(&out)
}
