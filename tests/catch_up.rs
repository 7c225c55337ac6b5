//! Messages posted in ticket channels while no bot was connected are caught up at the next connection, in order,
//! once each (issue 15: a staff reply written during a restart or a fail-over is not lost).
#![allow(clippy::unwrap_used, clippy::expect_used)] // Tests: a failed unwrap is a failed test.

use std::time::Duration;

use adapter_discord::sim::Fault;
use adapter_xilero::sim::{Seen, SimEvent};
use e2e::{PATIENCE, Stack, custom_ids, player_lines};
use ticket_core::ChannelId;
use ticket_core::ports::TranscriptAuthor;
use tokio::sync::mpsc::UnboundedReceiver;

/// The next `count` whispers `player` reads, in order (or fewer, after `PATIENCE`).
async fn whispers(events: &mut UnboundedReceiver<SimEvent>, player: &str, count: usize) -> Vec<String> {
    let mut heard = Vec::new();
    let _ = tokio::time::timeout(PATIENCE, async {
        while heard.len() < count {
            match events.recv().await {
                Some(SimEvent::Sees { player: p, line: Seen::Whisper { message, .. } }) if p == player => {
                    heard.push(message)
                }
                Some(_) => {}
                None => break,
            }
        }
    })
    .await;
    heard
}

/// What the members wrote in the ticket of `channel`, as its transcript holds it.
async fn members_lines(stack: &Stack, channel: u64) -> Vec<String> {
    let store = stack.app.store();
    let ticket = store.ticket_by_channel(ChannelId::new(channel)).await.unwrap().expect("a ticket's channel");
    store
        .transcript(ticket.id)
        .await
        .unwrap()
        .into_iter()
        .filter(|line| matches!(line.author, TranscriptAuthor::Member { .. }))
        .map(|line| line.text)
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn staff_replies_written_while_the_bot_was_down_reach_the_player_in_order_once() {
    let stack = Stack::start().await;
    let people = stack.people;
    let (sim, mut events) = stack.game().await;
    sim.login("Foo").await.unwrap();
    assert!(sim.request("Foo", "stuck in a wall").await.unwrap());
    let game = stack.wait_channel("ticket-foo").await;
    assert!(stack.discord.wait_for(PATIENCE, |d| player_lines(d, game, "Foo") == ["stuck in a wall"]).await);
    stack.discord.send_message(game, people.gm, "before").await;
    assert_eq!(whispers(&mut events, "Foo", 1).await, ["before"]);

    let stack = stack
        .restart_with(async |d| {
            for n in 1..=3 {
                d.send_message(game, people.gm, &format!("while down {n}")).await;
            }
        })
        .await;
    e2e::linked(&sim).await;
    stack.discord.send_message(game, people.gm, "after").await;

    let heard = whispers(&mut events, "Foo", 4).await;
    assert_eq!(
        heard,
        ["while down 1", "while down 2", "while down 3", "after"],
        "the replies written while the bot was down came first, in order, then the live one"
    );
    // Nothing more: each reply was whispered once.
    let more = tokio::time::timeout(Duration::from_secs(2), whispers(&mut events, "Foo", 1)).await;
    assert!(more.is_err() || more.unwrap().is_empty(), "no reply was whispered twice");
    assert_eq!(
        members_lines(&stack, game).await,
        ["before", "while down 1", "while down 2", "while down 3", "after"],
        "the transcript holds each message once, in the order written"
    );
    assert_eq!(player_lines(&stack.discord, game, "Foo"), ["stuck in a wall"]);
    stack.assert_no_violations();
    sim.shutdown().await;
    stack.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_support_ticket_keeps_what_was_written_while_the_bot_was_down() {
    let stack = Stack::start().await;
    let (people, places) = (stack.people, stack.places);
    let d = stack.discord.clone();
    let support = stack.open_support_ticket(people.ann, "my ship").await;
    stack.wait_message(support, |m| custom_ids(m) == ["tickets:resolve", "tickets:claim"]).await;
    d.send_message(support, people.ann, "first").await;
    assert!(
        eventually_lines(&stack, support, &["my ship", "first"]).await,
        "the opener's live message is recorded before the restart: {:?}",
        members_lines(&stack, support).await
    );

    let stack = stack
        .restart_with(async |d| {
            d.send_message(support, people.staff, "looking into it").await;
            d.send_message(support, people.ann, "thanks").await;
            // Outside any ticket: nothing to catch up with there.
            d.send_message(places.support_panel, people.bob, "hello?").await;
        })
        .await;
    assert!(
        eventually_lines(&stack, support, &["my ship", "first", "looking into it", "thanks"]).await,
        "caught up: {:?}",
        members_lines(&stack, support).await
    );
    // A second restart with nothing new reads nothing twice.
    let stack = stack.restart().await;
    d.send_message(support, people.ann, "still there?").await;
    assert!(
        eventually_lines(&stack, support, &["my ship", "first", "looking into it", "thanks", "still there?"]).await
    );
    stack.assert_no_violations();
    stack.stop().await;
}

/// Waits until the members' lines of the ticket are `expected`.
async fn eventually_lines(stack: &Stack, channel: u64, expected: &[&str]) -> bool {
    e2e::eventually(async || (members_lines(stack, channel).await == expected).then_some(())).await.is_some()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reply_written_before_the_bot_recorded_the_new_channel_waits_for_it() {
    // Discord makes the ticket's channel but its answer never comes: the bot records the channel only after its
    // request times out and the replayed creation finds the channel by its marker.
    let stack = Stack::start_settled(Duration::from_secs(3)).await;
    let (d, people, places) = (&stack.discord, stack.people, stack.places);
    d.fail_route("POST", &format!("/guilds/{}/channels", places.guild), Fault::Timeout, 1);
    let (sim, mut events) = stack.game().await;
    sim.login("Foo").await.unwrap();
    assert!(sim.request("Foo", "help").await.unwrap());
    let game = stack.wait_channel("ticket-foo").await;
    d.send_message(game, people.gm, "on my way").await;
    assert_eq!(
        whispers(&mut events, "Foo", 1).await,
        ["on my way"],
        "the reply waited for the ticket to record its channel, and was whispered"
    );
    assert_eq!(members_lines(&stack, game).await, ["on my way"]);
    stack.assert_no_violations();
    sim.shutdown().await;
    stack.stop().await;
}
