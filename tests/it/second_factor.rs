//! Two-factor sign-in with an authenticator app (issue 13 items 1, 2 and 5, over HTTP): the codes
//! are computed here from the secret the enrolment page shows, as the person's app would.

use reqwest::StatusCode;
use sqlx::PgPool;
use totp_rs::{Algorithm, Secret, TOTP};

use crate::helpers::{assert_is_redirect_to, Agent, Globex, Host, OtherProvider, Page, PASSWORD};

/// The app on the person's phone: the secret read off the enrolment page.
struct Authenticator(TOTP);

impl Authenticator {
    fn from_page(page: &Page) -> Self {
        let marker = "<code class=\"secret\" id=\"secret\">";
        let start =
            page.body.find(marker).unwrap_or_else(|| panic!("no secret on:\n{}", page.body)) + marker.len();
        let text: String = page.body[start..].split('<').next().unwrap().split_whitespace().collect();
        let secret = Secret::Encoded(text).to_bytes().unwrap();
        Self(TOTP::new(Algorithm::SHA1, 6, 1, 30, secret).unwrap())
    }

    /// The code `steps` steps of 30 seconds from now.
    fn code(&self, steps: i64) -> String {
        let now =
            std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64;
        self.0.generate((now + steps * 30) as u64)
    }
}

/// Sets up the second factor for a signed-in person; returns their app and recovery codes.
async fn enrol(agent: &Agent, host: Host) -> (Authenticator, Vec<String>) {
    let account = agent.get(host, "/account").await;
    assert!(account.contains("<strong>Off.</strong>"), "{}", account.body);
    let wrong =
        agent.submit_form(&account, "/account/two-factor/start", &[("password", "not it")], host).await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED, "setting it up takes the password again");
    let page =
        agent.submit_form(&account, "/account/two-factor/start", &[("password", PASSWORD)], host).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.contains("<svg"), "the QR code is drawn on the server");
    let app = Authenticator::from_page(&page);
    let wrong = agent.submit_form(&page, "/account/two-factor/confirm", &[("code", "000000")], host).await;
    assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(wrong.contains("That code is not right"));
    let done =
        agent.submit_form(&wrong, "/account/two-factor/confirm", &[("code", &app.code(0))], host).await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.body);
    let codes: Vec<String> = done
        .body
        .split("<li><code>")
        .skip(1)
        .map(|rest| rest.split('<').next().unwrap().to_string())
        .collect();
    assert_eq!(codes.len(), 10, "{}", done.body);
    (app, codes)
}

/// Account security -> Turn off two-factor authentication, from the `account` page.
async fn turn_off(agent: &Agent, account: &Page, password: &str, code: &str, host: Host) -> Page {
    let fields = [("password", password), ("code", code)];
    agent.submit_form(account, "/account/two-factor/off", &fields, host).await
}

async fn sign_out(agent: &Agent, host: Host) {
    let out = agent.post(host, "/account", "/logout", &[]).await;
    assert_eq!(out.status, StatusCode::SEE_OTHER);
}

/// The password step: it leads to the code, and nothing else is reachable meanwhile.
async fn password_step(agent: &Agent, host: Host, email: &str) -> Page {
    let first = agent.sign_in(host, email, PASSWORD).await;
    assert_is_redirect_to(&first, "/login/code");
    let home = agent.get(host, "/").await;
    assert_eq!(home.status, StatusCode::SEE_OTHER, "a half-signed-in session reaches nothing");
    assert!(home.location.as_deref().unwrap_or_default().starts_with("/login"));
    assert!(agent.get(host, "/account").await.location.unwrap_or_default().starts_with("/login"));
    agent.get(host, "/login/code").await
}

