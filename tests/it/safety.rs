//! What an outside security test found, each as the attack it ran: the development mailbox on by
//! default, a declined invitation resent into an existing membership, slow connections, large
//! photos, owners locked out, unsafe `next`, tokens in logs, refusals pointing elsewhere, unlimited
//! resends, cached pages, and the smaller findings.

use std::net::{IpAddr, SocketAddr};
use std::time::{Duration, Instant};

use reqwest::StatusCode;
use sqlx::PgPool;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpSocket, TcpStream};

use crate::helpers::{
    acme, assert_is_redirect_to, spawn_app, spawn_app_configured, Agent, Globex, Host, OtherProvider,
    TestApp, PASSWORD,
};
use crate::smtp::SmtpServer;

/// Opens a connection to the app from a chosen loopback address.
async fn connect_from(from: &str, to: SocketAddr) -> TcpStream {
    let socket = TcpSocket::new_v4().unwrap();
    socket.bind(SocketAddr::new(from.parse().unwrap(), 0)).unwrap();
    socket.connect(to).await.unwrap()
}

/// Whether the server closed the connection within `within`.
async fn closed_within(stream: &mut TcpStream, within: Duration) -> bool {
    let mut buf = [0u8; 1024];
    loop {
        match tokio::time::timeout(within, stream.read(&mut buf)).await {
            Ok(Ok(0)) | Ok(Err(_)) => return true,
            Ok(Ok(_)) => continue,
            Err(_) => return false,
        }
    }
}

#[sqlx::test]
async fn the_development_mailbox_is_off_unless_asked_for_and_then_every_page_says_so(db: PgPool) {
    // With SMTP configured (the tests' default) there is no mailbox and no banner.
    let app = spawn_app(db.clone()).await;
    let agent = app.agent();
    assert_eq!(agent.get(Host::Staff, "/dev/mail").await.status, StatusCode::NOT_FOUND);
    assert!(!agent.get(Host::Staff, "/login").await.contains("Development mailbox is on"));

    // Asked for: the mailbox opens, and every page of both hosts warns about it.
    let dev = spawn_app_configured(db, SmtpServer::default(), |c| c.smtp_url = None).await;
    let agent = dev.agent();
    assert_eq!(agent.get(Host::Staff, "/dev/mail").await.status, StatusCode::OK);
    for host in [Host::Staff, Host::Portal] {
        let page = agent.get(host, "/login").await;
        assert!(page.contains("Development mailbox is on"), "{}", page.body);
        assert!(page.contains(&format!("{}/dev/mail", dev.staff_url)));
    }
}

/// Runs `portico serve` to its end with these variables set (or, with `None`, removed).
fn serve(env: &[(&str, Option<&str>)]) -> std::process::Output {
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_portico"));
    command.arg("serve").current_dir(std::env::temp_dir());
    for (name, value) in env {
        match value {
            Some(value) => command.env(name, value),
            None => command.env_remove(name),
        };
    }
    command.output().unwrap()
}

#[test]
fn serve_refuses_to_start_without_a_mail_destination() {
    let output = serve(&[
        ("SMTP_URL", None),
        ("DEV_MAILBOX", None),
        ("DATABASE_URL", Some("postgres://postgres@127.0.0.1:1/never-reached")),
        ("BIND_ADDR", Some("127.0.0.1:0")),
    ]);
    assert!(!output.status.success());
    let said = String::from_utf8_lossy(&output.stderr);
    assert!(said.contains("SMTP_URL") && said.contains("DEV_MAILBOX=1"), "{said}");

    let both = serve(&[("SMTP_URL", Some("smtp://127.0.0.1:1")), ("DEV_MAILBOX", Some("1"))]);
    assert!(!both.status.success());
    assert!(String::from_utf8_lossy(&both.stderr).contains("choose one"));
}

