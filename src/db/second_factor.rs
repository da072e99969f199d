//! The second factor of a person: a TOTP secret (sealed) and recovery codes (hashed).

use sqlx::PgExecutor;

use super::statement::{changed_one, Bind};

use crate::domain::{ProviderId, UserId};

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct TotpFactor {
    pub secret_sealed: Vec<u8>,
    pub confirmed: bool,
    pub last_step: i64,
}

pub async fn find(db: impl PgExecutor<'_>, user: UserId) -> sqlx::Result<Option<TotpFactor>> {
    sqlx::query_as(
        "SELECT secret_sealed, confirmed_at IS NOT NULL AS confirmed, last_step FROM totp_factors WHERE user_id = $1",
    )
    .bind(user)
    .fetch_optional(db)
    .await
}

/// Whether sign-in asks this person for a code.
pub async fn is_on(db: impl PgExecutor<'_>, user: UserId) -> sqlx::Result<bool> {
    sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM totp_factors WHERE user_id = $1 AND confirmed_at IS NOT NULL)",
    )
    .bind(user)
    .fetch_one(db)
    .await
}

/// Keeps a new secret to be confirmed, replacing one not yet confirmed; one in use stays (false).
pub async fn start(db: impl PgExecutor<'_>, user: UserId, sealed: &[u8]) -> sqlx::Result<bool> {
    sqlx::query(
        "INSERT INTO totp_factors (user_id, secret_sealed) VALUES ($1, $2)
         ON CONFLICT (user_id) DO UPDATE SET secret_sealed = excluded.secret_sealed, last_step = 0,
                                             created_at = now()
         WHERE totp_factors.confirmed_at IS NULL",
    )
    .bind(user)
    .bind(sealed)
    .execute(db)
    .await
    .map(changed_one)
}

/// Turns the secret on, with the step of the code that confirmed it.
pub async fn confirm(db: impl PgExecutor<'_>, user: UserId, step: i64) -> sqlx::Result<bool> {
    sqlx::query(
        "UPDATE totp_factors SET confirmed_at = now(), last_step = $2 WHERE user_id = $1 AND confirmed_at IS NULL",
    )
    .bind(user)
    .bind(step)
    .execute(db)
    .await
    .map(changed_one)
}

/// Accepts a code of `step` once: only if no code of this step or a later one was accepted.
pub async fn take_step(db: impl PgExecutor<'_>, user: UserId, step: i64) -> sqlx::Result<bool> {
    sqlx::query(
        "UPDATE totp_factors SET last_step = $2
         WHERE user_id = $1 AND confirmed_at IS NOT NULL AND last_step < $2",
    )
    .bind(user)
    .bind(step)
    .execute(db)
    .await
    .map(changed_one)
}

pub async fn replace_recovery_codes(
    db: &mut sqlx::PgConnection,
    user: UserId,
    hashes: &[String],
) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM recovery_codes WHERE user_id = $1").bind(user).execute(&mut *db).await?;
    sqlx::query("INSERT INTO recovery_codes (user_id, code_hash) SELECT $1, unnest($2::text[])")
        .bind(user)
        .bind(hashes)
        .execute(&mut *db)
        .await?;
    Ok(())
}

/// Spends a recovery code, once.
pub async fn use_recovery_code(db: impl PgExecutor<'_>, user: UserId, hash: &str) -> sqlx::Result<bool> {
    sqlx::query(
        "UPDATE recovery_codes SET used_at = now() WHERE user_id = $1 AND code_hash = $2 AND used_at IS NULL",
    )
    .bind(user)
    .bind(hash)
    .execute(db)
    .await
    .map(changed_one)
}

pub async fn recovery_codes_left(db: impl PgExecutor<'_>, user: UserId) -> sqlx::Result<i64> {
    sqlx::query_scalar("SELECT count(*) FROM recovery_codes WHERE user_id = $1 AND used_at IS NULL")
        .bind(user)
        .fetch_one(db)
        .await
}

pub async fn remove(db: &mut sqlx::PgConnection, user: UserId) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM recovery_codes WHERE user_id = $1").bind(user).execute(&mut *db).await?;
    sqlx::query("DELETE FROM passkeys WHERE user_id = $1").bind(user).execute(&mut *db).await?;
    sqlx::query("DELETE FROM totp_factors WHERE user_id = $1").bind(user).execute(&mut *db).await?;
    Ok(())
}

