//! Starting a library from the bundled resource.

use quire_core::{Error, Library, Manifest};

use crate::support::{bundled_section, editor, lines, resource_files, workspace_root, Fixture};

#[test]
fn init_lists_the_26_sections_in_manifest_order_with_titles() {
    let fx = Fixture::new();
    let manifest_text = std::fs::read_to_string(workspace_root().join("resource/resource.toml"))
        .expect("read manifest");
    let manifest = Manifest::parse(&manifest_text).expect("bundled manifest parses");

    let sections = fx.lib.sections("main").expect("sections");
    assert_eq!(sections.len(), 26);
    let want: Vec<(&str, &str)> = manifest
        .sections()
        .map(|(part, id)| (part.id.as_str(), id.as_str()))
        .collect();
    let got: Vec<(&str, &str)> = sections
        .iter()
        .map(|s| (s.part.as_str(), s.id.as_str()))
        .collect();
    assert_eq!(got, want);
    for (i, s) in sections.iter().enumerate() {
        assert_eq!(s.position, i + 1);
        let first_line = bundled_section(s.id.as_str())
            .lines()
            .next()
            .expect("a first line")
            .to_string();
        assert_eq!(format!("# {}", s.title), first_line, "title of {}", s.id);
    }
    assert_eq!(sections[0].id.as_str(), "about-this-resource");
    assert_eq!(sections[0].title, "About this resource");
    assert_eq!(sections[25].id.as_str(), "transparency");
    assert_eq!(sections[25].part, "supporting-principles");

    // The manifest is stored as its source text, comments included.
    assert_eq!(fx.git(&["show", "main:resource.toml"]), manifest_text);
    assert_eq!(fx.lib.manifest("main").expect("manifest"), manifest);
}

#[test]
fn init_stores_each_section_text_as_its_file() {
    let fx = Fixture::new();
    let s = fx.lib.section("usability", "main").expect("section");
    assert_eq!(s.title, "Principle 8: Usability");
    assert_eq!(s.part, "supporting-principles");
    assert_eq!(s.text, bundled_section("usability"));
    assert_eq!(fx.git(&["show", "main:sections/usability.md"]), s.text);

    let files = fx.git(&["ls-tree", "-r", "--name-only", "main"]);
    let files = lines(&files);
    assert_eq!(files.len(), 27, "{files:?}");
    assert!(files.contains(&"resource.toml"));
    assert!(files.contains(&"sections/assisted-digital.md"));
}

#[test]
fn init_makes_a_clean_bare_repository_with_one_commit_on_main() {
    let fx = Fixture::new();
    fx.assert_fsck_clean();
    assert_eq!(
        fx.git(&["rev-parse", "--is-bare-repository"]).trim(),
        "true"
    );
    assert_eq!(fx.git(&["symbolic-ref", "HEAD"]).trim(), "refs/heads/main");
    let log = fx.git(&["log", "--format=%H %an <%ae>", "main"]);
    let log = lines(&log);
    assert_eq!(log.len(), 1, "{log:?}");
    assert!(log[0].ends_with(&format!(" {}", editor())), "{log:?}");
    assert_eq!(
        log[0].split(' ').next(),
        Some(fx.lib.main().expect("main").0.as_str())
    );
    assert_eq!(
        lines(&fx.refs()),
        [format!("refs/heads/main {}", fx.lib.main().expect("main")).as_str()]
    );
}

#[test]
fn init_refuses_a_non_empty_path_and_leaves_nothing_for_a_bad_resource() {
    let fx = Fixture::new();
    let before = fx.refs();
    let err = Library::init(&fx.path, &resource_files(), &editor()).expect_err("taken path");
    assert!(matches!(err, Error::AlreadyExists(_)), "{err:?}");
    assert_eq!(fx.refs(), before);

    let dir = tempfile::tempdir().expect("temp dir");
    let target = dir.path().join("bad.git");
    let mut files = resource_files();
    files.retain(|(name, _)| name != "sections/usability.md");
    let err = Library::init(&target, &files, &editor()).expect_err("missing section file");
    assert!(matches!(err, Error::Invalid { .. }), "{err:?}");
    assert!(err.to_string().contains("usability"), "{err}");
    assert!(!target.exists(), "nothing is left behind");

    let mut files = resource_files();
    files.push(("sections/stray.md".into(), b"# Stray\n".to_vec()));
    let err = Library::init(&target, &files, &editor()).expect_err("stray section file");
    assert!(err.to_string().contains("stray"), "{err}");
    assert!(!target.exists());
}

#[test]
fn open_refuses_a_path_without_a_library() {
    let dir = tempfile::tempdir().expect("temp dir");
    let err = Library::open(dir.path()).expect_err("no repository");
    assert!(matches!(err, Error::NoLibrary { .. }), "{err:?}");
}
