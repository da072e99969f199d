//! What clients see, created by staff: jobs, map captures, the assessment, Export Summary.

use reqwest::multipart::{Form, Part};
use reqwest::StatusCode;
use sqlx::PgPool;

use crate::helpers::{assert_is_redirect_to, Globex, Host};

/// A real picture, 640 x 480, as a PNG.
fn png() -> Vec<u8> {
    let picture =
        image::RgbImage::from_fn(640, 480, |x, y| image::Rgb([(x % 256) as u8, (y % 256) as u8, 90]));
    let mut out = Vec::new();
    picture.write_to(&mut std::io::Cursor::new(&mut out), image::ImageFormat::Png).unwrap();
    out
}

/// Answers assessment questions in the portal, as a client does on the Assessment page.
async fn answer(client: &crate::helpers::Agent, answers: &[(&str, &str)]) -> crate::helpers::Page {
    client.post(Host::Portal, "/assessment", "/assessment", answers).await
}

/// A form's fields, as the upload posts them.
type Fields<'a> = [(&'a str, &'a str)];

/// Staff's ways of making content, through the pages.
impl Globex {
    /// Creates a job through the staff pages and moves it to `status`; returns its id.
    async fn job(
        &self,
        company: uuid::Uuid,
        title: &str,
        status: &str,
        summary: &str,
        notes: &str,
    ) -> uuid::Uuid {
        let path = format!("/clients/{}/jobs", self.client);
        let created = self
            .staff
            .post(Host::Staff, &path, &path, &[("company", &company.to_string()), ("title", title)])
            .await;
        assert_eq!(created.status, StatusCode::SEE_OTHER, "{}", created.body);
        let job_path = created.location.unwrap();
        let saved = self
            .staff
            .post(
                Host::Staff,
                &job_path,
                &job_path,
                &[("status", status), ("summary", summary), ("staff_notes", notes)],
            )
            .await;
        assert_is_redirect_to(&saved, &job_path);
        job_path.rsplit('/').next().unwrap().parse().unwrap()
    }

    async fn upload(&self, fields: &[(&str, &str)], photo: Option<&[u8]>) -> crate::helpers::Page {
        let path = format!("/clients/{}/captures", self.client);
        let page = self.staff.get(Host::Staff, &path).await;
        let mut form = Form::new().text("csrf", page.csrf());
        for (k, v) in fields {
            form = form.text(k.to_string(), v.to_string());
        }
        if let Some(bytes) = photo {
            form = form.part(
                "photo",
                Part::bytes(bytes.to_vec()).file_name("photo.png").mime_str("image/png").unwrap(),
            );
        }
        let response = self
            .staff
            .client
            .post(format!("{}{path}", self.app.staff_url))
            .multipart(form)
            .send()
            .await
            .unwrap();
        let status = response.status();
        let location = response.headers().get("location").map(|v| v.to_str().unwrap().to_string());
        let headers = response.headers().clone();
        crate::helpers::Page { status, location, headers, body: response.text().await.unwrap() }
    }
}

