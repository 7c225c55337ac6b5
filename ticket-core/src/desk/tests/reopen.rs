//! Reopening a closed support ticket from its log entry.

use super::*;
use crate::{AdminCommand, DeskError, TicketId};

async fn resolved_ticket(world: &World) -> TicketId {
    let ann = member(1234, "Ann");
    let opened = world.desk.open_support_ticket(GUILD, &ann, "My ship is gone").await.unwrap();
    let channel = world.channel_of(opened.ticket);
    for n in 0..12 {
        world.desk.channel_message(channel, &ann, &format!("line {n}")).await.unwrap();
    }
    world.desk.resolve_ticket(channel, &staff(7, "Bob"), "Replaced it").await.unwrap();
    opened.ticket
}

fn reopen_on(world: &World, hours: Option<u32>) {
    let command = AdminCommand::SetClosing {
        request_timeout_hours: None,
        opener_can_close: None,
        reopen_window_hours: Some(hours),
        feedback: None,
    };
    pollster::block_on(world.desk.admin(GUILD, &admin(9, "Ada"), command)).unwrap();
}

#[pollster::test]
async fn staff_reopen_a_resolved_ticket_within_the_window_with_its_last_lines() {
    let world = World::configured();
    reopen_on(&world, Some(48));
    let old = resolved_ticket(&world).await;
    let calls = world.take_calls();
    let log = calls.iter().find(|c| matches!(c, Call::Send { channel, .. } if *channel == LOG.get())).unwrap();
    let Call::Send { message, .. } = log else { unreachable!("matched above") };
    assert_eq!(message.rows.len(), 1, "the log entry carries Reopen");

    let refused = world.desk.reopen_ticket(old, &member(1234, "Ann")).await.unwrap_err();
    assert!(matches!(refused, DeskError::NotPermitted { .. }), "the log is staff's: {refused}");
    world.advance(time::Duration::hours(47));
    let opened = world.desk.reopen_ticket(old, &staff(7, "Bob")).await.unwrap();
    assert_ne!(opened.ticket, old);
    let new = world.store.ticket(opened.ticket).await.unwrap().unwrap();
    assert_eq!(new.opener(), world.store.ticket(old).await.unwrap().unwrap().opener(), "for the same member");
    insta::assert_yaml_snapshot!("reopened", world.take_calls());

    let twice = world.desk.reopen_ticket(old, &staff(7, "Bob")).await.unwrap_err();
    assert!(twice.to_string().starts_with("The member already has an open support ticket: <#"), "{twice}");
}

#[pollster::test]
async fn reopening_is_refused_when_off_too_late_or_for_open_tickets() {
    let world = World::configured();
    let old = resolved_ticket(&world).await;
    assert!(matches!(world.desk.reopen_ticket(old, &staff(7, "Bob")).await, Err(DeskError::ReopenOff)));
    reopen_on(&world, Some(24));
    world.advance(time::Duration::hours(25));
    let late = world.desk.reopen_ticket(old, &staff(7, "Bob")).await.unwrap_err();
    assert_eq!(
        late.to_string(),
        "This ticket closed more than 24 hours ago: it can no longer be reopened. Open a new one instead."
    );
    let open = world.desk.open_support_ticket(GUILD, &member(5, "Cy"), "q").await.unwrap();
    assert!(matches!(world.desk.reopen_ticket(open.ticket, &staff(7, "Bob")).await, Err(DeskError::StillOpen { .. })));
    reopen_on(&world, None);
    assert!(matches!(world.desk.reopen_ticket(old, &staff(7, "Bob")).await, Err(DeskError::ReopenOff)));
}

fn set_support_limits(world: &World, max_open: u8, cooldown_minutes: u32) {
    let command = AdminCommand::Limits(crate::desk::LimitsCommand::SetLimits {
        kind: crate::settings::TicketType::Support,
        max_open: Some(max_open),
        cooldown_minutes: Some(cooldown_minutes),
    });
    pollster::block_on(world.desk.admin(GUILD, &admin(9, "Ada"), command)).unwrap();
}

#[pollster::test]
async fn staff_reopen_within_the_members_limit_whatever_their_cooldown_or_block() {
    let world = World::configured();
    reopen_on(&world, Some(48));
    let old = resolved_ticket(&world).await;
    let ann = member(1234, "Ann");
    // Two open support tickets per member, and a day between openings; Ann opens another after a day.
    set_support_limits(&world, 2, 24 * 60);
    world.advance(time::Duration::hours(25));
    world.desk.open_support_ticket(GUILD, &ann, "Another thing").await.unwrap();
    let block = crate::desk::LimitsCommand::Block {
        who: crate::desk::BlockWho::Member { user: crate::UserId::new(1234), name: "Ann".into() },
        reason: None,
        hours: None,
    };
    world.desk.admin(GUILD, &admin(9, "Ada"), AdminCommand::Limits(block)).await.unwrap();
    assert!(world.desk.open_support_ticket(GUILD, &ann, "A third").await.is_err(), "Ann herself may not");

    // Staff reopen her first one in her second slot: her cooldown and her block are hers, not staff's.
    let reopened = world.desk.reopen_ticket(old, &staff(7, "Bob")).await.unwrap();
    assert!(world.store.ticket(reopened.ticket).await.unwrap().unwrap().is_open());
    // At her limit now: staff are told so in their words.
    let full = world.desk.reopen_ticket(old, &staff(7, "Bob")).await.unwrap_err();
    assert!(full.to_string().starts_with("The member already has an open support ticket: <#"), "{full}");
}
