//! `spawn_app` and an HTTP agent that behaves like a browser: it keeps cookies, does not follow
//! redirects (tests assert them), and takes CSRF tokens from the forms it was shown.

use std::net::SocketAddr;
use std::time::Duration;

use portico::config::{Config, LogFormat, PublicUrl};
use portico::startup::Application;
use portico::state::AppState;
use reqwest::StatusCode;
use sqlx::PgPool;
use tokio::net::TcpListener;

use crate::smtp::SmtpServer;

pub struct TestApp {
    pub addr: SocketAddr,
    pub staff_url: String,
    pub portal_url: String,
    pub db: PgPool,
    pub state: AppState,
    pub smtp: SmtpServer,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Host {
    Staff,
    Portal,
}

pub fn test_config(port: u16, smtp_url: Option<String>) -> Config {
    Config {
        database_pool_size: portico::config::DEFAULT_POOL_SIZE,
        database_url: String::new(),
        staff_url: PublicUrl::parse(&format!("http://app.localhost:{port}")).unwrap(),
        portal_url: PublicUrl::parse(&format!("http://client.localhost:{port}")).unwrap(),
        dev_mailbox: smtp_url.is_none(),
        smtp_url,
        secret_key: None,
        trusted_proxies: Vec::new(),
        limits: portico::config::ConnectionLimits::default(),
        mail_from: "Portico Test <no-reply@portico.test>".parse().unwrap(),
        invite_ttl_days: 7,
        bind_addr: "127.0.0.1:0".parse().unwrap(),
        log_format: LogFormat::Pretty,
        mail_retry_base: Duration::from_millis(200),
        activity_every: Duration::from_secs(300),
        reminders: portico::config::Reminders::default(),
        // Tests run the lifecycle themselves (`lifecycle::run_once`) after moving the clock.
        lifecycle_every: Duration::from_secs(3600),
        clock_offset_secs: 0,
        // Tiles are unreachable in tests: the markers and the list must work without them.
        map: portico::config::MapTiles::parse("http://127.0.0.1:9/{z}/{x}/{y}.png", "Test tiles").unwrap(),
    }
}

/// Starts Portico on a free port, with a fresh SMTP server for its mail.
pub async fn spawn_app(db: PgPool) -> TestApp {
    let smtp = SmtpServer::start().await;
    spawn_app_with(db, Some(format!("smtp://127.0.0.1:{}", smtp.port)), smtp).await
}

pub async fn spawn_app_with(db: PgPool, smtp_url: Option<String>, smtp: SmtpServer) -> TestApp {
    spawn_app_configured(db, smtp, |config| config.smtp_url = smtp_url.clone()).await
}

/// Starts Portico with a configuration the test adjusts (`dev_mailbox` follows `smtp_url`).
pub async fn spawn_app_configured(db: PgPool, smtp: SmtpServer, adjust: impl FnOnce(&mut Config)) -> TestApp {
    if std::env::var("TEST_LOG").is_ok() {
        portico::telemetry::init(LogFormat::Pretty);
    }
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let mut config = test_config(addr.port(), Some(format!("smtp://127.0.0.1:{}", smtp.port)));
    adjust(&mut config);
    config.dev_mailbox = config.smtp_url.is_none();
    let app = Application::build_with_listener(config, db.clone(), listener).await.expect("app builds");
    let state = app.state();
    tokio::spawn(app.run_until_stopped());
    TestApp {
        addr,
        staff_url: format!("http://app.localhost:{}", addr.port()),
        portal_url: format!("http://client.localhost:{}", addr.port()),
        db,
        state,
        smtp,
    }
}

impl TestApp {
    /// A new visitor with an empty cookie jar.
    pub fn agent(&self) -> Agent {
        let client = reqwest::Client::builder()
            .cookie_store(true)
            .redirect(reqwest::redirect::Policy::none())
            .resolve("app.localhost", self.addr)
            .resolve("client.localhost", self.addr)
            .build()
            .unwrap();
        Agent { client, staff_url: self.staff_url.clone(), portal_url: self.portal_url.clone() }
    }

    /// Creates a provider from the command line's code path; returns the admin's invite link.
    pub async fn create_provider(&self, name: &str, admin_email: &str) -> String {
        portico::providers::create(&self.state, name, admin_email).await.unwrap()
    }

