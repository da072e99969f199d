//! Keys generated once and kept in the database, so every replica signs with the same one.

use sqlx::PgPool;

/// The key called `name`, made from `candidate` by whichever replica asks first.
pub async fn get_or_create(db: &PgPool, name: &str, candidate: &[u8]) -> sqlx::Result<Vec<u8>> {
    sqlx::query("INSERT INTO server_keys (name, key) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING")
        .bind(name)
        .bind(candidate)
        .execute(db)
        .await?;
    sqlx::query_scalar("SELECT key FROM server_keys WHERE name = $1").bind(name).fetch_one(db).await
}
