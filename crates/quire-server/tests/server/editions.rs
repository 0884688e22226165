//! Router-level tests of editions: the list, changelogs, comparing versions, publishing
//! through the form, and the Atom feeds.

#![allow(clippy::unwrap_used)]

use crate::support;

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use quire_server::Role;
use support::{Session, TestApp};

/// A title that tries to inject markup everywhere it is shown.
const NASTY_TITLE: &str = "Fix <script>alert(1)</script> & <img src=x onerror=alert(2)>";

/// Two contributors' proposals, merged by a maintainer; returns (numbers, the two sessions).
fn two_merged(t: &TestApp, m: &Session) -> ([u64; 2], [Session; 2]) {
    let a = t.session("Priya Shah", Role::Contributor);
    let b = t.session("Tom Hargreaves", Role::Contributor);
    let n1 = t.propose_paragraph(
        &a.user.identity(),
        "usability",
        "Say who tests the forms",
        "Test every form with residents before launch.",
    );
    let n2 = t.propose_paragraph(
        &b.user.identity(),
        "assisted-digital",
        "Name a contact for people offline",
        "Every service names a person to call.",
    );
    t.approve_and_merge(n1, &m.user.identity());
    t.approve_and_merge(n2, &m.user.identity());
    ([n1, n2], [a, b])
}

#[tokio::test]
async fn the_editions_list_says_when_there_are_none_then_lists_them_newest_first() {
    let t = TestApp::new();
    let m = t.maintainer();
    for who in [None, Some(&t.contributor()), Some(&m)] {
        t.get("/editions", who)
            .await
            .assert_status(StatusCode::OK)
            .assert_contains("No editions yet");
    }
    t.lib()
        .publish("first", "First edition", "", &m.user.identity())
        .unwrap();
    two_merged(&t, &m);
    t.lib()
        .publish("2027.1", "Spring 2027", "", &m.user.identity())
        .unwrap();
    let r = t.get("/editions", None).await;
    r.assert_status(StatusCode::OK)
        .assert_contains("href=\"/editions/2027.1\"")
        .assert_contains("href=\"/editions/2027.1/changelog\"")
        .assert_contains("href=\"/editions/first/changelog\"")
        .assert_contains("Spring 2027")
        .assert_contains("Max Maintainer")
        .assert_contains("<td>2</td>")
        .assert_contains("<td>0</td>");
    assert!(!r.body.contains("No editions yet"));
    assert!(
        r.body.find("Spring 2027").unwrap() < r.body.find("First edition").unwrap(),
        "newest first"
    );
}

#[tokio::test]
async fn a_changelog_credits_the_proposers_and_renders_the_notes_safely() {
    let t = TestApp::new();
    let m = t.maintainer();
    t.lib()
        .publish("first", "First edition", "", &m.user.identity())
        .unwrap();
    let ([n1, n2], _) = two_merged(&t, &m);
    // A third proposal by Priya again: she is listed once among the contributors.
    let priya = t.lib().proposal(n1).unwrap().author;
    let n3 = t.propose_paragraph(&priya, "take-up", NASTY_TITLE, "More take-up.");
    t.approve_and_merge(n3, &m.user.identity());
    t.lib()
        .publish(
            "spring-2027",
            "Spring 2027",
            "**Thanks** to everyone. <script>alert('notes')</script>",
            &m.user.identity(),
        )
        .unwrap();
    let r = t.get("/editions/spring-2027/changelog", None).await;
    r.assert_status(StatusCode::OK)
        .assert_contains(&format!("href=\"/proposals/{n1}\""))
        .assert_contains(&format!("href=\"/proposals/{n2}\""))
        .assert_contains(&format!("href=\"/proposals/{n3}\""))
        .assert_contains("Say who tests the forms")
        .assert_contains("proposed by Priya Shah")
        .assert_contains("proposed by Tom Hargreaves")
        .assert_contains("<h2>Contributors</h2>")
        .assert_contains("<li>Priya Shah</li>")
        .assert_contains("<li>Tom Hargreaves</li>")
        .assert_contains("<strong>Thanks</strong>")
        .assert_contains("href=\"/editions/spring-2027/sections/usability\"")
        .assert_contains("href=\"/compare?from=first&amp;to=spring-2027\"")
        .assert_contains("Fix &#60;script&#62;alert(1)&#60;/script&#62;");
    assert_eq!(r.body.matches("<li>Priya Shah</li>").count(), 1);
    assert!(!r.body.contains("<script>alert"), "{}", r.body);
    assert!(!r.body.contains("<img src=x"), "{}", r.body);
    // The first edition merged nothing.
    t.get("/editions/first/changelog", None)
        .await
        .assert_status(StatusCode::OK)
        .assert_contains("No proposals were merged.")
        .assert_contains("The first edition.");
    // A hidden proposal's title is not shown in the changelog.
    t.lib()
        .set_proposal_hidden(n3, &m.user.identity(), true, "abusive title")
        .unwrap();
    let r = t.get("/editions/spring-2027/changelog", None).await;
    r.assert_contains("hidden by a maintainer");
    assert!(!r.body.contains("alert(1)"));
}

