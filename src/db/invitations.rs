//! Invitations, staff and client alike. The token is stored only as its hash; accepting
//! consumes it with one conditional UPDATE inside the accepting transaction.

use sqlx::PgExecutor;
use time::{Date, OffsetDateTime};

use super::scope::ProviderScope;
use super::statement::{changed_one, Bind};

use crate::domain::{
    ClientId, ClientKind, ClientRole, CompanyId, InvitationId, ProviderId, StaffRole, TokenHash, UserId,
};

#[derive(Clone, Copy, Debug, PartialEq, Eq, sqlx::Type)]
#[sqlx(type_name = "invitation_status", rename_all = "SCREAMING_SNAKE_CASE")]
pub enum StoredStatus {
    Pending,
    Accepted,
    Declined,
    Revoked,
}

/// What a person sees of an invitation: expiry is derived, never stored.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum InvitationStatus {
    Invited,
    Expired,
    Accepted,
    Declined,
    Revoked,
}

impl InvitationStatus {
    pub fn label(self) -> &'static str {
        match self {
            Self::Invited => "Invited",
            Self::Expired => "Expired",
            Self::Accepted => "Active",
            Self::Declined => "Declined",
            Self::Revoked => "Removed",
        }
    }

    pub fn is_invited(self) -> bool {
        self == Self::Invited
    }
}

pub const UNIQUE_PENDING: &str = "invitations_one_pending_idx";

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct InvitationRow {
    pub id: InvitationId,
    pub provider_id: ProviderId,
    pub provider_name: String,
    pub client_id: Option<ClientId>,
    pub client_name: Option<String>,
    pub email: String,
    pub display_name: String,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub staff_role: Option<StaffRole>,
    pub client_role: Option<ClientRole>,
    pub kind: ClientKind,
    pub invited_by: Option<UserId>,
    pub inviter_name: Option<String>,
    pub status: StoredStatus,
    /// Set when the invitation was withdrawn because someone's access ended (see [`Withdrawn`]).
    pub revoked_reason: Option<Withdrawn>,
    pub created_at: OffsetDateTime,
    pub expires_at: OffsetDateTime,
    pub last_sent_at: OffsetDateTime,
    pub send_count: i32,
    /// How many of this send round's reminders have gone out (see `lifecycle`).
    pub reminder_stage: i16,
    /// The day the membership it brings will end, if staff gave one.
    pub ends_on: Option<Date>,
    /// The provider, client and id as the lookup read them (each lookup is by provider, or by
    /// the token's hash), kept apart from the public fields: writes are bounded by these.
    #[sqlx(skip)]
    read: Option<(ProviderId, Option<ClientId>, InvitationId)>,
}

/// A pending staff invitation with the given window, for unit tests of the rules on it.
#[cfg(test)]
pub fn test_row(
    last_sent_at: OffsetDateTime,
    expires_at: OffsetDateTime,
    reminder_stage: i16,
) -> InvitationRow {
    InvitationRow {
        id: InvitationId::new(),
        provider_id: ProviderId::new(),
        provider_name: String::new(),
        client_id: None,
        client_name: None,
        email: "a@example.test".into(),
        display_name: String::new(),
        first_name: None,
        last_name: None,
        staff_role: Some(StaffRole::Admin),
        client_role: None,
        kind: ClientKind::Client,
        invited_by: None,
        inviter_name: None,
        status: StoredStatus::Pending,
        revoked_reason: None,
        created_at: last_sent_at,
        expires_at,
        last_sent_at,
        send_count: 1,
        reminder_stage,
        ends_on: None,
        read: None,
    }
}

/// Records what a lookup read (see `InvitationRow::read`).
fn sealed(mut row: InvitationRow) -> InvitationRow {
    row.read = Some((row.provider_id, row.client_id, row.id));
    row
}

fn all_sealed(rows: Vec<InvitationRow>) -> Vec<InvitationRow> {
    rows.into_iter().map(sealed).collect()
}

impl InvitationRow {
    /// The provider, client and id the lookup read, for a write to be bounded by.
    pub(super) fn key(&self) -> sqlx::Result<(ProviderId, Option<ClientId>, InvitationId)> {
        self.read.ok_or(sqlx::Error::RowNotFound)
    }

    /// The provider and id the lookup read: what a write of this invitation is bounded by.
    pub(super) fn row(&self) -> sqlx::Result<(ProviderScope, InvitationId)> {
        let (provider, _, id) = self.key()?;
        Ok((ProviderScope::checked(provider), id))
    }

    /// The invitation's provider, as the lookup that found it read it.
    pub fn provider_scope(&self) -> sqlx::Result<ProviderScope> {
        Ok(self.row()?.0)
    }

