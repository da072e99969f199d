//! Invite several people at once (issue 11 item 3): a pasted list or a CSV, each row with its own
//! result in the single form's words; a failing row writes nothing and the rest go out.

use reqwest::multipart::{Form, Part};
use reqwest::StatusCode;
use sqlx::PgPool;

use crate::helpers::{spawn_app, Agent, Globex, Host, Page, TestApp};

/// Opens the invite form at `form` and posts "Invite several people" to `action`.
async fn bulk(
    agent: &Agent,
    host: Host,
    form: &str,
    action: &str,
    parts: Vec<(&str, String)>,
    csv: Option<&str>,
) -> Page {
    let page = agent.get(host, form).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let mut upload = Form::new().text("csrf", page.csrf());
    for (name, value) in parts {
        upload = upload.text(name.to_string(), value);
    }
    if let Some(csv) = csv {
        upload = upload.part(
            "csv",
            Part::bytes(csv.as_bytes().to_vec()).file_name("people.csv").mime_str("text/csv").unwrap(),
        );
    }
    let base = match host {
        Host::Staff => agent.staff_url(),
        Host::Portal => agent.portal_url(),
    };
    let response = agent.client.post(format!("{base}{action}")).multipart(upload).send().await.unwrap();
    let status = response.status();
    Page { status, location: None, headers: response.headers().clone(), body: response.text().await.unwrap() }
}

async fn invitations(app: &TestApp, email: &str) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM invitations WHERE email = $1")
        .bind(email)
        .fetch_one(&app.db)
        .await
        .unwrap()
}

#[sqlx::test]
async fn a_pasted_list_gives_each_row_its_own_result_in_the_single_forms_words(db: PgPool) {
    let Globex { app, staff, client, company } = Globex::start(db).await;
    let company = company.to_string();
    app.client_user(&staff, client, "boss@globex.test", "CLIENT", &[company.parse().unwrap()]).await;
    app.share(&staff, client, &[("email", "pending@globex.test"), ("companies", &company)]).await;

    let list = "ann@globex.test, Ann Archer\nnot-an-email\n\nboss@globex.test\npending@globex.test\nANN@globex.test\n";
    let form = format!("/clients/{client}/users/invite");
    let action = format!("/clients/{client}/users/invite-bulk");
    let parts = vec![("list", list.to_string()), ("role", "CLIENT".into()), ("companies", company.clone())];
    let page = bulk(&staff, Host::Staff, &form, &action, parts, None).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.contains("1 sent, 4 not sent."), "{}", page.body);
    for expected in [
        "<td>1</td><td>ann@globex.test</td><td>Ann Archer</td><td>Sent</td>",
        "<td>2</td><td>not-an-email</td><td></td><td><span class=\"delivery-failed\">Enter an email address like name@example.com</span>",
        "<td>4</td><td>boss@globex.test</td><td></td><td><span class=\"delivery-failed\">User already belongs to this account</span>",
        "<td>5</td><td>pending@globex.test</td><td></td><td><span class=\"delivery-failed\">An invitation is already waiting for this person.",
        "<td>6</td><td>ANN@globex.test</td><td></td><td><span class=\"delivery-failed\">An invitation is already waiting for this person.",
    ] {
        assert!(page.contains(expected), "{expected}\n{}", page.body);
    }
    assert_eq!(invitations(&app, "ann@globex.test").await, 1);
    assert_eq!(invitations(&app, "pending@globex.test").await, 1);
    let email = app.smtp.first_to("ann@globex.test").await;
    assert_eq!(email.subject, "Acme IT invited you to the Globex client portal");
}