#[tokio::test]
async fn unknown_or_malformed_editions_are_not_found_and_never_crash() {
    let t = TestApp::new();
    let m = t.maintainer();
    t.lib()
        .publish("first", "First edition", "", &m.user.identity())
        .unwrap();
    t.get("/editions/nope/changelog", None)
        .await
        .assert_status(StatusCode::NOT_FOUND);
    for bad in [
        "/editions/../changelog",
        "/editions/%2e%2e/changelog",
        "/editions/a%2Fb/changelog",
        "/editions/main/changelog",
        "/editions/x.lock/changelog",
        "/editions/%00/changelog",
        "/editions/%E2%98%95/changelog",
    ] {
        let r = t.get(bad, None).await;
        assert!(
            r.status == StatusCode::NOT_FOUND || r.status == StatusCode::UNPROCESSABLE_ENTITY,
            "{bad}: {}",
            r.status
        );
    }
}

#[tokio::test]
async fn only_maintainers_see_the_publish_form_with_what_goes_in() {
    let t = TestApp::new();
    let m = t.maintainer();
    two_merged(&t, &m);
    t.get("/publish", None)
        .await
        .assert_status(StatusCode::UNAUTHORIZED);
    t.get("/publish", Some(&t.contributor()))
        .await
        .assert_status(StatusCode::FORBIDDEN);
    let gone = t.session("Ex Maintainer", Role::Maintainer);
    t.state.store().set_blocked(gone.user.id, true).unwrap();
    t.get("/publish", Some(&gone))
        .await
        .assert_status(StatusCode::UNAUTHORIZED);
    let blocked = t.blocked_signed_in("Blocked Maintainer", Role::Maintainer);
    t.get("/publish", Some(&blocked))
        .await
        .assert_status(StatusCode::FORBIDDEN);
    let r = t.get("/publish", Some(&m)).await;
    r.assert_status(StatusCode::OK)
        .assert_contains("action=\"/publish\"")
        .assert_contains(&format!(
            "name=\"csrf\" value=\"{}\"",
            t.form_token(Some(&m))
        ))
        .assert_contains("name=\"slug\"")
        .assert_contains("aria-describedby=\"slug-hint\"")
        .assert_contains("hyphens or dots")
        .assert_contains("name=\"title\"")
        .assert_contains("<textarea id=\"notes\" name=\"notes\"")
        .assert_contains("Say who tests the forms")
        .assert_contains("Name a contact for people offline")
        .assert_contains("2 merged proposals");
}

#[tokio::test]
async fn refused_publishing_writes_nothing() {
    let t = TestApp::new();
    let m = t.maintainer();
    let fields = [
        ("slug", "spring-2027"),
        ("title", "Spring 2027"),
        ("notes", ""),
    ];
    let before = t.refs();
    t.post_form("/publish", &fields, None)
        .await
        .assert_status(StatusCode::UNAUTHORIZED);
    t.post_form("/publish", &fields, Some(&t.contributor()))
        .await
        .assert_status(StatusCode::FORBIDDEN);
    let gone = t.session("Ex Maintainer", Role::Maintainer);
    t.state.store().set_blocked(gone.user.id, true).unwrap();
    t.post_form("/publish", &fields, Some(&gone))
        .await
        .assert_status(StatusCode::UNAUTHORIZED);
    let blocked = t.blocked_signed_in("Blocked Maintainer", Role::Maintainer);
    t.post_form("/publish", &fields, Some(&blocked))
        .await
        .assert_status(StatusCode::FORBIDDEN);
    // Without the CSRF token, or with a wrong one, even a maintainer is refused.
    t.post_form_raw("/publish", &fields, Some(&m))
        .await
        .assert_status(StatusCode::FORBIDDEN);
    let mut wrong = vec![("csrf", "not-the-token")];
    wrong.extend_from_slice(&fields);
    t.post_form_raw("/publish", &wrong, Some(&m))
        .await
        .assert_status(StatusCode::FORBIDDEN);
    assert_eq!(t.refs(), before);
    assert!(t.lib().editions().unwrap().is_empty());
}

