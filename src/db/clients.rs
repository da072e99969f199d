//! Client organisations, their companies, and which staff USERs are assigned to them.

use sqlx::postgres::PgRow;
use sqlx::{PgExecutor, Row};
use time::OffsetDateTime;

use super::scope::{ClientScope, CompanyScope, ProviderScope};
use super::statement::{changed_one, page_and_total, Bind, Scope};
use crate::domain::{ClientId, CompanyId, ProviderId, UserId};

/// A client as a query of this module found it: in the asker's provider and, for a staff USER,
/// assigned to them (see [`find_visible`]). Only this module makes one, and it keeps the proof
/// taken when it was read in a private field: [`ClientRow::scope`] hands that to the other
/// tables, whatever is later done to the public fields.
#[derive(Clone, Debug)]
pub struct ClientRow {
    pub id: ClientId,
    pub provider_id: ProviderId,
    pub name: String,
    pub contact_email: Option<String>,
    pub declined_at: Option<OffsetDateTime>,
    pub declined_by_name: Option<String>,
    pub declined_note: Option<String>,
    pub created_at: OffsetDateTime,
    scope: ClientScope,
}

impl ClientRow {
    pub fn scope(&self) -> ClientScope {
        self.scope
    }
}

impl<'r> sqlx::FromRow<'r, PgRow> for ClientRow {
    fn from_row(row: &'r PgRow) -> sqlx::Result<Self> {
        let id = row.try_get("id")?;
        let provider_id = row.try_get("provider_id")?;
        Ok(ClientRow {
            id,
            provider_id,
            name: row.try_get("name")?,
            contact_email: row.try_get("contact_email")?,
            declined_at: row.try_get("declined_at")?,
            declined_by_name: row.try_get("declined_by_name")?,
            declined_note: row.try_get("declined_note")?,
            created_at: row.try_get("created_at")?,
            scope: ClientScope::checked(provider_id, id),
        })
    }
}

const SELECT: &str = "SELECT c.id, c.provider_id, c.name, c.contact_email, c.declined_at,
        nullif(coalesce(nullif(d.display_name, ''), d.email), '') AS declined_by_name,
        c.declined_note, c.created_at
     FROM clients c LEFT JOIN users d ON d.id = c.declined_by";

/// Which clients a staff member may see: every client, or only the assigned ones.
#[derive(Clone, Copy, Debug)]
pub enum Visibility {
    All,
    AssignedTo(UserId),
}

impl Visibility {
    fn assigned(self) -> Option<UserId> {
        match self {
            Visibility::All => None,
            Visibility::AssignedTo(user) => Some(user),
        }
    }
}

const VISIBLE: &str = "($2::uuid IS NULL OR EXISTS (
        SELECT 1 FROM staff_assignments a WHERE a.client_id = c.id AND a.user_id = $2))";

/// The provider and which of its clients the asker sees: `$1` and `$2` of [`VISIBLE`].
#[derive(Clone, Copy)]
struct Visible(ProviderScope, Visibility);

impl Scope for Visible {
    fn bind_ids<'q, S: Bind<'q>>(self, statement: S) -> S {
        statement.bind_scope(self.0).bind_value(self.1.assigned())
    }
}

/// The client, if it is in this provider and visible to the asker; otherwise `None` (a 404).
pub async fn find_visible(
    db: impl PgExecutor<'_>,
    provider: ProviderScope,
    visibility: Visibility,
    id: ClientId,
) -> sqlx::Result<Option<ClientRow>> {
    sqlx::query_as(&format!("{SELECT} WHERE c.provider_id = $1 AND {VISIBLE} AND c.id = $3"))
        .bind_scope(Visible(provider, visibility))
        .bind(id)
        .fetch_optional(db)
        .await
}

/// One page of visible clients, searched by name; returns the rows and the total.
pub async fn page(
    db: &sqlx::PgPool,
    provider: ProviderScope,
    visibility: Visibility,
    search: &str,
    limit: i64,
    offset: i64,
) -> sqlx::Result<(Vec<ClientRow>, i64)> {
    let pattern = super::like_pattern(search);
    let visible = Visible(provider, visibility);
    page_and_total(
        db,
        sqlx::query_as(&format!(
            "{SELECT} WHERE c.provider_id = $1 AND {VISIBLE} AND ($3 = '' OR c.name ILIKE $3)
             ORDER BY lower(c.name), c.id LIMIT $4 OFFSET $5"
        ))
        .bind_scope(visible)
        .bind(&pattern),
        sqlx::query_scalar(&format!(
            "SELECT count(*) FROM clients c WHERE c.provider_id = $1 AND {VISIBLE} AND ($3 = '' OR c.name ILIKE $3)"
        ))
        .bind_scope(visible)
        .bind(&pattern),
        limit,
        offset,
    )
    .await
}

/// All visible clients, for a picker.
pub async fn all_visible(
    db: impl PgExecutor<'_>,
    provider: ProviderScope,
    visibility: Visibility,
) -> sqlx::Result<Vec<(ClientId, String)>> {
    sqlx::query_as(&format!(
        "SELECT c.id, c.name FROM clients c WHERE c.provider_id = $1 AND {VISIBLE} ORDER BY lower(c.name) LIMIT 1000"
    ))
    .bind_scope(Visible(provider, visibility))
    .fetch_all(db)
    .await
}

