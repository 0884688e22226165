//! The Quire review server: server-rendered pages that work without JavaScript, a JSON API
//! under `/api/v1/`, accounts and roles, over `quire-core`.
//!
//! [`app`] builds the router from an [`AppState`], so tests drive it with
//! `tower::ServiceExt::oneshot` or a real socket; [`serve`] runs it.
//!
//! **Architecture invariant:** no git or diff logic here. Handlers call `quire_core` on a
//! blocking thread ([`AppState::with_lib`]) and never hold a `Library` across an `.await`.
//! Each blocking thread keeps one open `Library`; it reads refs afresh on every call, so
//! changes made by the CLI show at once. Lists come from the in-memory indexes of
//! [`quire_core::index`], brought up to date from the change journal before each use
//! ([`AppState::with_index`]). Anonymous visitors' section and proposal pages are served
//! from a cache keyed by a stamp of everything they show ([`page_cache`]), checked on the
//! async thread with a few `lstat`s and no trip to the blocking threads.

pub mod auth;
pub mod credentials;
pub mod error;
pub mod net;
pub mod page_cache;
pub mod render;
pub mod routes;
pub mod store;
pub mod templates;

use std::net::SocketAddr;
use std::num::NonZeroU32;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::http::header::CONTENT_TYPE;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use axum::Router;
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use quire_core::index::{Indexes, ProposalIndex};
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
    /// Only accepted writes spend it; see [`Allowances`].
    pub writes_per_minute: u32,
    /// Sign-in and sign-up attempts per client address per minute.
    pub auth_attempts_per_minute: u32,
    /// Set the `Secure` flag on cookies (on for anything but plain-HTTP local use).
    pub secure_cookies: bool,
    /// The site's public address (`https://quire.example.org`, checked by
    /// [`net::public_url`]), used for every absolute link (the Atom feeds, reset links). Never taken
    /// from the request's `Host` header. Unset: `http://` and the address the server is
    /// bound to (`localhost` for an unspecified address such as `0.0.0.0`).
    pub public_url: Option<String>,
    /// Reverse proxies whose `X-Forwarded-For` header is believed for the sign-in
    /// allowance (see [`net::client_ip`]). Empty: the header is ignored.
    pub trusted_proxies: Vec<net::IpRange>,
    /// The key of form tokens ([`auth::form_token`]). Unset (the default): a random key
    /// made once and kept in the account store. Servers that must accept each other's
    /// forms set the same key.
    pub form_key: Option<String>,
    /// A connection must send a request's whole header within this time of opening, or
    /// of its previous response; otherwise it is closed. So this is also how long an idle
    /// connection is kept open.
    pub header_timeout: Duration,
    /// A request's body must arrive within this time of its header (else 408).
    pub body_timeout: Duration,
}

/// Default of [`Config::header_timeout`].
pub const HEADER_TIMEOUT: Duration = Duration::from_secs(15);
/// Default of [`Config::body_timeout`].
pub const BODY_TIMEOUT: Duration = Duration::from_secs(30);

impl Config {
    /// Defaults for a data directory.
    pub fn new(data_dir: impl Into<PathBuf>) -> Config {
        Config {
            data_dir: data_dir.into(),
            writes_per_minute: 30,
            auth_attempts_per_minute: 10,
            secure_cookies: false,
            public_url: None,
            trusted_proxies: Vec::new(),
            form_key: None,
            header_timeout: HEADER_TIMEOUT,
            body_timeout: BODY_TIMEOUT,
        }
    }

    /// Where the library is.
    pub fn library_path(&self) -> PathBuf {
        self.data_dir.join("library.git")
    }

    /// Where the account store is.
    pub fn accounts_path(&self) -> PathBuf {
        accounts_path(&self.data_dir)
    }
}

/// Where the account store of the data directory `data_dir` is.
pub fn accounts_path(data_dir: &Path) -> PathBuf {
    data_dir.join("accounts.sqlite3")
}

/// Everything handlers share. Cheap to clone.
#[derive(Clone)]
pub struct AppState {
    inner: Arc<Inner>,
}

