//! Bad input: each is refused with an error naming the problem, and nothing is written.

use quire_core::{
    EditionSlug, Error, Library, Manifest, NewProposal, ProposalFile, SectionId, Verdict,
};

use crate::support::{contributor, editor, maintainer, resource_files, reviewer, Fixture};

/// Ids that try to climb out of a folder or smuggle git revision syntax into a ref name.
fn ref_tricks() -> Vec<&'static str> {
    vec![
        "..",
        "../usability",
        "a/b",
        "refs/heads/main",
        "@{",
        "main@{1}",
        "~",
        "usability~1",
        ":",
        "a:b",
        "usability.lock",
        "usa\u{0}bility",
    ]
}

fn proposal_for(id: &str, text: String, base: Option<&str>) -> NewProposal {
    NewProposal {
        title: "A change".into(),
        rationale: String::new(),
        author: contributor(),
        changes: vec![(SectionId::new(id).expect("valid id"), text)],
        base: base.map(str::to_string),
    }
}

/// A real change to `usability`.
fn usability_change(fx: &Fixture) -> String {
    format!("{}\nOne more line.\n", fx.main_text("usability"))
}

#[test]
fn unknown_sections_are_refused() {
    let fx = Fixture::new();
    let before = fx.refs();
    let err = fx
        .lib
        .propose(&proposal_for(
            "no-such-section",
            "# New\n\nText.\n".into(),
            None,
        ))
        .expect_err("unknown section");
    assert!(
        matches!(&err, Error::UnknownSection(s) if s == "no-such-section"),
        "{err:?}"
    );
    assert!(err.to_string().contains("no-such-section"));
    let err = fx
        .lib
        .section("no-such-section", "main")
        .expect_err("unknown");
    assert!(matches!(err, Error::UnknownSection(_)), "{err:?}");
    assert!(err.is_not_found());
    let err = fx
        .lib
        .comment_section("no-such-section", &reviewer(), "Hello")
        .expect_err("unknown");
    assert!(matches!(err, Error::UnknownSection(_)), "{err:?}");
    assert_eq!(fx.refs(), before);

    // Revising a proposal to add an unknown section is refused too.
    let p = fx
        .lib
        .propose(&proposal_for("usability", usability_change(&fx), None))
        .expect("propose");
    let before = fx.refs();
    let err = fx
        .lib
        .revise(
            p.number,
            &contributor(),
            &[(SectionId::new("nowhere").expect("id"), "# Nowhere\n".into())],
            "",
        )
        .expect_err("unknown section");
    assert!(matches!(err, Error::UnknownSection(_)), "{err:?}");
    assert_eq!(fx.refs(), before);
}

#[test]
fn ref_and_path_tricks_are_not_section_ids() {
    let fx = Fixture::new();
    let before = fx.refs();
    for bad in [
        "",
        "..",
        "../usability",
        "a/b",
        "sections/usability",
        "refs/heads/main",
        "usability@{1}",
        "@{",
        "@",
        "usability~1",
        "~",
        "usability:x",
        ":",
        "usability.md",
        "usability.lock",
        "Usability",
        "usa bility",
        "usability\n",
        "usa\0bility",
        "-usability",
    ] {
        let err = SectionId::new(bad).expect_err(bad);
        assert!(matches!(err, Error::Invalid { .. }), "{bad:?}: {err:?}");
        assert!(err.to_string().starts_with("invalid section id"), "{err}");
        let err = fx
            .lib
            .comment_section(bad, &reviewer(), "A fair comment.")
            .expect_err(bad);
        assert!(matches!(err, Error::Invalid { .. }), "{bad:?}: {err:?}");
        assert!(fx.lib.section(bad, "main").is_err(), "{bad:?}");
        assert!(fx.lib.section_comments(bad).is_err(), "{bad:?}");
        assert!(fx.lib.section_history(bad).is_err(), "{bad:?}");
    }
    assert_eq!(fx.refs(), before);
    assert!(!fx.path.join("refs/comments").exists());
    // Control characters are shown escaped, never raw, in the message.
    let msg = SectionId::new("a\u{1b}[31mb")
        .expect_err("escape")
        .to_string();
    assert!(!msg.contains('\u{1b}'), "{msg:?}");
}