#[sqlx::test]
async fn a_declined_invitation_cannot_be_turned_into_a_second_way_into_a_membership(db: PgPool) {
    let (g, south) = Globex::with_south(db).await;
    let boss = g.client_user("boss@globex.test", "CLIENT_ADMIN").await;

    // The Client Admin invites Erin as Client on the north company; Erin declines.
    let sent =
        boss.invite_in_portal(&[("email", "erin@globex.test"), ("companies", &g.company.to_string())]).await;
    let link = sent.invite_link();
    let erin = g.app.agent();
    erin.answer_invitation(&link, "/decline", &[], Host::Portal).await;
    let old = g
        .app
        .id_of("SELECT id FROM invitations WHERE email = 'erin@globex.test' AND status = 'DECLINED'")
        .await;

    // Staff invite her again to both companies, and she accepts: Client on north and south.
    g.app.client_user(&g.staff, g.client, "erin@globex.test", "CLIENT", &[g.company, south]).await;
    let membership = "SELECT m.role || ':' || (SELECT count(*) FROM client_membership_companies c WHERE c.membership_id = m.id)
                      FROM client_memberships m JOIN users u ON u.id = m.user_id WHERE u.email = 'erin@globex.test'";
    let before: String = sqlx::query_scalar(membership).fetch_one(&g.app.db).await.unwrap();
    assert_eq!(before, "CLIENT:2");
    let emails_before = g.app.count("SELECT count(*) FROM email_outbox").await;

    // The old invitation can be neither promoted nor resent into her membership.
    for (action, fields) in [("role", vec![("role", "CLIENT_ADMIN")]), ("resend", vec![])] {
        let refused =
            boss.post(Host::Portal, "/users", &format!("/users/invitations/{old}/{action}"), &fields).await;
        assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{action}: {}", refused.body);
        assert!(refused.contains("User already belongs to this account"), "{action}");
    }
    let after: String = sqlx::query_scalar(membership).fetch_one(&g.app.db).await.unwrap();
    assert_eq!(after, before);
    assert_eq!(g.app.count("SELECT count(*) FROM email_outbox").await, emails_before);
    assert_eq!(
        g.app
            .count(&format!("SELECT count(*) FROM invitations WHERE id = '{old}' AND client_role = 'CLIENT'"))
            .await,
        1
    );
}

#[sqlx::test]
async fn reinviting_a_declined_row_while_a_newer_invitation_waits_is_refused_with_words(db: PgPool) {
    let g = Globex::start(db).await;
    let fields = [("email", "dan@globex.test"), ("companies", &g.company.to_string() as &str)];
    let link = g.app.share(&g.staff, g.client, &fields).await.invite_link();
    let dan = g.app.agent();
    dan.answer_invitation(&link, "/decline", &[], Host::Portal).await;
    let declined = g.app.id_of("SELECT id FROM invitations WHERE status = 'DECLINED'").await;
    assert_eq!(g.app.share(&g.staff, g.client, &fields).await.status, StatusCode::OK);

    let path = format!("/clients/{}", g.client);
    let again =
        g.staff.post(Host::Staff, &path, &format!("{path}/users/invitations/{declined}/resend"), &[]).await;
    assert_eq!(again.status, StatusCode::BAD_REQUEST, "{}", again.body);
    assert!(again.contains("A newer invitation is already waiting"));
    assert_eq!(g.app.count("SELECT count(*) FROM invitations WHERE status = 'PENDING'").await, 1);
}

#[sqlx::test]
async fn accepting_never_changes_an_existing_membership(db: PgPool) {
    let g = Globex::start(db).await;
    let other = g.app.new_client(&g.staff, "Initech").await;
    let initech = g.app.company_id(other, "Initech").await;
    // Two invitations to two organisations of one provider, sent before either was accepted.
    let first = g.share("fay@globex.test").await;
    let second = g
        .app
        .share(
            &g.staff,
            other,
            &[("email", "fay@globex.test"), ("role", "CLIENT_ADMIN"), ("companies", &initech.to_string())],
        )
        .await;
    let fay = g.app.agent();
    let link = first.invite_link();
    assert_is_redirect_to(&fay.accept_link_as_new(&link, "Fay", Host::Portal).await, "/");

    let link = second.invite_link();
    let refused = fay.answer_invitation(&link, "/accept", &[], Host::Portal).await;
    assert_eq!(refused.status, StatusCode::CONFLICT, "{}", refused.body);
    assert!(refused.contains("You already have access"));
    assert_eq!(g.app.count("SELECT count(*) FROM client_memberships").await, 1);
    assert_eq!(g.app.count("SELECT count(*) FROM client_memberships WHERE role = 'CLIENT_ADMIN'").await, 0);
    assert_eq!(g.app.count("SELECT count(*) FROM invitations WHERE status = 'PENDING'").await, 1);
}

