//! `/tickets stats` end to end: tickets handled through the bot and older ones in the store, counted per kind and per
//! staff member over the period asked, shown to Manage Server only.
#![allow(clippy::unwrap_used, clippy::expect_used)] // Tests: a failed unwrap is a failed test.

use e2e::{PATIENCE, Stack, custom_ids, opt, plain_text, sub};
use serde_json::Value;
use ticket_core::feedback::{FeedbackAnswer, FeedbackPrompt, Rating, StaffMark};
use ticket_core::ticket::{CloseReason, SupportTicket, Ticket, TicketDetail};
use ticket_core::{ChannelId, Commit, GuildId, PidKey, UserId};
use time::{Duration, OffsetDateTime};

/// The bot's key in the harness (its pid secret), to store people as the bot would.
fn key() -> PidKey {
    PidKey::new(&[42; 32]).unwrap()
}

/// A support ticket of `opener` closed `days` ago by `staff` (who answered first after 30 minutes), rated `stars`.
async fn closed_long_ago(stack: &Stack, opener: u64, staff: u64, days: i64, stars: u8) {
    let store = stack.app.store();
    let key = key();
    let closed = OffsetDateTime::now_utc() - Duration::days(days);
    let opened = closed - Duration::hours(2);
    let id = store.next_ticket_id().await.unwrap();
    let (who, by) = (UserId::new(opener), UserId::new(staff));
    let mut ticket = Ticket {
        id,
        guild: GuildId::new(stack.places.guild),
        channel: Some(ChannelId::new(1_000_000 + id.get())),
        channel_name: format!("support-old-{id}"),
        detail: TicketDetail::Support(SupportTicket {
            opener: key.user(who),
            contact: key.seal(who),
            question: "q".into(),
            slot: 0,
        }),
        opened_at: opened,
        closed: None,
        claim: None,
        timers: Default::default(),
        activity: Default::default(),
        version: 0,
    };
    ticket.close(CloseReason::Resolved { resolution: "done".into() }, Some(key.user(by)), closed).unwrap();
    ticket.activity.first_response =
        Some(StaffMark { by: key.user(by), contact: key.seal(by), at: opened + Duration::minutes(30) });
    ticket.activity.closed_by = Some(key.seal(by));
    ticket.activity.feedback = Some(FeedbackPrompt {
        asked_at: closed,
        log: None,
        answer: Some(FeedbackAnswer { rating: Rating::new(stars).unwrap(), comment: None, at: closed }),
    });
    store.commit(Commit { tickets: vec![ticket], ..Commit::default() }).await.unwrap();
}

/// `/tickets stats` as the admin: the embed's text and its `allowed_mentions`.
async fn stats(stack: &Stack, period: Option<&str>) -> (String, Value) {
    let options = period.map(|p| vec![opt("period", 3, p)]).unwrap_or_default();
    let asked = stack.admin_command("tickets", sub("stats", options)).await;
    assert!(asked.is_ephemeral(), "statistics are shown to the asker only");
    let last = asked.original_edits.last().expect("the answer").clone();
    (plain_text("", &last["embeds"]), last["allowed_mentions"].clone())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stats_count_tickets_per_kind_and_staff_over_the_period_asked() {
    let stack = Stack::start().await;
    let d = &stack.discord;
    let (people, places) = (stack.people, stack.places);
    stack.admin_command("tickets", sub("set-closing", vec![opt("feedback", 5, true)])).await;
    closed_long_ago(&stack, people.bob, people.staff, 10, 2).await;
    closed_long_ago(&stack, people.bob, people.staff, 12, 4).await;
    closed_long_ago(&stack, people.bob, people.rita, 100, 1).await;

    // Now: a support ticket answered and resolved by Sam, rated 5 stars; an in-game ticket answered by the GM.
    let channel = stack.open_support(people.ann, "help").await;
    d.send_message(channel, people.staff, "On it").await;
    stack.resolve(channel, people.staff, "done").await;
    let asked = |m: &adapter_discord::sim::MessageState| custom_ids(m).iter().any(|i| i.starts_with("feedback:rate:"));
    assert!(d.wait_for(PATIENCE, |d| d.dms(people.ann).iter().any(asked)).await);
    let prompt = d.dms(people.ann).into_iter().find(asked).unwrap();
    let five = custom_ids(&prompt).pop().unwrap();
    let form = d.click_button(prompt.channel, prompt.id, &five, people.ann).await.modal().unwrap();
    d.submit_modal(prompt.channel, &form.custom_id, &[], people.ann).await;
    let (sim, _events) = stack.game().await;
    sim.login("Foo").await.unwrap();
    assert!(sim.request("Foo", "stuck").await.unwrap());
    let game = stack.wait_channel("ticket-foo").await;
    stack.wait_message(game, |m| m.content.contains("stuck")).await;
    d.send_message(game, people.gm, "looking").await;
    let store = stack.app.store().clone();
    let guild = GuildId::new(places.guild);
    let answered = e2e::eventually(async || {
        let rows = store.ticket_stats(guild, None).await.unwrap();
        (rows.iter().filter(|r| r.first_response.is_some()).count() == 5
            && rows.iter().any(|r| r.rating == Rating::new(5)))
        .then_some(())
    })
    .await;
    assert!(
        answered.is_some(),
        "the bot recorded the responses and the rating: {:#?}",
        store.ticket_stats(guild, None).await
    );

    let (month, mentions) = stats(&stack, None).await;
    assert!(month.starts_with("\nTicket statistics: the last 30 days"), "the default period: {month}");
    assert!(month.contains("Support tickets: Opened **3** · Closed **3**"), "{month}");
    assert!(month.contains("Feedback: **3.7/5** from 3 ratings"), "{month}");
    assert!(month.contains("In-game tickets: Opened **1** · Closed **0**"), "{month}");
    assert!(month.contains(&format!("<@{}> — closed **3** · first responses **3**", people.staff)), "{month}");
    assert!(month.contains(&format!("<@{}> — closed **0** · first responses **1**", people.gm)), "{month}");
    assert!(!month.contains(&format!("<@{}>", people.rita)), "Rita's ticket is older than the period: {month}");
    assert!(mentions["parse"].as_array().is_none_or(Vec::is_empty), "staff are mentioned, never pinged: {mentions}");
    assert!(mentions["users"].as_array().is_none_or(Vec::is_empty), "{mentions}");

    let (week, _) = stats(&stack, Some("7d")).await;
    assert!(week.contains("Support tickets: Opened **1** · Closed **1**"), "{week}");
    assert!(week.contains("Feedback: **5.0/5** from 1 rating"), "{week}");
    let (all, _) = stats(&stack, Some("all")).await;
    assert!(all.contains("Support tickets: Opened **4** · Closed **4**"), "{all}");
    assert!(all.contains(&format!("<@{}> — closed **1**", people.rita)), "{all}");
    assert!(all.contains("Feedback: **3.0/5** from 4 ratings"), "{all}");

    // A member without Manage Server is not even offered the command.
    let refused = d.run_command(places.guild, places.support_panel, people.rita, "tickets", sub("stats", vec![])).await;
    assert_eq!(refused.id, 0, "/tickets stats never reaches the bot");
    assert_eq!(
        d.violations(),
        [format!("run_command refused: user {} cannot see /tickets (default_member_permissions)", people.rita)]
    );
    sim.shutdown().await;
    stack.stop().await;
}
