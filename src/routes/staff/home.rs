use askama::Template;
use askama_web::WebTemplate;
use axum::response::IntoResponse;
use axum::routing::get;
use axum::Router;

use crate::auth::StaffMember;
use crate::db;
use crate::domain::Permission;
use crate::error::AppResult;
use crate::state::AppState;
use crate::views::Chrome;

pub fn router() -> Router<AppState> {
    Router::new().route("/", get(home))
}

#[derive(Template, WebTemplate)]
#[template(path = "staff/home.html")]
struct HomePage {
    chrome: Chrome,
    provider: String,
    role: &'static str,
    expired_invitations: i64,
    failed_emails: i64,
    can_manage_staff: bool,
    dev_mailbox: bool,
}

async fn home(state: AppState, member: StaffMember) -> AppResult<impl IntoResponse> {
    Ok(HomePage {
        chrome: Chrome::staff(&member).await?,
        provider: member.provider_name.clone(),
        role: member.role.label(),
        expired_invitations: db::invitations::expired_count(&state.db, member.provider).await?,
        failed_emails: db::outbox::failed_count(&state.db, member.provider).await?,
        can_manage_staff: member.can(Permission::ManageStaff),
        dev_mailbox: state.config.dev_mailbox,
    })
}
