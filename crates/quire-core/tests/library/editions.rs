//! Editions: annotated tags with a changelog, read back as editions, changelogs and old
//! texts.

use quire_core::Error;

use crate::support::{lines, maintainer, proposal_file, Fixture};

fn proposals_of(changes: &[quire_core::ChangeEntry]) -> Vec<u64> {
    changes.iter().map(|c| c.proposal).collect()
}

#[test]
fn publish_tags_main_with_its_title_and_a_changelog_crediting_authors() {
    let fx = Fixture::new();
    let p1 = fx.propose_sample("01");
    let p2 = fx.propose_sample("06");
    fx.approve_and_merge(p1.number);
    fx.approve_and_merge(p2.number);
    let main = fx.lib.main().expect("main");

    let e = fx
        .lib
        .publish(
            "spring-2027",
            "Spring 2027",
            "The first edition with outside contributions.",
            &maintainer(),
        )
        .expect("publish");
    assert_eq!(e.slug.as_str(), "spring-2027");
    assert_eq!(e.title, "Spring 2027");
    assert_eq!(e.commit, main);
    assert_eq!(e.publisher, maintainer());
    assert_eq!(e.previous, None);
    assert_eq!(e.notes, "The first edition with outside contributions.");
    let date = e.date.as_bytes();
    assert!(
        date.len() == 10 && date[4] == b'-' && date[7] == b'-',
        "date {:?} should be YYYY-MM-DD",
        e.date
    );
    assert_eq!(proposals_of(&e.changes), [1, 2]);
    assert_eq!(e.changes[0].title, p1.title);
    assert_eq!(e.changes[0].author, p1.author);
    assert_eq!(e.changes[0].merged_by, maintainer());
    assert_eq!(e.changes[0].sections[0].as_str(), "customer-experience");
    assert_eq!(e.changes[1].author, p2.author);

    assert_eq!(
        fx.git(&["tag", "-l", "edition/*"]).trim(),
        "edition/spring-2027"
    );
    assert_eq!(
        fx.git(&["cat-file", "-t", "refs/tags/edition/spring-2027"])
            .trim(),
        "tag"
    );
    assert_eq!(
        fx.git(&["rev-parse", "edition/spring-2027^{commit}"])
            .trim(),
        main.0
    );
    let tag = fx.git(&["cat-file", "-p", "refs/tags/edition/spring-2027"]);
    for want in [
        format!("object {main}"),
        "type commit".to_string(),
        "tag edition/spring-2027".to_string(),
        format!("tagger {} ", maintainer()),
        "Spring 2027".to_string(),
        "The first edition with outside contributions.".to_string(),
        "Changes in this edition:".to_string(),
        format!("#1 {} ({})", p1.title, p1.author),
        format!("#2 {} ({})", p2.title, p2.author),
        "Edition: spring-2027".to_string(),
    ] {
        assert!(tag.contains(&want), "tag lacks {want:?}:\n{tag}");
    }
    assert_eq!(
        fx.lib.editions().expect("editions"),
        std::slice::from_ref(&e)
    );
    assert_eq!(fx.lib.edition("edition/spring-2027").expect("edition"), e);
    assert_eq!(fx.lib.resolve("spring-2027").expect("resolve"), main);
    fx.assert_fsck_clean();
}

#[test]
fn publishing_a_taken_name_or_an_unchanged_main_is_refused() {
    let fx = Fixture::new();
    // A first edition may freeze the text as started.
    let first = fx
        .lib
        .publish("first", "First", "", &maintainer())
        .expect("publish the starting text");
    assert!(first.changes.is_empty());
    assert!(fx
        .git(&["cat-file", "-p", "refs/tags/edition/first"])
        .contains("No proposals were merged for this edition."));

    let before = fx.refs();
    let err = fx
        .lib
        .publish("second", "Second", "", &maintainer())
        .expect_err("nothing changed");
    assert!(matches!(err, Error::NoChange(_)), "{err:?}");
    assert!(err.to_string().contains("'first'"), "{err}");
    assert_eq!(fx.refs(), before);

    let p = fx.propose_sample("01");
    fx.approve_and_merge(p.number);
    fx.lib
        .publish("spring-2027", "Spring 2027", "", &maintainer())
        .expect("publish");
    let before = fx.refs();
    let err = fx
        .lib
        .publish("spring-2027", "Spring 2027, again", "", &maintainer())
        .expect_err("taken name");
    assert!(
        matches!(&err, Error::EditionExists(s) if s == "spring-2027"),
        "{err:?}"
    );
    assert_eq!(fx.refs(), before);
    let err = fx
        .lib
        .publish("summer-2027", "Summer 2027", "", &maintainer())
        .expect_err("nothing merged since spring");
    assert!(matches!(err, Error::NoChange(_)), "{err:?}");
    assert_eq!(fx.refs(), before);
    assert_eq!(
        lines(&fx.git(&["tag", "-l", "edition/*"])),
        ["edition/first", "edition/spring-2027"]
    );
}

