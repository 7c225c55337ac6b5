//! The simulated map server against the real link server and a real desk: every flow of the in-game spec, with
//! the records on the wire snapshotted.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::Duration;

use adapter_xilero::sim::{MapServer, Seen, SimConfig, SimEvent};
use adapter_xilero::{ErrorCode, LinkEvent, Secret};
use common::{Bridge, Chat, SimEvents, start_sim, wire};
use ticket_core::ticket::CloseReason;
use ticket_core::{MessageOutcome, TicketStore};

fn sees(player: &str, line: Seen) -> SimEvent {
    SimEvent::Sees { player: player.into(), line }
}

/// Opens a ticket with `@request` and waits until the player was told it was created.
async fn open_ticket(bridge: &mut Bridge, sim: &MapServer, events: &mut SimEvents, player: &str, text: &str) {
    assert!(sim.request(player, text).await.unwrap());
    assert_eq!(bridge.handled("ticket").await, None);
    events.wait("ticket created", |e| *e == sees(player, Seen::TicketCreated)).await;
}

/// A bridge, and a simulated map server (its configuration adjusted by `configure`) on which Foo logged in and
/// opened a ticket.
async fn foo_with_a_ticket(configure: impl FnOnce(&mut SimConfig)) -> (Bridge, MapServer, SimEvents) {
    let mut bridge = Bridge::start().await;
    let mut config = bridge.sim_config();
    configure(&mut config);
    let (sim, mut events) = bridge.sim(config).await;
    sim.login("Foo").await.unwrap();
    open_ticket(&mut bridge, &sim, &mut events, "Foo", "help").await;
    (bridge, sim, events)
}

#[tokio::test]
async fn request_whisper_and_staff_reply_round_trip() {
    let mut bridge = Bridge::start().await;
    let (sim, mut events) = bridge.sim(bridge.sim_config()).await;
    sim.login("Foo Bar").await.unwrap();
    assert_eq!(bridge.handled("login").await, None);
    assert!(bridge.link.is_online(&common::server_id(), &ticket_core::relay::GameName::new("Foo Bar").unwrap()));

    assert!(sim.request("Foo Bar", "my item vanished").await.unwrap());
    assert_eq!(bridge.handled("ticket").await, None);
    sim.sync().await.unwrap();
    let chat = bridge.chat.take();
    assert_eq!(chat[0], Chat::Created("ticket-foo-bar".into()));
    // The opening line rides in the welcome's post.
    assert!(
        chat.iter().any(|c| matches!(c, Chat::Sent { channel, .. } if channel == "ticket-foo-bar")
            && c.said() == Some("**Foo Bar** (in game): my item vanished")),
        "{chat:?}"
    );

    let out = bridge.staff_reply("Foo Bar", "On it!\nCheck your storage.").await;
    assert!(matches!(out, MessageOutcome::Relayed { held: false, .. }), "{out:?}");
    sim.sync().await.unwrap();

    assert!(sim.whisper_support("Foo Bar", "still stuck [really]").await.unwrap());
    assert_eq!(bridge.handled("ticket").await, None);
    assert_eq!(
        bridge.chat.take(),
        vec![Chat::Sent {
            channel: "ticket-foo-bar".into(),
            text: "**Foo Bar** (in game): still stuck [really]".into()
        }],
        "further whispers land in the same channel"
    );
    sim.sync().await.unwrap();

    insta::assert_yaml_snapshot!("seen_request_flow", events.drain());
    insta::assert_yaml_snapshot!("wire_request_flow", wire(sim.take_wire().await.unwrap()));
    assert_eq!(bridge.link.stats().malformed, 0);
    sim.shutdown().await;
}

#[tokio::test]
async fn a_pm_to_support_opens_a_ticket_too() {
    let mut bridge = Bridge::start().await;
    let (sim, mut events) = bridge.sim(bridge.sim_config()).await;
    sim.login("Foo").await.unwrap();
    assert!(sim.whisper_support("Foo", "hello?").await.unwrap());
    assert_eq!(bridge.handled("ticket").await, None);
    events.wait("ticket created", |e| *e == sees("Foo", Seen::TicketCreated)).await;
    assert!(!events.drain().iter().any(|e| e.contains("[RagnaSync Ticket]")), "no @request echo for a PM");
    assert!(bridge.ticket_of("Foo").await.is_some());
}

