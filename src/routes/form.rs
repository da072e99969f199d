//! Reading what a browser sent: path segments, forms, query strings and uploads that fail with a
//! plain page (a form that re-renders with a message per field uses `views::FieldErrors`).

use std::collections::HashMap;

use axum::extract::{FromRequest, FromRequestParts, Multipart, Request};
use axum::http::request::Parts;
use serde::de::DeserializeOwned;

use crate::error::{AppError, AppResult};

/// A submitted form, parsed into `T`. A body that does not fit (a missing or repeated field, a
/// word where a number belongs, bytes that are not text) is answered with a plain 400 page in
/// the product's voice, never the framework's own error text. Repeated fields (checkboxes) may
/// be read into a `Vec`.
pub struct Form<T>(pub T);

impl<T, S> FromRequest<S> for Form<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = AppError;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        match axum_extra::extract::Form::<T>::from_request(request, state).await {
            Ok(axum_extra::extract::Form(value)) => Ok(Form(value)),
            Err(_) => Err(AppError::BadRequest(
                "The form could not be read: a field was missing, repeated or not in the expected form.",
            )),
        }
    }
}

/// The path's parameters parsed into `T` (typed ids, a menu action). A segment that does not fit
/// (not an id, an unknown action) names no page: 404, the same answer as an id that does not
/// exist or lies outside the viewer's scope, so a guess learns nothing.
pub struct Path<T>(pub T);

impl<T, S> FromRequestParts<S> for Path<T>
where
    T: DeserializeOwned + Send,
    S: Send + Sync,
{
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        use axum::extract::rejection::PathRejection;
        match axum::extract::Path::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Path(value)) => Ok(Path(value)),
            Err(PathRejection::FailedToDeserializePathParams(_)) => Err(AppError::NotFound),
            // The route and the handler disagree: a programming error, not a bad address.
            Err(other) => Err(AppError::Internal(anyhow::anyhow!("path parameters: {other}"))),
        }
    }
}

/// A query string parsed into `T`, refused with a plain 400 page when it does not fit.
pub struct Query<T>(pub T);

impl<T, S> FromRequestParts<S> for Query<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match axum::extract::Query::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Query(value)) => Ok(Query(value)),
            Err(_) => Err(AppError::BadRequest(
                "The address could not be read. Follow a link from the page instead.",
            )),
        }
    }
}

/// A multipart upload, refused with a plain 400 page when the body is not one.
pub struct Upload(pub Multipart);

impl<S: Send + Sync> FromRequest<S> for Upload {
    type Rejection = AppError;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        Multipart::from_request(request, state).await.map(Upload).map_err(|_| {
            AppError::BadRequest("The upload could not be read. Choose the file again and resend the form.")
        })
    }
}

impl Upload {
    /// The upload of a request whose sender's permission has been checked first, so that a
    /// refused person is told so whatever they sent.
    pub async fn read(request: Request) -> Result<Multipart, AppError> {
        Ok(Upload::from_request(request, &()).await?.0)
    }
}

/// A multipart form as uploaded: its text fields (at most 20, each cut to 2,000 characters) and
/// the bytes of the one file field `file`, if a file was chosen.
pub async fn read_upload(
    mut multipart: Multipart,
    file: &str,
    too_large: &'static str,
) -> AppResult<(HashMap<String, String>, Option<Vec<u8>>)> {
    let unreadable = |_| AppError::BadRequest("The upload could not be read.");
    let mut values: HashMap<String, String> = HashMap::new();
    let mut bytes = None;
    while let Some(field) = multipart.next_field().await.map_err(unreadable)? {
        let name = field.name().unwrap_or_default().to_string();
        if name == file {
            let sent = field.bytes().await.map_err(|_| AppError::BadRequest(too_large))?;
            bytes = (!sent.is_empty()).then(|| sent.to_vec());
        } else if values.len() < 20 {
            let text = field.text().await.map_err(unreadable)?;
            values.insert(name, text.chars().filter(|c| *c != '\0').take(2000).collect());
        }
    }
    Ok((values, bytes))
}
