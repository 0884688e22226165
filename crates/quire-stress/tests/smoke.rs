//! Short runs of both harnesses against the debug `quire` binary, so they cannot rot.
//!
//! `cargo test --workspace` builds `target/debug/quire` (the e2e tests of quire-cli need
//! it); alone, run `cargo build -p quire-cli` first.

use quire_stress::{Mode, Options};

fn run(mode: Mode, opts: Options) {
    let report = quire_stress::run(mode, &opts).expect("the harness runs");
    println!("{}", report.table());
    let (acked, found) = report.acked_found();
    assert!(acked > 0, "the load acknowledged no write");
    assert_eq!(acked, found, "acknowledged writes missing from git");
    assert!(
        report.ok(),
        "the run failed its checks:\n{}",
        report.table()
    );
}

#[test]
fn a_short_soak_loses_nothing() {
    run(
        Mode::Soak,
        Options {
            clients: 4,
            seconds: 5,
            cli_writers: 1,
            ..Options::default()
        },
    );
}

#[test]
fn a_short_crash_run_loses_nothing() {
    run(
        Mode::Crash,
        Options {
            clients: 4,
            seconds: 8,
            cli_writers: 1,
            kills: 1,
            ..Options::default()
        },
    );
}
