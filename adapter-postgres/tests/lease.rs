//! The active lease: one holder per schema, taken over as soon as the holder releases it or its session ends, and
//! the holder told at once when its session is cut.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::Duration;

use adapter_postgres::ConnectOptions;
use common::{drop_schema, raw_client, unique_schema, url};

/// Tries until the lease is taken, for at most `patience`.
async fn take(options: &ConnectOptions, patience: Duration) -> Option<adapter_postgres::Lease> {
    let deadline = tokio::time::Instant::now() + patience;
    loop {
        if let Some(lease) = options.try_lease(&url()).await.unwrap() {
            return Some(lease);
        }
        if tokio::time::Instant::now() > deadline {
            return None;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn one_holder_per_schema_and_a_release_hands_it_over() {
    let Some(_server) = raw_client().await else { return };
    let schema = unique_schema();
    let options = ConnectOptions::new().schema(schema.clone());
    let first = options.try_lease(&url()).await.unwrap().expect("a free lease is taken");
    assert!(options.try_lease(&url()).await.unwrap().is_none(), "a second process stands by");
    let other = ConnectOptions::new().schema(unique_schema());
    assert!(other.try_lease(&url()).await.unwrap().is_some(), "another schema has its own lease");
    first.release().await;
    let second = options.try_lease(&url()).await.unwrap().expect("released: taken over at once");
    assert!(!second.is_lost());
    drop(second);
    drop_schema(&schema);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_holder_that_goes_away_loses_the_lease() {
    let Some(_server) = raw_client().await else { return };
    let options = ConnectOptions::new().schema(unique_schema());
    let first = options.try_lease(&url()).await.unwrap().expect("taken");
    // Its session ends (as when its process dies): the server frees the lock.
    drop(first);
    assert!(take(&options, Duration::from_secs(10)).await.is_some(), "taken over once the session ended");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_holder_whose_session_is_cut_is_told_and_another_takes_over() {
    let Some(admin) = raw_client().await else { return };
    let schema = unique_schema();
    let options = ConnectOptions::new().schema(schema.clone());
    let lease = options.try_lease(&url()).await.unwrap().expect("taken");
    let name = format!("ticket-bot lease {schema}");
    let cut = admin
        .query_one(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = $1",
            &[&name],
        )
        .await
        .unwrap();
    assert_eq!(cut.get::<_, i64>(0), 1, "the lease's session is named");
    let why = tokio::time::timeout(Duration::from_secs(10), lease.lost()).await.expect("told within seconds");
    assert!(why.contains("lease connection"), "{why}");
    assert!(lease.is_lost());
    assert!(take(&options, Duration::from_secs(10)).await.is_some(), "a standby takes it");
}
