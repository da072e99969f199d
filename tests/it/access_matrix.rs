//! Scoping proved by a matrix: every route of both hosts, every kind of actor, every kind of
//! object. The expectations live in `access_matrix.txt`, beside this file, readable by a person.
//! Beyond the status, no page a client may open shows anything outside their scope.

use std::collections::HashMap;

use reqwest::StatusCode;
use sqlx::PgPool;

use crate::helpers::{assert_is_redirect_to, spawn_app, Agent, Host, TestApp};

const ACTORS: [&str; 11] =
    ["anon", "admin", "manager", "u_in", "u_out", "other", "cl", "cla", "org2", "k1only", "gone"];

/// Titles of everything a client might see, and which client actors may see each.
const SECRET_NOTES: &str = "STAFF-ONLY-NOTE";

struct World {
    app: TestApp,
    agents: HashMap<&'static str, Agent>,
    ids: HashMap<&'static str, String>,
}

async fn staff_join(app: &TestApp, admin: &Agent, email: &str, role: &str) -> Agent {
    let sent = admin.invite_staff(&[("email", email), ("role", role)]).await;
    let link = sent.invite_link();
    let agent = app.agent();
    let page = agent.get_url(&link).await;
    let done = agent.accept_new(&page, &link, email, Host::Staff).await;
    assert_is_redirect_to(&done, "/");
    agent
}

async fn job(
    app: &TestApp,
    provider: uuid::Uuid,
    client: uuid::Uuid,
    company: uuid::Uuid,
    title: &str,
    completed: bool,
) -> String {
    let id = uuid::Uuid::new_v4();
    sqlx::query(
        "INSERT INTO jobs (id, provider_id, client_id, company_id, title, status, completed_at, summary, staff_notes)
         VALUES ($1, $2, $3, $4, $5, $6::job_status, CASE WHEN $7 THEN now() END, $5 || ' summary', $8)",
    )
    .bind(id)
    .bind(provider)
    .bind(client)
    .bind(company)
    .bind(title)
    .bind(if completed { "COMPLETED" } else { "IN_PROGRESS" })
    .bind(completed)
    .bind(format!("{SECRET_NOTES} about {title}"))
    .execute(&app.db)
    .await
    .unwrap();
    id.to_string()
}

async fn capture(
    app: &TestApp,
    provider: uuid::Uuid,
    client: uuid::Uuid,
    company: uuid::Uuid,
    caption: &str,
) -> String {
    let id = uuid::Uuid::new_v4();
    sqlx::query(
        "INSERT INTO captures (id, provider_id, client_id, company_id, latitude, longitude, caption, captured_at, photo, photo_type, thumbnail)
         VALUES ($1, $2, $3, $4, 51.5, -0.12, $5, now(), '\\x89504e470d0a1a0a00'::bytea, 'image/png', '\\xffd8ff'::bytea)",
    )
    .bind(id)
    .bind(provider)
    .bind(client)
    .bind(company)
    .bind(caption)
    .execute(&app.db)
    .await
    .unwrap();
    id.to_string()
}