#[tokio::test]
async fn publishing_through_the_form_makes_the_tag_and_refuses_a_taken_name() {
    let t = TestApp::new();
    let m = t.maintainer();
    let ([n1, n2], _) = two_merged(&t, &m);
    // Bad input is shown on the form, with what was typed kept.
    let before = t.refs();
    let r = t
        .post_form(
            "/publish",
            &[
                ("slug", "Spring 2027!"),
                ("title", "Spring <b>2027</b>"),
                ("notes", "Keep these notes"),
            ],
            Some(&m),
        )
        .await;
    r.assert_status(StatusCode::UNPROCESSABLE_ENTITY)
        .assert_contains("role=\"alert\"")
        .assert_contains("invalid edition name")
        .assert_contains("value=\"Spring 2027!\"")
        .assert_contains("value=\"Spring &#60;b&#62;2027&#60;/b&#62;\"")
        .assert_contains(">Keep these notes</textarea>");
    t.post_form(
        "/publish",
        &[("slug", "spring-2027"), ("title", "  "), ("notes", "")],
        Some(&m),
    )
    .await
    .assert_status(StatusCode::UNPROCESSABLE_ENTITY)
    .assert_contains("role=\"alert\"");
    for reserved in ["main", "draft", "x.lock", "..", "a/b"] {
        t.post_form(
            "/publish",
            &[("slug", reserved), ("title", "T"), ("notes", "")],
            Some(&m),
        )
        .await
        .assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    }
    assert_eq!(t.refs(), before, "refused forms write nothing");

    let r = t
        .post_form(
            "/publish",
            &[
                ("slug", "spring-2027"),
                ("title", "Spring 2027"),
                ("notes", "The first public edition."),
            ],
            Some(&m),
        )
        .await;
    r.assert_status(StatusCode::SEE_OTHER);
    assert_eq!(r.location(), Some("/editions/spring-2027/changelog"));
    let eds = t.lib().editions().unwrap();
    assert_eq!(eds.len(), 1);
    assert_eq!(eds[0].slug.as_str(), "spring-2027");
    assert_eq!(eds[0].title, "Spring 2027");
    assert_eq!(eds[0].publisher.name, "Max Maintainer");
    assert_eq!(eds[0].publisher, m.user.identity());
    let numbers: Vec<u64> = eds[0].changes.iter().map(|c| c.proposal).collect();
    assert_eq!(numbers, vec![n1, n2]);
    assert!(t.git(&["tag", "-l"]).contains("edition/spring-2027"));
    t.get("/editions/spring-2027/changelog", None)
        .await
        .assert_status(StatusCode::OK)
        .assert_contains("The first public edition.");

    // The same name again: 409, on the form.
    let after = t.refs();
    let r = t
        .post_form(
            "/publish",
            &[("slug", "spring-2027"), ("title", "Again"), ("notes", "")],
            Some(&m),
        )
        .await;
    r.assert_status(StatusCode::CONFLICT)
        .assert_contains("role=\"alert\"")
        .assert_contains("already exists")
        .assert_contains("value=\"Again\"");
    // A new name with nothing merged since: 409 too.
    t.post_form(
        "/publish",
        &[("slug", "summer-2027"), ("title", "Summer"), ("notes", "")],
        Some(&m),
    )
    .await
    .assert_status(StatusCode::CONFLICT)
    .assert_contains("has not changed");
    assert_eq!(t.refs(), after);
    t.get("/publish", Some(&m))
        .await
        .assert_contains("has not changed since the latest edition");
}