#[sqlx::test]
async fn a_second_factor_is_asked_after_the_password_and_each_code_works_once(db: PgPool) {
    let Globex { app, staff: ada, .. } = Globex::start(db).await;
    let (phone, recovery) = enrol(&ada, Host::Staff).await;
    assert_eq!(app.count("SELECT count(*) FROM totp_factors WHERE confirmed_at IS NOT NULL").await, 1);
    assert_eq!(app.count("SELECT count(*) FROM recovery_codes WHERE used_at IS NULL").await, 10);
    assert_eq!(
        app.count("SELECT count(*) FROM audit_events WHERE action = 'second_factor.enabled'").await,
        1
    );
    // The secret is sealed: its bytes are nowhere in the row, nor are the recovery codes.
    let secret = phone.0.secret.clone();
    let plain: i64 =
        sqlx::query_scalar("SELECT count(*) FROM totp_factors WHERE position($1 IN secret_sealed) > 0")
            .bind(&secret)
            .fetch_one(&app.db)
            .await
            .unwrap();
    assert_eq!(plain, 0);
    let stored = app
        .count(&format!("SELECT count(*) FROM recovery_codes WHERE code_hash LIKE '%{}%'", recovery[0]))
        .await;
    assert_eq!(stored, 0);
    assert!(ada.get(Host::Staff, "/account").await.contains("You have 10 unused recovery codes"));

    sign_out(&ada, Host::Staff).await;
    let step = password_step(&ada, Host::Staff, "ada@acme.test").await;
    // The code that confirmed the set-up was taken: only a later step's code works now.
    let replayed = ada.submit_form(&step, "/login/code", &[("code", &phone.code(0))], Host::Staff).await;
    assert_eq!(replayed.status, StatusCode::UNAUTHORIZED, "a code is not accepted twice");
    let two_late = ada.submit_form(&step, "/login/code", &[("code", &phone.code(-2))], Host::Staff).await;
    assert_eq!(two_late.status, StatusCode::UNAUTHORIZED, "one step either side, no more");
    let next = ada.submit_form(&step, "/login/code", &[("code", &phone.code(1))], Host::Staff).await;
    assert_is_redirect_to(&next, "/");
    assert_eq!(ada.get(Host::Staff, "/").await.status, StatusCode::OK);

    // A recovery code signs in once.
    sign_out(&ada, Host::Staff).await;
    let step = password_step(&ada, Host::Staff, "ada@acme.test").await;
    let used =
        ada.submit_form(&step, "/login/code", &[("code", &recovery[3].to_uppercase())], Host::Staff).await;
    assert_is_redirect_to(&used, "/");
    sign_out(&ada, Host::Staff).await;
    let step = password_step(&ada, Host::Staff, "ada@acme.test").await;
    let again = ada.submit_form(&step, "/login/code", &[("code", &recovery[3])], Host::Staff).await;
    assert_eq!(again.status, StatusCode::UNAUTHORIZED, "each recovery code works once");
    assert_eq!(app.count("SELECT count(*) FROM recovery_codes WHERE used_at IS NOT NULL").await, 1);

    // Turning it off takes the password and a code.
    let next = ada.submit_form(&step, "/login/code", &[("code", &recovery[4])], Host::Staff).await;
    assert_is_redirect_to(&next, "/");
    let account = ada.get(Host::Staff, "/account").await;
    let refused = turn_off(&ada, &account, "not it", &recovery[5], Host::Staff).await;
    assert_eq!(refused.status, StatusCode::UNAUTHORIZED);
    assert_eq!(app.count("SELECT count(*) FROM totp_factors").await, 1);
    let off = turn_off(&ada, &account, PASSWORD, &recovery[5], Host::Staff).await;
    assert_is_redirect_to(&off, "/account");
    assert_eq!(
        app.count("SELECT count(*) FROM totp_factors").await
            + app.count("SELECT count(*) FROM recovery_codes").await,
        0
    );
    sign_out(&ada, Host::Staff).await;
    assert_is_redirect_to(&ada.sign_in(Host::Staff, "ada@acme.test", PASSWORD).await, "/");
}

#[sqlx::test]
async fn wrong_codes_are_limited_and_a_reset_password_does_not_skip_the_code(db: PgPool) {
    let (Globex { app, .. }, carol) = Globex::with_carol(db).await;
    let (phone, _) = enrol(&carol, Host::Portal).await;
    sign_out(&carol, Host::Portal).await;

    // The portal asks too; a password reset changes the password, not the second factor.
    let visitor = app.agent();
    visitor.forgot_password(Host::Portal, "carol@globex.test").await;
    let link = app.smtp.nth_to("carol@globex.test", 2).await.link_containing("/reset-password/");
    let form = visitor.get_url(&link).await;
    let new_password = "a brand new password";
    let done = visitor.reset_password(&form, &link, new_password, Host::Portal).await;
    assert_is_redirect_to(&done, "/login");
    let first = visitor.sign_in(Host::Portal, "carol@globex.test", new_password).await;
    assert_is_redirect_to(&first, "/login/code");
    assert_eq!(app.count("SELECT count(*) FROM totp_factors WHERE confirmed_at IS NOT NULL").await, 1);

    let step = visitor.get(Host::Portal, "/login/code").await;
    // Five wrong codes for the account from this address (the set-up's wrong one was the first).
    for _ in 0..4 {
        let wrong = visitor.submit_form(&step, "/login/code", &[("code", "000000")], Host::Portal).await;
        assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    }
    let limited = visitor.submit_form(&step, "/login/code", &[("code", &phone.code(1))], Host::Portal).await;
    assert_eq!(
        limited.status,
        StatusCode::TOO_MANY_REQUESTS,
        "even the right code waits after five wrong ones"
    );
    assert_eq!(visitor.get(Host::Portal, "/").await.status, StatusCode::SEE_OTHER);
}

