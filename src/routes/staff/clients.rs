//! Clients and their companies in the staff app: the list, a client's page with Share to Client
//! and its tabs, the email on file, the "declined portal access" record, and staff assignments.

use askama::Template;
use askama_web::WebTemplate;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use serde::Deserialize;

use crate::auth::StaffMember;
use crate::client_access::{self, staff_visibility, InviteFields, Manager};
use crate::clients;
use crate::db;
use crate::db::clients::{AssigneeRow, ClientRow, CompanyRow};
use crate::domain::{ClientId, CompanyId, EmailAddress, Permission, PersonName, UserId};
use crate::error::{AppError, AppResult};
use crate::routes::client_users::{
    self, trimmed, ActionForm, ClientUserView, InviteQuery, ListQuery, Place, RowAction, RowKind,
};
use crate::routes::form::{Form, Path, Query, Upload};
use crate::routes::staff::scoped::{self, Allowed, ManageClients, ManagedClient, VisibleClient};
use crate::state::AppState;
use crate::views::pages::{confirmed, ConfirmPage, InviteFormPage};
use crate::views::when::{moment, Moment};
use crate::views::FieldErrors;
use crate::views::{Chrome, Pager};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/clients", get(list).post(create))
        .route("/clients/{id}", get(client_page))
        .route("/clients/{id}/companies", get(companies_page).post(add_company))
        .route("/clients/{id}/companies/{company}/rename", post(rename_company))
        .route("/clients/{id}/contact-email", post(change_contact_email))
        .route("/clients/{id}/declined", post(record_declined))
        .route("/clients/{id}/declined/clear", post(clear_declined))
        .route("/clients/{id}/assignments", post(assign))
        .route("/clients/{id}/assignments/{user}/remove", post(unassign))
        .route("/clients/{id}/users/invite", get(invite_form).post(invite))
        .route("/clients/{id}/users/invite-bulk", post(invite_bulk))
        .route("/clients/{id}/users/{kind}/{row}", get(timeline))
        .route("/clients/{id}/users/{kind}/{row}/{action}", get(action_page).post(act))
        .route("/settings/users/invite-client", get(choose_client))
}

struct ClientListRow {
    id: ClientId,
    name: String,
    contact_email: String,
    declined: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "staff/clients.html")]
struct ClientsPage {
    chrome: Chrome,
    clients: Vec<ClientListRow>,
    pager: Pager,
    can_manage: bool,
    name: String,
    contact_email: String,
    errors: FieldErrors,
}

const CLIENTS_PER_PAGE: i64 = 25;

async fn clients_page(state: &AppState, member: &StaffMember, query: &ListQuery) -> AppResult<ClientsPage> {
    let search: String = query.q.trim().chars().take(200).collect();
    let page = query.page.clamp(1, 100_000);
    let (rows, total) = db::clients::page(
        &state.db,
        member.provider,
        staff_visibility(member),
        &search,
        CLIENTS_PER_PAGE,
        (page - 1) * CLIENTS_PER_PAGE,
    )
    .await?;
    Ok(ClientsPage {
        chrome: Chrome::staff(member).await?,
        clients: rows
            .into_iter()
            .map(|c| ClientListRow {
                id: c.id,
                name: c.name,
                contact_email: c.contact_email.unwrap_or_default(),
                declined: c.declined_at.is_some(),
            })
            .collect(),
        pager: Pager::new("/clients", &search, page, CLIENTS_PER_PAGE, total),
        can_manage: member.can(Permission::ManageClients),
        name: String::new(),
        contact_email: String::new(),
        errors: FieldErrors::default(),
    })
}

