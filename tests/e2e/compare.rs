//! `quire compare` reports structural changes as such: a section whose title changed is
//! "renamed", a section dragged elsewhere in the manifest is "moved" (and the sections it
//! merely shifted are not). The changes are made with the real `git` as an editor would:
//! clone, edit `resource.toml` and a section file, commit, push to `main`.

use std::path::Path;

use crate::support::Env;

/// Clones the library (once), lets `change` edit the work tree, commits and pushes to `main`.
fn commit_on_main(env: &Env, message: &str, change: impl FnOnce(&Path)) {
    quire_testkit::commit_on_main_with_a_clone(
        env.repo(),
        &env.path("work"),
        ("Ada Editor", "ada@example.org"),
        message,
        change,
    );
}

fn edit_file(work: &Path, path: &str, from: &str, to: &str) {
    let file = work.join(path);
    let text = std::fs::read_to_string(&file).expect("read a work tree file");
    assert_eq!(text.matches(from).count(), 1, "{from:?} should occur once");
    std::fs::write(&file, text.replacen(from, to, 1)).expect("write a work tree file");
}

#[test]
fn compare_reports_a_renamed_section_as_renamed() {
    let env = Env::new();
    env.init_empty();
    env.quire(["publish", "first", "--title", "First edition"])
        .ok();
    commit_on_main(&env, "Retitle usability", |w| {
        edit_file(
            w,
            "sections/usability.md",
            "# Principle 8: Usability\n",
            "# Principle 8: Easy to use\n",
        );
    });

    let out = env.quire(["compare", "first", "main"]).ok().stdout();
    assert!(
        out.contains(
            "Sections renamed:\n  usability: \u{201c}Principle 8: Usability\u{201d} → \u{201c}Principle 8: Easy to use\u{201d}\n"
        ),
        "{out}"
    );
    assert!(!out.contains("moved"), "nothing moved:\n{out}");
    assert!(
        !out.contains("Sections added") && !out.contains("Sections removed"),
        "{out}"
    );
    assert!(
        out.contains("Text changed in 1 section (+3 −1 words)."),
        "{out}"
    );
    // The summary comes first, then the word diff.
    let summary = out.find("Sections renamed").expect("summary");
    let diff = out
        .find("# Principle 8: [-Usability-]{+Easy to use+}")
        .expect("word diff");
    assert!(summary < diff, "{out}");
}

#[test]
fn compare_reports_a_reordered_section_as_moved_and_a_shifted_one_not() {
    let env = Env::new();
    env.init_empty();
    env.quire(["publish", "first", "--title", "First edition"])
        .ok();
    // Engagement goes to the front of the key principles; customer experience and
    // service redesign shift down by one but keep their order, so they did not move.
    commit_on_main(&env, "Lead with engagement", |w| {
        edit_file(w, "resource.toml", "  \"engagement\",\n", "");
        edit_file(
            w,
            "resource.toml",
            "  \"customer-experience\",\n",
            "  \"engagement\",\n  \"customer-experience\",\n",
        );
    });

    let out = env.quire(["compare", "first", "main"]).ok().stdout();
    assert!(out.contains("Sections moved:\n  engagement "), "{out}");
    assert!(
        out.contains(": key-principles, position 15 → key-principles, position 13\n"),
        "{out}"
    );
    let moved_lines = out
        .lines()
        .skip_while(|l| !l.starts_with("Sections moved:"))
        .skip(1)
        .take_while(|l| l.starts_with("  "))
        .count();
    assert_eq!(moved_lines, 1, "only engagement moved:\n{out}");
    assert!(!out.contains("renamed"), "{out}");
    assert!(out.contains("Text changed in no section."), "{out}");

    // The same as JSON: {structure, sections}.
    let json = env
        .quire(["compare", "first", "main", "--json"])
        .ok()
        .stdout();
    let v: serde_json::Value = serde_json::from_str(&json).expect("JSON");
    let moved = v["structure"]["sections_moved"]
        .as_array()
        .expect("sections_moved");
    assert_eq!(moved.len(), 1, "{json}");
    assert_eq!(moved[0]["id"], "engagement");
    assert_eq!(moved[0]["old_position"], 15);
    assert_eq!(moved[0]["new_position"], 13);
    assert_eq!(v["sections"].as_array().map(Vec::len), Some(0), "{json}");

    // A further change on top: a section added and one removed, against the edition.
    commit_on_main(&env, "Add inclusion, drop sharing", |w| {
        std::fs::write(
            w.join("sections/digital-inclusion.md"),
            "# Digital inclusion\n\nEveryone.\n",
        )
        .expect("write");
        std::fs::remove_file(w.join("sections/sharing.md")).expect("remove");
        edit_file(
            w,
            "resource.toml",
            "  \"sharing\",\n",
            "  \"digital-inclusion\",\n",
        );
    });
    let out = env.quire(["compare", "first", "main"]).ok().stdout();
    assert!(
        out.contains("Sections added:\n  digital-inclusion "),
        "{out}"
    );
    assert!(out.contains("Sections removed:\n  sharing "), "{out}");
    assert!(out.contains("Sections moved:\n  engagement "), "{out}");
}
