//! A simulated XileRO map server: it connects out to the bridge (trying several addresses in turn, if it has
//! them), authenticates, keeps the link alive, reconnects with back-off, keeps players online or offline, and
//! shows each player exactly what the in-game spec says.
//!
//! ```no_run
//! # async fn demo() -> Result<(), adapter_xilero::sim::SimError> {
//! use adapter_xilero::Secret;
//! use adapter_xilero::sim::{MapServer, SimConfig};
//! use ticket_core::GameServerId;
//!
//! let config = SimConfig::new("127.0.0.1", 6150, GameServerId::new("xilero").unwrap(), Secret::new("0123456789abcdef"));
//! let (server, mut events) = MapServer::start(config);
//! server.login("Foo").await?;
//! server.request("Foo", "my item vanished").await?; // Foo sees "[RagnaSync Ticket]: my item vanished"
//! while let Some(event) = events.recv().await {
//!     println!("{event}");
//! }
//! # Ok(()) }
//! ```
//!
//! It is a test and demo tool: its event stream is unbounded (drain it), and it keeps no more than
//! [`WIRE_LOG_MAX`] lines of its wire log.

mod actor;
mod rotation;

use std::fmt;
use std::time::Duration;

use ticket_core::relay::{GAME_WHISPER_MAX, GameName};
use ticket_core::strings::{
    GAME_SUPPORT_NAME, GAME_TICKET_CREATED, GAME_TICKET_DISABLED, GAME_TICKET_OFFLINE, game_request_echo,
};
use ticket_core::{AccountId, CharId, GameServerId};
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;

use crate::channels_conf::{CONF_BRIDGE_HOST, ChannelsConf, ConfError, ConfProblem};
use crate::codepage::CodePage;
use crate::protocol::ErrorCode;
use crate::secret::Secret;

/// The most wire lines the simulator remembers.
pub const WIRE_LOG_MAX: usize = 10_000;

/// The longest chat message a player can type, in bytes (rAthena's `CHAT_SIZE_MAX` is 255 + NUL, as for whispers).
pub const CHAT_MAX: usize = GAME_WHISPER_MAX;

/// How the simulated map server reaches the bridge, and how it behaves.
#[derive(Debug, Clone)]
pub struct SimConfig {
    /// The bridge's host (the first address tried).
    pub host: String,
    /// The bridge's port.
    pub port: u16,
    /// More bridge addresses (host, port), tried in turn after the first: several bridge processes may share one
    /// database, and only the active one listens. A failed attempt or a lost link moves on to the next address at
    /// once; the back-off applies after a whole round failed. Empty by default.
    pub more_bridges: Vec<(String, u16)>,
    /// This server's id.
    pub server_id: GameServerId,
    /// The shared secret.
    pub secret: Secret,
    /// `ragnasync_ticket_support_system_enabled`.
    pub ticket_enabled: bool,
    /// `ragnasync_ticket_support_system_close_on_logout`.
    pub close_on_logout: bool,
    /// The first wait before reconnecting; doubled after each failure up to `backoff_max`.
    pub backoff_initial: Duration,
    /// The longest wait before reconnecting.
    pub backoff_max: Duration,
    /// With more than one address: the longest wait after a whole round of them failed, if less than
    /// `backoff_max` (default 2 s, so that a newly active bridge is found within seconds).
    pub round_backoff_max: Duration,
    /// How often to ping while connected (shortened to a third of the bridge's idle timeout if that is less).
    pub ping_interval: Duration,
    /// How long the bridge may stay silent (no line at all, not even a `pong`) before the link counts as dead.
    pub dead_after: Duration,
    /// How long to wait for a TCP connection or a write.
    pub io_timeout: Duration,
    /// Keep a log of every line sent and received ([`MapServer::take_wire`]).
    pub record_wire: bool,
    /// Ask for receipts (`run` in `auth`): every `ticket` record carries a `ref`, is kept until the bridge answers
    /// `received` (or refuses it), and is sent again, in order, after the next `auth_ok` if it was not (§9 of the
    /// protocol). Off by default, as in a map server without the feature.
    pub receipts: bool,
    /// The code page of names and chat on the wire (default UTF-8), as a real server's clients' bytes are.
    pub encoding: CodePage,
}

impl SimConfig {
    /// A configuration with the defaults of a production map server.
    pub fn new(host: impl Into<String>, port: u16, server_id: GameServerId, secret: Secret) -> Self {
        Self {
            host: host.into(),
            port,
            more_bridges: Vec::new(),
            server_id,
            secret,
            ticket_enabled: true,
            close_on_logout: true,
            backoff_initial: Duration::from_millis(500),
            backoff_max: Duration::from_secs(30),
            round_backoff_max: Duration::from_secs(2),
            ping_interval: Duration::from_secs(20),
            dead_after: Duration::from_secs(60),
            io_timeout: Duration::from_secs(5),
            record_wire: false,
            receipts: false,
            encoding: CodePage::UTF_8,
        }
    }

