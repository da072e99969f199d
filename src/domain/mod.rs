//! Parsed domain types: form input becomes one of these at the edge, so the core never sees a
//! raw string.

mod brand;
mod content;
mod email;
mod end_date;
mod ids;
mod name;
mod password;
mod role;
mod token;

pub use brand::{AccentColour, BrandName, Logo};
pub use content::{
    category_score, overall_score, question, Answer, Category, Coordinates, JobStatus, Photo, CATEGORIES,
};
pub use email::EmailAddress;
pub use end_date::EndDate;
pub use ids::{CaptureId, ClientId, CompanyId, InvitationId, JobId, MembershipId, ProviderId, UserId};
pub use name::{OptionalName, PersonName};
pub use password::Password;
pub use role::{ClientKind, ClientRole, Permission, StaffRole};
pub use token::{Token, TokenHash};

/// Why a piece of input was refused, in words for the person who typed it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invalid(pub &'static str);

impl std::fmt::Display for Invalid {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.0)
    }
}