    /// A provider with a signed-in ADMIN: (agent, provider id).
    pub async fn provider_with_admin(&self, name: &str, email: &str) -> (Agent, uuid::Uuid) {
        let link = self.create_provider(name, email).await;
        let agent = self.agent();
        let page = agent.get_url(&link).await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        assert_is_redirect_to(&agent.accept_new(&page, &link, "Ada Admin", Host::Staff).await, "/");
        let provider: uuid::Uuid = sqlx::query_scalar("SELECT id FROM providers WHERE name = $1")
            .bind(name)
            .fetch_one(&self.db)
            .await
            .unwrap();
        (agent, provider)
    }

    pub async fn count(&self, sql: &str) -> i64 {
        sqlx::query_scalar(sql).fetch_one(&self.db).await.unwrap()
    }
}

pub const PASSWORD: &str = "correct horse battery";

/// `/invite/<token>` + suffix, as a path, from a full link.
pub fn link_path(link: &str, suffix: &str) -> String {
    let path =
        &link[link.find("/invite/").or_else(|| link.find("/reset-password/")).expect("a token link")..];
    format!("{path}{suffix}")
}

#[derive(Clone)]
pub struct Agent {
    pub client: reqwest::Client,
    staff_url: String,
    portal_url: String,
}

#[derive(Debug)]
pub struct Page {
    pub status: StatusCode,
    pub location: Option<String>,
    pub headers: reqwest::header::HeaderMap,
    pub body: String,
}

impl Page {
    pub async fn from_response(response: reqwest::Response) -> Page {
        let status = response.status();
        let headers = response.headers().clone();
        let location = headers.get("location").map(|v| v.to_str().unwrap().to_string());
        let body = response.text().await.unwrap();
        Page { status, location, headers, body }
    }

    /// The CSRF token of the first form on the page.
    pub fn csrf(&self) -> String {
        let marker = "name=\"csrf\" value=\"";
        let start = self.body.find(marker).unwrap_or_else(|| panic!("no form on page:\n{}", self.body))
            + marker.len();
        let end = self.body[start..].find('"').unwrap() + start;
        self.body[start..end].to_string()
    }

    /// The value of the readonly invite link field on a success screen.
    pub fn invite_link(&self) -> String {
        let marker = "id=\"invite-link\" type=\"text\" readonly value=\"";
        let start =
            self.body.find(marker).unwrap_or_else(|| panic!("no invite link on page:\n{}", self.body))
                + marker.len();
        let end = self.body[start..].find('"').unwrap() + start;
        self.body[start..end].to_string()
    }

    pub fn contains(&self, text: &str) -> bool {
        self.body.contains(text)
    }

    /// Asserts the page shows every one of `texts`, naming the first it lacks.
    pub fn assert_shows(&self, texts: &[&str]) {
        for text in texts {
            assert!(self.contains(text), "the page lacks {text:?}:\n{}", self.body);
        }
    }
}

pub fn assert_is_redirect_to(page: &Page, location: &str) {
    assert_eq!(page.status, StatusCode::SEE_OTHER, "expected a redirect to {location}, got:\n{}", page.body);
    assert_eq!(page.location.as_deref(), Some(location));
}

impl Agent {
    pub fn new(client: reqwest::Client, staff_url: String, portal_url: String) -> Self {
        Self { client, staff_url, portal_url }
    }

    pub fn staff_url(&self) -> &str {
        &self.staff_url
    }

    pub fn portal_url(&self) -> &str {
        &self.portal_url
    }

    fn base(&self, host: Host) -> &str {
        match host {
            Host::Staff => &self.staff_url,
            Host::Portal => &self.portal_url,
        }
    }

    async fn page(response: reqwest::Response) -> Page {
        Page::from_response(response).await
    }

    pub async fn get(&self, host: Host, path: &str) -> Page {
        self.get_url(&format!("{}{}", self.base(host), path)).await
    }

    pub async fn get_url(&self, url: &str) -> Page {
        Self::page(self.client.get(url).send().await.unwrap()).await
    }

    /// Posts a form as-is (the caller decides whether a CSRF token is included).
    pub async fn post_raw(&self, host: Host, path: &str, fields: &[(&str, &str)]) -> Page {
        let response =
            self.client.post(format!("{}{}", self.base(host), path)).form(fields).send().await.unwrap();
        Self::page(response).await
    }

