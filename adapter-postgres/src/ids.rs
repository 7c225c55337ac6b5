//! Fresh ticket and application ids from `id_counters`: never one handed out before (the counter is committed
//! before the id is returned), nor one a saved record already uses.

use deadpool_postgres::GenericClient;
use ticket_core::{ApplicationId, TicketId};

use crate::PostgresError;
use crate::codec::{get, one_row, raw_id};

/// Takes the next id of `counter` in one statement, committed (autocommit) before the id is returned: a crash
/// afterwards cannot hand it out again. The row lock the UPDATE takes serialises concurrent callers, and
/// `max(id)` is read from the primary key's index.
async fn next<C: GenericClient>(c: &C, counter: &str, table: &str) -> Result<u64, PostgresError> {
    let sql = format!(
        "UPDATE id_counters SET last = greatest(last, (SELECT coalesce(max(id), 0) FROM {table})) + 1
         WHERE name = $1 RETURNING last"
    );
    let row = one_row(c, &sql, &[&counter]).await?;
    Ok(raw_id(get(&row, 0)?))
}

/// A fresh ticket id.
pub(crate) async fn next_ticket<C: GenericClient>(c: &C) -> Result<TicketId, PostgresError> {
    next(c, "ticket", "tickets").await.map(TicketId::new)
}

/// A fresh application id.
pub(crate) async fn next_application<C: GenericClient>(c: &C) -> Result<ApplicationId, PostgresError> {
    next(c, "application", "recruit_applications").await.map(ApplicationId::new)
}
