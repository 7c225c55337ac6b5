//! Two `ticket-bot` processes on one Postgres schema, as a community that must survive a machine failure runs them:
//! one is active, the other stands by (its game link does not listen). `kill -9` of the active one in the middle of
//! a player's burst: the standby takes over within seconds, the map server (configured with both bridge addresses)
//! links to it, and in the ticket's channel every line the player typed is there once, in order. Staff reply in
//! the channel throughout, some while no bot is connected to Discord at all: every reply reaches the player once,
//! in order (those written while no bot was connected are read from the channel's history by the new active one).
#![cfg(unix)]
#![allow(clippy::unwrap_used, clippy::expect_used)] // Tests: a failed unwrap is a failed test.

mod common;

use std::time::{Duration, Instant};

use adapter_discord::sim::FakeDiscord;
use adapter_postgres::test_support::{drop_schema, raw_client, unique_schema, url};
use adapter_xilero::Secret;
use adapter_xilero::sim::{MapServer, Seen, SimConfig, SimEvent};
use common::{Bot, LINK_SECRET, PATIENCE};
use ticket_bot::offline;
use ticket_core::GameServerId;
use tokio::sync::mpsc::UnboundedReceiver;

const PID_SECRET: &str = "a-pid-secret-shared-by-both-instances-0123456789";
/// Lines the player types in the burst; the active bot is killed after `KILL_AFTER` of them.
const BURST: usize = 60;
const KILL_AFTER: usize = 25;

/// A free port on loopback.
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// Whether something listens at `port`.
async fn listens(port: u16) -> bool {
    tokio::net::TcpStream::connect(("127.0.0.1", port)).await.is_ok()
}

/// The lines `player` sent that reached `channel`, split back into the lines typed.
fn player_lines(d: &FakeDiscord, channel: u64, player: &str) -> Vec<String> {
    let prefix = format!("**{player}** (in game): ");
    // Lines that waited behind a post go out together: one post, the lines after the prefix.
    d.messages(channel)
        .iter()
        .filter_map(|m| m.content.strip_prefix(&prefix).map(str::to_owned))
        .flat_map(|text| text.lines().map(str::to_owned).collect::<Vec<_>>())
        .collect()
}

