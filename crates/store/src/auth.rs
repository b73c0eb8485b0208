//! Accounts, passwords, sessions and failed sign-ins.

use argon2::password_hash::rand_core::{OsRng, RngCore};
use argon2::password_hash::{PasswordHash, PasswordHasher, SaltString};
use argon2::Argon2;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use sha2::{Digest, Sha256};
use skolebro_domain::auth::{throttle, Throttle, SESSION_IDLE_SECS, THROTTLE_WINDOW_SECS};
use skolebro_domain::{PersonId, SchoolId};
use sqlx::Row;

use crate::people::{Me, School};
use crate::{now, Result, Store, StoreError};

/// Hashes a password with argon2id (its default parameters). CPU-heavy: call from a blocking
/// task.
pub fn hash_password(password: &str) -> Result<String> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| StoreError::Other(format!("password hashing failed: {e}")))
}

/// Argon2's working memory (19 MiB with the default parameters), kept for the next password
/// check instead of being freed: the allocator would otherwise keep each freed block in its
/// heap, and a server that had checked a few hundred passwords held over 900 MiB
/// (docs/performance.md). At most one block per core is kept, as the password gate lets that
/// many checks run at once.
static ARGON2_MEMORY: std::sync::Mutex<Vec<Vec<argon2::Block>>> = std::sync::Mutex::new(Vec::new());

fn with_argon2_memory<T>(blocks: usize, work: impl FnOnce(&mut [argon2::Block]) -> T) -> T {
    let kept = ARGON2_MEMORY.lock().ok().and_then(|mut m| m.pop());
    let mut memory = match kept {
        Some(m) if m.len() == blocks => m,
        _ => vec![argon2::Block::default(); blocks],
    };
    let out = work(&mut memory);
    let cores = std::thread::available_parallelism().map_or(1, usize::from);
    if let Ok(mut m) = ARGON2_MEMORY.lock() {
        if m.len() < cores {
            m.push(memory);
        }
    }
    out
}

fn verify_password(password: &str, hash: &str) -> bool {
    let Ok(parsed) = PasswordHash::new(hash) else {
        return false;
    };
    let (Some(salt), Some(expected)) = (parsed.salt, parsed.hash) else {
        return false;
    };
    let Ok(algorithm) = argon2::Algorithm::try_from(parsed.algorithm) else {
        return false;
    };
    let version = match parsed.version {
        None => argon2::Version::default(),
        Some(v) => match argon2::Version::try_from(v) {
            Ok(v) => v,
            Err(_) => return false,
        },
    };
    let Ok(params) = argon2::Params::try_from(&parsed) else {
        return false;
    };
    let mut salt_bytes = [0u8; 64];
    let Ok(salt) = salt.decode_b64(&mut salt_bytes) else {
        return false;
    };
    let blocks = params.block_count();
    let argon = Argon2::new(algorithm, version, params);
    let mut out = vec![0u8; expected.len()];
    let hashed = with_argon2_memory(blocks, |memory| {
        argon.hash_password_into_with_memory(password.as_bytes(), salt, &mut out, memory)
    });
    // `Output`'s comparison takes the same time wherever the outputs differ.
    hashed.is_ok()
        && argon2::password_hash::Output::new(&out).is_ok_and(|computed| computed == expected)
}

/// A hash that matches no password, verified when the username is unknown so that an unknown
/// user costs the same time as a wrong password.
static DECOY_HASH: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
    hash_password("decoy password that is never anyone's").unwrap_or_default()
});

/// A fresh random token, URL-safe.
pub fn random_token() -> String {
    let mut bytes = [0u8; 32];
    OsRng.fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// How long an address where an account signed in stays known to it (half a year).
const KNOWN_ADDRESS_SECS: i64 = 60 * 60 * 24 * 183;

fn token_hash(token: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(token.as_bytes()))
}

/// The outcome of a sign-in attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SignIn {
    Ok {
        person_id: PersonId,
        school_id: SchoolId,
    },
    /// Unknown user or wrong password: the same answer for both.
    Wrong,
    Throttled {
        retry_after_secs: i64,
    },
    /// Too many password checks at once (a login storm): try again shortly. Nothing was
    /// checked and nothing counts against the account.
    Busy {
        retry_after_secs: i64,
    },
}

/// Bounds the password checks running at once. argon2id is slow and memory-hard by design, so
/// a storm of sign-ins would otherwise take every core and slow down everyone already signed
/// in. One check per core runs; a bounded number wait briefly; the rest are shed at once with
/// "busy, try again" (503 with Retry-After) instead of queueing without end.
#[derive(Debug)]
pub struct PasswordGate {
    permits: tokio::sync::Semaphore,
    waiting: std::sync::atomic::AtomicUsize,
    max_waiting: usize,
}

