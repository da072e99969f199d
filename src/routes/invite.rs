//! `/invite/<token>` on both hosts: see the invitation, then Accept invitation or Decline. Only a
//! POST changes anything, so a mail scanner opening the link consumes nothing (its opening is
//! noted for the row's timeline, and that is all).

use askama::Template;
use askama_web::WebTemplate;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use serde::Deserialize;
use tower_sessions::Session;

use super::ClientIp;
use crate::auth::csrf::PageContext;
use crate::auth::extract::{optional_user, CurrentUser, Visit};
use crate::auth::rate_limit::{self, ACCEPT_PER_ADDRESS, ACCEPT_PER_INVITATION};
use crate::auth::session::{self, Organisation};
use crate::auth::{credentials, second_factor};
use crate::db;
use crate::db::invitations::{InvitationRow, InvitationStatus, Withdrawn};
use crate::domain::{EmailAddress, Password, PersonName, Token};
use crate::error::AppResult;
use crate::invites::{self, Acceptor, NotAccepted};
use crate::routes::form::{Form, Path};
use crate::state::{AppState, Site};
use crate::views::pages::MessagePage;
use crate::views::when::{moment, Moment};
use crate::views::Chrome;
use crate::views::FieldErrors;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/invite/{token}", get(show))
        .route("/invite/{token}/accept", post(accept))
        .route("/invite/{token}/decline", post(decline))
}

/// How the person on the page can accept.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// New to Portico: choose a password (and give a name if the inviter did not).
    NewAccount,
    /// Has an account: enter its password.
    SignIn,
    /// Already signed in as the invited person.
    SignedIn,
    /// Signed in as somebody else: nothing can happen until they sign out.
    WrongPerson,
}

#[derive(Template, WebTemplate)]
#[template(path = "invite/show.html")]
struct InvitePage {
    chrome: Chrome,
    token: String,
    provider: String,
    organisation: String,
    inviter: String,
    role: String,
    email: String,
    expires: Moment,
    mode: Mode,
    needs_name: bool,
    /// Accepting into an existing account that has a second factor asks for its code too.
    needs_code: bool,
    name: String,
    signed_in_as: String,
    errors: FieldErrors,
}

#[derive(Template, WebTemplate)]
#[template(path = "invite/declined.html")]
struct DeclinedPage {
    chrome: Chrome,
    organisation: String,
    inviter: String,
}

/// The page for a link that cannot be used. None of them says whether the email has an account.
async fn gone(
    state: &AppState,
    session: &Session,
    page: &PageContext,
    row: Option<&InvitationRow>,
) -> AppResult<Response> {
    let chrome = branded_chrome(state, session, page, row).await?;
    let (status, title, message) = match row.map(|r| (r.status(), r.inviter().to_string())) {
        Some((InvitationStatus::Expired, inviter)) => (
            StatusCode::GONE,
            "This invitation has expired",
            format!("Invitation links work for a limited time. Ask {inviter} to send you a new invitation."),
        ),
        Some((InvitationStatus::Accepted, _)) => (
            StatusCode::GONE,
            "This invitation has already been used",
            "Each invitation link works once. If it was you who accepted it, sign in instead.".to_string(),
        ),
        Some((InvitationStatus::Declined, inviter)) => (
            StatusCode::GONE,
            "This invitation was declined",
            format!("If you have changed your mind, ask {inviter} to invite you again."),
        ),
        Some((InvitationStatus::Revoked, inviter)) => (
            StatusCode::GONE,
            "This invitation is no longer valid",
            match row.and_then(|r| r.revoked_reason) {
                Some(Withdrawn::SenderRemoved) => format!("{inviter}, who sent it, no longer has access, so the invitations they sent were withdrawn. Ask someone else at {} to invite you.", row.map(|r| r.provider_name.as_str()).unwrap_or_default()),
                Some(Withdrawn::PersonRemoved) => "Your access was removed after this invitation was sent, so it no longer works. Ask whoever manages your access if you need it again.".to_string(),
                Some(Withdrawn::AccessEnded) => format!("The access it offered was set to end on a day that has now passed. Ask {inviter} for a new invitation if you still need access."),
                None => format!("The invitation was withdrawn or replaced by a newer one. Ask {inviter} for a new invitation if you still need access."),
            },
        ),
        Some((InvitationStatus::Invited, _)) | None => (
            StatusCode::NOT_FOUND,
            "This invitation link is not valid",
            "The link may be incomplete, or it was replaced by a newer invitation. Check that you copied the whole link, or ask the sender for a new invitation.".to_string(),
        ),
    };
    Ok((status, MessagePage::to_sign_in(chrome, title, message)).into_response())
}

