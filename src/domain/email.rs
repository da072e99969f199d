use std::fmt;

use super::Invalid;

/// An email address, trimmed and lower-cased, so `  Ann@X.com ` and `ann@x.com` are one person.
#[derive(Clone, Debug, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(transparent)]
pub struct EmailAddress(String);

impl EmailAddress {
    pub const MAX_LEN: usize = 254;

    pub fn parse(raw: &str) -> Result<Self, Invalid> {
        let email = raw.trim().to_lowercase();
        if email.is_empty() {
            return Err(Invalid("Enter an email address"));
        }
        if email.chars().count() > Self::MAX_LEN {
            return Err(Invalid("Email address must be at most 254 characters"));
        }
        let Some((local, domain)) = email.rsplit_once('@') else {
            return Err(Invalid("Enter an email address like name@example.com"));
        };
        let domain_ok = domain.contains('.')
            && !domain.starts_with('.')
            && !domain.ends_with('.')
            && !domain.contains("..")
            && domain.chars().all(|c| c.is_alphanumeric() || c == '-' || c == '.');
        let local_ok = !local.is_empty()
            && local.len() <= 64
            && !local.contains('@')
            && local.chars().all(|c| !c.is_whitespace() && !c.is_control() && !"<>(),;:\"[]\\".contains(c));
        if !domain_ok || !local_ok {
            return Err(Invalid("Enter an email address like name@example.com"));
        }
        Ok(Self(email))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// For values read back from the database, which only ever holds parsed addresses.
    pub fn from_trusted(stored: String) -> Self {
        Self(stored)
    }
}

impl fmt::Display for EmailAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn case_and_spaces_do_not_make_a_different_person() {
        assert_eq!(
            EmailAddress::parse("  Ann.Lee@Example.COM ").unwrap(),
            EmailAddress::parse("ann.lee@example.com").unwrap()
        );
    }

    #[test]
    fn malformed_addresses_are_refused() {
        for bad in ["", "ann", "ann@", "@x.com", "ann@x", "a b@x.com", "ann@x..com", "a@b@c.com"] {
            assert!(EmailAddress::parse(bad).is_err(), "{bad:?} should be refused");
        }
        let long = format!("{}@example.com", "a".repeat(250));
        assert!(EmailAddress::parse(&long).is_err());
    }
}