#[test]
fn titles_comments_and_reasons_are_checked() {
    let fx = Fixture::new();
    let p = fx
        .lib
        .propose(&proposal_for("usability", usability_change(&fx), None))
        .expect("propose");
    let n = p.number;
    let before = fx.refs();

    for title in ["", "   ", "Two\nlines", "Bell\u{7}", &"x".repeat(201)] {
        let mut req = proposal_for("usability", usability_change(&fx), None);
        req.title = title.to_string();
        let err = fx.lib.propose(&req).expect_err("bad title");
        assert!(
            matches!(&err, Error::Invalid { what, .. } if what == "title"),
            "{title:?}: {err:?}"
        );
    }
    for body in [
        "",
        "   ",
        " \n\t\r\n ",
        "NUL\0here",
        "escape \u{1b}[2J",
        "bell\u{7}",
        "cr\ronly",
    ] {
        let err = fx
            .lib
            .comment_proposal(n, &reviewer(), body)
            .expect_err("bad comment");
        assert!(
            matches!(&err, Error::Invalid { what, .. } if what == "comment"),
            "{body:?}: {err:?}"
        );
        let err = fx
            .lib
            .comment_section("usability", &reviewer(), body)
            .expect_err("bad comment");
        assert!(matches!(err, Error::Invalid { .. }), "{body:?}: {err:?}");
    }
    let err = fx
        .lib
        .comment_proposal(n, &reviewer(), &"x".repeat(64 * 1024 + 1))
        .expect_err("too large");
    assert!(err.to_string().contains("KiB"), "{err}");
    let err = fx
        .lib
        .review(n, &reviewer(), Verdict::Approved, "ok\u{0}")
        .expect_err("bad review comment");
    assert!(matches!(err, Error::Invalid { .. }), "{err:?}");
    let err = fx
        .lib
        .propose(&NewProposal {
            rationale: "why\u{8}".into(),
            ..proposal_for("usability", usability_change(&fx), None)
        })
        .expect_err("bad rationale");
    assert!(
        matches!(&err, Error::Invalid { what, .. } if what == "rationale"),
        "{err:?}"
    );
    let err = fx
        .lib
        .propose(&proposal_for("usability", "No title line.\n".into(), None))
        .expect_err("no heading");
    assert!(err.to_string().contains("'# Title'"), "{err}");
    let err = fx
        .lib
        .propose(&proposal_for(
            "usability",
            "# Usability\n\nA \u{1b} char.\n".into(),
            None,
        ))
        .expect_err("control character in text");
    assert!(matches!(err, Error::Invalid { .. }), "{err:?}");
    assert_eq!(fx.refs(), before);
    assert!(fx.lib.proposal(n).expect("p").comments.is_empty());
}

#[test]
fn a_proposal_that_changes_nothing_is_refused() {
    let fx = Fixture::new();
    let before = fx.refs();
    let current = fx.main_text("usability");
    let err = fx
        .lib
        .propose(&proposal_for("usability", current.clone(), None))
        .expect_err("identical");
    assert!(matches!(err, Error::NoChange(_)), "{err:?}");
    assert!(err.to_string().contains("usability"), "{err}");
    // Line ends and trailing blank lines are normalised before comparing.
    let crlf = format!("{}\r\n\r\n", current.trim_end().replace('\n', "\r\n"));
    let err = fx
        .lib
        .propose(&proposal_for("usability", crlf, None))
        .expect_err("identical after normalising");
    assert!(matches!(err, Error::NoChange(_)), "{err:?}");

    let mut req = proposal_for("usability", usability_change(&fx), None);
    req.changes.clear();
    let err = fx.lib.propose(&req).expect_err("no changes");
    assert!(matches!(err, Error::Invalid { .. }), "{err:?}");
    let mut req = proposal_for("usability", usability_change(&fx), None);
    req.changes.push(req.changes[0].clone());
    let err = fx.lib.propose(&req).expect_err("section twice");
    assert!(err.to_string().contains("given twice"), "{err}");
    assert_eq!(fx.refs(), before);
    assert!(fx.lib.proposal_numbers().expect("numbers").is_empty());

    // Revising to the same text as the latest revision is no change either.
    let p = fx
        .lib
        .propose(&proposal_for("usability", usability_change(&fx), None))
        .expect("propose");
    let before = fx.refs();
    let err = fx
        .lib
        .revise(
            p.number,
            &contributor(),
            &[(p.sections[0].clone(), usability_change(&fx))],
            "",
        )
        .expect_err("same as revision 1");
    assert!(matches!(err, Error::NoChange(_)), "{err:?}");
    let err = fx
        .lib
        .revise(
            p.number,
            &contributor(),
            &[(p.sections[0].clone(), current)],
            "",
        )
        .expect_err("back to main's text");
    assert!(matches!(err, Error::NoChange(_)), "{err:?}");
    assert_eq!(fx.refs(), before);
}

