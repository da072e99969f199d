//! Cross-site request forgery: every POST on either host must come from our own origin and
//! carry the right token. This middleware is the one place that checks it.
//!
//! Two kinds of token, so that a page view never stores anything on the server:
//! - **anonymous visitors** (sign-in, forgot and reset password, invitations) get a signed
//!   double-submit token: a random value in an HttpOnly cookie, and in the form the HMAC of that
//!   value under the server key. Nothing is kept server-side; every replica sharing the key can
//!   check it.
//! - **signed-in sessions** carry their own random token, made at sign-in (so it changes then),
//!   and only that one is accepted while the session lasts.

use axum::body::{to_bytes, Body};
use axum::extract::{DefaultBodyLimit, FromRequest, Request};
use axum::http::{header, HeaderMap, HeaderValue, Method};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use rand::RngCore;
use tower::{Layer, ServiceExt};
use tower_sessions::Session;

use super::session;
use crate::error::{AppError, AppResult};
use crate::state::{AppState, Site};

pub const FIELD: &str = "csrf";
/// Largest form body accepted.
pub const MAX_FORM_BYTES: usize = 64 * 1024;
/// Largest upload (a photo of up to 5 MB and its form) accepted.
pub const MAX_UPLOAD_BYTES: usize = 6 * 1024 * 1024;

/// What a page needs to render its forms and banner, put on every request by [`protect`].
#[derive(Clone, Debug)]
pub struct PageContext {
    pub site: Site,
    /// The anonymous visitor's token (the signed double-submit value).
    anonymous_token: String,
    /// `DEV_MAILBOX=1`: the mailbox's address, which every page shows in a banner.
    pub dev_mailbox: Option<String>,
    /// The path asked for, so the navigation can mark where the person is.
    pub path: String,
}

impl PageContext {
    /// The token a form on this page must carry: the session's own once signed in, else the
    /// anonymous one. Reading it writes nothing.
    pub async fn token(&self, session: &Session) -> AppResult<String> {
        Ok(session.get::<String>(session::CSRF_KEY).await?.unwrap_or_else(|| self.anonymous_token.clone()))
    }
}

impl<S: Send + Sync> axum::extract::FromRequestParts<S> for PageContext {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut axum::http::request::Parts, _: &S) -> Result<Self, AppError> {
        parts
            .extensions
            .get::<PageContext>()
            .cloned()
            .ok_or_else(|| AppError::Internal(anyhow::anyhow!("CSRF layer missing")))
    }
}

fn random_value() -> String {
    let mut bytes = [0u8; 24];
    rand::rng().fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

fn cookie_name(site: Site) -> &'static str {
    match site {
        Site::Staff => "portico_staff_csrf",
        Site::Portal => "portico_portal_csrf",
    }
}

/// The visitor's random cookie value, if it sent a well-formed one.
fn visitor_cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_string())
        .filter(|v| v.len() == 32 && v.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'))
}

pub async fn protect(state: AppState, session: Session, mut request: Request, next: Next) -> Response {
    let Some(&site) = request.extensions().get::<Site>() else {
        return AppError::Internal(anyhow::anyhow!("site extension missing")).into_response();
    };
    let name = cookie_name(site);
    let (visitor, new_cookie) = match visitor_cookie(request.headers(), name) {
        Some(value) => (value, false),
        None => (random_value(), true),
    };
    let context = PageContext {
        site,
        anonymous_token: state.server_key.sign(name, &visitor),
        dev_mailbox: state.config.dev_mailbox.then(|| state.config.staff_url.join("/dev/mail")),
        path: request.uri().path().to_string(),
    };
    request.extensions_mut().insert(context.clone());
    let mut response = if request.method() == Method::POST {
        match check_post(&state, &session, &context, request).await {
            Ok(request) => next.run(request).await,
            Err(refusal) => refusal.into_response(),
        }
    } else {
        next.run(request).await
    };
    if new_cookie {
        let secure = if site.url(&state.config).is_https() { "; Secure" } else { "" };
        let cookie = format!("{name}={visitor}; Path=/; HttpOnly; SameSite=Lax{secure}");
        if let Ok(value) = HeaderValue::from_str(&cookie) {
            response.headers_mut().append(header::SET_COOKIE, value);
        }
    }
    response
}

