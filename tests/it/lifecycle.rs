//! After the invitation is sent (issue 11): reminders, the sender told when an invitation runs
//! out unused or cannot be delivered, and memberships with an end date. Time moves by the test
//! (`state.clock.advance`), never by sleeping; the rules run when the test says
//! (`lifecycle::run_once`), as each replica runs them every minute.

use portico::lifecycle::{run_once, Run};
use reqwest::StatusCode;
use sqlx::PgPool;
use time::Duration;

use crate::helpers::{assert_is_redirect_to, spawn_app, spawn_app_configured, Globex, Host, TestApp};
use crate::smtp::SmtpServer;

async fn run(app: &TestApp) -> Run {
    run_once(&app.state).await.expect("the lifecycle runs")
}

fn reminded(n: usize) -> Run {
    Run { reminded: n, ..Run::default() }
}

/// Staff of Acme IT invite `email` to Globex; returns (staff agent, client id, first link).
async fn invited(app: &TestApp, email: &str) -> (crate::helpers::Agent, uuid::Uuid, String) {
    let (staff, client) = app.acme_with_globex().await;
    let company = app.company_id(client, "Globex").await;
    let sent = app.share(&staff, client, &[("email", email), ("companies", &company.to_string())]).await;
    assert_eq!(sent.status, StatusCode::OK, "{}", sent.body);
    app.smtp.first_to(email).await;
    (staff, client, sent.invite_link())
}

#[sqlx::test]
async fn a_pending_invitation_is_reminded_on_day_two_and_the_day_before_it_expires(db: PgPool) {
    let app = spawn_app(db).await;
    let (_staff, _client, first_link) = invited(&app, "carol@globex.test").await;
    assert_eq!(run(&app).await, Run::default(), "nothing is due on the day it was sent");

    app.state.clock.advance(Duration::days(2) + Duration::minutes(1));
    assert_eq!(run(&app).await, reminded(1));
    assert_eq!(run(&app).await, Run::default(), "never twice");
    let reminder = app.smtp.nth_to("carol@globex.test", 2).await;
    assert_eq!(reminder.subject, "Reminder: Acme IT invited you to the Globex client portal");
    assert!(reminder.text.contains("This link replaces the one in the earlier email"), "{}", reminder.text);
    assert!(reminder.text.contains("expires in 5 days"), "counted from the clock: {}", reminder.text);
    let link = reminder.link_containing("/invite/");
    assert_ne!(link, first_link);
    assert_eq!(app.agent().get_url(&first_link).await.status, StatusCode::NOT_FOUND, "the old link died");
    assert_eq!(app.agent().get_url(&link).await.status, StatusCode::OK);

    app.state.clock.advance(Duration::days(4));
    assert_eq!(run(&app).await, reminded(1), "the day before it expires");
    assert_eq!(run(&app).await, Run::default());
    let last = app.smtp.nth_to("carol@globex.test", 3).await;
    assert!(last.text.contains("expires in 1 day"), "{}", last.text);

    // Past expiry: no more reminders; the sender is told once.
    app.state.clock.advance(Duration::days(1));
    assert_eq!(run(&app).await, Run { expiry_notices: 1, ..Run::default() });
    assert_eq!(run(&app).await, Run::default());
    let notice = app.smtp.nth_to("ada@acme.test", 2).await;
    assert_eq!(notice.subject, "Acme IT: your invitation to carol@globex.test expired unused");
    assert!(notice.text.contains("use Resend Invitation on their row"), "{}", notice.text);
    assert_eq!(app.smtp.count_to("carol@globex.test"), 3);
    assert_eq!(app.count("SELECT count(*) FROM audit_events WHERE action = 'invitation.reminded'").await, 2);
    assert_eq!(app.count("SELECT count(*) FROM audit_events WHERE action = 'invitation.expired'").await, 1);
}

