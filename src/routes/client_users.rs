//! The Client Users list and its three-dot menu, shared by the staff app (a client's page and
//! Settings -> User Roles) and the portal (a Client Admin's Users page).

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use crate::auth::second_factor;
use crate::bulk;
use crate::client_access::{self, InviteFields, Manager};
use crate::db;
use crate::db::client_users::{ClientUserRow, Cursor, Listing, RowStatus, Start};
use crate::db::clients::ClientRow;
use crate::db::scope::ClientScope;
use crate::domain::{
    ClientId, ClientKind, ClientRole, CompanyId, EmailAddress, EndDate, InvitationId, MembershipId,
};
use crate::error::{AppError, AppResult};
use crate::history;
use crate::invites;
use crate::state::AppState;
use crate::views::pages::{
    confirmed, BulkResultPage, ChangeCompaniesPage, ConfirmPage, InviteFormPage, InviteSentPage, TimelinePage,
};
use crate::views::timeline::Line;
use crate::views::when::{self, moment, Moment};
use crate::views::{Chrome, FieldErrors, Pager};

pub const PAGE_SIZE: i64 = 25;

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct InviteQuery {
    pub kind: String,
    pub from: String,
}

impl InviteQuery {
    pub fn kind(&self) -> ClientKind {
        if self.kind == "representative" {
            ClientKind::Representative
        } else {
            ClientKind::Client
        }
    }

    pub fn query_string(&self) -> String {
        let mut parts = Vec::new();
        if self.kind() == ClientKind::Representative {
            parts.push("kind=representative");
        }
        if self.from == "settings" {
            parts.push("from=settings");
        }
        if parts.is_empty() {
            String::new()
        } else {
            format!("?{}", parts.join("&"))
        }
    }

    /// The seed pages' labels: "Send Invitation" from Share to Client, "Invite client user"
    /// from Settings -> User Roles, "Invite" for a representative.
    pub fn submit_label(&self) -> &'static str {
        match (self.kind(), self.from.as_str()) {
            (ClientKind::Representative, _) => "Invite",
            (_, "settings") => "Invite client user",
            _ => "Send Invitation",
        }
    }
}

/// Keeps what was typed, bounded, for showing the form again.
pub fn trimmed(mut fields: InviteFields) -> InviteFields {
    let cut = |s: &mut String| *s = s.trim().chars().take(300).collect();
    cut(&mut fields.email);
    cut(&mut fields.name);
    cut(&mut fields.first_name);
    cut(&mut fields.last_name);
    fields
}

