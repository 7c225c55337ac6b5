//! The world of the link tests: a real `Desk` over the in-memory store, a recording fake Discord, the real link
//! server on `127.0.0.1:0`, and simulated map servers or raw TCP clients connecting to it.
#![allow(clippy::unwrap_used, clippy::expect_used, dead_code)]

use std::collections::{BTreeMap, HashMap};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use adapter_xilero::sim::{Direction, MapServer, SimConfig, SimEvent, WireLine};
use adapter_xilero::{AllowedServer, LinkConfig, LinkEvent, LinkHandle, LinkLimits, LinkServer, RunningLink, Secret};
use async_trait::async_trait;
use ticket_core::ports::{NewChannel, Overwrite, PlatformError};
use ticket_core::{
    Actor, ChannelId, ChatPlatform, Desk, GameServerId, GuildId, InMemoryStore, Message, MessageId, MessageOutcome,
    Permissions, PidKey, Ports, RoleId, Ticket, TicketStore, UserId,
};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::sync::{broadcast, mpsc};

pub const GUILD: GuildId = GuildId::new(1);
pub const SECRET: &str = "xilero-test-secret-0123456789";
/// How long any single expected event may take before the test fails. Never reached when things work.
pub const PATIENCE: Duration = Duration::from_secs(10);

pub fn server_id() -> GameServerId {
    GameServerId::new("xilero").unwrap()
}

/// What the fake Discord was asked, as text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Chat {
    Created(String),
    Deleted(String),
    Sent { channel: String, text: String },
}

impl Chat {
    /// What a post says, without its embeds' titles.
    pub fn said(&self) -> Option<&str> {
        match self {
            Chat::Sent { text, .. } => text.split(" [embed: ").next(),
            _ => None,
        }
    }
}

/// A recording Discord: channels get ids, and every call is kept.
#[derive(Default)]
pub struct FakeChat {
    calls: Mutex<Vec<Chat>>,
    names: Mutex<HashMap<ChannelId, String>>,
    by_ticket: Mutex<HashMap<u64, ChannelId>>,
    next: AtomicU64,
    /// When set, each channel creation waits for a permit of it (see [`FakeChat::hold_creations`]).
    hold: Mutex<Option<Arc<tokio::sync::Semaphore>>>,
    /// Channel creations under way now, and the most ever under way at once.
    creating: AtomicUsize,
    most_creating: AtomicUsize,
}

impl FakeChat {
    fn name(&self, channel: ChannelId) -> String {
        self.names.lock().unwrap().get(&channel).cloned().unwrap_or_else(|| format!("#{channel}"))
    }

    pub fn take(&self) -> Vec<Chat> {
        std::mem::take(&mut *self.calls.lock().unwrap())
    }

    /// From now on, a channel creation waits until the test adds a permit to the returned semaphore (each takes one).
    pub fn hold_creations(&self) -> Arc<tokio::sync::Semaphore> {
        let gate = Arc::new(tokio::sync::Semaphore::new(0));
        *self.hold.lock().unwrap() = Some(gate.clone());
        gate
    }

    /// Channel creations under way now.
    pub fn creating(&self) -> usize {
        self.creating.load(Ordering::SeqCst)
    }

    /// The most channel creations that were ever under way at once.
    pub fn most_creating(&self) -> usize {
        self.most_creating.load(Ordering::SeqCst)
    }
}

#[async_trait]
impl ChatPlatform for FakeChat {
    async fn create_channel(&self, channel: NewChannel) -> Result<ChannelId, PlatformError> {
        let now = self.creating.fetch_add(1, Ordering::SeqCst) + 1;
        self.most_creating.fetch_max(now, Ordering::SeqCst);
        let gate = self.hold.lock().unwrap().clone();
        if let Some(gate) = gate {
            gate.acquire().await.unwrap().forget();
        }
        self.creating.fetch_sub(1, Ordering::SeqCst);
        if let Some(id) = self.by_ticket.lock().unwrap().get(&channel.ticket.get()) {
            return Ok(*id);
        }
        let id = ChannelId::new(1000 + self.next.fetch_add(1, Ordering::SeqCst));
        self.by_ticket.lock().unwrap().insert(channel.ticket.get(), id);
        self.names.lock().unwrap().insert(id, channel.name.clone());
        self.calls.lock().unwrap().push(Chat::Created(channel.name));
        Ok(id)
    }

    async fn delete_channel(&self, channel: ChannelId) -> Result<(), PlatformError> {
        let name = self.name(channel);
        self.calls.lock().unwrap().push(Chat::Deleted(name));
        Ok(())
    }

