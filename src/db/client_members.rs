use sqlx::PgExecutor;
use time::Date;

use super::scope::{ClientScope, ProviderScope};
use super::statement::{changed_one, Bind};
use crate::domain::{ClientId, ClientKind, ClientRole, CompanyId, MembershipId, ProviderId, UserId};

/// A client membership with its company scope, as the portal needs it on every request.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct ClientMembershipRow {
    pub membership_id: MembershipId,
    pub provider_id: ProviderId,
    pub provider_name: String,
    pub client_id: ClientId,
    pub client_name: String,
    pub role: ClientRole,
    pub kind: ClientKind,
    pub scope: Vec<CompanyId>,
}

const SELECT: &str = "SELECT m.id AS membership_id, m.provider_id, p.name AS provider_name,
            m.client_id, c.name AS client_name, m.role, m.kind,
            coalesce(array(SELECT s.company_id FROM client_membership_companies s
                           WHERE s.membership_id = m.id ORDER BY s.company_id), '{}') AS scope
     FROM client_memberships m
     JOIN clients c ON c.id = m.client_id
     JOIN providers p ON p.id = m.provider_id";

pub async fn membership(
    db: impl PgExecutor<'_>,
    user: UserId,
    client: ClientId,
) -> sqlx::Result<Option<ClientMembershipRow>> {
    sqlx::query_as(&format!(
        "{SELECT} WHERE m.user_id = $1 AND m.client_id = $2 AND client_membership_in_force(m.ended_at, m.ends_on)"
    ))
    .bind(user)
    .bind(client)
    .fetch_optional(db)
    .await
}

pub async fn memberships_of(db: impl PgExecutor<'_>, user: UserId) -> sqlx::Result<Vec<ClientMembershipRow>> {
    sqlx::query_as(&format!(
        "{SELECT} WHERE m.user_id = $1 AND client_membership_in_force(m.ended_at, m.ends_on) ORDER BY c.name"
    ))
    .bind(user)
    .fetch_all(db)
    .await
}

#[allow(clippy::too_many_arguments)]
pub async fn add(
    db: &mut sqlx::PgConnection,
    provider: ProviderScope,
    client: ClientId,
    user: UserId,
    role: ClientRole,
    kind: ClientKind,
    invited_by: Option<UserId>,
    companies: &[CompanyId],
    ends_on: Option<Date>,
) -> sqlx::Result<MembershipId> {
    // A membership that ended is the row's history; joining again starts a new one.
    sqlx::query(
        "DELETE FROM client_memberships
         WHERE provider_id = $1 AND client_id = $2 AND user_id = $3 AND ended_at IS NOT NULL",
    )
    .bind_scope(provider)
    .bind(client)
    .bind(user)
    .execute(&mut *db)
    .await?;
    let id: MembershipId = sqlx::query_scalar(
        "INSERT INTO client_memberships (provider_id, client_id, id, user_id, role, kind, invited_by, ends_on)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
         RETURNING id",
    )
    .bind_scope(provider)
    .bind(client)
    .bind(MembershipId::new())
    .bind(user)
    .bind(role)
    .bind(kind)
    .bind(invited_by)
    .bind(ends_on)
    .fetch_one(&mut *db)
    .await?;
    sqlx::query(
        "INSERT INTO client_membership_companies (membership_id, client_id, company_id)
         SELECT $1, $2, unnest($3::uuid[]) ON CONFLICT DO NOTHING",
    )
    .bind(id)
    .bind(client)
    .bind(companies)
    .execute(&mut *db)
    .await?;
    Ok(id)
}

/// A membership with an end date, as the invitation lifecycle (`lifecycle.rs`) finds it across every
/// provider: to tell the person a week before, and to end it on the day.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Ending {
    pub id: MembershipId,
    pub provider_id: ProviderId,
    pub provider_name: String,
    pub client_id: ClientId,
    pub client_name: String,
    pub user_id: UserId,
    pub email: String,
    pub role: ClientRole,
    pub ends_on: Date,
    /// The provider, client and id as the query read them: the writes are bounded by these.
    #[sqlx(skip)]
    read: Option<(ClientScope, MembershipId)>,
}

impl Ending {
    fn key(&self) -> sqlx::Result<(ClientScope, MembershipId)> {
        self.read.ok_or(sqlx::Error::RowNotFound)
    }

    /// The provider, as the lifecycle's query read it.
    pub fn provider(&self) -> sqlx::Result<ProviderScope> {
        Ok(self.key()?.0.provider_scope())
    }
}

fn read(rows: Vec<Ending>) -> Vec<Ending> {
    rows.into_iter()
        .map(|row| Ending {
            read: Some((ClientScope::checked(row.provider_id, row.client_id), row.id)),
            ..row
        })
        .collect()
}

const ENDING: &str =
    "SELECT m.id, m.provider_id, p.name AS provider_name, m.client_id, c.name AS client_name,
            m.user_id, u.email, m.role, m.ends_on
     FROM client_memberships m
     JOIN users u ON u.id = m.user_id
     JOIN clients c ON c.id = m.client_id
     JOIN providers p ON p.id = m.provider_id";

/// Memberships ending within `notice_days` of `today` whose person has not been told of that day.
pub async fn ending_unnoticed(
    db: impl PgExecutor<'_>,
    today: Date,
    notice_days: i32,
    limit: i64,
) -> sqlx::Result<Vec<Ending>> {
    sqlx::query_as(&format!(
        "{ENDING} WHERE m.ended_at IS NULL AND m.ends_on IS NOT NULL AND m.ends_on > $1
                    AND m.ends_on <= $1 + $2::int AND m.end_noticed_for IS DISTINCT FROM m.ends_on
         ORDER BY m.ends_on LIMIT $3"
    ))
    .bind(today)
    .bind(notice_days)
    .bind(limit)
    .fetch_all(db)
    .await
    .map(read)
}

/// Takes the telling of the person that their access ends on that day; false when another
/// process did, or the day changed meanwhile.
pub async fn claim_end_notice(db: impl PgExecutor<'_>, ending: &Ending) -> sqlx::Result<bool> {
    sqlx::query(
        "UPDATE client_memberships SET end_noticed_for = ends_on
         WHERE provider_id = $1 AND client_id = $2 AND id = $3 AND ends_on = $4 AND ended_at IS NULL
           AND end_noticed_for IS DISTINCT FROM ends_on",
    )
    .bind_scope(ending.key()?)
    .bind(ending.ends_on)
    .execute(db)
    .await
    .map(changed_one)
}

/// Memberships whose end date has come by `today`.
pub async fn due_to_end(db: impl PgExecutor<'_>, today: Date, limit: i64) -> sqlx::Result<Vec<Ending>> {
    sqlx::query_as(&format!(
        "{ENDING} WHERE m.ended_at IS NULL AND m.ends_on <= $1 ORDER BY m.ends_on LIMIT $2"
    ))
    .bind(today)
    .bind(limit)
    .fetch_all(db)
    .await
    .map(read)
}

/// Ends the membership: from now on it grants nothing. False when another process ended it or
/// staff moved the day meanwhile.
pub async fn end(db: impl PgExecutor<'_>, ending: &Ending, now: time::OffsetDateTime) -> sqlx::Result<bool> {
    sqlx::query(
        "UPDATE client_memberships SET ended_at = $5
         WHERE provider_id = $1 AND client_id = $2 AND id = $3 AND ends_on = $4 AND ended_at IS NULL",
    )
    .bind_scope(ending.key()?)
    .bind(ending.ends_on)
    .bind(now)
    .execute(db)
    .await
    .map(changed_one)
}
