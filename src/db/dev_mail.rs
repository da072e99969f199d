use sqlx::PgExecutor;
use time::OffsetDateTime;

#[derive(Debug, sqlx::FromRow)]
pub struct DevMailRow {
    pub id: uuid::Uuid,
    pub to_address: String,
    pub subject: String,
    pub text_body: String,
    pub html_body: String,
    pub received_at: OffsetDateTime,
}

pub async fn store(
    db: impl PgExecutor<'_>,
    to: &str,
    subject: &str,
    text: &str,
    html: &str,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO dev_mailbox (id, to_address, subject, text_body, html_body)
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(uuid::Uuid::new_v4())
    .bind(to)
    .bind(subject)
    .bind(text)
    .bind(html)
    .execute(db)
    .await?;
    Ok(())
}

pub async fn latest(db: impl PgExecutor<'_>, limit: i64) -> sqlx::Result<Vec<DevMailRow>> {
    sqlx::query_as(
        "SELECT id, to_address, subject, text_body, html_body, received_at
         FROM dev_mailbox ORDER BY received_at DESC LIMIT $1",
    )
    .bind(limit)
    .fetch_all(db)
    .await
}

pub async fn find(db: impl PgExecutor<'_>, id: uuid::Uuid) -> sqlx::Result<Option<DevMailRow>> {
    sqlx::query_as(
        "SELECT id, to_address, subject, text_body, html_body, received_at
         FROM dev_mailbox WHERE id = $1",
    )
    .bind(id)
    .fetch_optional(db)
    .await
}