async fn build(db: PgPool) -> World {
    let app = spawn_app(db).await;
    let (admin, provider_a) = app.provider_with_admin("Acme IT", "admin@acme.test").await;
    let manager = staff_join(&app, &admin, "manager@acme.test", "MANAGER").await;
    let u_in = staff_join(&app, &admin, "uin@acme.test", "USER").await;
    let u_out = staff_join(&app, &admin, "uout@acme.test", "USER").await;
    let (other, provider_b) = app.provider_with_admin("Beta Services", "admin@beta.test").await;

    let c1 = app.new_client(&admin, "Client One").await;
    let k1 = app.company_id(c1, "Client One").await;
    let k2 = app.add_company(&admin, c1, "Client One South").await;
    let c2 = app.new_client(&admin, "Client Two").await;
    let c2_co = app.company_id(c2, "Client Two").await;
    let c3 = app.new_client(&other, "Client Three").await;
    let c3_co = app.company_id(c3, "Client Three").await;
    let u_in_id = app.id_of("SELECT id FROM users WHERE email = 'uin@acme.test'").await;
    let path = format!("/clients/{c1}");
    admin.post(Host::Staff, &path, &format!("{path}/assignments"), &[("user", &u_in_id.to_string())]).await;

    let cl = app.client_user(&admin, c1, "cl@one.test", "CLIENT", &[k1, k2]).await;
    let cla = app.client_user(&admin, c1, "cla@one.test", "CLIENT_ADMIN", &[k1, k2]).await;
    let org2 = app.client_user(&admin, c2, "org2@two.test", "CLIENT", &[c2_co]).await;
    let k1only = app.client_user(&admin, c1, "k1@one.test", "CLIENT", &[k1]).await;
    let gone = app.client_user(&admin, c1, "gone@one.test", "CLIENT", &[k1, k2]).await;
    let gone_member = app.id_of("SELECT m.id FROM client_memberships m JOIN users u ON u.id = m.user_id WHERE u.email = 'gone@one.test'").await;
    let removed = admin
        .post(
            Host::Staff,
            &path,
            &format!("{path}/users/members/{gone_member}/remove"),
            &[("confirmed", "1")],
        )
        .await;
    assert_is_redirect_to(&removed, &path);

    let mut ids = HashMap::new();
    ids.insert("C1", c1.to_string());
    ids.insert("C2", c2.to_string());
    ids.insert("C3", c3.to_string());
    ids.insert("K1", k1.to_string());
    ids.insert("K2", k2.to_string());
    ids.insert("job_k1", job(&app, provider_a, c1, k1, "Job in K1", true).await);
    ids.insert("job_k2", job(&app, provider_a, c1, k2, "Job in K2", true).await);
    ids.insert("job_open", job(&app, provider_a, c1, k1, "Job still open", false).await);
    ids.insert("job_c2", job(&app, provider_a, c2, c2_co, "Job of C2", true).await);
    ids.insert("job_b", job(&app, provider_b, c3, c3_co, "Job of provider B", true).await);
    ids.insert("cap_k1", capture(&app, provider_a, c1, k1, "Capture in K1").await);
    ids.insert("cap_k2", capture(&app, provider_a, c1, k2, "Capture in K2").await);
    ids.insert("cap_c2", capture(&app, provider_a, c2, c2_co, "Capture of C2").await);
    ids.insert("cap_b", capture(&app, provider_b, c3, c3_co, "Capture of provider B").await);

    // Each actor's own victims, for the menu actions that change or remove what they act on:
    // `{member@}` in the matrix is this actor's, so one actor's removal is not the next one's 404.
    for actor in ACTORS {
        ids.insert(leak(format!("member@{actor}")), victim_member(&app, provider_a, c1, k1, actor).await);
        ids.insert(
            leak(format!("inv@{actor}")),
            victim_invitation(&app, provider_a, Some((c1, k1)), actor).await,
        );
        ids.insert(leak(format!("staff@{actor}")), victim_staff(&app, provider_a, c1, actor).await);
        ids.insert(leak(format!("sinv@{actor}")), victim_invitation(&app, provider_a, None, actor).await);
        let second = format!("second.{actor}");
        ids.insert(
            leak(format!("inv2@{actor}")),
            victim_invitation(&app, provider_a, Some((c1, k1)), &second).await,
        );
    }

    let agents: HashMap<&'static str, Agent> = [
        ("anon", app.agent()),
        ("admin", admin),
        ("manager", manager),
        ("u_in", u_in),
        ("u_out", u_out),
        ("other", other),
        ("cl", cl),
        ("cla", cla),
        ("org2", org2),
        ("k1only", k1only),
        ("gone", gone),
    ]
    .into_iter()
    .collect();
    World { app, agents, ids }
}

fn leak(key: String) -> &'static str {
    Box::leak(key.into_boxed_str())
}

/// A client user of C1 scoped to K1, for `actor` to act on.
async fn victim_member(
    app: &TestApp,
    provider: uuid::Uuid,
    client: uuid::Uuid,
    company: uuid::Uuid,
    actor: &str,
) -> String {
    let user = uuid::Uuid::new_v4();
    let membership = uuid::Uuid::new_v4();
    sqlx::query(
        "WITH u AS (INSERT INTO users (id, email, display_name) VALUES ($1, $4, 'Victim') RETURNING id),
              m AS (INSERT INTO client_memberships (id, provider_id, client_id, user_id, role)
                    SELECT $2, $3, $5, id, 'CLIENT' FROM u RETURNING id)
         INSERT INTO client_membership_companies (membership_id, client_id, company_id) SELECT id, $5, $6 FROM m",
    )
    .bind(user)
    .bind(membership)
    .bind(provider)
    .bind(format!("member.{actor}@victims.test"))
    .bind(client)
    .bind(company)
    .execute(&app.db)
    .await
    .unwrap();
    membership.to_string()
}

