//! The askama templates of the exported pages (`templates/*.html`: checked at compile time)
//! and the plain view data they show. Every value is escaped by [`ProseHtml`] (Quire's one
//! HTML escaper, set for `.html` templates in `askama.toml`) unless the template marks it
//! `|safe`; only HTML that is already safe is: section text and notes rendered by
//! `quire_prose::safe`, word diffs rendered by `quire_prose::render_html`, the bodies of
//! other templates, and the stylesheet.

use askama::Template;

/// The escaper of the export's templates: [`quire_core::prose::escape_html`], so a page's
/// text is escaped exactly as the fragments built in code are.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct ProseHtml;

impl askama::filters::Escaper for ProseHtml {
    fn write_escaped_str<W: std::fmt::Write>(&self, mut dest: W, text: &str) -> std::fmt::Result {
        dest.write_str(&quire_core::prose::escape_html(text))
    }
}

/// Renders a template into a string.
pub(crate) fn render(t: &impl Template) -> String {
    t.render()
        .expect("the templates write plain strings and numbers into a String")
}

/// What every page shows of the edition.
pub(crate) struct Frame<'a> {
    /// The resource's title.
    pub resource: &'a str,
    /// The edition's title.
    pub edition_title: &'a str,
    /// The edition's title and date ([`crate::EditionData::label`]).
    pub label: String,
    /// The first 12 hex digits of the commit exported.
    pub commit: &'a str,
}

/// A link of the site's navigation.
pub(crate) struct NavItem {
    pub href: &'static str,
    pub label: &'static str,
    /// This is the page shown (`aria-current`).
    pub current: bool,
}

/// A page of the static site around its body.
#[derive(Template)]
#[template(path = "page.html")]
pub(crate) struct Page<'a> {
    pub frame: &'a Frame<'a>,
    /// The way back to the site's top folder (`""` or `"../"`).
    pub root: &'a str,
    /// The page's own title.
    pub title: &'a str,
    pub nav: Vec<NavItem>,
    /// The search page has no search form in its header, and loads the search script.
    pub search_page: bool,
    /// The page's HTML, from another template.
    pub body: String,
}

/// A section in a list of contents.
pub(crate) struct SectionItem<'a> {
    pub id: &'a str,
    pub title: &'a str,
    /// The section's rendered HTML (single-file export only; empty on the site).
    pub html: String,
}

/// A part in a list of contents.
pub(crate) struct PartItem<'a> {
    pub id: &'a str,
    pub title: &'a str,
    /// The number of its first section in reading order.
    pub start: usize,
    pub sections: Vec<SectionItem<'a>>,
}

/// The body of `index.html`.
#[derive(Template)]
#[template(path = "contents.html")]
pub(crate) struct Contents<'a> {
    pub frame: &'a Frame<'a>,
    pub subtitle: Option<&'a str>,
    /// The edition's slug (not shown for the draft).
    pub slug: &'a str,
    /// The publication day; `None` for the draft.
    pub date: Option<&'a str>,
    /// The notes, rendered and sanitised.
    pub notes: Option<String>,
    /// How many proposals were merged.
    pub merged: usize,
    pub parts: Vec<PartItem<'a>>,
}

/// The previous or next section, for the pager.
pub(crate) struct Neighbour<'a> {
    pub id: &'a str,
    pub title: &'a str,
}

/// The body of `sections/<id>.html`.
#[derive(Template)]
#[template(path = "section.html")]
pub(crate) struct Section<'a> {
    pub id: &'a str,
    /// The part's title.
    pub part: &'a str,
    /// The section's rendered HTML with its anchors.
    pub html: &'a str,
    pub prev: Option<Neighbour<'a>>,
    pub next: Option<Neighbour<'a>>,
    /// The first numbered block's positional and content anchors, for the note on citing.
    pub cite: Option<(&'a str, &'a str)>,
}

/// A link to a section, or the id of a section no longer in the edition (`href` `None`).
pub(crate) struct SectionLink<'a> {
    pub href: Option<String>,
    pub title: &'a str,
}

/// A merged proposal as the changes and contributors pages list it.
pub(crate) struct ProposalItem<'a> {
    pub number: u64,
    pub title: &'a str,
    pub author: &'a str,
    pub sections: Vec<SectionLink<'a>>,
}

/// The comparison with the previous edition, in numbers.
pub(crate) struct Comparison<'a> {
    pub title: &'a str,
    pub slug: &'a str,
    pub date: &'a str,
    pub changed: usize,
    pub added: usize,
    pub removed: usize,
    pub words_added: usize,
    pub words_removed: usize,
}

/// One section's change.
pub(crate) struct DiffItem<'a> {
    pub id: &'a str,
    /// `added`, `removed` or `changed`.
    pub kind: &'static str,
    pub words_added: usize,
    pub words_removed: usize,
    pub title: &'a str,
    /// The link to the section; `None` for a removed one.
    pub href: Option<String>,
    /// `new` or `removed`.
    pub tag: Option<&'static str>,
    /// The counts as a sentence without its full stop.
    pub counts: String,
    /// The merged proposals that changed it: number and title.
    pub by: Vec<(u64, &'a str)>,
    /// The word diff of a changed section: runs of blocks as HTML, `None` where unchanged
    /// blocks are left out.
    pub diff: Option<Vec<Option<String>>>,
}

/// What changed in the edition (the body of `changes.html`, and a chapter of the
/// single file).
#[derive(Template)]
#[template(path = "changes.html")]
pub(crate) struct Changes<'a> {
    pub resource: &'a str,
    /// Goes before every id.
    pub prefix: &'a str,
    pub previous: Option<Comparison<'a>>,
    pub proposals: Vec<ProposalItem<'a>>,
    /// The changes section by section; `None` for a first edition.
    pub diffs: Option<Vec<DiffItem<'a>>>,
}

/// The site's changes page.
#[derive(Template)]
#[template(
    source = "<h1>What changed in this edition</h1>\n{{ body|safe }}",
    ext = "html"
)]
pub(crate) struct ChangesPage {
    pub body: String,
}

/// Someone whose proposals were merged.
pub(crate) struct Person<'a> {
    pub name: &'a str,
    pub proposals: Vec<ProposalItem<'a>>,
}

/// The people who proposed the changes (the body of `contributors.html`, and a chapter of
/// the single file).
#[derive(Template)]
#[template(path = "contributors.html")]
pub(crate) struct Contributors<'a> {
    pub resource: &'a str,
    /// Goes before every id.
    pub prefix: &'a str,
    pub people: Vec<Person<'a>>,
}

/// The site's contributors page.
#[derive(Template)]
#[template(source = "<h1>Contributors</h1>\n{{ body|safe }}", ext = "html")]
pub(crate) struct ContributorsPage {
    pub body: String,
}

/// The body of `search.html`.
#[derive(Template)]
#[template(path = "search.html")]
pub(crate) struct Search;

/// The whole edition as one page.
#[derive(Template)]
#[template(path = "single.html")]
pub(crate) struct Single<'a> {
    pub frame: &'a Frame<'a>,
    pub css: &'a str,
    pub subtitle: Option<&'a str>,
    /// The notes, rendered and sanitised.
    pub notes: Option<String>,
    pub parts: Vec<PartItem<'a>>,
    /// The changes chapter, from [`Changes`].
    pub changes: String,
    /// The contributors chapter, from [`Contributors`].
    pub contributors: String,
}
