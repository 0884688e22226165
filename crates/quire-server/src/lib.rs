//! The Quire review server: server-rendered pages that work without JavaScript, a JSON API
//! under `/api/v1/`, accounts and roles, over `quire-core`.
//!
//! [`app`] builds the router from an [`AppState`], so tests drive it with
//! `tower::ServiceExt::oneshot` or a real socket; [`serve`] runs it.
//!
//! **Architecture invariant:** no git or diff logic here. Handlers call `quire_core` on a
//! blocking thread ([`AppState::with_lib`]) and never hold a `Library` across an `.await`.
//! Each request opens the library afresh, so changes made by the CLI show at once.

pub mod auth;
pub mod error;
pub mod render;
pub mod routes;
pub mod store;
pub mod templates;

use std::net::SocketAddr;
use std::num::NonZeroU32;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use quire_core::Library;

pub use error::AppError;
pub use store::{Role, Store, User};

/// Largest request body accepted (a section text is at most 512 KiB; forms add little).
pub const MAX_BODY_BYTES: usize = 600 * 1024;

/// Server settings.
#[derive(Debug, Clone)]
pub struct Config {
    /// The data directory: `library.git` and `accounts.sqlite3` live here.
    pub data_dir: PathBuf,
    /// Writes allowed per account per minute (a burst of this many, refilled evenly).
    pub writes_per_minute: u32,
    /// Sign-in and sign-up attempts per client address per minute.
    pub auth_attempts_per_minute: u32,
    /// Set the `Secure` flag on cookies (on for anything but plain-HTTP local use).
    pub secure_cookies: bool,
}

impl Config {
    /// Defaults for a data directory.
    pub fn new(data_dir: impl Into<PathBuf>) -> Config {
        Config {
            data_dir: data_dir.into(),
            writes_per_minute: 30,
            auth_attempts_per_minute: 10,
            secure_cookies: false,
        }
    }

    /// Where the library is.
    pub fn library_path(&self) -> PathBuf {
        self.data_dir.join("library.git")
    }
}

/// Everything handlers share. Cheap to clone.
#[derive(Clone)]
pub struct AppState {
    inner: Arc<Inner>,
}

struct Inner {
    config: Config,
    library: PathBuf,
    store: Store,
    writes: DefaultKeyedRateLimiter<i64>,
    auth_attempts: DefaultKeyedRateLimiter<String>,
}

/// What first-run setup did, for the operator.
#[derive(Debug, Clone, Default)]
pub struct Setup {
    /// The library was created from the bundled resource.
    pub created_library: bool,
    /// The first maintainer account, with its one-time password, if it was created now.
    pub first_maintainer: Option<(String, String)>,
}

impl AppState {
    /// Opens (creating on first run) the library and the account store in the data
    /// directory, and completes any interrupted write in the library.
    pub fn open(config: Config) -> Result<(AppState, Setup), AppError> {
        std::fs::create_dir_all(&config.data_dir).map_err(|e| {
            AppError::internal(format!("creating {}: {e}", config.data_dir.display()))
        })?;
        let mut setup = Setup::default();
        let library = config.library_path();
        let founder = quire_core::Identity::new("Quire", "quire@noreply.quire.invalid")?;
        if !library.join("HEAD").exists() {
            quire_bundled::init_library(&library, &founder)?;
            setup.created_library = true;
        }
        let report = Library::open(&library)?.repair()?;
        if !report.is_clean() {
            tracing::warn!(?report, "completed interrupted writes in the library");
        }
        let store = Store::open(&config.data_dir.join("accounts.sqlite3"))?;
        if store.user_count()? == 0 {
            let password = store::random_token()[..20].to_string();
            store.create_user(
                "Maintainer",
                "maintainer@localhost.invalid",
                &password,
                Role::Maintainer,
            )?;
            setup.first_maintainer = Some(("maintainer@localhost.invalid".into(), password));
        }
        let per_min = |n: u32| Quota::per_minute(NonZeroU32::new(n.max(1)).expect("at least 1"));
        let state = AppState {
            inner: Arc::new(Inner {
                writes: RateLimiter::keyed(per_min(config.writes_per_minute)),
                auth_attempts: RateLimiter::keyed(per_min(config.auth_attempts_per_minute)),
                config,
                library,
                store,
            }),
        };
        Ok((state, setup))
    }

