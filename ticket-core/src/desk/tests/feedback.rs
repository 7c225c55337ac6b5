//! Feedback at close and `/tickets stats`, through the desk.

use super::*;
use crate::desk::AdminCommand;
use crate::feedback::Rating;
use crate::stats::StatsPeriod;
use crate::{DeskError, MessageOutcome, Problem, TicketId, TicketSource};

const ANN: u64 = 1234;

fn with_feedback(world: &World, on: bool) {
    world.configure(|s| {
        s.closing.feedback = on;
        s
    });
}

fn stars(n: u8) -> Rating {
    Rating::new(n).unwrap()
}

/// The feedback prompts among `calls`: (user, ticket named by the buttons).
fn prompts(calls: &[Call]) -> Vec<(u64, Vec<String>)> {
    calls
        .iter()
        .filter_map(|c| match c {
            Call::Dm { user, message } => {
                let ids: Vec<String> = message
                    .rows
                    .iter()
                    .flatten()
                    .filter_map(|c| match c {
                        Component::Button { id, .. } => Some(id.to_string()),
                        _ => None,
                    })
                    .filter(|id| id.starts_with("feedback:rate:"))
                    .collect();
                (!ids.is_empty()).then_some((*user, ids))
            }
            _ => None,
        })
        .collect()
}

/// A support ticket of Ann's, answered by staff 7 after `response` and resolved by them.
async fn resolved(world: &World, response: time::Duration) -> TicketId {
    let opened = world.desk.open_support_ticket(GUILD, &member(ANN, "Ann"), "Lost my ship").await.unwrap();
    let channel = world.channel_of(opened.ticket);
    world.advance(response);
    let said = world.desk.channel_message(channel, &staff(7, "Bob"), "On it").await.unwrap();
    assert_eq!(said, MessageOutcome::Recorded(opened.ticket));
    world.desk.channel_message(channel, &staff(8, "Cy"), "me too").await.unwrap();
    world.advance(time::Duration::hours(1));
    world.desk.resolve_ticket(channel, &staff(7, "Bob"), "Claimed it back").await.unwrap();
    opened.ticket
}

#[pollster::test]
async fn a_resolved_ticket_asks_its_opener_once_and_shows_the_answer_on_the_log_entry() {
    let world = World::configured();
    with_feedback(&world, true);
    let ticket = resolved(&world, time::Duration::minutes(5)).await;
    let calls = world.take_calls();
    let asked = prompts(&calls);
    assert_eq!(asked.len(), 1, "one prompt");
    assert_eq!(asked[0].0, ANN, "to the opener");
    assert_eq!(asked[0].1, (1..=5).map(|n| format!("feedback:rate:{ticket}:{n}")).collect::<Vec<_>>());
    let dm = calls.iter().find(|c| matches!(c, Call::Dm { .. })).unwrap();
    insta::assert_yaml_snapshot!("feedback_prompt", dm);

    let stored = world.store.ticket(ticket).await.unwrap().unwrap();
    let first = stored.activity.first_response.expect("the first staff word is the first response");
    assert_eq!((first.by, first.at), (world.desk.pid_of(UserId::new(7)), T0 + time::Duration::minutes(5)));
    assert_eq!(stored.activity.closed_by, Some(sample_key().seal(UserId::new(7))));
    let log = stored.activity.feedback.and_then(|f| f.log).expect("the log entry is kept for the feedback");
    assert_eq!(log.message.channel, LOG);

    world.desk.may_give_feedback(ticket, UserId::new(ANN)).await.unwrap();
    let comment = "Quick and kind! @everyone <@7> <@&60> thanks";
    let answer = world.desk.give_feedback(ticket, UserId::new(ANN), stars(4), comment).await.unwrap();
    assert_eq!(answer.rating, stars(4));
    assert!(!answer.comment.as_deref().unwrap().contains("<@7>"), "mentions are sealed when stored");
    let calls = world.take_calls();
    let edit = calls.iter().find(|c| matches!(c, Call::Edit { channel, .. } if *channel == LOG.get())).unwrap();
    insta::assert_yaml_snapshot!("feedback_log_entry", edit);
    let Call::Edit { id, message, .. } = edit else { unreachable!() };
    assert_eq!(*id, log.message.message.get(), "the log entry itself is edited");
    assert!(message.pings.users.is_empty() && message.pings.roles.is_empty(), "the edit pings nobody");
    let text = readable(edit).join("\n");
    assert!(text.contains("★★★★☆ (4/5)") && text.contains("Claimed it back"), "{text}");
    assert!(!text.contains("@everyone") || text.contains("@\u{200b}everyone"), "@everyone is defused: {text}");

    for again in [
        world.desk.give_feedback(ticket, UserId::new(ANN), stars(1), "").await.map(|_| ()),
        world.desk.may_give_feedback(ticket, UserId::new(ANN)).await,
    ] {
        assert!(matches!(again, Err(DeskError::FeedbackGiven)), "one answer per ticket: {again:?}");
    }
    let kept = world.store.ticket(ticket).await.unwrap().unwrap().activity.rating();
    assert_eq!(kept, Some(stars(4)), "the first answer stays");
    assert!(world.store.pending_effects(None).await.unwrap().is_empty());
}

