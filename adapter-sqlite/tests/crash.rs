//! Crash safety. A child process (this test binary again, in "child mode") runs a stream of desk use cases on a
//! database file and prints an acknowledgement after each one; the parent kills it with SIGKILL after a random
//! number of them, reopens the file and checks: `PRAGMA integrity_check` is ok, every acknowledged operation is
//! there, and `Desk::resume` runs everything the outbox still held. Several rounds on the same file; the random
//! kill points come from a fixed seed (override with `CRASH_SEED`), and no check depends on where the kill lands.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use std::process::{Child, ChildStdout, Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

use adapter_sqlite::{OpenOptions, SqliteStore, Synchronous};
use common::{FakeChat, FakeGame, FixedClock};
use ticket_core::conformance::T0;
use ticket_core::ports::TranscriptAuthor;
use ticket_core::ticket::CloseReason;
use ticket_core::{
    AccountId, Actor, Desk, GamePlayer, GameServerId, GuildId, InGameOutcome, Permissions, PidKey, Ports, RoleId,
    TicketId, TicketSource, TicketStore, UserId,
};

const CHILD_ENV: &str = "ADAPTER_SQLITE_CRASH_CHILD";
const ROUNDS: u64 = 10;
const GUILD: GuildId = GuildId::new(1);
const STAFF_ROLE: RoleId = RoleId::new(50);

fn key() -> PidKey {
    PidKey::new(&[9; 32]).unwrap()
}

/// Both sides open the file the same way; `Normal` is enough here: a killed process loses nothing that SQLite
/// acknowledged (only a power cut could, and `Full`, the default, covers that).
async fn open(path: &Path) -> SqliteStore {
    OpenOptions::new().synchronous(Synchronous::Normal).open(path).await.unwrap()
}

/// The child's side: endless use cases, one acknowledgement line per finished one. Runs only when started by
/// the parent below (`CHILD_ENV` set); as part of a normal test run it returns at once.
#[test]
fn crash_child() {
    let Ok(spec) = std::env::var(CHILD_ENV) else { return };
    let (path, round) = spec.split_once('|').unwrap();
    let round: u64 = round.parse().unwrap();
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
    runtime.block_on(child_stream(Path::new(path), round));
}

async fn child_stream(path: &Path, round: u64) {
    let store = Arc::new(open(path).await);
    // Every 7th Discord call fails: the outbox keeps some effects back for later, as in real life.
    let chat = Arc::new(FakeChat::failing_every(7).with_ids_from(100_000 * (round + 1)));
    let ports = Ports::new(store, chat.clone())
        .with_game(Arc::new(FakeGame::default()))
        .with_clock(Arc::new(FixedClock::new(T0)));
    let desk = Desk::new(ports, key());
    let server = GameServerId::new("main").unwrap();
    let staff = Actor::member(GUILD, UserId::new(77), "Staff", vec![STAFF_ROLE], Permissions::MANAGE_CHANNELS);
    for i in 0.. {
        let tag = format!("{round}-{i}");
        let player = GamePlayer { account: AccountId::new(round * 100_000 + i), name: format!("P{tag}") };
        let opened =
            desk.open_game_ticket(GUILD, &server, &player, TicketSource::Request, &format!("help-{tag}")).await;
        let ticket = match opened.unwrap() {
            InGameOutcome::Opened(t) | InGameOutcome::Relayed(t) => t,
            InGameOutcome::Refused => panic!("no limits are set"),
        };
        println!("ACK open {ticket} help-{tag}");
        desk.relay_player_message(GUILD, &server, &player, &format!("more-{tag}")).await.unwrap();
        println!("ACK relay {ticket} more-{tag}");
        if let Some(channel) = chat.channel_of(ticket) {
            desk.channel_message(channel, &staff, &format!("reply-{tag}")).await.unwrap();
            println!("ACK reply {ticket} reply-{tag}");
        }
        if i % 3 == 0 {
            desk.player_logout(GUILD, &server, &player).await.unwrap();
            println!("ACK close {ticket} -");
        }
        if i % 5 == 0 {
            let opener = Actor::member(
                GUILD,
                UserId::new(10_u64.pow(15) + round * 100_000 + i),
                "Opener",
                vec![],
                Permissions::empty(),
            );
            let opened = desk.open_support_ticket(GUILD, &opener, &format!("question-{tag}")).await.unwrap();
            println!("ACK support {} question-{tag}", opened.ticket);
        }
    }
}

/// One acknowledged operation.
#[derive(Debug)]
struct Ack {
    kind: String,
    ticket: TicketId,
    text: String,
}

fn parse_ack(line: &str) -> Option<Ack> {
    let mut parts = line.strip_prefix("ACK ")?.trim_end().splitn(3, ' ');
    let kind = parts.next()?.to_owned();
    let ticket = TicketId::new(parts.next()?.parse().ok()?);
    Some(Ack { kind, ticket, text: parts.next()?.to_owned() })
}

/// A small deterministic generator for the kill points (xorshift64*).
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d) % n
    }
}

fn spawn_child(path: &Path, round: u64) -> Child {
    Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "crash_child", "--nocapture", "--test-threads=1"])
        .env(CHILD_ENV, format!("{}|{round}", path.display()))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

