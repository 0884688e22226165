//! `quire accounts`: the review server's accounts, from its data directory. For whoever
//! runs the server: list accounts, appoint and remove maintainers, and give an account a
//! new one-time password (the way back in when the first maintainer's has expired or a
//! password is lost). Works while the server runs (SQLite takes turns).

use std::io::Write;
use std::path::PathBuf;

use anyhow::Context as _;
use clap::{Args, Subcommand};
use quire_server::store::{self, Role, Store, User};

#[derive(Debug, Args)]
pub struct AccountsArgs {
    /// The server's data directory (where accounts.sqlite3 is). Default: $XDG_DATA_HOME/quire
    #[arg(long, global = true, env = "QUIRE_DATA_DIR", value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
    #[command(subcommand)]
    pub command: AccountsCommand,
}

#[derive(Debug, Subcommand)]
pub enum AccountsCommand {
    /// List every account with its role
    List,
    /// Make an account a maintainer
    Promote(Who),
    /// Make a maintainer a contributor again (never the last maintainer)
    Demote(Who),
    /// Give an account a new one-time password, printed once: it works for one sign-in
    /// within 24 hours, which must then choose a new password. Signs the account out
    /// everywhere.
    ResetPassword(Who),
}

#[derive(Debug, Args)]
pub struct Who {
    /// The account's sign-in email, or its number from `quire accounts list`
    pub account: String,
}

/// No account matched (exit code 3).
#[derive(Debug)]
pub struct NoSuchAccount(pub String);

impl std::fmt::Display for NoSuchAccount {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "there is no account {:?}; `quire accounts list` shows them",
            self.0
        )
    }
}

impl std::error::Error for NoSuchAccount {}

fn open(a: &AccountsArgs) -> anyhow::Result<Store> {
    let dir = a.data_dir.clone().unwrap_or_else(super::default_data_dir);
    let path = quire_server::accounts_path(&dir);
    if !path.exists() {
        return Err(anyhow::Error::new(NoSuchAccount(String::new()))).with_context(|| {
            format!(
                "no account store at {}: is --data-dir the directory `quire serve` uses?",
                path.display()
            )
        });
    }
    Store::open(&path).with_context(|| format!("opening {}", path.display()))
}

fn find(s: &Store, who: &Who) -> anyhow::Result<User> {
    let by_id = who
        .account
        .parse::<i64>()
        .ok()
        .map(|id| s.user(id))
        .transpose()?;
    let found = match by_id.flatten() {
        Some(u) => Some(u),
        None => s.user_by_email(&who.account)?,
    };
    found.ok_or_else(|| anyhow::Error::new(NoSuchAccount(who.account.clone())))
}

pub fn run(a: AccountsArgs) -> anyhow::Result<()> {
    let s = open(&a)?;
    let mut out = std::io::stdout().lock();
    match &a.command {
        AccountsCommand::List => {
            writeln!(out, "{:>4}  {:<11}  {:<32}  NAME", "ID", "ROLE", "EMAIL")?;
            for acc in s.accounts()? {
                let u = &acc.user;
                let mut notes = String::new();
                if u.blocked {
                    notes.push_str("  (blocked)");
                }
                if u.must_change_password {
                    notes.push_str("  (one-time password)");
                }
                writeln!(
                    out,
                    "{:>4}  {:<11}  {:<32}  {}{notes}",
                    u.id,
                    u.role.as_str(),
                    u.email,
                    u.name
                )?;
            }
        }
        AccountsCommand::Promote(who) => {
            let u = find(&s, who)?;
            s.set_role(u.id, Role::Maintainer)?;
            writeln!(out, "{} <{}> is now a maintainer", u.name, u.email)?;
        }
        AccountsCommand::Demote(who) => {
            let u = find(&s, who)?;
            s.set_role(u.id, Role::Contributor)?;
            writeln!(out, "{} <{}> is now a contributor", u.name, u.email)?;
        }
        AccountsCommand::ResetPassword(who) => {
            let u = find(&s, who)?;
            let password = s.reset_password_at(u.id, store::now_secs())?;
            writeln!(out, "Account: {}", u.email)?;
            writeln!(out, "One-time password: {password}")?;
            writeln!(
                out,
                "(Shown once. It works for one sign-in within 24 hours, which must then choose a new password.)"
            )?;
        }
    }
    out.flush()?;
    Ok(())
}
