//! Who may manage which client users, and the changes they make: the invitation form's rules and
//! the three-dot menu. Staff (ADMIN, MANAGER) manage every client of their provider; a Client
//! Admin manages their own organisation, never beyond their own company scope.

use serde_json::json;

use crate::auth::rate_limit;
use crate::auth::reset::send_reset_email;
use crate::auth::{ClientMember, StaffMember};
use crate::db;
use crate::db::client_users::MemberRow;
use crate::db::clients::{ClientRow, Visibility};
use crate::db::invitations::{InvitationRow, InvitationStatus};
use crate::db::scope::{ClientScope, ProviderScope};
use crate::domain::{
    ClientId, ClientKind, ClientRole, CompanyId, EmailAddress, EndDate, InvitationId, MembershipId,
    OptionalName, Permission, PersonName, ProviderId, Token, UserId,
};
use crate::error::{AppError, AppResult};
use crate::invites::{self, Inviter, Issued, NewInvite, Refusal, Target};
use crate::state::{AppState, Site};
use crate::views::FieldErrors;

pub const SELECT_A_COMPANY: &str = "Select at least one company";
pub const ALREADY_BELONGS: &str = "User already belongs to this account";
pub const ALREADY_INVITED: &str =
    "An invitation is already waiting for this person. Use Resend Invitation to send a new link.";

/// The person managing client users.
#[derive(Clone, Copy)]
pub enum Manager<'a> {
    Staff(&'a StaffMember),
    ClientAdmin(&'a ClientMember),
}

impl Manager<'_> {
    pub fn provider_id(&self) -> ProviderId {
        match self {
            Manager::Staff(m) => m.provider_id,
            Manager::ClientAdmin(m) => m.provider_id,
        }
    }

    pub fn provider_name(&self) -> &str {
        match self {
            Manager::Staff(m) => &m.provider_name,
            Manager::ClientAdmin(m) => &m.provider_name,
        }
    }

    pub fn user_id(&self) -> UserId {
        match self {
            Manager::Staff(m) => m.user.id,
            Manager::ClientAdmin(m) => m.user.id,
        }
    }

    pub fn name(&self) -> &str {
        match self {
            Manager::Staff(m) => m.user.name_or_email(),
            Manager::ClientAdmin(m) => m.user.name_or_email(),
        }
    }

    /// The companies a Client Admin is held to; staff are not limited.
    pub fn within(&self) -> Option<&[CompanyId]> {
        match self {
            Manager::Staff(_) => None,
            Manager::ClientAdmin(m) => Some(m.scope.ids()),
        }
    }

    /// Whether every one of `companies` lies inside what this manager may grant and manage.
    pub fn may_grant(&self, companies: &[CompanyId]) -> bool {
        self.within().is_none_or(|w| companies.iter().all(|c| w.contains(c)))
    }

    /// The provider, as the provider-wide reads and writes take it.
    pub fn provider(&self) -> ProviderScope {
        match self {
            Manager::Staff(m) => m.provider,
            Manager::ClientAdmin(m) => m.client.provider_scope(),
        }
    }

    pub fn inviter(&self) -> Inviter<'_> {
        Inviter { provider: self.provider(), user_id: Some(self.user_id()), name: self.name() }
    }
}

pub fn staff_visibility(member: &StaffMember) -> Visibility {
    if member.can(Permission::SeeAllClients) {
        Visibility::All
    } else {
        Visibility::AssignedTo(member.user.id)
    }
}

/// The client whose users the manager wants to manage: 404 when it is not theirs to see, 403
/// when they may see it but not manage its users.
pub async fn client_for(state: &AppState, manager: Manager<'_>, client: ClientId) -> AppResult<ClientRow> {
    let (visibility, allowed) = match manager {
        Manager::Staff(m) => (staff_visibility(m), m.can(Permission::ManageClients)),
        Manager::ClientAdmin(m) => {
            if m.client_id != client {
                return Err(AppError::NotFound);
            }
            (Visibility::All, m.role == ClientRole::ClientAdmin)
        }
    };
    let row = db::clients::find_visible(&state.db, manager.provider(), visibility, client)
        .await?
        .ok_or(AppError::NotFound)?;
    if !allowed {
        return Err(AppError::Forbidden);
    }
    Ok(row)
}

