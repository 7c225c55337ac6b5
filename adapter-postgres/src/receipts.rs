//! Game receipts on the `game_receipts` table: one row per handled game record, the newest
//! [`RECEIPTS_KEPT`] per game server.

use deadpool_postgres::GenericClient;
use ticket_core::GameReceipt;
use ticket_core::receipt::RECEIPTS_KEPT;

use crate::PostgresError;
use crate::codec::{execute, opt_row};

/// Whether the receipt is kept.
pub(crate) async fn has<C: GenericClient>(c: &C, receipt: &GameReceipt) -> Result<bool, PostgresError> {
    let sql = "SELECT 1 FROM game_receipts WHERE server_id = $1 AND key = $2";
    Ok(opt_row(c, sql, &[&receipt.server.as_str(), &receipt.key()]).await?.is_some())
}

/// Keeps a receipt (once), then drops its server's oldest beyond [`RECEIPTS_KEPT`].
pub(crate) async fn save<C: GenericClient>(c: &C, receipt: &GameReceipt) -> Result<(), PostgresError> {
    let server = receipt.server.as_str();
    let sql = "INSERT INTO game_receipts (server_id, key) VALUES ($1, $2) ON CONFLICT (server_id, key) DO NOTHING";
    execute(c, sql, &[&server, &receipt.key()]).await?;
    let kept = i64::try_from(RECEIPTS_KEPT).unwrap_or(i64::MAX);
    execute(
        c,
        "DELETE FROM game_receipts WHERE server_id = $1 AND id <= \
         (SELECT id FROM game_receipts WHERE server_id = $1 ORDER BY id DESC LIMIT 1 OFFSET $2)",
        &[&server, &kept],
    )
    .await?;
    Ok(())
}