#[sqlx::test]
async fn accepting_an_invitation_into_an_account_with_a_second_factor_asks_for_its_code(db: PgPool) {
    let Globex { app, staff: ada, .. } = Globex::start(db).await;
    let (phone, _) = enrol(&ada, Host::Staff).await;
    // Another provider invites Ada, who already has an account, to a client's portal.
    let beta = OtherProvider::start(&app, "Beta Services", "bob@beta.test", "Hooli").await;
    let link = beta.invite(&app, "ada@acme.test").await;
    let visitor = app.agent();
    let page = visitor.get_url(&link).await;
    assert!(page.contains("Code from your authenticator app"), "{}", page.body);
    let accept = crate::helpers::link_path(&link, "/accept");
    let without = visitor.submit_form(&page, &accept, &[("password", PASSWORD)], Host::Portal).await;
    assert_eq!(without.status, StatusCode::UNAUTHORIZED);
    assert!(without.contains("That code is not right"));
    assert_eq!(app.count("SELECT count(*) FROM client_memberships").await, 0, "nothing accepted");
    let with = visitor
        .submit_form(&page, &accept, &[("password", PASSWORD), ("code", &phone.code(1))], Host::Portal)
        .await;
    assert_is_redirect_to(&with, "/");
    assert_eq!(app.count("SELECT count(*) FROM client_memberships").await, 1);
}

#[sqlx::test]
async fn a_provider_requires_it_and_whoever_has_none_sets_it_up_before_anything_else(db: PgPool) {
    let (Globex { app, staff: ada, .. }, carol) = Globex::with_carol(db).await;
    let saved = ada.post(Host::Staff, "/settings/security", "/settings/security", &[("clients", "1")]).await;
    assert_is_redirect_to(&saved, "/settings/security");
    let flags: (bool, bool, bool) = sqlx::query_as(
        "SELECT second_factor_for_staff, second_factor_for_client_admins, second_factor_for_clients FROM providers",
    )
    .fetch_one(&app.db)
    .await
    .unwrap();
    assert_eq!(flags, (false, true, true), "all client users include the Client Admins");
    assert!(ada
        .get(Host::Staff, "/audit")
        .await
        .contains("required two-factor authentication of Client Admins, all client users"));
    // Carol's session from before goes on; her next sign-in is held at the set-up.
    assert_eq!(carol.get(Host::Portal, "/jobs").await.status, StatusCode::OK);
    sign_out(&carol, Host::Portal).await;
    assert_is_redirect_to(&carol.sign_in(Host::Portal, "carol@globex.test", PASSWORD).await, "/account");
    for path in ["/", "/jobs", "/captures", "/users"] {
        assert_is_redirect_to(&carol.get(Host::Portal, path).await, "/account");
    }
    let account = carol.get(Host::Portal, "/account").await;
    assert!(account.contains("Your organisation requires two-factor authentication"), "{}", account.body);
    let (phone, recovery) = enrol(&carol, Host::Portal).await;
    let jobs = carol.get(Host::Portal, "/jobs").await;
    assert_eq!(jobs.status, StatusCode::OK, "set up, the portal opens: {:?}", jobs.location);
    // Required, it cannot be turned off.
    let account = carol.get(Host::Portal, "/account").await;
    assert!(!account.contains("Turn off two-factor authentication"));
    let off = turn_off(&carol, &account, PASSWORD, &recovery[0], Host::Portal).await;
    assert_eq!(off.status, StatusCode::UNAUTHORIZED);
    assert_eq!(app.count("SELECT count(*) FROM totp_factors").await, 1);
    // And from now on her sign-in asks for the code; staff, not required, are not asked.
    sign_out(&carol, Host::Portal).await;
    let step = password_step(&carol, Host::Portal, "carol@globex.test").await;
    assert_is_redirect_to(
        &carol.submit_form(&step, "/login/code", &[("code", &phone.code(1))], Host::Portal).await,
        "/",
    );
    sign_out(&ada, Host::Staff).await;
    assert_is_redirect_to(&ada.sign_in(Host::Staff, "ada@acme.test", PASSWORD).await, "/");
}

