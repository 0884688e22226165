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
/// How long a one-time password (the first maintainer's, or one from
/// `quire accounts reset-password`) and a reset link last if unused.
pub const ONE_TIME_SECONDS: i64 = 24 * 3600;
/// The first maintainer's sign-in email, made on first start.
pub const FIRST_MAINTAINER_EMAIL: &str = "maintainer@localhost.invalid";
pub use crate::credentials::MIN_PASSWORD_CHARS;

/// The schema version this code writes (`PRAGMA user_version`); see [`Store::open`].
pub const SCHEMA_VERSION: i64 = 1;

/// A store error.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// Input the caller can fix.
    #[error("{0}")]
    Invalid(String),
    /// One form field the caller can fix: its name (`name`, `email`, `password`,
    /// `current_password`) and what is wrong.
    #[error("{message}")]
    Field {
        /// The field.
        field: &'static str,
        /// What is wrong with it, as a sentence.
        message: String,
    },
    /// The database failed.
    #[error("account store: {0}")]
    Db(#[from] rusqlite::Error),
}

fn field(field: &'static str, message: impl Into<String>) -> StoreError {
    StoreError::Field {
        field,
        message: message.into(),
    }
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
    /// The stored (and API) name.
    pub fn as_str(self) -> &'static str {
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
    /// The badge shown beside the names of accounts in this role, if any.
    pub fn badge(self) -> Option<&'static str> {
        match self {
            Role::Maintainer => Some("Maintainer"),
            Role::Contributor => None,
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
    /// Signed in with a one-time password: must choose a new one before anything else.
    #[serde(skip)]
    pub must_change_password: bool,
}

/// The columns [`Store::user_from_row`] reads, from `users u`.
const USER_COLUMNS: &str = "u.id, u.name, u.email, u.role, u.blocked, u.must_change_password";

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

/// The result of a write that sets an account's email: the unique index on `email` is the
/// only constraint such a write can break, so a violation means the address is taken.
fn email_unless_taken(res: rusqlite::Result<usize>, taken: &str) -> Result<(), StoreError> {
    match res {
        Ok(_) => Ok(()),
        Err(rusqlite::Error::SqliteFailure(e, _))
            if e.code == rusqlite::ErrorCode::ConstraintViolation =>
        {
            Err(field("email", taken))
        }
        Err(e) => Err(e.into()),
    }
}

/// The outcome of a sign-in attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SignIn {
    /// The email and password are right.
    Ok(User),
    /// The email or the password is wrong.
    Wrong,
    /// The password is right but was a one-time password that has expired.
    OneTimeExpired,
}

/// An API token, as listed (never its secret).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ApiToken {
    /// Its id, to revoke it by.
    pub id: i64,
    /// The name its owner gave it.
    pub name: String,
    /// When it was made (RFC 3339).
    pub created: String,
    /// When it was last used (RFC 3339), if ever.
    pub last_used: Option<String>,
    /// When it stops working (RFC 3339), if ever.
    pub expires: Option<String>,
}

/// An account as listed for maintainers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Account {
    /// The account.
    #[serde(flatten)]
    pub user: User,
    /// When it was made (RFC 3339).
    pub created: String,
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

/// Seconds since 1970, now.
pub fn now_secs() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

fn now_rfc3339() -> String {
    rfc3339(now_secs())
}

