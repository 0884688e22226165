//! The bundled *Digital Insights* resource and its sample proposals, embedded at compile time
//! from the repository's top-level `resource/` and `proposals/` folders.
//!
//! `quire init` (and, later, `quire serve` on first run) use these when no resource directory
//! is given, so an installed binary can create a working library anywhere.

use include_dir::{include_dir, Dir};

/// The `resource/` folder: `resource.toml` and `sections/<id>.md`.
pub static RESOURCE: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/../../resource");

/// The `proposals/` folder: sample proposal files, loaded as open proposals by `quire init`.
pub static PROPOSALS: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/../../proposals");

/// Every file of the bundled resource as `(path relative to resource/, contents)`, sorted.
pub fn resource_files() -> Vec<(String, &'static [u8])> {
    let mut out = Vec::new();
    collect(&RESOURCE, &mut out);
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

/// The sample proposal files as `(file name, contents)`, sorted by name.
pub fn proposal_files() -> Vec<(String, &'static [u8])> {
    let mut out = Vec::new();
    collect(&PROPOSALS, &mut out);
    out.retain(|(name, _)| name.ends_with(".md") && !name.ends_with("README.md"));
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

/// Creates a library at `path` from the bundled resource and opens every bundled sample
/// proposal in it (authored by the people the files name; `who` for any that name nobody).
/// Every sample is parsed before anything is created. Returns the library and the numbers
/// of the proposals opened.
pub fn init_library(
    path: &std::path::Path,
    who: &quire_core::Identity,
) -> quire_core::Result<(quire_core::Library, Vec<u64>)> {
    let files: Vec<(String, Vec<u8>)> = resource_files()
        .into_iter()
        .map(|(p, b)| (p, b.to_vec()))
        .collect();
    let samples: Vec<(String, String)> = proposal_files()
        .into_iter()
        .map(|(name, b)| (name, String::from_utf8_lossy(b).into_owned()))
        .collect();
    init_with(path, &files, &samples, who)
}

/// Creates a library from resource files and proposal files `(name, text)`, parsing every
/// proposal file before creating anything.
pub fn init_with(
    path: &std::path::Path,
    files: &[(String, Vec<u8>)],
    proposals: &[(String, String)],
    who: &quire_core::Identity,
) -> quire_core::Result<(quire_core::Library, Vec<u64>)> {
    let parsed = proposals
        .iter()
        .map(|(name, text)| quire_core::ProposalFile::parse(name, text))
        .collect::<Result<Vec<_>, _>>()?;
    let lib = quire_core::Library::init(path, files, who)?;
    let mut opened = Vec::new();
    for f in parsed {
        let p = lib.propose(&quire_core::NewProposal {
            title: f.title,
            rationale: f.rationale,
            author: f.author.unwrap_or_else(|| who.clone()),
            changes: f.changes,
            base: f.base,
        })?;
        opened.push(p.number);
    }
    Ok((lib, opened))
}

fn collect(dir: &'static Dir<'static>, out: &mut Vec<(String, &'static [u8])>) {
    for file in dir.files() {
        out.push((
            file.path().to_string_lossy().replace('\\', "/"),
            file.contents(),
        ));
    }
    for sub in dir.dirs() {
        collect(sub, out);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bundled_resource_has_manifest_and_sections() {
        let files = resource_files();
        assert!(files.iter().any(|(p, _)| p == "resource.toml"));
        assert!(
            files
                .iter()
                .filter(|(p, _)| p.starts_with("sections/"))
                .count()
                >= 26
        );
    }
}