#[test]
fn unknown_proposal_numbers_are_reported() {
    let fx = Fixture::new();
    fx.propose_sample("01");
    let before = fx.refs();
    let who = maintainer();
    let errors = [
        fx.lib.proposal(99).expect_err("proposal"),
        fx.lib.history(99).expect_err("history"),
        fx.lib.proposal_diff(99, None).expect_err("diff"),
        fx.lib.mergeability(99).expect_err("mergeability"),
        fx.lib.merge(99, &who).expect_err("merge"),
        fx.lib
            .review(99, &who, Verdict::Approved, "")
            .expect_err("review"),
        fx.lib
            .comment_proposal(99, &who, "Hello")
            .expect_err("comment"),
        fx.lib.withdraw(99, &who, "").expect_err("withdraw"),
        fx.lib.reject(99, &who, "No.").expect_err("reject"),
        fx.lib.update(99, &who, &[]).expect_err("update"),
        fx.lib.proposal(0).expect_err("proposal 0"),
    ];
    for err in errors {
        assert!(
            matches!(err, Error::UnknownProposal(99) | Error::UnknownProposal(0)),
            "{err:?}"
        );
        assert!(err.is_not_found());
    }
    assert_eq!(
        fx.lib.proposal(99).expect_err("x").to_string(),
        "no proposal #99"
    );
    assert_eq!(fx.refs(), before);
    assert!(fx
        .git_output(&["rev-parse", "--verify", "-q", "refs/proposals/99/meta"])
        .stdout
        .is_empty());
}

#[test]
fn unknown_revision_specs_are_reported() {
    let fx = Fixture::new();
    for spec in [
        "no-such-edition",
        "edition/no-such-edition",
        "deadbeef",
        "0000000000000000000000000000000000000000",
        "main~1",
        "main^",
        "HEAD",
        "refs/heads/main",
        "main@{1}",
        "../main",
    ] {
        let err = fx.lib.section("usability", spec).expect_err(spec);
        assert!(matches!(err, Error::UnknownRev(_)), "{spec:?}: {err:?}");
        assert!(fx.lib.sections(spec).is_err(), "{spec:?}");
        assert!(fx.lib.compare(spec, "main").is_err(), "{spec:?}");
    }
    // A commit id that names a tree or blob, not a commit, names no revision.
    let tree = fx.git(&["rev-parse", "main^{tree}"]);
    let err = fx
        .lib
        .section("usability", tree.trim())
        .expect_err("a tree");
    assert!(matches!(err, Error::UnknownRev(_)), "{err:?}");
    // The initial commit by (abbreviated) id works.
    let main = fx.lib.main().expect("main");
    assert_eq!(fx.lib.resolve(&main.0[..12]).expect("short id"), main);
}

#[test]
fn invalid_edition_names_and_titles_are_refused() {
    let fx = Fixture::new();
    let p = fx.propose_sample("01");
    fx.approve_and_merge(p.number);
    let before = fx.refs();
    for slug in [
        "",
        "Spring",
        "spring 2027",
        "spring/2027",
        "../spring",
        "edition/spring",
        "spring..2027",
        ".spring",
        "spring.",
        "spring-",
        "spring@{1}",
        "@{",
        "spring~1",
        "spring:2027",
        "spring.lock",
        "2027.lock",
        "spring\n",
    ] {
        let err = fx
            .lib
            .publish(slug, "Spring", "", &maintainer())
            .expect_err(slug);
        assert!(matches!(err, Error::Invalid { .. }), "{slug:?}: {err:?}");
        assert!(EditionSlug::new(slug).is_err(), "{slug:?}");
    }
    for title in ["", "  ", "Two\nlines"] {
        let err = fx
            .lib
            .publish("spring-2027", title, "", &maintainer())
            .expect_err("bad title");
        assert!(matches!(err, Error::Invalid { .. }), "{title:?}: {err:?}");
    }
    let err = fx
        .lib
        .publish("spring-2027", "Spring", "notes\u{0}", &maintainer())
        .expect_err("bad notes");
    assert!(matches!(err, Error::Invalid { .. }), "{err:?}");
    assert_eq!(fx.refs(), before);
    assert!(fx.git(&["tag", "-l"]).is_empty());
    let err = fx
        .lib
        .edition("no-such-edition")
        .expect_err("unknown edition");
    assert!(matches!(err, Error::UnknownRev(_)), "{err:?}");
}

