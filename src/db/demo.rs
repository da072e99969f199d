//! What only `portico demo` writes: moving the seeded history into the past (jobs completed days
//! ago, an invitation declined, another expired), so the demo shows every state on first run.

use sqlx::PgExecutor;

use crate::domain::JobId;

pub async fn complete_days_ago(db: impl PgExecutor<'_>, job: JobId, days: i32) -> sqlx::Result<()> {
    sqlx::query("UPDATE jobs SET completed_at = now() - make_interval(days => $2) WHERE id = $1")
        .bind(job)
        .bind(days)
        .execute(db)
        .await?;
    Ok(())
}

/// Marks the invitation to `email` declined, as if its person had said no.
pub async fn decline_invitation(db: impl PgExecutor<'_>, email: &str) -> sqlx::Result<()> {
    sqlx::query("UPDATE invitations SET status = 'DECLINED', decided_at = now() WHERE email = $1")
        .bind(email)
        .execute(db)
        .await?;
    Ok(())
}

/// Moves the invitation to `email` eight days back, so it expired yesterday.
pub async fn expire_invitation(db: impl PgExecutor<'_>, email: &str) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE invitations SET expires_at = now() - interval '1 day', created_at = now() - interval '8 days'
         WHERE email = $1",
    )
    .bind(email)
    .execute(db)
    .await?;
    Ok(())
}