struct Inner {
    config: Config,
    library: PathBuf,
    indexes: std::sync::Mutex<Indexes>,
    /// Open libraries not in use (at most [`LIBRARY_WORKERS`]).
    libraries: std::sync::Mutex<Vec<Library>>,
    /// One permit per library at work: bounds the threads (and the memory of their
    /// libgit2 caches) that read the library at once.
    library_permits: Arc<tokio::sync::Semaphore>,
    store: Store,
    /// The key of the form tokens ([`auth::form_token`]), kept in the account store.
    csrf_key: String,
    allowances: Allowances,
    /// The account store's `PRAGMA data_version` when last looked at: it changes when
    /// another process writes to the store.
    store_version: std::sync::atomic::AtomicI64,
    auth_attempts: DefaultKeyedRateLimiter<String>,
    /// The address served on, once known (for links when no public URL is set).
    bound: std::sync::OnceLock<SocketAddr>,
    /// Rendered pages for anonymous visitors.
    pages: page_cache::PageCache,
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
        make_private(&config.data_dir, 0o700)?;
        let mut setup = Setup::default();
        let library = config.library_path();
        let founder = quire_core::Identity::new(
            "Quire",
            &format!("quire@{}", quire_core::ids::WEB_ACCOUNT_DOMAIN),
        )?;
        if !library.join("HEAD").exists() {
            quire_bundled::init_library(&library, &founder)?;
            setup.created_library = true;
        }
        // As git does for reads: object hashes are checked by `git fsck`, not on every
        // page view (libgit2's check was a tenth of a section page's time).
        quire_core::verify_object_hashes(false);
        let lib = Library::open_no_repair(&library)?;
        let started = std::time::Instant::now();
        let mut indexes = Indexes::build(&lib)?;
        tracing::info!(
            proposals = indexes.proposals().len(),
            ms = started.elapsed().as_millis() as u64,
            "indexed the proposals"
        );
        let report = lib.repair_recent_with(Some(indexes.proposals()))?;
        if !report.is_clean() {
            tracing::warn!(?report, "completed interrupted writes in the library");
            indexes.refresh(&lib)?;
        }
        let store_path = config.accounts_path();
        let store = Store::open(&store_path)?;
        for suffix in ["", "-wal", "-shm"] {
            let mut name = store_path.clone().into_os_string();
            name.push(suffix);
            make_private(Path::new(&name), 0o600)?;
        }
        if store.user_count()? == 0 {
            let (user, password) = store.create_first_maintainer_at(store::now_secs())?;
            setup.first_maintainer = Some((user.email, password));
        }
        let per_min = |n: u32| Quota::per_minute(NonZeroU32::new(n.max(1)).expect("at least 1"));
        let csrf_key = match &config.form_key {
            Some(k) => k.clone(),
            None => store.secret("csrf")?,
        };
        let pages = page_cache::PageCache::new(&library);
        let state = AppState {
            inner: Arc::new(Inner {
                pages,
                allowances: Allowances::new(config.writes_per_minute),
                auth_attempts: RateLimiter::keyed(per_min(config.auth_attempts_per_minute)),
                bound: std::sync::OnceLock::new(),
                config,
                library,
                indexes: std::sync::Mutex::new(indexes),
                libraries: std::sync::Mutex::new(Vec::new()),
                library_permits: Arc::new(tokio::sync::Semaphore::new(LIBRARY_WORKERS)),
                store_version: std::sync::atomic::AtomicI64::new(store.data_version()?),
                csrf_key,
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

    /// The token a form must carry for a browser with this CSRF cookie and (if signed in)
    /// this session cookie: see [`auth::form_token`].
    pub fn form_token(&self, csrf_cookie: &str, session: Option<&str>) -> String {
        auth::form_token(self.inner.csrf_key.as_bytes(), csrf_cookie, session)
    }

    /// The library's path.
    pub fn library_path(&self) -> &Path {
        &self.inner.library
    }

    /// Runs `f` with the library on a blocking thread. At most [`LIBRARY_WORKERS`] calls
    /// run at once, each with a library from a small pool kept open between calls (refs
    /// are read afresh by every call, and objects never change meaning, so nothing a
    /// library caches can be stale).
    pub async fn with_lib<T, F>(&self, f: F) -> Result<T, AppError>
    where
        T: Send + 'static,
        F: FnOnce(&Library) -> Result<T, AppError> + Send + 'static,
    {
        let permit = Arc::clone(&self.inner.library_permits)
            .acquire_owned()
            .await
            .map_err(|_| AppError::internal("the library pool is closed"))?;
        let state = self.clone();
        tokio::task::spawn_blocking(move || {
            // Held by the thread, not by the request: a request cancelled while `f` runs
            // on does not let another library start beside it.
            let _permit = permit;
            let pooled = state.inner.libraries.lock().ok().and_then(|mut v| v.pop());
            let lib = match pooled {
                Some(lib) => lib,
                None => Library::open_no_repair(&state.inner.library)?,
            };
            let out = f(&lib);
            if let Ok(mut v) = state.inner.libraries.lock() {
                v.push(lib);
            }
            out
        })
        .await
        .map_err(|e| AppError::internal(format!("worker failed: {e}")))?
    }

    /// As [`AppState::with_lib`], with the indexes brought up to date from the change
    /// journal first. The indexes stay locked while `f` runs: keep it short, or use
    /// [`AppState::index_query`] inside `with_lib` for the index part only.
    pub async fn with_index<T, F>(&self, f: F) -> Result<T, AppError>
    where
        T: Send + 'static,
        F: FnOnce(&Library, &mut Indexes) -> Result<T, AppError> + Send + 'static,
    {
        let state = self.clone();
        self.with_lib(move |lib| state.index_query(lib, |ix| f(lib, ix)))
            .await
    }

    /// Runs `f` on the indexes, brought up to date from the change journal first; the
    /// indexes are locked only while `f` runs. For use inside [`AppState::with_lib`].
    pub fn index_query<T>(
        &self,
        lib: &Library,
        f: impl FnOnce(&mut Indexes) -> Result<T, AppError>,
    ) -> Result<T, AppError> {
        let mut indexes = self.lock_indexes();
        let refreshed = indexes.refresh(lib);
        let out = refreshed
            .map_err(AppError::from)
            .and_then(|()| f(&mut indexes));
        // Published before the lock is released: a page stamped with this generation was
        // rendered from these indexes or newer ones (see `page_cache`).
        self.inner.pages.set_generation(indexes.generation());
        out
    }

    fn lock_indexes(&self) -> std::sync::MutexGuard<'_, Indexes> {
        // A panic while holding the lock cannot leave the indexes inconsistent with git in
        // a way a refresh would not mend: every entry is keyed by the object it was read
        // from. So a poisoned lock is taken over, and the indexes rescanned.
        match self.inner.indexes.lock() {
            Ok(g) => g,
            Err(poisoned) => {
                let mut g = poisoned.into_inner();
                g.recover(Library::open_no_repair(&self.inner.library).ok().as_ref());
                self.inner.pages.set_generation(g.generation());
                self.inner.indexes.clear_poison();
                g
            }
        }
    }

    /// Serves `key`'s page to an anonymous visitor: the page stored in the page cache for
    /// the current stamp of its inputs, or else the one `render` makes (stored if none of
    /// its inputs changed while it was rendered). See [`page_cache`].
    pub async fn anonymous_page<Fut>(
        &self,
        key: page_cache::PageKey,
        render: Fut,
    ) -> Result<Response, AppError>
    where
        Fut: std::future::Future<Output = Result<Response, AppError>>,
    {
        let pages = &self.inner.pages;
        let Some(before) = pages.stamp(&key) else {
            return render.await;
        };
        if let Some(body) = pages.get(&key, &before) {
            return Ok(Html(body).into_response());
        }
        let res = render.await?;
        // Only a plain page is stored: a hit rebuilds exactly this response.
        let plain = res.status() == StatusCode::OK
            && res.headers().len() == 1
            && res.headers().get(CONTENT_TYPE).map(|v| v.as_bytes())
                == Some(b"text/html; charset=utf-8".as_slice());
        if !plain {
            return Ok(res);
        }
        let (parts, body) = res.into_parts();
        let body = axum::body::to_bytes(body, usize::MAX)
            .await
            .map_err(|e| AppError::internal(format!("reading a rendered page: {e}")))?;
        pages.store(key, before, body.clone());
        Ok(Response::from_parts(parts, Body::from(body)))
    }

    /// How many more [`AppState::with_lib`] calls could start now (at most
    /// [`LIBRARY_WORKERS`]).
    pub fn library_permits_available(&self) -> usize {
        self.inner.library_permits.available_permits()
    }

    /// How the page cache has done so far.
    pub fn page_cache_stats(&self) -> page_cache::PageCacheStats {
        self.inner.pages.stats()
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

    /// Records that accounts' roles may have changed: pages show role badges, so the
    /// anonymous pages cached so far are stale (see [`page_cache`]).
    pub async fn roles_changed(&self) -> Result<(), AppError> {
        self.with_index(|_, ix| {
            ix.changed();
            Ok(())
        })
        .await
    }

    /// Takes one write from the account's allowance, or refuses with 429. The write is
    /// given back if the request then fails (see [`Allowances`]), so only accepted
    /// writes spend the allowance.
    pub fn check_write_rate(&self, user: &User) -> Result<(), AppError> {
        self.inner.allowances.take_write(user.id)
    }

    /// Runs expensive work for an account (a preview: rendering and a word diff) off the
    /// async threads, after taking one from its allowance of attempts (which failed
    /// requests spend too), or refuses with 429.
    pub fn expensive<T>(&self, user: &User, f: impl FnOnce() -> T) -> Result<T, AppError> {
        self.inner.allowances.take_attempt(user.id)?;
        Ok(render::off_runtime(f))
    }

    /// Takes one sign-in or sign-up attempt from the client's allowance, or refuses.
    pub fn check_auth_rate(&self, client: &str) -> Result<(), AppError> {
        self.inner
            .auth_attempts
            .check_key(&client.to_string())
            .map_err(|_| AppError::TooManyRequests)
    }

    /// The base of every absolute link, without a trailing `/`: the configured public
    /// URL, else `http://` and the bound address (see [`Config::public_url`]).
    pub fn public_url(&self) -> String {
        if let Some(u) = &self.inner.config.public_url {
            return u.clone();
        }
        match self.inner.bound.get() {
            Some(a) if a.ip().is_unspecified() => format!("http://localhost:{}", a.port()),
            Some(a) => format!("http://{a}"),
            None => "http://localhost".to_string(),
        }
    }

    /// The settled writes of one request: see [`Allowances::settle`].
    pub(crate) fn allowances(&self) -> &Allowances {
        &self.inner.allowances
    }
}

/// Sets a file or folder's permission bits to `mode` if they differ (Unix), with a log
/// line when an existing one was wider: the data directory is 0700 and the account store
/// (with its `-wal` and `-shm` files) 0600, since it holds password hashes and sessions.
fn make_private(path: &Path, mode: u32) -> Result<(), AppError> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let meta = match std::fs::metadata(path) {
            Ok(m) => m,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
            Err(e) => return Err(AppError::internal(format!("{}: {e}", path.display()))),
        };
        let was = meta.permissions().mode() & 0o777;
        if was != mode {
            std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).map_err(|e| {
                AppError::internal(format!("making {} private: {e}", path.display()))
            })?;
            tracing::warn!(
                path = %path.display(),
                was = format!("{was:o}"),
                now = format!("{mode:o}"),
                "made a data file private"
            );
        }
    }
    #[cfg(not(unix))]
    let _ = (path, mode);
    Ok(())
}

