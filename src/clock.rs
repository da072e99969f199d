//! The time the invitation lifecycle reads (reminders, expiry notices, end dates). The server
//! runs on the system clock; a test moves it forward with [`Clock::advance`] instead of sleeping,
//! and a test that starts server processes gives them `TEST_CLOCK_OFFSET_SECS`.

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;

use time::{Date, Duration, OffsetDateTime};

#[derive(Clone, Debug, Default)]
pub struct Clock {
    offset_secs: Arc<AtomicI64>,
}

impl Clock {
    /// The system clock moved by `offset_secs` (0 in production).
    pub fn offset_by(offset_secs: i64) -> Self {
        Self { offset_secs: Arc::new(AtomicI64::new(offset_secs)) }
    }

    pub fn now(&self) -> OffsetDateTime {
        OffsetDateTime::now_utc() + Duration::seconds(self.offset_secs.load(Ordering::Relaxed))
    }

    /// Today in UTC, the calendar end dates are kept in.
    pub fn today(&self) -> Date {
        self.now().date()
    }

    /// Moves this clock (and every copy of it) forward.
    pub fn advance(&self, by: Duration) {
        self.offset_secs.fetch_add(by.whole_seconds(), Ordering::Relaxed);
    }
}
