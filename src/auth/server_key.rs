//! The server key: it signs what the server hands out and must recognise later without storing
//! it (an anonymous visitor's CSRF token). The same on every replica (see `startup::server_key`).

use std::sync::Arc;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use hmac::{Hmac, Mac};
use sha2::Sha256;

/// The server key that signs anonymous tokens. Never printed.
#[derive(Clone)]
pub struct ServerKey(Arc<[u8]>);

impl ServerKey {
    pub fn new(bytes: &[u8]) -> Self {
        Self(bytes.into())
    }

    pub(super) fn sign(&self, purpose: &str, value: &str) -> String {
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.0).expect("HMAC takes a key of any length");
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
