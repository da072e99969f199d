use std::collections::HashMap;

use serde_json::Value;
use sqlx::PgExecutor;
use time::OffsetDateTime;

use super::scope::ProviderScope;
use super::statement::Bind;
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

/// What narrows the audit log. Every part is optional.
#[derive(Clone, Debug, Default)]
pub struct Filter {
    /// Matched against the actor's name and email and the event's target, as typed.
    pub person: String,
    /// The first part of the action code: `invitation`, `client_user`, `staff`, ...
    pub kinds: Vec<&'static str>,
    pub client: Option<ClientId>,
    pub from: Option<OffsetDateTime>,
    pub until: Option<OffsetDateTime>,
}

/// One page of a provider's audit log, newest first; `before` is the last id of the previous page.
pub async fn page(
    db: impl PgExecutor<'_>,
    provider: ProviderScope,
    filter: &Filter,
    before: Option<i64>,
    limit: i64,
) -> sqlx::Result<Vec<Event>> {
    let person = super::like_pattern(&filter.person);
    sqlx::query_as(
        "SELECT a.id, u.email AS actor_email, coalesce(nullif(u.display_name, ''), u.email) AS actor, a.action, a.target,
                a.details, a.created_at
         FROM audit_events a LEFT JOIN users u ON u.id = a.actor_id
         WHERE a.provider_id = $1 AND ($2::bigint IS NULL OR a.id < $2)
           AND ($3 = '' OR lower(coalesce(u.email, '') || ' ' || coalesce(u.display_name, '') || ' ' || a.target)
                           LIKE (SELECT lower($3)))
           AND (cardinality($4::text[]) = 0 OR split_part(a.action, '.', 1) = ANY($4))
           AND ($5::uuid IS NULL OR a.details->>'client' = $5::text
                OR (a.details ? 'invitation' AND a.details->>'invitation' IN
                      (SELECT i.id::text FROM invitations i WHERE i.provider_id = $1 AND i.client_id = $5)))
           AND ($6::timestamptz IS NULL OR a.created_at >= $6)
           AND ($7::timestamptz IS NULL OR a.created_at < $7)
         ORDER BY a.id DESC LIMIT $8",
    )
    .bind_scope(provider)
    .bind(before)
    .bind(person)
    .bind(&filter.kinds)
    .bind(filter.client)
    .bind(filter.from)
    .bind(filter.until)
    .bind(limit)
    .fetch_all(db)
    .await
}

/// The names the events of a page refer to by id: clients, companies and people.
#[derive(Debug, Default)]
pub struct Names {
    pub clients: HashMap<String, String>,
    pub companies: HashMap<String, String>,
    pub users: HashMap<String, String>,
}

pub async fn names(
    db: impl PgExecutor<'_>,
    provider: ProviderScope,
    clients: &[uuid::Uuid],
    companies: &[uuid::Uuid],
    users: &[uuid::Uuid],
) -> sqlx::Result<Names> {
    let rows: Vec<(String, String, String)> = sqlx::query_as(
        "SELECT 'client', id::text, name FROM clients WHERE provider_id = $1 AND id = ANY($2)
         UNION ALL
         SELECT 'company', co.id::text, co.name FROM companies co JOIN clients c ON c.id = co.client_id
         WHERE c.provider_id = $1 AND co.id = ANY($3)
         UNION ALL
         SELECT 'user', id::text, coalesce(nullif(display_name, ''), email) FROM users WHERE id = ANY($4)",
    )
    .bind_scope(provider)
    .bind(clients)
    .bind(companies)
    .bind(users)
    .fetch_all(db)
    .await?;
    let mut names = Names::default();
    for (kind, id, name) in rows {
        let map = match kind.as_str() {
            "client" => &mut names.clients,
            "company" => &mut names.companies,
            _ => &mut names.users,
        };
        map.insert(id, name);
    }
    Ok(names)
}

/// One event, as the audit log and a row's timeline show it.
#[derive(Debug, sqlx::FromRow)]
pub struct Event {
    pub id: i64,
    /// The actor's address, to tell a person acting on themselves from someone acting for them.
    pub actor_email: Option<String>,
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
pub async fn timeline(db: impl PgExecutor<'_>, of: &TimelineOf<'_>, limit: i64) -> sqlx::Result<Vec<Event>> {
    let invitations: Vec<String> = of.invitations.iter().map(ToString::to_string).collect();
    sqlx::query_as(
        "SELECT a.id, u.email AS actor_email, coalesce(nullif(u.display_name, ''), u.email) AS actor, a.action, a.target,
                a.details, a.created_at
         FROM audit_events a LEFT JOIN users u ON u.id = a.actor_id
         WHERE a.provider_id = $1
           AND ((a.details ? 'invitation' AND a.details->>'invitation' = ANY($2::text[]))
             OR (a.details ? 'membership' AND a.details->>'membership' = $3::text)
             OR (a.target = $4 AND a.details->>'client' = $5::text AND a.action = 'client_user.removed'))
         ORDER BY a.created_at DESC, a.id DESC LIMIT $6",
    )
    .bind_scope(of.provider)
    .bind(&invitations)
    .bind(of.membership.map(|m| m.to_string()))
    .bind(of.email)
    .bind(of.client.map(|c| c.to_string()))
    .bind(limit)
    .fetch_all(db)
    .await
}