#[tokio::test]
async fn a_wrong_secret_is_refused_and_players_see_offline() {
    let mut bridge = Bridge::start().await;
    let mut config = bridge.sim_config();
    config.secret = Secret::new("not-the-secret-at-all");
    config.backoff_initial = Duration::from_secs(3600);
    let (sim, mut events) = start_sim(config);
    events.wait("refused", |e| *e == SimEvent::AuthRefused { code: ErrorCode::Refused }).await;
    bridge.wait("auth refused", |e| matches!(e, LinkEvent::AuthRefused { code: ErrorCode::Refused, .. })).await;
    assert!(!sim.is_up().await.unwrap());
    assert!(!bridge.link.is_connected(&common::server_id()));
    sim.login("Foo").await.unwrap();
    assert!(!sim.request("Foo", "help").await.unwrap());
    events.wait("offline", |e| *e == sees("Foo", Seen::Offline)).await;
    insta::assert_yaml_snapshot!("wire_auth_refused", wire(sim.take_wire().await.unwrap()));
    assert_eq!(bridge.link.stats().auth_refused, 1);
}

#[tokio::test]
async fn an_unknown_server_id_is_refused_like_a_wrong_secret() {
    let bridge = Bridge::start().await;
    let mut config = bridge.sim_config();
    config.server_id = ticket_core::GameServerId::new("impostor").unwrap();
    config.backoff_initial = Duration::from_secs(3600);
    let (_sim, mut events) = start_sim(config);
    events.wait("refused", |e| *e == SimEvent::AuthRefused { code: ErrorCode::Refused }).await;
    assert!(bridge.link.connected().is_empty());
}

#[tokio::test]
async fn disabled_in_channels_conf_shows_disabled_and_sends_nothing() {
    let mut bridge = Bridge::start().await;
    let mut config = bridge.sim_config();
    config.ticket_enabled = false;
    let (sim, mut events) = bridge.sim(config).await;
    let settings = bridge.store.settings(common::GUILD).await.unwrap();
    assert!(!settings.in_game.enabled, "the config record reached the desk");
    sim.login("Foo").await.unwrap();
    assert!(!sim.request("Foo", "help").await.unwrap());
    assert!(!sim.whisper_support("Foo", "help").await.unwrap());
    sim.sync().await.unwrap();
    insta::assert_yaml_snapshot!("seen_disabled", events.drain());
    insta::assert_yaml_snapshot!("wire_disabled", wire(sim.take_wire().await.unwrap()));
    assert!(bridge.chat.take().is_empty());
}

#[tokio::test]
async fn disabled_on_the_bridge_is_answered_with_an_error_the_player_sees() {
    let mut bridge = Bridge::start().await;
    let (sim, mut events) = bridge.sim(bridge.sim_config()).await;
    sim.login("Foo").await.unwrap();
    bridge.handled("login").await;
    // Another game server of the same guild turned the system off.
    bridge.desk.apply_game_config(common::GUILD, false, true).await.unwrap();
    assert!(sim.request("Foo", "help").await.unwrap());
    assert_eq!(bridge.handled("ticket").await, Some(ErrorCode::Disabled));
    events.wait("disabled", |e| *e == sees("Foo", Seen::Disabled)).await;
    sim.sync().await.unwrap();
    let mut wire = wire(sim.take_wire().await.unwrap());
    for lines in wire.values_mut() {
        lines.drain(..lines.len() - 2);
    }
    insta::assert_yaml_snapshot!("wire_disabled_by_bridge", wire);
}

#[tokio::test]
async fn a_cut_link_holds_replies_and_delivers_them_when_it_is_restored() {
    let (mut bridge, sim, mut events) = foo_with_a_ticket(|_| {}).await;
    sim.take_wire().await.unwrap();
    events.drain();

    sim.disconnect().await.unwrap();
    bridge.wait("disconnected", |e| matches!(e, LinkEvent::Disconnected { .. })).await;
    let out = bridge.staff_reply("Foo", "Fixed, please check").await;
    assert!(matches!(out, MessageOutcome::Relayed { held: true, .. }), "{out:?}");
    assert!(!sim.request("Foo", "are you there?").await.unwrap());
    events.wait("offline", |e| *e == sees("Foo", Seen::Offline)).await;

    sim.connect().await.unwrap();
    events.wait("link up", |e| *e == SimEvent::LinkUp).await;
    assert_eq!(bridge.handled("login").await, None);
    sim.sync().await.unwrap();
    events.wait("held reply", |e| matches!(e, SimEvent::Sees { line: Seen::Whisper { .. }, .. })).await;
    insta::assert_yaml_snapshot!("wire_link_cut_and_restored", wire(sim.take_wire().await.unwrap()));
    let ticket = bridge.ticket_of("Foo").await.unwrap();
    assert!(ticket.in_game().unwrap().held.is_empty(), "nothing left behind");
}