    async fn set_topic(&self, _: ChannelId, _: String) -> Result<(), PlatformError> {
        Ok(())
    }

    async fn set_overwrite(&self, _: ChannelId, _: Overwrite) -> Result<(), PlatformError> {
        Ok(())
    }

    async fn send(&self, channel: ChannelId, message: Message) -> Result<MessageId, PlatformError> {
        let mut text = message.content.clone();
        for embed in &message.embeds {
            text.push_str(&format!(" [embed: {}]", embed.title.clone().unwrap_or_default()));
        }
        let channel = self.name(channel);
        self.calls.lock().unwrap().push(Chat::Sent { channel, text });
        Ok(MessageId::new(5000 + self.next.fetch_add(1, Ordering::SeqCst)))
    }

    async fn edit(&self, _: ChannelId, _: MessageId, _: Message) -> Result<(), PlatformError> {
        Ok(())
    }

    async fn recent_bot_messages(
        &self,
        _: ChannelId,
        _: u8,
    ) -> Result<Vec<ticket_core::ports::BotMessage>, PlatformError> {
        Ok(Vec::new())
    }
    async fn delete_message(&self, _: ChannelId, _: MessageId) -> Result<(), PlatformError> {
        Ok(())
    }

    async fn send_dm(&self, _: UserId, _: Message) -> Result<(), PlatformError> {
        Ok(())
    }

    async fn add_role(&self, _: GuildId, _: UserId, _: RoleId) -> Result<(), PlatformError> {
        Ok(())
    }

    async fn set_nickname(&self, _: GuildId, _: UserId, _: String) -> Result<(), PlatformError> {
        Ok(())
    }
}

/// The game server the tests connect as: `xilero`, UTF-8, from loopback.
pub fn allowed() -> AllowedServer {
    AllowedServer::new(server_id(), Secret::new(SECRET), GUILD)
}

/// Limits for tests: production values, except what a test shortens.
pub fn limits() -> LinkLimits {
    LinkLimits::default()
}

/// The bridge: desk, fake Discord, link handle and the running server.
pub struct Bridge {
    pub desk: Arc<Desk>,
    pub store: Arc<InMemoryStore>,
    pub chat: Arc<FakeChat>,
    pub link: LinkHandle,
    pub addr: SocketAddr,
    pub events: broadcast::Receiver<LinkEvent>,
    running: Option<RunningLink>,
}

impl Bridge {
    pub async fn start() -> Self {
        Self::with_limits(limits()).await
    }

    pub async fn with_limits(limits: LinkLimits) -> Self {
        Self::with_server(limits, allowed()).await
    }

    /// A bridge that lets `server` in (see [`allowed`]).
    pub async fn with_server(limits: LinkLimits, server: AllowedServer) -> Self {
        Self::with_servers(limits, vec![server]).await
    }

    /// A bridge that lets `servers` in.
    pub async fn with_servers(limits: LinkLimits, servers: Vec<AllowedServer>) -> Self {
        let store = Arc::new(InMemoryStore::new());
        let chat = Arc::new(FakeChat::default());
        Self::process(store, chat, limits, servers, "127.0.0.1:0".parse().unwrap()).await
    }

    /// A bridge process over `store` and `chat` (what survives a restart: the database and Discord), listening
    /// on `listen`.
    async fn process(
        store: Arc<InMemoryStore>,
        chat: Arc<FakeChat>,
        limits: LinkLimits,
        servers: Vec<AllowedServer>,
        listen: SocketAddr,
    ) -> Self {
        let config = LinkConfig { listen, servers, limits };
        let link = LinkHandle::new(config).unwrap();
        let ports = Ports::new(store.clone(), chat.clone()).with_game(Arc::new(link.clone()));
        let desk = Arc::new(Desk::new(ports, PidKey::new(&[9; 32]).unwrap()));
        let events = link.subscribe();
        let server = bind(listen, &link, &desk).await;
        let addr = server.local_addr().unwrap();
        Self { desk, store, chat, link, addr, events, running: Some(server.spawn()) }
    }

    /// Another bridge process over the same store and Discord (the same database), listening on `listen`: the
    /// standby that takes over when this one stops.
    pub async fn standby_at(&self, listen: SocketAddr) -> Self {
        let limits = self.link.config().limits.clone();
        let servers = self.link.config().servers.clone();
        Self::process(self.store.clone(), self.chat.clone(), limits, servers, listen).await
    }

