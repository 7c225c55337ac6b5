//! Order and independence under bursts: a ticket's messages keep their order both ways, and a slow or throttled
//! ticket channel holds up only its own ticket (issue 13). Small bursts, so CI stays quick; the benchmark plays the
//! big ones.
#![allow(clippy::unwrap_used, clippy::expect_used)] // Tests: a failed unwrap is a failed test.

use std::time::Duration;

use adapter_discord::sim::Fault;
use adapter_xilero::sim::{Seen, SimEvent};
use e2e::{PATIENCE, Stack, player_lines};

/// How long the bot waits for Discord's answer here: long enough that a test sees who waits for whom.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(8);

/// The stack with [`REQUEST_TIMEOUT`], once the setup's own posts are done.
async fn start() -> Stack {
    Stack::start_settled(REQUEST_TIMEOUT).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_burst_of_staff_replies_reaches_the_player_in_the_order_typed() {
    let stack = start().await;
    let d = &stack.discord;
    let (sim, mut events) = stack.game().await;
    sim.login("Foo").await.unwrap();
    assert!(sim.request("Foo", "help").await.unwrap());
    let channel = stack.wait_channel("ticket-foo").await;
    assert!(d.wait_for(PATIENCE, |d| player_lines(d, channel, "Foo") == ["help"]).await);

    const BURST: usize = 80;
    for n in 1..=BURST {
        d.send_message(channel, stack.people.gm, &format!("reply {n}")).await;
    }
    let mut heard = Vec::new();
    let all = tokio::time::timeout(Duration::from_secs(30), async {
        while heard.len() < BURST {
            match events.recv().await {
                Some(SimEvent::Sees { player, line: Seen::Whisper { message, .. } }) if player == "Foo" => {
                    heard.push(message)
                }
                Some(_) => {}
                None => break,
            }
        }
    })
    .await;
    assert!(all.is_ok(), "every reply was whispered: {} of {BURST}", heard.len());
    let expected: Vec<String> = (1..=BURST).map(|n| format!("reply {n}")).collect();
    assert_eq!(heard, expected, "in the order staff typed them");
    stack.assert_no_violations();
    sim.shutdown().await;
    stack.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_ticket_channel_holds_up_only_its_own_ticket_and_loses_nothing() {
    let stack = start().await;
    let d = &stack.discord;
    let (sim, _events) = stack.game().await;
    for player in ["Foo", "Bar"] {
        sim.login(player).await.unwrap();
        assert!(sim.request(player, "hello").await.unwrap());
    }
    let foo = stack.wait_channel("ticket-foo").await;
    let bar = stack.wait_channel("ticket-bar").await;
    for (channel, player) in [(foo, "Foo"), (bar, "Bar")] {
        assert!(d.wait_for(PATIENCE, |d| player_lines(d, channel, player) == ["hello"]).await);
    }

    // Discord takes Foo's next post but its answer never comes (until the bot gives up after REQUEST_TIMEOUT).
    d.fail_route("POST", &format!("/channels/{foo}/messages"), Fault::Timeout, 1);
    assert!(sim.whisper_support("Foo", "foo 1").await.unwrap());
    assert!(d.wait_for(PATIENCE, |d| d.requests().iter().any(|r| r.withheld)).await, "Foo's post hangs");
    const BURST: usize = 30;
    for n in 2..=BURST {
        assert!(sim.whisper_support("Foo", &format!("foo {n}")).await.unwrap());
    }
    assert!(sim.whisper_support("Bar", "bar is not kept waiting").await.unwrap());
    let bar_went_on = d.wait_for(REQUEST_TIMEOUT / 2, |d| player_lines(d, bar, "Bar").len() == 2).await;
    assert!(bar_went_on, "Bar's line is posted while Foo's channel is still waiting for Discord");

    // Foo's lines all arrive once Discord answers again, once each and in the order typed.
    let expected: Vec<String> = (1..=BURST).map(|n| format!("foo {n}")).collect();
    let mut wanted = vec!["hello".to_owned()];
    wanted.extend(expected);
    let whole = d.wait_for(Duration::from_secs(60), |d| player_lines(d, foo, "Foo").len() >= wanted.len()).await;
    assert!(whole, "every line arrived: {:?}", player_lines(d, foo, "Foo"));
    assert_eq!(player_lines(d, foo, "Foo"), wanted, "once each, in order");
    let posts = d.messages(foo).iter().filter(|m| m.content.starts_with("**Foo** (in game): ")).count();
    assert!(posts <= 4, "the lines that waited went out together: {posts} posts for {} lines", wanted.len());
    stack.assert_no_violations();
    sim.shutdown().await;
    stack.stop().await;
}