#[sqlx::test]
async fn an_admin_resets_a_lost_second_factor_of_their_own_people_only(db: PgPool) {
    let (Globex { app, staff: ada, client, .. }, carol) = Globex::with_carol(db).await;
    enrol(&carol, Host::Portal).await;
    let membership = app.membership_id("carol@globex.test").await;
    let users = format!("/clients/{client}");
    let reset = format!("/clients/{client}/users/members/{membership}/reset-two-factor");
    assert!(ada.get(Host::Staff, &users).await.contains("Reset two-factor"));

    // A MANAGER may not; nothing changes.
    let sent = ada.invite_staff(&[("email", "max@acme.test"), ("role", "MANAGER")]).await;
    let link = sent.invite_link();
    let max = app.agent();
    let page = max.get_url(&link).await;
    max.accept_new(&page, &link, "Max", Host::Staff).await;
    assert!(!max.get(Host::Staff, &users).await.contains("Reset two-factor"));
    assert_eq!(max.post(Host::Staff, &users, &reset, &[]).await.status, StatusCode::FORBIDDEN);
    assert_eq!(app.count("SELECT count(*) FROM totp_factors").await, 1);

    // The ADMIN resets it: gone, audited, and Carol is told.
    let done = ada.post(Host::Staff, &users, &reset, &[]).await;
    assert_eq!(done.status, StatusCode::SEE_OTHER);
    assert_eq!(
        app.count("SELECT count(*) FROM totp_factors").await
            + app.count("SELECT count(*) FROM recovery_codes").await,
        0
    );
    assert_eq!(app.count("SELECT count(*) FROM audit_events WHERE action = 'second_factor.reset'").await, 1);
    let email = app.smtp.nth_to("carol@globex.test", 2).await;
    assert!(email.subject.contains("your two-factor authentication was reset"), "{}", email.subject);
    assert!(email.text.contains("Ada Admin reset the two-factor authentication of your account"));
    sign_out(&carol, Host::Portal).await;
    assert_is_redirect_to(&carol.sign_in(Host::Portal, "carol@globex.test", PASSWORD).await, "/");

    // Someone who also belongs to another provider is not theirs to reset.
    enrol(&carol, Host::Portal).await;
    let beta = OtherProvider::start(&app, "Beta Services", "bob@beta.test", "Hooli").await;
    let token_link = beta.invite(&app, "carol@globex.test").await;
    let accepted = carol.answer_invitation(&token_link, "/accept", &[], Host::Portal).await;
    assert_eq!(accepted.status, StatusCode::SEE_OTHER, "{}", accepted.body);
    let refused = ada.post(Host::Staff, &users, &reset, &[]).await;
    assert_eq!(refused.status, StatusCode::SEE_OTHER);
    assert!(ada.get(Host::Staff, &users).await.contains("also belongs to another provider"));
    assert_eq!(app.count("SELECT count(*) FROM totp_factors").await, 1);

    // A colleague's, from Settings -> User Roles; never one's own there.
    let (max_phone, _) = enrol(&max, Host::Staff).await;
    drop(max_phone);
    let max_id = app.user_id("max@acme.test").await;
    let staff_reset = format!("/settings/users/staff/{max_id}/reset-two-factor");
    assert_is_redirect_to(
        &ada.post(Host::Staff, "/settings/users", &staff_reset, &[]).await,
        "/settings/users",
    );
    assert_eq!(app.count(&format!("SELECT count(*) FROM totp_factors WHERE user_id = '{max_id}'")).await, 0);
    let ada_id = app.user_id("ada@acme.test").await;
    enrol(&ada, Host::Staff).await;
    let own = format!("/settings/users/staff/{ada_id}/reset-two-factor");
    ada.post(Host::Staff, "/settings/users", &own, &[]).await;
    assert_eq!(app.count(&format!("SELECT count(*) FROM totp_factors WHERE user_id = '{ada_id}'")).await, 1);
}