#[test]
fn a_proposal_on_a_base_that_does_not_exist_is_refused() {
    let fx = Fixture::new();
    let before = fx.refs();
    for base in [
        "no-such-edition",
        "deadbeefdeadbeef",
        "main~3",
        "refs/heads/nope",
    ] {
        let err = fx
            .lib
            .propose(&proposal_for(
                "usability",
                usability_change(&fx),
                Some(base),
            ))
            .expect_err(base);
        assert!(matches!(err, Error::UnknownRev(_)), "{base:?}: {err:?}");
    }
    assert_eq!(fx.refs(), before);
    assert!(fx.lib.proposal_numbers().expect("numbers").is_empty());
    // An existing base by commit id works.
    let main = fx.lib.main().expect("main");
    let p = fx
        .lib
        .propose(&proposal_for(
            "usability",
            usability_change(&fx),
            Some(&main.0),
        ))
        .expect("propose on a commit id");
    assert_eq!(p.latest().base, main);
}

#[test]
fn a_proposal_based_off_mains_history_is_refused() {
    let fx = Fixture::new();
    let other = fx.propose_sample("02");
    let before = fx.refs();
    // Another proposal's revision, and an event commit, are commits but not on main: a
    // proposal on them would carry the other change (or no resource at all) into main.
    let revision = other.latest().commit.0.clone();
    let event = fx.git(&["rev-parse", "refs/proposals/1/meta"]);
    for base in [revision.as_str(), event.trim()] {
        let err = fx
            .lib
            .propose(&proposal_for(
                "transparency",
                format!("{}\nMore.\n", fx.main_text("transparency")),
                Some(base),
            ))
            .expect_err("base off main");
        // A revision is a resource commit off main: refused as a base. An event commit
        // holds no resource at all, so it is not a revision spec in the first place.
        assert!(
            matches!(&err, Error::Invalid { what, .. } if what == "base")
                || matches!(&err, Error::UnknownRev(_)),
            "{base}: {err:?}"
        );
    }
    assert_eq!(fx.refs(), before);
}

/// `s` as a TOML string (unlike `{:?}`, escapes NUL as TOML wants).
fn toml_str(s: &str) -> String {
    toml::Value::String(s.to_string()).to_string()
}

/// A manifest with one part listing these section ids.
fn manifest_listing(ids: &[String]) -> String {
    let list: Vec<String> = ids.iter().map(|id| format!("{id:?}")).collect();
    format!(
        "title = \"Huge\"\n[[parts]]\nid = \"all\"\ntitle = \"All\"\nsections = [{}]\n",
        list.join(", ")
    )
}

