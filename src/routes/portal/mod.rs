//! The client portal (`client.` host).

pub mod content;
mod users;

use axum::Router;

use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new().merge(content::router()).merge(users::router())
}
