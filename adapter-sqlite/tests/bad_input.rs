//! Bad input: paths that cannot be opened, garbage and damaged files, newer and foreign databases, locks held by
//! others, a full database, a closed store. Every case is a clear error, never a panic.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::io::{Seek, SeekFrom, Write};
use std::time::Duration;

use adapter_sqlite::{OpenOptions, SCHEMA_VERSION, SqliteError, SqliteStore};
use common::{TempStore, sqlite_error};
use rusqlite::Connection;
use ticket_core::conformance::{T0, sample_support};
use ticket_core::ports::{Commit, TranscriptAuthor, TranscriptEntry};
use ticket_core::{TicketId, TicketStore};

fn line(ticket: u64, text: String) -> TranscriptEntry {
    TranscriptEntry::line(TicketId::new(ticket), T0, TranscriptAuthor::System, text)
}

fn support_commit(id: u64) -> Commit {
    Commit { tickets: vec![sample_support(id, 1, 40 + id)], ..Commit::default() }
}

#[tokio::test]
async fn a_path_that_cannot_be_opened_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("no-such-dir").join("tickets.db");
    let error = SqliteStore::open(&missing).await.expect_err("a missing directory cannot hold a database");
    assert!(matches!(&error, SqliteError::CannotOpen { path, .. } if *path == missing), "{error:?}");
    assert!(error.to_string().contains("no-such-dir"), "the message names the path: {error}");

    let error = SqliteStore::open(dir.path()).await.expect_err("a directory is not a database file");
    assert!(matches!(error, SqliteError::CannotOpen { .. }), "{error:?}");
}

#[tokio::test]
async fn a_garbage_file_is_refused_as_corrupt() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("tickets.db");
    let garbage: Vec<u8> = (0..64 * 1024u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8).collect();
    std::fs::write(&path, &garbage).unwrap();
    let error = SqliteStore::open(&path).await.expect_err("garbage is not a database");
    assert!(matches!(error, SqliteError::Corrupt { .. }), "{error:?}");
    assert_eq!(std::fs::read(&path).unwrap(), garbage, "the file was left as it was");
}

#[tokio::test]
async fn damaged_pages_are_reported_not_panicked() {
    let t = TempStore::new().await;
    for id in 1..=50 {
        t.commit(support_commit(id)).await.unwrap();
    }
    t.store.close().await;
    // Overwrite the root page of the tickets table; the schema stays readable.
    let root: u64 = Connection::open(t.path())
        .unwrap()
        .query_row("SELECT rootpage FROM sqlite_schema WHERE name = 'tickets'", [], |r| r.get::<_, i64>(0))
        .map(|page| u64::try_from(page).unwrap())
        .unwrap();
    let mut file = std::fs::OpenOptions::new().write(true).open(t.path()).unwrap();
    file.seek(SeekFrom::Start((root - 1) * 4096)).unwrap();
    file.write_all(&[0xA5; 4096]).unwrap();
    drop(file);

    let checked = OpenOptions::new().check_integrity(true).open(t.path()).await;
    assert!(matches!(checked, Err(SqliteError::Corrupt { .. })), "{checked:?}");

    let store = SqliteStore::open(t.path()).await.expect("the schema is intact, so the file opens");
    let error = store.ticket(TicketId::new(1)).await.expect_err("the tickets table is damaged");
    assert!(matches!(sqlite_error(&error), Some(SqliteError::Corrupt { .. })), "{error:?}");
    assert!(!store.integrity_check().await.unwrap().is_empty(), "integrity_check reports the damage");
}

#[tokio::test]
async fn a_database_from_a_newer_version_is_refused() {
    let t = TempStore::new().await;
    t.commit(support_commit(1)).await.unwrap();
    t.store.close().await;
    Connection::open(t.path()).unwrap().pragma_update(None, "user_version", SCHEMA_VERSION + 1).unwrap();
    let error = SqliteStore::open(t.path()).await.expect_err("a newer schema is refused");
    assert!(
        matches!(error, SqliteError::NewerSchema { found, supported } if found == SCHEMA_VERSION + 1 && supported == SCHEMA_VERSION),
        "{error:?}"
    );
    assert!(error.to_string().contains("upgrade"), "the message says what to do: {error}");
}

#[tokio::test]
async fn a_database_of_another_application_is_refused_and_left_alone() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("other.db");
    Connection::open(&path).unwrap().execute_batch("CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT)").unwrap();
    let before = std::fs::read(&path).unwrap();
    let error = SqliteStore::open(&path).await.expect_err("another application's database is refused");
    assert!(matches!(error, SqliteError::ForeignDatabase { .. }), "{error:?}");
    assert_eq!(std::fs::read(&path).unwrap(), before, "not even the journal mode was changed");
}

