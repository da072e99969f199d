//! Sign in, sign out, forgot and reset password, sessions, CSRF and rate limits.

use reqwest::StatusCode;
use sqlx::PgPool;

use crate::helpers::{acme, assert_is_redirect_to, spawn_app, Host, PASSWORD};

#[sqlx::test]
async fn wrong_password_and_unknown_email_get_the_same_refusal(db: PgPool) {
    let (app, _admin) = acme(db).await;
    let agent = app.agent();
    let wrong = agent.sign_in(Host::Staff, "ada@acme.test", "not the password").await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    assert!(wrong.contains("Email or password is incorrect."));
    let unknown = agent.sign_in(Host::Staff, "nobody@acme.test", "not the password").await;
    assert_eq!(unknown.status, StatusCode::UNAUTHORIZED);
    assert!(unknown.contains("Email or password is incorrect."));
    assert_is_redirect_to(&agent.get(Host::Staff, "/").await, "/login");
}

#[sqlx::test]
async fn email_case_and_spaces_name_the_same_person(db: PgPool) {
    let app = spawn_app(db).await;
    let (admin, _) = app.provider_with_admin("Acme IT", "  Ada@ACME.test ").await;
    assert_eq!(app.count("SELECT count(*) FROM users WHERE email = 'ada@acme.test'").await, 1);
    assert_is_redirect_to(&app.agent().sign_in(Host::Staff, " ADA@acme.TEST ", PASSWORD).await, "/");

    let again = admin.invite_staff(&[("email", " Ada@Acme.Test"), ("role", "USER")]).await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    assert!(again.contains("User already belongs to this account"));
    assert!(again.contains("/settings/users#user-"));

    admin.invite_staff(&[("email", "Bob@Acme.test"), ("role", "USER")]).await;
    let duplicate = admin.invite_staff(&[("email", "  bob@acme.TEST"), ("role", "USER")]).await;
    assert_eq!(duplicate.status, StatusCode::CONFLICT);
    assert!(duplicate.contains("Resend Invitation"));
    assert_eq!(app.count("SELECT count(*) FROM invitations WHERE email = 'bob@acme.test'").await, 1);
}

#[sqlx::test]
async fn a_post_without_the_csrf_token_or_from_another_origin_changes_nothing(db: PgPool) {
    let (app, admin) = acme(db).await;
    let before = app.count("SELECT count(*) FROM invitations").await;
    let missing = admin
        .post_raw(
            Host::Staff,
            "/settings/users/invite-staff",
            &[("email", "bob@acme.test"), ("role", "USER")],
        )
        .await;
    assert_eq!(missing.status, StatusCode::FORBIDDEN);
    assert!(missing.contains("This form has expired"));
    let wrong = admin
        .post_raw(
            Host::Staff,
            "/settings/users/invite-staff",
            &[("csrf", "forged"), ("email", "bob@acme.test"), ("role", "USER")],
        )
        .await;
    assert_eq!(wrong.status, StatusCode::FORBIDDEN);

    let page = admin.get(Host::Staff, "/settings/users/invite-staff").await;
    let response = admin
        .client
        .post(format!("{}/settings/users/invite-staff", app.staff_url))
        .header("Origin", "http://evil.test")
        .form(&[("csrf", page.csrf().as_str()), ("email", "bob@acme.test"), ("role", "USER")])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    assert_eq!(app.count("SELECT count(*) FROM invitations").await, before);
    assert_eq!(app.smtp.count_to("bob@acme.test"), 0);
}

#[sqlx::test]
async fn logout_deletes_the_session_on_the_server(db: PgPool) {
    let (app, admin) = acme(db).await;
    assert_eq!(admin.get(Host::Staff, "/").await.status, StatusCode::OK);
    let before = app.count("SELECT count(*) FROM tower_sessions.session").await;
    assert_is_redirect_to(&admin.post(Host::Staff, "/", "/logout", &[]).await, "/login?signed_out=1");
    let after = app.count("SELECT count(*) FROM tower_sessions.session").await;
    assert_eq!(after, before - 1);
    assert_is_redirect_to(&admin.get(Host::Staff, "/").await, "/login");
}

