//! Feedback end to end: `/tickets set-closing feedback:true` → a resolved ticket's opener gets a 1–5 star prompt in
//! a DM → a star opens the comment form → the answer shows on the log entry and the DM loses its buttons.
#![allow(clippy::unwrap_used, clippy::expect_used)] // Tests: a failed unwrap is a failed test.

use adapter_discord::sim::MessageState;
use e2e::{PATIENCE, Stack, custom_ids, may_ping, opt, readable, sub};

async fn feedback_on(stack: &Stack) {
    let saved = stack.admin_command("tickets", sub("set-closing", vec![opt("feedback", 5, true)])).await;
    assert_eq!(saved.reply_text().as_deref(), Some("Saved."));
    let guild = ticket_core::GuildId::new(stack.places.guild);
    assert!(ticket_core::TicketStore::settings(&**stack.app.store(), guild).await.unwrap().closing.feedback);
}

/// The feedback prompt among `user`'s DMs, once it came.
async fn prompt_of(stack: &Stack, user: u64) -> MessageState {
    let d = &stack.discord;
    let asked = |m: &MessageState| custom_ids(m).iter().any(|id| id.starts_with("feedback:rate:"));
    assert!(d.wait_for(PATIENCE, |d| d.dms(user).iter().any(asked)).await, "the opener is asked: {:?}", d.dms(user));
    d.dms(user).into_iter().find(asked).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_resolved_tickets_opener_rates_it_in_a_dm_and_the_log_entry_shows_it() {
    let stack = Stack::start().await;
    let d = &stack.discord;
    let (people, places) = (stack.people, stack.places);
    feedback_on(&stack).await;
    let channel = stack.open_support(people.ann, "My ship fell through the hangar floor").await;
    d.send_message(channel, people.staff, "On it!").await;
    stack.resolve(channel, people.staff, "Claimed the ship back for you").await;

    let prompt = prompt_of(&stack, people.ann).await;
    insta::assert_snapshot!("feedback_prompt_dm", readable(&prompt));
    let dm_channel = prompt.channel;
    let ids = custom_ids(&prompt);
    assert_eq!(ids.len(), 5, "one button per star: {ids:?}");
    let log = stack.wait_message(places.log, |m| readable(m).contains("Support ticket resolved")).await;
    assert!(!log.attachments.is_empty(), "the transcript goes with the log entry");

    // Two stars pressed, each showing the optional comment form; the first form sent is the answer.
    let four = d.click_button(dm_channel, prompt.id, &ids[3], people.ann).await;
    let form = four.modal().expect("the comment form");
    assert!(!form.inputs[0].required, "the comment is optional");
    let five = d.click_button(dm_channel, prompt.id, &ids[4], people.ann).await.modal().expect("a form again");
    let comment = "@everyone quick and kind, thanks <@&1> **Sam**";
    d.submit_modal(dm_channel, &form.custom_id, &[("comment", comment)], people.ann).await;

    // The DM becomes a thank-you without buttons.
    let thanked =
        d.wait_for(PATIENCE, |d| d.dms(people.ann).iter().any(|m| m.id == prompt.id && custom_ids(m).is_empty())).await;
    assert!(thanked, "the prompt loses its buttons: {:?}", d.dms(people.ann));
    let updated = d.dms(people.ann).into_iter().find(|m| m.id == prompt.id).unwrap();
    assert!(readable(&updated).contains("Thank you for your feedback!") && readable(&updated).contains("★★★★☆"));

    // The log entry shows it, pinging nobody, its transcript still attached.
    let edited = stack.wait_message(places.log, |m| m.id == log.id && readable(m).contains("Feedback from")).await;
    assert!(edited.edited);
    assert_eq!(edited.attachments.len(), log.attachments.len(), "the edit keeps the transcript");
    let (parse, users, roles) = may_ping(&edited);
    assert!(parse.is_empty() && users.is_empty() && roles.is_empty(), "the edit pings nobody");
    assert!(!readable(&edited).contains("@everyone"), "@everyone is defused: {}", readable(&edited));
    let shown = readable(&edited)
        .replace(&format!("<@{}>", people.ann), "<@ann>")
        .replace(&format!("<@{}>", people.staff), "<@sam>");
    insta::assert_snapshot!("feedback_log_entry", shown);

    // The second form comes too late: one answer per ticket.
    let again = d.submit_modal(dm_channel, &five.custom_id, &[("comment", "changed my mind")], people.ann).await;
    let said = again.reply_text().unwrap_or_default();
    assert_eq!(said, "Your feedback on this ticket was already recorded. Thank you!", "{again:?}");
    stack.assert_no_violations();
    stack.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn closed_dms_do_not_hold_up_the_close_and_feedback_off_asks_nobody() {
    let stack = Stack::start().await;
    let d = &stack.discord;
    let (people, places) = (stack.people, stack.places);
    // Off by default: resolved, DMed the resolution, not asked.
    let channel = stack.open_support(people.bob, "help").await;
    stack.resolve(channel, people.staff, "done").await;
    assert!(d.wait_for(PATIENCE, |d| !d.dms(people.bob).is_empty()).await, "the resolution DM comes");
    assert!(d.wait_for(PATIENCE, |d| d.channel(channel).is_none()).await);
    assert!(d.dms(people.bob).iter().all(|m| custom_ids(m).is_empty()), "no prompt while feedback is off");

    feedback_on(&stack).await;
    d.set_dms_closed(people.ann, true);
    let channel = stack.open_support(people.ann, "help").await;
    stack.resolve(channel, people.staff, "done").await;
    assert!(d.wait_for(PATIENCE, |d| d.channel(channel).is_none()).await, "the channel is deleted all the same");
    stack.wait_message(places.log, |m| readable(m).contains("Support ticket resolved")).await;
    let store = stack.app.store().clone();
    let settled = e2e::eventually(async || {
        ticket_core::TicketStore::pending_effects(&*store, None).await.unwrap().is_empty().then_some(())
    })
    .await;
    assert!(settled.is_some(), "nothing is left waiting on the refused DM");
    assert!(d.dms(people.ann).is_empty());
    stack.assert_no_violations();
    stack.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_in_game_ticket_asks_nobody() {
    let stack = Stack::start().await;
    let d = &stack.discord;
    feedback_on(&stack).await;
    let (sim, _events) = stack.game().await;
    sim.login("Foo Bar").await.unwrap();
    assert!(sim.request("Foo Bar", "my item vanished").await.unwrap());
    let channel = stack.wait_channel("ticket-foo-bar").await;
    stack.wait_message(channel, |m| m.content.contains("my item vanished")).await;
    d.send_message(channel, stack.people.gm, "looking").await;
    sim.logout("Foo Bar").await.unwrap();
    assert!(d.wait_for(PATIENCE, |d| d.channel(channel).is_none()).await, "logout closes it");
    stack.wait_message(stack.places.log, |m| readable(m).contains("In-game ticket closed")).await;
    let p = stack.people;
    for who in [p.admin, p.staff, p.gm, p.rita, p.ann, p.bob] {
        assert!(d.dms(who).is_empty(), "nobody is DMed");
    }
    stack.assert_no_violations();
    sim.shutdown().await;
    stack.stop().await;
}

/// The prompt's buttons carry the ticket and the stars: a restart between the DM and the click changes nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restart_between_the_prompt_and_the_click_loses_nothing() {
    let stack = Stack::start().await;
    let (people, places) = (stack.people, stack.places);
    feedback_on(&stack).await;
    let channel = stack.open_support(people.ann, "help").await;
    stack.resolve(channel, people.staff, "done").await;
    let prompt = prompt_of(&stack, people.ann).await;
    stack.wait_message(places.log, |m| readable(m).contains("Support ticket resolved")).await;

    let stack = stack.restart().await;
    let d = &stack.discord;
    let three = custom_ids(&prompt)[2].clone();
    let form = d.click_button(prompt.channel, prompt.id, &three, people.ann).await.modal().expect("the form");
    d.submit_modal(prompt.channel, &form.custom_id, &[("comment", "ok")], people.ann).await;
    let shown = stack.wait_message(places.log, |m| readable(m).contains("★★★☆☆ (3/5)")).await;
    assert!(readable(&shown).contains("> ok"), "{}", readable(&shown));
    stack.assert_no_violations();
    stack.stop().await;
}
