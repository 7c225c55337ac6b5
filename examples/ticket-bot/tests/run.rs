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

/// `ticket-bot.toml` in `dir`: SQLite at `data/tickets.db`, the fake Discord, game server `xilero` for `guild`.
fn write_config(dir: &std::path::Path, discord: &FakeDiscord, guild: u64) {
    let config = format!(
        "[database]\npath = \"data/tickets.db\"\n\n[discord]\napi_base = \"{}\"\n\n[game_link]\nlisten = \
         \"127.0.0.1:0\"\n\n[[game_link.servers]]\nid = \"xilero\"\nguild = \"{guild}\"\n",
        discord.base_url()
    );
    std::fs::write(dir.join("ticket-bot.toml"), config).unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_bot_runs_stops_on_sigterm_and_reconciles_at_the_next_start() {
    let discord = FakeDiscord::start().await.unwrap();
    let guild = discord.create_guild("Self-hosted");
    let member = discord.add_member(guild, "ann", &[]);
    let dir = tempfile::tempdir().unwrap();
    write_config(dir.path(), &discord, guild);

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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_bot_on_the_same_sqlite_file_is_refused_and_migrate_waits_for_the_first_to_stop() {
    let discord = FakeDiscord::start().await.unwrap();
    let guild = discord.create_guild("Self-hosted");
    let dir = tempfile::tempdir().unwrap();
    write_config(dir.path(), &discord, guild);
    let secret = [("TICKET_BOT_PID_SECRET", "a-pid-secret-for-both-processes-0123456789abcdef")];
    let mut first = Bot::start(dir.path(), &discord, &[], &secret);
    first.log("running").await;
    assert!(discord.wait_for(PATIENCE, offline::bot_ready).await, "the first connected");

    // The same configuration started again (a second service unit, say): refused, with the reason, at once.
    let mut second = Bot::start(dir.path(), &discord, &[], &secret);
    let refused = second.log("cannot start").await;
    let why = refused["error"].as_str().unwrap();
    assert!(why.contains("another ticket-bot is running on data/tickets.db"), "{why}");
    let status = tokio::time::timeout(PATIENCE, second.child.wait()).await.unwrap().unwrap();
    assert!(!status.success(), "the second exits with a failure: {status:?}");

    // Copying the file while the first runs is refused too.
    let migrate = std::process::Command::new(env!("CARGO_BIN_EXE_ticket-bot"))
        .args(["migrate", "--from", "data/tickets.db", "--to", "postgres://ticket-bot@127.0.0.1/test"])
        .current_dir(dir.path())
        .output()
        .unwrap();
    let said = String::from_utf8_lossy(&migrate.stderr);
    assert!(!migrate.status.success() && said.contains("a ticket-bot is running on data/tickets.db"), "{said}");

    // Once the first stops, another may run on the file.
    first.stop().await;
    let mut third = Bot::start(dir.path(), &discord, &[], &secret);
    third.log("running").await;
    assert!(discord.wait_for(PATIENCE, offline::bot_ready).await, "the third connected");
    third.stop().await;
    discord.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sigterm_while_connecting_to_discord_stops_cleanly() {
    // systemd stops a unit it just started, say: the signal comes while the shard is still connecting to the
    // gateway (held here by a slow handshake). serenity's shutdown had nothing to stop then, and the process waited
    // for its stop timeout instead of ending.
    for _ in 0..2 {
        let discord = FakeDiscord::start().await.unwrap();
        discord.delay_gateway_handshake(std::time::Duration::from_secs(1));
        let guild = discord.create_guild("Self-hosted");
        let dir = tempfile::tempdir().unwrap();
        write_config(dir.path(), &discord, guild);
        let secret = [("TICKET_BOT_PID_SECRET", "a-pid-secret-for-a-quick-start-0123456789abcdef")];
        let mut bot = Bot::start(dir.path(), &discord, &[], &secret);
        bot.log("running").await;
        let asked = std::time::Instant::now();
        let logs = bot.stop().await;
        assert!(asked.elapsed() < std::time::Duration::from_secs(10), "stopped in {:?}", asked.elapsed());
        assert!(!logs.iter().any(|l| l["message"].as_str().is_some_and(|m| m.starts_with("stopping took too long"))));
        discord.shutdown().await;
    }
}
