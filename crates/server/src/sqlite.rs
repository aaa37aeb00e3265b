//! The embedded SQLite store (sqlx), in WAL mode with full synchronous commits: a registration
//! the API acknowledged survives a crash. Migrations in `migrations/sqlite` run on start-up.

use std::str::FromStr;
use std::time::Duration;

use async_trait::async_trait;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{Row, SqlitePool};
use std::collections::HashMap;

use crate::batch::{self, BatchMessage, BatchToken, PendingRelease, ReleaseQueue};
use waxseal_api::{AuditEvent, EventKind};

use crate::store::*;

/// A SQLite-backed [`Store`].
///
/// Reads use a pool of connections; every write goes through one writer connection, so writers
/// queue in the process instead of colliding on SQLite's lock and sleeping in its busy handler.
/// First releases, the hot write path, are group-committed by a background task.
#[derive(Clone)]
pub struct SqliteStore {
    pool: SqlitePool,
    writer: SqlitePool,
    releases: ReleaseQueue,
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
        // FULL: a commit is on disk before the API acknowledges it. secure_delete: a revoked
        // share's (encrypted) bytes are overwritten, not left in free pages.
        let options = SqliteConnectOptions::from_str(url)
            .map_err(err)?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            .foreign_keys(true)
            .pragma("secure_delete", "ON")
            .busy_timeout(Duration::from_secs(10));
        let writer = SqlitePoolOptions::new()
            .max_connections(1)
            .connect_with(options.clone())
            .await
            .map_err(err)?;
        sqlx::migrate!("./migrations/sqlite")
            .run(&writer)
            .await
            .map_err(|e| StoreError(e.to_string()))?;
        let pool = SqlitePoolOptions::new()
            .max_connections(8)
            .connect_with(options.read_only(true))
            .await
            .map_err(err)?;
        let batch_writer = writer.clone();
        let releases = ReleaseQueue::start(move |batch| {
            let writer = batch_writer.clone();
            async move {
                let result = decide_batch(&writer, &batch).await;
                (batch, result)
            }
        });
        Ok(Self {
            pool,
            writer,
            releases,
        })
    }

    /// Closes every connection (checkpointing the WAL).
    pub async fn close(&self) {
        self.pool.close().await;
        self.writer.close().await;
    }
}

