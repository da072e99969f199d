//! What Portico keeps in a session, and signing in and out.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use sqlx::PgPool;
use time::OffsetDateTime;
use tower_sessions::Session;

use crate::domain::{ClientId, ProviderId, Token, UserId};
use crate::error::AppResult;

pub const AUTH_KEY: &str = "auth";
/// A sign-in whose password was right, waiting for the second factor. It is not `AUTH_KEY`, so
/// such a session reaches nothing that needs a signed-in person.
pub const HALF_SIGNED_IN_KEY: &str = "half_signed_in";
/// A passkey ceremony under way (its state between the two requests), as `auth::passkeys`
/// keeps it; dropped whenever who is signed in changes.
pub const PASSKEY_REGISTRATION_KEY: &str = "passkey_registration";
pub const PASSKEY_AUTHENTICATION_KEY: &str = "passkey_authentication";
/// How long the second step waits for its code.
const HALF_SIGNED_IN_FOR: i64 = 600;
pub const FLASH_KEY: &str = "flash";
/// The signed-in session's CSRF token (see `csrf`): new at every sign-in.
pub const CSRF_KEY: &str = "csrf";

/// A session ends after this long without a request...
pub const IDLE_TIMEOUT: time::Duration = time::Duration::hours(8);
/// ...and after this long in any case.
pub const ABSOLUTE_TIMEOUT: time::Duration = time::Duration::hours(72);

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct SessionAuth {
    pub user_id: UserId,
    /// Derived from the password hash: a password change ends every other session.
    pub auth_hash: String,
    pub signed_in_at: i64,
    /// The organisation chosen to work in. (Sessions from before it was typed kept an `org`
    /// id instead; it is ignored, and the person is asked to choose again.)
    #[serde(default)]
    pub chosen: Option<Organisation>,
    /// An organisation requires a second factor the person does not have yet: until they set
    /// one up, only the set-up pages answer.
    #[serde(default)]
    pub must_enrol: bool,
}

/// Where a session works: a provider on the staff host, a client organisation in the portal.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Organisation {
    Provider(ProviderId),
    Client(ClientId),
}

impl Organisation {
    pub fn provider(self) -> Option<ProviderId> {
        match self {
            Organisation::Provider(id) => Some(id),
            Organisation::Client(_) => None,
        }
    }

    pub fn client(self) -> Option<ClientId> {
        match self {
            Organisation::Client(id) => Some(id),
            Organisation::Provider(_) => None,
        }
    }

    /// The id the chooser's form sends back.
    pub fn id(self) -> uuid::Uuid {
        match self {
            Organisation::Provider(id) => id.0,
            Organisation::Client(id) => id.0,
        }
    }
}

impl std::fmt::Display for Organisation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.id().fmt(f)
    }
}

impl SessionAuth {
    /// Whether the session has lived too long altogether. (Idle sessions are ended by the
    /// session store's expiry, which only activity moves on.)
    pub fn is_expired(&self, now: i64) -> bool {
        now - self.signed_in_at > ABSOLUTE_TIMEOUT.whole_seconds()
    }
}

pub fn auth_hash(password_hash: &str) -> String {
    let digest = Sha256::digest(password_hash.as_bytes());
    digest[..16].iter().map(|b| format!("{b:02x}")).collect()
}

/// Starts a signed-in session with a fresh id and a fresh CSRF token, so neither a session nor a
/// token seen before sign-in is any use after it. Signing in counts as activity.
/// `must_enrol`: an organisation requires a second factor the person has not set up, and the
/// session is held at its set-up from the first moment it is signed in.
pub async fn sign_in(
    db: &PgPool,
    session: &Session,
    user_id: UserId,
    password_hash: &str,
    must_enrol: bool,
) -> AppResult<()> {
    session.cycle_id().await?;
    forget_ceremonies(session).await?;
    if session.get::<HalfSignedIn>(HALF_SIGNED_IN_KEY).await?.is_some() {
        session.remove::<HalfSignedIn>(HALF_SIGNED_IN_KEY).await?;
    }
    let now = OffsetDateTime::now_utc().unix_timestamp();
    let auth = SessionAuth {
        user_id,
        auth_hash: auth_hash(password_hash),
        signed_in_at: now,
        chosen: None,
        must_enrol,
    };
    session.insert(AUTH_KEY, auth).await?;
    session.insert(CSRF_KEY, Token::generate().expose()).await?;
    crate::db::users::touch_last_seen(db, user_id).await?;
    Ok(())
}

