//! The day a client user's access ends, as staff type it into a date field (`2027-03-31`).

use time::macros::format_description;
use time::Date;

use super::Invalid;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EndDate(Date);

impl EndDate {
    /// An empty field is no end date; a day must come after `today`, or the access would end
    /// before anyone could use it.
    pub fn parse(raw: &str, today: Date) -> Result<Option<Self>, Invalid> {
        let raw = raw.trim();
        if raw.is_empty() {
            return Ok(None);
        }
        let day = Date::parse(raw, format_description!("[year]-[month]-[day]"))
            .map_err(|_| Invalid("Enter a date such as 2027-03-31"))?;
        if day <= today {
            return Err(Invalid("Choose a day after today"));
        }
        Ok(Some(Self(day)))
    }

    pub fn date(self) -> Date {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn end_dates() {
        let today = date!(2026 - 12 - 01);
        assert_eq!(EndDate::parse("", today), Ok(None));
        assert_eq!(EndDate::parse(" 2026-12-02 ", today).unwrap().unwrap().date(), date!(2026 - 12 - 02));
        assert_eq!(EndDate::parse("2026-12-01", today), Err(Invalid("Choose a day after today")));
        assert_eq!(EndDate::parse("31/12/2026", today), Err(Invalid("Enter a date such as 2027-03-31")));
        assert_eq!(EndDate::parse("2026-02-30", today), Err(Invalid("Enter a date such as 2027-03-31")));
    }
}
