//! Throughput and restart time of the SQLite store; prints a table.
//!
//! ```text
//! cargo run --release -p adapter-sqlite --example bench [-- --ops 1000 --tickets 10000]
//! ```
//!
//! * Desk rows run the real use cases (`open_game_ticket`, `relay_player_message`, `player_logout`) through
//!   `ticket_core::Desk` with a Discord and game link that do nothing, so they include every read, commit and
//!   outbox step of the use case.
//! * Commit rows are single `TicketStore::commit` calls shaped like those use cases.
//! * Restart is opening the store and loading every open ticket of a guild holding `--tickets` open tickets.
//!
//! Each figure is measured with `synchronous = FULL` (the default: every commit flushed to disk) and `NORMAL`.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use adapter_sqlite::{OpenOptions, SqliteStore, Synchronous};
use async_trait::async_trait;
use ticket_core::ports::{
    Commit, GameLinkError, NewChannel, Overwrite, PlatformError, TranscriptAuthor, TranscriptEntry, WhisperOutcome,
};
use ticket_core::relay::GameName;
use ticket_core::ticket::{CloseReason, InGameTicket, Ticket, TicketDetail};
use ticket_core::{
    AccountId, ChainKey, ChannelId, ChatPlatform, Desk, Destination, Effect, GameLink, GamePlayer, GameServerId,
    GuildId, Message, MessageId, Notice, PidKey, Ports, RoleId, TicketId, TicketSource, TicketStore, UserId,
};
use time::OffsetDateTime;

type Error = Box<dyn std::error::Error + Send + Sync>;

const GUILD: GuildId = GuildId::new(1);

/// Discord that accepts everything at once.
#[derive(Default)]
struct NoopChat(AtomicU64);

impl NoopChat {
    fn id(&self) -> u64 {
        self.0.fetch_add(1, Ordering::Relaxed) + 1
    }
}

