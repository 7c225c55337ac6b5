//! Closing through the desk with a controlled clock: close requests (answered, kept, unanswered), openers closing
//! their own tickets, inactivity warnings and closes, across a restart.

use super::*;
use crate::settings::{Inactivity, TicketType};
use crate::ticket::CloseReason;
use crate::{AdminCommand, DeskError, TicketId};

const HOUR: time::Duration = time::Duration::HOUR;

async fn support_ticket(world: &World, opener: &Actor) -> (TicketId, ChannelId) {
    let opened = world.desk.open_support_ticket(GUILD, opener, "help").await.unwrap();
    (opened.ticket, world.channel_of(opened.ticket))
}

async fn reason(world: &World, ticket: TicketId) -> Option<CloseReason> {
    world.store.ticket(ticket).await.unwrap().unwrap().closed.map(|c| c.reason)
}

fn logged_with_transcript(calls: &[Call]) -> bool {
    calls
        .iter()
        .any(|c| matches!(c, Call::Send { channel, message } if *channel == LOG.get() && message.files.len() == 1))
}

#[pollster::test]
async fn a_close_request_is_kept_open_then_confirmed_by_the_opener() {
    let world = World::configured();
    let ann = member(1234, "Ann");
    let (ticket, channel) = support_ticket(&world, &ann).await;
    world.take_calls();
    world.desk.request_close(channel, &staff(7, "Bob")).await.unwrap();
    insta::assert_yaml_snapshot!("close_requested", world.take_calls());
    assert!(matches!(world.desk.request_close(channel, &staff(7, "Bob")).await, Err(DeskError::CloseAlreadyRequested)));
    assert!(matches!(world.desk.request_close(channel, &ann).await, Err(DeskError::NotPermitted { .. })));
    let eve = member(55, "Eve");
    assert!(matches!(world.desk.answer_close_request(ticket, &eve, true).await, Err(DeskError::NotOpener)));

    world.desk.answer_close_request(ticket, &ann, false).await.unwrap();
    assert!(readable(&world.take_calls()[0]).iter().any(|t| t == "Ann keeps this ticket open."));
    assert!(matches!(world.desk.answer_close_request(ticket, &ann, true).await, Err(DeskError::NoCloseRequest)));
    assert_eq!(world.store.ticket(ticket).await.unwrap().unwrap().timers.due_at, None, "nothing is due any more");

    world.desk.request_close(channel, &staff(7, "Bob")).await.unwrap();
    world.desk.answer_close_request(ticket, &ann, true).await.unwrap();
    assert_eq!(reason(&world, ticket).await, Some(CloseReason::ClosedByOpener));
    let calls = world.take_calls();
    assert!(logged_with_transcript(&calls), "{calls:?}");
    assert!(calls.iter().any(|c| matches!(c, Call::DeleteChannel { .. })));
}

#[pollster::test]
async fn an_unanswered_close_request_closes_the_ticket_at_its_time_even_after_a_restart() {
    let world = World::configured();
    world
        .desk
        .admin(
            GUILD,
            &admin(9, "Ada"),
            AdminCommand::SetClosing {
                request_timeout_hours: Some(2),
                opener_can_close: None,
                reopen_window_hours: None,
                feedback: None,
            },
        )
        .await
        .unwrap();
    let (ticket, channel) = support_ticket(&world, &member(1234, "Ann")).await;
    world.desk.request_close(channel, &staff(7, "Bob")).await.unwrap();
    assert_eq!(world.desk.next_due().await.unwrap(), Some(std::time::Duration::from_secs(2 * 3600)));
    world.advance(HOUR);
    world.desk.resume().await.unwrap();
    assert_eq!(reason(&world, ticket).await, None, "an hour in, it waits");

    let restarted = World::over(world.store.clone());
    *restarted.now.lock().unwrap() = *world.now.lock().unwrap() + HOUR;
    assert_eq!(restarted.desk.next_due().await.unwrap(), Some(std::time::Duration::ZERO), "due now");
    restarted.desk.resume().await.unwrap();
    assert_eq!(reason(&restarted, ticket).await, Some(CloseReason::CloseRequestUnanswered));
    assert!(logged_with_transcript(&restarted.take_calls()));
    let lines = restarted.store.transcript(ticket).await.unwrap();
    assert_eq!(lines.last().unwrap().text, "Closed: close request unanswered.");
    assert_eq!(restarted.desk.next_due().await.unwrap(), None);
}