/// The raw fields of the invite form.
#[derive(Clone, Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct InviteFields {
    pub email: String,
    pub name: String,
    pub first_name: String,
    pub last_name: String,
    pub role: String,
    pub companies: Vec<String>,
    /// Staff only: the day the access ends (`2027-03-31`), or empty.
    pub ends_on: String,
}

/// Parses and checks the chosen companies: at least one, all of this client, and for a Client
/// Admin all inside their own scope.
pub async fn check_companies(
    state: &AppState,
    manager: Manager<'_>,
    client: ClientScope,
    raw: &[String],
) -> AppResult<Result<Vec<CompanyId>, &'static str>> {
    if raw.is_empty() {
        return Ok(Err(SELECT_A_COMPANY));
    }
    if raw.len() > 500 {
        return Ok(Err("Too many companies selected"));
    }
    let mut ids = Vec::with_capacity(raw.len());
    for r in raw {
        match r.parse::<CompanyId>() {
            Ok(id) if !ids.contains(&id) => ids.push(id),
            Ok(_) => {}
            Err(_) => return Ok(Err("Choose companies from the list")),
        }
    }
    if db::clients::count_own_companies(&state.db, client, &ids).await? != ids.len() as i64 {
        return Ok(Err("Choose companies of this client"));
    }
    if !manager.may_grant(&ids) {
        // Refused like any post without the permission: 403, nothing written.
        return Err(AppError::Forbidden);
    }
    Ok(Ok(ids))
}

/// Why the invitation was not sent; nothing was written.
pub enum InviteProblem {
    Fields(FieldErrors),
    /// With where to find that user.
    AlreadyMember(String),
    AlreadyPending(InvitationId),
}

pub async fn invite(
    state: &AppState,
    manager: Manager<'_>,
    client: &ClientRow,
    kind: ClientKind,
    fields: &InviteFields,
) -> AppResult<Result<Issued, InviteProblem>> {
    let mut errors = FieldErrors::default();
    let email = errors.take("email", EmailAddress::parse(&fields.email));
    let (display_name, first, last) = match kind {
        ClientKind::Client => {
            let name = errors.take("name", OptionalName::parse(&fields.name));
            (name.map(OptionalName::into_string).unwrap_or_default(), None, None)
        }
        ClientKind::Representative => {
            let first =
                errors.take("first_name", PersonName::parse(&fields.first_name, "Enter a first name"));
            let last = errors.take("last_name", PersonName::parse(&fields.last_name, "Enter a last name"));
            let full = match (&first, &last) {
                (Some(f), Some(l)) => format!("{} {}", f.as_str(), l.as_str()),
                _ => String::new(),
            };
            (full, first.map(PersonName::into_string), last.map(PersonName::into_string))
        }
    };
    let role = errors.take("role", ClientRole::parse(&fields.role));
    let ends_on = match manager {
        Manager::Staff(_) => errors.take("ends_on", EndDate::parse(&fields.ends_on, state.clock.today())),
        // The form a Client Admin sees has no end date; one sent anyway is refused.
        Manager::ClientAdmin(_) if fields.ends_on.trim().is_empty() => Some(None),
        Manager::ClientAdmin(_) => {
            errors.add("ends_on", "Only staff can give an end date");
            None
        }
    };
    let companies = match check_companies(state, manager, client.scope(), &fields.companies).await? {
        Ok(ids) => Some(ids),
        Err(message) => {
            errors.add("companies", message);
            None
        }
    };
    let (Some(email), Some(role), Some(companies), Some(ends_on), true) =
        (email, role, companies, ends_on, errors.is_empty())
    else {
        return Ok(Err(InviteProblem::Fields(errors)));
    };
    let new = NewInvite {
        email,
        display_name,
        first_name: first,
        last_name: last,
        target: Target::Client {
            client_id: client.id,
            role,
            kind,
            companies,
            ends_on: ends_on.map(EndDate::date),
        },
    };
    match invites::invite(state, manager.inviter(), new).await? {
        Ok(issued) => Ok(Ok(issued)),
        Err(Refusal::AlreadyPending { invitation_id }) => {
            Ok(Err(InviteProblem::AlreadyPending(invitation_id)))
        }
        Err(Refusal::AlreadyMember { user_id }) => {
            let link = member_link(state, manager, user_id).await?;
            Ok(Err(InviteProblem::AlreadyMember(link)))
        }
    }
}