    /// A configuration from `conf/channels.conf`, loaded with its secret ([`ChannelsConf::load`]).
    pub fn from_channels_conf(conf: &ChannelsConf) -> Result<Self, ConfError> {
        let Some(((host, port), more)) = conf.bridges.split_first() else {
            return Err(ConfProblem::Missing { key: CONF_BRIDGE_HOST }.into());
        };
        let mut config = Self::new(host.clone(), *port, conf.server_id.clone(), conf.require_secret()?.clone());
        config.more_bridges = more.to_vec();
        config.ticket_enabled = conf.ticket_enabled;
        config.close_on_logout = conf.close_on_logout;
        Ok(config)
    }

    /// How many bridge addresses there are.
    fn bridge_count(&self) -> usize {
        1 + self.more_bridges.len()
    }

    /// The bridge address of that index (0 is `host` and `port`; past the end, the first).
    fn bridge(&self, index: usize) -> (&str, u16) {
        match index.checked_sub(1).and_then(|i| self.more_bridges.get(i)) {
            Some((host, port)) => (host, *port),
            None => (&self.host, self.port),
        }
    }
}

/// What a player sees.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Seen {
    /// `[RagnaSync Ticket]: <message>`: the echo of `@request`.
    RequestEcho(String),
    /// `Ticket Created on Discord. PM @Support to use`.
    TicketCreated,
    /// `RagnaSync: Ticket Offline, Try again`.
    Offline,
    /// `RagnaSync Ticket Support Disabled`.
    Disabled,
    /// A staff reply, whispered from `Support`: `(From Support) : <staff>: <message>`.
    Whisper {
        /// The staff member.
        from: String,
        /// The reply.
        message: String,
    },
}

impl fmt::Display for Seen {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::RequestEcho(message) => f.write_str(&game_request_echo(message)),
            Self::TicketCreated => f.write_str(GAME_TICKET_CREATED),
            Self::Offline => f.write_str(GAME_TICKET_OFFLINE),
            Self::Disabled => f.write_str(GAME_TICKET_DISABLED),
            Self::Whisper { from, message } => write!(f, "(From {GAME_SUPPORT_NAME}) : {from}: {message}"),
        }
    }
}

/// Which way a line went.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// Game → bridge.
    Sent,
    /// Bridge → game.
    Received,
}

/// One line of the wire log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WireLine {
    /// Which way.
    pub direction: Direction,
    /// The line, without its `\n` (invalid UTF-8 replaced).
    pub line: String,
}

impl fmt::Display for WireLine {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let arrow = match self.direction {
            Direction::Sent => "game -> bridge",
            Direction::Received => "bridge -> game",
        };
        write!(f, "{arrow}: {}", self.line)
    }
}

/// Something the simulated server reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SimEvent {
    /// A player sees a line.
    Sees {
        /// Who.
        player: String,
        /// What.
        line: Seen,
    },
    /// The bridge accepted the server (`auth_ok`); config, logins and `sync_done` have been sent.
    LinkUp,
    /// The link went down.
    LinkDown {
        /// Why.
        reason: String,
    },
    /// The bridge refused the server (`auth_error`).
    AuthRefused {
        /// The code.
        code: ErrorCode,
    },
    /// The bridge said a player's ticket closed.
    TicketClosed {
        /// Whose.
        player: String,
    },
    /// The bridge sent an `error` record.
    BridgeError {
        /// The code.
        code: ErrorCode,
        /// The action of the refused record.
        re: Option<String>,
        /// The player concerned.
        name: Option<String>,
    },
}

impl fmt::Display for SimEvent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Sees { player, line } => write!(f, "[{player} sees] {line}"),
            Self::LinkUp => f.write_str("(game) link to RagnaSync up"),
            Self::LinkDown { reason } => write!(f, "(game) link to RagnaSync down: {reason}"),
            Self::AuthRefused { code } => write!(f, "(game) RagnaSync refused this server: {code}"),
            Self::TicketClosed { player } => write!(f, "(game) {player}'s ticket closed"),
            Self::BridgeError { code, re, name } => {
                write!(f, "(game) RagnaSync error {code}")?;
                if let Some(re) = re {
                    write!(f, " about {re}")?;
                }
                if let Some(name) = name {
                    write!(f, " for {name}")?;
                }
                Ok(())
            }
        }
    }
}

/// Why a simulator command failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SimError {
    /// The name is not a valid character name.
    #[error("{0:?} is not a valid character name (1 to 23 bytes)")]
    InvalidName(String),
    /// The player is not online.
    #[error("{0} is not online")]
    NotOnline(String),
    /// The player is online already.
    #[error("{0} is online already")]
    AlreadyOnline(String),
    /// The message is empty.
    #[error("the message is empty")]
    EmptyMessage,
    /// The link is down (for [`MapServer::sync`]).
    #[error("the link to the bridge is down")]
    LinkDown,
    /// The simulator has stopped.
    #[error("the simulated map server has stopped")]
    Stopped,
}

/// A player's ids, as the simulator assigned them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PlayerIds {
    /// The account.
    pub account: AccountId,
    /// The character.
    pub char: CharId,
}

