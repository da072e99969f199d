//! Invite and reset links: single use, expiring, revocable, purpose-bound, and never telling
//! whether an email has an account.

use reqwest::StatusCode;
use sqlx::PgPool;

use crate::helpers::{acme, assert_is_redirect_to, link_path, spawn_app, Host, PASSWORD};

#[sqlx::test]
async fn a_used_link_cannot_be_used_again(db: PgPool) {
    let app = spawn_app(db).await;
    let link = app.create_provider("Acme IT", "ada@acme.test").await;
    let first = app.agent();
    let page = first.get_url(&link).await;
    let ok = first.accept_new(&page, &link, "Ada", Host::Staff).await;
    assert_is_redirect_to(&ok, "/");

    app.agent().assert_link_dead(&link, "This invitation has already been used", Host::Staff).await;
    assert_eq!(app.count("SELECT count(*) FROM staff_memberships").await, 1);
}

#[sqlx::test]
async fn an_expired_link_says_so_and_accepts_nothing(db: PgPool) {
    let app = spawn_app(db).await;
    let link = app.create_provider("Acme IT", "ada@acme.test").await;
    sqlx::query("UPDATE invitations SET expires_at = now() - interval '1 minute'")
        .execute(&app.db)
        .await
        .unwrap();
    let agent = app.agent();
    agent.assert_link_dead(&link, "This invitation has expired", Host::Staff).await;
    assert!(agent.get_url(&link).await.contains("new invitation"));
    assert_eq!(app.count("SELECT count(*) FROM users WHERE password_hash IS NOT NULL").await, 0);
}

#[sqlx::test]
async fn unknown_and_malformed_links_get_a_plain_not_valid_page(db: PgPool) {
    let app = spawn_app(db).await;
    let agent = app.agent();
    for path in ["/invite/not-a-token", "/invite/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"] {
        let page = agent.get(Host::Staff, path).await;
        assert_eq!(page.status, StatusCode::NOT_FOUND);
        assert!(page.contains("This invitation link is not valid"));
    }
}

#[sqlx::test]
async fn resend_kills_the_old_link_and_revoke_kills_the_new_one(db: PgPool) {
    let (app, admin) = acme(db).await;
    let sent = admin.invite_staff(&[("email", "bob@acme.test"), ("role", "USER")]).await;
    let old_link = sent.invite_link();
    let id = app.invitation_id("bob@acme.test").await;

    let resent = admin.act_in_user_roles("invitations", id, "resend", &[]).await;
    assert_eq!(resent.status, StatusCode::OK, "{}", resent.body);
    assert!(resent.contains("Invitation sent again"));
    let new_link = resent.invite_link();
    assert_ne!(new_link, old_link);
    assert_eq!(app.smtp.nth_to("bob@acme.test", 2).await.link_containing("/invite/"), new_link);
    assert_eq!(app.agent().get_url(&old_link).await.status, StatusCode::NOT_FOUND);
    assert_eq!(app.agent().get_url(&new_link).await.status, StatusCode::OK);

    admin.remove_in_user_roles("invitations", id).await;
    let page = app.agent().get_url(&new_link).await;
    assert_eq!(page.status, StatusCode::GONE);
    assert!(page.contains("This invitation is no longer valid"));
    assert_eq!(
        app.count(
            "SELECT count(*) FROM audit_events WHERE action IN ('invitation.resent', 'invitation.revoked')"
        )
        .await,
        2
    );
}

#[sqlx::test]
async fn decline_records_declined_and_offers_reinvite(db: PgPool) {
    let (app, admin) = acme(db).await;
    let sent = admin.invite_staff(&[("email", "bob@acme.test"), ("role", "USER")]).await;
    let link = sent.invite_link();
    let bob = app.agent();
    let page = bob.get_url(&link).await;
    let declined = bob.submit_form(&page, &link_path(&link, "/decline"), &[], Host::Staff).await;
    assert_eq!(declined.status, StatusCode::OK);
    assert!(declined.contains("Invitation declined"));
    assert_eq!(app.count("SELECT count(*) FROM invitations WHERE status = 'DECLINED'").await, 1);
    assert!(app.smtp.nth_to("ada@acme.test", 2).await.subject.contains("declined"));
    let list = admin.get(Host::Staff, "/settings/users").await;
    assert!(list.contains("Declined") && list.contains("Reinvite"));
    assert_eq!(bob.get_url(&link).await.status, StatusCode::GONE);
}

#[sqlx::test]
async fn a_token_for_one_purpose_is_refused_for_another(db: PgPool) {
    let (app, _admin) = acme(db).await;
    // A reset token is no invitation...
    let agent = app.agent();
    agent.forgot_password(Host::Staff, "ada@acme.test").await;
    let reset = app.smtp.nth_to("ada@acme.test", 2).await.link_containing("/reset-password/");
    let token = reset.rsplit('/').next().unwrap();
    assert_eq!(agent.get(Host::Staff, &format!("/invite/{token}")).await.status, StatusCode::NOT_FOUND);
    // ...and an invitation token resets no password.
    let invite = app.create_provider("Other Co", "zed@other.test").await;
    let invite_token = invite.rsplit('/').next().unwrap();
    let page = agent.get(Host::Staff, &format!("/reset-password/{invite_token}")).await;
    assert_eq!(page.status, StatusCode::GONE);
    // A staff invitation is not valid on the portal host.
    assert_eq!(
        agent.get(Host::Portal, &format!("/invite/{invite_token}")).await.status,
        StatusCode::NOT_FOUND
    );
}

#[sqlx::test]
async fn two_simultaneous_accepts_of_one_token_make_exactly_one_member(db: PgPool) {
    let app = spawn_app(db).await;
    let link = app.create_provider("Acme IT", "ada@acme.test").await;
    let results = app.accept_at_once(&link, 4, Host::Staff).await;
    let winners = results.iter().filter(|p| p.status == StatusCode::SEE_OTHER).count();
    assert_eq!(winners, 1, "statuses: {:?}", results.iter().map(|p| p.status).collect::<Vec<_>>());
    assert!(results
        .iter()
        .filter(|p| p.status != StatusCode::SEE_OTHER)
        .all(|p| p.status == StatusCode::GONE));
    assert_eq!(app.count("SELECT count(*) FROM staff_memberships").await, 1);
    assert_eq!(app.count("SELECT count(*) FROM audit_events WHERE action = 'invitation.accepted'").await, 1);
}

#[sqlx::test]
async fn guessing_at_one_invitation_is_rate_limited(db: PgPool) {
    let app = spawn_app(db).await;
    let link = app.create_provider("Acme IT", "ada@acme.test").await;
    let agent = app.agent();
    let page = agent.get_url(&link).await;
    let mut statuses = Vec::new();
    for _ in 0..11 {
        // Mismatched passwords: refused with a message, nothing written, but counted.
        let p = agent
            .accept(
                &page,
                &link,
                &[("name", "Ada"), ("password", PASSWORD), ("confirm", "something else")],
                Host::Staff,
            )
            .await;
        statuses.push(p.status);
    }
    assert!(statuses[..10].iter().all(|s| *s == StatusCode::UNPROCESSABLE_ENTITY), "{statuses:?}");
    assert_eq!(statuses[10], StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(app.count("SELECT count(*) FROM staff_memberships").await, 0);
}