/// How long a sign-in waits for a free password check before it is shed.
const GATE_WAIT: std::time::Duration = std::time::Duration::from_secs(2);

impl Default for PasswordGate {
    fn default() -> Self {
        let cores = std::thread::available_parallelism().map_or(1, usize::from);
        PasswordGate {
            permits: tokio::sync::Semaphore::new(cores),
            waiting: std::sync::atomic::AtomicUsize::new(0),
            max_waiting: 16 * cores,
        }
    }
}

impl PasswordGate {
    /// A slot to check one password in, or `None` when the server is too busy to check it soon.
    async fn enter(&self) -> Option<tokio::sync::SemaphorePermit<'_>> {
        use std::sync::atomic::Ordering;
        if let Ok(p) = self.permits.try_acquire() {
            return Some(p);
        }
        if self.waiting.fetch_add(1, Ordering::SeqCst) >= self.max_waiting {
            self.waiting.fetch_sub(1, Ordering::SeqCst);
            return None;
        }
        let permit = tokio::time::timeout(GATE_WAIT, self.permits.acquire()).await;
        self.waiting.fetch_sub(1, Ordering::SeqCst);
        permit.ok().and_then(Result::ok)
    }
}

/// What kind of client a session serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionKind {
    /// A browser, with a cookie and a CSRF token.
    Web,
    /// A program, with a bearer token.
    Api,
}

impl SessionKind {
    fn as_str(self) -> &'static str {
        match self {
            SessionKind::Web => "web",
            SessionKind::Api => "api",
        }
    }
}

/// A live session, with the school and the person it belongs to (every signed-in request
/// needs all three, so they come in one statement).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    pub csrf_token: String,
    /// The school signed in to (`school.id`).
    pub school: School,
    /// The person signed in (`me.person.id`).
    pub me: Me,
    /// A web session: the person's unread conversations (`Store::unread_threads`), for the
    /// pages' badge. An API session: 0 (no page shows it, so it is not counted).
    pub unread: i64,
}

impl Store {
    /// Checks a username and password, counting failures per account and per client address.
    /// While either is throttled even the right password is refused.
    pub async fn sign_in(&self, username: &str, password: &str, address: &str) -> Result<SignIn> {
        let t = now();
        let name = username.to_lowercase();
        // Three counts. The account from this address: the person's own typing mistakes, and
        // one attacker guessing. The address across accounts: one attacker trying many. The
        // account from anywhere, higher: many addresses guessing one account; it does not
        // apply where the account signed in before, so a stranger never locks the person
        // out of their own home or staff room.
        let here_key = format!("user:{name}@{address}");
        let anywhere_key = format!("user:{name}");
        let addr_key = format!("addr:{address}");
        let known_hash = token_hash(&format!("{name}\n{address}"));
        let known: Option<i64> =
            sqlx::query_scalar("SELECT at FROM sign_in_known WHERE key_hash = $1")
                .bind(&known_hash)
                .fetch_optional(self.reader())
                .await?;
        let mut limits = vec![
            (&here_key, skolebro_domain::auth::MAX_FAILURES_PER_ACCOUNT),
            (&addr_key, skolebro_domain::auth::MAX_FAILURES_PER_ADDRESS),
        ];
        if known.is_none() {
            limits.push((
                &anywhere_key,
                skolebro_domain::auth::MAX_FAILURES_PER_ACCOUNT_ANYWHERE,
            ));
        }
        for (key, max) in limits {
            let failures: Vec<i64> =
                sqlx::query("SELECT at FROM login_failure WHERE throttle_key = $1 AND at > $2")
                    .bind(key.as_str())
                    .bind(t - THROTTLE_WINDOW_SECS)
                    .fetch_all(self.reader())
                    .await?
                    .iter()
                    .map(|r| r.try_get::<i64, _>("at"))
                    .collect::<Result<_, _>>()?;
            if let Throttle::Refused { retry_after_secs } = throttle(t, &failures, max) {
                return Ok(SignIn::Throttled { retry_after_secs });
            }
        }

        let row = sqlx::query(
            "SELECT a.person_id, a.password_hash, p.school_id FROM account a \
             JOIN person p ON p.id = a.person_id WHERE a.username = $1",
        )
        .bind(username.to_lowercase())
        .fetch_optional(self.reader())
        .await?;
        let (found, hash) = match &row {
            Some(r) => (true, r.try_get::<String, _>("password_hash")?),
            None => (false, DECOY_HASH.clone()),
        };
        let Some(_permit) = self.password_gate.enter().await else {
            return Ok(SignIn::Busy {
                retry_after_secs: GATE_WAIT.as_secs() as i64,
            });
        };
        let password = password.to_owned();
        let good = tokio::task::spawn_blocking(move || verify_password(&password, &hash))
            .await
            .map_err(|e| StoreError::Other(e.to_string()))?;
        match row {
            Some(r) if found && good => {
                let mut tx = self.write.begin().await?;
                sqlx::query(
                    "INSERT INTO sign_in_known (key_hash, at) VALUES ($1, $2) \
                     ON CONFLICT (key_hash) DO UPDATE SET at = excluded.at",
                )
                .bind(&known_hash)
                .bind(t)
                .execute(&mut *tx)
                .await?;
                sqlx::query("DELETE FROM sign_in_known WHERE at < $1")
                    .bind(t - KNOWN_ADDRESS_SECS)
                    .execute(&mut *tx)
                    .await?;
                tx.commit().await?;
                Ok(SignIn::Ok {
                    person_id: PersonId(r.try_get("person_id")?),
                    school_id: SchoolId(r.try_get("school_id")?),
                })
            }
            _ => {
                let mut tx = self.write.begin().await?;
                for key in [&here_key, &anywhere_key, &addr_key] {
                    sqlx::query("INSERT INTO login_failure (throttle_key, at) VALUES ($1, $2)")
                        .bind(key.as_str())
                        .bind(t)
                        .execute(&mut *tx)
                        .await?;
                }
                // Old failures tell nothing; keep the table small.
                sqlx::query("DELETE FROM login_failure WHERE at < $1")
                    .bind(t - 10 * THROTTLE_WINDOW_SECS)
                    .execute(&mut *tx)
                    .await?;
                tx.commit().await?;
                Ok(SignIn::Wrong)
            }
        }
    }

