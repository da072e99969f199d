//! The provider's logo and accent colour, at public addresses on both hosts: the portal's sign-in
//! and invitation pages show them to visitors not yet signed in, and emails link the logo. An
//! address names the brand's version, so a browser may keep what it fetched for good; a change of
//! brand moves to a new address.

use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;

use crate::db;
use crate::domain::ProviderId;
use crate::error::{AppError, AppResult};
use crate::routes::form::Path;
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/brand/{provider}/{version}/logo.png", get(logo))
        .route("/brand/{provider}/{version}/accent.css", get(accent))
}

/// Kept for good at the current version's address; an older address gets the current brand
/// without being kept.
fn caching(current: i32, asked: i32) -> &'static str {
    if current == asked {
        "public, max-age=31536000, immutable"
    } else {
        "no-cache"
    }
}

async fn logo(state: AppState, Path((provider, version)): Path<(ProviderId, i32)>) -> AppResult<Response> {
    let Some((Some(png), _, current)) = db::providers::brand_assets(&state.db, provider, true).await? else {
        return Err(AppError::NotFound);
    };
    Ok(([(header::CONTENT_TYPE, "image/png"), (header::CACHE_CONTROL, caching(current, version))], png)
        .into_response())
}

async fn accent(state: AppState, Path((provider, version)): Path<(ProviderId, i32)>) -> AppResult<Response> {
    let Some((_, Some(colour), current)) = db::providers::brand_assets(&state.db, provider, false).await?
    else {
        return Err(AppError::NotFound);
    };
    // The colour was checked to be `#rrggbb` when it was set (and by the column's constraint).
    let css = format!(":root {{ --accent: {colour}; }}\n");
    Ok((
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, caching(current, version)),
        ],
        css,
    )
        .into_response())
}
