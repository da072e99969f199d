//! An audit log staff can read (issue 12 item 6): sentences, filters by person, action, client
//! and date, pages that keep the filters, and a CSV of the same selection.

use reqwest::StatusCode;
use sqlx::PgPool;

use crate::helpers::{spawn_app, Host};

#[sqlx::test]
async fn the_audit_log_reads_as_sentences_and_filters_pages_and_downloads(db: PgPool) {
    let app = spawn_app(db).await;
    let (staff, globex) = app.acme_with_globex().await;
    let initech = app.new_client(&staff, "Initech").await;
    let globex_co = app.company_id(globex, "Globex").await.to_string();
    let initech_co = app.company_id(initech, "Initech").await.to_string();
    app.share(&staff, globex, &[("email", "carol@globex.test"), ("companies", &globex_co)]).await;
    app.share(&staff, initech, &[("email", "dan@initech.test"), ("companies", &initech_co)]).await;

    let all = staff.get(Host::Staff, "/audit").await;
    assert_eq!(all.status, StatusCode::OK);
    for sentence in [
        "Ada Admin invited carol@globex.test as Client to Globex (Globex)",
        "Ada Admin invited dan@initech.test as Client to Initech (Initech)",
        "Ada Admin added the client Initech",
        "ada@acme.test accepted the invitation to Acme IT",
    ] {
        assert!(all.contains(sentence), "{sentence}\n{}", all.body);
    }
    let main = &all.body[all.body.find("<main").unwrap()..];
    assert!(!main.contains("{&quot;") && !main.contains("invitation.sent"), "no JSON or codes: {main}");
    assert!(!main.contains(&initech_co) && !main.contains(&format!(">{globex}<")), "no ids shown");

    let by_client = staff.get(Host::Staff, &format!("/audit?client={globex}")).await;
    assert!(
        by_client.contains("carol@globex.test") && !by_client.contains("dan@initech.test"),
        "{}",
        by_client.body
    );
    let by_person = staff.get(Host::Staff, "/audit?person=DAN@initech").await;
    assert!(by_person.contains("dan@initech.test") && !by_person.contains("carol@globex.test"));
    let by_kind = staff.get(Host::Staff, "/audit?kind=clients").await;
    assert!(by_kind.contains("Ada Admin added the client Initech") && !by_kind.contains("invited"));
    let tomorrow = (time::OffsetDateTime::now_utc().date() + time::Duration::days(1)).to_string();
    let later = staff.get(Host::Staff, &format!("/audit?from={tomorrow}")).await;
    assert!(later.contains("No events match these filters."), "{}", later.body);
    for bad in
        ["/audit?from=yesterday", "/audit?to=9999-12-31", "/audit?client=globex", "/audit?kind=everything"]
    {
        let refused = staff.get(Host::Staff, bad).await;
        assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{bad}");
    }

    // The CSV holds the same selection.
    let csv = staff.client.get(format!("{}/audit.csv?client={globex}", app.staff_url)).send().await.unwrap();
    assert_eq!(csv.status(), StatusCode::OK);
    assert!(csv.headers()["content-type"].to_str().unwrap().starts_with("text/csv"));
    let body = csv.text().await.unwrap();
    assert!(body.starts_with("time (UTC),who,event,action,subject\n"), "{body}");
    assert!(body.contains("Ada Admin invited carol@globex.test as Client to Globex (Globex)"));
    assert!(!body.contains("dan@initech.test"));

    // Pages of 50, newest first; Older events keeps the filter.
    let path = format!("/clients/{initech}/companies");
    for n in 0..55 {
        let added = staff.post(Host::Staff, &path, &path, &[("name", &format!("Site {n:02}"))]).await;
        assert_eq!(added.status, StatusCode::SEE_OTHER);
    }
    let first = staff.get(Host::Staff, "/audit?kind=clients").await;
    assert!(first.contains("Ada Admin added the company Site 54 to Initech"));
    assert!(!first.contains("Site 03 "), "older events are on the next page");
    let marker = "/audit?kind=clients&amp;before=";
    let at = first.body.find(marker).unwrap_or_else(|| panic!("no Older events link:\n{}", first.body));
    let before: String = first.body[at + marker.len()..].chars().take_while(char::is_ascii_digit).collect();
    let second = staff.get(Host::Staff, &format!("/audit?kind=clients&before={before}")).await;
    assert!(second.contains("Ada Admin added the company Site 00 to Initech"), "{}", second.body);
    assert!(second.contains("Ada Admin added the client Initech") && !second.contains("invited"));
}
