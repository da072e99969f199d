//! Share to Client, the rules of the invite form, accepting at the portal, and the statuses of
//! the Client Users tab.

use reqwest::StatusCode;
use sqlx::PgPool;

use crate::helpers::{assert_is_redirect_to, link_path, Globex, Host, OtherProvider, TestApp, PASSWORD};

#[sqlx::test]
async fn share_to_client_sends_a_link_the_client_accepts_at_the_portal(db: PgPool) {
    let Globex { app, staff, client, company } = Globex::start(db).await;

    let page = staff.get(Host::Staff, &format!("/clients/{client}")).await;
    assert!(page.contains("Share to Client") && page.contains("Invite client representative"));
    let form = staff.get(Host::Staff, &format!("/clients/{client}/users/invite")).await;
    assert!(form.contains(&format!("value=\"{company}\" checked")), "the only company is preselected");
    assert!(form.contains("<option value=\"CLIENT\" selected>Client</option>"), "Client is the default role");
    assert!(form.contains("Send Invitation"));

    let sent = app
        .share(
            &staff,
            client,
            &[
                ("email", "Carol@Globex.test"),
                ("name", "Carol Client"),
                ("role", "CLIENT"),
                ("companies", &company.to_string()),
            ],
        )
        .await;
    assert_eq!(sent.status, StatusCode::OK, "{}", sent.body);
    assert!(sent.contains("Copy link"));
    let link = sent.invite_link();
    assert!(link.starts_with(&format!("{}/invite/", app.portal_url)));

    let email = app.smtp.first_to("carol@globex.test").await;
    assert_eq!(email.link_containing("/invite/"), link);
    assert!(email.subject.contains("Acme IT") && email.subject.contains("Globex"));
    for text in ["Ada Admin", "Globex", "Client", "expires"] {
        assert!(email.text.contains(text), "email lacks {text:?}: {}", email.text);
    }
    let listed = staff.get(Host::Staff, &format!("/clients/{client}")).await;
    assert!(listed.contains("carol@globex.test") && listed.contains("Invited"));

    let carol = app.agent();
    let invite = carol.get_url(&link).await;
    invite.assert_shows(&["Acme IT", "Globex", "Ada Admin", "Client", "Accept invitation", "Decline"]);
    assert!(!invite.contains("id=\"name\""), "the name was given, so it is not asked again");
    let done = carol.accept_setting_password(&invite, &link, Host::Portal).await;
    assert_is_redirect_to(&done, "/");
    let home = carol.get(Host::Portal, "/").await;
    assert_eq!(home.status, StatusCode::OK);
    assert!(home.contains("Globex"));
    // A client user is no employee: the staff app refuses them.
    assert_eq!(
        app.agent().sign_in(Host::Staff, "carol@globex.test", PASSWORD).await.status,
        StatusCode::FORBIDDEN
    );

    let listed = staff.get(Host::Staff, &format!("/clients/{client}")).await;
    let row = &listed.body[listed.body.find("carol@globex.test").unwrap()..];
    assert!(row[..2000].contains("Active"));
    assert!(app.smtp.nth_to("ada@acme.test", 2).await.subject.contains("accepted"));
    assert_eq!(app.count("SELECT count(*) FROM client_memberships m JOIN client_membership_companies s ON s.membership_id = m.id").await, 1);
}

