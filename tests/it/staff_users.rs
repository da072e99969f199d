//! Settings -> User Roles for staff: who may invite, role changes, removal taking effect at once.

use reqwest::StatusCode;
use sqlx::PgPool;

use crate::helpers::{acme, assert_is_redirect_to, Host, PASSWORD};

#[sqlx::test]
async fn managers_and_users_cannot_invite_staff(db: PgPool) {
    let (app, admin) = acme(db).await;
    for (email, role) in [("max@acme.test", "MANAGER"), ("uma@acme.test", "USER")] {
        let agent = app.join_staff(&admin, email, role).await;
        let users = agent.get(Host::Staff, "/settings/users").await;
        assert_eq!(users.status, StatusCode::OK);
        assert!(!users.contains("Invite staff user"), "{role} sees the button");
        assert!(!users.contains("Change Role"));
        assert_eq!(
            agent.get(Host::Staff, "/settings/users/invite-staff").await.status,
            StatusCode::FORBIDDEN
        );
        let before = app.count("SELECT count(*) FROM invitations").await;
        let refused = agent
            .post(
                Host::Staff,
                "/settings/users",
                "/settings/users/invite-staff",
                &[("email", "new@acme.test"), ("role", "ADMIN")],
            )
            .await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN);
        assert_eq!(app.count("SELECT count(*) FROM invitations").await, before);
        assert_eq!(agent.get(Host::Staff, "/audit").await.status, StatusCode::FORBIDDEN);
    }
    let user = app.agent();
    user.sign_in(Host::Staff, "uma@acme.test", PASSWORD).await;
    assert!(!user.get(Host::Staff, "/settings/users").await.contains("Invite client user"));
    assert_eq!(app.smtp.count_to("new@acme.test"), 0);
}

#[sqlx::test]
async fn a_removed_staff_members_open_session_stops_at_the_next_request(db: PgPool) {
    let (app, admin) = acme(db).await;
    let bob = app.join_staff(&admin, "bob@acme.test", "MANAGER").await;
    assert_eq!(bob.get(Host::Staff, "/settings/users").await.status, StatusCode::OK);
    let bob_id = app.user_id("bob@acme.test").await;
    admin.remove_in_user_roles("staff", bob_id).await;
    assert_is_redirect_to(&bob.get(Host::Staff, "/settings/users").await, "/login");
    let again = app.agent().sign_in(Host::Staff, "bob@acme.test", PASSWORD).await;
    assert_eq!(again.status, StatusCode::FORBIDDEN);
    assert_eq!(app.count("SELECT count(*) FROM audit_events WHERE action = 'staff.removed'").await, 1);
}

#[sqlx::test]
async fn an_admin_changes_a_role_and_it_applies_at_once(db: PgPool) {
    let (app, admin) = acme(db).await;
    let bob = app.join_staff(&admin, "bob@acme.test", "ADMIN").await;
    assert!(bob.get(Host::Staff, "/settings/users").await.contains("Invite staff user"));
    let bob_id = app.user_id("bob@acme.test").await;
    let changed = admin.act_in_user_roles("staff", bob_id, "role", &[("role", "USER")]).await;
    assert_is_redirect_to(&changed, "/settings/users");
    assert!(admin
        .get(Host::Staff, "/settings/users")
        .await
        .contains("Role changed to USER for bob@acme.test."));
    assert_eq!(bob.get(Host::Staff, "/settings/users/invite-staff").await.status, StatusCode::FORBIDDEN);
    let audit: serde_json::Value =
        sqlx::query_scalar("SELECT details FROM audit_events WHERE action = 'staff.role_changed'")
            .fetch_one(&app.db)
            .await
            .unwrap();
    assert_eq!(audit["from"], "ADMIN");
    assert_eq!(audit["to"], "USER");

    // Bad input is a clear 4xx and writes nothing; nobody can demote or remove themselves.
    let ada_id = app.user_id("ada@acme.test").await;
    let bogus = admin.act_in_user_roles("staff", bob_id, "role", &[("role", "OWNER")]).await;
    assert_eq!(bogus.status, StatusCode::BAD_REQUEST);
    let own = admin.act_in_user_roles("staff", ada_id, "role", &[("role", "USER")]).await;
    assert_eq!(own.status, StatusCode::BAD_REQUEST);
    let foreign = admin.act_in_user_roles("staff", uuid::Uuid::new_v4(), "remove", &[]).await;
    assert_eq!(foreign.status, StatusCode::NOT_FOUND);
    let junk = admin.act_in_user_roles("staff", "not-a-uuid", "remove", &[("confirmed", "1")]).await;
    assert_eq!(junk.status, StatusCode::NOT_FOUND);
    assert_eq!(app.count("SELECT count(*) FROM staff_memberships WHERE role = 'ADMIN'").await, 1);
}

#[sqlx::test]
async fn invite_form_refuses_bad_input_with_a_message_per_field(db: PgPool) {
    let (app, admin) = acme(db).await;
    let long_name = "x".repeat(500);
    let page = admin.invite_staff(&[("email", "not an email"), ("name", &long_name), ("role", "KING")]).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("Enter an email address like name@example.com"));
    assert!(page.contains("Name must be at most 200 characters"));
    assert!(page.contains("Choose a role"));
    assert!(page.contains("value=\"not an email\""), "values are kept");
    assert_eq!(app.count("SELECT count(*) FROM invitations").await, 1);
}

#[sqlx::test]
async fn staff_of_another_provider_joins_with_their_existing_password(db: PgPool) {
    let (app, _acme) = acme(db).await;
    let link = app.create_provider("Globex", "ada@acme.test").await;
    let agent = app.agent();
    agent.accept_into_existing_account(&link, Host::Staff).await;
    assert!(agent.get(Host::Staff, "/").await.contains("Globex"));
    // Signing in afresh asks which provider to work in.
    let fresh = app.agent();
    assert_is_redirect_to(&fresh.sign_in(Host::Staff, "ada@acme.test", PASSWORD).await, "/");
    assert_is_redirect_to(&fresh.get(Host::Staff, "/").await, "/choose-organisation");
    let choose = fresh.get(Host::Staff, "/choose-organisation").await;
    assert!(choose.contains("Acme IT") && choose.contains("Globex"));
}
