//! The provider's brand (issue 12 item 7): an ADMIN sets a name, a logo and an accent colour in
//! Settings; the portal, its sign-in and invitation pages and the emails wear it; what would be
//! unreadable or is not a picture is refused, and nothing is written then.

use reqwest::multipart::{Form, Part};
use reqwest::StatusCode;
use sqlx::PgPool;

use crate::helpers::{assert_is_redirect_to, spawn_app, Agent, Host, Page, TestApp};

/// A real logo, 600 x 200 (wider than kept, so it is scaled down), as a PNG.
fn logo_png() -> Vec<u8> {
    let logo = image::RgbaImage::from_fn(600, 200, |x, _| image::Rgba([11, 110, (x % 200) as u8, 255]));
    let mut out = Vec::new();
    logo.write_to(&mut std::io::Cursor::new(&mut out), image::ImageFormat::Png).unwrap();
    out
}

async fn save(app: &TestApp, admin: &Agent, name: &str, accent: &str, logo: Option<Vec<u8>>) -> Page {
    let csrf = admin.get(Host::Staff, "/settings/brand").await.csrf();
    let mut form =
        Form::new().text("csrf", csrf).text("name", name.to_string()).text("accent", accent.to_string());
    if let Some(bytes) = logo {
        form = form.part("logo", Part::bytes(bytes).file_name("logo.png").mime_str("image/png").unwrap());
    }
    let response =
        admin.client.post(format!("{}/settings/brand", app.staff_url)).multipart(form).send().await.unwrap();
    Page::from_response(response).await
}

#[sqlx::test]
async fn the_portal_its_sign_in_invitations_and_emails_wear_the_providers_brand(db: PgPool) {
    let app = spawn_app(db).await;
    let (admin, client) = app.acme_with_globex().await;
    let provider = app.id_of("SELECT id FROM providers WHERE name = 'Acme IT'").await;
    let page = admin.get(Host::Staff, "/settings/brand").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.contains("Settings → Portal brand") && page.contains("Acme IT"), "{}", page.body);

    let saved = save(&app, &admin, "Acme Care", "#0B6E4F", Some(logo_png())).await;
    assert_is_redirect_to(&saved, "/settings/brand");
    let stored: (Option<String>, Option<String>, i32, Vec<u8>) =
        sqlx::query_as("SELECT brand_name, accent_colour, brand_version, logo FROM providers WHERE id = $1")
            .bind(provider)
            .fetch_one(&app.db)
            .await
            .unwrap();
    assert_eq!((stored.0.as_deref(), stored.1.as_deref(), stored.2), (Some("Acme Care"), Some("#0b6e4f"), 1));
    let kept = image::load_from_memory_with_format(&stored.3, image::ImageFormat::Png).unwrap();
    assert_eq!((kept.width(), kept.height()), (480, 160), "scaled down to a header's size");
    assert_eq!(app.count("SELECT count(*) FROM audit_events WHERE action = 'brand.changed'").await, 1);
    let audit = admin.get(Host::Staff, "/audit").await;
    assert!(
        audit.contains("set the portal&#39;s brand: the name Acme Care, the accent #0b6e4f, a new logo")
            || audit.contains("set the portal's brand: the name Acme Care, the accent #0b6e4f, a new logo"),
        "{}",
        audit.body
    );

    // The portal wears it: the name in the header and the title, the logo, the colour.
    let company = app.company_id(client, "Globex").await;
    let carol = app.client_user(&admin, client, "carol@globex.test", "CLIENT", &[company]).await;
    let home = carol.get(Host::Portal, "/").await;
    let css = format!("/brand/{provider}/1/accent.css");
    let logo = format!("/brand/{provider}/1/logo.png");
    assert!(home.contains(&format!("<link rel=\"stylesheet\" href=\"{css}\">")), "{}", home.body);
    assert!(home.contains(&format!("<img src=\"{logo}\"")));
    assert!(home.contains("Acme Care client portal</title>"));
    // Its pictures are public (the sign-in page shows them) and kept for good at their address.
    let anon = app.agent();
    let sheet = anon.client.get(format!("{}{css}", app.portal_url)).send().await.unwrap();
    assert_eq!(sheet.headers()["cache-control"], "public, max-age=31536000, immutable");
    assert_eq!(sheet.text().await.unwrap(), ":root { --accent: #0b6e4f; }\n");
    let picture = anon.client.get(format!("{}{logo}", app.portal_url)).send().await.unwrap();
    assert_eq!(picture.headers()["content-type"], "image/png");
    assert_eq!(picture.bytes().await.unwrap().as_ref(), stored.3.as_slice());

    // Signing out leads to a sign-in page that still says whose portal this is.
    assert!(home.contains("<input type=\"hidden\" name=\"brand\" value=\"acme-it\">"), "Sign out carries it");
    let out = carol.post(Host::Portal, "/", "/logout", &[("brand", "acme-it")]).await;
    assert_is_redirect_to(&out, "/login?signed_out=1&brand=acme-it");
    let login = carol.get(Host::Portal, "/login?signed_out=1&brand=acme-it").await;
    assert!(
        login.contains("Sign in to the Acme Care client portal") && login.contains(&css),
        "{}",
        login.body
    );
    assert!(login.contains("You have signed out."));
    let wrong = carol
        .submit_form(
            &login,
            "/login",
            &[("email", "carol@globex.test"), ("password", "wrong"), ("brand", "acme-it")],
            Host::Portal,
        )
        .await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    assert!(wrong.contains("Sign in to the Acme Care client portal"), "a failed try keeps the brand");
    let plain = app.agent().get(Host::Portal, "/login?brand=no-such-provider").await;
    assert!(plain.contains("<h1>Sign in</h1>") && !plain.contains("Acme Care"));

    // An invitation: the email and the page it opens.
    let sent =
        app.share(&admin, client, &[("email", "dan@globex.test"), ("companies", &company.to_string())]).await;
    assert_eq!(sent.status, StatusCode::OK, "{}", sent.body);
    let email = app.smtp.first_to("dan@globex.test").await;
    assert!(
        email.subject.starts_with("Acme Care invited you to the Globex client portal"),
        "{}",
        email.subject
    );
    assert!(email.html.contains("background:#0b6e4f"), "{}", email.html);
    assert!(email.html.contains(&format!("<img src=\"{}{logo}\" alt=\"Acme Care\"", app.portal_url)));
    assert!(
        email.text.contains("client portal of Acme Care") && email.text.trim_end().ends_with("Acme Care")
    );
    let invitation = app.agent().get_url(&email.link_containing("/invite/")).await;
    assert!(invitation.contains(&css) && invitation.contains("Acme Care"), "{}", invitation.body);

    // A new logo is a new address; the old one is no longer kept by browsers.
    let again = save(&app, &admin, "Acme Care", "#0b6e4f", Some(logo_png())).await;
    assert_is_redirect_to(&again, "/settings/brand");
    let old = anon.client.get(format!("{}{logo}", app.portal_url)).send().await.unwrap();
    assert_eq!(old.headers()["cache-control"], "no-cache");
    let carol = app.agent();
    carol.sign_in(Host::Portal, "carol@globex.test", crate::helpers::PASSWORD).await;
    assert!(carol.get(Host::Portal, "/").await.contains(&format!("/brand/{provider}/2/logo.png")));
}