    pub fn status(&self) -> InvitationStatus {
        match self.status {
            StoredStatus::Pending if self.expires_at <= OffsetDateTime::now_utc() => {
                InvitationStatus::Expired
            }
            StoredStatus::Pending => InvitationStatus::Invited,
            StoredStatus::Accepted => InvitationStatus::Accepted,
            StoredStatus::Declined => InvitationStatus::Declined,
            StoredStatus::Revoked => InvitationStatus::Revoked,
        }
    }

    pub fn is_staff(&self) -> bool {
        self.client_id.is_none()
    }

    /// The organisation the invitation is to: the client, or the provider for staff.
    pub fn organisation(&self) -> &str {
        self.client_name.as_deref().unwrap_or(&self.provider_name)
    }

    pub fn role_label(&self) -> &'static str {
        match (self.staff_role, self.client_role) {
            (Some(r), _) => r.label(),
            (None, Some(r)) => r.label(),
            (None, None) => "",
        }
    }

    pub fn inviter(&self) -> &str {
        self.inviter_name.as_deref().unwrap_or("Portico")
    }

    /// Who the invitation is for, as its sender is told: the name given, else the address.
    pub fn invitee(&self) -> String {
        let name = self.name();
        if name.is_empty() {
            self.email.clone()
        } else {
            name
        }
    }

    /// The name to greet the person with, if the inviter gave one.
    pub fn name(&self) -> String {
        match (&self.first_name, &self.last_name) {
            (Some(f), Some(l)) => format!("{f} {l}"),
            _ => self.display_name.clone(),
        }
    }
}

const SELECT: &str = "SELECT i.id, i.provider_id, p.name AS provider_name, i.client_id,
        c.name AS client_name, i.email, i.display_name, i.first_name, i.last_name, i.staff_role,
        i.client_role, i.kind, i.invited_by,
        nullif(coalesce(nullif(u.display_name, ''), u.email), '') AS inviter_name,
        i.status, i.revoked_reason, i.created_at, i.expires_at, i.last_sent_at, i.send_count,
        i.reminder_stage, i.ends_on
     FROM invitations i
     JOIN providers p ON p.id = i.provider_id
     LEFT JOIN clients c ON c.id = i.client_id
     LEFT JOIN users u ON u.id = i.invited_by";

pub struct NewInvitation<'a> {
    pub provider: ProviderScope,
    pub client_id: Option<ClientId>,
    pub email: &'a str,
    pub display_name: &'a str,
    pub first_name: Option<&'a str>,
    pub last_name: Option<&'a str>,
    pub staff_role: Option<StaffRole>,
    pub client_role: Option<ClientRole>,
    pub kind: ClientKind,
    pub invited_by: Option<UserId>,
    pub token_hash: &'a TokenHash,
    pub ttl_days: i64,
    pub ends_on: Option<Date>,
    /// The lifecycle clock's present (`clock.rs`): the window starts here.
    pub now: OffsetDateTime,
}

pub async fn insert(db: impl PgExecutor<'_>, new: NewInvitation<'_>) -> sqlx::Result<InvitationId> {
    let id = InvitationId::new();
    sqlx::query(
        "INSERT INTO invitations (provider_id, id, client_id, email, display_name, first_name,
             last_name, staff_role, client_role, kind, invited_by, token_hash, expires_at, ends_on,
             created_at, last_sent_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $15::timestamptz + make_interval(days => $13), $14,
                 $15, $15)",
    )
    .bind_scope((new.provider, id))
    .bind(new.client_id)
    .bind(new.email)
    .bind(new.display_name)
    .bind(new.first_name)
    .bind(new.last_name)
    .bind(new.staff_role)
    .bind(new.client_role)
    .bind(new.kind)
    .bind(new.invited_by)
    .bind(new.token_hash)
    .bind(new.ttl_days as i32)
    .bind(new.ends_on)
    .bind(new.now)
    .execute(db)
    .await?;
    Ok(id)
}

pub async fn add_companies(
    db: impl PgExecutor<'_>,
    invitation: InvitationId,
    client: ClientId,
    companies: &[CompanyId],
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO invitation_companies (invitation_id, client_id, company_id)
         SELECT $1, $2, unnest($3::uuid[])",
    )
    .bind(invitation)
    .bind(client)
    .bind(companies)
    .execute(db)
    .await?;
    Ok(())
}