/// The per-account allowances of signed-in actions.
///
/// - **Writes** ([`Config::writes_per_minute`], a burst of that many refilled evenly):
///   a write is taken when a handler checks ([`AppState::check_write_rate`]), so a burst
///   of concurrent requests can never take more than there are; when the request's
///   response is not a success (2xx or 3xx), the write is given back
///   ([`Allowances::settle`], run by a layer around every request). A maintainer's typo
///   therefore costs nothing.
/// - **Attempts** (four times as many): every write checked and every preview takes one,
///   and none is given back, so failing requests (which may still cost a merge check or a
///   render) are bounded too.
pub struct Allowances {
    writes: Buckets,
    attempts: Buckets,
}

tokio::task_local! {
    /// The accounts whose write this request took (set by [`Allowances::settle`]).
    static TAKEN: std::cell::RefCell<Vec<i64>>;
}

impl Allowances {
    fn new(writes_per_minute: u32) -> Allowances {
        let per_min = writes_per_minute.max(1);
        Allowances {
            writes: Buckets::new(per_min),
            attempts: Buckets::new(per_min.saturating_mul(4)),
        }
    }

    fn take_write(&self, account: i64) -> Result<(), AppError> {
        self.take_attempt(account)?;
        if !self.writes.take(account) {
            return Err(AppError::TooManyRequests);
        }
        // Outside a settling request (a test calling this directly) the write stays spent.
        let _ = TAKEN.try_with(|t| t.borrow_mut().push(account));
        Ok(())
    }

