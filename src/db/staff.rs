use sqlx::PgExecutor;
use time::OffsetDateTime;

use super::scope::ProviderScope;
use super::statement::Bind;

use crate::domain::{ProviderId, StaffRole, UserId};

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct StaffMembershipRow {
    pub provider_id: ProviderId,
    pub provider_name: String,
    pub role: StaffRole,
}

const MEMBERSHIP: &str = "SELECT m.provider_id, p.name AS provider_name, m.role
     FROM staff_memberships m JOIN providers p ON p.id = m.provider_id";

pub async fn membership(
    db: impl PgExecutor<'_>,
    user: UserId,
    provider: ProviderScope,
) -> sqlx::Result<Option<StaffMembershipRow>> {
    sqlx::query_as(&format!("{MEMBERSHIP} WHERE m.user_id = $1 AND m.provider_id = $2"))
        .bind(user)
        .bind_scope(provider)
        .fetch_optional(db)
        .await
}

pub async fn memberships_of(db: impl PgExecutor<'_>, user: UserId) -> sqlx::Result<Vec<StaffMembershipRow>> {
    sqlx::query_as(&format!("{MEMBERSHIP} WHERE m.user_id = $1 ORDER BY p.name"))
        .bind(user)
        .fetch_all(db)
        .await
}

pub async fn add(
    db: impl PgExecutor<'_>,
    provider: ProviderScope,
    user: UserId,
    role: StaffRole,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO staff_memberships (id, provider_id, user_id, role) VALUES ($1, $2, $3, $4)
         ON CONFLICT (provider_id, user_id) DO NOTHING",
    )
    .bind(uuid::Uuid::new_v4())
    .bind_scope(provider)
    .bind(user)
    .bind(role)
    .execute(db)
    .await?;
    Ok(())
}

/// A staff member as listed in Settings -> User Roles.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct StaffListRow {
    pub user_id: UserId,
    pub email: String,
    pub display_name: String,
    pub role: StaffRole,
    pub last_seen_at: Option<OffsetDateTime>,
}

pub async fn list(db: impl PgExecutor<'_>, provider: ProviderScope) -> sqlx::Result<Vec<StaffListRow>> {
    sqlx::query_as(
        "SELECT u.id AS user_id, u.email, u.display_name, m.role, u.last_seen_at
         FROM staff_memberships m JOIN users u ON u.id = m.user_id
         WHERE m.provider_id = $1
         ORDER BY lower(coalesce(nullif(u.display_name, ''), u.email))",
    )
    .bind_scope(provider)
    .fetch_all(db)
    .await
}

/// Returns the previous role, or `None` when there is no such staff member in this provider.
pub async fn change_role(
    db: impl PgExecutor<'_>,
    provider: ProviderScope,
    user: UserId,
    role: StaffRole,
) -> sqlx::Result<Option<StaffRole>> {
    sqlx::query_scalar(
        "UPDATE staff_memberships m SET role = $3
         FROM staff_memberships old
         WHERE m.id = old.id AND m.provider_id = $1 AND m.user_id = $2
         RETURNING old.role",
    )
    .bind_scope(provider)
    .bind(user)
    .bind(role)
    .fetch_optional(db)
    .await
}

/// Removes a staff member and, with the membership, their assignments to the provider's clients.
pub async fn remove(db: impl PgExecutor<'_>, provider: ProviderScope, user: UserId) -> sqlx::Result<bool> {
    let removed: Option<bool> = sqlx::query_scalar(
        "WITH gone AS (DELETE FROM staff_memberships WHERE provider_id = $1 AND user_id = $2 RETURNING user_id),
              unassigned AS (DELETE FROM staff_assignments a USING gone
                             WHERE a.provider_id = $1 AND a.user_id = gone.user_id)
         SELECT true FROM gone",
    )
    .bind_scope(provider)
    .bind(user)
    .fetch_optional(db)
    .await?;
    Ok(removed.is_some())
}

pub async fn count_admins(db: impl PgExecutor<'_>, provider: ProviderScope) -> sqlx::Result<i64> {
    sqlx::query_scalar("SELECT count(*) FROM staff_memberships WHERE provider_id = $1 AND role = 'ADMIN'")
        .bind_scope(provider)
        .fetch_one(db)
        .await
}

/// Whether the email belongs to someone with any membership (staff or client) in the provider.
pub async fn member_of_provider(
    db: impl PgExecutor<'_>,
    provider: ProviderScope,
    email: &str,
) -> sqlx::Result<Option<UserId>> {
    sqlx::query_scalar(
        "SELECT u.id FROM users u
         WHERE u.email = $2 AND (
             EXISTS (SELECT 1 FROM staff_memberships s WHERE s.user_id = u.id AND s.provider_id = $1)
          OR EXISTS (SELECT 1 FROM client_memberships c
                     WHERE c.user_id = u.id AND c.provider_id = $1
                       AND client_membership_in_force(c.ended_at, c.ends_on)))",
    )
    .bind_scope(provider)
    .bind(email)
    .fetch_optional(db)
    .await
}
