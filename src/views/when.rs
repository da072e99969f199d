//! Dates and times in words a person reads ("expires in 6 days", "2 hours ago"), with the exact
//! time kept for a tooltip.

use time::macros::format_description;
use time::OffsetDateTime;

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

fn span_words(secs: u64) -> String {
    let plural = |n: u64, unit: &str| format!("{n} {unit}{}", if n == 1 { "" } else { "s" });
    match secs {
        0..=59 => "just now".into(),
        60..=3599 => plural(secs / 60, "minute"),
        3600..=86_399 => plural(secs / 3600, "hour"),
        _ => plural(secs / 86_400, "day"),
    }
}

/// For emails: "in 7 days (on 2026-11-30 09:00 UTC)".
pub fn expiry_phrase(at: OffsetDateTime) -> String {
    let m = moment(at);
    format!("{} (on {})", m.words, m.exact)
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::Duration;

    #[test]
    fn words_for_past_and_future() {
        let now = OffsetDateTime::now_utc();
        assert_eq!(relative(now + Duration::days(6) + Duration::minutes(1), now), "in 6 days");
        assert_eq!(relative(now - Duration::hours(2), now), "2 hours ago");
        assert_eq!(relative(now - Duration::minutes(1), now), "1 minute ago");
        assert_eq!(relative(now, now), "just now");
    }
}
