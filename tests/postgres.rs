//! The bot on Postgres (`database.url`) end to end: an in-game ticket opens, staff and player talk both ways, the
//! bot restarts on the same schema and the ticket carries on, and everything is in the schema, not in a file.
#![allow(clippy::unwrap_used, clippy::expect_used)] // Tests: a failed unwrap is a failed test.

use adapter_postgres::PostgresStore;
use adapter_postgres::test_support::{drop_schema, raw_client, unique_schema, url};
use adapter_xilero::sim::{Seen, SimEvent};
use e2e::{PATIENCE, Stack, game_event};
use ticket_bot::database::{DatabaseConfig, PostgresSettings};
use ticket_core::TicketStore;

/// Drops the test's schema however the test ends.
struct Schema(String);

impl Drop for Schema {
    fn drop(&mut self) {
        drop_schema(&self.0);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_in_game_ticket_lives_in_postgres_across_a_restart() {
    if raw_client().await.is_none() {
        return;
    }
    let schema = Schema(unique_schema());
    let mut settings = PostgresSettings::new(url());
    settings.schema = schema.0.clone();
    let stack = Stack::start_with(|config| config.database = DatabaseConfig::Postgres(settings)).await;
    assert!(matches!(stack.app.database(), ticket_bot::database::Database::Postgres(_)), "the bot runs on Postgres");
    let (sim, mut events) = stack.game().await;
    sim.login("Foo").await.unwrap();
    assert!(sim.request("Foo", "my item vanished").await.unwrap());
    let channel = stack.wait_channel("ticket-foo").await;
    stack.wait_message(channel, |m| m.content.contains("my item vanished")).await;
    stack.discord.send_message(channel, stack.people.gm, "looking into it").await;
    let whisper = SimEvent::Sees {
        player: "Foo".into(),
        line: Seen::Whisper { from: "gm-alice".into(), message: "looking into it".into() },
    };
    assert!(game_event(&mut events, |e| *e == whisper).await, "the staff reply was whispered");

    // The map server stays up; it reconnects to the new bot by itself, with Foo still online.
    let stack = stack.restart().await;
    assert!(matches!(stack.app.database(), ticket_bot::database::Database::Postgres(_)), "still on Postgres");
    e2e::linked(&sim).await;
    let d = &stack.discord;
    assert!(sim.whisper_support("Foo", "still here").await.unwrap());
    let relayed = "**Foo** (in game): still here";
    assert!(d.wait_for(PATIENCE, |d| d.messages(channel).iter().any(|m| m.content.contains(relayed))).await);
    d.send_message(channel, stack.people.gm, "found it").await;
    let whisper = SimEvent::Sees {
        player: "Foo".into(),
        line: Seen::Whisper { from: "gm-alice".into(), message: "found it".into() },
    };
    assert!(game_event(&mut events, |e| *e == whisper).await, "replies reach the player after the restart");

    // What the bot wrote is in the schema.
    let store = PostgresStore::connect(&url(), &schema.0).await.unwrap();
    let ticket = store.ticket_by_channel(ticket_core::ChannelId::new(channel)).await.unwrap().expect("stored");
    assert!(ticket.is_open());
    let lines: Vec<String> = store.transcript(ticket.id).await.unwrap().into_iter().map(|l| l.text).collect();
    for text in ["my item vanished", "looking into it", "still here", "found it"] {
        assert!(lines.iter().any(|l| l.contains(text)), "{text:?} is in the transcript: {lines:?}");
    }
    assert!(!std::fs::exists(stack_file(&stack)).unwrap(), "no SQLite file was made");
    store.close();
    stack.assert_no_violations();
    sim.shutdown().await;
    stack.stop().await;
}

/// Where the SQLite file would be had the bot used one.
fn stack_file(stack: &Stack) -> std::path::PathBuf {
    stack.dir().join("tickets.db")
}
