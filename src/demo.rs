//! `portico demo`: one command that fills a fresh database with a provider, staff in every role,
//! clients with companies, jobs in every status, map captures, partly answered assessments, and
//! client users in every status, then prints how to sign in as each.

use crate::db;
use crate::db::providers::LogoChange;
use crate::db::scope::ClientScope;
use crate::domain::{
    Answer, ClientKind, ClientRole, CompanyId, EmailAddress, JobStatus, Password, Photo, StaffRole, UserId,
};
use crate::invites::{self, Inviter, NewInvite, Target};
use crate::state::AppState;

pub const DEMO_PASSWORD: &str = "portico-demo-1";

pub async fn run(state: &AppState, if_empty: bool) -> anyhow::Result<()> {
    if if_empty && db::providers::count(&state.db).await? > 0 {
        println!("The database already has data; the demo seed was made before.");
        print_accounts(state, None);
        return Ok(());
    }
    let hash = state.hasher.hash(&Password::parse(DEMO_PASSWORD).expect("demo password")).await?;
    let mut tx = state.db.begin().await?;
    let (_, provider) = db::providers::create(&mut *tx, "Northwind IT").await?;
    // The brand its clients see: a green accent and a logo (Settings -> Portal brand).
    let logo = crate::images::demo_logo([0x0b, 0x6e, 0x4f]);
    db::providers::set_brand(&mut *tx, provider, None, Some("#0b6e4f"), LogoChange::Replace(&logo)).await?;
    let mut staff_ids = Vec::new();
    let staff = [
        ("admin@northwind.example", "Ada Admin", StaffRole::Admin),
        ("manager@northwind.example", "Max Manager", StaffRole::Manager),
        ("user@northwind.example", "Uma User", StaffRole::User),
    ];
    for (email, name, role) in staff {
        let id = person(&mut tx, email, name, &hash).await?;
        db::staff::add(&mut *tx, provider, id, role).await?;
        staff_ids.push(id);
    }
    let (admin, uma) = (staff_ids[0], staff_ids[2]);

    let globex = db::clients::create(&mut tx, provider, "Globex", Some("office@globex.example")).await?;
    let globex_hq = db::clients::companies(&mut *tx, globex).await?[0].id;
    let warehouse = db::clients::add_company(&mut *tx, globex, "Globex Warehouse").await?;
    let initech = db::clients::create(&mut tx, provider, "Initech", None).await?;
    let initech_co = db::clients::companies(&mut *tx, initech).await?[0].id;
    let care = db::clients::create(&mut tx, provider, "Umbrella Care", None).await?;
    db::clients::set_declined(&mut *tx, care, Some(admin), Some("Prefers a printed report each quarter"))
        .await?;
    db::clients::assign(&mut *tx, globex, uma).await?;

    let jobs = [
        (globex, globex_hq, "Firewall replacement", JobStatus::Completed, 20),
        (globex, globex_hq, "Quarterly patching", JobStatus::Completed, 6),
        (globex, globex_hq, "MFA roll-out", JobStatus::InProgress, 0),
        (globex, warehouse, "Wi-Fi survey", JobStatus::Completed, 3),
        (globex, warehouse, "Camera install", JobStatus::Scheduled, 0),
        (initech, initech_co, "Backup restore test", JobStatus::Completed, 10),
    ];
    for (client, company, title, status, days_ago) in jobs {
        job(&mut tx, client, company, title, status, days_ago, admin).await?;
    }
    let captures = [
        (globex, globex_hq, 51.5072, -0.1276, "Server room, rack 2"),
        (globex, warehouse, 51.4543, -0.9781, "Loading bay access point"),
        (initech, initech_co, 53.4808, -2.2426, "Comms cabinet"),
    ];
    for (seed, (client, company, latitude, longitude, caption)) in (1..).zip(captures) {
        // A picture of a landscape, drawn for the demo, so each capture has a photo to look at.
        let photo = Photo::parse(crate::images::demo_photo(seed)).expect("the demo's photo decodes");
        let capture = db::content::NewCapture {
            client,
            company,
            job: None,
            latitude,
            longitude,
            caption,
            captured_at: time::OffsetDateTime::now_utc() - time::Duration::days(2),
            photo: Some(&photo),
            by: admin,
        };
        db::content::create_capture(&mut *tx, capture).await?;
    }
    let answers = [
        ("mfa.email", Answer::Yes),
        ("mfa.remote", Answer::Yes),
        ("mfa.admin", Answer::Partial),
        ("backups.offsite", Answer::Yes),
        ("backups.tested", Answer::No),
        ("backups.coverage", Answer::Yes),
        ("edr.deployed", Answer::Yes),
    ];
    db::content::save_answers(&mut *tx, globex, &answers, admin).await?;

    // Client users who have accepted.
    let carol = person(&mut tx, "client@globex.example", "Carol Client", &hash).await?;
    db::client_members::add(
        &mut tx,
        provider,
        globex.client(),
        carol,
        ClientRole::Client,
        ClientKind::Client,
        Some(admin),
        &[globex_hq],
        None,
    )
    .await?;
    let gina = person(&mut tx, "clientadmin@globex.example", "Gina Globex", &hash).await?;
    db::client_members::add(
        &mut tx,
        provider,
        globex.client(),
        gina,
        ClientRole::ClientAdmin,
        ClientKind::Client,
        Some(admin),
        &[globex_hq, warehouse],
        None,
    )
    .await?;
    // Initech's whole office: fifty people, two full pages of its Client Users tab, so paging and
    // search have something to show (and bench/million/measure a page of rows to compare).
    let first = ["Alice", "Bill", "Chen", "Dana", "Emeka", "Farah", "Gus", "Hana", "Ivan", "Joy"];
    let last = ["Lumbergh", "Bolton", "Waddams", "Smykowski", "Porter"];
    for (n, (given, family)) in first.iter().flat_map(|f| last.iter().map(move |l| (f, l))).enumerate() {
        let email = format!("{}.{}@initech.example", given.to_lowercase(), family.to_lowercase());
        let user = person(&mut tx, &email, &format!("{given} {family}"), &hash).await?;
        let role = if n == 0 { ClientRole::ClientAdmin } else { ClientRole::Client };
        db::client_members::add(
            &mut tx,
            provider,
            initech.client(),
            user,
            role,
            ClientKind::Client,
            Some(admin),
            &[initech_co],
            None,
        )
        .await?;
    }
    tx.commit().await?;

    // Invitations: one waiting, one declined, one expired, and a new staff administrator.
    let invite = |email: &str, role: ClientRole, kind: ClientKind| NewInvite {
        email: EmailAddress::parse(email).expect("demo email"),
        display_name: String::new(),
        first_name: (kind == ClientKind::Representative).then(|| "Rita".to_string()),
        last_name: (kind == ClientKind::Representative).then(|| "Representative".to_string()),
        target: Target::Client {
            client_id: globex.client(),
            role,
            kind,
            companies: vec![globex_hq],
            ends_on: None,
        },
    };
    let inviter = Inviter { provider, user_id: Some(admin), name: "Ada Admin" };
    let waiting =
        issue(state, inviter, invite("invited@globex.example", ClientRole::Client, ClientKind::Client))
            .await?;
    issue(state, inviter, invite("rep@globex.example", ClientRole::Client, ClientKind::Representative))
        .await?;
    issue(state, inviter, invite("declined@globex.example", ClientRole::Client, ClientKind::Client)).await?;
    issue(state, inviter, invite("expired@globex.example", ClientRole::ClientAdmin, ClientKind::Client))
        .await?;
    db::demo::decline_invitation(&state.db, "declined@globex.example").await?;
    db::demo::expire_invitation(&state.db, "expired@globex.example").await?;
    let new_admin =
        crate::providers::invite_first_admin(state, provider, "new.admin@northwind.example").await?;

    println!("Demo data created for provider \"Northwind IT\".");
    print_accounts(state, Some((&waiting, &new_admin)));
    Ok(())
}

