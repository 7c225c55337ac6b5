//! The simulated map server's task: its players, its link state machine, and what players are shown.
//!
//! Link states: *down* (waiting out the back-off, or held down by [`MapServer::disconnect`]) → *connecting*
//! (TCP connect on a task of its own, so commands are answered meanwhile) → *authenticating* (`auth` sent) →
//! *up* (`auth_ok` received; `config`, a `login` per online player and `sync_done` sent). Any failure goes back
//! to down and on to the next bridge address: at once, or after the back-off once every address failed in a row
//! (see [`Rotation`]); `auth_ok` resets the back-off.
//!
//! [`MapServer::disconnect`]: super::MapServer::disconnect

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::time::Duration;

use ticket_core::relay::GameName;
use ticket_core::{AccountId, CharId, TicketSource};
use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;
use tokio::net::tcp::OwnedWriteHalf;
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;
use tokio::time::Instant;

use super::rotation::Rotation;
use super::{CHAT_MAX, Command, Direction, PlayerIds, Seen, SimConfig, SimError, SimEvent, WIRE_LOG_MAX, WireLine};
use crate::codec::{MAX_LINE, Record, cut};
use crate::line::{Line, LineReader};
use crate::protocol::{ErrorCode, FromGame, PROTOCOL_VERSION, PlayerRef, ToGame};

/// The first account id handed out (rAthena's first account).
const FIRST_ACCOUNT: u64 = 2_000_001;
/// The first character id handed out.
const FIRST_CHAR: u64 = 150_001;

struct Player {
    name: GameName,
    ids: PlayerIds,
    online: bool,
}

impl Player {
    fn reference(&self) -> PlayerRef {
        PlayerRef { name: self.name.clone(), account: self.ids.account, char: self.ids.char }
    }
}

/// A line from the bridge, or the end of a connection (`None`), tagged with its connection.
struct Inbound {
    connection: u64,
    line: Option<Line>,
}

struct Conn {
    id: u64,
    write: OwnedWriteHalf,
    reader: JoinHandle<()>,
    up: bool,
    last_heard: Instant,
    next_ping: Instant,
    ping_every: Duration,
}

pub(super) struct Actor {
    config: SimConfig,
    events: mpsc::UnboundedSender<SimEvent>,
    /// By name, so that logins are announced in a stable order.
    players: BTreeMap<String, Player>,
    next_ids: (u64, u64),
    allow_connect: bool,
    rotation: Rotation,
    retry_at: Option<Instant>,
    connecting: Option<JoinHandle<std::io::Result<TcpStream>>>,
    conn: Option<Conn>,
    connections: u64,
    inbound: (mpsc::Sender<Inbound>, mpsc::Receiver<Inbound>),
    syncs: HashMap<String, oneshot::Sender<()>>,
    next_sync: u64,
    wire: VecDeque<WireLine>,
    /// This run's id, sent in `auth` when asking for receipts.
    run: String,
    /// The number of the next `ticket` record's `ref`.
    next_ref: u64,
    /// `ticket` records sent and not yet `received`, oldest first, with their `ref`.
    unreceipted: VecDeque<(String, Record)>,
    /// Whether the bridge of the last `auth_ok` answers with receipts.
    bridge_receipts: bool,
}

/// The most `ticket` records kept for sending again (a map server bounds its memory too).
const UNRECEIPTED_MAX: usize = 1024;

/// A new id for this run of the simulated map server.
fn new_run_id() -> String {
    use std::hash::BuildHasher;
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos());
    format!("{:016x}", std::collections::hash_map::RandomState::new().hash_one(nanos))
}

impl Actor {
    pub(super) fn new(config: SimConfig, events: mpsc::UnboundedSender<SimEvent>) -> Self {
        Self {
            rotation: Rotation::new(&config),
            config,
            events,
            players: BTreeMap::new(),
            next_ids: (FIRST_ACCOUNT, FIRST_CHAR),
            allow_connect: true,
            retry_at: Some(Instant::now()),
            connecting: None,
            conn: None,
            connections: 0,
            inbound: mpsc::channel(64),
            syncs: HashMap::new(),
            next_sync: 1,
            wire: VecDeque::new(),
            run: new_run_id(),
            next_ref: 1,
            unreceipted: VecDeque::new(),
            bridge_receipts: false,
        }
    }

