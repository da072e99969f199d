//! The second factor, on both hosts: the sign-in's second step (`/login/code`), and the account
//! page where a person sets up an authenticator app, sees how many recovery codes are left, and
//! turns it off again (with their password and a code).

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use serde::Deserialize;
use tower_sessions::Session;

use super::account::{finish_sign_in, memberships_on};
use super::ClientIp;
use crate::auth::csrf::PageContext;
use crate::auth::extract::Visit;
use crate::auth::passkeys;
use crate::auth::rate_limit::{self, PASSKEY_CHALLENGES_PER_ADDRESS, SIGN_IN_PER_ADDRESS};
use crate::auth::second_factor::{self, Enrolment};
use crate::auth::session::{self, auth_hash};
use crate::auth::{credentials, CurrentUser};
use crate::db;
use crate::error::{AppError, AppResult};
use crate::routes::form::Form;
use crate::state::AppState;
use crate::views::Chrome;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/login/code", get(code_page).post(code))
        .route("/account", get(account_page))
        .route("/account/two-factor/start", post(start))
        .route("/account/two-factor/confirm", post(confirm))
        .route("/account/two-factor/off", post(turn_off))
        .route("/account/passkeys/options", post(passkey_registration_options))
        .route("/account/passkeys", post(add_passkey))
        .route("/login/passkey/options", post(passkey_options))
        .route("/login/passkey", post(passkey_sign_in))
}

/// A WebAuthn ceremony's options, for the page's script.
fn json(value: &impl serde::Serialize) -> AppResult<Response> {
    let body = serde_json::to_string(value).map_err(anyhow::Error::from)?;
    Ok(([(axum::http::header::CONTENT_TYPE, "application/json")], body).into_response())
}

/// A signed-in person changing their own sign-in, and the address they do it from: the password
/// and code checks on the way are limited per address.
struct OwnAccount {
    state: AppState,
    ip: String,
    user: CurrentUser,
}