/// One row as the table shows it.
pub struct ClientUserView {
    pub anchor: String,
    pub action_base: String,
    pub client_name: String,
    pub client_href: String,
    pub name: String,
    pub email: String,
    pub role: ClientRole,
    pub representative: bool,
    pub companies: String,
    pub status: RowStatus,
    pub invited_by: String,
    pub last_activity: Option<Moment>,
    pub expires: Option<Moment>,
    pub delivery: String,
    pub delivery_failed: bool,
    pub is_invitation: bool,
    pub can_change_email: bool,
    pub declined: bool,
    pub is_self: bool,
    /// "8 December 2026": when access ends (Active) or ended (Ended).
    pub ends_on: Option<String>,
    /// The day as the date field holds it, for Set End Date.
    pub ends_on_value: String,
    pub ended: bool,
    /// Staff may give an active member an end date.
    pub can_set_end: bool,
    /// A provider ADMIN may reset a member's second factor.
    pub can_reset_two_factor: bool,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ListQuery {
    pub q: String,
    #[serde(deserialize_with = "crate::views::lenient_page")]
    pub page: i64,
    /// The cursor of the row before this page (Next) or after it (Previous); one that does not
    /// parse counts as absent, and the page number is used instead.
    pub after: String,
    pub before: String,
}

impl ListQuery {
    fn start(&self, page: i64) -> Start {
        if let Some(c) = parse_cursor(&self.after) {
            Start::After(c)
        } else if let Some(c) = parse_cursor(&self.before) {
            Start::Before(c)
        } else {
            Start::Offset((page - 1) * PAGE_SIZE)
        }
    }
}

/// A cursor in a link: the row's id, a dot, and its sort key in URL-safe base64.
pub fn format_cursor(c: &Cursor) -> String {
    use base64::Engine;
    format!("{}.{}", c.row_id, base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(&c.sort_key))
}

pub fn parse_cursor(raw: &str) -> Option<Cursor> {
    use base64::Engine;
    let (id, key) = raw.split_once('.')?;
    let sort_key = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(key).ok()?;
    let sort_key = String::from_utf8(sort_key).ok().filter(|k| k.len() <= 1000 && !k.contains('\0'))?;
    Some(Cursor { sort_key, row_id: id.parse().ok()? })
}

/// The rows of one page, with the pager. `base_for` gives the action prefix for a client.
pub async fn list(
    state: &AppState,
    manager: Manager<'_>,
    client: Option<ClientScope>,
    assigned_to: Option<crate::domain::UserId>,
    query: &ListQuery,
    path: &str,
    base_for: impl Fn(ClientId) -> String,
) -> AppResult<(Vec<ClientUserView>, Pager)> {
    let search: String = query.q.trim().chars().take(200).collect();
    let mut page = query.page.clamp(1, 100_000);
    let from = query.start(page);
    let listing = Listing {
        provider: manager.provider(),
        client,
        assigned_to,
        within: manager.within(),
        search: &search,
        limit: PAGE_SIZE,
        from,
    };
    let found = db::client_users::page(&state.db, listing).await?;
    // Going back past the start (the list changed meanwhile) lands on the first page.
    if !found.has_prev {
        page = 1;
    }
    let cursor =
        |r: &ClientUserRow| format_cursor(&Cursor { sort_key: r.sort_key.clone(), row_id: r.row_id });
    let pager = Pager::keyset(
        path,
        &search,
        page,
        PAGE_SIZE,
        found.total,
        db::client_users::COUNT_CAP,
        found.has_prev.then(|| found.rows.first().map(cursor)).flatten(),
        found.has_next.then(|| found.rows.last().map(cursor)).flatten(),
    );
    let views = found.rows.iter().map(|row| view(row, manager, &base_for(row.client_id))).collect();
    Ok((views, pager))
}

fn view(row: &ClientUserRow, manager: Manager<'_>, base: &str) -> ClientUserView {
    let status = row.status;
    let (delivery, delivery_failed) = match (&row.delivery_state, &row.delivery_error) {
        (None, _) => (String::new(), false),
        (Some(state), Some(error)) if *state != db::outbox::OutboxState::Sent => {
            (format!("{}: {error}", if state.label() == "queued" { "retrying" } else { "failed" }), true)
        }
        (Some(state), _) => (state.label().to_string(), false),
    };
    let kind = if row.is_invitation { "invitations" } else { "members" };
    ClientUserView {
        anchor: format!("{}-{}", if row.is_invitation { "invitation" } else { "member" }, row.row_id),
        action_base: format!("{base}/{kind}/{}", row.row_id),
        client_name: row.client_name.clone(),
        client_href: format!("/clients/{}", row.client_id),
        name: row.name.clone(),
        email: row.email.clone(),
        role: row.role,
        representative: row.kind == ClientKind::Representative,
        companies: row.companies.join(", "),
        status,
        invited_by: row.invited_by.clone().unwrap_or_else(|| "Portico".into()),
        last_activity: row.last_activity.map(moment),
        expires: row.expires_at.map(moment),
        delivery,
        delivery_failed,
        is_invitation: row.is_invitation,
        can_change_email: matches!(status, RowStatus::Invited | RowStatus::Expired),
        declined: status == RowStatus::Declined,
        is_self: row.user_id == Some(manager.user_id()),
        ends_on: row.ends_on.map(when::date),
        ends_on_value: row.ends_on.map(|d| d.to_string()).unwrap_or_default(),
        ended: status == RowStatus::Ended,
        can_set_end: status == RowStatus::Active && matches!(manager, Manager::Staff(_)),
        can_reset_two_factor: status == RowStatus::Active
            && matches!(manager, Manager::Staff(m) if m.can(crate::domain::Permission::ManageStaff)),
    }
}

/// A row's menu action as its address names it: `{kind}/{row}/{action}`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RowAction {
    Member(MembershipId, MemberAction),
    Invitation(InvitationId, InvitationAction),
}