    /// Submits a form that was shown on `page`, with its CSRF token.
    pub async fn submit_form(&self, page: &Page, action: &str, fields: &[(&str, &str)], host: Host) -> Page {
        let csrf = page.csrf();
        let mut all: Vec<(&str, &str)> = vec![("csrf", &csrf)];
        all.extend_from_slice(fields);
        self.post_raw(host, action, &all).await
    }

    /// Opens `form_path`, then submits `action` with the token from that page, as a person would.
    pub async fn post(&self, host: Host, form_path: &str, action: &str, fields: &[(&str, &str)]) -> Page {
        let page = self.get(host, form_path).await;
        self.submit_form(&page, action, fields, host).await
    }

    /// Opens an invitation link and answers it (`"/accept"` or `"/decline"`), as a person would.
    pub async fn answer_invitation(
        &self,
        link: &str,
        answer: &str,
        fields: &[(&str, &str)],
        host: Host,
    ) -> Page {
        let page = self.get_url(link).await;
        self.submit_form(&page, &link_path(link, answer), fields, host).await
    }

    /// Settings -> User Roles -> Invite staff user, with these fields.
    pub async fn invite_staff(&self, fields: &[(&str, &str)]) -> Page {
        let form = "/settings/users/invite-staff";
        self.post(Host::Staff, form, form, fields).await
    }

    /// A Client Admin's Users -> Invite user in the portal, with these fields.
    pub async fn invite_in_portal(&self, fields: &[(&str, &str)]) -> Page {
        self.post(Host::Portal, "/users/invite", "/users/invite", fields).await
    }

    /// A Client Admin's `action` from the menu on a row of the portal's Users page.
    pub async fn act_in_portal_users(
        &self,
        kind: &str,
        id: uuid::Uuid,
        action: &str,
        fields: &[(&str, &str)],
    ) -> Page {
        self.post(Host::Portal, "/users", &format!("/users/{kind}/{id}/{action}"), fields).await
    }

    /// Accepts the invitation on `page` (opened from `link`) as a new account named `name`.
    pub async fn accept_new(&self, page: &Page, link: &str, name: &str, host: Host) -> Page {
        let fields = [("name", name), ("password", PASSWORD), ("confirm", PASSWORD)];
        self.submit_form(page, &link_path(link, "/accept"), &fields, host).await
    }

    /// Opens `link` and accepts it as a new account named `name`, as a person would.
    pub async fn accept_link_as_new(&self, link: &str, name: &str, host: Host) -> Page {
        let page = self.get_url(link).await;
        self.accept_new(&page, link, name, host).await
    }

    pub async fn sign_in(&self, host: Host, email: &str, password: &str) -> Page {
        self.post(host, "/forgot-password", "/login", &[("email", email), ("password", password)]).await
    }