    fn emit(&self, event: SimEvent) {
        // Nobody listening is fine.
        let _ = self.events.send(event);
    }

    fn log(&mut self, direction: Direction, line: String) {
        if self.config.record_wire {
            if self.wire.len() >= WIRE_LOG_MAX {
                self.wire.pop_front();
            }
            self.wire.push_back(WireLine { direction, line });
        }
    }

    fn is_up(&self) -> bool {
        self.conn.as_ref().is_some_and(|c| c.up)
    }

    pub(super) async fn run(mut self, mut commands: mpsc::Receiver<Command>) {
        loop {
            let retry_at =
                self.retry_at.filter(|_| self.allow_connect && self.conn.is_none() && self.connecting.is_none());
            let ping_at =
                self.conn.as_ref().filter(|c| c.up).map(|c| c.next_ping.min(c.last_heard + self.config.dead_after));
            tokio::select! {
                command = commands.recv() => match command {
                    Some(command) => self.command(command).await,
                    None => break,
                },
                Some(inbound) = self.inbound.1.recv() => self.on_inbound(inbound).await,
                connected = finished(&mut self.connecting), if self.connecting.is_some() => {
                    self.connecting = None;
                    self.on_connected(connected).await;
                }
                _ = tokio::time::sleep_until(retry_at.unwrap_or_else(Instant::now)), if retry_at.is_some() => {
                    self.start_connecting();
                }
                _ = tokio::time::sleep_until(ping_at.unwrap_or_else(Instant::now)), if ping_at.is_some() => {
                    self.keepalive().await;
                }
            }
        }
        if let Some(task) = self.connecting.take() {
            task.abort();
        }
        self.drop_conn(None);
    }

    fn start_connecting(&mut self) {
        self.retry_at = None;
        let current = self.rotation.current();
        let (host, port) = self.config.bridge(current);
        let (host, timeout) = (host.to_owned(), self.config.io_timeout);
        let of = self.config.bridge_count();
        tracing::debug!(%host, port, address = current + 1, of, "sim: connecting to the bridge");
        self.connecting = Some(tokio::spawn(async move {
            match tokio::time::timeout(timeout, TcpStream::connect((host.as_str(), port))).await {
                Ok(result) => result,
                Err(_) => Err(std::io::Error::new(std::io::ErrorKind::TimedOut, "connect timed out")),
            }
        }));
    }

    /// On to the next bridge address: at once, or after the back-off when a whole round failed.
    fn schedule_retry(&mut self) {
        self.retry_at = Some(Instant::now() + self.rotation.failed());
    }

    async fn on_connected(&mut self, connected: Result<std::io::Result<TcpStream>, tokio::task::JoinError>) {
        let stream = match connected {
            Ok(Ok(stream)) if self.allow_connect => stream,
            Ok(Ok(_)) => return,
            Ok(Err(e)) => {
                tracing::debug!(error = %e, "sim: cannot reach the bridge");
                self.schedule_retry();
                return;
            }
            Err(_) => {
                self.schedule_retry();
                return;
            }
        };
        let _ = stream.set_nodelay(true);
        self.connections += 1;
        let id = self.connections;
        let (read, write) = stream.into_split();
        let sender = self.inbound.0.clone();
        let reader = tokio::spawn(async move {
            let mut lines = LineReader::new(read, MAX_LINE);
            loop {
                let line = lines.next_line().await.ok().flatten();
                let end = line.is_none();
                if sender.send(Inbound { connection: id, line }).await.is_err() || end {
                    break;
                }
            }
        });
        let now = Instant::now();
        self.conn = Some(Conn {
            id,
            write,
            reader,
            up: false,
            last_heard: now,
            next_ping: now + self.config.ping_interval,
            ping_every: self.config.ping_interval,
        });
        let auth = FromGame::Auth {
            server_id: self.config.server_id.as_str().to_owned(),
            secret: self.config.secret.clone(),
            protocol: PROTOCOL_VERSION,
            run: self.config.receipts.then(|| self.run.clone()),
        };
        self.send(&auth).await;
    }

