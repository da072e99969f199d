//! The invitation machinery that staff and client invitations share: issue, resend, accept,
//! decline and revoke. Every change writes its audit event and its email in the same
//! transaction.

use serde_json::json;
use time::{Date, OffsetDateTime};

use crate::auth::rate_limit;
use crate::config::Config;
use crate::db;
use crate::db::invitations::{InvitationRow, NewInvitation};
use crate::db::scope::ProviderScope;
use crate::domain::{
    ClientId, ClientKind, ClientRole, CompanyId, EmailAddress, InvitationId, StaffRole, Token, UserId,
};
use crate::error::{AppError, AppResult};
use crate::mail::{messages, MailBrand};
use crate::state::{AppState, Site};
use crate::views::when;

/// Who the invitation makes the person, and where.
#[derive(Clone, Debug)]
pub enum Target {
    Staff {
        role: StaffRole,
    },
    Client {
        client_id: ClientId,
        role: ClientRole,
        kind: ClientKind,
        companies: Vec<CompanyId>,
        /// The day the access ends, when staff gave one.
        ends_on: Option<Date>,
    },
}

#[derive(Clone, Debug)]
pub struct NewInvite {
    pub email: EmailAddress,
    pub display_name: String,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub target: Target,
}

impl NewInvite {
    /// An invitation to join the provider's staff with `role`.
    pub fn staff(email: EmailAddress, display_name: String, role: StaffRole) -> Self {
        NewInvite { email, display_name, first_name: None, last_name: None, target: Target::Staff { role } }
    }
}

/// Who is sending: a staff member or client admin, or the command line (no user).
#[derive(Clone, Copy, Debug)]
pub struct Inviter<'a> {
    pub provider: ProviderScope,
    pub user_id: Option<UserId>,
    pub name: &'a str,
}

/// Why an invitation was not created. Nothing was written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Refusal {
    AlreadyMember { user_id: UserId },
    AlreadyPending { invitation_id: InvitationId },
}

/// An invitation that has just been sent, with the raw link shown once to the sender.
#[derive(Debug)]
pub struct Issued {
    pub invitation_id: InvitationId,
    pub link: String,
}

fn site_of(target_is_staff: bool) -> Site {
    if target_is_staff {
        Site::Staff
    } else {
        Site::Portal
    }
}

pub fn invite_link(state: &AppState, is_staff: bool, token: &Token) -> String {
    site_of(is_staff).url(&state.config).join(&format!("/invite/{}", token.expose()))
}

pub async fn invite(
    state: &AppState,
    inviter: Inviter<'_>,
    new: NewInvite,
) -> AppResult<Result<Issued, Refusal>> {
    let mut tx = state.db.begin().await?;
    if let Some(user_id) =
        db::staff::member_of_provider(&mut *tx, inviter.provider, new.email.as_str()).await?
    {
        return Ok(Err(Refusal::AlreadyMember { user_id }));
    }
    let token = Token::generate();
    let hash = token.hash();
    let (client_id, staff_role, client_role, kind, ends_on) = match &new.target {
        Target::Staff { role } => (None, Some(*role), None, ClientKind::Client, None),
        Target::Client { client_id, role, kind, ends_on, .. } => {
            (Some(*client_id), None, Some(*role), *kind, *ends_on)
        }
    };
    let inserted = db::invitations::insert(
        &mut *tx,
        NewInvitation {
            provider: inviter.provider,
            client_id,
            email: new.email.as_str(),
            display_name: &new.display_name,
            first_name: new.first_name.as_deref(),
            last_name: new.last_name.as_deref(),
            staff_role,
            client_role,
            kind,
            invited_by: inviter.user_id,
            token_hash: &hash,
            ttl_days: state.config.invite_ttl_days,
            ends_on,
            now: state.clock.now(),
        },
    )
    .await;
    let invitation_id = match inserted {
        Ok(id) => id,
        Err(e) if db::is_unique_violation(&e, db::invitations::UNIQUE_PENDING) => {
            drop(tx);
            let pending =
                db::invitations::find_pending(&state.db, inviter.provider, client_id, new.email.as_str())
                    .await?
                    .ok_or_else(|| anyhow::anyhow!("pending invitation vanished"))?;
            return Ok(Err(Refusal::AlreadyPending { invitation_id: pending.id }));
        }
        Err(e) => return Err(e.into()),
    };
    if let Target::Client { client_id, companies, .. } = &new.target {
        db::invitations::add_companies(&mut *tx, invitation_id, *client_id, companies).await?;
    }
    let row = db::invitations::find(&mut *tx, inviter.provider, invitation_id)
        .await?
        .ok_or_else(|| anyhow::anyhow!("new invitation not found"))?;
    let link = invite_link(state, row.is_staff(), &token);
    queue_invitation(&mut tx, &state.config, &row, &link, false, state.clock.now()).await?;
    db::audit::record(
        &mut *tx,
        Some(inviter.provider.id()),
        inviter.user_id,
        "invitation.sent",
        &row.email,
        json!({
            "invitation": invitation_id, "role": row.role_label(), "organisation": row.organisation(),
            "companies": match &new.target { Target::Client { companies, .. } => companies.clone(), _ => Vec::new() }
        }),
    )
    .await?;
    tx.commit().await?;
    state.mail_wake.notify_one();
    Ok(Ok(Issued { invitation_id, link }))
}