    /// Stops the link server (every connection is closed).
    pub async fn stop(&mut self) {
        if let Some(running) = self.running.take() {
            running.shutdown().await;
        }
    }

    /// Starts the link server again on the same address.
    pub async fn restart(&mut self) {
        self.stop().await;
        let server = bind(self.addr, &self.link, &self.desk).await;
        self.running = Some(server.spawn());
    }

    /// Stops the bridge process and starts a new one on the same address, over the same store and Discord: a
    /// new link, which knows nobody online, and a new desk.
    pub async fn restart_process(&mut self) {
        self.stop().await;
        let limits = self.link.config().limits.clone();
        let servers = self.link.config().servers.clone();
        *self = Self::process(self.store.clone(), self.chat.clone(), limits, servers, self.addr).await;
    }

    /// Waits for a link event matching `pred`, skipping others.
    pub async fn wait(&mut self, what: &str, pred: impl Fn(&LinkEvent) -> bool) -> LinkEvent {
        let wait = async {
            loop {
                match self.events.recv().await {
                    Ok(event) if pred(&event) => return event,
                    Ok(_) => {}
                    Err(broadcast::error::RecvError::Lagged(n)) => panic!("missed {n} link events"),
                    Err(broadcast::error::RecvError::Closed) => panic!("the link closed its events"),
                }
            }
        };
        tokio::time::timeout(PATIENCE, wait).await.unwrap_or_else(|_| panic!("no link event: {what}"))
    }

    /// Waits until the desk has handled a record with `action`; returns the error code answered, if any.
    pub async fn handled(&mut self, action: &str) -> Option<adapter_xilero::ErrorCode> {
        match self.wait(action, |e| matches!(e, LinkEvent::Handled { action: a, .. } if *a == action)).await {
            LinkEvent::Handled { error, .. } => error,
            _ => unreachable!(),
        }
    }

    /// The open ticket of a player.
    pub async fn ticket_of(&self, player: &str) -> Option<Ticket> {
        let open = self.store.open_tickets(GUILD).await.unwrap();
        open.into_iter().find(|t| t.in_game().is_ok_and(|g| g.name.as_str() == player))
    }

    /// A staff member types in a player's ticket channel.
    pub async fn staff_reply(&self, player: &str, text: &str) -> MessageOutcome {
        let channel = self.ticket_of(player).await.expect("an open ticket").channel.expect("a channel");
        let staff = Actor::member(GUILD, UserId::new(7), "GM Alice", vec![], Permissions::MANAGE_CHANNELS);
        self.desk.channel_message(channel, &staff, text).await.unwrap()
    }

    pub fn sim_config(&self) -> SimConfig {
        let mut config = SimConfig::new(self.addr.ip().to_string(), self.addr.port(), server_id(), Secret::new(SECRET));
        config.backoff_initial = Duration::from_millis(20);
        config.backoff_max = Duration::from_millis(200);
        // No keepalive pings in the middle of a flow: they would make wire snapshots racy.
        config.ping_interval = Duration::from_secs(3600);
        config.dead_after = Duration::from_secs(3600);
        config.record_wire = true;
        config
    }

    /// A simulated map server, connected and announced (`sync_done` handled).
    pub async fn sim(&mut self, config: SimConfig) -> (MapServer, SimEvents) {
        let (sim, mut events) = start_sim(config);
        events.wait("link up", |e| *e == SimEvent::LinkUp).await;
        self.handled("sync_done").await;
        (sim, events)
    }
}

/// A loopback address where nothing listens (a port the system just handed out and took back).
pub fn unused_addr() -> SocketAddr {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap()
}

/// Starts a simulated map server without waiting for anything.
pub fn start_sim(config: SimConfig) -> (MapServer, SimEvents) {
    let (sim, events) = MapServer::start(config);
    (sim, SimEvents(events))
}

/// The simulated server's events.
pub struct SimEvents(pub mpsc::UnboundedReceiver<SimEvent>);

impl SimEvents {
    pub async fn wait(&mut self, what: &str, pred: impl Fn(&SimEvent) -> bool) -> SimEvent {
        let wait = async {
            loop {
                match self.0.recv().await {
                    Some(event) if pred(&event) => return event,
                    Some(_) => {}
                    None => panic!("the simulator stopped"),
                }
            }
        };
        tokio::time::timeout(PATIENCE, wait).await.unwrap_or_else(|_| panic!("no sim event: {what}"))
    }

