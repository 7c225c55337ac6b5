//! Hostile and broken peers against the real link server: garbage, huge lines, slow and silent peers, floods.
//! None of it may crash the server, drop an authenticated link, or make it buffer without bound.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::Duration;

use adapter_xilero::{ErrorCode, LinkEvent};
use common::{Bridge, Chat, Raw, SECRET, limits};
use ticket_core::ports::GameLinkError;
use ticket_core::relay::GameName;
use ticket_core::{GameLink, MessageOutcome};

#[tokio::test]
async fn garbage_before_auth_is_refused_and_the_connection_closed() {
    let bridge = Bridge::start().await;
    let cases = [
        ("hello there", "[action: auth_error][code: malformed][detail: expected '\\[' at byte 0]"),
        ("[action: ping]", "[action: auth_error][code: auth_required][detail: the first record must be auth]"),
        ("[action: auth][server_id: xilero]", "[action: auth_error][code: missing_field][detail: missing secret]"),
        (
            "[action: auth][server_id: xilero][secret: wrong]",
            "[action: auth_error][code: refused][detail: unknown server id or wrong secret]",
        ),
        (
            "[action: auth][server_id: nope][secret: wrong]",
            "[action: auth_error][code: refused][detail: unknown server id or wrong secret]",
        ),
        (
            &format!("[action: auth][server_id: xilero][secret: {SECRET}][protocol: 2]"),
            "[action: auth_error][code: unsupported_protocol][detail: this bridge speaks protocol 1]",
        ),
    ];
    for (sent, expected) in cases {
        let mut raw = Raw::connect(bridge.addr).await;
        raw.send("").await;
        raw.send(sent).await;
        assert_eq!(raw.line().await.as_deref(), Some(expected), "{sent}");
        assert_eq!(raw.line().await, None, "closed after {sent}");
    }
    assert_eq!(bridge.link.stats().auth_refused, 6);
    assert!(bridge.link.connected().is_empty());
}

#[tokio::test]
async fn malformed_records_after_auth_get_errors_and_the_link_stays_up() {
    let bridge = Bridge::start().await;
    let mut raw = Raw::authed(bridge.addr).await;
    let lines: &[&[u8]] = &[
        b"garbage",
        b"[action: ping",
        b"[action: ping]]",
        b"[[[[",
        b"]]]]",
        b"[action: p\\qing]",
        b"[action: \xff\xfe]",
        b"\x00\x01\x02\x03",
        b"[Action: ping]",
        b"[action: dance][name: Foo]",
        b"[name: Foo]",
        b"[action: login][name: Foo]",
        b"[action: login][name: Foo][account_id: -5][char_id: 1][ref: r1]",
        b"[action: ticket][name: Foo][account_id: 1][char_id: 1][message: hi][source: shout]",
        b"[action: config][ticket_enabled: maybe][ticket_close_on_logout: true]",
        b"[action: auth][server_id: xilero][secret: again]",
        b"[action: ping][action: ping]",
        b"   ",
        b"",
    ];
    for line in lines {
        let mut bytes = line.to_vec();
        bytes.push(b'\n');
        raw.send_bytes(&bytes).await;
    }
    let answers = raw.until_pong("alive").await;
    insta::assert_yaml_snapshot!("malformed_answers", answers);
    let stats = bridge.link.stats();
    assert_eq!(stats.malformed, 9);
    assert_eq!(stats.refused, 8, "a line with bytes that are not UTF-8 is a record whose action is unknown");
    assert!(bridge.link.is_connected(&common::server_id()));
}

#[tokio::test]
async fn a_one_mebibyte_line_is_discarded_with_one_error() {
    let bridge = Bridge::start().await;
    let mut raw = Raw::authed(bridge.addr).await;
    let mut huge = vec![b'['; 1 << 20];
    huge.push(b'\n');
    raw.send_bytes(&huge).await;
    // A huge line with no newline at all, then its end.
    raw.send_bytes(&vec![b'x'; 200_000]).await;
    raw.send_bytes(b"\n").await;
    let answers = raw.until_pong("after-huge").await;
    assert_eq!(
        answers,
        vec![
            "[action: error][code: too_long][detail: the line is longer than 65536 bytes]".to_owned(),
            "[action: error][code: too_long][detail: the line is longer than 65536 bytes]".to_owned(),
        ]
    );
    assert_eq!(bridge.link.stats().malformed, 2);
}

