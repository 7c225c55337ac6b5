//! Game records handed off, and a player's burst coalesced into one post (issue 13).

use super::*;
use crate::{InGameOutcome, TicketSource};

async fn say(world: &World, text: &str) -> InGameOutcome {
    world.desk.open_game_ticket(GUILD, &server(), &player("Foo", 1), TicketSource::Whisper, text).await.unwrap()
}

/// The texts posted in `channel`, in order.
fn posts(calls: &[Call], channel: ChannelId) -> Vec<String> {
    calls
        .iter()
        .filter_map(|c| match c {
            Call::Send { channel: to, message } if *to == channel.get() => Some(message.content.clone()),
            _ => None,
        })
        .collect()
}

/// An in-game ticket of Foo, opened and its first line posted, with the calls so far forgotten.
async fn opened(world: &World) -> (crate::TicketId, ChannelId) {
    let InGameOutcome::Opened(ticket) = say(world, "help").await else { panic!("opened") };
    assert!(world.take_calls().is_empty(), "a handed-off record only commits");
    assert_eq!(world.run_handed_off().await, 1);
    let channel = world.channel_of(ticket);
    let posted = posts(&world.take_calls(), channel);
    assert_eq!(posted.len(), 1, "the opening line rides in the welcome: {posted:?}");
    assert!(posted[0].ends_with("\n**Foo** (in game): help"), "{posted:?}");
    (ticket, channel)
}

/// The welcome and the opening line were two posts (two REST calls of every ticket's life); lines the player sent
/// before the channel even existed were posts of their own too.
#[pollster::test]
async fn lines_sent_before_the_channel_exists_ride_in_the_welcome() {
    let world = World::configured().handing_off();
    let InGameOutcome::Opened(ticket) = say(&world, "help").await else { panic!("opened") };
    for n in 1..=3 {
        say(&world, &format!("line {n}")).await;
    }
    assert_eq!(world.run_handed_off().await, 1, "one chain");
    let calls = world.take_calls();
    let channel = world.channel_of(ticket);
    let sent: Vec<&Message> = calls
        .iter()
        .filter_map(|c| match c {
            Call::Send { channel: to, message } if *to == channel.get() => Some(message),
            _ => None,
        })
        .collect();
    assert_eq!(sent.len(), 1, "one post: {sent:?}");
    assert_eq!(sent[0].content, "<@&50>\n**Foo** (in game): help\nline 1\nline 2\nline 3");
    assert_eq!(sent[0].embeds.len(), 1, "with the welcome card");
    assert_eq!(world.store.transcript(ticket).await.unwrap().len(), 4, "the transcript keeps every line");
    assert!(world.store.pending_effects(None).await.unwrap().is_empty());
}

/// An opening line too long to share the welcome's message follows it, split like any line.
#[pollster::test]
async fn a_long_opening_line_follows_the_welcome() {
    let world = World::configured().handing_off();
    let long = "y".repeat(3_000);
    let InGameOutcome::Opened(ticket) = say(&world, &long).await else { panic!("opened") };
    world.run_handed_off().await;
    let channel = world.channel_of(ticket);
    let posted = posts(&world.take_calls(), channel);
    assert_eq!(posted.len(), 3, "the welcome, then the line in two parts: {posted:?}");
    assert_eq!(posted[0], "<@&50>");
    assert!(posted.iter().all(|p| p.chars().count() <= 2000));
    let relayed: String = posted[1..].iter().map(|p| p.strip_prefix("**Foo** (in game): ").unwrap()).collect();
    assert_eq!(relayed, long, "nothing lost");
}

#[pollster::test]
async fn lines_waiting_behind_a_post_go_out_as_one_post_in_order() {
    let world = World::configured().handing_off();
    let (ticket, channel) = opened(&world).await;
    for n in 1..=5 {
        say(&world, &format!("line {n}")).await;
    }
    assert!(world.take_calls().is_empty(), "nothing posted before the driver runs the chain");
    assert_eq!(world.run_handed_off().await, 1, "one chain, handed off once");
    assert_eq!(posts(&world.take_calls(), channel), ["**Foo** (in game): line 1\nline 2\nline 3\nline 4\nline 5"]);
    assert_eq!(world.store.transcript(ticket).await.unwrap().len(), 6, "the transcript keeps every line");
    assert!(world.store.pending_effects(None).await.unwrap().is_empty());
}

#[pollster::test]
async fn a_burst_past_one_message_is_split_at_line_boundaries() {
    let world = World::configured().handing_off();
    let (_, channel) = opened(&world).await;
    let line = |n: usize| format!("{n:02} {}", "x".repeat(400));
    for n in 1..=10 {
        say(&world, &line(n)).await;
    }
    world.run_handed_off().await;
    let posted = posts(&world.take_calls(), channel);
    assert!(posted.len() < 10 && posted.len() >= 3, "{} posts", posted.len());
    assert!(posted.iter().all(|p| p.chars().count() <= 2000));
    let lines: Vec<String> = posted
        .iter()
        .map(|p| p.strip_prefix("**Foo** (in game): ").unwrap().to_owned())
        .flat_map(|p| p.lines().map(str::to_owned).collect::<Vec<_>>())
        .collect();
    assert_eq!(lines, (1..=10).map(line).collect::<Vec<_>>(), "every line once, in order");
}

#[pollster::test]
async fn a_line_that_was_tried_already_is_posted_as_it_was() {
    let world = World::configured().handing_off();
    let (_, channel) = opened(&world).await;
    world.faults().discord_down = true;
    say(&world, "tried").await;
    world.run_handed_off().await;
    assert_eq!(world.store.pending_effects(None).await.unwrap()[0].attempts, 1, "it failed once");
    world.faults().discord_down = false;
    say(&world, "later").await;
    world.advance(time::Duration::minutes(1));
    world.run_handed_off().await;
    // The first may have reached Discord (its nonce would give back the old message): it is not folded into.
    assert_eq!(posts(&world.take_calls(), channel), ["**Foo** (in game): tried", "**Foo** (in game): later"]);
}

#[pollster::test]
async fn lines_another_process_left_behind_are_posted_as_they_were() {
    let world = World::configured().handing_off();
    let (_, channel) = opened(&world).await;
    say(&world, "before the crash 1").await;
    say(&world, "before the crash 2").await;
    // The process dies before running them; a new one takes over the store.
    let restarted = World::over(world.store.clone()).handing_off();
    restarted.desk.resume().await.unwrap();
    let expected = ["**Foo** (in game): before the crash 1", "**Foo** (in game): before the crash 2"];
    assert_eq!(posts(&restarted.take_calls(), channel), expected, "either may have been posted before the crash");
}