/// The page chrome of an invitation's pages: on the portal, wearing the inviting provider's brand.
async fn branded_chrome(
    state: &AppState,
    session: &Session,
    page: &PageContext,
    row: Option<&InvitationRow>,
) -> AppResult<Chrome> {
    let chrome = Chrome::anonymous(session, page).await?;
    let brand = match row {
        Some(row) if !page.site.is_staff() => db::providers::brand(&state.db, row.provider_id).await?,
        _ => None,
    };
    Ok(chrome.branded(brand.as_ref()))
}

/// The invitation behind the link, when it belongs to this host.
async fn lookup(state: &AppState, site: Site, raw: &str) -> AppResult<Option<(Token, InvitationRow)>> {
    let Some(token) = Token::parse(raw) else {
        return Ok(None);
    };
    let row = db::invitations::find_by_token(&state.db, &token.hash()).await?;
    Ok(row.filter(|r| r.is_staff() == site.is_staff()).map(|r| (token, r)))
}

async fn mode_for(state: &AppState, viewer: Option<&CurrentUser>, row: &InvitationRow) -> AppResult<Mode> {
    if let Some(viewer) = viewer {
        return Ok(if viewer.email.as_str() == row.email { Mode::SignedIn } else { Mode::WrongPerson });
    }
    let existing =
        db::users::find_by_email(&state.db, &EmailAddress::from_trusted(row.email.clone())).await?;
    Ok(match existing {
        Some(u) if u.password_hash.is_some() => Mode::SignIn,
        _ => Mode::NewAccount,
    })
}

async fn invite_page(
    state: &AppState,
    session: &Session,
    page: &PageContext,
    raw: String,
    row: &InvitationRow,
    errors: FieldErrors,
    name: String,
) -> AppResult<InvitePage> {
    let viewer = optional_user(session, page, state).await?;
    let mode = mode_for(state, viewer.as_ref(), row).await?;
    let needs_code = match mode {
        Mode::SignIn => {
            match db::users::find_by_email(&state.db, &EmailAddress::from_trusted(row.email.clone())).await? {
                Some(user) => second_factor::is_on(state, user.id).await?,
                None => false,
            }
        }
        _ => false,
    };
    let mut chrome = branded_chrome(state, session, page, Some(row)).await?;
    chrome.who = viewer.as_ref().map(|v| v.name_or_email().to_string());
    let provider = chrome.brand.as_ref().map_or(&row.provider_name, |b| &b.name).clone();
    Ok(InvitePage {
        chrome,
        token: raw,
        provider,
        organisation: row.organisation().to_string(),
        inviter: row.inviter().to_string(),
        role: row.role_label().to_string(),
        email: row.email.clone(),
        expires: moment(row.expires_at),
        mode,
        needs_name: row.name().trim().is_empty(),
        needs_code,
        name,
        signed_in_as: viewer.map(|v| v.email.to_string()).unwrap_or_default(),
        errors,
    })
}

