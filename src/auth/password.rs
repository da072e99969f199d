//! argon2id at OWASP parameters, on worker threads of its own (one per core) that yield to the
//! serving of pages, so a burst of sign-ins cannot starve the server.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::mpsc;
use std::sync::{Arc, Mutex, OnceLock};

use anyhow::Context;
use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::SaltString;
use argon2::{Algorithm, Argon2, Params, PasswordHash, PasswordHasher, PasswordVerifier, Version};

use crate::domain::Password;

/// 19 MiB, two passes, one lane: OWASP's recommendation for argon2id. The parameters are
/// constants inside argon2's limits, checked by the unit test below; were they ever not, the
/// crate's defaults (the same recommendation) would serve.
fn argon2() -> Argon2<'static> {
    let params = Params::new(19 * 1024, 2, 1, None).unwrap_or_default();
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

type Job = Box<dyn FnOnce() + Send>;

/// Hashes and checks passwords, one at a time per core, in the order asked.
pub struct Hasher {
    jobs: mpsc::Sender<Job>,
}

impl Default for Hasher {
    fn default() -> Self {
        Self::new()
    }
}

/// How far below the serving of pages password work runs (a nice value; 0 is the server's). At
/// 10 the scheduler gives a busy reader about ten times a hash's share of a core: in a storm of
/// sign-ins the pages keep their speed, and the hashes take what the pages leave, which on a
/// machine that is not saturated is everything.
const PASSWORD_NICENESS: i32 = 10;

/// Lowers the calling thread's priority (on Linux the nice value is a thread's own).
fn yield_to_pages() {
    #[cfg(target_os = "linux")]
    // SAFETY: setpriority reads only its three integer arguments; `0` names the calling thread.
    // Failing (a container that forbids it) leaves the thread at the server's priority.
    unsafe {
        libc::setpriority(libc::PRIO_PROCESS, 0, PASSWORD_NICENESS);
    }
}

impl Hasher {
    pub fn new() -> Self {
        let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(2);
        let (jobs, queue) = mpsc::channel::<Job>();
        let queue = Arc::new(Mutex::new(queue));
        for n in 0..cores {
            let queue = Arc::clone(&queue);
            let worker = move || {
                yield_to_pages();
                // Ends when the hasher is dropped and the queue with it.
                while let Ok(job) = queue.lock().map_err(drop).and_then(|q| q.recv().map_err(drop)) {
                    job();
                }
            };
            if let Err(e) = std::thread::Builder::new().name(format!("password-{n}")).spawn(worker) {
                tracing::error!(error = %e, "could not start a password worker");
            }
        }
        Self { jobs }
    }

    /// Runs `work` on a password worker and waits for it without holding an async thread.
    async fn run<T: Send + 'static>(&self, work: impl FnOnce() -> T + Send + 'static) -> anyhow::Result<T> {
        let (done, result) = tokio::sync::oneshot::channel();
        let span = tracing::Span::current();
        let job: Job = Box::new(move || {
            // Whoever asked has gone (the connection closed): a hash nobody reads is not made.
            if done.is_closed() {
                return;
            }
            let _entered = span.enter();
            // A panic drops `done`, which the caller reads as an error; the worker goes on.
            if let Ok(value) = catch_unwind(AssertUnwindSafe(work)) {
                let _ = done.send(value);
            }
        });
        self.jobs.send(job).map_err(|_| anyhow::anyhow!("the password workers have stopped"))?;
        result.await.context("password worker")
    }

    pub async fn hash(&self, password: &Password) -> anyhow::Result<String> {
        let secret = password.expose().to_string();
        self.run(move || {
            let salt = SaltString::generate(&mut OsRng);
            argon2()
                .hash_password(secret.as_bytes(), &salt)
                .map(|h| h.to_string())
                .map_err(|e| anyhow::anyhow!("hashing failed: {e}"))
        })
        .await?
    }

    /// Checks `candidate` against `stored`. With no stored hash (unknown email, or an account
    /// that has not set a password) it verifies against a dummy hash, so the time taken does not
    /// tell whether the account exists.
    pub async fn verify(&self, candidate: &str, stored: Option<&str>) -> anyhow::Result<bool> {
        let candidate = candidate.to_string();
        let stored = stored.map(str::to_string);
        self.run(move || {
            // The dummy is made on a worker too, the first time it is needed.
            let (stored, real) = match stored {
                Some(hash) => (hash, true),
                None => (dummy_hash().to_string(), false),
            };
            let parsed = PasswordHash::new(&stored).map_err(|e| anyhow::anyhow!("bad hash: {e}"))?;
            let ok = argon2().verify_password(candidate.as_bytes(), &parsed).is_ok();
            Ok(ok && real)
        })
        .await?
    }
}

/// A hash of nothing anyone knows, made once, for the verification of an unknown account to
/// take as long as a known one's.
fn dummy_hash() -> &'static str {
    static DUMMY: OnceLock<String> = OnceLock::new();
    DUMMY.get_or_init(|| {
        let salt = SaltString::generate(&mut OsRng);
        argon2().hash_password(b"portico-dummy-password", &salt).map(|h| h.to_string()).unwrap_or_default()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_use_the_owasp_parameters() {
        let params = argon2().params().clone();
        assert_eq!((params.m_cost(), params.t_cost(), params.p_cost()), (19 * 1024, 2, 1));
        assert!(dummy_hash().starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
    }
}