/// The invitation email, or (`reminder`) a reminder carrying the invitation's new link.
pub async fn queue_invitation(
    tx: &mut sqlx::PgConnection,
    config: &Config,
    row: &InvitationRow,
    link: &str,
    reminder: bool,
    now: OffsetDateTime,
) -> AppResult<()> {
    let expires = when::expiry_phrase_at(row.expires_at, now);
    let brand = MailBrand::load(&mut *tx, row.provider_id, config).await?;
    // The name typed by the sender is not in the email: it is free text, and a greeting is where
    // a phishing sentence would sit best.
    let email = messages::Invitation {
        provider_name: &row.provider_name,
        organisation: row.organisation(),
        inviter: row.inviter(),
        role: row.role_label(),
        link,
        expires: &expires,
        is_staff: row.is_staff(),
        reminder,
    }
    .email(&brand, &row.email, row.provider_id, row.id)?;
    db::outbox::enqueue(&mut *tx, email).await?;
    Ok(())
}

/// A new token and a new window; the old link is dead. Returns the new link to show, or why
/// the invitation cannot be sent again (accepted or removed; the person has joined meanwhile;
/// a newer invitation is waiting). Nothing is written then.
/// Resend Invitation / Reinvite on an invitation a checked lookup found (`client_access::
/// invitation_for`, or the staff list's own): a new link, the old one dies.
pub async fn resend(
    state: &AppState,
    actor: UserId,
    current: &InvitationRow,
) -> AppResult<Result<String, &'static str>> {
    const NOT_OPEN: &str = "This invitation has already been accepted or removed.";
    let (provider, invitation_id) = (current.provider_scope()?, current.id);
    if db::staff::member_of_provider(&state.db, provider, &current.email).await?.is_some() {
        return Ok(Err("User already belongs to this account"));
    }
    limit_resends(state, actor, invitation_id).await?;
    let token = Token::generate();
    let mut tx = state.db.begin().await?;
    let reissued = db::invitations::reissue(
        &mut *tx,
        current,
        &token.hash(),
        state.config.invite_ttl_days,
        state.clock.now(),
    )
    .await;
    match reissued {
        Ok(true) => {}
        Ok(false) => return Ok(Err(NOT_OPEN)),
        Err(e) if db::is_unique_violation(&e, db::invitations::UNIQUE_PENDING) => {
            return Ok(Err(
                "A newer invitation is already waiting for this person. Use Resend Invitation on its row.",
            ));
        }
        Err(e) => return Err(e.into()),
    }
    let row = db::invitations::find(&mut *tx, provider, invitation_id)
        .await?
        .ok_or_else(|| anyhow::anyhow!("reissued invitation not found"))?;
    let link = invite_link(state, row.is_staff(), &token);
    queue_invitation(&mut tx, &state.config, &row, &link, false, state.clock.now()).await?;
    db::audit::record(
        &mut *tx,
        Some(provider.id()),
        Some(actor),
        "invitation.resent",
        &row.email,
        json!({ "invitation": invitation_id, "send_count": row.send_count }),
    )
    .await?;
    tx.commit().await?;
    state.mail_wake.notify_one();
    Ok(Ok(link))
}

/// Resending is refused past a few times a day per invitation and a few dozen an hour per
/// sender, so nobody can turn Portico into a mailer for text of their choosing.
pub async fn limit_resends(state: &AppState, sender: UserId, invitation: InvitationId) -> AppResult<()> {
    rate_limit::check(&state.db, rate_limit::RESENDS_PER_INVITATION, &invitation.to_string())
        .await
        .map_err(|_| AppError::Throttled("This invitation has been sent 5 times today. Copy the link from the success screen and send it another way, or try again tomorrow."))?;
    rate_limit::check(&state.db, rate_limit::RESENDS_PER_SENDER, &sender.to_string()).await.map_err(|_| {
        AppError::Throttled(
            "You have sent many invitations again in the last hour. Wait an hour, then try again.",
        )
    })
}

