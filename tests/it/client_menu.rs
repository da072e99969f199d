//! The three-dot menu on each client user's row, and a Client Admin's self-service in the portal.

use reqwest::StatusCode;
use sqlx::PgPool;

use crate::helpers::{assert_is_redirect_to, Globex, Host, OtherProvider, PASSWORD};

/// Change Companies on a member's row, to both of Globex's companies.
async fn give_both_companies(g: &Globex, south: uuid::Uuid, member: uuid::Uuid) -> crate::helpers::Page {
    let both = [("companies", g.company.to_string()), ("companies", south.to_string())];
    let fields: Vec<(&str, &str)> = both.iter().map(|(k, v)| (*k, v.as_str())).collect();
    g.act("members", member, "companies", &fields).await
}

#[sqlx::test]
async fn menu_actions_on_an_active_user(db: PgPool) {
    let (g, south) = Globex::with_south(db).await;
    let carol = g.client_user("carol@globex.test", "CLIENT").await;
    let member = g.app.id_of("SELECT id FROM client_memberships").await;

    let role = g.act("members", member, "role", &[("role", "CLIENT_ADMIN")]).await;
    assert_is_redirect_to(&role, &g.page());
    assert_eq!(g.app.count("SELECT count(*) FROM client_memberships WHERE role = 'CLIENT_ADMIN'").await, 1);
    assert!(carol.get(Host::Portal, "/").await.contains("href=\"/users\""), "the new role applies at once");

    let none = g.act("members", member, "companies", &[]).await;
    assert_eq!(none.status, StatusCode::UNPROCESSABLE_ENTITY, "the form again, with why");
    assert!(
        none.contains("Select at least one company")
            && none.contains("Change companies for carol@globex.test")
    );
    assert_eq!(g.app.count("SELECT count(*) FROM client_membership_companies").await, 1, "nothing written");
    assert_is_redirect_to(&give_both_companies(&g, south, member).await, &g.page());
    assert_eq!(g.app.count("SELECT count(*) FROM client_membership_companies").await, 2);
    assert!(g.staff.get(Host::Staff, &g.page()).await.contains("Globex, Globex South"));

    // Resend Invitation on an Active user says, and does, send a password reset to the portal.
    let before = g.staff.get(Host::Staff, &g.page()).await;
    assert!(before.contains(&format!(
        "id=\"resend-member-{member}\">Already active: this sends a password reset instead."
    )));
    let resend = g.act("members", member, "resend", &[]).await;
    assert_is_redirect_to(&resend, &g.page());
    let reset = g.app.smtp.nth_to("carol@globex.test", 2).await;
    assert!(reset.link_containing("/reset-password/").starts_with(&g.app.portal_url));
    let page = g.staff.get(Host::Staff, &g.page()).await;
    assert!(page.contains("A password reset email is on its way to carol@globex.test."));

    let actions: Vec<String> =
        sqlx::query_scalar("SELECT action FROM audit_events WHERE action LIKE 'client_user.%' ORDER BY id")
            .fetch_all(&g.app.db)
            .await
            .unwrap();
    assert_eq!(actions, ["client_user.role_changed", "client_user.companies_changed"]);
}

#[sqlx::test]
async fn removing_an_active_user_ends_their_open_session_and_keeps_other_memberships(db: PgPool) {
    let (g, _south) = Globex::with_south(db).await;
    let carol = g.client_user("carol@globex.test", "CLIENT").await;
    // Carol is also a client user of another provider's client.
    let beta = OtherProvider::start(&g.app, "Beta Services", "bea@beta.test", "Initech").await;
    let link = beta.invite(&g.app, "carol@globex.test").await;
    assert_is_redirect_to(&carol.answer_invitation(&link, "/accept", &[], Host::Portal).await, "/");
    // Work in Globex again.
    let choose = carol.get(Host::Portal, "/choose-organisation").await;
    carol.submit_form(&choose, "/choose-organisation", &[("org", &g.client.to_string())], Host::Portal).await;
    assert!(carol.get(Host::Portal, "/").await.contains("<h1>Globex</h1>"));

    let member =
        g.app.id_of(&format!("SELECT id FROM client_memberships WHERE client_id = '{}'", g.client)).await;
    // Remove asks first, naming who loses access, and the first step changes nothing.
    let memberships_before = g.app.count("SELECT count(*) FROM client_memberships").await;
    let asked = g.act("members", member, "remove", &[]).await;
    assert_eq!(asked.status, StatusCode::OK);
    assert!(asked.contains("will lose access to this organisation at once"), "{}", asked.body);
    assert!(asked.contains("name=\"confirmed\" value=\"1\""));
    assert_eq!(g.app.count("SELECT count(*) FROM client_memberships").await, memberships_before);
    g.remove("members", member).await;
    assert_is_redirect_to(&carol.get(Host::Portal, "/").await, "/login");
    assert_eq!(g.app.count("SELECT count(*) FROM client_memberships").await, 1, "Initech stays");
    let again = g.app.agent();
    assert_is_redirect_to(&again.sign_in(Host::Portal, "carol@globex.test", PASSWORD).await, "/");
    assert!(again.get(Host::Portal, "/").await.contains("Initech"));
    assert_eq!(
        g.app.count("SELECT count(*) FROM audit_events WHERE action = 'client_user.removed'").await,
        1
    );
}

