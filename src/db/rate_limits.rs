//! Fixed-window counters, one row per bucket and window (the policy is `auth::rate_limit`).

use sqlx::PgPool;

/// Counts one hit in the current window of `window_secs`; returns the hits so far.
pub async fn hit(db: &PgPool, bucket: &str, window_secs: i64) -> sqlx::Result<i32> {
    sqlx::query_scalar(
        "INSERT INTO rate_limits (bucket, window_start, hits)
         VALUES ($1, to_timestamp(floor(extract(epoch FROM now()) / $2) * $2), 1)
         ON CONFLICT (bucket, window_start) DO UPDATE SET hits = rate_limits.hits + 1
         RETURNING hits",
    )
    .bind(bucket)
    .bind(window_secs as f64)
    .fetch_one(db)
    .await
}

/// Hits in the current window, without counting one.
pub async fn hits(db: &PgPool, bucket: &str, window_secs: i64) -> sqlx::Result<i32> {
    let hits: Option<i32> = sqlx::query_scalar(
        "SELECT hits FROM rate_limits
         WHERE bucket = $1 AND window_start = to_timestamp(floor(extract(epoch FROM now()) / $2) * $2)",
    )
    .bind(bucket)
    .bind(window_secs as f64)
    .fetch_optional(db)
    .await?;
    Ok(hits.unwrap_or(0))
}

/// Drops windows that ended more than a day ago.
pub async fn purge_old(db: &PgPool) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM rate_limits WHERE window_start < now() - interval '1 day'").execute(db).await?;
    Ok(())
}
