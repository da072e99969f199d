//! The client portal (`client.` host).

mod home;

use axum::Router;

use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new().merge(home::router())
}