#[sqlx::test]
async fn forgot_password_answers_alike_and_mails_only_real_accounts(db: PgPool) {
    let (app, admin) = acme(db).await;
    let other_session = app.agent();
    assert_is_redirect_to(&other_session.sign_in(Host::Staff, "ada@acme.test", PASSWORD).await, "/");

    let visitor = app.agent();
    let known = visitor.forgot_password(Host::Staff, "ADA@acme.test").await;
    let unknown = visitor.forgot_password(Host::Staff, "nobody@acme.test").await;
    assert_eq!(known.status, StatusCode::OK);
    assert_eq!(unknown.status, StatusCode::OK);
    assert_eq!(strip_csrf(&known.body), strip_csrf(&unknown.body));
    assert!(known.contains("Check your email"));

    let reset = app.smtp.nth_to("ada@acme.test", 2).await;
    assert!(reset.subject.contains("Acme IT"));
    let link = reset.link_containing("/reset-password/");
    assert!(link.starts_with(&app.staff_url), "link built from the configured URL: {link}");
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert_eq!(app.smtp.count_to("nobody@acme.test"), 0);
    assert_eq!(app.count("SELECT count(*) FROM email_outbox WHERE to_address = 'nobody@acme.test'").await, 0);

    // Too short a password is refused with a message and nothing changes.
    let form = visitor.get_url(&link).await;
    assert_eq!(form.status, StatusCode::OK);
    let short = visitor.reset_password(&form, &link, "short", Host::Staff).await;
    assert_eq!(short.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(short.contains("at least 10 characters"));

    let new_password = "a brand new password";
    let done = visitor.reset_password(&form, &link, new_password, Host::Staff).await;
    assert_is_redirect_to(&done, "/login");
    // The link is single use; sessions opened before the reset are over.
    assert_eq!(visitor.get_url(&link).await.status, StatusCode::GONE);
    assert_is_redirect_to(&other_session.get(Host::Staff, "/").await, "/login");
    assert_is_redirect_to(&admin.get(Host::Staff, "/").await, "/login");
    assert_eq!(
        app.agent().sign_in(Host::Staff, "ada@acme.test", PASSWORD).await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_is_redirect_to(&app.agent().sign_in(Host::Staff, "ada@acme.test", new_password).await, "/");
}

fn strip_csrf(body: &str) -> String {
    body.lines().filter(|l| !l.contains("name=\"csrf\"")).collect::<Vec<_>>().join("\n")
}

#[sqlx::test]
async fn sign_in_is_rate_limited_per_account(db: PgPool) {
    let (app, _admin) = acme(db).await;
    let agent = app.agent();
    // From the guessing address, even the right password waits for the window to pass (the
    // owner elsewhere is not held up: see safety.rs).
    agent.guess_until_limited(Host::Staff, "ada@acme.test", 7).await;
}

#[sqlx::test]
async fn forgot_password_is_rate_limited_per_account(db: PgPool) {
    let app = spawn_app(db).await;
    let agent = app.agent();
    let mut last = StatusCode::OK;
    for _ in 0..6 {
        last = agent.forgot_password(Host::Staff, "someone@acme.test").await.status;
    }
    assert_eq!(last, StatusCode::TOO_MANY_REQUESTS);
}

#[sqlx::test]
async fn staff_cannot_use_the_portal_without_a_client_membership(db: PgPool) {
    let (app, _admin) = acme(db).await;
    let agent = app.agent();
    let page = agent.sign_in(Host::Portal, "ada@acme.test", PASSWORD).await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    assert!(page.contains("no client portal access"));
    assert_is_redirect_to(&agent.get(Host::Portal, "/").await, "/login");
}

#[sqlx::test]
async fn each_host_has_its_own_cookies_and_anonymous_pages_store_nothing(db: PgPool) {
    let (app, _admin) = acme(db).await;
    let sessions_before = app.count("SELECT count(*) FROM tower_sessions.session").await;
    let agent = app.agent();
    let staff = agent.get(Host::Staff, "/login").await;
    let portal = agent.get(Host::Portal, "/login").await;
    let cookies = |p: &crate::helpers::Page| -> Vec<String> {
        p.headers.get_all("set-cookie").iter().map(|v| v.to_str().unwrap().to_string()).collect()
    };
    // An anonymous visitor gets only the random value behind their CSRF token, per host.
    assert_eq!(cookies(&staff).len(), 1, "{:?}", cookies(&staff));
    assert!(cookies(&staff)[0].starts_with("portico_staff_csrf="));
    assert!(cookies(&portal)[0].starts_with("portico_portal_csrf="));
    for c in cookies(&staff).into_iter().chain(cookies(&portal)) {
        assert!(c.contains("HttpOnly") && c.contains("SameSite=Lax"), "{c}");
    }
    assert_eq!(app.count("SELECT count(*) FROM tower_sessions.session").await, sessions_before);

    // Signing in makes the host's own session cookie.
    let signed_in = agent.sign_in(Host::Staff, "ada@acme.test", PASSWORD).await;
    assert_is_redirect_to(&signed_in, "/");
    let session_cookie =
        cookies(&signed_in).into_iter().find(|c| c.starts_with("portico_staff=")).expect("session");
    assert!(session_cookie.contains("HttpOnly") && session_cookie.contains("SameSite=Lax"));
    assert_eq!(app.count("SELECT count(*) FROM tower_sessions.session").await, sessions_before + 1);
}