#[sqlx::test]
async fn slow_clients_are_cut_off_and_one_address_cannot_take_every_connection(db: PgPool) {
    let app = spawn_app_configured(db, SmtpServer::start().await, |c| {
        c.limits.max_per_address = 20;
        c.limits.header_read_timeout = Duration::from_secs(1);
    })
    .await;
    // An attacker on one address opens its allowance of connections and never finishes a header.
    let mut held = Vec::new();
    for _ in 0..20 {
        let mut s = connect_from("127.0.0.1", app.addr).await;
        s.write_all(b"GET /healthz HTTP/1.1\r\nHost: app.localhost\r\nX-Slow: ").await.unwrap();
        held.push(s);
    }
    tokio::time::sleep(Duration::from_millis(100)).await;
    // One more from that address is closed at once.
    let mut extra = connect_from("127.0.0.1", app.addr).await;
    assert!(closed_within(&mut extra, Duration::from_millis(500)).await, "the 21st connection stayed open");

    // Everyone else is still served.
    let mut other = connect_from("127.0.0.2", app.addr).await;
    other
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: app.localhost\r\nConnection: close\r\n\r\n")
        .await
        .unwrap();
    let mut answer = String::new();
    tokio::time::timeout(Duration::from_secs(2), other.read_to_string(&mut answer)).await.unwrap().unwrap();
    assert!(answer.starts_with("HTTP/1.1 200") && answer.ends_with("ok"), "{answer}");

    // The unfinished headers are given up on after the header-read timeout.
    let started = Instant::now();
    for s in &mut held {
        assert!(closed_within(s, Duration::from_secs(3)).await, "a slow connection was kept open");
    }
    assert!(started.elapsed() < Duration::from_secs(3));
}

#[sqlx::test]
async fn photos_up_to_the_promised_5_mb_are_accepted(db: PgPool) {
    let g = Globex::start(db).await;
    let path = format!("/clients/{}/captures", g.client);
    let page = g.staff.get(Host::Staff, &path).await;
    // Noise does not compress: a real PNG of a little over 4 MB.
    let mut seed = 7u32;
    let noise = image::RgbImage::from_fn(1200, 1200, |_, _| {
        seed = seed.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
        let [a, b, c, _] = seed.to_le_bytes();
        image::Rgb([a, b, c])
    });
    let mut photo = Vec::new();
    noise.write_to(&mut std::io::Cursor::new(&mut photo), image::ImageFormat::Png).unwrap();
    let size = photo.len() as i64;
    assert!((4 * 1024 * 1024..5 * 1024 * 1024).contains(&size), "{size}");
    let form = reqwest::multipart::Form::new()
        .text("csrf", page.csrf())
        .text("company", g.company.to_string())
        .text("latitude", "51.5")
        .text("longitude", "-0.12")
        .text("caption", "Roof")
        .text("captured_at", "2026-11-20T10:00")
        .part(
            "photo",
            reqwest::multipart::Part::bytes(photo).file_name("big.png").mime_str("image/png").unwrap(),
        );
    let response =
        g.staff.client.post(format!("{}{path}", g.app.staff_url)).multipart(form).send().await.unwrap();
    let status = response.status();
    let body = response.text().await.unwrap();
    assert_eq!(status, StatusCode::SEE_OTHER, "{body}");
    let stored =
        format!("SELECT count(*) FROM captures WHERE octet_length(photo) = {size} AND thumbnail IS NOT NULL");
    assert_eq!(g.app.count(&stored).await, 1);
}

#[sqlx::test]
async fn wrong_passwords_from_a_stranger_never_lock_the_owner_out(db: PgPool) {
    let (app, _admin) = acme(db).await;
    let attacker = app.agent_from("127.0.0.1");
    // The attacker's address waits, even with the right password...
    attacker.guess_until_limited(Host::Staff, "ada@acme.test", 8).await;
    // ...while the owner, elsewhere, signs in at once.
    let owner = app.agent_from("127.0.0.2");
    assert_is_redirect_to(&owner.sign_in(Host::Staff, "ada@acme.test", PASSWORD).await, "/");
}

