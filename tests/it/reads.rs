//! Reads write nothing: a page view, signed in or not, sends a few statements and changes no
//! row; anonymous visitors leave no server state; who is asking comes back in one statement.
//!
//! Statements are counted from sqlx's own `sqlx::query` events, attributed to a request by the
//! request id of the span they happen in, so tests running side by side do not mix.

use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};
use std::time::Duration;

use reqwest::StatusCode;
use sqlx::PgPool;
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id};
use tracing::{Event, Subscriber};
use tracing_subscriber::layer::{Context, SubscriberExt};
use tracing_subscriber::registry::LookupSpan;
use tracing_subscriber::Layer;

use crate::helpers::{acme, assert_is_redirect_to, Agent, Globex, Host, TestApp, PASSWORD};

/// Statements seen per request id.
static STATEMENTS: OnceLock<Mutex<HashMap<String, Vec<String>>>> = OnceLock::new();

struct RequestId(String);

#[derive(Default)]
struct Fields {
    request_id: Option<String>,
    statement: Option<String>,
}

impl Visit for Fields {
    fn record_str(&mut self, field: &Field, value: &str) {
        match field.name() {
            "request_id" => self.request_id = Some(value.to_string()),
            "db.statement" | "summary" if self.statement.is_none() || field.name() == "db.statement" => {
                self.statement = Some(value.to_string())
            }
            _ => {}
        }
    }

    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        self.record_str(field, format!("{value:?}").trim_matches('"'));
    }
}

struct CountStatements;

impl<S: Subscriber + for<'a> LookupSpan<'a>> Layer<S> for CountStatements {
    fn on_new_span(&self, attrs: &Attributes<'_>, id: &Id, ctx: Context<'_, S>) {
        if attrs.metadata().name() != "request" {
            return;
        }
        let mut fields = Fields::default();
        attrs.record(&mut fields);
        if let (Some(span), Some(request_id)) = (ctx.span(id), fields.request_id) {
            span.extensions_mut().insert(RequestId(request_id));
        }
    }

    fn on_event(&self, event: &Event<'_>, ctx: Context<'_, S>) {
        if event.metadata().target() != "sqlx::query" {
            return;
        }
        let Some(scope) = ctx.event_scope(event) else { return };
        let Some(request_id) =
            scope.from_root().find_map(|s| s.extensions().get::<RequestId>().map(|r| r.0.clone()))
        else {
            return;
        };
        let mut fields = Fields::default();
        event.record(&mut fields);
        let statement = fields.statement.unwrap_or_default();
        STATEMENTS
            .get_or_init(Default::default)
            .lock()
            .unwrap()
            .entry(request_id)
            .or_default()
            .push(statement);
    }
}

fn install() {
    static INSTALLED: OnceLock<()> = OnceLock::new();
    INSTALLED.get_or_init(|| {
        let filter = tracing_subscriber::filter::Targets::new()
            .with_target("sqlx::query", tracing::Level::DEBUG)
            .with_target("portico", tracing::Level::INFO);
        let subscriber = tracing_subscriber::registry().with(CountStatements.with_filter(filter));
        let _ = tracing::subscriber::set_global_default(subscriber);
    });
}

/// GETs `path` and returns the page's status and the statements it sent.
async fn statements_of(agent: &Agent, url: &str) -> (StatusCode, Vec<String>) {
    let id = format!("count-{}", uuid::Uuid::new_v4().simple());
    let response = agent.client.get(url).header("x-request-id", &id).send().await.unwrap();
    let status = response.status();
    let _ = response.text().await;
    let seen = STATEMENTS.get_or_init(Default::default).lock().unwrap().remove(&id).unwrap_or_default();
    (status, page_statements(seen))
}

