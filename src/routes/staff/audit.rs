use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use axum::response::IntoResponse;
use axum::routing::get;
use axum::Router;
use serde::Deserialize;

use crate::auth::StaffMember;
use crate::db;
use crate::domain::Permission;
use crate::error::AppResult;
use crate::routes::form::Query;
use crate::state::AppState;
use crate::views::when::{moment, Moment};
use crate::views::Chrome;

const PAGE: i64 = 50;

pub fn router() -> Router<AppState> {
    Router::new().route("/audit", get(audit_log))
}

struct EventView {
    when: Moment,
    actor: String,
    action: String,
    target: String,
    details: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "staff/audit.html")]
struct AuditPage {
    chrome: Chrome,
    events: Vec<EventView>,
    older: Option<i64>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct AuditQuery {
    #[serde(deserialize_with = "crate::views::lenient_opt")]
    before: Option<i64>,
}

async fn audit_log(
    State(state): State<AppState>,
    member: StaffMember,
    Query(q): Query<AuditQuery>,
) -> AppResult<impl IntoResponse> {
    member.require(Permission::ReadAuditLog)?;
    let rows = db::audit::page(&state.db, member.provider, q.before, PAGE).await?;
    let older = (rows.len() as i64 == PAGE).then(|| rows.last().map(|r| r.id)).flatten();
    let events = rows
        .into_iter()
        .map(|r| EventView {
            when: moment(r.created_at),
            actor: r.actor.unwrap_or_else(|| "Portico".into()),
            action: r.action,
            target: r.target,
            details: r.details.to_string(),
        })
        .collect();
    Ok(AuditPage { chrome: Chrome::staff(&member).await?, events, older })
}
