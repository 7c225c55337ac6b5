//! A map server that reconnects while its old connection still carries records: the new connection replaces the
//! old one, and what the old one had sent is still handled, first and in order.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use adapter_xilero::LinkEvent;
use common::{Bridge, Chat, Raw};

const FOO: &str = "[name: Foo][account_id: 2000001][char_id: 150001]";

/// The player lines the desk posted in Foo's channel, in order.
fn posted(chat: &[Chat]) -> Vec<String> {
    chat.iter()
        .filter_map(|c| c.said().and_then(|text| text.strip_prefix("**Foo** (in game): ")).map(str::to_owned))
        .collect()
}

/// 300 lines written on the old connection, then a new connection authenticating within a millisecond: all 300
/// reach the channel, in order, before anything of the new connection. Before, the old connection stopped reading
/// when it was replaced, and the records still in its socket were lost (3 runs of 3).
#[tokio::test]
async fn a_replaced_connection_loses_nothing_it_had_sent() {
    for run in 0..3 {
        let mut bridge = Bridge::start().await;
        let mut old = Raw::authed(bridge.addr).await;
        old.send("[action: config][ticket_enabled: true][ticket_close_on_logout: false]").await;
        old.send(&format!("[action: login]{FOO}")).await;
        old.send("[action: sync_done]").await;
        for action in ["config", "login", "sync_done"] {
            assert_eq!(bridge.handled(action).await, None, "{action}");
        }
        let mut burst = String::new();
        for i in 0..300 {
            burst.push_str(&format!("[action: ticket][source: whisper]{FOO}[message: m{i}]\n"));
        }
        old.send_bytes(burst.as_bytes()).await;
        let mut new = Raw::connect(bridge.addr).await;
        new.send_auth().await;
        assert!(new.line().await.unwrap().starts_with("[action: auth_ok]"));
        new.send(&format!("[action: login]{FOO}")).await;
        new.send("[action: sync_done]").await;
        new.send(&format!("[action: ticket][source: whisper]{FOO}[message: from the new connection]")).await;

        let mut tickets = 0;
        let mut replaced = false;
        while tickets < 301 {
            let event = bridge.wait("ticket", |e| {
                matches!(
                    e,
                    LinkEvent::Handled { action: "ticket", .. } | LinkEvent::Authenticated { replaced: true, .. }
                )
            });
            match event.await {
                LinkEvent::Authenticated { .. } => replaced = true,
                LinkEvent::Handled { error, .. } => {
                    assert_eq!(error, None);
                    tickets += 1;
                }
                _ => unreachable!(),
            }
        }
        assert!(replaced, "run {run}: the new connection replaced the old one");

        let mut expected: Vec<String> = (0..300).map(|i| format!("m{i}")).collect();
        expected.push("from the new connection".into());
        assert_eq!(posted(&bridge.chat.take()), expected, "run {run}");
        let mut told = Vec::new();
        while let Some(line) = old.line().await {
            told.push(line);
        }
        assert!(told.iter().any(|l| l.starts_with("[action: error][code: replaced]")), "run {run}: {told:?}");
    }
}
