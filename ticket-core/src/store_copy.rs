//! Copying a whole deployment from one store to another (`ticket-bot migrate`: SQLite to Postgres), then
//! checking that the copy holds exactly what the source holds.
//!
//! The copy goes through the stores' ordinary [`TicketStore::commit`], so every rule a store keeps (open keys,
//! unique channel names, transcripts needing their ticket) is checked on the way in. What changes on the way:
//!
//! - records start again at version 1 (versions only guard concurrent writers, and nothing else writes during a
//!   copy);
//! - outbox effects get new ids, in the same order, so every chain keeps its order; their attempts, retry times
//!   and dead marks are kept.
//!
//! - times are kept to the microsecond, Postgres's precision (the other stores keep nanoseconds), so records compare
//!   equal when they differ by less than a microsecond in a time ([`same_to_the_microsecond`]).
//!
//! The source is only read. The target must be empty: a copy that stopped half-way (a crash, a lost connection) is
//! never mixed with a second one; empty the target and run it again.

use std::fmt;

use serde::Serialize;
use serde_json::Value;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::effect::{ChainKey, Effect, PendingEffect};
use crate::id::{ApplicationId, EffectId, TicketId};
use crate::ports::{Commit, ExportedEffect, Retry, StoreError, StoreExport};

/// How many records are read, and written in one commit, at a time.
pub const PAGE: usize = 200;

/// What a store holds, counted record by record.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct StoreCounts {
    /// Guilds whose settings were saved.
    pub guilds: u64,
    /// Tickets, open and closed.
    pub tickets: u64,
    /// Of those, the open ones.
    pub open_tickets: u64,
    /// Recruitment applications.
    pub applications: u64,
    /// Transcript lines.
    pub transcript_lines: u64,
    /// Outbox effects still to run.
    pub pending_effects: u64,
    /// Outbox effects given up on.
    pub dead_effects: u64,
}

impl StoreCounts {
    /// Whether the store holds nothing at all.
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }
}

impl fmt::Display for StoreCounts {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} guilds with settings, {} tickets ({} open), {} applications, {} transcript lines, {} pending and {} \
             dead outbox effects",
            self.guilds,
            self.tickets,
            self.open_tickets,
            self.applications,
            self.transcript_lines,
            self.pending_effects,
            self.dead_effects
        )
    }
}

