//! [`LinkHandle`]: the link's shared state, and the [`GameLink`] port the desk calls.
//!
//! The handle exists before the desk (the desk needs it as its game port) and before the server (which needs
//! the desk): create the handle, build the desk with `Ports::with_game(Arc::new(handle.clone()))`, then bind
//! a [`LinkServer`](crate::LinkServer) with both.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use async_trait::async_trait;
use ticket_core::ports::{GameLinkError, WhisperOutcome};
use ticket_core::relay::GameName;
use ticket_core::{GameLink, GameServerId, TicketSource};
use tokio::sync::{broadcast, mpsc, oneshot};

use crate::codec::Record;
use crate::codepage::CodePage;
use crate::config::{AllowedServer, LinkConfig, LinkConfigError};
use crate::events::{Counters, LinkEvent, LinkStats};
use crate::gate::Gate;
use crate::noisy::NoisyLog;
use crate::protocol::{ErrorCode, ToGame};
use crate::sessions::Sessions;
use crate::whispers::{RecentWhispers, SentWhisper};

/// How many events a slow subscriber may fall behind before it misses some.
const EVENT_BACKLOG: usize = 1024;

/// A record from the desk (a whisper, `ticket_created`, `ticket_closed`) waiting for a connection's writer;
/// `written` is told once it is on the socket.
#[derive(Debug)]
pub(crate) struct Outgoing {
    pub line: Vec<u8>,
    pub written: Option<oneshot::Sender<()>>,
}

/// What a connection's writer is told on its control queue, which it serves before the desk's records: the
/// answers to the game's own records (`pong`, `error`), which are never dropped, and the end.
#[derive(Debug)]
pub(crate) enum Control {
    /// An answer.
    Line(Vec<u8>),
    /// Write what the desk queued, then this last line (if any), and close the connection.
    Close(Option<Vec<u8>>),
}

/// Where a connection's answers go: its control queue, in its server's code page.
#[derive(Debug, Clone)]
pub(crate) struct Answers {
    pub control: mpsc::Sender<Control>,
    pub page: CodePage,
}

impl Answers {
    /// Queues an answer, waiting for room (the reader then stops reading: back-pressure on the game, never a
    /// dropped answer). `false` if the writer is gone.
    pub async fn send(&self, message: &ToGame) -> bool {
        self.control.send(Control::Line(line_for(message, self.page))).await.is_ok()
    }
}

/// A game server's live, authenticated connection.
struct Live {
    connection: u64,
    out: mpsc::Sender<Outgoing>,
    kick: Option<oneshot::Sender<ErrorCode>>,
}

struct Inner {
    config: LinkConfig,
    sessions: Sessions,
    whispers: RecentWhispers,
    live: Mutex<HashMap<GameServerId, Live>>,
    /// One per allowed server: held by a connection's desk worker, so that the records of a replaced connection
    /// are handled before those of the one that replaced it.
    turns: HashMap<GameServerId, Arc<tokio::sync::Mutex<()>>>,
    events: broadcast::Sender<LinkEvent>,
    counters: Counters,
    next_connection: AtomicU64,
    gate: Arc<Gate>,
    noisy: NoisyLog,
    /// Room for records under way at the desk, shared by every connection ([`crate::LinkLimits::desk_at_once`]).
    desk_room: Arc<tokio::sync::Semaphore>,
}

/// The game link's shared state. Cheap to clone; implements [`GameLink`] for the desk.
#[derive(Clone)]
pub struct LinkHandle {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for LinkHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LinkHandle").field("listen", &self.inner.config.listen).finish_non_exhaustive()
    }
}

/// What [`LinkHandle::register`] returns to a newly authenticated connection.
pub(crate) struct Registration {
    pub connection: u64,
    pub kicked: oneshot::Receiver<ErrorCode>,
    pub replaced: bool,
}

impl LinkHandle {
    /// Checks `config` and makes the link's state. Nothing listens yet: see [`LinkServer`](crate::LinkServer).
    pub fn new(config: LinkConfig) -> Result<Self, LinkConfigError> {
        config.validate()?;
        let turns = config.servers.iter().map(|s| (s.id.clone(), Arc::new(tokio::sync::Mutex::new(())))).collect();
        let (events, _) = broadcast::channel(EVENT_BACKLOG);
        Ok(Self {
            inner: Arc::new(Inner {
                sessions: Sessions::new(config.limits.max_players_per_server),
                whispers: RecentWhispers::new(config.limits.recent_whispers),
                gate: Gate::new(config.limits.max_pending_auth, config.limits.max_pending_per_address),
                noisy: NoisyLog::default(),
                desk_room: Arc::new(tokio::sync::Semaphore::new(config.limits.desk_at_once)),
                config,
                live: Mutex::new(HashMap::new()),
                turns,
                events,
                counters: Counters::default(),
                next_connection: AtomicU64::new(1),
            }),
        })
    }