async fn show(Visit { state, page, session }: Visit, Path(raw): Path<String>) -> AppResult<Response> {
    let site = page.site;
    let Some((_, row)) = lookup(&state, site, &raw).await? else {
        return gone(&state, &session, &page, None).await;
    };
    if row.status() != InvitationStatus::Invited {
        return gone(&state, &session, &page, Some(&row)).await;
    }
    // For the row's timeline; the opening consumes nothing, and is recorded off the response's
    // path, at most once an hour.
    tokio::spawn(invites::record_opened(state.clone(), row.clone()));
    Ok(invite_page(&state, &session, &page, raw, &row, FieldErrors::default(), String::new())
        .await?
        .into_response())
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct AcceptForm {
    name: String,
    password: String,
    confirm: String,
    code: String,
}

/// Who accepts, from the form: the person signed in, an existing account by its password, or a
/// new account with its password (and name, if the invitation has none); or the status and the
/// form's messages to show it again with.
async fn acceptor(
    state: &AppState,
    viewer: Option<&CurrentUser>,
    mode: Mode,
    row: &InvitationRow,
    form: &AcceptForm,
    ip: &str,
) -> AppResult<Result<Acceptor, (StatusCode, FieldErrors)>> {
    let mut errors = FieldErrors::default();
    Ok(Ok(match (mode, viewer) {
        (Mode::WrongPerson, _) => return Ok(Err((StatusCode::CONFLICT, errors))),
        (Mode::SignedIn, Some(viewer)) => Acceptor::Existing { user_id: viewer.id },
        (Mode::SignedIn, None) => return Err(anyhow::anyhow!("signed-in mode without a viewer").into()),
        (Mode::SignIn, _) => {
            let email = EmailAddress::from_trusted(row.email.clone());
            let Some(user) = credentials::verify(state, &email, &form.password, ip).await? else {
                errors.add("password", "Password is incorrect. Use the password of your existing account, or reset it from the sign-in page.");
                return Ok(Err((StatusCode::UNAUTHORIZED, errors)));
            };
            // Accepting signs in: where the account has a second factor, its code is asked too.
            if second_factor::is_on(state, user.id).await?
                && !second_factor::check(state, user.id, &email, &form.code, ip).await?
            {
                errors.add(
                    "code",
                    "That code is not right. Enter the six digits your app shows now, or a recovery code.",
                );
                return Ok(Err((StatusCode::UNAUTHORIZED, errors)));
            }
            Acceptor::Existing { user_id: user.id }
        }
        (Mode::NewAccount, _) => {
            let name = if row.name().trim().is_empty() {
                errors
                    .take("name", PersonName::parse(&form.name, "Enter your name"))
                    .map(PersonName::into_string)
            } else {
                None
            };
            let password = errors.take("password", Password::parse(&form.password));
            if password.is_some() && form.password != form.confirm {
                errors.add("confirm", "The two passwords do not match");
            }
            let (Some(password), true) = (password, errors.is_empty()) else {
                return Ok(Err((StatusCode::UNPROCESSABLE_ENTITY, errors)));
            };
            Acceptor::NewPassword { password_hash: state.hasher.hash(&password).await?, display_name: name }
        }
    }))
}

async fn accept(
    Visit { state, page, session }: Visit,
    ClientIp(ip): ClientIp,
    Path(raw): Path<String>,
    Form(form): Form<AcceptForm>,
) -> AppResult<Response> {
    let site = page.site;
    rate_limit::check(&state.db, ACCEPT_PER_ADDRESS, &ip).await?;
    let Some((token, row)) = lookup(&state, site, &raw).await? else {
        return gone(&state, &session, &page, None).await;
    };
    if row.status() != InvitationStatus::Invited {
        return gone(&state, &session, &page, Some(&row)).await;
    }
    rate_limit::check(&state.db, ACCEPT_PER_INVITATION, &row.id.to_string()).await?;
    let viewer = optional_user(&session, &page, &state).await?;
    let mode = mode_for(&state, viewer.as_ref(), &row).await?;
    let acceptor = match acceptor(&state, viewer.as_ref(), mode, &row, &form, &ip).await? {
        Ok(acceptor) => acceptor,
        Err((status, errors)) => {
            let page = invite_page(&state, &session, &page, raw, &row, errors, form.name).await?;
            return Ok((status, page).into_response());
        }
    };
    match invites::accept(&state, &token, acceptor).await? {
        Ok((user_id, row, password_hash)) => {
            // The organisation may require a second factor: then its set-up comes first.
            let must_enrol = second_factor::must_enrol(&state, user_id, site.is_staff()).await?;
            if mode != Mode::SignedIn {
                session::sign_in(&state.db, &session, user_id, &password_hash, must_enrol).await?;
            } else if must_enrol {
                session::set_must_enrol(&session, true).await?;
            }
            let org = row.client_id.map_or(Organisation::Provider(row.provider_id), Organisation::Client);
            session::choose(&session, org).await?;
            session::flash(&session, format!("Welcome to {}.", row.organisation())).await?;
            if must_enrol {
                return Ok(Redirect::to("/account").into_response());
            }
            Ok(Redirect::to("/").into_response())
        }
        Err(NotAccepted::Gone) => {
            let again = db::invitations::find_by_token(&state.db, &token.hash()).await?;
            gone(&state, &session, &page, again.as_ref()).await
        }
        Err(NotAccepted::AlreadyMember) => already_member(&session, &page, &row).await,
    }
}

/// The answer to accepting into an organisation the person already belongs to: nothing changes.
async fn already_member(session: &Session, page: &PageContext, row: &InvitationRow) -> AppResult<Response> {
    let chrome = Chrome::anonymous(session, page).await?;
    let title = "You already have access";
    let message = format!(
        "You already belong to {}, so this invitation changes nothing: your role and companies stay as they are. Sign in to continue, or ask {} if you need different access.",
        row.provider_name,
        row.inviter()
    );
    Ok((StatusCode::CONFLICT, MessagePage::to_sign_in(chrome, title, message)).into_response())
}

async fn decline(Visit { state, page, session }: Visit, Path(raw): Path<String>) -> AppResult<Response> {
    let site = page.site;
    let Some((token, row)) = lookup(&state, site, &raw).await? else {
        return gone(&state, &session, &page, None).await;
    };
    match invites::decline(&state, &token).await? {
        Some(row) => Ok(DeclinedPage {
            chrome: branded_chrome(&state, &session, &page, Some(&row)).await?,
            organisation: row.organisation().to_string(),
            inviter: row.inviter().to_string(),
        }
        .into_response()),
        None => {
            let again = db::invitations::find_by_token(&state.db, &token.hash()).await?;
            gone(&state, &session, &page, again.as_ref().or(Some(&row))).await
        }
    }
}