/// Creates a client and its first company, named after it; the new client is the creator's to
/// work with.
pub async fn create(
    db: &mut sqlx::PgConnection,
    provider: ProviderScope,
    name: &str,
    contact_email: Option<&str>,
) -> sqlx::Result<ClientScope> {
    let id = ClientId::new();
    let client = ClientScope::checked(provider.id(), id);
    sqlx::query("INSERT INTO clients (provider_id, id, name, contact_email) VALUES ($1, $2, $3, $4)")
        .bind_scope(client)
        .bind(name)
        .bind(contact_email)
        .execute(&mut *db)
        .await?;
    add_company(&mut *db, client, name).await?;
    Ok(client)
}

pub async fn set_contact_email(
    db: impl PgExecutor<'_>,
    client: ClientScope,
    email: Option<&str>,
) -> sqlx::Result<()> {
    sqlx::query("UPDATE clients SET contact_email = $3 WHERE provider_id = $1 AND id = $2")
        .bind_scope(client)
        .bind(email)
        .execute(db)
        .await?;
    Ok(())
}

/// Records (or, with `None`, clears) that the client declined portal access.
pub async fn set_declined(
    db: impl PgExecutor<'_>,
    client: ClientScope,
    by: Option<UserId>,
    note: Option<&str>,
) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE clients SET declined_at = CASE WHEN $3::uuid IS NULL THEN NULL ELSE now() END,
                declined_by = $3, declined_note = $4
         WHERE provider_id = $1 AND id = $2",
    )
    .bind_scope(client)
    .bind(by)
    .bind(note)
    .execute(db)
    .await?;
    Ok(())
}

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct CompanyRow {
    pub id: CompanyId,
    pub name: String,
}

pub async fn companies(db: impl PgExecutor<'_>, client: ClientScope) -> sqlx::Result<Vec<CompanyRow>> {
    sqlx::query_as(
        "SELECT id, name FROM companies WHERE provider_id = $1 AND client_id = $2 ORDER BY lower(name), id",
    )
    .bind_scope(client)
    .fetch_all(db)
    .await
}

/// Every company of the client, as the scope of what staff show of it (Export Summary); `None`
/// for a client without companies.
pub async fn company_scope(
    db: impl PgExecutor<'_>,
    client: ClientScope,
) -> sqlx::Result<Option<CompanyScope>> {
    let ids: Vec<CompanyId> =
        sqlx::query_scalar("SELECT id FROM companies WHERE provider_id = $1 AND client_id = $2 ORDER BY id")
            .bind_scope(client)
            .fetch_all(db)
            .await?;
    Ok(CompanyScope::checked(ids))
}

pub async fn add_company(
    db: impl PgExecutor<'_>,
    client: ClientScope,
    name: &str,
) -> sqlx::Result<CompanyId> {
    let id = CompanyId::new();
    sqlx::query("INSERT INTO companies (provider_id, client_id, id, name) VALUES ($1, $2, $3, $4)")
        .bind_scope(client)
        .bind(id)
        .bind(name)
        .execute(db)
        .await?;
    Ok(id)
}

pub async fn rename_company(
    db: impl PgExecutor<'_>,
    client: ClientScope,
    company: CompanyId,
    name: &str,
) -> sqlx::Result<bool> {
    sqlx::query("UPDATE companies SET name = $4 WHERE provider_id = $1 AND client_id = $2 AND id = $3")
        .bind_scope(client)
        .bind(company)
        .bind(name)
        .execute(db)
        .await
        .map(changed_one)
}

/// How many of `companies` belong to the client; equal to `companies.len()` when all do.
pub async fn count_own_companies(
    db: impl PgExecutor<'_>,
    client: ClientScope,
    companies: &[CompanyId],
) -> sqlx::Result<i64> {
    sqlx::query_scalar("SELECT count(*) FROM companies WHERE client_id = $1 AND id = ANY($2)")
        .bind(client.client())
        .bind(companies)
        .fetch_one(db)
        .await
}

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct AssigneeRow {
    pub user_id: UserId,
    pub name: String,
    pub assigned: bool,
}

/// Every staff USER of the provider, and whether they are assigned to the client.
pub async fn assignees(db: impl PgExecutor<'_>, client: ClientScope) -> sqlx::Result<Vec<AssigneeRow>> {
    sqlx::query_as(
        "SELECT u.id AS user_id, coalesce(nullif(u.display_name, ''), u.email) AS name,
                EXISTS (SELECT 1 FROM staff_assignments a WHERE a.client_id = $2 AND a.user_id = u.id) AS assigned
         FROM staff_memberships m JOIN users u ON u.id = m.user_id
         WHERE m.provider_id = $1 AND m.role = 'USER'
         ORDER BY lower(coalesce(nullif(u.display_name, ''), u.email))",
    )
    .bind_scope(client)
    .fetch_all(db)
    .await
}

/// Assigns a staff USER of the provider to a client; false when the user is no staff USER here.
pub async fn assign(db: impl PgExecutor<'_>, client: ClientScope, user: UserId) -> sqlx::Result<bool> {
    sqlx::query(
        "INSERT INTO staff_assignments (provider_id, client_id, user_id)
         SELECT $1, $2, m.user_id FROM staff_memberships m
         WHERE m.provider_id = $1 AND m.user_id = $3 AND m.role = 'USER'
         ON CONFLICT DO NOTHING",
    )
    .bind_scope(client)
    .bind(user)
    .execute(db)
    .await
    .map(changed_one)
}

pub async fn unassign(db: impl PgExecutor<'_>, client: ClientScope, user: UserId) -> sqlx::Result<bool> {
    sqlx::query("DELETE FROM staff_assignments WHERE provider_id = $1 AND client_id = $2 AND user_id = $3")
        .bind_scope(client)
        .bind(user)
        .execute(db)
        .await
        .map(changed_one)
}
