use serde::{Deserialize, Serialize};

use super::Invalid;

/// A provider staff member's role.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, sqlx::Type)]
#[sqlx(type_name = "staff_role", rename_all = "SCREAMING_SNAKE_CASE")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum StaffRole {
    Admin,
    Manager,
    User,
}

/// What staff may do. Every permission check in the staff app goes through `StaffRole::can`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Permission {
    /// Invite staff, change staff roles, remove staff; the settings of the provider.
    ManageStaff,
    /// Invite and manage client users; create clients and companies; assign staff.
    ManageClients,
    /// See every client, not only the assigned ones.
    SeeAllClients,
    /// Read the audit log.
    ReadAuditLog,
}

impl StaffRole {
    pub const ALL: [StaffRole; 3] = [StaffRole::Admin, StaffRole::Manager, StaffRole::User];

    pub fn can(self, permission: Permission) -> bool {
        use Permission::*;
        match self {
            StaffRole::Admin => true,
            StaffRole::Manager => matches!(permission, ManageClients | SeeAllClients),
            StaffRole::User => false,
        }
    }

    pub fn parse(raw: &str) -> Result<Self, Invalid> {
        match raw.trim() {
            "ADMIN" => Ok(Self::Admin),
            "MANAGER" => Ok(Self::Manager),
            "USER" => Ok(Self::User),
            _ => Err(Invalid("Choose a role")),
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            Self::Admin => "ADMIN",
            Self::Manager => "MANAGER",
            Self::User => "USER",
        }
    }

    pub fn label(self) -> &'static str {
        self.code()
    }
}

/// A client user's role in their organisation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, sqlx::Type)]
#[sqlx(type_name = "client_role", rename_all = "SCREAMING_SNAKE_CASE")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ClientRole {
    Client,
    ClientAdmin,
}

impl ClientRole {
    /// The invite form's role: none chosen means Client.
    pub fn parse(raw: &str) -> Result<Self, Invalid> {
        match raw.trim() {
            "" => Ok(Self::Client),
            other => Self::parse_chosen(other),
        }
    }

    /// A role chosen in a row's menu ("Change Role"): one must be given.
    pub fn parse_chosen(raw: &str) -> Result<Self, Invalid> {
        match raw.trim() {
            "CLIENT" => Ok(Self::Client),
            "CLIENT_ADMIN" => Ok(Self::ClientAdmin),
            _ => Err(Invalid("Choose Client or Client Admin")),
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            Self::Client => "CLIENT",
            Self::ClientAdmin => "CLIENT_ADMIN",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Client => "Client",
            Self::ClientAdmin => "Client Admin",
        }
    }
}

/// Whether a client user is the client themselves or a person acting for them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, sqlx::Type)]
#[sqlx(type_name = "client_kind", rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ClientKind {
    Client,
    Representative,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_admins_manage_staff_and_users_manage_nothing() {
        assert!(StaffRole::Admin.can(Permission::ManageStaff));
        assert!(!StaffRole::Manager.can(Permission::ManageStaff));
        assert!(StaffRole::Manager.can(Permission::ManageClients));
        assert!(!StaffRole::User.can(Permission::ManageClients));
        assert!(!StaffRole::User.can(Permission::SeeAllClients));
        assert!(!StaffRole::Manager.can(Permission::ReadAuditLog));
    }

    #[test]
    fn roles_parse_from_form_codes() {
        assert_eq!(StaffRole::parse("MANAGER"), Ok(StaffRole::Manager));
        assert!(StaffRole::parse("OWNER").is_err());
        assert_eq!(ClientRole::parse(""), Ok(ClientRole::Client));
        assert_eq!(ClientRole::parse("CLIENT_ADMIN"), Ok(ClientRole::ClientAdmin));
    }

    #[test]
    fn a_role_change_needs_a_role_where_an_invitation_defaults_to_client() {
        assert_eq!(ClientRole::parse(""), Ok(ClientRole::Client));
        assert!(ClientRole::parse_chosen("").is_err());
        assert_eq!(ClientRole::parse_chosen(" CLIENT_ADMIN "), Ok(ClientRole::ClientAdmin));
        assert!(ClientRole::parse_chosen("ADMIN").is_err());
    }
}
