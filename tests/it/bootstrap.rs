//! The foundation story: a provider is created from the command line, its first admin gets the
//! invitation by email, sets a password, signs in and invites a colleague, who joins too.

use reqwest::StatusCode;
use sqlx::PgPool;

use crate::helpers::{assert_is_redirect_to, spawn_app, Host, PASSWORD};

#[sqlx::test]
async fn first_admin_accepts_by_email_and_invites_a_colleague(db: PgPool) {
    let app = spawn_app(db).await;
    let printed_link = app.create_provider("Acme IT", "Ada@Acme.test").await;

    // The invitation arrives over SMTP, naming the provider, with the same link that was printed.
    let email = app.smtp.first_to("ada@acme.test").await;
    assert!(email.subject.contains("Acme IT"), "subject: {}", email.subject);
    assert!(!email.html.is_empty() && !email.text.is_empty());
    let link = email.link_containing("/invite/");
    assert_eq!(link, printed_link);
    assert!(link.starts_with(&app.staff_url));

    // Opening the link (a GET, as a mail scanner would) consumes nothing.
    let ada = app.agent();
    let page = ada.get_url(&link).await;
    assert_eq!(page.status, StatusCode::OK);
    page.assert_shows(&["Acme IT", "Portico", "ADMIN", "Accept invitation", "Decline"]);
    let again = app.agent().get_url(&link).await;
    assert_eq!(again.status, StatusCode::OK);

    // Accepting: name and password, then signed in to the staff app.
    let accepted = ada.accept_new(&page, &link, "Ada Lovelace", Host::Staff).await;
    assert_is_redirect_to(&accepted, "/");
    let home = ada.get(Host::Staff, "/").await;
    assert_eq!(home.status, StatusCode::OK);
    home.assert_shows(&["Acme IT", "Clients", "Settings", "Audit log"]);

    // Signing out and in again with the new password works.
    let out = ada.post(Host::Staff, "/", "/logout", &[]).await;
    assert_is_redirect_to(&out, "/login?signed_out=1");
    assert!(ada.get(Host::Staff, "/login?signed_out=1").await.contains("You have signed out."));
    assert!(!ada.get(Host::Staff, "/login").await.contains("You have signed out."));
    assert_is_redirect_to(&ada.get(Host::Staff, "/").await, "/login");
    assert_is_redirect_to(&ada.sign_in(Host::Staff, "ada@acme.test", PASSWORD).await, "/");

    // Ada invites a colleague from Settings -> User Roles.
    let users = ada.get(Host::Staff, "/settings/users").await;
    assert!(users.contains("Invite staff user") && users.contains("Ada Lovelace"));
    let sent =
        ada.invite_staff(&[("email", "bob@acme.test"), ("name", "Bob Builder"), ("role", "MANAGER")]).await;
    assert_eq!(sent.status, StatusCode::OK, "{}", sent.body);
    assert!(sent.contains("Invitation sent") && sent.contains("Copy link"));
    let shown_link = sent.invite_link();

    let bob_mail = app.smtp.first_to("bob@acme.test").await;
    assert_eq!(bob_mail.link_containing("/invite/"), shown_link);
    assert!(bob_mail.text.contains("Ada Lovelace") && bob_mail.text.contains("MANAGER"));

    let listed = ada.get(Host::Staff, "/settings/users").await;
    assert!(listed.contains("bob@acme.test") && listed.contains("Invited"));

    let bob = app.agent();
    let invite = bob.get_url(&shown_link).await;
    assert!(invite.contains("Ada Lovelace") && invite.contains("MANAGER"));
    let done = bob.accept_setting_password(&invite, &shown_link, Host::Staff).await;
    assert_is_redirect_to(&done, "/");
    let bob_home = bob.get(Host::Staff, "/").await;
    assert!(bob_home.contains("MANAGER"));

    // Ada is told, and the list now shows Bob as Active.
    let notice = app.smtp.first_to("ada@acme.test").await;
    assert!(notice.subject.contains("Acme IT"));
    let told = app.smtp.nth_to("ada@acme.test", 2).await;
    assert!(told.subject.contains("accepted"), "{}", told.subject);
    let listed = ada.get(Host::Staff, "/settings/users").await;
    let bob_row = &listed.body[listed.body.find("bob@acme.test").unwrap() - 200..];
    assert!(bob_row.contains("Active"));

    // Every step is in the audit log.
    let audit = ada.get(Host::Staff, "/audit").await;
    for event in [
        "Ada Lovelace invited bob@acme.test as MANAGER to Acme IT",
        "bob@acme.test accepted the invitation to Acme IT",
        "ada@acme.test signed in",
    ] {
        assert!(audit.contains(event), "audit lacks {event}:\n{}", audit.body);
    }
    assert_eq!(app.count("SELECT count(*) FROM audit_events WHERE action = 'invitation.accepted'").await, 2);

    // Sent messages keep no raw token at rest.
    assert_eq!(app.count("SELECT count(*) FROM email_outbox WHERE state = 'SENT' AND (text_body IS NOT NULL OR html_body IS NOT NULL)").await, 0);
}