pub async fn companies_of(
    db: impl PgExecutor<'_>,
    invitation: &InvitationRow,
) -> sqlx::Result<Vec<CompanyId>> {
    sqlx::query_scalar("SELECT company_id FROM invitation_companies WHERE invitation_id = $1")
        .bind(invitation.key()?.2)
        .fetch_all(db)
        .await
}

pub async fn find_by_token(db: impl PgExecutor<'_>, hash: &TokenHash) -> sqlx::Result<Option<InvitationRow>> {
    let row =
        sqlx::query_as(&format!("{SELECT} WHERE i.token_hash = $1")).bind(hash).fetch_optional(db).await?;
    Ok(row.map(sealed))
}

pub async fn find(
    db: impl PgExecutor<'_>,
    provider: ProviderScope,
    id: InvitationId,
) -> sqlx::Result<Option<InvitationRow>> {
    let row = sqlx::query_as(&format!("{SELECT} WHERE i.provider_id = $1 AND i.id = $2"))
        .bind_scope((provider, id))
        .fetch_optional(db)
        .await?;
    Ok(row.map(sealed))
}

/// The pending invitation for this email and target, if any.
pub async fn find_pending(
    db: impl PgExecutor<'_>,
    provider: ProviderScope,
    client: Option<ClientId>,
    email: &str,
) -> sqlx::Result<Option<InvitationRow>> {
    sqlx::query_as(&format!(
        "{SELECT} WHERE i.provider_id = $1 AND i.client_id IS NOT DISTINCT FROM $2
                    AND i.email = $3 AND i.status = 'PENDING'"
    ))
    .bind_scope(provider)
    .bind(client)
    .bind(email)
    .fetch_optional(db)
    .await
    .map(|row| row.map(sealed))
}

/// Consumes a usable token: exactly one concurrent caller gets the row back.
pub async fn consume(
    db: impl PgExecutor<'_>,
    hash: &TokenHash,
    user: UserId,
    now: OffsetDateTime,
) -> sqlx::Result<Option<InvitationId>> {
    sqlx::query_scalar(
        "UPDATE invitations SET status = 'ACCEPTED', decided_at = now(), accepted_user_id = $2
         WHERE token_hash = $1 AND status = 'PENDING' AND expires_at > $3
           AND (ends_on IS NULL OR ends_on > ($3::timestamptz AT TIME ZONE 'UTC')::date)
         RETURNING id",
    )
    .bind(hash)
    .bind(user)
    .bind(now)
    .fetch_optional(db)
    .await
}

pub async fn decline(
    db: impl PgExecutor<'_>,
    hash: &TokenHash,
    now: OffsetDateTime,
) -> sqlx::Result<Option<InvitationId>> {
    sqlx::query_scalar(
        "UPDATE invitations SET status = 'DECLINED', decided_at = now()
         WHERE token_hash = $1 AND status = 'PENDING' AND expires_at > $2
         RETURNING id",
    )
    .bind(hash)
    .bind(now)
    .fetch_optional(db)
    .await
}

/// A new token and a new window for a pending, expired or declined invitation; the old link
/// dies because its hash is gone.
/// A new token and window for an open invitation that a lookup found.
pub async fn reissue(
    db: impl PgExecutor<'_>,
    invitation: &InvitationRow,
    hash: &TokenHash,
    ttl_days: i64,
    now: OffsetDateTime,
) -> sqlx::Result<bool> {
    sqlx::query(
        "UPDATE invitations SET token_hash = $3, status = 'PENDING', decided_at = NULL,
                expires_at = $5::timestamptz + make_interval(days => $4), last_sent_at = $5,
                send_count = send_count + 1, reminder_stage = 0, expiry_noticed_at = NULL
         WHERE provider_id = $1 AND id = $2 AND status IN ('PENDING', 'DECLINED')",
    )
    .bind_scope(invitation.row()?)
    .bind(hash)
    .bind(ttl_days as i32)
    .bind(now)
    .execute(db)
    .await
    .map(changed_one)
}

/// Why open invitations were withdrawn without anyone choosing Remove on them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, sqlx::Type)]
#[sqlx(type_name = "text", rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Withdrawn {
    /// The person who sent them lost their access.
    SenderRemoved,
    /// The person they were for was removed.
    PersonRemoved,
    /// The end date staff gave the access passed before the invitation was accepted.
    AccessEnded,
}

