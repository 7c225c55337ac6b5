//! One [`Commit`] checked against the stored state, by the same rules as the in-memory store
//! (`ticket_core::memory_store`), then written: alone in its own transaction ([`run`]), or inside a transaction the
//! caller holds ([`write`], for a savepoint of a group commit). Any failure rolls back everything of the commit.

use std::collections::{HashMap, HashSet};

use rusqlite::{Connection, ErrorCode, TransactionBehavior};
use ticket_core::ports::{Commit, StoreError};
use ticket_core::{EffectId, TicketId};

use crate::{SqliteError, applications, outbox, receipts, settings, tickets, transcripts};

/// Saves `commit` atomically; returns the ids given to its enqueued effects, in order.
pub(crate) fn run(conn: &mut Connection, commit: &Commit) -> Result<Vec<EffectId>, StoreError> {
    if commit.is_empty() {
        return Ok(Vec::new());
    }
    // IMMEDIATE: take the write lock first, so that what `validate` reads cannot change before `apply` writes.
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate).map_err(SqliteError::from)?;
    let ids = write(&tx, commit)?;
    tx.commit().map_err(SqliteError::from)?;
    Ok(ids)
}

/// Checks and writes `commit` inside the transaction (or savepoint) `conn` is in; returns the ids given to its
/// enqueued effects. On failure part of it may be written: the caller rolls its transaction or savepoint back.
pub(crate) fn write(conn: &Connection, commit: &Commit) -> Result<Vec<EffectId>, StoreError> {
    validate(conn, commit)?;
    apply(conn, commit)
}

/// Checks a commit against the stored state without changing anything.
fn validate(conn: &Connection, commit: &Commit) -> Result<(), StoreError> {
    if let Some(s) = &commit.settings {
        Commit::check_version(settings::version(conn, s.guild)?, s.version)?;
    }
    // Each ticket's stored version and the channel name it holds while open, in one lookup.
    let mut held = HashMap::new();
    for ticket in &commit.tickets {
        let stored = tickets::version_and_open_name(conn, ticket.id)?;
        Commit::check_version(stored.as_ref().map(|(version, _)| *version), ticket.version)?;
        held.insert(ticket.id, stored.and_then(|(_, name)| name));
    }
    let mut keys: HashMap<String, TicketId> = HashMap::new();
    for ticket in &commit.tickets {
        let Some(key) = ticket.open_key() else { continue };
        let holder = tickets::key_holder(conn, &key)?.filter(|holder| {
            // A holder that this commit closes or re-keys frees the key.
            commit.tickets.iter().find(|t| t.id == *holder).is_none_or(|t| t.open_key().as_ref() == Some(&key))
        });
        if holder.is_some_and(|h| h != ticket.id) || keys.insert(key, ticket.id).is_some_and(|other| other != ticket.id)
        {
            return Err(StoreError::Conflict);
        }
    }
    for (guild, name, id) in commit.name_claims(|id| held.get(&id).cloned().flatten())? {
        for holder in tickets::open_name_holders(conn, guild, name)? {
            if holder != id && commit.keeps_name(holder, name) {
                return Err(StoreError::Conflict);
            }
        }
    }
    let mut known: HashSet<TicketId> = commit.tickets.iter().map(|t| t.id).collect();
    let mut ticket_exists = |ticket: TicketId| -> Result<bool, SqliteError> {
        if known.contains(&ticket) {
            return Ok(true);
        }
        let found = tickets::exists(conn, ticket)?;
        if found {
            known.insert(ticket);
        }
        Ok(found)
    };
    for app in &commit.applications {
        Commit::check_version(applications::version(conn, app.id)?, app.version)?;
        if !ticket_exists(app.ticket)? {
            return Err(StoreError::Missing { what: "ticket", id: app.ticket.get() });
        }
    }
    for entry in &commit.transcript {
        if !ticket_exists(entry.ticket)? {
            return Err(StoreError::Missing { what: "ticket", id: entry.ticket.get() });
        }
    }
    Ok(())
}

fn is_unique_violation(error: &SqliteError) -> bool {
    matches!(error, SqliteError::Sqlite(rusqlite::Error::SqliteFailure(e, _))
        if e.code == ErrorCode::ConstraintViolation && e.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_UNIQUE)
}

/// Writes a validated commit.
fn apply(conn: &Connection, commit: &Commit) -> Result<Vec<EffectId>, StoreError> {
    if let Some(s) = &commit.settings {
        settings::save(conn, s)?;
    }
    for ticket in &commit.tickets {
        tickets::release_key(conn, ticket)?;
    }
    for ticket in &commit.tickets {
        // `validate` already refused taken keys; the unique index is the last line of defence.
        tickets::save(conn, ticket)
            .map_err(|e| if is_unique_violation(&e) { StoreError::Conflict } else { e.into() })?;
    }
    for app in &commit.applications {
        applications::save(conn, app)?;
    }
    for entry in &commit.transcript {
        transcripts::append(conn, entry)?;
    }
    for change in &commit.transcript_changes {
        transcripts::change(conn, change)?;
    }
    // Before `done`, `retry` and `dead`, as the in-memory store: "still pending" means before this commit.
    for (id, effect) in &commit.amend {
        if !outbox::amend(conn, *id, effect)? {
            return Err(StoreError::Conflict);
        }
    }
    for id in &commit.done {
        outbox::done(conn, *id)?;
    }
    for retry in &commit.retry {
        outbox::retry(conn, retry)?;
    }
    for id in &commit.dead {
        outbox::bury(conn, *id)?;
    }
    for receipt in &commit.receipts {
        receipts::save(conn, receipt)?;
    }
    let mut ids = Vec::with_capacity(commit.enqueue.len());
    for (chain, effect) in &commit.enqueue {
        ids.push(outbox::enqueue(conn, *chain, effect)?);
    }
    Ok(ids)
}
