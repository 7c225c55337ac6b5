//! Fresh ticket and application ids from `id_counters`: never one handed out before (the counter is committed
//! before the id is returned), nor one a saved record already uses.

use rusqlite::{Connection, TransactionBehavior};
use ticket_core::{ApplicationId, TicketId};

use crate::SqliteError;
use crate::codec::raw_id;

/// Takes the next id of `counter`, in its own transaction, committed before the id is returned: a crash afterwards
/// cannot hand it out again.
fn next(conn: &mut Connection, counter: &str, table: &str) -> Result<u64, SqliteError> {
    let sql = format!(
        "UPDATE id_counters SET last = max(last, (SELECT ifnull(max(id), 0) FROM {table})) + 1
         WHERE name = ?1 RETURNING last"
    );
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let last: i64 = tx.prepare_cached(&sql)?.query_row([counter], |r| r.get(0))?;
    tx.commit()?;
    Ok(raw_id(last))
}

/// A fresh ticket id.
pub(crate) fn next_ticket(conn: &mut Connection) -> Result<TicketId, SqliteError> {
    next(conn, "ticket", "tickets").map(TicketId::new)
}

/// A fresh application id.
pub(crate) fn next_application(conn: &mut Connection) -> Result<ApplicationId, SqliteError> {
    next(conn, "application", "recruit_applications").map(ApplicationId::new)
}
