//! A minimal [`typst::World`]: one main source, the fonts bundled with typst, nothing else.

use std::sync::OnceLock;

use typst::diag::{FileError, FileResult, SourceDiagnostic};
use typst::foundations::{Bytes, Datetime, Duration, Smart};
use typst::syntax::{FileId, RootedPath, Source, VirtualPath, VirtualRoot};
use typst::text::{Font, FontBook};
use typst::utils::LazyHash;
use typst::{Library, LibraryExt, World};
use typst_layout::PagedDocument;

use crate::{Error, Result};

/// The standard library and the bundled fonts, loaded once per process.
struct Shared {
    library: LazyHash<Library>,
    book: LazyHash<FontBook>,
    fonts: Vec<Font>,
}

fn shared() -> &'static Shared {
    static SHARED: OnceLock<Shared> = OnceLock::new();
    SHARED.get_or_init(|| {
        let fonts: Vec<Font> = typst_assets::fonts()
            .flat_map(|data| Font::iter(Bytes::new(data)))
            .collect();
        Shared {
            library: LazyHash::new(Library::default()),
            book: LazyHash::new(FontBook::from_fonts(&fonts)),
            fonts,
        }
    })
}

/// The world one document is compiled in. It offers its main source and nothing else: no
/// files, no packages and no clock (so `datetime.today()` fails rather than making the
/// output depend on the day).
struct PrintWorld {
    main: Source,
    shared: &'static Shared,
}

impl World for PrintWorld {
    fn library(&self) -> &LazyHash<Library> {
        &self.shared.library
    }

    fn book(&self) -> &LazyHash<FontBook> {
        &self.shared.book
    }

    fn main(&self) -> FileId {
        self.main.id()
    }

    fn source(&self, id: FileId) -> FileResult<Source> {
        if id == self.main.id() {
            Ok(self.main.clone())
        } else {
            Err(FileError::AccessDenied)
        }
    }

    fn file(&self, id: FileId) -> FileResult<Bytes> {
        if id == self.main.id() {
            Ok(Bytes::from_string(self.main.text().to_string()))
        } else {
            Err(FileError::AccessDenied)
        }
    }

    fn font(&self, index: usize) -> Option<Font> {
        self.shared.fonts.get(index).cloned()
    }

    fn today(&self, _offset: Option<Duration>) -> Option<Datetime> {
        None
    }
}

/// Compiles typst markup to a PDF. `ident` names the document stably (the edition's slug),
/// so the PDF's identifier does not change between runs.
pub fn typeset_pdf(source: &str, ident: &str) -> Result<Vec<u8>> {
    let path = VirtualPath::new("/main.typ").expect("a constant, valid path");
    let id = FileId::new(RootedPath::new(VirtualRoot::Project, path));
    let world = PrintWorld {
        main: Source::new(id, source.to_string()),
        shared: shared(),
    };
    let compiled = typst::compile::<PagedDocument>(&world);
    let result = compiled
        .output
        .map_err(|errors| Error::Typeset(messages(&errors)))
        .and_then(|doc| {
            let options = typst_pdf::PdfOptions {
                ident: Smart::Custom(format!("quire-edition-{ident}")),
                ..Default::default()
            };
            typst_pdf::pdf(&doc, &options).map_err(|errors| Error::Pdf(messages(&errors)))
        });
    // typst memoises across compilations; drop what has not been used lately so that a
    // long-running process does not keep every edition it ever rendered.
    comemo::evict(10);
    result
}

fn messages(errors: &[SourceDiagnostic]) -> Vec<String> {
    errors.iter().map(|e| e.message.to_string()).collect()
}
