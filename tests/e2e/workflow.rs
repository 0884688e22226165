//! The whole life of a library, end to end: proposals, diff, discussion, review, a
//! conflict resolved by `update`, two editions, and the result read back with `git`.

use serde_json::Value;

use crate::support::{replace_once, Env, MAINTAINER};

const PRIYA: &str = "Priya Shah <priya@example.org>";
const TOM: &str = "Tom Hargreaves <tom@example.org>";
const DANA: &str = "Dana Okafor <dana@example.org>";
const ELI: &str = "Eli Brooks <eli@example.org>";

/// The opening line of `usability` that proposals 3 and 4 both rewrite.
const USABILITY_LINE: &str = "Develop and apply standards that make every digital service \
                              you offer easy, intuitive and consistent to use.";
const DANA_LINE: &str = "Develop and apply written standards that make every digital service \
                         you offer easy, intuitive, accessible and consistent to use.";
const ELI_LINE: &str = "Agree and apply standards that make every digital service you offer \
                        easy, quick and consistent to use.";
const RESOLVED_LINE: &str = "Agree and apply written standards that make every digital \
                             service you offer easy, quick, accessible and consistent to use.";

/// Opens a proposal on one section with `--title --rationale --file` and returns its number.
fn propose(env: &Env, who: &str, section: &str, title: &str, text: &str) -> u64 {
    let name = title.replace(|c: char| !c.is_ascii_alphanumeric(), "-");
    let file = env.write(&format!("{section}-{name}.md"), text);
    let out = env
        .quire(["propose", section, "--title", title, "--json"])
        .args(["--rationale", &format!("Why: {title}.")])
        .arg_path("--file", &file)
        .author(who)
        .ok();
    let p = out.json();
    assert_eq!(p["title"], title, "{out}");
    assert_eq!(p["status"], "open", "{out}");
    assert_eq!(p["sections"], serde_json::json!([section]), "{out}");
    p["number"]
        .as_u64()
        .expect("the proposal JSON has a number")
}

/// `git log --format=%s REF`, one subject per entry, newest first.
fn subjects(env: &Env, refname: &str) -> Vec<String> {
    env.git(["log", "--format=%s", refname])
        .ok()
        .stdout()
        .lines()
        .map(str::to_string)
        .collect()
}

/// The proposal numbers in a changelog or edition's `changes` JSON array.
fn numbers(changes: &Value) -> Vec<u64> {
    changes
        .as_array()
        .expect("a JSON array of changes")
        .iter()
        .map(|c| c["proposal"].as_u64().expect("a proposal number"))
        .collect()
}

