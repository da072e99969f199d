//! One process, two hosts: Host picks the site; health checks answer everywhere; security
//! headers on every response.

use reqwest::StatusCode;
use sqlx::PgPool;

use crate::helpers::{acme, spawn_app, Host};

#[sqlx::test]
async fn health_checks_answer_on_every_host_and_unknown_hosts_get_404(db: PgPool) {
    let app = spawn_app(db).await;
    let raw = reqwest::Client::new();
    for host in ["app.localhost", "client.localhost", "unknown.example"] {
        for (path, body) in [("/healthz", "ok"), ("/readyz", "ready")] {
            let r = raw
                .get(format!("http://{}{}", app.addr, path))
                .header("Host", format!("{host}:{}", app.addr.port()))
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), StatusCode::OK, "{host}{path}");
            assert_eq!(r.text().await.unwrap(), body);
        }
    }
    let other =
        raw.get(format!("http://{}/login", app.addr)).header("Host", "unknown.example").send().await.unwrap();
    assert_eq!(other.status(), StatusCode::NOT_FOUND);
}

#[sqlx::test]
async fn staff_pages_do_not_exist_on_the_portal_host(db: PgPool) {
    let app = spawn_app(db).await;
    let agent = app.agent();
    for path in ["/settings/users", "/audit", "/dev/mail", "/clients"] {
        assert_eq!(agent.get(Host::Portal, path).await.status, StatusCode::NOT_FOUND, "{path}");
    }
}

#[sqlx::test]
async fn every_response_carries_the_security_headers(db: PgPool) {
    let app = spawn_app(db).await;
    let agent = app.agent();
    for (host, path) in [(Host::Staff, "/login"), (Host::Portal, "/login"), (Host::Staff, "/nowhere")] {
        let page = agent.get(host, path).await;
        let h =
            |name: &str| page.headers.get(name).map(|v| v.to_str().unwrap().to_string()).unwrap_or_default();
        assert!(h("content-security-policy").contains("script-src 'self'"));
        assert!(!h("content-security-policy").contains("unsafe-inline"));
        assert_eq!(h("referrer-policy"), "no-referrer");
        assert_eq!(h("x-frame-options"), "DENY");
        assert_eq!(h("x-content-type-options"), "nosniff");
        assert!(!h("x-request-id").is_empty());
    }
}

#[sqlx::test]
async fn nonsense_in_a_query_string_is_not_an_error(db: PgPool) {
    let (_app, admin) = acme(db).await;
    for path in [
        "/clients?page=abc",
        "/clients?page=-5&q=%25%25",
        "/audit?before=soon",
        "/settings/users?page=99999999999999999999",
    ] {
        let page = admin.get(Host::Staff, path).await;
        assert_eq!(page.status, StatusCode::OK, "{path}: {}", page.body);
    }
}

#[sqlx::test]
async fn an_address_that_names_no_id_or_no_action_is_our_not_found_page(db: PgPool) {
    let app = spawn_app(db).await;
    let (admin, client) = app.acme_with_globex().await;
    let nobody = uuid::Uuid::new_v4();
    for path in [
        "/clients/not-an-id".to_string(),
        format!("/clients/{client}/jobs/123"),
        format!("/clients/{client}/captures/{nobody}x/photo"),
    ] {
        let page = admin.get(Host::Staff, &path).await;
        assert_eq!(page.status, StatusCode::NOT_FOUND, "{path}");
        assert!(page.contains("<!doctype html>") && page.contains("Page not found"), "{path}: {}", page.body);
    }
    let base = format!("/clients/{client}");
    for action in [
        format!("{base}/users/members/{nobody}/promote"),
        format!("{base}/users/invitations/{nobody}/delete"),
        format!("{base}/users/invitations/not-an-id/remove"),
        format!("/settings/users/staff/{nobody}x/role"),
    ] {
        let page = admin.post(Host::Staff, &base, &action, &[]).await;
        assert_eq!(page.status, StatusCode::NOT_FOUND, "{action}");
        assert!(page.contains("Page not found"), "{action}: {}", page.body);
    }
}