/// Withdraws the open invitations `sender` sent in the provider (only those to `client`, when
/// given): they must not outlive the sender's access. Returns how many.
pub async fn withdraw_sent_by(
    db: impl PgExecutor<'_>,
    provider: ProviderScope,
    sender: UserId,
    client: Option<ClientId>,
) -> sqlx::Result<u64> {
    sqlx::query(
        "UPDATE invitations SET status = 'REVOKED', decided_at = now(), revoked_reason = 'SENDER_REMOVED'
         WHERE provider_id = $1 AND invited_by = $2 AND ($3::uuid IS NULL OR client_id = $3)
           AND status IN ('PENDING', 'DECLINED')",
    )
    .bind_scope(provider)
    .bind(sender)
    .bind(client)
    .execute(db)
    .await
    .map(|done| done.rows_affected())
}

/// Withdraws the open invitations to `email` into the same place a removed person left: the
/// client (`Some`), or the provider's staff (`None`). An invitation sent before the removal must
/// not bring the person back. Returns how many.
pub async fn withdraw_to(
    db: impl PgExecutor<'_>,
    provider: ProviderScope,
    client: Option<ClientId>,
    email: &str,
) -> sqlx::Result<u64> {
    sqlx::query(
        "UPDATE invitations SET status = 'REVOKED', decided_at = now(), revoked_reason = 'PERSON_REMOVED'
         WHERE provider_id = $1 AND client_id IS NOT DISTINCT FROM $2 AND email = $3
           AND status IN ('PENDING', 'DECLINED')",
    )
    .bind_scope(provider)
    .bind(client)
    .bind(email)
    .execute(db)
    .await
    .map(|done| done.rows_affected())
}

/// Withdraws an open invitation that a lookup found.
pub async fn revoke(db: impl PgExecutor<'_>, invitation: &InvitationRow) -> sqlx::Result<bool> {
    sqlx::query(
        "UPDATE invitations SET status = 'REVOKED', decided_at = now()
         WHERE provider_id = $1 AND id = $2 AND status IN ('PENDING', 'DECLINED')",
    )
    .bind_scope(invitation.row()?)
    .execute(db)
    .await
    .map(changed_one)
}

pub async fn change_staff_role(
    db: impl PgExecutor<'_>,
    provider: ProviderScope,
    id: InvitationId,
    role: StaffRole,
) -> sqlx::Result<bool> {
    sqlx::query(
        "UPDATE invitations SET staff_role = $3
         WHERE provider_id = $1 AND id = $2 AND client_id IS NULL AND status IN ('PENDING', 'DECLINED')",
    )
    .bind_scope((provider, id))
    .bind(role)
    .execute(db)
    .await
    .map(changed_one)
}

/// Staff invitations not yet accepted, for Settings -> User Roles.
pub async fn open_staff_invitations(
    db: impl PgExecutor<'_>,
    provider: ProviderScope,
) -> sqlx::Result<Vec<InvitationRow>> {
    sqlx::query_as(&format!(
        "{SELECT} WHERE i.provider_id = $1 AND i.client_id IS NULL
                    AND i.status IN ('PENDING', 'DECLINED')
         ORDER BY i.created_at DESC"
    ))
    .bind_scope(provider)
    .fetch_all(db)
    .await
    .map(all_sealed)
}

/// How many pending invitations of a provider have run out, for the home page.
pub async fn expired_count(db: impl PgExecutor<'_>, provider: ProviderScope) -> sqlx::Result<i64> {
    sqlx::query_scalar(
        "SELECT count(*) FROM invitations
         WHERE provider_id = $1 AND status = 'PENDING' AND expires_at <= now()",
    )
    .bind_scope(provider)
    .fetch_one(db)
    .await
}

// The invitation lifecycle's rules (`lifecycle.rs`) across every provider. What each finds is a
// candidate; the claim that follows is one conditional UPDATE, so of several replicas exactly one
// acts on a row.

/// Pending invitations that may owe a reminder at `now`: sent at least `after_days` ago, or
/// within `before_days` of expiring, and not all reminded yet.
pub async fn reminder_candidates(
    db: impl PgExecutor<'_>,
    now: OffsetDateTime,
    after_days: i32,
    before_days: i32,
    limit: i64,
) -> sqlx::Result<Vec<InvitationRow>> {
    sqlx::query_as(&format!(
        "{SELECT} WHERE i.status = 'PENDING' AND i.expires_at > $1 AND i.reminder_stage < 2
           AND (($2 > 0 AND i.last_sent_at + make_interval(days => $2) <= $1)
             OR ($3 > 0 AND i.expires_at - make_interval(days => $3) <= $1))
         ORDER BY i.expires_at LIMIT $4"
    ))
    .bind(now)
    .bind(after_days)
    .bind(before_days)
    .bind(limit)
    .fetch_all(db)
    .await
    .map(all_sealed)
}