enum Command {
    Login(GameName, oneshot::Sender<Result<PlayerIds, SimError>>),
    Logout { name: GameName, announce: bool, reply: oneshot::Sender<Result<(), SimError>> },
    Say { name: GameName, text: String, request: bool, reply: oneshot::Sender<Result<bool, SimError>> },
    SetConfig { enabled: bool, close_on_logout: bool, reply: oneshot::Sender<bool> },
    Connect(bool, oneshot::Sender<()>),
    Sync(oneshot::Sender<Result<oneshot::Receiver<()>, SimError>>),
    IsUp(oneshot::Sender<bool>),
    TakeWire(oneshot::Sender<Vec<WireLine>>),
}

/// A running simulated map server. Dropping it (or [`MapServer::shutdown`]) stops it and closes its link.
#[derive(Debug)]
pub struct MapServer {
    commands: mpsc::Sender<Command>,
    task: JoinHandle<()>,
}

fn name(raw: &str) -> Result<GameName, SimError> {
    GameName::new(raw.trim()).map_err(|_| SimError::InvalidName(raw.to_owned()))
}

impl MapServer {
    /// Starts the server; it connects to the bridge at once and keeps trying with back-off.
    pub fn start(config: SimConfig) -> (Self, mpsc::UnboundedReceiver<SimEvent>) {
        let (commands, queue) = mpsc::channel(64);
        let (events, receiver) = mpsc::unbounded_channel();
        let task = tokio::spawn(actor::Actor::new(config, events).run(queue));
        (Self { commands, task }, receiver)
    }

    async fn ask<T>(&self, make: impl FnOnce(oneshot::Sender<T>) -> Command) -> Result<T, SimError> {
        let (reply, answer) = oneshot::channel();
        self.commands.send(make(reply)).await.map_err(|_| SimError::Stopped)?;
        answer.await.map_err(|_| SimError::Stopped)
    }

    /// A player logs in (the same name always gets the same account and character ids).
    pub async fn login(&self, player: &str) -> Result<PlayerIds, SimError> {
        let player = name(player)?;
        self.ask(|reply| Command::Login(player, reply)).await?
    }

    /// A player logs out.
    pub async fn logout(&self, player: &str) -> Result<(), SimError> {
        let name = name(player)?;
        self.ask(|reply| Command::Logout { name, announce: true, reply }).await?
    }

    /// A player logs out, but the bridge does not hear of it (no `logout` record is sent): the race of a staff
    /// reply crossing a logout on the wire, made deterministic. The bridge still counts the player online, so its
    /// next whisper for them reaches the game, which answers `player_offline` with the whisper's `ref`.
    pub async fn logout_unannounced(&self, player: &str) -> Result<(), SimError> {
        let name = name(player)?;
        self.ask(|reply| Command::Logout { name, announce: false, reply }).await?
    }

    /// A player types `@request <text>`. Returns whether a `ticket` record went to the bridge (otherwise the
    /// player was shown why not: disabled or offline).
    pub async fn request(&self, player: &str, text: &str) -> Result<bool, SimError> {
        let name = name(player)?;
        let text = text.to_owned();
        self.ask(|reply| Command::Say { name, text, request: true, reply }).await?
    }

    /// A player whispers `@Support`. Returns whether a `ticket` record went to the bridge.
    pub async fn whisper_support(&self, player: &str, text: &str) -> Result<bool, SimError> {
        let name = name(player)?;
        let text = text.to_owned();
        self.ask(|reply| Command::Say { name, text, request: false, reply }).await?
    }

    /// Changes the ticket settings (as after editing `channels.conf` and reloading). Returns whether a `config`
    /// record went to the bridge (it is sent at the next connection otherwise).
    pub async fn set_config(&self, enabled: bool, close_on_logout: bool) -> Result<bool, SimError> {
        self.ask(|reply| Command::SetConfig { enabled, close_on_logout, reply }).await
    }

    /// Cuts the link and keeps it down until [`MapServer::connect`].
    pub async fn disconnect(&self) -> Result<(), SimError> {
        self.ask(|reply| Command::Connect(false, reply)).await
    }

    /// Lets the link come up again, trying at once.
    pub async fn connect(&self) -> Result<(), SimError> {
        self.ask(|reply| Command::Connect(true, reply)).await
    }

    /// Waits until the bridge has answered a `ping` sent now: every line the bridge sent before that `pong` has
    /// been handled (and its events emitted) when this returns.
    pub async fn sync(&self) -> Result<(), SimError> {
        let pong = self.ask(Command::Sync).await??;
        pong.await.map_err(|_| SimError::LinkDown)
    }

    /// Whether the link is up (authenticated).
    pub async fn is_up(&self) -> Result<bool, SimError> {
        self.ask(Command::IsUp).await
    }

    /// The wire log so far (when `record_wire` is on), emptied.
    pub async fn take_wire(&self) -> Result<Vec<WireLine>, SimError> {
        self.ask(Command::TakeWire).await
    }

    /// Stops the server and closes its link.
    pub async fn shutdown(self) {
        drop(self.commands);
        let _ = self.task.await;
    }
}
