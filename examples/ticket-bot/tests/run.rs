//! `ticket-bot run` as a self-hoster runs it: the binary with a configuration file and a token, against the fake
//! Discord (through `discord.api_base`) and a simulated map server on loopback. It stops cleanly on SIGTERM, logs
//! JSON lines without raw user or account ids, creates its pid secret owner-only, and at the next start closes
//! the tickets whose channels were deleted while it was down.
#![cfg(unix)]
#![allow(clippy::unwrap_used, clippy::expect_used)] // Tests: a failed unwrap is a failed test.

mod common;

use adapter_discord::sim::FakeDiscord;
use adapter_xilero::sim::SimEvent;
use common::{Bot, LINK_SECRET, PATIENCE};
use ticket_bot::offline;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_bot_runs_stops_on_sigterm_and_reconciles_at_the_next_start() {
    let discord = FakeDiscord::start().await.unwrap();
    let guild = discord.create_guild("Self-hosted");
    let member = discord.add_member(guild, "ann", &[]);
    let dir = tempfile::tempdir().unwrap();
    let config = format!(
        "[database]\npath = \"data/tickets.db\"\n\n[discord]\napi_base = \"{}\"\n\n[game_link]\nlisten = \
         \"127.0.0.1:0\"\n\n[[game_link.servers]]\nid = \"xilero\"\nguild = \"{guild}\"\n",
        discord.base_url()
    );
    std::fs::write(dir.path().join("ticket-bot.toml"), config).unwrap();

    // First start: the pid secret is created, owner-only.
    let mut bot = Bot::start(dir.path(), &discord, &[], &[]);
    let created = bot.log("pid secret: created").await;
    assert_eq!(created["level"], "WARN", "a new secret is worth a warning: back it up");
    let started = bot.log("ticket bot started").await;
    bot.log("running").await;
    assert!(discord.wait_for(PATIENCE, offline::bot_ready).await, "connected");
    {
        use std::os::unix::fs::PermissionsExt;
        let meta = std::fs::metadata(dir.path().join("data/pid.secret")).unwrap();
        assert_eq!(meta.permissions().mode() & 0o777, 0o600);
    }

    // A player opens a ticket through the game link the bot listens on.
    let addr: std::net::SocketAddr = started["game_link"].as_str().expect("the log says where").parse().unwrap();
    let (sim, mut events) = offline::map_server(addr, LINK_SECRET).unwrap();
    assert!(offline::linked(&sim, PATIENCE).await.unwrap(), "the map server links up");
    let player = sim.login("Foo").await.unwrap();
    assert!(sim.request("Foo", "help me").await.unwrap());
    let opened = discord.wait_for(PATIENCE, |d| d.channels(guild).iter().any(|c| c.name == "ticket-foo")).await;
    assert!(opened, "the ticket channel opens");
    let channel = discord.channels(guild).into_iter().find(|c| c.name == "ticket-foo").unwrap().id;

    // SIGTERM: the game server is told the bridge is shutting down, the process exits 0.
    let logs = bot.stop().await;
    let told = tokio::time::timeout(PATIENCE, async {
        while let Some(event) = events.recv().await {
            if matches!(event, SimEvent::LinkDown { .. } | SimEvent::BridgeError { .. }) {
                return true;
            }
        }
        false
    });
    assert_eq!(told.await, Ok(true), "the map server saw the link close");
    assert!(discord.wait_for(PATIENCE, |d| !d.is_connected()).await, "the gateway connection is closed");

    // While the bot is down, staff delete the ticket channel by hand.
    discord.delete_channel_by_hand(channel).await;

    // Second start: the same secret is read, and the ticket of the vanished channel is closed.
    let mut bot = Bot::start(dir.path(), &discord, &[], &[]);
    bot.log("pid secret: read").await;
    let reconciled = bot.log("closed tickets whose channels are gone").await;
    assert_eq!(reconciled["closed"], 1);
    let logs_again = bot.stop().await;
    sim.shutdown().await;
    discord.shutdown().await;

    // What an operator reads (shown with --nocapture).
    for event in logs.iter().chain(&logs_again) {
        println!("{event}");
    }
    // No raw Discord user id or game account id in any log line.
    let raw = [member, discord.bot_user_id(), player.account.get(), player.char.get()];
    for event in logs.iter().chain(&logs_again) {
        let line = event.to_string();
        for id in raw {
            assert!(!line.contains(&id.to_string()), "a raw id ({id}) in the log: {line}");
        }
    }
}
