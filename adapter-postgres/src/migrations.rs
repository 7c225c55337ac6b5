//! Numbered SQL migrations, applied at connect. The schema version lives in the store's schema, in the one-row
//! table `schema_version`. Each migration runs in its own transaction under a transaction-level advisory lock
//! (one per schema), so two processes connecting at once never migrate together: the second waits, reads the new
//! version and skips.

use deadpool_postgres::GenericClient;

use crate::PostgresError;
use crate::codec::{execute, get, opt_row};

/// The schema version this build writes. A schema with a newer version is refused with
/// [`PostgresError::NewerSchema`].
pub const SCHEMA_VERSION: u32 = 6;

/// One step of the schema.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Migration {
    /// The schema version after this step.
    pub version: u32,
    /// What it does.
    pub name: &'static str,
    /// The SQL, run in one transaction together with the version bump.
    pub sql: &'static str,
}

/// Every migration, in order. Append only: never edit one that was released.
pub(crate) const MIGRATIONS: &[Migration] = &[
    Migration { version: 1, name: "initial schema", sql: include_str!("../migrations/0001_initial.sql") },
    Migration {
        version: 2,
        name: "open tickets by game server",
        sql: include_str!("../migrations/0002_open_by_game_server.sql"),
    },
    Migration { version: 3, name: "game receipts", sql: include_str!("../migrations/0003_game_receipts.sql") },
    Migration { version: 4, name: "gateway watermark", sql: include_str!("../migrations/0004_gateway_watermark.sql") },
    Migration {
        version: 5,
        name: "limits, blocklist and snippets",
        sql: include_str!("../migrations/0005_limits.sql"),
    },
    Migration {
        version: 6,
        name: "feedback and statistics",
        sql: include_str!("../migrations/0006_feedback_stats.sql"),
    },
];

/// Takes the migration lock of `schema` until the transaction ends.
async fn lock<C: GenericClient>(c: &C, schema: &str) -> Result<(), PostgresError> {
    let key = format!("adapter-postgres migrate {schema}");
    c.query_one("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))", &[&key]).await?;
    Ok(())
}

/// The stored schema version (0: nothing migrated yet).
pub(crate) async fn schema_version<C: GenericClient>(c: &C) -> Result<u32, PostgresError> {
    let row = opt_row(c, "SELECT version FROM schema_version", &[]).await?;
    let version: i64 = match row {
        Some(r) => get(&r, 0)?,
        None => 0,
    };
    u32::try_from(version).map_err(|_| PostgresError::decode("schema version", version))
}

fn check(found: u32) -> Result<(), PostgresError> {
    if found > SCHEMA_VERSION {
        return Err(PostgresError::NewerSchema { found, supported: SCHEMA_VERSION });
    }
    Ok(())
}

/// Creates the schema and its version table if missing, refuses a newer schema, then applies every migration it
/// has not had yet, each in its own transaction. `schema` is a checked identifier (see `store::check_schema`).
/// Returns how many migrations ran.
pub(crate) async fn migrate(client: &mut deadpool_postgres::Client, schema: &str) -> Result<usize, PostgresError> {
    {
        let tx = client.transaction().await?;
        lock(&tx, schema).await?;
        // `schema` is a plain lower-case identifier: safe to splice in.
        tx.batch_execute(&format!(
            "CREATE SCHEMA IF NOT EXISTS {schema};
             SET LOCAL search_path TO {schema};
             CREATE TABLE IF NOT EXISTS schema_version (
                 only_row boolean PRIMARY KEY DEFAULT true CHECK (only_row),
                 version  bigint NOT NULL CHECK (version >= 0)
             );"
        ))
        .await?;
        check(schema_version(&tx).await?)?;
        tx.commit().await?;
    }
    let mut applied = 0;
    for migration in MIGRATIONS {
        let tx = client.transaction().await?;
        lock(&tx, schema).await?;
        tx.batch_execute(&format!("SET LOCAL search_path TO {schema}")).await?;
        // Read again under the lock: another process may have migrated meanwhile.
        let found = schema_version(&tx).await?;
        check(found)?;
        if found >= migration.version {
            continue;
        }
        tx.batch_execute(migration.sql).await?;
        execute(
            &tx,
            "INSERT INTO schema_version (only_row, version) VALUES (true, $1)
             ON CONFLICT (only_row) DO UPDATE SET version = excluded.version",
            &[&i64::from(migration.version)],
        )
        .await?;
        tx.commit().await?;
        tracing::info!(schema, version = migration.version, name = migration.name, "database migrated");
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
}
