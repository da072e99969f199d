//! Sign in, sign out, forgot and reset password, and choosing the organisation: the same on
//! both hosts, each against its own kind of membership.

use askama::Template;
use askama_web::WebTemplate;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use serde::Deserialize;
use serde_json::json;
use tower_sessions::Session;
use uuid::Uuid;

use super::{safe_next, ClientIp};
use crate::auth::credentials;
use crate::auth::csrf::PageContext;
use crate::auth::extract::{optional_user, Visit};
use crate::auth::rate_limit::{self, FORGOT_PER_ACCOUNT, FORGOT_PER_ADDRESS, SIGN_IN_PER_ADDRESS};
use crate::auth::session::{self, Organisation};
use crate::auth::{reset, second_factor, CurrentUser};
use crate::db;
use crate::db::providers::Brand;
use crate::domain::{EmailAddress, Password, ProviderId, Token, UserId};
use crate::error::{AppError, AppResult};
use crate::routes::form::{Form, Path, Query};
use crate::state::{AppState, Site};
use crate::views::pages::MessagePage;
use crate::views::Chrome;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/login", get(login_page).post(login))
        .route("/logout", post(logout))
        .route("/forgot-password", get(forgot_page).post(forgot))
        .route("/reset-password/{token}", get(reset_page).post(reset_password))
        .route("/choose-organisation", get(choose_page).post(choose))
}

