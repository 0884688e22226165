//! Publishes two editions of the bundled resource, with sample proposals merged before and
//! between them, exports both, and checks the sites with a small crawler: every internal
//! link resolves to a file and every `#fragment` to an id; the changes page lists exactly the
//! merged proposals' sections with the right counts; the contributors page lists exactly
//! their authors; paragraph anchors are stable where the paragraph did not change.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use quire_core::{Identity, Library, NewProposal, SectionId, Verdict};
use quire_export::{export_markdown, export_single_html, export_site, SiteOptions};

struct Fixture {
    _dir: tempfile::TempDir,
    root: PathBuf,
    lib: Library,
    /// Proposals merged for the second edition: (number, author name, sections).
    second: Vec<(u64, String, Vec<String>)>,
}

fn who(s: &str) -> Identity {
    s.parse().unwrap()
}

const NEW_PARAGRAPH: &str = "Publish your performance data every month, in the open, so residents can see how services are doing. <script>alert('x')</script>";

/// Two editions: `2027.1` (the bundled text plus sample proposal 6), `2027.2` (plus samples
/// 1, 2 and 4, and a proposal that puts a new first paragraph into `performance`).
fn fixture() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().to_path_buf();
    let founder = who("Quire Founder <founder@example.org>");
    let maintainer = who("Mia Maintainer <mia@example.org>");
    let (lib, opened) = quire_bundled::init_library(&root.join("library.git"), &founder).unwrap();
    assert_eq!(opened.len(), 6);
    let merge = |n: u64| {
        lib.review(n, &maintainer, Verdict::Approved, "").unwrap();
        lib.merge(n, &maintainer).unwrap();
    };
    merge(opened[5]);
    lib.publish(
        "2027.1",
        "Spring 2027 edition",
        "The first edition.",
        &maintainer,
    )
    .unwrap();
    for i in [0, 1, 3] {
        merge(opened[i]);
    }
    let text = lib.section("performance", "main").unwrap().text;
    let (title, rest) = text.split_once("\n\n").unwrap();
    let mine = lib
        .propose(&NewProposal {
            title: "Publish performance data monthly".into(),
            rationale: "Residents ask.".into(),
            author: who("Tessa Tester <tessa@example.org>"),
            changes: vec![(
                SectionId::new("performance").unwrap(),
                format!("{title}\n\n{NEW_PARAGRAPH}\n\n{rest}"),
            )],
            base: None,
        })
        .unwrap();
    merge(mine.number);
    lib.publish("2027.2", "Autumn 2027 edition", "", &maintainer)
        .unwrap();
    let mut second = Vec::new();
    for n in [opened[0], opened[1], opened[3], mine.number] {
        let p = lib.proposal(n).unwrap();
        second.push((
            n,
            p.author.name.clone(),
            p.sections.iter().map(|s| s.to_string()).collect(),
        ));
    }
    Fixture {
        _dir: dir,
        root,
        lib,
        second,
    }
}

/// Every value of `attr="..."` in `html`.
fn attrs(html: &str, attr: &str) -> Vec<String> {
    let needle = format!(" {attr}=\"");
    let mut out = Vec::new();
    let mut rest = html;
    while let Some(i) = rest.find(&needle) {
        rest = &rest[i + needle.len()..];
        let end = rest.find('"').expect("attribute closes");
        out.push(decode(&rest[..end]));
        rest = &rest[end..];
    }
    out
}

fn decode(s: &str) -> String {
    s.replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

fn files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(files(&p));
        } else {
            out.push(p);
        }
    }
    out.sort();
    out
}