    /// Guesses `email`'s password `tries` times and asserts the rate limit: five refusals, then
    /// "too many" by the last, which from this agent holds even for the right password.
    pub async fn guess_until_limited(&self, host: Host, email: &str, tries: usize) {
        let mut statuses = Vec::new();
        for _ in 0..tries {
            statuses.push(self.sign_in(host, email, "wrong password!").await.status);
        }
        assert!(statuses[..5].iter().all(|s| *s == StatusCode::UNAUTHORIZED), "{statuses:?}");
        assert_eq!(*statuses.last().unwrap(), StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(self.sign_in(host, email, PASSWORD).await.status, StatusCode::TOO_MANY_REQUESTS);
    }

    /// Forgot password?, asking for a reset link for `email`.
    pub async fn forgot_password(&self, host: Host, email: &str) -> Page {
        self.post(host, "/forgot-password", "/forgot-password", &[("email", email)]).await
    }

    /// Sets `password` through the reset form on `form`, opened from the reset `link`.
    pub async fn reset_password(&self, form: &Page, link: &str, password: &str, host: Host) -> Page {
        let fields = [("password", password), ("confirm", password)];
        self.submit_form(form, &link_path(link, ""), &fields, host).await
    }

    /// Accepts the invitation on `page` (opened from `link`) with these fields: none when
    /// signed in as the invitee, the password of an existing account, or a new one's.
    pub async fn accept(&self, page: &Page, link: &str, fields: &[(&str, &str)], host: Host) -> Page {
        self.submit_form(page, &link_path(link, "/accept"), fields, host).await
    }

    /// Opens `link` and accepts it into the account it names, as its owner: the page says so, a
    /// wrong password is refused, the right one signs in.
    pub async fn accept_into_existing_account(&self, link: &str, host: Host) {
        let page = self.get_url(link).await;
        assert!(page.contains("You already have an account"), "{}", page.body);
        let wrong = self.accept(&page, link, &[("password", "not my password")], host).await;
        assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
        assert_is_redirect_to(&self.accept(&page, link, &[("password", PASSWORD)], host).await, "/");
    }

    /// Accepts as a new account whose name the inviter gave: only the password is asked.
    pub async fn accept_setting_password(&self, page: &Page, link: &str, host: Host) -> Page {
        self.accept(page, link, &[("password", PASSWORD), ("confirm", PASSWORD)], host).await
    }

    /// Posts an acceptance of `link` with the token of another form, as a forger or a stale tab
    /// would where the link's own page offers no form.
    pub async fn force_accept(&self, link: &str, fields: &[(&str, &str)], host: Host) -> Page {
        self.post(host, "/forgot-password", &link_path(link, "/accept"), fields).await
    }

    /// Asserts `link` is dead: its page answers 410 saying `why`, and an acceptance posted
    /// anyway is refused the same way.
    pub async fn assert_link_dead(&self, link: &str, why: &str, host: Host) {
        let page = self.get_url(link).await;
        assert_eq!(page.status, StatusCode::GONE);
        assert!(page.contains(why), "{}", page.body);
        let fields = [("name", "Late Comer"), ("password", PASSWORD), ("confirm", PASSWORD)];
        assert_eq!(self.force_accept(link, &fields, host).await.status, StatusCode::GONE);
    }

    /// Posts a row's menu `action` from the list at `list` and asserts it leads back there.
    pub async fn act_on_row(&self, host: Host, list: &str, action: &str, fields: &[(&str, &str)]) {
        let page = self.post(host, list, action, fields).await;
        assert_is_redirect_to(&page, list);
    }

    /// A removal from the list at `list`, its confirmation step answered; back to the list.
    pub async fn remove_confirmed(&self, host: Host, list: &str, action: &str) {
        self.act_on_row(host, list, action, &[("confirmed", "1")]).await;
    }

    /// Settings -> User Roles: `action` from the menu on a row (`kind` "staff" or "invitations").
    pub async fn act_in_user_roles(
        &self,
        kind: &str,
        id: impl std::fmt::Display,
        action: &str,
        fields: &[(&str, &str)],
    ) -> Page {
        let action = format!("/settings/users/{kind}/{id}/{action}");
        self.post(Host::Staff, "/settings/users", &action, fields).await
    }

    /// Settings -> User Roles -> Remove on a row, confirmed; back to the list.
    pub async fn remove_in_user_roles(&self, kind: &str, id: uuid::Uuid) {
        let removed = self.act_in_user_roles(kind, id, "remove", &[("confirmed", "1")]).await;
        assert_is_redirect_to(&removed, "/settings/users");
    }

    /// Remove on a client user's row of the client's page, confirmed.
    pub async fn remove_client_member(&self, client: uuid::Uuid, membership: uuid::Uuid) {
        let list = format!("/clients/{client}");
        self.remove_confirmed(Host::Staff, &list, &format!("{list}/users/members/{membership}/remove")).await;
    }
}

impl TestApp {
    /// Creates a client as `staff` (who must be allowed to); returns its id.
    /// The usual start: provider Acme IT with its ADMIN ada@acme.test signed in, and a client
    /// Globex (with its first company, also Globex).
    pub async fn acme_with_globex(&self) -> (Agent, uuid::Uuid) {
        let (staff, _) = self.provider_with_admin("Acme IT", "ada@acme.test").await;
        let client = self.new_client(&staff, "Globex").await;
        (staff, client)
    }

    pub async fn new_client(&self, staff: &Agent, name: &str) -> uuid::Uuid {
        let page =
            staff.post(Host::Staff, "/clients", "/clients", &[("name", name), ("contact_email", "")]).await;
        assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
        page.location.unwrap().trim_start_matches("/clients/").parse().unwrap()
    }

    pub async fn add_company(&self, staff: &Agent, client: uuid::Uuid, name: &str) -> uuid::Uuid {
        let path = format!("/clients/{client}/companies");
        let page = staff.post(Host::Staff, &path, &path, &[("name", name)]).await;
        assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
        self.company_id(client, name).await
    }

    pub async fn company_id(&self, client: uuid::Uuid, name: &str) -> uuid::Uuid {
        sqlx::query_scalar("SELECT id FROM companies WHERE client_id = $1 AND name = $2")
            .bind(client)
            .bind(name)
            .fetch_one(&self.db)
            .await
            .unwrap()
    }

