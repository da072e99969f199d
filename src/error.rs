//! One error type for the whole server. Each variant renders its status and a page in the
//! product's voice; a 500 is logged with an operation id that the page shows, never the cause.

use askama::Template;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// Missing, or outside what the asker may see: the two are indistinguishable on purpose.
    #[error("not found")]
    NotFound,
    #[error("forbidden")]
    Forbidden,
    #[error("sign in required")]
    SignInRequired,
    /// Signed in, but an organisation requires a second factor that is not set up yet.
    #[error("second factor required")]
    SecondFactorRequired,
    /// Signed in, but the organisation to work in has not been chosen yet.
    #[error("choose an organisation")]
    ChooseOrganisation,
    #[error("the form has expired")]
    Csrf,
    #[error("too many attempts")]
    TooManyRequests,
    /// A limit on sending email was reached; the message says which and what to do.
    #[error("throttled: {0}")]
    Throttled(&'static str),
    #[error("bad request: {0}")]
    BadRequest(&'static str),
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl From<sqlx::Error> for AppError {
    fn from(e: sqlx::Error) -> Self {
        Self::Internal(e.into())
    }
}

impl From<askama::Error> for AppError {
    fn from(e: askama::Error) -> Self {
        Self::Internal(e.into())
    }
}

impl From<tower_sessions::session::Error> for AppError {
    fn from(e: tower_sessions::session::Error) -> Self {
        Self::Internal(e.into())
    }
}

pub type AppResult<T> = Result<T, AppError>;

#[derive(Template)]
#[template(path = "errors/error.html")]
struct ErrorPage<'a> {
    title: &'a str,
    message: &'a str,
    next_step: &'a str,
    operation_id: Option<String>,
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let (status, title, message, next_step) = match &self {
            AppError::SignInRequired => return Redirect::to("/login").into_response(),
            AppError::SecondFactorRequired => return Redirect::to("/account").into_response(),
            AppError::ChooseOrganisation => {
                return Redirect::to("/choose-organisation").into_response()
            }
            AppError::NotFound => (
                StatusCode::NOT_FOUND,
                "Page not found",
                "There is nothing here, or it is not shared with you.",
                "Go back to the home page and follow the links from there.",
            ),
            AppError::Forbidden => (
                StatusCode::FORBIDDEN,
                "You don't have permission to do that",
                "Your role does not allow this action. Nothing was changed.",
                "Ask an administrator of your account if you need this access.",
            ),
            AppError::Csrf => (
                StatusCode::FORBIDDEN,
                "This form has expired",
                "For your security the form could not be accepted. Nothing was changed.",
                "Go back, reload the page and try again.",
            ),
            AppError::TooManyRequests => (
                StatusCode::TOO_MANY_REQUESTS,
                "Too many attempts",
                "There have been too many attempts in a short time.",
                "Wait a few minutes, then try again.",
            ),
            AppError::Throttled(why) => (
                StatusCode::TOO_MANY_REQUESTS,
                "Nothing was sent",
                *why,
                "Nothing was changed.",
            ),
            AppError::BadRequest(why) => (
                StatusCode::BAD_REQUEST,
                "That request could not be understood",
                *why,
                "Go back and check what was entered.",
            ),
            AppError::Internal(_) => (
                StatusCode::INTERNAL_SERVER_ERROR,
                "Something went wrong on our side",
                "The request could not be completed. Nothing you did caused this.",
                "Try again in a moment. If it keeps happening, contact support and quote the operation id below.",
            ),
        };
        let operation_id = if let AppError::Internal(cause) = &self {
            let id = uuid::Uuid::new_v4().simple().to_string()[..12].to_string();
            tracing::error!(operation_id = %id, error = ?cause, "request failed");
            Some(id)
        } else {
            None
        };
        let page = ErrorPage { title, message, next_step, operation_id };
        match page.render() {
            Ok(html) => (status, Html(html)).into_response(),
            Err(_) => (status, title.to_string()).into_response(),
        }
    }
}