/// Drops a passkey ceremony begun before the person signed in changed, so it cannot finish for
/// somebody else.
async fn forget_ceremonies(session: &Session) -> AppResult<()> {
    for key in [PASSKEY_REGISTRATION_KEY, PASSKEY_AUTHENTICATION_KEY] {
        if session.get::<serde_json::Value>(key).await?.is_some() {
            session.remove::<serde_json::Value>(key).await?;
        }
    }
    Ok(())
}

/// A sign-in past its password, waiting for a code.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct HalfSignedIn {
    pub user_id: UserId,
    /// As in [`SessionAuth`]: a password changed meanwhile ends the wait.
    pub auth_hash: String,
    /// Where to go once signed in (already checked to be one of our own paths).
    pub next: String,
    pub started_at: i64,
}

/// Keeps a sign-in whose password was right until its code comes, under a fresh session id.
pub async fn await_second_factor(
    session: &Session,
    user_id: UserId,
    password_hash: &str,
    next: &str,
) -> AppResult<()> {
    session.cycle_id().await?;
    let now = OffsetDateTime::now_utc().unix_timestamp();
    let half = HalfSignedIn {
        user_id,
        auth_hash: auth_hash(password_hash),
        next: next.to_string(),
        started_at: now,
    };
    session.insert(HALF_SIGNED_IN_KEY, half).await?;
    Ok(())
}

/// The sign-in waiting for its code, unless it waited too long.
pub async fn half_signed_in(session: &Session) -> AppResult<Option<HalfSignedIn>> {
    let now = OffsetDateTime::now_utc().unix_timestamp();
    Ok(session
        .get::<HalfSignedIn>(HALF_SIGNED_IN_KEY)
        .await?
        .filter(|h| now - h.started_at <= HALF_SIGNED_IN_FOR))
}

/// Deletes the session on the server and clears the cookie.
pub async fn sign_out(session: &Session) -> AppResult<()> {
    session.flush().await?;
    Ok(())
}

/// Marks the sign-in as held at the second factor's set-up (`true`), or lets it go (`false`).
pub async fn set_must_enrol(session: &Session, must: bool) -> AppResult<()> {
    if let Some(mut auth) = session.get::<SessionAuth>(AUTH_KEY).await? {
        if auth.must_enrol != must {
            auth.must_enrol = must;
            session.insert(AUTH_KEY, auth).await?;
        }
    }
    Ok(())
}

pub async fn choose(session: &Session, org: Organisation) -> AppResult<()> {
    if let Some(mut auth) = session.get::<SessionAuth>(AUTH_KEY).await? {
        auth.chosen = Some(org);
        session.insert(AUTH_KEY, auth).await?;
    }
    Ok(())
}

/// A one-line message shown on the next page.
pub async fn flash(session: &Session, message: impl Into<String>) -> AppResult<()> {
    session.insert(FLASH_KEY, message.into()).await?;
    Ok(())
}

/// The message left by the previous request, if any. Only when there is one is it removed (which
/// saves the session): `Session::remove` marks the session modified even when the key is absent,
/// and would make every page view a write.
pub async fn take_flash(session: &Session) -> AppResult<Option<String>> {
    if session.get::<String>(FLASH_KEY).await?.is_none() {
        return Ok(None);
    }
    Ok(session.remove::<String>(FLASH_KEY).await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn auth(signed_in_at: i64) -> SessionAuth {
        SessionAuth {
            user_id: UserId::new(),
            auth_hash: String::new(),
            signed_in_at,
            chosen: None,
            must_enrol: false,
        }
    }

    #[test]
    fn sessions_end_when_old() {
        let hour = 3600;
        assert!(!auth(0).is_expired(71 * hour), "busy for 71 hours is fine");
        assert!(auth(0).is_expired(73 * hour), "nobody stays signed in past 72 hours");
    }

    #[test]
    fn a_new_password_changes_the_auth_hash() {
        assert_ne!(auth_hash("$argon2id$one"), auth_hash("$argon2id$two"));
        assert_eq!(auth_hash("x").len(), 32);
    }
}
