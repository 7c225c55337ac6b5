//! The gateway watermark on the one-row `gateway_watermark` table: when the bot last heard from Discord.

use rusqlite::{Connection, OptionalExtension, params};
use time::OffsetDateTime;

use crate::SqliteError;
use crate::codec::{parse_time, time};

/// The time last saved, if any.
pub(crate) fn seen(conn: &Connection) -> Result<Option<OffsetDateTime>, SqliteError> {
    let text: Option<String> = conn
        .prepare_cached("SELECT seen_at FROM gateway_watermark WHERE id = 1")?
        .query_row([], |r| r.get(0))
        .optional()?;
    text.map(|t| parse_time(&t, "gateway watermark")).transpose()
}

/// Replaces the time saved.
pub(crate) fn save(conn: &Connection, at: OffsetDateTime) -> Result<(), SqliteError> {
    conn.prepare_cached(
        "INSERT INTO gateway_watermark (id, seen_at) VALUES (1, ?1) ON CONFLICT (id) DO UPDATE SET seen_at = excluded.seen_at",
    )?
    .execute(params![time(at, "gateway watermark")?])?;
    Ok(())
}
