//! [`IanaZones`]: the core's `TimeZones` port over the IANA time-zone database (bundled by `jiff`, so it works the
//! same on every machine), for the time zones applicants type at Step 1.

use jiff::civil::DateTime;
use jiff::tz::TimeZone;
use ticket_core::ports::{OffsetZones, TimeZones, ZoneInfo};
use ticket_core::qna::{TimeOfDay, TimeRange};
use time::{Date, OffsetDateTime, UtcOffset};

/// Common abbreviations people type, mapped to the zone they usually mean.
const ABBREVIATIONS: &[(&str, &str)] = &[
    ("PST", "America/Los_Angeles"),
    ("PDT", "America/Los_Angeles"),
    ("PT", "America/Los_Angeles"),
    ("MST", "America/Denver"),
    ("MDT", "America/Denver"),
    ("CST", "America/Chicago"),
    ("CDT", "America/Chicago"),
    ("EST", "America/New_York"),
    ("EDT", "America/New_York"),
    ("ET", "America/New_York"),
    ("CET", "Europe/Paris"),
    ("CEST", "Europe/Paris"),
    ("EET", "Europe/Athens"),
    ("EEST", "Europe/Athens"),
    ("AEST", "Australia/Sydney"),
    ("AEDT", "Australia/Sydney"),
];

/// IANA names (`Europe/Berlin`, any case), common abbreviations (`PST`, `CET`…), and everything the core's
/// [`OffsetZones`] understands (`UTC+2`, `GMT-05:30`). Daylight saving time follows the database.
#[derive(Debug, Clone, Copy, Default)]
pub struct IanaZones;

impl IanaZones {
    fn lookup(zone: &str) -> Option<TimeZone> {
        let name = zone.trim();
        let name = ABBREVIATIONS.iter().find(|(a, _)| a.eq_ignore_ascii_case(name)).map_or(name, |(_, z)| z);
        // Only names of the database: `TimeZone::get` would also accept POSIX TZ strings, which are not zones.
        if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '/' | '_' | '-' | '+')) {
            return None;
        }
        TimeZone::get(name).ok()
    }
}

fn offset(seconds: i32) -> Option<UtcOffset> {
    UtcOffset::from_whole_seconds(seconds).ok()
}

impl TimeZones for IanaZones {
    fn zone(&self, zone: &str, at: OffsetDateTime) -> Option<ZoneInfo> {
        let Some(tz) = Self::lookup(zone) else { return OffsetZones.zone(zone, at) };
        let instant = jiff::Timestamp::from_second(at.unix_timestamp()).ok()?;
        let name = tz.iana_name().unwrap_or(zone.trim()).to_owned();
        Some(ZoneInfo { name, offset: offset(tz.to_offset(instant).seconds())? })
    }

    fn to_uk(&self, zone: &str, range: TimeRange, on: Date) -> Option<TimeRange> {
        let Some(tz) = Self::lookup(zone) else { return OffsetZones.to_uk(zone, range, on) };
        let london = TimeZone::get("Europe/London").ok()?;
        let convert = |t: TimeOfDay| -> Option<TimeOfDay> {
            let local = DateTime::new(
                i16::try_from(on.year()).ok()?,
                i8::try_from(u8::from(on.month())).ok()?,
                i8::try_from(on.day()).ok()?,
                i8::try_from(t.hour).ok()?,
                i8::try_from(t.minute).ok()?,
                0,
                0,
            )
            .ok()?;
            // In a DST gap or fold, jiff's default (compatible) disambiguation picks the usual reading.
            let uk = local.to_zoned(tz.clone()).ok()?.with_time_zone(london.clone());
            Some(TimeOfDay { hour: u8::try_from(uk.hour()).ok()?, minute: u8::try_from(uk.minute()).ok()? })
        };
        Some(TimeRange { start: convert(range.start)?, end: convert(range.end)? })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::{date, datetime};

    #[test]
    fn names_abbreviations_and_offsets() {
        let winter = datetime!(2026-01-10 12:00 UTC);
        let d = |z: &str| IanaZones.zone(z, winter).map(|i| i.describe());
        assert_eq!(d("europe/berlin").as_deref(), Some("Europe/Berlin (UTC+01:00)"));
        assert_eq!(d("America/New_York").as_deref(), Some("America/New_York (UTC-05:00)"));
        assert_eq!(d("pst").as_deref(), Some("America/Los_Angeles (UTC-08:00)"));
        assert_eq!(d("UTC+2").as_deref(), Some("UTC+02:00"));
        assert_eq!(d("Mars/Olympus_Mons"), None);
        assert_eq!(d("EST5EDT,M3.2.0,M11.1.0"), None, "POSIX rules are not zone names");
        let summer = datetime!(2026-07-10 12:00 UTC);
        assert_eq!(IanaZones.zone("Europe/Berlin", summer).unwrap().offset.whole_hours(), 2, "DST");
    }

    #[test]
    fn availability_in_uk_time_follows_both_zones_dst() {
        let range = TimeRange::parse("18:00-22:00").unwrap();
        // Berlin and London both on summer time: one hour apart.
        assert_eq!(IanaZones.to_uk("Europe/Berlin", range, date!(2026 - 07 - 10)).unwrap().to_string(), "17:00-21:00");
        // New York switched to summer time on 8 March, London only on 29 March: four hours apart for three weeks.
        assert_eq!(
            IanaZones.to_uk("America/New_York", range, date!(2026 - 03 - 15)).unwrap().to_string(),
            "22:00-02:00"
        );
        assert_eq!(
            IanaZones.to_uk("America/New_York", range, date!(2026 - 04 - 15)).unwrap().to_string(),
            "23:00-03:00"
        );
        assert_eq!(IanaZones.to_uk("UTC+2", range, date!(2026 - 01 - 10)).unwrap().to_string(), "16:00-20:00");
        assert_eq!(IanaZones.to_uk("Nowhere/Special", range, date!(2026 - 01 - 10)), None);
    }
}
