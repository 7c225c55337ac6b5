//! Whisper `ref`s against the real link server, with a game written by hand: a `player_offline` echoing the
//! whisper's `ref` holds that reply for the player's next login; without a known `ref` only the next replies are.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{Bridge, Raw, limits};
use ticket_core::MessageOutcome;
use ticket_core::relay::GameName;

const FOO: &str = "[name: Foo][account_id: 2000001][char_id: 150001]";

/// A game with Foo online and a ticket open; `close_on_logout` as given.
async fn game_with_a_ticket(bridge: &mut Bridge, close_on_logout: bool) -> Raw {
    let mut raw = Raw::authed(bridge.addr).await;
    raw.send(&format!("[action: config][ticket_enabled: true][ticket_close_on_logout: {close_on_logout}]")).await;
    raw.send(&format!("[action: login]{FOO}")).await;
    raw.send("[action: sync_done]").await;
    raw.send(&format!("[action: ticket][source: whisper]{FOO}[message: help]")).await;
    for action in ["config", "login", "sync_done", "ticket"] {
        assert_eq!(bridge.handled(action).await, None, "{action}");
    }
    assert_eq!(raw.line().await.as_deref(), Some("[action: ticket_created][name: Foo][source: whisper]"));
    raw
}

/// A staff reply that goes out as a whisper; returns the line the game received.
async fn whispered(bridge: &Bridge, raw: &mut Raw, text: &str) -> String {
    let out = bridge.staff_reply("Foo", text).await;
    assert!(matches!(out, MessageOutcome::Relayed { .. }), "{out:?}");
    raw.line().await.expect("a whisper")
}

async fn held(bridge: &Bridge) -> Vec<String> {
    let ticket = bridge.ticket_of("Foo").await.expect("Foo's ticket is open");
    ticket.in_game().unwrap().held.iter().map(|h| h.text.clone()).collect()
}

#[tokio::test]
async fn a_whisper_crossing_the_logout_on_the_wire_is_held_for_the_next_login() {
    let mut bridge = Bridge::start().await;
    let mut raw = game_with_a_ticket(&mut bridge, false).await;
    let line = whispered(&bridge, &mut raw, "try again now").await;
    assert_eq!(line, "[action: whisper][name: Foo][from: GM Alice][message: try again now][ref: w1]");
    // The real race: Foo's logout was already on its way when the whisper arrived.
    raw.send(&format!("[action: logout]{FOO}")).await;
    raw.send("[action: error][code: player_offline][name: Foo][ref: w1]").await;
    assert_eq!(bridge.handled("logout").await, None);
    assert_eq!(bridge.handled("error").await, None);
    assert_eq!(held(&bridge).await, ["try again now"]);
    assert!(raw.until_pong("quiet").await.is_empty(), "game errors are never answered");

    raw.send(&format!("[action: login]{FOO}")).await;
    assert_eq!(bridge.handled("login").await, None);
    assert_eq!(
        raw.line().await.as_deref(),
        Some("[action: whisper][name: Foo][from: GM Alice][message: try again now][ref: w2]")
    );
    assert!(held(&bridge).await.is_empty());
    // The same ref again is not a whisper the link remembers: nothing is held twice.
    raw.send("[action: error][code: player_offline][name: Foo][ref: w1]").await;
    assert!(raw.until_pong("again").await.is_empty());
    assert!(held(&bridge).await.is_empty());
}

#[tokio::test]
async fn a_reply_whose_ticket_closed_at_logout_is_not_held() {
    let mut bridge = Bridge::start().await;
    let mut raw = game_with_a_ticket(&mut bridge, true).await;
    whispered(&bridge, &mut raw, "hello?").await;
    raw.send(&format!("[action: logout]{FOO}")).await;
    raw.send("[action: error][code: player_offline][name: Foo][ref: w1]").await;
    assert_eq!(bridge.handled("logout").await, None);
    assert_eq!(bridge.handled("error").await, None, "no ticket to hold it on is not a failure");
    assert!(bridge.ticket_of("Foo").await.is_none(), "closed at logout");
    assert_eq!(raw.line().await.as_deref(), Some("[action: ticket_closed][name: Foo]"));
}

#[tokio::test]
async fn unknown_refs_only_mark_the_player_offline() {
    let mut bridge = Bridge::start().await;
    let mut raw = game_with_a_ticket(&mut bridge, false).await;
    let foo = GameName::new("Foo").unwrap();
    for (i, reference) in ["w999", "w01", "x1", ""].into_iter().enumerate() {
        whispered(&bridge, &mut raw, "lost").await;
        raw.send(&format!("[action: error][code: player_offline][name: Foo][ref: {reference}]")).await;
        assert!(raw.until_pong(&format!("p{i}")).await.is_empty());
        assert!(!bridge.link.is_online(&common::server_id(), &foo), "{reference:?}");
        assert!(held(&bridge).await.is_empty(), "{reference:?}");
        raw.send(&format!("[action: login]{FOO}")).await;
        bridge.handled("login").await;
    }
    assert_eq!(bridge.link.stats().game_errors, 4);
}

#[tokio::test]
async fn the_oldest_whispers_are_forgotten_beyond_the_limit_and_counted() {
    let mut short = limits();
    short.recent_whispers = 1;
    let mut bridge = Bridge::with_limits(short).await;
    let mut raw = game_with_a_ticket(&mut bridge, false).await;
    whispered(&bridge, &mut raw, "one").await;
    whispered(&bridge, &mut raw, "two").await;
    assert_eq!(bridge.link.stats().forgotten_whispers, 1);
    // w1 was forgotten: handled like a `player_offline` without a ref. w2 is held.
    raw.send("[action: error][code: player_offline][name: Foo][ref: w1]").await;
    raw.send("[action: error][code: player_offline][name: Foo][ref: w2]").await;
    assert_eq!(bridge.handled("error").await, None);
    assert_eq!(held(&bridge).await, ["two"]);
}
