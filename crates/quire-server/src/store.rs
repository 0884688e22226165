//! Accounts, sessions, API tokens and moderation reports, in an embedded SQLite database in
//! the data directory. Nothing here ever goes into git.
//!
//! Passwords are hashed with argon2id; session and API tokens are random 256-bit values of
//! which only the SHA-256 is stored, so a copy of the database does not let anyone sign in.

use std::path::Path;
use std::sync::Mutex;

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use rusqlite::{params, Connection, OptionalExtension};
use serde::Serialize;
use sha2::{Digest, Sha256};

/// How long a browser session lasts.
pub const SESSION_SECONDS: i64 = 14 * 24 * 3600;
/// Shortest password accepted.
pub const MIN_PASSWORD_CHARS: usize = 10;

/// A store error.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// Input the caller can fix.
    #[error("{0}")]
    Invalid(String),
    /// The database failed.
    #[error("account store: {0}")]
    Db(#[from] rusqlite::Error),
}

/// What an account may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Propose, comment, revise and withdraw their own proposals.
    Contributor,
    /// Everything: review, merge, reject, publish, moderate.
    Maintainer,
}

impl Role {
    fn as_str(self) -> &'static str {
        match self {
            Role::Contributor => "contributor",
            Role::Maintainer => "maintainer",
        }
    }
    fn parse(s: &str) -> Role {
        if s == "maintainer" {
            Role::Maintainer
        } else {
            Role::Contributor
        }
    }
}

/// An account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct User {
    /// Database id.
    pub id: i64,
    /// Display name (credited in git).
    pub name: String,
    /// Sign-in email (never written to git).
    pub email: String,
    /// Role.
    pub role: Role,
    /// Blocked accounts can read but not write.
    pub blocked: bool,
}

impl User {
    /// True for maintainers.
    pub fn is_maintainer(&self) -> bool {
        self.role == Role::Maintainer
    }

    /// The identity written to git: the display name and a no-reply address, so that
    /// sign-in emails never become public.
    pub fn identity(&self) -> quire_core::Identity {
        quire_core::Identity::web_account(self.id, &self.name)
    }

    /// Who this account is to the visibility policy ([`quire_core::policy`]): a blocked
    /// account reads as an anonymous visitor does.
    pub fn audience(&self) -> quire_core::Audience {
        use quire_core::Audience;
        if self.blocked {
            Audience::Anonymous
        } else if self.is_maintainer() {
            Audience::Maintainer(self.identity())
        } else {
            Audience::Contributor(self.identity())
        }
    }

    /// True if `id` is this user's git identity.
    pub fn owns(&self, id: &quire_core::Identity) -> bool {
        id.email == self.identity().email
    }
}

/// A report of a comment or proposal, waiting for a maintainer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Report {
    /// Database id.
    pub id: i64,
    /// Who reported it.
    pub reporter: String,
    /// `proposal`, `proposal_comment` or `section_comment`.
    pub kind: String,
    /// The proposal number or section id.
    pub target: String,
    /// The comment id, for comments.
    pub comment: Option<i64>,
    /// Why.
    pub reason: String,
    /// When (RFC 3339).
    pub created: String,
}

/// The account store.
pub struct Store {
    conn: Mutex<Connection>,
}

fn now_secs() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

