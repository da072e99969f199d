use sqlx::PgExecutor;

use crate::domain::{TokenHash, UserId};

pub const RESET_TTL: time::Duration = time::Duration::hours(1);

pub async fn create(db: impl PgExecutor<'_>, user: UserId, hash: &TokenHash) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO password_resets (id, user_id, token_hash, expires_at)
         VALUES ($1, $2, $3, now() + make_interval(secs => $4))",
    )
    .bind(uuid::Uuid::new_v4())
    .bind(user)
    .bind(hash)
    .bind(RESET_TTL.whole_seconds() as f64)
    .execute(db)
    .await?;
    Ok(())
}

/// Whether the link can still be used (for showing the form; the POST consumes it).
pub async fn is_usable(db: impl PgExecutor<'_>, hash: &TokenHash) -> sqlx::Result<bool> {
    sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM password_resets
                        WHERE token_hash = $1 AND used_at IS NULL AND expires_at > now())",
    )
    .bind(hash)
    .fetch_one(db)
    .await
}

/// Uses the token up in one statement; `None` when it was unknown, used or expired.
pub async fn consume(db: impl PgExecutor<'_>, hash: &TokenHash) -> sqlx::Result<Option<UserId>> {
    sqlx::query_scalar(
        "UPDATE password_resets SET used_at = now()
         WHERE token_hash = $1 AND used_at IS NULL AND expires_at > now()
         RETURNING user_id",
    )
    .bind(hash)
    .fetch_optional(db)
    .await
}

/// After a successful reset every other outstanding link of the person dies too.
pub async fn retire_all(db: impl PgExecutor<'_>, user: UserId) -> sqlx::Result<()> {
    sqlx::query("UPDATE password_resets SET used_at = now() WHERE user_id = $1 AND used_at IS NULL")
        .bind(user)
        .execute(db)
        .await?;
    Ok(())
}
