//! A [`Store`] that times every operation into the metrics (`waxseal_store_duration_seconds`).

use std::sync::Arc;

use async_trait::async_trait;
use waxseal_api::{AuditEvent, EventKind};

use crate::metrics::{Metrics, time_store};
use crate::store::*;

/// Wraps a store; every call is timed by operation name.
pub struct TimedStore {
    inner: Arc<dyn Store>,
    metrics: Arc<Metrics>,
}

impl TimedStore {
    /// Times `inner`'s operations into `metrics`.
    pub fn new(inner: Arc<dyn Store>, metrics: Arc<Metrics>) -> Self {
        Self { inner, metrics }
    }
}

#[async_trait]
impl Store for TimedStore {
    async fn create_sender(&self, name: &str, now: u64) -> Result<i64> {
        time_store(
            &self.metrics,
            "create_sender",
            self.inner.create_sender(name, now),
        )
        .await
    }

    async fn sender_by_name(&self, name: &str) -> Result<Option<i64>> {
        time_store(
            &self.metrics,
            "sender_by_name",
            self.inner.sender_by_name(name),
        )
        .await
    }

    async fn sender_name(&self, id: i64) -> Result<Option<String>> {
        time_store(&self.metrics, "sender_name", self.inner.sender_name(id)).await
    }

    async fn add_api_key(&self, sender_id: i64, key_id: &str, hash: &[u8], now: u64) -> Result<()> {
        time_store(
            &self.metrics,
            "add_api_key",
            self.inner.add_api_key(sender_id, key_id, hash, now),
        )
        .await
    }

    async fn api_key(&self, key_id: &str) -> Result<Option<ApiKeyRecord>> {
        time_store(&self.metrics, "api_key", self.inner.api_key(key_id)).await
    }

    async fn insert_message(&self, m: &NewMessage) -> Result<bool> {
        time_store(
            &self.metrics,
            "insert_message",
            self.inner.insert_message(m),
        )
        .await
    }

    async fn message(&self, id: &str) -> Result<Option<MessageRecord>> {
        time_store(&self.metrics, "message", self.inner.message(id)).await
    }

    async fn revoke_message(&self, id: &str, now: u64) -> Result<bool> {
        time_store(
            &self.metrics,
            "revoke_message",
            self.inner.revoke_message(id, now),
        )
        .await
    }

    async fn add_event(
        &self,
        message_id: &str,
        at: u64,
        kind: EventKind,
        recipient: Option<&str>,
    ) -> Result<()> {
        time_store(
            &self.metrics,
            "add_event",
            self.inner.add_event(message_id, at, kind, recipient),
        )
        .await
    }

    async fn events(&self, message_id: &str) -> Result<Vec<AuditEvent>> {
        time_store(&self.metrics, "events", self.inner.events(message_id)).await
    }

    async fn throttle(&self, key: &str, now: u64, window: u64, limit: u32) -> Result<Option<u64>> {
        time_store(
            &self.metrics,
            "throttle",
            self.inner.throttle(key, now, window, limit),
        )
        .await
    }

    async fn issue_passcode(&self, p: &NewPasscode, resend_after: u64) -> Result<Issued> {
        time_store(
            &self.metrics,
            "issue_passcode",
            self.inner.issue_passcode(p, resend_after),
        )
        .await
    }

    async fn current_passcode(
        &self,
        message_id: &str,
        recipient: &str,
    ) -> Result<Option<PasscodeRecord>> {
        time_store(
            &self.metrics,
            "current_passcode",
            self.inner.current_passcode(message_id, recipient),
        )
        .await
    }

    async fn begin_guess(
        &self,
        id: i64,
        message_id: &str,
        max_tries: u32,
        budget: u32,
    ) -> Result<Guess> {
        time_store(
            &self.metrics,
            "begin_guess",
            self.inner.begin_guess(id, message_id, max_tries, budget),
        )
        .await
    }

    async fn consume_passcode(
        &self,
        id: i64,
        message_id: &str,
        now: u64,
        max_tries: u32,
    ) -> Result<Consumed> {
        time_store(
            &self.metrics,
            "consume_passcode",
            self.inner.consume_passcode(id, message_id, now, max_tries),
        )
        .await
    }

