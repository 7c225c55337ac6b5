//! One [`Commit`] checked against the stored state, by the same rules as the in-memory store
//! (`ticket_core::memory_store`) and the SQLite store, then written, in one transaction. Any failure rolls back
//! everything of the commit.
//!
//! Isolation: READ COMMITTED, with every writer first taking one transaction-level advisory lock per schema
//! ([`WRITE_LOCK`]). That is the SQLite store's single writer (`BEGIN IMMEDIATE`) on Postgres: what `validate`
//! reads cannot change before `apply` writes, because every transaction that could change it waits for the lock,
//! and each READ COMMITTED statement sees everything committed before it. Row locks (`SELECT … FOR UPDATE`) alone
//! would not do: the name and open-key rules are about rows that do not exist yet. SERIALIZABLE would, but turns
//! unrelated concurrent commits into spurious serialization failures; commits are small and short, so one at a
//! time costs little. The unique index on open keys stays as the last line of defence (23505 → `Conflict`).

use std::collections::{HashMap, HashSet};

use deadpool_postgres::GenericClient;
use ticket_core::ports::{Commit, StoreError};
use ticket_core::{EffectId, TicketId};

use crate::{PostgresError, applications, outbox, receipts, settings, tickets, transcripts};

/// The advisory lock every writing transaction of a schema takes first (keyed by the schema's name).
pub(crate) const WRITE_LOCK: &str =
    "SELECT pg_advisory_xact_lock(hashtextextended('adapter-postgres write ' || $1, 0))";

/// Takes the write lock of `schema` until the transaction ends.
pub(crate) async fn lock<C: GenericClient>(c: &C, schema: &str) -> Result<(), PostgresError> {
    crate::codec::one_row(c, WRITE_LOCK, &[&schema]).await?;
    Ok(())
}

/// Saves `commit` atomically in its own transaction; returns the ids given to its enqueued effects, in order.
pub(crate) async fn run(
    client: &mut deadpool_postgres::Client,
    schema: &str,
    commit: &Commit,
) -> Result<Vec<EffectId>, StoreError> {
    if commit.is_empty() {
        return Ok(Vec::new());
    }
    let tx = client.transaction().await.map_err(PostgresError::from)?;
    lock(&tx, schema).await?;
    validate(&tx, commit).await?;
    let ids = apply(&tx, commit).await?;
    tx.commit().await.map_err(PostgresError::from)?;
    Ok(ids)
}

/// Checks a commit against the stored state without changing anything.
async fn validate<C: GenericClient>(c: &C, commit: &Commit) -> Result<(), StoreError> {
    if let Some(s) = &commit.settings {
        Commit::check_version(settings::version(c, s.guild).await?, s.version)?;
    }
    // Each ticket's stored version and the channel name it holds while open, in one lookup.
    let mut held = HashMap::new();
    for ticket in &commit.tickets {
        let stored = tickets::version_and_open_name(c, ticket.id).await?;
        Commit::check_version(stored.as_ref().map(|(version, _)| *version), ticket.version)?;
        held.insert(ticket.id, stored.and_then(|(_, name)| name));
    }
    let mut keys: HashMap<String, TicketId> = HashMap::new();
    for ticket in &commit.tickets {
        let Some(key) = ticket.open_key() else { continue };
        let holder = tickets::key_holder(c, &key).await?.filter(|holder| {
            // A holder that this commit closes or re-keys frees the key.
            commit.tickets.iter().find(|t| t.id == *holder).is_none_or(|t| t.open_key().as_ref() == Some(&key))
        });
        if holder.is_some_and(|h| h != ticket.id) || keys.insert(key, ticket.id).is_some_and(|other| other != ticket.id)
        {
            return Err(StoreError::Conflict);
        }
    }
    for (guild, name, id) in commit.name_claims(|id| held.get(&id).cloned().flatten())? {
        for holder in tickets::open_name_holders(c, guild, name).await? {
            if holder != id && commit.keeps_name(holder, name) {
                return Err(StoreError::Conflict);
            }
        }
    }
    let mut known: HashSet<TicketId> = commit.tickets.iter().map(|t| t.id).collect();
    for app in &commit.applications {
        Commit::check_version(applications::version(c, app.id).await?, app.version)?;
        if !ticket_exists(c, &mut known, app.ticket).await? {
            return Err(StoreError::Missing { what: "ticket", id: app.ticket.get() });
        }
    }
    for entry in &commit.transcript {
        if !ticket_exists(c, &mut known, entry.ticket).await? {
            return Err(StoreError::Missing { what: "ticket", id: entry.ticket.get() });
        }
    }
    Ok(())
}

/// Whether a ticket is stored or saved by this commit (`known`, which remembers stored ones once found).
async fn ticket_exists<C: GenericClient>(
    c: &C,
    known: &mut HashSet<TicketId>,
    ticket: TicketId,
) -> Result<bool, PostgresError> {
    if known.contains(&ticket) {
        return Ok(true);
    }
    let found = tickets::exists(c, ticket).await?;
    if found {
        known.insert(ticket);
    }
    Ok(found)
}

/// Writes a validated commit.
async fn apply<C: GenericClient>(c: &C, commit: &Commit) -> Result<Vec<EffectId>, StoreError> {
    if let Some(s) = &commit.settings {
        settings::save(c, s).await?;
    }
    for ticket in &commit.tickets {
        tickets::release_key(c, ticket).await?;
    }
    for ticket in &commit.tickets {
        // `validate` already refused taken keys; the unique index is the last line of defence (a unique violation
        // becomes `StoreError::Conflict`).
        tickets::save(c, ticket).await?;
    }
    for app in &commit.applications {
        applications::save(c, app).await?;
    }
    for entry in &commit.transcript {
        transcripts::append(c, entry).await?;
    }
    for change in &commit.transcript_changes {
        transcripts::change(c, change).await?;
    }
    // Before `done`, `retry` and `dead`, as the in-memory store: "still pending" means before this commit.
    for (id, effect) in &commit.amend {
        if !outbox::amend(c, *id, effect).await? {
            return Err(StoreError::Conflict);
        }
    }
    for id in &commit.done {
        outbox::done(c, *id).await?;
    }
    for retry in &commit.retry {
        outbox::retry(c, retry).await?;
    }
    for id in &commit.dead {
        outbox::bury(c, *id).await?;
    }
    for receipt in &commit.receipts {
        receipts::save(c, receipt).await?;
    }
    let mut ids = Vec::with_capacity(commit.enqueue.len());
    for (chain, effect) in &commit.enqueue {
        ids.push(outbox::enqueue(c, *chain, effect).await?);
    }
    Ok(ids)
}
