//! A guild at Discord's channel cap: tickets wait in line for a channel instead of failing, nothing their openers
//! write is lost, and a deleted channel lets the first in line open (issue 13).

use super::*;
use crate::{InGameOutcome, TicketSource};

async fn say(world: &World, name: &str, account: u64, text: &str) -> crate::TicketId {
    let outcome =
        world.desk.open_game_ticket(GUILD, &server(), &player(name, account), TicketSource::Whisper, text).await;
    match outcome.unwrap() {
        InGameOutcome::Opened(t) | InGameOutcome::Relayed(t) => t,
        InGameOutcome::Refused => panic!("no limits are set"),
    }
}

fn whispers_to(calls: &[Call], name: &str) -> Vec<String> {
    calls
        .iter()
        .filter_map(|c| match c {
            Call::Whisper { player, text, .. } if player == name => Some(text.clone()),
            _ => None,
        })
        .collect()
}

fn log_titles(calls: &[Call]) -> Vec<String> {
    calls
        .iter()
        .filter_map(|c| match c {
            Call::Send { channel, message } if *channel == LOG.get() => message.embeds[0].title.clone(),
            _ => None,
        })
        .collect()
}

#[pollster::test]
async fn tickets_wait_in_line_keep_their_lines_and_open_as_channels_are_freed() {
    let world = World::configured();
    let early = say(&world, "Early", 9, "first").await;
    let early_channel = world.channel_of(early);
    world.take_calls();
    world.faults().guild_full = true;

    let foo = say(&world, "Foo", 1, "help").await;
    let bar = say(&world, "Bar", 2, "me too").await;
    say(&world, "Foo", 1, "still there?").await;
    let calls = world.take_calls();
    for ticket in [foo, bar] {
        let stored = world.store.ticket(ticket).await.unwrap().unwrap();
        assert!(stored.is_open() && stored.channel.is_none(), "waiting, not failed");
    }
    assert_eq!(whispers_to(&calls, "Foo"), [crate::strings::in_game_ticket_waiting(1)], "told once, with a place");
    assert_eq!(whispers_to(&calls, "Bar"), [crate::strings::in_game_ticket_waiting(2)]);
    assert_eq!(log_titles(&calls), ["Channel limit reached"], "staff told once when the line starts");
    assert!(!calls.iter().any(|c| matches!(c, Call::GameTicketCreated { .. })), "not 'Ticket Created' yet");
    assert!(world.store.dead_effects().is_empty(), "nothing given up");

    // Early's ticket closes and its channel is deleted: the first in line gets the room.
    world.faults().guild_full = false;
    world.desk.player_logout(GUILD, &server(), &player("Early", 9)).await.unwrap();
    let calls = world.take_calls();
    assert!(calls.contains(&Call::DeleteChannel { channel: early_channel.get() }));
    let foo_channel = world.store.ticket(foo).await.unwrap().unwrap().channel.expect("Foo's channel made");
    // Foo's channel was made, so Bar (next in line) tries too; here Discord has room for it as well.
    assert!(world.store.ticket(bar).await.unwrap().unwrap().channel.is_some(), "Bar follows Foo");
    let posted: Vec<String> = calls
        .iter()
        .filter_map(|c| match c {
            Call::Send { channel, message } if *channel == foo_channel.get() => Some(message.content.clone()),
            _ => None,
        })
        .collect();
    assert!(
        // The line sent while waiting rides in the welcome with the opening line (see `desk/coalesce.rs`).
        posted.ends_with(&["<@&50>\n**Foo** (in game): help\nstill there?".to_owned()]),
        "every line kept, in order: {posted:?}"
    );
    assert!(calls.contains(&Call::GameTicketCreated { player: "Foo".into(), source: "whisper".into() }));
}

#[pollster::test]
async fn a_waiting_ticket_tries_again_after_a_while_even_across_a_restart() {
    let world = World::configured();
    world.faults().guild_full = true;
    let foo = say(&world, "Foo", 1, "help").await;
    let restarted = World::over(world.store.clone());
    restarted.configure(|s| s);
    restarted.advance(time::Duration::minutes(5));
    restarted.desk.resume().await.unwrap();
    assert!(restarted.store.ticket(foo).await.unwrap().unwrap().channel.is_none(), "not before its time");
    // Room came by other means (a channel deleted by hand while the bot was down).
    restarted.advance(crate::desk::QUEUE_RECHECK.try_into().unwrap());
    restarted.desk.resume().await.unwrap();
    assert!(restarted.store.ticket(foo).await.unwrap().unwrap().channel.is_some());
}

#[pollster::test]
async fn a_member_is_told_their_place_and_a_ticket_closed_while_waiting_gives_its_place_up() {
    let world = World::configured();
    let early = say(&world, "Early", 9, "first").await;
    world.faults().guild_full = true;
    let ann = world.desk.open_support_ticket(GUILD, &member(1, "Ann"), "help").await.unwrap();
    assert_eq!((ann.channel, ann.failed, ann.queued), (None, false, Some(1)));
    assert!(ann.pending(), "a platform keeps watching");
    say(&world, "Foo", 1, "help").await;
    assert_eq!(world.desk.opening(ann.ticket).await.unwrap().queued, Some(1));

    // Ann's ticket closes while waiting (staff resolve it by its number, say): Foo is next when room comes.
    let mut closed = world.store.ticket(ann.ticket).await.unwrap().unwrap();
    closed
        .close(crate::ticket::CloseReason::Resolved { resolution: "sorted".into() }, None, *world.now.lock().unwrap())
        .unwrap();
    world.store.commit(crate::Commit { tickets: vec![closed], ..Default::default() }).await.unwrap();
    world.faults().guild_full = false;
    world.take_calls();
    world.desk.player_logout(GUILD, &server(), &player("Early", 9)).await.unwrap();
    let calls = world.take_calls();
    let made: Vec<&String> = calls
        .iter()
        .filter_map(|c| match c {
            Call::CreateChannel { name, .. } => Some(name),
            _ => None,
        })
        .collect();
    assert_eq!(made, ["ticket-foo"], "no channel for the closed ticket; its place went to the next");
    let _ = early;
}

#[pollster::test]
async fn behind_the_head_of_the_line_tickets_wait_without_asking_discord() {
    let world = World::configured();
    world.faults().guild_full = true;
    let refused = |world: &World| world.faults().create_calls;
    for n in 0..5u64 {
        say(&world, &format!("P{n}"), 10 + n, "help").await;
    }
    world.take_calls();
    assert_eq!(refused(&world), 1, "one refusal says the guild is full; the others wait their turn");
    // The periodic retry: the head asks again, the rest do not.
    world.advance(crate::desk::QUEUE_RECHECK.try_into().unwrap());
    world.desk.resume().await.unwrap();
    assert_eq!(refused(&world), 2);
    world.faults().guild_full = false;
    world.advance(crate::desk::QUEUE_RECHECK.try_into().unwrap());
    world.desk.resume().await.unwrap();
    let open = world.store.open_tickets(GUILD).await.unwrap();
    assert_eq!(open.iter().filter(|t| t.channel.is_some()).count(), 5, "the head opened, and woke the next, and so on");
    assert_eq!(refused(&world), 7);
}
