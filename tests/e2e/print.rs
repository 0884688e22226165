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
