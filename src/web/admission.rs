//! Bounds on the self-check as a whole, whatever the number of clients (the
//! per-address rate limit in [`super::security`] is for fairness, not a
//! bound): at most `check_concurrency` checks run and `check_queue` wait,
//! and the upload bytes being read or checked at once have a ceiling.
//! Beyond either, a request is answered at once with 503 and `Retry-After`
//! instead of holding memory and a connection while it waits.

use super::errors::WebError;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// Seconds a client is asked to wait when the checker is full.
pub const RETRY_AFTER_S: u64 = 5;
/// Upload budget unit: permits count KiB, so a 4 GiB budget fits a `u32`.
const UNIT: usize = 1024;

/// The checker's admission: checks running or queued, upload bytes in flight.
#[derive(Debug)]
pub struct Admission {
    /// Checks admitted (running or waiting for a slot).
    admitted: Arc<AtomicUsize>,
    max_admitted: usize,
    upload_units: Arc<Semaphore>,
    max_units: usize,
}

/// One admitted check: its place in the queue and its share of the upload
/// budget, given back when dropped.
#[derive(Debug)]
pub struct Admitted {
    admitted: Arc<AtomicUsize>,
    _bytes: OwnedSemaphorePermit,
}

impl Drop for Admitted {
    fn drop(&mut self) {
        self.admitted.fetch_sub(1, Ordering::SeqCst);
    }
}

impl Admission {
    /// `slots` checks at once plus `queue` waiting; `upload_bytes` of
    /// request bodies in flight.
    pub fn new(slots: usize, queue: usize, upload_bytes: usize) -> Admission {
        let max_units = upload_bytes.div_ceil(UNIT).clamp(1, Semaphore::MAX_PERMITS);
        Admission {
            admitted: Arc::new(AtomicUsize::new(0)),
            max_admitted: slots.max(1) + queue,
            upload_units: Arc::new(Semaphore::new(max_units)),
            max_units,
        }
    }

    /// Admits a check whose body is `declared` bytes long (its
    /// `Content-Length`), or at most `body_limit` when it does not say.
    pub fn admit(&self, declared: Option<usize>, body_limit: usize) -> Result<Admitted, WebError> {
        let busy = || WebError::Busy {
            retry_after_s: RETRY_AFTER_S,
        };
        let n = self.admitted.fetch_add(1, Ordering::SeqCst);
        if n >= self.max_admitted {
            self.admitted.fetch_sub(1, Ordering::SeqCst);
            return Err(busy());
        }
        let bytes = declared.unwrap_or(body_limit).min(body_limit);
        let units = bytes.div_ceil(UNIT).clamp(1, self.max_units);
        match self
            .upload_units
            .clone()
            .try_acquire_many_owned(u32::try_from(units).unwrap_or(u32::MAX))
        {
            Ok(permit) => Ok(Admitted {
                admitted: self.admitted.clone(),
                _bytes: permit,
            }),
            Err(_) => {
                self.admitted.fetch_sub(1, Ordering::SeqCst);
                Err(busy())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queue_and_bytes_are_bounded_and_given_back() {
        let a = Admission::new(1, 1, 3 * 1024 * 1024);
        let one = a.admit(Some(1024 * 1024), 20 << 20).unwrap();
        let two = a.admit(Some(1024 * 1024), 20 << 20).unwrap();
        assert!(matches!(
            a.admit(Some(10), 20 << 20),
            Err(WebError::Busy { .. })
        ));
        drop(one);
        // A body that does not say its length counts as the largest allowed.
        assert!(a.admit(None, 20 << 20).is_err());
        let three = a.admit(Some(5 * 512 * 1024), 20 << 20);
        assert!(three.is_err(), "1 + 2.5 MB is over the 3 MB budget");
        drop(two);
        assert!(a.admit(Some(2 * 1024 * 1024), 20 << 20).is_ok());
    }
}
