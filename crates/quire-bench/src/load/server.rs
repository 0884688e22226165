//! `quire serve` as a child process: quire-stress's (started on a free loopback port,
//! its first-run lines parsed, its memory read from `/proc`, stopped with SIGTERM), with
//! a longer start timeout for a big data directory.

use std::path::Path;
use std::time::Duration;

pub use quire_stress::server::{find_quire, tail, Memory, Server, WRITES_PER_MINUTE};

/// How long the server may take to say it is serving (a big library opens slowly).
const START_TIMEOUT: Duration = Duration::from_secs(600);

/// Starts `quire serve` on a free loopback port; its log (stderr) goes to `log`.
pub fn start(quire: &Path, data_dir: &Path, log: &Path) -> anyhow::Result<Server> {
    quire_stress::server::start_with(quire, data_dir, log, START_TIMEOUT)
}
