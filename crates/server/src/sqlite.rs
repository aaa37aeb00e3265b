//! The embedded SQLite store (sqlx), in WAL mode with full synchronous commits: a registration
//! the API acknowledged survives a crash. Migrations in `migrations/sqlite` run on start-up.

use std::str::FromStr;
use std::time::Duration;

use async_trait::async_trait;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{Row, SqlitePool};
use waxseal_api::{AuditEvent, EventKind};

use crate::store::*;

/// A SQLite-backed [`Store`].
#[derive(Clone)]
pub struct SqliteStore {
    pool: SqlitePool,
}

fn err(e: sqlx::Error) -> StoreError {
    StoreError(e.to_string())
}

fn to_i64(v: u64) -> i64 {
    i64::try_from(v).unwrap_or(i64::MAX)
}

fn to_u64(v: i64) -> u64 {
    u64::try_from(v).unwrap_or(0)
}

impl SqliteStore {
    /// Opens (creating if missing) the database at `url` and runs the migrations.
    pub async fn connect(url: &str) -> Result<Self> {
        let options = SqliteConnectOptions::from_str(url)
            .map_err(err)?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(10));
        let pool = SqlitePoolOptions::new()
            .max_connections(8)
            .connect_with(options)
            .await
            .map_err(err)?;
        sqlx::migrate!("./migrations/sqlite")
            .run(&pool)
            .await
            .map_err(|e| StoreError(e.to_string()))?;
        Ok(Self { pool })
    }

    /// Closes every connection (checkpointing the WAL).
    pub async fn close(&self) {
        self.pool.close().await;
    }
}

#[async_trait]
impl Store for SqliteStore {
    async fn create_sender(&self, name: &str, now: u64) -> Result<i64> {
        let row = sqlx::query("INSERT INTO senders (name, created) VALUES (?, ?) RETURNING id")
            .bind(name)
            .bind(to_i64(now))
            .fetch_one(&self.pool)
            .await
            .map_err(err)?;
        Ok(row.get(0))
    }

    async fn sender_by_name(&self, name: &str) -> Result<Option<i64>> {
        let row = sqlx::query("SELECT id FROM senders WHERE name = ?")
            .bind(name)
            .fetch_optional(&self.pool)
            .await
            .map_err(err)?;
        Ok(row.map(|r| r.get(0)))
    }

    async fn sender_name(&self, id: i64) -> Result<Option<String>> {
        let row = sqlx::query("SELECT name FROM senders WHERE id = ?")
            .bind(id)
            .fetch_optional(&self.pool)
            .await
            .map_err(err)?;
        Ok(row.map(|r| r.get(0)))
    }

    async fn add_api_key(&self, sender_id: i64, key_id: &str, hash: &[u8], now: u64) -> Result<()> {
        sqlx::query("INSERT INTO api_keys (key_id, sender_id, hash, created) VALUES (?, ?, ?, ?)")
            .bind(key_id)
            .bind(sender_id)
            .bind(hash)
            .bind(to_i64(now))
            .execute(&self.pool)
            .await
            .map_err(err)?;
        Ok(())
    }

    async fn api_key(&self, key_id: &str) -> Result<Option<ApiKeyRecord>> {
        let row = sqlx::query(
            "SELECT k.sender_id, s.name, k.hash FROM api_keys k JOIN senders s ON s.id = k.sender_id WHERE k.key_id = ?",
        )
        .bind(key_id)
        .fetch_optional(&self.pool)
        .await
        .map_err(err)?;
        Ok(row.map(|r| ApiKeyRecord {
            sender_id: r.get(0),
            sender_name: r.get(1),
            hash: r.get(2),
        }))
    }

    async fn insert_message(&self, m: &NewMessage) -> Result<bool> {
        let recipients = serde_json::to_string(&m.recipients).expect("strings serialise");
        let done = sqlx::query(
            "INSERT INTO messages (id, sender_id, share_ct, share_key_id, recipients, created, expires, max_opens)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING",
        )
        .bind(&m.id)
        .bind(m.sender_id)
        .bind(&m.share_ct)
        .bind(&m.share_key_id)
        .bind(recipients)
        .bind(to_i64(m.created))
        .bind(to_i64(m.expires))
        .bind(m.max_opens.map(i64::from))
        .execute(&self.pool)
        .await
        .map_err(err)?;
        Ok(done.rows_affected() == 1)
    }

