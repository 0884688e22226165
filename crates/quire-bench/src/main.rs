//! `quire-bench`: tools for measuring Quire at scale.
//!
//! ```sh
//! cargo run --release -p quire-bench -- gen-fixture --out /tmp/big --proposals 100000 --commits 50000
//! cargo run --release -p quire-bench -- load --data /tmp/big
//! cargo run --release -p quire-bench -- p3 --data /tmp/big --open 10000
//! ```

use std::process::ExitCode;

use clap::{Parser, Subcommand};

mod fixture;
mod load;
mod p3;

/// Scale and speed tools: build a large library, and load a server against a bare
/// axum reference returning the same bytes.
#[derive(Debug, Parser)]
#[command(name = "quire-bench")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Build a large, realistic library: the bundled resource, commits on main and
    /// proposals of mixed status with comments, reviews and revisions
    GenFixture(fixture::Args),
    /// Run the server on a data directory and measure pages and API calls with wrk,
    /// beside a bare axum handler returning the same bytes
    Load(load::Args),
    /// P3: bring the mergeability of many open proposals up to date after main moves,
    /// against one `git merge-tree --stdin` batch
    P3(p3::Args),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::GenFixture(a) => fixture::run(a),
        Command::Load(a) => load::run(a),
        Command::P3(a) => p3::run(a),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("quire-bench: {e:#}");
            ExitCode::FAILURE
        }
    }
}
