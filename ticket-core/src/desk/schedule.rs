//! When the outbox wants to run again: effects put off to a later time, and the quiet time between record edits.
//!
//! The desk has no timer of its own (it is driven, like a protocol state machine): it says when something is due
//! ([`Desk::next_due`]) and rings [`Desk::rescheduled`] when that changes, and the shell sleeps accordingly and
//! calls [`Desk::resume`].

use std::future::Future;
use std::time::Duration;

use time::OffsetDateTime;

use crate::id::ApplicationId;

use super::{Desk, DeskError};

impl Desk {
    /// How long until the earliest effect put off to a later time (a retry, a held record edit) or the earliest
    /// ticket clock (a close request, an inactivity warning or close) is due; zero if it is overdue, `None` when
    /// nothing waits for a time.
    pub async fn next_due(&self) -> Result<Option<Duration>, DeskError> {
        let now = self.ports.clock.now();
        let pending = self.ports.store.pending_effects(None).await?;
        let ticket = self.ports.store.next_ticket_due().await?;
        let soonest = pending.iter().filter_map(|p| p.not_before).chain(ticket).min();
        Ok(soonest.map(|due| (due - now).try_into().unwrap_or_default()))
    }

    /// Completes once an effect is put off to a later time after this call: a driver sleeping until
    /// [`Desk::next_due`] should ask again. Take it *before* asking, so nothing falls between.
    pub fn rescheduled(&self) -> impl Future<Output = ()> + Send + Unpin + 'static {
        self.rescheduled.listen()
    }

    /// Wakes whoever waits on [`Desk::rescheduled`].
    pub(super) fn ring_rescheduled(&self) {
        self.rescheduled.notify(usize::MAX);
    }

    /// The time before which `app`'s record must not be edited again, if that is still to come.
    pub(super) fn record_quiet_until(&self, app: ApplicationId, now: OffsetDateTime) -> Option<OffsetDateTime> {
        let last = *self.record_edits_lock().get(&app)?;
        let until = last + self.record_edit_quiet;
        (until > now).then_some(until)
    }

    /// Notes that `app`'s record was posted or edited at `now`; forgets edits whose quiet time is over.
    pub(super) fn note_record_edit(&self, app: ApplicationId, now: OffsetDateTime) {
        let mut edits = self.record_edits_lock();
        let quiet = self.record_edit_quiet;
        edits.retain(|_, at| *at + quiet > now);
        edits.insert(app, now);
    }

    fn record_edits_lock(&self) -> std::sync::MutexGuard<'_, std::collections::HashMap<ApplicationId, OffsetDateTime>> {
        // Plain inserts and reads under the lock; a panic elsewhere cannot leave the map torn.
        self.record_edits.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}