#[tokio::test]
async fn the_simulator_reconnects_with_back_off_after_the_bridge_restarts() {
    let (mut bridge, sim, mut events) = foo_with_a_ticket(|_| {}).await;

    bridge.stop().await;
    events.wait("down", |e| matches!(e, SimEvent::LinkDown { .. })).await;
    let out = bridge.staff_reply("Foo", "held while the bridge restarts").await;
    assert!(matches!(out, MessageOutcome::Relayed { held: true, .. }), "{out:?}");

    bridge.restart().await;
    events.wait("up again", |e| *e == SimEvent::LinkUp).await;
    bridge.handled("sync_done").await;
    sim.sync().await.unwrap();
    let seen = events.wait("held reply", |e| matches!(e, SimEvent::Sees { line: Seen::Whisper { .. }, .. })).await;
    assert_eq!(
        seen,
        sees("Foo", Seen::Whisper { from: "GM Alice".into(), message: "held while the bridge restarts".into() })
    );
}

#[tokio::test]
async fn logout_closes_the_ticket_when_configured() {
    let (mut bridge, sim, mut events) = foo_with_a_ticket(|_| {}).await;
    let id = bridge.ticket_of("Foo").await.unwrap().id;
    bridge.chat.take();
    sim.take_wire().await.unwrap();

    sim.logout("Foo").await.unwrap();
    assert_eq!(bridge.handled("logout").await, None);
    events.wait("closed", |e| *e == SimEvent::TicketClosed { player: "Foo".into() }).await;
    assert_eq!(bridge.chat.take(), vec![Chat::Deleted("ticket-foo".into())]);
    let ticket = bridge.store.ticket(id).await.unwrap().unwrap();
    assert_eq!(ticket.closed.map(|c| c.reason), Some(CloseReason::PlayerLoggedOut));
    insta::assert_yaml_snapshot!("wire_logout_close", wire(sim.take_wire().await.unwrap()));
}

#[tokio::test]
async fn held_replies_are_delivered_at_the_next_login() {
    let (mut bridge, sim, mut events) = foo_with_a_ticket(|config| config.close_on_logout = false).await;
    sim.logout("Foo").await.unwrap();
    bridge.handled("logout").await;
    sim.take_wire().await.unwrap();
    events.drain();

    for text in ["Found your item.", "It is in your storage."] {
        let out = bridge.staff_reply("Foo", text).await;
        assert!(matches!(out, MessageOutcome::Relayed { held: true, .. }), "{out:?}");
    }
    assert!(bridge.ticket_of("Foo").await.unwrap().is_open(), "close_on_logout is off");
    sim.login("Foo").await.unwrap();
    assert_eq!(bridge.handled("login").await, None);
    sim.sync().await.unwrap();
    insta::assert_yaml_snapshot!("seen_held_at_login", events.drain());
    insta::assert_yaml_snapshot!("wire_held_at_login", wire(sim.take_wire().await.unwrap()));
}

#[tokio::test]
async fn a_logout_missed_while_the_link_was_down_is_caught_up_by_sync_done() {
    let mut bridge = Bridge::start().await;
    let (sim, mut events) = bridge.sim(bridge.sim_config()).await;
    sim.login("Foo").await.unwrap();
    sim.login("Bar").await.unwrap();
    open_ticket(&mut bridge, &sim, &mut events, "Foo", "help").await;
    let id = bridge.ticket_of("Foo").await.unwrap().id;

    sim.disconnect().await.unwrap();
    bridge.wait("disconnected", |e| matches!(e, LinkEvent::Disconnected { .. })).await;
    sim.logout("Foo").await.unwrap();
    sim.take_wire().await.unwrap();
    sim.connect().await.unwrap();
    bridge.handled("sync_done").await;
    let ticket = bridge.store.ticket(id).await.unwrap().unwrap();
    assert_eq!(ticket.closed.map(|c| c.reason), Some(CloseReason::PlayerLoggedOut));
    assert_eq!(bridge.link.online_count(&common::server_id()), 1, "Bar is still online");
    sim.sync().await.unwrap();
    insta::assert_yaml_snapshot!("wire_resync", wire(sim.take_wire().await.unwrap()));
}

#[tokio::test]
async fn a_second_connection_for_the_same_server_replaces_the_first() {
    let mut bridge = Bridge::start().await;
    let mut first_config = bridge.sim_config();
    first_config.backoff_initial = Duration::from_secs(3600);
    first_config.backoff_max = Duration::from_secs(3600);
    let (first, mut first_events) = bridge.sim(first_config).await;
    first.login("Foo").await.unwrap();
    bridge.handled("login").await;

    let (second, mut second_events) = start_sim(bridge.sim_config());
    second_events.wait("link up", |e| *e == SimEvent::LinkUp).await;
    first_events.wait("replaced", |e| matches!(e, SimEvent::BridgeError { code: ErrorCode::Replaced, .. })).await;
    first_events.wait("down", |e| matches!(e, SimEvent::LinkDown { .. })).await;
    bridge.wait("replacement", |e| matches!(e, LinkEvent::Authenticated { replaced: true, .. })).await;
    bridge.handled("sync_done").await;
    assert!(!first.is_up().await.unwrap());
    assert_eq!(bridge.link.connected(), vec![common::server_id()]);
    // The new connection did not announce Foo, so Foo logged out as far as the bridge knows.
    assert_eq!(bridge.link.online_count(&common::server_id()), 0);

    second.login("Baz").await.unwrap();
    open_ticket(&mut bridge, &second, &mut second_events, "Baz", "hi from the new connection").await;
}

