use clap::Parser;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    // A missing .env is fine: the environment may hold everything.
    let _ = dotenvy::dotenv();
    let cli = portico::cli::Cli::parse();
    let config = portico::config::Config::from_env()?;
    portico::telemetry::init(config.log_format);
    portico::cli::run(cli, config).await
}
