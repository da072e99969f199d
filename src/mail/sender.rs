//! The background sender: claims due messages, delivers them, and retries failures with
//! exponential backoff. Any number of processes may run it against one database.

use std::sync::Arc;
use std::time::Duration;

use sqlx::PgPool;
use tokio::sync::Notify;

use super::Mailer;
use crate::db::outbox;

/// After this many attempts a message is marked failed and left for staff to see.
pub const MAX_ATTEMPTS: i32 = 20;
const MAX_BACKOFF: Duration = Duration::from_secs(30 * 60);
const POLL_EVERY: Duration = Duration::from_secs(5);
const BATCH: i64 = 20;

pub fn backoff(base: Duration, attempts: i32) -> Duration {
    let exp = attempts.clamp(1, 20) as u32 - 1;
    base.saturating_mul(2u32.saturating_pow(exp)).min(MAX_BACKOFF)
}

pub async fn run(db: PgPool, mailer: Mailer, wake: Arc<Notify>, retry_base: Duration) {
    loop {
        match outbox::claim_due(&db, BATCH).await {
            Ok(batch) if !batch.is_empty() => {
                // The messages of a batch go out side by side: one at a time, each waited for
                // the SMTP server's answers in turn (about 20 a second over lettre's connection
                // pool); the pool holds up to ten connections.
                let mut sending = tokio::task::JoinSet::new();
                for email in batch {
                    let (db, mailer) = (db.clone(), mailer.clone());
                    sending.spawn(async move { deliver_and_record(&db, &mailer, email, retry_base).await });
                }
                while sending.join_next().await.is_some() {}
                continue;
            }
            Ok(_) => {}
            Err(e) => tracing::error!(error = ?e, "could not read the outbox"),
        }
        // Sleep until something is queued, or poll for retries that fell due.
        let poll = POLL_EVERY.min(retry_base.max(Duration::from_millis(50)));
        let _ = tokio::time::timeout(poll, wake.notified()).await;
    }
}

/// Delivers one claimed message and records what happened on its row.
async fn deliver_and_record(db: &PgPool, mailer: &Mailer, email: outbox::ClaimedEmail, retry_base: Duration) {
    let saved = match mailer.deliver(&email).await {
        Ok(()) => {
            tracing::info!(id = %email.id, "email sent");
            outbox::mark_sent(db, email.id).await
        }
        Err(error) => {
            let give_up = email.attempts >= MAX_ATTEMPTS;
            tracing::warn!(id = %email.id, attempts = email.attempts, %error, give_up, "email not delivered");
            outbox::mark_failed(db, email.id, &error, backoff(retry_base, email.attempts), give_up).await
        }
    };
    if let Err(e) = saved {
        tracing::error!(error = ?e, "could not record the delivery outcome");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_and_is_capped() {
        let base = Duration::from_secs(5);
        assert_eq!(backoff(base, 1), Duration::from_secs(5));
        assert_eq!(backoff(base, 2), Duration::from_secs(10));
        assert_eq!(backoff(base, 4), Duration::from_secs(40));
        assert_eq!(backoff(base, 19), MAX_BACKOFF);
    }
}
