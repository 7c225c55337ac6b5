//! Discord failing under the bot, one route at a time: a `500`, then a timeout (Discord did it, but its answer
//! never came and the bot gave up waiting). The outbox tries again after each, and the support ticket ends as it
//! should: its channel created once, each message posted once, the channel deleted.
#![allow(clippy::unwrap_used, clippy::expect_used)] // Tests: a failed unwrap is a failed test.

use std::time::Duration;

use adapter_discord::sim::{FakeDiscord, Fault};
use e2e::{Stack, custom_ids, readable};
use ticket_core::ticket::CloseReason;

/// How long the bot waits for an answer before giving up on a call (short, so a timeout costs the test little).
const REQUEST_TIMEOUT: Duration = Duration::from_secs(1);
/// How long a test waits for the outbox to get past two failures (it retries after 2 s, then after 4 s more).
const RETRY_PATIENCE: Duration = Duration::from_secs(30);

/// The stack, with the bot's short request timeout, once the setup's own posts (panels…) are all done, so the
/// faults a test asks for meet only the requests it means.
async fn start() -> Stack {
    Stack::start_settled(REQUEST_TIMEOUT).await
}

/// The next two requests to `route` fail: a `500`, then a timeout.
fn fail_twice(d: &FakeDiscord, method: &str, route: &str) {
    d.fail_route(method, route, Fault::Status(500), 1);
    d.fail_route(method, route, Fault::Timeout, 1);
}

/// What the fake answered to `method` `path` (status, and whether the answer was withheld), in order.
fn answered(d: &FakeDiscord, method: &str, path: &str) -> Vec<(u16, bool)> {
    let path = format!("/api/v10{path}");
    d.requests().iter().filter(|r| r.method == method && r.path == path).map(|r| (r.status, r.withheld)).collect()
}

/// Asserts the fake answered `method` `path` with `expected`, waiting for the log to catch up: a request's change
/// shows before the request is logged (the fake checks its answer against the spec in between).
async fn assert_answered(d: &FakeDiscord, method: &str, path: &str, expected: &[(u16, bool)]) {
    let logged = d.wait_for(RETRY_PATIENCE, |d| answered(d, method, path).ends_with(expected)).await;
    assert!(logged, "{method} {path} was answered {expected:?}, not {:?}", answered(d, method, path));
}

/// `ann` asks for support from the panel; returns once her request is taken (the channel may still be coming).
async fn ask_for_support(stack: &Stack) {
    let (d, panel_channel, ann) = (&stack.discord, stack.places.support_panel, stack.people.ann);
    let panel = stack.wait_message(panel_channel, |m| custom_ids(m) == ["tickets:open-support"]).await;
    let click = d.click_button(panel_channel, panel.id, "tickets:open-support", ann).await;
    let modal = click.modal().expect("the opening question is asked in a modal");
    let asked = d.submit_modal(panel_channel, &modal.custom_id, &[("question", "my ship is stuck")], ann).await;
    assert!(asked.reply_text().unwrap().starts_with("Your support ticket is open"), "{asked:?}");
}

/// Waits for `#support-ann` and its welcome (with the Resolve button); returns the channel and the welcome's id.
async fn opened(stack: &Stack) -> (u64, u64) {
    let d = &stack.discord;
    let welcomed = |d: &FakeDiscord| {
        d.channels(stack.places.guild).iter().any(|c| {
            c.name == "support-ann"
                && d.messages(c.id).iter().any(|m| custom_ids(m) == ["tickets:resolve", "tickets:claim"])
        })
    };
    assert!(d.wait_for(RETRY_PATIENCE, welcomed).await, "#support-ann opened with its welcome");
    let channel = stack.channel_named("support-ann").unwrap();
    let welcome =
        d.messages(channel).into_iter().find(|m| custom_ids(m) == ["tickets:resolve", "tickets:claim"]).unwrap();
    (channel, welcome.id)
}

