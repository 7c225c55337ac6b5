//! Support for tests against a real Postgres (feature `test-support`): the test server's URL, schema names no other
//! test uses, and dropping a schema afterwards. Used by this crate's tests and by the bot's.
//!
//! The server is `postgres://postgres@127.0.0.1:5432/test` unless `TICKET_TEST_POSTGRES_URL` says otherwise. When
//! no server answers, [`raw_client`] says so once and gives `None`, so that the tests pass, except in CI
//! (`CI=true`), where the server is required and it panics.
#![allow(clippy::expect_used)] // Test support: a failure to set up is the test failing.

use std::sync::Once;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

/// The test server's URL.
pub fn url() -> String {
    std::env::var("TICKET_TEST_POSTGRES_URL").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".to_owned())
}

/// A schema name no other test (of this or another process) uses: `t_<pid>_<counter>_<nanos>`.
pub fn unique_schema() -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, Ordering::SeqCst);
    let nanos = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.subsec_nanos()).unwrap_or(0);
    format!("t_{}_{n}_{nanos}", std::process::id())
}

/// A plain connection to the test server, or `None` (after saying so once) when none answers outside CI.
///
/// # Panics
/// In CI (`CI=true`) when no server answers: there the server is required.
pub async fn raw_client() -> Option<tokio_postgres::Client> {
    let url = url();
    match tokio_postgres::connect(&url, tokio_postgres::NoTls).await {
        Ok((client, connection)) => {
            tokio::spawn(connection);
            Some(client)
        }
        Err(e) => {
            if std::env::var("CI").is_ok_and(|v| v == "true") {
                panic!("the Postgres server is required in CI, but none answers at {url}: {e}");
            }
            static SAID: Once = Once::new();
            SAID.call_once(|| println!("postgres tests skipped: no server at {url} ({e})"));
            None
        }
    }
}

/// Drops a schema and everything in it, from a thread of its own (so that it can run inside `Drop`). The tests run
/// on tokio's multi-threaded runtime: while this blocks one worker, another lets the store's connections finish
/// (a transaction dropped after a failed commit rolls back there), so the drop does not wait on their locks.
pub fn drop_schema(schema: &str) {
    let (url, schema) = (url(), schema.to_owned());
    let dropped = std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("a runtime");
        runtime.block_on(async {
            let (client, connection) = tokio_postgres::connect(&url, tokio_postgres::NoTls).await?;
            tokio::spawn(connection);
            client.batch_execute(&format!("SET lock_timeout = '20s'; DROP SCHEMA IF EXISTS {schema} CASCADE")).await
        })
    })
    .join();
    if !matches!(dropped, Ok(Ok(()))) {
        eprintln!("could not drop the test schema: {dropped:?}");
    }
}
