//! Scoping proved by a matrix: every route of both hosts, every kind of actor, every kind of
//! object. The expectations live in `access_matrix.txt`, beside this file, readable by a person.
//! Beyond the status, no page a client may open shows anything outside their scope.

use std::collections::HashMap;

use reqwest::StatusCode;
use sqlx::PgPool;

use crate::helpers::{spawn_app, Agent, Host, Scope, TestApp};

const ACTORS: [&str; 11] =
    ["anon", "admin", "manager", "u_in", "u_out", "other", "cl", "cla", "org2", "k1only", "gone"];

/// Titles of everything a client might see, and which client actors may see each.
const SECRET_NOTES: &str = "STAFF-ONLY-NOTE";

struct World {
    app: TestApp,
    agents: HashMap<&'static str, Agent>,
    ids: HashMap<&'static str, String>,
}

/// A job of `scope`, finished or still open, with staff notes no client may read.
async fn job(app: &TestApp, scope: Scope, title: &str, completed: bool) -> String {
    let id = uuid::Uuid::new_v4().to_string();
    let status = if completed { "COMPLETED" } else { "IN_PROGRESS" };
    let notes = format!("{SECRET_NOTES} about {title}");
    app.seed(
        "INSERT INTO jobs (id, provider_id, client_id, company_id, title, status, completed_at, summary, staff_notes)
         VALUES ($4::uuid, $1, $2, $3, $5, $6::job_status, CASE WHEN $6 = 'COMPLETED' THEN now() END, $5 || ' summary', $7)",
        scope,
        &[&id, title, status, &notes],
    )
    .await;
    id
}

async fn capture(app: &TestApp, scope: Scope, caption: &str) -> String {
    let id = uuid::Uuid::new_v4().to_string();
    app.seed(
        "INSERT INTO captures (id, provider_id, client_id, company_id, latitude, longitude, caption, captured_at, photo, photo_type, thumbnail)
         VALUES ($4::uuid, $1, $2, $3, 51.5, -0.12, $5, now(), '\\x89504e470d0a1a0a00'::bytea, 'image/png', '\\xffd8ff'::bytea)",
        scope,
        &[&id, caption],
    )
    .await;
    id
}

