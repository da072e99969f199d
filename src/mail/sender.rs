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
                // The messages of a batch go out side by side over lettre's connection pool (up
                // to ten connections): one at a time, each waiting for the SMTP server's answers
                // in turn, the sender managed about 20 a second. Messages to the same address
                // still go in the order they were queued, so a resent invitation arrives after
                // the one it replaces.
                let mut sending = tokio::task::JoinSet::new();
                for emails in by_recipient(batch) {
                    let (db, mailer) = (db.clone(), mailer.clone());
                    sending.spawn(async move {
                        for email in emails {
                            deliver_and_record(&db, &mailer, email, retry_base).await;
                        }
                    });
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

/// The batch split by recipient, each recipient's messages in the batch's order.
fn by_recipient(batch: Vec<outbox::ClaimedEmail>) -> Vec<Vec<outbox::ClaimedEmail>> {
    let mut groups: Vec<Vec<outbox::ClaimedEmail>> = Vec::new();
    let mut index: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    for email in batch {
        let slot = *index.entry(email.to_address.to_lowercase()).or_insert_with(|| {
            groups.push(Vec::new());
            groups.len() - 1
        });
        groups[slot].push(email);
    }
    groups
}

/// Delivers one claimed message and records what happened on its row.
async fn deliver_and_record(db: &PgPool, mailer: &Mailer, email: outbox::ClaimedEmail, retry_base: Duration) {
    let outcome = mailer.deliver(&email).await;
    // A refusal for good (no such mailbox) is not retried: the row says so at once, and the
    // sender of an invitation is told (`lifecycle`).
    let give_up = email.attempts >= MAX_ATTEMPTS || outcome.as_ref().is_err_and(|e| e.permanent);
    match &outcome {
        Ok(()) => tracing::info!(id = %email.id, "email sent"),
        Err(error) => {
            tracing::warn!(id = %email.id, attempts = email.attempts, %error, give_up, "email not delivered")
        }
    }
    // A message that went out but could not be marked (Postgres restarting) would be sent again
    // when its lease ends; so keep trying to record it, well within the lease.
    let mut wait = RECORD_RETRY_FIRST;
    let started = tokio::time::Instant::now();
    loop {
        let saved = match &outcome {
            Ok(()) => outbox::mark_sent(db, email.id).await,
            Err(error) => {
                outbox::mark_failed(db, email.id, &error.answer, backoff(retry_base, email.attempts), give_up)
                    .await
            }
        };
        match saved {
            Ok(()) => return,
            Err(e) if started.elapsed() + wait < RECORD_RETRY_FOR => {
                tracing::warn!(id = %email.id, error = ?e, "could not record the delivery outcome; retrying");
                tokio::time::sleep(wait).await;
                wait = (wait * 2).min(Duration::from_secs(10));
            }
            Err(e) => {
                tracing::error!(id = %email.id, error = ?e, "could not record the delivery outcome");
                return;
            }
        }
    }
}

/// How long to keep trying to record an outcome: well inside the claim's lease (a minute short of
/// `outbox::CLAIM_LEASE`), after which another sender may claim the message.
const RECORD_RETRY_FOR: Duration = Duration::from_secs(outbox::CLAIM_LEASE.as_secs() - 60);
const RECORD_RETRY_FIRST: Duration = Duration::from_millis(250);

#[cfg(test)]
mod tests {
    use super::*;

    fn claimed(to: &str, n: i32) -> outbox::ClaimedEmail {
        outbox::ClaimedEmail {
            id: uuid::Uuid::new_v4(),
            to_address: to.into(),
            subject: String::new(),
            text_body: String::new(),
            html_body: String::new(),
            attempts: n,
        }
    }

    #[test]
    fn a_batch_splits_by_recipient_keeping_each_ones_order() {
        let batch = vec![
            claimed("a@x.test", 1),
            claimed("b@x.test", 2),
            claimed("A@x.test", 3),
            claimed("a@x.test", 4),
        ];
        let groups: Vec<Vec<i32>> =
            by_recipient(batch).into_iter().map(|g| g.iter().map(|e| e.attempts).collect()).collect();
        assert_eq!(groups, vec![vec![1, 3, 4], vec![2]]);
    }

    #[test]
    fn backoff_doubles_and_is_capped() {
        let base = Duration::from_secs(5);
        assert_eq!(backoff(base, 1), Duration::from_secs(5));
        assert_eq!(backoff(base, 2), Duration::from_secs(10));
        assert_eq!(backoff(base, 4), Duration::from_secs(40));
        assert_eq!(backoff(base, 19), MAX_BACKOFF);
    }
}
