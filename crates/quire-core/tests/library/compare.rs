//! Comparing the structure of two revisions: sections added, removed, renamed and moved,
//! parts and titles, on manifests changed with the real `git` command line (the core has
//! no API to change the manifest, so these commits are made as an editor with git would).

use std::path::Path;

use quire_core::{Renamed, SectionMove, SectionSummary, StructureDiff};

use crate::support::Fixture;

/// Clones the library into a work tree, lets `change` edit it, commits everything as a
/// direct commit and pushes it to `main`. Returns the new commit id.
fn commit_on_main(fx: &Fixture, message: &str, change: impl FnOnce(&Path)) -> String {
    let dir = tempfile::tempdir().expect("temp dir");
    quire_testkit::commit_on_main_with_a_clone(
        &fx.path,
        &dir.path().join("work"),
        ("Ada Editor", "ada.editor@example.org"),
        message,
        change,
    )
}

fn read(work: &Path, path: &str) -> String {
    std::fs::read_to_string(work.join(path)).expect("read a work tree file")
}

fn write(work: &Path, path: &str, text: &str) {
    std::fs::write(work.join(path), text).expect("write a work tree file");
}

/// `text` with `from` replaced by `to`, which must occur exactly once.
fn replace_once(text: &str, from: &str, to: &str) -> String {
    assert_eq!(text.matches(from).count(), 1, "{from:?} should occur once");
    text.replacen(from, to, 1)
}

fn summary(fx: &Fixture, at: &str, id: &str) -> SectionSummary {
    fx.lib
        .sections(at)
        .expect("sections")
        .into_iter()
        .find(|s| s.id.as_str() == id)
        .expect("section listed")
}

#[test]
fn a_rename_a_reorder_an_addition_and_a_removal_are_each_reported_as_such() {
    let fx = Fixture::new();
    let before = fx.lib.main().expect("main").0;
    let sharing = summary(&fx, &before, "sharing");
    let engagement = summary(&fx, &before, "engagement");
    assert_eq!(
        (sharing.position, engagement.position),
        (23, 15),
        "bundled order"
    );

    let after = commit_on_main(
        &fx,
        "Restructure: add digital inclusion, drop sharing, lead with engagement",
        |w| {
            // Rename: same id, new title.
            let usability = read(w, "sections/usability.md");
            write(
                w,
                "sections/usability.md",
                &replace_once(
                    &usability,
                    "# Principle 8: Usability\n",
                    "# Principle 8: Easy to use\n",
                ),
            );
            // Add a section early on, which shifts every later section by one.
            write(
                w,
                "sections/digital-inclusion.md",
                "# Digital inclusion\n\nEveryone should be able to use public services.\n",
            );
            // Remove one.
            std::fs::remove_file(w.join("sections/sharing.md")).expect("remove sharing");
            let manifest = read(w, "resource.toml");
            let manifest = replace_once(
                &manifest,
                "  \"about-this-resource\",\n",
                "  \"about-this-resource\",\n  \"digital-inclusion\",\n",
            );
            let manifest = replace_once(&manifest, "  \"sharing\",\n", "");
            // Reorder: engagement moves to the front of its part.
            let manifest = replace_once(&manifest, "  \"engagement\",\n", "");
            let manifest = replace_once(
                &manifest,
                "  \"customer-experience\",\n",
                "  \"engagement\",\n  \"customer-experience\",\n",
            );
            write(w, "resource.toml", &manifest);
        },
    );
    assert_eq!(fx.lib.main().expect("main").0, after);

    let d = fx
        .lib
        .compare_structure(&before, "main")
        .expect("compare structure");
    assert_eq!(
        d.sections_added,
        [SectionSummary {
            id: "digital-inclusion".parse().expect("id"),
            title: "Digital inclusion".into(),
            part: "introduction".into(),
            position: 2,
        }]
    );
    assert_eq!(d.sections_removed, [sharing]);
    assert_eq!(
        d.sections_renamed,
        [Renamed {
            id: "usability".into(),
            old_title: "Principle 8: Usability".into(),
            new_title: "Principle 8: Easy to use".into(),
        }]
    );
    // Only engagement moved: the 20-odd sections that merely shifted by the addition,
    // the removal or engagement's move are not "moved".
    assert_eq!(
        d.sections_moved,
        [SectionMove {
            id: "engagement".parse().expect("id"),
            title: engagement.title.clone(),
            old_part: "key-principles".into(),
            old_position: 15,
            new_part: "key-principles".into(),
            new_position: 14,
        }]
    );
    assert_eq!(
        summary(&fx, "main", "customer-experience").position,
        15,
        "customer-experience shifted from 13 to 15 without being reported"
    );
    assert!(d.parts_added.is_empty() && d.parts_removed.is_empty());
    assert!(d.parts_renamed.is_empty() && d.parts_moved.is_empty());
    assert_eq!((d.title.clone(), d.subtitle.clone()), (None, None));

    // The other way round, everything is mirrored.
    let back = fx
        .lib
        .compare_structure("main", &before)
        .expect("compare back");
    assert_eq!(back.sections_added.len(), 1);
    assert_eq!(back.sections_added[0].id.as_str(), "sharing");
    assert_eq!(back.sections_removed[0].id.as_str(), "digital-inclusion");
    assert_eq!(back.sections_renamed[0].new_title, "Principle 8: Usability");
    assert_eq!(
        back.sections_moved
            .iter()
            .map(|m| m.id.as_str())
            .collect::<Vec<_>>(),
        ["engagement"]
    );

    // The full comparison carries the same structure and the text diffs, for the same
    // two commits.
    let c = fx.lib.comparison(&before, "main").expect("comparison");
    assert_eq!(c.structure, d);
    let changed: Vec<&str> = c.sections.iter().map(|s| s.section.as_str()).collect();
    assert_eq!(changed, ["digital-inclusion", "usability", "sharing"]);
    let json = serde_json::to_value(&c).expect("serialise");
    assert!(json["structure"]["sections_moved"].is_array(), "{json}");
    assert!(json["sections"].is_array(), "{json}");
    let round: StructureDiff =
        serde_json::from_value(json["structure"].clone()).expect("deserialise the structure");
    assert_eq!(round, d);
}