/// Takes reminder `stage` of the invitation's current send round, with a new token (the
/// reminder carries the link, and only a hash is kept): false when another process took it, or
/// the invitation was resent, decided or ran out meanwhile.
pub async fn claim_reminder(
    db: impl PgExecutor<'_>,
    invitation: &InvitationRow,
    stage: i16,
    hash: &TokenHash,
    now: OffsetDateTime,
) -> sqlx::Result<bool> {
    sqlx::query(
        "UPDATE invitations SET reminder_stage = $3, token_hash = $4
         WHERE provider_id = $1 AND id = $2 AND status = 'PENDING' AND reminder_stage < $3
           AND expires_at > $5 AND last_sent_at = $6",
    )
    .bind_scope(invitation.row()?)
    .bind(stage)
    .bind(hash)
    .bind(now)
    .bind(invitation.last_sent_at)
    .execute(db)
    .await
    .map(changed_one)
}

/// Pending invitations that ran out unused by `now` and whose sender has not been told.
pub async fn expired_unnoticed(
    db: impl PgExecutor<'_>,
    now: OffsetDateTime,
    limit: i64,
) -> sqlx::Result<Vec<InvitationRow>> {
    sqlx::query_as(&format!(
        "{SELECT} WHERE i.status = 'PENDING' AND i.expires_at <= $1 AND i.expiry_noticed_at IS NULL
         ORDER BY i.expires_at LIMIT $2"
    ))
    .bind(now)
    .bind(limit)
    .fetch_all(db)
    .await
    .map(all_sealed)
}

/// Takes the telling of the sender that the invitation ran out; false when another process did.
pub async fn claim_expiry_notice(
    db: impl PgExecutor<'_>,
    invitation: &InvitationRow,
    now: OffsetDateTime,
) -> sqlx::Result<bool> {
    sqlx::query(
        "UPDATE invitations SET expiry_noticed_at = $3
         WHERE provider_id = $1 AND id = $2 AND status = 'PENDING' AND expires_at <= $3
           AND expiry_noticed_at IS NULL",
    )
    .bind_scope(invitation.row()?)
    .bind(now)
    .execute(db)
    .await
    .map(changed_one)
}

/// Withdraws the open invitations whose access would have ended by `today`; returns them.
pub async fn withdraw_past_end(
    db: impl PgExecutor<'_>,
    today: Date,
) -> sqlx::Result<Vec<(ProviderId, InvitationId, String)>> {
    sqlx::query_as(
        "UPDATE invitations SET status = 'REVOKED', decided_at = now(), revoked_reason = 'ACCESS_ENDED'
         WHERE ends_on <= $1 AND status IN ('PENDING', 'DECLINED')
         RETURNING provider_id, id, email",
    )
    .bind(today)
    .fetch_all(db)
    .await
}

/// The invitation an outbox message was about, while it is still pending, for telling its sender
/// it could not be delivered.
pub async fn of_email(db: impl PgExecutor<'_>, email: uuid::Uuid) -> sqlx::Result<Option<InvitationRow>> {
    sqlx::query_as(&format!(
        "{SELECT} WHERE i.status = 'PENDING'
           AND i.id = (SELECT o.invitation_id FROM email_outbox o WHERE o.id = $1 AND o.provider_id = i.provider_id)"
    ))
    .bind(email)
    .fetch_optional(db)
    .await
    .map(|row| row.map(sealed))
}

/// Records the link's opening, at most once an hour: true when this call recorded it.
pub async fn mark_opened(db: impl PgExecutor<'_>, invitation: &InvitationRow) -> sqlx::Result<bool> {
    sqlx::query(
        "UPDATE invitations SET opened_at = now()
         WHERE provider_id = $1 AND id = $2 AND (opened_at IS NULL OR opened_at < now() - interval '1 hour')",
    )
    .bind_scope(invitation.row()?)
    .execute(db)
    .await
    .map(changed_one)
}

/// Every invitation a person had in one place (a client, or with `None` the provider's staff):
/// to their address, or accepted by them. A row's timeline reads their events.
pub async fn ids_for_person(
    db: impl PgExecutor<'_>,
    provider: ProviderScope,
    client: Option<ClientId>,
    email: &str,
    user: Option<UserId>,
) -> sqlx::Result<Vec<InvitationId>> {
    sqlx::query_scalar(
        "SELECT id FROM invitations
         WHERE provider_id = $1 AND client_id IS NOT DISTINCT FROM $2
           AND (email = $3 OR ($4::uuid IS NOT NULL AND accepted_user_id = $4))
         ORDER BY created_at DESC LIMIT 50",
    )
    .bind_scope(provider)
    .bind(client)
    .bind(email)
    .bind(user)
    .fetch_all(db)
    .await
}
