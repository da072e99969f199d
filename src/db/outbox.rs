//! The email outbox. A row is written in the same transaction as the change that causes it; the
//! sender claims due rows with `FOR UPDATE SKIP LOCKED`, so several processes never send one
//! row twice.

use sqlx::{PgExecutor, PgPool};
use time::OffsetDateTime;
use uuid::Uuid;

use super::scope::ProviderScope;
use super::statement::Bind;

use crate::domain::{InvitationId, ProviderId, UserId};

#[derive(Clone, Copy, Debug, PartialEq, Eq, sqlx::Type)]
#[sqlx(type_name = "outbox_state", rename_all = "SCREAMING_SNAKE_CASE")]
pub enum OutboxState {
    Queued,
    Sent,
    Failed,
}

impl OutboxState {
    pub fn label(self) -> &'static str {
        match self {
            Self::Queued => "queued",
            Self::Sent => "sent",
            Self::Failed => "failed",
        }
    }
}

/// A message ready to be queued.
#[derive(Debug)]
pub struct NewEmail {
    pub provider_id: Option<ProviderId>,
    pub invitation_id: Option<InvitationId>,
    pub user_id: Option<UserId>,
    pub kind: &'static str,
    pub to: String,
    pub subject: String,
    pub text: String,
    pub html: String,
}

pub async fn enqueue(db: impl PgExecutor<'_>, email: NewEmail) -> sqlx::Result<Uuid> {
    let id = Uuid::new_v4();
    sqlx::query(
        "INSERT INTO email_outbox
            (id, provider_id, invitation_id, user_id, kind, to_address, subject, text_body, html_body)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(id)
    .bind(email.provider_id)
    .bind(email.invitation_id)
    .bind(email.user_id)
    .bind(email.kind)
    .bind(&email.to)
    .bind(&email.subject)
    .bind(&email.text)
    .bind(&email.html)
    .execute(db)
    .await?;
    Ok(id)
}

#[derive(Debug, sqlx::FromRow)]
pub struct ClaimedEmail {
    pub id: Uuid,
    pub to_address: String,
    pub subject: String,
    pub text_body: String,
    pub html_body: String,
    pub attempts: i32,
}

/// How long a claimed row stays out of other senders' reach while it is being sent.
pub const CLAIM_LEASE: std::time::Duration = std::time::Duration::from_secs(300);

/// Claims up to `limit` due messages: counts the attempt and leases them for a while, so a
/// sender that dies mid-send leaves them to be retried rather than lost.
pub async fn claim_due(db: &PgPool, limit: i64) -> sqlx::Result<Vec<ClaimedEmail>> {
    sqlx::query_as(
        "WITH claimed AS (
             UPDATE email_outbox o
             SET attempts = o.attempts + 1, next_attempt_at = now() + make_interval(secs => $2)
             FROM (SELECT id FROM email_outbox
                   WHERE state = 'QUEUED' AND next_attempt_at <= now()
                   ORDER BY next_attempt_at LIMIT $1
                   FOR UPDATE SKIP LOCKED) due
             WHERE o.id = due.id
             RETURNING o.id, o.to_address, o.subject,
                       coalesce(o.text_body, '') AS text_body, coalesce(o.html_body, '') AS html_body,
                       o.attempts, o.created_at
         )
         -- In the order they were queued (the sender keeps it for each recipient).
         SELECT id, to_address, subject, text_body, html_body, attempts FROM claimed ORDER BY created_at, id",
    )
    .bind(limit)
    .bind(CLAIM_LEASE.as_secs_f64())
    .fetch_all(db)
    .await
}

/// Marks a message delivered and forgets its bodies, which may hold a raw token.
pub async fn mark_sent(db: &PgPool, id: Uuid) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE email_outbox SET state = 'SENT', sent_at = now(), last_error = NULL,
                text_body = NULL, html_body = NULL
         WHERE id = $1",
    )
    .bind(id)
    .execute(db)
    .await?;
    Ok(())
}

