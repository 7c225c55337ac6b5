//! Helpers for the unit tests of the table modules.

use rusqlite::Connection;

/// A migrated database in memory.
pub(crate) fn database() -> Connection {
    let mut conn = Connection::open_in_memory().unwrap();
    crate::migrations::migrate(&mut conn).unwrap();
    conn
}

/// SQLite's plan for `sql`, one step per line.
pub(crate) fn plan(conn: &Connection, sql: &str) -> String {
    let mut stmt = conn.prepare(&format!("EXPLAIN QUERY PLAN {sql}")).unwrap();
    let nulls = vec![rusqlite::types::Null; stmt.parameter_count()];
    let steps: Vec<String> = stmt
        .query_map(rusqlite::params_from_iter(nulls), |r| r.get::<_, String>(3))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    steps.join("\n")
}
