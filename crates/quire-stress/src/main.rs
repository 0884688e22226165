//! `quire-stress`: the soak and crash harnesses. Build the `quire` binary first:
//!
//! ```sh
//! cargo build --release -p quire-cli
//! cargo run --release -p quire-stress -- soak  [--clients 32] [--seconds 60] [--cli-writers 1]
//! cargo run --release -p quire-stress -- crash [--clients 32] [--seconds 60] [--kills 5]
//! ```

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};
use quire_stress::{Mode, Options};

/// Soak and crash harnesses: load a `quire serve` and the CLI on one library, then check
/// from git alone that every acknowledged write is there and `git fsck --strict` is clean.
#[derive(Debug, Parser)]
#[command(
    name = "quire-stress",
    after_help = "Runs the `quire` binary found beside this one: build it first with \
                  `cargo build --release -p quire-cli`. Loopback only; the run stops by itself. \
                  Exit status: 0 when acknowledged = found and fsck is clean, 1 otherwise, 2 on a \
                  harness error."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Concurrent clients and CLI writers for a set time, then the checks
    Soak(Common),
    /// The same load, killing the server with SIGKILL and restarting it, with the checks
    /// after every restart
    Crash {
        #[command(flatten)]
        common: Common,
        /// How many times to kill the server
        #[arg(long, default_value_t = 5)]
        kills: usize,
    },
}

#[derive(Debug, Args)]
struct Common {
    /// Simulated web clients (every fourth is a maintainer)
    #[arg(long, default_value_t = 32, value_parser = clap::value_parser!(u16).range(1..=512))]
    clients: u16,
    /// How long the load runs, in seconds
    #[arg(long, default_value_t = 60, value_parser = clap::value_parser!(u64).range(1..=3600))]
    seconds: u64,
    /// `quire` processes writing to the library in a loop beside the server
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u16).range(0..=16))]
    cli_writers: u16,
    /// The `quire` binary (default: the one beside this executable)
    #[arg(long, value_name = "PATH")]
    quire: Option<PathBuf>,
    /// Keep the temporary data directory (always kept when a check fails)
    #[arg(long)]
    keep: bool,
    /// Random seed, to repeat a run's choices
    #[arg(long)]
    seed: Option<u64>,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let (mode, common, kills) = match cli.command {
        Command::Soak(c) => (Mode::Soak, c, 0),
        Command::Crash { common, kills } => (Mode::Crash, common, kills),
    };
    let opts = Options {
        clients: usize::from(common.clients),
        seconds: common.seconds,
        cli_writers: usize::from(common.cli_writers),
        kills,
        quire: common.quire,
        keep: common.keep,
        seed: common.seed,
    };
    match quire_stress::run(mode, &opts) {
        Ok(report) => {
            print!("{}", report.table());
            if report.ok() {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            }
        }
        Err(e) => {
            eprintln!("quire-stress: {e:#}");
            ExitCode::from(2)
        }
    }
}
