//! The flows people click through, in a real headless Chromium driven over WebDriver
//! (Debian's `chromium` and `chromium-driver`; nothing downloads its own browser).

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::json;
use sqlx::PgPool;

use crate::helpers::spawn_app;

/// A headless Chromium with its chromedriver; both end when this is dropped.
pub struct Browser {
    pub client: Client,
    driver: Child,
    profile: std::path::PathBuf,
}

impl Browser {
    pub async fn start() -> Browser {
        let chromium = std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
        let chromedriver = std::env::var("CHROMEDRIVER").unwrap_or_else(|_| "/usr/bin/chromedriver".into());
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let driver = Command::new(&chromedriver)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {chromedriver} ({e}); run scripts/test, which installs chromium and chromium-driver"));
        let profile = std::env::temp_dir().join(format!("portico-chromium-{}", uuid::Uuid::new_v4()));
        let mut caps = serde_json::Map::new();
        caps.insert(
            "goog:chromeOptions".into(),
            json!({
                "binary": chromium,
                "args": [
                    "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                    "--disable-background-networking", "--disable-component-update", "--disable-sync",
                    "--disable-quic", "--disable-dev-shm-usage", "--window-size=1280,900",
                    format!("--user-data-dir={}", profile.display()),
                ]
            }),
        );
        let url = format!("http://127.0.0.1:{port}");
        let mut last_error = None;
        for _ in 0..100 {
            match ClientBuilder::new(HttpConnector::new()).capabilities(caps.clone()).connect(&url).await {
                Ok(client) => return Browser { client, driver, profile },
                Err(e) => {
                    last_error = Some(e);
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
            }
        }
        panic!("chromedriver did not start a session: {last_error:?}");
    }

    pub async fn goto(&self, url: &str) {
        self.client.goto(url).await.unwrap();
    }

    /// Accepts the invitation open in the browser as a new account: the name, unless the
    /// inviter gave it, and the password twice.
    pub async fn accept_invitation(&self, name: Option<&str>, password: &str) {
        if let Some(name) = name {
            self.fill("name", name).await;
        }
        self.fill_in(&[("password", password), ("confirm", password)]).await;
        self.click("Accept invitation").await;
    }

    /// Signs out, then signs in again on the page that follows as far as the password: the
    /// second step, which asks for a code, is open.
    pub async fn sign_out_and_give_the_password(&self, email: &str, password: &str) {
        self.click("Sign out").await;
        self.expect_text("You have signed out.").await;
        self.fill_in(&[("email", email), ("password", password)]).await;
        self.click("Sign in").await;
        self.expect_text("Enter your code").await;
    }

    /// Fills these fields, by id, in order.
    pub async fn fill_in(&self, fields: &[(&str, &str)]) {
        for (id, value) in fields {
            self.fill(id, value).await;
        }
    }

    pub async fn fill(&self, id: &str, value: &str) {
        let field = self.client.wait().for_element(Locator::Id(id)).await.unwrap();
        field.clear().await.unwrap();
        field.send_keys(value).await.unwrap();
    }

    /// Clicks the button or link whose visible words are `words`.
    pub async fn click(&self, words: &str) {
        let xpath = format!("//button[normalize-space()='{words}'] | //a[normalize-space()='{words}'] | //summary[@aria-label='{words}']");
        let element = self
            .client
            .wait()
            .for_element(Locator::XPath(&xpath))
            .await
            .unwrap_or_else(|e| panic!("no {words:?} to click: {e}"));
        element.click().await.unwrap();
    }

    /// The visible text of the page; empty while a navigation is still under way.
    pub async fn text(&self) -> String {
        match self.client.find(Locator::Css("body")).await {
            Ok(body) => body.text().await.unwrap_or_default(),
            Err(_) => String::new(),
        }
    }

    /// Waits until the page shows `text`; panics with what it shows instead.
    pub async fn expect_text(&self, text: &str) {
        for _ in 0..50 {
            if self.text().await.contains(text) {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("the page never showed {text:?}; it shows:\n{}", self.text().await);
    }

    pub async fn path(&self) -> String {
        self.client.current_url().await.unwrap().path().to_string()
    }

    pub async fn value_of(&self, id: &str) -> String {
        let el = self.client.find(Locator::Id(id)).await.unwrap();
        el.prop("value").await.unwrap().unwrap_or_default()
    }

    pub async fn select(&self, id: &str, value: &str) {
        let el = self.client.find(Locator::Id(id)).await.unwrap();
        el.select_by_value(value).await.unwrap();
    }

    /// How far the page at `url` is wider than the window (0 when it fits), at the current size.
    pub async fn overflow(&self, url: &str) -> i64 {
        self.goto(url).await;
        let widths = self
            .client
            .execute("return [document.documentElement.scrollWidth, window.innerWidth];", vec![])
            .await
            .unwrap();
        let widths: Vec<i64> = serde_json::from_value(widths).unwrap();
        widths[0] - widths[1]
    }

    /// What axe-core (tests/browser, installed by scripts/setup --browser) finds wrong with the
    /// page open now: one line per rule broken, with up to three of the elements.
    pub async fn axe_violations(&self) -> Vec<String> {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/browser/node_modules/axe-core/axe.min.js");
        let source = std::fs::read_to_string(path)
            .unwrap_or_else(|e| panic!("{path}: {e}; run scripts/test, which installs axe-core"));
        self.client.execute(&format!("{source}\nreturn true;"), vec![]).await.unwrap();
        let found = self
            .client
            .execute_async(
                "const done = arguments[arguments.length - 1];
                 axe.run(document, { resultTypes: ['violations'] })
                    .then(r => done(r.violations.map(v => v.id + ' (' + v.impact + '): ' + v.help + ' at '
                        + v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(', '))))
                    .catch(e => done(['axe could not run: ' + e]));",
                vec![],
            )
            .await
            .unwrap();
        serde_json::from_value(found).unwrap()
    }

    pub async fn sign_in(&self, base: &str, email: &str, password: &str) {
        self.goto(&format!("{base}/login")).await;
        self.fill_in(&[("email", email), ("password", password)]).await;
        self.click("Sign in").await;
        for _ in 0..50 {
            if self.path().await != "/login" {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("could not sign in as {email}: {}", self.text().await);
    }

    /// Sets up an authenticator app from Account security on `base`, as a person does: the
    /// password, the key the page shows (read into the returned app), its first code.
    pub async fn set_up_authenticator_app(&self, base: &str, password: &str) -> totp_rs::TOTP {
        self.goto(&format!("{base}/account")).await;
        self.fill("start-password", password).await;
        self.click("Set up an authenticator app").await;
        self.expect_text("Cannot scan it?").await;
        assert!(self.client.find(Locator::Css(".qr svg")).await.is_ok(), "the QR code is on the page");
        let key = self.client.find(Locator::Id("secret")).await.unwrap().text().await.unwrap();
        let secret = totp_rs::Secret::Encoded(key.split_whitespace().collect()).to_bytes().unwrap();
        let phone = totp_rs::TOTP::new(totp_rs::Algorithm::SHA1, 6, 1, 30, secret).unwrap();
        self.fill("code", &code_in(&phone, 0)).await;
        self.click("Turn on two-factor authentication").await;
        self.expect_text("They are shown only now.").await;
        self.click("I have kept them").await;
        self.expect_text("You have 10 unused recovery codes").await;
        phone
    }

    pub async fn close(self) {
        let Browser { client, mut driver, profile } = self;
        let _ = client.close().await;
        let _ = driver.kill();
        let _ = driver.wait();
        let _ = std::fs::remove_dir_all(profile);
    }
}

#[sqlx::test]
async fn the_first_admin_accepts_and_invites_a_colleague_in_a_browser(db: PgPool) {
    let app = spawn_app(db).await;
    app.create_provider("Acme IT", "ada@acme.test").await;
    let link = app.smtp.first_to("ada@acme.test").await.link_containing("/invite/");

    let browser = Browser::start().await;
    browser.goto(&link).await;
    browser.expect_text("You're invited to Acme IT").await;
    browser.expect_text("Invited by\nPortico").await;
    browser.accept_invitation(Some("Ada Lovelace"), "correct horse battery").await;
    browser.expect_text("Welcome to Acme IT.").await;
    assert_eq!(browser.path().await, "/");

    browser.click("Settings").await;
    browser.expect_text("Settings → User Roles").await;
    browser.click("Invite staff user").await;
    browser.fill_in(&[("email", "bob@acme.test"), ("name", "Bob Builder")]).await;
    browser.select("role", "MANAGER").await;
    browser.click("Send Invitation").await;
    browser.expect_text("Invitation sent").await;
    let shown = browser.value_of("invite-link").await;
    browser.click("Copy link").await;
    let emailed = app.smtp.first_to("bob@acme.test").await.link_containing("/invite/");
    assert_eq!(shown, emailed);

    browser.click("Back to User Roles").await;
    browser.expect_text("bob@acme.test").await;
    browser.click("Sign out").await;
    browser.expect_text("Sign in").await;
    assert_eq!(browser.path().await, "/login");
    browser.close().await;
}

impl Browser {
    pub async fn click_xpath(&self, xpath: &str) {
        let element = self
            .client
            .wait()
            .for_element(Locator::XPath(xpath))
            .await
            .unwrap_or_else(|e| panic!("nothing at {xpath}: {e}"));
        element.click().await.unwrap();
    }
}

#[sqlx::test]
async fn staff_shares_to_a_client_who_accepts_and_loses_access_when_removed(db: PgPool) {
    let app = spawn_app(db).await;
    let (admin, client) = app.acme_with_globex().await;
    let company = app.company_id(client, "Globex").await;
    drop(admin);

    let browser = Browser::start().await;
    // Staff signs in and opens the client.
    browser.goto(&format!("{}/login", app.staff_url)).await;
    browser.fill_in(&[("email", "ada@acme.test"), ("password", crate::helpers::PASSWORD)]).await;
    browser.click("Sign in").await;
    browser.expect_text("Needs attention").await;
    browser.click("Clients").await;
    browser.click("Globex").await;
    browser.expect_text("Client Users").await;

    // Share to Client: the only company is already ticked; Client is the default role.
    browser.click("Share to Client").await;
    browser.fill_in(&[("email", "carol@globex.test"), ("name", "Carol Client")]).await;
    assert_eq!(
        browser
            .client
            .find(Locator::Id(&format!("company-{company}")))
            .await
            .unwrap()
            .prop("checked")
            .await
            .unwrap()
            .as_deref(),
        Some("true")
    );
    browser.click("Send Invitation").await;
    browser.expect_text("Invitation sent").await;
    let shown = browser.value_of("invite-link").await;

    // The email arrives over SMTP; the client opens its link at the portal.
    let link = app.smtp.first_to("carol@globex.test").await.link_containing("/invite/");
    assert_eq!(link, shown);
    browser.goto(&link).await;
    browser.expect_text("You're invited to Globex").await;
    browser.expect_text("Ada Admin").await;
    browser.accept_invitation(None, "carols secret pass").await;
    browser.expect_text("Welcome to Globex.").await;
    assert!(browser.client.current_url().await.unwrap().as_str().starts_with(&app.portal_url));

    // Staff removes her from the three-dot menu on her row.
    browser.goto(&format!("{}/clients/{client}", app.staff_url)).await;
    browser.expect_text("Active").await;
    browser.click("Actions for carol@globex.test").await;
    browser
        .click_xpath("//tr[td[normalize-space()='carol@globex.test']]//button[normalize-space()='Remove']")
        .await;
    browser.expect_text("carol@globex.test will lose access to this organisation at once").await;
    browser.click_xpath("//main//form//button[normalize-space()='Remove']").await;
    browser.expect_text("carol@globex.test no longer has access to this organisation.").await;

    // Her next click in the portal is refused: she is sent to sign in.
    browser.goto(&format!("{}/", app.portal_url)).await;
    browser.expect_text("Sign in").await;
    assert_eq!(browser.path().await, "/login");
    browser.close().await;
}

#[sqlx::test]
async fn a_client_scoped_to_one_company_sees_only_it_answers_and_exports(db: PgPool) {
    let app = spawn_app(db).await;
    let (admin, provider) = app.provider_with_admin("Acme IT", "ada@acme.test").await;
    let client = app.new_client(&admin, "Globex").await;
    let north = app.company_id(client, "Globex").await;
    let south = app.add_company(&admin, client, "Globex South").await;
    for (company, title, status) in [
        (north, "North firewall", "COMPLETED"),
        (south, "South cameras", "COMPLETED"),
        (north, "North cabling", "IN_PROGRESS"),
    ] {
        sqlx::query(
            "INSERT INTO jobs (id, provider_id, client_id, company_id, title, status, completed_at, summary)
             VALUES (gen_random_uuid(), $1, $2, $3, $4, $5::job_status,
                     CASE WHEN $5 = 'COMPLETED' THEN now() END, $4 || ' finished')",
        )
        .bind(provider)
        .bind(client)
        .bind(company)
        .bind(title)
        .bind(status)
        .execute(&app.db)
        .await
        .unwrap();
    }
    let sent =
        app.share(&admin, client, &[("email", "nina@globex.test"), ("companies", &north.to_string())]).await;
    let link = sent.invite_link();

    let browser = Browser::start().await;
    browser.goto(&link).await;
    browser.accept_invitation(Some("Nina North"), "nina's long password").await;
    browser.expect_text("Recent completed jobs").await;
    let home = browser.text().await;
    assert!(home.contains("North firewall"));
    assert!(
        !home.contains("South cameras") && !home.contains("North cabling") && !home.contains("Globex South")
    );

    // N/A turns into a score as she answers.
    browser.click("Assessment").await;
    browser.expect_text("Multi-Factor Authentication — N/A").await;
    for q in ["mfa.email-YES", "mfa.remote-YES", "mfa.admin-NO"] {
        browser.client.find(Locator::Id(q)).await.unwrap().click().await.unwrap();
    }
    browser.click("Save answers").await;
    browser.expect_text("Answers saved (3 changed).").await;
    browser.expect_text("Multi-Factor Authentication — 67").await;

    // The export holds exactly her scope.
    browser.click("Export Summary").await;
    browser.expect_text("Summary: Globex").await;
    let export = browser.text().await;
    assert!(export.contains("North firewall") && export.contains("67"));
    assert!(!export.contains("South cameras"));
    browser.close().await;
}

/// Every page kind of both hosts, signed in and not, filled with the demo data: none scrolls
/// sideways on a 390-pixel-wide phone (issue 12 item 4), and axe-core finds no accessibility
/// violation of any impact on it, at phone and desktop widths (item 8).
#[sqlx::test]
async fn every_page_kind_fits_a_phone_and_passes_axe(db: PgPool) {
    let app = spawn_app(db).await;
    portico::demo::run(&app.state, false).await.expect("demo data");
    let id = |sql: &'static str| {
        let db = app.db.clone();
        async move { sqlx::query_scalar::<_, uuid::Uuid>(sql).fetch_one(&db).await.unwrap() }
    };
    let client = id("SELECT id FROM clients WHERE name = 'Globex'").await;
    let job = id("SELECT id FROM jobs ORDER BY created_at LIMIT 1").await;
    let capture = id("SELECT id FROM captures ORDER BY created_at LIMIT 1").await;
    let member = id("SELECT m.id FROM client_memberships m JOIN users u ON u.id = m.user_id WHERE u.email = 'client@globex.example'").await;
    let invitation =
        id("SELECT id FROM invitations WHERE client_id IS NOT NULL AND status = 'PENDING' LIMIT 1").await;
    let invite_link = app.create_provider("Phone Test", "phone@example.test").await;
    let (staff, portal) = (app.staff_url.clone(), app.portal_url.clone());

    let anonymous = vec![
        format!("{staff}/login"),
        format!("{staff}/forgot-password"),
        format!("{portal}/login"),
        format!("{portal}/login?signed_out=1&brand=northwind-it"),
        format!("{portal}/forgot-password"),
        invite_link,
    ];
    let mut signed_in: Vec<String> = [
        "/".to_string(),
        "/clients".into(),
        format!("/clients/{client}"),
        format!("/clients/{client}/companies"),
        format!("/clients/{client}/jobs"),
        format!("/clients/{client}/jobs/{job}"),
        format!("/clients/{client}/captures"),
        format!("/clients/{client}/assessment"),
        format!("/clients/{client}/export"),
        format!("/clients/{client}/users/invite"),
        format!("/clients/{client}/users/members/{member}"),
        format!("/clients/{client}/users/members/{member}/companies"),
        format!("/clients/{client}/users/invitations/{invitation}"),
        "/settings/users".into(),
        "/settings/users/invite-staff".into(),
        "/settings/users/invite-client".into(),
        "/settings/brand".into(),
        "/settings/security".into(),
        "/account".into(),
        "/audit".into(),
    ]
    .iter()
    .map(|p| format!("{staff}{p}"))
    .collect();
    signed_in.extend(
        [
            "/".to_string(),
            "/jobs".into(),
            format!("/jobs/{job}"),
            "/captures".into(),
            format!("/captures/{capture}"),
            "/assessment".into(),
            "/export".into(),
            "/users".into(),
            "/users/invite".into(),
            format!("/users/members/{member}"),
            format!("/users/members/{member}/companies"),
            "/account".into(),
        ]
        .iter()
        .map(|p| format!("{portal}{p}")),
    );

    // Each page is also photographed, for the README (issue 12 item 10).
    let shots = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/screenshots");
    std::fs::create_dir_all(&shots).unwrap();
    let browser = Browser::start().await;
    let mut problems = Vec::new();
    for (urls, sign_in) in [(anonymous, false), (signed_in, true)] {
        if sign_in {
            browser.sign_in(&staff, "admin@northwind.example", portico::demo::DEMO_PASSWORD).await;
            browser.sign_in(&portal, "clientadmin@globex.example", portico::demo::DEMO_PASSWORD).await;
        }
        for (width, height, label) in [(390, 844, "phone"), (1280, 900, "desktop")] {
            browser.client.set_window_size(width, height).await.unwrap();
            for url in &urls {
                let overflow = browser.overflow(url).await;
                if width == 390 && overflow > 0 {
                    problems.push(format!("{url} is {overflow}px too wide for a phone"));
                }
                for violation in browser.axe_violations().await {
                    problems.push(format!("{url} ({label}): {violation}"));
                }
                let png = browser.client.screenshot().await.unwrap();
                std::fs::write(shots.join(format!("{}-{label}.png", page_name(url))), png).unwrap();
            }
        }
    }
    browser.close().await;
    assert!(problems.is_empty(), "{} problems:\n{}", problems.len(), problems.join("\n"));
}

/// A screenshot's name from its address: the host and the path without ids or tokens
/// (`staff-clients-jobs`, `portal-home`).
fn page_name(url: &str) -> String {
    let host = if url.contains("://app.") { "staff" } else { "portal" };
    let (url, query) = url.split_once('?').unwrap_or((url, ""));
    let path = url.splitn(4, '/').nth(3).unwrap_or("");
    let mut words: Vec<String> = Vec::new();
    for segment in path.split('/').filter(|s| !s.is_empty()) {
        match (segment.parse::<uuid::Uuid>(), words.last_mut()) {
            // An id after a plural names one of them: clients/<id> is "client".
            (Ok(_), Some(last)) if last.ends_with('s') => {
                last.pop();
            }
            (Ok(_), _) => {}
            // An invitation's token.
            (Err(_), _) if segment.len() > 30 => {}
            (Err(_), _) => words.push(segment.to_string()),
        }
    }
    if query.contains("brand=") {
        words.push("branded".into());
    }
    if words.is_empty() {
        format!("{host}-home")
    } else {
        format!("{host}-{}", words.join("-"))
    }
}

/// The captures on a map (issue 12 item 1): with the tile server unreachable, as here, the map
/// still has a marker for each capture of the list, and a marker opens its caption and photo.
#[sqlx::test]
async fn captures_show_as_markers_that_open_their_caption(db: PgPool) {
    let app = spawn_app(db).await;
    portico::demo::run(&app.state, false).await.expect("demo data");
    let response = app.agent().get(crate::helpers::Host::Portal, "/login").await;
    let csp = response.headers["content-security-policy"].to_str().unwrap().to_string();
    assert!(
        csp.contains("img-src 'self' data: http://127.0.0.1:9;"),
        "tiles from exactly their origin: {csp}"
    );

    let browser = Browser::start().await;
    browser.sign_in(&app.portal_url, "clientadmin@globex.example", portico::demo::DEMO_PASSWORD).await;
    for page in ["/captures", "/"] {
        browser.goto(&format!("{}{page}", app.portal_url)).await;
        let rows = browser.client.find_all(Locator::Css("table.captures tr[data-lat]")).await.unwrap().len();
        assert!(rows > 0, "the demo has captures");
        let mut markers = 0;
        for _ in 0..50 {
            markers = browser.client.find_all(Locator::Css(".leaflet-marker-icon")).await.unwrap().len();
            if markers == rows {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        assert_eq!(markers, rows, "{page}: a marker per capture");
    }
    let caption = browser
        .client
        .find(Locator::Css("table.captures tr[data-lat]"))
        .await
        .unwrap()
        .attr("data-caption")
        .await
        .unwrap()
        .unwrap();
    let marker =
        browser.client.find(Locator::Css(&format!(".leaflet-marker-icon[title='{caption}']"))).await.unwrap();
    marker.click().await.unwrap();
    // The popup fades in; its words are there once it has.
    let popup = browser.client.wait().for_element(Locator::Css(".leaflet-popup-content")).await.unwrap();
    let mut shown = String::new();
    for _ in 0..50 {
        shown = popup.prop("textContent").await.unwrap().unwrap_or_default();
        if shown.contains(&caption) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(shown.contains(&caption), "the popup shows {shown:?}, not {caption:?}");
    // The popup's photo is the thumbnail, and a real picture the browser could draw.
    let mut size = (0, String::new());
    for _ in 0..50 {
        let drawn = browser
            .client
            .execute(
                "const img = document.querySelector('.leaflet-popup-content img');
                 return img ? [img.naturalWidth, img.getAttribute('src')] : [0, ''];",
                vec![],
            )
            .await
            .unwrap();
        size = (drawn[0].as_u64().unwrap_or(0) as u32, drawn[1].as_str().unwrap_or("").to_string());
        if size.0 > 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(size.0, portico::images::THUMBNAIL_SIDE, "a drawn thumbnail, from {}", size.1);
    assert!(size.1.ends_with("/thumbnail"), "{}", size.1);
    browser.close().await;
}

/// The app's code `steps` steps of 30 seconds from now.
fn code_in(phone: &totp_rs::TOTP, steps: u64) -> String {
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs();
    phone.generate(now + steps * 30)
}

/// Two-factor sign-in in a browser (issue 13 item 5): set up from Account security by reading
/// the key the page shows, then signing in asks for the app's code.
#[sqlx::test]
async fn a_person_sets_up_an_authenticator_app_and_signs_in_with_its_code(db: PgPool) {
    let app = spawn_app(db).await;
    portico::demo::run(&app.state, false).await.expect("demo data");
    let browser = Browser::start().await;
    let staff = app.staff_url.clone();
    browser.sign_in(&staff, "admin@northwind.example", portico::demo::DEMO_PASSWORD).await;
    browser.click("Ada Admin").await;
    browser.expect_text("Account security").await;
    let phone = browser.set_up_authenticator_app(&staff, portico::demo::DEMO_PASSWORD).await;

    browser.sign_out_and_give_the_password("admin@northwind.example", portico::demo::DEMO_PASSWORD).await;
    assert_eq!(browser.path().await, "/login/code");
    browser.fill("code", &code_in(&phone, 1)).await;
    browser.click("Sign in").await;
    browser.expect_text("Audit log").await;
    assert_eq!(browser.path().await, "/");
    browser.close().await;
}

/// Chromium's virtual authenticator, through WebDriver's WebAuthn extension: a platform
/// authenticator that keeps passkeys and verifies its user without asking.
#[derive(Debug)]
struct AddVirtualAuthenticator;

impl fantoccini::wd::WebDriverCompatibleCommand for AddVirtualAuthenticator {
    fn endpoint(&self, base: &url::Url, session: Option<&str>) -> Result<url::Url, url::ParseError> {
        base.join(&format!("session/{}/webauthn/authenticator", session.unwrap_or_default()))
    }

    fn method_and_body(&self, _: &url::Url) -> (axum::http::Method, Option<String>) {
        let authenticator = serde_json::json!({
            "protocol": "ctap2", "transport": "internal", "hasResidentKey": true,
            "hasUserVerification": true, "isUserVerified": true, "automaticPresenceSimulation": true,
        });
        (axum::http::Method::POST, Some(authenticator.to_string()))
    }
}

#[derive(Debug)]
struct Credentials(String);

impl fantoccini::wd::WebDriverCompatibleCommand for Credentials {
    fn endpoint(&self, base: &url::Url, session: Option<&str>) -> Result<url::Url, url::ParseError> {
        base.join(&format!(
            "session/{}/webauthn/authenticator/{}/credentials",
            session.unwrap_or_default(),
            self.0
        ))
    }

    fn method_and_body(&self, _: &url::Url) -> (axum::http::Method, Option<String>) {
        (axum::http::Method::GET, None)
    }
}

/// A passkey (issue 13 items 3 and 5): added from Account security once the app is set up, then
/// used for the second step after the password, and to sign in without a password.
#[sqlx::test]
async fn a_passkey_is_added_and_then_signs_in_with_and_without_the_password(db: PgPool) {
    let app = spawn_app(db).await;
    portico::demo::run(&app.state, false).await.expect("demo data");
    let browser = Browser::start().await;
    let authenticator =
        browser.client.issue_cmd(AddVirtualAuthenticator).await.expect("a virtual authenticator");
    let authenticator = authenticator.as_str().expect("the authenticator's id").to_string();
    let staff = app.staff_url.clone();
    browser.sign_in(&staff, "admin@northwind.example", portico::demo::DEMO_PASSWORD).await;
    browser.set_up_authenticator_app(&staff, portico::demo::DEMO_PASSWORD).await;

    browser.fill("passkey-password", portico::demo::DEMO_PASSWORD).await;
    browser.click("Add a passkey").await;
    browser.expect_text("You have 1 passkey on this site.").await;
    assert_eq!(app.count("SELECT count(*) FROM passkeys WHERE site = 'staff'").await, 1);
    let held = browser.client.issue_cmd(Credentials(authenticator)).await.unwrap();
    assert_eq!(held[0]["rpId"], "app.localhost", "{held}");
    assert_eq!(held[0]["isResidentCredential"], true, "kept on the authenticator: {held}");

    // The second step, with the passkey instead of the code.
    browser.sign_out_and_give_the_password("admin@northwind.example", portico::demo::DEMO_PASSWORD).await;
    browser.click("Use a passkey").await;
    browser.expect_text("Audit log").await;
    assert_eq!(browser.path().await, "/");

    // And without a password at all.
    browser.click("Sign out").await;
    browser.expect_text("You have signed out.").await;
    browser.click("Sign in with a passkey").await;
    browser.expect_text("Audit log").await;
    assert_eq!(browser.path().await, "/");
    assert_eq!(app.count("SELECT count(*) FROM passkeys WHERE last_used_at IS NOT NULL").await, 1);
    browser.close().await;
}
