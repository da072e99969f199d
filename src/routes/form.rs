//! Reading what a browser sent: forms, query strings and uploads that fail with a plain page,
//! and forms that re-render with a message per field.

use std::collections::BTreeMap;

use axum::extract::{FromRequest, FromRequestParts, Multipart, Request};
use axum::http::request::Parts;
use serde::de::DeserializeOwned;

use crate::domain::Invalid;
use crate::error::AppError;

/// Messages keyed by field name; empty means the form was fine.
#[derive(Default, Debug)]
pub struct FieldErrors(BTreeMap<&'static str, String>);

impl FieldErrors {
    pub fn add(&mut self, field: &'static str, message: impl Into<String>) {
        self.0.entry(field).or_insert_with(|| message.into());
    }

    /// Keeps the parsed value, or records why it was refused.
    pub fn take<T>(&mut self, field: &'static str, parsed: Result<T, Invalid>) -> Option<T> {
        match parsed {
            Ok(v) => Some(v),
            Err(e) => {
                self.add(field, e.0);
                None
            }
        }
    }

    pub fn get(&self, field: &str) -> Option<&str> {
        self.0.get(field).map(String::as_str)
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn messages(&self) -> Vec<&str> {
        self.0.values().map(String::as_str).collect()
    }
}

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