#[test]
fn proposals_are_reviewed_merged_and_published_as_two_editions() {
    let env = Env::new();
    env.init_empty();

    // Two proposals on different sections, by different people.
    let ce_old = env.show("customer-experience");
    let ce_new = replace_once(
        &ce_old,
        "what your customers need",
        "what your residents need",
    );
    let n1 = propose(&env, PRIYA, "customer-experience", "Say residents", &ce_new);
    let tr_old = env.show("transparency");
    let tr_new = replace_once(
        &tr_old,
        "unless there is a good reason",
        "unless there is a stated reason",
    );
    let n2 = propose(&env, TOM, "transparency", "State the reason", &tr_new);

    // Two proposals that rewrite the same line of usability differently.
    let us_old = env.show("usability");
    let n3 = propose(
        &env,
        DANA,
        "usability",
        "Written, accessible standards",
        &replace_once(&us_old, USABILITY_LINE, DANA_LINE),
    );
    let n4 = propose(
        &env,
        ELI,
        "usability",
        "Agree standards, keep them quick",
        &replace_once(&us_old, USABILITY_LINE, ELI_LINE),
    );
    assert_eq!((n1, n2, n3, n4), (1, 2, 3, 4));

    // The diff in all three formats.
    env.quire(["diff", "1"])
        .ok()
        .stdout_has("customer-experience")
        .stdout_has("[-customers-]")
        .stdout_has("{+residents+}");
    let diff = env.quire(["diff", "1", "--format", "json"]).ok().json();
    let diffs = diff.as_array().expect("diff JSON is an array of sections");
    assert_eq!(diffs.len(), 1, "{diff:#}");
    assert_eq!(diffs[0]["section"], "customer-experience");
    let blocks = diffs[0]["diff"]["blocks"]
        .as_array()
        .expect("a section diff has blocks");
    assert!(
        blocks.iter().any(|b| b["op"] != "unchanged"),
        "no changed block in {diff:#}"
    );
    let html = env.quire(["diff", "1", "--format", "html"]).ok().stdout();
    assert!(html.contains("<ins>") || html.contains("<del>"), "{html}");

    // Discussion: on a proposal and on a section.
    let c = env
        .quire([
            "comment",
            "3",
            "-m",
            "Which accessibility standard?",
            "--json",
        ])
        .author(TOM)
        .ok()
        .json();
    assert_eq!(c["id"], 1);
    env.quire(["comment", "--section", "usability"])
        .args(["-m", "Mention mobile testing too."])
        .author(PRIYA)
        .ok()
        .stdout_has("Added comment 1 on section usability");
    env.quire(["comments", "usability"])
        .ok()
        .stdout_has("Priya Shah")
        .stdout_has("Mention mobile testing too.");
    // A comment can come from stdin too.
    env.quire(["comment", "2", "--file", "-"])
        .stdin("Which reasons count?\n")
        .author(DANA)
        .ok()
        .stdout_has("Added comment 1 on proposal #2");
    let p3 = env.quire(["proposal", "3", "--json"]).ok().json();
    assert_eq!(
        p3["proposal"]["comments"][0]["body"],
        "Which accessibility standard?"
    );
    assert_eq!(
        p3["proposal"]["comments"][0]["author"]["name"],
        "Tom Hargreaves"
    );

    // Review, then merge: the first of the clashing pair goes in cleanly.
    for n in ["3", "4"] {
        env.quire(["review", n, "--approve"])
            .ok()
            .stdout_has("Recorded 'approved'");
    }
    env.quire(["merge", "3"])
        .ok()
        .stdout_has("Merged proposal #3");
    assert!(env.show("usability").contains(DANA_LINE));

    // The second is refused, naming the section and showing both texts; nothing moves.
    let before = env.refs();
    let refused = env
        .quire(["merge", "4"])
        .code(4)
        .stderr_has("conflicts with main in section 'usability'")
        .stderr_has("quire update 4 --section usability")
        .stderr();
    // Both sides of the clash are shown, in that order.
    let main_at = refused.find(DANA_LINE).expect("main's text is shown");
    let proposal_at = refused
        .find(ELI_LINE)
        .expect("the proposal's text is shown");
    assert!(main_at < proposal_at, "{refused}");
    assert_eq!(env.refs(), before, "a refused merge changed refs");

    // An update without the resolved text is refused too.
    env.quire(["update", "4"])
        .author(ELI)
        .code(4)
        .stderr_has("usability");
    assert_eq!(env.refs(), before, "a refused update changed refs");

    // Resolve by hand: main's text with the line both wanted.
    let resolved = replace_once(&env.show("usability"), DANA_LINE, RESOLVED_LINE);
    let resolved_file = env.write("resolved.md", &resolved);
    env.quire(["update", "4", "--section", "usability"])
        .arg_path("--file", &resolved_file)
        .author(ELI)
        .ok()
        .stdout_has("revision 2");
    let p4 = env.quire(["proposal", "4", "--json"]).ok().json();
    let revisions = p4["proposal"]["revisions"]
        .as_array()
        .expect("revisions array");
    assert_eq!(revisions.len(), 2, "{p4:#}");
    assert_eq!(revisions[1]["kind"], "updated");
    assert_eq!(p4["mergeability"]["state"], "clean", "{p4:#}");
    // A hand-resolved update needs a fresh review.
    env.quire(["merge", "4"])
        .code(4)
        .stderr_has("revision 2 has no approval");
    env.quire(["review", "4", "--approve"]).ok();
    env.quire(["merge", "4"])
        .ok()
        .stdout_has("Merged proposal #4");
    let usability_at_spring = env.show("usability");
    assert!(usability_at_spring.contains(RESOLVED_LINE));

    // The first edition.
    env.quire(["publish", "spring-2027", "--title", "Spring 2027"])
        .args(["--notes", "For the spring conference."])
        .ok()
        .stdout_has("tag edition/spring-2027");
    let editions = env.quire(["editions", "--json"]).ok().json();
    assert_eq!(editions[0]["slug"], "spring-2027", "{editions:#}");
    let changes = &editions[0]["changes"];
    assert_eq!(numbers(changes), [3, 4], "{editions:#}");
    assert_eq!(changes[0]["author"]["name"], "Dana Okafor");
    assert_eq!(changes[1]["author"]["name"], "Eli Brooks");
    assert_eq!(changes[1]["merged_by"]["name"], "Morgan Lee");

    // Its changelog from the very beginning (main's root commit) lists both, with authors.
    let root = env
        .git(["rev-list", "--max-parents=0", "main"])
        .ok()
        .stdout()
        .trim()
        .to_string();
    env.quire(["changelog", &root, "spring-2027"])
        .ok()
        .stdout_has("#3 Written, accessible standards — Dana Okafor <dana@example.org>")
        .stdout_has("#4 Agree standards, keep them quick — Eli Brooks <eli@example.org>");
    let log = env
        .quire(["changelog", &root, "spring-2027", "--json"])
        .ok()
        .json();
    assert_eq!(numbers(&log), [3, 4]);
    env.quire(["changelog", "--of", "spring-2027"])
        .ok()
        .stdout_has("#3 Written, accessible standards — Dana Okafor <dana@example.org>")
        .stdout_has("#4 Agree standards, keep them quick — Eli Brooks <eli@example.org>");
    env.quire(["changelog"])
        .ok()
        .stdout_has("No proposals merged in that range");

    // Another merge, then a second edition.
    env.quire(["review", "1", "--approve"]).ok();
    env.quire(["merge", "1"]).ok();
    let pending = env.quire(["changelog", "--json"]).ok().json();
    assert_eq!(numbers(&pending), [1]);
    env.quire(["publish", "autumn-2027", "--title", "Autumn 2027"])
        .ok();
    let editions = env.quire(["editions", "--json"]).ok().json();
    let slugs: Vec<&str> = editions
        .as_array()
        .expect("editions array")
        .iter()
        .map(|e| e["slug"].as_str().expect("a slug"))
        .collect();
    assert_eq!(slugs, ["spring-2027", "autumn-2027"]);
    assert_eq!(editions[1]["previous"], "spring-2027");
    assert_eq!(numbers(&editions[1]["changes"]), [1]);
    assert_eq!(editions[1]["changes"][0]["author"]["name"], "Priya Shah");
    env.quire(["changelog", "spring-2027", "autumn-2027"])
        .ok()
        .stdout_has("#1 Say residents — Priya Shah <priya@example.org>");

    // Editions keep their text.
    let at_spring = env
        .quire(["show", "customer-experience", "--at", "spring-2027"])
        .ok()
        .stdout();
    assert_eq!(at_spring, ce_old);
    assert_eq!(env.show("customer-experience"), ce_new);
    let usability_then = env
        .quire(["show", "usability", "--at", "spring-2027"])
        .ok()
        .stdout();
    assert_eq!(usability_then, usability_at_spring);
    // Proposal 2 was never merged: transparency is untouched and the proposal still open.
    assert_eq!(env.show("transparency"), tr_old);
    let open = env
        .quire(["proposals", "--status", "open", "--json"])
        .ok()
        .json();
    assert_eq!(numbers_of(&open), [2]);

    // Now ask git itself.
    env.assert_fsck_clean();
    let tags = env.git(["tag", "-l", "edition/*"]).ok().stdout();
    let tags: Vec<&str> = tags.lines().collect();
    assert_eq!(tags, ["edition/autumn-2027", "edition/spring-2027"]);
    env.git(["cat-file", "-t", "edition/spring-2027"])
        .ok()
        .stdout_has("tag");

    let authors = env.git(["log", "--format=%an", "main"]).ok().stdout();
    for name in ["Priya Shah", "Dana Okafor", "Eli Brooks", "Morgan Lee"] {
        assert!(
            authors.lines().any(|l| l == name),
            "{name} missing:\n{authors}"
        );
    }
    assert!(!authors.contains("Tom Hargreaves"), "{authors}");
    // One merge commit per merged proposal on the first-parent line, authored by the
    // proposer and committed by the maintainer, with a Proposal trailer.
    let merges = env
        .git([
            "log",
            "--first-parent",
            "--merges",
            "--format=%(trailers:key=Proposal,valueonly,separator=)|%an|%cn",
            "main",
        ])
        .ok()
        .stdout();
    let merges: Vec<&str> = merges.lines().filter(|l| !l.is_empty()).collect();
    assert_eq!(
        merges,
        [
            "1|Priya Shah|Morgan Lee",
            "4|Eli Brooks|Morgan Lee",
            "3|Dana Okafor|Morgan Lee"
        ]
    );

    assert_eq!(
        subjects(&env, "refs/proposals/3/meta"),
        [
            "Merge proposal 3 into main",
            "Approve proposal 3, revision 1",
            "Comment on proposal 3",
            "Open proposal 3: Written, accessible standards",
        ]
    );
    assert_eq!(
        subjects(&env, "refs/proposals/4/meta"),
        [
            "Merge proposal 4 into main",
            "Approve proposal 4, revision 2",
            "Update proposal 4 to revision 2",
            "Approve proposal 4, revision 1",
            "Open proposal 4: Agree standards, keep them quick",
        ]
    );
    assert_eq!(
        subjects(&env, "refs/comments/usability"),
        ["Comment on section usability"]
    );
    let revision_refs = env
        .git(["for-each-ref", "--format=%(refname)", "refs/proposals/4/"])
        .ok()
        .stdout();
    let mut revision_refs: Vec<&str> = revision_refs.lines().collect();
    revision_refs.sort_unstable();
    assert_eq!(
        revision_refs,
        [
            "refs/proposals/4/1",
            "refs/proposals/4/2",
            "refs/proposals/4/meta"
        ]
    );
    // The event commits are by whoever acted.
    let actors = env
        .git(["log", "--format=%an", "refs/proposals/4/meta"])
        .ok()
        .stdout();
    let maintainer_name = MAINTAINER.split(" <").next().expect("a name");
    assert_eq!(
        actors.lines().collect::<Vec<_>>(),
        [
            maintainer_name,
            maintainer_name,
            "Eli Brooks",
            maintainer_name,
            "Eli Brooks"
        ]
    );
}

/// The proposal numbers in a `proposals --json` list.
fn numbers_of(list: &Value) -> Vec<u64> {
    list.as_array()
        .expect("a JSON array of proposals")
        .iter()
        .map(|p| p["number"].as_u64().expect("a number"))
        .collect()
}
