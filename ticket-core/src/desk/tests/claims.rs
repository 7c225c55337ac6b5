//! Claiming tickets through the desk: who may claim, release and hand over; what the channel shows; exclusive
//! claims closing the channel to other staff and holding back their whispers.

use super::*;
use crate::desk::ClaimOutcome;
use crate::{AdminCommand, DeskError, TicketId};

async fn support_ticket(world: &World) -> (TicketId, ChannelId) {
    let opened = world.desk.open_support_ticket(GUILD, &member(1234, "Ann"), "help").await.unwrap();
    (opened.ticket, world.channel_of(opened.ticket))
}

fn kim() -> Actor {
    Actor::member(GUILD, UserId::new(8), "Kim", vec![SUPPORT_ROLE], Permissions::empty())
}

#[pollster::test]
async fn staff_claim_release_and_hand_over_a_ticket_and_the_channel_says_so() {
    let world = World::configured();
    let (ticket, channel) = support_ticket(&world).await;
    world.take_calls();
    let bob = staff(7, "Bob");
    assert_eq!(world.desk.claim_ticket(channel, &bob).await.unwrap(), ClaimOutcome::Claimed(ticket));
    assert_eq!(world.desk.claim_ticket(channel, &bob).await.unwrap(), ClaimOutcome::AlreadyYours(ticket));
    let taken = world.desk.claim_ticket(channel, &kim()).await.unwrap_err();
    assert_eq!(taken.to_string(), "This ticket is already claimed by Bob.");
    let stored = world.store.ticket(ticket).await.unwrap().unwrap().claim.expect("claimed");
    assert_eq!((stored.by, stored.name.as_str()), (world.desk.pid_of(UserId::new(7)), "Bob"));

    let not_yours = world.desk.unclaim_ticket(channel, &kim()).await.unwrap_err();
    assert_eq!(
        not_yours.to_string(),
        "Only Bob, who holds this ticket, or someone with the Manage Server permission can do that."
    );
    let ann = member(1234, "Ann");
    let not_staff = world.desk.transfer_ticket(channel, &bob, &ann).await.unwrap_err();
    assert_eq!(not_staff.to_string(), "Ann does not handle support tickets, so the ticket cannot be handed to them.");
    assert_eq!(world.desk.transfer_ticket(channel, &bob, &kim()).await.unwrap(), ClaimOutcome::Transferred(ticket));
    assert_eq!(world.desk.unclaim_ticket(channel, &kim()).await.unwrap(), ClaimOutcome::Released(ticket));
    assert!(matches!(world.desk.unclaim_ticket(channel, &kim()).await, Err(DeskError::NotClaimed)));
    insta::assert_yaml_snapshot!("claim_hand_over_release", world.take_calls());

    let lines: Vec<String> = world.store.transcript(ticket).await.unwrap().into_iter().map(|l| l.text).collect();
    assert_eq!(
        lines[1..],
        ["Bob claimed the ticket.", "Bob handed the ticket to Kim.", "Kim released the ticket."],
        "the transcript says who held it"
    );
}

#[pollster::test]
async fn members_and_other_guilds_cannot_claim_and_administrators_can_take_over() {
    let world = World::configured();
    let (_, channel) = support_ticket(&world).await;
    let refused = world.desk.claim_ticket(channel, &member(1234, "Ann")).await.unwrap_err();
    assert!(matches!(refused, DeskError::NotPermitted { .. }), "the opener is no staff: {refused}");
    let mut stranger = staff(7, "Bob");
    stranger.guild = GuildId::new(2);
    assert!(matches!(world.desk.claim_ticket(channel, &stranger).await, Err(DeskError::OtherGuild)));
    assert!(matches!(world.desk.claim_ticket(LOG, &staff(7, "Bob")).await, Err(DeskError::NotATicket(_))));
    world.desk.claim_ticket(channel, &staff(7, "Bob")).await.unwrap();
    let ada = admin(9, "Ada");
    assert!(matches!(world.desk.transfer_ticket(channel, &ada, &kim()).await, Ok(ClaimOutcome::Transferred(_))));
    assert!(matches!(world.desk.unclaim_ticket(channel, &ada).await, Ok(ClaimOutcome::Released(_))));
}

#[pollster::test]
async fn an_exclusive_claim_leaves_other_staff_reading_and_holds_back_their_whispers() {
    let world = World::configured();
    world.desk.admin(GUILD, &admin(9, "Ada"), AdminCommand::SetClaim { exclusive: true }).await.unwrap();
    let kaya = player("Kaya", 77);
    let opened = world.desk.open_game_ticket(GUILD, &server(), &kaya, crate::TicketSource::Request, "cart gone").await;
    let crate::InGameOutcome::Opened(ticket) = opened.unwrap() else { panic!("opened") };
    let channel = world.channel_of(ticket);
    world.take_calls();
    let gm = game_staff(10, "Gm");
    world.desk.claim_ticket(channel, &gm).await.unwrap();
    insta::assert_yaml_snapshot!("exclusive_claim", world.take_calls());

    let other = game_staff(11, "Other");
    let held_back = world.desk.channel_message(channel, &other, "I can help too").await.unwrap_err();
    assert!(matches!(held_back, DeskError::NotClaimer { .. }), "{held_back}");
    world.desk.channel_message(channel, &gm, "Found your cart").await.unwrap();
    let whispers: Vec<Call> = world.take_calls().into_iter().filter(|c| matches!(c, Call::Whisper { .. })).collect();
    assert_eq!(whispers, [Call::Whisper { player: "Kaya".into(), from: "Gm".into(), text: "Found your cart".into() }]);

    // A restarted process knows who holds the ticket.
    let restarted = World::over(world.store.clone());
    let still = restarted.desk.channel_message(channel, &other, "again").await.unwrap_err();
    assert!(matches!(still, DeskError::NotClaimer { .. }));
    restarted.desk.unclaim_ticket(channel, &gm).await.unwrap();
    let reopened: Vec<Call> = restarted.take_calls();
    assert!(
        reopened.iter().any(|c| matches!(c, Call::SetOverwrite { overwrite, .. } if overwrite.starts_with(&format!("role {GAME_STAFF} allow")) && !overwrite.contains("deny"))),
        "staff write again: {reopened:?}"
    );
    restarted.desk.channel_message(channel, &other, "I can help too").await.unwrap();
}