    fn take_attempt(&self, account: i64) -> Result<(), AppError> {
        if self.attempts.take(account) {
            Ok(())
        } else {
            Err(AppError::TooManyRequests)
        }
    }

    /// Runs a request, then gives back the writes it took if its response is not a
    /// success or a redirect.
    pub async fn settle<F>(&self, request: F) -> Response
    where
        F: std::future::Future<Output = Response>,
    {
        let (res, taken) = TAKEN
            .scope(std::cell::RefCell::new(Vec::new()), async {
                let res = request.await;
                (res, TAKEN.with(|t| std::mem::take(&mut *t.borrow_mut())))
            })
            .await;
        let s = res.status();
        if !(s.is_success() || s.is_redirection()) {
            for account in taken {
                self.writes.give_back(account);
            }
        }
        res
    }
}

/// Token buckets by account: `per_minute` tokens at most, refilled evenly.
struct Buckets {
    per_minute: f64,
    buckets: std::sync::Mutex<std::collections::HashMap<i64, (f64, std::time::Instant)>>,
}

impl Buckets {
    fn new(per_minute: u32) -> Buckets {
        Buckets {
            per_minute: f64::from(per_minute),
            buckets: Default::default(),
        }
    }

    fn with<T>(&self, account: i64, f: impl FnOnce(&mut f64) -> T) -> T {
        let mut map = self.buckets.lock().unwrap_or_else(|p| p.into_inner());
        let now = std::time::Instant::now();
        let (tokens, at) = map.entry(account).or_insert((self.per_minute, now));
        let refill = now.duration_since(*at).as_secs_f64() * self.per_minute / 60.0;
        *tokens = (*tokens + refill).min(self.per_minute);
        *at = now;
        f(tokens)
    }