#[test]
fn moving_a_section_into_the_next_part_is_a_move_even_in_the_same_reading_order() {
    let fx = Fixture::new();
    let before = fx.lib.main().expect("main").0;
    commit_on_main(&fx, "Service design belongs with the key principles", |w| {
        let manifest = read(w, "resource.toml");
        let manifest = replace_once(&manifest, "  \"service-design\",\n", "");
        let manifest = replace_once(
            &manifest,
            "sections = [\n  \"customer-experience\",\n",
            "sections = [\n  \"service-design\",\n  \"customer-experience\",\n",
        );
        write(w, "resource.toml", &manifest);
    });
    let d = fx.lib.compare_structure(&before, "main").expect("compare");
    assert_eq!(d.sections_moved.len(), 1, "{d:#?}");
    let m = &d.sections_moved[0];
    assert_eq!(m.id.as_str(), "service-design");
    assert_eq!((m.old_part.as_str(), m.old_position), ("introduction", 12));
    assert_eq!(
        (m.new_part.as_str(), m.new_position),
        ("key-principles", 12)
    );
    assert!(d.sections_added.is_empty() && d.sections_removed.is_empty());
    assert!(d.sections_renamed.is_empty());
    // The manifest changed but no section's text did.
    assert!(fx.lib.compare(&before, "main").expect("compare").is_empty());
}

