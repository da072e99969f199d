//! The outbox: nothing is lost when the mail server is down, and without SMTP the development
//! mailbox holds the mail.

use reqwest::StatusCode;
use sqlx::PgPool;
use tokio::net::TcpListener;

use crate::helpers::{spawn_app_with, Host};
use crate::smtp::SmtpServer;

#[sqlx::test]
async fn an_invitation_queued_while_smtp_is_down_is_delivered_when_it_returns(db: PgPool) {
    // Reserve a port, then close it: the mail server is "down".
    let port = TcpListener::bind("127.0.0.1:0").await.unwrap().local_addr().unwrap().port();
    let app = spawn_app_with(db, Some(format!("smtp://127.0.0.1:{port}")), SmtpServer::default()).await;
    let link = app.create_provider("Acme IT", "ada@acme.test").await;
    assert!(link.contains("/invite/"));

    // The failure is recorded for staff to see, and the message stays queued for a retry.
    let mut tries = 0;
    while app.count("SELECT count(*) FROM email_outbox WHERE last_error IS NOT NULL").await == 0 {
        tries += 1;
        assert!(tries < 100, "the failed attempt was never recorded");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(app.count("SELECT count(*) FROM email_outbox WHERE state = 'QUEUED'").await, 1);

    // The server comes back on the same port and the retry delivers.
    let smtp = SmtpServer::start_on(TcpListener::bind(("127.0.0.1", port)).await.unwrap()).await;
    let email = smtp.first_to("ada@acme.test").await;
    assert_eq!(email.link_containing("/invite/"), link);
    let mut tries = 0;
    while app.count("SELECT count(*) FROM email_outbox WHERE state = 'SENT'").await == 0 {
        tries += 1;
        assert!(tries < 100);
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

#[sqlx::test]
async fn without_smtp_the_development_mailbox_holds_the_mail(db: PgPool) {
    let app = spawn_app_with(db, None, SmtpServer::default()).await;
    let link = app.create_provider("Acme IT", "ada@acme.test").await;
    let agent = app.agent();
    let mut tries = 0;
    let list = loop {
        let page = agent.get(Host::Staff, "/dev/mail").await;
        if page.contains("ada@acme.test") {
            break page;
        }
        tries += 1;
        assert!(tries < 100, "the mail never reached the development mailbox");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    };
    assert_eq!(list.status, StatusCode::OK);
    let start = list.body.find("/dev/mail/").unwrap();
    let end = start + list.body[start..].find('"').unwrap();
    let message = agent.get(Host::Staff, &list.body[start..end]).await;
    assert!(message.contains(&format!("href=\"{link}\"")), "{}", message.body);
    assert!(!message.contains("href=\"/settings/users\""), "a visitor has no staff navigation");

    // A staff member reading the mailbox keeps their navigation on both of its pages.
    let (staff, _) = app.provider_with_admin("Beta IT", "bea@beta.test").await;
    for path in ["/dev/mail", &list.body[start..end]] {
        let page = staff.get(Host::Staff, path).await;
        assert!(page.contains("href=\"/settings/users\""), "{path}: {}", page.body);
    }
}

#[sqlx::test]
async fn the_development_mailbox_does_not_exist_when_smtp_is_set(db: PgPool) {
    let app = crate::helpers::spawn_app(db).await;
    assert_eq!(app.agent().get(Host::Staff, "/dev/mail").await.status, StatusCode::NOT_FOUND);
}