impl RowAction {
    /// An action the row's kind does not have answers 404, like any other unknown address.
    pub fn parse((kind, row, action): (RowKind, uuid::Uuid, String)) -> AppResult<Self> {
        use serde::de::{value, IntoDeserializer};
        let action: value::StrDeserializer<'_, value::Error> = action.as_str().into_deserializer();
        match kind {
            RowKind::Members => MemberAction::deserialize(action).map(|a| Self::Member(MembershipId(row), a)),
            RowKind::Invitations => {
                InvitationAction::deserialize(action).map(|a| Self::Invitation(InvitationId(row), a))
            }
        }
        .map_err(|_| AppError::NotFound)
    }
}

/// A menu action, posted from a row's menu or from the page it opened.
pub async fn act(
    state: &AppState,
    manager: Manager<'_>,
    client: ClientScope,
    action: RowAction,
    form: ActionForm,
    place: &Place<'_>,
) -> AppResult<Response> {
    match action {
        RowAction::Member(id, action) => member_action(state, manager, client, id, action, form, place).await,
        RowAction::Invitation(id, action) => {
            invitation_action(state, manager, client, id, action, form, place).await
        }
    }
}

/// The page a menu action opens: only Change Companies has one.
pub async fn action_page(
    state: &AppState,
    manager: Manager<'_>,
    client: ClientScope,
    action: RowAction,
    place: &Place<'_>,
) -> AppResult<Response> {
    let (email, scope, segment, id) = match action {
        RowAction::Member(id, MemberAction::Companies) => {
            let member = client_access::member_for(state, manager, client, id).await?;
            if member.ended {
                return Err(AppError::BadRequest(client_access::ACCESS_ENDED));
            }
            (member.email, member.scope, "members", id.0)
        }
        RowAction::Invitation(id, InvitationAction::Companies) => {
            let invitation = client_access::invitation_for(state, manager, client, id).await?;
            if !still_open(&invitation) {
                return Err(AppError::BadRequest(ALREADY_CLOSED));
            }
            let scope = db::invitations::companies_of(&state.db, &invitation).await?;
            (invitation.email, scope, "invitations", id.0)
        }
        _ => return Err(AppError::NotFound),
    };
    let ticked: Vec<String> = scope.iter().map(CompanyId::to_string).collect();
    let action = format!("{}/{segment}/{id}/companies", place.users);
    ChangeCompanies { email, action }.page(state, manager, client, &ticked, None, place.back).await
}

/// What a member row's three-dot menu does (the last segment of its form's address).
#[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum MemberAction {
    /// Sends a password reset (the member has an account already).
    Resend,
    Role,
    Companies,
    /// Set End Date: the day access ends, a later one, or none (staff only).
    End,
    Remove,
    /// Reset the second factor of someone who lost it (a provider ADMIN only).
    #[serde(rename = "reset-two-factor")]
    ResetTwoFactor,
}

/// What an invitation row's three-dot menu does.
#[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum InvitationAction {
    Resend,
    Email,
    Role,
    Companies,
    Remove,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ActionForm {
    pub role: String,
    pub email: String,
    pub companies: Vec<String>,
    pub ends_on: String,
    /// `1` once the confirmation step of Remove or Change Email was taken.
    pub confirmed: String,
}

/// Where the list lives: the page to return to, and the prefix of its rows' addresses.
pub struct Place<'a> {
    pub back: &'a str,
    pub users: &'a str,
}

/// The page chrome of whoever manages.
async fn chrome_of(manager: Manager<'_>) -> AppResult<Chrome> {
    match manager {
        Manager::Staff(m) => Chrome::staff(m).await,
        Manager::ClientAdmin(m) => Chrome::portal(m).await,
    }
}

