//! The three-dot menu on each client user's row, and a Client Admin's self-service in the portal.

use reqwest::StatusCode;
use sqlx::PgPool;

use crate::helpers::{assert_is_redirect_to, link_path, spawn_app, Agent, Host, TestApp, PASSWORD};

struct Setup {
    app: TestApp,
    staff: Agent,
    client: uuid::Uuid,
    north: uuid::Uuid,
    south: uuid::Uuid,
}

async fn setup(db: PgPool) -> Setup {
    let app = spawn_app(db).await;
    let (staff, client) = app.acme_with_globex().await;
    let north = app.company_id(client, "Globex").await;
    let south = app.add_company(&staff, client, "Globex South").await;
    Setup { app, staff, client, north, south }
}

impl Setup {
    /// Change Companies on a member's row, to both of Globex's companies.
    async fn give_both_companies(&self, member: uuid::Uuid) -> crate::helpers::Page {
        let both = [("companies", self.north.to_string()), ("companies", self.south.to_string())];
        let fields: Vec<(&str, &str)> = both.iter().map(|(k, v)| (*k, v.as_str())).collect();
        self.act("members", member, "companies", &fields).await
    }

    fn page(&self) -> String {
        format!("/clients/{}", self.client)
    }

    async fn act(
        &self,
        kind: &str,
        id: uuid::Uuid,
        action: &str,
        fields: &[(&str, &str)],
    ) -> crate::helpers::Page {
        let action = format!("/clients/{}/users/{kind}/{id}/{action}", self.client);
        self.staff.post(Host::Staff, &self.page(), &action, fields).await
    }
}

#[sqlx::test]
async fn menu_actions_on_an_active_user(db: PgPool) {
    let s = setup(db).await;
    let carol = s.app.client_user(&s.staff, s.client, "carol@globex.test", "CLIENT", &[s.north]).await;
    let member = s.app.id_of("SELECT id FROM client_memberships").await;

    let role = s.act("members", member, "role", &[("role", "CLIENT_ADMIN")]).await;
    assert_is_redirect_to(&role, &s.page());
    assert_eq!(s.app.count("SELECT count(*) FROM client_memberships WHERE role = 'CLIENT_ADMIN'").await, 1);
    assert!(carol.get(Host::Portal, "/").await.contains("href=\"/users\""), "the new role applies at once");

    let none = s.act("members", member, "companies", &[]).await;
    assert_eq!(none.status, StatusCode::UNPROCESSABLE_ENTITY, "the form again, with why");
    assert!(
        none.contains("Select at least one company")
            && none.contains("Change companies for carol@globex.test")
    );
    assert_eq!(s.app.count("SELECT count(*) FROM client_membership_companies").await, 1, "nothing written");
    assert_is_redirect_to(&s.give_both_companies(member).await, &s.page());
    assert_eq!(s.app.count("SELECT count(*) FROM client_membership_companies").await, 2);
    assert!(s.staff.get(Host::Staff, &s.page()).await.contains("Globex, Globex South"));

    // Resend Invitation on an Active user says, and does, send a password reset to the portal.
    let before = s.staff.get(Host::Staff, &s.page()).await;
    assert!(before.contains(&format!(
        "id=\"resend-member-{member}\">Already active: this sends a password reset instead."
    )));
    let resend = s.act("members", member, "resend", &[]).await;
    assert_is_redirect_to(&resend, &s.page());
    let reset = s.app.smtp.nth_to("carol@globex.test", 2).await;
    assert!(reset.link_containing("/reset-password/").starts_with(&s.app.portal_url));
    let page = s.staff.get(Host::Staff, &s.page()).await;
    assert!(page.contains("A password reset email is on its way to carol@globex.test."));

    let actions: Vec<String> =
        sqlx::query_scalar("SELECT action FROM audit_events WHERE action LIKE 'client_user.%' ORDER BY id")
            .fetch_all(&s.app.db)
            .await
            .unwrap();
    assert_eq!(actions, ["client_user.role_changed", "client_user.companies_changed"]);
}

