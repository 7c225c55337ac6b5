//! [`App`]: starts and stops the whole system.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use adapter_discord::{DiscordBot, DiscordConfig, DiscordError, ShardManager};
use adapter_sqlite::{SqliteError, SqliteStore};
use adapter_xilero::{LinkConfig, LinkConfigError, LinkHandle, LinkServer, RunningLink};
use ticket_core::pid::PidKeyError;
use ticket_core::{Desk, GameLink, NoGameLink, PidKey, Ports, TicketStore};
use tokio::task::JoinHandle;

/// What the system needs to start.
#[derive(Debug, Clone)]
pub struct AppConfig {
    /// The SQLite file (created if missing).
    pub database: PathBuf,
    /// The deployment secret that makes pids (at least 32 bytes).
    pub pid_secret: Vec<u8>,
    /// How to reach Discord.
    pub discord: DiscordConfig,
    /// The game link, if game servers connect to this bridge.
    pub game_link: Option<LinkConfig>,
}

/// Why the system could not start.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// The pid secret is unusable.
    #[error("the pid secret: {0}")]
    Secret(#[from] PidKeyError),
    /// The database could not be opened.
    #[error("the database: {0}")]
    Database(#[from] SqliteError),
    /// The game link configuration is invalid.
    #[error("the game link configuration: {0}")]
    LinkConfig(#[from] LinkConfigError),
    /// The game link could not listen.
    #[error("the game link could not listen: {0}")]
    LinkBind(#[source] std::io::Error),
    /// Discord refused or could not be reached.
    #[error("Discord: {0}")]
    Discord(#[from] DiscordError),
}

/// The running system.
pub struct App {
    desk: Arc<Desk>,
    store: Arc<SqliteStore>,
    link: Option<(LinkHandle, RunningLink)>,
    shards: Arc<ShardManager>,
    bot: JoinHandle<Result<(), DiscordError>>,
}

impl std::fmt::Debug for App {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("App").field("link", &self.link_addr()).finish_non_exhaustive()
    }
}

impl App {
    /// Opens the database, builds the desk over Discord and the game link, and starts listening to both.
    pub async fn start(config: AppConfig) -> Result<App, AppError> {
        let key = PidKey::new(&config.pid_secret)?;
        let store = Arc::new(SqliteStore::open(&config.database).await?);
        let link = config.game_link.map(LinkHandle::new).transpose()?;
        let game: Arc<dyn GameLink> = match &link {
            Some(link) => Arc::new(link.clone()),
            None => Arc::new(NoGameLink),
        };
        let tickets: Arc<dyn TicketStore> = store.clone();
        let mut bot = DiscordBot::connect(&config.discord, move |chat| {
            Arc::new(Desk::new(Ports::new(tickets, chat).with_game(game), key))
        })
        .await?;
        let desk = bot.desk().clone();
        let link = match link {
            Some(handle) => {
                let server = LinkServer::bind(handle.clone(), desk.clone()).await.map_err(AppError::LinkBind)?;
                Some((handle, server.spawn()))
            }
            None => None,
        };
        let shards = bot.shard_manager();
        let bot = tokio::spawn(async move { bot.run().await });
        tracing::info!("ticket bot started");
        Ok(App { desk, store, link, shards, bot })
    }

    /// The desk.
    pub fn desk(&self) -> &Arc<Desk> {
        &self.desk
    }

    /// The store.
    pub fn store(&self) -> &Arc<SqliteStore> {
        &self.store
    }

    /// Where the game link listens, if it runs.
    pub fn link_addr(&self) -> Option<SocketAddr> {
        self.link.as_ref().and_then(|(_, running)| running.local_addr())
    }

    /// The game link's state, if it runs.
    pub fn link(&self) -> Option<&LinkHandle> {
        self.link.as_ref().map(|(handle, _)| handle)
    }

    /// Stops Discord and the game link; effects not yet run stay in the outbox for the next start.
    pub async fn shutdown(self) {
        self.shards.shutdown_all().await;
        match self.bot.await {
            Ok(Ok(())) => {}
            Ok(Err(error)) => tracing::warn!(%error, "the Discord connection ended with an error"),
            Err(error) => tracing::warn!(%error, "the Discord task failed"),
        }
        if let Some((_, running)) = self.link {
            running.shutdown().await;
        }
        tracing::info!("ticket bot stopped");
    }
}