    /// Closes the connection, if any. `reason`: tell the listener the link went down.
    fn drop_conn(&mut self, reason: Option<String>) {
        if let Some(conn) = self.conn.take() {
            conn.reader.abort();
            // Dropping the write half closes the socket.
            drop(conn.write);
            self.syncs.clear();
            if let Some(reason) = reason {
                self.emit(SimEvent::LinkDown { reason });
            }
        }
    }

    fn lost(&mut self, reason: impl Into<String>) {
        self.drop_conn(Some(reason.into()));
        if self.allow_connect {
            self.schedule_retry();
        }
    }

    /// Sends a message; a failed write means the link is lost.
    async fn send(&mut self, message: &FromGame) {
        self.send_record(message.to_record()).await;
    }

    /// Sends a record; a failed write means the link is lost.
    async fn send_record(&mut self, record: Record) {
        let page = self.config.encoding;
        let Ok(mut bytes) = record.encode(page) else {
            // Every record the simulator builds fits: messages are cut to CHAT_MAX bytes and names are game names.
            tracing::error!(?record, "sim: a record did not fit on a line");
            return;
        };
        let Some(conn) = self.conn.as_mut() else { return };
        let line = page.decode(&bytes).0.into_owned();
        bytes.push(b'\n');
        match tokio::time::timeout(self.config.io_timeout, conn.write.write_all(&bytes)).await {
            Ok(Ok(())) => self.log(Direction::Sent, line),
            Ok(Err(e)) => self.lost(format!("write failed: {e}")),
            Err(_) => self.lost("write timed out"),
        }
    }

    async fn keepalive(&mut self) {
        let now = Instant::now();
        let Some(conn) = self.conn.as_mut() else { return };
        if now >= conn.last_heard + self.config.dead_after {
            self.lost("the bridge stopped answering");
            return;
        }
        if now >= conn.next_ping {
            conn.next_ping = now + conn.ping_every;
            self.send(&FromGame::Ping).await;
        }
    }

    async fn on_inbound(&mut self, inbound: Inbound) {
        if self.conn.as_ref().is_none_or(|c| c.id != inbound.connection) {
            return;
        }
        let bytes = match inbound.line {
            None => return self.lost("the bridge closed the connection"),
            Some(Line::TooLong { .. }) => {
                self.log(Direction::Received, "<a line longer than 64 KiB>".into());
                return;
            }
            Some(Line::Complete(bytes)) => bytes,
        };
        if let Some(conn) = self.conn.as_mut() {
            conn.last_heard = Instant::now();
        }
        let page = self.config.encoding;
        self.log(Direction::Received, page.decode(&bytes).0.into_owned());
        let message = match Record::decode(&bytes, page) {
            Ok(Some(record)) => ToGame::from_record(&record),
            Ok(None) => return,
            Err(e) => {
                tracing::warn!(error = %e, "sim: the bridge sent a malformed line");
                return;
            }
        };
        match message {
            Ok(message) => self.on_message(message).await,
            Err(refusal) => tracing::warn!(%refusal, "sim: the bridge sent a record this server does not understand"),
        }
    }

    fn online(&self, name: &str) -> Option<&GameName> {
        self.players.get(name).filter(|p| p.online).map(|p| &p.name)
    }

    fn show(&self, player: &GameName, line: Seen) {
        self.emit(SimEvent::Sees { player: player.to_string(), line });
    }