/// Passes the request on (with its body read back in) when it is ours, else says why not.
async fn check_post(
    state: &AppState,
    session: &Session,
    context: &PageContext,
    request: Request,
) -> Result<Request, AppError> {
    let expected_origin = context.site.url(&state.config).origin();
    if !same_origin(request.headers(), &expected_origin) {
        tracing::warn!(origin = ?request.headers().get(header::ORIGIN), "refused a POST from another origin");
        return Err(AppError::Csrf);
    }
    let (parts, body) = request.into_parts();
    let content_type =
        parts.headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or_default().to_string();
    let (sent, bytes) = if content_type.starts_with("application/x-www-form-urlencoded") {
        let bytes = to_bytes(body, MAX_FORM_BYTES)
            .await
            .map_err(|_| AppError::BadRequest("The form was too large."))?;
        let pairs = form_urlencoded_pairs(&bytes)
            .ok_or(AppError::BadRequest("The form could not be read: it was not sent as text."))?;
        if pairs.iter().any(|(k, v)| k.contains('\0') || v.contains('\0')) {
            return Err(AppError::BadRequest("Text may not contain control characters."));
        }
        (pairs.into_iter().find(|(k, _)| k == FIELD).map(|(_, v)| v), bytes)
    } else if content_type.starts_with("multipart/form-data") {
        let bytes = to_bytes(body, MAX_UPLOAD_BYTES)
            .await
            .map_err(|_| AppError::BadRequest("The upload was too large: photos may be at most 5 MB."))?;
        (multipart_field(&content_type, bytes.clone(), FIELD).await, bytes)
    } else {
        return Err(AppError::BadRequest("Forms must be sent as a web form."));
    };
    let expected = context.token(session).await?;
    match sent {
        Some(sent) if constant_time_eq(sent.as_bytes(), expected.as_bytes()) => {
            Ok(Request::from_parts(parts, Body::from(bytes)))
        }
        _ => Err(AppError::Csrf),
    }
}

/// Whether the browser says the request comes from our own page. With `Referrer-Policy:
/// no-referrer` browsers send `Origin: null` on form posts, so then `Sec-Fetch-Site` decides;
/// clients that send neither header are left to the token check.
fn same_origin(headers: &HeaderMap, expected: &str) -> bool {
    let origin = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok());
    let fetch_site = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok());
    match (origin, fetch_site) {
        (Some(o), _) if o == expected => true,
        (_, Some(site)) => matches!(site, "same-origin" | "none"),
        (Some("null") | None, None) => true,
        (Some(_), None) => false,
    }
}

/// Finds a text field in a multipart body (the CSRF token comes first in our forms). The body
/// has already been read within [`MAX_UPLOAD_BYTES`], so the parser gets the same allowance
/// rather than the framework's default 2 MB.
async fn multipart_field(content_type: &str, body: axum::body::Bytes, name: &'static str) -> Option<String> {
    let request =
        Request::builder().header(header::CONTENT_TYPE, content_type).body(Body::from(body)).ok()?;
    let find = tower::service_fn(move |request: Request| async move {
        let found: Option<String> = async {
            let mut multipart = axum::extract::Multipart::from_request(request, &()).await.ok()?;
            while let Ok(Some(field)) = multipart.next_field().await {
                if field.name() == Some(name) {
                    return field.text().await.ok();
                }
            }
            None
        }
        .await;
        Ok::<_, std::convert::Infallible>(found)
    });
    DefaultBodyLimit::max(MAX_UPLOAD_BYTES).layer(find).oneshot(request).await.ok().flatten()
}

/// The pairs of a urlencoded body, or `None` when it is not valid text.
fn form_urlencoded_pairs(body: &[u8]) -> Option<Vec<(String, String)>> {
    serde_urlencoded::from_bytes::<Vec<(String, String)>>(body).ok()
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::server_key::ServerKey;

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

    #[test]
    fn anonymous_tokens_depend_on_the_cookie_and_the_key() {
        let key = ServerKey::new(b"0123456789abcdef0123456789abcdef");
        let other = ServerKey::new(b"fedcba9876543210fedcba9876543210");
        assert_eq!(key.sign("c", "v1"), key.sign("c", "v1"));
        assert_ne!(key.sign("c", "v1"), key.sign("c", "v2"));
        assert_ne!(key.sign("c", "v1"), other.sign("c", "v1"));
        assert_ne!(key.sign("portico_staff_csrf", "v"), key.sign("portico_portal_csrf", "v"));
    }

    #[test]
    fn only_well_formed_visitor_cookies_are_read() {
        let value = random_value();
        assert_eq!(value.len(), 32);
        let mut h = HeaderMap::new();
        h.insert(header::COOKIE, HeaderValue::from_str(&format!("a=b; portico_staff_csrf={value}")).unwrap());
        assert_eq!(visitor_cookie(&h, "portico_staff_csrf"), Some(value));
        assert_eq!(
            visitor_cookie(&headers(&[("cookie", "portico_staff_csrf=short")]), "portico_staff_csrf"),
            None
        );
    }
}