#[sqlx::test]
async fn no_reminder_once_accepted_declined_or_revoked_and_a_resend_starts_again(db: PgPool) {
    let app = spawn_app(db).await;
    let (staff, client, link) = invited(&app, "carol@globex.test").await;
    let company = app.company_id(client, "Globex").await.to_string();
    for email in ["dan@globex.test", "erin@globex.test", "fay@globex.test"] {
        let sent = app.share(&staff, client, &[("email", email), ("companies", &company)]).await;
        assert_eq!(sent.status, StatusCode::OK, "{}", sent.body);
        let link = sent.invite_link();
        match email {
            "dan@globex.test" => {
                let done = app.agent().accept_link_as_new(&link, "Dan", Host::Portal).await;
                assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
            }
            "erin@globex.test" => {
                let done = app.agent().answer_invitation(&link, "/decline", &[], Host::Portal).await;
                assert_eq!(done.status, StatusCode::OK, "{}", done.body);
            }
            _ => {
                let id = app.invitation_id("fay@globex.test").await;
                let path = format!("/clients/{client}");
                staff
                    .remove_confirmed(Host::Staff, &path, &format!("{path}/users/invitations/{id}/remove"))
                    .await;
            }
        }
    }
    // Carol's invitation is sent again on day 3: its reminders count from then.
    app.state.clock.advance(Duration::days(3));
    assert_eq!(run(&app).await, reminded(1), "only the one still pending");
    let id = app.invitation_id("carol@globex.test").await;
    let path = format!("/clients/{client}");
    let again = staff.post(Host::Staff, &path, &format!("{path}/users/invitations/{id}/resend"), &[]).await;
    assert_eq!(again.status, StatusCode::OK, "{}", again.body);
    assert_eq!(run(&app).await, Run::default(), "a resend starts a new round");
    assert_eq!(app.agent().get_url(&link).await.status, StatusCode::NOT_FOUND);
    for email in ["dan@globex.test", "erin@globex.test", "fay@globex.test"] {
        assert!(app
            .smtp
            .all()
            .iter()
            .filter(|m| m.to.contains(&email.to_string()))
            .all(|m| !m.subject.starts_with("Reminder")));
    }
}

#[sqlx::test]
async fn reminders_set_to_zero_are_off(db: PgPool) {
    let app = spawn_app_configured(db, SmtpServer::start().await, |config| {
        config.reminders = portico::config::Reminders { after_days: 0, before_expiry_days: 0 };
    })
    .await;
    invited(&app, "carol@globex.test").await;
    app.state.clock.advance(Duration::days(6) + Duration::hours(1));
    assert_eq!(run(&app).await, Run::default());
    assert_eq!(app.smtp.count_to("carol@globex.test"), 1);
}