#[sqlx::test]
async fn an_unreadable_colour_or_a_picture_that_is_not_one_is_refused_and_nothing_is_written(db: PgPool) {
    let app = spawn_app(db).await;
    let (admin, _) = app.acme_with_globex().await;
    let unchanged = "SELECT count(*) FROM providers WHERE brand_version = 0 AND brand_name IS NULL";
    let light = save(&app, &admin, "Acme Care", "#ffdd00", None).await;
    assert_eq!(light.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(light.contains("That accent colour is too light"), "{}", light.body);
    assert!(light.contains("value=\"Acme Care\""), "the form keeps what was typed");
    let word = save(&app, &admin, "", "teal", None).await;
    assert!(word.contains("Give the accent colour as six hexadecimal digits"));
    let mut fake = b"\x89PNG\r\n\x1a\n".to_vec();
    fake.extend_from_slice(b"<svg onload=alert(1)>");
    let not_a_picture = save(&app, &admin, "", "", Some(fake)).await;
    assert_eq!(not_a_picture.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(not_a_picture.contains("The logo could not be read as a PNG or JPEG image"));
    let too_big = save(&app, &admin, "", "", Some(vec![0xFF; 1024 * 1024 + 1])).await;
    assert!(too_big.contains("The logo must be at most 1 MB"));
    assert_eq!(app.count(unchanged).await, 1);
    assert_eq!(app.count("SELECT count(*) FROM audit_events WHERE action = 'brand.changed'").await, 0);

    // A MANAGER may not change it, even by posting the form directly.
    let sent = admin.invite_staff(&[("email", "max@acme.test"), ("role", "MANAGER")]).await;
    let link = sent.invite_link();
    let max = app.agent();
    let page = max.get_url(&link).await;
    max.accept_new(&page, &link, "Max", Host::Staff).await;
    assert_eq!(max.get(Host::Staff, "/settings/brand").await.status, StatusCode::FORBIDDEN);
    let csrf = max.get(Host::Staff, "/forgot-password").await.csrf();
    let form = Form::new().text("csrf", csrf).text("name", "Hijacked").text("accent", "#000000");
    let response =
        max.client.post(format!("{}/settings/brand", app.staff_url)).multipart(form).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    assert_eq!(app.count(unchanged).await, 1);
}