    async fn on_message(&mut self, message: ToGame) {
        match message {
            ToGame::AuthOk { idle_timeout_secs, receipts, .. } => self.on_auth_ok(idle_timeout_secs, receipts).await,
            ToGame::AuthError { code, .. } => {
                self.emit(SimEvent::AuthRefused { code: code.clone() });
                self.lost(format!("authentication refused: {code}"));
            }
            ToGame::TicketCreated { name, .. } => {
                if self.online(name.as_str()).is_some() {
                    self.show(&name, Seen::TicketCreated);
                }
            }
            ToGame::Whisper { name, from, message, reference } => {
                if self.online(name.as_str()).is_some() {
                    self.show(&name, Seen::Whisper { from, message });
                } else {
                    // Like a real map server: a whisper to someone not here is reported with its ref, so that the
                    // bridge holds this reply (and the next ones) for the player's next login.
                    let error =
                        FromGame::Error { code: ErrorCode::PlayerOffline, name: Some(name.to_string()), reference };
                    self.send(&error).await;
                }
            }
            ToGame::TicketClosed { name } => self.emit(SimEvent::TicketClosed { player: name.to_string() }),
            ToGame::Received { reference } => self.unreceipted.retain(|(r, _)| *r != reference),
            ToGame::Pong { reference } => {
                if let Some(done) = reference.and_then(|r| self.syncs.remove(&r)) {
                    let _ = done.send(());
                }
            }
            ToGame::Error { code, re, name, reference, .. } => {
                // A refused `ticket` record is answered for good: it is not sent again.
                if let (Some("ticket"), Some(reference)) = (re.as_deref(), reference.as_deref()) {
                    self.unreceipted.retain(|(r, _)| r != reference);
                }
                let player = name.as_deref().and_then(|n| self.online(n)).cloned();
                if let (Some("ticket"), Some(player)) = (re.as_deref(), player) {
                    let seen = if code == ErrorCode::Disabled { Seen::Disabled } else { Seen::Offline };
                    self.show(&player, seen);
                }
                let closing = matches!(code, ErrorCode::Replaced | ErrorCode::IdleTimeout | ErrorCode::ShuttingDown);
                self.emit(SimEvent::BridgeError { code: code.clone(), re, name });
                if closing {
                    self.lost(format!("the bridge closed the link: {code}"));
                }
            }
        }
    }

    async fn on_auth_ok(&mut self, idle_timeout_secs: u64, receipts: bool) {
        let Some(conn) = self.conn.as_mut() else { return };
        // Records are kept for sending again only while the bridge answers them; one without receipts would take
        // every kept record as new.
        self.bridge_receipts = self.config.receipts && receipts;
        if self.config.receipts && !receipts && !self.unreceipted.is_empty() {
            tracing::warn!(
                kept = self.unreceipted.len(),
                "sim: the bridge has no receipts; kept ticket records dropped"
            );
            self.unreceipted.clear();
        }
        conn.up = true;
        // Ping often enough for the bridge's idle timeout, whatever the configuration says.
        let idle = Duration::from_secs(idle_timeout_secs.max(1));
        conn.ping_every = self.config.ping_interval.min(idle / 3);
        conn.next_ping = Instant::now() + conn.ping_every;
        self.rotation.fresh_round();
        let config = FromGame::Config {
            ticket_enabled: self.config.ticket_enabled,
            close_on_logout: self.config.close_on_logout,
        };
        self.send(&config).await;
        let online: Vec<PlayerRef> = self.players.values().filter(|p| p.online).map(Player::reference).collect();
        for player in online {
            self.send(&FromGame::Login(player)).await;
        }
        self.send(&FromGame::SyncDone).await;
        // What the last link may have lost: again, in order, before anything new.
        let again: Vec<Record> = self.unreceipted.iter().map(|(_, record)| record.clone()).collect();
        for record in again {
            self.send_record(record).await;
        }
        if self.is_up() {
            self.emit(SimEvent::LinkUp);
        }
    }

