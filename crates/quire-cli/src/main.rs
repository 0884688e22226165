//! `quire`: the command line of Quire. It parses arguments, calls `quire-core`, and prints.
//! No git or diff logic lives here.

// The doc comments on the clap arguments are the `--help` text, written for a terminal:
// `<SLUG>`, `<email>` and bare URLs are meant literally there, not as HTML or links.
#![allow(rustdoc::invalid_html_tags, rustdoc::bare_urls)]

mod cmd;
mod output;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};

use crate::output::ColorChoice;

/// Exit codes, stable for scripts.
pub mod exit {
    /// Success.
    pub const OK: u8 = 0;
    /// Something failed that is not the caller's input (storage, I/O).
    pub const FAILURE: u8 = 1;
    /// Bad arguments or bad input (invalid id, malformed file, empty title, ...).
    pub const INVALID: u8 = 2;
    /// The named thing does not exist (section, proposal, edition, revision).
    pub const NOT_FOUND: u8 = 3;
    /// Refused because of the library's state (conflict, not open, not approved, name
    /// taken, no change, an edit started from a revision that is no longer the latest), or
    /// not allowed.
    pub const REFUSED: u8 = 4;
    /// Another writer kept the library busy; nothing changed, try again.
    pub const BUSY: u8 = 5;
}

const AFTER_HELP: &str = "\
Exit codes: 0 success, 1 failure (storage or I/O), 2 invalid input, 3 not found,
4 refused by the library's state (conflict, not open, not approved, name taken, no change,
  an edit started from a revision that is no longer the latest),
5 busy (another writer won the race; nothing changed, try again).

The library is a git repository: `git clone --mirror` copies everything, and
`git log refs/proposals/N/meta` reads as proposal N's history.";

/// Keep a living guidance document in git and run an open proposal, review and edition
/// workflow on it.
#[derive(Debug, Parser)]
#[command(name = "quire", version, after_help = AFTER_HELP, max_term_width = 100)]
pub struct Cli {
    #[command(flatten)]
    pub global: Global,
    #[command(subcommand)]
    pub command: Command,
}