#[sqlx::test]
async fn clients_see_completed_jobs_in_scope_with_their_summary_and_never_staff_notes(db: PgPool) {
    let (s, k2) = Globex::with_south(db).await;
    let done = s
        .job(s.company, "Firewall replacement", "COMPLETED", "New firewall in place.", "Secret margin 40%")
        .await;
    s.job(s.company, "MFA roll-out", "IN_PROGRESS", "Half done", "").await;
    s.job(k2, "Camera install", "COMPLETED", "Cameras on.", "").await;
    let carol = s.client_user("carol@globex.test", "CLIENT").await;

    let jobs = carol.get(Host::Portal, "/jobs").await;
    assert!(jobs.contains("Firewall replacement") && jobs.contains("New firewall in place."));
    assert!(!jobs.contains("MFA roll-out"), "unfinished work is never shown");
    assert!(!jobs.contains("Camera install"), "another company's work is never shown");
    assert!(!jobs.contains("Secret margin"));
    let detail = carol.get(Host::Portal, &format!("/jobs/{done}")).await;
    assert_eq!(detail.status, StatusCode::OK);
    assert!(!detail.contains("Secret margin"));

    // Staff see the notes, and reopening a job hides it again.
    let staff_view = s.staff.get(Host::Staff, &format!("/clients/{}/jobs/{done}", s.client)).await;
    assert!(staff_view.contains("Secret margin 40%"));
    let path = format!("/clients/{}/jobs/{done}", s.client);
    s.staff
        .post(Host::Staff, &path, &path, &[("status", "IN_PROGRESS"), ("summary", "x"), ("staff_notes", "")])
        .await;
    assert_eq!(carol.get(Host::Portal, &format!("/jobs/{done}")).await.status, StatusCode::NOT_FOUND);
    let bad = s.staff.post(Host::Staff, &path, &path, &[("status", "DONE")]).await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
}

#[sqlx::test]
async fn completed_jobs_are_newest_first_and_paginated(db: PgPool) {
    let (s, k2) = Globex::with_south(db).await;
    let scope = s.app.scope(s.client, s.company).await;
    s.app.seed(
        "INSERT INTO jobs (id, provider_id, client_id, company_id, title, status, completed_at)
         SELECT gen_random_uuid(), $1, $2, CASE WHEN n % 2 = 0 THEN $3 ELSE $4::uuid END, 'Job number ' || lpad(n::text, 2, '0'),
                'COMPLETED', now() - make_interval(hours => n)
         FROM generate_series(1, 45) n",
        scope,
        &[&k2.to_string()],
    )
    .await;
    let carol = s.app.client_user(&s.staff, s.client, "carol@globex.test", "CLIENT", &[s.company, k2]).await;
    let first = carol.get(Host::Portal, "/jobs").await;
    assert_eq!(first.body.matches("Job number").count(), 20);
    assert!(first.body.find("Job number 01").unwrap() < first.body.find("Job number 02").unwrap());
    assert!(first.contains("Page 1") && first.contains("href=\"/jobs?page=2\""));
    let third = carol.get(Host::Portal, "/jobs?page=3").await;
    assert_eq!(third.body.matches("Job number").count(), 5);
    assert!(third.contains("Job number 45") && !third.contains("rel=\"next\""));
    // The company filter narrows the list; the filter only offers companies in scope.
    let south = carol.get(Host::Portal, &format!("/jobs?company={}", k2)).await;
    assert_eq!(south.body.matches("Job number").count(), 20);
    let south2 = carol.get(Host::Portal, &format!("/jobs?company={}&page=2", k2)).await;
    assert_eq!(south2.body.matches("Job number").count(), 3, "23 jobs in the south");
    assert!(
        south.contains(&format!("href=\"/jobs?company={}&#38;page=2\"", k2)),
        "the next page keeps the filter"
    );
    assert!(!south.contains("Job number 02"));
}

