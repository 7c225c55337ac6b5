//! The threads that own the SQLite connections. Async callers hand them a closure over a channel and await the
//! answer on a oneshot, so blocking SQLite calls (disk I/O, fsync, waiting for a lock) never run on an async
//! runtime's worker threads. Works under any executor: nothing here needs a tokio runtime.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::mpsc::{self, Receiver, Sender};
use std::sync::{Arc, Mutex, MutexGuard};

use rusqlite::Connection;
use tokio::sync::oneshot;

use crate::SqliteError;

type Job = Box<dyn FnOnce(&mut Connection) + Send>;

/// Opens a connection, on the thread that will own it.
pub(crate) type Opener = dyn Fn() -> Result<Connection, SqliteError> + Send + Sync;

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    // Every critical section here is a plain move or a channel call that cannot panic half-way: a poisoned lock
    // still guards consistent data.
    mutex.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// One or more threads, each owning a connection, taking jobs from one queue in order.
pub(crate) struct Pool {
    jobs: Mutex<Option<Sender<Job>>>,
    exits: Mutex<Vec<oneshot::Receiver<()>>>,
}

impl Pool {
    /// Starts `threads` threads named `name`, each opening its connection with `open`; returns once every one is
    /// ready, or with the first one's failure.
    pub(crate) async fn start(name: &str, threads: usize, open: Arc<Opener>) -> Result<Self, SqliteError> {
        let (tx, rx) = mpsc::channel::<Job>();
        let rx = Arc::new(Mutex::new(rx));
        let pool = Self { jobs: Mutex::new(Some(tx)), exits: Mutex::new(Vec::new()) };
        for n in 0..threads {
            let (ready_tx, ready_rx) = oneshot::channel();
            let (exit_tx, exit_rx) = oneshot::channel();
            let (open, rx) = (Arc::clone(&open), Arc::clone(&rx));
            std::thread::Builder::new()
                .name(format!("{name}-{n}"))
                .spawn(move || serve(&*open, &rx, ready_tx, exit_tx))
                .map_err(SqliteError::Spawn)?;
            lock(&pool.exits).push(exit_rx);
            ready_rx.await.map_err(|_| SqliteError::Stopped)??;
        }
        Ok(pool)
    }

    /// Runs `job` on one of the pool's connections and returns what it returned.
    pub(crate) async fn call<R, F>(&self, job: F) -> Result<R, SqliteError>
    where
        F: FnOnce(&mut Connection) -> R + Send + 'static,
        R: Send + 'static,
    {
        let (tx, rx) = oneshot::channel();
        self.submit(move |conn| {
            // The caller may have stopped waiting (its future was dropped); the work is done either way.
            let _ = tx.send(job(conn));
        })?;
        rx.await.map_err(|_| SqliteError::Stopped)
    }

    /// Queues `job` for one of the pool's connections without waiting for it; fails once the pool is stopped.
    pub(crate) fn submit<F>(&self, job: F) -> Result<(), SqliteError>
    where
        F: FnOnce(&mut Connection) + Send + 'static,
    {
        let job: Job = Box::new(job);
        lock(&self.jobs).as_ref().ok_or(SqliteError::Stopped)?.send(job).map_err(|_| SqliteError::Stopped)
    }

    /// Lets the threads finish the jobs already queued, close their connections and end; waits for them.
    /// Later calls fail with [`SqliteError::Stopped`].
    pub(crate) async fn stop(&self) {
        lock(&self.jobs).take();
        let exits = std::mem::take(&mut *lock(&self.exits));
        for exit in exits {
            // An error only means the thread ended without saying so; it has ended all the same.
            let _ = exit.await;
        }
    }
}

fn serve(
    open: &Opener,
    jobs: &Mutex<Receiver<Job>>,
    ready: oneshot::Sender<Result<(), SqliteError>>,
    exit: oneshot::Sender<()>,
) {
    let mut conn = match open() {
        Ok(conn) => conn,
        Err(e) => {
            let _ = ready.send(Err(e));
            return;
        }
    };
    let _ = ready.send(Ok(()));
    loop {
        // Holding the lock while waiting is the point: one idle thread waits for the next job, the others for
        // the lock.
        let next = lock(jobs).recv();
        let Ok(job) = next else { break };
        if catch_unwind(AssertUnwindSafe(|| job(&mut conn))).is_err() {
            tracing::error!("a database request panicked; its transaction is rolled back");
            if !conn.is_autocommit() {
                if let Err(e) = conn.execute_batch("ROLLBACK") {
                    tracing::error!(error = %e, "rollback after a panic failed");
                }
            }
        }
    }
    if let Err((_, e)) = conn.close() {
        tracing::warn!(error = %e, "closing a database connection failed");
    }
    let _ = exit.send(());
}

#[cfg(test)]
mod tests {
    use super::*;

    fn memory() -> Arc<Opener> {
        Arc::new(|| Ok(Connection::open_in_memory()?))
    }

    #[test]
    fn jobs_run_on_the_pool_thread_and_return_their_result() {
        pollster::block_on(async {
            let pool = Pool::start("test-db", 1, memory()).await.unwrap();
            let (sum, thread) = pool
                .call(|conn| {
                    let sum: i64 = conn.query_row("SELECT 40 + 2", [], |r| r.get(0)).unwrap();
                    (sum, std::thread::current().name().map(str::to_owned))
                })
                .await
                .unwrap();
            assert_eq!((sum, thread.as_deref()), (42, Some("test-db-0")));
        });
    }

    #[test]
    fn a_panicking_job_rolls_back_and_the_thread_carries_on() {
        pollster::block_on(async {
            let pool = Pool::start("test-db", 1, memory()).await.unwrap();
            pool.call(|conn| conn.execute_batch("CREATE TABLE t (x INTEGER)").unwrap()).await.unwrap();
            let failed = pool
                .call(|conn| {
                    conn.execute_batch("BEGIN; INSERT INTO t VALUES (1);").unwrap();
                    panic!("boom");
                })
                .await;
            assert!(matches!(failed, Err(SqliteError::Stopped)));
            let rows: i64 =
                pool.call(|conn| conn.query_row("SELECT count(*) FROM t", [], |r| r.get(0))).await.unwrap().unwrap();
            assert_eq!(rows, 0, "the panicking job's transaction was rolled back");
        });
    }

    #[test]
    fn a_stopped_pool_refuses_work_and_a_failed_open_is_reported() {
        pollster::block_on(async {
            let pool = Pool::start("test-db", 2, memory()).await.unwrap();
            pool.stop().await;
            assert!(matches!(pool.call(|_| ()).await, Err(SqliteError::Stopped)));
            let failing: Arc<Opener> = Arc::new(|| Err(SqliteError::Stopped));
            assert!(matches!(Pool::start("test-db", 1, failing).await, Err(SqliteError::Stopped)));
        });
    }
}