impl FromRequestParts<AppState> for OwnAccount {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> AppResult<Self> {
        let user = CurrentUser::from_request_parts(parts, state).await?;
        let Ok(ClientIp(ip)) = ClientIp::from_request_parts(parts, state).await;
        Ok(Self { state: state.clone(), ip, user })
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct CredentialForm {
    credential: String,
}

/// Adding a passkey takes the password again, and an authenticator app already set up.
async fn passkey_registration_options(
    OwnAccount { state, ip, user }: OwnAccount,
    Form(form): Form<StartForm>,
) -> AppResult<Response> {
    if !second_factor::is_on(&state, user.id).await? {
        return Err(AppError::BadRequest(
            "Set up an authenticator app first: its recovery codes also cover a lost passkey.",
        ));
    }
    if credentials::verify(&state, &user.email, &form.password, &ip).await?.is_none() {
        return Err(AppError::BadRequest("Your password is not right: enter it to add a passkey."));
    }
    let site = user.page.site;
    let options =
        passkeys::registration_options(&state, site, &user.session, user.id, &user.email, &user.display_name)
            .await?;
    json(&options)
}

async fn add_passkey(
    state: AppState,
    user: CurrentUser,
    Form(form): Form<CredentialForm>,
) -> AppResult<Response> {
    // Turned off (or reset by an ADMIN) since the request began: no passkey without the app.
    if !second_factor::is_on(&state, user.id).await? {
        return Err(AppError::BadRequest(
            "Set up an authenticator app first: its recovery codes also cover a lost passkey.",
        ));
    }
    passkeys::register(&state, user.page.site, &user.session, user.id, &form.credential).await?;
    crate::routes::done(&user.session, "Passkey added: you can sign in with it.", "/account").await
}

/// The challenge for a passkey: of the person half signed in (the second step), or of anyone's
/// passkey for this host (signing in without a password).
async fn passkey_options(
    Visit { state, page, session }: Visit,
    ClientIp(ip): ClientIp,
) -> AppResult<Response> {
    rate_limit::check(&state.db, PASSKEY_CHALLENGES_PER_ADDRESS, &ip).await?;
    let user = session::half_signed_in(&session).await?.map(|half| half.user_id);
    let options = passkeys::authentication_options(&state, page.site, &session, user).await?;
    json(&options)
}

async fn passkey_sign_in(
    Visit { state, page, session }: Visit,
    Form(form): Form<CredentialForm>,
) -> AppResult<Response> {
    let site = page.site;
    let half = session::half_signed_in(&session).await?;
    let expected = half.as_ref().map(|h| h.user_id);
    let Some(user_id) = passkeys::authenticate(&state, site, &session, expected, &form.credential).await?
    else {
        return Err(AppError::BadRequest(
            "The passkey could not be checked. Try again, or use your authenticator app's code.",
        ));
    };
    let Some(user) = db::users::find_by_id(&state.db, user_id).await? else {
        return Err(AppError::NotFound);
    };
    // Half signed in: the password step's person, with the password unchanged since.
    if let Some(half) = &half {
        if user.password_hash.as_deref().map(auth_hash).as_deref() != Some(&half.auth_hash) {
            session::sign_out(&session).await?;
            return Ok(Redirect::to("/login").into_response());
        }
    }
    let providers = memberships_on(&state, site, user.id).await?;
    if providers.is_empty() {
        session::sign_out(&session).await?;
        return Err(AppError::Forbidden);
    }
    let next = half.map(|h| h.next).unwrap_or_else(|| "/".to_string());
    finish_sign_in(&state, site, &session, &user, &providers, &next).await
}

#[derive(Template, WebTemplate)]
#[template(path = "account/code.html")]
struct CodePage {
    chrome: Chrome,
    error: Option<&'static str>,
    /// The person has a passkey on this host, which the page's script can use instead.
    has_passkey: bool,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct CodeForm {
    code: String,
}

async fn code_page(state: AppState, session: Session, page: PageContext) -> AppResult<Response> {
    let Some(half) = session::half_signed_in(&session).await? else {
        return Ok(Redirect::to("/login").into_response());
    };
    let has_passkey = passkeys::count(&state, half.user_id, page.site).await? > 0;
    Ok(CodePage { chrome: Chrome::anonymous(&session, &page).await?, error: None, has_passkey }
        .into_response())
}

/// The second step: a code from the app (or a recovery code) finishes the sign-in that the
/// password started in this session, and nothing else does.
async fn code(
    Visit { state, page, session }: Visit,
    ClientIp(ip): ClientIp,
    Form(form): Form<CodeForm>,
) -> AppResult<Response> {
    let site = page.site;
    let Some(half) = session::half_signed_in(&session).await? else {
        return Ok(Redirect::to("/login").into_response());
    };
    // A code is a sign-in attempt: counted per address with the passwords.
    rate_limit::check(&state.db, SIGN_IN_PER_ADDRESS, &ip).await?;
    let user = db::users::find_by_id(&state.db, half.user_id).await?;
    // A password changed since the first step ends the wait, as it ends sessions.
    let Some(user) =
        user.filter(|u| u.password_hash.as_deref().map(auth_hash).as_deref() == Some(&half.auth_hash))
    else {
        session::sign_out(&session).await?;
        return Ok(Redirect::to("/login").into_response());
    };
    let email = crate::domain::EmailAddress::from_trusted(user.email.clone());
    if !second_factor::check(&state, user.id, &email, &form.code, &ip).await? {
        let chrome = Chrome::anonymous(&session, &page).await?;
        let error = Some(
            "That code is not right. Enter the six digits your app shows now, or one of your recovery codes.",
        );
        let has_passkey = passkeys::count(&state, user.id, site).await? > 0;
        return Ok((StatusCode::UNAUTHORIZED, CodePage { chrome, error, has_passkey }).into_response());
    }
    let providers = memberships_on(&state, site, user.id).await?;
    if providers.is_empty() {
        session::sign_out(&session).await?;
        return Ok(Redirect::to("/login").into_response());
    }
    finish_sign_in(&state, site, &session, &user, &providers, &half.next).await
}

#[derive(Template, WebTemplate)]
#[template(path = "account/security.html")]
struct AccountPage {
    chrome: Chrome,
    email: String,
    on: bool,
    /// An organisation requires it and it is not set up: nothing else opens until it is.
    required: bool,
    /// An organisation requires it: it cannot be turned off here.
    org_requires: bool,
    codes_left: i64,
    /// Passkeys of this person on this host.
    passkeys: usize,
    error: Option<&'static str>,
}

async fn signed_in_chrome(user: &CurrentUser) -> AppResult<Chrome> {
    let mut chrome = Chrome::anonymous(&user.session, &user.page).await?;
    chrome.who = Some(user.name_or_email().to_string());
    Ok(chrome)
}

async fn account(
    state: &AppState,
    user: &CurrentUser,
    error: Option<&'static str>,
) -> AppResult<AccountPage> {
    let on = second_factor::is_on(state, user.id).await?;
    let org_requires = second_factor::required_of(state, user.id, user.page.site.is_staff()).await?;
    Ok(AccountPage {
        chrome: signed_in_chrome(user).await?,
        email: user.email.to_string(),
        on,
        required: !on && org_requires,
        org_requires,
        codes_left: second_factor::recovery_codes_left(state, user.id).await?,
        passkeys: passkeys::count(state, user.id, user.page.site).await?,
        error,
    })
}

async fn account_page(state: AppState, user: CurrentUser) -> AppResult<impl IntoResponse> {
    account(&state, &user, None).await
}

#[derive(Template, WebTemplate)]
#[template(path = "account/enrol.html")]
struct EnrolPage {
    chrome: Chrome,
    enrolment: Enrolment,
    error: Option<&'static str>,
}

#[derive(Template, WebTemplate)]
#[template(path = "account/recovery_codes.html")]
struct RecoveryCodesPage {
    chrome: Chrome,
    codes: Vec<String>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct StartForm {
    password: String,
}

/// Shows a new secret to scan, after the password once more: a session left open must not be
/// enough to tie the account to somebody else's phone. A POST, since it makes a secret: reading
/// the account page writes nothing.
async fn start(
    OwnAccount { state, ip, user }: OwnAccount,
    Form(form): Form<StartForm>,
) -> AppResult<Response> {
    if credentials::verify(&state, &user.email, &form.password, &ip).await?.is_none() {
        let page = account(
            &state,
            &user,
            Some("Your password is not right: enter it to set up an authenticator app."),
        )
        .await?;
        return Ok((StatusCode::UNAUTHORIZED, page).into_response());
    }
    let Some(enrolment) = second_factor::begin(&state, user.id, &user.email).await? else {
        return Ok(Redirect::to("/account").into_response());
    };
    Ok(EnrolPage { chrome: signed_in_chrome(&user).await?, enrolment, error: None }.into_response())
}

async fn confirm(
    OwnAccount { state, ip, user }: OwnAccount,
    Form(form): Form<CodeForm>,
) -> AppResult<Response> {
    match second_factor::confirm(&state, user.id, &user.email, &form.code, &ip).await? {
        Some(codes) => {
            session::set_must_enrol(&user.session, false).await?;
            Ok(RecoveryCodesPage { chrome: signed_in_chrome(&user).await?, codes }.into_response())
        }
        None => {
            let Some(enrolment) = second_factor::pending(&state, user.id, &user.email).await? else {
                return Ok(Redirect::to("/account").into_response());
            };
            let error = Some("That code is not right. Enter the six digits the app shows now for Portico.");
            let page = EnrolPage { chrome: signed_in_chrome(&user).await?, enrolment, error };
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct TurnOffForm {
    password: String,
    code: String,
}

async fn turn_off(
    OwnAccount { state, ip, user }: OwnAccount,
    Form(form): Form<TurnOffForm>,
) -> AppResult<Response> {
    let refusal = if second_factor::required_of(&state, user.id, user.page.site.is_staff()).await? {
        Some("Your organisation requires two-factor authentication, so it stays on.")
    } else if credentials::verify(&state, &user.email, &form.password, &ip).await?.is_none() {
        Some("Your password is not right: the second factor stays on.")
    } else if !second_factor::check(&state, user.id, &user.email, &form.code, &ip).await? {
        Some("That code is not right: the second factor stays on.")
    } else {
        None
    };
    if let Some(message) = refusal {
        let page = account(&state, &user, Some(message)).await?;
        return Ok((StatusCode::UNAUTHORIZED, page).into_response());
    }
    second_factor::turn_off(&state, user.id, &user.email).await?;
    crate::routes::done(&user.session, "Two-factor authentication is off.", "/account").await
}