#[tokio::test]
async fn random_bytes_never_break_the_link() {
    let bridge = Bridge::start().await;
    let mut raw = Raw::authed(bridge.addr).await;
    // A fixed pseudo-random stream (xorshift), so a failure can be replayed. About 200 lines: fewer than the
    // outgoing queue holds, so every answer is sent and none is dropped.
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut bytes = Vec::new();
    for _ in 0..50_000 {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        bytes.push((state >> 24) as u8);
    }
    raw.send_bytes(&bytes).await;
    raw.send_bytes(b"\n").await;
    let answers = raw.until_pong("after-noise").await;
    assert!(!answers.is_empty());
    assert!(answers.iter().all(|a| a.starts_with("[action: error]")), "{answers:?}");
    assert!(bridge.link.is_connected(&common::server_id()));
}

#[tokio::test]
async fn a_peer_that_never_authenticates_is_timed_out() {
    let mut short = limits();
    short.auth_timeout = Duration::from_millis(200);
    let mut bridge = Bridge::with_limits(short).await;
    let mut raw = Raw::connect(bridge.addr).await;
    // Slowloris: half a record, then nothing.
    raw.send_bytes(b"[action: au").await;
    assert_eq!(
        raw.line().await.as_deref(),
        Some("[action: auth_error][code: auth_timeout][detail: no auth record in time]")
    );
    assert_eq!(raw.line().await, None);
    bridge.wait("refused", |e| matches!(e, LinkEvent::AuthRefused { code: ErrorCode::AuthTimeout, .. })).await;
}

#[tokio::test]
async fn a_silent_peer_is_disconnected_after_the_idle_timeout() {
    let mut short = limits();
    short.idle_timeout = Duration::from_millis(300);
    let mut bridge = Bridge::with_limits(short).await;
    let mut raw = Raw::connect(bridge.addr).await;
    raw.send_auth().await;
    assert_eq!(raw.line().await.as_deref(), Some("[action: auth_ok][protocol: 1][idle_timeout: 1]"));
    // Bytes without a newline do not count as life.
    raw.send_bytes(b"[action: pi").await;
    assert_eq!(
        raw.line().await.as_deref(),
        Some("[action: error][code: idle_timeout][detail: nothing received for too long]")
    );
    assert_eq!(raw.line().await, None);
    bridge.wait("idle", |e| matches!(e, LinkEvent::Disconnected { reason: Some(ErrorCode::IdleTimeout), .. })).await;
    assert!(!bridge.link.is_connected(&common::server_id()));
}

#[tokio::test]
async fn a_peer_that_does_not_read_is_cut_off_not_waited_for() {
    let mut short = limits();
    short.write_timeout = Duration::from_millis(300);
    short.outgoing_queue = 8;
    let mut bridge = Bridge::with_limits(short).await;
    let mut raw = Raw::authed(bridge.addr).await;
    raw.send("[action: login][name: Foo][account_id: 2000001][char_id: 150001]").await;
    bridge.handled("login").await;
    let foo = GameName::new("Foo").unwrap();
    let text = "x".repeat(4000);
    let mut outcome = Ok(ticket_core::ports::WhisperOutcome::Delivered);
    // The peer never reads: the kernel buffers fill, a write overruns its timeout, and the link is closed.
    for _ in 0..100_000 {
        outcome = bridge.link.whisper(&common::server_id(), &foo, "GM", &text).await;
        if outcome.is_err() {
            break;
        }
    }
    assert_eq!(outcome, Err(GameLinkError::LinkDown(common::server_id())));
    bridge.wait("cut off", |e| matches!(e, LinkEvent::Disconnected { .. })).await;
    assert!(!bridge.link.is_connected(&common::server_id()));
    drop(raw);
}

#[tokio::test]
async fn a_full_outgoing_queue_is_reported_as_congestion() {
    let mut short = limits();
    short.outgoing_queue = 2;
    let mut bridge = Bridge::with_limits(short).await;
    let raw = Raw::authed(bridge.addr).await;
    bridge.wait("authenticated", |e| matches!(e, LinkEvent::Authenticated { .. })).await;
    let foo = GameName::new("Foo").unwrap();
    let server = common::server_id();
    // Queue records faster than any writer drains them: some are refused with Congested, none block.
    let mut congested = false;
    for _ in 0..10_000 {
        if bridge.link.ticket_closed(&server, &foo).await == Err(GameLinkError::Congested(server.clone())) {
            congested = true;
            break;
        }
    }
    assert!(congested);
    assert!(bridge.link.stats().dropped >= 1);
    drop(raw);
}

