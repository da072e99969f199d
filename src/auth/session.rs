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