/// A pending invitation: to C1 scoped to K1, or (with `None`) to the provider's staff.
async fn victim_invitation(
    app: &TestApp,
    provider: uuid::Uuid,
    client: Option<(uuid::Uuid, uuid::Uuid)>,
    actor: &str,
) -> String {
    let id = uuid::Uuid::new_v4();
    let (kind, client_id, company) = match client {
        Some((c, k)) => ("client", Some(c), Some(k)),
        None => ("staff", None, None),
    };
    sqlx::query(
        "WITH i AS (
           INSERT INTO invitations (id, provider_id, client_id, email, client_role, staff_role, token_hash, expires_at)
           VALUES ($1, $2, $3, $4, CASE WHEN $3 IS NULL THEN NULL ELSE 'CLIENT'::client_role END,
                   CASE WHEN $3 IS NULL THEN 'USER'::staff_role END, sha256($4::bytea), now() + interval '7 days')
           RETURNING id)
         INSERT INTO invitation_companies (invitation_id, client_id, company_id)
         SELECT id, $3, $5 FROM i WHERE $3 IS NOT NULL",
    )
    .bind(id)
    .bind(provider)
    .bind(client_id)
    .bind(format!("{kind}.invite.{actor}@victims.test"))
    .bind(company)
    .execute(&app.db)
    .await
    .unwrap();
    id.to_string()
}

/// A staff USER of the provider, assigned to C1.
async fn victim_staff(app: &TestApp, provider: uuid::Uuid, client: uuid::Uuid, actor: &str) -> String {
    let user = uuid::Uuid::new_v4();
    sqlx::query(
        "WITH u AS (INSERT INTO users (id, email, display_name) VALUES ($1, $3, 'Victim') RETURNING id),
              m AS (INSERT INTO staff_memberships (id, provider_id, user_id, role)
                    SELECT gen_random_uuid(), $2, id, 'USER' FROM u RETURNING user_id)
         INSERT INTO staff_assignments (provider_id, client_id, user_id) SELECT $2, $4, user_id FROM m",
    )
    .bind(user)
    .bind(provider)
    .bind(format!("staff.{actor}@victims.test"))
    .bind(client)
    .execute(&app.db)
    .await
    .unwrap();
    user.to_string()
}

/// What each client actor must never read anywhere in the portal.
fn invisible_to(actor: &str) -> Vec<&'static str> {
    let all = [
        "Job in K1",
        "Job in K2",
        "Job still open",
        "Job of C2",
        "Job of provider B",
        "Capture in K1",
        "Capture in K2",
        "Capture of C2",
        "Capture of provider B",
        "Client One South",
    ];
    let visible: &[&str] = match actor {
        "cl" | "cla" => &["Job in K1", "Job in K2", "Capture in K1", "Capture in K2", "Client One South"],
        "org2" => &["Job of C2", "Capture of C2"],
        "k1only" => &["Job in K1", "Capture in K1"],
        _ => &[],
    };
    all.into_iter().filter(|t| !visible.contains(t)).collect()
}

/// The page's `<title>`, if it is one line of plain text (what a tab and a screen reader show).
fn plain_title(body: &str) -> Result<&str, &str> {
    let start = body.find("<title>").map(|i| i + "<title>".len()).ok_or("")?;
    let title = &body[start..start + body[start..].find("</title>").ok_or("")?];
    if title.is_empty() || title.contains(['<', '>', '\n']) || title.len() > 200 {
        return Err(title);
    }
    Ok(title)
}