async fn list(
    state: AppState,
    member: StaffMember,
    Query(query): Query<ListQuery>,
) -> AppResult<impl IntoResponse> {
    clients_page(&state, &member, &query).await
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct NewClientForm {
    name: String,
    contact_email: String,
}

async fn create(
    Allowed { state, member, .. }: Allowed<ManageClients>,
    Form(form): Form<NewClientForm>,
) -> AppResult<Response> {
    let mut errors = FieldErrors::default();
    let name =
        errors.take("name", PersonName::parse(&form.name, "Enter the client's name").map_err(long_name));
    let email = if form.contact_email.trim().is_empty() {
        Some(None)
    } else {
        errors.take("contact_email", EmailAddress::parse(&form.contact_email)).map(Some)
    };
    let (Some(name), Some(email)) = (name, email) else {
        let mut page = clients_page(&state, &member, &ListQuery::default()).await?;
        page.name = form.name.chars().take(300).collect();
        page.contact_email = form.contact_email.chars().take(300).collect();
        page.errors = errors;
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
    };
    let id = clients::create(&state, &member, &name, email.as_ref()).await?;
    Ok(Redirect::to(&format!("/clients/{id}")).into_response())
}

/// Client and company names may be longer than a person's name.
fn long_name(e: crate::domain::Invalid) -> crate::domain::Invalid {
    if e.0.starts_with("Names must") {
        crate::domain::Invalid("Names must be at most 100 characters")
    } else {
        e
    }
}

pub struct ClientView {
    pub id: ClientId,
    pub name: String,
    pub contact_email: String,
    pub declined: Option<Moment>,
    pub declined_by: String,
    pub declined_note: String,
}

impl ClientView {
    /// The address of one of the client's tabs (`""` is the Client Users tab).
    pub fn path(&self, tab: &str) -> String {
        format!("/clients/{}{tab}", self.id)
    }
}

impl From<&ClientRow> for ClientView {
    fn from(c: &ClientRow) -> Self {
        Self {
            id: c.id,
            name: c.name.clone(),
            contact_email: c.contact_email.clone().unwrap_or_default(),
            declined: c.declined_at.map(moment),
            declined_by: c.declined_by_name.clone().unwrap_or_default(),
            declined_note: c.declined_note.clone().unwrap_or_default(),
        }
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "staff/client.html")]
struct ClientPage {
    chrome: Chrome,
    client: ClientView,
    can_manage: bool,
    rows: Vec<ClientUserView>,
    pager: Pager,
    assignees: Vec<AssigneeRow>,
    /// Some staff USER is not assigned yet, so Assign has someone to offer.
    can_assign: bool,
    show_client: bool,
}

async fn client_page(
    VisibleClient { state, member, client }: VisibleClient,
    Query(query): Query<ListQuery>,
) -> AppResult<impl IntoResponse> {
    let can_manage = member.can(Permission::ManageClients);
    let path = format!("/clients/{}", client.id);
    let ((rows, pager), assignees) = tokio::try_join!(
        client_users::list(
            &state,
            Manager::Staff(&member),
            Some(client.scope()),
            None,
            &query,
            &path,
            |c| format!("/clients/{c}/users"),
        ),
        async {
            if can_manage {
                Ok(db::clients::assignees(&state.db, client.scope()).await?)
            } else {
                Ok(Vec::new())
            }
        },
    )?;
    Ok(ClientPage {
        chrome: Chrome::staff(&member).await?,
        client: ClientView::from(&client),
        can_manage,
        rows,
        pager,
        can_assign: assignees.iter().any(|a| !a.assigned),
        assignees,
        show_client: false,
    })
}

#[derive(Template, WebTemplate)]
#[template(path = "staff/client_companies.html")]
struct CompaniesPage {
    chrome: Chrome,
    client: ClientView,
    can_manage: bool,
    companies: Vec<CompanyRow>,
    error: Option<String>,
}

async fn companies_page(
    VisibleClient { state, member, client }: VisibleClient,
) -> AppResult<impl IntoResponse> {
    Ok(CompaniesPage {
        chrome: Chrome::staff(&member).await?,
        companies: db::clients::companies(&state.db, client.scope()).await?,
        client: ClientView::from(&client),
        can_manage: member.can(Permission::ManageClients),
        error: None,
    })
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct NameForm {
    name: String,
}

async fn add_company(
    ManagedClient { state, member, client }: ManagedClient,
    Form(form): Form<NameForm>,
) -> AppResult<Response> {
    let name = match PersonName::parse(&form.name, "Enter the company's name") {
        Ok(n) => n,
        Err(e) => {
            let page = CompaniesPage {
                chrome: Chrome::staff(&member).await?,
                companies: db::clients::companies(&state.db, client.scope()).await?,
                client: ClientView::from(&client),
                can_manage: true,
                error: Some(e.0.to_string()),
            };
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
        }
    };
    clients::add_company(&state, &member, &client, &name).await?;
    crate::routes::done(
        &member.user.session,
        format!("Company {} added.", name.as_str()),
        &format!("/clients/{}/companies", client.id),
    )
    .await
}

async fn rename_company(
    ManagedClient { state, member, client }: ManagedClient,
    Path((_, company)): Path<(ClientId, CompanyId)>,
    Form(form): Form<NameForm>,
) -> AppResult<Response> {
    let name =
        PersonName::parse(&form.name, "Enter the company's name").map_err(|e| AppError::BadRequest(e.0))?;
    if !clients::rename_company(&state, &member, &client, company, &name).await? {
        return Err(AppError::NotFound);
    }
    crate::routes::done(
        &member.user.session,
        format!("Company renamed to {}.", name.as_str()),
        &format!("/clients/{}/companies", client.id),
    )
    .await
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct EmailForm {
    email: String,
}

async fn change_contact_email(
    ManagedClient { state, member, client }: ManagedClient,
    Form(form): Form<EmailForm>,
) -> AppResult<Response> {
    let email = if form.email.trim().is_empty() {
        None
    } else {
        Some(EmailAddress::parse(&form.email).map_err(|e| AppError::BadRequest(e.0))?)
    };
    clients::set_contact_email(&state, &member, &client, email.as_ref()).await?;
    crate::routes::done(
        &member.user.session,
        "The client's email was changed.",
        &format!("/clients/{}", client.id),
    )
    .await
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct NoteForm {
    note: String,
    confirmed: String,
}

async fn record_declined(
    ManagedClient { state, member, client }: ManagedClient,
    Form(form): Form<NoteForm>,
) -> AppResult<Response> {
    let note = form.note.trim();
    if note.chars().count() > 2000 {
        return Err(AppError::BadRequest("The note must be at most 2000 characters."));
    }
    if !confirmed(&form.confirmed) {
        let page = ConfirmPage {
            chrome: Chrome::staff(&member).await?,
            heading: format!("Record that {} declined portal access?", client.name),
            lines: vec![
                format!(
                    "{}'s page will say they declined portal access{}.",
                    client.name,
                    if note.is_empty() { String::new() } else { format!(": “{note}”") }
                ),
                "You can still invite their people later, and clear the record at any time.".into(),
            ],
            action: format!("/clients/{}/declined", client.id),
            carried: vec![("note", note.to_string())],
            button: "Client declined",
            cancel_href: format!("/clients/{}", client.id),
        };
        return Ok(page.into_response());
    }
    clients::set_declined(&state, &member, &client, Some(note)).await?;
    crate::routes::done(
        &member.user.session,
        "Recorded: the client declined portal access.",
        &format!("/clients/{}", client.id),
    )
    .await
}

async fn clear_declined(ManagedClient { state, member, client }: ManagedClient) -> AppResult<Response> {
    clients::set_declined(&state, &member, &client, None).await?;
    Ok(Redirect::to(&format!("/clients/{}", client.id)).into_response())
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct AssignForm {
    user: String,
}

async fn assign(
    ManagedClient { state, member, client }: ManagedClient,
    Form(form): Form<AssignForm>,
) -> AppResult<Response> {
    let user: UserId =
        form.user.parse().map_err(|_| AppError::BadRequest("Choose a staff user to assign"))?;
    if !clients::set_assigned(&state, &member, &client, user, true).await? {
        return Err(AppError::BadRequest("Only staff with the USER role can be assigned, once."));
    }
    Ok(Redirect::to(&format!("/clients/{}", client.id)).into_response())
}

async fn unassign(
    ManagedClient { state, member, client }: ManagedClient,
    Path((_, user)): Path<(ClientId, UserId)>,
) -> AppResult<Response> {
    if !clients::set_assigned(&state, &member, &client, user, false).await? {
        return Err(AppError::NotFound);
    }
    Ok(Redirect::to(&format!("/clients/{}", client.id)).into_response())
}

async fn invite_page(
    state: &AppState,
    member: &StaffMember,
    client: &ClientRow,
    query: &InviteQuery,
    fields: InviteFields,
) -> AppResult<InviteFormPage> {
    let companies =
        client_access::company_choices(state, Manager::Staff(member), client.scope(), &fields.companies)
            .await?;
    let mut fields = fields;
    if fields.email.is_empty() && fields.role.is_empty() {
        fields.email = client.contact_email.clone().unwrap_or_default();
    }
    let cancel_href =
        if query.from == "settings" { "/settings/users".into() } else { format!("/clients/{}", client.id) };
    let users = format!("/clients/{}/users", client.id);
    let chrome = Chrome::staff(member).await?;
    let page = client_users::invite_form_page(
        chrome,
        client.name.clone(),
        &users,
        query,
        fields,
        companies,
        cancel_href,
    );
    // Staff may give the access an end date; a Client Admin may not.
    Ok(InviteFormPage { can_set_end: true, ..page })
}

async fn invite_form(
    ManagedClient { state, member, client }: ManagedClient,
    Query(query): Query<InviteQuery>,
) -> AppResult<impl IntoResponse> {
    invite_page(&state, &member, &client, &query, InviteFields::default()).await
}

async fn invite(
    ManagedClient { state, member, client }: ManagedClient,
    Query(query): Query<InviteQuery>,
    Form(fields): Form<InviteFields>,
) -> AppResult<Response> {
    let manager = Manager::Staff(&member);
    let result = client_access::invite(&state, manager, &client, query.kind(), &fields).await?;
    let back = format!("/clients/{}", client.id);
    let problem = match result {
        Ok(issued) => {
            return Ok(client_users::invited_page(Chrome::staff(&member).await?, &fields, issued.link, &back))
        }
        Err(problem) => problem,
    };
    let page = invite_page(&state, &member, &client, &query, trimmed(fields)).await?;
    Ok(page.refused(problem, &format!("/clients/{}/users", client.id)))
}

async fn invite_bulk(
    ManagedClient { state, member, client }: ManagedClient,
    request: axum::extract::Request,
) -> AppResult<Response> {
    let manager = Manager::Staff(&member);
    let upload = Upload::read(request).await?;
    let chrome = Chrome::staff(&member).await?;
    let back = format!("/clients/{}", client.id);
    client_users::invite_bulk(&state, manager, chrome, &client, upload, &back).await
}

async fn timeline(
    state: AppState,
    member: StaffMember,
    Path((id, kind, row)): Path<(ClientId, RowKind, uuid::Uuid)>,
) -> AppResult<Response> {
    let manager = Manager::Staff(&member);
    let client = client_access::client_for(&state, manager, id).await?;
    let back = format!("/clients/{}", client.id);
    let chrome = Chrome::staff(&member).await?;
    client_users::timeline(&state, manager, chrome, &client, (kind, row), &back).await
}

/// Where a client's rows are listed, and the prefix of their addresses.
fn client_place(client: &ClientRow) -> (String, String) {
    (format!("/clients/{}", client.id), format!("/clients/{}/users", client.id))
}

async fn action_page(
    state: AppState,
    member: StaffMember,
    Path((id, kind, row, action)): Path<(ClientId, RowKind, uuid::Uuid, String)>,
) -> AppResult<Response> {
    let action = RowAction::parse((kind, row, action))?;
    let manager = Manager::Staff(&member);
    let client = client_access::client_for(&state, manager, id).await?;
    let (back, users) = client_place(&client);
    let place = Place { back: &back, users: &users };
    client_users::action_page(&state, manager, client.scope(), action, &place).await
}

async fn act(
    state: AppState,
    member: StaffMember,
    Path((id, kind, row, action)): Path<(ClientId, RowKind, uuid::Uuid, String)>,
    Form(form): Form<ActionForm>,
) -> AppResult<Response> {
    let action = RowAction::parse((kind, row, action))?;
    let manager = Manager::Staff(&member);
    let client = client_access::client_for(&state, manager, id).await?;
    let (back, users) = client_place(&client);
    let place = Place { back: &back, users: &users };
    client_users::act(&state, manager, client.scope(), action, form, &place).await
}

#[derive(Template, WebTemplate)]
#[template(path = "staff/choose_client.html")]
struct ChooseClientPage {
    chrome: Chrome,
    clients: Vec<(ClientId, String)>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct ChooseClientQuery {
    client: String,
}

/// Settings -> User Roles -> Invite client user: first choose the client.
async fn choose_client(
    Allowed { state, member, .. }: Allowed<ManageClients>,
    Query(q): Query<ChooseClientQuery>,
) -> AppResult<Response> {
    if !q.client.is_empty() {
        let chosen = q.client.parse().map_err(|_| AppError::NotFound)?;
        let client = scoped::visible(&state, &member, chosen).await?;
        return Ok(
            Redirect::to(&format!("/clients/{}/users/invite?from=settings", client.id)).into_response()
        );
    }
    let clients = db::clients::all_visible(&state.db, member.provider, staff_visibility(&member)).await?;
    Ok(ChooseClientPage { chrome: Chrome::staff(&member).await?, clients }.into_response())
}
