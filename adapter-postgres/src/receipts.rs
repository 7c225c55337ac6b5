//! Game receipts on the `game_receipts` table: one row per handled game record, the newest
//! [`RECEIPTS_KEPT`] per game server.

use deadpool_postgres::GenericClient;
use ticket_core::GameReceipt;
use ticket_core::receipt::RECEIPTS_KEPT;

use crate::PostgresError;
use crate::codec::{execute, get, opt_row};

/// Whether the receipt is kept.
pub(crate) async fn has<C: GenericClient>(c: &C, receipt: &GameReceipt) -> Result<bool, PostgresError> {
    let sql = "SELECT 1 FROM game_receipts WHERE server_id = $1 AND key = $2";
    Ok(opt_row(c, sql, &[&receipt.server.as_str(), &receipt.key()]).await?.is_some())
}

/// Keeps a receipt (once) as its server's next `seq`, then drops that server's receipts [`RECEIPTS_KEPT`] or more
/// behind it: two lookups in the primary key, whatever the number kept. Commits are serialised by the store's write
/// lock, so two never take the same `seq`.
pub(crate) async fn save<C: GenericClient>(c: &C, receipt: &GameReceipt) -> Result<(), PostgresError> {
    let server = receipt.server.as_str();
    let sql = "INSERT INTO game_receipts (server_id, seq, key) \
               SELECT $1, coalesce(max(seq), 0) + 1, $2 FROM game_receipts WHERE server_id = $1 \
               ON CONFLICT (server_id, key) DO NOTHING RETURNING seq";
    // Kept already: nothing new to drop.
    let Some(row) = opt_row(c, sql, &[&server, &receipt.key()]).await? else { return Ok(()) };
    let seq: i64 = get(&row, 0)?;
    let kept = i64::try_from(RECEIPTS_KEPT).unwrap_or(i64::MAX);
    execute(c, "DELETE FROM game_receipts WHERE server_id = $1 AND seq <= $2", &[&server, &(seq - kept)]).await?;
    Ok(())
}