#[tokio::test]
async fn a_full_waiting_room_pushes_out_its_oldest_connection() {
    let mut short = limits();
    short.max_pending_auth = 2;
    let bridge = Bridge::with_limits(short).await;
    let mut first = Raw::connect(bridge.addr).await;
    let _second = Raw::connect(bridge.addr).await;
    let mut third = Raw::connect(bridge.addr).await;
    let pushed = first.line().await.unwrap();
    assert!(pushed.starts_with("[action: auth_error][code: auth_timeout][detail: closed to make room"), "{pushed}");
    assert_eq!(first.line().await, None, "then closed");
    third.send_auth().await;
    assert!(third.line().await.unwrap().starts_with("[action: auth_ok]"), "the newcomer got in");
    assert_eq!(bridge.link.stats().rejected_busy, 1);
}

#[tokio::test]
async fn a_whisper_the_game_cannot_deliver_makes_the_next_reply_held() {
    let mut bridge = Bridge::start().await;
    let mut raw = Raw::authed(bridge.addr).await;
    raw.send("[action: login][name: Foo][account_id: 2000001][char_id: 150001]").await;
    raw.send("[action: ticket][source: whisper][name: Foo][account_id: 2000001][char_id: 150001][message: help]").await;
    assert_eq!(bridge.handled("login").await, None);
    assert_eq!(bridge.handled("ticket").await, None);
    assert_eq!(raw.line().await.as_deref(), Some("[action: ticket_created][name: Foo][source: whisper]"));

    let out = bridge.staff_reply("Foo", "first").await;
    assert!(matches!(out, MessageOutcome::Relayed { held: false, .. }), "{out:?}");
    assert_eq!(
        raw.line().await.as_deref(),
        Some("[action: whisper][name: Foo][from: GM Alice][message: first][ref: w1]")
    );
    // Foo vanished without a logout record; the game says so without echoing the ref. The bridge cannot tell
    // which whisper failed, so it holds the latest one to Foo (the only one here), and staff are told.
    raw.send("[action: error][code: player_offline][name: Foo]").await;
    assert_eq!(bridge.handled("error").await, None);
    assert!(raw.until_pong("seen").await.is_empty(), "game errors are never answered");
    let ticket = bridge.ticket_of("Foo").await.unwrap();
    let held: Vec<&str> = ticket.in_game().unwrap().held.iter().map(|r| r.text.as_str()).collect();
    assert_eq!(held, ["first"], "the reply is held, not lost");
    assert!(
        bridge.chat.take().iter().any(|c| matches!(c, Chat::Sent { text, .. } if text.contains("held"))),
        "staff are told"
    );
    let out = bridge.staff_reply("Foo", "second").await;
    assert!(matches!(out, MessageOutcome::Relayed { held: true, .. }), "{out:?}");
    assert_eq!(bridge.link.stats().game_errors, 1);

    raw.send("[action: login][name: Foo][account_id: 2000001][char_id: 150001]").await;
    bridge.handled("login").await;
    assert_eq!(
        raw.line().await.as_deref(),
        Some("[action: whisper][name: Foo][from: GM Alice][message: first][ref: w2]")
    );
    assert_eq!(
        raw.line().await.as_deref(),
        Some("[action: whisper][name: Foo][from: GM Alice][message: second][ref: w3]")
    );
    let ticket = bridge.ticket_of("Foo").await.unwrap();
    assert!(ticket.in_game().unwrap().held.is_empty(), "both replies were delivered");
}

#[tokio::test]
async fn shutdown_tells_connected_games_and_waits_for_them() {
    let mut bridge = Bridge::start().await;
    let mut raw = Raw::authed(bridge.addr).await;
    bridge.stop().await;
    assert_eq!(
        raw.line().await.as_deref(),
        Some("[action: error][code: shutting_down][detail: the bridge is shutting down]")
    );
    assert_eq!(raw.line().await, None);
    assert!(bridge.link.connected().is_empty());
}

