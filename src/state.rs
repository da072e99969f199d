//! The state every handler can reach.

use std::convert::Infallible;
use std::ops::Deref;
use std::sync::Arc;

use axum::extract::{FromRef, FromRequestParts};
use axum::http::request::Parts;
use sqlx::PgPool;
use tokio::sync::Notify;

use crate::auth::activity::Activity;
use crate::auth::password::Hasher;
use crate::auth::relying_party::Passkeys;
use crate::auth::server_key::ServerKey;
use crate::clock::Clock;
use crate::config::{Config, PublicUrl};

#[derive(Clone)]
pub struct AppState(Arc<App>);

pub struct App {
    pub config: Config,
    pub db: PgPool,
    pub hasher: Hasher,
    /// Wakes the mail sender as soon as a message is queued.
    pub mail_wake: Arc<Notify>,
    /// Signs anonymous visitors' CSRF tokens; the same on every replica.
    pub server_key: ServerKey,
    /// When each session last recorded its activity (so a page view rarely writes).
    pub activity: Activity,
    /// The time the invitation lifecycle reads; tests move it.
    pub clock: Clock,
    /// Each host's WebAuthn relying party.
    pub passkeys: Passkeys,
}

impl AppState {
    pub fn new(config: Config, db: PgPool, mail_wake: Arc<Notify>, server_key: ServerKey) -> Self {
        let activity = Activity::new(config.activity_every);
        let clock = Clock::offset_by(config.clock_offset_secs);
        // The public URLs were checked to be origins when the configuration was read.
        let passkeys = Passkeys::new(&config).expect("each public URL makes a WebAuthn relying party");
        Self(Arc::new(App {
            config,
            db,
            hasher: Hasher::new(),
            mail_wake,
            server_key,
            activity,
            clock,
            passkeys,
        }))
    }
}

/// Handlers take the state as a plain argument (`state: AppState`), as crates.io's do, rather than
/// destructuring `state: AppState` in every signature.
impl<S> FromRequestParts<S> for AppState
where
    S: Send + Sync,
    AppState: FromRef<S>,
{
    type Rejection = Infallible;

    async fn from_request_parts(_: &mut Parts, state: &S) -> Result<Self, Infallible> {
        Ok(AppState::from_ref(state))
    }
}

impl Deref for AppState {
    type Target = App;
    fn deref(&self) -> &App {
        &self.0
    }
}

/// Which of the two hosts a request arrived on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Site {
    Staff,
    Portal,
}

impl Site {
    pub fn url(self, config: &Config) -> &PublicUrl {
        match self {
            Site::Staff => &config.staff_url,
            Site::Portal => &config.portal_url,
        }
    }

    pub fn is_staff(self) -> bool {
        self == Site::Staff
    }

    pub fn name(self) -> &'static str {
        match self {
            Site::Staff => "staff",
            Site::Portal => "portal",
        }
    }
}