/// A time in seconds since 1970 as RFC 3339 (UTC, whole seconds).
pub fn rfc3339(secs: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp(secs)
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

/// A one-time password: 20 characters from an alphabet without look-alikes (about 100
/// bits), easy to read out and type.
fn one_time_password() -> String {
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789";
    let mut bytes = [0u8; 20];
    getrandom::fill(&mut bytes).expect("the operating system provides randomness");
    bytes
        .iter()
        .map(|b| char::from(ALPHABET[usize::from(*b) % ALPHABET.len()]))
        .collect()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn digest(token: &str) -> String {
    hex(&Sha256::digest(token.as_bytes()))
}

fn hash_password(password: &str) -> Result<String, StoreError> {
    let salt = SaltString::encode_b64(random_token().as_bytes()[..16].as_ref())
        .map_err(|e| StoreError::Invalid(e.to_string()))?;
    Ok(Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map_err(|e| StoreError::Invalid(e.to_string()))?
        .to_string())
}

fn password_matches(password: &str, hash: &str) -> Result<bool, StoreError> {
    let parsed = PasswordHash::new(hash).map_err(|e| StoreError::Invalid(e.to_string()))?;
    Ok(Argon2::default()
        .verify_password(password.as_bytes(), &parsed)
        .is_ok())
}

fn check_password(field_name: &'static str, password: &str) -> Result<(), StoreError> {
    match crate::credentials::password_problem(password) {
        Some(msg) => Err(field(field_name, msg)),
        None => Ok(()),
    }
}

fn check_email(email: &str) -> Result<(), StoreError> {
    quire_core::Identity::new("x", email)
        .map(|_| ())
        .map_err(|_| field("email", "Enter an email address like name@example.org"))
}

/// Moves the schema from `PRAGMA user_version` up to [`SCHEMA_VERSION`], one version per
/// transaction.
fn migrate(conn: &mut Connection) -> Result<(), StoreError> {
    let version: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    if version < 1 {
        let tx = conn.transaction()?;
        tx.execute_batch(
            "ALTER TABLE users ADD COLUMN name_skeleton TEXT NOT NULL DEFAULT '';
             ALTER TABLE users ADD COLUMN must_change_password INTEGER NOT NULL DEFAULT 0;
             ALTER TABLE users ADD COLUMN password_expires INTEGER;
             ALTER TABLE users ADD COLUMN name_skeleton_cased TEXT NOT NULL DEFAULT '';
             CREATE INDEX users_name_skeleton ON users(name_skeleton);
             CREATE INDEX users_name_skeleton_cased ON users(name_skeleton_cased);
             ALTER TABLE api_tokens ADD COLUMN expires INTEGER;
             ALTER TABLE api_tokens ADD COLUMN last_used INTEGER;
             CREATE TABLE reset_links (
                token_hash TEXT PRIMARY KEY,
                user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
                expires INTEGER NOT NULL
             );
             CREATE TABLE secrets (
                name TEXT PRIMARY KEY,
                value TEXT NOT NULL
             );",
        )?;
        let names: Vec<(i64, String)> = {
            let mut stmt = tx.prepare("SELECT id, name FROM users")?;
            let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
            rows.collect::<Result<_, _>>()?
        };
        for (id, name) in names {
            let (folded, cased) = crate::credentials::name_skeletons(&name);
            tx.execute(
                "UPDATE users SET name_skeleton = ?1, name_skeleton_cased = ?2 WHERE id = ?3",
                params![folded, cased, id],
            )?;
        }
        // Before this version no password could be changed, so the first maintainer's
        // is still the one printed at first start: it must be changed at next sign-in.
        tx.execute(
            "UPDATE users SET must_change_password = 1 WHERE email = ?1",
            [FIRST_MAINTAINER_EMAIL],
        )?;
        tx.pragma_update(None, "user_version", 1)?;
        tx.commit()?;
    }
    Ok(())
}

impl Store {
    /// Opens (creating if needed) the database at `path`, bringing its schema up to
    /// [`SCHEMA_VERSION`]: the tables of the first version are created if missing, then
    /// each later version's changes run once, as `PRAGMA user_version` records.
    pub fn open(path: &Path) -> Result<Store, StoreError> {
        let mut conn = Connection::open(path)?;
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
        let version: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
        if version > SCHEMA_VERSION {
            return Err(StoreError::Invalid(format!(
                "the account store is from a newer Quire (schema {version}; this one knows up to {SCHEMA_VERSION})"
            )));
        }
        migrate(&mut conn)?;
        Ok(Store {
            conn: Mutex::new(conn),
        })
    }

    fn conn(&self) -> std::sync::MutexGuard<'_, Connection> {
        // A panic while holding the lock cannot leave SQLite inconsistent (each statement is
        // atomic), so a poisoned lock is safe to reuse.
        self.conn.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// SQLite's `PRAGMA data_version` for this connection: it changes whenever another
    /// connection (another process) commits a change to the store.
    pub fn data_version(&self) -> Result<i64, StoreError> {
        Ok(self
            .conn()
            .query_row("PRAGMA data_version", [], |r| r.get(0))?)
    }

    /// Number of accounts.
    pub fn user_count(&self) -> Result<i64, StoreError> {
        Ok(self
            .conn()
            .query_row("SELECT COUNT(*) FROM users", [], |r| r.get(0))?)
    }

    /// Checks a display name for a new or renamed account (`except` is the account being
    /// renamed): its characters (see [`crate::credentials`]), then that no other account's
    /// name has the same skeletons. Returns the trimmed name and its skeletons.
    fn check_name(
        conn: &Connection,
        name: &str,
        except: Option<i64>,
    ) -> Result<(String, (String, String)), StoreError> {
        let name = name.trim();
        if let Some(msg) = crate::credentials::name_problem(name) {
            return Err(field("name", msg));
        }
        quire_core::Identity::new(name, "x@example.org")
            .map_err(|e| field("name", e.to_string()))?;
        let skeleton = crate::credentials::name_skeletons(name);
        let taken: Option<String> = conn
            .query_row(
                "SELECT name FROM users WHERE (name_skeleton = ?1 OR name_skeleton_cased = ?2) AND id != ?3 LIMIT 1",
                params![skeleton.0, skeleton.1, except.unwrap_or(-1)],
                |r| r.get(0),
            )
            .optional()?;
        if taken.is_some() {
            return Err(field(
                "name",
                "Another account already has this name, or one that looks the same; choose a different name",
            ));
        }
        Ok((name.to_string(), skeleton))
    }

    /// Creates an account. The name must pass the display-name rules and look like no
    /// other account's, the email look like one, the password pass the password rules
    /// (see [`crate::credentials`]).
    pub fn create_user(
        &self,
        name: &str,
        email: &str,
        password: &str,
        role: Role,
    ) -> Result<User, StoreError> {
        let email = email.trim();
        let conn = self.conn();
        let (name, skeleton) = Self::check_name(&conn, name, None)?;
        check_email(email)?;
        check_password("password", password)?;
        Self::insert_user(
            &conn,
            &name,
            &skeleton,
            email,
            &hash_password(password)?,
            role,
            None,
        )
    }

    #[allow(clippy::too_many_arguments)]
    fn insert_user(
        conn: &Connection,
        name: &str,
        skeleton: &(String, String),
        email: &str,
        hash: &str,
        role: Role,
        one_time_expires: Option<i64>,
    ) -> Result<User, StoreError> {
        let res = conn.execute(
            "INSERT INTO users (name, email, password_hash, role, created, name_skeleton, name_skeleton_cased, must_change_password, password_expires)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            params![
                name,
                email,
                hash,
                role.as_str(),
                now_rfc3339(),
                skeleton.0,
                skeleton.1,
                i64::from(one_time_expires.is_some()),
                one_time_expires
            ],
        );
        email_unless_taken(res, "An account with that email address already exists")?;
        Ok(User {
            id: conn.last_insert_rowid(),
            name: name.to_string(),
            email: email.to_string(),
            role,
            blocked: false,
            must_change_password: one_time_expires.is_some(),
        })
    }

    /// Makes the first maintainer, named "Maintainer" (a reserved name only the server
    /// gives), with a one-time password made `now` (returned, shown once): it works for
    /// one sign-in within [`ONE_TIME_SECONDS`], which must then choose a new one.
    pub fn create_first_maintainer_at(&self, now: i64) -> Result<(User, String), StoreError> {
        let password = one_time_password();
        let conn = self.conn();
        let user = Self::insert_user(
            &conn,
            "Maintainer",
            &crate::credentials::name_skeletons("Maintainer"),
            FIRST_MAINTAINER_EMAIL,
            &hash_password(&password)?,
            Role::Maintainer,
            Some(now + ONE_TIME_SECONDS),
        )?;
        Ok((user, password))
    }

    /// Gives an account a new one-time password (returned, shown once), with the same
    /// rules as the first maintainer's; ends its sessions and reset links.
    pub fn reset_password_at(&self, user_id: i64, now: i64) -> Result<String, StoreError> {
        let password = one_time_password();
        let hash = hash_password(&password)?;
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        let n = tx.execute(
            "UPDATE users SET password_hash = ?1, must_change_password = 1, password_expires = ?2 WHERE id = ?3",
            params![hash, now + ONE_TIME_SECONDS, user_id],
        )?;
        if n != 1 {
            return Err(StoreError::Invalid(format!(
                "there is no account {user_id}"
            )));
        }
        tx.execute("DELETE FROM sessions WHERE user_id = ?1", [user_id])?;
        tx.execute("DELETE FROM reset_links WHERE user_id = ?1", [user_id])?;
        tx.commit()?;
        Ok(password)
    }

    fn user_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<User> {
        Ok(User {
            id: r.get(0)?,
            name: r.get(1)?,
            email: r.get(2)?,
            role: Role::parse(&r.get::<_, String>(3)?),
            blocked: r.get::<_, i64>(4)? != 0,
            must_change_password: r.get::<_, i64>(5)? != 0,
        })
    }

    /// An account by id.
    pub fn user(&self, id: i64) -> Result<Option<User>, StoreError> {
        Ok(self
            .conn()
            .query_row(
                &format!("SELECT {USER_COLUMNS} FROM users u WHERE u.id = ?1"),
                [id],
                Self::user_from_row,
            )
            .optional()?)
    }

    /// An account by sign-in email (any case).
    pub fn user_by_email(&self, email: &str) -> Result<Option<User>, StoreError> {
        Ok(self
            .conn()
            .query_row(
                &format!("SELECT {USER_COLUMNS} FROM users u WHERE u.email = ?1"),
                [email.trim()],
                Self::user_from_row,
            )
            .optional()?)
    }

    /// Every account, oldest first.
    pub fn accounts(&self) -> Result<Vec<Account>, StoreError> {
        let conn = self.conn();
        let mut stmt = conn.prepare(&format!(
            "SELECT {USER_COLUMNS}, u.created FROM users u ORDER BY u.id"
        ))?;
        let rows = stmt.query_map([], |r| {
            Ok(Account {
                user: Self::user_from_row(r)?,
                created: r.get(6)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Checks an email and password at time `now`. A one-time password past its expiry
    /// is [`SignIn::OneTimeExpired`] (said only when the password is right).
    pub fn sign_in_at(&self, email: &str, password: &str, now: i64) -> Result<SignIn, StoreError> {
        let row: Option<(User, String, Option<i64>)> = self
            .conn()
            .query_row(
                &format!("SELECT {USER_COLUMNS}, u.password_hash, u.password_expires FROM users u WHERE u.email = ?1"),
                [email.trim()],
                |r| Ok((Self::user_from_row(r)?, r.get(6)?, r.get(7)?)),
            )
            .optional()?;
        let Some((user, hash, expires)) = row else {
            // Spend the same effort as a real check, so timing does not reveal accounts.
            let _ = Argon2::default().hash_password(
                password.as_bytes(),
                &SaltString::encode_b64(b"timing-balance").expect("valid salt"),
            );
            return Ok(SignIn::Wrong);
        };
        if !password_matches(password, &hash)? {
            return Ok(SignIn::Wrong);
        }
        match expires {
            Some(e) if user.must_change_password && e < now => Ok(SignIn::OneTimeExpired),
            _ => Ok(SignIn::Ok(user)),
        }
    }

    /// Checks an email and password now; `None` if either is wrong or the password was a
    /// one-time password that has expired.
    pub fn verify_login(&self, email: &str, password: &str) -> Result<Option<User>, StoreError> {
        Ok(match self.sign_in_at(email, password, now_secs())? {
            SignIn::Ok(u) => Some(u),
            SignIn::Wrong | SignIn::OneTimeExpired => None,
        })
    }

    /// Sets a new password for an account that signed in with a one-time password (or
    /// any account, from a checked place): checks the rules, refuses the password it
    /// replaces, and ends every other session (`keep` is the caller's).
    pub fn set_password(
        &self,
        user_id: i64,
        new: &str,
        keep: Option<&str>,
    ) -> Result<(), StoreError> {
        check_password("password", new)?;
        let old: String = self.conn().query_row(
            "SELECT password_hash FROM users WHERE id = ?1",
            [user_id],
            |r| r.get(0),
        )?;
        if password_matches(new, &old)? {
            return Err(field(
                "password",
                "Choose a password different from the one you have now",
            ));
        }
        let hash = hash_password(new)?;
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        tx.execute(
            "UPDATE users SET password_hash = ?1, must_change_password = 0, password_expires = NULL WHERE id = ?2",
            params![hash, user_id],
        )?;
        tx.execute(
            "DELETE FROM sessions WHERE user_id = ?1 AND token_hash != ?2",
            params![user_id, keep.map(digest).unwrap_or_default()],
        )?;
        tx.execute("DELETE FROM reset_links WHERE user_id = ?1", [user_id])?;
        tx.commit()?;
        Ok(())
    }

    /// Changes a password given the current one (the account page).
    pub fn change_password(
        &self,
        user_id: i64,
        current: &str,
        new: &str,
        keep: Option<&str>,
    ) -> Result<(), StoreError> {
        let old: String = self.conn().query_row(
            "SELECT password_hash FROM users WHERE id = ?1",
            [user_id],
            |r| r.get(0),
        )?;
        if !password_matches(current, &old)? {
            return Err(field(
                "current_password",
                "Your current password is not right",
            ));
        }
        self.set_password(user_id, new, keep)
    }

    /// Changes an account's display name and sign-in email (the name under the same rules
    /// as at sign-up). Names already in git stay as they were written.
    pub fn update_details(
        &self,
        user_id: i64,
        name: &str,
        email: &str,
    ) -> Result<User, StoreError> {
        let email = email.trim();
        {
            let conn = self.conn();
            let (name, skeleton) = Self::check_name(&conn, name, Some(user_id))?;
            check_email(email)?;
            let res = conn.execute(
                "UPDATE users SET name = ?1, name_skeleton = ?2, name_skeleton_cased = ?3, email = ?4 WHERE id = ?5",
                params![name, skeleton.0, skeleton.1, email, user_id],
            );
            email_unless_taken(res, "Another account already uses that email address")?;
        }
        self.user(user_id)?
            .ok_or_else(|| StoreError::Invalid(format!("there is no account {user_id}")))
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
                &format!(
                    "SELECT {USER_COLUMNS} FROM sessions s JOIN users u ON u.id = s.user_id
                 WHERE s.token_hash = ?1 AND s.expires >= ?2"
                ),
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

    /// Ends every session of an account and, if `tokens`, revokes every API token too.
    pub fn sign_out_everywhere(&self, user_id: i64, tokens: bool) -> Result<(), StoreError> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        tx.execute("DELETE FROM sessions WHERE user_id = ?1", [user_id])?;
        if tokens {
            tx.execute("DELETE FROM api_tokens WHERE user_id = ?1", [user_id])?;
        }
        tx.commit()?;
        Ok(())
    }

    /// Makes an API token for scripts that never expires; returns it (shown once).
    pub fn create_api_token(&self, user_id: i64, label: &str) -> Result<String, StoreError> {
        Ok(self
            .create_api_token_at(user_id, label, None, now_secs())?
            .1)
    }

    /// Makes an API token named `name` at time `now`, working until `expires` (seconds
    /// since 1970) if given; returns it as listed, and its secret (shown once).
    pub fn create_api_token_at(
        &self,
        user_id: i64,
        name: &str,
        expires: Option<i64>,
        now: i64,
    ) -> Result<(ApiToken, String), StoreError> {
        let token = format!("qt_{}", random_token());
        let conn = self.conn();
        conn.execute(
            "INSERT INTO api_tokens (token_hash, user_id, label, created, expires) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![digest(&token), user_id, name, rfc3339(now), expires],
        )?;
        let listed = ApiToken {
            id: conn.last_insert_rowid(),
            name: name.to_string(),
            created: rfc3339(now),
            last_used: None,
            expires: expires.map(rfc3339),
        };
        Ok((listed, token))
    }

    /// An account's API tokens, newest first.
    pub fn api_tokens(&self, user_id: i64) -> Result<Vec<ApiToken>, StoreError> {
        let conn = self.conn();
        let mut stmt = conn.prepare(
            "SELECT rowid, label, created, last_used, expires FROM api_tokens WHERE user_id = ?1 ORDER BY rowid DESC",
        )?;
        let rows = stmt.query_map([user_id], |r| {
            Ok(ApiToken {
                id: r.get(0)?,
                name: r.get(1)?,
                created: r.get(2)?,
                last_used: r.get::<_, Option<i64>>(3)?.map(rfc3339),
                expires: r.get::<_, Option<i64>>(4)?.map(rfc3339),
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Revokes one of an account's API tokens; false if it has no such token.
    pub fn revoke_api_token(&self, user_id: i64, token_id: i64) -> Result<bool, StoreError> {
        Ok(self.conn().execute(
            "DELETE FROM api_tokens WHERE rowid = ?1 AND user_id = ?2",
            params![token_id, user_id],
        )? == 1)
    }

    /// The account an API token belongs to, if the token exists and has not expired at
    /// `now`; notes the use (to the minute).
    pub fn token_user_at(&self, token: &str, now: i64) -> Result<Option<User>, StoreError> {
        let conn = self.conn();
        let found = conn
            .query_row(
                &format!(
                    "SELECT {USER_COLUMNS} FROM api_tokens t JOIN users u ON u.id = t.user_id
                 WHERE t.token_hash = ?1 AND (t.expires IS NULL OR t.expires > ?2)"
                ),
                params![digest(token), now],
                Self::user_from_row,
            )
            .optional()?;
        if found.is_some() {
            conn.execute(
                "UPDATE api_tokens SET last_used = ?2 WHERE token_hash = ?1 AND (last_used IS NULL OR last_used < ?2 - 60)",
                params![digest(token), now],
            )?;
        }
        Ok(found)
    }

    /// The account an API token belongs to, now.
    pub fn token_user(&self, token: &str) -> Result<Option<User>, StoreError> {
        self.token_user_at(token, now_secs())
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

    /// Makes an account a maintainer or a contributor; false if there is no such account.
    /// Refuses to make the last maintainer a contributor (there would be no one left to
    /// appoint another).
    pub fn set_role(&self, user_id: i64, role: Role) -> Result<bool, StoreError> {
        let mut conn = self.conn();
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let current: Option<String> = tx
            .query_row("SELECT role FROM users WHERE id = ?1", [user_id], |r| {
                r.get(0)
            })
            .optional()?;
        let Some(current) = current else {
            return Ok(false);
        };
        if role == Role::Contributor && Role::parse(&current) == Role::Maintainer {
            let maintainers: i64 = tx.query_row(
                "SELECT COUNT(*) FROM users WHERE role = 'maintainer'",
                [],
                |r| r.get(0),
            )?;
            if maintainers <= 1 {
                return Err(StoreError::Invalid(
                    "This is the only maintainer, so they cannot stop being one: appoint another maintainer first".into(),
                ));
            }
        }
        tx.execute(
            "UPDATE users SET role = ?1 WHERE id = ?2",
            params![role.as_str(), user_id],
        )?;
        tx.commit()?;
        Ok(true)
    }

    /// Makes a single-use link token that lets whoever holds it set a new password for
    /// the account, for [`ONE_TIME_SECONDS`] from `now`; returns it (shown once).
    pub fn create_reset_link_at(&self, user_id: i64, now: i64) -> Result<String, StoreError> {
        let token = random_token();
        let conn = self.conn();
        conn.execute("DELETE FROM reset_links WHERE expires < ?1", [now])?;
        conn.execute(
            "INSERT INTO reset_links (token_hash, user_id, expires) VALUES (?1, ?2, ?3)",
            params![digest(&token), user_id, now + ONE_TIME_SECONDS],
        )?;
        Ok(token)
    }

    /// The account a reset link is for, if it is live at `now`.
    pub fn reset_link_user_at(&self, token: &str, now: i64) -> Result<Option<User>, StoreError> {
        Ok(self
            .conn()
            .query_row(
                &format!(
                    "SELECT {USER_COLUMNS} FROM reset_links l JOIN users u ON u.id = l.user_id
                 WHERE l.token_hash = ?1 AND l.expires >= ?2"
                ),
                params![digest(token), now],
                Self::user_from_row,
            )
            .optional()?)
    }

    /// Sets a new password through a live reset link, which is then used up; ends every
    /// session of the account. `None` if the link is not live.
    pub fn use_reset_link_at(
        &self,
        token: &str,
        new: &str,
        now: i64,
    ) -> Result<Option<User>, StoreError> {
        let Some(user) = self.reset_link_user_at(token, now)? else {
            return Ok(None);
        };
        self.set_password(user.id, new, None)?;
        Ok(Some(user))
    }

    /// The roles of the accounts behind these git identities (by their no-reply
    /// addresses), in one query: identity email → role. Identities of no account are
    /// left out.
    pub fn roles_by_identity<'a>(
        &self,
        ids: impl IntoIterator<Item = &'a quire_core::Identity>,
    ) -> Result<std::collections::HashMap<String, Role>, StoreError> {
        let mut accounts: Vec<i64> = ids.into_iter().filter_map(|i| i.web_account_id()).collect();
        accounts.sort_unstable();
        accounts.dedup();
        let mut out = std::collections::HashMap::new();
        if accounts.is_empty() {
            return Ok(out);
        }
        let list = accounts
            .iter()
            .map(i64::to_string)
            .collect::<Vec<_>>()
            .join(",");
        let conn = self.conn();
        let mut stmt = conn.prepare(&format!("SELECT id, role FROM users WHERE id IN ({list})"))?;
        let rows = stmt.query_map([], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?)))?;
        for row in rows {
            let (id, role) = row?;
            out.insert(
                quire_core::Identity::web_account(id, "").email,
                Role::parse(&role),
            );
        }
        Ok(out)
    }

    /// The secret named `name` (made now and kept, if there is none yet).
    pub fn secret(&self, name: &str) -> Result<String, StoreError> {
        let conn = self.conn();
        conn.execute(
            "INSERT OR IGNORE INTO secrets (name, value) VALUES (?1, ?2)",
            params![name, random_token()],
        )?;
        Ok(
            conn.query_row("SELECT value FROM secrets WHERE name = ?1", [name], |r| {
                r.get(0)
            })?,
        )
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
        assert!(matches!(dup, Err(StoreError::Field { field: "email", .. })));
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