#[tokio::test]
async fn compare_shows_the_word_diff_between_any_two_versions() {
    let t = TestApp::new();
    let m = t.maintainer();
    t.lib()
        .publish("first", "First edition", "", &m.user.identity())
        .unwrap();
    let c = t.contributor();
    let n = t.propose_paragraph(
        &c.user.identity(),
        "usability",
        "Escape me",
        "Residents <script>alert(1)</script> test forms.",
    );
    t.approve_and_merge(n, &m.user.identity());

    // The form alone, with every version to choose from.
    let r = t.get("/compare", None).await;
    r.assert_status(StatusCode::OK)
        .assert_contains("<select id=\"from\" name=\"from\">")
        .assert_contains("<select id=\"to\" name=\"to\">")
        .assert_contains("<option value=\"main\"")
        .assert_contains("Working draft")
        .assert_contains("<option value=\"first\" selected>");
    assert!(!r.body.contains("class=\"diff\""));

    let r = t.get("/compare?from=first&to=main", None).await;
    r.assert_status(StatusCode::OK)
        .assert_contains("1 section changed")
        .assert_contains("<div class=\"diff\">")
        .assert_contains("Principle 8: Usability (usability)")
        .assert_contains("<ins>")
        .assert_contains("&lt;script&gt;alert(1)&lt;/script&gt;");
    assert!(!r.body.contains("<script>alert"));
    assert!(!r.body.contains("<del>"));
    assert!(r.body.contains("−0 words"), "{}", r.body);

    let r = t.get("/compare?from=main&to=first", None).await;
    r.assert_status(StatusCode::OK)
        .assert_contains("<del>")
        .assert_contains("+0 ");
    assert!(!r.body.contains("<ins>"));

    t.get("/compare?from=first&to=first", None)
        .await
        .assert_status(StatusCode::OK)
        .assert_contains("0 sections changed")
        .assert_contains("no differences");
    // Other spellings of the same versions.
    t.get("/compare?from=edition/first&to=draft", None)
        .await
        .assert_status(StatusCode::OK)
        .assert_contains("1 section changed")
        .assert_contains("<option value=\"first\" selected>");
    // Commit ids are not versions here (one could name an event commit with no resource).
    let meta = t.git(&["rev-parse", "refs/proposals/1/meta"]);
    let main = t.lib().main().unwrap().0;
    for commit in [meta.trim(), main.as_str()] {
        t.get(&format!("/compare?from={commit}&to=main"), None)
            .await
            .assert_status(StatusCode::NOT_FOUND);
    }
    for bad in [
        "/compare?from=nope&to=main",
        "/compare?from=main&to=nope",
        "/compare?from=..&to=main",
        "/compare?from=main&to=refs%2Fheads%2Fmain",
        "/compare?from=nope",
    ] {
        t.get(bad, None)
            .await
            .assert_status(StatusCode::NOT_FOUND)
            .assert_contains("Page not found");
    }
}

#[tokio::test]
async fn compare_summarises_the_structure_before_the_words() {
    let t = TestApp::new();
    let m = t.maintainer();
    t.lib()
        .publish("first", "First edition", "", &m.user.identity())
        .unwrap();
    // A merged proposal that changes the section's heading renames it.
    let lib = t.lib();
    let text = lib.section("usability", "main").unwrap().text;
    let renamed = text.replacen(
        "# Principle 8: Usability",
        "# Principle 8: Easy to use & simple",
        1,
    );
    assert_ne!(renamed, text);
    let c = t.contributor();
    let n = lib
        .propose(&quire_core::NewProposal {
            title: "Plainer title".into(),
            rationale: "Say it plainly.".into(),
            author: c.user.identity(),
            changes: vec![(quire_core::SectionId::new("usability").unwrap(), renamed)],
            base: None,
        })
        .unwrap()
        .number;
    t.approve_and_merge(n, &m.user.identity());

    let r = t.get("/compare?from=first&to=main", None).await;
    r.assert_status(StatusCode::OK)
        .assert_contains("<h3 id=\"structure\">Structure</h3>")
        .assert_contains("<h4>Sections renamed</h4>")
        .assert_contains(
            "usability: \u{201c}Principle 8: Usability\u{201d} → \u{201c}Principle 8: Easy to use &#38; simple\u{201d}",
        )
        .assert_contains("Text changed in 1 section");
    assert!(!r.body.contains("Sections moved"), "{}", r.body);
    assert!(!r.body.contains("use & simple"), "titles are escaped");

    // The same version on both sides: the structure is unchanged.
    t.get("/compare?from=first&to=first", None)
        .await
        .assert_status(StatusCode::OK)
        .assert_contains("Structure unchanged")
        .assert_contains("Text changed in no section.");
}

/// GET with a `Host` header (or none).
async fn get_with_host(t: &TestApp, path: &str, host: Option<&str>) -> support::Resp {
    let mut req = Request::builder().uri(path);
    if let Some(h) = host {
        req = req.header(header::HOST, h);
    }
    t.send(req.body(Body::empty()).unwrap()).await
}

