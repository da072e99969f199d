//! Who is asking: passwords, sessions, CSRF, rate limits and the extractors that say who a
//! request comes from.

pub mod activity;
pub mod credentials;
pub mod csrf;
pub mod extract;
pub mod passkeys;
pub mod password;
pub mod rate_limit;
pub mod relying_party;
pub mod reset;
pub mod second_factor;
pub mod server_key;
pub mod session;

pub use extract::{ClientMember, CurrentUser, StaffMember};