    async fn message(&self, id: &str) -> Result<Option<MessageRecord>> {
        let row = sqlx::query(
            "SELECT id, sender_id, share_ct, share_key_id, recipients, created, expires, max_opens, opens, revoked_at
             FROM messages WHERE id = ?",
        )
        .bind(id)
        .fetch_optional(&self.pool)
        .await
        .map_err(err)?;
        row.map(|r| {
            let recipients: String = r.get(4);
            Ok(MessageRecord {
                id: r.get(0),
                sender_id: r.get(1),
                share_ct: r.get(2),
                share_key_id: r.get(3),
                recipients: serde_json::from_str(&recipients)
                    .map_err(|e| StoreError(format!("recipients of {id}: {e}")))?,
                created: to_u64(r.get(5)),
                expires: to_u64(r.get(6)),
                max_opens: r
                    .get::<Option<i64>, _>(7)
                    .map(|v| u32::try_from(v).unwrap_or(u32::MAX)),
                opens: u32::try_from(r.get::<i64, _>(8)).unwrap_or(u32::MAX),
                revoked_at: r.get::<Option<i64>, _>(9).map(to_u64),
            })
        })
        .transpose()
    }

    async fn revoke_message(&self, id: &str, now: u64) -> Result<bool> {
        let done = sqlx::query(
            "UPDATE messages SET revoked_at = ?, share_ct = NULL, share_key_id = NULL WHERE id = ? AND revoked_at IS NULL",
        )
        .bind(to_i64(now))
        .bind(id)
        .execute(&self.pool)
        .await
        .map_err(err)?;
        Ok(done.rows_affected() == 1)
    }

    async fn add_event(
        &self,
        message_id: &str,
        at: u64,
        kind: EventKind,
        recipient: Option<&str>,
    ) -> Result<()> {
        sqlx::query("INSERT INTO events (message_id, at, kind, recipient) VALUES (?, ?, ?, ?)")
            .bind(message_id)
            .bind(to_i64(at))
            .bind(event_kind_name(kind))
            .bind(recipient)
            .execute(&self.pool)
            .await
            .map_err(err)?;
        Ok(())
    }

    async fn events(&self, message_id: &str) -> Result<Vec<AuditEvent>> {
        let rows =
            sqlx::query("SELECT at, kind, recipient FROM events WHERE message_id = ? ORDER BY id")
                .bind(message_id)
                .fetch_all(&self.pool)
                .await
                .map_err(err)?;
        rows.into_iter()
            .map(|r| {
                let kind: String = r.get(1);
                Ok(AuditEvent {
                    at: to_u64(r.get(0)),
                    kind: event_kind_from_name(&kind)
                        .ok_or_else(|| StoreError(format!("unknown event kind {kind:?}")))?,
                    recipient: r.get(2),
                })
            })
            .collect()
    }

    async fn throttle(&self, key: &str, now: u64, window: u64, limit: u32) -> Result<Option<u64>> {
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await.map_err(err)?;
        let since = to_i64(now.saturating_sub(window));
        sqlx::query("DELETE FROM throttle_hits WHERE key = ? AND at <= ?")
            .bind(key)
            .bind(since)
            .execute(&mut *tx)
            .await
            .map_err(err)?;
        let row = sqlx::query("SELECT COUNT(*), MIN(at) FROM throttle_hits WHERE key = ?")
            .bind(key)
            .fetch_one(&mut *tx)
            .await
            .map_err(err)?;
        let count: i64 = row.get(0);
        if count >= i64::from(limit) {
            let oldest: i64 = row.get::<Option<i64>, _>(1).unwrap_or(to_i64(now));
            tx.rollback().await.map_err(err)?;
            return Ok(Some((to_u64(oldest) + window).saturating_sub(now).max(1)));
        }
        sqlx::query("INSERT INTO throttle_hits (key, at) VALUES (?, ?)")
            .bind(key)
            .bind(to_i64(now))
            .execute(&mut *tx)
            .await
            .map_err(err)?;
        tx.commit().await.map_err(err)?;
        Ok(None)
    }