#[sqlx::test]
async fn guessing_through_an_invitation_does_not_lock_the_owner_out(db: PgPool) {
    let g = Globex::start(db).await;
    // Ada (staff) has an account; an invitation to the portal of another provider names her.
    let other = OtherProvider::start(&g.app, "Other IT", "olga@other.test", "Hooli").await;
    let link = other.invite(&g.app, "ada@acme.test").await;
    let attacker = g.app.agent_from("127.0.0.1");
    for _ in 0..7 {
        attacker
            .answer_invitation(&link, "/accept", &[("password", "guess guess guess")], Host::Portal)
            .await;
    }
    let owner = g.app.agent_from("127.0.0.3");
    assert_is_redirect_to(&owner.sign_in(Host::Staff, "ada@acme.test", PASSWORD).await, "/");
}

#[sqlx::test]
async fn next_accepts_only_a_plain_path_of_this_site(db: PgPool) {
    let (app, _ada) = acme(db).await;
    // Anything but a plain path of this site lands on the home page instead.
    for (next, lands) in [
        ("/\t/evil.test/x", "/"),
        ("/x\r\nSet-Cookie: a=b", "/"),
        ("//evil.test", "/"),
        ("https://evil.test", "/"),
        ("/clients", "/clients"),
    ] {
        let fields = [("email", "ada@acme.test"), ("password", PASSWORD), ("next", next)];
        let page = app.agent().post(Host::Staff, "/login", "/login", &fields).await;
        assert_is_redirect_to(&page, lands);
    }
}

#[sqlx::test]
async fn a_refusal_links_only_to_rows_the_viewer_may_open(db: PgPool) {
    let g = Globex::start(db).await;
    let other = g.app.new_client(&g.staff, "Initech").await;
    let initech = g.app.company_id(other, "Initech").await;
    g.app.client_user(&g.staff, other, "ivan@initech.test", "CLIENT", &[initech]).await;
    let ivan_membership = g.app.id_of("SELECT id FROM client_memberships").await;
    let boss = g.client_user("boss@globex.test", "CLIENT_ADMIN").await;
    let refused =
        boss.invite_in_portal(&[("email", "ivan@initech.test"), ("companies", &g.company.to_string())]).await;
    assert!(refused.contains("User already belongs to this account"), "{}", refused.body);
    assert!(!refused.contains(&ivan_membership.to_string()), "{}", refused.body);
}

