//! The print edition, checked with a real PDF tool: poppler's `pdftotext` (Debian package
//! `poppler-utils`) extracts the text, page by page, and the tests read it back like a
//! reader would: title page, contents with page numbers, every section from its own page
//! in reading order, and the changelog crediting the authors.

#![allow(clippy::unwrap_used)]

use std::path::Path;
use std::process::Command;

use quire_core::{Identity, Library, Verdict};
use quire_pdf::{EditionText, PartText, SectionText};

fn person(s: &str) -> Identity {
    s.parse().expect("valid identity")
}

/// The text of a PDF, one string per page, as `pdftotext` extracts it.
fn pdf_pages(pdf: &[u8], dir: &Path) -> Vec<String> {
    let file = dir.join("edition.pdf");
    std::fs::write(&file, pdf).expect("write the PDF");
    let out = Command::new("pdftotext")
        .args(["-enc", "UTF-8"])
        .arg(&file)
        .arg("-")
        .output()
        .expect("run pdftotext (install the Debian package poppler-utils)");
    assert!(
        out.status.success(),
        "pdftotext failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).expect("UTF-8 text");
    let mut pages: Vec<String> = text.split('\u{c}').map(str::to_string).collect();
    if pages.last().is_some_and(|p| p.trim().is_empty()) {
        pages.pop();
    }
    pages
}

/// The non-empty lines of a page, trimmed.
fn lines(page: &str) -> Vec<&str> {
    page.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect()
}

/// True if a page begins with `title` (which may wrap onto a second line).
fn starts_with(page: &str, title: &str) -> bool {
    let head: String = lines(page).iter().take(2).copied().collect();
    squash(&head).starts_with(&squash(title))
}

/// Text with all whitespace removed, for comparing text that may wrap.
fn squash(s: &str) -> String {
    s.chars().filter(|c| !c.is_whitespace()).collect()
}

struct Published {
    _dir: tempfile::TempDir,
    lib: Library,
    author: Identity,
    proposal_title: String,
}

/// The bundled resource with one sample proposal merged, published as `spring-2027`.
fn published_bundled_edition() -> Published {
    let dir = tempfile::tempdir().expect("temp dir");
    let editor = person("Ada Editor <ada.editor@example.org>");
    let maintainer = person("Morgan Reyes <morgan.reyes@example.org>");
    let reviewer = person("Sam Okoro <sam.okoro@example.org>");
    let (lib, opened) =
        quire_bundled::init_library(&dir.path().join("library.git"), &editor).expect("init");
    let n = opened[0];
    lib.review(n, &reviewer, Verdict::Approved, "Good.")
        .expect("approve");
    let merged = lib.merge(n, &maintainer).expect("merge");
    lib.publish(
        "spring-2027",
        "Spring 2027",
        "The spring conference edition.",
        &maintainer,
    )
    .expect("publish");
    Published {
        _dir: dir,
        lib,
        author: merged.author,
        proposal_title: merged.title,
    }
}

#[test]
fn the_bundled_edition_prints_with_title_page_contents_sections_and_changelog() {
    let p = published_bundled_edition();
    let pdf = quire_pdf::render_edition_pdf(&p.lib, "spring-2027").expect("render");
    assert!(pdf.starts_with(b"%PDF-"), "not a PDF");
    let tmp = tempfile::tempdir().expect("temp dir");
    let pages = pdf_pages(&pdf, tmp.path());
    let sections = p.lib.sections("spring-2027").expect("sections");
    assert_eq!(sections.len(), 26);
    let edition = p.lib.edition("spring-2027").expect("edition");

    // The title page: resource title, subtitle, edition title, date; no page number.
    let title = lines(&pages[0]);
    assert_eq!(title[0], "Digital Insights", "{title:?}");
    assert!(
        pages[0].contains("A guide for local public services writing their digital strategies"),
        "{title:?}"
    );
    assert!(title.contains(&"Spring 2027"), "{title:?}");
    let (y, rest) = edition.date.split_once('-').expect("date");
    let (m, d) = rest.split_once('-').expect("date");
    let month = [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ][m.parse::<usize>().expect("month") - 1];
    let published = format!("Published {} {month} {y}", d.parse::<u32>().expect("day"));
    assert!(title.contains(&published.as_str()), "{title:?}");
    assert!(
        title.contains(&"The spring conference edition."),
        "{title:?}"
    );
    assert!(
        !title.contains(&"1"),
        "the title page shows no number: {title:?}"
    );

    // The contents: every section title in order, each with the number of the page its
    // section starts on (pages are numbered from the title page).
    let contents_start = pages
        .iter()
        .position(|p| lines(p).first() == Some(&"Contents"))
        .expect("a contents page");
    assert_eq!(contents_start, 1, "contents follow the title page");
    let contents: Vec<&str> = pages[contents_start..]
        .iter()
        .take_while(|p| !lines(p).contains(&"Introduction"))
        .flat_map(|p| lines(p))
        .collect();
    let mut listed = Vec::new();
    for line in &contents {
        // "Principle 8: Usability . . . . . 31": the title, dot leaders, the page.
        let Some((head, page)) = line.rsplit_once(' ') else {
            continue;
        };
        // typst puts a word joiner (U+2060) before the page number.
        let Ok(page) = page.trim_start_matches('\u{2060}').parse::<usize>() else {
            continue;
        };
        let title = head.trim_end_matches(['.', ' ']).trim();
        listed.push((title.to_string(), page));
    }
    let listed_sections: Vec<&(String, usize)> = listed
        .iter()
        .filter(|(t, _)| sections.iter().any(|s| &s.title == t))
        .collect();
    assert_eq!(
        listed_sections
            .iter()
            .map(|(t, _)| t.as_str())
            .collect::<Vec<_>>(),
        sections
            .iter()
            .map(|s| s.title.as_str())
            .collect::<Vec<_>>(),
        "contents lines: {contents:#?}"
    );
    for (title, page) in &listed_sections {
        assert!(
            starts_with(&pages[page - 1], title),
            "the contents say {title:?} starts on page {page}: {:?}",
            pages[page - 1]
        );
    }
    for part in ["Introduction", "Key principles", "Supporting principles"] {
        assert!(
            listed.iter().any(|(t, _)| t == part),
            "{part} in the contents: {listed:?}"
        );
    }
    assert!(
        listed.iter().any(|(t, _)| t == "Changes in this edition"),
        "{listed:?}"
    );

    // The body: exactly 26 pages start with a section title, in reading order, after the
    // contents; each part has a divider page before its first section.
    let starts: Vec<&str> = pages
        .iter()
        .skip(contents_start + 1)
        .filter_map(|p| {
            sections
                .iter()
                .find(|s| starts_with(p, &s.title))
                .map(|s| s.title.as_str())
        })
        .collect();
    assert_eq!(
        starts,
        sections
            .iter()
            .map(|s| s.title.as_str())
            .collect::<Vec<_>>()
    );
    assert_eq!(starts.len(), 26, "the expected number of sections");
    let usability = pages
        .iter()
        .find(|p| lines(p).first() == Some(&"Principle 8: Usability"))
        .expect("usability page");
    assert!(
        usability.contains("What this means"),
        "subheadings are kept"
    );
    assert!(
        squash(usability).contains(&squash("Most people will not read instructions.")),
        "paragraphs are kept"
    );
    assert!(
        squash(usability).contains(&squash("• page layout, colours, text size")),
        "lists are kept: {usability}"
    );

    // The changelog, last: the merged proposal with its author.
    let last = pages.last().expect("pages");
    assert_eq!(
        lines(last).first(),
        Some(&"Changes in this edition"),
        "{last}"
    );
    let last = squash(last);
    assert!(
        last.contains(&squash(&format!("#1 {}", p.proposal_title))),
        "{last}"
    );
    assert!(
        last.contains(&squash(&format!("proposed by {}", p.author.name))),
        "{last}"
    );
    assert!(last.contains(&squash("Merged by Morgan Reyes")), "{last}");
}

#[test]
fn the_same_edition_gives_the_same_bytes() {
    let p = published_bundled_edition();
    let a = quire_pdf::render_edition_pdf(&p.lib, "spring-2027").expect("render");
    let b = quire_pdf::render_edition_pdf(&p.lib, "edition/spring-2027").expect("render");
    assert!(a == b, "two renders of one edition differ");
}

#[test]
fn an_unknown_edition_is_a_core_error() {
    let p = published_bundled_edition();
    let e = quire_pdf::render_edition_pdf(&p.lib, "autumn-2099").expect_err("no such edition");
    assert!(
        matches!(e, quire_pdf::Error::Core(quire_core::Error::UnknownRev(_))),
        "{e:?}"
    );
}

/// Text that is markup or code in typst, placed everywhere text can come from.
const HOSTILE: &[&str] = &[
    "#set page(width: 1cm)",
    "#import \"x.typ\": *",
    "#read(\"/etc/passwd\")",
    "$x^2 + y_1$",
    "*bold* _under_ `raw`",
    "<label> @ref",
    "[content] {code}",
    "back\\slash \\u{41} \\",
    "// not a comment",
    "/* not a block */",
    "= not a heading",
    "- not a list",
    "+ not an enum",
    "/ term: not a term",
    "1. not numbered",
    "a~b -- c --- d ... e -? f",
    "'single' \"double\"",
    "https://example.org/x_(y)",
    ")]}\" ]",
];

#[test]
fn hostile_text_prints_exactly_as_written() {
    let all = HOSTILE.join(" ");
    // Markdown for a section: hostile text where Markdown leaves it alone (a code span,
    // escaped punctuation, inline HTML), plus typst-special characters Markdown ignores.
    let markdown = format!(
        "# Section {all}\n\nPara #set text(red) $5 @me ~ = / + <tag>.\n\n`code #strong[x] $y$`\n\n\\*not emphasis\\* and \\[not a link\\]\n\n- item #linebreak() ]\n- [link #x](https://example.org/#[a])\n\n```\n#panic(\"boom\")\n]\n```\n"
    );
    let e = EditionText {
        resource_title: format!("Resource {all}"),
        subtitle: Some(format!("Subtitle {}", HOSTILE[3])),
        slug: "hostile".into(),
        title: format!("Edition {}", HOSTILE[0]),
        date: "2027-04-01".into(),
        notes: format!("Notes {all}\n\nSecond paragraph ]"),
        parts: vec![PartText {
            title: format!("Part {}", HOSTILE[10]),
            sections: vec![SectionText {
                title: format!("Section {all}"),
                markdown,
            }],
        }],
        changes: vec![quire_core::ChangeEntry {
            proposal: 7,
            title: format!("Proposal {all}"),
            author: person("Zoë [#x] $y$ O'Brien <zoe@example.org>"),
            merged_by: person("M *a* _b_ <m@example.org>"),
            commit: quire_core::CommitId("0".repeat(40)),
            sections: vec!["hostile".parse().expect("id")],
        }],
    };
    let source = quire_pdf::edition_source(&e);
    let pdf = quire_pdf::typeset_pdf(&source, &e.slug).expect("hostile text typesets");
    let tmp = tempfile::tempdir().expect("temp dir");
    let pages = pdf_pages(&pdf, tmp.path());
    let text = squash(&pages.join("\n"));
    // Every hostile string shows, character for character, on the title page, in the
    // notes, the part and section headings and the changelog.
    for h in HOSTILE {
        let h = squash(h);
        let count = text.matches(&h).count();
        assert!(
            count >= 5,
            "{h:?} shows {count} times, not in every place:\n{}",
            pages.join("\n----\n")
        );
    }
    for shown in [
        "Para #set text(red) $5 @me ~ = / + <tag>.",
        "code #strong[x] $y$",
        "*not emphasis* and [not a link]",
        "item #linebreak() ]",
        "link #x",
        "https://example.org/#[a]",
        "#panic(\"boom\")",
        "Zoë [#x] $y$ O'Brien",
        "Merged by M *a* _b_",
        "Subtitle $x^2 + y_1$",
        "Second paragraph ]",
    ] {
        assert!(
            text.contains(&squash(shown)),
            "{shown:?} missing:\n{}",
            pages.join("\n----\n")
        );
    }
}

#[test]
fn a_library_section_with_every_markdown_block_prints() {
    let dir = tempfile::tempdir().expect("temp dir");
    let editor = person("Ada Editor <ada@example.org>");
    let files = vec![
        (
            "resource.toml".to_string(),
            b"title = \"Blocks\"\n[[parts]]\nid = \"all\"\ntitle = \"All\"\nsections = [\"blocks\"]\n"
                .to_vec(),
        ),
        (
            "sections/blocks.md".to_string(),
            "# Every block\n\nA *soft*\nbreak, a **hard**  \nbreak, ~~gone~~ and a note.[^n]\n\n## Sub\n\n> Quoted *text*.\n\n1. one\n2. two\n   - nested\n\n- [x] done\n- [ ] todo\n\n| Left | Right |\n|---|---|\n| a | b |\n\n---\n\n<div>raw html</div>\n\n<!-- hidden comment -->\n\n![A chart](chart.png)\n\n[^n]: The note.\n"
                .as_bytes()
                .to_vec(),
        ),
    ];
    let lib = Library::init(&dir.path().join("lib.git"), &files, &editor).expect("init");
    lib.publish("one", "One", "", &editor).expect("publish");
    let pdf = quire_pdf::render_edition_pdf(&lib, "one").expect("render");
    let pages = pdf_pages(&pdf, dir.path());
    let text = squash(&pages.join("\n"));
    for shown in [
        "A soft break, a hard",
        "gone",
        "Sub",
        "Quoted text.",
        "1. one",
        "2. two",
        "nested",
        "[x] done",
        "[ ] todo",
        "Left",
        "Right",
        "<div>raw html</div>",
        "[Image: A chart]",
        "The note.",
        "No proposals were merged for this edition.",
    ] {
        assert!(
            text.contains(&squash(shown)),
            "{shown:?} missing:\n{}",
            pages.join("\n----\n")
        );
    }
    assert!(
        !text.contains("hiddencomment"),
        "HTML comments are left out"
    );
}

/// The trust issue: the print edition printed the titles of hidden proposals. It is a
/// public artefact, so its changelog shows what an anonymous visitor may see.
#[test]
fn print_edition_hides_titles_of_hidden_proposals() {
    let p = published_bundled_edition();
    let n = p
        .lib
        .changelog(None, Some("spring-2027"))
        .expect("changelog")[0]
        .proposal;
    let maintainer = person("Morgan Reyes <morgan.reyes@example.org>");
    p.lib
        .set_proposal_hidden(n, &maintainer, true, "abuse in the title")
        .expect("hide");
    let text = quire_pdf::edition_text(&p.lib, "spring-2027").expect("text");
    let titles: Vec<&str> = text.changes.iter().map(|c| c.title.as_str()).collect();
    assert_eq!(titles, [quire_core::policy::HIDDEN_TITLE]);
    let dir = tempfile::tempdir().expect("temp dir");
    let pdf = quire_pdf::render_edition_pdf(&p.lib, "spring-2027").expect("render");
    let all = squash(&pdf_pages(&pdf, dir.path()).join("\n"));
    assert!(
        !all.contains(&squash(&p.proposal_title)),
        "the hidden title is printed"
    );
}

/// The print edition and the exports read an edition through one loader
/// (`quire_export::EditionData::load`). They used to have one each, which disagreed on the
/// draft's name (`main` in the exports, `draft` in print) and title ("Working draft"
/// against "Draft of the next edition").
#[test]
fn the_print_edition_and_the_export_name_an_edition_and_the_draft_alike() {
    let p = published_bundled_edition();
    let outline = |parts: Vec<(&str, Vec<&str>)>| -> Vec<(String, Vec<String>)> {
        parts
            .into_iter()
            .map(|(t, s)| (t.to_string(), s.into_iter().map(str::to_string).collect()))
            .collect()
    };
    for spec in ["spring-2027", "edition/spring-2027", "main", "draft", ""] {
        let text = quire_pdf::edition_text(&p.lib, spec).expect("print");
        let data = quire_export::EditionData::load(&p.lib, spec).expect("export");
        assert_eq!(text.slug, data.slug, "{spec:?}");
        assert_eq!(text.title, data.title, "{spec:?}");
        assert_eq!(text.notes, data.notes, "{spec:?}");
        assert_eq!(text.resource_title, data.resource_title, "{spec:?}");
        let printed = outline(
            text.parts
                .iter()
                .map(|p| {
                    let s = p.sections.iter().map(|s| s.title.as_str()).collect();
                    (p.title.as_str(), s)
                })
                .collect(),
        );
        let exported = outline(
            data.parts
                .iter()
                .map(|p| {
                    let s = p
                        .sections
                        .iter()
                        .map(|&i| data.sections[i].title.as_str())
                        .collect();
                    (p.title.as_str(), s)
                })
                .collect(),
        );
        assert_eq!(printed, exported, "{spec:?}");
        assert_eq!(printed.iter().map(|(_, s)| s.len()).sum::<usize>(), 26);
    }
    let draft = quire_pdf::edition_text(&p.lib, "main").expect("print");
    assert_eq!(draft.slug, "draft");
    assert_eq!(draft.title, quire_export::DRAFT_TITLE);
    let site = quire_export::export_single_html(&p.lib, "main").expect("export");
    assert!(site.contains(quire_export::DRAFT_TITLE));
    assert!(site.contains(quire_export::DRAFT_NOTES));
    let pdf = quire_pdf::render_edition_pdf(&p.lib, "main").expect("render");
    let tmp = tempfile::tempdir().expect("temp dir");
    let title_page = squash(&pdf_pages(&pdf, tmp.path())[0]);
    assert!(
        title_page.contains(&squash(quire_export::DRAFT_TITLE)),
        "{title_page}"
    );
    assert!(
        title_page.contains(&squash(quire_export::DRAFT_NOTES)),
        "{title_page}"
    );
    assert!(title_page.contains("Editiondraft"), "{title_page}");
}