    fn take(&self, account: i64) -> bool {
        self.with(account, |t| {
            if *t >= 1.0 {
                *t -= 1.0;
                true
            } else {
                false
            }
        })
    }

    fn give_back(&self, account: i64) {
        let max = self.per_minute;
        self.with(account, |t| *t = (*t + 1.0).min(max));
    }
}

/// Libraries open at once (and blocking threads reading them).
pub const LIBRARY_WORKERS: usize = 8;

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
///
/// Connections are served by hyper's HTTP/1 server directly (not `axum::serve`), for its
/// header read timeout: a connection that does not send a request's whole header within
/// [`Config::header_timeout`] of opening or of its previous response is closed, so slow
/// or idle connections cannot pile up. Request bodies have [`Config::body_timeout`]
/// (tower-http's body timeout, in [`routes::router`]). On Ctrl-C or SIGTERM the server
/// stops accepting, closes idle connections, lets requests in flight finish, then saves
/// the proposal index.
pub async fn serve_on(state: AppState, listener: tokio::net::TcpListener) -> std::io::Result<()> {
    if let Ok(addr) = listener.local_addr() {
        let _ = state.inner.bound.set(addr);
    }
    if state.config().public_url.is_none() {
        tracing::info!(
            base = %state.public_url(),
            "no public URL set (--public-url): absolute links use the address served on"
        );
    }
    let repairer = tokio::spawn(repair_periodically(state.clone()));
    let indexer = tokio::spawn(maintain_indexes(state.clone()));
    let served = accept_until_shutdown(&state, listener, shutdown_signal()).await;
    repairer.abort();
    indexer.abort();
    // The next start then reads only what changes from now on (see `ProposalIndex::save`).
    let saved = state
        .with_index(|lib, ix| {
            ix.proposals()
                .save(lib)
                .map_err(|e| AppError::internal(format!("saving the proposal index: {e}")))
        })
        .await;
    if let Err(e) = saved {
        tracing::warn!(error = %e, "the next start will read the proposals again");
    }
    served
}

