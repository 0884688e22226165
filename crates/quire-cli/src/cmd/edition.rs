//! `quire publish`, `quire editions`, `quire changelog`, `quire compare`, `quire log`.

use clap::Args;

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
        return json(&e);
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
        return json(&c);
    }
    if a.format == DiffFormat::Html {
        print(&structure_html(&c))?;
    } else {
        print(&structure_text(&c))?;
    }
    print_diffs(&c.sections, a.format, a.context, ctx.color)
}

/// `"title"`, quoted for a summary line.
fn q(s: &str) -> String {
    format!("\u{201c}{s}\u{201d}")
}

/// The summary lines of a comparison, one heading per kind of change.
fn structure_lines(c: &quire_core::Comparison) -> Vec<(&'static str, Vec<String>)> {
    let d = &c.structure;
    let mut groups: Vec<(&'static str, Vec<String>)> = Vec::new();
    let mut group = |name: &'static str, lines: Vec<String>| {
        if !lines.is_empty() {
            groups.push((name, lines));
        }
    };
    group(
        "Title changed",
        d.title
            .iter()
            .map(|t| format!("{} → {}", q(&t.old), q(&t.new)))
            .collect(),
    );
    group(
        "Subtitle changed",
        d.subtitle
            .iter()
            .map(|t| {
                let show = |s: &Option<String>| s.as_deref().map_or("(none)".into(), q);
                format!("{} → {}", show(&t.old), show(&t.new))
            })
            .collect(),
    );
    let part =
        |p: &quire_core::PartPlace| format!("{} {} (part {})", p.id, q(&p.title), p.position);
    group("Parts added", d.parts_added.iter().map(part).collect());
    group("Parts removed", d.parts_removed.iter().map(part).collect());
    group(
        "Parts renamed",
        d.parts_renamed
            .iter()
            .map(|r| format!("{}: {} → {}", r.id, q(&r.old_title), q(&r.new_title)))
            .collect(),
    );
    group(
        "Parts moved",
        d.parts_moved
            .iter()
            .map(|m| {
                format!(
                    "{} {}: part {} → part {}",
                    m.id,
                    q(&m.title),
                    m.old_position,
                    m.new_position
                )
            })
            .collect(),
    );
    group(
        "Sections renamed",
        d.sections_renamed
            .iter()
            .map(|r| format!("{}: {} → {}", r.id, q(&r.old_title), q(&r.new_title)))
            .collect(),
    );
    group(
        "Sections moved",
        d.sections_moved
            .iter()
            .map(|m| {
                format!(
                    "{} {}: {}, position {} → {}, position {}",
                    m.id,
                    q(&m.title),
                    m.old_part,
                    m.old_position,
                    m.new_part,
                    m.new_position
                )
            })
            .collect(),
    );
    let place = |s: &quire_core::SectionSummary| {
        format!(
            "{} {}: {}, position {}",
            s.id,
            q(&s.title),
            s.part,
            s.position
        )
    };
    group(
        "Sections added",
        d.sections_added.iter().map(place).collect(),
    );
    group(
        "Sections removed",
        d.sections_removed.iter().map(place).collect(),
    );
    groups
}

/// Sections on both sides whose text changed, and their word counts.
fn text_summary(c: &quire_core::Comparison) -> String {
    let d = &c.structure;
    let one_side = |id: &quire_core::SectionId| {
        d.sections_added.iter().any(|s| &s.id == id)
            || d.sections_removed.iter().any(|s| &s.id == id)
    };
    let changed: Vec<_> = c
        .sections
        .iter()
        .filter(|s| !one_side(&s.section))
        .collect();
    let added: usize = changed.iter().map(|s| s.diff.stats.words_added).sum();
    let removed: usize = changed.iter().map(|s| s.diff.stats.words_removed).sum();
    match changed.len() {
        0 => "Text changed in no section.".into(),
        1 => format!("Text changed in 1 section (+{added} −{removed} words)."),
        n => format!("Text changed in {n} sections (+{added} −{removed} words)."),
    }
}

fn structure_text(c: &quire_core::Comparison) -> String {
    let groups = structure_lines(c);
    let mut out = String::new();
    if groups.is_empty() {
        out.push_str("Structure unchanged: the same parts and sections, in the same order, under the same titles.\n");
    }
    for (name, lines) in groups {
        out.push_str(&format!("{name}:\n"));
        for l in lines {
            out.push_str(&format!("  {l}\n"));
        }
    }
    out.push_str(&text_summary(c));
    out.push_str("\n\n");
    out
}

fn structure_html(c: &quire_core::Comparison) -> String {
    let esc = |s: &str| {
        s.replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
            .replace('"', "&quot;")
    };
    let mut out = String::from("<section class=\"structure-diff\">\n");
    for (name, lines) in structure_lines(c) {
        out.push_str(&format!("<h2>{}</h2>\n<ul>\n", esc(name)));
        for l in lines {
            out.push_str(&format!("<li>{}</li>\n", esc(&l)));
        }
        out.push_str("</ul>\n");
    }
    out.push_str(&format!("<p>{}</p>\n</section>", esc(&text_summary(c))));
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
        return json(&entries);
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