#[sqlx::test]
async fn removing_an_active_user_ends_their_open_session_and_keeps_other_memberships(db: PgPool) {
    let s = setup(db).await;
    let carol = s.app.client_user(&s.staff, s.client, "carol@globex.test", "CLIENT", &[s.north]).await;
    // Carol is also a client user of another provider's client.
    let (beta, _) = s.app.provider_with_admin("Beta Services", "bea@beta.test").await;
    let other = s.app.new_client(&beta, "Initech").await;
    let other_co = s.app.company_id(other, "Initech").await;
    let link = s
        .app
        .share(&beta, other, &[("email", "carol@globex.test"), ("companies", &other_co.to_string())])
        .await
        .invite_link();
    let page = carol.get_url(&link).await;
    assert_is_redirect_to(
        &carol.submit_form(&page, &link_path(&link, "/accept"), &[], Host::Portal).await,
        "/",
    );
    // Work in Globex again.
    let choose = carol.get(Host::Portal, "/choose-organisation").await;
    carol.submit_form(&choose, "/choose-organisation", &[("org", &s.client.to_string())], Host::Portal).await;
    assert!(carol.get(Host::Portal, "/").await.contains("<h1>Globex</h1>"));

    let member =
        s.app.id_of(&format!("SELECT id FROM client_memberships WHERE client_id = '{}'", s.client)).await;
    // Remove asks first, naming who loses access, and the first step changes nothing.
    let memberships_before = s.app.count("SELECT count(*) FROM client_memberships").await;
    let asked = s.act("members", member, "remove", &[]).await;
    assert_eq!(asked.status, StatusCode::OK);
    assert!(asked.contains("will lose access to this organisation at once"), "{}", asked.body);
    assert!(asked.contains("name=\"confirmed\" value=\"1\""));
    assert_eq!(s.app.count("SELECT count(*) FROM client_memberships").await, memberships_before);
    assert_is_redirect_to(&s.act("members", member, "remove", &[("confirmed", "1")]).await, &s.page());
    assert_is_redirect_to(&carol.get(Host::Portal, "/").await, "/login");
    assert_eq!(s.app.count("SELECT count(*) FROM client_memberships").await, 1, "Initech stays");
    let again = s.app.agent();
    assert_is_redirect_to(&again.sign_in(Host::Portal, "carol@globex.test", PASSWORD).await, "/");
    assert!(again.get(Host::Portal, "/").await.contains("Initech"));
    assert_eq!(
        s.app.count("SELECT count(*) FROM audit_events WHERE action = 'client_user.removed'").await,
        1
    );
}

