//! Closing end to end, against the fake Discord: staff ask the opener to confirm with `/ticket close-request`, the
//! opener answers with the buttons; `/ticket close` by the opener; the closing settings.
#![allow(clippy::unwrap_used, clippy::expect_used)] // Tests: a failed unwrap is a failed test.

use e2e::{PATIENCE, Stack, channel_in, custom_ids, opt, readable, sub};

/// Opens a support ticket as `user`; returns its channel.
async fn open_ticket(stack: &Stack, user: u64) -> u64 {
    let d = &stack.discord;
    let panel = stack.wait_message(stack.places.support_panel, |m| custom_ids(m) == ["tickets:open-support"]).await;
    let click = d.click_button(stack.places.support_panel, panel.id, "tickets:open-support", user).await;
    let modal = click.modal().expect("the opening question is asked in a modal");
    let submitted = d.submit_modal(stack.places.support_panel, &modal.custom_id, &[("question", "help")], user).await;
    channel_in(&submitted.reply_text().unwrap(), "Your support ticket is open: <#")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn staff_ask_to_close_and_the_opener_keeps_it_open_then_closes_it() {
    let stack = Stack::start().await;
    let d = &stack.discord;
    let (people, places) = (stack.people, stack.places);
    let channel = open_ticket(&stack, people.ann).await;

    let asked = d.run_command(places.guild, channel, people.staff, "ticket", sub("close-request", vec![])).await;
    assert_eq!(
        asked.reply_text().as_deref(),
        Some("The opener is asked to confirm; the ticket closes by itself if they do not answer.")
    );
    let request = stack.wait_message(channel, |m| custom_ids(m) == ["tickets:close:1", "tickets:keep-open:1"]).await;
    assert!(readable(&request).contains("would like to close this ticket"));
    let bob = d.click_button(channel, request.id, "tickets:close:1", people.staff).await;
    assert_eq!(bob.reply_text().as_deref(), Some("Only the member who opened this ticket can do that."));

    let kept = d.click_button(channel, request.id, "tickets:keep-open:1", people.ann).await;
    assert_eq!(kept.reply_text().as_deref(), Some("The ticket stays open."));
    stack.wait_message(channel, |m| m.content == "ann keeps this ticket open.").await;
    let stale = d.click_button(channel, request.id, "tickets:close:1", people.ann).await;
    assert!(stale.reply_text().unwrap().starts_with("There is no close request to answer"));

    d.run_command(places.guild, channel, people.staff, "ticket", sub("close-request", vec![])).await;
    let again = stack
        .wait_message(channel, |m| custom_ids(m) == ["tickets:close:1", "tickets:keep-open:1"] && m.id != request.id)
        .await;
    let closed = d.click_button(channel, again.id, "tickets:close:1", people.ann).await;
    assert_eq!(closed.reply_text().as_deref(), Some("The ticket is closed. This channel is being deleted."));
    assert!(d.wait_for(PATIENCE, |d| d.channel(channel).is_none()).await, "the channel is deleted");
    let log = stack.wait_message(places.log, |m| readable(m).contains("Ticket closed")).await;
    assert!(readable(&log).contains("closed by its opener"));
    assert_eq!(log.attachments.len(), 1, "with the transcript");
    stack.assert_no_violations();
    stack.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn openers_close_their_own_tickets_once_allowed_and_auto_close_is_set_per_kind() {
    let stack = Stack::start().await;
    let d = &stack.discord;
    let (people, places) = (stack.people, stack.places);
    let channel = open_ticket(&stack, people.ann).await;
    let off = d.run_command(places.guild, channel, people.ann, "ticket", sub("close", vec![])).await;
    assert!(off.reply_text().unwrap().starts_with("Closing your own ticket is turned off"));

    stack.admin_command("tickets", sub("set-closing", vec![opt("opener_can_close", 5, true)])).await;
    let auto = vec![opt("kind", 3, "support"), opt("warn_after_hours", 4, 48), opt("close_after_hours", 4, 24)];
    let set = stack.admin_command("tickets", sub("set-auto-close", auto)).await;
    assert_eq!(set.reply_text().as_deref(), Some("Saved. Open tickets follow the new times from now on."));
    let missing = stack.admin_command("tickets", sub("set-auto-close", vec![opt("kind", 3, "recruitment")])).await;
    assert_eq!(missing.reply_text().as_deref(), Some("the option `warn_after_hours` is missing or invalid"));
    let shown = stack.admin_command("tickets", sub("show-workflow", vec![])).await;
    let shown = readable(&d.response_message(shown.id).unwrap());
    assert!(shown.contains("warn after 48h without a word from the opener, close 24h later"), "{shown}");
    assert!(shown.contains("Openers close their support tickets: on"), "{shown}");

    let closed = d.run_command(places.guild, channel, people.ann, "ticket", sub("close", vec![])).await;
    assert_eq!(closed.reply_text().as_deref(), Some("Your ticket is closed. This channel is being deleted."));
    assert!(d.wait_for(PATIENCE, |d| d.channel(channel).is_none()).await, "the channel is deleted");
    stack.assert_no_violations();
    stack.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn staff_reopen_a_resolved_ticket_from_its_log_entry() {
    let stack = Stack::start().await;
    let d = &stack.discord;
    let (people, places) = (stack.people, stack.places);
    stack.admin_command("tickets", sub("set-closing", vec![opt("reopen_window_hours", 4, 48)])).await;
    let channel = open_ticket(&stack, people.ann).await;
    d.send_message(channel, people.ann, "my ship is still gone").await;
    let welcome = stack.wait_message(channel, |m| custom_ids(m) == ["tickets:resolve", "tickets:claim"]).await;
    let click = d.click_button(channel, welcome.id, "tickets:resolve", people.staff).await;
    d.submit_modal(channel, &click.modal().unwrap().custom_id, &[("resolution", "fixed")], people.staff).await;
    let log = stack.wait_message(places.log, |m| readable(m).contains("Support ticket resolved")).await;
    assert_eq!(custom_ids(&log), ["tickets:reopen:1"]);
    assert!(d.wait_for(PATIENCE, |d| d.channel(channel).is_none()).await, "the channel is deleted");

    let by_ann = d.click_button(places.log, log.id, "tickets:reopen:1", people.staff).await;
    let reply = by_ann.reply_text().unwrap();
    let reopened = channel_in(&reply, "Reopened: <#");
    let recap = stack.wait_message(reopened, |m| readable(m).contains("Reopened from ticket #1")).await;
    assert!(readable(&recap).contains("my ship is still gone"), "{}", readable(&recap));
    let again = d.click_button(places.log, log.id, "tickets:reopen:1", people.staff).await;
    assert!(again.reply_text().unwrap().starts_with("The member already has an open support ticket"));
    stack.assert_no_violations();
    stack.stop().await;
}