fn now_rfc3339() -> String {
    time::OffsetDateTime::now_utc()
        .replace_nanosecond(0)
        .ok()
        .and_then(|t| {
            t.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_default()
}

/// A fresh random token, as 64 hex digits.
pub fn random_token() -> String {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).expect("the operating system provides randomness");
    hex(&bytes)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn digest(token: &str) -> String {
    hex(&Sha256::digest(token.as_bytes()))
}

impl Store {
    /// Opens (creating if needed) the database at `path`.
    pub fn open(path: &Path) -> Result<Store, StoreError> {
        let conn = Connection::open(path)?;
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        conn.execute_batch(
            "CREATE TABLE IF NOT EXISTS users (
                id INTEGER PRIMARY KEY,
                name TEXT NOT NULL,
                email TEXT NOT NULL UNIQUE COLLATE NOCASE,
                password_hash TEXT NOT NULL,
                role TEXT NOT NULL CHECK (role IN ('contributor', 'maintainer')),
                blocked INTEGER NOT NULL DEFAULT 0,
                created TEXT NOT NULL
            );
            CREATE TABLE IF NOT EXISTS sessions (
                token_hash TEXT PRIMARY KEY,
                user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
                expires INTEGER NOT NULL
            );
            CREATE TABLE IF NOT EXISTS api_tokens (
                token_hash TEXT PRIMARY KEY,
                user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
                label TEXT NOT NULL,
                created TEXT NOT NULL
            );
            CREATE TABLE IF NOT EXISTS reports (
                id INTEGER PRIMARY KEY,
                reporter_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
                kind TEXT NOT NULL,
                target TEXT NOT NULL,
                comment_id INTEGER,
                reason TEXT NOT NULL,
                created TEXT NOT NULL,
                resolved INTEGER NOT NULL DEFAULT 0
            );",
        )?;
        Ok(Store {
            conn: Mutex::new(conn),
        })
    }

    fn conn(&self) -> std::sync::MutexGuard<'_, Connection> {
        // A panic while holding the lock cannot leave SQLite inconsistent (each statement is
        // atomic), so a poisoned lock is safe to reuse.
        self.conn.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Number of accounts.
    pub fn user_count(&self) -> Result<i64, StoreError> {
        Ok(self
            .conn()
            .query_row("SELECT COUNT(*) FROM users", [], |r| r.get(0))?)
    }

    /// Creates an account. The name must be a valid git name, the email look like one, the
    /// password be at least [`MIN_PASSWORD_CHARS`] characters.
    pub fn create_user(
        &self,
        name: &str,
        email: &str,
        password: &str,
        role: Role,
    ) -> Result<User, StoreError> {
        let name = name.trim();
        let email = email.trim();
        quire_core::Identity::new(name, email).map_err(|e| StoreError::Invalid(e.to_string()))?;
        if password.chars().count() < MIN_PASSWORD_CHARS {
            return Err(StoreError::Invalid(format!(
                "the password must be at least {MIN_PASSWORD_CHARS} characters"
            )));
        }
        if password.len() > 1024 {
            return Err(StoreError::Invalid("the password is too long".into()));
        }
        let salt = SaltString::encode_b64(random_token().as_bytes()[..16].as_ref())
            .map_err(|e| StoreError::Invalid(e.to_string()))?;
        let hash = Argon2::default()
            .hash_password(password.as_bytes(), &salt)
            .map_err(|e| StoreError::Invalid(e.to_string()))?
            .to_string();
        let conn = self.conn();
        let res = conn.execute(
            "INSERT INTO users (name, email, password_hash, role, created) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![name, email, hash, role.as_str(), now_rfc3339()],
        );
        match res {
            Ok(_) => {}
            Err(rusqlite::Error::SqliteFailure(e, _))
                if e.code == rusqlite::ErrorCode::ConstraintViolation =>
            {
                return Err(StoreError::Invalid(
                    "an account with that email already exists".into(),
                ));
            }
            Err(e) => return Err(e.into()),
        }
        let id = conn.last_insert_rowid();
        Ok(User {
            id,
            name: name.to_string(),
            email: email.to_string(),
            role,
            blocked: false,
        })
    }

    fn user_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<User> {
        Ok(User {
            id: r.get(0)?,
            name: r.get(1)?,
            email: r.get(2)?,
            role: Role::parse(&r.get::<_, String>(3)?),
            blocked: r.get::<_, i64>(4)? != 0,
        })
    }

    /// An account by id.
    pub fn user(&self, id: i64) -> Result<Option<User>, StoreError> {
        Ok(self
            .conn()
            .query_row(
                "SELECT id, name, email, role, blocked FROM users WHERE id = ?1",
                [id],
                Self::user_from_row,
            )
            .optional()?)
    }

    /// Checks an email and password; `None` if either is wrong.
    pub fn verify_login(&self, email: &str, password: &str) -> Result<Option<User>, StoreError> {
        let row: Option<(User, String)> = self
            .conn()
            .query_row(
                "SELECT id, name, email, role, blocked, password_hash FROM users WHERE email = ?1",
                [email.trim()],
                |r| Ok((Self::user_from_row(r)?, r.get(5)?)),
            )
            .optional()?;
        let Some((user, hash)) = row else {
            // Spend the same effort as a real check, so timing does not reveal accounts.
            let _ = Argon2::default().hash_password(
                password.as_bytes(),
                &SaltString::encode_b64(b"timing-balance").expect("valid salt"),
            );
            return Ok(None);
        };
        let parsed = PasswordHash::new(&hash).map_err(|e| StoreError::Invalid(e.to_string()))?;
        Ok(Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok()
            .then_some(user))
    }

    /// Starts a session; returns its token (for the cookie).
    pub fn create_session(&self, user_id: i64) -> Result<String, StoreError> {
        let token = random_token();
        let conn = self.conn();
        conn.execute("DELETE FROM sessions WHERE expires < ?1", [now_secs()])?;
        conn.execute(
            "INSERT INTO sessions (token_hash, user_id, expires) VALUES (?1, ?2, ?3)",
            params![digest(&token), user_id, now_secs() + SESSION_SECONDS],
        )?;
        Ok(token)
    }

    /// The account a session token belongs to, if the session is live.
    pub fn session_user(&self, token: &str) -> Result<Option<User>, StoreError> {
        Ok(self
            .conn()
            .query_row(
                "SELECT u.id, u.name, u.email, u.role, u.blocked FROM sessions s JOIN users u ON u.id = s.user_id
                 WHERE s.token_hash = ?1 AND s.expires >= ?2",
                params![digest(token), now_secs()],
                Self::user_from_row,
            )
            .optional()?)
    }

    /// Ends a session.
    pub fn delete_session(&self, token: &str) -> Result<(), StoreError> {
        self.conn().execute(
            "DELETE FROM sessions WHERE token_hash = ?1",
            [digest(token)],
        )?;
        Ok(())
    }

    /// Makes an API token for scripts; returns it (shown once).
    pub fn create_api_token(&self, user_id: i64, label: &str) -> Result<String, StoreError> {
        let token = format!("qt_{}", random_token());
        self.conn().execute(
            "INSERT INTO api_tokens (token_hash, user_id, label, created) VALUES (?1, ?2, ?3, ?4)",
            params![digest(&token), user_id, label, now_rfc3339()],
        )?;
        Ok(token)
    }

    /// The account an API token belongs to.
    pub fn token_user(&self, token: &str) -> Result<Option<User>, StoreError> {
        Ok(self
            .conn()
            .query_row(
                "SELECT u.id, u.name, u.email, u.role, u.blocked FROM api_tokens t JOIN users u ON u.id = t.user_id
                 WHERE t.token_hash = ?1",
                [digest(token)],
                Self::user_from_row,
            )
            .optional()?)
    }

    /// Blocks or unblocks an account. Blocking ends its sessions.
    pub fn set_blocked(&self, user_id: i64, blocked: bool) -> Result<bool, StoreError> {
        let conn = self.conn();
        let n = conn.execute(
            "UPDATE users SET blocked = ?1 WHERE id = ?2",
            params![i64::from(blocked), user_id],
        )?;
        if blocked {
            conn.execute("DELETE FROM sessions WHERE user_id = ?1", [user_id])?;
        }
        Ok(n == 1)
    }

    /// Makes an account a maintainer or a contributor.
    pub fn set_role(&self, user_id: i64, role: Role) -> Result<bool, StoreError> {
        Ok(self.conn().execute(
            "UPDATE users SET role = ?1 WHERE id = ?2",
            params![role.as_str(), user_id],
        )? == 1)
    }

    /// Records a report.
    pub fn add_report(
        &self,
        reporter: i64,
        kind: &str,
        target: &str,
        comment: Option<i64>,
        reason: &str,
    ) -> Result<i64, StoreError> {
        let conn = self.conn();
        conn.execute(
            "INSERT INTO reports (reporter_id, kind, target, comment_id, reason, created) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![reporter, kind, target, comment, reason, now_rfc3339()],
        )?;
        Ok(conn.last_insert_rowid())
    }

    /// Reports not yet dealt with, oldest first.
    pub fn open_reports(&self) -> Result<Vec<Report>, StoreError> {
        let conn = self.conn();
        let mut stmt = conn.prepare(
            "SELECT r.id, u.name, r.kind, r.target, r.comment_id, r.reason, r.created
             FROM reports r JOIN users u ON u.id = r.reporter_id WHERE r.resolved = 0 ORDER BY r.id",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok(Report {
                id: r.get(0)?,
                reporter: r.get(1)?,
                kind: r.get(2)?,
                target: r.get(3)?,
                comment: r.get(4)?,
                reason: r.get(5)?,
                created: r.get(6)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Marks a report dealt with.
    pub fn resolve_report(&self, id: i64) -> Result<bool, StoreError> {
        Ok(self
            .conn()
            .execute("UPDATE reports SET resolved = 1 WHERE id = ?1", [id])?
            == 1)
    }

    /// Finds the account whose git identity is `id` (the no-reply address).
    pub fn user_by_identity(&self, id: &quire_core::Identity) -> Result<Option<User>, StoreError> {
        let Some(num) = id.web_account_id() else {
            return Ok(None);
        };
        self.user(num)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn store() -> (tempfile::TempDir, Store) {
        let dir = tempfile::tempdir().expect("temp dir");
        let s = Store::open(&dir.path().join("accounts.sqlite3")).expect("open");
        (dir, s)
    }

    #[test]
    fn accounts_sign_in_only_with_the_right_password() {
        let (_d, s) = store();
        let u = s
            .create_user(
                "Ann Example",
                "ann@example.org",
                "correct horse battery",
                Role::Contributor,
            )
            .expect("create");
        assert_eq!(
            s.verify_login("ann@example.org", "correct horse battery")
                .expect("ok"),
            Some(u.clone())
        );
        assert_eq!(
            s.verify_login("ANN@example.org", "correct horse battery")
                .expect("ok"),
            Some(u)
        );
        assert_eq!(
            s.verify_login("ann@example.org", "wrong password!")
                .expect("ok"),
            None
        );
        assert_eq!(
            s.verify_login("nobody@example.org", "correct horse battery")
                .expect("ok"),
            None
        );
        let dup = s.create_user(
            "Ann 2",
            "ann@example.org",
            "another password",
            Role::Contributor,
        );
        assert!(matches!(dup, Err(StoreError::Invalid(_))));
        assert!(s
            .create_user("Bob", "bob@example.org", "short", Role::Contributor)
            .is_err());
        assert!(s
            .create_user(
                "Bo<b>",
                "bob@example.org",
                "long enough pw",
                Role::Contributor
            )
            .is_err());
    }

    #[test]
    fn sessions_and_tokens_are_stored_hashed_and_end() {
        let (_d, s) = store();
        let u = s
            .create_user(
                "Ann",
                "ann@example.org",
                "correct horse battery",
                Role::Maintainer,
            )
            .expect("create");
        let token = s.create_session(u.id).expect("session");
        assert_eq!(
            s.session_user(&token).expect("ok").map(|u| u.id),
            Some(u.id)
        );
        let raw: i64 = s
            .conn()
            .query_row(
                "SELECT COUNT(*) FROM sessions WHERE token_hash = ?1",
                [&token],
                |r| r.get(0),
            )
            .expect("query");
        assert_eq!(raw, 0, "the raw token is never stored");
        s.delete_session(&token).expect("delete");
        assert_eq!(s.session_user(&token).expect("ok"), None);
        let api = s.create_api_token(u.id, "script").expect("token");
        assert_eq!(s.token_user(&api).expect("ok").map(|u| u.id), Some(u.id));
        assert_eq!(s.token_user("qt_bogus").expect("ok"), None);
        let again = s.create_session(u.id).expect("session");
        s.set_blocked(u.id, true).expect("block");
        assert_eq!(
            s.session_user(&again).expect("ok"),
            None,
            "blocking ends sessions"
        );
    }
}
