//! The Client Admin's Users page: the same list, form and menu as staff have, held to the Client
//! Admin's own organisation and company scope.

use askama::Template;
use askama_web::WebTemplate;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;

use crate::auth::ClientMember;
use crate::client_access::{self, InviteFields, Manager};
use crate::error::AppResult;
use crate::routes::client_users::{
    self, trimmed, ActionForm, ClientUserView, InviteQuery, ListQuery, Place, RowAction, RowKind,
};
use crate::routes::form::{Form, Path, Query, Upload};
use crate::state::AppState;
use crate::views::pages::InviteFormPage;
use crate::views::{Chrome, Pager};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/users", get(list))
        .route("/users/invite", get(invite_form).post(invite))
        .route("/users/invite-bulk", post(invite_bulk))
        .route("/users/{kind}/{row}", get(timeline))
        .route("/users/{kind}/{row}/{action}", get(action_page).post(act))
}

#[derive(Template, WebTemplate)]
#[template(path = "portal/users.html")]
struct UsersPage {
    chrome: Chrome,
    organisation: String,
    rows: Vec<ClientUserView>,
    pager: Pager,
    can_manage: bool,
    show_client: bool,
}

async fn list(
    state: AppState,
    member: ClientMember,
    Query(query): Query<ListQuery>,
) -> AppResult<impl IntoResponse> {
    let manager = Manager::ClientAdmin(&member);
    client_access::client_for(&state, manager, member.client_id).await?;
    let (rows, pager) =
        client_users::list(&state, manager, Some(member.client), None, &query, "/users", |_| "/users".into())
            .await?;
    Ok(UsersPage {
        chrome: Chrome::portal(&member).await?,
        organisation: member.client_name.clone(),
        rows,
        pager,
        can_manage: true,
        show_client: false,
    })
}

async fn form_page(
    state: &AppState,
    member: &ClientMember,
    query: &InviteQuery,
    fields: InviteFields,
) -> AppResult<InviteFormPage> {
    let manager = Manager::ClientAdmin(member);
    let companies = client_access::company_choices(state, manager, member.client, &fields.companies).await?;
    let chrome = Chrome::portal(member).await?;
    let name = member.client_name.clone();
    Ok(client_users::invite_form_page(chrome, name, "/users", query, fields, companies, "/users".into()))
}

async fn invite_form(
    state: AppState,
    member: ClientMember,
    Query(query): Query<InviteQuery>,
) -> AppResult<impl IntoResponse> {
    client_access::client_for(&state, Manager::ClientAdmin(&member), member.client_id).await?;
    form_page(&state, &member, &query, InviteFields::default()).await
}

async fn invite(
    state: AppState,
    member: ClientMember,
    Query(query): Query<InviteQuery>,
    Form(fields): Form<InviteFields>,
) -> AppResult<Response> {
    let manager = Manager::ClientAdmin(&member);
    let client = client_access::client_for(&state, manager, member.client_id).await?;
    let problem = match client_access::invite(&state, manager, &client, query.kind(), &fields).await? {
        Ok(issued) => {
            return Ok(client_users::invited_page(
                Chrome::portal(&member).await?,
                &fields,
                issued.link,
                "/users",
            ))
        }
        Err(problem) => problem,
    };
    let page = form_page(&state, &member, &query, trimmed(fields)).await?;
    Ok(page.refused(problem, "/users"))
}

async fn invite_bulk(
    state: AppState,
    member: ClientMember,
    request: axum::extract::Request,
) -> AppResult<Response> {
    let manager = Manager::ClientAdmin(&member);
    let client = client_access::client_for(&state, manager, member.client_id).await?;
    let upload = Upload::read(request).await?;
    let chrome = Chrome::portal(&member).await?;
    client_users::invite_bulk(&state, manager, chrome, &client, upload, "/users").await
}

async fn timeline(
    state: AppState,
    member: ClientMember,
    Path(row): Path<(RowKind, uuid::Uuid)>,
) -> AppResult<Response> {
    let manager = Manager::ClientAdmin(&member);
    let client = client_access::client_for(&state, manager, member.client_id).await?;
    let chrome = Chrome::portal(&member).await?;
    client_users::timeline(&state, manager, chrome, &client, row, "/users").await
}

const USERS: Place<'static> = Place { back: "/users", users: "/users" };

async fn action_page(
    state: AppState,
    member: ClientMember,
    Path(row): Path<(RowKind, uuid::Uuid, String)>,
) -> AppResult<Response> {
    let action = RowAction::parse(row)?;
    let manager = Manager::ClientAdmin(&member);
    let client = client_access::client_for(&state, manager, member.client_id).await?;
    client_users::action_page(&state, manager, client.scope(), action, &USERS).await
}

async fn act(
    state: AppState,
    member: ClientMember,
    Path(row): Path<(RowKind, uuid::Uuid, String)>,
    Form(form): Form<ActionForm>,
) -> AppResult<Response> {
    let action = RowAction::parse(row)?;
    let manager = Manager::ClientAdmin(&member);
    let client = client_access::client_for(&state, manager, member.client_id).await?;
    client_users::act(&state, manager, client.scope(), action, form, &USERS).await
}
