//! [`App`]: starts and stops the whole system.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use adapter_discord::{BotStopper, DiscordBot, DiscordConfig, DiscordError};
use adapter_xilero::{LinkConfig, LinkConfigError, LinkHandle, LinkServer, RunningLink};
use ticket_core::pid::PidKeyError;
use ticket_core::ports::OffsetZones;
use ticket_core::{Desk, GameLink, NoGameLink, NoProfiles, PidKey, Ports, ProfileDirectory, TicketStore, TimeZones};
use tokio::task::JoinHandle;

use adapter_postgres::{Lease, PostgresError};

use crate::database::{Database, DatabaseConfig, DatabaseError, PostgresSettings};
use crate::run_lock::{RunLock, RunLockError};

/// How long [`App::shutdown`] lets the outbox run before leaving what remains for the next start.
pub const FLUSH_TIMEOUT: Duration = Duration::from_secs(10);

/// How often a standby asks again for the active lease (see [`App::start_with`]).
pub const LEASE_RETRY: Duration = Duration::from_secs(1);

/// What the system needs to start.
#[derive(Debug, Clone)]
pub struct AppConfig {
    /// Where the data is: an SQLite file (created if missing) or a Postgres database.
    pub database: DatabaseConfig,
    /// The deployment secret that makes pids (at least 32 bytes).
    pub pid_secret: Vec<u8>,
    /// How to reach Discord.
    pub discord: DiscordConfig,
    /// The game link, if game servers connect to this bridge.
    pub game_link: Option<LinkConfig>,
    /// The least time between two edits of one permanent record (default [`ticket_core::desk::RECORD_EDIT_QUIET`]).
    pub record_edit_quiet: Duration,
}

/// The optional ports of the desk: RSI lookups and time-zone knowledge. [`Services::default`] has none of the
/// first (`NoProfiles`: lookups say "unavailable") and UTC offsets plus the UK's zone for the second
/// (`OffsetZones`). Give [`App::start_with`] better ones when they exist (the RSI adapter, a full time-zone
/// database).
#[derive(Clone)]
pub struct Services {
    /// RSI citizen and organisation lookups.
    pub profiles: Arc<dyn ProfileDirectory>,
    /// Time zones, for applicants' availability.
    pub zones: Arc<dyn TimeZones>,
}

impl Default for Services {
    fn default() -> Self {
        Self { profiles: Arc::new(NoProfiles), zones: Arc::new(OffsetZones) }
    }
}

impl std::fmt::Debug for Services {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Services").finish_non_exhaustive()
    }
}

impl Services {
    /// With an RSI directory.
    pub fn with_profiles(mut self, profiles: Arc<dyn ProfileDirectory>) -> Self {
        self.profiles = profiles;
        self
    }

    /// With time-zone knowledge.
    pub fn with_zones(mut self, zones: Arc<dyn TimeZones>) -> Self {
        self.zones = zones;
        self
    }
}

