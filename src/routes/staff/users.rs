//! Settings -> User Roles: every staff member and open staff invitation, Invite staff user, and
//! the three-dot menu on each row.

use askama::Template;
use askama_web::WebTemplate;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use serde::Deserialize;

use crate::auth::{second_factor, session, StaffMember};
use crate::client_access::{self, staff_visibility, Manager};
use crate::db;
use crate::db::clients::Visibility;
use crate::db::invitations::InvitationStatus;
use crate::domain::{EmailAddress, InvitationId, OptionalName, Permission, StaffRole, UserId};
use crate::error::{AppError, AppResult};
use crate::history;
use crate::invites::{self, NewInvite, Refusal};
use crate::routes::client_users::{self, ClientUserView, ListQuery};
use crate::routes::form::{Form, Path, Query};
use crate::routes::staff::scoped::{Allowed, ManageStaff};
use crate::staff;
use crate::state::AppState;
use crate::views::pages::{confirmed, ConfirmPage, InviteSentPage};
use crate::views::when::{moment, Moment};
use crate::views::Chrome;
use crate::views::FieldErrors;
use crate::views::Pager;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/settings/users", get(list))
        .route("/settings/users/invite-staff", get(invite_form).post(invite))
        .route("/settings/users/staff/{user}/role", post(change_staff_role))
        .route("/settings/users/staff/{user}/remove", post(remove_staff))
        .route("/settings/users/staff/{user}/reset-two-factor", post(reset_staff_second_factor))
        .route("/settings/users/invitations/{id}", get(invitation_timeline))
        .route("/settings/users/invitations/{id}/resend", post(resend_invitation))
        .route("/settings/users/invitations/{id}/role", post(change_invitation_role))
        .route("/settings/users/invitations/{id}/remove", post(remove_invitation))
}

/// One row of the staff table: a member, or an invitation not yet accepted.
struct StaffRowView {
    anchor: String,
    action_base: String,
    name: String,
    email: String,
    role: StaffRole,
    status: InvitationStatus,
    invited_by: String,
    last_activity: Option<Moment>,
    expires: Option<Moment>,
    is_invitation: bool,
    is_self: bool,
    declined: bool,
}

impl StaffRowView {
    fn member(s: db::staff::StaffListRow, me: UserId) -> Self {
        StaffRowView {
            anchor: format!("user-{}", s.user_id),
            action_base: format!("/settings/users/staff/{}", s.user_id),
            name: s.display_name,
            email: s.email,
            role: s.role,
            status: InvitationStatus::Accepted,
            invited_by: String::new(),
            last_activity: s.last_seen_at.map(moment),
            expires: None,
            is_invitation: false,
            is_self: s.user_id == me,
            declined: false,
        }
    }

    fn invitation(i: &db::invitations::InvitationRow) -> Self {
        let status = i.status();
        StaffRowView {
            anchor: format!("invitation-{}", i.id),
            action_base: format!("/settings/users/invitations/{}", i.id),
            name: i.name(),
            email: i.email.clone(),
            role: i.staff_role.unwrap_or(StaffRole::User),
            status,
            invited_by: i.inviter().to_string(),
            last_activity: Some(moment(i.last_sent_at)),
            expires: Some(moment(i.expires_at)),
            is_invitation: true,
            is_self: false,
            declined: status == InvitationStatus::Declined,
        }
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "staff/users.html")]
struct UsersPage {
    chrome: Chrome,
    staff: Vec<StaffRowView>,
    rows: Vec<ClientUserView>,
    pager: Pager,
    show_client: bool,
    can_manage: bool,
    can_manage_staff: bool,
    can_manage_clients: bool,
    roles: [StaffRole; 3],
}

async fn list(
    state: AppState,
    member: StaffMember,
    Query(query): Query<ListQuery>,
) -> AppResult<impl IntoResponse> {
    let members = db::staff::list(&state.db, member.provider).await?;
    let invitations = db::invitations::open_staff_invitations(&state.db, member.provider).await?;
    let staff = (members.into_iter().map(|s| StaffRowView::member(s, member.user.id)))
        .chain(invitations.iter().map(StaffRowView::invitation))
        .collect();
    let assigned_to = match staff_visibility(&member) {
        Visibility::All => None,
        Visibility::AssignedTo(user) => Some(user),
    };
    let (rows, pager) = client_users::list(
        &state,
        Manager::Staff(&member),
        None,
        assigned_to,
        &query,
        "/settings/users",
        |c| format!("/clients/{c}/users"),
    )
    .await?;
    Ok(UsersPage {
        chrome: Chrome::staff(&member).await?,
        staff,
        rows,
        pager,
        show_client: true,
        can_manage: member.can(Permission::ManageClients),
        can_manage_staff: member.can(Permission::ManageStaff),
        can_manage_clients: member.can(Permission::ManageClients),
        roles: StaffRole::ALL,
    })
}

