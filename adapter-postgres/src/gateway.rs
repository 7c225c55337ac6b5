//! The gateway watermark on the one-row `gateway_watermark` table: when the bot last heard from Discord.

use deadpool_postgres::GenericClient;
use time::OffsetDateTime;

use crate::PostgresError;
use crate::codec::{execute, get, opt_row};

/// The time last saved, if any.
pub(crate) async fn seen<C: GenericClient>(c: &C) -> Result<Option<OffsetDateTime>, PostgresError> {
    let Some(row) = opt_row(c, "SELECT seen_at FROM gateway_watermark WHERE id = 1", &[]).await? else {
        return Ok(None);
    };
    Ok(Some(get(&row, 0)?))
}

/// Replaces the time saved.
pub(crate) async fn save<C: GenericClient>(c: &C, at: OffsetDateTime) -> Result<(), PostgresError> {
    let sql = "INSERT INTO gateway_watermark (id, seen_at) VALUES (1, $1) \
               ON CONFLICT (id) DO UPDATE SET seen_at = excluded.seen_at";
    execute(c, sql, &[&at]).await?;
    Ok(())
}