#[test]
fn a_second_edition_lists_only_later_merges_and_old_texts_stay_readable() {
    let fx = Fixture::new();
    let file = proposal_file("01");
    let p1 = fx.propose_sample("01");
    fx.approve_and_merge(p1.number);
    let spring = fx
        .lib
        .publish("spring-2027", "Spring 2027", "", &maintainer())
        .expect("publish spring");
    let spring_text = file.changes[0].1.clone();

    let p2 = fx.propose_edit(
        "Say the savings come later",
        "customer-experience",
        "and the savings will follow.",
        "and the savings will follow in time.",
    );
    fx.approve_and_merge(p2.number);
    let p3 = fx.propose_sample("06");
    fx.approve_and_merge(p3.number);

    let later = fx
        .lib
        .changelog(Some("spring-2027"), None)
        .expect("changelog");
    assert_eq!(proposals_of(&later), [2, 3]);
    assert_eq!(later[0].title, "Say the savings come later");
    assert_eq!(
        proposals_of(&fx.lib.changelog(None, None).expect("since latest")),
        [2, 3]
    );
    let main = fx.lib.main().expect("main");
    let first = fx.git(&["rev-list", "--max-parents=0", "main"]);
    assert_eq!(
        proposals_of(
            &fx.lib
                .changelog(Some(first.trim()), Some("spring-2027"))
                .expect("up to spring")
        ),
        [1]
    );
    assert_eq!(
        proposals_of(
            &fx.lib
                .changelog(Some(first.trim()), Some(&main.0))
                .expect("all")
        ),
        [1, 2, 3]
    );

    // The edition keeps the text it froze.
    let old = fx
        .lib
        .section("customer-experience", "spring-2027")
        .expect("old text");
    assert_eq!(old.text, spring_text);
    assert_eq!(
        fx.lib
            .section("customer-experience", "edition/spring-2027")
            .expect("old text")
            .text,
        spring_text
    );
    assert_ne!(fx.main_text("customer-experience"), spring_text);
    assert!(fx
        .main_text("customer-experience")
        .contains("follow in time."));
    assert_eq!(
        fx.git(&[
            "show",
            "edition/spring-2027:sections/customer-experience.md"
        ]),
        spring_text
    );

    let changed: Vec<String> = fx
        .lib
        .compare("spring-2027", "main")
        .expect("compare")
        .iter()
        .map(|d| d.section.to_string())
        .collect();
    assert_eq!(changed, ["customer-experience", "transparency"]);
    assert!(fx.lib.compare("main", "main").expect("compare").is_empty());

    let autumn = fx
        .lib
        .publish(
            "autumn-2027",
            "Autumn 2027",
            "Two more changes.",
            &maintainer(),
        )
        .expect("publish autumn");
    assert_eq!(
        autumn.previous.as_ref().map(|s| s.as_str()),
        Some("spring-2027")
    );
    assert_eq!(proposals_of(&autumn.changes), [2, 3]);
    assert!(fx
        .git(&["cat-file", "-p", "edition/autumn-2027"])
        .contains("Edition-Previous: spring-2027"));

    let editions = fx.lib.editions().expect("editions");
    let slugs: Vec<&str> = editions.iter().map(|e| e.slug.as_str()).collect();
    assert_eq!(slugs, ["spring-2027", "autumn-2027"], "oldest first");
    assert_eq!(editions[0], spring);
    assert_eq!(proposals_of(&editions[0].changes), [1]);
    assert_eq!(editions[1], autumn);
    assert!(fx
        .lib
        .changelog(None, None)
        .expect("nothing since autumn")
        .is_empty());
    // With only `to`, the changelog is that edition's own.
    let of_autumn = fx
        .lib
        .changelog(None, Some("autumn-2027"))
        .expect("autumn's");
    assert_eq!(proposals_of(&of_autumn), [2, 3]);
    let of_spring = fx
        .lib
        .changelog(None, Some("spring-2027"))
        .expect("spring's");
    assert_eq!(proposals_of(&of_spring), [1]);
    assert_eq!(
        proposals_of(
            &fx.lib
                .changelog(Some("spring-2027"), Some("autumn-2027"))
                .expect("between editions")
        ),
        [2, 3]
    );

    // A third edition follows the latest one, whatever the names sort like.
    let p4 = fx.propose_sample("02");
    fx.approve_and_merge(p4.number);
    let third = fx
        .lib
        .publish("3000", "Edition 3000", "", &maintainer())
        .expect("publish a third");
    assert_eq!(
        third.previous.as_ref().map(|s| s.as_str()),
        Some("autumn-2027")
    );
    assert_eq!(proposals_of(&third.changes), [4]);
    fx.assert_fsck_clean();
}

