//! The PostgreSQL store, for several server instances sharing one database. Migrations in
//! `migrations/postgres` run on start-up. Every rule that spans requests holds across instances:
//! throttles and passcode issuing take a transaction-scoped advisory lock on their key; a
//! passcode's wrong tries and single use are conditional updates; first releases are
//! group-committed per instance and lock the rows of their tokens and messages, so two
//! instances' batches on the same message serialise and open limits hold.

use std::collections::HashMap;

use async_trait::async_trait;
use sqlx::postgres::{PgPool, PgPoolOptions};
use sqlx::{Postgres, Row, Transaction};
use waxseal_api::{AuditEvent, EventKind};

use crate::batch::{self, BatchMessage, BatchToken, PendingRelease, ReleaseQueue};
use crate::store::*;

/// A PostgreSQL-backed [`Store`].
#[derive(Clone)]
pub struct PgStore {
    pool: PgPool,
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

/// Serialises, across every instance, the transactions that work on `key`.
async fn lock(tx: &mut Transaction<'_, Postgres>, key: &str) -> Result<()> {
    sqlx::query("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))")
        .bind(key)
        .execute(&mut **tx)
        .await
        .map_err(err)?;
    Ok(())
}

impl PgStore {
    /// Connects to `url` (`postgres://…`) and runs the migrations.
    pub async fn connect(url: &str) -> Result<Self> {
        let pool = PgPoolOptions::new()
            .max_connections(16)
            .connect(url)
            .await
            .map_err(err)?;
        sqlx::migrate!("./migrations/postgres")
            .run(&pool)
            .await
            .map_err(|e| StoreError(e.to_string()))?;
        let batch_pool = pool.clone();
        let releases = ReleaseQueue::start(move |batch| {
            let pool = batch_pool.clone();
            async move {
                let result = decide_batch(&pool, &batch).await;
                (batch, result)
            }
        });
        Ok(Self { pool, releases })
    }

    /// Closes every connection.
    pub async fn close(&self) {
        self.pool.close().await;
    }
}

#[async_trait]
impl Store for PgStore {
    async fn create_sender(&self, name: &str, now: u64) -> Result<i64> {
        let row = sqlx::query("INSERT INTO senders (name, created) VALUES ($1, $2) RETURNING id")
            .bind(name)
            .bind(to_i64(now))
            .fetch_one(&self.pool)
            .await
            .map_err(err)?;
        Ok(row.get(0))
    }

    async fn sender_by_name(&self, name: &str) -> Result<Option<i64>> {
        let row = sqlx::query("SELECT id FROM senders WHERE name = $1")
            .bind(name)
            .fetch_optional(&self.pool)
            .await
            .map_err(err)?;
        Ok(row.map(|r| r.get(0)))
    }

