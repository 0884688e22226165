//! Bad input, table-driven: every case must fail with its documented exit code, say on
//! stderr what was wrong, print nothing on stdout, and leave every ref exactly as it was.

use crate::support::{replace_once, Env};

const PRIYA: &str = "Priya Shah <priya@example.org>";

/// One bad command and what it must produce.
struct Case {
    what: String,
    args: Vec<String>,
    author: Option<&'static str>,
    code: i32,
    stderr: Vec<String>,
}

fn case(what: &str, args: &[&str], code: i32, stderr: &[&str]) -> Case {
    Case {
        what: what.to_string(),
        args: args.iter().map(|a| a.to_string()).collect(),
        author: None,
        code,
        stderr: stderr.iter().map(|s| s.to_string()).collect(),
    }
}

impl Case {
    fn author(mut self, who: &'static str) -> Case {
        self.author = Some(who);
        self
    }
}

/// A library with a merged proposal (1), a withdrawn one (2), an open unapproved one (3)
/// and an edition `spring-2027`.
fn fixture() -> Env {
    let env = Env::new();
    env.init_empty();
    let usability = env.show("usability");
    let u = env.write(
        "u.md",
        replace_once(&usability, "five users", "eight users"),
    );
    env.quire(["propose", "usability", "--title", "Eight users"])
        .arg_path("--file", &u)
        .author(PRIYA)
        .ok();
    env.quire(["review", "1", "--approve"]).ok();
    env.quire(["merge", "1"]).ok();
    let transparency = env.show("transparency");
    let t = env.write(
        "t.md",
        replace_once(
            &transparency,
            "organisation open by default",
            "organisation open from the start",
        ),
    );
    env.quire(["propose", "transparency", "--title", "From the start"])
        .arg_path("--file", &t)
        .author(PRIYA)
        .ok();
    env.quire(["withdraw", "2", "--reason", "Not now"])
        .author(PRIYA)
        .ok();
    let ce = env.show("customer-experience");
    let c = env.write(
        "c.md",
        replace_once(&ce, "what your customers need", "what your residents need"),
    );
    env.quire(["propose", "customer-experience", "--title", "Residents"])
        .arg_path("--file", &c)
        .ok();
    env.quire(["publish", "spring-2027", "--title", "Spring 2027"])
        .ok();
    env
}

