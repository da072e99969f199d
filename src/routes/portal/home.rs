use askama::Template;
use askama_web::WebTemplate;
use axum::response::IntoResponse;
use axum::routing::get;
use axum::Router;

use crate::auth::ClientMember;
use crate::error::AppResult;
use crate::state::AppState;
use crate::views::Chrome;

pub fn router() -> Router<AppState> {
    Router::new().route("/", get(home))
}

#[derive(Template, WebTemplate)]
#[template(path = "portal/home.html")]
struct HomePage {
    chrome: Chrome,
    organisation: String,
    provider: String,
    role: &'static str,
}

async fn home(member: ClientMember) -> AppResult<impl IntoResponse> {
    Ok(HomePage {
        chrome: Chrome::portal(&member).await?,
        organisation: member.client_name.clone(),
        provider: member.provider_name.clone(),
        role: member.role.label(),
    })
}