#[sqlx::test]
async fn menu_actions_on_a_pending_invitation(db: PgPool) {
    let (g, south) = Globex::with_south(db).await;
    let sent = g.share("dna@globex.test").await;
    let first_link = sent.invite_link();
    let id = g.app.id_of("SELECT id FROM invitations WHERE client_id IS NOT NULL").await;

    assert_is_redirect_to(&g.act("invitations", id, "role", &[("role", "CLIENT_ADMIN")]).await, &g.page());
    assert_is_redirect_to(
        &g.act("invitations", id, "companies", &[("companies", &south.to_string())]).await,
        &g.page(),
    );
    let foreign =
        g.act("invitations", id, "companies", &[("companies", &uuid::Uuid::new_v4().to_string())]).await;
    assert_eq!(foreign.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(foreign.contains("Choose companies of this client"), "{}", foreign.body);

    // Change Email: re-issued to the corrected address; the old link is dead.
    let bad = g.act("invitations", id, "email", &[("email", "nope")]).await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    let asked = g.act("invitations", id, "email", &[("email", "Dana@Globex.test")]).await;
    assert_eq!(asked.status, StatusCode::OK);
    assert!(asked.contains("Send the invitation to dana@globex.test instead?"), "{}", asked.body);
    assert!(asked.contains("The link sent to dna@globex.test will stop working."));
    assert_eq!(g.app.agent().get_url(&first_link).await.status, StatusCode::OK, "asking changed nothing");
    let changed =
        g.act("invitations", id, "email", &[("email", "dana@globex.test"), ("confirmed", "1")]).await;
    assert_eq!(changed.status, StatusCode::OK, "{}", changed.body);
    let new_link = changed.invite_link();
    assert_eq!(g.app.smtp.first_to("dana@globex.test").await.link_containing("/invite/"), new_link);
    assert_eq!(g.app.agent().get_url(&first_link).await.status, StatusCode::NOT_FOUND);
    let invite = g.app.agent().get_url(&new_link).await;
    assert!(invite.contains("Client Admin") && invite.contains("dana@globex.test"));

    let asked = g.act("invitations", id, "remove", &[]).await;
    assert!(asked.contains("Remove the invitation for dana@globex.test?"), "{}", asked.body);
    assert_eq!(g.app.agent().get_url(&new_link).await.status, StatusCode::OK, "asking changed nothing");
    g.remove("invitations", id).await;
    assert_eq!(g.app.agent().get_url(&new_link).await.status, StatusCode::GONE);
    let events: i64 = g.app.count("SELECT count(*) FROM audit_events WHERE action IN ('invitation.role_changed', 'invitation.companies_changed', 'invitation.email_changed', 'invitation.revoked')").await;
    assert_eq!(events, 4);
    // An id of another client answers 404.
    let other = g.app.new_client(&g.staff, "Initech").await;
    let wrong = g
        .staff
        .post(Host::Staff, &g.page(), &format!("/clients/{other}/users/invitations/{id}/resend"), &[])
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
    let (g, south) = Globex::with_south(db).await;
    let boss = g.client_user("boss@globex.test", "CLIENT_ADMIN").await;
    let plain = g.client_user("plain@globex.test", "CLIENT").await;
    g.app.client_user(&g.staff, g.client, "south@globex.test", "CLIENT", &[south]).await;

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
    let before = g.app.count("SELECT count(*) FROM invitations").await;
    let outside =
        boss.invite_in_portal(&[("email", "new@globex.test"), ("companies", &south.to_string())]).await;
    // SPEC: refused like any post without the permission.
    assert_eq!(outside.status, StatusCode::FORBIDDEN);
    assert_eq!(g.app.count("SELECT count(*) FROM invitations").await, before);
    let inside =
        boss.invite_in_portal(&[("email", "new@globex.test"), ("companies", &g.company.to_string())]).await;
    assert_eq!(inside.status, StatusCode::OK, "{}", inside.body);
    assert!(inside.invite_link().starts_with(&g.app.portal_url));

    // The menu works on people in scope, not on others, and not on themselves.
    let plain_id = g.app.membership_id("plain@globex.test").await;
    let south_id = g.app.membership_id("south@globex.test").await;
    let boss_id = g.app.membership_id("boss@globex.test").await;
    let ok = boss.act_in_portal_users("members", plain_id, "role", &[("role", "CLIENT_ADMIN")]).await;
    assert_is_redirect_to(&ok, "/users");
    let hidden = boss.act_in_portal_users("members", south_id, "remove", &[("confirmed", "1")]).await;
    assert_eq!(hidden.status, StatusCode::NOT_FOUND);
    let own = boss.act_in_portal_users("members", boss_id, "role", &[("role", "CLIENT")]).await;
    assert_eq!(own.status, StatusCode::FORBIDDEN);
    let widen = boss
        .act_in_portal_users("members", plain_id, "companies", &[("companies", &south.to_string())])
        .await;
    assert_eq!(widen.status, StatusCode::FORBIDDEN);
    // Change Companies offers a Client Admin only the companies they may grant.
    let change = boss.get(Host::Portal, &format!("/users/members/{plain_id}/companies")).await;
    assert_eq!(change.status, StatusCode::OK);
    assert!(change.contains("Change companies for plain@globex.test"), "{}", change.body);
    assert!(change.contains(&format!("value=\"{}\" checked", g.company)) && !change.contains("Globex South"));
    let hidden = boss.get(Host::Portal, &format!("/users/members/{south_id}/companies")).await;
    assert_eq!(hidden.status, StatusCode::NOT_FOUND);
    assert_eq!(g.app.count("SELECT count(*) FROM client_memberships WHERE role = 'CLIENT_ADMIN'").await, 2);
    assert_eq!(g.app.count("SELECT count(*) FROM client_memberships m JOIN users u ON u.id = m.user_id WHERE u.email = 'south@globex.test'").await, 1);
}

/// A row's menu links to Change Companies instead of carrying a box for every company: the page
/// ticks the row's own, and posting it changes them.
#[sqlx::test]
async fn change_companies_is_a_page_of_its_own(db: PgPool) {
    let (g, south) = Globex::with_south(db).await;
    g.client_user("carol@globex.test", "CLIENT").await;
    let member = g.app.id_of("SELECT id FROM client_memberships").await;
    let sent = g
        .app
        .share(&g.staff, g.client, &[("email", "dan@globex.test"), ("companies", &south.to_string())])
        .await;
    assert_eq!(sent.status, StatusCode::OK);
    let invitation = g.app.invitation_id("dan@globex.test").await;

    let list = g.staff.get(Host::Staff, &g.page()).await;
    let base = format!("/clients/{}/users", g.client);
    assert!(
        list.contains(&format!("href=\"{base}/members/{member}/companies\">Change Companies</a>")),
        "{}",
        list.body
    );
    assert!(
        list.contains(&format!("href=\"{base}/invitations/{invitation}/companies\">Change Companies</a>"))
    );
    assert!(!list.contains("name=\"companies\""), "no company boxes in the menus");

    let page = g.staff.get(Host::Staff, &format!("{base}/members/{member}/companies")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.contains("Change companies for carol@globex.test"));
    assert!(page.contains(&format!("value=\"{}\" checked", g.company)), "{}", page.body);
    assert!(page.contains(&format!("value=\"{}\">", south)), "Globex South offered, not ticked");
    assert!(page.contains(&format!("action=\"{base}/members/{member}/companies\"")));
    let pending = g.staff.get(Host::Staff, &format!("{base}/invitations/{invitation}/companies")).await;
    assert!(pending.contains("Change companies for dan@globex.test"));
    assert!(
        pending.contains(&format!("value=\"{}\" checked", south))
            && !pending.contains(&format!("value=\"{}\" checked", g.company))
    );

    // Only Change Companies has a page; an unknown action or another client's row is not found.
    assert_eq!(
        g.staff.get(Host::Staff, &format!("{base}/members/{member}/role")).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        g.staff.get(Host::Staff, &format!("{base}/members/{member}/nonsense")).await.status,
        StatusCode::NOT_FOUND
    );
    let other = g.app.new_client(&g.staff, "Initech").await;
    let elsewhere = format!("/clients/{other}/users/members/{member}/companies");
    assert_eq!(g.staff.get(Host::Staff, &elsewhere).await.status, StatusCode::NOT_FOUND);

    assert_is_redirect_to(&give_both_companies(&g, south, member).await, &g.page());
    let again = g.staff.get(Host::Staff, &format!("{base}/members/{member}/companies")).await;
    assert!(again.contains(&format!("value=\"{}\" checked", south)));

    // A removed invitation's companies can no longer be opened or changed.
    g.remove("invitations", invitation).await;
    let closed = g.staff.get(Host::Staff, &format!("{base}/invitations/{invitation}/companies")).await;
    assert_eq!(closed.status, StatusCode::BAD_REQUEST);
    let north = g.company.to_string();
    let changed = g.act("invitations", invitation, "companies", &[("companies", &north)]).await;
    assert_eq!(changed.status, StatusCode::BAD_REQUEST);
    let scope = format!("SELECT count(*) FROM invitation_companies WHERE invitation_id = '{invitation}' AND company_id = '{north}'");
    assert_eq!(g.app.count(&scope).await, 0, "nothing written");
}

#[sqlx::test]
async fn a_removed_client_signing_in_again_is_told_their_access_ended(db: PgPool) {
    let (Globex { app, staff, client, .. }, _carol) = Globex::with_carol(db).await;
    staff.remove_client_member(client, app.id_of("SELECT id FROM client_memberships").await).await;
    let path = format!("/clients/{client}");
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
