//! argon2id at OWASP parameters, off the async threads and bounded by a semaphore so a burst of
//! sign-ins cannot starve the server.

use std::sync::{Arc, OnceLock};

use anyhow::Context;
use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::SaltString;
use argon2::{Algorithm, Argon2, Params, PasswordHash, PasswordHasher, PasswordVerifier, Version};
use tokio::sync::Semaphore;

use crate::domain::Password;
use crate::telemetry::spawn_blocking_with_tracing;

/// 19 MiB, two passes, one lane: OWASP's recommendation for argon2id. The parameters are
/// constants inside argon2's limits, checked by the unit test below; were they ever not, the
/// crate's defaults (the same recommendation) would serve.
fn argon2() -> Argon2<'static> {
    let params = Params::new(19 * 1024, 2, 1, None).unwrap_or_default();
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

pub struct Hasher {
    permits: Arc<Semaphore>,
}

impl Default for Hasher {
    fn default() -> Self {
        Self::new()
    }
}

impl Hasher {
    pub fn new() -> Self {
        let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(2);
        Self { permits: Arc::new(Semaphore::new(cores)) }
    }

    pub async fn hash(&self, password: &Password) -> anyhow::Result<String> {
        let _permit = self.permits.acquire().await?;
        let secret = password.expose().to_string();
        spawn_blocking_with_tracing(move || {
            let salt = SaltString::generate(&mut OsRng);
            argon2()
                .hash_password(secret.as_bytes(), &salt)
                .map(|h| h.to_string())
                .map_err(|e| anyhow::anyhow!("hashing failed: {e}"))
        })
        .await
        .context("hashing task")?
    }

    /// Checks `candidate` against `stored`. With no stored hash (unknown email, or an account
    /// that has not set a password) it verifies against a dummy hash, so the time taken does not
    /// tell whether the account exists.
    pub async fn verify(&self, candidate: &str, stored: Option<&str>) -> anyhow::Result<bool> {
        let _permit = self.permits.acquire().await?;
        let candidate = candidate.to_string();
        let (stored, real) = match stored {
            Some(hash) => (hash.to_string(), true),
            None => (dummy_hash().to_string(), false),
        };
        spawn_blocking_with_tracing(move || {
            let parsed = PasswordHash::new(&stored).map_err(|e| anyhow::anyhow!("bad hash: {e}"))?;
            let ok = argon2().verify_password(candidate.as_bytes(), &parsed).is_ok();
            Ok(ok && real)
        })
        .await
        .context("verify task")?
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
