//! The two sites, chosen by the request's Host, and the layers every response passes through.

pub mod account;
pub mod assets;
pub mod brand;
pub mod client_users;
pub mod form;
pub mod invite;
pub mod portal;
pub mod second_factor;
pub mod staff;

use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use axum::extract::{ConnectInfo, FromRef, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{header, HeaderName, HeaderValue, StatusCode};
use axum::middleware::{from_fn_with_state, map_request};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::{Extension, Router};
use tower::ServiceExt;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::{DefaultOnResponse, TraceLayer};
use tower_http::LatencyUnit;
use tower_sessions::cookie::SameSite;
use tower_sessions::{Expiry, SessionManagerLayer};
use tower_sessions_sqlx_store::PostgresStore;
use tracing::Level;

use crate::auth::csrf;
use crate::auth::session::IDLE_TIMEOUT;
use crate::error::AppError;
use crate::state::{AppState, Site};
use crate::telemetry::redact_path;

/// The content security policy: everything from this origin only, and map tiles from exactly the
/// configured tile server.
fn csp(map: &crate::config::MapTiles) -> String {
    format!(
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: {}; \
         object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
        map.origin()
    )
}

/// Builds the whole application: both sites behind one Host-based dispatcher.
pub fn app(state: AppState, store: PostgresStore) -> Router {
    let staff = site_router(staff::router(), Site::Staff, &state, store.clone());
    let portal = site_router(portal::router(), Site::Portal, &state, store);
    let headers = security_headers_layer(&state.config.map);
    let dispatch_state = state.clone();
    let x_request_id = HeaderName::from_static("x-request-id");

    Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .fallback(move |state: AppState, request: Request| {
            let (staff, portal) = (staff.clone(), portal.clone());
            async move {
                // Postgres refuses NUL in text; say so plainly instead of failing later.
                let query = request.uri().query().unwrap_or_default();
                if query.contains("%00") || query.contains("%u0000") {
                    return AppError::BadRequest("Text may not contain control characters.").into_response();
                }
                let host = request_host(&request);
                let config = &state.config;
                if config.staff_url.matches_host(&host) {
                    staff.oneshot(request).await.into_response()
                } else if config.portal_url.matches_host(&host) {
                    portal.oneshot(request).await.into_response()
                } else if is_loopback(&host) {
                    // `localhost:8080` typed by hand, by someone trying the product: the staff
                    // app is what they want (and the only place this sends anyone).
                    let path = request.uri().path_and_query().map_or("/", |p| p.as_str());
                    Redirect::to(&config.staff_url.join(path)).into_response()
                } else {
                    AppError::NotFound.into_response()
                }
            }
        })
        .with_state(dispatch_state)
        .layer(headers)
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
        // Signed-in pages, token pages and downloads must not outlive Sign out in the browser's
        // cache; only the static assets say otherwise.
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CACHE_CONTROL,
            HeaderValue::from_static("no-store"),
        ))
        .layer(TimeoutLayer::with_status_code(StatusCode::REQUEST_TIMEOUT, Duration::from_secs(30)))
        .layer(PropagateRequestIdLayer::new(x_request_id.clone()))
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(|request: &Request| {
                    let id =
                        request.headers().get("x-request-id").and_then(|v| v.to_str().ok()).unwrap_or("-");
                    let path = redact_path(request.uri().path());
                    tracing::info_span!("request", request_id = %id, method = %request.method(), path = %path)
                })
                .on_request(())
                .on_response(DefaultOnResponse::new().level(Level::INFO).latency_unit(LatencyUnit::Micros))
                .on_failure(()),
        )
        .layer(SetRequestIdLayer::new(x_request_id, MakeRequestUuid))
        .layer(map_request(drop_unusable_request_id))
}

