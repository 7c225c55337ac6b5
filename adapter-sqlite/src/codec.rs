//! How domain values are written to columns and read back: ids, times, pids, sealed users, enums, JSON.

use std::fmt::Display;
use std::str::FromStr;

use rusqlite::{Connection, OptionalExtension};
use serde::Serialize;
use serde::de::DeserializeOwned;
use ticket_core::columns;
use ticket_core::settings::PostedMessage;
use ticket_core::{ChannelId, MessageId};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::SqliteError;

/// A 64-bit id (a Discord snowflake, a ticket id…) as an SQLite integer: the same 64 bits, reinterpreted, so
/// every `u64` round-trips, even above `i64::MAX`.
pub(crate) fn id(raw: u64) -> i64 {
    // A bit-for-bit reinterpretation, undone by `raw_id`; no value is lost.
    raw as i64
}

/// The inverse of [`id`].
pub(crate) fn raw_id(stored: i64) -> u64 {
    // See `id`.
    stored as u64
}

/// An optional id column.
pub(crate) fn opt_id(raw: Option<u64>) -> Option<i64> {
    raw.map(id)
}

/// A count or version (never negative in the domain) as an SQLite integer.
pub(crate) fn count(value: u64, what: &'static str) -> Result<i64, SqliteError> {
    i64::try_from(value).map_err(|_| SqliteError::encode(what, format!("{value} is too large")))
}

/// A stored count or version.
pub(crate) fn stored_count<T: TryFrom<i64>>(value: i64, what: &'static str) -> Result<T, SqliteError> {
    T::try_from(value).map_err(|_| SqliteError::decode(what, format!("{value} is out of range")))
}

/// The version a record is stored at, read by `sql` (`SELECT version … WHERE … = ?1`); `None` if it is not stored.
pub(crate) fn stored_version(
    conn: &Connection,
    sql: &str,
    key: i64,
    what: &'static str,
) -> Result<Option<u64>, SqliteError> {
    let stored: Option<i64> = conn.prepare_cached(sql)?.query_row([key], |r| r.get(0)).optional()?;
    stored.map(|v| stored_count(v, what)).transpose()
}

/// A posted message from its channel and message columns; `None` unless both hold an id.
pub(crate) fn posted(channel: Option<i64>, message: Option<i64>) -> Option<PostedMessage> {
    Some(PostedMessage { channel: ChannelId::new(raw_id(channel?)), message: MessageId::new(raw_id(message?)) })
}

/// A position in a list, as an SQLite integer.
pub(crate) fn position(index: usize) -> i64 {
    // Lists hold at most a few thousand entries in memory; saturating keeps this total.
    i64::try_from(index).unwrap_or(i64::MAX)
}

/// A time as RFC 3339 text (`2026-11-20T12:00:00Z`): readable, sortable for UTC, and exact to the nanosecond.
pub(crate) fn time(at: OffsetDateTime, what: &'static str) -> Result<String, SqliteError> {
    at.format(&Rfc3339).map_err(|e| SqliteError::encode(what, e))
}

/// An optional time column.
pub(crate) fn opt_time(at: Option<OffsetDateTime>, what: &'static str) -> Result<Option<String>, SqliteError> {
    at.map(|t| time(t, what)).transpose()
}

/// A stored time.
pub(crate) fn parse_time(text: &str, what: &'static str) -> Result<OffsetDateTime, SqliteError> {
    OffsetDateTime::parse(text, &Rfc3339).map_err(|e| SqliteError::decode(what, format!("{text:?}: {e}")))
}

/// A stored optional time.
pub(crate) fn parse_opt_time(text: Option<String>, what: &'static str) -> Result<Option<OffsetDateTime>, SqliteError> {
    text.map(|t| parse_time(&t, what)).transpose()
}

/// A value stored as its text form (`Pid`, `SealedUser`, `GameServerId`…), parsed back.
pub(crate) fn parse<T>(text: &str, what: &'static str) -> Result<T, SqliteError>
where
    T: FromStr,
    T::Err: Display,
{
    Ok(columns::parse(text, what)?)
}

/// An optional value stored as text.
pub(crate) fn parse_opt<T>(text: Option<String>, what: &'static str) -> Result<Option<T>, SqliteError>
where
    T: FromStr,
    T::Err: Display,
{
    Ok(columns::parse_opt(text, what)?)
}

/// A column that must hold a value for this kind of row.
pub(crate) fn required<T>(value: Option<T>, what: &'static str) -> Result<T, SqliteError> {
    Ok(columns::required(value, what)?)
}

/// A unit enum (`TicketType`, `RecruitmentStatus`…) as its serde name (`in_game`, `qna_received`…), the same
/// name the domain uses on the wire.
pub(crate) fn name<T: Serialize>(value: &T, what: &'static str) -> Result<String, SqliteError> {
    Ok(columns::name(value, what)?)
}

/// A unit enum stored by [`name`].
pub(crate) fn from_name<T: DeserializeOwned>(text: &str, what: &'static str) -> Result<T, SqliteError> {
    Ok(columns::from_name(text, what)?)
}

/// A value stored as JSON.
pub(crate) fn json<T: Serialize>(value: &T, what: &'static str) -> Result<String, SqliteError> {
    serde_json::to_string(value).map_err(|e| SqliteError::encode(what, e))
}

/// A value stored by [`json`].
pub(crate) fn from_json<T: DeserializeOwned>(text: &str, what: &'static str) -> Result<T, SqliteError> {
    serde_json::from_str(text).map_err(|e| SqliteError::decode(what, e))
}

#[cfg(test)]
mod tests {
    use ticket_core::RecruitmentStatus;
    use ticket_core::settings::TicketType;
    use time::macros::datetime;

    use super::*;

    #[test]
    fn ids_round_trip_over_the_whole_u64_range() {
        for raw in [0, 1, 1_234_567_890_123_456_789, i64::MAX as u64, u64::MAX] {
            assert_eq!(raw_id(id(raw)), raw);
        }
    }

    #[test]
    fn times_round_trip_to_the_nanosecond() {
        let at = datetime!(2026-11-20 12:00:00.123456789 +02:00);
        let text = time(at, "t").unwrap();
        assert_eq!(text, "2026-11-20T12:00:00.123456789+02:00");
        let back = parse_time(&text, "t").unwrap();
        assert_eq!((back, back.offset()), (at, at.offset()));
        assert!(matches!(parse_time("yesterday", "t"), Err(SqliteError::Decode { what: "t", .. })));
    }

    #[test]
    fn enums_use_their_serde_names() {
        assert_eq!(name(&TicketType::InGame, "kind").unwrap(), "in_game");
        assert_eq!(name(&RecruitmentStatus::QnaReceived, "status").unwrap(), "qna_received");
        assert_eq!(from_name::<RecruitmentStatus>("qna_received", "status").unwrap(), RecruitmentStatus::QnaReceived);
        assert!(matches!(from_name::<TicketType>("bogus", "kind"), Err(SqliteError::Decode { what: "kind", .. })));
    }
}
