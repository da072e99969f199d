use clap::Parser;

// Request handling allocates many small, short-lived buffers; glibc's allocator spent a tenth of
// the server's time on them (perf, portal /jobs at 64 connections).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    // A missing .env is fine: the environment may hold everything.
    let _ = dotenvy::dotenv();
    let cli = portico::cli::Cli::parse();
    let config = portico::config::Config::from_env()?;
    portico::telemetry::init(config.log_format);
    portico::cli::run(cli, config).await
}
