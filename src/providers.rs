//! Providers (tenants): creating one and inviting its first ADMIN, for the command line and the
//! demo. Everything after that happens in the staff app.

use anyhow::bail;

use crate::db::scope::ProviderScope;
use crate::domain::{EmailAddress, StaffRole};
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
