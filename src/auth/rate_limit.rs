//! Fixed-window rate limits kept in Postgres, so every replica counts the same attempts.

use sqlx::PgPool;

use crate::error::{AppError, AppResult};

/// A limit: at most `max` hits per `window_secs` for one bucket.
#[derive(Clone, Copy, Debug)]
pub struct Limit {
    pub name: &'static str,
    pub max: i32,
    pub window_secs: i64,
}

pub const SIGN_IN_PER_ADDRESS: Limit = Limit { name: "sign-in-ip", max: 30, window_secs: 900 };
pub const SIGN_IN_PER_ACCOUNT: Limit = Limit { name: "sign-in-account", max: 10, window_secs: 900 };
pub const FORGOT_PER_ADDRESS: Limit = Limit { name: "forgot-ip", max: 20, window_secs: 3600 };
pub const FORGOT_PER_ACCOUNT: Limit = Limit { name: "forgot-account", max: 5, window_secs: 3600 };
pub const ACCEPT_PER_ADDRESS: Limit = Limit { name: "accept-ip", max: 30, window_secs: 900 };
pub const ACCEPT_PER_INVITATION: Limit = Limit { name: "accept-invitation", max: 10, window_secs: 900 };

/// Counts one hit and refuses with 429 once the window's allowance is spent.
pub async fn check(db: &PgPool, limit: Limit, key: &str) -> AppResult<()> {
    let bucket = format!("{}:{}", limit.name, key);
    let hits: i32 = sqlx::query_scalar(
        "INSERT INTO rate_limits (bucket, window_start, hits)
         VALUES ($1, to_timestamp(floor(extract(epoch FROM now()) / $2) * $2), 1)
         ON CONFLICT (bucket, window_start) DO UPDATE SET hits = rate_limits.hits + 1
         RETURNING hits",
    )
    .bind(&bucket)
    .bind(limit.window_secs as f64)
    .fetch_one(db)
    .await?;
    if hits > limit.max {
        tracing::warn!(limit = limit.name, "rate limit reached");
        return Err(AppError::TooManyRequests);
    }
    Ok(())
}

/// Drops finished windows; called by the background housekeeping task.
pub async fn purge_old(db: &PgPool) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM rate_limits WHERE window_start < now() - interval '1 day'").execute(db).await?;
    Ok(())
}