#[sqlx::test]
async fn every_actor_gets_exactly_the_answer_the_matrix_expects(db: PgPool) {
    let world = build(db).await;
    let table = include_str!("access_matrix.txt");
    let mut failures = Vec::new();
    let mut cells = 0;
    // A capture upload (multipart, which the matrix's empty forms are not): whoever may not see
    // C1 is told it is not there, whoever may work on it is told what the form lacks. (Before
    // the matrix, whose last rows sign everyone out.)
    let path = format!("/clients/{}/captures", world.ids["C1"]);
    for (actor, expected) in [("admin", 422), ("manager", 422), ("u_in", 422), ("u_out", 404), ("other", 404)]
    {
        let agent = &world.agents[actor];
        let csrf = agent.get(Host::Staff, "/forgot-password").await.csrf();
        let form = reqwest::multipart::Form::new().text("csrf", csrf).text("caption", "Probe");
        let sent =
            agent.client.post(format!("{}{path}", world.app.staff_url)).multipart(form).send().await.unwrap();
        let location = sent.headers().get("location").map(|l| l.to_str().unwrap().to_string());
        assert_eq!(sent.status().as_u16(), expected, "a capture upload to C1 as {actor}: {location:?}");
    }
    assert_eq!(world.app.count("SELECT count(*) FROM captures WHERE caption = 'Probe'").await, 0);

    for (line_no, line) in table.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let cols: Vec<&str> = line.split_whitespace().collect();
        assert_eq!(cols.len(), 3 + ACTORS.len(), "line {}: {line}", line_no + 1);
        let host = if cols[0] == "S" { Host::Staff } else { Host::Portal };
        let method = cols[1];
        let mut path = cols[2].to_string();
        for (key, value) in &world.ids {
            path = path.replace(&format!("{{{key}}}"), value);
        }
        for (i, actor) in ACTORS.iter().enumerate() {
            let expected = cols[3 + i];
            let agent = &world.agents[actor];
            let mut path = path.clone();
            for victim in ["member", "inv", "inv2", "staff", "sinv"] {
                path =
                    path.replace(&format!("{{{victim}@}}"), &world.ids[format!("{victim}@{actor}").as_str()]);
            }
            assert!(!path.contains('{'), "line {}: unknown placeholder in {path}", line_no + 1);
            let page = if method == "GET" {
                agent.get(host, &path).await
            } else {
                agent.post(host, "/forgot-password", &path, &[("confirmed", "1")]).await
            };
            cells += 1;
            let got = match (page.status, page.location.as_deref()) {
                (StatusCode::SEE_OTHER, Some("/login")) => "login".to_string(),
                (status, _) => status.as_u16().to_string(),
            };
            if got != expected {
                failures.push(format!(
                    "line {}: {} {method} {} as {actor}: expected {expected}, got {got}",
                    line_no + 1,
                    cols[0],
                    cols[2]
                ));
                continue;
            }
            if page.status == StatusCode::OK && page.body.starts_with("<!doctype html>") {
                if let Err(title) = plain_title(&page.body) {
                    failures.push(format!("line {}: {} has the title {title:?}", line_no + 1, cols[2]));
                }
            }
            if host == Host::Portal && page.status == StatusCode::OK {
                assert!(!page.body.contains(SECRET_NOTES), "{actor} read staff notes at {path}");
                for secret in invisible_to(actor) {
                    if page.body.contains(secret) {
                        failures.push(format!(
                            "line {}: {method} {} as {actor} shows {secret:?}",
                            line_no + 1,
                            cols[2]
                        ));
                    }
                }
            }
        }
    }
    assert!(cells > 500, "the matrix ran only {cells} cells");
    assert!(failures.is_empty(), "{} of {cells} cells differ:\n{}", failures.len(), failures.join("\n"));
    // Nothing the denied requests tried was written.
    assert_eq!(world.app.count("SELECT count(*) FROM jobs").await, 5);
    // The menu actions did what they answered: each allowed actor's victims are gone, every
    // refused actor's are untouched.
    let app = &world.app;
    for actor in ACTORS {
        let id = |victim: &str| world.ids[format!("{victim}@{actor}").as_str()].clone();
        let left = |sql: String| async move { app.count(&sql).await };
        let pending = |victim: &str| {
            left(format!(
                "SELECT count(*) FROM invitations WHERE id = '{}' AND status = 'PENDING'",
                id(victim)
            ))
        };
        let member =
            left(format!("SELECT count(*) FROM client_memberships WHERE id = '{}'", id("member"))).await;
        let staff =
            left(format!("SELECT count(*) FROM staff_memberships WHERE user_id = '{}'", id("staff"))).await;
        let manages_clients = matches!(actor, "admin" | "manager" | "cla");
        let manages_staff = actor == "admin";
        assert_eq!(member == 0, manages_clients, "{actor}'s client user");
        assert_eq!(pending("inv").await == 0, manages_clients, "{actor}'s client invitation");
        assert_eq!(pending("inv2").await == 0, matches!(actor, "admin" | "manager"), "{actor}'s second one");
        assert_eq!(pending("sinv").await == 0, manages_staff, "{actor}'s staff invitation");
        assert_eq!(staff == 0, manages_staff, "{actor}'s staff USER");
    }
}
