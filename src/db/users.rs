use sqlx::{PgExecutor, PgPool};
use time::OffsetDateTime;

use crate::domain::{EmailAddress, UserId};

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct UserRow {
    pub id: UserId,
    pub email: String,
    pub display_name: String,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub password_hash: Option<String>,
    pub created_at: OffsetDateTime,
    pub last_seen_at: Option<OffsetDateTime>,
}

const COLUMNS: &str =
    "id, email, display_name, first_name, last_name, password_hash, created_at, last_seen_at";

pub async fn find_by_id(db: impl PgExecutor<'_>, id: UserId) -> sqlx::Result<Option<UserRow>> {
    sqlx::query_as(&format!("SELECT {COLUMNS} FROM users WHERE id = $1")).bind(id).fetch_optional(db).await
}

pub async fn find_by_email(db: impl PgExecutor<'_>, email: &EmailAddress) -> sqlx::Result<Option<UserRow>> {
    sqlx::query_as(&format!("SELECT {COLUMNS} FROM users WHERE email = $1"))
        .bind(email.as_str())
        .fetch_optional(db)
        .await
}

/// The person with this email, created (without a password) if they are new.
pub async fn find_or_create(
    db: impl PgExecutor<'_>,
    email: &EmailAddress,
    display_name: &str,
    first_name: Option<&str>,
    last_name: Option<&str>,
) -> sqlx::Result<UserRow> {
    sqlx::query_as(&format!(
        "INSERT INTO users (id, email, display_name, first_name, last_name)
         VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (email) DO UPDATE SET email = EXCLUDED.email
         RETURNING {COLUMNS}"
    ))
    .bind(UserId::new())
    .bind(email.as_str())
    .bind(display_name)
    .bind(first_name)
    .bind(last_name)
    .fetch_one(db)
    .await
}

/// Sets the password, and the name where the person had none yet.
pub async fn set_password_and_name(
    db: impl PgExecutor<'_>,
    id: UserId,
    password_hash: &str,
    display_name: Option<&str>,
) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE users SET password_hash = $2,
                display_name = CASE WHEN display_name = '' THEN coalesce($3, '') ELSE display_name END
         WHERE id = $1",
    )
    .bind(id)
    .bind(password_hash)
    .bind(display_name)
    .execute(db)
    .await?;
    Ok(())
}

pub async fn touch_last_seen(db: &PgPool, id: UserId) -> sqlx::Result<()> {
    sqlx::query("UPDATE users SET last_seen_at = now() WHERE id = $1").bind(id).execute(db).await?;
    Ok(())
}

/// One statement: the session's idle expiry moves on, and the person's last activity too when
/// it is older than `every` (another session of theirs may have just written it).
pub async fn record_activity(
    db: &PgPool,
    session_id: &str,
    user: UserId,
    idle_timeout: time::Duration,
    every: std::time::Duration,
) -> sqlx::Result<()> {
    sqlx::query(
        "WITH session AS (
             UPDATE tower_sessions.session SET expiry_date = now() + make_interval(secs => $3)
             WHERE id = $1 AND expiry_date > now()
         )
         UPDATE users SET last_seen_at = now()
         WHERE id = $2 AND (last_seen_at IS NULL OR last_seen_at < now() - make_interval(secs => $4))",
    )
    .bind(session_id)
    .bind(user)
    .bind(idle_timeout.whole_seconds() as f64)
    .bind(every.as_secs_f64())
    .execute(db)
    .await?;
    Ok(())
}

/// Locks the person's row until the transaction ends: a change of their memberships and an
/// ADMIN's reset of their second factor take it, so neither interleaves with the other.
pub async fn lock(db: &mut sqlx::PgConnection, id: UserId) -> sqlx::Result<()> {
    sqlx::query("SELECT 1 FROM users WHERE id = $1 FOR UPDATE").bind(id).execute(db).await?;
    Ok(())
}