    /// Every event emitted so far, as text.
    pub fn drain(&mut self) -> Vec<String> {
        let mut out = Vec::new();
        while let Ok(event) = self.0.try_recv() {
            out.push(event.to_string());
        }
        out
    }
}

/// The wire log as text, with the secret hidden, one list per direction: the order within a direction is
/// fixed by the protocol, while how the two directions interleave depends on the network.
pub fn wire(lines: Vec<WireLine>) -> BTreeMap<&'static str, Vec<String>> {
    let mut out = BTreeMap::new();
    for line in lines {
        let key = match line.direction {
            Direction::Sent => "game_to_bridge",
            Direction::Received => "bridge_to_game",
        };
        out.entry(key).or_insert_with(Vec::new).push(line.line.replace(SECRET, "<secret>"));
    }
    out
}

/// A raw TCP client speaking lines, for hostile tests.
pub struct Raw {
    pub read: BufReader<OwnedReadHalf>,
    pub write: OwnedWriteHalf,
}

impl Raw {
    pub async fn connect(addr: SocketAddr) -> Self {
        let (read, write) = TcpStream::connect(addr).await.unwrap().into_split();
        Self { read: BufReader::new(read), write }
    }

    /// Connects from another loopback address (`127.0.0.2`…): a different source address on one machine.
    pub async fn connect_from(addr: SocketAddr, from: &str) -> Self {
        let socket = tokio::net::TcpSocket::new_v4().unwrap();
        socket.bind(SocketAddr::new(from.parse().unwrap(), 0)).unwrap();
        let (read, write) = socket.connect(addr).await.unwrap().into_split();
        Self { read: BufReader::new(read), write }
    }

    /// Connects and authenticates.
    pub async fn authed(addr: SocketAddr) -> Self {
        let mut raw = Self::connect(addr).await;
        raw.send_auth().await;
        assert!(raw.line().await.unwrap().starts_with("[action: auth_ok]"));
        raw
    }

    /// Sends the `auth` record of the allowed server.
    pub async fn send_auth(&mut self) {
        self.send(&format!("[action: auth][server_id: xilero][secret: {SECRET}]")).await;
    }

    pub async fn send(&mut self, line: &str) {
        self.send_bytes(format!("{line}\n").as_bytes()).await;
    }

    pub async fn send_bytes(&mut self, bytes: &[u8]) {
        self.write.write_all(bytes).await.unwrap();
    }

    /// The next line, or `None` once the bridge closed the connection.
    pub async fn line(&mut self) -> Option<String> {
        let mut line = String::new();
        let read = tokio::time::timeout(PATIENCE, self.read.read_line(&mut line)).await.expect("a line in time");
        match read {
            Ok(0) | Err(_) => None,
            Ok(_) => Some(line.trim_end_matches('\n').to_owned()),
        }
    }

    /// The next line as bytes (in whatever code page the bridge speaks), or `None` once the bridge closed it.
    pub async fn line_bytes(&mut self) -> Option<Vec<u8>> {
        let mut line = Vec::new();
        let read =
            tokio::time::timeout(PATIENCE, self.read.read_until(b'\n', &mut line)).await.expect("a line in time");
        match read {
            Ok(0) | Err(_) => None,
            Ok(_) => Some(line.strip_suffix(b"\n").map(<[u8]>::to_vec).unwrap_or(line)),
        }
    }

    /// Pings with a ref and returns every line up to the pong (which proves the link is alive).
    pub async fn until_pong(&mut self, reference: &str) -> Vec<String> {
        self.send(&format!("[action: ping][ref: {reference}]")).await;
        let pong = format!("[action: pong][ref: {reference}]");
        let mut lines = Vec::new();
        loop {
            let line = self.line().await.expect("the link stays open");
            if line == pong {
                return lines;
            }
            lines.push(line);
        }
    }
}

/// Binds a link server to `addr`. A restarted bridge binds the port it had, which came from the ephemeral range
/// (`:0`): while it was closed, a game server reconnecting to it may have been given that very port as its own
/// source port for a moment (its connection is refused at once), so the bind is tried again for a while.
async fn bind(addr: SocketAddr, link: &LinkHandle, desk: &Arc<Desk>) -> LinkServer {
    let deadline = tokio::time::Instant::now() + PATIENCE;
    loop {
        match LinkServer::bind_to(addr, link.clone(), desk.clone()).await {
            Ok(server) => return server,
            Err(e) if e.kind() == std::io::ErrorKind::AddrInUse && tokio::time::Instant::now() < deadline => {
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            Err(e) => panic!("cannot bind the link server to {addr}: {e}"),
        }
    }
}
