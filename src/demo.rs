//! `portico demo`: a provider with staff in every role, a pending staff invitation, and what the
//! later capabilities add, so a person can try the product at once.

use crate::db;
use crate::domain::{EmailAddress, Password, StaffRole};
use crate::state::AppState;

pub const DEMO_PASSWORD: &str = "portico-demo-1";

pub async fn run(state: &AppState, if_empty: bool) -> anyhow::Result<()> {
    if if_empty && db::providers::count(&state.db).await? > 0 {
        println!("The database already has data; skipping the demo seed.");
        return Ok(());
    }
    let hash = state
        .hasher
        .hash(&Password::parse(DEMO_PASSWORD).expect("demo password"))
        .await?;
    let mut tx = state.db.begin().await?;
    let provider = db::providers::create(&mut *tx, "Northwind IT").await?;
    let staff = [
        ("admin@northwind.example", "Ada Admin", StaffRole::Admin),
        (
            "manager@northwind.example",
            "Max Manager",
            StaffRole::Manager,
        ),
        ("user@northwind.example", "Uma User", StaffRole::User),
    ];
    for (email, name, role) in staff {
        let email = EmailAddress::parse(email).expect("demo email");
        let user = db::users::find_or_create(&mut *tx, &email, name, None, None).await?;
        db::users::set_password_and_name(&mut *tx, user.id, &hash, Some(name)).await?;
        db::staff::add(&mut *tx, provider.id, user.id, role).await?;
    }
    tx.commit().await?;
    let link =
        crate::cli::create_provider_invite(state, provider.id, "new.admin@northwind.example")
            .await?;
    let staff_url = state.config.staff_url.origin();
    println!("Demo data created for provider \"Northwind IT\".\n");
    println!("Staff app: {staff_url}/login  (password for every demo account: {DEMO_PASSWORD})");
    for (email, _, role) in staff {
        println!("  {:<8} {email}", role.label());
    }
    println!(
        "\nA new administrator is invited; open this link to accept the invitation:\n  {link}"
    );
    if state.config.smtp_url.is_none() {
        println!("\nEmail goes to the development mailbox: {staff_url}/dev/mail");
    }
    Ok(())
}