#[sqlx::test]
async fn menu_actions_on_a_pending_invitation(db: PgPool) {
    let s = setup(db).await;
    let sent = s
        .app
        .share(&s.staff, s.client, &[("email", "dna@globex.test"), ("companies", &s.north.to_string())])
        .await;
    let first_link = sent.invite_link();
    let id = s.app.id_of("SELECT id FROM invitations WHERE client_id IS NOT NULL").await;

    assert_is_redirect_to(&s.act("invitations", id, "role", &[("role", "CLIENT_ADMIN")]).await, &s.page());
    assert_is_redirect_to(
        &s.act("invitations", id, "companies", &[("companies", &s.south.to_string())]).await,
        &s.page(),
    );
    let foreign =
        s.act("invitations", id, "companies", &[("companies", &uuid::Uuid::new_v4().to_string())]).await;
    assert_eq!(foreign.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(foreign.contains("Choose companies of this client"), "{}", foreign.body);

    // Change Email: re-issued to the corrected address; the old link is dead.
    let bad = s.act("invitations", id, "email", &[("email", "nope")]).await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    let asked = s.act("invitations", id, "email", &[("email", "Dana@Globex.test")]).await;
    assert_eq!(asked.status, StatusCode::OK);
    assert!(asked.contains("Send the invitation to dana@globex.test instead?"), "{}", asked.body);
    assert!(asked.contains("The link sent to dna@globex.test will stop working."));
    assert_eq!(s.app.agent().get_url(&first_link).await.status, StatusCode::OK, "asking changed nothing");
    let changed =
        s.act("invitations", id, "email", &[("email", "dana@globex.test"), ("confirmed", "1")]).await;
    assert_eq!(changed.status, StatusCode::OK, "{}", changed.body);
    let new_link = changed.invite_link();
    assert_eq!(s.app.smtp.first_to("dana@globex.test").await.link_containing("/invite/"), new_link);
    assert_eq!(s.app.agent().get_url(&first_link).await.status, StatusCode::NOT_FOUND);
    let invite = s.app.agent().get_url(&new_link).await;
    assert!(invite.contains("Client Admin") && invite.contains("dana@globex.test"));

    let asked = s.act("invitations", id, "remove", &[]).await;
    assert!(asked.contains("Remove the invitation for dana@globex.test?"), "{}", asked.body);
    assert_eq!(s.app.agent().get_url(&new_link).await.status, StatusCode::OK, "asking changed nothing");
    assert_is_redirect_to(&s.act("invitations", id, "remove", &[("confirmed", "1")]).await, &s.page());
    assert_eq!(s.app.agent().get_url(&new_link).await.status, StatusCode::GONE);
    let events: i64 = s.app.count("SELECT count(*) FROM audit_events WHERE action IN ('invitation.role_changed', 'invitation.companies_changed', 'invitation.email_changed', 'invitation.revoked')").await;
    assert_eq!(events, 4);
    // An id of another client answers 404.
    let other = s.app.new_client(&s.staff, "Initech").await;
    let wrong = s
        .staff
        .post(Host::Staff, &s.page(), &format!("/clients/{other}/users/invitations/{id}/resend"), &[])
        .await;
    assert_eq!(wrong.status, StatusCode::NOT_FOUND);
}

#[sqlx::test]
async fn a_failed_delivery_shows_on_the_row(db: PgPool) {
    let port = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap().local_addr().unwrap().port();
    let app = crate::helpers::spawn_app_with(
        db,
        Some(format!("smtp://127.0.0.1:{port}")),
        crate::smtp::SmtpServer::default(),
    )
    .await;
    let link = app.create_provider("Acme IT", "ada@acme.test").await;
    let staff = app.agent();
    let page = staff.get_url(&link).await;
    staff.accept_new(&page, &link, "Ada", Host::Staff).await;
    let client = app.new_client(&staff, "Globex").await;
    let company = app.company_id(client, "Globex").await.to_string();
    app.share(&staff, client, &[("email", "dan@globex.test"), ("companies", &company)]).await;
    for _ in 0..100 {
        if staff.get(Host::Staff, &format!("/clients/{client}")).await.contains("retrying: mail server") {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("the failed delivery never showed on the row");
}

#[sqlx::test]
async fn a_client_admin_manages_users_only_inside_their_scope(db: PgPool) {
    let s = setup(db).await;
    let boss = s.app.client_user(&s.staff, s.client, "boss@globex.test", "CLIENT_ADMIN", &[s.north]).await;
    let plain = s.app.client_user(&s.staff, s.client, "plain@globex.test", "CLIENT", &[s.north]).await;
    s.app.client_user(&s.staff, s.client, "south@globex.test", "CLIENT", &[s.south]).await;

    // A Client gets 403 on the Users page; a Client Admin sees only people inside their scope.
    assert_eq!(plain.get(Host::Portal, "/users").await.status, StatusCode::FORBIDDEN);
    let users = boss.get(Host::Portal, "/users").await;
    assert_eq!(users.status, StatusCode::OK);
    assert!(
        users.contains("plain@globex.test")
            && !users.contains("south@globex.test")
            && !users.contains("Globex South")
    );

    // Inviting inside the scope works; a company outside it is refused and nothing is written.
    let form = boss.get(Host::Portal, "/users/invite").await;
    assert!(!form.contains("Globex South"));
    let before = s.app.count("SELECT count(*) FROM invitations").await;
    let outside = boss
        .post(
            Host::Portal,
            "/users/invite",
            "/users/invite",
            &[("email", "new@globex.test"), ("companies", &s.south.to_string())],
        )
        .await;
    // SPEC: refused like any post without the permission.
    assert_eq!(outside.status, StatusCode::FORBIDDEN);
    assert_eq!(s.app.count("SELECT count(*) FROM invitations").await, before);
    let inside = boss
        .post(
            Host::Portal,
            "/users/invite",
            "/users/invite",
            &[("email", "new@globex.test"), ("companies", &s.north.to_string())],
        )
        .await;
    assert_eq!(inside.status, StatusCode::OK, "{}", inside.body);
    assert!(inside.invite_link().starts_with(&s.app.portal_url));

    // The menu works on people in scope, not on others, and not on themselves.
    let plain_id = s.app.id_of("SELECT m.id FROM client_memberships m JOIN users u ON u.id = m.user_id WHERE u.email = 'plain@globex.test'").await;
    let south_id = s.app.id_of("SELECT m.id FROM client_memberships m JOIN users u ON u.id = m.user_id WHERE u.email = 'south@globex.test'").await;
    let boss_id = s.app.id_of("SELECT m.id FROM client_memberships m JOIN users u ON u.id = m.user_id WHERE u.email = 'boss@globex.test'").await;
    let ok = boss
        .post(Host::Portal, "/users", &format!("/users/members/{plain_id}/role"), &[("role", "CLIENT_ADMIN")])
        .await;
    assert_is_redirect_to(&ok, "/users");
    let hidden = boss
        .post(Host::Portal, "/users", &format!("/users/members/{south_id}/remove"), &[("confirmed", "1")])
        .await;
    assert_eq!(hidden.status, StatusCode::NOT_FOUND);
    let own = boss
        .post(Host::Portal, "/users", &format!("/users/members/{boss_id}/role"), &[("role", "CLIENT")])
        .await;
    assert_eq!(own.status, StatusCode::FORBIDDEN);
    let widen = boss
        .post(
            Host::Portal,
            "/users",
            &format!("/users/members/{plain_id}/companies"),
            &[("companies", &s.south.to_string())],
        )
        .await;
    assert_eq!(widen.status, StatusCode::FORBIDDEN);
    // Change Companies offers a Client Admin only the companies they may grant.
    let change = boss.get(Host::Portal, &format!("/users/members/{plain_id}/companies")).await;
    assert_eq!(change.status, StatusCode::OK);
    assert!(change.contains("Change companies for plain@globex.test"), "{}", change.body);
    assert!(change.contains(&format!("value=\"{}\" checked", s.north)) && !change.contains("Globex South"));
    let hidden = boss.get(Host::Portal, &format!("/users/members/{south_id}/companies")).await;
    assert_eq!(hidden.status, StatusCode::NOT_FOUND);
    assert_eq!(s.app.count("SELECT count(*) FROM client_memberships WHERE role = 'CLIENT_ADMIN'").await, 2);
    assert_eq!(s.app.count("SELECT count(*) FROM client_memberships m JOIN users u ON u.id = m.user_id WHERE u.email = 'south@globex.test'").await, 1);
}

/// A row's menu links to Change Companies instead of carrying a box for every company: the page
/// ticks the row's own, and posting it changes them.
#[sqlx::test]
async fn change_companies_is_a_page_of_its_own(db: PgPool) {
    let s = setup(db).await;
    s.app.client_user(&s.staff, s.client, "carol@globex.test", "CLIENT", &[s.north]).await;
    let member = s.app.id_of("SELECT id FROM client_memberships").await;
    let sent = s
        .app
        .share(&s.staff, s.client, &[("email", "dan@globex.test"), ("companies", &s.south.to_string())])
        .await;
    assert_eq!(sent.status, StatusCode::OK);
    let invitation = s.app.id_of("SELECT id FROM invitations WHERE email = 'dan@globex.test'").await;

    let list = s.staff.get(Host::Staff, &s.page()).await;
    let base = format!("/clients/{}/users", s.client);
    assert!(
        list.contains(&format!("href=\"{base}/members/{member}/companies\">Change Companies</a>")),
        "{}",
        list.body
    );
    assert!(
        list.contains(&format!("href=\"{base}/invitations/{invitation}/companies\">Change Companies</a>"))
    );
    assert!(!list.contains("name=\"companies\""), "no company boxes in the menus");

    let page = s.staff.get(Host::Staff, &format!("{base}/members/{member}/companies")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.contains("Change companies for carol@globex.test"));
    assert!(page.contains(&format!("value=\"{}\" checked", s.north)), "{}", page.body);
    assert!(page.contains(&format!("value=\"{}\">", s.south)), "Globex South offered, not ticked");
    assert!(page.contains(&format!("action=\"{base}/members/{member}/companies\"")));
    let pending = s.staff.get(Host::Staff, &format!("{base}/invitations/{invitation}/companies")).await;
    assert!(pending.contains("Change companies for dan@globex.test"));
    assert!(
        pending.contains(&format!("value=\"{}\" checked", s.south))
            && !pending.contains(&format!("value=\"{}\" checked", s.north))
    );

    // Only Change Companies has a page; an unknown action or another client's row is not found.
    assert_eq!(
        s.staff.get(Host::Staff, &format!("{base}/members/{member}/role")).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        s.staff.get(Host::Staff, &format!("{base}/members/{member}/nonsense")).await.status,
        StatusCode::NOT_FOUND
    );
    let other = s.app.new_client(&s.staff, "Initech").await;
    let elsewhere = format!("/clients/{other}/users/members/{member}/companies");
    assert_eq!(s.staff.get(Host::Staff, &elsewhere).await.status, StatusCode::NOT_FOUND);

    assert_is_redirect_to(&s.give_both_companies(member).await, &s.page());
    let again = s.staff.get(Host::Staff, &format!("{base}/members/{member}/companies")).await;
    assert!(again.contains(&format!("value=\"{}\" checked", s.south)));

    // A removed invitation's companies can no longer be opened or changed.
    let removed = s.act("invitations", invitation, "remove", &[("confirmed", "1")]).await;
    assert_is_redirect_to(&removed, &s.page());
    let closed = s.staff.get(Host::Staff, &format!("{base}/invitations/{invitation}/companies")).await;
    assert_eq!(closed.status, StatusCode::BAD_REQUEST);
    let north = s.north.to_string();
    let changed = s.act("invitations", invitation, "companies", &[("companies", &north)]).await;
    assert_eq!(changed.status, StatusCode::BAD_REQUEST);
    let scope = format!("SELECT count(*) FROM invitation_companies WHERE invitation_id = '{invitation}' AND company_id = '{north}'");
    assert_eq!(s.app.count(&scope).await, 0, "nothing written");
}

#[sqlx::test]
async fn a_removed_client_signing_in_again_is_told_their_access_ended(db: PgPool) {
    let app = spawn_app(db).await;
    let (staff, client) = app.acme_with_globex().await;
    let company = app.company_id(client, "Globex").await;
    app.client_user(&staff, client, "carol@globex.test", "CLIENT", &[company]).await;
    let membership = app.id_of("SELECT id FROM client_memberships").await;
    let path = format!("/clients/{client}");
    staff
        .post(Host::Staff, &path, &format!("{path}/users/members/{membership}/remove"), &[("confirmed", "1")])
        .await;
    let again = app.agent().sign_in(Host::Portal, "carol@globex.test", PASSWORD).await;
    assert_eq!(again.status, StatusCode::FORBIDDEN);
    assert!(
        again.contains("Your access to Globex has ended. Ask Acme IT if you need it again."),
        "{}",
        again.body
    );
    assert!(!again.contains("Staff sign in"));
    // And a staff client page with no staff USER to assign says why Assign cannot be used.
    let page = staff.get(Host::Staff, &path).await;
    assert!(page.contains("Nobody can be assigned yet") && page.contains("<button type=\"button\" disabled"));
}
