//! What Portico keeps in a session, and signing in and out.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use time::OffsetDateTime;
use tower_sessions::Session;
use uuid::Uuid;

use crate::domain::UserId;
use crate::error::AppResult;

pub const AUTH_KEY: &str = "auth";
pub const FLASH_KEY: &str = "flash";

/// A session ends after this long without a request...
pub const IDLE_TIMEOUT: time::Duration = time::Duration::hours(8);
/// ...and after this long in any case.
pub const ABSOLUTE_TIMEOUT: time::Duration = time::Duration::hours(72);
/// How stale `last_seen` may get before a request writes it again.
pub const TOUCH_EVERY: time::Duration = time::Duration::minutes(1);

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct SessionAuth {
    pub user_id: UserId,
    /// Derived from the password hash: a password change ends every other session.
    pub auth_hash: String,
    pub signed_in_at: i64,
    pub last_seen: i64,
    /// The provider (staff host) or client organisation (portal) chosen to work in.
    pub org: Option<Uuid>,
}

impl SessionAuth {
    /// Whether the session has been idle too long, or has lived too long altogether.
    pub fn is_expired(&self, now: i64) -> bool {
        now - self.signed_in_at > ABSOLUTE_TIMEOUT.whole_seconds()
            || now - self.last_seen > IDLE_TIMEOUT.whole_seconds()
    }
}

pub fn auth_hash(password_hash: &str) -> String {
    let digest = Sha256::digest(password_hash.as_bytes());
    digest[..16].iter().map(|b| format!("{b:02x}")).collect()
}

/// Starts a signed-in session with a fresh id, so a session fixed before sign-in is useless.
pub async fn sign_in(session: &Session, user_id: UserId, password_hash: &str) -> AppResult<()> {
    session.cycle_id().await?;
    let now = OffsetDateTime::now_utc().unix_timestamp();
    let auth = SessionAuth {
        user_id,
        auth_hash: auth_hash(password_hash),
        signed_in_at: now,
        last_seen: now,
        org: None,
    };
    session.insert(AUTH_KEY, auth).await?;
    Ok(())
}

/// Deletes the session on the server and clears the cookie.
pub async fn sign_out(session: &Session) -> AppResult<()> {
    session.flush().await?;
    Ok(())
}

pub async fn set_org(session: &Session, org: Uuid) -> AppResult<()> {
    if let Some(mut auth) = session.get::<SessionAuth>(AUTH_KEY).await? {
        auth.org = Some(org);
        session.insert(AUTH_KEY, auth).await?;
    }
    Ok(())
}

/// A one-line message shown on the next page.
pub async fn flash(session: &Session, message: impl Into<String>) -> AppResult<()> {
    session.insert(FLASH_KEY, message.into()).await?;
    Ok(())
}

pub async fn take_flash(session: &Session) -> AppResult<Option<String>> {
    Ok(session.remove::<String>(FLASH_KEY).await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn auth(signed_in_at: i64, last_seen: i64) -> SessionAuth {
        SessionAuth { user_id: UserId::new(), auth_hash: String::new(), signed_in_at, last_seen, org: None }
    }

    #[test]
    fn sessions_end_when_idle_or_old() {
        let hour = 3600;
        assert!(!auth(0, 0).is_expired(7 * hour), "seven idle hours are fine");
        assert!(auth(0, 0).is_expired(9 * hour), "nine idle hours are not");
        assert!(!auth(0, 70 * hour).is_expired(71 * hour), "busy for 71 hours is fine");
        assert!(auth(0, 72 * hour).is_expired(73 * hour), "nobody stays signed in past 72 hours");
    }

    #[test]
    fn a_new_password_changes_the_auth_hash() {
        assert_ne!(auth_hash("$argon2id$one"), auth_hash("$argon2id$two"));
        assert_eq!(auth_hash("x").len(), 32);
    }
}
