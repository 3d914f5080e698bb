//! The crawl's database writes. On SQLite, which has one writer, this
//! process queues its writes itself: a fair async lock instead of SQLite's
//! busy handler (whose sleeps grow to tens of milliseconds under
//! contention), and the writes every site makes (its fetch log, versions,
//! job completion) go to one task that commits whatever has queued up in a
//! single transaction (group commit). Measured on the crawl benchmark, one
//! commit per write kept the single writer busy most of the time and sites
//! waited for it between their requests. A caller gets its answer only
//! after the commit. On PostgreSQL writes run concurrently and directly.

use crate::store::{
    BackendKind, BatchDone, BatchWrite, Look, NewFetch, NewVersion, Recorded, Store, StoreError,
};
use std::sync::Arc;
use tokio::sync::{mpsc, oneshot};

/// Most writes committed together.
const MAX_BATCH: usize = 64;

type Queued = (BatchWrite, oneshot::Sender<Result<BatchDone, StoreError>>);

#[derive(Clone, Debug)]
pub(super) struct Writes {
    store: Store,
    /// SQLite: held for every write transaction of this process.
    gate: Option<Arc<tokio::sync::Mutex<()>>>,
    /// SQLite: the group-commit task.
    batch: Option<mpsc::UnboundedSender<Queued>>,
}

impl Writes {
    /// Must be called inside the runtime (SQLite starts the commit task,
    /// which ends when the last `Writes` is dropped).
    pub(super) fn for_store(store: &Store) -> Self {
        if store.kind() != BackendKind::Sqlite {
            return Writes {
                store: store.clone(),
                gate: None,
                batch: None,
            };
        }
        let gate = Arc::new(tokio::sync::Mutex::new(()));
        let (tx, rx) = mpsc::unbounded_channel();
        tokio::spawn(commit_batches(store.clone(), gate.clone(), rx));
        Writes {
            store: store.clone(),
            gate: Some(gate),
            batch: Some(tx),
        }
    }

    /// Runs one write of its own (claims, leases, failures) in turn with
    /// the others.
    pub(super) async fn run<F: std::future::Future>(&self, f: F) -> F::Output {
        match &self.gate {
            Some(m) => {
                let _g = m.lock().await;
                f.await
            }
            None => f.await,
        }
    }

    async fn batched(&self, w: BatchWrite) -> Result<BatchDone, StoreError> {
        let Some(queue) = &self.batch else {
            let mut done = self.store.write_batch(std::slice::from_ref(&w)).await?;
            return done
                .pop()
                .unwrap_or_else(|| Err(StoreError::Invalid("empty batch result".into())));
        };
        let (reply, answer) = oneshot::channel();
        queue
            .send((w, reply))
            .map_err(|_| StoreError::Invalid("the crawl's writer has stopped".into()))?;
        answer
            .await
            .map_err(|_| StoreError::Invalid("the crawl's writer has stopped".into()))?
    }

    pub(super) async fn log_fetches(
        &self,
        round: i64,
        fetches: Vec<(NewFetch, Option<Arc<Vec<u8>>>)>,
    ) -> Result<Vec<i64>, StoreError> {
        self.batched(BatchWrite::LogFetches { round, fetches })
            .await?
            .fetch_ids()
    }

    pub(super) async fn record_version(&self, v: NewVersion) -> Result<Recorded, StoreError> {
        self.batched(BatchWrite::RecordVersion(Box::new(v)))
            .await?
            .recorded()
    }

    pub(super) async fn record_look(
        &self,
        organisation_id: i64,
        look: Look,
    ) -> Result<bool, StoreError> {
        self.batched(BatchWrite::RecordLook {
            organisation_id,
            look,
        })
        .await?
        .completed()
    }

    pub(super) async fn complete_job(&self, id: i64, worker: &str) -> Result<bool, StoreError> {
        self.batched(BatchWrite::CompleteJob {
            id,
            worker: worker.to_string(),
        })
        .await?
        .completed()
    }
}

/// The group-commit task: takes what has queued (at least one write, at
/// most [`MAX_BATCH`]), commits it, answers each caller, repeats. Writes
/// arriving during a commit form the next batch, so a lone write waits for
/// nothing.
async fn commit_batches(
    store: Store,
    gate: Arc<tokio::sync::Mutex<()>>,
    mut rx: mpsc::UnboundedReceiver<Queued>,
) {
    let mut queued: Vec<Queued> = Vec::with_capacity(MAX_BATCH);
    while rx.recv_many(&mut queued, MAX_BATCH).await > 0 {
        let (writes, replies): (Vec<BatchWrite>, Vec<_>) = queued.drain(..).unzip();
        let done = {
            let _g = gate.lock().await;
            store.write_batch(&writes).await
        };
        match done {
            Ok(results) => {
                for (reply, r) in replies.into_iter().zip(results) {
                    // The caller may have gone (its task was stopped).
                    let _ = reply.send(r);
                }
            }
            Err(e) => {
                tracing::warn!(error = %e, writes = writes.len(), "batched commit failed");
                let msg = e.to_string();
                for reply in replies {
                    let _ = reply.send(Err(StoreError::Invalid(format!(
                        "batched commit failed: {msg}"
                    ))));
                }
            }
        }
    }
}
