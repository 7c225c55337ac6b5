//! `Clock`: the time, passed in.

use time::OffsetDateTime;

/// Where the [`Desk`](crate::Desk) gets the time. Nothing in a state machine reads a clock; the desk reads this
/// once per use case and passes the time in.
#[cfg_attr(test, mockall::automock)]
pub trait Clock: Send + Sync {
    /// Now, in UTC.
    fn now(&self) -> OffsetDateTime;
}

/// The system clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> OffsetDateTime {
        OffsetDateTime::now_utc()
    }
}
