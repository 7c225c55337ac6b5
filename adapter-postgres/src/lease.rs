//! [`Lease`]: which of several processes sharing one schema is the active one.
//!
//! The lease is a session-level advisory lock (`pg_try_advisory_lock`) taken on a connection of its own, outside the
//! pool. Postgres holds it for exactly as long as that session lives: a process that stops, crashes or is killed
//! (`kill -9`) loses its connection and so its lease at once, and a standby that asks again takes it over. No row is
//! written and nothing needs cleaning up.
//!
//! The holder must stop acting as soon as [`Lease::lost`] resolves: its connection broke or stopped answering, and
//! the server may already have given the lease to another process. The lease connection is checked every
//! [`CHECK_EVERY`]; a check that gets no answer within [`CHECK_TIMEOUT`] counts as lost.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::watch;
use tokio::task::JoinHandle;
use tokio_postgres::Client;

use crate::PostgresError;
use crate::connect::ConnectOptions;

/// How often the holder checks that its lease connection still answers.
pub const CHECK_EVERY: Duration = Duration::from_secs(1);
/// How long a check may take before the lease counts as lost.
pub const CHECK_TIMEOUT: Duration = Duration::from_secs(5);

/// The active lease of one schema, held until dropped, [released](Lease::release) or [lost](Lease::lost).
pub struct Lease {
    client: Arc<Client>,
    key: String,
    lost: watch::Receiver<Option<String>>,
    tasks: Vec<JoinHandle<()>>,
}

impl std::fmt::Debug for Lease {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Lease").field("key", &self.key).finish_non_exhaustive()
    }
}

/// The lock's name for `schema` (hashed to the advisory lock's 64-bit key by the server).
fn key_of(schema: &str) -> String {
    format!("ticket-bot active {schema}")
}

impl ConnectOptions {
    /// Tries once to take the active lease of the schema at `url` (the schema need not exist yet): `Ok(None)` when
    /// another session holds it.
    pub async fn try_lease(&self, url: &str) -> Result<Option<Lease>, PostgresError> {
        let (lost_tx, lost) = watch::channel(None);
        let (client, connection) = self.session(url).await?;
        let watcher = tokio::spawn({
            let lost_tx = lost_tx.clone();
            async move {
                let why = match connection.await {
                    Ok(()) => "the database closed the lease connection".to_owned(),
                    Err(error) => format!("the lease connection failed: {error}"),
                };
                lost_tx.send_replace(Some(why));
            }
        });
        let key = key_of(&self.schema_name());
        let row = client.query_one("SELECT pg_try_advisory_lock(hashtextextended($1, 0))", &[&key]).await?;
        let held: bool = row.try_get(0)?;
        if !held {
            watcher.abort();
            return Ok(None);
        }
        let client = Arc::new(client);
        let checker = tokio::spawn(check(client.clone(), lost_tx));
        Ok(Some(Lease { client, key, lost, tasks: vec![watcher, checker] }))
    }
}

/// Checks the lease connection every [`CHECK_EVERY`] until it fails or does not answer in [`CHECK_TIMEOUT`].
async fn check(client: Arc<Client>, lost: watch::Sender<Option<String>>) {
    let mut every = tokio::time::interval(CHECK_EVERY);
    every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        every.tick().await;
        if lost.borrow().is_some() {
            return;
        }
        let why = match tokio::time::timeout(CHECK_TIMEOUT, client.simple_query("SELECT 1")).await {
            Ok(Ok(_)) => continue,
            Ok(Err(error)) => format!("the lease connection failed a check: {error}"),
            Err(_) => format!("the lease connection did not answer within {} s", CHECK_TIMEOUT.as_secs()),
        };
        lost.send_replace(Some(why));
        return;
    }
}

impl Lease {
    /// Resolves, with why, once the lease is lost: the holder must stop acting at once.
    pub async fn lost(&self) -> String {
        self.watch().await
    }

    /// [`Lease::lost`] as a future of its own, which borrows nothing (to wait beside other uses of the holder).
    pub fn watch(&self) -> impl Future<Output = String> + Send + 'static {
        let mut lost = self.lost.clone();
        async move {
            match lost.wait_for(Option::is_some).await {
                Ok(why) => why.clone().unwrap_or_default(),
                // The senders live in the tasks this lease owns: gone only once the lease was dropped.
                Err(_) => "the lease was given up".to_owned(),
            }
        }
    }

    /// Whether the lease is known to be lost.
    pub fn is_lost(&self) -> bool {
        self.lost.borrow().is_some()
    }

    /// Gives the lease up at once (a standby can take it over without waiting for this process to end).
    pub async fn release(self) {
        if let Err(error) =
            self.client.query_one("SELECT pg_advisory_unlock(hashtextextended($1, 0))", &[&self.key]).await
        {
            tracing::debug!(%error, "releasing the lease failed; it ends with the connection");
        }
    }
}

impl Drop for Lease {
    fn drop(&mut self) {
        for task in &self.tasks {
            task.abort();
        }
    }
}