#[async_trait]
impl Store for SqliteStore {
    async fn create_sender(&self, name: &str, now: u64) -> Result<i64> {
        let row = sqlx::query("INSERT INTO senders (name, created) VALUES (?, ?) RETURNING id")
            .bind(name)
            .bind(to_i64(now))
            .fetch_one(&self.writer)
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
            .execute(&self.writer)
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
            "INSERT INTO messages (id, sender_id, share_ct, share_key_id, recipients, created, expires, max_opens, from_address, reply_to)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING",
        )
        .bind(&m.id)
        .bind(m.sender_id)
        .bind(&m.share_ct)
        .bind(&m.share_key_id)
        .bind(recipients)
        .bind(to_i64(m.created))
        .bind(to_i64(m.expires))
        .bind(m.max_opens.map(i64::from))
        .bind(&m.from_address)
        .bind(&m.reply_to)
        .execute(&self.writer)
        .await
        .map_err(err)?;
        Ok(done.rows_affected() == 1)
    }

    async fn message(&self, id: &str) -> Result<Option<MessageRecord>> {
        let row = sqlx::query(
            "SELECT id, sender_id, share_ct, share_key_id, recipients, created, expires, max_opens, opens, revoked_at,
                    wrong_passcodes, from_address, reply_to
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
                wrong_passcodes: u32::try_from(r.get::<i64, _>(10)).unwrap_or(u32::MAX),
                from_address: r.get(11),
                reply_to: r.get(12),
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
        .execute(&self.writer)
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
            .execute(&self.writer)
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
        let mut tx = self
            .writer
            .begin_with("BEGIN IMMEDIATE")
            .await
            .map_err(err)?;
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

    async fn issue_passcode(&self, p: &NewPasscode, resend_after: u64) -> Result<Issued> {
        let mut tx = self
            .writer
            .begin_with("BEGIN IMMEDIATE")
            .await
            .map_err(err)?;
        let last: Option<i64> = sqlx::query_scalar(
            "SELECT created FROM passcodes WHERE message_id = ? AND recipient = ? AND superseded = 0 ORDER BY id DESC LIMIT 1",
        )
        .bind(&p.message_id)
        .bind(&p.recipient)
        .fetch_optional(&mut *tx)
        .await
        .map_err(err)?;
        if let Some(last) = last.map(to_u64)
            && p.created < last + resend_after
        {
            tx.rollback().await.map_err(err)?;
            return Ok(Issued::TooSoon(last + resend_after - p.created));
        }
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
        tx.commit().await.map_err(err)?;
        Ok(Issued::Now)
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

    async fn begin_guess(
        &self,
        id: i64,
        message_id: &str,
        max_tries: u32,
        budget: u32,
    ) -> Result<Guess> {
        let mut tx = self
            .writer
            .begin_with("BEGIN IMMEDIATE")
            .await
            .map_err(err)?;
        let tries: Option<i64> = sqlx::query_scalar(
            "UPDATE passcodes SET wrong_tries = wrong_tries + 1 WHERE id = ? AND wrong_tries < ? RETURNING wrong_tries",
        )
        .bind(id)
        .bind(i64::from(max_tries))
        .fetch_optional(&mut *tx)
        .await
        .map_err(err)?;
        let Some(tries) = tries else {
            tx.rollback().await.map_err(err)?;
            return Ok(Guess::PasscodeSpent);
        };
        let total: Option<i64> = sqlx::query_scalar(
            "UPDATE messages SET wrong_passcodes = wrong_passcodes + 1 WHERE id = ? AND wrong_passcodes < ? RETURNING wrong_passcodes",
        )
        .bind(message_id)
        .bind(i64::from(budget))
        .fetch_optional(&mut *tx)
        .await
        .map_err(err)?;
        let Some(total) = total else {
            tx.rollback().await.map_err(err)?;
            return Ok(Guess::BudgetSpent);
        };
        tx.commit().await.map_err(err)?;
        Ok(Guess::Reserved {
            tries: u32::try_from(tries).unwrap_or(u32::MAX),
            message_total: u32::try_from(total).unwrap_or(u32::MAX),
        })
    }

    async fn consume_passcode(
        &self,
        id: i64,
        message_id: &str,
        now: u64,
        max_tries: u32,
    ) -> Result<Consumed> {
        let mut tx = self
            .writer
            .begin_with("BEGIN IMMEDIATE")
            .await
            .map_err(err)?;
        let done = sqlx::query(
            "UPDATE passcodes SET used_at = ? WHERE id = ? AND used_at IS NULL AND superseded = 0 AND wrong_tries <= ?",
        )
        .bind(to_i64(now))
        .bind(id)
        .bind(i64::from(max_tries))
        .execute(&mut *tx)
        .await
        .map_err(err)?;
        sqlx::query(
            "UPDATE passcodes SET wrong_tries = wrong_tries - 1 WHERE id = ? AND wrong_tries > 0",
        )
        .bind(id)
        .execute(&mut *tx)
        .await
        .map_err(err)?;
        sqlx::query("UPDATE messages SET wrong_passcodes = wrong_passcodes - 1 WHERE id = ? AND wrong_passcodes > 0")
            .bind(message_id)
            .execute(&mut *tx)
            .await
            .map_err(err)?;
        tx.commit().await.map_err(err)?;
        Ok(if done.rows_affected() == 1 {
            Consumed::Now
        } else {
            Consumed::Gone
        })
    }

    async fn reserve_reply(&self, message_id: &str, recipient: &str, max: u32) -> Result<bool> {
        let counted: Option<i64> = sqlx::query_scalar(
            "INSERT INTO reply_counts (message_id, recipient, count) VALUES (?, ?, 1)
             ON CONFLICT (message_id, recipient) DO UPDATE SET count = reply_counts.count + 1
             WHERE reply_counts.count < ? RETURNING count",
        )
        .bind(message_id)
        .bind(recipient)
        .bind(i64::from(max))
        .fetch_optional(&self.writer)
        .await
        .map_err(err)?;
        Ok(counted.is_some_and(|c| c <= i64::from(max)))
    }

    async fn count_usage(&self, day: u64, entries: &[(&'static str, String)]) -> Result<()> {
        let mut tx = self.writer.begin().await.map_err(err)?;
        for (dimension, value) in entries {
            sqlx::query(
                "INSERT INTO usage_daily (day, dimension, value, count) VALUES (?, ?, ?, 1)
                 ON CONFLICT (day, dimension, value) DO UPDATE SET count = usage_daily.count + 1",
            )
            .bind(day as i64)
            .bind(*dimension)
            .bind(value)
            .execute(&mut *tx)
            .await
            .map_err(err)?;
        }
        tx.commit().await.map_err(err)
    }

    async fn usage(&self, from_day: u64, to_day: u64) -> Result<Vec<UsageCount>> {
        sqlx::query_as(
            "SELECT day, dimension, value, count FROM usage_daily WHERE day >= ? AND day <= ?
             ORDER BY day, dimension, value",
        )
        .bind(from_day as i64)
        .bind(to_day as i64)
        .fetch_all(&self.pool)
        .await
        .map_err(err)
    }

    async fn purge_usage(&self, before_day: u64) -> Result<u64> {
        let done = sqlx::query("DELETE FROM usage_daily WHERE day < ?")
            .bind(before_day as i64)
            .execute(&self.writer)
            .await
            .map_err(err)?;
        Ok(done.rows_affected())
    }

    async fn release_reply(&self, message_id: &str, recipient: &str) -> Result<()> {
        sqlx::query(
            "UPDATE reply_counts SET count = count - 1 WHERE message_id = ? AND recipient = ? AND count > 0",
        )
        .bind(message_id)
        .bind(recipient)
        .execute(&self.writer)
        .await
        .map_err(err)?;
        Ok(())
    }

    async fn add_sender_domain(&self, sender_id: i64, domain: &str, now: u64) -> Result<bool> {
        let done = sqlx::query(
            "INSERT INTO sender_domains (sender_id, domain, added) VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
        )
        .bind(sender_id)
        .bind(domain)
        .bind(to_i64(now))
        .execute(&self.writer)
        .await
        .map_err(err)?;
        Ok(done.rows_affected() == 1)
    }

    async fn sender_domains(&self, sender_id: i64) -> Result<Vec<String>> {
        sqlx::query_scalar("SELECT domain FROM sender_domains WHERE sender_id = ? ORDER BY domain")
            .bind(sender_id)
            .fetch_all(&self.pool)
            .await
            .map_err(err)
    }

    async fn use_nonce(&self, hash: &[u8], expires: u64) -> Result<bool> {
        let done = sqlx::query(
            "INSERT INTO used_nonces (hash, expires) VALUES (?, ?) ON CONFLICT (hash) DO NOTHING",
        )
        .bind(hash)
        .bind(to_i64(expires))
        .execute(&self.writer)
        .await
        .map_err(err)?;
        Ok(done.rows_affected() == 1)
    }

    async fn insert_token(&self, t: &NewToken) -> Result<()> {
        sqlx::query("INSERT INTO tokens (hash, message_id, recipient, public_key, expires, proof) VALUES (?, ?, ?, ?, ?, ?)")
            .bind(&t.hash)
            .bind(&t.message_id)
            .bind(&t.recipient)
            .bind(&t.public_key)
            .bind(to_i64(t.expires))
            .bind(t.proof)
            .execute(&self.writer)
            .await
            .map_err(err)?;
        Ok(())
    }

    async fn token(&self, hash: &[u8]) -> Result<Option<TokenRecord>> {
        let row = sqlx::query(
            "SELECT t.message_id, t.recipient, t.public_key, t.expires, t.released_at, m.revoked_at, m.expires, m.share_key_id, m.share_ct, t.proof
             FROM tokens t JOIN messages m ON m.id = t.message_id WHERE t.hash = ?",
        )
        .bind(hash)
        .fetch_optional(&self.pool)
        .await
        .map_err(err)?;
        Ok(row.map(|r| {
            let key_id: Option<String> = r.get(7);
            let ct: Option<Vec<u8>> = r.get(8);
            TokenRecord {
                message_id: r.get(0),
                recipient: r.get(1),
                public_key: r.get(2),
                expires: to_u64(r.get(3)),
                released: r.get::<Option<i64>, _>(4).is_some(),
                message_revoked: r.get::<Option<i64>, _>(5).is_some(),
                message_expires: to_u64(r.get(6)),
                share: key_id
                    .zip(ct)
                    .map(|(key_id, ciphertext)| StoredShare { key_id, ciphertext }),
                proof: r.get(9),
            }
        }))
    }

    async fn purge(
        &self,
        now: u64,
        audit_before: u64,
        passkeys_unused_before: u64,
    ) -> Result<PurgeReport> {
        let mut tx = self
            .writer
            .begin_with("BEGIN IMMEDIATE")
            .await
            .map_err(err)?;
        let now_i = to_i64(now);
        let audit_i = to_i64(audit_before);
        let mut run = async |sql: &str, binds: &[i64]| -> Result<u64> {
            let mut q = sqlx::query(sql);
            for b in binds {
                q = q.bind(*b);
            }
            Ok(q.execute(&mut *tx).await.map_err(err)?.rows_affected())
        };
        let report = PurgeReport {
            shares_destroyed: run("UPDATE messages SET share_ct = NULL, share_key_id = NULL WHERE share_ct IS NOT NULL AND expires <= ?", &[now_i]).await?,
            tokens_deleted: run("DELETE FROM tokens WHERE expires <= ?", &[now_i]).await?,
            passcodes_deleted: run("DELETE FROM passcodes WHERE expires <= ?", &[now_i]).await?,
            throttle_hits_deleted: run("DELETE FROM throttle_hits WHERE at <= ?", &[now_i - to_i64(THROTTLE_WINDOW)]).await?,
            events_deleted: run("DELETE FROM events WHERE at < ?", &[audit_i]).await?,
            messages_deleted: run(
                "DELETE FROM messages WHERE share_ct IS NULL AND COALESCE(revoked_at, expires) < ?
                 AND NOT EXISTS (SELECT 1 FROM tokens t WHERE t.message_id = messages.id)
                 AND NOT EXISTS (SELECT 1 FROM passcodes p WHERE p.message_id = messages.id)",
                &[audit_i],
            )
            .await?,
            nonces_deleted: run("DELETE FROM used_nonces WHERE expires <= ?", &[now_i]).await?,
            passkeys_deleted: run("DELETE FROM passkeys WHERE last_used < ?", &[to_i64(passkeys_unused_before)]).await?,
            ceremonies_deleted: run("DELETE FROM passkey_ceremonies WHERE expires <= ?", &[now_i]).await?,
            usage_counts_deleted: 0,
        };
        // Reply counts of messages that are gone (a count only; no reply is ever stored).
        sqlx::query(
            "DELETE FROM reply_counts WHERE NOT EXISTS (SELECT 1 FROM messages m WHERE m.id = reply_counts.message_id)",
        )
        .execute(&mut *tx)
        .await
        .map_err(err)?;
        tx.commit().await.map_err(err)?;
        Ok(report)
    }

    async fn insert_ceremony(&self, c: &Ceremony) -> Result<()> {
        sqlx::query("INSERT INTO passkey_ceremonies (hash, kind, message_id, recipient, public_key, state, expires) VALUES (?, ?, ?, ?, ?, ?, ?)")
            .bind(&c.hash)
            .bind(&c.kind)
            .bind(&c.message_id)
            .bind(&c.recipient)
            .bind(&c.public_key)
            .bind(&c.state)
            .bind(to_i64(c.expires))
            .execute(&self.writer)
            .await
            .map_err(err)?;
        Ok(())
    }

    async fn ceremony(&self, hash: &[u8]) -> Result<Option<Ceremony>> {
        let row = sqlx::query(
            "SELECT kind, message_id, recipient, public_key, state, expires FROM passkey_ceremonies WHERE hash = ?",
        )
        .bind(hash)
        .fetch_optional(&self.writer)
        .await
        .map_err(err)?;
        Ok(row.map(|r| Ceremony {
            hash: hash.to_vec(),
            kind: r.get(0),
            message_id: r.get(1),
            recipient: r.get(2),
            public_key: r.get(3),
            state: r.get(4),
            expires: to_u64(r.get(5)),
        }))
    }

    async fn take_ceremony(&self, hash: &[u8]) -> Result<bool> {
        let done = sqlx::query("DELETE FROM passkey_ceremonies WHERE hash = ?")
            .bind(hash)
            .execute(&self.writer)
            .await
            .map_err(err)?;
        Ok(done.rows_affected() == 1)
    }

    async fn passkeys(&self, recipient: &str) -> Result<Vec<StoredPasskey>> {
        let rows = sqlx::query(
            "SELECT credential_id, passkey, created, last_used FROM passkeys WHERE recipient = ? ORDER BY created, credential_id",
        )
        .bind(recipient)
        .fetch_all(&self.pool)
        .await
        .map_err(err)?;
        Ok(rows
            .into_iter()
            .map(|r| StoredPasskey {
                credential_id: r.get(0),
                recipient: recipient.to_owned(),
                passkey: r.get(1),
                created: to_u64(r.get(2)),
                last_used: to_u64(r.get(3)),
            })
            .collect())
    }

    async fn with_passkeys(&self, recipients: &[String]) -> Result<Vec<String>> {
        if recipients.is_empty() {
            return Ok(Vec::new());
        }
        let marks = vec!["?"; recipients.len()].join(",");
        let sql = format!(
            "SELECT DISTINCT recipient FROM passkeys WHERE recipient IN ({marks}) ORDER BY recipient"
        );
        let mut query = sqlx::query(&sql);
        for r in recipients {
            query = query.bind(r);
        }
        let rows = query.fetch_all(&self.pool).await.map_err(err)?;
        Ok(rows.into_iter().map(|r| r.get(0)).collect())
    }

    async fn add_passkey(&self, p: &StoredPasskey) -> Result<bool> {
        let done = sqlx::query(
            "INSERT INTO passkeys (credential_id, recipient, passkey, created, last_used) VALUES (?, ?, ?, ?, ?) ON CONFLICT (credential_id) DO NOTHING",
        )
        .bind(&p.credential_id)
        .bind(&p.recipient)
        .bind(&p.passkey)
        .bind(to_i64(p.created))
        .bind(to_i64(p.last_used))
        .execute(&self.writer)
        .await
        .map_err(err)?;
        Ok(done.rows_affected() == 1)
    }

    async fn update_passkey(
        &self,
        credential_id: &[u8],
        old: &str,
        new: &str,
        now: u64,
    ) -> Result<bool> {
        let done = sqlx::query(
            "UPDATE passkeys SET passkey = ?, last_used = ? WHERE credential_id = ? AND passkey = ?",
        )
        .bind(new)
        .bind(to_i64(now))
        .bind(credential_id)
        .bind(old)
        .execute(&self.writer)
        .await
        .map_err(err)?;
        Ok(done.rows_affected() == 1)
    }

    async fn remove_passkey(&self, recipient: &str, credential_id: &[u8]) -> Result<bool> {
        let done = sqlx::query("DELETE FROM passkeys WHERE recipient = ? AND credential_id = ?")
            .bind(recipient)
            .bind(credential_id)
            .execute(&self.writer)
            .await
            .map_err(err)?;
        Ok(done.rows_affected() == 1)
    }

    async fn release(&self, token_hash: &[u8], now: u64) -> Result<ReleaseOutcome> {
        self.releases.release(token_hash, now).await
    }
}

async fn decide_batch(
    writer: &SqlitePool,
    batch: &[PendingRelease],
) -> Result<Vec<ReleaseOutcome>> {
    let marks = |n: usize| vec!["?"; n].join(",");
    let mut tx = writer.begin_with("BEGIN IMMEDIATE").await.map_err(err)?;

    // Read every token of the batch, then every message they name: two statements.
    let sql = format!(
        "SELECT hash, released_at, message_id, recipient FROM tokens WHERE hash IN ({})",
        marks(batch.len())
    );
    let mut q = sqlx::query(&sql);
    for p in batch {
        q = q.bind(&p.token_hash);
    }
    let mut tokens = HashMap::new();
    for r in q.fetch_all(&mut *tx).await.map_err(err)? {
        tokens.insert(
            r.get(0),
            BatchToken {
                released: r.get::<Option<i64>, _>(1).is_some(),
                message_id: r.get(2),
                recipient: r.get(3),
            },
        );
    }
    let mut ids: Vec<String> = tokens
        .values()
        .map(|t: &BatchToken| t.message_id.clone())
        .collect();
    ids.sort();
    ids.dedup();
    let sql = format!(
        "SELECT id, revoked_at, expires, max_opens, opens, share_key_id, share_ct FROM messages WHERE id IN ({})",
        marks(ids.len())
    );
    let mut q = sqlx::query(&sql);
    for id in &ids {
        q = q.bind(id);
    }
    let mut messages = HashMap::new();
    for r in q.fetch_all(&mut *tx).await.map_err(err)? {
        let key_id: Option<String> = r.get(5);
        let ct: Option<Vec<u8>> = r.get(6);
        messages.insert(
            r.get(0),
            BatchMessage {
                revoked: r.get::<Option<i64>, _>(1).is_some(),
                expires: to_u64(r.get(2)),
                max_opens: r.get(3),
                opens: r.get(4),
                share: key_id
                    .zip(ct)
                    .map(|(key_id, ciphertext)| StoredShare { key_id, ciphertext }),
            },
        );
    }
    let (outcomes, writes) = batch::decide(batch, tokens, messages)?;

    // Write: one statement per table (one per message for the open counts).
    for (id, added) in &writes.opens_added {
        sqlx::query("UPDATE messages SET opens = opens + ? WHERE id = ?")
            .bind(added)
            .bind(id)
            .execute(&mut *tx)
            .await
            .map_err(err)?;
    }
    if !writes.released.is_empty() {
        let sql = format!(
            "UPDATE tokens SET released_at = ? WHERE hash IN ({})",
            marks(writes.released.len())
        );
        let mut q = sqlx::query(&sql).bind(to_i64(batch[0].now));
        for (hash, ..) in &writes.released {
            q = q.bind(hash);
        }
        q.execute(&mut *tx).await.map_err(err)?;
        let sql = format!(
            "INSERT INTO events (message_id, at, kind, recipient) VALUES {}",
            vec!["(?, ?, ?, ?)"; writes.released.len()].join(",")
        );
        let mut q = sqlx::query(&sql);
        for (_, message_id, recipient, now) in &writes.released {
            q = q
                .bind(message_id)
                .bind(to_i64(*now))
                .bind(event_kind_name(EventKind::Released))
                .bind(recipient);
        }
        q.execute(&mut *tx).await.map_err(err)?;
    }
    tx.commit().await.map_err(err)?;
    Ok(outcomes)
}
