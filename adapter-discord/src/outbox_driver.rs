//! The task that drives the desk's outbox while the bot runs: [`Desk::resume`] every `every`, sooner when an
//! effect waits for an earlier time (a retry after Discord's `retry_after`, a record edit held for its quiet time);
//! and, beside it, the chains the desk hands off (see [`Desk::with_handed_off_game_relay`]), each run on a task of
//! its own as soon as it is handed off.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use ticket_core::Desk;
use tokio::sync::watch;
use tokio::task::{JoinHandle, JoinSet};
use tokio::time::Instant;

/// How long stopping waits for a run of the outbox that is under way before cutting it short (what it did not
/// finish is replayed at the next start).
const STOP_PATIENCE: Duration = Duration::from_secs(10);

/// The driver's task, shared by the handler that starts it and the stopper that waits for it.
#[derive(Clone, Default)]
pub(crate) struct DriverTask(Arc<Mutex<Option<JoinHandle<()>>>>);

impl DriverTask {
    fn lock(&self) -> std::sync::MutexGuard<'_, Option<JoinHandle<()>>> {
        // Only a handle is put in or taken out under the lock; a panic elsewhere cannot leave it torn.
        self.0.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    pub(crate) fn set(&self, task: JoinHandle<()>) {
        *self.lock() = Some(task);
    }

    /// Waits for the driver to end (it was told to stop), so no run of the outbox outlives the bot.
    pub(crate) async fn wait(&self) {
        let Some(mut task) = self.lock().take() else { return };
        if tokio::time::timeout(STOP_PATIENCE, &mut task).await.is_err() {
            tracing::warn!("the outbox run under way took too long to finish; cut short, it resumes at the next start");
            task.abort();
        }
    }
}

/// The least time between two runs, so an overdue effect whose chain another task is running cannot spin us.
const MIN_NAP: Duration = Duration::from_millis(100);

/// Runs until `stopped` turns true. The first run is immediate.
pub(crate) async fn drive_outbox(desk: Arc<Desk>, every: Duration, mut stopped: watch::Receiver<bool>) {
    let handed_off = tokio::spawn(drive_handed_off(desk.clone(), stopped.clone()));
    run_outbox(desk, every, &mut stopped).await;
    // The hand-off driver stops on the same signal; its runs under way finish first.
    let _ = handed_off.await;
}

async fn run_outbox(desk: Arc<Desk>, every: Duration, stopped: &mut watch::Receiver<bool>) {
    let mut last_run: Option<Instant> = None;
    loop {
        // Listen before asking, so an effect put off between the two still wakes us.
        let rescheduled = desk.rescheduled();
        let regular = last_run.map_or_else(Instant::now, |at| at + every);
        let next = match desk.next_due().await {
            Ok(Some(due)) => regular.min(Instant::now() + due.max(MIN_NAP)),
            Ok(None) => regular,
            Err(error) => {
                tracing::warn!(%error, "cannot read when the outbox is next due; trying again at the regular time");
                regular
            }
        };
        tokio::select! {
            _ = tokio::time::sleep_until(next) => {}
            _ = rescheduled => continue,
            // The bot was stopped (or dropped): the next start resumes what is left.
            _ = stopped.wait_for(|s| *s) => return,
        }
        if let Err(error) = desk.resume().await {
            tracing::warn!(%error, "resuming the outbox failed; will try again");
        }
        last_run = Some(Instant::now());
    }
}

/// How many handed-off chains run at once. Beyond it, chains wait in the desk's hand-off list (a few bytes each) rather
/// than as tasks holding their effects and requests: a burst of thousands of tickets would otherwise hold them all in
/// memory at once, and the allocator keeps the peak.
const CHAINS_AT_ONCE: usize = 64;

/// Runs each chain the desk hands off on a task of its own, until `stopped` turns true; then waits for the runs under
/// way.
async fn drive_handed_off(desk: Arc<Desk>, mut stopped: watch::Receiver<bool>) {
    let mut running = JoinSet::new();
    let room = Arc::new(tokio::sync::Semaphore::new(CHAINS_AT_ONCE));
    loop {
        // Listen before taking, so a chain handed off between the two still wakes us.
        let handed_off = desk.handed_off();
        for chain in desk.take_handed_off() {
            // The semaphore is never closed, so acquiring only waits.
            let Ok(permit) = room.clone().acquire_owned().await else { return };
            let desk = desk.clone();
            running.spawn(async move {
                desk.run_chain(chain).await;
                drop(permit);
            });
        }
        while running.try_join_next().is_some() {}
        tokio::select! {
            _ = handed_off => {}
            _ = stopped.wait_for(|s| *s) => break,
        }
    }
    while running.join_next().await.is_some() {}
}