/// How to sign in as each demo person; the invitation links are known only when just made (only
/// their hashes are stored), so a later start points to the mailbox that holds them.
fn print_accounts(state: &AppState, links: Option<(&str, &str)>) {
    let staff_url = state.config.staff_url.origin();
    let portal_url = state.config.portal_url.origin();
    println!("Every demo password is: {DEMO_PASSWORD}\n");
    println!("Staff app: {staff_url}/login");
    println!("  ADMIN    admin@northwind.example");
    println!("  MANAGER  manager@northwind.example");
    println!("  USER     user@northwind.example      (assigned to Globex only)");
    println!("\nClient portal: {portal_url}/login");
    println!("  Client        client@globex.example       (Globex, scoped to the Globex company)");
    println!("  Client Admin  clientadmin@globex.example  (Globex, both companies)");
    match links {
        Some((waiting, new_admin)) => {
            println!("\nInvitations waiting to be accepted:");
            println!("  client user   {waiting}");
            println!("  staff ADMIN   {new_admin}");
        }
        None if state.config.dev_mailbox => {
            println!("\nThe invitations waiting to be accepted are in the development mailbox.")
        }
        None => println!("\nThe invitation links were printed when the demo data was first made."),
    }
    if state.config.dev_mailbox {
        println!("\nEmail goes to the development mailbox: {staff_url}/dev/mail");
    }
}

async fn person(tx: &mut db::Tx<'_>, email: &str, name: &str, hash: &str) -> anyhow::Result<UserId> {
    let email = EmailAddress::parse(email).expect("demo email");
    let user = db::users::find_or_create(&mut **tx, &email, name, None, None).await?;
    db::users::set_password_and_name(&mut **tx, user.id, hash, Some(name)).await?;
    Ok(user.id)
}

async fn job(
    tx: &mut db::Tx<'_>,
    client: ClientScope,
    company: CompanyId,
    title: &str,
    status: JobStatus,
    days_ago: i32,
    by: UserId,
) -> anyhow::Result<()> {
    let id = db::content::create_job(&mut **tx, client, company, title, by).await?;
    let summary = format!("{title}: done and checked. Nothing further is needed from you.");
    db::content::update_job(
        &mut **tx,
        client,
        id,
        status,
        &summary,
        "Internal: parts from stock; bill on completion.",
    )
    .await?;
    if status == JobStatus::Completed {
        db::demo::complete_days_ago(&mut **tx, id, days_ago).await?;
    }
    Ok(())
}

async fn issue(state: &AppState, inviter: Inviter<'_>, new: NewInvite) -> anyhow::Result<String> {
    match invites::invite(state, inviter, new).await.map_err(|e| anyhow::anyhow!("{e:?}"))? {
        Ok(issued) => Ok(issued.link),
        Err(refusal) => anyhow::bail!("demo invitation refused: {refusal:?}"),
    }
}
