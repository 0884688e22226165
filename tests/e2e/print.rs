//! `quire export EDITION --format pdf`: the print edition, read back with poppler's
//! `pdftotext` (Debian package `poppler-utils`).

use std::process::Command;

use crate::support::Env;

fn pdf_text(path: &std::path::Path) -> String {
    let out = Command::new("pdftotext")
        .args(["-enc", "UTF-8"])
        .arg(path)
        .arg("-")
        .output()
        .expect("run pdftotext (install the Debian package poppler-utils)");
    assert!(out.status.success(), "pdftotext failed");
    String::from_utf8(out.stdout).expect("UTF-8 text")
}

#[test]
fn export_format_pdf_writes_the_print_edition() {
    let env = Env::new();
    env.quire(["init"]).ok();
    env.quire(["review", "1", "--approve"]).ok();
    env.quire(["merge", "1"]).ok();
    env.quire(["publish", "spring-2027", "--title", "Spring 2027"])
        .ok();

    let file = env.path("out/spring.pdf");
    env.quire(["export", "spring-2027", "--format", "pdf"])
        .arg_path("--out", &file)
        .ok()
        .stdout_has("Exported 'spring-2027' as a PDF");
    let bytes = std::fs::read(&file).expect("the PDF was written");
    assert!(bytes.starts_with(b"%PDF-"));
    let text = pdf_text(&file);
    for shown in [
        "Digital Insights",
        "Spring 2027",
        "Contents",
        "Principle 8: Usability",
        "Changes in this edition",
        "Gareth Llewellyn",
    ] {
        assert!(text.contains(shown), "{shown:?} missing from the PDF text");
    }

    // A folder as --out gets <EDITION>.pdf; the draft prints as a preview.
    env.quire(["export", "main", "--format", "pdf"])
        .arg_path("--out", &env.path("out"))
        .ok();
    let draft = pdf_text(&env.path("out/main.pdf"));
    assert!(draft.contains("Draft of the next edition"), "{draft}");

    // An unknown edition is "not found", and nothing is written.
    env.quire(["export", "autumn-2099", "--format", "pdf"])
        .arg_path("--out", &env.path("out/none.pdf"))
        .code(3);
    assert!(!env.path("out/none.pdf").exists());
}

/// Pages of a PDF (pdftotext splits them with form feeds) that begin with one of `titles`.
fn section_starts(text: &str, titles: &[String]) -> Vec<String> {
    let squash = |s: &str| s.split_whitespace().collect::<String>();
    text.split('\u{c}')
        .filter_map(|page| {
            let head: String = page
                .lines()
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .take(2)
                .collect();
            let head = squash(&head);
            titles
                .iter()
                .find(|t| head.starts_with(&squash(t)))
                .cloned()
        })
        .collect()
}

#[test]
fn two_editions_export_as_sites_and_print_editions_with_every_section() {
    let env = Env::new();
    env.quire(["init"]).ok();
    env.quire(["review", "1", "--approve"]).ok();
    env.quire(["merge", "1"]).ok();
    env.quire(["publish", "spring-2027", "--title", "Spring 2027"])
        .ok();
    env.quire(["review", "6", "--approve"]).ok();
    env.quire(["merge", "6"]).ok();
    env.quire(["publish", "autumn-2027", "--title", "Autumn 2027"])
        .ok();
    let proposal_title = |n: &str| {
        env.quire(["proposal", n, "--json"]).ok().json()["proposal"]["title"]
            .as_str()
            .expect("title")
            .to_string()
    };
    let (first, sixth) = (proposal_title("1"), proposal_title("6"));

    for (edition, merged, not_merged) in [
        ("spring-2027", &first, &sixth),
        ("autumn-2027", &sixth, &first),
    ] {
        let titles: Vec<String> = env
            .quire(["sections", "--at", edition, "--json"])
            .ok()
            .json()
            .as_array()
            .expect("sections")
            .iter()
            .map(|s| s["title"].as_str().expect("title").to_string())
            .collect();
        assert_eq!(titles.len(), 26);

        env.quire(["export", edition])
            .arg_path("--out", &env.path(&format!("site-{edition}")))
            .ok();
        assert!(env.path(&format!("site-{edition}/changes.html")).exists());

        let file = env.path(&format!("{edition}.pdf"));
        env.quire(["export", edition, "--format", "pdf"])
            .arg_path("--out", &file)
            .ok();
        let text = pdf_text(&file);
        // Every section starts a page, once, in reading order.
        assert_eq!(section_starts(&text, &titles), titles, "{edition}");
        // The changelog at the end credits this edition's merge only.
        let changelog = text
            .rsplit_once("Changes in this edition")
            .map(|(_, tail)| tail.split_whitespace().collect::<Vec<_>>().join(" "))
            .expect("a changelog");
        let words = |s: &str| s.split_whitespace().collect::<Vec<_>>().join(" ");
        assert!(changelog.contains(&words(merged)), "{edition}: {changelog}");
        assert!(
            !changelog.contains(&words(not_merged)),
            "{edition}: {changelog}"
        );
    }
}
