//! The command line itself: help for every subcommand, completions, `QUIRE_REPO`, and a
//! reader that closes the pipe early.

use std::io::Read as _;
use std::process::Stdio;

use crate::support::{Env, MAINTAINER};

/// The subcommand names listed under "Commands:" in `quire --help`.
fn subcommands(help: &str) -> Vec<String> {
    help.lines()
        .skip_while(|l| !l.starts_with("Commands:"))
        .skip(1)
        .take_while(|l| !l.trim().is_empty())
        .filter(|l| l.starts_with("  ") && !l.starts_with("   "))
        .filter_map(|l| l.split_whitespace().next())
        .filter(|name| *name != "help")
        .map(str::to_string)
        .collect()
}

#[test]
fn help_exits_zero_for_quire_and_every_subcommand() {
    let env = Env::new();
    let help = env
        .quire(["--help"])
        .ok()
        .stdout_has("Usage: quire")
        .stdout_has("Exit codes:")
        .stdout();
    let names = subcommands(&help);
    for expected in [
        "init",
        "sections",
        "show",
        "propose",
        "proposals",
        "proposal",
        "diff",
        "comment",
        "comments",
        "revise",
        "update",
        "withdraw",
        "review",
        "merge",
        "reject",
        "rules",
        "publish",
        "editions",
        "changelog",
        "compare",
        "log",
        "repair",
        "completions",
    ] {
        assert!(
            names.iter().any(|n| n == expected),
            "`quire --help` does not list {expected}: {names:?}"
        );
    }
    for name in &names {
        env.quire([name.as_str(), "--help"])
            .ok()
            .stdout_has(&format!("Usage: quire {name}"));
        env.quire(["help", name.as_str()]).ok();
    }
    env.quire(["--version"]).ok().stdout_has("quire ");
    // Help needs no library.
    assert!(!env.repo().exists(), "--help created a library");
}

#[test]
fn completions_print_a_bash_script() {
    let env = Env::new();
    let script = env.quire(["completions", "bash"]).ok().stdout();
    assert!(script.contains("_quire()"), "{script}");
    assert!(script.contains("complete -F _quire"), "{script}");
    for sub in ["propose", "merge", "publish"] {
        assert!(script.contains(sub), "completions lack {sub}");
    }
    env.quire(["completions", "no-such-shell"])
        .code(2)
        .stderr_has("no-such-shell");
}

#[test]
fn the_library_and_author_come_from_the_environment() {
    let env = Env::new();
    env.quire(["init", "--no-samples"])
        .no_repo()
        .no_author()
        .env("QUIRE_REPO", env.repo())
        .env("QUIRE_AUTHOR", MAINTAINER)
        .ok();
    env.git(["log", "--format=%an <%ae>", "main"])
        .ok()
        .stdout_has(MAINTAINER);
    env.quire(["sections"])
        .no_repo()
        .env("QUIRE_REPO", env.repo())
        .ok()
        .stdout_has("usability");
    // Without --repo or QUIRE_REPO, the library is $XDG_DATA_HOME/quire/library.git.
    env.quire(["sections"])
        .no_repo()
        .code(3)
        .stderr_has("xdg/quire/library.git");
    // Without any identity, a write is refused before anything happens.
    env.quire(["comment", "--section", "usability", "-m", "Hello"])
        .no_author()
        .code(2)
        .stderr_has("who are you?");
}

#[test]
fn a_reader_that_closes_the_pipe_early_is_not_an_error() {
    let env = Env::new();
    env.init_empty();
    // `quire log | head -c 0`: the reader is gone before quire writes.
    let mut cmd = env.quire(["log"]).command();
    cmd.stdout(Stdio::piped()).stderr(Stdio::piped());
    let mut child = cmd.spawn().expect("starting quire");
    drop(child.stdout.take());
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .expect("stderr was piped")
        .read_to_string(&mut stderr)
        .expect("reading stderr");
    let status = child.wait().expect("waiting for quire");
    assert_eq!(status.code(), Some(0), "stderr: {stderr}");
    assert!(stderr.is_empty(), "stderr: {stderr}");

    // `quire completions bash | head -c 1`: the reader takes a byte and leaves.
    let mut cmd = env.quire(["completions", "bash"]).command();
    cmd.stdout(Stdio::piped()).stderr(Stdio::null());
    let mut child = cmd.spawn().expect("starting quire");
    let mut first = [0u8; 1];
    child
        .stdout
        .take()
        .expect("stdout was piped")
        .read_exact(&mut first)
        .expect("reading the first byte");
    let status = child.wait().expect("waiting for quire");
    assert_eq!(status.code(), Some(0));
    assert_eq!(&first, b"_");
}
