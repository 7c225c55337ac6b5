//! Claiming tickets end to end, against the fake Discord: the Claim button and `/ticket claim`, `unclaim` and
//! `transfer`; with exclusive claims, the channel's overwrites let only the claimer write.
#![allow(clippy::unwrap_used, clippy::expect_used)] // Tests: a failed unwrap is a failed test.

use e2e::{Stack, channel_in, custom_ids, opt, permissions, readable, sub};

/// Opens a support ticket as `user`; returns its channel and the welcome's id.
async fn open_ticket(stack: &Stack, user: u64) -> (u64, u64) {
    let d = &stack.discord;
    let panel = stack.wait_message(stack.places.support_panel, |m| custom_ids(m) == ["tickets:open-support"]).await;
    let click = d.click_button(stack.places.support_panel, panel.id, "tickets:open-support", user).await;
    let modal = click.modal().expect("the opening question is asked in a modal");
    let submitted = d.submit_modal(stack.places.support_panel, &modal.custom_id, &[("question", "help")], user).await;
    let channel = channel_in(&submitted.reply_text().unwrap(), "Your support ticket is open: <#");
    let welcome = stack.wait_message(channel, |m| custom_ids(m).contains(&"tickets:claim".to_owned())).await;
    (channel, welcome.id)
}

/// Whether `who`'s overwrite in `channel` denies sending.
fn denied_sending(stack: &Stack, channel: u64, who: u64) -> bool {
    let c = stack.discord.channel(channel).unwrap();
    c.overwrites.iter().any(|o| o.id == who && o.deny & permissions::SEND_MESSAGES != 0)
}

/// Whether `who`'s own overwrite in `channel` lets them send.
fn allowed_sending(stack: &Stack, channel: u64, who: u64) -> bool {
    let c = stack.discord.channel(channel).unwrap();
    c.overwrites.iter().any(|o| o.id == who && o.allow & permissions::SEND_MESSAGES != 0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn staff_claim_with_the_button_and_hand_over_with_commands() {
    let stack = Stack::start().await;
    let d = &stack.discord;
    let (people, places) = (stack.people, stack.places);
    let kim = d.add_member(places.guild, "kim", &[places.support_role]);
    let (channel, welcome) = open_ticket(&stack, people.ann).await;
    assert_eq!(custom_ids(&d.messages(channel)[0]), ["tickets:resolve", "tickets:claim"]);

    let refused = d.click_button(channel, welcome, "tickets:claim", people.ann).await;
    assert_eq!(
        refused.reply_text().as_deref(),
        Some("You need the support role or the Manage Channels permission to resolve tickets.")
    );
    let claimed = d.click_button(channel, welcome, "tickets:claim", people.staff).await;
    assert!(claimed.is_ephemeral());
    assert_eq!(claimed.reply_text().as_deref(), Some("You hold this ticket now."));
    let shown = stack.wait_message(channel, |m| m.content.contains("has claimed this ticket")).await;
    assert_eq!(readable(&shown), format!("🙋 <@{}> has claimed this ticket and will take it from here.", people.staff));
    let again = d.click_button(channel, welcome, "tickets:claim", kim).await;
    assert_eq!(again.reply_text().as_deref(), Some("This ticket is already claimed by sam."));

    let handed = d
        .run_command(
            places.guild,
            channel,
            people.staff,
            "ticket",
            sub("transfer", vec![opt("member", 6, kim.to_string())]),
        )
        .await;
    assert_eq!(handed.reply_text().as_deref(), Some("The ticket is handed over."));
    stack.wait_message(channel, |m| m.content == format!("sam handed this ticket to <@{kim}>.")).await;
    let released = d.run_command(places.guild, channel, kim, "ticket", sub("unclaim", vec![])).await;
    assert_eq!(released.reply_text().as_deref(), Some("You released this ticket."));
    let nobody = d.run_command(places.guild, channel, kim, "ticket", sub("unclaim", vec![])).await;
    assert_eq!(nobody.reply_text().as_deref(), Some("This ticket is not claimed."));
    stack.assert_no_violations();
    stack.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_exclusive_claim_lets_only_the_claimer_write() {
    let stack = Stack::start().await;
    let d = &stack.discord;
    let (people, places) = (stack.people, stack.places);
    let kim = d.add_member(places.guild, "kim", &[places.support_role]);
    let set = stack.admin_command("tickets", sub("set-claim", vec![opt("exclusive", 5, true)])).await;
    assert!(set.reply_text().unwrap().starts_with("Saved. Once a ticket is claimed, only the claimer"));
    let (channel, _) = open_ticket(&stack, people.ann).await;
    assert!(!denied_sending(&stack, channel, places.support_role));

    let claimed = d.run_command(places.guild, channel, people.staff, "ticket", sub("claim", vec![])).await;
    assert_eq!(claimed.reply_text().as_deref(), Some("You hold this ticket now."));
    assert!(
        d.wait_for(e2e::PATIENCE, |_| denied_sending(&stack, channel, places.support_role)).await,
        "staff read only"
    );
    assert!(!denied_sending(&stack, channel, people.staff), "the claimer writes");
    assert!(!denied_sending(&stack, channel, people.ann), "the opener writes");
    assert_ne!(d.send_message(channel, people.staff, "on it").await, 0);

    let to_kim = sub("transfer", vec![opt("member", 6, kim.to_string())]);
    d.run_command(places.guild, channel, people.staff, "ticket", to_kim).await;
    assert!(
        d.wait_for(e2e::PATIENCE, |_| !allowed_sending(&stack, channel, people.staff)).await,
        "the old claimer is back to their role: read only"
    );
    assert!(allowed_sending(&stack, channel, kim), "the new one writes");

    d.run_command(places.guild, channel, kim, "ticket", sub("unclaim", vec![])).await;
    assert!(
        d.wait_for(e2e::PATIENCE, |_| !denied_sending(&stack, channel, places.support_role)).await,
        "staff write again"
    );
    assert_ne!(d.send_message(channel, people.staff, "back again").await, 0, "the first claimer too");
    let workflow = stack.admin_command("tickets", sub("show-workflow", vec![])).await;
    let shown = readable(&d.response_message(workflow.id).unwrap());
    assert!(shown.contains("only the claimer writes in a claimed ticket"), "{shown}");
    stack.assert_no_violations();
    stack.stop().await;
}