/// Staff resolve the ticket in `channel`.
async fn resolve(stack: &Stack, channel: u64, welcome: u64) {
    let (d, staff) = (&stack.discord, stack.people.staff);
    let click = d.click_button(channel, welcome, "tickets:resolve", staff).await;
    let form = click.modal().expect("staff get the resolution modal").custom_id;
    d.submit_modal(channel, &form, &[("resolution", "Towed it out")], staff).await;
}

/// The ticket ended resolved: the channel deleted, logged once, the opener told once.
async fn ended_resolved(stack: &Stack, channel: u64) {
    let (d, log, ann) = (&stack.discord, stack.places.log, stack.people.ann);
    assert!(d.wait_for(RETRY_PATIENCE, |d| d.channel(channel).is_none()).await, "the channel is deleted");
    let logged = d.messages(log).iter().filter(|m| readable(m).contains("Support ticket resolved")).count();
    assert_eq!(logged, 1, "logged once");
    assert_eq!(d.dms(ann).len(), 1, "the opener is told once");
    let ticket = stack.app.store().ticket_by_channel(ticket_core::ChannelId::new(channel)).await.unwrap().unwrap();
    assert!(matches!(ticket.closed.map(|c| c.reason), Some(CloseReason::Resolved { .. })));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn channel_creation_failing_then_timing_out_creates_the_channel_once() {
    let stack = start().await;
    let (d, guild) = (&stack.discord, stack.places.guild);
    fail_twice(d, "POST", "/guilds/{guild_id}/channels");
    ask_for_support(&stack).await;
    let (channel, welcome) = opened(&stack).await;

    let named = d.channels(guild).iter().filter(|c| c.name.starts_with("support-ann")).count();
    assert_eq!(named, 1, "one channel: {:#?}", d.channels(guild));
    // The third try found the channel the second made, by its TID: marker, and created nothing.
    let creations = format!("/guilds/{guild}/channels");
    assert_answered(d, "POST", &creations, &[(500, false), (201, true)]).await;
    assert_eq!(answered(d, "POST", &creations).len(), 2, "no third creation");
    assert_eq!(d.messages(channel).len(), 1, "welcomed once");

    resolve(&stack, channel, welcome).await;
    ended_resolved(&stack, channel).await;
    stack.assert_no_violations();
    stack.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn posts_failing_then_timing_out_are_posted_once() {
    let stack = start().await;
    let (d, log) = (&stack.discord, stack.places.log);
    // The welcome, the first message the new ticket posts.
    fail_twice(d, "POST", "/channels/{channel_id}/messages");
    ask_for_support(&stack).await;
    let (channel, welcome) = opened(&stack).await;
    // The third try was given back the message the second posted.
    let posts = format!("/channels/{channel}/messages");
    assert_answered(d, "POST", &posts, &[(500, false), (200, true), (200, false)]).await;
    assert_eq!(answered(d, "POST", &posts).len(), 3);
    assert_eq!(d.messages(channel).len(), 1, "welcomed once: {:#?}", d.messages(channel));

    // The resolution in the staff log.
    fail_twice(d, "POST", &format!("/channels/{log}/messages"));
    resolve(&stack, channel, welcome).await;
    ended_resolved(&stack, channel).await;
    assert_answered(d, "POST", &format!("/channels/{log}/messages"), &[(500, false), (200, true), (200, false)]).await;
    stack.assert_no_violations();
    stack.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_deletion_failing_then_timing_out_deletes_the_channel() {
    let stack = start().await;
    let d = &stack.discord;
    ask_for_support(&stack).await;
    let (channel, welcome) = opened(&stack).await;

    fail_twice(d, "DELETE", &format!("/channels/{channel}"));
    resolve(&stack, channel, welcome).await;
    ended_resolved(&stack, channel).await;
    // The third try found the channel gone, which counts as done.
    assert_answered(d, "DELETE", &format!("/channels/{channel}"), &[(500, false), (200, true), (404, false)]).await;
    stack.assert_no_violations();
    stack.stop().await;
}
