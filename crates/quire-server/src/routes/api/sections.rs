//! `/sections`: the contents, section texts and section comments.

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;
use axum::{Json, Router};
use quire_wire::v1 as wire;
use serde::{Deserialize, Serialize};

use super::{ApiJson, ApiPath, ApiQuery, Writer};
use crate::auth::ApiCaller;
use crate::error::ApiError;
use crate::AppState;

/// Routes of this module.
pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route("/sections", get(contents))
        .route("/sections/{id}", get(section))
        .route(
            "/sections/{id}/comments",
            get(comments).post(comment_section),
        )
}

/// `?at=`: a revision spec (`main`, an edition slug, a commit id); `main` when absent.
#[derive(Debug, Default, Deserialize)]
pub(super) struct At {
    #[serde(default)]
    at: Option<String>,
}

impl At {
    fn spec(self) -> String {
        self.at.unwrap_or_else(|| "main".into())
    }
}

/// A part of the resource, without its sections (those are in `sections`).
#[derive(Debug, Serialize)]
struct PartJson {
    id: String,
    title: String,
}

/// The table of contents at a revision.
#[derive(Debug, Serialize)]
struct Contents {
    title: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    subtitle: Option<String>,
    /// The commit the contents were read at.
    commit: String,
    parts: Vec<PartJson>,
    sections: Vec<wire::SectionSummary>,
}

async fn contents(
    State(state): State<AppState>,
    caller: ApiCaller,
    ApiQuery(at): ApiQuery<At>,
) -> Result<Json<Contents>, ApiError> {
    let at = at.spec();
    let audience = caller.audience();
    let c = state
        .with_lib(move |lib| {
            let commit = lib.resolve_for(&at, &audience)?;
            let manifest = lib.manifest(&commit.0)?;
            let sections = lib.sections(&commit.0)?;
            Ok(Contents {
                title: manifest.title,
                subtitle: manifest.subtitle,
                commit: commit.0,
                parts: manifest
                    .parts
                    .into_iter()
                    .map(|p| PartJson {
                        id: p.id,
                        title: p.title,
                    })
                    .collect(),
                sections: wire::list(&sections),
            })
        })
        .await?;
    Ok(Json(c))
}

async fn section(
    State(state): State<AppState>,
    caller: ApiCaller,
    ApiPath(id): ApiPath<String>,
    ApiQuery(at): ApiQuery<At>,
) -> Result<Json<wire::Section>, ApiError> {
    let at = at.spec();
    let audience = caller.audience();
    let s = state
        .with_lib(move |lib| {
            let at = lib.resolve_for(&at, &audience)?;
            Ok(lib.section(&id, &at.0)?)
        })
        .await?;
    Ok(Json((&s).into()))
}

async fn comments(
    State(state): State<AppState>,
    caller: ApiCaller,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<Vec<wire::Comment>>, ApiError> {
    let audience = caller.audience();
    let list = state
        .with_lib(move |lib| {
            lib.section(&id, "main")?;
            let mut list = lib.section_comments(&id)?;
            audience.scrub_comments(&mut list);
            Ok(list)
        })
        .await?;
    Ok(Json(wire::list(&list)))
}

/// A new comment.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct NewComment {
    pub(super) body: String,
}

async fn comment_section(
    State(state): State<AppState>,
    Writer(user): Writer,
    ApiPath(id): ApiPath<String>,
    ApiJson(req): ApiJson<NewComment>,
) -> Result<(StatusCode, Json<wire::Comment>), ApiError> {
    let who = user.identity();
    let c = state
        .with_lib(move |lib| Ok(lib.comment_section(&id, &who, &req.body)?))
        .await?;
    Ok((StatusCode::CREATED, Json((&c).into())))
}