    /// The configuration.
    pub fn config(&self) -> &LinkConfig {
        &self.inner.config
    }

    /// Room for records under way at the desk, shared by every connection.
    pub(crate) fn desk_room(&self) -> Arc<tokio::sync::Semaphore> {
        self.inner.desk_room.clone()
    }

    /// Events from now on.
    pub fn subscribe(&self) -> broadcast::Receiver<LinkEvent> {
        self.inner.events.subscribe()
    }

    /// Counters since the start.
    pub fn stats(&self) -> LinkStats {
        self.inner.counters.snapshot()
    }

    /// Whether a game server is connected and authenticated.
    pub fn is_connected(&self, server: &GameServerId) -> bool {
        self.live().contains_key(server)
    }

    /// The game servers connected now.
    pub fn connected(&self) -> Vec<GameServerId> {
        let mut servers: Vec<GameServerId> = self.live().keys().cloned().collect();
        servers.sort();
        servers
    }

    /// Whether a player is online on a server, as far as the link knows.
    pub fn is_online(&self, server: &GameServerId, player: &GameName) -> bool {
        self.inner.sessions.is_online(server, player)
    }

    /// How many players are online on a server, as far as the link knows.
    pub fn online_count(&self, server: &GameServerId) -> usize {
        self.inner.sessions.online_count(server)
    }

    pub(crate) fn sessions(&self) -> &Sessions {
        &self.inner.sessions
    }

    /// The whisper `reference` sent to `server`, which the game could not deliver: taken back (once) so that
    /// the desk holds it. `None` if this link did not send it to that server, or forgot it since.
    pub(crate) fn undelivered(&self, server: &GameServerId, reference: &str) -> Option<SentWhisper> {
        self.inner.whispers.take(server, reference)
    }

    /// The most recent whisper sent to `player` on `server` that the game has not answered yet: what a
    /// `player_offline` without a `ref` most likely answers.
    pub(crate) fn undelivered_to(&self, server: &GameServerId, player: &GameName) -> Option<SentWhisper> {
        self.inner.whispers.take_newest_to(server, player)
    }

    pub(crate) fn gate(&self) -> &Arc<Gate> {
        &self.inner.gate
    }

    pub(crate) fn noisy(&self) -> &NoisyLog {
        &self.inner.noisy
    }

    /// The code page of an allowed server (UTF-8 for any other).
    pub(crate) fn page(&self, server: &GameServerId) -> CodePage {
        self.allowed(server.as_str()).map_or(CodePage::UTF_8, |s| s.encoding)
    }

    pub(crate) fn counters(&self) -> &Counters {
        &self.inner.counters
    }

    pub(crate) fn emit(&self, event: LinkEvent) {
        // No subscriber is fine: events are for whoever listens.
        let _ = self.inner.events.send(event);
    }

    pub(crate) fn allowed(&self, id: &str) -> Option<&AllowedServer> {
        self.inner.config.server(id)
    }

    pub(crate) fn turn(&self, server: &GameServerId) -> Arc<tokio::sync::Mutex<()>> {
        match self.inner.turns.get(server) {
            Some(turn) => turn.clone(),
            // Only allowed servers authenticate, and every allowed server has a turn; a fresh lock is harmless.
            None => Arc::new(tokio::sync::Mutex::new(())),
        }
    }

    fn live(&self) -> MutexGuard<'_, HashMap<GameServerId, Live>> {
        // Each change is one map operation; a panic elsewhere cannot leave the map torn.
        self.inner.live.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Makes `out` the live connection of `server`; an older one is told to close with `replaced`.
    pub(crate) fn register(&self, server: &GameServerId, out: mpsc::Sender<Outgoing>) -> Registration {
        let connection = self.inner.next_connection.fetch_add(1, Ordering::Relaxed);
        let (kick, kicked) = oneshot::channel();
        let old = self.live().insert(server.clone(), Live { connection, out, kick: Some(kick) });
        let replaced = match old {
            Some(mut old) => {
                if let Some(kick) = old.kick.take() {
                    let _ = kick.send(ErrorCode::Replaced);
                }
                true
            }
            None => false,
        };
        Registration { connection, kicked, replaced }
    }

