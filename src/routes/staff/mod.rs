//! The staff app (`app.` host).

mod audit;
mod dev_mail;
mod home;
mod users;

use axum::Router;

use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .merge(home::router())
        .merge(users::router())
        .merge(audit::router())
        .merge(dev_mail::router())
}
