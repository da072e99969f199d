//! The client portal (`client.` host).

mod home;
mod users;

use axum::Router;

use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new().merge(home::router()).merge(users::router())
}
