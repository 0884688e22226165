//! Atom 1.0 feeds (RFC 4287): the newest proposals and the published editions.
//!
//! The XML is written by hand; every piece of text goes through
//! [`quire_core::prose::escape_xml`] (the one XML escaper), which also drops characters
//! XML 1.0 cannot carry. Links are absolute, built from the configured public URL
//! ([`crate::AppState::public_url`]), never from the request's `Host` header.

use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use quire_core::prose::{escape_html, escape_xml};
use quire_core::{Audience, Library, ProposalFilter};

use crate::routes::editions::{change_views, contributors};
use crate::{AppError, AppState};

/// The proposals feed holds this many entries, newest first.
pub const PROPOSALS_IN_FEED: usize = 50;

/// The media type of the feeds.
pub const ATOM_CONTENT_TYPE: &str = "application/atom+xml; charset=utf-8";

/// Routes of this module.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/feeds/proposals.atom", get(proposals))
        .route("/feeds/editions.atom", get(editions))
}

/// An Atom date-time from an RFC 3339 time or a `YYYY-MM-DD` day.
fn atom_time(t: &str) -> String {
    if t.len() == 10 {
        format!("{t}T00:00:00Z")
    } else {
        t.to_string()
    }
}

/// The time of the newest commit on `main`: the `updated` of an empty feed.
fn main_time(lib: &Library) -> Result<String, AppError> {
    Ok(lib
        .log(1)?
        .into_iter()
        .next()
        .map(|e| e.at)
        .unwrap_or_else(|| "1970-01-01T00:00:00Z".to_string()))
}

/// A feed document: its head, then `entries` (each already a whole `<entry>` element).
fn feed(
    id: &str,
    title: &str,
    self_href: &str,
    alt_href: &str,
    updated: &str,
    entries: &[String],
) -> String {
    let mut x = String::from("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n");
    x.push_str("<feed xmlns=\"http://www.w3.org/2005/Atom\">\n");
    x.push_str(&format!("  <id>{}</id>\n", escape_xml(id)));
    x.push_str(&format!("  <title>{}</title>\n", escape_xml(title)));
    x.push_str(&format!("  <updated>{}</updated>\n", escape_xml(updated)));
    x.push_str("  <author><name>Quire</name></author>\n");
    x.push_str(&format!(
        "  <link rel=\"self\" type=\"application/atom+xml\" href=\"{}\"/>\n",
        escape_xml(self_href)
    ));
    x.push_str(&format!(
        "  <link rel=\"alternate\" type=\"text/html\" href=\"{}\"/>\n",
        escape_xml(alt_href)
    ));
    x.push_str("  <generator>Quire</generator>\n");
    for e in entries {
        x.push_str(e);
    }
    x.push_str("</feed>\n");
    x
}

fn atom(body: String) -> Response {
    ([(header::CONTENT_TYPE, ATOM_CONTENT_TYPE)], body).into_response()
}

async fn proposals(State(state): State<AppState>) -> Result<Response, AppError> {
    let base = state.public_url();
    let body = state
        .with_index(move |lib, ix| {
            let newest: Vec<u64> = ix
                .proposals()
                .newest_first(&ProposalFilter::default())
                // Feeds are public: they show what an anonymous visitor may see.
                .filter(|p| Audience::Anonymous.sees(p.hidden, &p.author))
                .take(PROPOSALS_IN_FEED)
                .map(|p| p.number)
                .collect();
            let list = newest
                .into_iter()
                .map(|n| lib.proposal(n))
                .collect::<Result<Vec<_>, _>>()?;
            let updated = match list.iter().map(|p| p.updated.as_str()).max() {
                Some(t) => t.to_string(),
                None => main_time(lib)?,
            };
            let entries: Vec<String> = list
                .iter()
                .map(|p| {
                    format!(
                        "  <entry>\n    <id>urn:quire:proposal:{n}</id>\n    <title type=\"text\">{title}</title>\n    <author><name>{author}</name></author>\n    <published>{created}</published>\n    <updated>{updated}</updated>\n    <link rel=\"alternate\" type=\"text/html\" href=\"{href}\"/>\n    <category term=\"{status}\"/>\n    <summary type=\"text\">{summary}</summary>\n  </entry>\n",
                        n = p.number,
                        title = escape_xml(&format!("#{} {}", p.number, p.title)),
                        author = escape_xml(&p.author.name),
                        created = escape_xml(&atom_time(&p.created)),
                        updated = escape_xml(&atom_time(&p.updated)),
                        href = escape_xml(&format!("{base}/proposals/{}", p.number)),
                        status = p.status.as_str(),
                        summary = escape_xml(&p.rationale),
                    )
                })
                .collect();
            Ok(feed(
                "urn:quire:feed:proposals",
                "New proposals",
                &format!("{base}/feeds/proposals.atom"),
                &format!("{base}/proposals"),
                &atom_time(&updated),
                &entries,
            ))
        })
        .await?;
    Ok(atom(body))
}

