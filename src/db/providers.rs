use sqlx::PgExecutor;
use time::OffsetDateTime;

use super::scope::ProviderScope;
use super::statement::Bind;
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

/// The provider as its clients see it: the name, accent colour and logo of its brand.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Brand {
    pub provider_id: ProviderId,
    /// The provider's slug, which a portal sign-in address carries to wear this brand.
    pub slug: String,
    /// The brand's name, or the provider's where none was set.
    pub name: String,
    /// The brand's name as set (`None`: the provider's name is used).
    pub brand_name: Option<String>,
    pub accent_colour: Option<String>,
    pub has_logo: bool,
    /// Changes with every change of the brand, so its pictures' addresses change too.
    pub version: i32,
}

impl Brand {
    /// Where the logo is served (`routes::brand`), if there is one: the address names the
    /// version, so a change of logo is a new address.
    pub fn logo_path(&self) -> Option<String> {
        self.has_logo.then(|| format!("/brand/{}/{}/logo.png", self.provider_id, self.version))
    }

    /// Where the stylesheet setting the accent colour is served, if one was chosen.
    pub fn accent_css_path(&self) -> Option<String> {
        self.accent_colour
            .is_some()
            .then(|| format!("/brand/{}/{}/accent.css", self.provider_id, self.version))
    }
}

const BRAND: &str =
    "SELECT id AS provider_id, slug, coalesce(brand_name, name) AS name, brand_name, accent_colour,
        logo IS NOT NULL AS has_logo, brand_version AS version FROM providers";

pub async fn brand(db: impl PgExecutor<'_>, id: ProviderId) -> sqlx::Result<Option<Brand>> {
    sqlx::query_as(&format!("{BRAND} WHERE id = $1")).bind(id).fetch_optional(db).await
}

/// The brand a portal sign-in page was sent to show (`?brand=<slug>`): public by design.
pub async fn brand_by_slug(db: impl PgExecutor<'_>, slug: &str) -> sqlx::Result<Option<Brand>> {
    sqlx::query_as(&format!("{BRAND} WHERE slug = $1")).bind(slug).fetch_optional(db).await
}

/// The logo (a PNG Portico made; read only `with_logo`) and accent colour, for the public
/// addresses that serve them.
pub async fn brand_assets(
    db: impl PgExecutor<'_>,
    id: ProviderId,
    with_logo: bool,
) -> sqlx::Result<Option<(Option<Vec<u8>>, Option<String>, i32)>> {
    sqlx::query_as(
        "SELECT CASE WHEN $2 THEN logo END, accent_colour, brand_version FROM providers WHERE id = $1",
    )
    .bind(id)
    .bind(with_logo)
    .fetch_optional(db)
    .await
}

/// What a change of the brand does to the logo.
pub enum LogoChange<'a> {
    Keep,
    Replace(&'a [u8]),
    Remove,
}

pub async fn set_brand(
    db: impl PgExecutor<'_>,
    provider: ProviderScope,
    name: Option<&str>,
    accent: Option<&str>,
    logo: LogoChange<'_>,
) -> sqlx::Result<()> {
    let (replace, remove) = match logo {
        LogoChange::Keep => (None, false),
        LogoChange::Replace(png) => (Some(png), false),
        LogoChange::Remove => (None, true),
    };
    sqlx::query(
        "UPDATE providers SET brand_name = $2, accent_colour = $3,
                logo = CASE WHEN $5 THEN NULL ELSE coalesce($4, logo) END,
                brand_version = brand_version + 1
         WHERE id = $1",
    )
    .bind_scope(provider)
    .bind(name)
    .bind(accent)
    .bind(replace)
    .bind(remove)
    .execute(db)
    .await?;
    Ok(())
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
