//! `TimeZones`: describing an applicant's time zone and converting their availability to UK time.

use time::{Date, Month, OffsetDateTime, PrimitiveDateTime, Time, UtcOffset, Weekday};

use crate::qna::{TimeOfDay, TimeRange};

/// A time zone as understood.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ZoneInfo {
    /// The canonical name (`Europe/Berlin`, `UTC+02:00`).
    pub name: String,
    /// Its offset at the moment asked about.
    pub offset: UtcOffset,
}

impl ZoneInfo {
    /// `Europe/Berlin (UTC+01:00)`, or just `UTC+02:00` for a bare offset.
    pub fn describe(&self) -> String {
        let offset = format_offset(self.offset);
        if self.name == offset { offset } else { format!("{} ({offset})", self.name) }
    }
}

fn format_offset(offset: UtcOffset) -> String {
    let (h, m, _) = offset.as_hms();
    let sign = if h < 0 || m < 0 { '-' } else { '+' };
    format!("UTC{sign}{:02}:{:02}", h.unsigned_abs(), m.unsigned_abs())
}

/// Time-zone knowledge. The core ships [`OffsetZones`] (UTC offsets and the UK's own rules); the Discord
/// adapter plugs in a full time-zone database.
pub trait TimeZones: Send + Sync {
    /// Understands `zone` at `at`, or `None` if it is not a zone.
    fn zone(&self, zone: &str, at: OffsetDateTime) -> Option<ZoneInfo>;

    /// `range`, given in `zone` local time on `on`, as UK local time (GMT or BST as on that date).
    fn to_uk(&self, zone: &str, range: TimeRange, on: Date) -> Option<TimeRange> {
        let convert = |t: TimeOfDay| {
            let time = Time::from_hms(t.hour, t.minute, 0).ok()?;
            let local = PrimitiveDateTime::new(on, time);
            // The offset of the zone around that local time (taken at the UTC instant with the same wall clock,
            // which is exact except within the zone's own DST switch hour).
            let offset = self.zone(zone, local.assume_utc())?.offset;
            let utc = local.assume_offset(offset).to_offset(UtcOffset::UTC);
            let uk = utc.to_offset(uk_offset(utc));
            Some(TimeOfDay { hour: uk.hour(), minute: uk.minute() })
        };
        Some(TimeRange { start: convert(range.start)?, end: convert(range.end)? })
    }
}

/// The UK's offset at a UTC instant: BST (+1) from 01:00 UTC on the last Sunday of March to 01:00 UTC on the
/// last Sunday of October, GMT otherwise.
pub fn uk_offset(at: OffsetDateTime) -> UtcOffset {
    let at = at.to_offset(UtcOffset::UTC);
    let year = at.year();
    let switch = |month| {
        let last = last_sunday(year, month);
        PrimitiveDateTime::new(last, Time::from_hms(1, 0, 0).unwrap_or(Time::MIDNIGHT)).assume_utc()
    };
    let bst = at >= switch(Month::March) && at < switch(Month::October);
    if bst { UtcOffset::from_hms(1, 0, 0).unwrap_or(UtcOffset::UTC) } else { UtcOffset::UTC }
}

fn last_sunday(year: i32, month: Month) -> Date {
    let days = time::util::days_in_month(month, year);
    let mut day = Date::from_calendar_date(year, month, days).unwrap_or(Date::MIN);
    while day.weekday() != Weekday::Sunday {
        day = day.previous_day().unwrap_or(Date::MIN);
    }
    day
}

/// Understands UTC offsets (`UTC`, `GMT`, `Z`, `UTC+2`, `GMT-05:30`, `+0100`) and the UK's zone names
/// (`Europe/London`, `UK`, `BST`); anything else is unknown.
#[derive(Debug, Clone, Copy, Default)]
pub struct OffsetZones;

impl TimeZones for OffsetZones {
    fn zone(&self, zone: &str, at: OffsetDateTime) -> Option<ZoneInfo> {
        let text = zone.trim();
        let upper = text.to_ascii_uppercase();
        if matches!(upper.as_str(), "EUROPE/LONDON" | "UK" | "BST" | "GB") {
            return Some(ZoneInfo { name: "Europe/London".into(), offset: uk_offset(at) });
        }
        let rest = ["UTC", "GMT", "Z"].iter().find_map(|p| upper.strip_prefix(p)).unwrap_or(&upper).trim();
        let offset = parse_offset(rest)?;
        Some(ZoneInfo { name: format_offset(offset), offset })
    }
}

fn parse_offset(text: &str) -> Option<UtcOffset> {
    if text.is_empty() {
        return Some(UtcOffset::UTC);
    }
    let (sign, digits) = match text.as_bytes().first()? {
        b'+' => (1i8, &text[1..]),
        b'-' => (-1i8, &text[1..]),
        _ => return None,
    };
    let (h, m) = match digits.split_once(':') {
        Some((h, m)) => (h, m),
        None if digits.len() == 4 => digits.split_at(2),
        None => (digits, "0"),
    };
    if h.is_empty() || h.len() > 2 || m.len() > 2 || !h.bytes().chain(m.bytes()).all(|b| b.is_ascii_digit()) {
        return None;
    }
    let (h, m): (i8, i8) = (h.parse().ok()?, m.parse().ok()?);
    if h > 14 || m > 59 {
        return None;
    }
    UtcOffset::from_hms(sign * h, sign * m, 0).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::{date, datetime};

    #[test]
    fn offsets_are_understood() {
        let at = datetime!(2026-01-10 12:00 UTC);
        let d = |z: &str| OffsetZones.zone(z, at).map(|i| i.describe());
        assert_eq!(d("UTC").as_deref(), Some("UTC+00:00"));
        assert_eq!(d("utc+2").as_deref(), Some("UTC+02:00"));
        assert_eq!(d("GMT-05:30").as_deref(), Some("UTC-05:30"));
        assert_eq!(d("+0100").as_deref(), Some("UTC+01:00"));
        assert_eq!(d("Europe/London").as_deref(), Some("Europe/London (UTC+00:00)"));
        assert_eq!(d("Mars/Olympus"), None);
        assert_eq!(d("UTC+99"), None);
    }

    #[test]
    fn uk_summer_time_follows_the_last_sundays() {
        assert_eq!(uk_offset(datetime!(2026-03-29 00:59 UTC)), UtcOffset::UTC);
        assert_eq!(uk_offset(datetime!(2026-03-29 01:00 UTC)).whole_hours(), 1);
        assert_eq!(uk_offset(datetime!(2026-10-25 00:59 UTC)).whole_hours(), 1);
        assert_eq!(uk_offset(datetime!(2026-10-25 01:00 UTC)), UtcOffset::UTC);
    }

    #[test]
    fn availability_converts_to_uk_time_with_dst() {
        let range = TimeRange::parse("18:00-22:00").unwrap();
        let winter = OffsetZones.to_uk("UTC+2", range, date!(2026 - 01 - 10)).unwrap();
        assert_eq!(winter.to_string(), "16:00-20:00");
        let summer = OffsetZones.to_uk("UTC+2", range, date!(2026 - 07 - 10)).unwrap();
        assert_eq!(summer.to_string(), "17:00-21:00");
        assert_eq!(OffsetZones.to_uk("Nowhere", range, date!(2026 - 07 - 10)), None);
    }
}
