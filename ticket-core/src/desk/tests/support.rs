use super::*;
use crate::ticket::CloseReason;
use crate::{DeskError, Problem};

#[pollster::test]
async fn a_support_ticket_opens_privately_and_pings_staff() {
    let world = World::configured();
    let opened =
        world.desk.open_support_ticket(GUILD, &member(1234, "Ann"), "My ship fell through the hangar").await.unwrap();
    assert_eq!(opened.channel, Some(world.channel_of(opened.ticket)));
    insta::assert_yaml_snapshot!("support_open", world.take_calls());
    let again = world.desk.open_support_ticket(GUILD, &member(1234, "Ann"), "again").await.unwrap_err();
    assert!(matches!(again, DeskError::AlreadyOpen { ticket, channel: Some(_) } if ticket == opened.ticket));
    assert!(again.to_string().starts_with("You already have an open ticket: <#"));
    assert!(world.take_calls().is_empty());
}

#[pollster::test]
async fn staff_resolve_logs_dms_and_deletes() {
    let world = World::configured();
    world.configure(|s| {
        s.dm_on_close = true;
        s
    });
    let opened = world.desk.open_support_ticket(GUILD, &member(1234, "Ann"), "Lost my ship").await.unwrap();
    let channel = world.channel_of(opened.ticket);
    world.take_calls();
    world.desk.resolve_ticket(channel, &staff(7, "Bob"), "Claimed it back for you").await.unwrap();
    insta::assert_yaml_snapshot!("support_resolve", world.take_calls());
    let stored = world.store.ticket(opened.ticket).await.unwrap().unwrap();
    assert!(
        matches!(stored.closed.map(|c| c.reason), Some(CloseReason::Resolved { resolution }) if resolution == "Claimed it back for you")
    );
    let again = world.desk.resolve_ticket(channel, &staff(7, "Bob"), "twice").await.unwrap_err();
    assert!(matches!(again, DeskError::Ticket(crate::ticket::TicketError::AlreadyClosed(_))));
    let reopened = world.desk.open_support_ticket(GUILD, &member(1234, "Ann"), "new problem").await;
    assert!(reopened.is_ok(), "a resolved ticket frees the member to open another");
}

#[pollster::test]
async fn without_dm_on_close_nobody_is_dmed_and_closed_dms_do_not_block() {
    let world = World::configured();
    let opened = world.desk.open_support_ticket(GUILD, &member(1, "Ann"), "q").await.unwrap();
    world.take_calls();
    world.desk.resolve_ticket(world.channel_of(opened.ticket), &staff(7, "Bob"), "done").await.unwrap();
    assert!(!world.take_calls().iter().any(|c| matches!(c, Call::Dm { .. })));

    world.configure(|s| {
        s.dm_on_close = true;
        s
    });
    world.faults().dms_closed = true;
    let opened = world.desk.open_support_ticket(GUILD, &member(2, "Cy"), "q").await.unwrap();
    world.desk.resolve_ticket(world.channel_of(opened.ticket), &staff(7, "Bob"), "done").await.unwrap();
    assert!(world.store.pending_effects(None).await.unwrap().is_empty(), "a refused DM does not stall the ticket");
    assert!(world.take_calls().iter().any(|c| matches!(c, Call::DeleteChannel { .. })));
}

#[pollster::test]
async fn a_member_clicking_resolve_is_refused_and_nothing_happens() {
    let world = World::configured();
    let opened = world.desk.open_support_ticket(GUILD, &member(1, "Ann"), "q").await.unwrap();
    let channel = world.channel_of(opened.ticket);
    world.take_calls();
    let err = world.desk.resolve_ticket(channel, &member(1, "Ann"), "I fixed it myself").await.unwrap_err();
    assert!(matches!(err, DeskError::NotPermitted { .. }));
    assert_eq!(err.to_string(), "You need the support role or the Manage Channels permission to resolve tickets.");
    assert!(world.take_calls().is_empty());
    assert!(world.store.ticket(opened.ticket).await.unwrap().unwrap().is_open());
    let support_role = Actor::member(GUILD, UserId::new(5), "Sup", vec![SUPPORT_ROLE], Permissions::empty());
    world.desk.resolve_ticket(channel, &support_role, "done").await.unwrap();
}

#[pollster::test]
async fn resolve_outside_a_ticket_and_empty_input_are_refused() {
    let world = World::configured();
    let err = world.desk.resolve_ticket(ChannelId::new(31337), &staff(7, "Bob"), "done").await.unwrap_err();
    assert!(matches!(err, DeskError::NotATicket(_)));
    let err = world.desk.open_support_ticket(GUILD, &member(1, "Ann"), "   ").await.unwrap_err();
    assert!(matches!(err, DeskError::Invalid { field: "question", problem: Problem::Empty }));
    let err = world.desk.open_support_ticket(GUILD, &member(1, "Ann"), &"x".repeat(1001)).await.unwrap_err();
    assert!(matches!(err, DeskError::Invalid { problem: Problem::TooLong { max: 1000 }, .. }));
    let opened = world.desk.open_support_ticket(GUILD, &member(1, "Ann"), "q").await.unwrap();
    let err = world.desk.resolve_ticket(world.channel_of(opened.ticket), &staff(7, "Bob"), "").await.unwrap_err();
    assert!(matches!(err, DeskError::Invalid { field: "resolution", .. }));
}

#[pollster::test]
async fn resolve_in_another_kind_of_ticket_is_refused() {
    let world = World::configured();
    let opened = world.desk.open_recruitment_ticket(GUILD, &member(1, "Ann")).await.unwrap();
    let err = world.desk.resolve_ticket(world.channel_of(opened.ticket), &staff(7, "Bob"), "done").await.unwrap_err();
    assert!(matches!(err, DeskError::Ticket(crate::ticket::TicketError::WrongKind { .. })));
}

#[pollster::test]
async fn messages_in_support_tickets_are_kept_in_the_transcript() {
    let world = World::configured();
    let opened = world.desk.open_support_ticket(GUILD, &member(1, "Ann"), "q").await.unwrap();
    let channel = world.channel_of(opened.ticket);
    let out = world.desk.channel_message(channel, &member(1, "Ann"), "more detail").await.unwrap();
    assert_eq!(out, crate::MessageOutcome::Recorded(opened.ticket));
    world.desk.resolve_ticket(channel, &staff(7, "Bob"), "done").await.unwrap();
    let lines: Vec<String> = world.store.transcript(opened.ticket).await.unwrap().into_iter().map(|e| e.text).collect();
    assert_eq!(lines, vec!["q", "more detail", "Resolved: done"]);
}