#[test]
fn editions_published_within_one_second_keep_their_order() {
    let fx = Fixture::new();
    let p1 = fx.propose_sample("01");
    let p2 = fx.propose_sample("06");
    let p3 = fx.propose_sample("02");
    fx.approve(p2.number);
    fx.approve(p3.number);
    fx.approve_and_merge(p1.number);
    // Names that sort against the order of publishing, published as fast as possible.
    fx.lib
        .publish("zeta", "Zeta", "", &maintainer())
        .expect("zeta");
    fx.lib.merge(p2.number, &maintainer()).expect("merge");
    let beta = fx
        .lib
        .publish("beta", "Beta", "", &maintainer())
        .expect("beta");
    assert_eq!(beta.previous.as_ref().map(|s| s.as_str()), Some("zeta"));
    fx.lib.merge(p3.number, &maintainer()).expect("merge");
    let alpha = fx
        .lib
        .publish("alpha", "Alpha", "", &maintainer())
        .expect("alpha");
    assert_eq!(alpha.previous.as_ref().map(|s| s.as_str()), Some("beta"));
    assert_eq!(proposals_of(&alpha.changes), [p3.number]);
    let slugs: Vec<String> = fx
        .lib
        .editions()
        .expect("editions")
        .iter()
        .map(|e| e.slug.to_string())
        .collect();
    assert_eq!(slugs, ["zeta", "beta", "alpha"]);
    assert!(fx
        .lib
        .changelog(None, None)
        .expect("since alpha")
        .is_empty());
}

#[test]
fn a_proposal_based_on_an_edition_merges_into_a_later_main() {
    let fx = Fixture::new();
    let p1 = fx.propose_sample("01");
    fx.approve_and_merge(p1.number);
    let spring = fx
        .lib
        .publish("spring-2027", "Spring 2027", "", &maintainer())
        .expect("publish");
    let p2 = fx.propose_sample("02");
    fx.approve_and_merge(p2.number);

    // Sample 06 as a file that names the edition as its base.
    let mut file = proposal_file("06");
    file.base = Some("spring-2027".into());
    let parsed = quire_core::ProposalFile::parse("06-on-spring.md", &file.render()).expect("parse");
    assert_eq!(parsed.base.as_deref(), Some("spring-2027"));
    let p3 = fx
        .lib
        .propose(&crate::support::from_file(&parsed))
        .expect("propose on spring");
    assert_eq!(p3.latest().base, spring.commit);
    assert_eq!(
        fx.git(&["rev-parse", "refs/proposals/3/1^"]).trim(),
        spring.commit.0
    );
    fx.approve_and_merge(p3.number);
    assert_eq!(fx.main_text("transparency"), parsed.changes[0].1);
    assert!(fx.main_text("usability").contains("WCAG"), "02 is kept");
    fx.assert_fsck_clean();
}
