//! The two sites, chosen by the request's Host, and the layers every response passes through.

pub mod account;
pub mod assets;
pub mod client_users;
pub mod form;
pub mod invite;
pub mod portal;
pub mod staff;

use std::net::SocketAddr;
use std::time::Duration;

use axum::extract::{ConnectInfo, FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderName, HeaderValue, StatusCode};
use axum::middleware::from_fn_with_state;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Extension, Router};
use tower::ServiceExt;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;
use tower_sessions::cookie::SameSite;
use tower_sessions::{Expiry, SessionManagerLayer};
use tower_sessions_sqlx_store::PostgresStore;

use crate::auth::csrf;
use crate::auth::session::IDLE_TIMEOUT;
use crate::error::AppError;
use crate::state::{AppState, Site};

const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
                   object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// Builds the whole application: both sites behind one Host-based dispatcher.
pub fn app(state: AppState, store: PostgresStore) -> Router {
    let staff = site_router(staff::router(), Site::Staff, &state, store.clone());
    let portal = site_router(portal::router(), Site::Portal, &state, store);
    let dispatch_state = state.clone();
    let x_request_id = HeaderName::from_static("x-request-id");

    Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .fallback(move |State(state): State<AppState>, request: Request| {
            let (staff, portal) = (staff.clone(), portal.clone());
            async move {
                let host = request_host(&request);
                let config = &state.config;
                if config.staff_url.matches_host(&host) {
                    staff.oneshot(request).await.into_response()
                } else if config.portal_url.matches_host(&host) {
                    portal.oneshot(request).await.into_response()
                } else {
                    AppError::NotFound.into_response()
                }
            }
        })
        .with_state(dispatch_state)
        .layer(security_headers_layer())
        .layer(SetResponseHeaderLayer::if_not_present(
            header::REFERRER_POLICY,
            HeaderValue::from_static("no-referrer"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::X_FRAME_OPTIONS,
            HeaderValue::from_static("DENY"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(TimeoutLayer::with_status_code(StatusCode::REQUEST_TIMEOUT, Duration::from_secs(30)))
        .layer(PropagateRequestIdLayer::new(x_request_id.clone()))
        .layer(TraceLayer::new_for_http().make_span_with(|request: &Request| {
            let id = request
                .headers()
                .get("x-request-id")
                .and_then(|v| v.to_str().ok())
                .unwrap_or("-");
            tracing::info_span!("request", request_id = %id, method = %request.method(), path = %request.uri().path())
        }))
        .layer(SetRequestIdLayer::new(x_request_id, MakeRequestUuid))
}

fn security_headers_layer() -> SetResponseHeaderLayer<HeaderValue> {
    SetResponseHeaderLayer::if_not_present(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(CSP))
}

/// One site: its routes plus the routes both sites share, its own session cookie, and CSRF.
fn site_router(routes: Router<AppState>, site: Site, state: &AppState, store: PostgresStore) -> Router {
    let url = site.url(&state.config);
    let sessions = SessionManagerLayer::new(store)
        .with_name(match site {
            Site::Staff => "portico_staff",
            Site::Portal => "portico_portal",
        })
        .with_secure(url.is_https())
        .with_http_only(true)
        .with_same_site(SameSite::Lax)
        .with_expiry(Expiry::OnInactivity(IDLE_TIMEOUT));
    routes
        .merge(account::router())
        .merge(invite::router())
        .merge(assets::router())
        .fallback(|| async { AppError::NotFound })
        .layer(from_fn_with_state(state.clone(), csrf::protect))
        .layer(Extension(site))
        .layer(sessions)
        .with_state(state.clone())
}

fn request_host(request: &Request) -> String {
    request
        .headers()
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .map(str::to_string)
        .or_else(|| request.uri().authority().map(|a| a.to_string()))
        .unwrap_or_default()
}

async fn healthz() -> &'static str {
    "ok"
}

async fn readyz(State(state): State<AppState>) -> Response {
    match sqlx::query_scalar::<_, i32>("SELECT 1").fetch_one(&state.db).await {
        Ok(_) => "ready".into_response(),
        Err(e) => {
            tracing::warn!(error = ?e, "database not reachable");
            (StatusCode::SERVICE_UNAVAILABLE, "database unreachable").into_response()
        }
    }
}

/// The address a request came from, for rate limits.
pub struct ClientIp(pub String);

impl<S: Send + Sync> FromRequestParts<S> for ClientIp {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let ip = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|c| c.0.ip().to_string())
            .unwrap_or_else(|| "unknown".into());
        Ok(ClientIp(ip))
    }
}

/// A `next` path that is safe to redirect to after sign-in: local, not protocol-relative.
pub fn safe_next(next: &str) -> Option<&str> {
    let ok = next.starts_with('/') && !next.starts_with("//") && !next.contains('\\') && next.len() < 512;
    ok.then_some(next)
}
