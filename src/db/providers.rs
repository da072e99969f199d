use sqlx::PgExecutor;
use time::OffsetDateTime;

use super::scope::ProviderScope;
use crate::domain::ProviderId;

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct ProviderRow {
    pub id: ProviderId,
    pub name: String,
    pub slug: String,
    pub created_at: OffsetDateTime,
}

/// Creates a provider with a slug made from its name, made unique with a suffix if taken; the
/// scope is the creator's (the command line's) to set it up with.
pub async fn create(db: impl PgExecutor<'_>, name: &str) -> sqlx::Result<(ProviderRow, ProviderScope)> {
    let base = slugify(name);
    sqlx::query_as(
        "INSERT INTO providers (id, name, slug)
         VALUES ($1, $2,
           CASE WHEN EXISTS (SELECT 1 FROM providers WHERE slug = $3)
                THEN left($3, 50) || '-' || substr(md5(random()::text), 1, 8)
                ELSE $3 END)
         RETURNING id, name, slug, created_at",
    )
    .bind(ProviderId::new())
    .bind(name)
    .bind(base)
    .fetch_one(db)
    .await
    .map(|row: ProviderRow| {
        let scope = ProviderScope::checked(row.id);
        (row, scope)
    })
}

pub async fn count(db: impl PgExecutor<'_>) -> sqlx::Result<i64> {
    sqlx::query_scalar("SELECT count(*) FROM providers").fetch_one(db).await
}

pub async fn find(db: impl PgExecutor<'_>, id: ProviderId) -> sqlx::Result<Option<ProviderRow>> {
    sqlx::query_as("SELECT id, name, slug, created_at FROM providers WHERE id = $1")
        .bind(id)
        .fetch_optional(db)
        .await
}

fn slugify(name: &str) -> String {
    let mut slug = String::new();
    for c in name.to_lowercase().chars() {
        if c.is_ascii_alphanumeric() {
            slug.push(c);
        } else if !slug.is_empty() && !slug.ends_with('-') {
            slug.push('-');
        }
    }
    let slug: String = slug.trim_end_matches('-').chars().take(60).collect();
    if slug.is_empty() {
        "provider".into()
    } else {
        slug
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn slugify_keeps_letters_and_digits() {
        assert_eq!(super::slugify("Acme IT, Ltd."), "acme-it-ltd");
        assert_eq!(super::slugify("!!!"), "provider");
    }
}