#[test]
fn hostile_manifests_are_refused_and_init_leaves_nothing() {
    let five_thousand: Vec<String> = (0..5000).map(|k| format!("s-{k}")).collect();
    let part = |id: &str, sections: &str| {
        format!(
            "title = \"T\"\n[[parts]]\nid = {}\ntitle = \"P\"\nsections = {sections}\n",
            toml_str(id)
        )
    };
    let mut cases: Vec<(String, String)> = vec![
        (
            manifest_listing(&five_thousand),
            "it lists 5000 sections; at most 1000 are allowed".into(),
        ),
        (
            // 5,000 parts of one section each.
            std::iter::once("title = \"T\"\n".to_string())
                .chain((0..5000).map(|k| {
                    format!("[[parts]]\nid = \"p-{k}\"\ntitle = \"P\"\nsections = [\"s-{k}\"]\n")
                }))
                .collect(),
            "at most 1000".into(),
        ),
        (
            "title = \"T\\u0000\"\n[[parts]]\nid = \"a\"\ntitle = \"A\"\nsections = [\"s\"]\n".into(),
            "resource title".into(),
        ),
        (
            "title = \"T\"\n[[parts]]\nid = \"a\"\ntitle = \"A\\u001b[2J\"\nsections = [\"s\"]\n"
                .into(),
            "part title".into(),
        ),
        (
            format!(
                "title = \"{}\"\n[[parts]]\nid = \"a\"\ntitle = \"A\"\nsections = [\"s\"]\n",
                "t".repeat(10_000)
            ),
            "longer than 200".into(),
        ),
        (
            "title = \"T\"\n[[parts]]\nid = \"a\"\ntitle = \"A\"\nsections = [\"s\"]\n[[parts]]\nid = \"a\"\ntitle = \"B\"\nsections = [\"t\"]\n".into(),
            "part 'a' is listed twice".into(),
        ),
        (
            "title = \"T\"\n[[parts]]\nid = \"a\"\ntitle = \"A\"\nsections = [\"s\"]\n[[parts]]\nid = \"b\"\ntitle = \"B\"\nsections = [\"s\"]\n".into(),
            "section 's' is listed twice".into(),
        ),
        (
            format!("title = \"T\"\nparts = {}{}\n", "[".repeat(5000), "]".repeat(5000)),
            "resource.toml".into(),
        ),
        (
            format!("title = \"T\"\n{}a = 1\n", "a.".repeat(5000)),
            "resource.toml".into(),
        ),
        ("\u{0}".into(), "resource.toml".into()),
        ("title = \"T\"\nparts = 5".into(), "invalid type".into()),
    ];
    for trick in ref_tricks() {
        cases.push((
            part("a", &format!("[{}]", toml_str(trick))),
            "section id".into(),
        ));
        cases.push((
            part(trick, "[\"s\"]"),
            "must be lowercase letters, digits and '-'".into(),
        ));
    }
    let dir = tempfile::tempdir().expect("temp dir");
    for (text, want) in &cases {
        let shown = &text[..text.len().min(120)];
        let err = Manifest::parse(text).expect_err(shown);
        assert!(matches!(err, Error::Invalid { .. }), "{shown:?}: {err:?}");
        let msg = err.to_string();
        assert!(
            msg.contains(want.as_str()),
            "{shown:?}: got {msg:?}, want {want:?}"
        );
        assert!(msg.contains("resource.toml"), "{msg}");
        assert!(!msg.contains('\u{0}') && !msg.contains('\u{1b}'), "{msg:?}");

        // `init` with the manifest refuses before creating anything.
        let target = dir.path().join("bad.git");
        let mut files = resource_files();
        files[0].1 = text.clone().into_bytes();
        let err = Library::init(&target, &files, &editor()).expect_err(shown);
        assert!(matches!(err, Error::Invalid { .. }), "{shown:?}: {err:?}");
        assert!(!target.exists(), "{shown:?}: init left {target:?} behind");
    }

    // A manifest that is not UTF-8, and section file names that try to escape.
    let target = dir.path().join("bad.git");
    let mut files = resource_files();
    files[0].1 = vec![0xff, 0xfe, b't'];
    let err = Library::init(&target, &files, &editor()).expect_err("not UTF-8");
    assert!(err.to_string().contains("not valid UTF-8"), "{err}");
    for name in [
        "sections/../escape.md",
        "sections/a/b.md",
        "sections/Main.md",
    ] {
        let mut files = resource_files();
        files.push((name.to_string(), b"# Escape\n".to_vec()));
        let err = Library::init(&target, &files, &editor()).expect_err(name);
        assert!(err.to_string().contains("not listed"), "{name}: {err}");
        assert!(!target.exists());
    }
}