/// An edition's changelog as an HTML fragment (every piece of text HTML-escaped; the notes
/// rendered from Markdown and sanitised), for an Atom `type="html"` content element.
fn changelog_html(lib: &Library, base: &str, e: &quire_core::Edition) -> Result<String, AppError> {
    let mut html = String::new();
    if !e.notes.is_empty() {
        html.push_str(&crate::render::markdown(&e.notes));
    }
    let prefix = format!("{base}/editions/{}/sections/", e.slug);
    let changes = change_views(lib, &e.changes, &e.commit.0, &prefix, &Audience::Anonymous)?;
    if changes.is_empty() {
        html.push_str("<p>No proposals were merged for this edition.</p>");
    } else {
        html.push_str("<p>Merged proposals:</p><ul>");
        for c in &changes {
            html.push_str(&format!(
                "<li><a href=\"{}\">#{}</a> {} (proposed by {})</li>",
                escape_html(&format!("{base}/proposals/{}", c.number)),
                c.number,
                escape_html(&c.title),
                escape_html(&c.author)
            ));
        }
        html.push_str("</ul><p>Contributors: ");
        let names: Vec<String> = contributors(&e.changes)
            .iter()
            .map(|n| escape_html(n))
            .collect();
        html.push_str(&names.join(", "));
        html.push_str("</p>");
    }
    Ok(html)
}

async fn editions(State(state): State<AppState>) -> Result<Response, AppError> {
    let base = state.public_url();
    let body = state
        .with_lib(move |lib| {
            let list = lib.editions()?;
            let updated = match list.last() {
                Some(e) => atom_time(&e.date),
                None => main_time(lib)?,
            };
            let mut entries = Vec::with_capacity(list.len());
            for e in list.iter().rev() {
                entries.push(format!(
                    "  <entry>\n    <id>urn:quire:edition:{slug}</id>\n    <title type=\"text\">{title}</title>\n    <author><name>{author}</name></author>\n    <updated>{updated}</updated>\n    <link rel=\"alternate\" type=\"text/html\" href=\"{href}\"/>\n    <summary type=\"text\">{summary}</summary>\n    <content type=\"html\">{content}</content>\n  </entry>\n",
                    slug = escape_xml(e.slug.as_str()),
                    title = escape_xml(&e.title),
                    author = escape_xml(&e.publisher.name),
                    updated = escape_xml(&atom_time(&e.date)),
                    href = escape_xml(&format!("{base}/editions/{}/changelog", e.slug)),
                    summary = escape_xml(&format!(
                        "Edition {} published {}: {} merged proposal{}.",
                        e.slug,
                        e.date,
                        e.changes.len(),
                        if e.changes.len() == 1 { "" } else { "s" }
                    )),
                    content = escape_xml(&changelog_html(lib, &base, e)?),
                ));
            }
            Ok(feed(
                "urn:quire:feed:editions",
                "Editions",
                &format!("{base}/feeds/editions.atom"),
                &format!("{base}/editions"),
                &updated,
                &entries,
            ))
        })
        .await?;
    Ok(atom(body))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_become_date_times() {
        assert_eq!(atom_time("2027-03-01"), "2027-03-01T00:00:00Z");
        assert_eq!(atom_time("2027-03-01T10:00:00Z"), "2027-03-01T10:00:00Z");
    }
}
