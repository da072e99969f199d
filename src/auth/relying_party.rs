//! Each host's WebAuthn relying party: its id is the host, its origin the public URL. Built once
//! at start-up from the configuration.

use webauthn_rs::prelude::Url;
use webauthn_rs::{Webauthn, WebauthnBuilder};

use crate::config::{Config, PublicUrl};

/// The relying party of each host.
pub struct Passkeys {
    staff: Webauthn,
    portal: Webauthn,
}

fn relying_party(url: &PublicUrl) -> anyhow::Result<Webauthn> {
    let origin = Url::parse(&url.origin())?;
    Ok(WebauthnBuilder::new(url.host(), &origin)?.rp_name("Portico").build()?)
}

impl Passkeys {
    pub fn new(config: &Config) -> anyhow::Result<Self> {
        Ok(Self { staff: relying_party(&config.staff_url)?, portal: relying_party(&config.portal_url)? })
    }

    /// The staff host's (`staff_host`) or the portal's.
    pub fn of(&self, staff_host: bool) -> &Webauthn {
        if staff_host {
            &self.staff
        } else {
            &self.portal
        }
    }
}
