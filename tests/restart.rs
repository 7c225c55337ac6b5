//! A restart in the middle of tickets: controls keep working, relays continue, nothing is lost.
#![allow(clippy::unwrap_used, clippy::expect_used)] // Tests: a failed unwrap is a failed test.

use adapter_xilero::sim::{Seen, SimEvent};
use e2e::{PATIENCE, Stack, custom_ids, eventually, game_event, readable};
use ticket_core::ticket::CloseReason;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restart_in_the_middle_of_tickets_loses_nothing() {
    let stack = Stack::start().await;
    let (people, places) = (stack.people, stack.places);

    // A support ticket, opened before the restart.
    let d = stack.discord.clone();
    let panel = stack.wait_message(places.support_panel, |m| custom_ids(m) == ["tickets:open-support"]).await;
    let click = d.click_button(places.support_panel, panel.id, "tickets:open-support", people.ann).await;
    let modal = click.modal().unwrap();
    d.submit_modal(places.support_panel, &modal.custom_id, &[("question", "before the restart")], people.ann).await;
    let support = stack.wait_channel("support-ann").await;
    let welcome = stack.wait_message(support, |m| custom_ids(m) == ["tickets:resolve", "tickets:claim"]).await;

    // An in-game ticket, opened before the restart, with the game server staying up throughout.
    let (sim, mut events) = stack.game().await;
    sim.login("Foo").await.unwrap();
    assert!(sim.request("Foo", "stuck in a wall").await.unwrap());
    let game = stack.wait_channel("ticket-foo").await;

    let stack = stack.restart().await;
    let d = &stack.discord;

    // The game server reconnects on its own; a staff reply typed after the restart reaches the player.
    e2e::linked(&sim).await;
    d.send_message(game, people.gm, "Unstuck you, relog").await;
    let whispered = game_event(&mut events, |event| {
        matches!(event, SimEvent::Sees { line: Seen::Whisper { message, .. }, .. } if message == "Unstuck you, relog")
    })
    .await;
    assert!(whispered, "the player got the reply typed after the restart");
    assert!(sim.whisper_support("Foo", "thanks!").await.unwrap());
    stack.wait_message(game, |m| m.content == "**Foo** (in game): thanks!").await;

    // The Resolve button posted before the restart still works.
    let click = d.click_button(support, welcome.id, "tickets:resolve", people.staff).await;
    let modal = click.modal().expect("the old control still opens the form");
    d.submit_modal(support, &modal.custom_id, &[("resolution", "after the restart")], people.staff).await;
    assert!(d.wait_for(PATIENCE, |d| d.channel(support).is_none()).await);
    let log = stack.wait_message(places.log, |m| readable(m).contains("after the restart")).await;
    assert!(readable(&log).contains("before the restart"), "the opening question survived the restart");

    stack.assert_no_violations();
    sim.shutdown().await;
    stack.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_channel_deleted_while_the_bot_was_down_closes_its_ticket_at_start() {
    let stack = Stack::start().await;
    let (sim, _events) = stack.game().await;
    sim.login("Foo").await.unwrap();
    assert!(sim.request("Foo", "help").await.unwrap());
    let game = stack.wait_channel("ticket-foo").await;
    // Deleted by hand while the bot is down: no event will ever tell it.
    let stack = stack.restart_with(async |discord| discord.delete_channel_by_hand(game).await).await;
    let store = stack.app.store();
    let closed = eventually(async || {
        let ticket = store.ticket_by_channel(ticket_core::ChannelId::new(game)).await.unwrap().unwrap();
        ticket.closed.map(|closure| closure.reason)
    })
    .await;
    assert_eq!(closed, Some(CloseReason::ChannelDeleted), "reconciled at start");
    // The player can open a new ticket at once.
    e2e::linked(&sim).await;
    assert!(sim.whisper_support("Foo", "again").await.unwrap());
    let next = stack.wait_channel("ticket-foo").await;
    assert_ne!(next, game);
    stack.assert_no_violations();
    sim.shutdown().await;
    stack.stop().await;
}

/// A channel whose creation was still waiting when the bot stopped is made at the next start, and its ticket
/// stays open: the channel list the bot gets at start can predate it, and the ticket used to be closed as if the
/// channel had been deleted (4 runs of 4).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_channel_creation_waiting_at_shutdown_survives_the_restart() {
    let stack = Stack::start().await;
    let (sim, _events) = stack.game().await;
    stack.discord.set_unavailable(true);
    sim.login("Foo").await.unwrap();
    assert!(sim.request("Foo", "help").await.unwrap());
    let store = stack.app.store().clone();
    let waiting = eventually(async || {
        let open = store.open_tickets(ticket_core::GuildId::new(stack.places.guild)).await.unwrap();
        open.into_iter().find(|t| t.channel.is_none()).map(|t| t.id)
    })
    .await
    .expect("the ticket is open, its channel not made yet");
    // At the next start the guild's GUILD_CREATE comes late, with the channels as they were at READY: the outbox
    // makes the channel in between.
    let stack = stack
        .restart_with(async |discord| {
            discord.set_unavailable(false);
            discord.delay_guild_create(std::time::Duration::from_secs(2));
        })
        .await;
    let channel = stack.wait_channel("ticket-foo").await;
    assert!(
        stack.discord.wait_for(PATIENCE, |d| d.messages(channel).iter().any(|m| m.content.ends_with("help"))).await
    );
    // The start-up reconciliation runs once the late GUILD_CREATE comes: it either looks the channel up (and keeps
    // the ticket) or closes the ticket.
    let store = stack.app.store().clone();
    let path = format!("/channels/{channel}");
    let reconciled = eventually(async || {
        let asked = stack.discord.requests().iter().any(|r| r.method == "GET" && r.path.ends_with(&path));
        let ticket = store.ticket(waiting).await.unwrap().unwrap();
        (asked || !ticket.is_open()).then_some(ticket)
    })
    .await;
    let ticket = reconciled.expect("the start-up reconciliation ran");
    assert!(ticket.is_open(), "the ticket was not reconciled away: {:?}", ticket.closed);
    assert!(stack.discord.channel(channel).is_some(), "and its channel lives");
    stack.assert_no_violations();
    sim.shutdown().await;
    stack.stop().await;
}
