//! The server key: it signs what the server hands out and must recognise later without storing
//! it (an anonymous visitor's CSRF token). The same on every replica (see `startup::server_key`).

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use hmac::{Hmac, Mac};
use sha2::Sha256;

/// The server key that signs anonymous tokens, kept as a keyed HMAC that each signature starts
/// from. Never printed.
#[derive(Clone)]
pub struct ServerKey(Hmac<Sha256>);

impl ServerKey {
    /// Keys the HMAC, once, at startup.
    pub fn new(bytes: &[u8]) -> Self {
        Self(Hmac::<Sha256>::new_from_slice(bytes).expect("HMAC takes a key of any length"))
    }

    /// A 256-bit key for one purpose (sealing second-factor secrets), derived from the server
    /// key, so it is the same on every replica and changes with it.
    pub(super) fn derive(&self, purpose: &str) -> [u8; 32] {
        let mut mac = self.0.clone();
        mac.update(b"derive\0");
        mac.update(purpose.as_bytes());
        mac.finalize().into_bytes().into()
    }

    pub(super) fn sign(&self, purpose: &str, value: &str) -> String {
        let mut mac = self.0.clone();
        mac.update(purpose.as_bytes());
        mac.update(b"\0");
        mac.update(value.as_bytes());
        URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes())
    }
}

impl std::fmt::Debug for ServerKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ServerKey([redacted])")
    }
}
