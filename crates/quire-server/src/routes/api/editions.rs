//! `/editions`, `/changelog` and `/compare`: published editions and what changed.

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;
use axum::{Json, Router};
use quire_core::{Audience, ChangeEntry, Edition, Library};
use quire_wire::v1 as wire;
use serde::Deserialize;

use super::{ApiJson, ApiPath, ApiQuery, Maintainer};
use crate::auth::ApiCaller;
use crate::error::ApiError;
use crate::{AppError, AppState};

/// Routes of this module.
pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route("/editions", get(list).post(publish))
        .route("/editions/{slug}", get(show))
        .route("/changelog", get(changelog))
        .route("/compare", get(compare))
}

/// An edition as `audience` may see it: titles of hidden proposals replaced in its changes.
fn shown(lib: &Library, mut e: Edition, audience: &Audience) -> Result<Edition, AppError> {
    e.changes = shown_changes(lib, &e.changes, audience)?;
    Ok(e)
}

/// A changelog as `audience` may see it (see [`quire_core::policy`]).
fn shown_changes(
    lib: &Library,
    entries: &[ChangeEntry],
    audience: &Audience,
) -> Result<Vec<ChangeEntry>, AppError> {
    Ok(lib
        .changes_for(entries, audience)?
        .into_iter()
        .map(|c| c.entry)
        .collect())
}

async fn list(
    State(state): State<AppState>,
    caller: ApiCaller,
) -> Result<Json<Vec<wire::Edition>>, ApiError> {
    let audience = caller.audience();
    let list = state
        .with_lib(move |lib| {
            lib.editions()?
                .into_iter()
                .map(|e| shown(lib, e, &audience))
                .collect::<Result<Vec<_>, _>>()
        })
        .await?;
    Ok(Json(wire::list(&list)))
}

async fn show(
    State(state): State<AppState>,
    caller: ApiCaller,
    ApiPath(slug): ApiPath<String>,
) -> Result<Json<wire::Edition>, ApiError> {
    let audience = caller.audience();
    let e = state
        .with_lib(move |lib| shown(lib, lib.edition(&slug)?, &audience))
        .await?;
    Ok(Json((&e).into()))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct NewEdition {
    slug: String,
    title: String,
    #[serde(default)]
    notes: String,
}

async fn publish(
    State(state): State<AppState>,
    Maintainer(user): Maintainer,
    ApiJson(req): ApiJson<NewEdition>,
) -> Result<(StatusCode, Json<wire::Edition>), ApiError> {
    let who = user.identity();
    let e = state
        .with_lib(move |lib| Ok(lib.publish(&req.slug, &req.title, &req.notes, &who)?))
        .await?;
    Ok((StatusCode::CREATED, Json((&e).into())))
}

#[derive(Debug, Default, Deserialize)]
struct ChangelogQuery {
    #[serde(default)]
    from: Option<String>,
    #[serde(default)]
    to: Option<String>,
}

async fn changelog(
    State(state): State<AppState>,
    caller: ApiCaller,
    ApiQuery(q): ApiQuery<ChangelogQuery>,
) -> Result<Json<Vec<wire::ChangeEntry>>, ApiError> {
    let from = q.from.filter(|s| !s.is_empty());
    let to = q.to.filter(|s| !s.is_empty());
    let audience = caller.audience();
    let list = state
        .with_lib(move |lib| {
            // Either end may be a commit id: only one the caller may see.
            let from = from.map(|f| lib.resolve_for(&f, &audience)).transpose()?;
            let to = to.map(|t| lib.resolve_for(&t, &audience)).transpose()?;
            let entries = lib.changelog(
                from.as_ref().map(|c| c.0.as_str()),
                to.as_ref().map(|c| c.0.as_str()),
            )?;
            shown_changes(lib, &entries, &audience)
        })
        .await?;
    Ok(Json(wire::list(&list)))
}

#[derive(Debug, Deserialize)]
struct CompareQuery {
    from: String,
    to: String,
}

async fn compare(
    State(state): State<AppState>,
    caller: ApiCaller,
    ApiQuery(q): ApiQuery<CompareQuery>,
) -> Result<Json<Vec<wire::SectionDiff>>, ApiError> {
    let audience = caller.audience();
    let d = state
        .with_lib(move |lib| {
            let from = lib.resolve_for(&q.from, &audience)?;
            let to = lib.resolve_for(&q.to, &audience)?;
            Ok(lib.compare(&from.0, &to.0)?)
        })
        .await?;
    Ok(Json(wire::list(&d)))
}
