//! `/editions`, `/changelog` and `/compare`: published editions and what changed.

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;
use axum::{Json, Router};
use quire_core::{ChangeEntry, Edition, SectionDiff};
use serde::Deserialize;

use super::{ApiJson, ApiPath, ApiQuery, Maintainer};
use crate::auth::ApiCaller;
use crate::error::ApiError;
use crate::AppState;

/// Routes of this module.
pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route("/editions", get(list).post(publish))
        .route("/editions/{slug}", get(show))
        .route("/changelog", get(changelog))
        .route("/compare", get(compare))
}

async fn list(
    State(state): State<AppState>,
    _caller: ApiCaller,
) -> Result<Json<Vec<Edition>>, ApiError> {
    let list = state.with_lib(|lib| Ok(lib.editions()?)).await?;
    Ok(Json(list))
}

async fn show(
    State(state): State<AppState>,
    _caller: ApiCaller,
    ApiPath(slug): ApiPath<String>,
) -> Result<Json<Edition>, ApiError> {
    let e = state.with_lib(move |lib| Ok(lib.edition(&slug)?)).await?;
    Ok(Json(e))
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
) -> Result<(StatusCode, Json<Edition>), ApiError> {
    let who = user.identity();
    let e = state
        .with_lib(move |lib| Ok(lib.publish(&req.slug, &req.title, &req.notes, &who)?))
        .await?;
    Ok((StatusCode::CREATED, Json(e)))
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
    _caller: ApiCaller,
    ApiQuery(q): ApiQuery<ChangelogQuery>,
) -> Result<Json<Vec<ChangeEntry>>, ApiError> {
    let from = q.from.filter(|s| !s.is_empty());
    let to = q.to.filter(|s| !s.is_empty());
    let list = state
        .with_lib(move |lib| Ok(lib.changelog(from.as_deref(), to.as_deref())?))
        .await?;
    Ok(Json(list))
}

#[derive(Debug, Deserialize)]
struct CompareQuery {
    from: String,
    to: String,
}

async fn compare(
    State(state): State<AppState>,
    _caller: ApiCaller,
    ApiQuery(q): ApiQuery<CompareQuery>,
) -> Result<Json<Vec<SectionDiff>>, ApiError> {
    let d = state
        .with_lib(move |lib| Ok(lib.compare(&q.from, &q.to)?))
        .await?;
    Ok(Json(d))
}
