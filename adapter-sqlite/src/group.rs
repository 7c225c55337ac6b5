//! Group commit: commits that queue up while the writer thread is busy are written together, in one transaction
//! and so with one fsync, each inside its own savepoint.
//!
//! A caller puts its commit in [`GroupCommit`]'s queue and then a drain job in the writer's job queue. The first
//! drain job to run takes up to [`MAX_GROUP`] waiting commits (in arrival order) and writes them; the drain jobs
//! of commits already taken find nothing left to do. A commit that fails (a conflict, a missing ticket, a
//! constraint) is rolled back to its savepoint alone and answered with its own error while the others land. Every
//! caller is answered only once the shared `COMMIT` has returned, so with `synchronous = FULL` no caller hears of a
//! commit that is not on disk yet. If the group fails as a whole (`BEGIN` or `COMMIT` fails, or SQLite rolls the
//! whole transaction back itself, as it may on a full disk), its commits are written again one by one, each in
//! its own transaction, so that each caller still gets its own answer.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use rusqlite::{Connection, TransactionBehavior};
use ticket_core::EffectId;
use ticket_core::ports::{Commit, StoreError};
use tokio::sync::oneshot;

use crate::worker::Pool;
use crate::{SqliteError, commit};

/// The most commits written in one transaction: enough to share an fsync among many callers, few enough that the
/// first of them does not wait long for the last.
pub(crate) const MAX_GROUP: usize = 64;

/// What a commit's caller gets back.
type Outcome = Result<Vec<EffectId>, StoreError>;

/// A commit waiting for the writer.
struct Waiting {
    /// Its place in the queue, to take it back if no drain job can be queued for it.
    ticket: u64,
    commit: Commit,
    answer: oneshot::Sender<Outcome>,
}

#[derive(Default)]
struct Queue {
    waiting: VecDeque<Waiting>,
    next_ticket: u64,
}

/// The commits waiting for the writer thread, and how many transactions wrote them.
#[derive(Default)]
pub(crate) struct GroupCommit {
    queue: Mutex<Queue>,
    transactions: AtomicU64,
}

impl GroupCommit {
    fn lock(&self) -> MutexGuard<'_, Queue> {
        // Every critical section is a push, a drain or a removal that cannot panic half-way: a poisoned lock still
        // guards a consistent queue.
        self.queue.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Saves `commit` on `writer`'s connection, together with whatever other commits are waiting then; returns the
    /// ids given to its enqueued effects once they are durable.
    pub(crate) async fn commit(self: &Arc<Self>, writer: &Pool, commit: Commit) -> Outcome {
        let (answer, answered) = oneshot::channel();
        let ticket = {
            let mut queue = self.lock();
            let ticket = queue.next_ticket;
            queue.next_ticket += 1;
            queue.waiting.push_back(Waiting { ticket, commit, answer });
            ticket
        };
        let group = Arc::clone(self);
        if let Err(stopped) = writer.submit(move |conn| group.drain(conn)) {
            // No drain job will come for it: take it back, unless an earlier one already took it (its answer comes).
            let mut queue = self.lock();
            if let Some(at) = queue.waiting.iter().position(|w| w.ticket == ticket) {
                queue.waiting.remove(at);
                return Err(stopped.into());
            }
        }
        // A dropped answer means the writer thread panicked while writing the group: it was rolled back.
        answered.await.map_err(|_| SqliteError::Stopped)?
    }

    /// Writes up to [`MAX_GROUP`] waiting commits and answers their callers. Runs on the writer thread.
    fn drain(&self, conn: &mut Connection) {
        let group: Vec<Waiting> = {
            let mut queue = self.lock();
            let n = queue.waiting.len().min(MAX_GROUP);
            queue.waiting.drain(..n).collect()
        };
        if group.is_empty() {
            return;
        }
        let commits: Vec<&Commit> = group.iter().map(|w| &w.commit).collect();
        let outcomes = self.write(conn, &commits);
        for (waiting, outcome) in group.into_iter().zip(outcomes) {
            // The caller may have stopped waiting (its future was dropped); its commit is written either way.
            let _ = waiting.answer.send(outcome);
        }
    }