#[derive(Template, WebTemplate)]
#[template(path = "account/login.html")]
struct LoginPage {
    chrome: Chrome,
    email: String,
    next: String,
    error: Option<String>,
    other_site: String,
    signed_out: bool,
    /// The slug of the brand this page wears, kept through a failed attempt.
    brand: String,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct LoginForm {
    email: String,
    password: String,
    next: String,
    brand: String,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct LogoutForm {
    brand: String,
}

/// The provider brand a portal sign-in page was sent to wear (`?brand=<slug>`, put there by
/// Sign out and the invitation pages). Brands are public; an unknown slug shows the plain portal.
async fn brand_of(state: &AppState, site: Site, slug: &str) -> AppResult<Option<Brand>> {
    if site.is_staff() || !is_slug(slug) {
        return Ok(None);
    }
    Ok(db::providers::brand_by_slug(&state.db, slug).await?)
}

fn is_slug(raw: &str) -> bool {
    (1..=63).contains(&raw.len())
        && raw.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct NextQuery {
    next: String,
    /// Set by Sign out, so the page can say so.
    signed_out: String,
    brand: String,
}

fn other_site(state: &AppState, site: Site) -> String {
    match site {
        Site::Staff => state.config.portal_url.join("/login"),
        Site::Portal => state.config.staff_url.join("/login"),
    }
}

async fn login_page(
    Visit { state, page, session }: Visit,
    Query(q): Query<NextQuery>,
) -> AppResult<Response> {
    let site = page.site;
    if optional_user(&session, &page, &state).await?.is_some() {
        return Ok(Redirect::to("/").into_response());
    }
    let brand = brand_of(&state, site, &q.brand).await?;
    Ok(LoginPage {
        chrome: Chrome::anonymous(&session, &page).await?.branded(brand.as_ref()),
        email: String::new(),
        next: safe_next(&q.next).unwrap_or("").to_string(),
        error: None,
        other_site: other_site(&state, site),
        signed_out: q.signed_out == "1",
        brand: brand.map(|b| b.slug).unwrap_or_default(),
    }
    .into_response())
}

async fn login(
    Visit { state, page, session }: Visit,
    ClientIp(ip): ClientIp,
    Form(form): Form<LoginForm>,
) -> AppResult<Response> {
    let site = page.site;
    rate_limit::check(&state.db, SIGN_IN_PER_ADDRESS, &ip).await?;
    let refuse = |message: &str, status: StatusCode, chrome: Chrome| {
        let brand = chrome.brand.as_ref().map(|b| b.slug.clone()).unwrap_or_default();
        let page = LoginPage {
            chrome,
            email: form.email.trim().to_string(),
            next: safe_next(&form.next).unwrap_or("").to_string(),
            error: Some(message.to_string()),
            other_site: other_site(&state, site),
            signed_out: false,
            brand,
        };
        (status, page).into_response()
    };
    let Some(user) = verified_user(&state, &form, &ip).await? else {
        let brand = brand_of(&state, site, &form.brand).await?;
        let chrome = Chrome::anonymous(&session, &page).await?.branded(brand.as_ref());
        return Ok(refuse("Email or password is incorrect.", StatusCode::UNAUTHORIZED, chrome));
    };
    let providers = memberships_on(&state, site, user.id).await?;
    if providers.is_empty() {
        let chrome = Chrome::anonymous(&session, &page).await?;
        let message = match site {
            Site::Staff => {
                "This account is not a staff account. Client users sign in to the client portal.".into()
            }
            Site::Portal => match db::audit::last_client_removal(&state.db, &user.email).await? {
                Some((client, provider)) => {
                    format!("Your access to {client} has ended. Ask {provider} if you need it again.")
                }
                None => "This account has no client portal access. Staff sign in to the staff app.".into(),
            },
        };
        return Ok(refuse(&message, StatusCode::FORBIDDEN, chrome));
    }
    let next = safe_next(&form.next).unwrap_or("/");
    let password_hash = user.password_hash.as_deref().unwrap_or_default();
    if second_factor::is_on(&state, user.id).await? {
        // The password was right; the code comes next, and until then nothing is reachable.
        session::await_second_factor(&session, user.id, password_hash, next).await?;
        return Ok(Redirect::to("/login/code").into_response());
    }
    finish_sign_in(&state, site, &session, &user, &providers, next).await
}

/// Signs in (after the password, and the code where the person has a second factor): a fresh
/// session, the organisation chosen when there is only one, the sign-in recorded.
pub(super) async fn finish_sign_in(
    state: &AppState,
    site: Site,
    session: &Session,
    user: &db::users::UserRow,
    providers: &[(Organisation, ProviderId)],
    next: &str,
) -> AppResult<Response> {
    // An organisation requires a second factor the person has not set up: that comes first.
    let must_enrol = second_factor::must_enrol(state, user.id, site.is_staff()).await?;
    session::sign_in(
        &state.db,
        session,
        user.id,
        user.password_hash.as_deref().unwrap_or_default(),
        must_enrol,
    )
    .await?;
    if let [(only, _)] = providers {
        session::choose(session, *only).await?;
    }
    for (_, provider) in providers {
        let details = json!({ "site": site.name() });
        db::audit::record(&state.db, Some(*provider), Some(user.id), "sign_in", &user.email, details).await?;
    }
    if must_enrol {
        return Ok(Redirect::to("/account").into_response());
    }
    Ok(Redirect::to(next).into_response())
}

/// The account whose email and password the form holds, or `None`. An address that is no email
/// is checked against the dummy hash all the same, so it takes as long as a wrong password.
async fn verified_user(
    state: &AppState,
    form: &LoginForm,
    ip: &str,
) -> AppResult<Option<db::users::UserRow>> {
    match EmailAddress::parse(&form.email) {
        Ok(email) => credentials::verify(state, &email, &form.password, ip).await,
        Err(_) => {
            state.hasher.verify(&form.password.chars().take(Password::MAX).collect::<String>(), None).await?;
            Ok(None)
        }
    }
}

/// An organisation a person can work in on a site.
struct Membership {
    organisation: Organisation,
    provider: ProviderId,
    /// As the organisation chooser shows it.
    label: String,
}

/// The organisations a person can work in on a site (a client membership only while it gives
/// access to some company).
async fn organisations_on(state: &AppState, site: Site, user: UserId) -> AppResult<Vec<Membership>> {
    Ok(match site {
        Site::Staff => db::staff::memberships_of(&state.db, user)
            .await?
            .into_iter()
            .map(|m| Membership {
                organisation: Organisation::Provider(m.provider_id),
                provider: m.provider_id,
                label: m.provider_name,
            })
            .collect(),
        Site::Portal => db::client_members::memberships_of(&state.db, user)
            .await?
            .into_iter()
            .filter(|m| !m.scope.is_empty())
            .map(|m| Membership {
                organisation: Organisation::Client(m.client_id),
                provider: m.provider_id,
                label: format!("{} ({})", m.client_name, m.provider_name),
            })
            .collect(),
    })
}

/// The organisations a person can work in on a site: (org id, its provider).
pub(super) async fn memberships_on(
    state: &AppState,
    site: Site,
    user: UserId,
) -> AppResult<Vec<(Organisation, ProviderId)>> {
    let found = organisations_on(state, site, user).await?;
    Ok(found.into_iter().map(|m| (m.organisation, m.provider)).collect())
}

async fn logout(session: Session, Form(form): Form<LogoutForm>) -> AppResult<Response> {
    session::sign_out(&session).await?;
    // Said by the address, not by a flash: a signed-out visitor keeps no session to carry one.
    // The portal's sign-in page goes on wearing the brand of the portal just left.
    if is_slug(&form.brand) {
        return Ok(Redirect::to(&format!("/login?signed_out=1&brand={}", form.brand)).into_response());
    }
    Ok(Redirect::to("/login?signed_out=1").into_response())
}

#[derive(Template, WebTemplate)]
#[template(path = "account/forgot.html")]
struct ForgotPage {
    chrome: Chrome,
    email: String,
    error: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ForgotForm {
    email: String,
}

async fn forgot_page(page: PageContext, session: Session) -> AppResult<impl IntoResponse> {
    Ok(ForgotPage { chrome: Chrome::anonymous(&session, &page).await?, email: String::new(), error: None })
}

async fn forgot(
    Visit { state, page, session }: Visit,
    ClientIp(ip): ClientIp,
    Form(form): Form<ForgotForm>,
) -> AppResult<Response> {
    let site = page.site;
    rate_limit::check(&state.db, FORGOT_PER_ADDRESS, &ip).await?;
    let email = match EmailAddress::parse(&form.email) {
        Ok(email) => email,
        Err(e) => {
            let page = ForgotPage {
                chrome: Chrome::anonymous(&session, &page).await?,
                email: form.email.trim().chars().take(254).collect(),
                error: Some(e.0.to_string()),
            };
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
        }
    };
    rate_limit::check(&state.db, FORGOT_PER_ACCOUNT, email.as_str()).await?;
    // The work happens off the request, so the answer takes the same time either way.
    let background = state.clone();
    tokio::spawn(async move {
        let result = async {
            if let Some(user) = db::users::find_by_email(&background.db, &email).await? {
                reset::send_reset_email(&background, &user, site, None, None).await?;
            }
            Ok::<_, AppError>(())
        }
        .await;
        if let Err(e) = result {
            tracing::error!(error = ?e, "could not send a password reset");
        }
    });
    Ok(MessagePage {
        chrome: Chrome::anonymous(&session, &page).await?,
        title: "Check your email".into(),
        message: "If an account exists for that address, we have sent it a link to reset the password. The link expires in 1 hour.".into(),
        link_href: "/login".into(),
        link_label: "Back to sign in".into(),
    }
    .into_response())
}

#[derive(Template, WebTemplate)]
#[template(path = "account/reset.html")]
struct ResetPage {
    chrome: Chrome,
    token: String,
    error: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ResetForm {
    password: String,
    confirm: String,
}

async fn reset_link_dead(session: &Session, page: &PageContext) -> AppResult<Response> {
    let page = MessagePage {
        chrome: Chrome::anonymous(session, page).await?,
        title: "This link has expired or has already been used".into(),
        message: "Password reset links work once and for 1 hour. Ask for a new one.".into(),
        link_href: "/forgot-password".into(),
        link_label: "Forgot password".into(),
    };
    Ok((StatusCode::GONE, page).into_response())
}

async fn reset_page(Visit { state, page, session }: Visit, Path(raw): Path<String>) -> AppResult<Response> {
    let Some(token) = Token::parse(&raw) else {
        return reset_link_dead(&session, &page).await;
    };
    if !db::resets::is_usable(&state.db, &token.hash()).await? {
        return reset_link_dead(&session, &page).await;
    }
    Ok(ResetPage { chrome: Chrome::anonymous(&session, &page).await?, token: raw, error: None }
        .into_response())
}

async fn reset_password(
    Visit { state, page, session }: Visit,
    Path(raw): Path<String>,
    Form(form): Form<ResetForm>,
) -> AppResult<Response> {
    let site = page.site;
    let Some(token) = Token::parse(&raw) else {
        return reset_link_dead(&session, &page).await;
    };
    let password = match Password::parse(&form.password) {
        Ok(p) if form.password == form.confirm => p,
        Ok(_) => return reset_form_error(&session, &page, raw, "The two passwords do not match").await,
        Err(e) => return reset_form_error(&session, &page, raw, e.0).await,
    };
    let hash = state.hasher.hash(&password).await?;
    let mut tx = state.db.begin().await?;
    let Some(user_id) = db::resets::consume(&mut *tx, &token.hash()).await? else {
        return reset_link_dead(&session, &page).await;
    };
    db::users::set_password_and_name(&mut *tx, user_id, &hash, None).await?;
    db::resets::retire_all(&mut *tx, user_id).await?;
    let user = db::users::find_by_id(&mut *tx, user_id).await?.ok_or(AppError::NotFound)?;
    let providers = memberships_on(&state, site, user_id).await?;
    for (_, provider) in providers.iter().take(20) {
        db::audit::record(
            &mut *tx,
            Some(*provider),
            Some(user_id),
            "password_reset.completed",
            &user.email,
            json!({ "site": site.name() }),
        )
        .await?;
    }
    tx.commit().await?;
    // Every session of the person ends: the others by their stale auth hash, this one here.
    session::sign_out(&session).await?;
    crate::routes::done(&session, "Your password has been changed. Sign in with your new password.", "/login")
        .await
}

async fn reset_form_error(
    session: &Session,
    page: &PageContext,
    token: String,
    message: &str,
) -> AppResult<Response> {
    let page = ResetPage {
        chrome: Chrome::anonymous(session, page).await?,
        token,
        error: Some(message.to_string()),
    };
    Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
}

#[derive(Template, WebTemplate)]
#[template(path = "account/choose.html")]
struct ChoosePage {
    chrome: Chrome,
    choices: Vec<(Organisation, String)>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ChooseForm {
    org: String,
}

async fn choices(state: &AppState, site: Site, user: UserId) -> AppResult<Vec<(Organisation, String)>> {
    let found = organisations_on(state, site, user).await?;
    Ok(found.into_iter().map(|m| (m.organisation, m.label)).collect())
}

async fn choose_page(state: AppState, page: PageContext, user: CurrentUser) -> AppResult<impl IntoResponse> {
    let site = page.site;
    let mut chrome = Chrome::anonymous(&user.session, &page).await?;
    chrome.who = Some(user.name_or_email().to_string());
    Ok(ChoosePage { chrome, choices: choices(&state, site, user.id).await? })
}

async fn choose(
    state: AppState,
    page: PageContext,
    user: CurrentUser,
    Form(form): Form<ChooseForm>,
) -> AppResult<Response> {
    let site = page.site;
    let org: Uuid = form.org.parse().map_err(|_| AppError::NotFound)?;
    let choices = choices(&state, site, user.id).await?;
    let Some((chosen, _)) = choices.iter().find(|(choice, _)| choice.id() == org) else {
        return Err(AppError::NotFound);
    };
    session::choose(&user.session, *chosen).await?;
    Ok(Redirect::to("/").into_response())
}
