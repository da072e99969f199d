//! The staff app (`app.` host).

mod audit;
pub mod clients;
mod content;
mod dev_mail;
mod home;
mod scoped;
mod settings;
pub mod users;

use axum::Router;

use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .merge(home::router())
        .merge(users::router())
        .merge(settings::router())
        .merge(audit::router())
        .merge(clients::router())
        .merge(content::router())
        .merge(dev_mail::router())
}
