//! Who gets to authenticate: only the source addresses configured for each server, and a waiting room that a flood
//! of silent connections cannot fill to keep a map server out. Refusals are summarised in the log, not written
//! one line each.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::{Bridge, Raw, allowed, limits};

/// While 64 silent connections are held (as many as the waiting room takes), and more keep coming as fast as
/// they are closed, the real map server still authenticates at once. Before the waiting room, the 65th
/// connection was closed within a millisecond, and an attacker reopening its connections kept the server out.
#[tokio::test]
async fn silent_connections_cannot_keep_a_map_server_out() {
    let bridge = Bridge::start().await;
    let max = limits().max_pending_auth;
    // The attacker uses several loopback addresses, the way a botnet would use several hosts.
    let sources =
        ["127.0.0.2", "127.0.0.3", "127.0.0.4", "127.0.0.5", "127.0.0.6", "127.0.0.7", "127.0.0.8", "127.0.0.9"];
    let mut silent = Vec::new();
    for i in 0..max {
        silent.push(Raw::connect_from(bridge.addr, sources[i % sources.len()]).await);
    }
    for round in 0..5 {
        // The attacker reopens connections as fast as it can while the map server connects.
        for i in 0..16 {
            silent.push(Raw::connect_from(bridge.addr, sources[i % sources.len()]).await);
        }
        let started = Instant::now();
        let mut game = Raw::connect(bridge.addr).await;
        game.send_auth().await;
        let answer = game.line().await;
        assert!(
            answer.as_deref().is_some_and(|a| a.starts_with("[action: auth_ok]")),
            "round {round}: the map server was kept out: {answer:?}"
        );
        assert!(started.elapsed() < Duration::from_secs(1), "round {round}: it got in at once");
    }
    assert!(bridge.link.stats().rejected_busy >= 5 * 16, "silent connections were pushed out to make room");
}

/// One address cannot take the whole waiting room: past its share, its own oldest connection makes room.
#[tokio::test]
async fn one_address_only_pushes_out_its_own_connections() {
    let mut short = limits();
    short.max_pending_per_address = 2;
    let bridge = Bridge::with_limits(short).await;
    let mut neighbour = Raw::connect_from(bridge.addr, "127.0.0.1").await;
    let mut flood = Vec::new();
    for _ in 0..10 {
        flood.push(Raw::connect_from(bridge.addr, "127.0.0.2").await);
    }
    // The neighbour from another address is still waiting, not pushed out.
    neighbour.send_auth().await;
    assert!(neighbour.line().await.unwrap().starts_with("[action: auth_ok]"));
    assert_eq!(bridge.link.stats().rejected_busy, 8);
}

/// A connection from an address no server may use is closed before it can send a byte, and the server may only
/// authenticate from its own addresses.
#[tokio::test]
async fn only_configured_addresses_may_connect() {
    let only = allowed().with_allow_from(vec!["127.0.0.1/32".parse().unwrap()]);
    let bridge = Bridge::with_server(limits(), only).await;
    let mut stranger = Raw::connect_from(bridge.addr, "127.0.0.2").await;
    stranger.send_auth().await;
    assert_eq!(stranger.line().await, None, "closed without an answer");
    assert_eq!(bridge.link.stats().rejected_address, 1);
    let mut game = Raw::connect_from(bridge.addr, "127.0.0.1").await;
    game.send_auth().await;
    assert!(game.line().await.unwrap().starts_with("[action: auth_ok]"));
}

/// An address another server may use gets to authenticate, but not as a server that may not use it: refused
/// exactly like a wrong secret.
#[tokio::test]
async fn a_server_authenticates_only_from_its_own_addresses() {
    let xilero = allowed().with_allow_from(vec!["127.0.0.1/32".parse().unwrap()]);
    let mut other = allowed().with_allow_from(vec!["127.0.0.3/32".parse().unwrap()]);
    other.id = ticket_core::GameServerId::new("other").unwrap();
    let bridge = Bridge::with_servers(limits(), vec![xilero, other]).await;
    let mut elsewhere = Raw::connect_from(bridge.addr, "127.0.0.3").await;
    elsewhere.send_auth().await;
    let answer = elsewhere.line().await.unwrap();
    assert_eq!(answer, "[action: auth_error][code: refused][detail: unknown server id or wrong secret]");
    assert_eq!(bridge.link.stats().rejected_address, 0, "let in: another server may connect from there");
    let mut home = Raw::connect_from(bridge.addr, "127.0.0.1").await;
    home.send_auth().await;
    assert!(home.line().await.unwrap().starts_with("[action: auth_ok]"));
}

/// A log writer shared with the test.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// 1,000 refused authentications make one full line and one summary, not 1,000 WARN lines.
#[tokio::test]
async fn refused_authentications_are_summarised_in_the_log() {
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::WARN)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    // The test runs on one thread, and so do the link's tasks.
    let _guard = tracing::subscriber::set_default(subscriber);
    let mut bridge = Bridge::start().await;
    for i in 0..1000 {
        let mut raw = Raw::connect(bridge.addr).await;
        raw.send(&format!("[action: auth][server_id: xilero][secret: wrong-secret-{i:04}-xxxxxx]")).await;
        assert!(raw.line().await.unwrap().starts_with("[action: auth_error][code: refused]"));
    }
    bridge.stop().await;
    assert_eq!(bridge.link.stats().auth_refused, 1000);
    let log = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    let warnings: Vec<&str> = log.lines().filter(|l| l.contains("WARN")).collect();
    assert_eq!(warnings.len(), 2, "{warnings:#?}");
    assert!(warnings[0].contains("game link: authentication refused"), "{}", warnings[0]);
    assert!(
        warnings[1].contains("game link: 999 more authentications refused in the last")
            && warnings[1].contains("from 1 address(es)"),
        "{}",
        warnings[1]
    );
}
