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