/// Accepts connections until `shutdown` completes, then waits for the open ones to finish
/// (idle ones are closed at once).
async fn accept_until_shutdown(
    state: &AppState,
    listener: tokio::net::TcpListener,
    shutdown: impl std::future::Future<Output = ()>,
) -> std::io::Result<()> {
    use hyper_util::rt::{TokioIo, TokioTimer};
    let app = app(state.clone());
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(state.config().header_timeout)
        .keep_alive(true);
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(a) => a,
                Err(e) => {
                    // Out of file descriptors, or a connection reset before it was
                    // accepted: wait a moment rather than spin.
                    tracing::warn!(error = %e, "accepting a connection failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let _ = stream.set_nodelay(true);
        // As `into_make_service_with_connect_info` does: the peer as a request extension
        // (a wrapper around the router, not `Router::layer`, which rebuilds every route).
        let svc = tower::Layer::layer(
            &axum::Extension(axum::extract::ConnectInfo(peer)),
            app.clone(),
        );
        let svc = hyper_util::service::TowerToHyperService::new(svc);
        let conn = graceful.watch(http.serve_connection(TokioIo::new(stream), svc));
        tokio::spawn(async move {
            if let Err(e) = conn.await {
                tracing::debug!(%peer, error = %e, "connection closed");
            }
        });
    }
    drop(listener);
    graceful.shutdown().await;
    Ok(())
}

/// How often the server compares every proposal ref with its index, to catch ref
/// changes made without the change journal (a `git push` or `git fetch` into the
/// library). Quire's own writers, in any process, are followed at once.
pub const RESCAN_INTERVAL: Duration = Duration::from_secs(60);

/// Open proposals checked for mergeability per round of the background checker, and
/// the pause between rounds while some are left.
/// (About a sixth of one core while a backlog lasts, so a large library's first checks
/// never crowd out the requests.)
const MERGE_CHECKS_PER_ROUND: usize = 32;
const MERGE_ROUND_PAUSE: Duration = Duration::from_millis(100);

/// Keeps the indexes warm: checks the mergeability of open proposals that have no result
/// yet (pages say "checking" until then), and rescans the refs every [`RESCAN_INTERVAL`].
async fn maintain_indexes(state: AppState) {
    let mut last_rescan = tokio::time::Instant::now();
    loop {
        let rescan = last_rescan.elapsed() >= RESCAN_INTERVAL;
        if rescan {
            last_rescan = tokio::time::Instant::now();
        }
        let checked = state.maintain_indexes_once(rescan).await;
        let pause = match checked {
            Ok(_) => MERGE_ROUND_PAUSE,
            Err(e) => {
                tracing::warn!(error = %e, "updating the indexes failed; trying again later");
                Duration::from_secs(5)
            }
        };
        tokio::time::sleep(pause).await;
    }
}

impl AppState {
    /// One round of the index keeper (`maintain_indexes`, run by `serve`). The slow parts (listing every ref, the merge
    /// checks) run on a library without the indexes' lock, so requests that need the
    /// indexes wait only for the quick parts that apply the results.
    pub async fn maintain_indexes_once(&self, rescan: bool) -> Result<usize, AppError> {
        // Roles changed by another process (`quire accounts promote`) show in badges.
        let version = self.with_store(|s| Ok(s.data_version()?)).await?;
        let last = self
            .inner
            .store_version
            .swap(version, std::sync::atomic::Ordering::SeqCst);
        if last != version {
            self.roles_changed().await?;
        }
        if rescan {
            let listed = self
                .with_lib(|lib| Ok(ProposalIndex::list_refs(lib)?))
                .await?;
            self.with_index(move |lib, ix| Ok(ix.rescan_with(lib, listed)?))
                .await?;
        }
        let jobs = self
            .with_index(|lib, ix| Ok(ix.merge_jobs(lib, MERGE_CHECKS_PER_ROUND)?))
            .await?;
        if jobs.is_empty() {
            return Ok(0);
        }
        let done = self
            .with_lib(move |lib| {
                Ok(jobs
                    .into_iter()
                    .map(|j| j.run(lib))
                    .collect::<quire_core::Result<Vec<_>>>()?)
            })
            .await?;
        self.with_index(move |_, ix| Ok(ix.apply_merges(done)))
            .await
    }
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
        match state.with_lib(|lib| Ok(lib.repair_recent()?)).await {
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