#[sqlx::test]
async fn map_captures_are_validated_stored_and_served_only_inside_the_scope(db: PgPool) {
    let (s, k2) = Globex::with_south(db).await;
    let k1 = s.company.to_string();
    let elsewhere = uuid::Uuid::new_v4().to_string();
    let london = [("company", k1.as_str()), ("latitude", "51.5"), ("longitude", "-0.12")];
    // Each refusal: the fields, the photo, and the words that say why.
    let refusals: [(&Fields, Option<&[u8]>, &str); 4] = [
        (
            &[("company", k1.as_str()), ("latitude", "91"), ("longitude", "0")],
            None,
            "Latitude must be between -90 and 90",
        ),
        (&london, Some(b"<svg onload=alert(1)>"), "The photo must be a PNG or JPEG image"),
        (
            &london,
            Some(b"\x89PNG\r\n\x1a\n<script>alert(1)</script>"),
            "The photo could not be read as a PNG or JPEG image",
        ),
        (
            &[("company", elsewhere.as_str()), ("latitude", "1"), ("longitude", "1")],
            None,
            "Choose a company of this client",
        ),
    ];
    for (fields, photo, why) in refusals {
        let refused = s.upload(fields, photo).await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{why}");
        assert!(refused.contains(why), "{why}: {}", refused.body);
    }
    assert_eq!(s.app.count("SELECT count(*) FROM captures").await, 0);

    let ok = s
        .upload(
            &[
                ("company", &k1),
                ("latitude", "51.5072"),
                ("longitude", "-0.1276"),
                ("caption", "Server room"),
                ("captured_at", "2026-11-20T10:30"),
            ],
            Some(&png()),
        )
        .await;
    assert_is_redirect_to(&ok, &format!("/clients/{}/captures", s.client));
    let south = s
        .upload(
            &[
                ("company", &k2.to_string()),
                ("latitude", "50"),
                ("longitude", "1"),
                ("caption", "South gate"),
            ],
            Some(&png()),
        )
        .await;
    assert_eq!(south.status, StatusCode::SEE_OTHER);

    let carol = s.client_user("carol@globex.test", "CLIENT").await;
    let list = carol.get(Host::Portal, "/captures").await;
    assert!(list.contains("Server room") && list.contains("51.507200, -0.127600"));
    assert!(list.contains("https://www.openstreetmap.org/?mlat=51.507200&#38;mlon=-0.127600"));
    assert!(!list.contains("South gate"));
    let id = s.app.id_of("SELECT id FROM captures WHERE caption = 'Server room'").await;
    let south_id = s.app.id_of("SELECT id FROM captures WHERE caption = 'South gate'").await;
    let photo = carol.client.get(format!("{}/captures/{id}/photo", s.app.portal_url)).send().await.unwrap();
    assert_eq!(photo.status(), StatusCode::OK);
    assert_eq!(photo.headers()["content-type"], "image/png");
    assert_eq!(photo.headers()["x-content-type-options"], "nosniff");
    assert_eq!(photo.bytes().await.unwrap().as_ref(), png().as_slice());
    // Lists and the map show the thumbnail, made on upload: a small JPEG through the same check.
    assert!(list.contains(&format!("/captures/{id}/thumbnail")), "{}", list.body);
    let thumb =
        carol.client.get(format!("{}/captures/{id}/thumbnail", s.app.portal_url)).send().await.unwrap();
    assert_eq!(thumb.status(), StatusCode::OK);
    assert_eq!(thumb.headers()["content-type"], "image/jpeg");
    let thumb = image::load_from_memory(&thumb.bytes().await.unwrap()).unwrap();
    assert_eq!((thumb.width(), thumb.height()), (320, 240));
    assert_eq!(
        carol.get(Host::Portal, &format!("/captures/{south_id}/thumbnail")).await.status,
        StatusCode::NOT_FOUND
    );
    let staff_thumb = format!("/clients/{}/captures/{south_id}/thumbnail", s.client);
    assert_eq!(s.staff.get(Host::Staff, &staff_thumb).await.status, StatusCode::OK);
    // The capture's own page shows the photo itself, larger.
    let page = carol.get(Host::Portal, &format!("/captures/{id}")).await;
    assert!(page.contains(&format!("<img src=\"/captures/{id}/photo\"")), "{}", page.body);
    assert_eq!(
        carol.get(Host::Portal, &format!("/captures/{south_id}/photo")).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        s.app.agent().get(Host::Portal, &format!("/captures/{id}/photo")).await.status,
        StatusCode::SEE_OTHER
    );
}