/// Options every subcommand takes.
#[derive(Debug, Args)]
pub struct Global {
    /// The library (a git repository). Default: $XDG_DATA_HOME/quire/library.git
    #[arg(long, global = true, env = "QUIRE_REPO", value_name = "PATH")]
    pub repo: Option<PathBuf>,
    /// Who you are, as "Name <email>". Default: git's user.name and user.email
    #[arg(long, global = true, env = "QUIRE_AUTHOR", value_name = "NAME <EMAIL>")]
    pub author: Option<String>,
    /// When to colour output
    #[arg(long, global = true, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create a library from a resource (default: the bundled Digital Insights) and load the
    /// sample proposals
    Init(cmd::init::InitArgs),
    /// List the sections in reading order
    Sections(cmd::read::SectionsArgs),
    /// Print a section's text
    Show(cmd::read::ShowArgs),
    /// Propose a change to one or more sections
    Propose(cmd::propose::ProposeArgs),
    /// List proposals
    Proposals(cmd::read::ProposalsArgs),
    /// Show one proposal: details, revisions, reviews, discussion and history
    Proposal(cmd::read::ProposalArgs),
    /// Show the word diff of a proposal
    Diff(cmd::read::DiffArgs),
    /// Comment on a proposal or on a section
    Comment(cmd::review::CommentArgs),
    /// List the comments on a section
    Comments(cmd::read::CommentsArgs),
    /// Add a revision to your proposal with new text
    Revise(cmd::propose::ReviseArgs),
    /// Rebase a proposal onto the current main, as a new revision
    Update(cmd::propose::UpdateArgs),
    /// Withdraw your proposal
    Withdraw(cmd::review::WithdrawArgs),
    /// Approve a proposal or request changes
    Review(cmd::review::ReviewArgs),
    /// Merge an approved proposal into main
    Merge(cmd::review::MergeArgs),
    /// Reject a proposal, with a reason
    Reject(cmd::review::RejectArgs),
    /// Show or set the review rules: approvals needed, and whether an author's own counts
    Rules(cmd::review::RulesArgs),
    /// Publish main as a new edition
    Publish(cmd::edition::PublishArgs),
    /// List the published editions
    Editions(cmd::edition::EditionsArgs),
    /// List the proposals merged between two editions or revisions
    Changelog(cmd::edition::ChangelogArgs),
    /// Compare two editions or revisions, section by section
    Compare(cmd::edition::CompareArgs),
    /// The history of main, with proposal numbers
    Log(cmd::edition::LogArgs),
    /// Export an edition (or the draft) as a static website, one HTML file or Markdown
    Export(cmd::export::ExportArgs),
    /// Run the review server (creating the library and first account on first run)
    Serve(cmd::serve::ServeArgs),
    /// The review server's accounts: list, promote, demote, reset-password
    Accounts(cmd::accounts::AccountsArgs),
    /// Complete writes that a crash cut short, and report what was fixed
    Repair(cmd::init::RepairArgs),
    /// Print a shell completion script
    Completions(cmd::init::CompletionsArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let ctx = cmd::Context::new(cli.global);
    let result = match cli.command {
        Command::Init(a) => cmd::init::run(&ctx, a),
        Command::Sections(a) => cmd::read::sections(&ctx, a),
        Command::Show(a) => cmd::read::show(&ctx, a),
        Command::Propose(a) => cmd::propose::propose(&ctx, a),
        Command::Proposals(a) => cmd::read::proposals(&ctx, a),
        Command::Proposal(a) => cmd::read::proposal(&ctx, a),
        Command::Diff(a) => cmd::read::diff(&ctx, a),
        Command::Comment(a) => cmd::review::comment(&ctx, a),
        Command::Comments(a) => cmd::read::comments(&ctx, a),
        Command::Revise(a) => cmd::propose::revise(&ctx, a),
        Command::Update(a) => cmd::propose::update(&ctx, a),
        Command::Withdraw(a) => cmd::review::withdraw(&ctx, a),
        Command::Review(a) => cmd::review::review(&ctx, a),
        Command::Merge(a) => cmd::review::merge(&ctx, a),
        Command::Reject(a) => cmd::review::reject(&ctx, a),
        Command::Rules(a) => cmd::review::rules(&ctx, a),
        Command::Publish(a) => cmd::edition::publish(&ctx, a),
        Command::Editions(a) => cmd::edition::editions(&ctx, a),
        Command::Changelog(a) => cmd::edition::changelog(&ctx, a),
        Command::Compare(a) => cmd::edition::compare(&ctx, a),
        Command::Log(a) => cmd::edition::log(&ctx, a),
        Command::Export(a) => cmd::export::run(&ctx, a),
        Command::Serve(a) => cmd::serve::run(a),
        Command::Accounts(a) => cmd::accounts::run(a),
        Command::Repair(a) => cmd::init::repair(&ctx, a),
        Command::Completions(a) => cmd::init::completions(a),
    };
    match result {
        Ok(()) => ExitCode::from(exit::OK),
        Err(e) => {
            if output::is_broken_pipe(&e) {
                return ExitCode::from(exit::OK);
            }
            eprintln!("quire: error: {e:#}");
            if let Some(hint) = hint(&e) {
                eprintln!("{hint}");
            }
            ExitCode::from(exit_code(&e))
        }
    }
}

/// What to run next, for the errors where the CLI knows (the core's messages name no
/// commands, since the server shows the same errors).
fn hint(e: &anyhow::Error) -> Option<String> {
    e.chain().find_map(|cause| match cause.downcast_ref::<quire_core::Error>() {
        Some(quire_core::Error::Conflict(report)) => {
            let first = report.sections.first().map_or("SECTION", |s| s.section.as_str());
            Some(format!(
                "hint: write the resolved text of each conflicting section and run\n  quire update {} --section {first} --file {first}.md",
                report.number
            ))
        }
        _ => None,
    })
}

/// Maps an error to an exit code by the core error it carries, if any.
fn exit_code(e: &anyhow::Error) -> u8 {
    use quire_core::ErrorKind;
    for cause in e.chain() {
        if let Some(core) = cause.downcast_ref::<quire_core::Error>() {
            return match core.kind() {
                ErrorKind::Invalid => exit::INVALID,
                ErrorKind::NotFound => exit::NOT_FOUND,
                ErrorKind::Refused | ErrorKind::NotAllowed => exit::REFUSED,
                ErrorKind::Busy => exit::BUSY,
                ErrorKind::Failure => exit::FAILURE,
            };
        }
        if cause.downcast_ref::<cmd::UsageError>().is_some() {
            return exit::INVALID;
        }
        if cause
            .downcast_ref::<cmd::accounts::NoSuchAccount>()
            .is_some()
        {
            return exit::NOT_FOUND;
        }
        if let Some(quire_server::store::StoreError::Invalid(_)) =
            cause.downcast_ref::<quire_server::store::StoreError>()
        {
            return exit::REFUSED;
        }
    }
    exit::FAILURE
}