/// Why a copy stopped.
#[derive(Debug, thiserror::Error)]
pub enum CopyError {
    /// The source could not be read.
    #[error("reading the source: {0}")]
    Source(#[source] StoreError),
    /// The target refused or could not be written.
    #[error("writing the target: {0}")]
    Target(#[source] StoreError),
    /// The target already holds records.
    #[error("the target is not empty: it holds {0}")]
    TargetNotEmpty(StoreCounts),
    /// The target, read back, differs from the source.
    #[error("the copy differs from the source: {0}")]
    Mismatch(String),
}

/// What a copy is doing, for a progress display.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CopyStep {
    /// Counting the source.
    Counting,
    /// Copying: `done` records of `of` (guild settings, tickets with their transcripts, applications, effects).
    Copying {
        /// What is being copied.
        what: &'static str,
        /// How many so far.
        done: u64,
        /// How many in all.
        of: u64,
    },
    /// Reading both stores back and comparing them.
    Verifying,
}

/// Counts everything `store` holds, reading it page by page.
pub async fn count(store: &dyn StoreExport) -> Result<StoreCounts, StoreError> {
    tally(store, true).await
}

/// [`count`], with the transcript lines only if `lines` (each ticket's transcript is a read of its own).
async fn tally(store: &dyn StoreExport, lines: bool) -> Result<StoreCounts, StoreError> {
    let mut counts = StoreCounts { guilds: store.guilds_with_settings().await?.len() as u64, ..StoreCounts::default() };
    let mut after = None;
    loop {
        let page = store.tickets_after(after, PAGE).await?;
        let Some(last) = page.last() else { break };
        after = Some(last.id);
        for ticket in &page {
            counts.tickets += 1;
            counts.open_tickets += u64::from(ticket.is_open());
            if lines {
                counts.transcript_lines += store.transcript(ticket.id).await?.len() as u64;
            }
        }
    }
    let mut after = None;
    loop {
        let page = store.applications_after(after, PAGE).await?;
        let Some(last) = page.last() else { break };
        after = Some(last.id);
        counts.applications += page.len() as u64;
    }
    let mut after = None;
    loop {
        let page = store.effects_after(after, PAGE).await?;
        let Some(last) = page.last() else { break };
        after = Some(last.pending.id);
        for effect in &page {
            if effect.dead {
                counts.dead_effects += 1;
            } else {
                counts.pending_effects += 1;
            }
        }
    }
    Ok(counts)
}

/// Copies everything `from` holds into the empty store `to`, then reads both back and compares them record by
/// record. Returns the counts of what was copied. `progress` is told each step.
///
/// The source's transcripts are read twice (to copy, to compare) and the target's once: the counts come from the
/// copy itself, and the comparison also finds anything the target holds beyond the source.
pub async fn copy_store(
    from: &dyn StoreExport,
    to: &dyn StoreExport,
    progress: &mut (dyn FnMut(CopyStep) + Send),
) -> Result<StoreCounts, CopyError> {
    let already = count(to).await.map_err(CopyError::Target)?;
    if !already.is_empty() {
        return Err(CopyError::TargetNotEmpty(already));
    }
    progress(CopyStep::Counting);
    // Enough to show progress against; the transcript lines are counted as they are copied.
    let mut counts = tally(from, false).await.map_err(CopyError::Source)?;
    copy_settings(from, to, counts.guilds, progress).await?;
    counts.transcript_lines = copy_tickets(from, to, counts.tickets, progress).await?;
    copy_applications(from, to, counts.applications, progress).await?;
    copy_effects(from, to, counts.pending_effects + counts.dead_effects, progress).await?;
    progress(CopyStep::Verifying);
    compare(from, to).await?;
    Ok(counts)
}

async fn commit(to: &dyn StoreExport, commit: Commit) -> Result<Vec<EffectId>, CopyError> {
    to.commit(commit).await.map_err(CopyError::Target)
}

async fn copy_settings(
    from: &dyn StoreExport,
    to: &dyn StoreExport,
    of: u64,
    progress: &mut (dyn FnMut(CopyStep) + Send),
) -> Result<(), CopyError> {
    for (done, guild) in (1..).zip(from.guilds_with_settings().await.map_err(CopyError::Source)?) {
        let mut settings = from.settings(guild).await.map_err(CopyError::Source)?;
        settings.version = 0;
        commit(to, Commit { settings: Some(settings), ..Commit::default() }).await?;
        progress(CopyStep::Copying { what: "guild settings", done, of });
    }
    Ok(())
}

/// Tickets, a page per commit, each page with its transcripts (lines, attachments, edits and deletions). Returns
/// the transcript lines copied.
async fn copy_tickets(
    from: &dyn StoreExport,
    to: &dyn StoreExport,
    of: u64,
    progress: &mut (dyn FnMut(CopyStep) + Send),
) -> Result<u64, CopyError> {
    let (mut after, mut done, mut lines) = (None::<TicketId>, 0, 0);
    loop {
        let page = from.tickets_after(after, PAGE).await.map_err(CopyError::Source)?;
        let Some(last) = page.last() else { return Ok(lines) };
        after = Some(last.id);
        let mut batch = Commit::default();
        for mut ticket in page {
            batch.transcript.extend(from.transcript(ticket.id).await.map_err(CopyError::Source)?);
            ticket.version = 0;
            batch.tickets.push(ticket);
        }
        done += batch.tickets.len() as u64;
        lines += batch.transcript.len() as u64;
        commit(to, batch).await?;
        progress(CopyStep::Copying { what: "tickets", done, of });
    }
}

async fn copy_applications(
    from: &dyn StoreExport,
    to: &dyn StoreExport,
    of: u64,
    progress: &mut (dyn FnMut(CopyStep) + Send),
) -> Result<(), CopyError> {
    let (mut after, mut done) = (None::<ApplicationId>, 0);
    loop {
        let page = from.applications_after(after, PAGE).await.map_err(CopyError::Source)?;
        let Some(last) = page.last() else { return Ok(()) };
        after = Some(last.id);
        done += page.len() as u64;
        let applications = page.into_iter().map(|a| crate::Application { version: 0, ..a }).collect();
        commit(to, Commit { applications, ..Commit::default() }).await?;
        progress(CopyStep::Copying { what: "applications", done, of });
    }
}

/// The retry state an effect is copied with: attempts and retry time as they were. A retry time without attempts
/// cannot be set through a commit alone and does not occur; an attempt count without a time is due at once.
fn retry_of(id: EffectId, pending: &PendingEffect) -> Option<Retry> {
    (pending.attempts > 0 || pending.not_before.is_some()).then(|| Retry {
        id,
        attempts: pending.attempts,
        not_before: pending.not_before.unwrap_or(OffsetDateTime::UNIX_EPOCH),
    })
}

/// Effects in id order, so that each chain keeps its order; then, in a second commit per page, their retry state
/// and dead marks (an effect gets its new id from the first).
async fn copy_effects(
    from: &dyn StoreExport,
    to: &dyn StoreExport,
    of: u64,
    progress: &mut (dyn FnMut(CopyStep) + Send),
) -> Result<(), CopyError> {
    let (mut after, mut done) = (None::<EffectId>, 0);
    loop {
        let page = from.effects_after(after, PAGE).await.map_err(CopyError::Source)?;
        let Some(last) = page.last() else { return Ok(()) };
        after = Some(last.pending.id);
        let enqueue = page.iter().map(|e| (e.pending.chain, e.pending.effect.clone())).collect();
        let ids = commit(to, Commit { enqueue, ..Commit::default() }).await?;
        if ids.len() != page.len() {
            return Err(CopyError::Mismatch(format!("{} effects enqueued, {} ids returned", page.len(), ids.len())));
        }
        let mut marks = Commit::default();
        for (id, effect) in ids.into_iter().zip(&page) {
            marks.retry.extend(retry_of(id, &effect.pending));
            if effect.dead {
                marks.dead.push(id);
            }
        }
        if !marks.retry.is_empty() || !marks.dead.is_empty() {
            commit(to, marks).await?;
        }
        done += page.len() as u64;
        progress(CopyStep::Copying { what: "outbox effects", done, of });
    }
}

/// Reads both stores back and compares every record (versions and effect ids aside).
async fn compare(from: &dyn StoreExport, to: &dyn StoreExport) -> Result<(), CopyError> {
    let differ = |what: String| Err(CopyError::Mismatch(what));
    let guilds = from.guilds_with_settings().await.map_err(CopyError::Source)?;
    if guilds != to.guilds_with_settings().await.map_err(CopyError::Target)? {
        return differ("the guilds with settings".to_owned());
    }
    for guild in guilds {
        let mut a = from.settings(guild).await.map_err(CopyError::Source)?;
        let mut b = to.settings(guild).await.map_err(CopyError::Target)?;
        (a.version, b.version) = (0, 0);
        if !same_to_the_microsecond(&a, &b) {
            return differ(format!("the settings of guild {guild}"));
        }
    }
    let mut after = None;
    loop {
        let a = from.tickets_after(after, PAGE).await.map_err(CopyError::Source)?;
        let b = to.tickets_after(after, PAGE).await.map_err(CopyError::Target)?;
        if a.len() != b.len() {
            return differ("the list of tickets".to_owned());
        }
        let Some(last) = a.last() else { break };
        after = Some(last.id);
        for (mut a, mut b) in a.into_iter().zip(b) {
            let id = a.id;
            (a.version, b.version) = (0, 0);
            if !same_to_the_microsecond(&a, &b) {
                return differ(format!("ticket {id}"));
            }
            let lines_a = from.transcript(id).await.map_err(CopyError::Source)?;
            if !same_to_the_microsecond(&lines_a, &to.transcript(id).await.map_err(CopyError::Target)?) {
                return differ(format!("the transcript of ticket {id}"));
            }
        }
    }
    let mut after = None;
    loop {
        let a = from.applications_after(after, PAGE).await.map_err(CopyError::Source)?;
        let b = to.applications_after(after, PAGE).await.map_err(CopyError::Target)?;
        if a.len() != b.len() {
            return differ("the list of applications".to_owned());
        }
        let Some(last) = a.last() else { break };
        after = Some(last.id);
        let strip = |list: Vec<crate::Application>| -> Vec<crate::Application> {
            list.into_iter().map(|a| crate::Application { version: 0, ..a }).collect()
        };
        if !same_to_the_microsecond(&strip(a), &strip(b)) {
            return differ(format!("the applications up to {}", after.map_or(0, |id| id.get())));
        }
    }
    compare_effects(from, to).await
}

/// Effects compare by place, chain, what they do, retry state and dead mark: their ids are new.
async fn compare_effects(from: &dyn StoreExport, to: &dyn StoreExport) -> Result<(), CopyError> {
    fn comparable(e: &ExportedEffect) -> (ChainKey, &Effect, Option<(u32, OffsetDateTime)>, bool) {
        let retry = retry_of(e.pending.id, &e.pending).map(|r| (r.attempts, r.not_before));
        (e.pending.chain, &e.pending.effect, retry, e.dead)
    }
    let (mut after_a, mut after_b, mut place) = (None, None, 0_u64);
    loop {
        let a = from.effects_after(after_a, PAGE).await.map_err(CopyError::Source)?;
        let b = to.effects_after(after_b, PAGE).await.map_err(CopyError::Target)?;
        if a.len() != b.len() {
            return Err(CopyError::Mismatch("the list of outbox effects".to_owned()));
        }
        let (Some(last_a), Some(last_b)) = (a.last(), b.last()) else { return Ok(()) };
        (after_a, after_b) = (Some(last_a.pending.id), Some(last_b.pending.id));
        for (a, b) in a.iter().zip(&b) {
            place += 1;
            if !same_to_the_microsecond(&comparable(a), &comparable(b)) {
                return Err(CopyError::Mismatch(format!("outbox effect number {place} (source id {})", a.pending.id)));
            }
        }
    }
}

/// Whether two records are the same once every time in them is cut to the microsecond: what a copy into Postgres
/// keeps. Times are found as serde writes them: RFC 3339 strings, and `time`'s own nine-number form (year, day of
/// the year, hour, minute, second, nanosecond, offset hours, minutes, seconds).
pub fn same_to_the_microsecond<T: Serialize>(a: &T, b: &T) -> bool {
    match (serde_json::to_value(a), serde_json::to_value(b)) {
        (Ok(a), Ok(b)) => same_value(&a, &b),
        _ => false,
    }
}

fn same_value(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::String(x), Value::String(y)) => x == y || same_rfc3339(x, y),
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && (x.iter().zip(y).all(|(x, y)| same_value(x, y)) || same_time_numbers(x, y))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len() && x.iter().all(|(key, x)| y.get(key).is_some_and(|y| same_value(x, y)))
        }
        _ => a == b,
    }
}