    /// Writes `commits` in order, in one transaction if there are several; returns each one's outcome once the
    /// transaction is committed.
    fn write(&self, conn: &mut Connection, commits: &[&Commit]) -> Vec<Outcome> {
        if let [single] = commits {
            if !single.is_empty() {
                self.transactions.fetch_add(1, Ordering::Relaxed);
            }
            return vec![commit::run(conn, single)];
        }
        self.transactions.fetch_add(1, Ordering::Relaxed);
        match together(conn, commits) {
            Ok(outcomes) => outcomes,
            Err(e) => {
                tracing::warn!(error = %e, commits = commits.len(), "a group commit failed; writing its commits one by one");
                self.transactions.fetch_add(commits.len() as u64, Ordering::Relaxed);
                commits.iter().map(|c| commit::run(conn, c)).collect()
            }
        }
    }

    /// How many transactions wrote commits so far.
    #[cfg(test)]
    pub(crate) fn transactions(&self) -> u64 {
        self.transactions.load(Ordering::Relaxed)
    }

    /// How many commits wait for the writer.
    #[cfg(test)]
    pub(crate) fn waiting(&self) -> usize {
        self.lock().waiting.len()
    }
}

/// Writes `commits` in one transaction, each in its own savepoint; the outcome of each, or the failure of the
/// whole transaction (then nothing of it was written).
fn together(conn: &mut Connection, commits: &[&Commit]) -> Result<Vec<Outcome>, StoreError> {
    // IMMEDIATE: take the write lock first, so that what each commit checks cannot change before it is written.
    let mut tx = conn.transaction_with_behavior(TransactionBehavior::Immediate).map_err(SqliteError::from)?;
    let mut outcomes = Vec::with_capacity(commits.len());
    for commit in commits {
        let savepoint = tx.savepoint().map_err(SqliteError::from)?;
        match commit::write(&savepoint, commit) {
            Ok(ids) => {
                savepoint.commit().map_err(SqliteError::from)?;
                outcomes.push(Ok(ids));
            }
            // SQLite rolled the whole transaction back itself (it may on a full disk or an I/O error): the commits
            // before this one are gone too.
            Err(e) if savepoint.is_autocommit() => return Err(e),
            Err(e) => {
                // Rolls back to the savepoint and releases it: the commits before this one stay.
                savepoint.finish().map_err(SqliteError::from)?;
                outcomes.push(Err(e));
            }
        }
    }
    tx.commit().map_err(SqliteError::from)?;
    Ok(outcomes)
}

#[cfg(test)]
mod tests {
    use std::sync::mpsc;

    use ticket_core::conformance::sample_support;
    use ticket_core::{ChainKey, Effect, TicketId};

    use super::*;
    use crate::worker::Opener;
    use crate::{outbox, tickets};

    struct Writer {
        pool: Pool,
        group: Arc<GroupCommit>,
    }

    impl Writer {
        fn start() -> Self {
            let open: Arc<Opener> = Arc::new(|| {
                let mut conn = Connection::open_in_memory()?;
                crate::migrations::migrate(&mut conn)?;
                Ok(conn)
            });
            let pool = pollster::block_on(Pool::start("test-writer", 1, open)).unwrap();
            Self { pool, group: Arc::default() }
        }

        /// Holds the writer thread until the returned sender is dropped or sent to.
        fn block(&self) -> mpsc::Sender<()> {
            let (release, blocked) = mpsc::channel::<()>();
            self.pool
                .submit(move |_| {
                    let _ = blocked.recv();
                })
                .unwrap();
            release
        }

        /// Waits until `n` commits are queued (the writer being blocked, they stay queued).
        fn await_waiting(&self, n: usize) {
            while self.group.waiting() < n {
                std::thread::yield_now();
            }
        }

        fn commit(&self, commit: Commit) -> Outcome {
            pollster::block_on(self.group.commit(&self.pool, commit))
        }