    /// Starts a session and returns its token (shown to the client once, stored hashed).
    pub async fn create_session(
        &self,
        person_id: PersonId,
        school_id: SchoolId,
        kind: SessionKind,
    ) -> Result<String> {
        let token = random_token();
        let t = now();
        sqlx::query(
            "INSERT INTO session (token_hash, person_id, school_id, kind, csrf_token, created_at, expires_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(token_hash(&token))
        .bind(person_id.0)
        .bind(school_id.0)
        .bind(kind.as_str())
        .bind(random_token())
        .bind(t)
        .bind(t + SESSION_IDLE_SECS)
        .execute(&self.write)
        .await?;
        Ok(token)
    }

    /// The live session a token belongs to, if any.
    pub async fn session(&self, token: &str, kind: SessionKind) -> Result<Option<Session>> {
        let row = sqlx::query(
            "SELECT s.school_id, s.csrf_token, s.expires_at, \
                    sc.name AS school_name, sc.country AS school_country, \
                    sc.time_zone AS school_time_zone, sc.locale AS school_locale, \
                    p.id, p.given_name, p.family_name, p.language, a.username, \
                    CASE WHEN s.kind = 'web' THEN (SELECT COUNT(*) FROM thread_participant tp \
                      WHERE tp.person_id = s.person_id AND tp.unread > 0) ELSE 0 END AS unread \
             FROM session s \
             JOIN school sc ON sc.id = s.school_id \
             JOIN person p ON p.id = s.person_id \
             LEFT JOIN account a ON a.person_id = p.id \
             WHERE s.token_hash = $1 AND s.kind = $2 AND s.expires_at > $3 \
               AND (s.kind <> 'api' OR s.created_at > $4)",
        )
        .bind(token_hash(token))
        .bind(kind.as_str())
        .bind(now())
        // A bearer token ends at its absolute lifetime however often it is used: one copied
        // from a lost laptop or a log does not live for ever.
        .bind(now() - skolebro_domain::auth::API_TOKEN_MAX_SECS)
        // With a replica, sessions are read from the primary: a sign-in or sign-out counts at
        // once, whatever the replica's lag.
        .fetch_optional(if self.has_replica() {
            &self.write
        } else {
            self.reader()
        })
        .await?;
        let Some(row) = row else { return Ok(None) };
        let session = Session {
            csrf_token: row.try_get("csrf_token")?,
            school: School::from_row(&row, "school_")?,
            me: Me::from_row(&row)?,
            unread: row.try_get("unread")?,
        };
        // Extend an idle session at most once an hour, so reads stay reads.
        let expires_at: i64 = row.try_get("expires_at")?;
        if expires_at - now() < SESSION_IDLE_SECS - 3600 {
            sqlx::query("UPDATE session SET expires_at = $1 WHERE token_hash = $2")
                .bind(now() + SESSION_IDLE_SECS)
                .bind(token_hash(token))
                .execute(&self.write)
                .await?;
        }
        Ok(Some(session))
    }

    /// Whether a session still stands (not signed out, not ended by a password change, not
    /// expired), without extending it: live streams ask this while they run.
    pub async fn session_alive(&self, token: &str) -> Result<bool> {
        let found: Option<i64> = sqlx::query_scalar(
            "SELECT 1 FROM session WHERE token_hash = $1 AND expires_at > $2 \
                 AND (kind <> 'api' OR created_at > $3)",
        )
        .bind(token_hash(token))
        .bind(now())
        .bind(now() - skolebro_domain::auth::API_TOKEN_MAX_SECS)
        .fetch_optional(if self.has_replica() {
            &self.write
        } else {
            self.reader()
        })
        .await?;
        Ok(found.is_some())
    }

    pub async fn end_session(&self, token: &str) -> Result<()> {
        sqlx::query("DELETE FROM session WHERE token_hash = $1")
            .bind(token_hash(token))
            .execute(&self.write)
            .await?;
        Ok(())
    }

    /// Checks the current password and sets a new one. Every other session of the person ends,
    /// so a stolen session does not outlive the change.
    pub async fn change_password(
        &self,
        person_id: PersonId,
        current: &str,
        new: &str,
        keep_token: &str,
    ) -> Result<bool> {
        let hash: Option<String> =
            sqlx::query_scalar("SELECT password_hash FROM account WHERE person_id = $1")
                .bind(person_id.0)
                .fetch_optional(self.reader())
                .await?;
        let Some(hash) = hash else {
            return Err(StoreError::NotFound);
        };
        let (current, new) = (current.to_owned(), new.to_owned());
        let new_hash = tokio::task::spawn_blocking(move || {
            if verify_password(&current, &hash) {
                hash_password(&new).map(Some)
            } else {
                Ok(None)
            }
        })
        .await
        .map_err(|e| StoreError::Other(e.to_string()))??;
        let Some(new_hash) = new_hash else {
            return Ok(false);
        };
        let mut tx = self.write.begin().await?;
        sqlx::query(
            "UPDATE account SET password_hash = $1, password_changed_at = $2 WHERE person_id = $3",
        )
        .bind(new_hash)
        .bind(now())
        .bind(person_id.0)
        .execute(&mut *tx)
        .await?;
        sqlx::query("DELETE FROM session WHERE person_id = $1 AND token_hash <> $2")
            .bind(person_id.0)
            .bind(token_hash(keep_token))
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(true)
    }

    /// Sets a password without knowing the old one (the command line's `user set-password`).
    pub async fn set_password(&self, username: &str, password: &str) -> Result<()> {
        let password = password.to_owned();
        let hash = tokio::task::spawn_blocking(move || hash_password(&password))
            .await
            .map_err(|e| StoreError::Other(e.to_string()))??;
        let mut tx = self.write.begin().await?;
        let person: Option<i64> = sqlx::query_scalar(
            "UPDATE account SET password_hash = $1, password_changed_at = $2 WHERE username = $3 RETURNING person_id",
        )
        .bind(hash)
        .bind(now())
        .bind(username.to_lowercase())
        .fetch_optional(&mut *tx)
        .await?;
        let person = person.ok_or(StoreError::NotFound)?;
        sqlx::query("DELETE FROM session WHERE person_id = $1")
            .bind(person)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }
}

impl Store {
    /// The person behind a username, if any.
    pub async fn person_by_username(&self, username: &str) -> Result<Option<PersonId>> {
        let id: Option<i64> =
            sqlx::query_scalar("SELECT person_id FROM account WHERE username = $1")
                .bind(username.to_lowercase())
                .fetch_optional(self.reader())
                .await?;
        Ok(id.map(PersonId))
    }
}

#[cfg(test)]
mod password_tests {
    use super::{hash_password, verify_password};

    #[test]
    fn a_password_verifies_against_its_hash_and_no_other() {
        let hash = hash_password("korrekt hest batteri").expect("hash");
        assert!(verify_password("korrekt hest batteri", &hash));
        assert!(
            verify_password("korrekt hest batteri", &hash),
            "with kept memory"
        );
        assert!(!verify_password("korrekt hest batterI", &hash));
        assert!(!verify_password("", &hash));
        assert!(!verify_password("korrekt hest batteri", "not a hash"));
        let other = hash_password("korrekt hest batteri").expect("hash");
        assert_ne!(hash, other, "salted");
        assert!(verify_password("korrekt hest batteri", &other));
    }
}
