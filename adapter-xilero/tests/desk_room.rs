//! The desk's room for game records is shared by every game server: a burst of thousands of players across many
//! servers holds at most `desk_at_once` records (and what each carries) in memory, the rest waiting in their
//! servers' queues.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::Duration;

use adapter_xilero::sim::{Seen, SimEvent};
use adapter_xilero::{AllowedServer, Secret};
use common::{Bridge, GUILD, PATIENCE, SECRET, allowed, limits, start_sim};
use ticket_core::GameServerId;

const AT_ONCE: usize = 3;
const PLAYERS: usize = 5;

/// Waits until `done` holds, checking often; fails after [`PATIENCE`].
async fn until(what: &str, done: impl Fn() -> bool) {
    let deadline = tokio::time::Instant::now() + PATIENCE;
    while !done() {
        assert!(tokio::time::Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

/// Before the room was shared, each connection let up to its `desk_queue` (1,024) records run at once: ten players
/// on two servers meant ten ticket openings under way, each holding its record and its desk call.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn records_under_way_at_the_desk_are_bounded_across_every_game_server() {
    let second = GameServerId::new("xilero-2").unwrap();
    let mut link_limits = limits();
    link_limits.desk_at_once = AT_ONCE;
    let servers = vec![allowed(), AllowedServer::new(second.clone(), Secret::new(SECRET), GUILD)];
    let mut bridge = Bridge::with_servers(link_limits, servers).await;
    let gate = bridge.chat.hold_creations();

    let mut sims = Vec::new();
    for id in [common::server_id(), second] {
        let mut config = bridge.sim_config();
        config.server_id = id;
        let (sim, mut events) = start_sim(config);
        events.wait("link up", |e| *e == SimEvent::LinkUp).await;
        sims.push((sim, events));
    }
    for (n, (sim, _)) in sims.iter().enumerate() {
        for p in 0..PLAYERS {
            let player = format!("Player{n}x{p}");
            sim.login(&player).await.unwrap();
            assert!(sim.request(&player, "help").await.unwrap());
        }
    }

    until("the first openings to reach Discord", || bridge.chat.creating() >= AT_ONCE).await;
    // Give any opening beyond the room time to start, were it allowed to.
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(bridge.chat.most_creating(), AT_ONCE, "ticket openings under way at once, across both servers");

    gate.add_permits(2 * PLAYERS);
    for (_, events) in &mut sims {
        // Players' answers come in any order: count them.
        for _ in 0..PLAYERS {
            events
                .wait("every ticket created", |e| matches!(e, SimEvent::Sees { line: Seen::TicketCreated, .. }))
                .await;
        }
    }
    assert_eq!(bridge.chat.most_creating(), AT_ONCE);
    bridge.stop().await;
}