/// Remove on an invitation a checked lookup found; false when it was no longer open.
pub async fn revoke(state: &AppState, actor: UserId, row: &InvitationRow) -> AppResult<bool> {
    let (provider, invitation_id) = (row.provider_id, row.id);
    let mut tx = state.db.begin().await?;
    if !db::invitations::revoke(&mut *tx, row).await? {
        return Ok(false);
    }
    db::audit::record(
        &mut *tx,
        Some(provider),
        Some(actor),
        "invitation.revoked",
        &row.email,
        json!({ "invitation": invitation_id }),
    )
    .await?;
    tx.commit().await?;
    Ok(true)
}

/// Closes the doors a membership opened, when it ends: the open invitations the removed person
/// sent in `place` (a client, or with `None` the whole provider) when `they_invited`, the open
/// invitations to them into `place` (the provider's staff for `None`; sent before, they must not
/// bring them back), and their password-reset links. Returns how many invitations were withdrawn.
pub async fn close_doors(
    db: &mut sqlx::PgConnection,
    provider: ProviderScope,
    removed: (UserId, &str),
    place: Option<ClientId>,
    they_invited: bool,
) -> AppResult<u64> {
    let (user, email) = removed;
    let sent = if they_invited {
        db::invitations::withdraw_sent_by(&mut *db, provider, user, place).await?
    } else {
        0
    };
    let to_them = db::invitations::withdraw_to(&mut *db, provider, place, email).await?;
    db::resets::retire_all(&mut *db, user).await?;
    Ok(sent + to_them)
}

/// Notes that the invitation's link was opened, for its timeline: at most once an hour, so
/// reloading the page (or a mail scanner) writes almost nothing.
pub async fn record_opened(state: AppState, row: InvitationRow) {
    let recorded = async {
        let mut tx = state.db.begin().await?;
        if db::invitations::mark_opened(&mut *tx, &row).await? {
            let details = json!({ "invitation": row.id });
            db::audit::record(
                &mut *tx,
                Some(row.provider_id),
                None,
                "invitation.opened",
                &row.email,
                details,
            )
            .await?;
            tx.commit().await?;
        }
        Ok::<_, sqlx::Error>(())
    };
    if let Err(e) = recorded.await {
        tracing::warn!(error = ?e, "could not note that an invitation was opened");
    }
}

/// How the person accepting proved who they are.
pub enum Acceptor {
    /// A new person (or one who never set a password): the hash of the password they chose.
    NewPassword { password_hash: String, display_name: Option<String> },
    /// Someone with an account, whose password (or session) has been checked.
    Existing { user_id: UserId },
}

/// Why an acceptance did not happen. Nothing was written.
#[derive(Debug, PartialEq, Eq)]
pub enum NotAccepted {
    /// Used, revoked, expired or unknown: the token could not be consumed.
    Gone,
    /// The person already belongs to this provider. Accepting never changes a membership's role
    /// or scope: only the menu actions on that membership do.
    AlreadyMember,
}

