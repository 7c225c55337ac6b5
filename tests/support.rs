//! Support tickets end to end: panel → modal → private channel → ping → Resolve (Staff) → log → deleted → DM.
#![allow(clippy::unwrap_used, clippy::expect_used)] // Tests: a failed unwrap is a failed test.

use adapter_discord::sim::Interaction;
use e2e::{PATIENCE, Stack, channel_in, custom_ids, eventually, may_ping, permissions, readable};

/// `user` presses the support panel's Open Support Ticket button.
async fn press_open(stack: &Stack, user: u64) -> Interaction {
    let panel = stack.wait_message(stack.places.support_panel, |m| custom_ids(m) == ["tickets:open-support"]).await;
    assert!(readable(&panel).contains("Open Support Ticket"));
    stack.discord.click_button(stack.places.support_panel, panel.id, "tickets:open-support", user).await
}

/// Opens a support ticket as `user`; returns its channel.
async fn open_ticket(stack: &Stack, user: u64, question: &str) -> u64 {
    let d = &stack.discord;
    let click = press_open(stack, user).await;
    let modal = click.modal().expect("the opening question is asked in a modal");
    assert_eq!(modal.custom_id, "tickets:open-support:form");
    let submitted = d.submit_modal(stack.places.support_panel, &modal.custom_id, &[("question", question)], user).await;
    assert!(submitted.is_ephemeral());
    let reply = submitted.reply_text().expect("the member is told where the ticket is");
    let id = channel_in(&reply, "Your support ticket is open: <#");
    assert!(d.channel(id).is_some());
    id
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_support_ticket_from_panel_to_resolved() {
    let stack = Stack::start().await;
    let d = &stack.discord;
    let (people, places) = (stack.people, stack.places);
    let channel = open_ticket(&stack, people.ann, "My ship fell through the hangar floor").await;

    // A private channel in the support category: the opener, the support role and the bot, nobody else.
    let created = d.channel(channel).unwrap();
    assert_eq!(created.parent, Some(places.support_category));
    assert!(created.topic.as_deref().unwrap().contains("TID:"));
    let everyone = created.overwrites.iter().find(|o| o.id == places.guild).expect("@everyone is denied");
    assert_ne!(everyone.deny & permissions::VIEW_CHANNEL, 0);
    for who in [people.ann, places.support_role, d.bot_user_id()] {
        let o = created.overwrites.iter().find(|o| o.id == who).expect("let in");
        assert_ne!(o.allow & permissions::VIEW_CHANNEL, 0, "{who} may see the channel");
    }
    assert!(created.overwrites.iter().all(|o| o.id != people.bob), "other members are not let in");

    // Staff are pinged with the opener, and the Resolve (Staff) button is there.
    let welcome = stack.wait_message(channel, |m| custom_ids(m) == ["tickets:resolve", "tickets:claim"]).await;
    assert!(welcome.content.contains(&format!("<@&{}>", places.support_role)));
    let (parse, users, roles) = may_ping(&welcome);
    assert!(parse.is_empty(), "no @everyone/@here parsing");
    assert_eq!(users, vec![people.ann.to_string()]);
    assert_eq!(roles, vec![places.support_role.to_string()]);
    assert!(readable(&welcome).contains("My ship fell through the hangar floor"));

    // Staff resolve with the modal.
    let click = d.click_button(channel, welcome.id, "tickets:resolve", people.staff).await;
    let modal = click.modal().expect("staff get the resolution modal");
    let done = d
        .submit_modal(channel, &modal.custom_id, &[("resolution", "Claimed the ship back for you")], people.staff)
        .await;
    assert!(done.reply_text().unwrap().starts_with("Resolved and logged"));

    // Logged, deleted, and the opener DMed (DM-on-close is on).
    let log = stack.wait_message(places.log, |m| readable(m).contains("Support ticket resolved")).await;
    assert!(readable(&log).contains("Claimed the ship back for you"));
    assert!(d.wait_for(PATIENCE, |d| d.channel(channel).is_none()).await, "the channel is deleted");
    assert!(d.wait_for(PATIENCE, |d| !d.dms(people.ann).is_empty()).await, "the opener is DMed");
    assert!(readable(&d.dms(people.ann)[0]).contains("Claimed the ship back for you"));
    stack.assert_no_violations();
    stack.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_member_clicking_resolve_is_refused_and_nothing_happens() {
    let stack = Stack::start().await;
    let d = &stack.discord;
    let channel = open_ticket(&stack, stack.people.ann, "help").await;
    let welcome = stack.wait_message(channel, |m| custom_ids(m) == ["tickets:resolve", "tickets:claim"]).await;
    let click = d.click_button(channel, welcome.id, "tickets:resolve", stack.people.ann).await;
    assert!(click.modal().is_none(), "no form for non-staff");
    assert!(click.is_ephemeral());
    assert_eq!(
        click.reply_text().as_deref(),
        Some("You need the support role or the Manage Channels permission to resolve tickets.")
    );
    assert!(d.channel(channel).is_some());
    let again = press_open(&stack, stack.people.ann).await;
    assert!(
        again.reply_text().unwrap().starts_with("You already have an open ticket: <#"),
        "one open ticket per member"
    );
    stack.assert_no_violations();
    stack.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_channel_deleted_by_hand_closes_its_ticket() {
    let stack = Stack::start().await;
    let d = &stack.discord;
    let channel = open_ticket(&stack, stack.people.ann, "help").await;
    d.delete_channel_by_hand(channel).await;
    let reopened = eventually(async || press_open(&stack, stack.people.ann).await.modal()).await;
    assert!(reopened.is_some(), "the member can open a new ticket once the old channel is gone");
    stack.assert_no_violations();
    stack.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_category_overflows_into_a_new_one() {
    let stack = Stack::start().await;
    let d = &stack.discord;
    for n in 0..50 {
        d.create_text_channel(stack.places.guild, &format!("old-{n}"), Some(stack.places.support_category));
    }
    let channel = open_ticket(&stack, stack.people.ann, "help").await;
    let parent = d.channel(channel).unwrap().parent.expect("in a category");
    assert_ne!(parent, stack.places.support_category);
    assert_eq!(d.channel(parent).unwrap().name, "Support Tickets 2");
    stack.assert_no_violations();
    stack.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_dm_on_close_off_the_opener_gets_no_dm() {
    let stack = Stack::start().await;
    let d = &stack.discord;
    let off = stack.admin_command("tickets", e2e::sub("set-dm-on-close", vec![e2e::opt("enabled", 5, false)])).await;
    assert_eq!(off.reply_text().as_deref(), Some("DM on close is off for support tickets."));
    let channel = open_ticket(&stack, stack.people.ann, "help").await;
    let welcome = stack.wait_message(channel, |m| custom_ids(m) == ["tickets:resolve", "tickets:claim"]).await;
    let modal = d.click_button(channel, welcome.id, "tickets:resolve", stack.people.staff).await.modal().unwrap();
    d.submit_modal(channel, &modal.custom_id, &[("resolution", "Done")], stack.people.staff).await;
    stack.wait_message(stack.places.log, |m| readable(m).contains("Support ticket resolved")).await;
    assert!(d.wait_for(PATIENCE, |d| d.channel(channel).is_none()).await, "the channel is deleted");
    assert!(d.dms(stack.people.ann).is_empty(), "no DM while DM-on-close is off");
    stack.assert_no_violations();
    stack.stop().await;
}

/// Five members with the same display name open tickets at the same moment: five channels, five names. (They
/// used to read the same free name and got 5 channels under 3 names.)
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn members_with_one_name_opening_at_once_get_distinct_channel_names() {
    let stack = Stack::start().await;
    let d = &stack.discord;
    let anns: Vec<u64> = (0..5).map(|_| d.add_member(stack.places.guild, "Ann", &[])).collect();
    let panel = stack.wait_message(stack.places.support_panel, |m| custom_ids(m) == ["tickets:open-support"]).await;
    let opens = anns.iter().map(|&ann| async move {
        let click = d.click_button(stack.places.support_panel, panel.id, "tickets:open-support", ann).await;
        let modal = click.modal().expect("the opening question");
        let done = d.submit_modal(stack.places.support_panel, &modal.custom_id, &[("question", "help")], ann).await;
        channel_in(&done.reply_text().expect("told where"), "Your support ticket is open: <#")
    });
    let channels = futures_util::future::join_all(opens).await;
    let mut names: Vec<String> = channels.iter().map(|c| d.channel(*c).expect("created").name).collect();
    names.sort();
    assert_eq!(names, ["support-ann", "support-ann-2", "support-ann-3", "support-ann-4", "support-ann-5"]);
    stack.assert_no_violations();
    stack.stop().await;
}

/// The guild is at Discord's 500-channel cap: the member's ticket waits in line and they are told their place (not
/// "being created", forever), staff are told in the log; when a channel is deleted the ticket opens and the reply
/// says where.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn at_the_channel_cap_a_member_waits_in_line_and_the_reply_follows() {
    let stack = Stack::start().await;
    let d = &stack.discord;
    stack.fill_to_the_channel_cap();
    let click = press_open(&stack, stack.people.ann).await;
    let modal = click.modal().expect("the opening question");
    let done =
        d.submit_modal(stack.places.support_panel, &modal.custom_id, &[("question", "help")], stack.people.ann).await;
    let waiting = ticket_core::strings::panel_ticket_waiting("Your support ticket", 1);
    assert_eq!(done.reply_text().as_deref(), Some(waiting.as_str()));
    let log = stack.wait_message(stack.places.log, |m| readable(m).contains("Channel limit reached")).await;
    assert!(readable(&log).contains("Delete unused channels"), "{}", readable(&log));

    stack.delete_a_filler().await;
    let channel = stack.wait_channel("support-ann").await;
    let edited = d
        .wait_for(PATIENCE, |d| {
            d.requests().iter().any(|r| {
                r.method == "PATCH"
                    && r.path.ends_with("/messages/@original")
                    && r.body["content"] == format!("Your support ticket is open: <#{channel}>")
            })
        })
        .await;
    assert!(edited, "the member's reply now points to the channel");
    stack.wait_message(channel, |m| custom_ids(m) == ["tickets:resolve", "tickets:claim"]).await;
    stack.assert_no_violations();
    stack.stop().await;
}

/// Discord refuses the channel for good (the bot lost Manage Channels): the member is told their ticket could not be
/// opened, and staff are told in the log; once the permission is back, the member can open a ticket at once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_member_is_told_when_discord_refuses_the_channel() {
    let stack = Stack::start().await;
    let d = &stack.discord;
    stack.take_manage_channels_from_the_bot();
    let click = press_open(&stack, stack.people.ann).await;
    let modal = click.modal().expect("the opening question");
    let done =
        d.submit_modal(stack.places.support_panel, &modal.custom_id, &[("question", "help")], stack.people.ann).await;
    assert_eq!(done.reply_text().as_deref(), Some(ticket_core::strings::SUPPORT_TICKET_FAILED));
    let log = stack.wait_message(stack.places.log, |m| readable(m).contains("Action failed")).await;
    assert!(readable(&log).contains("create channel #support-ann"), "{}", readable(&log));
    stack.assert_no_violations();
    stack.stop().await;
}

/// Discord fails the channel creation when the member opens a ticket, so they are told it is being created; by the
/// time the outbox tries again the guild is full, and the channel is refused. The reply is edited to say so, and
/// the member is not left with "being created".
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reply_that_said_being_created_is_edited_when_the_channel_is_refused() {
    let stack = Stack::start().await;
    let d = &stack.discord;
    let click = press_open(&stack, stack.people.ann).await;
    let modal = click.modal().expect("the opening question");
    d.fail_route("POST", "/guilds/{guild_id}/channels", adapter_discord::sim::Fault::Status(503), 1);
    let done =
        d.submit_modal(stack.places.support_panel, &modal.custom_id, &[("question", "help")], stack.people.ann).await;
    assert_eq!(done.reply_text().as_deref(), Some("Your support ticket is open: being created"));
    stack.take_manage_channels_from_the_bot();
    let told = d
        .wait_for(PATIENCE, |d| {
            d.requests().iter().any(|r| {
                r.method == "PATCH"
                    && r.path.ends_with("/messages/@original")
                    && r.body["content"] == ticket_core::strings::SUPPORT_TICKET_FAILED
            })
        })
        .await;
    assert!(told, "the member's reply now says the ticket could not be opened");
    stack.assert_no_violations();
    stack.stop().await;
}