#[async_trait]
impl ChatPlatform for NoopChat {
    async fn create_channel(&self, _: NewChannel) -> Result<ChannelId, PlatformError> {
        Ok(ChannelId::new(self.id()))
    }
    async fn delete_channel(&self, _: ChannelId) -> Result<(), PlatformError> {
        Ok(())
    }
    async fn set_topic(&self, _: ChannelId, _: String) -> Result<(), PlatformError> {
        Ok(())
    }
    async fn set_overwrite(&self, _: ChannelId, _: Overwrite) -> Result<(), PlatformError> {
        Ok(())
    }
    async fn send(&self, _: ChannelId, _: Message) -> Result<MessageId, PlatformError> {
        Ok(MessageId::new(self.id()))
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

/// A game link where every whisper arrives.
struct NoopGame;

#[async_trait]
impl GameLink for NoopGame {
    async fn whisper(&self, _: &GameServerId, _: &GameName, _: &str, _: &str) -> Result<WhisperOutcome, GameLinkError> {
        Ok(WhisperOutcome::Delivered)
    }
    async fn ticket_created(&self, _: &GameServerId, _: &GameName, _: TicketSource) -> Result<(), GameLinkError> {
        Ok(())
    }
    async fn ticket_closed(&self, _: &GameServerId, _: &GameName) -> Result<(), GameLinkError> {
        Ok(())
    }
}

struct Args {
    ops: u64,
    tickets: u64,
}

fn args() -> Result<Args, Error> {
    let mut parsed = Args { ops: 1000, tickets: 10_000 };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let value: u64 = it.next().ok_or("a flag needs a value")?.parse()?;
        match flag.as_str() {
            "--ops" => parsed.ops = value,
            "--tickets" => parsed.tickets = value,
            other => return Err(format!("unknown flag {other}; use --ops N and --tickets N").into()),
        }
    }
    Ok(parsed)
}

fn per_second(n: u64, took: Duration) -> f64 {
    n as f64 / took.as_secs_f64()
}

async fn open(dir: &std::path::Path, name: &str, sync: Synchronous) -> Result<SqliteStore, Error> {
    Ok(OpenOptions::new().synchronous(sync).open(dir.join(name)).await?)
}

fn player(n: u64) -> GamePlayer {
    GamePlayer { account: AccountId::new(2_000_000 + n), name: format!("Player{n}") }
}

/// Desk use cases: `ops` tickets opened, one message relayed into each, each closed. Returns ops/s of each.
async fn desk_rows(dir: &std::path::Path, sync: Synchronous, ops: u64) -> Result<[f64; 3], Error> {
    let store = Arc::new(open(dir, &format!("desk-{sync:?}.db"), sync).await?);
    let ports = Ports::new(store.clone(), Arc::new(NoopChat::default())).with_game(Arc::new(NoopGame));
    let desk = Desk::new(ports, PidKey::new(&[7; 32])?);
    let server = GameServerId::new("main")?;
    let start = Instant::now();
    for n in 0..ops {
        desk.open_game_ticket(GUILD, &server, &player(n), TicketSource::Request, "my item vanished").await?;
    }
    let open = per_second(ops, start.elapsed());
    let start = Instant::now();
    for n in 0..ops {
        desk.relay_player_message(GUILD, &server, &player(n), "it was a +7 sword").await?;
    }
    let relay = per_second(ops, start.elapsed());
    let start = Instant::now();
    for n in 0..ops {
        desk.player_logout(GUILD, &server, &player(n)).await?;
    }
    let close = per_second(ops, start.elapsed());
    store.close().await;
    Ok([open, relay, close])
}

fn in_game_ticket(key: &PidKey, n: u64, now: OffsetDateTime) -> Result<Ticket, Error> {
    Ok(Ticket {
        id: TicketId::new(n),
        guild: GUILD,
        channel: Some(ChannelId::new(10_000_000 + n)),
        channel_name: format!("ticket-player{n}"),
        detail: TicketDetail::InGame(InGameTicket {
            server: GameServerId::new("main")?,
            player: key.account(AccountId::new(2_000_000 + n)),
            name: GameName::new(format!("Player{n}"))?,
            online: true,
            held: Vec::new(),
        }),
        opened_at: now,
        closed: None,
        claim: None,
        timers: Default::default(),
        activity: Default::default(),
        version: 0,
    })
}

fn line(ticket: TicketId, now: OffsetDateTime, text: &str) -> TranscriptEntry {
    TranscriptEntry::line(ticket, now, TranscriptAuthor::System, text)
}

/// Raw commits shaped like the use cases: open (ticket + line + 3 effects), append a line, close.
async fn commit_rows(dir: &std::path::Path, sync: Synchronous, ops: u64) -> Result<[f64; 3], Error> {
    let store = open(dir, &format!("commit-{sync:?}.db"), sync).await?;
    let key = PidKey::new(&[7; 32])?;
    let now = OffsetDateTime::now_utc();
    let player = GameName::new("Player")?;
    let start = Instant::now();
    for n in 1..=ops {
        let ticket = in_game_ticket(&key, n, now)?;
        let id = ticket.id;
        let post = |text: &str| Effect::Post {
            to: Destination::Ticket(id),
            notice: Notice::PlayerMessage { player: player.clone(), text: text.into() },
        };
        let enqueue = vec![
            (ChainKey::Ticket(id), Effect::DeleteTicketChannel { ticket: id }),
            (ChainKey::Ticket(id), post("welcome")),
            (ChainKey::Ticket(id), post("my item vanished")),
        ];
        let transcript = vec![line(id, now, "my item vanished")];
        store.commit(Commit { tickets: vec![ticket], transcript, enqueue, ..Commit::default() }).await?;
    }
    let open_rate = per_second(ops, start.elapsed());
    let start = Instant::now();
    for n in 1..=ops {
        let transcript = vec![line(TicketId::new(n), now, "it was a +7 sword")];
        store.commit(Commit { transcript, ..Commit::default() }).await?;
    }
    let relay = per_second(ops, start.elapsed());
    let start = Instant::now();
    for n in 1..=ops {
        let mut ticket = store.ticket(TicketId::new(n)).await?.ok_or("the ticket is missing")?;
        ticket.close(CloseReason::PlayerLoggedOut, None, now)?;
        store.commit(Commit { tickets: vec![ticket], ..Commit::default() }).await?;
    }
    let close = per_second(ops, start.elapsed());
    store.close().await;
    Ok([open_rate, relay, close])
}

/// Fills a file with `tickets` open tickets, then times open + loading them, best of three.
async fn restart(dir: &std::path::Path, tickets: u64) -> Result<(Duration, usize, u64), Error> {
    let path = dir.join("restart.db");
    let store = OpenOptions::new().synchronous(Synchronous::Normal).open(&path).await?;
    let key = PidKey::new(&[7; 32])?;
    let now = OffsetDateTime::now_utc();
    let mut n = 1;
    while n <= tickets {
        let batch: Result<Vec<Ticket>, Error> =
            (n..=tickets.min(n + 499)).map(|i| in_game_ticket(&key, i, now)).collect();
        let batch = batch?;
        n += batch.len() as u64;
        store.commit(Commit { tickets: batch, ..Commit::default() }).await?;
    }
    store.close().await;
    let size = std::fs::metadata(&path)?.len();
    let mut best = Duration::MAX;
    let mut loaded = 0;
    for _ in 0..3 {
        let start = Instant::now();
        let store = SqliteStore::open(&path).await?;
        loaded = store.open_tickets(GUILD).await?.len();
        best = best.min(start.elapsed());
        store.close().await;
    }
    Ok((best, loaded, size))
}

#[tokio::main]
async fn main() -> Result<(), Error> {
    let args = args()?;
    let dir = tempfile::tempdir()?;
    println!("adapter-sqlite bench: {} operations per row, restart with {} open tickets", args.ops, args.tickets);
    println!("(temporary files in {})\n", dir.path().display());
    let full_desk = desk_rows(dir.path(), Synchronous::Full, args.ops).await?;
    let normal_desk = desk_rows(dir.path(), Synchronous::Normal, args.ops).await?;
    let full_commit = commit_rows(dir.path(), Synchronous::Full, args.ops).await?;
    let normal_commit = commit_rows(dir.path(), Synchronous::Normal, args.ops).await?;
    println!("| operation                                   | FULL (ops/s) | NORMAL (ops/s) |");
    println!("|---------------------------------------------|-------------:|---------------:|");
    let names = ["open in-game ticket", "relay player message", "close on logout"];
    for (i, name) in names.iter().enumerate() {
        println!("| Desk: {:<37} | {:>12.0} | {:>14.0} |", name, full_desk[i], normal_desk[i]);
    }
    let names = ["open (ticket + line + 3 effects)", "transcript append", "close"];
    for (i, name) in names.iter().enumerate() {
        println!("| commit: {:<35} | {:>12.0} | {:>14.0} |", name, full_commit[i], normal_commit[i]);
    }
    let (took, loaded, size) = restart(dir.path(), args.tickets).await?;
    println!(
        "\nrestart: open + load {loaded} open tickets: {:.1} ms (best of 3; file {:.1} MiB)",
        took.as_secs_f64() * 1000.0,
        size as f64 / (1024.0 * 1024.0)
    );
    Ok(())
}
