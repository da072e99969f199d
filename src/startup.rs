//! Connecting to Postgres, migrating, binding, and running the server with its background tasks.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use sqlx::migrate::MigrateDatabase;
use sqlx::postgres::PgPoolOptions;
use sqlx::{PgPool, Postgres};
use tokio::net::TcpListener;
use tokio::sync::Notify;
use tower_sessions::ExpiredDeletion;
use tower_sessions_sqlx_store::PostgresStore;

use crate::auth::rate_limit;
use crate::auth::server_key::ServerKey;
use crate::config::Config;
use crate::db;
use crate::mail::{sender, Mailer};
use crate::routes;
use crate::server;
use crate::state::AppState;

pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

/// Connects to the database, creating it first if it does not exist.
pub async fn connect(config: &Config) -> anyhow::Result<PgPool> {
    if !Postgres::database_exists(&config.database_url)
        .await
        .context("cannot reach Postgres at DATABASE_URL")?
    {
        tracing::info!("creating the database");
        // Replicas starting together race to create it: losing that race is fine.
        if let Err(e) = Postgres::create_database(&config.database_url).await {
            if !Postgres::database_exists(&config.database_url).await.unwrap_or(false) {
                return Err(e).context("cannot create the database");
            }
        }
    }
    // Every statement is planned once per connection and the plan kept. Left to choose, Postgres
    // re-planned the portal's scoped queries on every request (their generic cost, estimated for
    // an array of unknown length, looked worse than a plan for the actual three companies): a
    // third of each page's database time. A query whose best plan depends on its arguments says
    // so itself (the Client Users list writes its client into the statement).
    let options: sqlx::postgres::PgConnectOptions =
        config.database_url.parse().context("DATABASE_URL is not a Postgres URL")?;
    let options = options.options([("plan_cache_mode", "force_generic_plan")]);
    let pool = PgPoolOptions::new()
        .max_connections(config.database_pool_size)
        // A ping before every checkout is a round trip per statement; a connection that broke
        // fails its statement instead, and the pool replaces it.
        .test_before_acquire(false)
        .acquire_timeout(Duration::from_secs(5))
        .connect_with(options)
        .await
        .context("cannot connect to DATABASE_URL")?;
    Ok(pool)
}

pub async fn migrate(pool: &PgPool) -> anyhow::Result<()> {
    MIGRATOR.run(pool).await.context("running migrations")?;
    Ok(())
}

/// The key that signs anonymous CSRF tokens: `SECRET_KEY`, or one generated once and kept in the
/// database, so that replicas agree without anything extra to configure.
pub async fn server_key(config: &Config, db: &PgPool) -> anyhow::Result<ServerKey> {
    if let Some(secret) = &config.secret_key {
        return Ok(ServerKey::new(secret.as_bytes()));
    }
    let mut candidate = [0u8; 32];
    rand::RngCore::fill_bytes(&mut rand::rng(), &mut candidate);
    let key =
        db::server_keys::get_or_create(db, "csrf", &candidate).await.context("loading the server key")?;
    Ok(ServerKey::new(&key))
}

/// A bound, ready-to-run server.
pub struct Application {
    listener: TcpListener,
    state: AppState,
    mailer: Mailer,
    store: PostgresStore,
}

impl Application {
    /// Migrates and binds `config.bind_addr` (port 0 picks a free port, as tests do).
    pub async fn build(config: Config, db: PgPool) -> anyhow::Result<Self> {
        let listener = TcpListener::bind(config.bind_addr)
            .await
            .with_context(|| format!("cannot listen on {}", config.bind_addr))?;
        Self::build_with_listener(config, db, listener).await
    }

    pub async fn build_with_listener(
        config: Config,
        db: PgPool,
        listener: TcpListener,
    ) -> anyhow::Result<Self> {
        migrate(&db).await?;
        // Read the questionnaire now, so a request never meets its first reading.
        std::sync::LazyLock::force(&crate::domain::CATEGORIES);
        let mailer = Mailer::from_config(&config, db.clone())?;
        let store = PostgresStore::new(db.clone());
        let server_key = server_key(&config, &db).await?;
        let state = AppState::new(config, db, Arc::new(Notify::new()), server_key);
        Ok(Self { listener, state, mailer, store })
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.listener.local_addr().expect("bound listener")
    }

    pub fn state(&self) -> AppState {
        self.state.clone()
    }

    /// Serves until Ctrl-C or SIGTERM, running the mail sender and housekeeping alongside.
    pub async fn run_until_stopped(self) -> anyhow::Result<()> {
        let Self { listener, state, mailer, store } = self;
        let mut tasks = tokio::task::JoinSet::new();
        tasks.spawn(sender::run(
            state.db.clone(),
            mailer,
            state.mail_wake.clone(),
            state.config.mail_retry_base,
        ));
        tasks.spawn(crate::lifecycle::run(state.clone(), state.config.lifecycle_every));
        tasks.spawn(crate::content::make_missing_thumbnails(state.db.clone()));
        let sweeper = store.clone();
        tasks.spawn(async move {
            if let Err(e) = sweeper.continuously_delete_expired(tokio::time::Duration::from_secs(600)).await {
                tracing::error!(error = ?e, "session sweeper stopped");
            }
        });
        let db = state.db.clone();
        tasks.spawn(async move {
            let mut every = tokio::time::interval(Duration::from_secs(3600));
            loop {
                every.tick().await;
                if let Err(e) = rate_limit::purge_old(&db).await {
                    tracing::warn!(error = ?e, "could not purge rate limits");
                }
            }
        });
        let limits = state.config.limits;
        let proxies = state.config.trusted_proxies.clone();
        let app = routes::app(state, store);
        server::serve(listener, app, limits, proxies, shutdown_signal()).await;
        tasks.abort_all();
        Ok(())
    }
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = terminate => {},
    }
    tracing::info!("shutting down");
}
