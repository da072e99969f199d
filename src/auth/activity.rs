//! Recording that a signed-in person is active, without making page views write.
//!
//! A session's idle timeout lives in the session store's expiry; "last activity" on user rows
//! lives in `users.last_seen_at`. Both move forward at most once per `activity_every` (5 minutes)
//! per session, in one statement run after the response, never on its path. Sign-in (a POST,
//! which saves the session anyway) counts as the first.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use sqlx::PgPool;

use super::session::IDLE_TIMEOUT;
use crate::db;
use crate::domain::UserId;

/// When each session on this replica last recorded activity.
#[derive(Clone)]
pub struct Activity {
    every: Duration,
    recorded: Arc<Mutex<HashMap<String, Instant>>>,
}

impl Activity {
    pub fn new(every: Duration) -> Self {
        Self { every, recorded: Arc::default() }
    }

    /// Records activity for the session (off the request's path) if it is due.
    pub fn seen(&self, db: &PgPool, session_id: String, user: UserId) {
        let now = Instant::now();
        {
            let mut recorded = self.recorded.lock().unwrap_or_else(|p| p.into_inner());
            if recorded.get(&session_id).is_some_and(|at| now.duration_since(*at) < self.every) {
                return;
            }
            // Forget sessions that have been quiet for a while, so the map stays small.
            if recorded.len() > 10_000 {
                recorded.retain(|_, at| now.duration_since(*at) < self.every);
            }
            recorded.insert(session_id.clone(), now);
        }
        let db = db.clone();
        let every = self.every;
        tokio::spawn(async move {
            if let Err(e) = db::users::record_activity(&db, &session_id, user, IDLE_TIMEOUT, every).await {
                tracing::warn!(error = %e, "could not record activity");
            }
        });
    }
}