/// Checks every internal link of every HTML page (and every search-index entry) of a site;
/// returns the number of links checked.
fn crawl(site: &Path) -> usize {
    let site = site.canonicalize().unwrap();
    let mut ids: BTreeMap<PathBuf, BTreeSet<String>> = BTreeMap::new();
    let pages: Vec<PathBuf> = files(&site)
        .into_iter()
        .filter(|p| p.extension().is_some_and(|e| e == "html"))
        .collect();
    for p in &pages {
        let html = std::fs::read_to_string(p).unwrap();
        let list = attrs(&html, "id");
        let set: BTreeSet<String> = list.iter().cloned().collect();
        assert_eq!(set.len(), list.len(), "duplicate ids in {}", p.display());
        ids.insert(p.clone(), set);
    }
    let mut checked = 0;
    let mut check = |from: &Path, link: &str| {
        if link.starts_with("http://")
            || link.starts_with("https://")
            || link.starts_with("mailto:")
        {
            return;
        }
        assert!(
            !link.starts_with('/') && !link.contains("://"),
            "{}: link {link:?} is not relative",
            from.display()
        );
        let (path, frag) = match link.split_once('#') {
            Some((p, f)) => (p, Some(f)),
            None => (link, None),
        };
        let path = path.split('?').next().unwrap();
        let target = if path.is_empty() {
            from.to_path_buf()
        } else {
            assert!(
                !path.ends_with('/'),
                "{}: {link:?} names a folder",
                from.display()
            );
            from.parent().unwrap().join(path)
        };
        let target = target
            .canonicalize()
            .unwrap_or_else(|_| panic!("{}: broken link {link:?}", from.display()));
        assert!(
            target.starts_with(&site),
            "{}: {link:?} leaves the site",
            from.display()
        );
        if let Some(f) = frag {
            let set = ids.get(&target).unwrap_or_else(|| {
                panic!("{}: {link:?} has a fragment but no ids", from.display())
            });
            assert!(
                set.contains(f),
                "{}: no id {f:?} in {}",
                from.display(),
                target.display()
            );
        }
        checked += 1;
    };
    for p in &pages {
        let html = std::fs::read_to_string(p).unwrap();
        for attr in ["href", "src", "action"] {
            for link in attrs(&html, attr) {
                check(p, &link);
            }
        }
    }
    // The search index links too.
    let index = search_index(&site);
    for s in index["sections"].as_array().unwrap() {
        for b in s["blocks"].as_array().unwrap() {
            let link = format!("{}#{}", s["url"].as_str().unwrap(), b[0].as_str().unwrap());
            check(&site.join("search.html"), &link);
        }
    }
    checked
}

fn search_index(site: &Path) -> serde_json::Value {
    let js = std::fs::read_to_string(site.join("search-index.js")).unwrap();
    let start = js.find("= ").unwrap() + 2;
    let json = js[start..].trim_end().trim_end_matches(';');
    serde_json::from_str(json).unwrap()
}

