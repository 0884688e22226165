//! `quire serve`: the review server.

use std::io::Write;
use std::net::SocketAddr;
use std::path::PathBuf;

use anyhow::Context as _;
use clap::Args;

#[derive(Debug, Args)]
#[command(after_help = "\
On first run the data directory gets the bundled Digital Insights library (library.git)
and an account store (accounts.sqlite3), and the first maintainer's one-time password is
printed: it works for one sign-in within 24 hours, which must choose a new password.
`quire accounts --data-dir DATA_DIR ...` lists accounts, appoints maintainers and resets
passwords. The CLI works on the same library: quire --repo DATA_DIR/library.git ...
Set RUST_LOG (e.g. RUST_LOG=quire_server=debug) for more or less logging.")]
pub struct ServeArgs {
    /// Address to listen on (port 0 picks a free port)
    #[arg(long, default_value = "127.0.0.1:8080", env = "QUIRE_ADDR")]
    pub addr: SocketAddr,
    /// Where the library and account store live. Default: $XDG_DATA_HOME/quire
    #[arg(long, env = "QUIRE_DATA_DIR", value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
    /// Mark cookies Secure even on a loopback address (they always are on any other
    /// address, where the server is expected to sit behind HTTPS)
    #[arg(long, conflicts_with = "insecure_cookies")]
    pub secure_cookies: bool,
    /// Do not mark cookies Secure, even on a public address (plain-HTTP testing only)
    #[arg(long)]
    pub insecure_cookies: bool,
    /// Writes allowed per account per minute
    #[arg(long, default_value_t = 30)]
    pub writes_per_minute: u32,
    /// Sign-in and sign-up attempts per client address per minute
    #[arg(long, default_value_t = 10)]
    pub auth_attempts_per_minute: u32,
    /// The site's public address (e.g. https://quire.example.org), used for every absolute
    /// link (the Atom feeds); never taken from the request. Default: http:// and --addr
    #[arg(long, env = "QUIRE_PUBLIC_URL", value_name = "URL", value_parser = quire_server::net::public_url)]
    pub public_url: Option<String>,
    /// A reverse proxy (address or CIDR range, e.g. 10.0.0.0/8) whose X-Forwarded-For is
    /// believed for the sign-in limits; repeat for several. Default: none, the header is
    /// ignored and the peer address is used
    #[arg(long = "trusted-proxy", value_name = "ADDR/CIDR")]
    pub trusted_proxies: Vec<quire_server::net::IpRange>,
    /// Seconds a connection may take to send a request's headers (and stay idle between
    /// requests) before it is closed
    #[arg(long, default_value_t = quire_server::HEADER_TIMEOUT.as_secs(), value_name = "SECONDS")]
    pub header_timeout: u64,
    /// Seconds a request's body may take to arrive
    #[arg(long, default_value_t = quire_server::BODY_TIMEOUT.as_secs(), value_name = "SECONDS")]
    pub body_timeout: u64,
}

pub fn run(a: ServeArgs) -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,tower_http=info")),
        )
        .with_writer(std::io::stderr)
        .init();
    let mut config = quire_server::Config::new(a.data_dir.unwrap_or_else(super::default_data_dir));
    config.secure_cookies = a.secure_cookies || (!a.insecure_cookies && !a.addr.ip().is_loopback());
    config.writes_per_minute = a.writes_per_minute;
    config.auth_attempts_per_minute = a.auth_attempts_per_minute;
    config.public_url = a.public_url;
    config.trusted_proxies = a.trusted_proxies;
    config.header_timeout = std::time::Duration::from_secs(a.header_timeout.max(1));
    config.body_timeout = std::time::Duration::from_secs(a.body_timeout.max(1));
    let data_dir = config.data_dir.clone();
    let (state, setup) = quire_server::AppState::open(config)
        .map_err(|e| anyhow::anyhow!("{e}"))
        .with_context(|| format!("opening the data directory {}", data_dir.display()))?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(a.addr)
            .await
            .with_context(|| format!("listening on {}", a.addr))?;
        let local = listener.local_addr()?;
        let mut out = std::io::stdout().lock();
        if setup.created_library {
            writeln!(
                out,
                "Created the library from the bundled Digital Insights in {}",
                data_dir.display()
            )?;
        }
        if let Some((email, password)) = &setup.first_maintainer {
            writeln!(out, "First maintainer account: {email}")?;
            writeln!(out, "One-time password: {password}")?;
            writeln!(
                out,
                "(Shown once, stored only as a hash. It works for one sign-in within 24 hours, \
                 which must then choose a new password. If it expires, run: \
                 quire accounts reset-password {email} --data-dir {})",
                data_dir.display()
            )?;
        }
        writeln!(out, "Quire is serving at http://{local}/ (Ctrl-C to stop)")?;
        out.flush()?;
        drop(out);
        quire_server::serve_on(state, listener).await?;
        anyhow::Ok(())
    })
}
