use serde_json::Value;
use sqlx::PgExecutor;
use time::OffsetDateTime;

use super::scope::ProviderScope;
use crate::domain::{ClientId, InvitationId, MembershipId, ProviderId, UserId};

/// Records who did what to whom. Written in the same transaction as the change it describes.
pub async fn record(
    db: impl PgExecutor<'_>,
    provider: Option<ProviderId>,
    actor: Option<UserId>,
    action: &str,
    target: &str,
    details: Value,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO audit_events (provider_id, actor_id, action, target, details)
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(provider)
    .bind(actor)
    .bind(action)
    .bind(target)
    .bind(details)
    .execute(db)
    .await?;
    Ok(())
}

/// A change and its audit event in one transaction: begin, write through [`Audited::tx`], then
/// [`Audited::commit`] with what happened. Dropped without committing, nothing is written.
pub struct Audited<'a> {
    tx: super::Tx<'a>,
    provider: ProviderId,
    actor: UserId,
}

impl Audited<'static> {
    pub async fn begin(db: &sqlx::PgPool, provider: ProviderScope, actor: UserId) -> sqlx::Result<Self> {
        Ok(Self { tx: db.begin().await?, provider: provider.id(), actor })
    }
}

impl<'a> Audited<'a> {
    pub fn tx(&mut self) -> &mut sqlx::PgConnection {
        &mut self.tx
    }

    pub async fn commit(mut self, action: &str, target: &str, details: Value) -> sqlx::Result<()> {
        record(&mut *self.tx, Some(self.provider), Some(self.actor), action, target, details).await?;
        self.tx.commit().await
    }
}

/// The client organisation (and its provider) that `email` was last removed from, if any: what a
/// removed client who signs in again is told.
pub async fn last_client_removal(
    db: impl PgExecutor<'_>,
    email: &str,
) -> sqlx::Result<Option<(String, String)>> {
    sqlx::query_as(
        "SELECT c.name, p.name FROM audit_events e
         JOIN clients c ON c.id::text = e.details->>'client' AND c.provider_id = e.provider_id
         JOIN providers p ON p.id = e.provider_id
         WHERE e.action = 'client_user.removed' AND e.target = $1
         ORDER BY e.created_at DESC, e.id DESC LIMIT 1",
    )
    .bind(email)
    .fetch_optional(db)
    .await
}

#[derive(Debug, sqlx::FromRow)]
pub struct AuditRow {
    pub id: i64,
    pub actor: Option<String>,
    pub action: String,
    pub target: String,
    pub details: Value,
    pub created_at: OffsetDateTime,
}

/// One page of a provider's audit log, newest first; `before` is the last id of the previous page.
pub async fn page(
    db: impl PgExecutor<'_>,
    provider: ProviderScope,
    before: Option<i64>,
    limit: i64,
) -> sqlx::Result<Vec<AuditRow>> {
    sqlx::query_as(
        "SELECT a.id, coalesce(nullif(u.display_name, ''), u.email) AS actor, a.action, a.target,
                a.details, a.created_at
         FROM audit_events a LEFT JOIN users u ON u.id = a.actor_id
         WHERE a.provider_id = $1 AND ($2::bigint IS NULL OR a.id < $2)
         ORDER BY a.id DESC LIMIT $3",
    )
    .bind(provider.id())
    .bind(before)
    .bind(limit)
    .fetch_all(db)
    .await
}

/// One event of a row's timeline.
#[derive(Debug, sqlx::FromRow)]
pub struct TimelineEvent {
    pub actor: Option<String>,
    pub action: String,
    pub target: String,
    pub details: Value,
    pub created_at: OffsetDateTime,
}

/// Whose timeline: one person's history in one place (a client, or the provider's staff).
pub struct TimelineOf<'a> {
    pub provider: ProviderScope,
    /// Their invitations there (every send round, whoever sent it).
    pub invitations: &'a [InvitationId],
    pub membership: Option<MembershipId>,
    /// Their address and the client, for what was recorded by address (a removal).
    pub email: &'a str,
    pub client: Option<ClientId>,
}

/// The audit events of a row, newest first (at most `limit`).
pub async fn timeline(
    db: impl PgExecutor<'_>,
    of: &TimelineOf<'_>,
    limit: i64,
) -> sqlx::Result<Vec<TimelineEvent>> {
    let invitations: Vec<String> = of.invitations.iter().map(ToString::to_string).collect();
    sqlx::query_as(
        "SELECT coalesce(nullif(u.display_name, ''), u.email) AS actor, a.action, a.target, a.details,
                a.created_at
         FROM audit_events a LEFT JOIN users u ON u.id = a.actor_id
         WHERE a.provider_id = $1
           AND ((a.details ? 'invitation' AND a.details->>'invitation' = ANY($2::text[]))
             OR (a.details ? 'membership' AND a.details->>'membership' = $3::text)
             OR (a.target = $4 AND a.details->>'client' = $5::text AND a.action = 'client_user.removed'))
         ORDER BY a.created_at DESC, a.id DESC LIMIT $6",
    )
    .bind(of.provider.id())
    .bind(&invitations)
    .bind(of.membership.map(|m| m.to_string()))
    .bind(of.email)
    .bind(of.client.map(|c| c.to_string()))
    .bind(limit)
    .fetch_all(db)
    .await
}
