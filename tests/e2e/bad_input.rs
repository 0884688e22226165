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
}