fn same_rfc3339(a: &str, b: &str) -> bool {
    match (OffsetDateTime::parse(a, &Rfc3339), OffsetDateTime::parse(b, &Rfc3339)) {
        (Ok(a), Ok(b)) => micros(a) == micros(b),
        _ => false,
    }
}

fn micros(t: OffsetDateTime) -> i128 {
    t.unix_timestamp_nanos().div_euclid(1000)
}

/// `time`'s serde form of an `OffsetDateTime`: nine integers in their ranges; the same when only the nanoseconds
/// (the sixth) differ, and not by a whole microsecond.
fn same_time_numbers(a: &[Value], b: &[Value]) -> bool {
    const LIMITS: [(i64, i64); 9] =
        [(-9999, 9999), (1, 366), (0, 23), (0, 59), (0, 60), (0, 999_999_999), (-25, 25), (-59, 59), (-59, 59)];
    let numbers = |list: &[Value]| -> Option<Vec<i64>> {
        let n: Vec<i64> = list.iter().map(Value::as_i64).collect::<Option<_>>()?;
        (n.len() == 9 && n.iter().zip(LIMITS).all(|(v, (lo, hi))| (lo..=hi).contains(v))).then_some(n)
    };
    match (numbers(a), numbers(b)) {
        (Some(a), Some(b)) => (0..9).all(|i| if i == 5 { a[i] / 1000 == b[i] / 1000 } else { a[i] == b[i] }),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use time::macros::datetime;

    use super::*;

    #[test]
    fn records_are_the_same_to_the_microsecond() {
        let t = datetime!(2026-11-20 12:00:00.123_456_789 UTC);
        let cut = datetime!(2026-11-20 12:00:00.123_456 UTC);
        let later = datetime!(2026-11-20 12:00:00.123_457 UTC);
        assert!(same_to_the_microsecond(&t, &cut), "time's own form");
        assert!(!same_to_the_microsecond(&t, &later), "a whole microsecond apart");
        #[derive(Serialize)]
        struct Line {
            #[serde(with = "time::serde::rfc3339")]
            at: OffsetDateTime,
            text: &'static str,
        }
        assert!(same_to_the_microsecond(&Line { at: t, text: "a" }, &Line { at: cut, text: "a" }), "RFC 3339");
        assert!(!same_to_the_microsecond(&Line { at: t, text: "a" }, &Line { at: later, text: "a" }));
        assert!(!same_to_the_microsecond(&Line { at: t, text: "a" }, &Line { at: t, text: "b" }), "other fields");
        // Nine numbers that are no time are compared exactly.
        let ids = [2026_i64, 341, 22, 16, 21, 378_968_054, 0, 0, 100];
        let other = [2026_i64, 341, 22, 16, 21, 378_968_999, 0, 0, 100];
        assert!(!same_to_the_microsecond(&ids, &other), "the last number is out of an offset's range");
        assert!(!same_to_the_microsecond(&vec![1, 2], &vec![1, 2, 3]));
    }
}
