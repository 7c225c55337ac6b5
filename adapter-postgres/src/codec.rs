//! How domain values are written to columns and read back (ids, counts, pids, sealed users, enums, JSON), and the
//! few helpers every table module uses to run a cached statement.

use std::fmt::Display;
use std::str::FromStr;

use deadpool_postgres::GenericClient;
use serde::Serialize;
use serde::de::DeserializeOwned;
use ticket_core::columns;
use ticket_core::settings::PostedMessage;
use ticket_core::{ChannelId, MessageId};
use tokio_postgres::Row;
use tokio_postgres::types::{FromSql, ToSql};

use crate::PostgresError;

/// Parameters of a statement.
pub(crate) type Params<'a> = [&'a (dyn ToSql + Sync)];

/// Runs `sql` (prepared once per connection and cached) and returns its rows.
pub(crate) async fn rows<C: GenericClient>(c: &C, sql: &str, params: &Params<'_>) -> Result<Vec<Row>, PostgresError> {
    let statement = c.prepare_cached(sql).await?;
    Ok(c.query(&statement, params).await?)
}

/// Runs `sql` and returns its one row, if any (more than one is an error).
pub(crate) async fn opt_row<C: GenericClient>(
    c: &C,
    sql: &str,
    params: &Params<'_>,
) -> Result<Option<Row>, PostgresError> {
    let statement = c.prepare_cached(sql).await?;
    Ok(c.query_opt(&statement, params).await?)
}

/// Runs `sql` and returns its one row.
pub(crate) async fn one_row<C: GenericClient>(c: &C, sql: &str, params: &Params<'_>) -> Result<Row, PostgresError> {
    let statement = c.prepare_cached(sql).await?;
    Ok(c.query_one(&statement, params).await?)
}

/// Runs `sql`; returns how many rows it changed.
pub(crate) async fn execute<C: GenericClient>(c: &C, sql: &str, params: &Params<'_>) -> Result<u64, PostgresError> {
    let statement = c.prepare_cached(sql).await?;
    Ok(c.execute(&statement, params).await?)
}

/// Column `idx` of a row.
pub(crate) fn get<'a, T: FromSql<'a>>(row: &'a Row, idx: usize) -> Result<T, PostgresError> {
    Ok(row.try_get(idx)?)
}

/// A 64-bit id (a Discord snowflake, a ticket id…) as a `bigint`: the same 64 bits, reinterpreted, so every `u64`
/// round-trips, even above `i64::MAX` (Discord snowflakes stay below it).
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

/// A count or version (never negative in the domain) as a `bigint`.
pub(crate) fn count(value: u64, what: &'static str) -> Result<i64, PostgresError> {
    i64::try_from(value).map_err(|_| PostgresError::encode(what, format!("{value} is too large")))
}

/// A stored count or version.
pub(crate) fn stored_count<T: TryFrom<i64>>(value: i64, what: &'static str) -> Result<T, PostgresError> {
    T::try_from(value).map_err(|_| PostgresError::decode(what, format!("{value} is out of range")))
}

/// An optional stored count.
pub(crate) fn stored_opt_count<T: TryFrom<i64>>(
    value: Option<i64>,
    what: &'static str,
) -> Result<Option<T>, PostgresError> {
    value.map(|v| stored_count(v, what)).transpose()
}

/// A posted message from its channel and message columns; `None` unless both hold an id.
pub(crate) fn posted(channel: Option<i64>, message: Option<i64>) -> Option<PostedMessage> {
    Some(PostedMessage { channel: ChannelId::new(raw_id(channel?)), message: MessageId::new(raw_id(message?)) })
}

/// A position in a list, as an `integer`.
pub(crate) fn position(index: usize) -> i32 {
    // Lists hold at most a few thousand entries in memory; saturating keeps this total.
    i32::try_from(index).unwrap_or(i32::MAX)
}

/// A value stored as its text form (`Pid`, `SealedUser`, `GameServerId`…), parsed back.
pub(crate) fn parse<T>(text: &str, what: &'static str) -> Result<T, PostgresError>
where
    T: FromStr,
    T::Err: Display,
{
    Ok(columns::parse(text, what)?)
}

/// An optional value stored as text.
pub(crate) fn parse_opt<T>(text: Option<String>, what: &'static str) -> Result<Option<T>, PostgresError>
where
    T: FromStr,
    T::Err: Display,
{
    Ok(columns::parse_opt(text, what)?)
}

/// A column that must hold a value for this kind of row.
pub(crate) fn required<T>(value: Option<T>, what: &'static str) -> Result<T, PostgresError> {
    Ok(columns::required(value, what)?)
}

/// A unit enum (`TicketType`, `RecruitmentStatus`…) as its serde name (`in_game`, `qna_received`…), the same
/// name the domain uses on the wire.
pub(crate) fn name<T: Serialize>(value: &T, what: &'static str) -> Result<String, PostgresError> {
    Ok(columns::name(value, what)?)
}

/// A unit enum stored by [`name`].
pub(crate) fn from_name<T: DeserializeOwned>(text: &str, what: &'static str) -> Result<T, PostgresError> {
    Ok(columns::from_name(text, what)?)
}

/// A value stored as `jsonb`.
pub(crate) fn json<T: Serialize>(value: &T, what: &'static str) -> Result<serde_json::Value, PostgresError> {
    serde_json::to_value(value).map_err(|e| PostgresError::encode(what, e))
}

/// A value stored by [`json`].
pub(crate) fn from_json<T: DeserializeOwned>(value: serde_json::Value, what: &'static str) -> Result<T, PostgresError> {
    serde_json::from_value(value).map_err(|e| PostgresError::decode(what, e))
}

#[cfg(test)]
mod tests {
    use ticket_core::RecruitmentStatus;
    use ticket_core::settings::TicketType;

    use super::*;

    #[test]
    fn ids_round_trip_over_the_whole_u64_range() {
        for raw in [0, 1, 1_234_567_890_123_456_789, i64::MAX as u64, u64::MAX] {
            assert_eq!(raw_id(id(raw)), raw);
        }
    }

    #[test]
    fn enums_use_their_serde_names() {
        assert_eq!(name(&TicketType::InGame, "kind").unwrap(), "in_game");
        assert_eq!(name(&RecruitmentStatus::QnaReceived, "status").unwrap(), "qna_received");
        assert_eq!(from_name::<RecruitmentStatus>("qna_received", "status").unwrap(), RecruitmentStatus::QnaReceived);
        assert!(matches!(from_name::<TicketType>("bogus", "kind"), Err(PostgresError::Decode { what: "kind", .. })));
    }
}