fn atom_ns() -> &'static str {
    "http://www.w3.org/2005/Atom"
}

fn child_text<'a>(node: roxmltree::Node<'a, 'a>, name: &str) -> Option<&'a str> {
    node.children()
        .find(|c| c.has_tag_name((atom_ns(), name)))
        .and_then(|c| c.text())
}

#[tokio::test]
async fn the_proposals_feed_is_valid_atom_newest_first_and_escaped() {
    let t = TestApp::with_config(|c| c.public_url = Some("http://quire.example.org:8080".into()));
    let m = t.maintainer();
    let c = t.contributor();
    let nasty = t.propose_paragraph(&c.user.identity(), "usability", NASTY_TITLE, "Text.");
    let hidden = t.propose_paragraph(&c.user.identity(), "take-up", "Hide me", "Text.");
    t.lib()
        .set_proposal_hidden(hidden, &m.user.identity(), true, "spam")
        .unwrap();

    // Links are on the public URL, whatever the Host header says.
    let r = get_with_host(&t, "/feeds/proposals.atom", Some("other.example")).await;
    r.assert_status(StatusCode::OK);
    assert_eq!(
        r.headers.get(header::CONTENT_TYPE).unwrap(),
        "application/atom+xml; charset=utf-8"
    );
    assert!(!r.body.contains("<script"), "{}", r.body);
    assert!(!r.body.contains("<img"), "{}", r.body);
    let doc = roxmltree::Document::parse(&r.body).unwrap();
    let feed = doc.root_element();
    assert!(feed.has_tag_name((atom_ns(), "feed")));
    assert!(child_text(feed, "id").is_some());
    assert!(child_text(feed, "updated").is_some());
    let entries: Vec<_> = feed
        .children()
        .filter(|n| n.has_tag_name((atom_ns(), "entry")))
        .collect();
    let ids: Vec<&str> = entries
        .iter()
        .map(|e| child_text(*e, "id").unwrap())
        .collect();
    // The bundled samples are 1..=6; the nasty one is newest; the hidden one is left out.
    assert_eq!(ids[0], format!("urn:quire:proposal:{nasty}"));
    assert!(!ids.contains(&format!("urn:quire:proposal:{hidden}").as_str()));
    assert_eq!(ids.len(), t.lib().proposal_numbers().unwrap().len() - 1);
    let e = entries[0];
    assert_eq!(
        child_text(e, "title").unwrap(),
        format!("#{nasty} {NASTY_TITLE}"),
        "the title survives escaping exactly"
    );
    assert_eq!(
        child_text(e, "summary").unwrap(),
        format!("Rationale: {NASTY_TITLE}")
    );
    let author = e
        .children()
        .find(|c| c.has_tag_name((atom_ns(), "author")))
        .unwrap();
    assert_eq!(child_text(author, "name"), Some("Connie Contributor"));
    let p = t.lib().proposal(nasty).unwrap();
    assert_eq!(child_text(e, "updated"), Some(p.updated.as_str()));
    let link = e
        .children()
        .find(|c| c.has_tag_name((atom_ns(), "link")))
        .unwrap();
    assert_eq!(
        link.attribute("href"),
        Some(format!("http://quire.example.org:8080/proposals/{nasty}").as_str())
    );

    // No Host header, or a suspicious one: the same.
    for host in [None, Some("evil.example\"><x")] {
        let r = get_with_host(&t, "/feeds/proposals.atom", host).await;
        r.assert_status(StatusCode::OK)
            .assert_contains("href=\"http://quire.example.org:8080/proposals/");
        roxmltree::Document::parse(&r.body).unwrap();
    }
}

#[tokio::test]
async fn the_proposals_feed_holds_the_fifty_newest() {
    let t = TestApp::new();
    let c = t.contributor();
    let mut last = 0;
    for i in 0..50 {
        last = t.propose_paragraph(
            &c.user.identity(),
            "usability",
            &format!("Proposal {i}"),
            "Text.",
        );
    }
    let r = t.get("/feeds/proposals.atom", None).await;
    let doc = roxmltree::Document::parse(&r.body).unwrap();
    let ids: Vec<String> = doc
        .root_element()
        .children()
        .filter(|n| n.has_tag_name((atom_ns(), "entry")))
        .map(|e| child_text(e, "id").unwrap().to_string())
        .collect();
    assert_eq!(ids.len(), 50);
    assert_eq!(ids[0], format!("urn:quire:proposal:{last}"));
    assert_eq!(ids[49], format!("urn:quire:proposal:{}", last - 49));
}