#[sqlx::test]
async fn a_permanent_bounce_is_not_retried_and_tells_the_sender_once_with_the_answer(db: PgPool) {
    let app = spawn_app(db).await;
    app.smtp.refuse("nobody@globex.test", "550 5.1.1 <nobody@globex.test>: Recipient address rejected");
    let (staff, client) = app.acme_with_globex().await;
    let company = app.company_id(client, "Globex").await;
    let sent = app
        .share(&staff, client, &[("email", "nobody@globex.test"), ("companies", &company.to_string())])
        .await;
    assert_eq!(sent.status, StatusCode::OK, "{}", sent.body);
    let mut failed = 0;
    for _ in 0..100 {
        failed = app.count("SELECT count(*) FROM email_outbox WHERE state = 'FAILED' AND attempts = 1").await;
        if failed == 1 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(failed, 1, "given up at the first refusal, not retried");
    assert_eq!(run(&app).await, Run { undelivered_notices: 1, ..Run::default() });
    assert_eq!(run(&app).await, Run::default(), "told once");
    let notice = app.smtp.nth_to("ada@acme.test", 2).await;
    assert_eq!(notice.subject, "Acme IT: your invitation to nobody@globex.test could not be delivered");
    assert!(
        notice.text.contains("550") && notice.text.contains("Recipient address rejected"),
        "{}",
        notice.text
    );
    let tab = staff.get(Host::Staff, &format!("/clients/{client}")).await;
    assert!(tab.contains("failed: mail server: permanent error (550)"), "{}", tab.body);
}

#[sqlx::test]
async fn an_end_date_warns_a_week_before_can_be_extended_and_ends_access_like_remove(db: PgPool) {
    let Globex { app, staff, client, company } = Globex::start(db).await;
    let company = company.to_string();
    let today = app.state.clock.today();
    let day = |n: i64| (today + Duration::days(n)).to_string();

    // Bad dates are refused and write nothing.
    for (bad, message) in
        [("31/12/2030".to_string(), "Enter a date such as 2027-03-31"), (day(0), "Choose a day after today")]
    {
        let refused = app
            .share(
                &staff,
                client,
                &[("email", "carol@globex.test"), ("companies", &company), ("ends_on", &bad)],
            )
            .await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(refused.contains(message), "{}", refused.body);
    }
    assert_eq!(app.count("SELECT count(*) FROM invitations WHERE email = 'carol@globex.test'").await, 0);

    let carol = {
        let sent = app
            .share(
                &staff,
                client,
                &[("email", "carol@globex.test"), ("companies", &company), ("ends_on", &day(10))],
            )
            .await;
        assert_eq!(sent.status, StatusCode::OK, "{}", sent.body);
        let agent = app.agent();
        let fields = [
            ("name", "Carol"),
            ("password", crate::helpers::PASSWORD),
            ("confirm", crate::helpers::PASSWORD),
        ];
        let done = agent.answer_invitation(&sent.invite_link(), "/accept", &fields, Host::Portal).await;
        assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
        agent
    };
    let path = format!("/clients/{client}");
    assert!(staff.get(Host::Staff, &path).await.contains("ends on "));

    // A week before: told once.
    app.state.clock.advance(Duration::days(3) + Duration::minutes(1));
    assert_eq!(run(&app).await, Run { end_notices: 1, ..Run::default() });
    assert_eq!(run(&app).await, Run::default());
    let notice = app.smtp.nth_to("carol@globex.test", 2).await;
    assert!(
        notice.subject.starts_with("Your access to the Globex client portal ends on "),
        "{}",
        notice.subject
    );

    // Staff extend it by ten days; the person is told again a week before the new day.
    let member = app.id_of("SELECT id FROM client_memberships").await;
    let action = format!("{path}/users/members/{member}/end");
    let moved = staff.post(Host::Staff, &path, &action, &[("ends_on", &day(20))]).await;
    assert_is_redirect_to(&moved, &path);
    assert_eq!(run(&app).await, Run::default());
    app.state.clock.advance(Duration::days(11));
    assert_eq!(run(&app).await, Run { end_notices: 1, ..Run::default() });
    assert!(carol.get(Host::Portal, "/").await.contains("<h1>Globex</h1>"), "still has access");

    // On the day, access ends as Remove ends it.
    app.state.clock.advance(Duration::days(6));
    assert_eq!(run(&app).await, Run { ended: 1, ..Run::default() });
    assert_eq!(run(&app).await, Run::default());
    assert_is_redirect_to(&carol.get(Host::Portal, "/").await, "/login");
    let tab = staff.get(Host::Staff, &path).await;
    assert!(tab.contains("Ended on "), "{}", tab.body);
    let refused = staff
        .post(Host::Staff, &path, &format!("{path}/users/members/{member}/role"), &[("role", "CLIENT_ADMIN")])
        .await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    assert_eq!(app.count("SELECT count(*) FROM audit_events WHERE action = 'client_user.ended'").await, 1);

    // They may be invited again, and joining again gives access back.
    let again = app.share(&staff, client, &[("email", "carol@globex.test"), ("companies", &company)]).await;
    assert_eq!(again.status, StatusCode::OK, "an ended person does not 'already belong': {}", again.body);
}

#[sqlx::test]
async fn an_invitation_whose_end_date_passes_unaccepted_is_withdrawn(db: PgPool) {
    let Globex { app, staff, client, company } = Globex::start(db).await;
    let company = company.to_string();
    let ends = (app.state.clock.today() + Duration::days(2)).to_string();
    let sent = app
        .share(&staff, client, &[("email", "carol@globex.test"), ("companies", &company), ("ends_on", &ends)])
        .await;
    assert_eq!(sent.status, StatusCode::OK, "{}", sent.body);
    app.state.clock.advance(Duration::days(2));
    assert_eq!(run(&app).await, Run { invitations_withdrawn: 1, ..Run::default() }, "and no reminder");
    let page = app.agent().get_url(&sent.invite_link()).await;
    assert_eq!(page.status, StatusCode::GONE);
    assert!(page.contains("was set to end on a day that has now passed"), "{}", page.body);
}

#[sqlx::test]
async fn only_staff_give_end_dates(db: PgPool) {
    let Globex { app, staff, client, company } = Globex::start(db).await;
    let boss = app.client_user(&staff, client, "boss@globex.test", "CLIENT_ADMIN", &[company]).await;
    let ends = (app.state.clock.today() + Duration::days(9)).to_string();
    let fields = [("email", "dave@globex.test"), ("companies", &company.to_string()), ("ends_on", &ends)];
    let refused = boss.invite_in_portal(&fields).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.contains("Only staff can give an end date"));
    let sent = boss.invite_in_portal(&fields[..2]).await;
    let link = sent.invite_link();
    app.agent().accept_link_as_new(&link, "Dave", Host::Portal).await;
    let dave = app.membership_id("dave@globex.test").await;
    let forbidden = boss.act_in_portal_users("members", dave, "end", &[("ends_on", &ends)]).await;
    assert_eq!(forbidden.status, StatusCode::FORBIDDEN);
    assert_eq!(app.count("SELECT count(*) FROM client_memberships WHERE ends_on IS NOT NULL").await, 0);
}