/// Records a failed attempt: retried after `retry_in`, or given up for good when `give_up`.
pub async fn mark_failed(
    db: &PgPool,
    id: Uuid,
    error: &str,
    retry_in: std::time::Duration,
    give_up: bool,
) -> sqlx::Result<()> {
    let error: String = error.chars().take(500).collect();
    sqlx::query(
        "UPDATE email_outbox
         SET last_error = $2,
             next_attempt_at = now() + make_interval(secs => $3),
             state = CASE WHEN $4 THEN 'FAILED'::outbox_state ELSE 'QUEUED'::outbox_state END,
             text_body = CASE WHEN $4 THEN NULL ELSE text_body END,
             html_body = CASE WHEN $4 THEN NULL ELSE html_body END
         WHERE id = $1",
    )
    .bind(id)
    .bind(error)
    .bind(retry_in.as_secs_f64())
    .bind(give_up)
    .execute(db)
    .await?;
    Ok(())
}

/// Messages given up on that the lifecycle has not looked at yet.
pub async fn failed_unnoticed(db: impl PgExecutor<'_>, limit: i64) -> sqlx::Result<Vec<Uuid>> {
    sqlx::query_scalar(
        "SELECT id FROM email_outbox WHERE state = 'FAILED' AND failure_noticed_at IS NULL
         ORDER BY created_at LIMIT $1",
    )
    .bind(limit)
    .fetch_all(db)
    .await
}

/// Takes a given-up message for the lifecycle to tell its invitation's sender: its kind and the
/// mail server's last answer, or `None` when another process took it.
pub async fn claim_failure_notice(
    db: impl PgExecutor<'_>,
    id: Uuid,
) -> sqlx::Result<Option<(String, Option<String>)>> {
    sqlx::query_as(
        "UPDATE email_outbox SET failure_noticed_at = now()
         WHERE id = $1 AND state = 'FAILED' AND failure_noticed_at IS NULL
         RETURNING kind, last_error",
    )
    .bind(id)
    .fetch_optional(db)
    .await
}

/// Whether a message of `kind` about the invitation was ever queued.
pub async fn has_kind(db: impl PgExecutor<'_>, invitation: InvitationId, kind: &str) -> sqlx::Result<bool> {
    sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM email_outbox WHERE invitation_id = $1 AND kind = $2)")
        .bind(invitation)
        .bind(kind)
        .fetch_one(db)
        .await
}

/// The delivery state shown on a user's row.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct DeliveryRow {
    pub state: OutboxState,
    pub attempts: i32,
    pub last_error: Option<String>,
    pub created_at: OffsetDateTime,
}

/// Messages given up on in a provider, for the home page's "needs attention".
pub async fn failed_count(db: impl PgExecutor<'_>, provider: ProviderScope) -> sqlx::Result<i64> {
    sqlx::query_scalar(
        "SELECT count(*) FROM email_outbox
         WHERE provider_id = $1 AND (state = 'FAILED' OR (state = 'QUEUED' AND last_error IS NOT NULL))",
    )
    .bind_scope(provider)
    .fetch_one(db)
    .await
}

/// An email on a row's timeline: queued, then delivered or failed.
#[derive(Debug, sqlx::FromRow)]
pub struct TimelineEmail {
    pub subject: String,
    pub state: OutboxState,
    pub last_error: Option<String>,
    pub created_at: OffsetDateTime,
    pub sent_at: Option<OffsetDateTime>,
}

/// The emails about a row: to the person about their invitations, and (with `user`) the
/// password resets sent to them in this provider (they name no client; an end-date notice, which
/// does, is on the timeline through its audit event). Newest first, at most `limit`.
pub async fn of_timeline(
    db: impl PgExecutor<'_>,
    provider: ProviderScope,
    invitations: &[InvitationId],
    user: Option<UserId>,
    email: &str,
    limit: i64,
) -> sqlx::Result<Vec<TimelineEmail>> {
    sqlx::query_as(
        "SELECT subject, state, last_error, created_at, sent_at FROM email_outbox
         WHERE provider_id = $1 AND lower(to_address) = $4
           AND (invitation_id = ANY($2) OR ($3::uuid IS NOT NULL AND user_id = $3 AND kind = 'password_reset'))
         ORDER BY created_at DESC LIMIT $5",
    )
    .bind_scope(provider)
    .bind(invitations)
    .bind(user)
    .bind(email)
    .bind(limit)
    .fetch_all(db)
    .await
}