#[sqlx::test]
async fn the_invite_form_refuses_each_rule_with_its_words_and_writes_nothing(db: PgPool) {
    let Globex { app, staff, client, .. } = Globex::start(db).await;
    let second = app.add_company(&staff, client, "Globex East").await;
    let other_client = app.new_client(&staff, "Initech").await;
    let foreign = app.company_id(other_client, "Initech").await;
    let before = app.count("SELECT count(*) FROM invitations").await;

    let none = app
        .share(&staff, client, &[("email", "dan@globex.test"), ("name", "Dan"), ("role", "CLIENT_ADMIN")])
        .await;
    assert_eq!(none.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(none.contains("Select at least one company"));
    assert!(none.contains("value=\"dan@globex.test\"") && none.contains("value=\"Dan\""));
    assert!(none.contains("<option value=\"CLIENT_ADMIN\" selected>"), "the role is kept");

    let wrong =
        app.share(&staff, client, &[("email", "dan@globex.test"), ("companies", &foreign.to_string())]).await;
    assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(wrong.contains("Choose companies of this client"));
    let junk = app.share(&staff, client, &[("email", "dan@globex.test"), ("companies", "not-an-id")]).await;
    assert_eq!(junk.status, StatusCode::UNPROCESSABLE_ENTITY);

    let long = "n".repeat(300);
    let bad = app
        .share(
            &staff,
            client,
            &[("email", "dan at globex"), ("name", &long), ("companies", &second.to_string())],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.contains("Enter an email address like name@example.com"));
    assert!(bad.contains("Name must be at most 200 characters"));
    assert_eq!(app.count("SELECT count(*) FROM invitations").await, before);

    // A pending invitation is not duplicated; Resend Invitation is offered instead.
    let ok =
        app.share(&staff, client, &[("email", "dan@globex.test"), ("companies", &second.to_string())]).await;
    assert_eq!(ok.status, StatusCode::OK);
    let dup = app
        .share(&staff, client, &[("email", " DAN@globex.test "), ("companies", &second.to_string())])
        .await;
    assert_eq!(dup.status, StatusCode::CONFLICT);
    assert!(dup.contains("Resend Invitation"));
    assert_eq!(app.count("SELECT count(*) FROM invitations WHERE email = 'dan@globex.test'").await, 1);

    // Someone who already belongs to the provider: the words, and a link to their row.
    let member = app
        .share(&staff, other_client, &[("email", "ada@acme.test"), ("companies", &foreign.to_string())])
        .await;
    assert_eq!(member.status, StatusCode::CONFLICT);
    assert!(member.contains("User already belongs to this account"));
    assert!(member.contains("/settings/users#user-"));
}

#[sqlx::test]
async fn a_staff_user_sees_no_button_and_gets_403(db: PgPool) {
    let Globex { app, staff: admin, client, .. } = Globex::start(db).await;
    let hidden = app.new_client(&admin, "Initech").await;
    let company = app.company_id(client, "Globex").await;
    let sent = admin.invite_staff(&[("email", "uma@acme.test"), ("role", "USER")]).await;
    let link = sent.invite_link();
    let uma = app.agent();
    let page = uma.get_url(&link).await;
    uma.accept_new(&page, &link, "Uma", Host::Staff).await;
    let uma_id = app.user_id("uma@acme.test").await;
    let path = format!("/clients/{client}");
    let assigned = admin
        .post(Host::Staff, &path, &format!("/clients/{client}/assignments"), &[("user", &uma_id.to_string())])
        .await;
    assert_is_redirect_to(&assigned, &path);

    let list = uma.get(Host::Staff, "/clients").await;
    assert!(list.contains("Globex") && !list.contains("Initech"), "a USER sees only assigned clients");
    assert_eq!(uma.get(Host::Staff, &format!("/clients/{hidden}")).await.status, StatusCode::NOT_FOUND);
    let page = uma.get(Host::Staff, &path).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(!page.contains("Share to Client") && !page.contains("Invite client representative"));
    assert_eq!(
        uma.get(Host::Staff, &format!("/clients/{client}/users/invite")).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(uma.get(Host::Staff, "/settings/users/invite-client").await.status, StatusCode::FORBIDDEN);
    let before = app.count("SELECT count(*) FROM invitations").await;
    let refused = uma
        .post(
            Host::Staff,
            &path,
            &format!("/clients/{client}/users/invite"),
            &[("email", "x@globex.test"), ("companies", &company.to_string())],
        )
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert_eq!(app.count("SELECT count(*) FROM invitations").await, before);
}

#[sqlx::test]
async fn settings_invite_client_user_reaches_the_same_form(db: PgPool) {
    let Globex { app, staff, client, .. } = Globex::start(db).await;
    let users = staff.get(Host::Staff, "/settings/users").await;
    assert!(users.contains("Invite client user"));
    let choose = staff.get(Host::Staff, "/settings/users/invite-client").await;
    assert!(choose.contains("Globex"));
    let go = staff.get(Host::Staff, &format!("/settings/users/invite-client?client={client}")).await;
    assert_is_redirect_to(&go, &format!("/clients/{client}/users/invite?from=settings"));
    let form = staff.get(Host::Staff, &format!("/clients/{client}/users/invite?from=settings")).await;
    assert!(form.contains(">Invite client user</button>"));
    let company = app.company_id(client, "Globex").await.to_string();
    let path = format!("/clients/{client}/users/invite?from=settings");
    let sent =
        staff.post(Host::Staff, &path, &path, &[("email", "eve@globex.test"), ("companies", &company)]).await;
    assert_eq!(sent.status, StatusCode::OK);
    let listed = staff.get(Host::Staff, "/settings/users").await;
    assert!(listed.contains("eve@globex.test") && listed.contains("Globex"));
}

#[sqlx::test]
async fn a_representative_needs_first_and_last_name_and_is_shown_as_such(db: PgPool) {
    let Globex { app, staff, client, company } = Globex::start(db).await;
    let company = company.to_string();
    let path = format!("/clients/{client}/users/invite?kind=representative");
    let form = staff.get(Host::Staff, &path).await;
    assert!(form.contains("E-Mail") && form.contains("First name") && form.contains("Last name"));
    let missing =
        staff.post(Host::Staff, &path, &path, &[("email", "rita@law.test"), ("companies", &company)]).await;
    assert_eq!(missing.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(missing.contains("Enter a first name") && missing.contains("Enter a last name"));
    let sent = staff
        .post(
            Host::Staff,
            &path,
            &path,
            &[
                ("email", "rita@law.test"),
                ("first_name", "Rita"),
                ("last_name", "Repp"),
                ("companies", &company),
            ],
        )
        .await;
    assert_eq!(sent.status, StatusCode::OK, "{}", sent.body);
    // The email greets without the typed name (free text stays out of the greeting).
    assert_eq!(app.smtp.first_to("rita@law.test").await.text.lines().next(), Some("Hello,"));
    let listed = staff.get(Host::Staff, &format!("/clients/{client}")).await;
    assert!(listed.contains("Rita Repp") && listed.contains("Representative"));
    assert_eq!(app.count("SELECT count(*) FROM invitations WHERE kind = 'REPRESENTATIVE'").await, 1);
}

#[sqlx::test]
async fn an_existing_account_signs_in_to_accept_and_a_wrong_person_changes_nothing(db: PgPool) {
    let (Globex { app, .. }, carol) = Globex::with_carol(db).await;

    // Staff of another provider invites Carol (and Ada) to their client.
    let other = OtherProvider::start(&app, "Beta Services", "bea@beta.test", "Initech").await;
    let to_carol = other.invite(&app, "carol@globex.test").await;
    let to_ada = other.invite(&app, "ada@acme.test").await;

    // Carol is signed in to the portal as herself, but the link is for Ada: nothing happens.
    let wrong = carol.get_url(&to_ada).await;
    assert!(wrong.contains("You are signed in as carol@globex.test"));
    let refused = carol.accept(&wrong, &to_ada, &[], Host::Portal).await;
    assert_eq!(refused.status, StatusCode::CONFLICT);
    assert_eq!(
        app.count("SELECT count(*) FROM invitations WHERE email = 'ada@acme.test' AND status = 'PENDING'")
            .await,
        1
    );

    // Ada, staff elsewhere, accepts with her existing password; the membership joins her account.
    let ada = app.agent();
    ada.accept_into_existing_account(&to_ada, Host::Portal).await;
    assert!(ada.get(Host::Portal, "/").await.contains("Initech"));
    assert_eq!(app.count("SELECT count(*) FROM users WHERE email = 'ada@acme.test'").await, 1);

    // Carol, signed in, accepts her own with one click and then chooses between organisations.
    let mine = carol.get_url(&to_carol).await;
    assert!(mine.contains("Accepting adds Initech to your account"));
    assert_is_redirect_to(&carol.accept(&mine, &to_carol, &[], Host::Portal).await, "/");
    let fresh = app.agent();
    fresh.sign_in(Host::Portal, "carol@globex.test", PASSWORD).await;
    assert_is_redirect_to(&fresh.get(Host::Portal, "/").await, "/choose-organisation");
    let choose = fresh.get(Host::Portal, "/choose-organisation").await;
    assert!(choose.contains("Globex") && choose.contains("Initech"));
}

#[sqlx::test]
async fn declined_and_expired_rows_can_be_sent_again(db: PgPool) {
    let g = Globex::start(db).await;
    let link = g.share("dan@globex.test").await.invite_link();
    let Globex { app, staff, client, .. } = g;
    let dan = app.agent();
    let page = dan.get_url(&link).await;
    let declined = dan.submit_form(&page, &link_path(&link, "/decline"), &[], Host::Portal).await;
    assert!(declined.contains("Invitation declined"));
    let path = format!("/clients/{client}");
    let list = staff.get(Host::Staff, &path).await;
    assert!(list.contains("Declined") && list.contains("Reinvite"));

    let id = app.invitation_id("dan@globex.test").await;
    let again = staff
        .post(Host::Staff, &path, &format!("/clients/{client}/users/invitations/{id}/resend"), &[])
        .await;
    assert_eq!(again.status, StatusCode::OK);
    let new_link = again.invite_link();
    assert_eq!(dan.get_url(&new_link).await.status, StatusCode::OK);
    assert!(staff.get(Host::Staff, &path).await.contains("Invited"));

    sqlx::query("UPDATE invitations SET expires_at = now() - interval '1 day'")
        .execute(&app.db)
        .await
        .unwrap();
    let list = staff.get(Host::Staff, &path).await;
    assert!(list.contains("Expired"));
    assert_eq!(dan.get_url(&new_link).await.status, StatusCode::GONE);
    let fresh = staff
        .post(Host::Staff, &path, &format!("/clients/{client}/users/invitations/{id}/resend"), &[])
        .await;
    let newest = fresh.invite_link();
    assert_eq!(app.smtp.nth_to("dan@globex.test", 3).await.link_containing("/invite/"), newest);
    assert_eq!(dan.get_url(&newest).await.status, StatusCode::OK);
}

#[sqlx::test]
async fn two_simultaneous_accepts_of_a_client_invitation_make_one_member(db: PgPool) {
    let g = Globex::start(db).await;
    let link = g.share("dan@globex.test").await.invite_link();
    let Globex { app, .. } = g;
    let statuses: Vec<StatusCode> =
        app.accept_at_once(&link, 3, Host::Portal).await.iter().map(|p| p.status).collect();
    assert_eq!(statuses.iter().filter(|s| **s == StatusCode::SEE_OTHER).count(), 1, "{statuses:?}");
    assert_eq!(app.count("SELECT count(*) FROM client_memberships").await, 1);
}

#[sqlx::test]
async fn client_declined_portal_access_is_recorded_and_does_not_block_an_invitation(db: PgPool) {
    let Globex { app, staff, client, .. } = Globex::start(db).await;
    let path = format!("/clients/{client}");
    // "Client declined" asks first, and asking records nothing.
    let asked = staff
        .post(Host::Staff, &path, &format!("{path}/declined"), &[("note", "Prefers paper reports")])
        .await;
    assert_eq!(asked.status, StatusCode::OK);
    assert!(asked.contains("Record that Globex declined portal access?"), "{}", asked.body);
    assert!(asked.contains("name=\"note\" value=\"Prefers paper reports\""), "the note is carried");
    assert_eq!(app.count("SELECT count(*) FROM clients WHERE declined_at IS NOT NULL").await, 0);
    let done = staff
        .post(
            Host::Staff,
            &path,
            &format!("{path}/declined"),
            &[("note", "Prefers paper reports"), ("confirmed", "1")],
        )
        .await;
    assert_is_redirect_to(&done, &path);
    let page = staff.get(Host::Staff, &path).await;
    assert!(
        page.contains("Client declined portal access")
            && page.contains("Ada Admin")
            && page.contains("Prefers paper reports")
    );
    assert!(staff.get(Host::Staff, "/clients").await.contains("Client declined portal access"));
    let company = app.company_id(client, "Globex").await.to_string();
    assert_eq!(
        app.share(&staff, client, &[("email", "dan@globex.test"), ("companies", &company)]).await.status,
        StatusCode::OK
    );
    assert_eq!(
        app.count("SELECT count(*) FROM audit_events WHERE action = 'client.declined_portal_access'").await,
        1
    );

    // The email on file is shown, changed with Change, and offered on the invite form.
    let changed = staff
        .post(Host::Staff, &path, &format!("{path}/contact-email"), &[("email", "Office@Globex.test")])
        .await;
    assert_is_redirect_to(&changed, &path);
    assert!(staff.get(Host::Staff, &path).await.contains("value=\"office@globex.test\""));
    assert!(staff
        .get(Host::Staff, &format!("{path}/users/invite"))
        .await
        .contains("value=\"office@globex.test\""));
    let bad =
        staff.post(Host::Staff, &path, &format!("{path}/contact-email"), &[("email", "not an email")]).await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
}

#[sqlx::test]
async fn the_client_users_tab_is_searchable_and_paginated(db: PgPool) {
    let Globex { app, staff, client, .. } = Globex::start(db).await;
    invite_many(&app, client, 60, "'person' || n || '@globex.test'", "'Person ' || n").await;
    let first = staff.get(Host::Staff, &format!("/clients/{client}")).await;
    assert_eq!(first.body.matches("<tr id=\"invitation-").count(), 25);
    assert!(first.contains("Page 1 of 3 (60 in all)"));
    let third = staff.get(Host::Staff, &format!("/clients/{client}?page=3")).await;
    assert_eq!(third.body.matches("<tr id=\"invitation-").count(), 10);
    let found = staff.get(Host::Staff, &format!("/clients/{client}?q=person42%40")).await;
    assert_eq!(found.body.matches("<tr id=\"invitation-").count(), 1);
    assert!(found.contains("person42@globex.test"));
    let by_name = staff.get(Host::Staff, &format!("/clients/{client}?q=Person%2060")).await;
    assert_eq!(by_name.body.matches("<tr id=\"invitation-").count(), 1);
    let nothing = staff.get(Host::Staff, &format!("/clients/{client}?q=%25")).await;
    assert_eq!(nothing.body.matches("<tr id=\"invitation-").count(), 0, "wildcards are searched literally");
    assert!(nothing.contains("No client user matches"));
    // A first page of a trigram search comes with its count, and goes on to the next page.
    let many = staff.get(Host::Staff, &format!("/clients/{client}?q=globex.test")).await;
    assert_eq!(many.body.matches("<tr id=\"invitation-").count(), 25);
    assert!(many.contains("Page 1 of 3 (60 in all)"));
    let next = pager_link(&many.body, "next").expect("a next page");
    assert_eq!(staff.get(Host::Staff, &next).await.body.matches("<tr id=\"invitation-").count(), 25);
    // Fewer than three letters or digits in a row have no trigram: such a search walks the rows
    // instead of the trigram index, and finds the same.
    let short = staff.get(Host::Staff, &format!("/clients/{client}?q=5")).await;
    assert_eq!(short.body.matches("<tr id=\"invitation-").count(), 15, "5, 15, ... 45 and 50 to 59");
    assert!(short.contains("person57@globex.test") && !short.contains("person46@globex.test"));
    let two = staff.get(Host::Staff, &format!("/clients/{client}?q=N4")).await;
    assert_eq!(two.body.matches("<tr id=\"invitation-").count(), 11, "person4 and person40 to 49");
}

#[sqlx::test]
async fn a_search_ignores_case_beyond_ascii(db: PgPool) {
    let Globex { app, staff, client, .. } = Globex::start(db).await;
    invite_many(&app, client, 12, "'p' || n || '@globex.test'", "'Émile Ørsted ' || n").await;
    for search in ["%C3%89MILE%20%C3%98RSTED%2011", "%C3%A9mile%20%C3%B8rsted%2011", "P11%40GLOBEX"] {
        let found = staff.get(Host::Staff, &format!("/clients/{client}?q={search}")).await;
        assert_eq!(found.body.matches("<tr id=\"invitation-").count(), 1, "searching {search}");
        assert!(found.contains("p11@globex.test"));
    }
}

/// The pager's links, with askama's escaping of `&` undone.
fn pager_link(body: &str, rel: &str) -> Option<String> {
    let end = body.find(&format!("\" rel=\"{rel}\""))?;
    let start = body[..end].rfind("href=\"")? + "href=\"".len();
    Some(body[start..end].replace("&#38;", "&").replace("&amp;", "&"))
}

fn row_ids(body: &str) -> Vec<String> {
    body.match_indices("<tr id=\"")
        .map(|(i, _)| body[i + 8..].split('"').next().unwrap().to_string())
        .collect()
}

#[sqlx::test]
async fn next_and_previous_walk_the_list_by_cursor_in_name_order(db: PgPool) {
    let Globex { app, staff, client, .. } = Globex::start(db).await;
    let scope = app.scope(client, app.company_id(client, "Globex").await).await;
    // 30 members with accounts and 30 invitations, names interleaved so both kinds mix on a page.
    app.seed(
        "WITH u AS (
           INSERT INTO users (id, email, display_name)
           SELECT gen_random_uuid(), 'member' || n || '@globex.test', 'Person ' || lpad((2 * n)::text, 3, '0')
           FROM generate_series(1, 30) n RETURNING id),
         m AS (
           INSERT INTO client_memberships (id, provider_id, client_id, user_id, role)
           SELECT gen_random_uuid(), $1, $2, id, 'CLIENT' FROM u RETURNING id)
         INSERT INTO client_membership_companies (membership_id, client_id, company_id) SELECT id, $2, $3 FROM m",
        scope,
        &[],
    )
    .await;
    invite_many(
        &app,
        client,
        30,
        "'invitee' || n || '@globex.test'",
        "'Person ' || lpad((2 * n + 1)::text, 3, '0')",
    )
    .await;

    let mut pages = Vec::new();
    let mut path = format!("/clients/{client}");
    loop {
        let page = staff.get(Host::Staff, &path).await;
        assert_eq!(page.status, StatusCode::OK);
        pages.push(page.body.clone());
        match pager_link(&page.body, "next") {
            Some(next) => {
                assert!(next.contains("after="), "Next goes by cursor: {next}");
                path = next;
            }
            None => break,
        }
    }
    assert_eq!(pages.len(), 3);
    assert!(pages[2].contains("Page 3 of 3 (60 in all)"));
    let all: Vec<String> = pages.iter().flat_map(|p| row_ids(p)).collect();
    let mut unique = all.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(all.len(), 60, "every row once");
    assert_eq!(unique.len(), 60, "no row twice");
    // Name order runs across both kinds: Person 002 (member), Person 003 (invitation), ...
    let names: Vec<usize> = ["Person 002", "Person 003", "Person 004", "Person 060", "Person 061"]
        .iter()
        .map(|n| pages.concat().find(n).unwrap_or_else(|| panic!("{n} listed")))
        .collect();
    assert!(names.windows(2).all(|w| w[0] < w[1]), "sorted by name across members and invitations");

    // Previous from the third page shows the second page again.
    let back = pager_link(&pages[2], "prev").expect("Previous on page 3");
    assert!(back.contains("before="));
    let second = staff.get(Host::Staff, &back).await;
    assert!(second.contains("Page 2 of 3"));
    assert_eq!(row_ids(&second.body), row_ids(&pages[1]));

    // A renamed person moves to their new place at once (the sort key follows the name).
    sqlx::query("UPDATE users SET display_name = 'Aaron First' WHERE email = 'member30@globex.test'")
        .execute(&app.db)
        .await
        .unwrap();
    let first = staff.get(Host::Staff, &format!("/clients/{client}")).await;
    assert!(first.body.find("Aaron First").unwrap() < first.body.find("Person 002").unwrap());
    assert!(first.contains("Page 1 of 3"));

    // A cursor that is not one is ignored, never a 500.
    let odd = staff.get(Host::Staff, &format!("/clients/{client}?page=2&after=nonsense.@@")).await;
    assert_eq!(odd.status, StatusCode::OK);
}

#[sqlx::test]
async fn a_list_too_long_to_count_says_more_than_and_still_pages(db: PgPool) {
    let Globex { app, staff, client, .. } = Globex::start(db).await;
    invite_many(&app, client, 1010, "'person' || n || '@globex.test'", "'Person ' || lpad(n::text, 4, '0')")
        .await;
    let first = staff.get(Host::Staff, &format!("/clients/{client}")).await;
    assert!(first.contains("Page 1 (more than 1000 in all)"), "no total past the cap");
    assert!(first.contains("Person 0001") && first.contains("Person 0025") && !first.contains("Person 0026"));
    let next = pager_link(&first.body, "next").expect("Next past the cap");
    let second = staff.get(Host::Staff, &next).await;
    assert!(second.contains("Page 2 (more than 1000 in all)"));
    assert!(second.contains("Person 0026") && second.contains("Person 0050"));
    // A search narrows it to the ten that match.
    let found = staff.get(Host::Staff, &format!("/clients/{client}?q=Person%20100")).await;
    assert!(found.contains("Person 1000") && found.contains("Person 1009") && !found.contains("Person 1010"));
    assert_eq!(found.body.matches("<tr id=\"invitation-").count(), 10);
}

/// `count` pending invitations on the client's first company, made in SQL: `email` and `name`
/// are SQL expressions of the counter `n`.
async fn invite_many(app: &TestApp, client: uuid::Uuid, count: i32, email: &str, name: &str) {
    let scope = app.scope(client, app.company_id(client, "Globex").await).await;
    app.seed(
        &format!(
            "WITH i AS (
               INSERT INTO invitations (id, provider_id, client_id, email, display_name, client_role, token_hash, expires_at)
               SELECT gen_random_uuid(), $1, $2, {email}, {name}, 'CLIENT', sha256(('t' || n)::bytea), now() + interval '7 days'
               FROM generate_series(1, $4::int) n RETURNING id)
             INSERT INTO invitation_companies (invitation_id, client_id, company_id) SELECT id, $2, $3 FROM i"
        ),
        scope,
        &[&count.to_string()],
    )
    .await;
}
