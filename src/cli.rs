//! The command line: `serve` (default), `migrate`, `provider create`, `demo`.

use std::sync::Arc;

use clap::{Parser, Subcommand};
use tokio::sync::Notify;

use crate::config::Config;
use crate::providers;
use crate::startup::{self, Application};
use crate::state::AppState;

#[derive(Parser, Debug)]
#[command(name = "portico", version, about = "Portico: a multi-tenant client portal server")]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Serve both hosts (the default).
    Serve,
    /// Create the database if needed and apply migrations.
    Migrate,
    /// Manage providers (tenants).
    Provider {
        #[command(subcommand)]
        command: ProviderCommand,
    },
    /// Fill the database with demo data and print how to sign in.
    Demo {
        /// Do nothing when the database already has a provider.
        #[arg(long)]
        if_empty: bool,
    },
}

#[derive(Subcommand, Debug)]
pub enum ProviderCommand {
    /// Create a provider and print its first administrator's invite link.
    Create {
        #[arg(long)]
        name: String,
        #[arg(long)]
        admin_email: String,
    },
}

pub async fn run(cli: Cli, config: Config) -> anyhow::Result<()> {
    match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => serve(config).await,
        Command::Migrate => {
            let db = startup::connect(&config).await?;
            startup::migrate(&db).await?;
            println!("Database migrated.");
            Ok(())
        }
        Command::Provider { command: ProviderCommand::Create { name, admin_email } } => {
            let db = startup::connect(&config).await?;
            startup::migrate(&db).await?;
            let key = startup::server_key(&config, &db).await?;
            let state = AppState::new(config, db, Arc::new(Notify::new()), key);
            let link = providers::create(&state, &name, &admin_email).await?;
            println!("Created provider {name:?}.");
            println!(
                "The first administrator ({admin_email}) can accept their invitation here:\n\n  {link}\n"
            );
            Ok(())
        }
        Command::Demo { if_empty } => {
            let db = startup::connect(&config).await?;
            startup::migrate(&db).await?;
            let key = startup::server_key(&config, &db).await?;
            let state = AppState::new(config, db, Arc::new(Notify::new()), key);
            crate::demo::run(&state, if_empty).await
        }
    }
}

async fn serve(config: Config) -> anyhow::Result<()> {
    config.check_mail_destination()?;
    let db = startup::connect(&config).await?;
    let app = Application::build(config.clone(), db).await?;
    tracing::info!(addr = %app.local_addr(), staff = %config.staff_url.origin(), portal = %config.portal_url.origin(), "Portico is listening");
    println!("Staff app:     {}", config.staff_url.origin());
    println!("Client portal: {}", config.portal_url.origin());
    if config.dev_mailbox {
        println!(
            "DEV_MAILBOX=1: email goes to the development mailbox at {} (readable by anyone who can reach it)",
            config.staff_url.join("/dev/mail")
        );
    }
    app.run_until_stopped().await
}