#[test]
fn parts_and_the_resource_title_renamed_added_removed_and_reordered() {
    let fx = Fixture::new();
    let before = fx.lib.main().expect("main").0;
    commit_on_main(&fx, "Rework the parts", |w| {
        let manifest = read(w, "resource.toml");
        let manifest = replace_once(
            &manifest,
            "title = \"Digital Insights\"",
            "title = \"Digital Insights for Councils\"",
        );
        let manifest = replace_once(
            &manifest,
            "subtitle = \"A guide for local public services writing their digital strategies\"\n",
            "",
        );
        let manifest = replace_once(
            &manifest,
            "title = \"Key principles\"",
            "title = \"The four key principles\"",
        );
        // The supporting principles go before the key principles, under a new part id;
        // one more part is added at the end.
        let (head, supporting) = manifest
            .split_once("[[parts]]\nid = \"supporting-principles\"")
            .expect("supporting part");
        let (intro, key) = head
            .split_once("[[parts]]\nid = \"key-principles\"")
            .expect("key part");
        let manifest = format!(
            "{intro}[[parts]]\nid = \"supporting\"{supporting}\n[[parts]]\nid = \"key-principles\"{key}\n[[parts]]\nid = \"appendix\"\ntitle = \"Appendix\"\nsections = [\"glossary\"]\n"
        );
        write(w, "resource.toml", &manifest);
        write(w, "sections/glossary.md", "# Glossary\n\nWords.\n");
    });
    let d = fx.lib.compare_structure(&before, "main").expect("compare");
    let title = d.title.clone().expect("title changed");
    assert_eq!(
        (title.old.as_str(), title.new.as_str()),
        ("Digital Insights", "Digital Insights for Councils")
    );
    let sub = d.subtitle.clone().expect("subtitle changed");
    assert!(sub.old.is_some() && sub.new.is_none());
    let ids = |v: &[quire_core::PartPlace]| v.iter().map(|p| p.id.clone()).collect::<Vec<_>>();
    assert_eq!(ids(&d.parts_added), ["supporting", "appendix"]);
    assert_eq!(ids(&d.parts_removed), ["supporting-principles"]);
    assert_eq!(d.parts_renamed.len(), 1);
    assert_eq!(d.parts_renamed[0].id, "key-principles");
    assert_eq!(d.parts_renamed[0].new_title, "The four key principles");
    // Introduction and key principles keep their relative order: no part moved.
    assert!(d.parts_moved.is_empty(), "{:?}", d.parts_moved);
    // Every supporting principle changed part (the old part is gone), and the key
    // principles now come after them.
    let moved: Vec<&str> = d.sections_moved.iter().map(|m| m.id.as_str()).collect();
    assert_eq!(moved.len(), 14, "{moved:?}");
    assert!(d.sections_moved[..10]
        .iter()
        .all(|m| m.old_part == "supporting-principles" && m.new_part == "supporting"));
    assert_eq!(d.sections_added.len(), 1);
    assert_eq!(d.sections_added[0].id.as_str(), "glossary");
    assert_eq!(d.sections_added[0].part, "appendix");
    assert!(!d.is_empty());
}

#[test]
fn text_edits_alone_leave_the_structure_unchanged() {
    let fx = Fixture::new();
    let before = fx.lib.main().expect("main").0;
    let p = fx.propose_edit(
        "Plainer words",
        "usability",
        "Most people will not read instructions.",
        "Most people do not read instructions.",
    );
    fx.approve_and_merge(p.number);
    let d = fx.lib.compare_structure(&before, "main").expect("compare");
    assert!(d.is_empty(), "{d:#?}");
    let same = fx.lib.compare_structure("main", "main").expect("compare");
    assert_eq!(same, StructureDiff::default());
}

/// A section file git can read but that is not text is a storage error in a comparison,
/// never an empty section (which read as "the whole section was deleted").
#[test]
fn a_section_that_cannot_be_read_is_an_error_not_an_empty_text() {
    let fx = Fixture::new();
    let before = fx.git(&["rev-parse", "refs/heads/main"]);
    commit_on_main(&fx, "Break a section", |work| {
        std::fs::write(
            work.join("sections/usability.md"),
            b"# Usability\n\n\xff\xfe\n",
        )
        .expect("write");
    });
    let err = fx
        .lib
        .compare(before.trim(), "main")
        .expect_err("a section that is not UTF-8 cannot be compared");
    assert_eq!(err.kind(), quire_core::ErrorKind::Failure, "{err}");
    assert!(err.to_string().contains("usability.md"), "{err}");
    // Sections missing on one side are still compared with an empty text.
    assert!(fx
        .lib
        .compare(before.trim(), before.trim())
        .expect("same")
        .is_empty());
}