/// A menu action on a member's row.
async fn member_action(
    state: &AppState,
    manager: Manager<'_>,
    client: ClientScope,
    id: MembershipId,
    action: MemberAction,
    form: ActionForm,
    place: &Place<'_>,
) -> AppResult<Response> {
    let back = place.back;
    let member = client_access::member_for(state, manager, client, id).await?;
    let here = format!("{}/members/{}", place.users, member.id);
    if member.ended && action != MemberAction::Remove {
        return Err(AppError::BadRequest(client_access::ACCESS_ENDED));
    }
    if action == MemberAction::Remove && !confirmed(&form.confirmed) {
        let mut lines = vec![format!(
            "{} will lose access to this organisation at once: any page they have open stops working.",
            member.email
        )];
        if member.role == ClientRole::ClientAdmin {
            lines.push("The invitations they sent that are still open will be withdrawn.".into());
        }
        lines.push("Their account and their access to any other organisation stay as they are.".into());
        let action = format!("{here}/remove");
        let heading = format!("Remove {}?", member.email);
        let page = ConfirmPage::remove(chrome_of(manager).await?, heading, lines, action, place.back);
        return Ok(page.into_response());
    }
    let flash = match action {
        MemberAction::Resend => {
            client_access::resend_to_member(state, manager, &member).await?;
            format!("A password reset email is on its way to {}.", member.email)
        }
        MemberAction::Role => {
            let role = ClientRole::parse_chosen(&form.role).map_err(|e| AppError::BadRequest(e.0))?;
            client_access::change_member_role(state, manager, &member, role).await?;
            format!("Role changed to {} for {}.", role.label(), member.email)
        }
        MemberAction::Companies => {
            let companies =
                match client_access::check_companies(state, manager, client, &form.companies).await? {
                    Ok(companies) => companies,
                    Err(why) => {
                        let form_of =
                            ChangeCompanies { email: member.email, action: format!("{here}/companies") };
                        return form_of.page(state, manager, client, &form.companies, Some(why), back).await;
                    }
                };
            client_access::change_member_companies(state, manager, &member, &companies).await?;
            format!("Companies updated for {}.", member.email)
        }
        MemberAction::End => {
            let ends_on =
                EndDate::parse(&form.ends_on, state.clock.today()).map_err(|e| AppError::BadRequest(e.0))?;
            client_access::set_member_end(state, manager, &member, ends_on).await?;
            match ends_on {
                Some(day) => format!("{}'s access ends on {}.", member.email, when::date(day.date())),
                None => format!("{}'s access no longer has an end date.", member.email),
            }
        }
        MemberAction::Remove => {
            client_access::remove_member(state, manager, &member).await?;
            format!("{} no longer has access to this organisation.", member.email)
        }
        MemberAction::ResetTwoFactor => {
            let Manager::Staff(admin) = manager else {
                return Err(AppError::Forbidden);
            };
            match second_factor::reset_by_admin(state, admin, member.user_id, &member.email).await? {
                Ok(()) => format!(
                    "Two-factor authentication was reset for {}; they have been emailed.",
                    member.email
                ),
                Err(why) => why.to_string(),
            }
        }
    };
    crate::routes::done(&session_of(manager), flash, back).await
}

const ALREADY_CLOSED: &str = "This invitation has already been accepted or removed.";

/// An invitation its row's menu may still change: pending (or expired, which is pending past its
/// window) or declined.
fn still_open(invitation: &db::invitations::InvitationRow) -> bool {
    use db::invitations::StoredStatus;
    matches!(invitation.status, StoredStatus::Pending | StoredStatus::Declined)
}

