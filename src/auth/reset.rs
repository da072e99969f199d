//! Password reset links: 1 hour, single use, stored only as a hash, mailed to the stored address
//! with a link built from the configured URL.

use serde_json::json;

use crate::db;
use crate::db::users::UserRow;
use crate::domain::{ProviderId, Token};
use crate::error::AppResult;
use crate::mail::{messages, MailBrand};
use crate::state::{AppState, Site};

/// Queues a reset email for a person who can sign in on `site`. Returns whether one was sent.
/// `on_behalf_of` is the provider whose staff asked for it (Resend Invitation on an Active row):
/// the email names it and its audit log records it. Without it, the person's first membership
/// on the site names the sender.
pub async fn send_reset_email(
    state: &AppState,
    user: &UserRow,
    site: Site,
    actor: Option<crate::domain::UserId>,
    on_behalf_of: Option<(ProviderId, String)>,
) -> AppResult<bool> {
    if user.password_hash.is_none() {
        return Ok(false);
    }
    let provider: Option<(ProviderId, String)> = match (on_behalf_of, site) {
        (Some(provider), _) => Some(provider),
        (None, Site::Staff) => db::staff::memberships_of(&state.db, user.id)
            .await?
            .into_iter()
            .next()
            .map(|m| (m.provider_id, m.provider_name)),
        (None, Site::Portal) => db::client_members::memberships_of(&state.db, user.id)
            .await?
            .into_iter()
            .next()
            .map(|m| (m.provider_id, m.provider_name)),
    };
    let Some((provider_id, provider_name)) = provider else {
        return Ok(false);
    };
    let token = Token::generate();
    let link = site.url(&state.config).join(&format!("/reset-password/{}", token.expose()));
    let mut tx = state.db.begin().await?;
    db::resets::create(&mut *tx, user.id, &token.hash()).await?;
    let brand = MailBrand::load(&mut *tx, provider_id, &state.config).await?;
    // Clients know their provider by its brand; staff by its own name.
    let provider_name = if site.is_staff() { &provider_name } else { &brand.name };
    let email = messages::PasswordReset { provider_name, link: &link }.email(
        &brand,
        &user.email,
        Some(provider_id),
        user.id,
    )?;
    db::outbox::enqueue(&mut *tx, email).await?;
    db::audit::record(
        &mut *tx,
        Some(provider_id),
        actor.or(Some(user.id)),
        "password_reset.requested",
        &user.email,
        json!({ "site": site.name() }),
    )
    .await?;
    tx.commit().await?;
    state.mail_wake.notify_one();
    Ok(true)
}