    /// Forgets `connection` of `server`, unless another connection replaced it already.
    pub(crate) fn unregister(&self, server: &GameServerId, connection: u64) {
        let mut live = self.live();
        if live.get(server).is_some_and(|l| l.connection == connection) {
            live.remove(server);
        }
    }

    fn sender(&self, server: &GameServerId) -> Result<mpsc::Sender<Outgoing>, GameLinkError> {
        self.live().get(server).map(|l| l.out.clone()).ok_or_else(|| GameLinkError::LinkDown(server.clone()))
    }

    fn enqueue(
        &self,
        server: &GameServerId,
        message: &ToGame,
        written: Option<oneshot::Sender<()>>,
    ) -> Result<(), GameLinkError> {
        let out = self.sender(server)?;
        let line = line_for(message, self.page(server));
        out.try_send(Outgoing { line, written }).map_err(|e| match e {
            mpsc::error::TrySendError::Full(_) => {
                Counters::bump(&self.inner.counters.dropped);
                GameLinkError::Congested(server.clone())
            }
            mpsc::error::TrySendError::Closed(_) => GameLinkError::LinkDown(server.clone()),
        })
    }

    /// How long a whisper may wait for its turn on the socket: every record ahead of it gets the write timeout,
    /// and the writer closes the link at the first one that overruns it, so this is only a backstop.
    fn whisper_deadline(&self) -> Duration {
        self.inner.config.limits.write_timeout.saturating_mul(3)
    }
}

/// Formats a record the bridge sends, in the game's code page (what it cannot hold becomes `?`). A record built
/// from the desk's output always fits; anything else (a caller of the port bypassing the desk with a huge text)
/// has its `message` cut to fit, never sent broken.
pub(crate) fn line_for(message: &ToGame, page: CodePage) -> Vec<u8> {
    let record = message.to_record();
    if let Ok(line) = record.encode(page) {
        return line;
    }
    let mut cut = Record::new();
    for (key, value) in record.pairs() {
        let keep = if key == "message" || key == "detail" { 1024 } else { 256 };
        cut.push(key.as_str(), value.chars().take(keep).collect::<String>());
    }
    cut.encode(page).unwrap_or_else(|_| format!("[action: {}]", message.action()).into_bytes())
}

#[async_trait]
impl GameLink for LinkHandle {
    async fn whisper(
        &self,
        server: &GameServerId,
        player: &GameName,
        from: &str,
        text: &str,
    ) -> Result<WhisperOutcome, GameLinkError> {
        // Link first: a server that is down cannot say who is online.
        self.sender(server)?;
        if !self.inner.sessions.is_online(server, player) {
            return Ok(WhisperOutcome::PlayerOffline);
        }
        // Remembered before it can reach the game, which may answer `player_offline` at once.
        let sent = SentWhisper { name: player.clone(), from: from.to_owned(), text: text.to_owned() };
        let remembered = self.inner.whispers.remember(server, sent);
        if remembered.forgot_one {
            Counters::bump(&self.inner.counters.forgotten_whispers);
        }
        let reference = remembered.reference;
        let whisper = ToGame::Whisper {
            name: player.clone(),
            from: from.to_owned(),
            message: text.to_owned(),
            reference: Some(reference.clone()),
        };
        let (written, on_socket) = oneshot::channel();
        let outcome = match self.enqueue(server, &whisper, Some(written)) {
            Ok(()) => match tokio::time::timeout(self.whisper_deadline(), on_socket).await {
                Ok(Ok(())) => Ok(WhisperOutcome::Delivered),
                // The connection closed before the whisper reached the socket: the desk holds it for the next login.
                Ok(Err(_)) | Err(_) => Err(GameLinkError::LinkDown(server.clone())),
            },
            Err(e) => Err(e),
        };
        if outcome.is_err() {
            // The desk deals with it (holds it, or retries it with a new ref): a late answer must not hold it too.
            self.inner.whispers.take(server, &reference);
        }
        outcome
    }

    async fn ticket_created(
        &self,
        server: &GameServerId,
        player: &GameName,
        source: TicketSource,
    ) -> Result<(), GameLinkError> {
        self.enqueue(server, &ToGame::TicketCreated { name: player.clone(), source }, None)
    }

    async fn ticket_closed(&self, server: &GameServerId, player: &GameName) -> Result<(), GameLinkError> {
        self.enqueue(server, &ToGame::TicketClosed { name: player.clone() }, None)
    }
}

#[cfg(test)]
mod tests {
    use ticket_core::GuildId;