    pub async fn id_of(&self, sql: &str) -> uuid::Uuid {
        sqlx::query_scalar(sql).fetch_one(&self.db).await.unwrap()
    }

    pub async fn user_id(&self, email: &str) -> uuid::Uuid {
        self.id_of(&format!("SELECT id FROM users WHERE email = '{email}'")).await
    }

    /// The id of `email`'s client membership (the only one they have).
    pub async fn membership_id(&self, email: &str) -> uuid::Uuid {
        let sql = "SELECT m.id FROM client_memberships m JOIN users u ON u.id = m.user_id WHERE u.email = ";
        self.id_of(&format!("{sql}'{email}'")).await
    }

    /// The id of the invitation sent to `email` (the only one).
    pub async fn invitation_id(&self, email: &str) -> uuid::Uuid {
        self.id_of(&format!("SELECT id FROM invitations WHERE email = '{email}'")).await
    }

    /// Invites `email` to the admin's provider as staff with `role` and has them join with a
    /// new account; returns their signed-in agent.
    pub async fn join_staff(&self, admin: &Agent, email: &str, role: &str) -> Agent {
        let sent = admin.invite_staff(&[("email", email), ("role", role)]).await;
        assert_eq!(sent.status, StatusCode::OK, "{}", sent.body);
        let link = sent.invite_link();
        let agent = self.agent();
        let page = agent.get_url(&link).await;
        assert_is_redirect_to(&agent.accept_new(&page, &link, email, Host::Staff).await, "/");
        agent
    }

    /// `count` visitors open `link`, then all accept it as new accounts at the same moment;
    /// returns their answers.
    pub async fn accept_at_once(&self, link: &str, count: usize, host: Host) -> Vec<Page> {
        let mut opened = Vec::new();
        for _ in 0..count {
            let agent = self.agent();
            let page = agent.get_url(link).await;
            opened.push((agent, page));
        }
        let tasks: Vec<_> = opened
            .into_iter()
            .map(|(agent, page)| {
                let link = link.to_string();
                tokio::spawn(async move { agent.accept_new(&page, &link, "Racer", host).await })
            })
            .collect();
        let mut answers = Vec::new();
        for task in tasks {
            answers.push(task.await.unwrap());
        }
        answers
    }

    /// The ids a client's content carries, for rows written straight into the database.
    pub async fn scope(&self, client: uuid::Uuid, company: uuid::Uuid) -> Scope {
        let provider = self.id_of(&format!("SELECT provider_id FROM clients WHERE id = '{client}'")).await;
        Scope { provider, client, company }
    }

    /// Runs SQL that writes many rows at once, faster than the pages would: `$1`, `$2`, `$3` are
    /// the scope's provider, client and company, and `$4`... are `extra`, as text (cast them).
    pub async fn seed(&self, sql: &str, scope: Scope, extra: &[&str]) {
        let mut query = sqlx::query(sql).bind(scope.provider).bind(scope.client).bind(scope.company);
        for value in extra {
            query = query.bind(*value);
        }
        query.execute(&self.db).await.unwrap();
    }

    /// Invites a client user from the client page; returns the page answered.
    pub async fn share(&self, staff: &Agent, client: uuid::Uuid, fields: &[(&str, &str)]) -> Page {
        let path = format!("/clients/{client}/users/invite");
        staff.post(Host::Staff, &path, &path, fields).await
    }