/// A request id from the client is kept only when it is short and plain; otherwise one is made.
/// It ends up in logs and a response header, so nothing else may pass.
async fn drop_unusable_request_id(mut request: Request) -> Request {
    let usable = request.headers().get("x-request-id").is_some_and(|v| {
        let bytes = v.as_bytes();
        (1..=64).contains(&bytes.len())
            && bytes.iter().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
    });
    if !usable {
        request.headers_mut().remove("x-request-id");
    }
    request
}

fn security_headers_layer(map: &crate::config::MapTiles) -> SetResponseHeaderLayer<HeaderValue> {
    // The tile URL was checked when the configuration was read (no spaces, quotes or `;`).
    let policy =
        HeaderValue::from_str(&csp(map)).unwrap_or_else(|_| HeaderValue::from_static("default-src 'self'"));
    SetResponseHeaderLayer::if_not_present(header::CONTENT_SECURITY_POLICY, policy)
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
        .merge(second_factor::router())
        .merge(invite::router())
        .merge(assets::router())
        .merge(brand::router())
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

/// Whether a `Host` names this machine by a loopback name or address.
fn is_loopback(host: &str) -> bool {
    let name = match host.strip_prefix('[') {
        Some(v6) => v6.split(']').next().unwrap_or_default(),
        None => host.split(':').next().unwrap_or_default(),
    };
    matches!(name.to_ascii_lowercase().as_str(), "localhost" | "127.0.0.1" | "::1")
}

async fn healthz() -> &'static str {
    "ok"
}

async fn readyz(state: AppState) -> Response {
    match crate::db::ping(&state.db).await {
        Ok(_) => "ready".into_response(),
        Err(e) => {
            tracing::warn!(error = ?e, "database not reachable");
            (StatusCode::SERVICE_UNAVAILABLE, "database unreachable").into_response()
        }
    }
}

/// The address a request came from, for rate limits. Behind a configured proxy it is the
/// nearest address in `X-Forwarded-For` that is not itself a trusted proxy; from anyone else the
/// header is ignored, since a client can write whatever it likes there.
pub struct ClientIp(pub String);

impl<S> FromRequestParts<S> for ClientIp
where
    S: Send + Sync,
    AppState: FromRef<S>,
{
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let Some(peer) = parts.extensions.get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip()) else {
            return Ok(ClientIp("unknown".into()));
        };
        let config = &AppState::from_ref(state).config;
        if !config.is_trusted_proxy(peer) {
            return Ok(ClientIp(peer.to_string()));
        }
        let forwarded = parts
            .headers
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .map(|a| a.trim().parse::<IpAddr>())
            .collect::<Vec<_>>();
        let mut client = peer;
        for address in forwarded.iter().rev() {
            match address {
                Ok(a) if config.is_trusted_proxy(*a) => client = *a,
                Ok(a) => {
                    client = *a;
                    break;
                }
                Err(_) => break,
            }
        }
        Ok(ClientIp(client.to_string()))
    }
}

/// The answer to a change made from a form: a redirect to `to`, whose page says what was done.
pub async fn done(
    session: &tower_sessions::Session,
    said: impl Into<String>,
    to: &str,
) -> crate::error::AppResult<Response> {
    crate::auth::session::flash(session, said).await?;
    Ok(Redirect::to(to).into_response())
}

/// A `next` path that is safe to redirect to after sign-in: local, not protocol-relative.
pub fn safe_next(next: &str) -> Option<&str> {
    let ok = next.starts_with('/')
        && !next.starts_with("//")
        && !next.contains('\\')
        && !next.chars().any(char::is_control)
        && next.len() < 512;
    ok.then_some(next)
}

#[cfg(test)]
mod tests {
    use super::safe_next;

    #[test]
    fn next_must_stay_on_this_site() {
        assert_eq!(safe_next("/clients/1"), Some("/clients/1"));
        for bad in ["https://evil.test", "//evil.test", "/\\evil.test", "/\t/evil.test", "/\n", "evil"] {
            assert_eq!(safe_next(bad), None, "{bad:?}");
        }
    }
}