#[sqlx::test]
async fn resends_are_limited_and_the_greeting_carries_no_free_text(db: PgPool) {
    let g = Globex::start(db).await;
    let phish = "Your account is suspended, call +1 555 0100 now";
    let sent = g
        .app
        .share(
            &g.staff,
            g.client,
            &[("email", "gil@globex.test"), ("name", phish), ("companies", &g.company.to_string())],
        )
        .await;
    assert_eq!(sent.status, StatusCode::OK);
    let email = g.app.smtp.first_to("gil@globex.test").await;
    assert_eq!(email.text.lines().next(), Some("Hello,"));
    assert!(!email.text.contains(phish) && !email.html.contains(phish) && !email.subject.contains(phish));

    let id = g.app.invitation_id("gil@globex.test").await;
    let path = format!("/clients/{}", g.client);
    let mut statuses = Vec::new();
    for _ in 0..6 {
        let page =
            g.staff.post(Host::Staff, &path, &format!("{path}/users/invitations/{id}/resend"), &[]).await;
        statuses.push(page.status);
    }
    assert_eq!(&statuses[..5], &[StatusCode::OK; 5], "{statuses:?}");
    assert_eq!(statuses[5], StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(
        g.app.count("SELECT count(*) FROM email_outbox WHERE to_address = 'gil@globex.test'").await,
        6
    );
}

#[sqlx::test]
async fn pages_tokens_and_downloads_are_never_cached(db: PgPool) {
    let g = Globex::start(db).await;
    let link = g.share("hal@globex.test").await.invite_link();
    let visitor = g.app.agent();
    let client = g.client_user("ivy@globex.test", "CLIENT").await;
    let pages = [
        (g.staff.get(Host::Staff, &format!("/clients/{}", g.client)).await, "staff client page"),
        (g.staff.get(Host::Staff, &format!("/clients/{}/export.csv", g.client)).await, "CSV download"),
        (client.get(Host::Portal, "/jobs").await, "portal jobs"),
        (client.get(Host::Portal, "/export.csv").await, "portal CSV"),
        (visitor.get_url(&link).await, "invitation"),
        (visitor.get(Host::Portal, "/login").await, "sign-in"),
    ];
    for (page, what) in pages {
        assert_eq!(page.status, StatusCode::OK, "{what}");
        assert_eq!(page.headers.get("cache-control").unwrap(), "no-store", "{what}");
    }
    let css = visitor.get(Host::Portal, "/static/app.css").await;
    assert!(css.headers.get("cache-control").unwrap().to_str().unwrap().starts_with("public"));
}

#[sqlx::test]
async fn a_reset_for_a_person_in_two_providers_names_the_one_that_sent_it(db: PgPool) {
    let g = Globex::start(db).await;
    // Kim is a client of Acme's Globex first, then of Other IT's Hooli.
    g.client_user("kim@globex.test", "CLIENT").await;
    let other = OtherProvider::start(&g.app, "Other IT", "olga@other.test", "Hooli").await;
    let (other_staff, other_provider, hooli) = (&other.staff, other.provider, other.client);
    let link = other.invite(&g.app, "kim@globex.test").await;
    let kim = g.app.agent();
    kim.sign_in(Host::Portal, "kim@globex.test", PASSWORD).await;
    assert_is_redirect_to(&kim.answer_invitation(&link, "/accept", &[], Host::Portal).await, "/");

    let member = g.app.id_of(&format!("SELECT id FROM client_memberships WHERE client_id = '{hooli}'")).await;
    let path = format!("/clients/{hooli}");
    let sent =
        other_staff.post(Host::Staff, &path, &format!("{path}/users/members/{member}/resend"), &[]).await;
    assert!(sent.status.is_success() || sent.status.is_redirection(), "{}", sent.body);
    let email = g.app.smtp.nth_to("kim@globex.test", 2).await;
    assert!(
        email.subject.contains("Other IT") || email.text.contains("Other IT"),
        "{}\n{}",
        email.subject,
        email.text
    );
    assert!(!email.subject.contains("Acme IT") && !email.text.contains("Acme IT"));
    let audited = g
        .app
        .count(&format!("SELECT count(*) FROM audit_events WHERE provider_id = '{other_provider}' AND action LIKE 'password_reset%'"))
        .await;
    assert_eq!(audited, 1);
}

#[sqlx::test]
async fn malformed_input_gets_a_plain_page_and_request_ids_are_checked(db: PgPool) {
    let app = spawn_app(db).await;
    let agent = app.agent();
    // A repeated field: the framework's own text must not reach the visitor.
    let page = agent.get(Host::Staff, "/login").await;
    let csrf = page.csrf();
    let sent = agent
        .post_raw(
            Host::Staff,
            "/login",
            &[("csrf", &csrf), ("email", "a@b.test"), ("email", "c@d.test"), ("password", "x")],
        )
        .await;
    assert_eq!(sent.status, StatusCode::BAD_REQUEST);
    assert!(sent.contains("The form could not be read") && !sent.contains("deserialize"), "{}", sent.body);

    let id = |value: &str| {
        let agent = agent.clone();
        let url = format!("{}/login", app.staff_url);
        let value = value.to_string();
        async move {
            let r = agent.client.get(url).header("x-request-id", value).send().await.unwrap();
            r.headers().get("x-request-id").unwrap().to_str().unwrap().to_string()
        }
    };
    assert_eq!(id("ticket-42.a_b").await, "ticket-42.a_b");
    let long = "x".repeat(200);
    let replaced = id(&long).await;
    assert_ne!(replaced, long);
    assert!(uuid::Uuid::parse_str(&replaced).is_ok());
    assert_ne!(id("<script>").await, "<script>");
}

#[sqlx::test]
async fn the_csrf_token_changes_at_sign_in(db: PgPool) {
    let (app, _ada) = acme(db).await;
    let agent = app.agent();
    let before = agent.get(Host::Staff, "/login").await.csrf();
    let signed_in = agent.sign_in(Host::Staff, "ada@acme.test", PASSWORD).await;
    assert_is_redirect_to(&signed_in, "/");
    let after = agent.get(Host::Staff, "/clients").await.csrf();
    assert_ne!(before, after);
    // The token from before signing in no longer works.
    let stale = agent.post_raw(Host::Staff, "/clients", &[("csrf", &before), ("name", "Stale Co")]).await;
    assert_eq!(stale.status, StatusCode::FORBIDDEN);
    assert_eq!(app.count("SELECT count(*) FROM clients").await, 0);
    let fresh = agent.post_raw(Host::Staff, "/clients", &[("csrf", &after), ("name", "Fresh Co")]).await;
    assert_eq!(fresh.status, StatusCode::SEE_OTHER);
}

#[sqlx::test]
async fn logs_have_one_line_per_request_and_never_a_token(db: PgPool) {
    // The real binary, so that what is checked is what an operator's log collector would read.
    let url = crate::helpers::own_database_url(&db).await;
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let child = std::process::Command::new(env!("CARGO_BIN_EXE_portico"))
        .arg("serve")
        .env("DATABASE_URL", &url)
        .env("BIND_ADDR", format!("127.0.0.1:{port}"))
        .env("PUBLIC_STAFF_URL", format!("http://app.localhost:{port}"))
        .env("PUBLIC_PORTAL_URL", format!("http://client.localhost:{port}"))
        .env("DEV_MAILBOX", "1")
        .env_remove("SMTP_URL")
        .env_remove("RUST_LOG")
        .env_remove("LOG_FORMAT")
        .current_dir(std::env::temp_dir())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut child = KillOnDrop(Some(child));
    let addr: SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
    let client = reqwest::Client::builder()
        .resolve("app.localhost", addr)
        .resolve("client.localhost", addr)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let staff = format!("http://app.localhost:{port}");
    let started = Instant::now();
    while client.get(format!("{staff}/healthz")).send().await.is_err() {
        assert!(started.elapsed() < Duration::from_secs(20), "the server did not start");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let token = "SeCrEtToKeN0123456789abcdefghijklmnopqrstuv";
    let refused = client
        .post(format!("{staff}/reset-password/{token}"))
        .form(&[("password", "x")])
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    let unknown = client
        .get(format!("http://client.localhost:{port}/invite/{token}"))
        .header("x-request-id", "probe-1")
        .send()
        .await
        .unwrap();
    assert_eq!(unknown.status(), StatusCode::NOT_FOUND);
    tokio::time::sleep(Duration::from_millis(300)).await;
    let mut server = child.0.take().unwrap();
    server.kill().unwrap();
    let output = server.wait_with_output().unwrap();
    let log =
        format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
    assert!(!log.contains(token), "a token reached the log:\n{log}");
    assert!(!log.contains('\u{1b}'), "colour codes in a log that is not a terminal:\n{log}");
    let lines: Vec<&str> = log.lines().filter(|l| l.contains("/invite/[token]")).collect();
    assert_eq!(lines.len(), 1, "one line per request:\n{log}");
    for wanted in ["GET", "status=404", "request_id=probe-1", "latency"] {
        assert!(lines[0].contains(wanted), "{wanted} missing from {:?}", lines[0]);
    }
    assert!(log.lines().any(|l| l.contains("/reset-password/[token]") && l.contains("status=403")), "{log}");
}

struct KillOnDrop(Option<std::process::Child>);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        if let Some(child) = &mut self.0 {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl TestApp {
    /// A visitor whose connections come from `ip` (any 127.x address works on loopback).
    pub fn agent_from(&self, ip: &str) -> Agent {
        let client = reqwest::Client::builder()
            .cookie_store(true)
            .redirect(reqwest::redirect::Policy::none())
            .local_address(ip.parse::<IpAddr>().unwrap())
            .resolve("app.localhost", self.addr)
            .resolve("client.localhost", self.addr)
            .build()
            .unwrap();
        Agent::new(client, self.staff_url.clone(), self.portal_url.clone())
    }
}
