//! The extractors that say who is asking. Each loads the person and their membership from the
//! database on every request, so a removal or a password reset takes effect at once.

use axum::extract::{FromRef, FromRequestParts};
use axum::http::request::Parts;
use time::OffsetDateTime;
use tower_sessions::Session;
use uuid::Uuid;

use super::session::{self, SessionAuth, AUTH_KEY, TOUCH_EVERY};
use crate::db;
use crate::domain::{
    ClientId, ClientKind, ClientRole, CompanyId, EmailAddress, MembershipId, Permission, ProviderId,
    StaffRole, UserId,
};
use crate::error::{AppError, AppResult};
use crate::state::AppState;

/// A signed-in person, whichever host they are on.
#[derive(Clone, Debug)]
pub struct CurrentUser {
    pub id: UserId,
    pub email: EmailAddress,
    pub display_name: String,
    /// The organisation chosen in this session, if any.
    pub org: Option<Uuid>,
    pub session: Session,
}

impl CurrentUser {
    pub fn name_or_email(&self) -> &str {
        if self.display_name.is_empty() {
            self.email.as_str()
        } else {
            &self.display_name
        }
    }
}

async fn session_of(parts: &mut Parts, state: &AppState) -> AppResult<Session> {
    Session::from_request_parts(parts, state)
        .await
        .map_err(|_| AppError::Internal(anyhow::anyhow!("session layer missing")))
}

/// Loads the signed-in person, or `None` when nobody (valid) is signed in. An expired or
/// invalidated session is deleted on the way.
pub async fn optional_user(session: &Session, state: &AppState) -> AppResult<Option<CurrentUser>> {
    let Some(mut auth) = session.get::<SessionAuth>(AUTH_KEY).await? else {
        return Ok(None);
    };
    let now = OffsetDateTime::now_utc().unix_timestamp();
    let expired = auth.is_expired(now);
    let user = if expired { None } else { db::users::find_by_id(&state.db, auth.user_id).await? };
    let Some(user) =
        user.filter(|u| u.password_hash.as_deref().is_some_and(|h| session::auth_hash(h) == auth.auth_hash))
    else {
        session::sign_out(session).await?;
        return Ok(None);
    };
    if now - auth.last_seen > TOUCH_EVERY.whole_seconds() {
        auth.last_seen = now;
        session.insert(AUTH_KEY, auth.clone()).await?;
        db::users::touch_last_seen(&state.db, user.id).await?;
    }
    Ok(Some(CurrentUser {
        id: user.id,
        email: EmailAddress::from_trusted(user.email),
        display_name: user.display_name,
        org: auth.org,
        session: session.clone(),
    }))
}

impl<S> FromRequestParts<S> for CurrentUser
where
    S: Send + Sync,
    AppState: FromRef<S>,
{
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let state = AppState::from_ref(state);
        let session = session_of(parts, &state).await?;
        optional_user(&session, &state).await?.ok_or(AppError::SignInRequired)
    }
}

/// A member of a provider's staff, signed in to the staff app.
#[derive(Clone, Debug)]
pub struct StaffMember {
    pub user: CurrentUser,
    pub provider_id: ProviderId,
    pub provider_name: String,
    pub role: StaffRole,
}

impl StaffMember {
    /// The one place a staff permission is checked: refuse with 403 unless the role allows it.
    pub fn require(&self, permission: Permission) -> AppResult<()> {
        if self.role.can(permission) {
            Ok(())
        } else {
            Err(AppError::Forbidden)
        }
    }

    pub fn can(&self, permission: Permission) -> bool {
        self.role.can(permission)
    }
}

impl<S> FromRequestParts<S> for StaffMember
where
    S: Send + Sync,
    AppState: FromRef<S>,
{
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let app = AppState::from_ref(state);
        let user = CurrentUser::from_request_parts(parts, state).await?;
        let membership = match user.org {
            Some(org) => db::staff::membership(&app.db, user.id, ProviderId(org)).await?,
            None => {
                let all = db::staff::memberships_of(&app.db, user.id).await?;
                match all.as_slice() {
                    [only] => {
                        session::set_org(&user.session, only.provider_id.0).await?;
                        Some(only.clone())
                    }
                    [] => None,
                    _ => return Err(AppError::ChooseOrganisation),
                }
            }
        };
        let Some(m) = membership else {
            // Removed, or never staff: this session has nothing left to do here.
            session::sign_out(&user.session).await?;
            return Err(AppError::SignInRequired);
        };
        Ok(StaffMember { user, provider_id: m.provider_id, provider_name: m.provider_name, role: m.role })
    }
}

/// A client user signed in to the portal, in the organisation they chose, with their scope.
#[derive(Clone, Debug)]
pub struct ClientMember {
    pub user: CurrentUser,
    pub membership_id: MembershipId,
    pub provider_id: ProviderId,
    pub provider_name: String,
    pub client_id: ClientId,
    pub client_name: String,
    pub role: ClientRole,
    pub kind: ClientKind,
    /// The companies this person may see; never empty.
    pub scope: Vec<CompanyId>,
}

impl<S> FromRequestParts<S> for ClientMember
where
    S: Send + Sync,
    AppState: FromRef<S>,
{
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let app = AppState::from_ref(state);
        let user = CurrentUser::from_request_parts(parts, state).await?;
        let membership = match user.org {
            Some(org) => db::client_members::membership(&app.db, user.id, ClientId(org)).await?,
            None => {
                let all = db::client_members::memberships_of(&app.db, user.id).await?;
                match all.as_slice() {
                    [only] => {
                        session::set_org(&user.session, only.client_id.0).await?;
                        Some(only.clone())
                    }
                    [] => None,
                    _ => return Err(AppError::ChooseOrganisation),
                }
            }
        };
        let Some(m) = membership.filter(|m| !m.scope.is_empty()) else {
            session::sign_out(&user.session).await?;
            return Err(AppError::SignInRequired);
        };
        Ok(ClientMember {
            user,
            membership_id: m.membership_id,
            provider_id: m.provider_id,
            provider_name: m.provider_name,
            client_id: m.client_id,
            client_name: m.client_name,
            role: m.role,
            kind: m.kind,
            scope: m.scope,
        })
    }
}
