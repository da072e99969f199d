//! The extractors that say who is asking. Each loads the person and their membership from the
//! database on every request, so a removal or a password reset takes effect at once.

use axum::extract::{FromRef, FromRequestParts};
use axum::http::request::Parts;
use time::OffsetDateTime;
use tower_sessions::Session;

use super::csrf::PageContext;
use super::second_factor;
use super::session::{self, Organisation, SessionAuth, AUTH_KEY};
use crate::db;
use crate::db::providers::Brand;
use crate::db::scope::{ClientScope, CompanyScope, ProviderScope};
use crate::domain::{
    ClientId, ClientKind, ClientRole, EmailAddress, MembershipId, Permission, ProviderId, StaffRole, UserId,
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
    pub chosen: Option<Organisation>,
    pub session: Session,
    /// The page's CSRF token and banner, for the chrome.
    pub page: PageContext,
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

/// The session's sign-in, when it is still within its absolute lifetime. The idle timeout is
/// the session store's own expiry, moved on by [`crate::auth::activity`].
async fn signed_in(session: &Session, page: &PageContext) -> AppResult<Option<SessionAuth>> {
    let Some(auth) = session.get::<SessionAuth>(AUTH_KEY).await? else {
        return Ok(None);
    };
    if auth.is_expired(OffsetDateTime::now_utc().unix_timestamp()) {
        session::sign_out(session).await?;
        return Ok(None);
    }
    // Held at the second factor's set-up, which an organisation requires: nothing else answers.
    if auth.must_enrol && !second_factor::ENROLMENT_PATHS.contains(&page.path.as_str()) {
        return Err(AppError::SecondFactorRequired);
    }
    Ok(Some(auth))
}

/// Whether the password behind the session is still the person's password: a reset ends every
/// other session. A mismatch (or a vanished person) ends this one.
async fn still_valid(session: &Session, auth: &SessionAuth, password_hash: Option<&str>) -> AppResult<bool> {
    if password_hash.is_some_and(|h| session::auth_hash(h) == auth.auth_hash) {
        return Ok(true);
    }
    session::sign_out(session).await?;
    Ok(false)
}

/// What every extractor below starts from: the session, its sign-in, and the page context.
async fn session_parts(parts: &mut Parts, state: &AppState) -> AppResult<(Session, PageContext)> {
    let session = Session::from_request_parts(parts, state)
        .await
        .map_err(|_| AppError::Internal(anyhow::anyhow!("session layer missing")))?;
    let page = PageContext::from_request_parts(parts, state).await?;
    Ok((session, page))
}

/// A visit to a page anyone may open (sign-in, a second factor, forgot and reset password, an
/// invitation link): the state, what the page needs of the request, and the session.
pub struct Visit {
    pub state: AppState,
    pub page: PageContext,
    pub session: Session,
}

impl FromRequestParts<AppState> for Visit {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> AppResult<Self> {
        let (session, page) = session_parts(parts, state).await?;
        Ok(Self { state: state.clone(), page, session })
    }
}

fn current_user(
    state: &AppState,
    session: Session,
    page: PageContext,
    auth: &SessionAuth,
    person: (UserId, String, String),
) -> CurrentUser {
    if let Some(id) = session.id() {
        state.activity.seen(&state.db, id.to_string(), person.0);
    }
    CurrentUser {
        id: person.0,
        email: EmailAddress::from_trusted(person.1),
        display_name: person.2,
        chosen: auth.chosen,
        session,
        page,
    }
}

/// A row a sign-in is checked against: the password hash the session was made from.
trait SignedInAs {
    fn password_hash(&self) -> Option<&str>;
}

impl SignedInAs for db::users::UserRow {
    fn password_hash(&self) -> Option<&str> {
        self.password_hash.as_deref()
    }
}

impl SignedInAs for db::identity::StaffIdentity {
    fn password_hash(&self) -> Option<&str> {
        self.password_hash.as_deref()
    }
}

impl SignedInAs for db::identity::ClientIdentity {
    fn password_hash(&self) -> Option<&str> {
        self.password_hash.as_deref()
    }
}

/// The session's sign-in and who it is, as `lookup` reads them, while both still hold: `None`
/// when nobody is signed in, and the session ends here when the person is gone or their password
/// has changed since. The one prologue of every extractor below.
async fn identify<T: SignedInAs, F>(
    session: &Session,
    page: &PageContext,
    lookup: impl FnOnce(SessionAuth) -> F,
) -> AppResult<Option<(SessionAuth, T)>>
where
    F: std::future::Future<Output = sqlx::Result<Option<T>>>,
{
    let Some(auth) = signed_in(session, page).await? else {
        return Ok(None);
    };
    let Some(found) = lookup(auth.clone()).await? else {
        session::sign_out(session).await?;
        return Ok(None);
    };
    if !still_valid(session, &auth, found.password_hash()).await? {
        return Ok(None);
    }
    Ok(Some((auth, found)))
}

/// The membership the person works in, for the staff app and the portal alike. One that is gone
/// (removed, ended, or never there) signs the session out; with none chosen, the only one is
/// remembered, and several send the person to choose.
async fn settle<M>(
    session: &Session,
    membership: Option<M>,
    chosen: bool,
    open: i64,
    organisation: impl FnOnce(&M) -> Organisation,
) -> AppResult<M> {
    let Some(membership) = membership else {
        session::sign_out(session).await?;
        return Err(AppError::SignInRequired);
    };
    if !chosen {
        if open > 1 {
            return Err(AppError::ChooseOrganisation);
        }
        session::choose(session, organisation(&membership)).await?;
    }
    Ok(membership)
}

/// Loads the signed-in person, or `None` when nobody (valid) is signed in.
pub async fn optional_user(
    session: &Session,
    page: &PageContext,
    state: &AppState,
) -> AppResult<Option<CurrentUser>> {
    let found = identify(session, page, |auth| db::users::find_by_id(&state.db, auth.user_id)).await?;
    Ok(found.map(|(auth, p)| {
        current_user(state, session.clone(), page.clone(), &auth, (p.id, p.email, p.display_name))
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
        let (session, page) = session_parts(parts, &state).await?;
        optional_user(&session, &page, &state).await?.ok_or(AppError::SignInRequired)
    }
}

/// A member of a provider's staff, signed in to the staff app.
#[derive(Clone, Debug)]
pub struct StaffMember {
    pub user: CurrentUser,
    pub provider_id: ProviderId,
    /// The provider, as the provider-wide reads and writes take it.
    pub provider: ProviderScope,
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
        let (session, page) = session_parts(parts, &app).await?;
        let (auth, found) = identify(&session, &page, |auth| {
            db::identity::staff(&app.db, auth.user_id, auth.chosen.and_then(Organisation::provider))
        })
        .await?
        .ok_or(AppError::SignInRequired)?;
        let membership = match (found.provider_scope(), found.provider_name, found.role) {
            (Some(provider), Some(name), Some(role)) => Some((provider, name, role)),
            _ => None,
        };
        let chosen = auth.chosen.and_then(Organisation::provider).is_some();
        let (provider, provider_name, role) =
            settle(&session, membership, chosen, found.memberships, |m| Organisation::Provider(m.0.id()))
                .await?;
        let user = current_user(&app, session, page, &auth, (found.user_id, found.email, found.display_name));
        Ok(StaffMember { user, provider_id: provider.id(), provider, provider_name, role })
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
    /// The member's own client, as the reads of its data take it.
    pub client: ClientScope,
    pub client_name: String,
    pub role: ClientRole,
    pub kind: ClientKind,
    /// The companies this person may see, ordered by name; never empty.
    pub scope: CompanyScope,
    /// The names of `scope`'s companies, in the same order.
    pub scope_names: Vec<String>,
    /// How many organisations this person can use the portal for.
    pub memberships: i64,
    /// The provider's brand, which the portal wears.
    pub brand: Brand,
}

impl<S> FromRequestParts<S> for ClientMember
where
    S: Send + Sync,
    AppState: FromRef<S>,
{
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let app = AppState::from_ref(state);
        let (session, page) = session_parts(parts, &app).await?;
        let (auth, found) = identify(&session, &page, |auth| {
            db::identity::client(&app.db, auth.user_id, auth.chosen.and_then(Organisation::client))
        })
        .await?
        .ok_or(AppError::SignInRequired)?;
        let membership = match (
            found.membership_id,
            found.provider_id,
            found.provider_name.clone(),
            found.client_id,
            found.client_name.clone(),
            found.role,
            found.kind,
            found.scopes().zip(found.brand()),
        ) {
            (Some(m), Some(p), Some(pn), Some(c), Some(cn), Some(r), Some(k), Some(scopes)) => {
                Some((m, p, pn, c, cn, r, k, scopes))
            }
            _ => None,
        };
        let chosen = auth.chosen.and_then(Organisation::client).is_some();
        let (membership_id, provider_id, provider_name, client_id, client_name, role, kind, scopes) =
            settle(&session, membership, chosen, found.memberships, |m| Organisation::Client(m.3)).await?;
        let ((client, scope), brand) = scopes;
        let user = current_user(&app, session, page, &auth, (found.user_id, found.email, found.display_name));
        Ok(ClientMember {
            user,
            membership_id,
            provider_id,
            provider_name,
            client_id,
            client,
            client_name,
            role,
            kind,
            scope,
            scope_names: found.scope_names,
            memberships: found.memberships,
            brand,
        })
    }
}
