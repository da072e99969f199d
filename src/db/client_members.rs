use sqlx::PgExecutor;

use super::scope::ProviderScope;
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
    sqlx::query_as(&format!("{SELECT} WHERE m.user_id = $1 AND m.client_id = $2"))
        .bind(user)
        .bind(client)
        .fetch_optional(db)
        .await
}

pub async fn memberships_of(db: impl PgExecutor<'_>, user: UserId) -> sqlx::Result<Vec<ClientMembershipRow>> {
    sqlx::query_as(&format!("{SELECT} WHERE m.user_id = $1 ORDER BY c.name")).bind(user).fetch_all(db).await
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
) -> sqlx::Result<MembershipId> {
    let id: MembershipId = sqlx::query_scalar(
        "INSERT INTO client_memberships (id, provider_id, client_id, user_id, role, kind, invited_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7)
         RETURNING id",
    )
    .bind(MembershipId::new())
    .bind(provider.id())
    .bind(client)
    .bind(user)
    .bind(role)
    .bind(kind)
    .bind(invited_by)
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
