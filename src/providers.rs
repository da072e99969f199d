//! Providers (tenants): creating one and inviting its first ADMIN, for the command line and the
//! demo; and the brand its clients see, which an ADMIN sets in Settings.

use anyhow::bail;
use serde_json::json;

use crate::auth::StaffMember;
use crate::db::audit::Audited;
use crate::db::providers::LogoChange;
use crate::db::scope::ProviderScope;
use crate::domain::{AccentColour, BrandName, EmailAddress, Logo, Permission, StaffRole};
use crate::error::{AppError, AppResult};
use crate::invites::{self, Inviter, NewInvite, Refusal};
use crate::state::AppState;

/// Creates a provider and invites its first ADMIN; returns the invite link.
pub async fn create(state: &AppState, name: &str, admin_email: &str) -> anyhow::Result<String> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 200 {
        bail!("--name must be 1 to 200 characters");
    }
    let email = EmailAddress::parse(admin_email).map_err(|e| anyhow::anyhow!("--admin-email: {e}"))?;
    let (_, provider) = crate::db::providers::create(&state.db, name).await?;
    invite_first_admin(state, provider, email.as_str()).await
}

/// Invites a first ADMIN to a provider on behalf of Portico itself; returns the invite link.
pub async fn invite_first_admin(
    state: &AppState,
    provider: ProviderScope,
    admin_email: &str,
) -> anyhow::Result<String> {
    let email = EmailAddress::parse(admin_email).map_err(|e| anyhow::anyhow!("{e}"))?;
    let inviter = Inviter { provider, user_id: None, name: "Portico" };
    let new = NewInvite::staff(email, String::new(), StaffRole::Admin);
    match invites::invite(state, inviter, new).await.map_err(|e| anyhow::anyhow!("{e:?}"))? {
        Ok(issued) => Ok(issued.link),
        Err(Refusal::AlreadyMember { .. } | Refusal::AlreadyPending { .. }) => {
            bail!("that person is already a member of the new provider")
        }
    }
}

/// A new brand as the Settings form gave it, every part parsed.
pub struct BrandChange {
    pub name: BrandName,
    /// `None`: Portico's own blue.
    pub accent: Option<AccentColour>,
    pub logo: LogoUpdate,
}

pub enum LogoUpdate {
    Keep,
    Replace(Logo),
    Remove,
}

/// Sets the provider's brand (ADMIN only), audited.
pub async fn set_brand(state: &AppState, by: &StaffMember, change: BrandChange) -> AppResult<()> {
    if !by.can(Permission::ManageStaff) {
        return Err(AppError::Forbidden);
    }
    let (logo, said) = match &change.logo {
        LogoUpdate::Keep => (LogoChange::Keep, "kept"),
        LogoUpdate::Replace(logo) => (LogoChange::Replace(logo.png()), "replaced"),
        LogoUpdate::Remove => (LogoChange::Remove, "removed"),
    };
    let name = change.name.as_deref();
    let accent = change.accent.as_ref().map(AccentColour::as_str);
    let mut audited = Audited::begin(&state.db, by.provider, by.user.id).await?;
    crate::db::providers::set_brand(audited.tx(), by.provider, name, accent, logo).await?;
    let details = json!({ "name": name, "accent": accent, "logo": said });
    audited.commit("brand.changed", name.unwrap_or(&by.provider_name), details).await?;
    Ok(())
}

/// Sets whom the provider requires a second factor of (ADMIN only), audited.
pub async fn set_second_factor_requirement(
    state: &AppState,
    by: &StaffMember,
    wanted: crate::db::second_factor::Requirement,
) -> AppResult<()> {
    if !by.can(Permission::ManageStaff) {
        return Err(AppError::Forbidden);
    }
    let mut audited = Audited::begin(&state.db, by.provider, by.user.id).await?;
    crate::db::second_factor::set_requirement(audited.tx(), by.provider, wanted).await?;
    let details =
        json!({ "staff": wanted.staff, "client_admins": wanted.client_admins, "clients": wanted.clients });
    audited.commit("second_factor.requirement_changed", &by.provider_name, details).await?;
    Ok(())
}