    async fn issue_passcode(&self, p: &NewPasscode) -> Result<()> {
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await.map_err(err)?;
        sqlx::query("UPDATE passcodes SET superseded = 1 WHERE message_id = ? AND recipient = ? AND superseded = 0")
            .bind(&p.message_id)
            .bind(&p.recipient)
            .execute(&mut *tx)
            .await
            .map_err(err)?;
        sqlx::query(
            "INSERT INTO passcodes (message_id, recipient, public_key, code_mac, key_id, created, expires) VALUES (?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(&p.message_id)
        .bind(&p.recipient)
        .bind(&p.public_key)
        .bind(&p.code_mac)
        .bind(&p.key_id)
        .bind(to_i64(p.created))
        .bind(to_i64(p.expires))
        .execute(&mut *tx)
        .await
        .map_err(err)?;
        tx.commit().await.map_err(err)
    }

    async fn current_passcode(
        &self,
        message_id: &str,
        recipient: &str,
    ) -> Result<Option<PasscodeRecord>> {
        let row = sqlx::query(
            "SELECT id, public_key, code_mac, key_id, created, expires, wrong_tries, used_at FROM passcodes
             WHERE message_id = ? AND recipient = ? AND superseded = 0 ORDER BY id DESC LIMIT 1",
        )
        .bind(message_id)
        .bind(recipient)
        .fetch_optional(&self.pool)
        .await
        .map_err(err)?;
        Ok(row.map(|r| PasscodeRecord {
            id: r.get(0),
            public_key: r.get(1),
            code_mac: r.get(2),
            key_id: r.get(3),
            created: to_u64(r.get(4)),
            expires: to_u64(r.get(5)),
            wrong_tries: u32::try_from(r.get::<i64, _>(6)).unwrap_or(u32::MAX),
            used_at: r.get::<Option<i64>, _>(7).map(to_u64),
        }))
    }

    async fn passcode_wrong_try(&self, id: i64) -> Result<u32> {
        let row = sqlx::query(
            "UPDATE passcodes SET wrong_tries = wrong_tries + 1 WHERE id = ? RETURNING wrong_tries",
        )
        .bind(id)
        .fetch_one(&self.pool)
        .await
        .map_err(err)?;
        Ok(u32::try_from(row.get::<i64, _>(0)).unwrap_or(u32::MAX))
    }

    async fn consume_passcode(&self, id: i64, now: u64, max_tries: u32) -> Result<Consumed> {
        let done = sqlx::query(
            "UPDATE passcodes SET used_at = ? WHERE id = ? AND used_at IS NULL AND superseded = 0 AND wrong_tries < ?",
        )
        .bind(to_i64(now))
        .bind(id)
        .bind(i64::from(max_tries))
        .execute(&self.pool)
        .await
        .map_err(err)?;
        Ok(if done.rows_affected() == 1 {
            Consumed::Now
        } else {
            Consumed::Gone
        })
    }

    async fn insert_token(&self, t: &NewToken) -> Result<()> {
        sqlx::query("INSERT INTO tokens (hash, message_id, recipient, public_key, expires) VALUES (?, ?, ?, ?, ?)")
            .bind(&t.hash)
            .bind(&t.message_id)
            .bind(&t.recipient)
            .bind(&t.public_key)
            .bind(to_i64(t.expires))
            .execute(&self.pool)
            .await
            .map_err(err)?;
        Ok(())
    }

    async fn token(&self, hash: &[u8]) -> Result<Option<TokenRecord>> {
        let row = sqlx::query(
            "SELECT message_id, recipient, public_key, expires FROM tokens WHERE hash = ?",
        )
        .bind(hash)
        .fetch_optional(&self.pool)
        .await
        .map_err(err)?;
        Ok(row.map(|r| TokenRecord {
            message_id: r.get(0),
            recipient: r.get(1),
            public_key: r.get(2),
            expires: to_u64(r.get(3)),
        }))
    }

    async fn record_release(
        &self,
        token_hash: &[u8],
        message_id: &str,
        now: u64,
    ) -> Result<ReleaseOutcome> {
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await.map_err(err)?;
        let released: Option<i64> = sqlx::query("SELECT released_at FROM tokens WHERE hash = ?")
            .bind(token_hash)
            .fetch_one(&mut *tx)
            .await
            .map_err(err)?
            .get(0);
        let m = sqlx::query("SELECT revoked_at, max_opens, opens FROM messages WHERE id = ?")
            .bind(message_id)
            .fetch_one(&mut *tx)
            .await
            .map_err(err)?;
        let (revoked, max_opens, opens): (Option<i64>, Option<i64>, i64) =
            (m.get(0), m.get(1), m.get(2));
        let outcome = if revoked.is_some() {
            ReleaseOutcome::Revoked
        } else if released.is_some() {
            ReleaseOutcome::Repeated
        } else if max_opens.is_some_and(|max| opens >= max) {
            ReleaseOutcome::LimitReached
        } else {
            sqlx::query("UPDATE messages SET opens = opens + 1 WHERE id = ?")
                .bind(message_id)
                .execute(&mut *tx)
                .await
                .map_err(err)?;
            sqlx::query("UPDATE tokens SET released_at = ? WHERE hash = ?")
                .bind(to_i64(now))
                .bind(token_hash)
                .execute(&mut *tx)
                .await
                .map_err(err)?;
            ReleaseOutcome::Counted
        };
        tx.commit().await.map_err(err)?;
        Ok(outcome)
    }
}