#[derive(Template, WebTemplate)]
#[template(path = "staff/invite_staff.html")]
struct InviteStaffPage {
    chrome: Chrome,
    email: String,
    name: String,
    role: String,
    roles: [StaffRole; 3],
    errors: FieldErrors,
    already_member: Option<String>,
    /// Resend Invitation's action, when one is already waiting for the person.
    pending_resend: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct InviteStaffForm {
    email: String,
    name: String,
    role: String,
}

async fn invite_form(Allowed { member, .. }: Allowed<ManageStaff>) -> AppResult<impl IntoResponse> {
    Ok(InviteStaffPage {
        chrome: Chrome::staff(&member).await?,
        email: String::new(),
        name: String::new(),
        role: "USER".into(),
        roles: StaffRole::ALL,
        errors: FieldErrors::default(),
        already_member: None,
        pending_resend: None,
    })
}

async fn invite(
    Allowed { state, member, .. }: Allowed<ManageStaff>,
    Form(form): Form<InviteStaffForm>,
) -> AppResult<Response> {
    let mut errors = FieldErrors::default();
    let email = errors.take("email", EmailAddress::parse(&form.email));
    let name = errors.take("name", OptionalName::parse(&form.name));
    let role = errors.take("role", StaffRole::parse(&form.role));
    let mut page = InviteStaffPage {
        chrome: Chrome::staff(&member).await?,
        email: form.email.trim().chars().take(300).collect(),
        name: form.name.trim().chars().take(300).collect(),
        role: form.role.clone(),
        roles: StaffRole::ALL,
        errors,
        already_member: None,
        pending_resend: None,
    };
    let (Some(email), Some(name), Some(role)) = (email, name, role) else {
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
    };
    let new = NewInvite::staff(email.clone(), name.into_string(), role);
    match invites::invite(&state, Manager::Staff(&member).inviter(), new).await? {
        Ok(issued) => Ok(InviteSentPage {
            chrome: page.chrome,
            heading: "Invitation sent".into(),
            email: email.to_string(),
            link: issued.link,
            back_href: "/settings/users".into(),
            back_label: "Back to User Roles".into(),
        }
        .into_response()),
        Err(Refusal::AlreadyMember { user_id }) => {
            page.errors.add("email", "User already belongs to this account");
            page.already_member =
                Some(client_access::member_link(&state, Manager::Staff(&member), user_id).await?);
            Ok((StatusCode::CONFLICT, page).into_response())
        }
        Err(Refusal::AlreadyPending { invitation_id }) => {
            page.errors.add(
                "email",
                "An invitation is already waiting for this person. Use Resend Invitation to send a new link.",
            );
            page.pending_resend = Some(format!("/settings/users/invitations/{invitation_id}/resend"));
            Ok((StatusCode::CONFLICT, page).into_response())
        }
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct RoleForm {
    role: String,
}

async fn change_staff_role(
    Allowed { state, member, .. }: Allowed<ManageStaff>,
    Path(user): Path<UserId>,
    Form(form): Form<RoleForm>,
) -> AppResult<Response> {
    let role = StaffRole::parse(&form.role).map_err(|e| AppError::BadRequest(e.0))?;
    let target = staff::change_role(&state, &member, user, role).await?.ok_or(AppError::NotFound)?;
    back_to_user_roles(&member, format!("Role changed to {} for {target}.", role.label())).await
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct ConfirmForm {
    confirmed: String,
}

async fn remove_staff(
    Allowed { state, member, .. }: Allowed<ManageStaff>,
    Path(user): Path<UserId>,
    Form(form): Form<ConfirmForm>,
) -> AppResult<Response> {
    if !confirmed(&form.confirmed) {
        let email = staff::email_of(&state, &member, user).await?.ok_or(AppError::NotFound)?;
        let lines = vec![
            format!(
                "{email} will lose access to {} at once, with every client assigned to them.",
                member.provider_name
            ),
            "The invitations they sent that are still open will be withdrawn.".into(),
        ];
        let action = format!("/settings/users/staff/{user}/remove");
        let chrome = Chrome::staff(&member).await?;
        let page = ConfirmPage::remove(chrome, format!("Remove {email}?"), lines, action, "/settings/users");
        return Ok(page.into_response());
    }
    let target = staff::remove(&state, &member, user).await?.ok_or(AppError::NotFound)?;
    back_to_user_roles(&member, format!("{target} was removed.")).await
}

/// Reset two-factor on a colleague's row (ADMIN only): for one who lost their phone and their
/// recovery codes.
async fn reset_staff_second_factor(
    Allowed { state, member, .. }: Allowed<ManageStaff>,
    Path(user): Path<UserId>,
) -> AppResult<Response> {
    let email = staff::email_of(&state, &member, user).await?.ok_or(AppError::NotFound)?;
    let said = match second_factor::reset_by_admin(&state, &member, user, &email).await? {
        Ok(()) => format!("Two-factor authentication was reset for {email}; they have been emailed."),
        Err(why) => why.to_string(),
    };
    back_to_user_roles(&member, said).await
}

/// Back to Settings -> User Roles, saying what was done.
async fn back_to_user_roles(member: &StaffMember, said: String) -> AppResult<Response> {
    crate::routes::done(&member.user.session, said, "/settings/users").await
}

/// Loads an invitation of this provider and checks that the asker may manage it.
async fn managed_invitation(
    state: &AppState,
    member: &StaffMember,
    id: InvitationId,
) -> AppResult<db::invitations::InvitationRow> {
    let row = db::invitations::find(&state.db, member.provider, id).await?.ok_or(AppError::NotFound)?;
    member.require(if row.is_staff() { Permission::ManageStaff } else { Permission::ManageClients })?;
    Ok(row)
}

/// A staff invitation row's timeline (a client invitation's is on its client's tab).
async fn invitation_timeline(
    state: AppState,
    member: StaffMember,
    Path(id): Path<InvitationId>,
) -> AppResult<Response> {
    let row = managed_invitation(&state, &member, id).await?;
    if !row.is_staff() {
        return Err(AppError::NotFound);
    }
    let lines = history::of_invitation(&state, None, &row).await?;
    let chrome = Chrome::staff(&member).await?;
    let place = format!("{} staff", row.provider_name);
    Ok(client_users::timeline_page(chrome, row.email, &place, lines, "/settings/users"))
}

async fn resend_invitation(
    state: AppState,
    member: StaffMember,
    Path(id): Path<InvitationId>,
) -> AppResult<Response> {
    let row = managed_invitation(&state, &member, id).await?;
    let link = invites::resend(&state, member.user.id, &row).await?.map_err(AppError::BadRequest)?;
    let back = match row.client_id {
        Some(client) => format!("/clients/{client}"),
        None => "/settings/users".into(),
    };
    Ok(InviteSentPage {
        chrome: Chrome::staff(&member).await?,
        heading: "Invitation sent again".into(),
        email: row.email,
        link,
        back_href: back,
        back_label: "Back".into(),
    }
    .into_response())
}

async fn change_invitation_role(
    state: AppState,
    member: StaffMember,
    Path(id): Path<InvitationId>,
    Form(form): Form<RoleForm>,
) -> AppResult<Response> {
    let row = managed_invitation(&state, &member, id).await?;
    if !row.is_staff() {
        return Err(AppError::NotFound);
    }
    let role = StaffRole::parse(&form.role).map_err(|e| AppError::BadRequest(e.0))?;
    if !staff::change_invitation_role(&state, &member, &row, role).await? {
        return Err(AppError::BadRequest("This invitation has already been accepted or removed."));
    }
    session::flash(&member.user.session, format!("Role changed to {} for {}.", role.label(), row.email))
        .await?;
    Ok(Redirect::to("/settings/users").into_response())
}

async fn remove_invitation(
    state: AppState,
    member: StaffMember,
    Path(id): Path<InvitationId>,
    Form(form): Form<ConfirmForm>,
) -> AppResult<Response> {
    let row = managed_invitation(&state, &member, id).await?;
    if !confirmed(&form.confirmed) {
        let action = format!("/settings/users/invitations/{}/remove", row.id);
        let chrome = Chrome::staff(&member).await?;
        let page = ConfirmPage::remove_invitation(chrome, &row.email, action, "/settings/users");
        return Ok(page.into_response());
    }
    if !invites::revoke(&state, member.user.id, &row).await? {
        return Err(AppError::BadRequest("This invitation has already been accepted or removed."));
    }
    session::flash(
        &member.user.session,
        format!("The invitation for {} was removed; its link no longer works.", row.email),
    )
    .await?;
    let back = match row.client_id {
        Some(client) => format!("/clients/{client}"),
        None => "/settings/users".into(),
    };
    Ok(Redirect::to(&back).into_response())
}