/// Accepts the invitation behind `token`: consumes it, creates the membership, audits and tells
/// the inviter, all in one transaction. Exactly one of several concurrent calls succeeds.
pub async fn accept(
    state: &AppState,
    token: &Token,
    acceptor: Acceptor,
) -> AppResult<Result<(UserId, InvitationRow, String), NotAccepted>> {
    let hash = token.hash();
    let mut tx = state.db.begin().await?;
    let Some(row) = db::invitations::find_by_token(&mut *tx, &hash).await? else {
        return Ok(Err(NotAccepted::Gone));
    };
    let email = EmailAddress::from_trusted(row.email.clone());
    let (user, password_hash) = match acceptor {
        Acceptor::Existing { user_id } => {
            // The lock an ADMIN's reset of the second factor takes too (see `users::lock`).
            db::users::lock(&mut tx, user_id).await?;
            let user = db::users::find_by_id(&mut *tx, user_id)
                .await?
                .ok_or_else(|| anyhow::anyhow!("accepting user vanished"))?;
            let hash = user.password_hash.clone().unwrap_or_default();
            (user, hash)
        }
        Acceptor::NewPassword { password_hash, display_name } => {
            let name = display_name.unwrap_or_else(|| row.name());
            let user = db::users::find_or_create(
                &mut *tx,
                &email,
                &name,
                row.first_name.as_deref(),
                row.last_name.as_deref(),
            )
            .await?;
            if user.password_hash.is_some() {
                // The account gained a password since the page was shown: it must sign in.
                return Ok(Err(NotAccepted::Gone));
            }
            db::users::set_password_and_name(&mut *tx, user.id, &password_hash, Some(&name)).await?;
            (user, password_hash)
        }
    };
    let provider = row.provider_scope()?;
    if db::staff::member_of_provider(&mut *tx, provider, &row.email).await?.is_some() {
        return Ok(Err(NotAccepted::AlreadyMember));
    }
    if db::invitations::consume(&mut *tx, &hash, user.id, state.clock.now()).await?.is_none() {
        return Ok(Err(NotAccepted::Gone));
    }
    let mut membership_id = None;
    match (row.staff_role, row.client_id, row.client_role) {
        (Some(role), None, _) => db::staff::add(&mut *tx, provider, user.id, role).await?,
        (None, Some(client), Some(role)) => {
            let companies = db::invitations::companies_of(&mut *tx, &row).await?;
            let membership = db::client_members::add(
                &mut tx,
                provider,
                client,
                user.id,
                role,
                row.kind,
                row.invited_by,
                &companies,
                row.ends_on,
            )
            .await?;
            membership_id = Some(membership);
        }
        _ => return Err(anyhow::anyhow!("invitation {} has no target", row.id).into()),
    }
    db::audit::record(
        &mut *tx,
        Some(row.provider_id),
        Some(user.id),
        "invitation.accepted",
        &row.email,
        json!({
            "invitation": row.id, "membership": membership_id, "role": row.role_label(),
            "organisation": row.organisation()
        }),
    )
    .await?;
    notify_inviter(&mut tx, state, &row, true).await?;
    tx.commit().await?;
    state.mail_wake.notify_one();
    Ok(Ok((user.id, row, password_hash)))
}

pub async fn decline(state: &AppState, token: &Token) -> AppResult<Option<InvitationRow>> {
    let hash = token.hash();
    let mut tx = state.db.begin().await?;
    let Some(row) = db::invitations::find_by_token(&mut *tx, &hash).await? else {
        return Ok(None);
    };
    if db::invitations::decline(&mut *tx, &hash, state.clock.now()).await?.is_none() {
        return Ok(None);
    }
    db::audit::record(
        &mut *tx,
        Some(row.provider_id),
        None,
        "invitation.declined",
        &row.email,
        json!({ "invitation": row.id, "organisation": row.organisation() }),
    )
    .await?;
    notify_inviter(&mut tx, state, &row, false).await?;
    tx.commit().await?;
    state.mail_wake.notify_one();
    Ok(Some(row))
}

async fn notify_inviter(
    tx: &mut db::Tx<'_>,
    state: &AppState,
    row: &InvitationRow,
    accepted: bool,
) -> AppResult<()> {
    let Some((inviter, link)) = inviter_and_link(tx, state, row).await? else {
        return Ok(());
    };
    let invitee = row.invitee();
    let brand = MailBrand::load(&mut **tx, row.provider_id, &state.config).await?;
    let email = messages::InvitationDecided {
        provider_name: &row.provider_name,
        organisation: row.organisation(),
        invitee: &invitee,
        accepted,
        link: &link,
    }
    .email(&brand, &inviter.email, row.provider_id, row.id)?;
    db::outbox::enqueue(&mut **tx, email).await?;
    Ok(())
}

/// Who sent the invitation (when they still have an account) and where they manage its row:
/// staff in the staff app, a Client Admin on the portal's Users page.
pub async fn inviter_and_link(
    db: &mut sqlx::PgConnection,
    state: &AppState,
    row: &InvitationRow,
) -> AppResult<Option<(db::users::UserRow, String)>> {
    let Some(inviter) = row.invited_by else {
        return Ok(None);
    };
    let Some(inviter) = db::users::find_by_id(&mut *db, inviter).await? else {
        return Ok(None);
    };
    if db::staff::membership(&mut *db, inviter.id, row.provider_scope()?).await?.is_some() {
        return Ok(Some((inviter, state.config.staff_url.join("/settings/users"))));
    }
    // A Client Admin is told only while they still manage that client: a sender who lost the
    // access learns nothing more about the people they invited.
    let still_admin = match row.client_id {
        Some(client) => db::client_members::membership(&mut *db, inviter.id, client)
            .await?
            .is_some_and(|m| m.role == ClientRole::ClientAdmin),
        None => false,
    };
    Ok(still_admin.then(|| (inviter, state.config.portal_url.join("/users"))))
}
