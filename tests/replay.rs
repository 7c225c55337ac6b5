//! A bot gone between posting a message and marking the post done (killed, or cut off before Discord's answer came
//! back): the message is on Discord, the effect still in the outbox. The next start replays the post with the same
//! nonce, Discord gives back the message already there, and every message exists exactly once, in order.
//!
//! The fake takes the post and never answers it ([`Fault::Timeout`]); the bot is stopped while it waits, so it never
//! learns the post was made, as after a SIGKILL at that moment.
#![allow(clippy::unwrap_used, clippy::expect_used)] // Tests: a failed unwrap is a failed test.

use adapter_discord::sim::{FakeDiscord, Fault};
use adapter_xilero::sim::{Seen, SimEvent};
use e2e::{PATIENCE, Stack, custom_ids, digit_parts, eventually, game_event, readable, relayed_text};
use ticket_core::ticket::CloseReason;

/// The log's "Support ticket resolved" entries.
fn resolutions(d: &FakeDiscord, log: u64) -> usize {
    d.messages(log).iter().filter(|m| readable(m).contains("Support ticket resolved")).count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_resolution_posted_just_before_the_bot_died_is_logged_once() {
    let stack = Stack::start().await;
    let (people, places, d) = (stack.people, stack.places, stack.discord.clone());
    let channel = stack.open_support_ticket(people.ann, "my hangar is gone").await;
    let welcome = stack.wait_message(channel, |m| custom_ids(m) == ["tickets:resolve", "tickets:claim"]).await;
    let click = d.click_button(channel, welcome.id, "tickets:resolve", people.staff).await;
    let form = click.modal().expect("staff get the resolution modal").custom_id;

    // Discord takes the log post; its answer never reaches the bot, which is stopped while it waits.
    d.fail_route("POST", &format!("/channels/{}/messages", places.log), Fault::Timeout, 1);
    let resolving = tokio::spawn({
        let d = d.clone();
        async move { d.submit_modal(channel, &form, &[("resolution", "Hangar restored")], people.staff).await }
    });
    assert!(d.wait_for(PATIENCE, |d| resolutions(d, places.log) == 1).await, "the log post reached Discord");
    assert!(d.channel(channel).is_some(), "the rest of the resolve waits behind the post");
    let stack = stack.restart().await;

    // The replay runs the rest of the resolve in order: the log post again, the DM, the channel's deletion.
    assert!(d.wait_for(PATIENCE, |d| d.channel(channel).is_none()).await, "the replay deleted the channel");
    assert_eq!(resolutions(&d, places.log), 1, "logged once: {:#?}", d.messages(places.log));
    assert_eq!(d.dms(people.ann).len(), 1, "the opener is told once");
    let log_posts = format!("/api/v10/channels/{}/messages", places.log);
    let posts: Vec<_> = d.requests().into_iter().filter(|r| r.method == "POST" && r.path == log_posts).collect();
    let cut_off = posts.iter().find(|r| r.withheld).expect("the post whose answer never came");
    let replays: Vec<_> = posts.iter().filter(|r| !r.withheld && r.body["nonce"] == cut_off.body["nonce"]).collect();
    assert_eq!(replays.len(), 1, "replayed after the restart with the same nonce: {posts:#?}");
    assert_eq!(replays[0].response["id"], cut_off.response["id"], "Discord gave back the message already posted");
    let ticket = stack.app.store().ticket_by_channel(ticket_core::ChannelId::new(channel)).await.unwrap().unwrap();
    assert!(matches!(ticket.closed.map(|c| c.reason), Some(CloseReason::Resolved { .. })));

    resolving.abort();
    stack.assert_no_violations();
    stack.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_long_player_message_cut_off_while_posting_arrives_whole_and_once() {
    let stack = Stack::start().await;
    let (sim, mut events) = stack.game().await;
    let ids = sim.login("Eve").await.unwrap();
    assert!(sim.request("Eve", "hello").await.unwrap());
    let channel = stack.wait_channel("ticket-eve").await;
    stack.wait_message(channel, |m| relayed_text(&m.content, "Eve") == Some("hello")).await;
    assert!(game_event(&mut events, |e| matches!(e, SimEvent::Sees { line: Seen::TicketCreated, .. })).await);
    // Everything the opening asked for is done, so the post below is run by the call that makes it (not by the
    // game link's worker, which the stopping bot would wait for until the request timed out).
    let store = stack.app.store().clone();
    assert!(eventually(async || store.pending_effects(None).await.unwrap().is_empty().then_some(())).await.is_some());
    let d = stack.discord.clone();

    // 5 000 characters reach Discord in three parts of one post. Discord takes the first; the answer never comes
    // back, and the bot is stopped while it waits. (A game cuts chat at 255 bytes: a text this long only reaches
    // the desk from elsewhere, so it is handed to the desk directly.)
    let text = "0123456789".repeat(500);
    d.fail_route("POST", &format!("/channels/{channel}/messages"), Fault::Timeout, 1);
    let relaying = tokio::spawn({
        let desk = stack.app.desk().clone();
        let eve = ticket_core::GamePlayer { account: ids.account, name: "Eve".into() };
        let server = ticket_core::GameServerId::new(e2e::SERVER).unwrap();
        let guild = ticket_core::GuildId::new(stack.places.guild);
        let text = text.clone();
        async move { desk.open_game_ticket(guild, &server, &eve, ticket_core::TicketSource::Whisper, &text).await }
    });
    assert!(
        d.wait_for(PATIENCE, |d| digit_parts(d, channel, "Eve").len() == 1).await,
        "the first part reached Discord"
    );
    let stack = stack.restart().await;

    // Each part has its own nonce: the first is given back, the others are posted, once each, in order.
    let whole = |d: &FakeDiscord| digit_parts(d, channel, "Eve").concat() == text;
    let arrived = d.wait_for(PATIENCE, whole).await;
    let lengths: Vec<usize> = digit_parts(&d, channel, "Eve").iter().map(String::len).collect();
    assert!(arrived, "the text arrived whole, in order, each part once; parts of {lengths:?} characters");
    assert_eq!(lengths.len(), 3);

    relaying.abort();
    stack.assert_no_violations();
    sim.shutdown().await;
    stack.stop().await;
}