/// Waits until the mail sender has recorded every message so far: the test reads a message from
/// the SMTP server before the sender writes "sent" on its row, and that write is no page view's.
async fn mail_settled(db: &PgPool) {
    for _ in 0..100 {
        let queued: i64 = sqlx::query_scalar("SELECT count(*) FROM email_outbox WHERE state = 'QUEUED'")
            .fetch_one(db)
            .await
            .unwrap();
        if queued == 0 {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the outbox did not drain");
}

/// Statements a page sent, without sqlx's lookups of the catalogue (once per connection, the
/// first time a column of an enum type comes back on it).
fn page_statements(statements: Vec<String>) -> Vec<String> {
    statements.into_iter().filter(|s| !s.contains("pg_catalog.")).collect()
}

/// Every row of every table, as one digest: equal digests mean nothing was written.
async fn digest(db: &PgPool) -> String {
    mail_settled(db).await;
    let tables: Vec<String> = sqlx::query_scalar(
        "SELECT format('%I.%I', table_schema, table_name) FROM information_schema.tables
         WHERE table_schema IN ('public', 'tower_sessions') AND table_type = 'BASE TABLE'
           AND table_name <> '_sqlx_migrations' ORDER BY 1",
    )
    .fetch_all(db)
    .await
    .unwrap();
    let mut all = String::new();
    for table in tables {
        let rows: Option<String> = sqlx::query_scalar(&format!(
            "SELECT md5(string_agg(t::text, '|' ORDER BY t::text)) FROM {table} t"
        ))
        .fetch_one(db)
        .await
        .unwrap();
        all.push_str(&format!("{table}={}\n", rows.unwrap_or_default()));
    }
    all
}

fn writes(statements: &[String]) -> Vec<&String> {
    statements
        .iter()
        .filter(|s| {
            let s = s.trim_start().to_ascii_uppercase();
            ["BEGIN", "COMMIT"].iter().any(|w| s.starts_with(w))
                || ["INSERT INTO", "UPDATE ", "DELETE FROM"].iter().any(|w| s.contains(w))
        })
        .collect()
}

struct World {
    app: TestApp,
    staff: Agent,
    client: Agent,
    client_id: uuid::Uuid,
}

async fn world(db: PgPool) -> World {
    install();
    let Globex { app, staff, client: client_id, company } = Globex::start(db).await;
    let client = app.client_user(&staff, client_id, "cora@globex.test", "CLIENT_ADMIN", &[company]).await;
    World { app, staff, client, client_id }
}

#[sqlx::test]
async fn page_views_send_few_statements_and_write_nothing(db: PgPool) {
    let w = world(db).await;
    let portal = |p: &str| format!("{}{p}", w.app.portal_url);
    let staff = |p: &str| format!("{}{p}", w.app.staff_url);
    // The first view after sign-in may record activity (off the response's path); let it land.
    statements_of(&w.client, &portal("/jobs")).await;
    statements_of(&w.staff, &staff("/")).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let before = digest(&w.app.db).await;

    // Who is asking is one statement after the session's own; /jobs adds only its one query.
    let (status, jobs) = statements_of(&w.client, &portal("/jobs")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(jobs.len(), 3, "session, who is asking, the jobs: {jobs:#?}");

    let pages = [
        (&w.client, portal("/")),
        (&w.client, portal("/captures")),
        (&w.client, portal("/assessment")),
        (&w.client, portal("/export")),
        (&w.client, portal("/users")),
        (&w.staff, staff("/")),
        (&w.staff, staff("/clients")),
        (&w.staff, staff(&format!("/clients/{}", w.client_id))),
        (&w.staff, staff("/settings/users")),
    ];
    for (agent, url) in pages {
        let (status, statements) = statements_of(agent, &url).await;
        assert_eq!(status, StatusCode::OK, "{url}");
        assert!(writes(&statements).is_empty(), "{url} wrote: {statements:#?}");
        assert!(statements.len() <= 12, "{url} sent {} statements: {statements:#?}", statements.len());
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(digest(&w.app.db).await, before, "a page view changed a row");
}

#[sqlx::test]
async fn user_roles_sends_as_many_statements_for_five_clients_as_for_one(db: PgPool) {
    let w = world(db).await;
    let url = format!("{}/settings/users", w.app.staff_url);
    statements_of(&w.staff, &url).await;
    let (_, one) = statements_of(&w.staff, &url).await;
    for n in 2..=5 {
        let client = w.app.new_client(&w.staff, &format!("Client {n}")).await;
        let company = w.app.company_id(client, &format!("Client {n}")).await;
        let email = format!("person{n}@client{n}.test");
        let sent = w
            .app
            .share(
                &w.staff,
                client,
                &[("email", &email), ("role", "CLIENT"), ("companies", &company.to_string())],
            )
            .await;
        assert_eq!(sent.status, StatusCode::OK);
    }
    let (status, five) = statements_of(&w.staff, &url).await;
    assert_eq!(status, StatusCode::OK);
    let page = w.staff.get(Host::Staff, "/settings/users").await;
    assert!(page.body.matches("@client").count() >= 4, "the four new people are listed");
    assert_eq!(
        page_statements(five.clone()).len(),
        page_statements(one.clone()).len(),
        "one client: {one:#?}\nfive clients: {five:#?}"
    );
}

#[sqlx::test]
async fn anonymous_visitors_leave_no_server_state(db: PgPool) {
    install();
    let (app, _ada) = acme(db).await;
    let before = digest(&app.db).await;
    for _ in 0..25 {
        let visitor = app.agent();
        for (host, path) in
            [(Host::Staff, "/login"), (Host::Portal, "/login"), (Host::Portal, "/forgot-password")]
        {
            let page = visitor.get(host, path).await;
            assert_eq!(page.status, StatusCode::OK);
        }
        let (_, statements) = statements_of(&visitor, &format!("{}/login", app.portal_url)).await;
        assert!(statements.is_empty(), "an anonymous sign-in page needs no database: {statements:#?}");
    }
    assert_eq!(digest(&app.db).await, before);

    // The token on those pages still works: it is signed, not stored.
    let agent = app.agent();
    assert_is_redirect_to(&agent.sign_in(Host::Staff, "ada@acme.test", PASSWORD).await, "/");
}

#[sqlx::test]
async fn a_flash_message_is_shown_once_and_reading_none_writes_nothing(db: PgPool) {
    let w = world(db).await;
    let path = format!("/clients/{}/companies", w.client_id);
    let added = w.staff.post(Host::Staff, &path, &path, &[("name", "Globex East")]).await;
    assert_eq!(added.status, StatusCode::SEE_OTHER);
    let shown = w.staff.get(Host::Staff, &path).await;
    assert!(shown.contains("Company Globex East added."));
    assert!(!w.staff.get(Host::Staff, &path).await.contains("Company Globex East added."));
    tokio::time::sleep(Duration::from_millis(300)).await;
    let before = digest(&w.app.db).await;
    w.staff.get(Host::Staff, &path).await;
    assert_eq!(digest(&w.app.db).await, before);
}

#[sqlx::test]
async fn activity_is_recorded_at_most_once_per_interval_and_keeps_the_session_alive(db: PgPool) {
    let w = world(db).await;
    let last_seen =
        "SELECT extract(epoch FROM last_seen_at)::float8 FROM users WHERE email = 'cora@globex.test'";
    let at_sign_in: f64 = sqlx::query_scalar(last_seen).fetch_one(&w.app.db).await.unwrap();
    // Pretend the last activity was long ago and the session is about to expire.
    sqlx::query("UPDATE users SET last_seen_at = now() - interval '1 hour' WHERE email = 'cora@globex.test'")
        .execute(&w.app.db)
        .await
        .unwrap();
    sqlx::query("UPDATE tower_sessions.session SET expiry_date = now() + interval '1 minute'")
        .execute(&w.app.db)
        .await
        .unwrap();
    assert!(at_sign_in > 0.0, "signing in counts as activity");
    for _ in 0..5 {
        assert_eq!(w.client.get(Host::Portal, "/jobs").await.status, StatusCode::OK);
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    let recent = w.app.count("SELECT count(*) FROM users WHERE email = 'cora@globex.test' AND last_seen_at > now() - interval '1 minute'").await;
    assert_eq!(recent, 1, "the portal visit shows as last activity");
    let extended = w
        .app
        .count("SELECT count(*) FROM tower_sessions.session WHERE expiry_date > now() + interval '7 hours'")
        .await;
    assert!(extended >= 1, "activity moves the idle expiry on");

    // An expired session is refused at the next request, and that is not a 500.
    sqlx::query("UPDATE tower_sessions.session SET expiry_date = now() - interval '1 second'")
        .execute(&w.app.db)
        .await
        .unwrap();
    assert_is_redirect_to(&w.client.get(Host::Portal, "/jobs").await, "/login");
}
