//! What the sim tests share: a fake with serenity's HTTP client pointed at it, raw requests as
//! the bot, and the check that nothing broke Discord's rules.
#![allow(dead_code)] // Each test file uses its own part of this module.

use std::sync::Arc;

use adapter_discord::sim::FakeDiscord;
use serde_json::Value;
use serenity::all::{ApplicationId, HttpBuilder};
use serenity::http::Http;

/// A fake Discord and serenity's HTTP client talking to it (as the bot, with its application id).
pub async fn setup() -> (FakeDiscord, Arc<Http>) {
    let fake = FakeDiscord::start().await.unwrap();
    let http = HttpBuilder::new(fake.token())
        .proxy(fake.base_url())
        .ratelimiter_disabled(true)
        .application_id(ApplicationId::new(fake.application_id()))
        .build();
    (fake, Arc::new(http))
}

/// A raw request to the fake as the bot (for what serenity would refuse to send, or to see the
/// wire): status, JSON body (`null` when empty) and headers.
pub async fn raw(
    fake: &FakeDiscord,
    method: &str,
    path: &str,
    body: Option<Value>,
) -> (u16, Value, reqwest::header::HeaderMap) {
    let client = reqwest::Client::new();
    let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
    let mut request = client
        .request(method, format!("{}/api/v10{path}", fake.base_url()))
        .header("Authorization", format!("Bot {}", fake.token()));
    if let Some(body) = body {
        request = request.header("Content-Type", "application/json").body(body.to_string());
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let text = response.text().await.unwrap();
    let value = if text.is_empty() { Value::Null } else { serde_json::from_str(&text).unwrap() };
    (status, value, headers)
}

/// Asserts the fake saw no violation.
pub fn assert_clean(fake: &FakeDiscord) {
    let violations = fake.violations();
    assert!(violations.is_empty(), "violations: {violations:#?}");
}

/// The first event `pick` takes from `rx` (others are skipped), within ten seconds.
#[allow(dead_code)] // Used by the test binaries that watch a serenity client's events.
pub async fn next_matching<S, T>(
    rx: &mut tokio::sync::mpsc::UnboundedReceiver<S>,
    mut pick: impl FnMut(S) -> Option<T>,
) -> T {
    tokio::time::timeout(std::time::Duration::from_secs(10), async {
        loop {
            let seen = rx.recv().await.expect("handler alive");
            if let Some(t) = pick(seen) {
                return t;
            }
        }
    })
    .await
    .expect("event in time")
}
