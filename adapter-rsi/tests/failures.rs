//! Lookups that fail: slow, broken or hostile answers, and names refused before any request.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod fake_rsi;

use std::time::Duration;

use adapter_rsi::MAX_BODY_BYTES;
use fake_rsi::{FakeRsi, Reply, directory};
use ticket_core::ports::{ProfileDirectory, ProfileError};

#[tokio::test]
async fn a_server_that_never_answers_is_a_timeout() {
    let fake = FakeRsi::start(vec![("/citizens/Kestrel_Vane", Reply::Silent), ("/orgs/VGSL", Reply::Silent)]).await;
    let rsi = directory(fake.base_url(), Duration::from_millis(300));

    assert_eq!(rsi.citizen("Kestrel_Vane").await, Err(ProfileError::Timeout));
    assert_eq!(rsi.organisation("VGSL").await, Err(ProfileError::Timeout));
}

#[tokio::test]
async fn a_body_that_stalls_is_a_timeout() {
    let fake = FakeRsi::start(vec![("/citizens/Kestrel_Vane", Reply::StallBody)]).await;
    let rsi = directory(fake.base_url(), Duration::from_millis(300));

    assert_eq!(rsi.citizen("Kestrel_Vane").await, Err(ProfileError::Timeout));
}

#[tokio::test]
async fn server_errors_and_rate_limits_are_unavailable() {
    let fake = FakeRsi::start(vec![
        ("/citizens/Busy_Server", Reply::Page(503, b"<html>maintenance</html>".to_vec())),
        ("/citizens/Broken_Server", Reply::Page(500, Vec::new())),
        ("/citizens/Too_Fast", Reply::Page(429, Vec::new())),
        ("/orgs/BUSY", Reply::Page(503, Vec::new())),
    ])
    .await;
    let rsi = fake.directory();

    assert_eq!(rsi.citizen("Busy_Server").await, Err(ProfileError::Unavailable));
    assert_eq!(rsi.citizen("Broken_Server").await, Err(ProfileError::Unavailable));
    assert_eq!(rsi.citizen("Too_Fast").await, Err(ProfileError::Unavailable));
    assert_eq!(rsi.organisation("BUSY").await, Err(ProfileError::Unavailable));
    assert_eq!(fake.requests(), 4, "no retries inside the adapter");
}

#[tokio::test]
async fn a_refused_connection_is_unavailable() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    drop(listener);

    assert_eq!(directory(base, Duration::from_secs(5)).citizen("Kestrel_Vane").await, Err(ProfileError::Unavailable));
}

#[tokio::test]
async fn a_redirect_off_the_site_is_not_followed() {
    let fake =
        FakeRsi::start(vec![("/citizens/Kestrel_Vane", Reply::Redirect("http://localhost:{port}/elsewhere"))]).await;

    let found = fake.directory().citizen("Kestrel_Vane").await;

    assert_eq!(found, Err(ProfileError::Unavailable));
    // The other origin is the fake itself under another name: following would have shown up here.
    assert_eq!(fake.requests(), 1);
}

#[tokio::test]
async fn a_redirect_loop_stops() {
    let fake = FakeRsi::start(vec![
        ("/citizens/Loop_A", Reply::Redirect("/citizens/Loop_B")),
        ("/citizens/Loop_B", Reply::Redirect("/citizens/Loop_A")),
    ])
    .await;

    let found = fake.directory().citizen("Loop_A").await;

    assert_eq!(found, Err(ProfileError::Unavailable));
    assert_eq!(fake.requests(), 4, "the first request and three redirects");
}

/// Oversized pages are `Unreadable`: RSI answered, but not with a page this adapter can read (and retrying would
/// fetch the same page again).
#[tokio::test]
async fn an_oversized_page_is_unreadable() {
    let huge = vec![b' '; MAX_BODY_BYTES + 1];
    let fake = FakeRsi::start(vec![
        ("/citizens/Announced_Huge", Reply::Page(200, huge)),
        ("/citizens/Streamed_Huge", Reply::Unsized(MAX_BODY_BYTES + 64 * 1024)),
        ("/citizens/Streamed_Fits", Reply::Unsized(1024)),
    ])
    .await;
    let rsi = directory(fake.base_url(), Duration::from_secs(10));

    assert_eq!(rsi.citizen("Announced_Huge").await, Err(ProfileError::Unreadable), "Content-Length over the limit");
    assert_eq!(rsi.citizen("Streamed_Huge").await, Err(ProfileError::Unreadable), "no length, body over the limit");
    assert_eq!(rsi.citizen("Streamed_Fits").await, Err(ProfileError::Unreadable), "read, but not a dossier");
}

#[tokio::test]
async fn invalid_handles_and_sids_are_refused_without_a_request() {
    let fake = FakeRsi::start(Vec::new()).await;
    let rsi = fake.directory();

    let long_handle = "h".repeat(61);
    for handle in [
        "",
        "ab",
        long_handle.as_str(),
        "../orgs/VGSL",
        "a/b",
        "a b",
        "a%2Fb",
        "x?admin=1",
        "x#y",
        "dot.ted",
        "Ünï",
        "a\r\nHost: evil",
    ] {
        assert_eq!(rsi.citizen(handle).await, Err(ProfileError::NotFound), "{handle:?}");
    }
    let long_sid = "S".repeat(21);
    for sid in ["", long_sid.as_str(), "..", "A/B", "A B", "A?B", "A&B=1", "%2e%2e"] {
        assert_eq!(rsi.organisation(sid).await, Err(ProfileError::NotFound), "{sid:?}");
    }
    assert_eq!(fake.requests(), 0);
}