#[pollster::test]
async fn openers_close_their_support_tickets_only_when_the_guild_allows_it() {
    let world = World::configured();
    let ann = member(1234, "Ann");
    let (ticket, channel) = support_ticket(&world, &ann).await;
    let off = world.desk.close_by_opener(channel, &ann).await.unwrap_err();
    assert_eq!(
        off.to_string(),
        "Closing your own ticket is turned off on this server: staff will close it when it is done."
    );
    world
        .desk
        .admin(
            GUILD,
            &admin(9, "Ada"),
            AdminCommand::SetClosing {
                request_timeout_hours: None,
                opener_can_close: Some(true),
                reopen_window_hours: None,
                feedback: None,
            },
        )
        .await
        .unwrap();
    assert!(matches!(world.desk.close_by_opener(channel, &staff(7, "Bob")).await, Err(DeskError::NotOpener)));
    world.take_calls();
    assert_eq!(world.desk.close_by_opener(channel, &ann).await.unwrap(), ticket);
    assert_eq!(reason(&world, ticket).await, Some(CloseReason::ClosedByOpener));
    assert!(logged_with_transcript(&world.take_calls()));
    let game =
        world.desk.open_game_ticket(GUILD, &server(), &player("Kaya", 77), crate::TicketSource::Request, "hi").await;
    let crate::InGameOutcome::Opened(game) = game.unwrap() else { panic!("opened") };
    let refused = world.desk.request_close(world.channel_of(game), &game_staff(10, "Gm")).await.unwrap_err();
    assert!(matches!(refused, DeskError::NoOpener), "{refused}");
}

#[pollster::test]
async fn a_silent_opener_is_warned_then_the_ticket_closes_and_a_word_restarts_the_clock() {
    let world = World::configured();
    let ann = member(1234, "Ann");
    let (ticket, channel) = support_ticket(&world, &ann).await;
    assert_eq!(world.store.ticket(ticket).await.unwrap().unwrap().timers.due_at, None, "off by default");
    let ada = admin(9, "Ada");
    let inactivity = Some(Inactivity { warn_after_hours: 48, close_after_hours: 24 });
    for (kind, hours) in [
        (TicketType::InGame, inactivity),
        (TicketType::Support, Some(Inactivity { warn_after_hours: 0, close_after_hours: 1 })),
    ] {
        let refused = world.desk.admin(GUILD, &ada, AdminCommand::SetAutoClose { kind, inactivity: hours }).await;
        assert!(matches!(refused, Err(DeskError::Invalid { .. })), "{kind:?}");
    }
    world.desk.admin(GUILD, &ada, AdminCommand::SetAutoClose { kind: TicketType::Support, inactivity }).await.unwrap();
    let due = world.store.ticket(ticket).await.unwrap().unwrap().timers.due_at;
    assert_eq!(due, Some(T0 + HOUR * 48), "an open ticket follows the new setting");
    world.take_calls();

    world.advance(HOUR * 47);
    world.desk.resume().await.unwrap();
    assert!(world.take_calls().is_empty(), "not yet");
    world.advance(HOUR);
    world.desk.resume().await.unwrap();
    let warned = world.take_calls();
    insta::assert_yaml_snapshot!("inactivity_warning", warned);

    // The opener writes: the clock starts again from their word.
    world.advance(HOUR * 10);
    world.desk.channel_message(channel, &ann, "still here!").await.unwrap();
    world.advance(HOUR * 30);
    world.desk.resume().await.unwrap();
    assert_eq!(reason(&world, ticket).await, None, "the warning's close was called off by the word");
    world.advance(HOUR * 18);
    world.desk.resume().await.unwrap();
    assert!(world.take_calls().iter().any(|c| readable(c).iter().any(|t| t.contains("no word from you for 48 hours"))));
    world.advance(HOUR * 24);
    world.desk.resume().await.unwrap();
    assert_eq!(reason(&world, ticket).await, Some(CloseReason::Inactive));
    assert!(logged_with_transcript(&world.take_calls()));
}