#[tokio::test]
async fn a_write_lock_held_elsewhere_ends_in_busy_and_reads_carry_on() {
    let t = TempStore::with(OpenOptions::new().busy_timeout(Duration::from_millis(100))).await;
    t.commit(support_commit(1)).await.unwrap();
    let other = Connection::open(t.path()).unwrap();
    other.execute_batch("BEGIN EXCLUSIVE; UPDATE id_counters SET last = last WHERE name = 'ticket';").unwrap();

    let error = t.commit(support_commit(2)).await.expect_err("the write lock is taken");
    assert!(matches!(sqlite_error(&error), Some(SqliteError::Busy { .. })), "{error:?}");
    let error = t.next_ticket_id().await.expect_err("allocating an id writes too");
    assert!(matches!(sqlite_error(&error), Some(SqliteError::Busy { .. })), "{error:?}");
    assert!(t.ticket(TicketId::new(1)).await.unwrap().is_some(), "WAL readers are not blocked by a writer");

    other.execute_batch("ROLLBACK").unwrap();
    t.commit(support_commit(2)).await.expect("the lock is free again");
    assert!(t.ticket(TicketId::new(2)).await.unwrap().is_some());
}

#[tokio::test]
async fn an_exclusively_locked_file_cannot_be_opened_and_says_why() {
    let t = TempStore::new().await;
    t.store.close().await;
    let other = Connection::open(t.path()).unwrap();
    other.pragma_update(None, "locking_mode", "EXCLUSIVE").unwrap();
    other.execute_batch("BEGIN IMMEDIATE; UPDATE id_counters SET last = last; COMMIT;").unwrap();

    let opened = OpenOptions::new().busy_timeout(Duration::from_millis(100)).open(t.path()).await;
    assert!(matches!(opened, Err(SqliteError::Busy { .. })), "{opened:?}");
    drop(other);
    SqliteStore::open(t.path()).await.expect("opens once the other process lets go");
}

#[tokio::test]
async fn a_full_database_fails_cleanly_and_keeps_what_was_written() {
    let t = TempStore::with(OpenOptions::new().max_size(Some(256 * 1024))).await;
    t.commit(support_commit(1)).await.unwrap();
    let mut written = 0;
    let error = loop {
        let batch = (0..4).map(|n| line(1, format!("{written}/{n} {}", "x".repeat(8000)))).collect();
        match t.commit(Commit { transcript: batch, ..Commit::default() }).await {
            Ok(_) => written += 4,
            Err(e) => break e,
        }
        assert!(written < 1000, "the size cap was never reached");
    };
    assert!(matches!(sqlite_error(&error), Some(SqliteError::Full { .. })), "{error:?}");
    assert!(error.to_string().contains("full"), "{error}");
    assert_eq!(t.transcript(TicketId::new(1)).await.unwrap().len(), written, "the failed commit wrote nothing");
    assert!(t.integrity_check().await.unwrap().is_empty());
    t.store.close().await;

    let roomy = SqliteStore::open(t.path()).await.unwrap();
    roomy.commit(Commit { transcript: vec![line(1, "after".into())], ..Commit::default() }).await.unwrap();
    assert_eq!(roomy.transcript(TicketId::new(1)).await.unwrap().len(), written + 1);
}

#[tokio::test]
async fn a_closed_store_refuses_work_with_a_clear_error() {
    let store = SqliteStore::open_in_memory().await.unwrap();
    store.close().await;
    let error = store.ticket(TicketId::new(1)).await.expect_err("the store is closed");
    assert!(matches!(sqlite_error(&error), Some(SqliteError::Stopped)), "{error:?}");
    assert!(matches!(store.schema_version().await, Err(SqliteError::Stopped)));
}

/// A commit waiting for a lock waits on the store's own thread: the async runtime (here a single thread) keeps
/// running other tasks meanwhile. The lock is released only after another task has run, so if waiting blocked
/// the runtime, the commit would run into its busy timeout and fail.
#[tokio::test(flavor = "current_thread")]
async fn waiting_for_a_lock_does_not_block_the_runtime() {
    let t = TempStore::with(OpenOptions::new().busy_timeout(Duration::from_secs(10))).await;
    let path = t.path();
    let (locked_tx, locked_rx) = tokio::sync::oneshot::channel();
    let (release_tx, release_rx) = std::sync::mpsc::channel::<()>();
    let holder = std::thread::spawn(move || {
        let other = Connection::open(path).unwrap();
        other.execute_batch("BEGIN EXCLUSIVE; UPDATE id_counters SET last = last;").unwrap();
        locked_tx.send(()).unwrap();
        release_rx.recv().unwrap();
        other.execute_batch("ROLLBACK").unwrap();
    });
    locked_rx.await.unwrap();

    let commit = t.commit(support_commit(1));
    let other_task = async {
        tokio::task::yield_now().await;
        tokio::time::sleep(Duration::from_millis(50)).await;
        release_tx.send(()).unwrap();
    };
    let (committed, ()) = tokio::join!(commit, other_task);
    committed.expect("the commit went through once the lock was released");
    holder.join().unwrap();
}