    /// The settings.
    pub fn config(&self) -> &Config {
        &self.inner.config
    }

    /// The account store.
    pub fn store(&self) -> &Store {
        &self.inner.store
    }

    /// The library's path.
    pub fn library_path(&self) -> &Path {
        &self.inner.library
    }

    /// Runs `f` with a freshly opened library on a blocking thread.
    pub async fn with_lib<T, F>(&self, f: F) -> Result<T, AppError>
    where
        T: Send + 'static,
        F: FnOnce(&Library) -> Result<T, AppError> + Send + 'static,
    {
        let path = self.inner.library.clone();
        tokio::task::spawn_blocking(move || {
            let lib = Library::open_no_repair(&path)?;
            f(&lib)
        })
        .await
        .map_err(|e| AppError::internal(format!("worker failed: {e}")))?
    }

    /// Runs `f` with the account store on a blocking thread.
    pub async fn with_store<T, F>(&self, f: F) -> Result<T, AppError>
    where
        T: Send + 'static,
        F: FnOnce(&Store) -> Result<T, AppError> + Send + 'static,
    {
        let state = self.clone();
        tokio::task::spawn_blocking(move || f(state.store()))
            .await
            .map_err(|e| AppError::internal(format!("worker failed: {e}")))?
    }

    /// Takes one write from the account's allowance, or refuses with 429.
    pub fn check_write_rate(&self, user: &User) -> Result<(), AppError> {
        self.inner
            .writes
            .check_key(&user.id)
            .map_err(|_| AppError::TooManyRequests)
    }

    /// Takes one sign-in or sign-up attempt from the client's allowance, or refuses.
    pub fn check_auth_rate(&self, client: &str) -> Result<(), AppError> {
        self.inner
            .auth_attempts
            .check_key(&client.to_string())
            .map_err(|_| AppError::TooManyRequests)
    }
}

/// The whole application.
pub fn app(state: AppState) -> Router {
    routes::router(state)
}

/// Serves the app on `addr` until Ctrl-C (or SIGTERM), then finishes in-flight requests.
pub async fn serve(state: AppState, addr: SocketAddr) -> std::io::Result<()> {
    let listener = tokio::net::TcpListener::bind(addr).await?;
    serve_on(state, listener).await
}

/// As [`serve`], on a listener already bound (tests bind port 0).
pub async fn serve_on(state: AppState, listener: tokio::net::TcpListener) -> std::io::Result<()> {
    let repairer = tokio::spawn(repair_periodically(state.clone()));
    let app = app(state).into_make_service_with_connect_info::<SocketAddr>();
    let served = axum::serve(listener, app)
        .with_graceful_shutdown(shutdown_signal())
        .await;
    repairer.abort();
    served
}

/// How often the server completes writes that a crashed process cut short.
pub const REPAIR_INTERVAL: Duration = Duration::from_secs(10);

/// Runs the library's repair pass every [`REPAIR_INTERVAL`]: a process killed between a
/// deciding ref update and its follow-ups (a merge before its `merged` event, say) leaves a
/// gap, guarded by its lock file for 30 s; without this, the gap would stay until someone
/// next wrote to that proposal or the server restarted.
async fn repair_periodically(state: AppState) {
    let mut tick = tokio::time::interval(REPAIR_INTERVAL);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    tick.tick().await;
    loop {
        tick.tick().await;
        match state.with_lib(|lib| Ok(lib.repair()?)).await {
            Ok(report) if !report.is_clean() => {
                tracing::warn!(?report, "completed writes that a crash cut short");
            }
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "the repair pass failed; trying again later"),
        }
    }
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
    tracing::info!("shutting down: finishing requests in flight");
    tokio::time::sleep(Duration::from_millis(10)).await;
}
