//! Dates and times in words a person reads ("expires in 6 days", "2 hours ago"), with the exact
//! time kept for a tooltip.

use time::macros::format_description;
use time::{Date, OffsetDateTime};

/// A moment as shown on a page.
pub struct Moment {
    pub words: String,
    pub exact: String,
    pub iso: String,
}

pub fn moment(at: OffsetDateTime) -> Moment {
    moment_at(at, OffsetDateTime::now_utc())
}

pub fn moment_at(at: OffsetDateTime, now: OffsetDateTime) -> Moment {
    let exact =
        at.format(format_description!("[year]-[month]-[day] [hour]:[minute] UTC")).unwrap_or_default();
    let iso = at.format(&time::format_description::well_known::Rfc3339).unwrap_or_default();
    Moment { words: relative(at, now), exact, iso }
}

pub fn relative(at: OffsetDateTime, now: OffsetDateTime) -> String {
    let secs = (at - now).whole_seconds();
    let span = span_words(secs.unsigned_abs());
    if span == "just now" {
        span
    } else if secs > 0 {
        format!("in {span}")
    } else {
        format!("{span} ago")
    }
}

/// Hours and days are rounded to the nearest, so an invitation sent a moment ago "expires in 7
/// days", not in 6.
fn span_words(secs: u64) -> String {
    let plural = |n: u64, unit: &str| format!("{n} {unit}{}", if n == 1 { "" } else { "s" });
    match secs {
        0..=59 => "just now".into(),
        60..=3599 => plural(secs / 60, "minute"),
        3600..=84_599 => plural((secs + 1800) / 3600, "hour"),
        _ => plural((secs + 43_200) / 86_400, "day"),
    }
}

/// For emails: "in 7 days (on 2026-11-30 09:00 UTC)".
pub fn expiry_phrase(at: OffsetDateTime) -> String {
    expiry_phrase_at(at, OffsetDateTime::now_utc())
}

pub fn expiry_phrase_at(at: OffsetDateTime, now: OffsetDateTime) -> String {
    let m = moment_at(at, now);
    format!("{} (on {})", m.words, m.exact)
}

/// A calendar day in words: "8 December 2026".
pub fn date(day: Date) -> String {
    day.format(format_description!("[day padding:none] [month repr:long] [year]")).unwrap_or_default()
}

/// The day of a moment (UTC) in words.
pub fn day(at: OffsetDateTime) -> String {
    date(at.date())
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::Duration;

    #[test]
    fn words_for_past_and_future() {
        let now = OffsetDateTime::now_utc();
        assert_eq!(relative(now + Duration::days(6) + Duration::minutes(1), now), "in 6 days");
        assert_eq!(relative(now + Duration::days(7) - Duration::seconds(3), now), "in 7 days");
        assert_eq!(relative(now - Duration::hours(23) - Duration::minutes(40), now), "1 day ago");
        assert_eq!(relative(now + Duration::minutes(150), now), "in 3 hours");
        assert_eq!(relative(now - Duration::hours(2), now), "2 hours ago");
        assert_eq!(relative(now - Duration::minutes(1), now), "1 minute ago");
        assert_eq!(relative(now, now), "just now");
        assert_eq!(date(time::macros::date!(2026 - 12 - 08)), "8 December 2026");
    }
}