#[test]
fn bad_input_is_refused_with_its_exit_code_and_changes_no_ref() {
    let env = fixture();
    let path = |name: &str| {
        env.path("files")
            .join(name)
            .to_str()
            .expect("the temporary path is UTF-8")
            .to_string()
    };

    // Input files.
    let usability = env.show("usability");
    env.write(
        "valid.md",
        replace_once(&usability, "eight users", "nine users"),
    );
    env.write("bad-utf8.md", [0xff, 0xfe, b'#', b' ', b'x', b'\n']);
    env.write(
        "missing-fence.md",
        "title = \"No fences\"\n# Principle 8: Usability\n",
    );
    env.write(
        "unclosed.md",
        "+++\ntitle = \"Never closed\"\nsections = [\"usability\"]\n# Principle 8: Usability\n",
    );
    env.write(
        "bad-toml.md",
        "+++\ntitle = \nsections = [\"usability\"]\n+++\n# Principle 8: Usability\n\nText.\n",
    );
    env.write(
        "unknown-field.md",
        "+++\ntitle = \"Extra\"\nsections = [\"usability\"]\nwho = 1\n+++\n# Principle 8: Usability\n\nText.\n",
    );
    env.write(
        "empty-title.md",
        "+++\ntitle = \"\"\nsections = [\"usability\"]\n+++\n# Principle 8: Usability\n\nText.\n",
    );
    env.write(
        "unknown-section.md",
        "+++\ntitle = \"Nowhere\"\nsections = [\"no-such-section\"]\n+++\n# Nowhere\n\nText.\n",
    );
    env.write(
        "dotdot-section.md",
        "+++\ntitle = \"Escape\"\nsections = [\"../etc\"]\n+++\n# Escape\n\nText.\n",
    );
    let thousand: Vec<String> = (0..1000).map(|k| format!("\"s-{k}\"")).collect();
    env.write(
        "thousand-sections.md",
        format!(
            "+++\ntitle = \"Everything\"\nsections = [{}]\n+++\n{}",
            thousand.join(", "),
            (0..1000)
                .map(|k| format!("<!-- quire:section s-{k} -->\n# S {k}\n\nText.\n"))
                .collect::<String>()
        ),
    );
    env.write(
        "nul.md",
        "+++\ntitle = \"Nul\"\nsections = [\"usability\"]\n+++\n# Principle 8: Usability\n\nA\0B.\n",
    );
    env.write(
        "escape-title.md",
        "+++\ntitle = \"Clear \\u001b[2J\"\nsections = [\"usability\"]\n+++\n# Principle 8: Usability\n\nText.\n",
    );
    env.write(
        "ref-section.md",
        "+++\ntitle = \"Ref\"\nsections = [\"refs/heads/main\"]\n+++\n# Main\n\nText.\n",
    );
    env.write(
        "marker-injection.md",
        "+++\ntitle = \"Marker\"\nsections = [\"usability\"]\n+++\n<!-- quire:section ../usability -->\n# Principle 8: Usability\n\nText.\n",
    );
    env.write(
        "reflog-base.md",
        format!(
            "+++\ntitle = \"Reflog\"\nsections = [\"usability\"]\nbase = \"main@{{1}}\"\n+++\n{}",
            replace_once(&usability, "eight users", "nine users")
        ),
    );
    env.write(
        "huge.md",
        format!(
            "+++\ntitle = \"Huge\"\nsections = [\"usability\"]\n+++\n# Principle 8: Usability\n\n{}\n",
            "word ".repeat(120_000)
        ),
    );
    // Resource folders with a bad resource.toml (the sections are the bundled ones).
    let resource = |name: &str, manifest: &[u8]| {
        let dir = env.path("files").join(name);
        std::fs::create_dir_all(dir.join("sections")).expect("creating a resource folder");
        std::fs::write(dir.join("resource.toml"), manifest).expect("writing resource.toml");
        dir.to_str()
            .expect("the temporary path is UTF-8")
            .to_string()
    };
    let many: Vec<String> = (0..5000).map(|k| format!("\"s-{k}\"")).collect();
    let five_thousand = resource(
        "five-thousand",
        format!(
            "title = \"Huge\"\n[[parts]]\nid = \"all\"\ntitle = \"All\"\nsections = [{}]\n",
            many.join(", ")
        )
        .as_bytes(),
    );
    let dotdot_manifest = resource(
        "dotdot",
        b"title = \"T\"\n[[parts]]\nid = \"a\"\ntitle = \"A\"\nsections = [\"../../etc/passwd\"]\n",
    );
    let nul_manifest = resource(
        "nul",
        b"title = \"T\\u0000\"\n[[parts]]\nid = \"a\"\ntitle = \"A\"\nsections = [\"s\"]\n",
    );
    let utf8_manifest = resource("not-utf8", &[b't', b'=', 0xff, 0xfe]);
    let deep_manifest = resource(
        "deep",
        format!(
            "title = \"T\"\nparts = {}{}\n",
            "[".repeat(5000),
            "]".repeat(5000)
        )
        .as_bytes(),
    );
    let valid = path("valid.md");
    let bad_utf8 = path("bad-utf8.md");

    let mut cases = vec![
        // Unknown sections.
        case(
            "show an unknown section",
            &["show", "no-such-section"],
            3,
            &["unknown section 'no-such-section'"],
        ),
        case(
            "propose to an unknown section",
            &[
                "propose",
                "no-such-section",
                "--title",
                "T",
                "--file",
                &valid,
            ],
            3,
            &["unknown section 'no-such-section'"],
        ),
        case(
            "comment on an unknown section",
            &["comment", "--section", "no-such-section", "-m", "Hello"],
            3,
            &["unknown section 'no-such-section'"],
        ),
        case(
            "list comments of an unknown section",
            &["comments", "no-such-section"],
            3,
            &["unknown section 'no-such-section'"],
        ),
        case(
            "a proposal file for an unknown section",
            &["propose", "--from", &path("unknown-section.md")],
            3,
            &["unknown section 'no-such-section'"],
        ),
        // Malformed proposal files.
        case(
            "a proposal file without front matter",
            &["propose", "--from", &path("missing-fence.md")],
            2,
            &["missing-fence.md", "must start with a '+++' line"],
        ),
        case(
            "a proposal file whose front matter is never closed",
            &["propose", "--from", &path("unclosed.md")],
            2,
            &["unclosed.md", "not closed"],
        ),
        case(
            "a proposal file with bad TOML",
            &["propose", "--from", &path("bad-toml.md")],
            2,
            &["bad-toml.md", "front matter"],
        ),
        case(
            "a proposal file with an unknown field",
            &["propose", "--from", &path("unknown-field.md")],
            2,
            &["unknown-field.md", "unknown field", "who"],
        ),
        case(
            "a proposal file with an empty title",
            &["propose", "--from", &path("empty-title.md")],
            2,
            &["empty-title.md", "title"],
        ),
        case(
            "a proposal file with a path in its section id",
            &["propose", "--from", &path("dotdot-section.md")],
            2,
            &["dotdot-section.md", "section id '../etc'"],
        ),
        case(
            "a proposal file that does not exist",
            &["propose", "--from", &path("not-there.md")],
            2,
            &["not-there.md", "no such file"],
        ),
        // Titles and text.
        case(
            "an empty title",
            &["propose", "usability", "--title", "", "--file", &valid],
            2,
            &["invalid title", "empty"],
        ),
        case(
            "a blank title",
            &["propose", "usability", "--title", "   ", "--file", &valid],
            2,
            &["invalid title", "empty"],
        ),
        case(
            "a proposed text that is not UTF-8",
            &["propose", "usability", "--title", "T", "--file", &bad_utf8],
            2,
            &["bad-utf8.md", "not valid UTF-8"],
        ),
        case(
            "a comment file that is not UTF-8",
            &["comment", "3", "--file", &bad_utf8],
            2,
            &["bad-utf8.md", "not valid UTF-8"],
        ),
        case(
            "an empty comment",
            &["comment", "3", "-m", "  "],
            2,
            &["invalid comment", "empty"],
        ),
        case(
            "a proposal that changes nothing",
            &[
                "propose",
                "usability",
                "--title",
                "Same",
                "--file",
                &path("u.md"),
            ],
            4,
            &["no change", "usability"],
        ),
        // State.
        case(
            "merging a merged proposal",
            &["merge", "1"],
            4,
            &[
                "proposal #1 is merged",
                "only an open proposal can be merged",
            ],
        ),
        case(
            "merging a withdrawn proposal",
            &["merge", "2"],
            4,
            &[
                "proposal #2 is withdrawn",
                "only an open proposal can be merged",
            ],
        ),
        case(
            "merging an unapproved proposal",
            &["merge", "3"],
            4,
            &["proposal #3 cannot be merged yet", "no approval"],
        ),
        case(
            "reviewing a merged proposal",
            &["review", "1", "--approve"],
            4,
            &["proposal #1 is merged"],
        ),
        case(
            "publishing an edition name that is taken",
            &["publish", "spring-2027", "--title", "Again"],
            4,
            &["an edition named 'spring-2027' already exists"],
        ),
        case(
            "publishing under a name with a path in it",
            &["publish", "../spring", "--title", "Escape"],
            2,
            &["invalid edition name '../spring'"],
        ),
        case(
            "showing an unknown edition",
            &["show", "usability", "--at", "winter-1999"],
            3,
            &["unknown edition or revision 'winter-1999'"],
        ),
        // Unknown proposal numbers.
        case(
            "an unknown proposal",
            &["proposal", "99"],
            3,
            &["no proposal #99"],
        ),
        case(
            "diff of an unknown proposal",
            &["diff", "99"],
            3,
            &["no proposal #99"],
        ),
        case(
            "merge an unknown proposal",
            &["merge", "99"],
            3,
            &["no proposal #99"],
        ),
        case(
            "review an unknown proposal",
            &["review", "99", "--approve"],
            3,
            &["no proposal #99"],
        ),
        case(
            "comment on an unknown proposal",
            &["comment", "99", "-m", "Hello"],
            3,
            &["no proposal #99"],
        ),
        case(
            "update an unknown proposal",
            &["update", "99"],
            3,
            &["no proposal #99"],
        ),
        case(
            "withdraw an unknown proposal",
            &["withdraw", "99"],
            3,
            &["no proposal #99"],
        ),
        case(
            "a proposal number that is not a number",
            &["proposal", "abc"],
            2,
            &["invalid value 'abc'"],
        ),
        // Bad identities.
        case(
            "an author without an email",
            &["comment", "3", "-m", "Hello"],
            2,
            &["invalid identity 'nobody'", "Name <email>"],
        )
        .author("nobody"),
        case(
            "an author whose email has no @",
            &["comment", "3", "-m", "Hello"],
            2,
            &["invalid identity", "someone@example.org"],
        )
        .author("Priya <priya.example.org>"),
        case(
            "an author without a name",
            &["propose", "usability", "--title", "T", "--file", &valid],
            2,
            &["invalid identity", "the name is empty"],
        )
        .author("<priya@example.org>"),
        case(
            "an author with a newline",
            &["merge", "3"],
            2,
            &["invalid identity"],
        )
        .author("Priya\nShah <priya@example.org>"),
    ];

    cases.extend([
        // Hostile proposal files.
        case(
            "a proposal file naming 1,000 sections",
            &["propose", "--from", &path("thousand-sections.md")],
            3,
            &["unknown section 's-0'"],
        ),
        case(
            "a proposal file with a NUL byte",
            &["propose", "--from", &path("nul.md")],
            2,
            &["nul.md", "control character"],
        ),
        case(
            "a proposal file whose title holds a terminal escape",
            &["propose", "--from", &path("escape-title.md")],
            2,
            &["escape-title.md", "title"],
        ),
        case(
            "a proposal file naming a ref as its section",
            &["propose", "--from", &path("ref-section.md")],
            2,
            &["ref-section.md", "invalid section id 'refs/heads/main'"],
        ),
        case(
            "a proposal file with a marker naming another path",
            &["propose", "--from", &path("marker-injection.md")],
            2,
            &["marker-injection.md", "must match"],
        ),
        case(
            "a proposal file based on a reflog entry",
            &["propose", "--from", &path("reflog-base.md")],
            3,
            &["unknown edition or revision 'main@{1}'"],
        ),
        case(
            "a proposal file over the section size limit",
            &["propose", "--from", &path("huge.md")],
            2,
            &["huge.md", "KiB"],
        ),
        // A bad resource.toml for init (checked before the existing library is).
        case(
            "init with a manifest listing 5,000 sections",
            &["init", "--resource", &five_thousand],
            2,
            &["resource.toml", "at most 1000"],
        ),
        case(
            "init with a manifest naming a path as a section",
            &["init", "--resource", &dotdot_manifest],
            2,
            &["resource.toml", "../../etc/passwd"],
        ),
        case(
            "init with a manifest whose title holds a NUL",
            &["init", "--resource", &nul_manifest],
            2,
            &["resource.toml", "title"],
        ),
        case(
            "init with a manifest that is not UTF-8",
            &["init", "--resource", &utf8_manifest],
            2,
            &["resource.toml", "not valid UTF-8"],
        ),
        case(
            "init with a manifest nested 5,000 deep",
            &["init", "--resource", &deep_manifest],
            2,
            &["resource.toml"],
        ),
        case(
            "init with a folder without resource.toml",
            &["init", "--resource", &path("")],
            2,
            &["no resource.toml"],
        ),
        // Control characters and sizes in arguments.
        case(
            "a title with a terminal escape",
            &[
                "propose",
                "usability",
                "--title",
                "a\u{1b}[2Jb",
                "--file",
                &valid,
            ],
            2,
            &["invalid title"],
        ),
        case(
            "a title of 100,000 characters",
            &[
                "propose",
                "usability",
                "--title",
                &"t".repeat(100_000),
                "--file",
                &valid,
            ],
            2,
            &["invalid title", "longer than 200"],
        ),
        case(
            "a comment with a bell",
            &["comment", "3", "-m", "ding\u{7}"],
            2,
            &["invalid comment", "control character"],
        ),
        case(
            "a withdrawal reason with an escape",
            &["withdraw", "3", "--reason", "gone\u{1b}[0m"],
            2,
            &["control character"],
        ),
        case(
            "edition notes with a backspace",
            &[
                "publish",
                "autumn-2027",
                "--title",
                "Autumn",
                "--notes",
                "n\u{8}",
            ],
            2,
            &["invalid notes"],
        ),
        case(
            "an edition title with a line break",
            &["publish", "autumn-2027", "--title", "Au\ntumn"],
            2,
            &["invalid edition title", "one line"],
        ),
        case(
            "a revision note with an escape",
            &[
                "revise",
                "3",
                "--section",
                "customer-experience",
                "--file",
                &valid,
                "--note",
                "\u{1b}[31m",
            ],
            2,
            &["control character"],
        ),
        case(
            "a revision edited from a revision that is not the latest",
            &[
                "revise",
                "3",
                "--section",
                "customer-experience",
                "--file",
                &valid,
                "--from-revision",
                "7",
            ],
            // A refusal, not "busy": the same command will not succeed if tried again.
            4,
            &["proposal 3 is at revision 1 now", "started from revision 7"],
        ),
        // Numbers that are not proposal or revision numbers.
        case(
            "a proposal number past u64",
            &["proposal", "99999999999999999999999"],
            2,
            &["invalid value '99999999999999999999999'"],
        ),
        case(
            "proposal number zero",
            &["merge", "0"],
            3,
            &["no proposal #0"],
        ),
        case(
            "a negative proposal number",
            &["merge", "--", "-1"],
            2,
            &["invalid value '-1'"],
        ),
        case(
            "a revision number that is not a number",
            &["diff", "3", "--rev", "1~1"],
            2,
            &["invalid value '1~1'"],
        ),
        case(
            "a revision that does not exist",
            &["diff", "3", "--rev", "99"],
            3,
            &["proposal #3 has no revision 99"],
        ),
    ]);

    // Ids that try to escape the sections folder or smuggle ref syntax into a ref name.
    for id in [
        "..",
        "a/b",
        "../etc",
        "refs/heads/main",
        "@{",
        "main@{1}",
        "~",
        "main~1",
        ":",
        "a:b",
    ] {
        let named = format!("invalid section id '{id}'");
        cases.push(case(
            &format!("show section {id:?}"),
            &["show", id],
            2,
            &[&named],
        ));
        cases.push(case(
            &format!("propose to section {id:?}"),
            &["propose", id, "--title", "T", "--file", &valid],
            2,
            &[&named],
        ));
        cases.push(case(
            &format!("comment on section {id:?}"),
            &["comment", "--section", id, "-m", "Hello"],
            2,
            &[&named],
        ));
        cases.push(case(
            &format!("revise section {id:?}"),
            &["revise", "3", "--section", id, "--file", &valid],
            2,
            &[&named],
        ));
        cases.push(case(
            &format!("publish an edition named {id:?}"),
            &["publish", id, "--title", "T"],
            2,
            &[&format!("invalid edition name '{id}'")],
        ));
        cases.push(case(
            &format!("merge proposal {id:?}"),
            &["merge", id],
            2,
            &[&format!("invalid value '{id}'")],
        ));
    }
    // Revision specs that are git syntax, not an edition, `main` or a commit id.
    for spec in [
        "main@{1}",
        "@{-1}",
        "main~1",
        "main^",
        "main:resource.toml",
        "refs/heads/main",
        "HEAD",
        "../main",
    ] {
        let named = format!("unknown edition or revision '{spec}'");
        cases.push(case(
            &format!("show at {spec:?}"),
            &["show", "usability", "--at", spec],
            3,
            &[&named],
        ));
        cases.push(case(
            &format!("compare {spec:?} with main"),
            &["compare", spec, "main"],
            3,
            &[&named],
        ));
    }

    let refs = env.refs();
    assert!(refs.contains("refs/tags/edition/spring-2027"), "{refs}");
    let mut failures = Vec::new();
    for c in &cases {
        let mut run = env.quire(&c.args);
        if let Some(who) = c.author {
            run = run.author(who);
        }
        let out = run.run();
        let mut wrong = Vec::new();
        if out.code != Some(c.code) {
            wrong.push(format!("exit code {:?}, want {}", out.code, c.code));
        }
        for needle in &c.stderr {
            if !out.stderr.contains(needle.as_str()) {
                wrong.push(format!("stderr lacks {needle:?}"));
            }
        }
        if !out.stdout.trim().is_empty() {
            wrong.push("stdout is not empty".to_string());
        }
        if env.refs() != refs {
            wrong.push(format!(
                "refs changed:\nbefore:\n{refs}after:\n{}",
                env.refs()
            ));
        }
        if !wrong.is_empty() {
            failures.push(format!("{}: {}\n{out}", c.what, wrong.join("; ")));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} bad-input cases misbehaved:\n\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n\n")
    );
    env.assert_fsck_clean();

    // `init` into a new path with a bad resource.toml creates nothing there.
    for dir in [
        &five_thousand,
        &dotdot_manifest,
        &nul_manifest,
        &deep_manifest,
    ] {
        let target = env.path("new.git");
        let out = env
            .quire(["init", "--resource", dir.as_str()])
            .no_repo()
            .env("QUIRE_REPO", &target)
            .run();
        assert_eq!(out.code, Some(2), "{out}");
        assert!(out.stderr.contains("resource.toml"), "{out}");
        assert!(!target.exists(), "init left {target:?} behind\n{out}");
    }

    // Arguments that are not UTF-8.
    use std::ffi::OsStr;
    use std::os::unix::ffi::OsStrExt as _;
    let not_utf8 = OsStr::from_bytes(&[b'T', 0xff, 0xfe]);
    for args in [
        vec![
            OsStr::new("propose"),
            OsStr::new("usability"),
            OsStr::new("--title"),
            not_utf8,
            OsStr::new("--file"),
            OsStr::new(&valid),
        ],
        vec![
            OsStr::new("comment"),
            OsStr::new("3"),
            OsStr::new("-m"),
            not_utf8,
        ],
        vec![OsStr::new("show"), not_utf8],
        vec![
            OsStr::new("publish"),
            not_utf8,
            OsStr::new("--title"),
            OsStr::new("T"),
        ],
    ] {
        let out = env.quire(&args).run();
        assert_eq!(out.code, Some(2), "{out}");
        assert!(out.stderr.contains("invalid UTF-8"), "{out}");
        assert!(out.stdout.is_empty(), "{out}");
        assert_eq!(env.refs(), refs);
    }
}