    async fn reserve_reply(&self, message_id: &str, recipient: &str, max: u32) -> Result<bool> {
        time_store(
            &self.metrics,
            "reserve_reply",
            self.inner.reserve_reply(message_id, recipient, max),
        )
        .await
    }

    async fn release_reply(&self, message_id: &str, recipient: &str) -> Result<()> {
        time_store(
            &self.metrics,
            "release_reply",
            self.inner.release_reply(message_id, recipient),
        )
        .await
    }

    async fn add_sender_domain(&self, sender_id: i64, domain: &str, now: u64) -> Result<bool> {
        time_store(
            &self.metrics,
            "add_sender_domain",
            self.inner.add_sender_domain(sender_id, domain, now),
        )
        .await
    }

    async fn sender_domains(&self, sender_id: i64) -> Result<Vec<String>> {
        time_store(
            &self.metrics,
            "sender_domains",
            self.inner.sender_domains(sender_id),
        )
        .await
    }

    async fn use_nonce(&self, hash: &[u8], expires: u64) -> Result<bool> {
        time_store(
            &self.metrics,
            "use_nonce",
            self.inner.use_nonce(hash, expires),
        )
        .await
    }

    async fn insert_token(&self, t: &NewToken) -> Result<()> {
        time_store(&self.metrics, "insert_token", self.inner.insert_token(t)).await
    }

    async fn token(&self, hash: &[u8]) -> Result<Option<TokenRecord>> {
        time_store(&self.metrics, "token", self.inner.token(hash)).await
    }

    async fn purge(
        &self,
        now: u64,
        audit_before: u64,
        passkeys_unused_before: u64,
    ) -> Result<PurgeReport> {
        time_store(
            &self.metrics,
            "purge",
            self.inner.purge(now, audit_before, passkeys_unused_before),
        )
        .await
    }

    async fn insert_ceremony(&self, c: &Ceremony) -> Result<()> {
        time_store(
            &self.metrics,
            "insert_ceremony",
            self.inner.insert_ceremony(c),
        )
        .await
    }

    async fn ceremony(&self, hash: &[u8]) -> Result<Option<Ceremony>> {
        time_store(&self.metrics, "ceremony", self.inner.ceremony(hash)).await
    }

    async fn take_ceremony(&self, hash: &[u8]) -> Result<bool> {
        time_store(
            &self.metrics,
            "take_ceremony",
            self.inner.take_ceremony(hash),
        )
        .await
    }

    async fn passkeys(&self, recipient: &str) -> Result<Vec<StoredPasskey>> {
        time_store(&self.metrics, "passkeys", self.inner.passkeys(recipient)).await
    }

    async fn with_passkeys(&self, recipients: &[String]) -> Result<Vec<String>> {
        time_store(
            &self.metrics,
            "with_passkeys",
            self.inner.with_passkeys(recipients),
        )
        .await
    }

    async fn add_passkey(&self, p: &StoredPasskey) -> Result<bool> {
        time_store(&self.metrics, "add_passkey", self.inner.add_passkey(p)).await
    }

    async fn update_passkey(
        &self,
        credential_id: &[u8],
        old: &str,
        new: &str,
        now: u64,
    ) -> Result<bool> {
        time_store(
            &self.metrics,
            "update_passkey",
            self.inner.update_passkey(credential_id, old, new, now),
        )
        .await
    }

    async fn remove_passkey(&self, recipient: &str, credential_id: &[u8]) -> Result<bool> {
        time_store(
            &self.metrics,
            "remove_passkey",
            self.inner.remove_passkey(recipient, credential_id),
        )
        .await
    }

    async fn release(&self, token_hash: &[u8], now: u64) -> Result<ReleaseOutcome> {
        time_store(
            &self.metrics,
            "release",
            self.inner.release(token_hash, now),
        )
        .await
    }

    async fn count_usage(&self, day: u64, entries: &[(&'static str, String)]) -> Result<()> {
        time_store(
            &self.metrics,
            "count_usage",
            self.inner.count_usage(day, entries),
        )
        .await
    }

    async fn usage(&self, from_day: u64, to_day: u64) -> Result<Vec<UsageCount>> {
        time_store(&self.metrics, "usage", self.inner.usage(from_day, to_day)).await
    }

    async fn purge_usage(&self, before_day: u64) -> Result<u64> {
        time_store(
            &self.metrics,
            "purge_usage",
            self.inner.purge_usage(before_day),
        )
        .await
    }
}
