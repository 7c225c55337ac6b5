//! A map server that knows several bridge addresses: several bridge processes share one database, only the active
//! one listens, and the standbys refuse connections until they take over. The simulated map server tries the
//! addresses in turn, moving on at once after a failure, and waits its back-off only after a whole round failed.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::Duration;

use adapter_xilero::ChannelsConf;
use adapter_xilero::sim::{SimConfig, SimEvent};
use common::{Bridge, PATIENCE, SECRET, unused_addr};
use tokio::net::TcpListener;

/// A back-off far beyond the tests' patience: a map server that waited it would never link in time.
const FOREVER: Duration = Duration::from_secs(3600);

#[tokio::test]
async fn the_first_address_refuses_and_the_second_is_the_bridge() {
    let mut bridge = Bridge::start().await;
    let nobody = unused_addr();
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("channels.conf");
    let list = format!("{nobody}, 127.0.0.1:{}", bridge.addr.port());
    std::fs::write(&path, format!("ragnasync_bridge_host: \"{list}\"\nragnasync_server_id: \"xilero\"\n")).unwrap();
    let conf = ChannelsConf::load_with(&path, Some(SECRET.into())).unwrap();

    let mut config = SimConfig::from_channels_conf(&conf).unwrap();
    assert_eq!((config.host.clone(), config.port), (nobody.ip().to_string(), nobody.port()));
    assert_eq!(config.more_bridges, [("127.0.0.1".to_owned(), bridge.addr.port())]);
    // Only moving on to the second address at once (not after a back-off) links in time.
    (config.backoff_initial, config.backoff_max, config.round_backoff_max) = (FOREVER, FOREVER, FOREVER);
    let (sim, _events) = bridge.sim(config).await;
    assert!(sim.is_up().await.unwrap());
}

#[tokio::test]
async fn a_lost_link_moves_on_to_the_bridge_that_took_over() {
    let mut active = Bridge::start().await;
    let standby_addr = unused_addr();
    let mut config = active.sim_config();
    config.more_bridges = vec![(standby_addr.ip().to_string(), standby_addr.port())];
    // The back-off of one address is out of reach; with two, a failed round waits at most round_backoff_max.
    (config.backoff_initial, config.backoff_max) = (FOREVER, FOREVER);
    let (sim, mut events) = active.sim(config).await;
    sim.login("Foo").await.unwrap();
    assert!(sim.request("Foo", "my item vanished").await.unwrap());
    active.handled("ticket").await;

    // The active bridge dies. The map server tries the standby, which refuses (it has not taken over yet), and
    // after a short wait comes back to the first address: it finds a listener there that closes the connection.
    active.stop().await;
    events.wait("down", |e| matches!(e, SimEvent::LinkDown { .. })).await;
    let first = TcpListener::bind(active.addr).await.unwrap();
    let back = tokio::time::timeout(PATIENCE, first.accept()).await.expect("back to the first address");
    // Now the standby has taken over and listens; the closed connection moves the map server on to it at once.
    let mut standby = active.standby_at(standby_addr).await;
    drop((back, first));
    events.wait("up on the standby", |e| *e == SimEvent::LinkUp).await;
    standby.handled("sync_done").await;

    assert!(sim.whisper_support("Foo", "still there?").await.unwrap());
    assert_eq!(standby.handled("ticket").await, None, "the ticket goes on through the bridge that took over");
    assert!(standby.ticket_of("Foo").await.is_some());
}