/// The whispers from `from` the game shows `player` until `count` came or nothing more comes for a while.
async fn whispers_from(
    events: &mut UnboundedReceiver<SimEvent>,
    player: &str,
    from: &str,
    count: usize,
) -> Vec<String> {
    let mut heard = Vec::new();
    let deadline = tokio::time::Instant::now() + PATIENCE;
    while heard.len() < count {
        match tokio::time::timeout_at(deadline, events.recv()).await {
            Ok(Some(SimEvent::Sees { player: p, line: Seen::Whisper { from: f, message } }))
                if p == player && f == from =>
            {
                heard.push(message)
            }
            Ok(Some(_)) => {}
            Ok(None) | Err(_) => break,
        }
    }
    // Anything more (a reply whispered twice) would come soon after.
    while let Ok(Some(event)) = tokio::time::timeout(Duration::from_secs(2), events.recv()).await {
        if let SimEvent::Sees { player: p, line: Seen::Whisper { from: f, message } } = event
            && p == player
            && f == from
        {
            heard.push(message);
        }
    }
    heard
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_standby_takes_over_when_the_active_bot_is_killed_mid_burst() {
    if raw_client().await.is_none() {
        return;
    }
    let schema = Schema(unique_schema());
    let schema_name = schema.0.clone();
    let discord = FakeDiscord::start().await.unwrap();
    let guild = discord.create_guild("Failover");
    let owner = discord.add_member(guild, "owner", &[]);
    discord.set_owner(guild, owner);
    let dir = tempfile::tempdir().unwrap();
    let (port_a, port_b) = (free_port(), free_port());
    for (name, port) in [("a.toml", port_a), ("b.toml", port_b)] {
        let config = format!(
            "[database]\nurl = \"{}\"\nschema = \"{schema_name}\"\n\n[discord]\napi_base = \"{}\"\n\n[game_link]\nlisten = \
             \"127.0.0.1:{port}\"\n\n[[game_link.servers]]\nid = \"xilero\"\nguild = \"{guild}\"\n",
            url(),
            discord.base_url()
        );
        std::fs::write(dir.path().join(name), config).unwrap();
    }

    let mut a = Bot::start(dir.path(), &discord, &["--config", "a.toml"], &[("TICKET_BOT_PID_SECRET", PID_SECRET)]);
    a.log("active: this instance holds the database's lease").await;
    a.log("running").await;
    assert!(discord.wait_for(PATIENCE, offline::bot_ready).await, "A connected");
    let mut b = Bot::start(dir.path(), &discord, &["--config", "b.toml"], &[("TICKET_BOT_PID_SECRET", PID_SECRET)]);
    b.log("standing by").await;
    assert!(listens(port_a).await && !listens(port_b).await, "only the active bot's game link listens");

    // The map server knows both bridges.
    let mut config =
        SimConfig::new("127.0.0.1", port_a, GameServerId::new(offline::SERVER).unwrap(), Secret::new(LINK_SECRET));
    config.more_bridges = vec![("127.0.0.1".to_owned(), port_b)];
    config.receipts = true;
    config.backoff_initial = Duration::from_millis(20);
    config.backoff_max = Duration::from_millis(200);
    let (sim, mut events) = MapServer::start(config);
    assert!(offline::linked(&sim, PATIENCE).await.unwrap(), "linked to A");
    sim.login("Foo").await.unwrap();
    assert!(sim.request("Foo", "line 0").await.unwrap());
    let channel = tokio::time::timeout(PATIENCE, async {
        loop {
            if let Some(c) = discord.channels(guild).into_iter().find(|c| c.name == "ticket-foo") {
                return c.id;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
    .await
    .expect("the ticket channel opens");

    // The burst; A is killed in the middle of it. A line typed while no bridge is linked is refused in game
    // ("Try again"), and the player types it again. Staff reply every few lines, and three times right after the
    // kill, while no bot is connected to Discord.
    let mut killed_at = None;
    let mut replies = Vec::new();
    for n in 1..=BURST {
        let line = format!("line {n}");
        let deadline = Instant::now() + PATIENCE;
        while !sim.whisper_support("Foo", &line).await.unwrap() {
            assert!(Instant::now() < deadline, "{line} was never accepted");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        if n == KILL_AFTER {
            a.child.start_kill().unwrap(); // SIGKILL
            killed_at = Some(Instant::now());
            assert!(discord.wait_for(PATIENCE, |d| !d.is_connected()).await, "A's gateway session ended");
            for gap in ["a", "b", "c"] {
                replies.push(format!("reply {n}{gap} (no bot connected)"));
                discord.send_message(channel, owner, replies.last().unwrap()).await;
            }
            assert!(!discord.is_connected(), "these replies were written while no bot was connected");
        }
        if n % 5 == 0 {
            replies.push(format!("reply {n}"));
            discord.send_message(channel, owner, replies.last().unwrap()).await;
        }
    }
    let took_over = b.log("active: this instance holds the database's lease").await;
    b.log("running").await;
    let killed_at = killed_at.unwrap();
    println!("taken over {:?} after the kill: {took_over}", killed_at.elapsed());

    let expected: Vec<String> = (0..=BURST).map(|n| format!("line {n}")).collect();
    let all_there = discord.wait_for(PATIENCE, |d| player_lines(d, channel, "Foo").len() >= expected.len()).await;
    let lines = player_lines(&discord, channel, "Foo");
    let mut seen = std::collections::HashSet::new();
    let doubled: Vec<&String> = lines.iter().filter(|l| !seen.insert(l.as_str())).collect();
    let lost: Vec<&String> = expected.iter().filter(|l| !lines.contains(l)).collect();
    println!("{} lines in the channel, {} lost, {} doubled", lines.len(), lost.len(), doubled.len());
    if !lost.is_empty() {
        for m in discord.messages(channel) {
            println!("posted: {:?}", m.content);
        }
        let _ = tokio::time::timeout(Duration::from_secs(3), b.log("never")).await;
        for event in a.seen.iter().chain(&b.seen) {
            if event["level"] != "INFO" || event["message"].as_str().is_some_and(|m| m.contains("game")) {
                println!("log: {event}");
            }
        }
    }
    assert!(doubled.is_empty(), "no line twice: {doubled:?}");
    assert!(lost.is_empty() && all_there, "every line typed is in the channel: lost {lost:?}");
    assert_eq!(lines, expected, "in the order typed");

    // Staff replies, before, during and after the gap, reach the player once each, in order; and more after the
    // take-over go through the new active bot.
    assert!(discord.wait_for(PATIENCE, offline::bot_ready).await, "B connected");
    for n in 1..=3 {
        replies.push(format!("after {n}"));
        discord.send_message(channel, owner, replies.last().unwrap()).await;
    }
    let heard = whispers_from(&mut events, "Foo", "owner", replies.len()).await;
    println!("{} of {} staff replies whispered", heard.len(), replies.len());
    if heard != replies {
        for m in discord.messages(channel) {
            if !m.content.starts_with("**Foo**") {
                println!("posted: {:?}", m.content);
            }
        }
        let _ = tokio::time::timeout(Duration::from_secs(1), b.log("never")).await;
        a.drain().await;
        for event in a.seen.iter() {
            println!("log A: {event}");
        }
        for event in b.seen.iter() {
            println!("log B: {event}");
        }
    }
    assert_eq!(heard, replies, "every staff reply reached the player once, in the order written");

    sim.shutdown().await;
    drop(b);
    drop(a);
    discord.shutdown().await;
}

/// Drops the test's schema however the test ends.
struct Schema(String);

impl Drop for Schema {
    fn drop(&mut self) {
        drop_schema(&self.0);
    }
}
