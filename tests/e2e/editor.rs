//! `quire propose SECTION --title T` without `--file` opens $EDITOR on the current text.

use crate::support::Env;

#[test]
fn an_editor_that_changes_the_text_opens_a_proposal() {
    let env = Env::new();
    env.init_empty();
    let before = env.show("usability");
    assert!(before.contains("Testing with five users"));
    let editor = env.script(
        "edit.sh",
        "sed -i 's/Testing with five users/Testing with seven users/' \"$1\"",
    );
    let p = env
        .quire(["propose", "usability", "--title", "Seven users", "--json"])
        .args(["--rationale", "Five is too few for our services."])
        .author("Priya Shah <priya@example.org>")
        .env("EDITOR", &editor)
        .ok()
        .json();
    assert_eq!(p["number"], 1);
    assert_eq!(p["title"], "Seven users");
    assert_eq!(p["author"]["name"], "Priya Shah");
    assert_eq!(p["rationale"], "Five is too few for our services.");
    env.quire(["diff", "1"])
        .ok()
        .stdout_has("[-five-]{+seven+}");
    // The revision holds the edited text, and main is untouched.
    let revision = env
        .git(["show", "refs/proposals/1/1:sections/usability.md"])
        .ok()
        .stdout();
    assert_eq!(
        revision,
        before.replace("Testing with five users", "Testing with seven users")
    );
    assert_eq!(env.show("usability"), before);
    // The editor's temporary file is cleaned up.
    let leftovers: Vec<_> = std::fs::read_dir(env.path("tmp"))
        .expect("reading TMPDIR")
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

#[test]
fn an_editor_that_leaves_the_text_unchanged_writes_nothing() {
    let env = Env::new();
    env.init_empty();
    let refs = env.refs();
    let editor = env.script("keep.sh", "exit 0");
    env.quire(["propose", "usability", "--title", "Nothing"])
        .env("EDITOR", &editor)
        .code(4)
        .stderr_has("no change: the text was not changed in the editor");
    assert_eq!(env.refs(), refs, "an abandoned edit changed refs");
    env.quire(["proposals"])
        .ok()
        .stdout_has("No proposals match.");

    // An editor that fails is not taken as a save either.
    let failing = env.script("fail.sh", "echo changed >> \"$1\"; exit 3");
    env.quire(["propose", "usability", "--title", "Nothing"])
        .env("EDITOR", &failing)
        .code(1)
        .stderr_has("exited with");
    assert_eq!(env.refs(), refs, "a failed edit changed refs");
}