/// Why the system could not start.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// The pid secret is unusable.
    #[error("the pid secret: {0}")]
    Secret(#[from] PidKeyError),
    /// The database could not be opened.
    #[error("the database: {0}")]
    Database(#[from] DatabaseError),
    /// The game link configuration is invalid.
    #[error("the game link configuration: {0}")]
    LinkConfig(#[from] LinkConfigError),
    /// The game link could not listen.
    #[error("the game link could not listen: {0}")]
    LinkBind(#[source] std::io::Error),
    /// Discord refused or could not be reached.
    #[error("Discord: {0}")]
    Discord(#[from] DiscordError),
    /// Another process runs on the SQLite file.
    #[error("the database: {0}")]
    RunLock(#[from] RunLockError),
}

/// The running system.
pub struct App {
    desk: Arc<Desk>,
    database: Database,
    store: Arc<dyn TicketStore>,
    /// On Postgres: the active lease, held while running.
    lease: Option<Lease>,
    /// On SQLite: the file's run lock, held while running.
    run_lock: Option<RunLock>,
    link: Option<(LinkHandle, RunningLink)>,
    stopper: BotStopper,
    /// The Discord connection's task; `None` once it has been awaited to its end (by [`App::discord_ended`]).
    bot: Option<JoinHandle<Result<(), DiscordError>>>,
}

impl std::fmt::Debug for App {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("App").field("link", &self.link_addr()).finish_non_exhaustive()
    }
}

impl App {
    /// Opens the database, builds the desk over Discord and the game link, and starts listening to both, with the
    /// default [`Services`].
    pub async fn start(config: AppConfig) -> Result<App, AppError> {
        Self::start_with(config, Services::default()).await
    }

    /// [`App::start`] with these RSI and time-zone services.
    ///
    /// On Postgres, several processes may share the database: only the one holding its active lease runs. This
    /// waits (standing by, asking every [`LEASE_RETRY`]) until it gets the lease, and only then opens the store,
    /// connects to Discord and listens for game servers. A standby's game link does not listen, so map servers
    /// try their next bridge address. Watch [`App::lease_lost`] once running.
    pub async fn start_with(config: AppConfig, services: Services) -> Result<App, AppError> {
        let key = PidKey::new(&config.pid_secret)?;
        let (lease, run_lock) = match &config.database {
            DatabaseConfig::Postgres(pg) => (Some(take_lease(pg).await.map_err(DatabaseError::from)?), None),
            DatabaseConfig::Sqlite(path) => (None, Some(RunLock::take(path)?)),
        };
        let database = Database::open(&config.database).await?;
        let store = database.tickets();
        let link = config.game_link.map(LinkHandle::new).transpose()?;
        let game: Arc<dyn GameLink> = match &link {
            Some(link) => Arc::new(link.clone()),
            None => Arc::new(NoGameLink),
        };
        let tickets = store.clone();
        let Services { profiles, zones } = services;
        let quiet = config.record_edit_quiet;
        let connected = DiscordBot::connect(&config.discord, move |chat| {
            let ports = Ports::new(tickets, chat).with_game(game).with_profiles(profiles).with_zones(zones);
            // The bot's outbox driver runs what the game's records hand off (see `drive_handed_off`).
            Arc::new(Desk::new(ports, key).with_record_edit_quiet(quiet).with_handed_off_game_relay(true))
        })
        .await;
        let mut bot = match connected {
            Ok(bot) => bot,
            Err(error) => {
                database.close().await;
                return Err(error.into());
            }
        };
        let desk = bot.desk().clone();
        let link = match link {
            Some(handle) => match LinkServer::bind(handle.clone(), desk.clone()).await {
                Ok(server) => Some((handle, server.spawn())),
                Err(error) => {
                    database.close().await;
                    return Err(AppError::LinkBind(error));
                }
            },
            None => None,
        };
        let stopper = bot.stopper();
        let bot = tokio::spawn(async move { bot.run().await });
        let app = App { desk, database, store, lease, run_lock, link, stopper, bot: Some(bot) };
        match app.link_addr() {
            Some(addr) => tracing::info!(game_link = %addr, "ticket bot started"),
            None => tracing::info!("ticket bot started (no game link)"),
        }
        Ok(app)
    }

    /// The desk.
    pub fn desk(&self) -> &Arc<Desk> {
        &self.desk
    }

    /// The store.
    pub fn store(&self) -> &Arc<dyn TicketStore> {
        &self.store
    }

    /// The database the store is on.
    pub fn database(&self) -> &Database {
        &self.database
    }

    /// Where the game link listens, if it runs.
    pub fn link_addr(&self) -> Option<SocketAddr> {
        self.link.as_ref().and_then(|(_, running)| running.local_addr())
    }

    /// The game link's state, if it runs.
    pub fn link(&self) -> Option<&LinkHandle> {
        self.link.as_ref().map(|(handle, _)| handle)
    }

    /// Resolves, with why, if this process loses its active lease (its connection to Postgres broke or stopped
    /// answering): another process may be active already, so this one must stop at once, without finishing its
    /// work (the outbox keeps it for the next active process). Never resolves on SQLite. The future borrows
    /// nothing: wait on it beside [`App::discord_ended`].
    pub fn lease_lost(&self) -> impl Future<Output = String> + Send + 'static {
        let watch = self.lease.as_ref().map(Lease::watch);
        async move {
            match watch {
                Some(watch) => watch.await,
                None => std::future::pending().await,
            }
        }
    }

    /// Waits until the Discord connection ends by itself (it only does on a fatal error, such as a token revoked
    /// while running, or privileged intents not enabled for the application). Cancel-safe: use it in a `select!`
    /// beside a shutdown signal, then call [`App::shutdown`] either way.
    pub async fn discord_ended(&mut self) -> Result<(), String> {
        let Some(bot) = self.bot.as_mut() else { return Ok(()) };
        let result = bot.await;
        self.bot = None;
        match result {
            Ok(Ok(())) => Ok(()),
            Ok(Err(error)) => Err(error.to_string()),
            Err(error) => Err(format!("the Discord task failed: {error}")),
        }
    }

    /// Stops the system cleanly, in order:
    ///
    /// 1. the Discord gateway connection: no new clicks, commands or messages (Discord's REST API stays usable,
    ///    so work under way still reaches Discord);
    /// 2. the game link: every game server is told `shutting_down`; records already received are still handled;
    /// 3. the outbox: effects that are due run for up to [`FLUSH_TIMEOUT`]; whatever remains (Discord down, an
    ///    effect waiting for its retry time) stays stored and is replayed at the next start;
    /// 4. the database: queued writes finish and the write-ahead log is folded back into the file.
    pub async fn shutdown(self) {
        let App { desk, database, store, lease, run_lock, link, stopper, bot } = self;
        stopper.stop().await;
        if let Some(bot) = bot {
            match bot.await {
                Ok(Ok(())) => {}
                Ok(Err(error)) => tracing::warn!(%error, "the Discord connection ended with an error"),
                Err(error) => tracing::warn!(%error, "the Discord task failed"),
            }
        }
        if let Some((_, running)) = link {
            running.shutdown().await;
        }
        match tokio::time::timeout(FLUSH_TIMEOUT, desk.resume()).await {
            Ok(Ok(report)) if report.pending_after > 0 => {
                tracing::info!(left = report.pending_after, "outbox: effects left for the next start")
            }
            Ok(Ok(_)) => {}
            Ok(Err(error)) => tracing::warn!(%error, "outbox: could not flush; it is replayed at the next start"),
            Err(_) => tracing::warn!("outbox: flushing took too long; the rest is replayed at the next start"),
        }
        drop(store);
        database.close().await;
        // Only once the file is closed may another process run on it.
        drop(run_lock);
        if let Some(lease) = lease {
            // At once, so that a standby takes over without waiting for this process to end.
            lease.release().await;
        }
        tracing::info!("ticket bot stopped");
    }
}

/// Takes the active lease of the Postgres database, standing by until it is free. The first attempt's failure (the
/// database unreachable, a bad password) is an error; later ones are logged and tried again.
async fn take_lease(pg: &PostgresSettings) -> Result<Lease, PostgresError> {
    let options = pg.options();
    let mut first = true;
    let mut said_standby = false;
    loop {
        match options.try_lease(&pg.url).await {
            Ok(Some(lease)) => {
                tracing::info!(schema = %pg.schema, "active: this instance holds the database's lease");
                return Ok(lease);
            }
            Ok(None) if !said_standby => {
                tracing::info!(
                    schema = %pg.schema,
                    "standing by: another ticket-bot is active on this database; taking over when it stops"
                );
                said_standby = true;
            }
            Ok(None) => {}
            Err(error) if first => return Err(error),
            Err(error) => tracing::warn!(%error, "standing by: cannot ask the database for the lease; trying again"),
        }
        first = false;
        tokio::time::sleep(LEASE_RETRY).await;
    }
}