async fn build(db: PgPool) -> World {
    let app = spawn_app(db).await;
    let (admin, provider_a) = app.provider_with_admin("Acme IT", "admin@acme.test").await;
    let manager = app.join_staff(&admin, "manager@acme.test", "MANAGER").await;
    let u_in = app.join_staff(&admin, "uin@acme.test", "USER").await;
    let u_out = app.join_staff(&admin, "uout@acme.test", "USER").await;
    let (other, provider_b) = app.provider_with_admin("Beta Services", "admin@beta.test").await;

    let c1 = app.new_client(&admin, "Client One").await;
    let k1 = app.company_id(c1, "Client One").await;
    let k2 = app.add_company(&admin, c1, "Client One South").await;
    let c2 = app.new_client(&admin, "Client Two").await;
    let c2_co = app.company_id(c2, "Client Two").await;
    let c3 = app.new_client(&other, "Client Three").await;
    let c3_co = app.company_id(c3, "Client Three").await;
    let u_in_id = app.user_id("uin@acme.test").await;
    let path = format!("/clients/{c1}");
    admin.post(Host::Staff, &path, &format!("{path}/assignments"), &[("user", &u_in_id.to_string())]).await;

    let cl = app.client_user(&admin, c1, "cl@one.test", "CLIENT", &[k1, k2]).await;
    let cla = app.client_user(&admin, c1, "cla@one.test", "CLIENT_ADMIN", &[k1, k2]).await;
    let org2 = app.client_user(&admin, c2, "org2@two.test", "CLIENT", &[c2_co]).await;
    let k1only = app.client_user(&admin, c1, "k1@one.test", "CLIENT", &[k1]).await;
    let gone = app.client_user(&admin, c1, "gone@one.test", "CLIENT", &[k1, k2]).await;
    let gone_member = app.membership_id("gone@one.test").await;
    admin.remove_client_member(c1, gone_member).await;

    let mut ids = HashMap::new();
    ids.insert("C1", c1.to_string());
    ids.insert("C2", c2.to_string());
    ids.insert("C3", c3.to_string());
    ids.insert("K1", k1.to_string());
    ids.insert("K2", k2.to_string());
    let in_k1 = Scope { provider: provider_a, client: c1, company: k1 };
    let in_k2 = Scope { company: k2, ..in_k1 };
    let in_c2 = Scope { provider: provider_a, client: c2, company: c2_co };
    let in_b = Scope { provider: provider_b, client: c3, company: c3_co };
    ids.insert("job_k1", job(&app, in_k1, "Job in K1", true).await);
    ids.insert("job_k2", job(&app, in_k2, "Job in K2", true).await);
    ids.insert("job_open", job(&app, in_k1, "Job still open", false).await);
    ids.insert("job_c2", job(&app, in_c2, "Job of C2", true).await);
    ids.insert("job_b", job(&app, in_b, "Job of provider B", true).await);
    ids.insert("cap_k1", capture(&app, in_k1, "Capture in K1").await);
    ids.insert("cap_k2", capture(&app, in_k2, "Capture in K2").await);
    ids.insert("cap_c2", capture(&app, in_c2, "Capture of C2").await);
    ids.insert("cap_b", capture(&app, in_b, "Capture of provider B").await);

    // Each actor's own victims, for the menu actions that change or remove what they act on:
    // `{member@}` in the matrix is this actor's, so one actor's removal is not the next one's 404.
    for actor in ACTORS {
        ids.insert(leak(format!("member@{actor}")), victim_member(&app, in_k1, actor).await);
        ids.insert(leak(format!("inv@{actor}")), victim_invitation(&app, in_k1, "client", actor).await);
        ids.insert(leak(format!("staff@{actor}")), victim_staff(&app, in_k1, actor).await);
        ids.insert(leak(format!("sinv@{actor}")), victim_invitation(&app, in_k1, "staff", actor).await);
        let second = format!("second.{actor}");
        ids.insert(leak(format!("inv2@{actor}")), victim_invitation(&app, in_k1, "client", &second).await);
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
async fn victim_member(app: &TestApp, in_k1: Scope, actor: &str) -> String {
    let membership = uuid::Uuid::new_v4().to_string();
    app.seed(
        "WITH u AS (INSERT INTO users (id, email, display_name) VALUES (gen_random_uuid(), $5, 'Victim') RETURNING id),
              m AS (INSERT INTO client_memberships (id, provider_id, client_id, user_id, role)
                    SELECT $4::uuid, $1, $2, id, 'CLIENT' FROM u RETURNING id)
         INSERT INTO client_membership_companies (membership_id, client_id, company_id) SELECT id, $2, $3 FROM m",
        in_k1,
        &[&membership, &format!("member.{actor}@victims.test")],
    )
    .await;
    membership
}

/// A pending invitation for `actor` to act on: `kind` "client" is to C1 scoped to K1, "staff"
/// to the provider's staff as a USER.
async fn victim_invitation(app: &TestApp, in_k1: Scope, kind: &str, actor: &str) -> String {
    let id = uuid::Uuid::new_v4().to_string();
    let sql = match kind {
        "client" => {
            "WITH i AS (
               INSERT INTO invitations (id, provider_id, client_id, email, client_role, token_hash, expires_at)
               VALUES ($4::uuid, $1, $2, $5, 'CLIENT', sha256($5::bytea), now() + interval '7 days') RETURNING id)
             INSERT INTO invitation_companies (invitation_id, client_id, company_id) SELECT id, $2, $3 FROM i"
        }
        _ => {
            "INSERT INTO invitations (id, provider_id, email, staff_role, token_hash, expires_at)
             VALUES ($4::uuid, $1, $5, 'USER', sha256($5::bytea), now() + interval '7 days')"
        }
    };
    app.seed(sql, in_k1, &[&id, &format!("{kind}.invite.{actor}@victims.test")]).await;
    id
}

/// A staff USER of the provider, assigned to C1.
async fn victim_staff(app: &TestApp, in_c1: Scope, actor: &str) -> String {
    let user = uuid::Uuid::new_v4().to_string();
    app.seed(
        "WITH u AS (INSERT INTO users (id, email, display_name) VALUES ($4::uuid, $5, 'Victim') RETURNING id),
              m AS (INSERT INTO staff_memberships (id, provider_id, user_id, role)
                    SELECT gen_random_uuid(), $1, id, 'USER' FROM u RETURNING user_id)
         INSERT INTO staff_assignments (provider_id, client_id, user_id) SELECT $1, $2, user_id FROM m",
        in_c1,
        &[&user, &format!("staff.{actor}@victims.test")],
    )
    .await;
    user
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