/// A menu action on an invitation's row.
async fn invitation_action(
    state: &AppState,
    manager: Manager<'_>,
    client: ClientScope,
    id: InvitationId,
    action: InvitationAction,
    form: ActionForm,
    place: &Place<'_>,
) -> AppResult<Response> {
    let back = place.back;
    let row = client_access::invitation_for(state, manager, client, id).await?;
    let here = format!("{}/invitations/{}", place.users, row.id);
    if action == InvitationAction::Remove && !confirmed(&form.confirmed) {
        let chrome = chrome_of(manager).await?;
        let page = ConfirmPage::remove_invitation(chrome, &row.email, format!("{here}/remove"), back);
        return Ok(page.into_response());
    }
    if action == InvitationAction::Email && !confirmed(&form.confirmed) {
        let email = EmailAddress::parse(&form.email).map_err(|e| AppError::BadRequest(e.0))?;
        let page = ConfirmPage {
            chrome: chrome_of(manager).await?,
            heading: format!("Send the invitation to {} instead?", email.as_str()),
            lines: vec![
                format!("The link sent to {} will stop working.", row.email),
                format!("{} will get a new invitation with a new link.", email.as_str()),
            ],
            action: format!("{here}/email"),
            carried: vec![("email", email.as_str().to_string())],
            button: "Change Email",
            cancel_href: back.into(),
        };
        return Ok(page.into_response());
    }
    let flash = match action {
        InvitationAction::Resend => {
            let link =
                invites::resend(state, manager.user_id(), &row).await?.map_err(AppError::BadRequest)?;
            let chrome = chrome_of(manager).await?;
            return Ok(sent_page(chrome, "Invitation sent again", row.email.clone(), link, back));
        }
        InvitationAction::Email => {
            let link = client_access::change_invitation_email(state, manager, &row, &form.email)
                .await?
                .map_err(|problem| AppError::BadRequest(problem.message()))?;
            let email = form.email.trim().to_lowercase();
            let chrome = chrome_of(manager).await?;
            return Ok(sent_page(chrome, "Invitation sent to the new address", email, link, back));
        }
        InvitationAction::Role => {
            let role = ClientRole::parse_chosen(&form.role).map_err(|e| AppError::BadRequest(e.0))?;
            if !client_access::change_invitation_role(state, manager, &row, role).await? {
                return Err(AppError::BadRequest(ALREADY_CLOSED));
            }
            format!("Role changed to {} for {}.", role.label(), row.email)
        }
        InvitationAction::Companies => {
            if !still_open(&row) {
                return Err(AppError::BadRequest(ALREADY_CLOSED));
            }
            let companies = match client_access::check_companies(state, manager, client, &form.companies)
                .await?
            {
                Ok(companies) => companies,
                Err(why) => {
                    let form_of = ChangeCompanies { email: row.email, action: format!("{here}/companies") };
                    return form_of.page(state, manager, client, &form.companies, Some(why), back).await;
                }
            };
            client_access::change_invitation_companies(state, manager, &row, &companies).await?;
            format!("Companies updated for {}.", row.email)
        }
        InvitationAction::Remove => {
            if !invites::revoke(state, manager.user_id(), &row).await? {
                return Err(AppError::BadRequest(ALREADY_CLOSED));
            }
            format!("The invitation for {} was removed; its link no longer works.", row.email)
        }
    };
    crate::routes::done(&session_of(manager), flash, back).await
}

/// Invite several people: reads the list, the file, and the role and companies they default to,
/// then invites each row on its own (`bulk::invite_all`) and shows what became of each.
pub async fn invite_bulk(
    state: &AppState,
    manager: Manager<'_>,
    chrome: Chrome,
    client: &ClientRow,
    mut upload: axum::extract::Multipart,
    back: &str,
) -> AppResult<Response> {
    let unreadable = |_| AppError::BadRequest("The upload could not be read.");
    let (mut list, mut file, mut defaults) =
        (String::new(), Vec::new(), bulk::Defaults { role: String::new(), companies: Vec::new() });
    let mut fields = 0;
    while let Some(field) = upload.next_field().await.map_err(unreadable)? {
        fields += 1;
        if fields > 1000 {
            return Err(AppError::BadRequest("The form has too many fields."));
        }
        match field.name().unwrap_or_default() {
            "list" => list = field.text().await.map_err(unreadable)?,
            "csv" => file = field.bytes().await.map_err(unreadable)?.to_vec(),
            "role" => defaults.role = field.text().await.map_err(unreadable)?,
            "companies" => defaults.companies.push(field.text().await.map_err(unreadable)?),
            _ => {}
        }
    }
    let mut rows = bulk::parse_list(&list);
    if !file.is_empty() {
        rows.extend(bulk::parse_csv(&file).map_err(AppError::BadRequest)?);
    }
    if rows.is_empty() {
        return Err(AppError::BadRequest(bulk::NOTHING));
    }
    if rows.len() > bulk::MAX_ROWS {
        return Err(AppError::BadRequest(bulk::TOO_MANY));
    }
    let outcomes = bulk::invite_all(state, manager, client, rows, &defaults).await?;
    let sent = outcomes.iter().filter(|o| o.sent).count();
    let page = BulkResultPage {
        chrome,
        client_name: client.name.clone(),
        sent,
        not_sent: outcomes.len() - sent,
        outcomes,
        back_href: back.into(),
    };
    Ok(page.into_response())
}