#[sqlx::test]
async fn a_csv_names_role_and_companies_and_an_unknown_company_writes_nothing(db: PgPool) {
    let app = spawn_app(db).await;
    let (staff, client) = app.acme_with_globex().await;
    app.add_company(&staff, client, "Warehouse").await;
    let csv = "email,name,role,companies\none@globex.test,\"One, Olive\",Client Admin,globex; Warehouse\ntwo@globex.test,Two,,Nowhere\nthree@globex.test,Three,,\n";
    let form = format!("/clients/{client}/users/invite");
    let action = format!("/clients/{client}/users/invite-bulk");
    let page = bulk(&staff, Host::Staff, &form, &action, vec![("role", "CLIENT".into())], Some(csv)).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.contains("1 sent, 2 not sent."), "{}", page.body);
    assert!(page.contains("Unknown company: Nowhere"));
    assert!(page.contains("Select at least one company"), "no companies in the file or on the form");
    let (role, companies): (String, i64) = sqlx::query_as(
        "SELECT i.client_role::text, (SELECT count(*) FROM invitation_companies c WHERE c.invitation_id = i.id)
         FROM invitations i WHERE i.email = 'one@globex.test'",
    )
    .fetch_one(&app.db)
    .await
    .unwrap();
    assert_eq!((role.as_str(), companies), ("CLIENT_ADMIN", 2));
    assert_eq!(invitations(&app, "two@globex.test").await + invitations(&app, "three@globex.test").await, 0);
}

#[sqlx::test]
async fn more_than_500_rows_or_none_are_refused_whole(db: PgPool) {
    let Globex { app, staff, client, company } = Globex::start(db).await;
    let company = company.to_string();
    let list: String = (0..501).map(|n| format!("p{n}@globex.test\n")).collect();
    let form = format!("/clients/{client}/users/invite");
    let action = format!("/clients/{client}/users/invite-bulk");
    let parts = vec![("list", list), ("companies", company.clone())];
    let page = bulk(&staff, Host::Staff, &form, &action, parts, None).await;
    assert_eq!(page.status, StatusCode::BAD_REQUEST);
    assert!(page.contains("At most 500 people at a time"), "{}", page.body);
    let empty = bulk(&staff, Host::Staff, &form, &action, vec![("list", "  \n".into())], None).await;
    assert_eq!(empty.status, StatusCode::BAD_REQUEST);
    assert!(empty.contains("Paste at least one email address"));
    let broken = bulk(&staff, Host::Staff, &form, &action, vec![], Some("a@x.test,\"unclosed\n\u{0}")).await;
    assert!(
        broken.status.is_client_error() || broken.status == StatusCode::OK,
        "never a 500: {}",
        broken.status
    );
    assert_eq!(app.count("SELECT count(*) FROM invitations WHERE client_id IS NOT NULL").await, 0);
}

#[sqlx::test]
async fn a_client_admin_bulk_invites_within_their_own_scope_only(db: PgPool) {
    let Globex { app, staff, client, company: globex } = Globex::start(db).await;
    app.add_company(&staff, client, "Warehouse").await;
    let boss = app.client_user(&staff, client, "boss@globex.test", "CLIENT_ADMIN", &[globex]).await;
    let csv = "in@globex.test,In,,Globex\nout@globex.test,Out,,Warehouse\n";
    let page = bulk(&boss, Host::Portal, "/users/invite", "/users/invite-bulk", vec![], Some(csv)).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.contains("1 sent, 1 not sent."), "{}", page.body);
    assert!(
        page.contains("Unknown company: Warehouse"),
        "a company outside their scope is not theirs to name"
    );
    assert_eq!(invitations(&app, "in@globex.test").await, 1);
    assert_eq!(invitations(&app, "out@globex.test").await, 0);
    // Nor may a posted company id outside their scope widen it: refused whole, as the single form.
    let warehouse = app.company_id(client, "Warehouse").await.to_string();
    let parts = vec![("list", "sneak@globex.test".to_string()), ("companies", warehouse)];
    let page = bulk(
        &boss,
        Host::Portal,
        "/users/invite",
        "/users/invite-bulk",
        parts,
        Some("also@globex.test,,,Globex\n"),
    )
    .await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    assert_eq!(invitations(&app, "also@globex.test").await, 0);
    assert_eq!(invitations(&app, "sneak@globex.test").await, 0);
}
