//! Numbered SQL migrations, applied at open. The schema version lives in the file header (`PRAGMA user_version`);
//! the file is marked as ours with `PRAGMA application_id`.

use rusqlite::{Connection, TransactionBehavior};

use crate::SqliteError;

/// The schema version this build writes. A file with a newer version is refused with
/// [`SqliteError::NewerSchema`].
pub const SCHEMA_VERSION: u32 = 10;

/// `PRAGMA application_id` of every database this crate made: `RSTK`.
pub const APPLICATION_ID: i32 = i32::from_be_bytes(*b"RSTK");

/// One step of the schema.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Migration {
    /// The schema version after this step.
    pub version: u32,
    /// What it does.
    pub name: &'static str,
    /// The SQL, run in one transaction together with the version bump.
    pub sql: &'static str,
    /// Whether it rebuilds a table others refer to: foreign keys are then turned off around its transaction (they
    /// cannot be inside one) and checked before it commits, as SQLite's documentation prescribes.
    pub rebuilds: bool,
}

/// Every migration, in order. Append only: never edit one that was released.
pub(crate) const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        name: "initial schema",
        sql: include_str!("../migrations/0001_initial.sql"),
        rebuilds: false,
    },
    Migration {
        version: 2,
        name: "readable transcripts",
        sql: include_str!("../migrations/0002_transcripts.sql"),
        rebuilds: false,
    },
    Migration { version: 3, name: "claims", sql: include_str!("../migrations/0003_claims.sql"), rebuilds: false },
    Migration {
        version: 4,
        name: "ticket timers",
        sql: include_str!("../migrations/0004_ticket_timers.sql"),
        rebuilds: true,
    },
    Migration { version: 5, name: "reopening", sql: include_str!("../migrations/0005_reopen.sql"), rebuilds: false },
    Migration {
        version: 6,
        name: "open tickets by game server",
        sql: include_str!("../migrations/0006_open_by_game_server.sql"),
        rebuilds: false,
    },
    Migration {
        version: 7,
        name: "game receipts",
        sql: include_str!("../migrations/0007_game_receipts.sql"),
        rebuilds: false,
    },
    Migration {
        version: 8,
        name: "gateway watermark",
        sql: include_str!("../migrations/0008_gateway_watermark.sql"),
        rebuilds: false,
    },
    Migration {
        version: 9,
        name: "limits, blocklist and snippets",
        sql: include_str!("../migrations/0009_limits.sql"),
        rebuilds: false,
    },
    Migration {
        version: 10,
        name: "feedback and statistics",
        sql: include_str!("../migrations/0010_feedback_stats.sql"),
        rebuilds: false,
    },
];

/// Runs one migration in its own transaction; `false` if another process ran it meanwhile.
fn apply(conn: &mut Connection, migration: &Migration) -> Result<bool, SqliteError> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    // Read again under the write lock: another process may have migrated meanwhile.
    if schema_version(&tx)? >= migration.version {
        return Ok(false);
    }
    tx.execute_batch(migration.sql)?;
    if migration.rebuilds {
        let broken: i64 = tx.query_row("SELECT count(*) FROM pragma_foreign_key_check", [], |row| row.get(0))?;
        if broken > 0 {
            return Err(SqliteError::ForeignDatabase {
                detail: format!("migration {} would leave {broken} broken references", migration.version),
            });
        }
    }
    tx.pragma_update(None, "application_id", APPLICATION_ID)?;
    tx.pragma_update(None, "user_version", migration.version)?;
    tx.commit()?;
    Ok(true)
}

/// The schema version of an open database (`PRAGMA user_version`).
pub(crate) fn schema_version(conn: &Connection) -> Result<u32, SqliteError> {
    let version: i64 = conn.pragma_query_value(None, "user_version", |row| row.get(0))?;
    u32::try_from(version).map_err(|_| SqliteError::ForeignDatabase { detail: format!("user_version {version}") })
}

/// Checks, before anything is written, that the file is empty or one of ours at a version this build knows.
pub(crate) fn check_compatible(conn: &Connection) -> Result<(), SqliteError> {
    let application_id: i32 = conn.pragma_query_value(None, "application_id", |row| row.get(0))?;
    let version = schema_version(conn)?;
    let objects: i64 = conn.query_row("SELECT count(*) FROM sqlite_schema", [], |row| row.get(0))?;
    match application_id {
        APPLICATION_ID if version > SCHEMA_VERSION => {
            Err(SqliteError::NewerSchema { found: version, supported: SCHEMA_VERSION })
        }
        APPLICATION_ID => Ok(()),
        0 if objects == 0 && version == 0 => Ok(()),
        0 => Err(SqliteError::ForeignDatabase {
            detail: format!("{objects} schema objects and user_version {version}, but no RagnaSync application id"),
        }),
        other => Err(SqliteError::ForeignDatabase { detail: format!("application id {other:#010x}") }),
    }
}

/// Applies every migration the file has not had yet, each in its own transaction. Returns how many ran.
pub(crate) fn migrate(conn: &mut Connection) -> Result<usize, SqliteError> {
    let mut applied = 0;
    for migration in MIGRATIONS {
        if schema_version(conn)? >= migration.version {
            continue;
        }
        let foreign_keys: bool = conn.pragma_query_value(None, "foreign_keys", |row| row.get(0))?;
        if migration.rebuilds {
            conn.pragma_update(None, "foreign_keys", false)?;
        }
        let result = apply(conn, migration);
        if migration.rebuilds {
            conn.pragma_update(None, "foreign_keys", foreign_keys)?;
        }
        if !result? {
            continue;
        }
        tracing::info!(version = migration.version, name = migration.name, "database migrated");
        applied += 1;
    }
    Ok(applied)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn migrations_are_numbered_one_by_one_up_to_the_schema_version() {
        let versions: Vec<u32> = MIGRATIONS.iter().map(|m| m.version).collect();
        let expected: Vec<u32> = (1..=SCHEMA_VERSION).collect();
        assert_eq!(versions, expected);
    }

    #[test]
    fn a_fresh_database_is_migrated_once() {
        let mut conn = Connection::open_in_memory().unwrap();
        check_compatible(&conn).unwrap();
        assert_eq!(migrate(&mut conn).unwrap(), MIGRATIONS.len());
        assert_eq!(migrate(&mut conn).unwrap(), 0, "a second run finds nothing to do");
        assert_eq!(schema_version(&conn).unwrap(), SCHEMA_VERSION);
        check_compatible(&conn).unwrap();
        let tables: i64 = conn
            .query_row("SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = 'tickets'", [], |r| r.get(0))
            .unwrap();
        assert_eq!(tables, 1);
    }

    #[test]
    fn newer_and_foreign_databases_are_refused() {
        let mut conn = Connection::open_in_memory().unwrap();
        migrate(&mut conn).unwrap();
        conn.pragma_update(None, "user_version", SCHEMA_VERSION + 1).unwrap();
        assert!(matches!(
            check_compatible(&conn),
            Err(SqliteError::NewerSchema { found, supported }) if found == SCHEMA_VERSION + 1 && supported == SCHEMA_VERSION
        ));
        let other = Connection::open_in_memory().unwrap();
        other.execute_batch("CREATE TABLE users (id INTEGER)").unwrap();
        assert!(matches!(check_compatible(&other), Err(SqliteError::ForeignDatabase { .. })));
        other.pragma_update(None, "application_id", 42).unwrap();
        let refused = check_compatible(&other).unwrap_err();
        assert!(refused.to_string().contains("0x0000002a"), "{refused}");
    }
}