    /// Invites and accepts: returns the new client user's signed-in portal agent.
    pub async fn client_user(
        &self,
        staff: &Agent,
        client: uuid::Uuid,
        email: &str,
        role: &str,
        companies: &[uuid::Uuid],
    ) -> Agent {
        let ids: Vec<String> = companies.iter().map(ToString::to_string).collect();
        let mut fields = vec![("email", email), ("role", role)];
        for id in &ids {
            fields.push(("companies", id));
        }
        let sent = self.share(staff, client, &fields).await;
        assert_eq!(sent.status, StatusCode::OK, "{}", sent.body);
        let link = sent.invite_link();
        let agent = self.agent();
        assert_is_redirect_to(&agent.accept_link_as_new(&link, "Client Person", Host::Portal).await, "/");
        agent
    }
}

/// Acme IT with its ADMIN ada@acme.test signed in: the start of the tests that need no client.
pub async fn acme(db: PgPool) -> (TestApp, Agent) {
    let app = spawn_app(db).await;
    let (ada, _) = app.provider_with_admin("Acme IT", "ada@acme.test").await;
    (app, ada)
}

/// Where a client's content belongs: its provider, the client, and one of its companies.
#[derive(Clone, Copy, Debug)]
pub struct Scope {
    pub provider: uuid::Uuid,
    pub client: uuid::Uuid,
    pub company: uuid::Uuid,
}

/// The usual start, as one fixture: Acme IT with its ADMIN ada@acme.test signed in (`staff`), its
/// client Globex, and Globex's first company (also Globex).
pub struct Globex {
    pub app: TestApp,
    pub staff: Agent,
    pub client: uuid::Uuid,
    pub company: uuid::Uuid,
}

impl Globex {
    pub async fn start(db: PgPool) -> Globex {
        let app = spawn_app(db).await;
        let (staff, client) = app.acme_with_globex().await;
        let company = app.company_id(client, "Globex").await;
        Globex { app, staff, client, company }
    }

    /// With a second company, Globex South, for the tests of a person's scope; returns its id.
    pub async fn with_south(db: PgPool) -> (Globex, uuid::Uuid) {
        let g = Globex::start(db).await;
        let south = g.app.add_company(&g.staff, g.client, "Globex South").await;
        (g, south)
    }

    /// With carol@globex.test, a CLIENT of the first company, signed in to the portal.
    pub async fn with_carol(db: PgPool) -> (Globex, Agent) {
        let g = Globex::start(db).await;
        let carol = g.client_user("carol@globex.test", "CLIENT").await;
        (g, carol)
    }

    /// A client user of the first company, invited by staff and signed in to the portal.
    pub async fn client_user(&self, email: &str, role: &str) -> Agent {
        self.app.client_user(&self.staff, self.client, email, role, &[self.company]).await
    }

    /// Staff invite `email` to the first company (Share to Client); returns the page answered.
    pub async fn share(&self, email: &str) -> Page {
        self.app
            .share(&self.staff, self.client, &[("email", email), ("companies", &self.company.to_string())])
            .await
    }

    /// Remove on a row of the client's page (`kind` "members" or "invitations"), confirmed.
    pub async fn remove(&self, kind: &str, id: uuid::Uuid) {
        assert_is_redirect_to(&self.act(kind, id, "remove", &[("confirmed", "1")]).await, &self.page());
    }

    /// The client's page on the staff host, with its Client Users tab.
    pub fn page(&self) -> String {
        format!("/clients/{}", self.client)
    }

    /// Staff's `action` from the menu on a row (`kind` "members" or "invitations") of the page.
    pub async fn act(&self, kind: &str, id: uuid::Uuid, action: &str, fields: &[(&str, &str)]) -> Page {
        let action = format!("/clients/{}/users/{kind}/{id}/{action}", self.client);
        self.staff.post(Host::Staff, &self.page(), &action, fields).await
    }
}

/// Another provider, with its ADMIN signed in (`staff`) and a client of its own whose first
/// company has the client's name: for people who belong to two providers.
pub struct OtherProvider {
    pub staff: Agent,
    pub provider: uuid::Uuid,
    pub client: uuid::Uuid,
    pub company: uuid::Uuid,
}

impl OtherProvider {
    pub async fn start(app: &TestApp, name: &str, admin_email: &str, client_name: &str) -> OtherProvider {
        let (staff, provider) = app.provider_with_admin(name, admin_email).await;
        let client = app.new_client(&staff, client_name).await;
        let company = app.company_id(client, client_name).await;
        OtherProvider { staff, provider, client, company }
    }

    /// Its staff invite `email` to its client's portal; returns the invitation link.
    pub async fn invite(&self, app: &TestApp, email: &str) -> String {
        let fields = [("email", email), ("companies", &self.company.to_string())];
        let sent = app.share(&self.staff, self.client, &fields).await;
        assert_eq!(sent.status, StatusCode::OK, "{}", sent.body);
        sent.invite_link()
    }
}

/// The URL of this test's own database, for a real `portico` process to use.
pub async fn own_database_url(db: &PgPool) -> String {
    let database: String = sqlx::query_scalar("SELECT current_database()").fetch_one(db).await.unwrap();
    let base = std::env::var("DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into());
    format!("{}/{database}", &base[..base.rfind('/').unwrap()])
}
