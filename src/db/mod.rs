//! Database access, one module per aggregate. Every function that reads tenant data takes the
//! `ProviderId` (or a membership that carries it) and filters by it in SQL.

pub mod audit;
pub mod client_members;
pub mod client_users;
pub mod clients;
pub mod content;
pub mod demo;
pub mod dev_mail;
pub mod identity;
pub mod invitations;
pub mod outbox;
pub mod providers;
pub mod rate_limits;
pub mod resets;
pub mod scope;
pub mod second_factor;
pub mod server_keys;
pub mod staff;
mod statement;
pub mod users;

/// Whether an error is the violation of the named unique index or constraint.
pub fn is_unique_violation(err: &sqlx::Error, constraint: &str) -> bool {
    matches!(err, sqlx::Error::Database(db) if db.constraint() == Some(constraint))
}

pub type Tx<'a> = sqlx::Transaction<'a, sqlx::Postgres>;

/// Whether the database answers (the readiness probe).
pub async fn ping(db: &sqlx::PgPool) -> sqlx::Result<()> {
    sqlx::query_scalar::<_, i32>("SELECT 1").fetch_one(db).await.map(|_| ())
}

/// A case-insensitive `ILIKE` pattern that matches `search` anywhere, with its wildcards escaped;
/// empty when there is nothing to search for.
pub fn like_pattern(search: &str) -> String {
    let search = search.trim();
    if search.is_empty() {
        return String::new();
    }
    let escaped = search.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_");
    format!("%{escaped}%")
}