        fn read<R: Send + 'static>(&self, read: impl FnOnce(&mut Connection) -> R + Send + 'static) -> R {
            pollster::block_on(self.pool.call(read)).unwrap()
        }
    }

    fn opening(id: u64) -> Commit {
        let chain = ChainKey::Ticket(TicketId::new(id));
        Commit {
            tickets: vec![sample_support(id, 1, 100 + id)],
            enqueue: vec![
                (chain, Effect::AllowRole { ticket: TicketId::new(id), role: ticket_core::RoleId::new(1) }),
                (chain, Effect::DeleteTicketChannel { ticket: TicketId::new(id) }),
            ],
            ..Commit::default()
        }
    }

    /// Queues `commits` in this order while the writer is blocked, then lets it go; their outcomes, in order.
    fn queued_together(writer: &Writer, commits: Vec<Commit>) -> Vec<Outcome> {
        let release = writer.block();
        std::thread::scope(|scope| {
            let mut callers = Vec::new();
            for (n, commit) in commits.into_iter().enumerate() {
                callers.push(scope.spawn(move || writer.commit(commit)));
                writer.await_waiting(n + 1);
            }
            release.send(()).unwrap();
            callers.into_iter().map(|caller| caller.join().unwrap()).collect()
        })
    }

    #[test]
    fn commits_queued_while_the_writer_is_busy_share_one_transaction() {
        let writer = Writer::start();
        let outcomes = queued_together(&writer, (1..=10).map(opening).collect());
        assert_eq!(writer.group.transactions(), 1, "ten queued commits, one transaction");
        let ids: Vec<Vec<EffectId>> = outcomes.into_iter().map(Result::unwrap).collect();
        let flat: Vec<u64> = ids.iter().flatten().map(|id| id.get()).collect();
        assert_eq!(flat, (1..=20).collect::<Vec<_>>(), "effect ids in queue order, none skipped or shared");
        let stored = writer.read(|conn| tickets::get(conn, TicketId::new(10)).unwrap());
        assert_eq!(stored.map(|t| t.version), Some(1), "the last commit of the group landed");
    }

    #[test]
    fn a_group_holds_at_most_max_group_commits() {
        let writer = Writer::start();
        let n = MAX_GROUP as u64 + 6;
        let outcomes = queued_together(&writer, (1..=n).map(opening).collect());
        assert!(outcomes.iter().all(Result::is_ok), "{outcomes:?}");
        assert_eq!(writer.group.transactions(), 2, "{MAX_GROUP} commits, then the other 6");
        assert_eq!(writer.read(|conn| outbox::pending(conn, None).unwrap().len()), 2 * n as usize);
    }

    #[test]
    fn a_failing_commit_is_rolled_back_alone_and_gets_its_own_error() {
        let writer = Writer::start();
        writer.commit(opening(1)).unwrap();
        // Fails while writing, after its ticket and effects are written: only its savepoint is rolled back.
        let mut amends_a_ghost = opening(3);
        amends_a_ghost.amend = vec![(EffectId::new(999), Effect::DeleteTicketChannel { ticket: TicketId::new(3) })];
        // Fails its checks: ticket 1 exists already.
        let stale = Commit { tickets: vec![sample_support(1, 1, 101)], ..Commit::default() };
        let missing = Commit {
            transcript: vec![ticket_core::ports::TranscriptEntry::line(
                TicketId::new(77),
                ticket_core::conformance::T0,
                ticket_core::ports::TranscriptAuthor::System,
                "x",
            )],
            ..Commit::default()
        };
        let outcomes = queued_together(&writer, vec![opening(2), amends_a_ghost, stale, missing, opening(4)]);
        assert_eq!(writer.group.transactions(), 2, "the first commit, then one group");
        let [two, ghost, stale, missing, four] = &outcomes[..] else { panic!("{outcomes:?}") };
        assert!(matches!(ghost, Err(StoreError::Conflict)), "{ghost:?}");
        assert!(matches!(stale, Err(StoreError::Conflict)), "{stale:?}");
        assert!(matches!(missing, Err(StoreError::Missing { what: "ticket", id: 77 })), "{missing:?}");
        let (two, four) = (two.as_ref().unwrap(), four.as_ref().unwrap());
        assert!(two.last() < four.first(), "later commits get later ids: {two:?} {four:?}");
        let (ticket3, ticket1, pending) = writer.read(|conn| {
            let t3 = tickets::get(conn, TicketId::new(3)).unwrap();
            let t1 = tickets::get(conn, TicketId::new(1)).unwrap();
            (t3, t1, outbox::pending(conn, None).unwrap())
        });
        assert_eq!(ticket3, None, "the failed commit's ticket was rolled back");
        assert_eq!(ticket1.map(|t| t.version), Some(1), "the stale commit wrote nothing");
        let chains: Vec<u64> = pending
            .iter()
            .map(|p| match p.chain {
                ChainKey::Ticket(t) => t.get(),
                ChainKey::Guild(g) => panic!("unexpected chain of guild {g:?}"),
            })
            .collect();
        assert_eq!(chains, vec![1, 1, 2, 2, 4, 4], "the effects of the commits that landed, in order");
    }

    #[test]
    fn a_commit_left_queued_by_a_stopped_writer_is_taken_back() {
        let writer = Writer::start();
        pollster::block_on(writer.pool.stop());
        let outcome = writer.commit(opening(1));
        assert!(matches!(&outcome, Err(StoreError::Backend(e)) if e.to_string().contains("stopped")), "{outcome:?}");
        assert_eq!(writer.group.waiting(), 0, "nothing is left in the queue");
    }
}
