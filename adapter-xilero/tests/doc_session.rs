//! The whole session of `docs/game-link.md` §12, played line by line against the real link server: what the doc
//! shows a game developer is what the bridge does.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{Bridge, Raw, SECRET};

/// The lines of the doc's session block.
fn session() -> Vec<String> {
    let doc = include_str!("../../docs/game-link.md");
    let section = doc.split("## 12. A whole session").nth(1).expect("§12 exists");
    let block = section.split("```text").nth(1).and_then(|b| b.split("```").next()).expect("a text block");
    block.lines().map(str::trim).filter(|l| !l.is_empty()).map(str::to_owned).collect()
}

#[tokio::test]
async fn the_documented_session_is_what_the_bridge_does() {
    let bridge = Bridge::start().await;
    let mut game = Raw::connect(bridge.addr).await;
    let lines = session();
    assert!(lines.len() > 10, "{lines:?}");
    for line in lines {
        if let Some(record) = line.strip_prefix("game -> bridge: ") {
            game.send(&record.replace("<secret>", SECRET)).await;
        } else if let Some(record) = line.strip_prefix("bridge -> game: ") {
            assert_eq!(game.line().await.as_deref(), Some(record));
        } else if let Some(said) = line.strip_prefix("staff -> #ticket-foo-bar: ") {
            bridge.staff_reply("Foo Bar", said).await;
        } else {
            panic!("a line of the session is neither game, bridge nor staff: {line}");
        }
    }
    assert!(bridge.ticket_of("Foo Bar").await.is_none(), "closed at logout");
    assert!(bridge.link.is_online(&common::server_id(), &ticket_core::relay::GameName::new("Bar").unwrap()));
    // Both messages were relayed to the channel.
    let posted: Vec<String> = bridge
        .chat
        .take()
        .into_iter()
        .filter_map(|c| c.said().and_then(|text| text.strip_prefix("**Foo Bar** (in game): ")).map(str::to_owned))
        .collect();
    assert_eq!(posted, ["my item vanished", "still stuck [really]"]);
}
