//! Effects that cannot run: a rate limit waits as long as Discord says and is never a failure; an effect given up
//! after its retries tells whoever waits for it, never only the log (issue 13).

use super::*;
use crate::ticket::CloseReason;
use crate::{InGameOutcome, TicketSource};

/// Runs the outbox every hour for half a day (far past the last retry).
async fn retry_for_half_a_day(world: &World) {
    for _ in 0..12 {
        world.advance(time::Duration::hours(1));
        world.desk.resume().await.unwrap();
    }
}

/// An in-game ticket of `name` with its channel made.
async fn open_in_game(world: &World, name: &str) -> crate::TicketId {
    let outcome =
        world.desk.open_game_ticket(GUILD, &server(), &player(name, 1), TicketSource::Whisper, "help").await.unwrap();
    let InGameOutcome::Opened(ticket) = outcome else { panic!("{outcome:?}") };
    ticket
}

#[pollster::test]
async fn a_rate_limit_waits_as_long_as_discord_says_and_never_counts_toward_giving_up() {
    let world = World::configured();
    world.faults().rate_limited = Some(std::time::Duration::from_secs(7));
    let opened = world.desk.open_support_ticket(GUILD, &member(1, "Ann"), "help").await.unwrap();
    assert!(opened.pending());
    let pending = world.store.pending_effects(None).await.unwrap();
    assert_eq!(pending[0].attempts, 0, "a 429 is not a failed attempt");
    assert_eq!(
        pending[0].not_before,
        Some(*world.now.lock().unwrap() + time::Duration::seconds(7)),
        "retry_after is kept"
    );

    // Far more 429s than the attempts an effect gets: still waiting, not given up.
    for _ in 0..30 {
        world.advance(time::Duration::seconds(7));
        world.desk.resume().await.unwrap();
    }
    assert!(world.store.dead_effects().is_empty(), "nothing given up for being rate-limited");
    world.faults().rate_limited = None;
    world.advance(time::Duration::seconds(6));
    world.desk.resume().await.unwrap();
    assert_eq!(world.store.pending_effects(None).await.unwrap().len(), 2, "not before the time Discord gave");
    world.advance(time::Duration::seconds(1));
    world.desk.resume().await.unwrap();
    assert!(world.store.pending_effects(None).await.unwrap().is_empty());
    assert!(world.store.ticket(opened.ticket).await.unwrap().unwrap().channel.is_some());
}

#[pollster::test]
async fn a_channel_that_never_comes_closes_its_ticket_and_the_player_is_told() {
    let world = World::configured();
    world.faults().discord_down = true;
    let ticket = open_in_game(&world, "Foo").await;
    retry_for_half_a_day(&world).await;
    let stored = world.store.ticket(ticket).await.unwrap().unwrap();
    assert_eq!(stored.closed.map(|c| c.reason), Some(CloseReason::ChannelFailed), "not left open without a channel");
    let calls = world.take_calls();
    let told = Call::Whisper {
        player: "Foo".into(),
        from: crate::strings::BRIDGE_SENDER.into(),
        text: crate::strings::IN_GAME_TICKET_FAILED.into(),
    };
    assert!(calls.contains(&told), "the player is told: {calls:?}");
    // Once Discord is back, what is left (the staff log) goes out, and nothing waits for the channel any more.
    world.faults().discord_down = false;
    world.advance(time::Duration::hours(1));
    world.desk.resume().await.unwrap();
    assert!(world.store.pending_effects(None).await.unwrap().is_empty());
}

#[pollster::test]
async fn a_player_line_that_never_reaches_discord_is_whispered_back() {
    let world = World::configured();
    let ticket = open_in_game(&world, "Foo").await;
    world.take_calls();
    world.faults().discord_down = true;
    let long = format!("my sword vanished after the refine {}", "and more ".repeat(20));
    world.desk.open_game_ticket(GUILD, &server(), &player("Foo", 1), TicketSource::Whisper, &long).await.unwrap();
    retry_for_half_a_day(&world).await;
    let calls = world.take_calls();
    let whispered: Vec<&String> = calls
        .iter()
        .filter_map(|c| match c {
            Call::Whisper { player, from, text } if player == "Foo" && from == crate::strings::BRIDGE_SENDER => {
                Some(text)
            }
            _ => None,
        })
        .collect();
    assert_eq!(whispered.len(), 1, "{calls:?}");
    let expected =
        format!("{} my sword vanished after the refine and more and more", crate::strings::IN_GAME_MESSAGE_FAILED);
    assert!(whispered[0].starts_with(&expected) && whispered[0].ends_with('…'), "{}", whispered[0]);
    assert!(world.store.ticket(ticket).await.unwrap().unwrap().is_open(), "the ticket itself stays open");
}

#[pollster::test]
async fn a_reply_the_game_never_takes_is_reported_in_the_ticket() {
    let world = World::configured();
    let ticket = open_in_game(&world, "Foo").await;
    let channel = world.channel_of(ticket);
    world.take_calls();
    world.faults().link_congested = true;
    world.desk.channel_message(channel, &game_staff(7, "GM Alice"), "Check your storage").await.unwrap();
    retry_for_half_a_day(&world).await;
    let calls = world.take_calls();
    let reported = calls.iter().any(|c| {
        matches!(c, Call::Send { channel: to, message } if *to == channel.get()
            && message.content.contains("could not be whispered to **Foo**")
            && message.content.contains("> Check your storage"))
    });
    assert!(reported, "staff read in the ticket that the reply never reached the player: {calls:?}");
}

#[pollster::test]
async fn a_player_whose_channel_is_refused_is_not_sent_round_a_loop_of_re_opens() {
    let world = World::configured();
    world.faults().refuse_channels = true;
    open_in_game(&world, "Foo").await;
    let creates = |calls: &[Call]| calls.iter().filter(|c| matches!(c, Call::CreateChannel { .. })).count();
    assert_eq!(creates(&world.take_calls()), 0, "refused (the mock records only channels it made)");
    for _ in 0..3 {
        let (server, foo) = (server(), player("Foo", 1));
        let refused = world.desk.open_game_ticket(GUILD, &server, &foo, TicketSource::Whisper, "hi").await.unwrap_err();
        assert!(matches!(refused, crate::DeskError::ChannelsRefused { .. }), "{refused:?}");
        assert_eq!(refused.to_string(), crate::strings::IN_GAME_TICKET_FAILED);
    }
    let tickets = world.store.open_tickets(GUILD).await.unwrap().len();
    assert_eq!(tickets, 0, "no ticket opened and refused again for each line");
    // After the cool-off, Discord is asked again (the permission may have been granted meanwhile).
    world.faults().refuse_channels = false;
    world.advance(crate::desk::CHANNELS_REFUSED_COOL_OFF.try_into().unwrap());
    open_in_game(&world, "Foo").await;
    assert_eq!(creates(&world.take_calls()), 1);
}