#[pollster::test]
async fn only_the_opener_rates_and_long_comments_are_refused() {
    let world = World::configured();
    with_feedback(&world, true);
    let ticket = resolved(&world, time::Duration::minutes(1)).await;
    for who in [7, 99] {
        let refused = world.desk.give_feedback(ticket, UserId::new(who), stars(1), "").await;
        assert!(matches!(refused, Err(DeskError::NotOpener)), "{who}: {refused:?}");
    }
    let long = world.desk.give_feedback(ticket, UserId::new(ANN), stars(2), &"x".repeat(1001)).await;
    assert!(matches!(long, Err(DeskError::Invalid { problem: Problem::TooLong { max: 1000 }, .. })), "{long:?}");
    assert_eq!(world.store.ticket(ticket).await.unwrap().unwrap().activity.rating(), None, "nothing was stored");
    let unknown = world.desk.may_give_feedback(TicketId::new(999), UserId::new(ANN)).await;
    assert!(matches!(unknown, Err(DeskError::FeedbackOff)), "{unknown:?}");
    world.take_calls();

    // The longest comment is kept whole and cut on the log entry, which stays within Discord's limits.
    world.desk.give_feedback(ticket, UserId::new(ANN), stars(2), &"y".repeat(1000)).await.unwrap();
    let calls = world.take_calls();
    let Some(Call::Edit { message, .. }) = calls.iter().find(|c| matches!(c, Call::Edit { .. })) else {
        panic!("the log entry is edited: {calls:?}")
    };
    let field = message.embeds[0].fields.iter().find(|f| f.name == "Feedback from the opener").unwrap();
    assert!(field.value.chars().count() <= crate::message::Embed::FIELD_MAX);
    assert!(field.value.ends_with('…'), "cut for the embed");
    let stored = world.store.ticket(ticket).await.unwrap().unwrap();
    assert_eq!(stored.activity.feedback.unwrap().answer.unwrap().comment.unwrap().len(), 1000, "kept whole");
}

#[pollster::test]
async fn without_feedback_on_or_after_it_is_turned_off_nobody_is_asked_or_recorded() {
    let world = World::configured();
    let quiet = resolved(&world, time::Duration::minutes(1)).await;
    assert!(prompts(&world.take_calls()).is_empty(), "off by default");
    let refused = world.desk.give_feedback(quiet, UserId::new(ANN), stars(5), "").await;
    assert!(matches!(refused, Err(DeskError::FeedbackOff)), "{refused:?}");

    let set = AdminCommand::SetClosing {
        request_timeout_hours: None,
        opener_can_close: None,
        reopen_window_hours: None,
        feedback: Some(true),
    };
    let reply = world.desk.admin(GUILD, &admin(9, "Ada"), set).await.unwrap();
    let shown = readable(&Call::Send { channel: 0, message: reply }).join("\n");
    assert!(shown.contains("Feedback (support, recruitment): openers rate 1–5 stars in a DM at close"), "{shown}");
    let workflow = world.desk.admin(GUILD, &admin(9, "Ada"), AdminCommand::ShowWorkflow).await.unwrap();
    assert!(readable(&Call::Send { channel: 0, message: workflow }).join("\n").contains("openers rate 1–5 stars"));
    let asked = resolved(&world, time::Duration::minutes(1)).await;
    assert_eq!(prompts(&world.take_calls()).len(), 1);
    with_feedback(&world, false);
    let refused = world.desk.give_feedback(asked, UserId::new(ANN), stars(5), "").await;
    assert!(matches!(refused, Err(DeskError::FeedbackOff)), "{refused:?}");
    assert_eq!(
        refused.unwrap_err().to_string(),
        "This server no longer collects feedback on tickets. Thank you all the same!"
    );
}

#[pollster::test]
async fn closed_dms_and_a_deleted_log_entry_lose_nothing() {
    let world = World::configured();
    with_feedback(&world, true);
    world.faults().dms_closed = true;
    let ticket = resolved(&world, time::Duration::minutes(1)).await;
    assert!(world.store.pending_effects(None).await.unwrap().is_empty(), "a refused DM does not stall the ticket");
    assert!(!world.store.ticket(ticket).await.unwrap().unwrap().is_open());
    world.faults().dms_closed = false;

    // The log entry is gone when the answer comes: it is kept all the same.
    world.faults().gone.insert(LOG);
    world.desk.give_feedback(ticket, UserId::new(ANN), stars(3), "fine").await.unwrap();
    assert!(world.store.pending_effects(None).await.unwrap().is_empty(), "the edit is skipped, not retried");
    assert_eq!(world.store.ticket(ticket).await.unwrap().unwrap().activity.rating(), Some(stars(3)));
}