    use super::*;
    use crate::secret::Secret;

    fn handle() -> LinkHandle {
        LinkHandle::new(LinkConfig::new(vec![AllowedServer::new(
            server(),
            Secret::new("0123456789abcdef"),
            GuildId::new(1),
        )]))
        .unwrap()
    }

    fn server() -> GameServerId {
        GameServerId::new("xilero").unwrap()
    }

    fn foo() -> GameName {
        GameName::new("Foo").unwrap()
    }

    #[tokio::test]
    async fn a_server_that_is_not_connected_is_down() {
        let link = handle();
        assert_eq!(link.whisper(&server(), &foo(), "GM", "hi").await, Err(GameLinkError::LinkDown(server())));
        assert_eq!(
            link.ticket_created(&server(), &foo(), TicketSource::Request).await,
            Err(GameLinkError::LinkDown(server()))
        );
        assert_eq!(link.ticket_closed(&server(), &foo()).await, Err(GameLinkError::LinkDown(server())));
        assert!(!link.is_connected(&server()));
    }

    #[tokio::test]
    async fn whispers_go_to_online_players_only_and_a_full_queue_is_congestion() {
        let link = handle();
        let (out, mut queue) = mpsc::channel(1);
        let registration = link.register(&server(), out);
        assert!(!registration.replaced);
        assert_eq!(link.connected(), vec![server()]);
        assert_eq!(link.whisper(&server(), &foo(), "GM", "hi").await, Ok(WhisperOutcome::PlayerOffline));
        let player = crate::protocol::PlayerRef {
            name: foo(),
            account: ticket_core::AccountId::new(1),
            char: ticket_core::CharId::new(1),
        };
        link.sessions().login(&server(), &player).unwrap();
        let writer = tokio::spawn(async move {
            let Some(Outgoing { line, written: Some(written) }) = queue.recv().await else {
                panic!("expected a whisper waiting for its write");
            };
            written.send(()).unwrap();
            (line, queue)
        });
        assert_eq!(link.whisper(&server(), &foo(), "GM ]", "hi").await, Ok(WhisperOutcome::Delivered));
        let (line, _queue) = writer.await.unwrap();
        assert_eq!(line, b"[action: whisper][name: Foo][from: GM \\]][message: hi][ref: w1]");
        let back = link.undelivered(&server(), "w1").unwrap();
        assert_eq!((back.name, back.from.as_str(), back.text.as_str()), (foo(), "GM ]", "hi"));
        link.ticket_closed(&server(), &foo()).await.unwrap();
        assert_eq!(link.ticket_closed(&server(), &foo()).await, Err(GameLinkError::Congested(server())));
        assert_eq!(link.whisper(&server(), &foo(), "GM", "hi").await, Err(GameLinkError::Congested(server())));
        assert_eq!(link.undelivered(&server(), "w2"), None, "a whisper that was not sent is not remembered");
        assert_eq!(link.stats().dropped, 2);
    }

    #[tokio::test]
    async fn a_second_connection_replaces_the_first() {
        let link = handle();
        let (first, _q1) = mpsc::channel(1);
        let (second, _q2) = mpsc::channel(1);
        let one = link.register(&server(), first);
        let two = link.register(&server(), second);
        assert!(two.replaced);
        assert_eq!(one.kicked.await, Ok(ErrorCode::Replaced));
        link.unregister(&server(), one.connection);
        assert!(link.is_connected(&server()), "the old connection's cleanup leaves the new one alone");
        link.unregister(&server(), two.connection);
        assert!(!link.is_connected(&server()));
    }

    #[test]
    fn oversized_records_are_cut_not_broken() {
        let line = line_for(
            &ToGame::Whisper {
                name: foo(),
                from: "x".repeat(70_000),
                message: "y".repeat(70_000),
                reference: Some("w1".into()),
            },
            CodePage::UTF_8,
        );
        assert!(line.len() <= crate::codec::MAX_LINE);
        assert!(Record::parse(&line).unwrap().is_some());
    }

    #[test]
    fn records_go_out_in_the_game_s_code_page() {
        let whisper = ToGame::Whisper {
            name: GameName::new("Zoë").unwrap(),
            from: "GM Ñ".into(),
            message: "voilà 😀".into(),
            reference: Some("w1".into()),
        };
        let line = line_for(&whisper, CodePage::from_label("windows-1252").unwrap());
        assert_eq!(line, b"[action: whisper][name: Zo\xeb][from: GM \xd1][message: voil\xe0 ?][ref: w1]");
    }
}