/// Where the manager can find an existing member's row.
pub async fn member_link(state: &AppState, manager: Manager<'_>, user: UserId) -> AppResult<String> {
    let located = db::client_users::locate_member(&state.db, manager.provider(), user).await?;
    Ok(match (manager, located) {
        (Manager::Staff(_), Some((client, membership))) => {
            format!("/clients/{client}#member-{membership}")
        }
        (Manager::Staff(_), None) => format!("/settings/users#user-{user}"),
        (Manager::ClientAdmin(m), Some((client, membership))) if client == m.client_id => {
            format!("/users#member-{membership}")
        }
        (Manager::ClientAdmin(_), _) => "/users".into(),
    })
}

/// A member of the client that the manager may change: 404 otherwise (including people whose
/// scope reaches beyond a Client Admin's); 403 for a Client Admin's own row.
pub async fn member_for(
    state: &AppState,
    manager: Manager<'_>,
    client: ClientScope,
    id: MembershipId,
) -> AppResult<MemberRow> {
    let row = db::client_users::member(&state.db, client, id).await?.ok_or(AppError::NotFound)?;
    if !manager.may_grant(&row.scope) {
        return Err(AppError::NotFound);
    }
    if manager.within().is_some() && row.user_id == manager.user_id() {
        return Err(AppError::Forbidden);
    }
    Ok(row)
}

/// An open invitation to the client that the manager may change.
pub async fn invitation_for(
    state: &AppState,
    manager: Manager<'_>,
    client: ClientScope,
    id: InvitationId,
) -> AppResult<InvitationRow> {
    let row = db::invitations::find(&state.db, client.provider_scope(), id)
        .await?
        .filter(|r| r.client_id == Some(client.client()))
        .ok_or(AppError::NotFound)?;
    if manager.within().is_some()
        && !manager.may_grant(&db::invitations::companies_of(&state.db, &row).await?)
    {
        return Err(AppError::NotFound);
    }
    Ok(row)
}

async fn audit(
    tx: &mut db::Tx<'_>,
    manager: Manager<'_>,
    action: &str,
    target: &str,
    details: serde_json::Value,
) -> AppResult<()> {
    db::audit::record(
        &mut **tx,
        Some(manager.provider_id()),
        Some(manager.user_id()),
        action,
        target,
        details,
    )
    .await?;
    Ok(())
}

