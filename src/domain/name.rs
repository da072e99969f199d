use super::Invalid;

/// A required name (first name, last name, client name): trimmed, 1 to `MAX` characters.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PersonName(String);

impl PersonName {
    pub const MAX: usize = 100;

    pub fn parse(raw: &str, what: &'static str) -> Result<Self, Invalid> {
        let name = raw.trim();
        if name.is_empty() {
            return Err(Invalid(what));
        }
        if name.chars().count() > Self::MAX || name.chars().any(char::is_control) {
            return Err(Invalid("Names must be at most 100 characters"));
        }
        Ok(Self(name.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_string(self) -> String {
        self.0
    }
}

/// An optional display name: empty is allowed, over-long is not.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct OptionalName(String);

impl OptionalName {
    pub const MAX: usize = 200;

    pub fn parse(raw: &str) -> Result<Self, Invalid> {
        let name = raw.trim();
        if name.chars().count() > Self::MAX || name.chars().any(char::is_control) {
            return Err(Invalid("Name must be at most 200 characters"));
        }
        Ok(Self(name.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn into_string(self) -> String {
        self.0
    }
}