#[tokio::test]
async fn a_reply_that_crosses_a_logout_is_held_and_whispered_at_the_next_login() {
    let (mut bridge, sim, mut events) = foo_with_a_ticket(|_| {}).await;
    sim.take_wire().await.unwrap();
    events.drain();
    bridge.chat.take();

    // Foo leaves, and the bridge has not heard of it when the staff reply goes out.
    sim.logout_unannounced("Foo").await.unwrap();
    let foo = ticket_core::relay::GameName::new("Foo").unwrap();
    assert!(bridge.link.is_online(&common::server_id(), &foo));
    let out = bridge.staff_reply("Foo", "Found it, check your storage.").await;
    assert!(matches!(out, MessageOutcome::Relayed { .. }), "{out:?}");
    // The game answers `player_offline` with the whisper's ref: the reply is held, not lost.
    assert_eq!(bridge.handled("error").await, None);
    assert!(!bridge.link.is_online(&common::server_id(), &foo));
    let ticket = bridge.ticket_of("Foo").await.unwrap();
    let game = ticket.in_game().unwrap();
    assert!(!game.online);
    let held: Vec<&str> = game.held.iter().map(|h| h.text.as_str()).collect();
    assert_eq!(held, ["Found it, check your storage."]);

    sim.login("Foo").await.unwrap();
    assert_eq!(bridge.handled("login").await, None);
    let seen = sees("Foo", Seen::Whisper { from: "GM Alice".into(), message: "Found it, check your storage.".into() });
    events.wait("the held reply", |e| *e == seen).await;
    // The ticket's effects run in order: staff were told before the held reply went out.
    let told = bridge.chat.take();
    assert!(
        told.iter()
            .any(|c| matches!(c, Chat::Sent { channel, text } if channel == "ticket-foo" && text.contains("held"))),
        "staff are told the reply is held: {told:?}"
    );
    sim.sync().await.unwrap();
    insta::assert_yaml_snapshot!("wire_reply_crosses_logout", wire(sim.take_wire().await.unwrap()));
    let ticket = bridge.ticket_of("Foo").await.unwrap();
    assert!(ticket.in_game().unwrap().held.is_empty(), "nothing left behind");
    assert_eq!(bridge.link.stats().game_errors, 1);
}

#[tokio::test]
async fn a_logout_missed_while_the_bridge_restarted_closes_the_ticket_at_resync() {
    let mut bridge = Bridge::start().await;
    let (sim, mut events) = bridge.sim(bridge.sim_config()).await;
    sim.login("Foo").await.unwrap();
    sim.login("Bar").await.unwrap();
    open_ticket(&mut bridge, &sim, &mut events, "Foo", "help").await;
    open_ticket(&mut bridge, &sim, &mut events, "Bar", "me too").await;
    let foo = bridge.ticket_of("Foo").await.unwrap().id;
    let bar = bridge.ticket_of("Bar").await.unwrap().id;

    bridge.stop().await;
    events.wait("down", |e| matches!(e, SimEvent::LinkDown { .. })).await;
    // Foo leaves while no bridge runs: nobody hears of it.
    sim.logout("Foo").await.unwrap();
    bridge.chat.take();
    sim.take_wire().await.unwrap();

    // A new bridge process over the same database: it has no memory of who was online.
    bridge.restart_process().await;
    events.wait("up again", |e| *e == SimEvent::LinkUp).await;
    assert_eq!(bridge.handled("sync_done").await, None);
    let ticket = bridge.store.ticket(foo).await.unwrap().unwrap();
    assert_eq!(ticket.closed.map(|c| c.reason), Some(CloseReason::PlayerLoggedOut));
    assert!(bridge.store.ticket(bar).await.unwrap().unwrap().is_open(), "Bar was announced: still open");
    // The game is told last, after the channel is deleted.
    events.wait("closed", |e| *e == SimEvent::TicketClosed { player: "Foo".into() }).await;
    assert_eq!(bridge.chat.take(), vec![Chat::Deleted("ticket-foo".into())]);
    assert_eq!(bridge.link.online_count(&common::server_id()), 1, "Bar is online");
    sim.sync().await.unwrap();
    insta::assert_yaml_snapshot!("wire_bridge_restart_resync", wire(sim.take_wire().await.unwrap()));
}
