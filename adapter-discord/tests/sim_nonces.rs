//! Discord's deduplication of message creation, as the fake plays it: a create with a `nonce` and
//! `enforce_nonce: true` gives back the message the same author created with that nonce a moment
//! ago, and creates nothing; the fields are checked against Discord's schema.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{assert_clean, raw, setup};
use serde_json::{Value, json};
use serenity::all::{ChannelId, CreateMessage, Nonce};

async fn post(fake: &adapter_discord::sim::FakeDiscord, channel: u64, body: Value) -> (u16, Value) {
    let (status, answer, _) = raw(fake, "POST", &format!("/channels/{channel}/messages"), Some(body)).await;
    (status, answer)
}

#[tokio::test]
async fn an_enforced_nonce_gives_back_the_first_message_and_creates_nothing() {
    let (fake, _) = setup().await;
    let guild = fake.create_guild("G");
    let (log, other) = (fake.create_text_channel(guild, "log", None), fake.create_text_channel(guild, "other", None));

    let (status, first) =
        post(&fake, log, json!({"content": "resolved", "nonce": "2a.0", "enforce_nonce": true})).await;
    assert_eq!(status, 200);
    assert_eq!(first["nonce"], "2a.0", "the message carries its nonce");
    let (status, again) =
        post(&fake, log, json!({"content": "resolved", "nonce": "2a.0", "enforce_nonce": true})).await;
    assert_eq!((status, &again["id"]), (200, &first["id"]), "the first message is given back");
    assert_eq!(fake.messages(log).len(), 1, "nothing new was created");

    // The check is per author, as documented: the same nonce elsewhere still gives back the first message.
    let (_, elsewhere) = post(&fake, other, json!({"content": "x", "nonce": "2a.0", "enforce_nonce": true})).await;
    assert_eq!(elsewhere["id"], first["id"]);
    assert!(fake.messages(other).is_empty());

    // Another nonce, or an integer nonce of the same digits, is another message.
    let (_, next) = post(&fake, log, json!({"content": "part 2", "nonce": "2a.1", "enforce_nonce": true})).await;
    assert_ne!(next["id"], first["id"]);
    let (_, number) = post(&fake, log, json!({"content": "n", "nonce": 42, "enforce_nonce": true})).await;
    let (_, text) = post(&fake, log, json!({"content": "s", "nonce": "42", "enforce_nonce": true})).await;
    assert_ne!(number["id"], text["id"]);
    assert_eq!(fake.messages(log).len(), 4);
    assert_clean(&fake);
}

#[tokio::test]
async fn without_enforce_nonce_a_repeat_is_posted_again() {
    let (fake, _) = setup().await;
    let guild = fake.create_guild("G");
    let log = fake.create_text_channel(guild, "log", None);
    post(&fake, log, json!({"content": "a", "nonce": "n1"})).await;
    post(&fake, log, json!({"content": "a", "nonce": "n1", "enforce_nonce": false})).await;
    assert_eq!(fake.messages(log).len(), 2, "a nonce alone only labels the message");
    // An enforced create afterwards finds the earlier ones by their nonce.
    let (_, enforced) = post(&fake, log, json!({"content": "a", "nonce": "n1", "enforce_nonce": true})).await;
    assert!(fake.messages(log).iter().any(|m| json!(m.id.to_string()) == enforced["id"]));
    assert_eq!(fake.messages(log).len(), 2);
    assert_clean(&fake);
}

#[tokio::test]
async fn a_message_deleted_since_is_not_posted_again() {
    let (fake, _) = setup().await;
    let guild = fake.create_guild("G");
    let log = fake.create_text_channel(guild, "log", None);
    let (_, first) = post(&fake, log, json!({"content": "a", "nonce": "n1", "enforce_nonce": true})).await;
    let id = first["id"].as_str().unwrap();
    let (status, _, _) = raw(&fake, "DELETE", &format!("/channels/{log}/messages/{id}"), None).await;
    assert_eq!(status, 204);
    let (status, answer) = post(&fake, log, json!({"content": "a", "nonce": "n1", "enforce_nonce": true})).await;
    assert_eq!((status, answer), (404, json!({"message": "Unknown Message", "code": 10008})));
    assert!(fake.messages(log).is_empty());
    assert_clean(&fake);
}

#[tokio::test]
async fn nonces_outside_discords_schema_are_400_and_violations() {
    let (fake, _) = setup().await;
    let guild = fake.create_guild("G");
    let log = fake.create_text_channel(guild, "log", None);
    let (status, _) = post(&fake, log, json!({"content": "a", "nonce": "x".repeat(26), "enforce_nonce": true})).await;
    assert_eq!(status, 400);
    let (status, _) = post(&fake, log, json!({"content": "a", "nonce": "n", "enforce_nonce": "yes"})).await;
    assert_eq!(status, 400);
    assert!(fake.messages(log).is_empty());
    let violations = fake.violations();
    assert_eq!(violations.len(), 2, "{violations:#?}");
    assert!(violations.iter().all(|v| v.contains("does not match Discord's schema")));
}

#[tokio::test]
async fn serenity_sends_the_nonce_and_reads_the_message_given_back() {
    let (fake, http) = setup().await;
    let guild = fake.create_guild("G");
    let log = fake.create_text_channel(guild, "log", None);
    let create = || CreateMessage::new().content("resolved").nonce(Nonce::String("7.0".into())).enforce_nonce(true);
    let first = ChannelId::new(log).send_message(&http, create()).await.unwrap();
    let again = ChannelId::new(log).send_message(&http, create()).await.unwrap();
    assert_eq!(again.id, first.id);
    assert!(matches!(&again.nonce, Some(Nonce::String(n)) if n == "7.0"), "{:?}", again.nonce);
    assert_eq!(fake.messages(log).len(), 1);
    let sent = fake.requests().last().unwrap().body.clone();
    assert_eq!((&sent["nonce"], &sent["enforce_nonce"]), (&json!("7.0"), &json!(true)));
    assert_clean(&fake);
}