/// Pongs and `error` answers are never dropped, however fast the game writes: 15,000 pings and 5,000 malformed
/// lines sent in one go each get their answer, in order. (The bridge used to drop them once 256 were queued, so
/// that a game could conclude the link was dead.)
#[tokio::test]
async fn a_burst_gets_every_pong_and_every_error_in_order() {
    const LINES: u32 = 20_000;
    let bridge = Bridge::start().await;
    let Raw { mut read, mut write } = Raw::authed(bridge.addr).await;
    let mut burst = Vec::new();
    for i in 0..LINES {
        let line = if i % 4 == 3 { format!("garbage {i}\n") } else { format!("[action: ping][ref: p{i}]\n") };
        burst.extend_from_slice(line.as_bytes());
    }
    // Written by a task of its own while nothing is read for a while: the answers pile up on the bridge.
    let writer = tokio::spawn(async move {
        tokio::io::AsyncWriteExt::write_all(&mut write, &burst).await.unwrap();
        write
    });
    tokio::time::sleep(Duration::from_millis(300)).await;
    let mut pongs = Vec::new();
    let mut errors = 0;
    let mut line = String::new();
    while pongs.len() + errors < LINES as usize {
        line.clear();
        let read = tokio::time::timeout(common::PATIENCE, tokio::io::AsyncBufReadExt::read_line(&mut read, &mut line));
        assert!(read.await.expect("an answer in time").unwrap() > 0, "the link stays open");
        match line.trim_end().strip_prefix("[action: pong][ref: p") {
            Some(rest) => pongs.push(rest.trim_end_matches(']').parse::<u32>().unwrap()),
            None => {
                assert!(line.starts_with("[action: error][code: malformed]"), "{line}");
                errors += 1;
            }
        }
    }
    let _write = writer.await.unwrap();
    let expected: Vec<u32> = (0..LINES).filter(|i| i % 4 != 3).collect();
    assert_eq!(pongs, expected, "every pong, in order");
    assert_eq!(errors, 5_000);
    assert_eq!(bridge.link.stats().dropped, 0);
}

/// A ticket line too long for the link, or malformed, is refused with the `re` and `name` the game needs to tell
/// that player their message did not go through.
#[tokio::test]
async fn refused_ticket_lines_still_name_the_player() {
    let bridge = Bridge::start().await;
    let mut raw = Raw::authed(bridge.addr).await;
    let huge = "x".repeat(70_000);
    raw.send(&format!(
        "[action: ticket][source: request][name: Foo][account_id: 1][char_id: 1][ref: t1][message: {huge}]"
    ))
    .await;
    assert_eq!(
        raw.line().await.as_deref(),
        Some(
            "[action: error][code: too_long][detail: the line is longer than 65536 bytes][re: ticket][name: Foo][ref: t1]"
        )
    );
    raw.send("[action: ticket][source: whisper][name: Bar Baz][account_id: 1][char_id: 1][message: a [broken] line]")
        .await;
    assert_eq!(
        raw.line().await.as_deref(),
        Some(
            "[action: error][code: malformed][detail: unescaped '\\[' inside a value at byte 87][re: ticket][name: Bar Baz]"
        )
    );
    let long_ref = "r".repeat(65);
    raw.send(&format!("[action: ticket][name: Foo][account_id: 1][char_id: 1][message: hi][ref: {long_ref}]")).await;
    assert_eq!(
        raw.line().await.as_deref(),
        Some(
            "[action: error][code: invalid_field][detail: ref should be at most 64 bytes of text, to be echoed][re: ticket][name: Foo]"
        ),
        "a ref too long to echo is refused, not silently dropped"
    );
}

/// A 10,000-character message fits on a line and reaches staff whole, in Discord-sized posts.
#[tokio::test]
async fn a_ten_thousand_character_message_is_relayed_whole() {
    let mut bridge = Bridge::start().await;
    let mut raw = Raw::authed(bridge.addr).await;
    let message: String = (0..10_000).map(|i| char::from(b'a' + (i % 26) as u8)).collect();
    raw.send(&format!("[action: ticket][source: request][name: Foo][account_id: 1][char_id: 1][message: {message}]"))
        .await;
    assert_eq!(bridge.handled("ticket").await, None);
    let posted: String = bridge
        .chat
        .take()
        .into_iter()
        .filter_map(|c| c.said().map(|text| text.replace("**Foo** (in game): ", "")))
        .collect::<Vec<_>>()
        .join("");
    let letters: String = posted.chars().filter(char::is_ascii_lowercase).collect();
    assert!(letters.contains(&message), "the whole message reached the channel: {posted}");
}
