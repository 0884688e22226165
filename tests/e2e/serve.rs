//! `quire serve` as a process: what it leaves behind when it stops.

use std::time::{Duration, Instant};

use crate::support::Env;

#[test]
fn a_server_stopped_with_sigterm_saves_the_proposal_index_for_the_next_start() {
    let env = Env::new();
    let data = env.path("data");
    let library = data.join("library.git");
    let (mut server, _) = env.serve(&data);

    // A proposal made by another process while the server runs.
    let text = env
        .quire(["show", "usability"])
        .no_repo()
        .args(["--repo".as_ref(), library.as_os_str()])
        .ok()
        .stdout();
    let file = env.write("usability.md", format!("{text}\nOne more line.\n"));
    let p = env
        .quire(["propose", "usability", "--title", "More", "--json"])
        .no_repo()
        .args(["--repo".as_ref(), library.as_os_str()])
        .arg_path("--file", &file)
        .ok()
        .json();
    let n = p["number"].as_u64().expect("number");
    let meta = git_at(
        &library,
        &["rev-parse", &format!("refs/proposals/{n}/meta")],
    );

    let pid = server.id().to_string();
    assert!(std::process::Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .expect("kill")
        .success());
    let deadline = Instant::now() + Duration::from_secs(20);
    let exit = loop {
        if let Some(code) = server.try_wait().expect("wait") {
            break code;
        }
        assert!(Instant::now() < deadline, "no stop within 20 s of SIGTERM");
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(exit.success(), "{exit}");

    // The saved index has one line per proposal, the new one at its current event.
    let saved = std::fs::read_to_string(library.join("quire-index")).expect("quire-index");
    let metas = git_at(
        &library,
        &["for-each-ref", "--format=%(refname)", "refs/proposals"],
    );
    let proposals = metas.lines().filter(|r| r.ends_with("/meta")).count();
    assert_eq!(saved.lines().count(), proposals + 1, "{saved}");
    let line = saved
        .lines()
        .find(|l| l.contains(&format!("\"number\":{n},")))
        .unwrap_or_else(|| panic!("no line for proposal {n} in {saved}"));
    assert!(line.contains(meta.trim()), "{line}");
}

/// The real git on the library `dir`; its standard output.
fn git_at(dir: &std::path::Path, args: &[&str]) -> String {
    quire_testkit::git(dir, args)
}