    async fn command(&mut self, command: Command) {
        match command {
            Command::Login(name, reply) => {
                let result = self.login(name).await;
                let _ = reply.send(result);
            }
            Command::Logout { name, announce, reply } => {
                let result = match self.players.get_mut(name.as_str()) {
                    Some(player) if player.online => {
                        player.online = false;
                        let player = player.reference();
                        if announce && self.is_up() {
                            self.send(&FromGame::Logout(player)).await;
                        }
                        Ok(())
                    }
                    _ => Err(SimError::NotOnline(name.to_string())),
                };
                let _ = reply.send(result);
            }
            Command::Say { name, text, request, reply } => {
                let result = self.say(name, &text, request).await;
                let _ = reply.send(result);
            }
            Command::SetConfig { enabled, close_on_logout, reply } => {
                self.config.ticket_enabled = enabled;
                self.config.close_on_logout = close_on_logout;
                let up = self.is_up();
                if up {
                    self.send(&FromGame::Config { ticket_enabled: enabled, close_on_logout }).await;
                }
                let _ = reply.send(up && self.is_up());
            }
            Command::Connect(allow, reply) => {
                self.allow_connect = allow;
                if allow {
                    if self.conn.is_none() && self.connecting.is_none() {
                        self.rotation.fresh_round();
                        self.retry_at = Some(Instant::now());
                    }
                } else {
                    if let Some(task) = self.connecting.take() {
                        task.abort();
                    }
                    self.retry_at = None;
                    self.drop_conn(Some("disconnected by the operator".into()));
                }
                let _ = reply.send(());
            }
            Command::Sync(reply) => {
                if !self.is_up() {
                    let _ = reply.send(Err(SimError::LinkDown));
                    return;
                }
                let reference = format!("sync-{}", self.next_sync);
                self.next_sync += 1;
                let (done, pong) = oneshot::channel();
                self.syncs.insert(reference.clone(), done);
                let mut record = FromGame::Ping.to_record();
                record.push("ref", reference.as_str());
                self.send_record(record).await;
                let _ = reply.send(if self.is_up() { Ok(pong) } else { Err(SimError::LinkDown) });
            }
            Command::IsUp(reply) => {
                let _ = reply.send(self.is_up());
            }
            Command::TakeWire(reply) => {
                let _ = reply.send(self.wire.drain(..).collect());
            }
        }
    }

    async fn login(&mut self, name: GameName) -> Result<PlayerIds, SimError> {
        let ids = match self.players.get_mut(name.as_str()) {
            Some(player) if player.online => return Err(SimError::AlreadyOnline(name.to_string())),
            Some(player) => {
                player.online = true;
                player.ids
            }
            None => {
                let ids = PlayerIds { account: AccountId::new(self.next_ids.0), char: CharId::new(self.next_ids.1) };
                self.next_ids = (self.next_ids.0 + 1, self.next_ids.1 + 1);
                self.players.insert(name.to_string(), Player { name: name.clone(), ids, online: true });
                ids
            }
        };
        if self.is_up() {
            self.send(&FromGame::Login(PlayerRef { name, account: ids.account, char: ids.char })).await;
        }
        Ok(ids)
    }

    async fn say(&mut self, name: GameName, text: &str, request: bool) -> Result<bool, SimError> {
        let Some(player) = self.players.get(name.as_str()).filter(|p| p.online) else {
            return Err(SimError::NotOnline(name.to_string()));
        };
        let ids = player.ids;
        let text = cut(text.trim(), CHAT_MAX);
        if text.is_empty() {
            return Err(SimError::EmptyMessage);
        }
        if !self.config.ticket_enabled {
            self.show(&name, Seen::Disabled);
            return Ok(false);
        }
        if !self.is_up() {
            self.show(&name, Seen::Offline);
            return Ok(false);
        }
        if request {
            self.show(&name, Seen::RequestEcho(text.to_owned()));
        }
        let source = if request { TicketSource::Request } else { TicketSource::Whisper };
        let player = PlayerRef { name, account: ids.account, char: ids.char };
        let record = FromGame::Ticket { source, player, message: text.to_owned() }.to_record();
        if !self.bridge_receipts {
            self.send_record(record).await;
            return Ok(self.is_up());
        }
        let reference = format!("t{}", self.next_ref);
        self.next_ref += 1;
        let record = record.with("ref", reference.as_str());
        if self.unreceipted.len() >= UNRECEIPTED_MAX {
            self.unreceipted.pop_front();
            tracing::warn!("sim: too many ticket records without a receipt; the oldest is no longer kept");
        }
        self.unreceipted.push_back((reference, record.clone()));
        self.send_record(record).await;
        // Sent, or kept to be sent again: either way the player's line is not lost.
        Ok(true)
    }
}

/// The connection attempt's result; never completes without one.
async fn finished<T>(task: &mut Option<JoinHandle<T>>) -> Result<T, tokio::task::JoinError> {
    match task {
        Some(task) => task.await,
        None => std::future::pending().await,
    }
}