/// Which kind of row an address names: `members/<id>` or `invitations/<id>`.
#[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum RowKind {
    Members,
    Invitations,
}

/// A row's timeline (its menu's Timeline), for a row the manager may see in `client`.
pub async fn timeline(
    state: &AppState,
    manager: Manager<'_>,
    chrome: Chrome,
    client: &ClientRow,
    (kind, row): (RowKind, uuid::Uuid),
    back: &str,
) -> AppResult<Response> {
    let (who, lines) = match kind {
        RowKind::Members => {
            let member = client_access::member_for(state, manager, client.scope(), MembershipId(row)).await?;
            let lines = history::of_member(state, manager, &member).await?;
            (member.email, lines)
        }
        RowKind::Invitations => {
            let invitation =
                client_access::invitation_for(state, manager, client.scope(), InvitationId(row)).await?;
            let lines = history::of_invitation(state, Some((manager, client.scope())), &invitation).await?;
            (invitation.email, lines)
        }
    };
    Ok(timeline_page(chrome, who, &client.name, lines, back))
}

/// Whose companies a Change Companies page changes, and where it posts.
struct ChangeCompanies {
    email: String,
    action: String,
}

impl ChangeCompanies {
    /// The page with `ticked` ticked; with `error`, the refused form again (422).
    async fn page(
        self,
        state: &AppState,
        manager: Manager<'_>,
        client: ClientScope,
        ticked: &[String],
        error: Option<&'static str>,
        back: &str,
    ) -> AppResult<Response> {
        let page = ChangeCompaniesPage {
            chrome: chrome_of(manager).await?,
            email: self.email,
            action: self.action,
            companies: client_access::company_choices(state, manager, client, ticked).await?,
            error,
            cancel_href: back.into(),
        };
        let status = if error.is_some() { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
        Ok((status, page).into_response())
    }
}

pub fn timeline_page(chrome: Chrome, who: String, place: &str, lines: Vec<Line>, back: &str) -> Response {
    TimelinePage { chrome, who, place: place.into(), lines, back_href: back.into() }.into_response()
}

fn session_of(manager: Manager<'_>) -> tower_sessions::Session {
    match manager {
        Manager::Staff(m) => m.user.session.clone(),
        Manager::ClientAdmin(m) => m.user.session.clone(),
    }
}

/// One client's invite form as a manager first sees it. `users` is where the client's users live
/// on this host (`/users`, `/clients/{id}/users`); the form and "Invite several people" post there.
pub fn invite_form_page(
    chrome: Chrome,
    client_name: String,
    users: &str,
    query: &InviteQuery,
    fields: InviteFields,
    companies: Vec<client_access::CompanyChoice>,
    cancel_href: String,
) -> InviteFormPage {
    InviteFormPage {
        chrome,
        client_name,
        action: format!("{users}/invite{}", query.query_string()),
        representative: query.kind() == ClientKind::Representative,
        fields,
        companies,
        errors: FieldErrors::default(),
        already_member: None,
        pending_resend: None,
        submit_label: query.submit_label(),
        cancel_href,
        can_make_admin: true,
        can_set_end: false,
        bulk_action: format!("{users}/invite-bulk"),
    }
}

/// "Invitation sent", after the invite form: the address as it was sent to, and its link.
pub fn invited_page(chrome: Chrome, fields: &InviteFields, link: String, back: &str) -> Response {
    sent_page(chrome, "Invitation sent", fields.email.trim().to_lowercase(), link, back)
}

pub fn sent_page(chrome: Chrome, heading: &str, email: String, link: String, back: &str) -> Response {
    (
        StatusCode::OK,
        InviteSentPage {
            chrome,
            heading: heading.into(),
            email,
            link,
            back_href: back.into(),
            back_label: "Back to the users".into(),
        },
    )
        .into_response()
}