/// Every provider the person belongs to (staff or client), whose audit logs record a change of
/// their second factor.
pub async fn providers_of(db: impl PgExecutor<'_>, user: UserId) -> sqlx::Result<Vec<ProviderId>> {
    sqlx::query_scalar(
        "SELECT provider_id FROM staff_memberships WHERE user_id = $1
         UNION SELECT provider_id FROM client_memberships WHERE user_id = $1 AND ended_at IS NULL",
    )
    .bind(user)
    .fetch_all(db)
    .await
}

/// Who a provider requires a second factor of.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, sqlx::FromRow)]
pub struct Requirement {
    pub staff: bool,
    pub client_admins: bool,
    pub clients: bool,
}

pub async fn requirement(db: impl PgExecutor<'_>, provider: ProviderId) -> sqlx::Result<Requirement> {
    sqlx::query_as(
        "SELECT second_factor_for_staff AS staff, second_factor_for_client_admins AS client_admins,
                second_factor_for_clients AS clients
         FROM providers WHERE id = $1",
    )
    .bind(provider)
    .fetch_optional(db)
    .await
    .map(Option::unwrap_or_default)
}

pub async fn set_requirement(
    db: impl PgExecutor<'_>,
    provider: super::scope::ProviderScope,
    wanted: Requirement,
) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE providers SET second_factor_for_staff = $2, second_factor_for_client_admins = $3,
                second_factor_for_clients = $4
         WHERE id = $1",
    )
    .bind_scope(provider)
    .bind(wanted.staff)
    .bind(wanted.client_admins)
    .bind(wanted.clients)
    .execute(db)
    .await?;
    Ok(())
}

/// Whether any organisation the person works in on this host requires a second factor of them:
/// on the staff host a provider requiring it of staff; on the portal a provider requiring it of
/// every client user, or of Client Admins where they are one.
pub async fn required_of(db: impl PgExecutor<'_>, user: UserId, staff_host: bool) -> sqlx::Result<bool> {
    sqlx::query_scalar(
        "SELECT CASE WHEN $2 THEN EXISTS (
                    SELECT 1 FROM staff_memberships s JOIN providers p ON p.id = s.provider_id
                    WHERE s.user_id = $1 AND p.second_factor_for_staff)
                ELSE EXISTS (
                    SELECT 1 FROM client_memberships m JOIN providers p ON p.id = m.provider_id
                    WHERE m.user_id = $1 AND client_membership_in_force(m.ended_at, m.ends_on)
                      AND (p.second_factor_for_clients
                           OR (p.second_factor_for_client_admins AND m.role = 'CLIENT_ADMIN')))
                END",
    )
    .bind(user)
    .bind(staff_host)
    .fetch_one(db)
    .await
}

/// [`providers_of`] with the person's row locked until the transaction ends (accepting an
/// invitation takes the same lock), so no membership can join between this and what follows.
pub async fn providers_of_locked(db: &mut sqlx::PgConnection, user: UserId) -> sqlx::Result<Vec<ProviderId>> {
    super::users::lock(&mut *db, user).await?;
    providers_of(&mut *db, user).await
}

/// A person's passkeys on one host: (credential id, the passkey as webauthn-rs keeps it).
pub async fn passkeys(
    db: impl PgExecutor<'_>,
    user: UserId,
    site: &str,
) -> sqlx::Result<Vec<(Vec<u8>, serde_json::Value)>> {
    sqlx::query_as(
        "SELECT credential_id, passkey FROM passkeys WHERE user_id = $1 AND site = $2 ORDER BY created_at",
    )
    .bind(user)
    .bind(site)
    .fetch_all(db)
    .await
}

pub async fn add_passkey(
    db: impl PgExecutor<'_>,
    user: UserId,
    site: &str,
    credential_id: &[u8],
    passkey: serde_json::Value,
) -> sqlx::Result<bool> {
    sqlx::query(
        "INSERT INTO passkeys (credential_id, user_id, site, passkey) VALUES ($1, $2, $3, $4)
         ON CONFLICT (credential_id) DO NOTHING",
    )
    .bind(credential_id)
    .bind(user)
    .bind(site)
    .bind(passkey)
    .execute(db)
    .await
    .map(changed_one)
}

/// Keeps the passkey's new state (its signature counter) after a use.
pub async fn passkey_used(
    db: impl PgExecutor<'_>,
    user: UserId,
    credential_id: &[u8],
    passkey: serde_json::Value,
) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE passkeys SET passkey = $3, last_used_at = now() WHERE credential_id = $1 AND user_id = $2",
    )
    .bind(credential_id)
    .bind(user)
    .bind(passkey)
    .execute(db)
    .await?;
    Ok(())
}