    async fn sender_name(&self, id: i64) -> Result<Option<String>> {
        let row = sqlx::query("SELECT name FROM senders WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.pool)
            .await
            .map_err(err)?;
        Ok(row.map(|r| r.get(0)))
    }

    async fn add_api_key(&self, sender_id: i64, key_id: &str, hash: &[u8], now: u64) -> Result<()> {
        sqlx::query(
            "INSERT INTO api_keys (key_id, sender_id, hash, created) VALUES ($1, $2, $3, $4)",
        )
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
        let row = sqlx::query("SELECT k.sender_id, s.name, k.hash FROM api_keys k JOIN senders s ON s.id = k.sender_id WHERE k.key_id = $1")
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
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT (id) DO NOTHING",
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
        .execute(&self.pool)
        .await
        .map_err(err)?;
        Ok(done.rows_affected() == 1)
    }

    async fn message(&self, id: &str) -> Result<Option<MessageRecord>> {
        let row = sqlx::query(
            "SELECT id, sender_id, share_ct, share_key_id, recipients, created, expires, max_opens, opens, revoked_at,
                    wrong_passcodes, from_address, reply_to FROM messages WHERE id = $1",
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
        let done = sqlx::query("UPDATE messages SET revoked_at = $1, share_ct = NULL, share_key_id = NULL WHERE id = $2 AND revoked_at IS NULL")
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
        sqlx::query("INSERT INTO events (message_id, at, kind, recipient) VALUES ($1, $2, $3, $4)")
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
            sqlx::query("SELECT at, kind, recipient FROM events WHERE message_id = $1 ORDER BY id")
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
        let mut tx = self.pool.begin().await.map_err(err)?;
        lock(&mut tx, &format!("throttle:{key}")).await?;
        sqlx::query("DELETE FROM throttle_hits WHERE key = $1 AND at <= $2")
            .bind(key)
            .bind(to_i64(now.saturating_sub(window)))
            .execute(&mut *tx)
            .await
            .map_err(err)?;
        let row = sqlx::query("SELECT COUNT(*), MIN(at) FROM throttle_hits WHERE key = $1")
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
        sqlx::query("INSERT INTO throttle_hits (key, at) VALUES ($1, $2)")
            .bind(key)
            .bind(to_i64(now))
            .execute(&mut *tx)
            .await
            .map_err(err)?;
        tx.commit().await.map_err(err)?;
        Ok(None)
    }

    async fn issue_passcode(&self, p: &NewPasscode, resend_after: u64) -> Result<Issued> {
        let mut tx = self.pool.begin().await.map_err(err)?;
        lock(
            &mut tx,
            &format!("passcode:{}:{}", p.message_id, p.recipient),
        )
        .await?;
        let last: Option<i64> = sqlx::query_scalar(
            "SELECT created FROM passcodes WHERE message_id = $1 AND recipient = $2 AND superseded = 0 ORDER BY id DESC LIMIT 1",
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
        sqlx::query("UPDATE passcodes SET superseded = 1 WHERE message_id = $1 AND recipient = $2 AND superseded = 0")
            .bind(&p.message_id)
            .bind(&p.recipient)
            .execute(&mut *tx)
            .await
            .map_err(err)?;
        sqlx::query(
            "INSERT INTO passcodes (message_id, recipient, public_key, code_mac, key_id, created, expires) VALUES ($1, $2, $3, $4, $5, $6, $7)",
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
             WHERE message_id = $1 AND recipient = $2 AND superseded = 0 ORDER BY id DESC LIMIT 1",
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
        // Two conditional updates in one transaction: their row locks serialise concurrent
        // guesses, and a refusal of the second rolls the first back.
        let mut tx = self.pool.begin().await.map_err(err)?;
        let tries: Option<i64> = sqlx::query_scalar(
            "UPDATE passcodes SET wrong_tries = wrong_tries + 1 WHERE id = $1 AND wrong_tries < $2 RETURNING wrong_tries::BIGINT",
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
            "UPDATE messages SET wrong_passcodes = wrong_passcodes + 1 WHERE id = $1 AND wrong_passcodes < $2 RETURNING wrong_passcodes",
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
        let mut tx = self.pool.begin().await.map_err(err)?;
        let done = sqlx::query("UPDATE passcodes SET used_at = $1 WHERE id = $2 AND used_at IS NULL AND superseded = 0 AND wrong_tries <= $3")
            .bind(to_i64(now))
            .bind(id)
            .bind(i64::from(max_tries))
            .execute(&mut *tx)
            .await
            .map_err(err)?;
        sqlx::query(
            "UPDATE passcodes SET wrong_tries = wrong_tries - 1 WHERE id = $1 AND wrong_tries > 0",
        )
        .bind(id)
        .execute(&mut *tx)
        .await
        .map_err(err)?;
        sqlx::query("UPDATE messages SET wrong_passcodes = wrong_passcodes - 1 WHERE id = $1 AND wrong_passcodes > 0")
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
            "INSERT INTO reply_counts (message_id, recipient, count) VALUES ($1, $2, 1)
             ON CONFLICT (message_id, recipient) DO UPDATE SET count = reply_counts.count + 1
             WHERE reply_counts.count < $3 RETURNING count",
        )
        .bind(message_id)
        .bind(recipient)
        .bind(i64::from(max))
        .fetch_optional(&self.pool)
        .await
        .map_err(err)?;
        Ok(counted.is_some_and(|c| c <= i64::from(max)))
    }

    async fn count_usage(&self, day: u64, entries: &[(&'static str, String)]) -> Result<()> {
        let mut tx = self.pool.begin().await.map_err(err)?;
        for (dimension, value) in entries {
            sqlx::query(
                "INSERT INTO usage_daily (day, dimension, value, count) VALUES ($1, $2, $3, 1)
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
            "SELECT day, dimension, value, count FROM usage_daily WHERE day >= $1 AND day <= $2
             ORDER BY day, dimension, value",
        )
        .bind(from_day as i64)
        .bind(to_day as i64)
        .fetch_all(&self.pool)
        .await
        .map_err(err)
    }

    async fn purge_usage(&self, before_day: u64) -> Result<u64> {
        let done = sqlx::query("DELETE FROM usage_daily WHERE day < $1")
            .bind(before_day as i64)
            .execute(&self.pool)
            .await
            .map_err(err)?;
        Ok(done.rows_affected())
    }

    async fn release_reply(&self, message_id: &str, recipient: &str) -> Result<()> {
        sqlx::query(
            "UPDATE reply_counts SET count = count - 1 WHERE message_id = $1 AND recipient = $2 AND count > 0",
        )
        .bind(message_id)
        .bind(recipient)
        .execute(&self.pool)
        .await
        .map_err(err)?;
        Ok(())
    }

    async fn add_sender_domain(&self, sender_id: i64, domain: &str, now: u64) -> Result<bool> {
        let done = sqlx::query(
            "INSERT INTO sender_domains (sender_id, domain, added) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
        )
        .bind(sender_id)
        .bind(domain)
        .bind(to_i64(now))
        .execute(&self.pool)
        .await
        .map_err(err)?;
        Ok(done.rows_affected() == 1)
    }

    async fn sender_domains(&self, sender_id: i64) -> Result<Vec<String>> {
        sqlx::query_scalar("SELECT domain FROM sender_domains WHERE sender_id = $1 ORDER BY domain")
            .bind(sender_id)
            .fetch_all(&self.pool)
            .await
            .map_err(err)
    }

    async fn use_nonce(&self, hash: &[u8], expires: u64) -> Result<bool> {
        let done = sqlx::query(
            "INSERT INTO used_nonces (hash, expires) VALUES ($1, $2) ON CONFLICT (hash) DO NOTHING",
        )
        .bind(hash)
        .bind(to_i64(expires))
        .execute(&self.pool)
        .await
        .map_err(err)?;
        Ok(done.rows_affected() == 1)
    }

    async fn insert_token(&self, t: &NewToken) -> Result<()> {
        sqlx::query("INSERT INTO tokens (hash, message_id, recipient, public_key, expires, proof) VALUES ($1, $2, $3, $4, $5, $6)")
            .bind(&t.hash)
            .bind(&t.message_id)
            .bind(&t.recipient)
            .bind(&t.public_key)
            .bind(to_i64(t.expires))
            .bind(t.proof)
            .execute(&self.pool)
            .await
            .map_err(err)?;
        Ok(())
    }

    async fn token(&self, hash: &[u8]) -> Result<Option<TokenRecord>> {
        let row = sqlx::query(
            "SELECT t.message_id, t.recipient, t.public_key, t.expires, t.released_at, m.revoked_at, m.expires, m.share_key_id, m.share_ct, t.proof
             FROM tokens t JOIN messages m ON m.id = t.message_id WHERE t.hash = $1",
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
        let mut tx = self.pool.begin().await.map_err(err)?;
        let (now_i, audit_i) = (to_i64(now), to_i64(audit_before));
        let mut run = async |sql: &str, bind: i64| -> Result<u64> {
            Ok(sqlx::query(sql)
                .bind(bind)
                .execute(&mut *tx)
                .await
                .map_err(err)?
                .rows_affected())
        };
        let report = PurgeReport {
            shares_destroyed: run("UPDATE messages SET share_ct = NULL, share_key_id = NULL WHERE share_ct IS NOT NULL AND expires <= $1", now_i).await?,
            tokens_deleted: run("DELETE FROM tokens WHERE expires <= $1", now_i).await?,
            passcodes_deleted: run("DELETE FROM passcodes WHERE expires <= $1", now_i).await?,
            throttle_hits_deleted: run("DELETE FROM throttle_hits WHERE at <= $1", now_i - to_i64(THROTTLE_WINDOW)).await?,
            events_deleted: run("DELETE FROM events WHERE at < $1", audit_i).await?,
            messages_deleted: run(
                "DELETE FROM messages WHERE share_ct IS NULL AND COALESCE(revoked_at, expires) < $1
                 AND NOT EXISTS (SELECT 1 FROM tokens t WHERE t.message_id = messages.id)
                 AND NOT EXISTS (SELECT 1 FROM passcodes p WHERE p.message_id = messages.id)",
                audit_i,
            )
            .await?,
            nonces_deleted: run("DELETE FROM used_nonces WHERE expires <= $1", now_i).await?,
            passkeys_deleted: run("DELETE FROM passkeys WHERE last_used < $1", to_i64(passkeys_unused_before)).await?,
            ceremonies_deleted: run("DELETE FROM passkey_ceremonies WHERE expires <= $1", now_i).await?,
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
        sqlx::query("INSERT INTO passkey_ceremonies (hash, kind, message_id, recipient, public_key, state, expires) VALUES ($1, $2, $3, $4, $5, $6, $7)")
            .bind(&c.hash)
            .bind(&c.kind)
            .bind(&c.message_id)
            .bind(&c.recipient)
            .bind(&c.public_key)
            .bind(&c.state)
            .bind(to_i64(c.expires))
            .execute(&self.pool)
            .await
            .map_err(err)?;
        Ok(())
    }

    async fn ceremony(&self, hash: &[u8]) -> Result<Option<Ceremony>> {
        let row = sqlx::query(
            "SELECT kind, message_id, recipient, public_key, state, expires FROM passkey_ceremonies WHERE hash = $1",
        )
        .bind(hash)
        .fetch_optional(&self.pool)
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
        let done = sqlx::query("DELETE FROM passkey_ceremonies WHERE hash = $1")
            .bind(hash)
            .execute(&self.pool)
            .await
            .map_err(err)?;
        Ok(done.rows_affected() == 1)
    }

    async fn passkeys(&self, recipient: &str) -> Result<Vec<StoredPasskey>> {
        let rows = sqlx::query(
            "SELECT credential_id, passkey, created, last_used FROM passkeys WHERE recipient = $1 ORDER BY created, credential_id",
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
        let marks = (1..=recipients.len())
            .map(|i| format!("${i}"))
            .collect::<Vec<_>>()
            .join(",");
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
            "INSERT INTO passkeys (credential_id, recipient, passkey, created, last_used) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (credential_id) DO NOTHING",
        )
        .bind(&p.credential_id)
        .bind(&p.recipient)
        .bind(&p.passkey)
        .bind(to_i64(p.created))
        .bind(to_i64(p.last_used))
        .execute(&self.pool)
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
            "UPDATE passkeys SET passkey = $1, last_used = $2 WHERE credential_id = $3 AND passkey = $4",
        )
        .bind(new)
        .bind(to_i64(now))
        .bind(credential_id)
        .bind(old)
        .execute(&self.pool)
        .await
        .map_err(err)?;
        Ok(done.rows_affected() == 1)
    }

    async fn remove_passkey(&self, recipient: &str, credential_id: &[u8]) -> Result<bool> {
        let done = sqlx::query("DELETE FROM passkeys WHERE recipient = $1 AND credential_id = $2")
            .bind(recipient)
            .bind(credential_id)
            .execute(&self.pool)
            .await
            .map_err(err)?;
        Ok(done.rows_affected() == 1)
    }

    async fn release(&self, token_hash: &[u8], now: u64) -> Result<ReleaseOutcome> {
        self.releases.release(token_hash, now).await
    }
}

async fn decide_batch(pool: &PgPool, batch: &[PendingRelease]) -> Result<Vec<ReleaseOutcome>> {
    let mut tx = pool.begin().await.map_err(err)?;
    // Lock the messages first, in id order (every instance does the same: no deadlock), then
    // read the tokens: a concurrent batch on the same message waits here.
    let hashes: Vec<Vec<u8>> = batch.iter().map(|p| p.token_hash.clone()).collect();
    let mut ids: Vec<String> =
        sqlx::query("SELECT DISTINCT message_id FROM tokens WHERE hash = ANY($1)")
            .bind(&hashes)
            .fetch_all(&mut *tx)
            .await
            .map_err(err)?
            .iter()
            .map(|r| r.get(0))
            .collect();
    ids.sort();
    let mut messages = HashMap::new();
    for r in sqlx::query("SELECT id, revoked_at, expires, max_opens, opens, share_key_id, share_ct FROM messages WHERE id = ANY($1) ORDER BY id FOR UPDATE")
        .bind(&ids)
        .fetch_all(&mut *tx)
        .await
        .map_err(err)?
    {
        let key_id: Option<String> = r.get(5);
        let ct: Option<Vec<u8>> = r.get(6);
        messages.insert(
            r.get(0),
            BatchMessage {
                revoked: r.get::<Option<i64>, _>(1).is_some(),
                expires: to_u64(r.get(2)),
                max_opens: r.get(3),
                opens: r.get(4),
                share: key_id.zip(ct).map(|(key_id, ciphertext)| StoredShare { key_id, ciphertext }),
            },
        );
    }
    let mut tokens = HashMap::new();
    for r in sqlx::query(
        "SELECT hash, released_at, message_id, recipient FROM tokens WHERE hash = ANY($1)",
    )
    .bind(&hashes)
    .fetch_all(&mut *tx)
    .await
    .map_err(err)?
    {
        tokens.insert(
            r.get(0),
            BatchToken {
                released: r.get::<Option<i64>, _>(1).is_some(),
                message_id: r.get(2),
                recipient: r.get(3),
            },
        );
    }
    let (outcomes, writes) = batch::decide(batch, tokens, messages)?;
    for (id, added) in &writes.opens_added {
        sqlx::query("UPDATE messages SET opens = opens + $1 WHERE id = $2")
            .bind(added)
            .bind(id)
            .execute(&mut *tx)
            .await
            .map_err(err)?;
    }
    if !writes.released.is_empty() {
        let released: Vec<Vec<u8>> = writes.released.iter().map(|(h, ..)| h.clone()).collect();
        sqlx::query("UPDATE tokens SET released_at = $1 WHERE hash = ANY($2)")
            .bind(to_i64(batch[0].now))
            .bind(&released)
            .execute(&mut *tx)
            .await
            .map_err(err)?;
        let (ids, recipients, ats): (Vec<String>, Vec<String>, Vec<i64>) = writes
            .released
            .iter()
            .map(|(_, m, r, now)| (m.clone(), r.clone(), to_i64(*now)))
            .fold((vec![], vec![], vec![]), |mut acc, (m, r, a)| {
                acc.0.push(m);
                acc.1.push(r);
                acc.2.push(a);
                acc
            });
        sqlx::query("INSERT INTO events (message_id, at, kind, recipient) SELECT m, a, $3, r FROM UNNEST($1::text[], $2::bigint[], $4::text[]) AS x(m, a, r)")
            .bind(&ids)
            .bind(&ats)
            .bind(event_kind_name(EventKind::Released))
            .bind(&recipients)
            .execute(&mut *tx)
            .await
            .map_err(err)?;
    }
    tx.commit().await.map_err(err)?;
    Ok(outcomes)
}