/// The trust issue: a CLI proposal file (or `--author`) could claim a web account's
/// no-reply identity, and the server then took its owner for the author.
#[test]
fn cli_refuses_a_web_account_identity() {
    let env = fixture();
    let usability = env.show("usability");
    let text = replace_once(&usability, "eight users", "nine users");
    let file = env.write(
        "claim.md",
        format!(
            "+++\ntitle = \"Mine\"\nauthor = \"Connie <user-2@noreply.quire.invalid>\"\nsections = [\"usability\"]\n+++\n{text}"
        ),
    );
    let section = env.write("nine.md", &text);
    let before = env.refs();
    let out = env
        .quire(["propose"])
        .arg_path("--from", &file)
        .author(PRIYA)
        .code(2);
    assert!(out.stderr.contains("noreply.quire.invalid"), "{out}");
    let out = env
        .quire(["propose", "usability", "--title", "Mine"])
        .arg_path("--file", &section)
        .author("Connie <USER-2@NoReply.Quire.Invalid>")
        .code(2);
    assert!(out.stderr.contains("use your own email"), "{out}");
    env.quire(["comment", "3", "-m", "Hello"])
        .author("Connie <user-2@noreply.quire.invalid>")
        .code(2);
    assert_eq!(env.refs(), before, "a refused identity changed a ref");
}
