//! The stylesheet, the little script, the icon and the map library (Leaflet, pinned in
//! `static/vendor/package-lock.json` and installed there by `scripts/setup`), compiled into the
//! binary so it runs from any folder.

use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::get;
use axum::Router;

use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/static/app.css", get(css))
        .route("/static/app.js", get(js))
        .route("/static/favicon.svg", get(icon))
        .route("/favicon.ico", get(icon))
        .route("/static/vendor/leaflet.js", get(|| vendor("text/javascript; charset=utf-8", LEAFLET_JS)))
        .route("/static/vendor/leaflet.css", get(|| vendor("text/css; charset=utf-8", LEAFLET_CSS)))
        .route("/static/vendor/images/{name}", get(leaflet_image))
}

macro_rules! leaflet {
    ($file:literal) => {
        include_bytes!(concat!("../../static/vendor/node_modules/leaflet/dist/", $file))
    };
}

const LEAFLET_JS: &[u8] = leaflet!("leaflet.js");
const LEAFLET_CSS: &[u8] = leaflet!("leaflet.css");
/// The pictures Leaflet's stylesheet names.
const LEAFLET_IMAGES: [(&str, &[u8]); 5] = [
    ("marker-icon.png", leaflet!("images/marker-icon.png")),
    ("marker-icon-2x.png", leaflet!("images/marker-icon-2x.png")),
    ("marker-shadow.png", leaflet!("images/marker-shadow.png")),
    ("layers.png", leaflet!("images/layers.png")),
    ("layers-2x.png", leaflet!("images/layers-2x.png")),
];

async fn vendor(content_type: &'static str, body: &'static [u8]) -> impl IntoResponse {
    ([(header::CONTENT_TYPE, content_type), (header::CACHE_CONTROL, "public, max-age=86400")], body)
}

async fn leaflet_image(axum::extract::Path(name): axum::extract::Path<String>) -> axum::response::Response {
    match LEAFLET_IMAGES.iter().find(|(n, _)| *n == name) {
        Some((_, png)) => vendor("image/png", png).await.into_response(),
        None => crate::error::AppError::NotFound.into_response(),
    }
}

async fn css() -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "text/css; charset=utf-8"), (header::CACHE_CONTROL, "public, max-age=3600")],
        include_str!("../../static/app.css"),
    )
}

async fn js() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        include_str!("../../static/app.js"),
    )
}

/// The tab's icon (also at `/favicon.ico`, where browsers look without being told).
async fn icon() -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "image/svg+xml"), (header::CACHE_CONTROL, "public, max-age=86400")],
        include_str!("../../static/favicon.svg"),
    )
}
