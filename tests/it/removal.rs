//! Removal closes every door (issue 11 item 5): the invitations a removed Client Admin or staff
//! member sent stop working and say why, and a removed person's password-reset links die.

use reqwest::StatusCode;
use sqlx::PgPool;

use crate::helpers::{Globex, Host};

#[sqlx::test]
async fn removing_a_client_admin_withdraws_the_invitations_they_sent(db: PgPool) {
    let Globex { app, staff, client, company } = Globex::start(db).await;
    let boss = app.client_user(&staff, client, "boss@globex.test", "CLIENT_ADMIN", &[company]).await;
    let sent =
        boss.invite_in_portal(&[("email", "dave@globex.test"), ("companies", &company.to_string())]).await;
    assert_eq!(sent.status, StatusCode::OK, "{}", sent.body);
    let daves_link = sent.invite_link();
    // An invitation staff sent is not the removed person's, and stays.
    let by_staff = app
        .share(&staff, client, &[("email", "erin@globex.test"), ("companies", &company.to_string())])
        .await;
    let erins_link = by_staff.invite_link();

    staff.remove_client_member(client, app.membership_id("boss@globex.test").await).await;

    // The withdrawn link says why, and admits nobody.
    let why = "no longer has access, so the invitations they sent were withdrawn";
    app.agent().assert_link_dead(&daves_link, why, Host::Portal).await;
    assert_eq!(app.count("SELECT count(*) FROM users u JOIN client_memberships m ON m.user_id = u.id WHERE u.email = 'dave@globex.test'").await, 0);
    assert_eq!(app.count("SELECT count(*) FROM invitations WHERE email = 'dave@globex.test' AND revoked_reason = 'SENDER_REMOVED'").await, 1);

    assert_eq!(
        app.agent().get_url(&erins_link).await.status,
        StatusCode::OK,
        "staff's own invitation still works"
    );
    // The tab no longer lists the withdrawn invitation, and the audit log says how many went.
    let tab = staff.get(Host::Staff, &format!("/clients/{client}")).await;
    assert!(!tab.contains("dave@globex.test") && tab.contains("erin@globex.test"));
    assert_eq!(
        app.count("SELECT count(*) FROM audit_events WHERE action = 'client_user.removed' AND details->>'invitations_withdrawn' = '1'").await,
        1
    );
}

#[sqlx::test]
async fn removing_a_staff_member_withdraws_their_invitations_and_a_removed_persons_reset_link_dies(
    db: PgPool,
) {
    let Globex { app, staff: admin, client, company } = Globex::start(db).await;
    // A MANAGER joins, invites a client user, and asks for a password reset.
    let mo = app.join_staff(&admin, "mo@acme.test", "MANAGER").await;
    let shared =
        app.share(&mo, client, &[("email", "fay@globex.test"), ("companies", &company.to_string())]).await;
    let fays_link = shared.invite_link();
    let asked = app.agent().forgot_password(Host::Staff, "mo@acme.test").await;
    assert_eq!(asked.status, StatusCode::OK);
    let reset_link = app.smtp.nth_to("mo@acme.test", 2).await.link_containing("/reset-password/");

    let mo_id = app.user_id("mo@acme.test").await;
    // Mo's client assignment goes with the membership (written as an old release would have).
    sqlx::query("INSERT INTO staff_assignments (provider_id, client_id, user_id) SELECT provider_id, id, $1 FROM clients")
        .bind(mo_id)
        .execute(&app.db)
        .await
        .unwrap();
    admin.remove_in_user_roles("staff", mo_id).await;

    assert_eq!(
        app.count(&format!("SELECT count(*) FROM staff_assignments WHERE user_id = '{mo_id}'")).await,
        0
    );
    let fay = app.agent().get_url(&fays_link).await;
    assert_eq!(fay.status, StatusCode::GONE);
    assert!(fay.contains("no longer has access"), "{}", fay.body);

    let visitor = app.agent();
    let form = visitor.get_url(&reset_link).await;
    assert_eq!(form.status, StatusCode::GONE, "the reset link died with the membership: {}", form.body);
    let path = &reset_link[reset_link.find("/reset-password/").unwrap()..];
    let new_password = "a brand new password";
    let fields = [("password", new_password), ("confirm", new_password)];
    let tried = visitor.post(Host::Staff, "/forgot-password", path, &fields).await;
    assert_eq!(tried.status, StatusCode::GONE);
    let before = app
        .count("SELECT count(*) FROM users WHERE email = 'mo@acme.test' AND password_hash IS NOT NULL")
        .await;
    assert_eq!(before, 1);
    assert_eq!(app.count("SELECT count(*) FROM password_resets WHERE used_at IS NULL").await, 0);
}