#[sqlx::test]
async fn a_category_shows_na_until_answered_and_then_a_score(db: PgPool) {
    let s = Globex::start(db).await;
    let carol = s.client_user("carol@globex.test", "CLIENT").await;
    let home = carol.get(Host::Portal, "/").await;
    assert_eq!(home.body.matches(">N/A<").count(), 9, "eight categories and the overall score");
    for category in [
        "Multi-Factor Authentication",
        "Privileged Access Management",
        "Endpoint Detection &#38; Response",
        "Security Logging",
        "Third Party Risk",
        "Incident Response Planning",
        "Cyber Procedures",
        "Backups",
    ] {
        assert!(home.contains(category), "{category}");
    }

    let partial = answer(&carol, &[("answer.mfa.email", "YES"), ("answer.mfa.remote", "YES")]).await;
    assert_is_redirect_to(&partial, "/assessment");
    assert_eq!(
        carol.get(Host::Portal, "/").await.body.matches(">N/A<").count(),
        9,
        "one unanswered question keeps N/A"
    );
    answer(&carol, &[("answer.mfa.admin", "PARTIAL")]).await;
    let home = carol.get(Host::Portal, "/").await;
    assert_eq!(home.body.matches(">N/A<").count(), 7);
    assert!(home.contains("<td class=\"score\">83</td>"), "(100 + 100 + 50) / 3");
    // The chart draws the same: a bar 83% of the scale, N/A as an outline, distinct from a 0.
    assert!(home.contains("role=\"img\"") && home.contains("Multi-Factor Authentication 83,"));
    assert!(home.contains("<rect class=\"bar score\" x=\"250\" y=\"14\" width=\"249\""), "{}", home.body);
    assert_eq!(home.body.matches("class=\"bar-na\"").count(), 7);

    // Staff answer too, and see who answered what.
    let path = format!("/clients/{}/assessment", s.client);
    let staff_answer = s
        .staff
        .post(
            Host::Staff,
            &path,
            &path,
            &[
                ("answer.backups.offsite", "NO"),
                ("answer.backups.tested", "NO"),
                ("answer.backups.coverage", "NO"),
            ],
        )
        .await;
    assert_is_redirect_to(&staff_answer, &path);
    let staff_view = s.staff.get(Host::Staff, &path).await;
    assert!(staff_view.contains("Answered by Client Person") && staff_view.contains("Answered by Ada Admin"));
    let home = carol.get(Host::Portal, "/").await;
    assert!(
        home.contains("<td class=\"score\">0</td>") && home.contains("<td class=\"score\">42</td>"),
        "overall (83 + 0) / 2"
    );
    assert!(
        home.contains("<rect class=\"bar score\" x=\"250\" y=\"224\" width=\"0\""),
        "Backups: 0 is a bar of no width"
    );
    assert_eq!(home.body.matches("class=\"bar-na\"").count(), 6);
    let export = carol.get(Host::Portal, "/export").await;
    assert!(export.contains("<svg") && export.contains("Overall 42"), "Export Summary prints the chart");
    assert!(carol.get(Host::Portal, "/assessment").await.contains("<svg"));

    // Nonsense is refused and nothing is written.
    let before = s.app.count("SELECT count(*) FROM assessment_answers").await;
    let bad = answer(&carol, &[("answer.mfa.email", "MAYBE")]).await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    let unknown = answer(&carol, &[("answer.made.up", "YES")]).await;
    assert_eq!(unknown.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(s.app.count("SELECT count(*) FROM assessment_answers").await, before);
    let who: String = sqlx::query_scalar("SELECT u.email FROM assessment_answers a JOIN users u ON u.id = a.answered_by WHERE a.question = 'mfa.email'").fetch_one(&s.app.db).await.unwrap();
    assert_eq!(who, "carol@globex.test");
}

#[sqlx::test]
async fn export_summary_holds_exactly_the_viewers_scope(db: PgPool) {
    let (s, k2) = Globex::with_south(db).await;
    s.job(s.company, "Firewall replacement", "COMPLETED", "New firewall.", "internal").await;
    s.job(k2, "Camera install", "COMPLETED", "=HYPERLINK(\"x\")", "").await;
    let carol = s.client_user("carol@globex.test", "CLIENT").await;
    answer(&carol, &[("answer.mfa.email", "YES"), ("answer.mfa.remote", "YES"), ("answer.mfa.admin", "YES")])
        .await;

    let page = carol.get(Host::Portal, "/export").await;
    assert_eq!(page.status, StatusCode::OK);
    page.assert_shows(&["Summary: Globex", "Firewall replacement", "Download CSV"]);
    assert!(!page.contains("Camera install"));
    let csv = carol.client.get(format!("{}/export.csv", s.app.portal_url)).send().await.unwrap();
    assert_eq!(csv.headers()["content-type"], "text/csv; charset=utf-8");
    assert!(csv.headers()["content-disposition"].to_str().unwrap().starts_with("attachment"));
    let csv = csv.text().await.unwrap();
    assert!(csv.contains("\"score\",\"Globex\",\"\",\"Multi-Factor Authentication\",\"100\""));
    assert!(csv.contains("\"score\",\"Globex\",\"\",\"Backups\",\"N/A\""));
    assert!(
        csv.contains("Firewall replacement") && !csv.contains("Camera install") && !csv.contains("internal")
    );

    // Staff export the whole client, with formulas defused.
    let staff_csv = s
        .staff
        .client
        .get(format!("{}/clients/{}/export.csv", s.app.staff_url, s.client))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(staff_csv.contains("Firewall replacement") && staff_csv.contains("Camera install"));
    assert!(staff_csv.contains("\"'=HYPERLINK(\"\"x\"\")\""));
}

#[sqlx::test]
async fn the_portal_home_shows_the_organisation_and_filters_by_company(db: PgPool) {
    let (s, k2) = Globex::with_south(db).await;
    s.job(s.company, "Firewall replacement", "COMPLETED", "Done.", "").await;
    s.job(k2, "Camera install", "COMPLETED", "Done.", "").await;
    let both = s.app.client_user(&s.staff, s.client, "both@globex.test", "CLIENT", &[s.company, k2]).await;
    let one = s.client_user("one@globex.test", "CLIENT").await;
    let home = both.get(Host::Portal, "/").await;
    assert!(
        home.contains("<h1>Globex</h1>")
            && home.contains("Firewall replacement")
            && home.contains("Camera install")
    );
    assert!(home.contains("All my companies"), "a company filter when the scope holds several");
    let filtered = both.get(Host::Portal, &format!("/?company={}", k2)).await;
    assert!(filtered.contains("Camera install") && !filtered.contains("Firewall replacement"));
    let single = one.get(Host::Portal, "/").await;
    assert!(!single.contains("All my companies") && !single.contains("Globex South"));
    assert_eq!(one.get(Host::Portal, "/?company=junk").await.status, StatusCode::NOT_FOUND);
}

#[sqlx::test]
async fn a_job_page_lists_its_captures_however_many_newer_ones_its_company_has(db: PgPool) {
    let s = Globex::start(db).await;
    let old_job = s.job(s.company, "Survey of the old depot", "COMPLETED", "Done.", "").await;
    // The job's one capture, then 250 newer captures of the same company on no job.
    let scope = s.app.scope(s.client, s.company).await;
    s.app.seed(
        "INSERT INTO captures (id, provider_id, client_id, company_id, job_id, latitude, longitude, caption, captured_at)
         SELECT gen_random_uuid(), $1, $2, $3, CASE WHEN n = 0 THEN $4::uuid END, 51.5, -0.1,
                CASE WHEN n = 0 THEN 'Old depot gate' ELSE 'Newer capture ' || n END,
                now() - interval '300 days' + make_interval(days => n)
         FROM generate_series(0, 250) n",
        scope,
        &[&old_job.to_string()],
    )
    .await;
    let carol = s.client_user("carol@globex.test", "CLIENT").await;
    let page = carol.get(Host::Portal, &format!("/jobs/{old_job}")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.contains("Old depot gate"), "the job's own capture is listed");
    assert!(!page.contains("Newer capture"), "captures of no job are not");
}

#[sqlx::test]
async fn a_capture_can_be_added_to_a_job_older_than_the_picker_lists(db: PgPool) {
    let (s, k2) = Globex::with_south(db).await;
    let scope = s.app.scope(s.client, k2).await;
    s.app
        .seed(
            "INSERT INTO jobs (id, provider_id, client_id, company_id, title, status, created_at)
         SELECT gen_random_uuid(), $1, $2, $3, 'Job ' || n, 'IN_PROGRESS', now() - make_interval(hours => n)
         FROM generate_series(1, 501) n",
            scope,
            &[],
        )
        .await;
    let oldest = s.app.id_of("SELECT id FROM jobs WHERE title = 'Job 501'").await;
    let tab = s.staff.get(Host::Staff, &format!("/clients/{}/captures", s.client)).await;
    assert!(!tab.contains(&oldest.to_string()), "the picker lists the newest 500");
    assert!(tab.contains("The 500 most recent jobs are listed"), "and says so");
    let job_page = s.staff.get(Host::Staff, &format!("/clients/{}/jobs/{oldest}", s.client)).await;
    let link = format!("/clients/{}/captures?job={oldest}#add-capture", s.client);
    assert!(job_page.contains(&format!("href=\"{link}\"")), "{}", job_page.body);
    let form = s.staff.get(Host::Staff, &link).await;
    assert!(form.contains(&format!("<option value=\"{oldest}\" selected>Job 501 (Globex South)")));
    assert!(form.contains(&format!("<option value=\"{}\" selected>Globex South", k2)));
    let added = s
        .upload(
            &[
                ("company", &k2.to_string()),
                ("job", &oldest.to_string()),
                ("latitude", "51.5"),
                ("longitude", "-0.1"),
                ("caption", "Gate"),
            ],
            None,
        )
        .await;
    assert_eq!(added.status, StatusCode::SEE_OTHER, "{}", added.body);
    assert_eq!(s.app.count(&format!("SELECT count(*) FROM captures WHERE job_id = '{oldest}'")).await, 1);
}

#[sqlx::test]
async fn export_summary_prints_dates_as_dates(db: PgPool) {
    let s = Globex::start(db).await;
    s.job(s.company, "Firewall replacement", "COMPLETED", "Done.", "").await;
    let carol = s.client_user("carol@globex.test", "CLIENT").await;
    let export = carol.get(Host::Portal, "/export").await;
    let row = &export.body[export.body.find("Firewall replacement").unwrap()..];
    let row = &row[..row.find("</tr>").unwrap()];
    assert!(row.contains(" UTC</time>") && !row.contains("just now") && !row.contains(" ago"), "{row}");
    // The portal's own list keeps words.
    assert!(carol.get(Host::Portal, "/jobs").await.contains("just now"));
}

#[sqlx::test]
async fn photos_stored_before_thumbnails_get_theirs(db: PgPool) {
    let s = Globex::start(db).await;
    let ok = s
        .upload(&[("company", &s.company.to_string()), ("latitude", "51"), ("longitude", "0")], Some(&png()))
        .await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER);
    sqlx::query("UPDATE captures SET thumbnail = NULL").execute(&s.app.db).await.unwrap();
    let without = "SELECT count(*) FROM captures WHERE thumbnail IS NULL";
    assert_eq!(s.app.count(without).await, 1);
    let staff_list = s.staff.get(Host::Staff, &format!("/clients/{}/captures", s.client)).await;
    assert!(staff_list.contains("/photo\" alt="), "without a thumbnail the list shows the photo");
    portico::content::make_missing_thumbnails(s.app.db.clone()).await;
    assert_eq!(s.app.count(without).await, 0);
}
