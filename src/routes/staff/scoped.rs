//! The client a staff page under `/clients/{id}` works on, as an extractor: a handler that takes
//! one was given a client its member may see (404 otherwise) or, for [`ManagedClient`], change
//! (403 when they may only look). The check lives here, once, not in each handler; likewise
//! [`Allowed`] for a permission that concerns no one client.

use std::marker::PhantomData;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use serde::Deserialize;

use crate::auth::StaffMember;
use crate::client_access::{self, staff_visibility, Manager};
use crate::db;
use crate::db::clients::ClientRow;
use crate::domain::{ClientId, Permission};
use crate::error::{AppError, AppResult};
use crate::routes::form::Path;
use crate::state::AppState;

/// The signed-in staff member and a client of theirs they may see, from the path's `{id}`.
pub struct VisibleClient {
    pub state: AppState,
    pub member: StaffMember,
    pub client: ClientRow,
}

/// As [`VisibleClient`], for a member who may also change the client.
pub struct ManagedClient {
    pub state: AppState,
    pub member: StaffMember,
    pub client: ClientRow,
}

/// The signed-in staff member, if their role has the permission `P` names (403 otherwise):
/// `Allowed<ManageStaff>` for the actions on staff rows, `Allowed<ManageClients>` for adding a
/// client.
pub struct Allowed<P> {
    pub state: AppState,
    pub member: StaffMember,
    permission: PhantomData<P>,
}

/// A permission, as a type an extractor can name.
pub trait Needed {
    const PERMISSION: Permission;
}

pub struct ManageStaff;
pub struct ManageClients;

impl Needed for ManageStaff {
    const PERMISSION: Permission = Permission::ManageStaff;
}

impl Needed for ManageClients {
    const PERMISSION: Permission = Permission::ManageClients;
}

impl<P: Needed> FromRequestParts<AppState> for Allowed<P> {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> AppResult<Self> {
        let member = StaffMember::from_request_parts(parts, state).await?;
        member.require(P::PERMISSION)?;
        Ok(Self { state: state.clone(), member, permission: PhantomData })
    }
}

/// The `{id}` of the path; its other parameters are the handler's own.
#[derive(Deserialize)]
struct ClientPath {
    id: ClientId,
}

/// The client if this staff member may see it (404 otherwise).
pub async fn visible(state: &AppState, member: &StaffMember, id: ClientId) -> AppResult<ClientRow> {
    db::clients::find_visible(&state.db, member.provider, staff_visibility(member), id)
        .await?
        .ok_or(AppError::NotFound)
}

impl FromRequestParts<AppState> for VisibleClient {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> AppResult<Self> {
        // Who is asking comes first: a signed-out visitor is sent to sign in, not told 404.
        let member = StaffMember::from_request_parts(parts, state).await?;
        let Path(path) = Path::<ClientPath>::from_request_parts(parts, state).await?;
        let client = visible(state, &member, path.id).await?;
        Ok(Self { state: state.clone(), member, client })
    }
}

impl FromRequestParts<AppState> for ManagedClient {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> AppResult<Self> {
        let member = StaffMember::from_request_parts(parts, state).await?;
        let Path(path) = Path::<ClientPath>::from_request_parts(parts, state).await?;
        // The rule of who may change a client is client_access's, for its menus as for these pages.
        let client = client_access::client_for(state, Manager::Staff(&member), path.id).await?;
        Ok(Self { state: state.clone(), member, client })
    }
}
