//! Game receipts on the `game_receipts` table: one row per handled game record, the newest
//! [`RECEIPTS_KEPT`] per game server.

use rusqlite::{Connection, params};
use ticket_core::GameReceipt;
use ticket_core::receipt::RECEIPTS_KEPT;

use crate::SqliteError;

/// Whether the receipt is kept.
pub(crate) fn has(conn: &Connection, receipt: &GameReceipt) -> Result<bool, SqliteError> {
    let mut stmt = conn.prepare_cached("SELECT 1 FROM game_receipts WHERE server_id = ?1 AND key = ?2")?;
    Ok(stmt.exists(params![receipt.server.as_str(), receipt.key()])?)
}

/// Keeps a receipt (once), then drops its server's oldest beyond [`RECEIPTS_KEPT`].
pub(crate) fn save(conn: &Connection, receipt: &GameReceipt) -> Result<(), SqliteError> {
    let server = receipt.server.as_str();
    conn.prepare_cached("INSERT OR IGNORE INTO game_receipts (server_id, key) VALUES (?1, ?2)")?
        .execute(params![server, receipt.key()])?;
    let kept = i64::try_from(RECEIPTS_KEPT).unwrap_or(i64::MAX);
    conn.prepare_cached(
        "DELETE FROM game_receipts WHERE server_id = ?1 AND id <= \
         (SELECT id FROM game_receipts WHERE server_id = ?1 ORDER BY id DESC LIMIT 1 OFFSET ?2)",
    )?
    .execute(params![server, kept])?;
    Ok(())
}