#[sqlx::test]
async fn localhost_typed_by_hand_is_sent_to_the_staff_app_and_every_page_has_an_icon(db: PgPool) {
    let app = spawn_app(db).await;
    let raw = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let port = app.addr.port();
    for host in [format!("localhost:{port}"), format!("127.0.0.1:{port}"), format!("[::1]:{port}")] {
        let r = raw
            .get(format!("http://{}/login?next=%2F", app.addr))
            .header("Host", &host)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::SEE_OTHER, "{host}");
        let to = r.headers()["location"].to_str().unwrap().to_string();
        assert_eq!(to, format!("{}/login?next=%2F", app.staff_url), "{host}");
    }
    let elsewhere = raw
        .get(format!("http://{}/", app.addr))
        .header("Host", "localhost.evil.example")
        .send()
        .await
        .unwrap();
    assert_eq!(elsewhere.status(), StatusCode::NOT_FOUND);

    let agent = app.agent();
    let login = agent.get(Host::Staff, "/login").await;
    assert!(login.contains("<link rel=\"icon\" href=\"/static/favicon.svg\""));
    for path in ["/static/favicon.svg", "/favicon.ico"] {
        let icon = agent.get(Host::Portal, path).await;
        assert_eq!(icon.status, StatusCode::OK, "{path}");
        assert_eq!(icon.headers["content-type"], "image/svg+xml");
        assert!(icon.body.starts_with("<svg"));
    }
}

#[sqlx::test]
async fn a_fresh_invitation_expires_in_7_days(db: PgPool) {
    let (_app, admin) = acme(db).await;
    admin.invite_staff(&[("email", "bob@acme.test"), ("role", "USER")]).await;
    let users = admin.get(Host::Staff, "/settings/users").await;
    assert!(users.body.contains(">in 7 days</time>"), "{}", users.body);
}

#[sqlx::test]
async fn starting_the_demo_again_prints_how_to_sign_in_again(db: PgPool) {
    let url = crate::helpers::own_database_url(&db).await;
    let run = || {
        std::process::Command::new(env!("CARGO_BIN_EXE_portico"))
            .args(["demo", "--if-empty"])
            .env("DATABASE_URL", &url)
            .env("DEV_MAILBOX", "1")
            .env_remove("SMTP_URL")
            .current_dir(std::env::temp_dir())
            .output()
            .unwrap()
    };
    let first = run();
    assert!(first.status.success(), "{}", String::from_utf8_lossy(&first.stderr));
    let first = String::from_utf8_lossy(&first.stdout).to_string();
    assert!(first.contains("clientadmin@globex.example") && first.contains("/invite/"), "{first}");
    let again = run();
    let again = String::from_utf8_lossy(&again.stdout).to_string();
    assert!(again.contains("made before"), "{again}");
    assert!(
        again.contains("admin@northwind.example") && again.contains("clientadmin@globex.example"),
        "{again}"
    );
    assert!(again.contains("portico-demo-1") && again.contains("development mailbox"), "{again}");
}

#[sqlx::test]
async fn the_navigation_and_the_tabs_mark_where_the_person_is(db: PgPool) {
    let app = spawn_app(db).await;
    let (admin, client) = app.acme_with_globex().await;
    let current = |body: &str| -> Vec<String> {
        body.match_indices("aria-current=\"page\">")
            .map(|(i, m)| {
                let rest = &body[i + m.len()..];
                rest[..rest.find('<').unwrap()].to_string()
            })
            .collect()
    };
    let home = admin.get(Host::Staff, "/").await;
    assert_eq!(current(&home.body), ["Home"]);
    let tab = admin.get(Host::Staff, &format!("/clients/{client}")).await;
    assert_eq!(current(&tab.body), ["Clients", "Client Users"]);
    let jobs = admin.get(Host::Staff, &format!("/clients/{client}/jobs")).await;
    assert_eq!(current(&jobs.body), ["Clients", "Jobs"]);
    let roles = admin.get(Host::Staff, "/settings/users/invite-staff").await;
    assert_eq!(current(&roles.body), ["Settings"]);
}
