//! The development mailbox: with `DEV_MAILBOX=1`, mail is kept here so a person trying Portico
//! can click the links. Anyone can read it, so it exists only when asked for.

use askama::Template;
use askama_web::WebTemplate;
use axum::response::IntoResponse;
use axum::routing::get;
use axum::Router;
use tower_sessions::Session;

use crate::auth::csrf::PageContext;
use crate::auth::StaffMember;
use crate::db;
use crate::db::dev_mail::DevMailRow;
use crate::error::{AppError, AppResult};
use crate::routes::form::Path;
use crate::state::AppState;
use crate::views::when::{moment, Moment};
use crate::views::Chrome;

pub fn router() -> Router<AppState> {
    Router::new().route("/dev/mail", get(mailbox)).route("/dev/mail/{id}", get(message))
}

struct MailView {
    id: uuid::Uuid,
    to: String,
    subject: String,
    received: Moment,
}

#[derive(Template, WebTemplate)]
#[template(path = "staff/dev_mail.html")]
struct MailboxPage {
    chrome: Chrome,
    messages: Vec<MailView>,
}

#[derive(Template, WebTemplate)]
#[template(path = "staff/dev_mail_message.html")]
struct MessagePage {
    chrome: Chrome,
    to: String,
    subject: String,
    received: Moment,
    /// The plain-text body split into lines, with links marked so they can be clicked.
    lines: Vec<(bool, String)>,
}

fn ensure_enabled(state: &AppState) -> AppResult<()> {
    if !state.config.dev_mailbox {
        return Err(AppError::NotFound);
    }
    Ok(())
}

/// The page chrome: a signed-in staff member keeps their navigation; anyone else (the mailbox
/// is for whoever is trying the product) gets the plain one.
async fn chrome(
    member: Result<StaffMember, AppError>,
    session: &Session,
    page: &PageContext,
) -> AppResult<Chrome> {
    match member {
        Ok(member) => Chrome::staff(&member).await,
        Err(_) => Chrome::anonymous(session, page).await,
    }
}

async fn mailbox(
    state: AppState,
    page: PageContext,
    session: Session,
    member: Result<StaffMember, AppError>,
) -> AppResult<impl IntoResponse> {
    ensure_enabled(&state)?;
    let messages = db::dev_mail::latest(&state.db, 100)
        .await?
        .into_iter()
        .map(|m: DevMailRow| MailView {
            id: m.id,
            to: m.to_address,
            subject: m.subject,
            received: moment(m.received_at),
        })
        .collect();
    Ok(MailboxPage { chrome: chrome(member, &session, &page).await?, messages })
}

async fn message(
    state: AppState,
    page: PageContext,
    session: Session,
    member: Result<StaffMember, AppError>,
    Path(id): Path<uuid::Uuid>,
) -> AppResult<impl IntoResponse> {
    ensure_enabled(&state)?;
    let m = db::dev_mail::find(&state.db, id).await?.ok_or(AppError::NotFound)?;
    let lines = m
        .text_body
        .lines()
        .map(|l| (l.starts_with("http://") || l.starts_with("https://"), l.to_string()))
        .collect();
    Ok(MessagePage {
        chrome: chrome(member, &session, &page).await?,
        to: m.to_address,
        subject: m.subject,
        received: moment(m.received_at),
        lines,
    })
}
