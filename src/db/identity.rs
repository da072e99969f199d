//! Who is asking, in one statement per request: the person, the password-hash check's input,
//! the chosen membership with its role, names and company scope, and how many memberships the
//! person has on this site (to offer "Switch organisation").

use sqlx::PgExecutor;

use super::providers::Brand;
use super::scope::{ClientScope, CompanyScope, ProviderScope};

use crate::domain::{
    ClientId, ClientKind, ClientRole, CompanyId, MembershipId, ProviderId, StaffRole, UserId,
};

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct StaffIdentity {
    pub user_id: UserId,
    pub email: String,
    pub display_name: String,
    pub password_hash: Option<String>,
    /// The membership in the chosen provider, or the only one when none was chosen.
    pub provider_id: Option<ProviderId>,
    pub provider_name: Option<String>,
    pub role: Option<StaffRole>,
    pub memberships: i64,
    #[sqlx(skip)]
    provider_scope: Option<ProviderScope>,
}

impl StaffIdentity {
    /// The provider this sign-in works in, as the provider-wide reads and writes take it.
    pub fn provider_scope(&self) -> Option<ProviderScope> {
        self.provider_scope
    }
}

/// `provider`: the organisation chosen in the session, if any.
pub async fn staff(
    db: impl PgExecutor<'_>,
    user: UserId,
    provider: Option<ProviderId>,
) -> sqlx::Result<Option<StaffIdentity>> {
    sqlx::query_as(
        "SELECT u.id AS user_id, u.email, u.display_name, u.password_hash,
                m.provider_id, p.name AS provider_name, m.role,
                (SELECT count(*) FROM staff_memberships x WHERE x.user_id = u.id) AS memberships
         FROM users u
         LEFT JOIN LATERAL (
             SELECT s.provider_id, s.role FROM staff_memberships s
             WHERE s.user_id = u.id AND ($2::uuid IS NULL OR s.provider_id = $2)
             LIMIT 1
         ) m ON true
         LEFT JOIN providers p ON p.id = m.provider_id
         WHERE u.id = $1",
    )
    .bind(user)
    .bind(provider)
    .fetch_optional(db)
    .await
    .map(|found| {
        found.map(|found: StaffIdentity| StaffIdentity {
            provider_scope: found.provider_id.map(ProviderScope::checked),
            ..found
        })
    })
}

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct ClientIdentity {
    pub user_id: UserId,
    pub email: String,
    pub display_name: String,
    pub password_hash: Option<String>,
    pub membership_id: Option<MembershipId>,
    pub provider_id: Option<ProviderId>,
    pub provider_name: Option<String>,
    pub client_id: Option<ClientId>,
    pub client_name: Option<String>,
    pub role: Option<ClientRole>,
    pub kind: Option<ClientKind>,
    /// The provider's brand, as [`super::providers::Brand`] has it.
    pub provider_slug: Option<String>,
    pub brand_name: Option<String>,
    pub accent_colour: Option<String>,
    pub has_logo: Option<bool>,
    pub brand_version: Option<i32>,
    /// The company scope, ordered by name, with the names beside the ids.
    pub scope: Vec<CompanyId>,
    pub scope_names: Vec<String>,
    /// Memberships that give access (a non-empty scope).
    pub memberships: i64,
    /// The proof taken when the row was read (see [`ClientIdentity::scopes`]).
    #[sqlx(skip)]
    scopes: Option<(ClientScope, CompanyScope)>,
}

impl ClientIdentity {
    /// The client and the companies this sign-in may see: the proof the portal's reads take,
    /// made by [`client`] from what it read. `None` when no membership gives access.
    pub fn scopes(&self) -> Option<(ClientScope, CompanyScope)> {
        self.scopes.clone()
    }

    /// The brand of the chosen membership's provider.
    pub fn brand(&self) -> Option<Brand> {
        Some(Brand {
            provider_id: self.provider_id?,
            slug: self.provider_slug.clone()?,
            name: self.brand_name.clone()?,
            brand_name: None,
            accent_colour: self.accent_colour.clone(),
            has_logo: self.has_logo?,
            version: self.brand_version?,
        })
    }
}

/// `client`: the organisation chosen in the session, if any. A membership whose scope is empty
/// gives no access and is never chosen.
pub async fn client(
    db: impl PgExecutor<'_>,
    user: UserId,
    client: Option<ClientId>,
) -> sqlx::Result<Option<ClientIdentity>> {
    sqlx::query_as(
        "SELECT u.id AS user_id, u.email, u.display_name, u.password_hash,
                m.id AS membership_id, m.provider_id, p.name AS provider_name,
                m.client_id, c.name AS client_name, m.role, m.kind,
                p.slug AS provider_slug, coalesce(p.brand_name, p.name) AS brand_name, p.accent_colour,
                p.logo IS NOT NULL AS has_logo, p.brand_version,
                coalesce(s.ids, '{}') AS scope, coalesce(s.names, '{}') AS scope_names,
                (SELECT count(*) FROM client_memberships x
                 WHERE x.user_id = u.id AND client_membership_in_force(x.ended_at, x.ends_on)
                   AND EXISTS (SELECT 1 FROM client_membership_companies y WHERE y.membership_id = x.id))
                    AS memberships
         FROM users u
         LEFT JOIN LATERAL (
             SELECT cm.id, cm.provider_id, cm.client_id, cm.role, cm.kind FROM client_memberships cm
             WHERE cm.user_id = u.id AND ($2::uuid IS NULL OR cm.client_id = $2)
               AND client_membership_in_force(cm.ended_at, cm.ends_on)
               AND EXISTS (SELECT 1 FROM client_membership_companies y WHERE y.membership_id = cm.id)
             LIMIT 1
         ) m ON true
         LEFT JOIN clients c ON c.id = m.client_id
         LEFT JOIN providers p ON p.id = m.provider_id
         LEFT JOIN LATERAL (
             SELECT array_agg(co.id ORDER BY co.name, co.id) AS ids,
                    array_agg(co.name ORDER BY co.name, co.id) AS names
             FROM client_membership_companies mc
             JOIN companies co ON co.id = mc.company_id
             WHERE mc.membership_id = m.id
         ) s ON true
         WHERE u.id = $1",
    )
    .bind(user)
    .bind(client)
    .fetch_optional(db)
    .await
    .map(|found| {
        found.map(|mut found: ClientIdentity| {
            found.scopes = found.provider_id.zip(found.client_id).and_then(|(provider, client)| {
                Some((ClientScope::checked(provider, client), CompanyScope::checked(found.scope.clone())?))
            });
            found
        })
    })
}