#[pollster::test]
async fn in_game_tickets_and_declined_applications_ask_nobody_finalised_ones_do() {
    let world = World::configured();
    with_feedback(&world, true);
    let Ok(crate::InGameOutcome::Opened(game)) =
        world.desk.open_game_ticket(GUILD, &server(), &player("Foo", 1), TicketSource::Request, "help").await
    else {
        panic!("opens")
    };
    world.desk.channel_message(world.channel_of(game), &game_staff(11, "Gm"), "hello").await.unwrap();
    world.desk.player_logout(GUILD, &server(), &player("Foo", 1)).await.unwrap();
    let stored = world.store.ticket(game).await.unwrap().unwrap();
    assert!(!stored.is_open());
    assert_eq!(stored.activity.first_response.map(|m| m.by), Some(world.desk.pid_of(UserId::new(11))));
    assert!(stored.activity.feedback.is_none());
    assert!(!world.take_calls().iter().any(|c| matches!(c, Call::Dm { .. })), "an in-game ticket has no one to DM");

    let (_, app) = super::recruitment::to_qna_received(&world).await;
    world.take_calls();
    world.desk.decline(app, &recruiter(77, "Rita"), "no mic").await.unwrap();
    let calls = world.take_calls();
    assert!(calls.iter().any(|c| matches!(c, Call::Dm { .. })), "the generic decline DM goes");
    assert!(prompts(&calls).is_empty(), "no prompt for a declined application");

    let other = member(6666, "Other");
    let opened = world.desk.open_recruitment_ticket(GUILD, &other).await.unwrap();
    let step1 = crate::Step1Input {
        requested: crate::RequestedRole::Member,
        area: "medical".into(),
        time_zone: "UTC".into(),
        rsi_handle: "Pilot_Two".into(),
        notes: String::new(),
    };
    let app = world.desk.submit_step1(opened.ticket, &other, &step1).await.unwrap();
    let answers = ["pilot".to_owned(), "18:00-22:00".to_owned(), "yes".to_owned(), String::new()];
    world.desk.submit_qna(app, &other, 1, &answers).await.unwrap();
    world.desk.approve(app, &recruiter(77, "Rita")).await.unwrap();
    world.advance(time::Duration::seconds(30));
    world.take_calls();
    world.desk.finalise(app, &admin(9, "Ada")).await.unwrap();
    // The record's edit waits for its quiet time, and the rest of the ticket's effects with it.
    world.advance(time::Duration::seconds(30));
    world.desk.resume().await.unwrap();
    let asked = prompts(&world.take_calls());
    assert_eq!(asked.iter().map(|(user, _)| *user).collect::<Vec<_>>(), vec![6666], "a finalised applicant is asked");
}

#[pollster::test]
async fn stats_count_per_kind_and_staff_over_the_period_for_admins_only() {
    let world = World::configured();
    with_feedback(&world, true);
    // Long ago: resolved by Bob, rated 1.
    let old = resolved(&world, time::Duration::minutes(30)).await;
    world.desk.give_feedback(old, UserId::new(ANN), stars(1), "").await.unwrap();
    world.advance(time::Duration::days(40));
    // In the period: resolved by Bob after 5 minutes, rated 5; an in-game ticket answered by a GM after 2 minutes.
    let recent = resolved(&world, time::Duration::minutes(5)).await;
    world.desk.give_feedback(recent, UserId::new(ANN), stars(5), "").await.unwrap();
    let Ok(crate::InGameOutcome::Opened(game)) =
        world.desk.open_game_ticket(GUILD, &server(), &player("Foo", 1), TicketSource::Request, "help").await
    else {
        panic!("opens")
    };
    world.advance(time::Duration::minutes(2));
    world.desk.channel_message(world.channel_of(game), &game_staff(11, "Gm"), "hello").await.unwrap();
    world.take_calls();

    let ask = |period| AdminCommand::Stats { period };
    let refused = world.desk.admin(GUILD, &member(ANN, "Ann"), ask(StatsPeriod::Month)).await;
    assert!(matches!(refused, Err(DeskError::NotPermitted { .. })), "{refused:?}");
    let month = world.desk.admin(GUILD, &admin(9, "Ada"), ask(StatsPeriod::Month)).await.unwrap();
    insta::assert_yaml_snapshot!("stats_embed", month);
    let text = readable(&Call::Send { channel: 0, message: month.clone() }).join("\n");
    assert!(text.contains("Support tickets: Opened **1** · Closed **1**"), "{text}");
    assert!(text.contains("Feedback: **5.0/5** from 1 rating"), "the old rating is out of the period: {text}");
    assert!(text.contains("In-game tickets: Opened **1** · Closed **0**"), "{text}");
    assert!(month.pings.users.is_empty(), "staff are mentioned, never pinged");
    let all = world.desk.admin(GUILD, &admin(9, "Ada"), ask(StatsPeriod::All)).await.unwrap();
    let text = readable(&Call::Send { channel: 0, message: all }).join("\n");
    assert!(text.contains("Support tickets: Opened **2** · Closed **2**"), "{text}");
    assert!(text.contains("Feedback: **3.0/5** from 2 ratings"), "{text}");
    assert!(world.take_calls().is_empty(), "statistics post nothing");
}
