//! Cross-site request forgery: every POST on either host must come from our own origin and
//! carry the session's token. This middleware is the one place that checks it.

use axum::body::{to_bytes, Body};
use axum::extract::{FromRequest, Request, State};
use axum::http::{header, Method};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use rand::RngCore;
use tower_sessions::Session;

use crate::error::{AppError, AppResult};
use crate::state::{AppState, Site};

const CSRF_KEY: &str = "csrf";
pub const FIELD: &str = "csrf";
/// Largest form body accepted.
pub const MAX_FORM_BYTES: usize = 64 * 1024;
/// Largest upload (a photo and its form) accepted.
pub const MAX_UPLOAD_BYTES: usize = 6 * 1024 * 1024;

/// The session's token, created on first use.
pub async fn token(session: &Session) -> AppResult<String> {
    if let Some(token) = session.get::<String>(CSRF_KEY).await? {
        return Ok(token);
    }
    let mut bytes = [0u8; 24];
    rand::rng().fill_bytes(&mut bytes);
    let token = URL_SAFE_NO_PAD.encode(bytes);
    session.insert(CSRF_KEY, token.clone()).await?;
    Ok(token)
}

pub async fn protect(
    State(state): State<AppState>,
    session: Session,
    request: Request,
    next: Next,
) -> Response {
    if request.method() != Method::POST {
        return next.run(request).await;
    }
    let site = *request.extensions().get::<Site>().expect("site extension");
    let expected_origin = site.url(&state.config).origin();
    if !same_origin(request.headers(), &expected_origin) {
        tracing::warn!(origin = ?request.headers().get(header::ORIGIN), "refused a POST from another origin");
        return AppError::Csrf.into_response();
    }
    let (parts, body) = request.into_parts();
    let content_type =
        parts.headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or_default().to_string();
    let (sent, bytes) = if content_type.starts_with("application/x-www-form-urlencoded") {
        let Ok(bytes) = to_bytes(body, MAX_FORM_BYTES).await else {
            return AppError::BadRequest("The form was too large.").into_response();
        };
        (form_field(&bytes, FIELD), bytes)
    } else if content_type.starts_with("multipart/form-data") {
        let Ok(bytes) = to_bytes(body, MAX_UPLOAD_BYTES).await else {
            return AppError::BadRequest("The upload was too large: photos may be at most 5 MB.")
                .into_response();
        };
        (multipart_field(&content_type, bytes.clone(), FIELD).await, bytes)
    } else {
        return AppError::BadRequest("Forms must be sent as a web form.").into_response();
    };
    let stored = match session.get::<String>(CSRF_KEY).await {
        Ok(v) => v,
        Err(e) => return AppError::from(e).into_response(),
    };
    match (sent, stored) {
        (Some(sent), Some(stored)) if constant_time_eq(sent.as_bytes(), stored.as_bytes()) => {
            next.run(Request::from_parts(parts, Body::from(bytes))).await
        }
        _ => AppError::Csrf.into_response(),
    }
}

/// Whether the browser says the request comes from our own page. With `Referrer-Policy:
/// no-referrer` browsers send `Origin: null` on form posts, so then `Sec-Fetch-Site` decides;
/// clients that send neither header are left to the token check.
fn same_origin(headers: &axum::http::HeaderMap, expected: &str) -> bool {
    let origin = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok());
    let fetch_site = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok());
    match (origin, fetch_site) {
        (Some(o), _) if o == expected => true,
        (_, Some(site)) => matches!(site, "same-origin" | "none"),
        (Some("null") | None, None) => true,
        (Some(_), None) => false,
    }
}

/// Finds a text field in a multipart body (the CSRF token comes first in our forms).
async fn multipart_field(content_type: &str, body: axum::body::Bytes, name: &str) -> Option<String> {
    let request =
        Request::builder().header(header::CONTENT_TYPE, content_type).body(Body::from(body)).ok()?;
    let mut multipart = axum::extract::Multipart::from_request(request, &()).await.ok()?;
    while let Ok(Some(field)) = multipart.next_field().await {
        if field.name() == Some(name) {
            return field.text().await.ok();
        }
    }
    None
}

fn form_field(body: &[u8], name: &str) -> Option<String> {
    form_urlencoded_pairs(body).into_iter().find(|(k, _)| k == name).map(|(_, v)| v)
}

fn form_urlencoded_pairs(body: &[u8]) -> Vec<(String, String)> {
    serde_urlencoded::from_bytes::<Vec<(String, String)>>(body).unwrap_or_default()
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::{HeaderMap, HeaderValue};

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, HeaderValue::from_static(v));
        }
        h
    }

    #[test]
    fn origin_rules() {
        let me = "http://app.localhost:8080";
        assert!(same_origin(&headers(&[("origin", "http://app.localhost:8080")]), me));
        assert!(!same_origin(&headers(&[("origin", "http://evil.test")]), me));
        assert!(same_origin(&headers(&[("origin", "null"), ("sec-fetch-site", "same-origin")]), me));
        assert!(!same_origin(&headers(&[("origin", "null"), ("sec-fetch-site", "cross-site")]), me));
        assert!(!same_origin(&headers(&[("sec-fetch-site", "same-site")]), me));
        assert!(same_origin(&headers(&[]), me));
    }
}