fn read(p: &Path) -> String {
    std::fs::read_to_string(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

/// (content anchor, paragraph number) of every numbered block of a section page.
fn paragraph_anchors(html: &str) -> Vec<(String, usize)> {
    let mut out = Vec::new();
    let needle = "<a class=\"pnum\" id=\"";
    let mut rest = html;
    while let Some(i) = rest.find(needle) {
        rest = &rest[i + needle.len()..];
        let end = rest.find('"').unwrap();
        let c = rest[..end].to_string();
        let href = "href=\"#p-";
        let h = rest.find(href).unwrap() + href.len();
        let n_end = rest[h..].find('"').unwrap();
        out.push((c, rest[h..h + n_end].parse().unwrap()));
    }
    out
}

fn export(f: &Fixture, edition: &str) -> PathBuf {
    let out = f.root.join(format!("site-{edition}"));
    let mut steps = Vec::new();
    let report = export_site(&f.lib, edition, &out, &SiteOptions::default(), &mut |p| {
        steps.push(p)
    })
    .unwrap();
    assert_eq!(report.sections, 26);
    assert_eq!(report.files, 26 + 7);
    let last = steps.last().unwrap();
    assert_eq!(last.done, last.total, "progress ends complete");
    assert_eq!(steps.len(), report.files);
    out
}

#[test]
fn two_editions_export_as_linked_sites_with_exact_changes_credits_and_stable_anchors() {
    let f = fixture();
    let one = export(&f, "2027.1");
    let two = export(&f, "2027.2");

    // No broken internal links, in either site.
    for site in [&one, &two] {
        let n = crawl(site);
        assert!(n > 26 * 3, "only {n} links checked");
        assert!(site.join("index.html").is_file());
        assert!(site.join(quire_export::MARKER).is_file());
    }

    // Contents: every section in reading order, linked.
    let contents = read(&two.join("index.html"));
    let sections = f.lib.sections("2027.2").unwrap();
    let links: Vec<String> = attrs(&contents, "href")
        .into_iter()
        .filter(|h| h.starts_with("sections/"))
        .collect();
    let want: Vec<String> = sections
        .iter()
        .map(|s| format!("sections/{}.html", s.id))
        .collect();
    assert_eq!(links, want);
    assert!(contents.contains("<html lang=\"en-GB\">"));
    assert!(contents.contains("class=\"skip-link\" href=\"#main\""));
    assert!(contents.contains("<label for=\"search-q\">"));

    // Previous/next navigation follows the reading order.
    let usability = read(&two.join("sections/usability.html"));
    let i = sections
        .iter()
        .position(|s| s.id.as_str() == "usability")
        .unwrap();
    assert!(usability.contains(&format!(
        "rel=\"prev\" href=\"{}.html\"",
        sections[i - 1].id
    )));
    assert!(usability.contains(&format!(
        "rel=\"next\" href=\"{}.html\"",
        sections[i + 1].id
    )));

    // The first edition says it is the first, and credits the proposal merged before it.
    let changes_one = read(&one.join("changes.html"));
    assert!(
        changes_one.contains("This is the first edition"),
        "{changes_one}"
    );
    let contributors_one = read(&one.join("contributors.html"));
    assert_eq!(names(&contributors_one), ["Daniel Mensah"]);

    // The second edition's changes page: exactly the merged proposals and the sections they
    // changed, each with the word counts of its diff.
    let changes = read(&two.join("changes.html"));
    let proposals: BTreeSet<String> = attrs(&changes, "id")
        .into_iter()
        .filter(|i| i.starts_with("proposal-"))
        .collect();
    let want: BTreeSet<String> = f
        .second
        .iter()
        .map(|(n, _, _)| format!("proposal-{n}"))
        .collect();
    assert_eq!(proposals, want);
    let changed: BTreeSet<String> = attrs(&changes, "id")
        .into_iter()
        .filter_map(|i| i.strip_prefix("change-").map(str::to_string))
        .filter(|i| !i.ends_with("-title"))
        .collect();
    let want: BTreeSet<String> = f.second.iter().flat_map(|(_, _, s)| s.clone()).collect();
    assert_eq!(changed, want);
    for id in &changed {
        let old = f.lib.section(id, "2027.1").unwrap().text;
        let new = f.lib.section(id, "2027.2").unwrap().text;
        let stats = quire_core::prose::diff(&old, &new).stats;
        assert!(stats.words_added + stats.words_removed > 0);
        assert!(
            changes.contains(&format!(
                "id=\"change-{id}\" data-kind=\"changed\" data-words-added=\"{}\" data-words-removed=\"{}\"",
                stats.words_added, stats.words_removed
            )),
            "counts of {id}"
        );
        assert!(changes.contains(&format!(
            "{} word{} added",
            stats.words_added,
            if stats.words_added == 1 { "" } else { "s" }
        )));
    }
    assert!(changes.contains("<ins>"), "the word diff is shown");
    assert!(changes.contains("Compared with the previous edition, Spring 2027 edition"));

    // The contributors page: exactly the merged proposals' authors.
    let contributors = read(&two.join("contributors.html"));
    let want: BTreeSet<String> = f.second.iter().map(|(_, a, _)| a.clone()).collect();
    let got: BTreeSet<String> = names(&contributors).into_iter().collect();
    assert_eq!(got, want);
    assert!(!contributors.contains("Daniel Mensah"));
    assert!(!contributors.contains("@example"), "no email addresses");

    // Anchors: a section that did not change keeps every positional and content anchor.
    let a = paragraph_anchors(&read(&one.join("sections/capability.html")));
    let b = paragraph_anchors(&read(&two.join("sections/capability.html")));
    assert!(a.len() > 5);
    assert_eq!(a, b);
    // Positional anchors p-1..p-N all exist, as ids.
    let page = read(&two.join("sections/performance.html"));
    let after = paragraph_anchors(&page);
    for n in 1..=after.len() {
        assert!(page.contains(&format!("id=\"p-{n}\"")), "p-{n}");
    }
    // In `performance` a paragraph was inserted first: every old paragraph moved down one
    // place and kept its content anchor.
    let before = paragraph_anchors(&read(&one.join("sections/performance.html")));
    assert_eq!(after.len(), before.len() + 1);
    for (c, n) in &before {
        assert!(
            after.contains(&(c.clone(), n + 1)),
            "{c} was ¶ {n}, now {:?}",
            after.iter().find(|(x, _)| x == c)
        );
    }
    assert_eq!(after[0].1, 1);
    assert!(!before.iter().any(|(c, _)| *c == after[0].0));

    // Sanitised: the script in the section text is gone; the text around it stays.
    assert!(page.contains("Publish your performance data every month"));
    for p in files(&two) {
        if p.extension().is_some_and(|e| e == "html") {
            let html = read(&p).to_lowercase();
            let scripts = html.matches("<script").count();
            let want = if p.ends_with("search.html") { 2 } else { 0 };
            assert_eq!(scripts, want, "{}", p.display());
        }
    }

    // The search index covers every paragraph and finds the new one.
    let index = search_index(&two);
    let perf = index["sections"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["id"] == "performance")
        .unwrap();
    assert_eq!(perf["blocks"][1][0], "p-1");
    assert!(perf["blocks"][1][2]
        .as_str()
        .unwrap()
        .starts_with("Publish your performance data every month"));
}

/// The names on a contributors page.
fn names(html: &str) -> Vec<String> {
    let needle = "<strong class=\"name\">";
    html.match_indices(needle)
        .map(|(i, _)| {
            let rest = &html[i + needle.len()..];
            decode(&rest[..rest.find('<').unwrap()])
        })
        .collect()
}

#[test]
fn single_html_is_self_contained_and_its_links_resolve() {
    let f = fixture();
    let html = export_single_html(&f.lib, "2027.2").unwrap();
    assert!(!html.to_lowercase().contains("<script"));
    assert!(html.contains("<style>"));
    assert!(!html.contains("rel=\"stylesheet\""));
    let ids: BTreeSet<String> = attrs(&html, "id").into_iter().collect();
    assert_eq!(ids.len(), attrs(&html, "id").len(), "ids are unique");
    for link in attrs(&html, "href") {
        if link.starts_with("http") || link.starts_with("mailto:") {
            continue;
        }
        let frag = link
            .strip_prefix('#')
            .unwrap_or_else(|| panic!("{link:?} leaves the file"));
        assert!(ids.contains(frag), "no id {frag:?}");
    }
    assert!(ids.contains("usability") && ids.contains("usability_p-3"));
    assert_eq!(html.matches("class=\"chapter section-text\"").count(), 26);
}

#[test]
fn markdown_bundle_holds_the_sources_and_linked_pages() {
    let f = fixture();
    let out = f.root.join("md");
    let report =
        export_markdown(&f.lib, "2027.2", &out, &SiteOptions::default(), &mut |_| {}).unwrap();
    assert_eq!(report.files, 26 + 3);
    for s in f.lib.sections("2027.2").unwrap() {
        let text = f.lib.section(s.id.as_str(), "2027.2").unwrap().text;
        assert_eq!(read(&out.join(format!("sections/{}.md", s.id))), text);
    }
    for page in ["index.md", "changes.md", "contributors.md"] {
        let md = read(&out.join(page));
        for (i, _) in md.match_indices("](") {
            let rest = &md[i + 2..];
            let link = &rest[..rest.find(')').unwrap()];
            assert!(out.join(link).is_file(), "{page}: broken link {link}");
        }
    }
    let contributors = read(&out.join("contributors.md"));
    for (_, author, _) in &f.second {
        assert!(contributors.contains(&format!("- **{author}**")));
    }
    assert!(read(&out.join("changes.md")).contains("{+"));
}

#[test]
fn the_draft_exports_and_output_folders_are_protected() {
    let f = fixture();
    // The draft equals 2027.2 here: nothing merged since.
    let draft = f.root.join("draft");
    export_site(&f.lib, "main", &draft, &SiteOptions::default(), &mut |_| {}).unwrap();
    assert!(read(&draft.join("index.html")).contains("Working draft"));
    crawl(&draft);
    // A folder with other files in it is refused and left alone.
    let busy = f.root.join("busy");
    std::fs::create_dir(&busy).unwrap();
    std::fs::write(busy.join("notes.txt"), "mine").unwrap();
    let err = export_site(
        &f.lib,
        "2027.1",
        &busy,
        &SiteOptions::replacing(),
        &mut |_| {},
    )
    .unwrap_err();
    assert!(
        matches!(err, quire_export::Error::OutputNotEmpty(_)),
        "{err}"
    );
    assert_eq!(files(&busy).len(), 1);
    // An earlier export is replaced only when asked.
    let err = export_site(
        &f.lib,
        "2027.1",
        &draft,
        &SiteOptions::default(),
        &mut |_| {},
    )
    .unwrap_err();
    assert!(
        matches!(err, quire_export::Error::OutputNotEmpty(_)),
        "{err}"
    );
    export_site(
        &f.lib,
        "2027.1",
        &draft,
        &SiteOptions::replacing(),
        &mut |_| {},
    )
    .unwrap();
    assert!(read(&draft.join("index.html")).contains("Spring 2027 edition"));
    // No temporary folders are left behind.
    let leftovers: Vec<_> = std::fs::read_dir(&f.root)
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().starts_with('.'))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
    // An unknown edition is the core's error.
    let err = export_site(
        &f.lib,
        "nope",
        &f.root.join("x"),
        &SiteOptions::default(),
        &mut |_| {},
    )
    .unwrap_err();
    assert!(
        matches!(err, quire_export::Error::Core(ref e) if e.is_not_found()),
        "{err}"
    );
}
