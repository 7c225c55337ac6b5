//! Game receipts on the `game_receipts` table: one row per handled game record, the newest
//! [`RECEIPTS_KEPT`] per game server.

use rusqlite::{Connection, OptionalExtension, params};
use ticket_core::GameReceipt;
use ticket_core::receipt::RECEIPTS_KEPT;

use crate::SqliteError;

/// Whether the receipt is kept.
pub(crate) fn has(conn: &Connection, receipt: &GameReceipt) -> Result<bool, SqliteError> {
    let mut stmt = conn.prepare_cached("SELECT 1 FROM game_receipts WHERE server_id = ?1 AND key = ?2")?;
    Ok(stmt.exists(params![receipt.server.as_str(), receipt.key()])?)
}

/// Keeps a receipt (once) as its server's next `seq`, then drops that server's receipts [`RECEIPTS_KEPT`] or more
/// behind it: two lookups in the primary key, whatever the number kept.
pub(crate) fn save(conn: &Connection, receipt: &GameReceipt) -> Result<(), SqliteError> {
    let server = receipt.server.as_str();
    let seq: Option<i64> = conn
        .prepare_cached(
            "INSERT OR IGNORE INTO game_receipts (server_id, seq, key) \
             SELECT ?1, coalesce(max(seq), 0) + 1, ?2 FROM game_receipts WHERE server_id = ?1 RETURNING seq",
        )?
        .query_row(params![server, receipt.key()], |r| r.get(0))
        .optional()?;
    // Kept already: nothing new to drop.
    let Some(seq) = seq else { return Ok(()) };
    let kept = i64::try_from(RECEIPTS_KEPT).unwrap_or(i64::MAX);
    conn.prepare_cached("DELETE FROM game_receipts WHERE server_id = ?1 AND seq <= ?2")?
        .execute(params![server, seq - kept])?;
    Ok(())
}