#[tokio::test]
async fn the_editions_feed_lists_every_edition_with_its_changelog() {
    let t = TestApp::with_config(|c| c.public_url = Some("http://quire.example.org".into()));
    let m = t.maintainer();
    // An empty feed is still valid.
    let r = t.get("/feeds/editions.atom", None).await;
    r.assert_status(StatusCode::OK);
    let doc = roxmltree::Document::parse(&r.body).unwrap();
    assert!(doc.root_element().has_tag_name((atom_ns(), "feed")));

    t.lib()
        .publish("first", "First <edition>", "", &m.user.identity())
        .unwrap();
    let c = t.contributor();
    let n = t.propose_paragraph(&c.user.identity(), "usability", NASTY_TITLE, "Text.");
    t.approve_and_merge(n, &m.user.identity());
    t.lib()
        .publish(
            "second",
            "Second & last",
            "Notes with <script>alert(3)</script>",
            &m.user.identity(),
        )
        .unwrap();
    let r = get_with_host(&t, "/feeds/editions.atom", Some("other.example")).await;
    r.assert_status(StatusCode::OK);
    assert_eq!(
        r.headers.get(header::CONTENT_TYPE).unwrap(),
        "application/atom+xml; charset=utf-8"
    );
    assert!(!r.body.contains("<script"), "{}", r.body);
    let doc = roxmltree::Document::parse(&r.body).unwrap();
    let entries: Vec<_> = doc
        .root_element()
        .children()
        .filter(|n| n.has_tag_name((atom_ns(), "entry")))
        .collect();
    let ids: Vec<&str> = entries
        .iter()
        .map(|e| child_text(*e, "id").unwrap())
        .collect();
    assert_eq!(ids, ["urn:quire:edition:second", "urn:quire:edition:first"]);
    assert_eq!(child_text(entries[0], "title"), Some("Second & last"));
    assert_eq!(child_text(entries[1], "title"), Some("First <edition>"));
    let content = entries[0]
        .children()
        .find(|c| c.has_tag_name((atom_ns(), "content")))
        .unwrap();
    assert_eq!(content.attribute("type"), Some("html"));
    let html = content.text().unwrap();
    // The content is HTML in which the title is text, not markup.
    assert!(
        html.contains("Fix &lt;script&gt;alert(1)&lt;/script&gt;"),
        "{html}"
    );
    assert!(html.contains("proposed by Connie Contributor"), "{html}");
    assert!(html.contains(&format!("href=\"http://quire.example.org/proposals/{n}\"")));
    assert!(!html.contains("<script"), "{html}");
    assert!(!html.contains("<img"), "{html}");
    let link = entries[0]
        .children()
        .find(|c| c.has_tag_name((atom_ns(), "link")))
        .unwrap();
    assert_eq!(
        link.attribute("href"),
        Some("http://quire.example.org/editions/second/changelog")
    );
}

#[tokio::test]
async fn reading_editions_compare_and_feeds_is_open_to_every_role() {
    let t = TestApp::new();
    let m = t.maintainer();
    t.lib()
        .publish("first", "First edition", "", &m.user.identity())
        .unwrap();
    let c = t.contributor();
    let gone = t.session("Gone Reader", Role::Contributor);
    t.state.store().set_blocked(gone.user.id, true).unwrap();
    let blocked = t.blocked_signed_in("Blocked Reader", Role::Contributor);
    for who in [None, Some(&c), Some(&m), Some(&gone), Some(&blocked)] {
        for path in [
            "/editions",
            "/editions/first/changelog",
            "/compare",
            "/compare?from=first&to=main",
            "/feeds/proposals.atom",
            "/feeds/editions.atom",
        ] {
            t.get(path, who).await.assert_status(StatusCode::OK);
        }
        t.get("/editions/nope/changelog", who)
            .await
            .assert_status(StatusCode::NOT_FOUND);
    }
    // Only a maintainer sees the Publish and Moderation links.
    let nav = |r: &support::Resp| r.body.contains("href=\"/publish\"");
    assert!(nav(&t.get("/editions", Some(&m)).await));
    assert!(!nav(&t.get("/editions", Some(&c)).await));
    assert!(!nav(&t.get("/editions", Some(&blocked)).await));
    assert!(!nav(&t.get("/editions", None).await));
}