/// Reads complete lines until `wanted` acknowledgements arrived (or the child ended); a line cut by the kill has
/// no newline and is not counted.
fn read_acks(out: &mut BufReader<ChildStdout>, acks: &mut Vec<Ack>, wanted: Option<usize>) {
    let mut line = String::new();
    while wanted.is_none_or(|w| acks.len() < w) {
        line.clear();
        if out.read_line(&mut line).unwrap_or(0) == 0 || !line.ends_with('\n') {
            return;
        }
        acks.extend(parse_ack(&line));
    }
}

/// Kills the child after `kill_after` acknowledgements; returns every acknowledgement it printed.
fn run_and_kill(path: &Path, round: u64, kill_after: usize, extra_delay: Duration) -> Vec<Ack> {
    let mut child = spawn_child(path, round);
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let mut acks = Vec::new();
    read_acks(&mut out, &mut acks, Some(kill_after));
    if acks.len() < kill_after {
        let mut stderr = String::new();
        child.stderr.take().unwrap().read_to_string(&mut stderr).unwrap();
        panic!("the child ended after {} acknowledgements:\n{stderr}", acks.len());
    }
    std::thread::sleep(extra_delay);
    child.kill().unwrap(); // SIGKILL on Unix: no destructor, no flush, no checkpoint runs.
    child.wait().unwrap();
    read_acks(&mut out, &mut acks, None);
    acks
}

async fn check_acknowledged(store: &SqliteStore, acks: &[Ack]) {
    for ack in acks {
        let ticket = store.ticket(ack.ticket).await.unwrap();
        let ticket = ticket.unwrap_or_else(|| panic!("acknowledged {ack:?}, but the ticket is missing"));
        let lines = store.transcript(ack.ticket).await.unwrap();
        let said = |text: &str| lines.iter().any(|l| l.text == text);
        match ack.kind.as_str() {
            "open" | "relay" => {
                assert!(said(&ack.text), "acknowledged {ack:?}, but the transcript lacks it: {lines:?}");
                assert!(lines.iter().any(|l| matches!(l.author, TranscriptAuthor::Player { .. })));
            }
            "reply" => assert!(
                lines.iter().any(|l| l.text == ack.text && matches!(l.author, TranscriptAuthor::Member { .. })),
                "acknowledged {ack:?}, but the reply is missing"
            ),
            "close" => {
                let closed = ticket.closed.as_ref().map(|c| &c.reason);
                assert_eq!(closed, Some(&CloseReason::PlayerLoggedOut), "acknowledged {ack:?}, but still open");
                assert!(said("Closed: the player logged out."));
            }
            "support" => assert!(said(&ack.text), "acknowledged {ack:?}, but the question is missing"),
            other => panic!("unknown acknowledgement {other}"),
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_mid_stream_loses_nothing_acknowledged_and_the_outbox_replays() {
    let seed = std::env::var("CRASH_SEED").ok().and_then(|s| s.parse().ok()).unwrap_or(0x5eed_2026_u64);
    let mut rng = Rng(seed | 1);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("tickets.db");
    let mut replayed = 0;
    let mut all_acks = Vec::new();
    for round in 0..ROUNDS {
        let kill_after = usize::try_from(3 + rng.below(60)).unwrap();
        let delay = Duration::from_micros(rng.below(3000));
        let path_for_child = path.clone();
        let acks =
            tokio::task::spawn_blocking(move || run_and_kill(&path_for_child, round, kill_after, delay)).await.unwrap();
        let acked = acks.len();
        assert!(acked >= kill_after, "seed {seed}, round {round}");

        let store = Arc::new(open(&path).await);
        let problems = store.integrity_check().await.unwrap();
        assert!(problems.is_empty(), "seed {seed}, round {round}: integrity_check found {problems:?}");
        all_acks.extend(acks);
        check_acknowledged(&store, &all_acks).await;
        let newest = all_acks.iter().map(|a| a.ticket).max().unwrap();
        assert!(store.next_ticket_id().await.unwrap() > newest, "a handed-out id came back after the crash");

        // Restart: resume runs what the outbox held, with Discord up and the retry times passed.
        let chat = Arc::new(FakeChat::new().with_ids_from(100_000 * (round + 1) + 50_000));
        let later = FixedClock::new(T0 + time::Duration::days(1));
        let ports = Ports::new(store.clone(), chat.clone())
            .with_game(Arc::new(FakeGame::default()))
            .with_clock(Arc::new(later));
        let desk = Desk::new(ports, key());
        let report = desk.resume().await.unwrap();
        assert_eq!(report.pending_after, 0, "seed {seed}, round {round}: the outbox was not drained: {report:?}");
        replayed += report.pending_before;
        eprintln!("round {round}: killed after {acked} acknowledgements; resume ran {report:?}");
        for ticket in store.open_tickets(GUILD).await.unwrap() {
            assert!(ticket.channel.is_some(), "open ticket {} has no channel after resume", ticket.id);
        }
        store.close().await;
    }
    assert!(replayed > 0, "seed {seed}: the kills never left work in the outbox, so the replay was not tested");
}