#[test]
fn hostile_proposal_files_are_refused_and_write_nothing() {
    let fx = Fixture::new();
    let before = fx.refs();
    let front = |extra: &str| format!("+++\ntitle = \"T\"\n{extra}+++\n");
    let thousand: Vec<String> = (0..1000).map(|k| format!("s-{k}")).collect();
    let list = |ids: &[String]| {
        ids.iter()
            .map(|id| format!("{id:?}"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let mut cases: Vec<(String, &str)> = vec![
        // 1,000 sections named, without and with their markers in the wrong order.
        (
            format!("{}# S\n", front(&format!("sections = [{}]\n", list(&thousand)))),
            "it targets 1000 sections",
        ),
        (
            format!(
                "{}{}",
                front(&format!("sections = [{}]\n", list(&thousand))),
                thousand
                    .iter()
                    .rev()
                    .map(|id| format!("<!-- quire:section {id} -->\n# S\n"))
                    .collect::<String>()
            ),
            "must match",
        ),
        // Marker lines that smuggle ids.
        (
            format!(
                "{}<!-- quire:section ../usability -->\n# U\n",
                front("sections = [\"usability\"]\n")
            ),
            "must match",
        ),
        (
            format!(
                "{}<!-- quire:section usability -->\n# U\n<!-- quire:section refs/heads/main -->\n# M\n",
                front("sections = [\"usability\", \"transparency\"]\n")
            ),
            "must match",
        ),
        (
            format!(
                "{}<!-- quire:section usability\n# U\n",
                front("sections = [\"usability\"]\n")
            ),
            "must end with '-->'",
        ),
        // NUL and control characters.
        (
            format!("{}# U\n\nA\u{0}B\n", front("sections = [\"usability\"]\n")),
            "control character",
        ),
        (
            "+++\ntitle = \"T\\u0000\"\nsections = [\"usability\"]\n+++\n# U\n".into(),
            "title",
        ),
        (
            "+++\ntitle = \"T\"\nrationale = \"why\\u001b[2J\"\nsections = [\"usability\"]\n+++\n# U\n"
                .into(),
            "rationale",
        ),
        (
            "+++\ntitle = \"T\"\nauthor = \"Eve\\n <eve@example.org>\"\nsections = [\"usability\"]\n+++\n# U\n"
                .into(),
            "identity",
        ),
        (
            "+++\u{0}\ntitle = \"T\"\n+++\n# U\n".into(),
            "must start with a '+++' line",
        ),
        // Sizes.
        (
            format!(
                "{}# U\n\n{}\n",
                front("sections = [\"usability\"]\n"),
                "word ".repeat(110_000)
            ),
            "KiB",
        ),
        (
            format!(
                "+++\ntitle = \"{}\"\nsections = [\"usability\"]\n+++\n# U\n",
                "t".repeat(10_000)
            ),
            "longer than 200",
        ),
        (
            format!(
                "+++\ntitle = \"T\"\nsections = {}{}\n+++\n# U\n",
                "[".repeat(5000),
                "]".repeat(5000)
            ),
            "front matter",
        ),
        (
            format!("{}# U\n", front("sections = [\"usability\", \"usability\"]\n")),
            "named twice",
        ),
        (front("sections = []\n"), "'sections' is empty"),
        (
            format!("{}# U\n", front("section = \"usability\"\nsections = [\"usability\"]\n")),
            "not both",
        ),
    ];
    let tricks: Vec<String> = ref_tricks()
        .into_iter()
        .map(|t| format!("{}# U\n", front(&format!("sections = [{}]\n", toml_str(t)))))
        .collect();
    for text in &tricks {
        cases.push((text.clone(), "invalid section id"));
    }
    for (text, want) in &cases {
        let shown = &text[..text.len().min(160)];
        let err = ProposalFile::parse("hostile.md", text).expect_err(shown);
        assert!(matches!(err, Error::Invalid { .. }), "{shown:?}: {err:?}");
        let msg = err.to_string();
        assert!(msg.contains(want), "{shown:?}: got {msg:?}, want {want:?}");
        assert!(msg.contains("hostile.md"), "{msg}");
        assert!(!msg.contains('\u{0}') && !msg.contains('\u{1b}'), "{msg:?}");
    }

    // Files that parse but name what the library does not have: refused when proposed.
    let with_markers = format!(
        "{}{}",
        front(&format!("sections = [{}]\n", list(&thousand))),
        thousand
            .iter()
            .map(|id| format!("<!-- quire:section {id} -->\n# S\n\nText.\n"))
            .collect::<String>()
    );
    let pf = ProposalFile::parse("thousand.md", &with_markers).expect("well-formed");
    assert_eq!(pf.changes.len(), 1000);
    let err = fx
        .lib
        .propose(&from_file_by(&pf))
        .expect_err("unknown sections");
    assert!(
        matches!(&err, Error::UnknownSection(s) if s == "s-0"),
        "{err:?}"
    );
    let text = format!("{}\nMore.\n", fx.main_text("usability"));
    for base in [
        "main@{1}",
        "main~1",
        "refs/heads/main",
        "../main",
        "main:resource.toml",
        "@{-1}",
    ] {
        let file = format!(
            "{}{text}",
            front(&format!("sections = [\"usability\"]\nbase = {base:?}\n"))
        );
        let pf = ProposalFile::parse("based.md", &file).expect("well-formed");
        let err = fx.lib.propose(&from_file_by(&pf)).expect_err(base);
        assert!(matches!(err, Error::UnknownRev(_)), "{base}: {err:?}");
    }
    assert_eq!(fx.refs(), before);
    assert!(fx.lib.proposal_numbers().expect("numbers").is_empty());
}

/// A proposal from a parsed file, by the contributor when the file names no author.
fn from_file_by(pf: &ProposalFile) -> NewProposal {
    NewProposal {
        title: pf.title.clone(),
        rationale: pf.rationale.clone(),
        author: pf.author.clone().unwrap_or_else(contributor),
        changes: pf.changes.clone(),
        base: pf.base.clone(),
    }
}