pub async fn change_member_role(
    state: &AppState,
    manager: Manager<'_>,
    member: &MemberRow,
    role: ClientRole,
) -> AppResult<()> {
    let mut tx = state.db.begin().await?;
    db::client_users::set_member_role(&mut *tx, member, role).await?;
    audit(
        &mut tx,
        manager,
        "client_user.role_changed",
        &member.email,
        json!({
            "membership": member.id, "from": member.role.code(), "to": role.code(), "client": member.client_id
        }),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

pub async fn change_member_companies(
    state: &AppState,
    manager: Manager<'_>,
    member: &MemberRow,
    companies: &[CompanyId],
) -> AppResult<()> {
    let mut tx = state.db.begin().await?;
    db::client_users::set_member_scope(&mut *tx, member, companies).await?;
    audit(
        &mut tx,
        manager,
        "client_user.companies_changed",
        &member.email,
        json!({ "membership": member.id, "from": member.scope, "to": companies, "client": member.client_id }),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Remove: access to the organisation ends at once (the next request of any open session finds
/// no membership; the person's other memberships are untouched), and with it every door the
/// membership opened (`invites::close_doors`): for a Client Admin, the invitations they sent to
/// this client too.
pub async fn remove_member(state: &AppState, manager: Manager<'_>, member: &MemberRow) -> AppResult<()> {
    let mut tx = state.db.begin().await?;
    db::client_users::remove_member(&mut *tx, member).await?;
    let removed = (member.user_id, member.email.as_str());
    let they_invited = member.role == ClientRole::ClientAdmin;
    let withdrawn =
        invites::close_doors(&mut tx, manager.provider(), removed, Some(member.client_id), they_invited)
            .await?;
    let details =
        json!({ "membership": member.id, "client": member.client_id, "invitations_withdrawn": withdrawn });
    audit(&mut tx, manager, "client_user.removed", &member.email, details).await?;
    tx.commit().await?;
    Ok(())
}

pub const ACCESS_ENDED: &str =
    "This person's access has ended. Invite them again to give it back, or Remove the row.";

/// Set End Date (staff only): the day the member's access ends, a later day, or none.
pub async fn set_member_end(
    state: &AppState,
    manager: Manager<'_>,
    member: &MemberRow,
    ends_on: Option<EndDate>,
) -> AppResult<()> {
    let Manager::Staff(_) = manager else {
        return Err(AppError::Forbidden);
    };
    let ends_on = ends_on.map(EndDate::date);
    let mut tx = state.db.begin().await?;
    if !db::client_users::set_member_end(&mut *tx, member, ends_on).await? {
        return Err(AppError::BadRequest(ACCESS_ENDED));
    }
    let details = json!({
        "membership": member.id, "client": member.client_id,
        "from": member.ends_on.map(|d| d.to_string()), "to": ends_on.map(|d| d.to_string())
    });
    audit(&mut tx, manager, "client_user.end_date_set", &member.email, details).await?;
    tx.commit().await?;
    Ok(())
}

/// Resend Invitation on an Active user: a password reset email.
pub async fn resend_to_member(state: &AppState, manager: Manager<'_>, member: &MemberRow) -> AppResult<bool> {
    let Some(user) = db::users::find_by_id(&state.db, member.user_id).await? else {
        return Ok(false);
    };
    rate_limit::check(&state.db, rate_limit::RESENDS_PER_INVITATION, &format!("member:{}", member.id))
        .await
        .map_err(|_| {
            AppError::Throttled(
                "A password reset has been sent to this person 5 times today. Try again tomorrow.",
            )
        })?;
    rate_limit::check(&state.db, rate_limit::RESENDS_PER_SENDER, &manager.user_id().to_string())
        .await
        .map_err(|_| {
            AppError::Throttled(
                "You have sent many emails again in the last hour. Wait an hour, then try again.",
            )
        })?;
    let provider = Some((manager.provider_id(), manager.provider_name().to_string()));
    send_reset_email(state, &user, Site::Portal, Some(manager.user_id()), provider).await
}

/// Refuses a change to an invitation whose address has joined meanwhile: the invitation could
/// otherwise be accepted later and become a second way to change that membership.
async fn refuse_if_member(state: &AppState, manager: Manager<'_>, row: &InvitationRow) -> AppResult<()> {
    if db::staff::member_of_provider(&state.db, manager.provider(), &row.email).await?.is_some() {
        return Err(AppError::BadRequest(ALREADY_BELONGS));
    }
    Ok(())
}

pub async fn change_invitation_role(
    state: &AppState,
    manager: Manager<'_>,
    row: &InvitationRow,
    role: ClientRole,
) -> AppResult<bool> {
    refuse_if_member(state, manager, row).await?;
    let mut tx = state.db.begin().await?;
    if !db::client_users::set_invitation_role(&mut *tx, row, role).await? {
        return Ok(false);
    }
    audit(
        &mut tx,
        manager,
        "invitation.role_changed",
        &row.email,
        json!({ "invitation": row.id, "from": row.role_label(), "to": role.code() }),
    )
    .await?;
    tx.commit().await?;
    Ok(true)
}

pub async fn change_invitation_companies(
    state: &AppState,
    manager: Manager<'_>,
    row: &InvitationRow,
    companies: &[CompanyId],
) -> AppResult<()> {
    refuse_if_member(state, manager, row).await?;
    let mut tx = state.db.begin().await?;
    db::client_users::set_invitation_scope(&mut *tx, row, companies).await?;
    audit(
        &mut tx,
        manager,
        "invitation.companies_changed",
        &row.email,
        json!({ "invitation": row.id, "to": companies }),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Why Change Email did not happen.
pub enum ReaddressProblem {
    Invalid(&'static str),
    NotPending,
    AlreadyMember,
    AlreadyPending,
}

impl ReaddressProblem {
    /// What the person is told (a 400: nothing was written).
    pub fn message(&self) -> &'static str {
        match self {
            ReaddressProblem::Invalid(m) => m,
            ReaddressProblem::NotPending => "Only a pending invitation's email can be changed.",
            ReaddressProblem::AlreadyMember => ALREADY_BELONGS,
            ReaddressProblem::AlreadyPending => ALREADY_INVITED,
        }
    }
}

/// Change Email (pending invitations only): re-issued to the corrected address with a new link;
/// the old link dies. Returns the new link.
pub async fn change_invitation_email(
    state: &AppState,
    manager: Manager<'_>,
    row: &InvitationRow,
    raw_email: &str,
) -> AppResult<Result<String, ReaddressProblem>> {
    let email = match EmailAddress::parse(raw_email) {
        Ok(e) => e,
        Err(e) => return Ok(Err(ReaddressProblem::Invalid(e.0))),
    };
    if row.status() != InvitationStatus::Invited && row.status() != InvitationStatus::Expired {
        return Ok(Err(ReaddressProblem::NotPending));
    }
    if db::staff::member_of_provider(&state.db, manager.provider(), email.as_str()).await?.is_some() {
        return Ok(Err(ReaddressProblem::AlreadyMember));
    }
    invites::limit_resends(state, manager.user_id(), row.id).await?;
    let token = Token::generate();
    let mut tx = state.db.begin().await?;
    let updated = db::client_users::readdress_invitation(
        &mut *tx,
        row,
        email.as_str(),
        &token.hash(),
        state.config.invite_ttl_days,
        state.clock.now(),
    )
    .await;
    match updated {
        Ok(true) => {}
        Ok(false) => return Ok(Err(ReaddressProblem::NotPending)),
        Err(e) if db::is_unique_violation(&e, db::invitations::UNIQUE_PENDING) => {
            return Ok(Err(ReaddressProblem::AlreadyPending))
        }
        Err(e) => return Err(e.into()),
    }
    let fresh =
        db::invitations::find(&mut *tx, manager.provider(), row.id).await?.ok_or(AppError::NotFound)?;
    let link = invites::invite_link(state, false, &token);
    invites::queue_invitation(&mut tx, &state.config, &fresh, &link, false, state.clock.now()).await?;
    audit(
        &mut tx,
        manager,
        "invitation.email_changed",
        &fresh.email,
        json!({ "invitation": row.id, "from": row.email, "to": fresh.email }),
    )
    .await?;
    tx.commit().await?;
    state.mail_wake.notify_one();
    Ok(Ok(link))
}

/// The companies of a client as checkboxes: only those the manager may grant.
pub async fn company_choices(
    state: &AppState,
    manager: Manager<'_>,
    client: ClientScope,
    checked: &[String],
) -> AppResult<Vec<CompanyChoice>> {
    let all = db::clients::companies(&state.db, client).await?;
    let grantable: Vec<_> = all.into_iter().filter(|c| manager.may_grant(&[c.id])).collect();
    let only_one = grantable.len() == 1;
    Ok(grantable
        .into_iter()
        .map(|c| {
            let id = c.id.to_string();
            let checked = only_one || checked.contains(&id);
            CompanyChoice { id, name: c.name, checked }
        })
        .collect())
}

pub struct CompanyChoice {
    pub id: String,
    pub name: String,
    pub checked: bool,
}
