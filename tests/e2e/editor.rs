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

#[test]
fn a_revision_saved_while_the_editor_was_open_is_not_undone() {
    let env = Env::new();
    env.init_empty();
    let text = env.show("usability");
    let first = env.write(
        "first.md",
        text.replace("Testing with five users", "Testing with six users"),
    );
    env.quire(["propose", "usability", "--title", "Six users"])
        .arg_path("--file", &first)
        .author("Priya Shah <priya@example.org>")
        .ok();
    // While Priya's editor is open on revision 1, a maintainer saves revision 2.
    let other = env.write(
        "other.md",
        text.replace("Testing with five users", "Testing with eight users"),
    );
    let editor = env.script(
        "edit.sh",
        "\"$QUIRE_BIN\" --repo \"$QUIRE_TEST_REPO\" --author 'Sam Lee <sam@example.org>' \
         revise 1 --section usability --file \"$OTHER\" >/dev/null || exit 9\n\
         sed -i 's/Testing with six users/Testing with seven users/' \"$1\"",
    );
    let refs_before_editing = env.refs();
    env.quire(["revise", "1"])
        .author("Priya Shah <priya@example.org>")
        .env("EDITOR", &editor)
        .env("QUIRE_BIN", crate::support::QUIRE)
        .env("QUIRE_TEST_REPO", env.repo())
        .env("OTHER", &other)
        // A refusal (exit 4), not "busy" (5): trying again unchanged would not help.
        .code(4)
        .stderr_has("proposal 1 is at revision 2 now");
    assert_ne!(env.refs(), refs_before_editing, "revision 2 was saved");
    // Only the maintainer's revision was added.
    env.git(["rev-parse", "--verify", "-q", "refs/proposals/1/2"])
        .ok();
    env.git(["rev-parse", "--verify", "-q", "refs/proposals/1/3"])
        .code(1);
    let latest = env
        .git(["show", "refs/proposals/1/2:sections/usability.md"])
        .ok()
        .stdout();
    assert!(latest.contains("Testing with eight users"), "{latest}");
}
