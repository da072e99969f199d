//! The audit log: every event of the provider in sentences, filtered by person, kind of action,
//! client and dates, a page at a time, and the same selection as a CSV download.

use askama::Template;
use askama_web::WebTemplate;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use serde::Deserialize;
use time::macros::format_description;
use time::Date;

use crate::auth::StaffMember;
use crate::db;
use crate::db::audit::{Event, Filter, Names};
use crate::db::clients::Visibility;
use crate::domain::{ClientId, Permission};
use crate::error::{AppError, AppResult};
use crate::routes::form::Query;
use crate::state::AppState;
use crate::views::content::defused;
use crate::views::events::{referenced, sentence};
use crate::views::pages::csv_response;
use crate::views::when::{moment, Moment};
use crate::views::Chrome;

const PAGE: i64 = 50;
/// Rows a download holds at most; narrow the filters for more.
const CSV_ROWS: i64 = 10_000;

pub fn router() -> Router<AppState> {
    Router::new().route("/audit", get(audit_log)).route("/audit.csv", get(download))
}

/// The kinds of action a person can filter by: (value, label, action prefixes).
const KINDS: [(&str, &str, &[&str]); 8] = [
    ("invitations", "Invitations", &["invitation"]),
    ("client-users", "Client users", &["client_user"]),
    ("staff", "Staff", &["staff"]),
    ("clients", "Clients and companies", &["client", "company"]),
    ("work", "Jobs, captures and assessments", &["job", "capture", "assessment"]),
    ("passwords", "Passwords", &["password_reset"]),
    ("settings", "Settings", &["brand"]),
    ("two-factor", "Two-factor authentication", &["second_factor"]),
];

struct EventView {
    when: Moment,
    text: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "staff/audit.html")]
struct AuditPage {
    chrome: Chrome,
    events: Vec<EventView>,
    q: AuditQuery,
    kinds: Vec<(&'static str, &'static str)>,
    clients: Vec<(String, String)>,
    /// The filters as a query string (`&person=...`), kept by Older events and the download.
    filters: String,
    older: Option<i64>,
}

#[derive(Clone, Deserialize, Default)]
#[serde(default)]
struct AuditQuery {
    person: String,
    kind: String,
    client: String,
    from: String,
    to: String,
    #[serde(deserialize_with = "crate::views::lenient_opt")]
    before: Option<i64>,
}

impl AuditQuery {
    /// The filter these fields ask for; a date or client that does not parse is refused.
    fn filter(&self) -> AppResult<Filter> {
        let day = |raw: &str| -> AppResult<Option<Date>> {
            let raw = raw.trim();
            if raw.is_empty() {
                return Ok(None);
            }
            Date::parse(raw, format_description!("[year]-[month]-[day]"))
                .map(Some)
                .map_err(|_| AppError::BadRequest("Enter dates such as 2026-12-01."))
        };
        let client = match self.client.trim() {
            "" => None,
            raw => Some(
                raw.parse::<ClientId>()
                    .map_err(|_| AppError::BadRequest("Choose a client from the list."))?,
            ),
        };
        let kinds = match KINDS.iter().find(|k| k.0 == self.kind) {
            Some(k) => k.2.to_vec(),
            None if self.kind.is_empty() => Vec::new(),
            None => return Err(AppError::BadRequest("Choose a kind of action from the list.")),
        };
        Ok(Filter {
            person: self.person.chars().take(200).collect(),
            kinds,
            client,
            from: day(&self.from)?.map(|d| d.midnight().assume_utc()),
            until: match day(&self.to)? {
                Some(d) => Some(
                    d.next_day()
                        .ok_or(AppError::BadRequest("Enter dates such as 2026-12-01."))?
                        .midnight()
                        .assume_utc(),
                ),
                None => None,
            },
        })
    }

    /// The filters that are set, as a query string.
    fn query_string(&self) -> String {
        let set: Vec<(&str, &str)> = [
            ("person", &self.person),
            ("kind", &self.kind),
            ("client", &self.client),
            ("from", &self.from),
            ("to", &self.to),
        ]
        .into_iter()
        .filter(|(_, v)| !v.trim().is_empty())
        .map(|(k, v)| (k, v.as_str()))
        .collect();
        serde_urlencoded::to_string(set).unwrap_or_default()
    }
}

/// The events and the names they mention.
async fn read(
    state: &AppState,
    member: &StaffMember,
    filter: &Filter,
    before: Option<i64>,
    limit: i64,
) -> AppResult<(Vec<Event>, Names)> {
    member.require(Permission::ReadAuditLog)?;
    let events = db::audit::page(&state.db, member.provider, filter, before, limit).await?;
    let (clients, companies, users) = referenced(&events);
    let names = db::audit::names(&state.db, member.provider, &clients, &companies, &users).await?;
    Ok((events, names))
}

async fn audit_log(
    state: AppState,
    member: StaffMember,
    Query(q): Query<AuditQuery>,
) -> AppResult<impl IntoResponse> {
    let filter = q.filter()?;
    let (events, names) = read(&state, &member, &filter, q.before, PAGE).await?;
    let older = (events.len() as i64 == PAGE).then(|| events.last().map(|e| e.id)).flatten();
    let views =
        events.iter().map(|e| EventView { when: moment(e.created_at), text: sentence(e, &names) }).collect();
    let clients = db::clients::all_visible(&state.db, member.provider, Visibility::All)
        .await?
        .into_iter()
        .map(|(id, name)| (id.to_string(), name))
        .collect();
    Ok(AuditPage {
        chrome: Chrome::staff(&member).await?,
        events: views,
        filters: q.query_string(),
        q,
        kinds: KINDS.iter().map(|k| (k.0, k.1)).collect(),
        clients,
        older,
    })
}

async fn download(state: AppState, member: StaffMember, Query(q): Query<AuditQuery>) -> AppResult<Response> {
    let filter = q.filter()?;
    let (events, names) = read(&state, &member, &filter, None, CSV_ROWS).await?;
    let mut csv = csv::Writer::from_writer(Vec::new());
    let failed = |_| AppError::Internal(anyhow::anyhow!("could not write the CSV"));
    csv.write_record(["time (UTC)", "who", "event", "action", "subject"]).map_err(failed)?;
    for e in &events {
        let at = e.created_at.format(&time::format_description::well_known::Rfc3339).unwrap_or_default();
        let who = e.actor.clone().unwrap_or_else(|| "Portico".into());
        let record = [at, who, sentence(e, &names), e.action.clone(), e.target.clone()];
        csv.write_record(record.iter().map(|cell| defused(cell).into_owned())).map_err(failed)?;
    }
    let bytes =
        csv.into_inner().map_err(|_| AppError::Internal(anyhow::anyhow!("could not write the CSV")))?;
    Ok(csv_response("audit-log", &member.provider_name, String::from_utf8_lossy(&bytes).into_owned()))
}