#[sqlx::test]
async fn a_rows_timeline_tells_its_story_in_sentences_newest_first(db: PgPool) {
    let app = spawn_app(db).await;
    let (staff, client, first_link) = invited(&app, "carol@globex.test").await;
    let path = format!("/clients/{client}");
    for _ in 0..100 {
        if app.count("SELECT count(*) FROM email_outbox WHERE state = 'SENT'").await >= 2 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }

    // Opening the link is noted and consumes nothing; opening it again at once is not noted twice.
    let carol = app.agent();
    assert_eq!(carol.get_url(&first_link).await.status, StatusCode::OK);
    for _ in 0..100 {
        if app.count("SELECT count(*) FROM audit_events WHERE action = 'invitation.opened' AND target = 'carol@globex.test'").await == 1 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    carol.get_url(&first_link).await;
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    assert_eq!(app.count("SELECT count(*) FROM audit_events WHERE action = 'invitation.opened' AND target = 'carol@globex.test'").await, 1);
    assert_eq!(app.count("SELECT count(*) FROM invitations WHERE status = 'PENDING'").await, 1);

    app.state.clock.advance(Duration::days(2) + Duration::minutes(1));
    assert_eq!(run(&app).await, reminded(1));
    let invitation = app.invitation_id("carol@globex.test").await;
    let role = format!("{path}/users/invitations/{invitation}/role");
    assert_is_redirect_to(&staff.post(Host::Staff, &path, &role, &[("role", "CLIENT_ADMIN")]).await, &path);
    let timeline = staff.get(Host::Staff, &format!("{path}/users/invitations/{invitation}")).await;
    assert_eq!(timeline.status, StatusCode::OK);
    assert!(
        timeline.body.replace("&#39;", "'").contains(
            "Ada Admin changed the role of carol@globex.test's invitation from Client to Client Admin"
        ),
        "{}",
        timeline.body
    );

    let link = app.smtp.nth_to("carol@globex.test", 2).await.link_containing("/invite/");
    let done = app.agent().accept_link_as_new(&link, "Carol", Host::Portal).await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    let member = app.id_of("SELECT id FROM client_memberships").await;
    let company = app.company_id(client, "Globex").await.to_string();
    let warehouse = app.add_company(&staff, client, "Warehouse").await.to_string();
    let base = format!("{path}/users/members/{member}");
    let both = [("companies", company.as_str()), ("companies", &warehouse)];
    staff.act_on_row(Host::Staff, &path, &format!("{base}/companies"), &both).await;
    let ends = (app.state.clock.today() + Duration::days(30)).to_string();
    assert_is_redirect_to(
        &staff.post(Host::Staff, &path, &format!("{base}/end"), &[("ends_on", &ends)]).await,
        &path,
    );

    let tab = staff.get(Host::Staff, &path).await;
    assert!(tab.contains(&format!("href=\"{base}\">Timeline</a>")), "reachable from the row's menu");
    let page = staff.get(Host::Staff, &base).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let story = [
        "Ada Admin set carol@globex.test's access in Globex to end on ",
        "Ada Admin changed carol@globex.test's companies in Globex to Globex, Warehouse",
        "carol@globex.test accepted the invitation",
        "Ada Admin changed the role of carol@globex.test's invitation from Client to Client Admin",
        "Portico reminded carol@globex.test of their invitation, with a new link",
        "carol@globex.test opened their invitation link",
        "Email “Acme IT invited you to the Globex client portal” delivered",
        "Ada Admin invited carol@globex.test as Client to Globex (Globex)",
    ];
    let body = page.body.replace("&#39;", "'");
    let mut at = 0;
    for line in story {
        let found = body[at..]
            .find(line)
            .unwrap_or_else(|| panic!("{line:?} missing or out of order:\n{}", page.body));
        at += found + line.len();
    }
    assert!(page.contains("Email “Reminder: Acme IT invited you to the Globex client portal” delivered"));
    assert!(!page.contains("{\"") && !page.contains(&invitation.to_string()), "no raw JSON or ids");
}

/// Two real server processes (the built `portico` binary) on one database, both running the
/// rules every 50 ms on a clock two days ahead: the reminder goes out once.
#[sqlx::test]
async fn two_server_processes_send_a_reminder_once(db: PgPool) {
    let app = spawn_app(db).await;
    invited(&app, "carol@globex.test").await;
    let database = app.db.connect_options().get_database().expect("a test database").to_string();
    let base = std::env::var("DATABASE_URL").expect("DATABASE_URL");
    let url = format!("{}/{database}", base.rsplit_once('/').expect("a database URL").0);
    let dir = std::env::temp_dir();
    let replicas: Vec<Replica> = (0..2)
        .map(|_| {
            let child = std::process::Command::new(env!("CARGO_BIN_EXE_portico"))
                .arg("serve")
                .current_dir(&dir)
                .env("DATABASE_URL", &url)
                .env("SMTP_URL", format!("smtp://127.0.0.1:{}", app.smtp.port))
                .env("DEV_MAILBOX", "0")
                .env("BIND_ADDR", "127.0.0.1:0")
                .env("LIFECYCLE_EVERY_MS", "50")
                .env("TEST_CLOCK_OFFSET_SECS", (2 * 86_400 + 60).to_string())
                .env("RUST_LOG", "warn")
                .stdout(std::process::Stdio::null())
                .spawn()
                .expect("the portico binary starts");
            Replica(child)
        })
        .collect();
    let reminder = app.smtp.nth_to("carol@globex.test", 2).await;
    assert!(reminder.subject.starts_with("Reminder: "), "{}", reminder.subject);
    // Both keep running the rules for a while: nothing more goes out.
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    assert_eq!(app.smtp.count_to("carol@globex.test"), 2, "the reminder went out once");
    assert_eq!(app.count("SELECT count(*) FROM audit_events WHERE action = 'invitation.reminded'").await, 1);
    assert_eq!(app.count("SELECT count(*) FROM email_outbox WHERE kind = 'invitation_reminder'").await, 1);
    drop(replicas);
}

/// A server process, stopped when the test ends, pass or fail.
struct Replica(std::process::Child);

impl Drop for Replica {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}
