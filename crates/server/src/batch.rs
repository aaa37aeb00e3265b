//! Group commit of first releases, shared by the storage backends: a queue, a task that takes
//! every release waiting and hands the batch to the backend, and the decision itself, made in
//! memory in arrival order from the rows the backend read (so an open limit holds within a
//! batch). The backend reads and writes inside one transaction; nothing is answered before it
//! commits.

use std::collections::HashMap;
use std::future::Future;

use tokio::sync::{mpsc, oneshot};

use crate::store::{ReleaseOutcome, Result, StoreError, StoredShare};

/// Most releases decided in one transaction.
pub const MAX_BATCH: usize = 64;

/// A first release waiting to be decided.
pub struct PendingRelease {
    /// SHA-256 of the token.
    pub token_hash: Vec<u8>,
    /// The time of the request.
    pub now: u64,
    reply: oneshot::Sender<Result<ReleaseOutcome>>,
}

/// A token as the batch read it.
pub struct BatchToken {
    /// Whether it already released.
    pub released: bool,
    /// Its message.
    pub message_id: String,
    /// Its verified recipient.
    pub recipient: String,
}

/// A message as the batch read it.
pub struct BatchMessage {
    /// Revoked?
    pub revoked: bool,
    /// Expiry.
    pub expires: u64,
    /// Open limit.
    pub max_opens: Option<i64>,
    /// Opens so far.
    pub opens: i64,
    /// The encrypted share, if not destroyed.
    pub share: Option<StoredShare>,
}

/// What the backend must write for a decided batch.
pub struct BatchWrites {
    /// Opens to add, per message.
    pub opens_added: Vec<(String, i64)>,
    /// Tokens now released, with their message and recipient (for the `released` events), and
    /// the time of their request.
    pub released: Vec<(Vec<u8>, String, String, u64)>,
}

/// Decides a batch in arrival order from the rows read for it.
pub fn decide(
    batch: &[PendingRelease],
    mut tokens: HashMap<Vec<u8>, BatchToken>,
    mut messages: HashMap<String, BatchMessage>,
) -> Result<(Vec<ReleaseOutcome>, BatchWrites)> {
    let mut outcomes = Vec::with_capacity(batch.len());
    let mut added: HashMap<String, i64> = HashMap::new();
    let mut released = Vec::new();
    for p in batch {
        let t = tokens
            .get_mut(&p.token_hash)
            .ok_or_else(|| StoreError("a released token vanished".into()))?;
        let m = messages
            .get_mut(&t.message_id)
            .ok_or_else(|| StoreError("a token's message vanished".into()))?;
        let so_far = m.opens + added.get(&t.message_id).copied().unwrap_or(0);
        let outcome = match &m.share {
            _ if m.revoked => ReleaseOutcome::Revoked,
            // After expiry the retention task destroys the share: still "expired", not "revoked".
            _ if p.now >= m.expires => ReleaseOutcome::Expired,
            None => ReleaseOutcome::Revoked,
            Some(share) if t.released => ReleaseOutcome::Repeated(share.clone()),
            Some(_) if m.max_opens.is_some_and(|max| so_far >= max) => ReleaseOutcome::LimitReached,
            Some(share) => {
                t.released = true;
                *added.entry(t.message_id.clone()).or_default() += 1;
                released.push((
                    p.token_hash.clone(),
                    t.message_id.clone(),
                    t.recipient.clone(),
                    p.now,
                ));
                ReleaseOutcome::Counted(share.clone())
            }
        };
        outcomes.push(outcome);
    }
    Ok((
        outcomes,
        BatchWrites {
            opens_added: added.into_iter().collect(),
            released,
        },
    ))
}

/// The queue side: what `Store::release` uses to hand a first release to the writer.
#[derive(Clone)]
pub struct ReleaseQueue(mpsc::Sender<PendingRelease>);

impl ReleaseQueue {
    /// Starts the group-commit task; `decide_batch` reads, decides (with [`decide`]), writes and
    /// commits one batch.
    pub fn start<F, Fut>(decide_batch: F) -> Self
    where
        F: Fn(Vec<PendingRelease>) -> Fut + Send + 'static,
        Fut: Future<Output = (Vec<PendingRelease>, Result<Vec<ReleaseOutcome>>)> + Send,
    {
        let (tx, mut rx) = mpsc::channel::<PendingRelease>(4 * MAX_BATCH);
        tokio::spawn(async move {
            let mut batch = Vec::with_capacity(MAX_BATCH);
            while rx.recv_many(&mut batch, MAX_BATCH).await > 0 {
                let (done, result) = decide_batch(std::mem::take(&mut batch)).await;
                match result {
                    Ok(outcomes) => {
                        for (p, outcome) in done.into_iter().zip(outcomes) {
                            let _ = p.reply.send(Ok(outcome));
                        }
                    }
                    Err(e) => {
                        for p in done {
                            let _ = p.reply.send(Err(StoreError(e.0.clone())));
                        }
                    }
                }
            }
        });
        Self(tx)
    }

    /// Queues a first release and waits for its committed outcome.
    pub async fn release(&self, token_hash: &[u8], now: u64) -> Result<ReleaseOutcome> {
        let (reply, answer) = oneshot::channel();
        let stopped = || StoreError("the release writer has stopped".into());
        self.0
            .send(PendingRelease {
                token_hash: token_hash.to_vec(),
                now,
                reply,
            })
            .await
            .map_err(|_| stopped())?;
        answer.await.map_err(|_| stopped())?
    }
}
