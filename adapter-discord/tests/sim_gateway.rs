//! The gateway protocol as a raw client sees it: HELLO, heartbeat ACKs, IDENTIFY → READY and
//! GUILD_CREATE, sequence numbers, intents and the message-content intent, dispatches of world
//! changes, interactions nobody answers, bad tokens and shutdown.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::Duration;

use adapter_discord::sim::FakeDiscord;
use common::{assert_clean, raw};
use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream, connect_async};

type Ws = WebSocketStream<MaybeTlsStream<TcpStream>>;

const GUILDS: u64 = 1;
const GUILD_MEMBERS: u64 = 1 << 1;
const GUILD_MESSAGES: u64 = 1 << 9;

async fn open(fake: &FakeDiscord) -> Ws {
    let (ws, _) = connect_async(format!("{}?v=10", fake.gateway_url())).await.unwrap();
    ws
}

/// The next JSON payload (or the close code).
async fn next(ws: &mut Ws) -> Result<Value, u16> {
    loop {
        let message = tokio::time::timeout(Duration::from_secs(10), ws.next()).await.expect("a gateway frame in time");
        match message {
            Some(Ok(Message::Text(text))) => return Ok(serde_json::from_str(&text).unwrap()),
            Some(Ok(Message::Close(frame))) => return Err(frame.map_or(0, |f| u16::from(f.code))),
            Some(Ok(_)) => {}
            other => panic!("gateway ended: {other:?}"),
        }
    }
}

/// The next dispatch with this name (skipping others).
async fn dispatch(ws: &mut Ws, name: &str) -> Value {
    loop {
        let frame = next(ws).await.unwrap();
        if frame["t"] == name {
            return frame;
        }
    }
}

async fn send(ws: &mut Ws, payload: Value) {
    ws.send(Message::Text(payload.to_string())).await.unwrap();
}

async fn identify(ws: &mut Ws, token: &str, intents: u64) {
    send(
        ws,
        json!({"op": 2, "d": {
            "token": token, "intents": intents, "compress": true, "large_threshold": 250,
            "shard": [0, 1], "properties": {"os": "linux", "browser": "test", "device": "test"}
        }}),
    )
    .await;
}

async fn post_as_bot(fake: &FakeDiscord, channel: u64, body: Value) -> Value {
    raw(fake, "POST", &format!("/channels/{channel}/messages"), Some(body)).await.1
}

#[tokio::test]
async fn hello_identify_ready_and_dispatches() {
    let fake = FakeDiscord::start().await.unwrap();
    let guild = fake.create_guild("G");
    let channel = fake.create_text_channel(guild, "general", None);
    let alice = fake.add_member(guild, "alice", &[]);

    let mut ws = open(&fake).await;
    let hello = next(&mut ws).await.unwrap();
    assert_eq!(hello["op"], 10);
    assert!(hello["d"]["heartbeat_interval"].as_u64().unwrap() > 0);
    send(&mut ws, json!({"op": 1, "d": null})).await;
    assert_eq!(next(&mut ws).await.unwrap()["op"], 11);

    identify(&mut ws, fake.token(), GUILDS | GUILD_MEMBERS | GUILD_MESSAGES).await;
    let ready = next(&mut ws).await.unwrap();
    assert_eq!(ready["t"], "READY");
    assert_eq!(ready["s"], 1);
    assert_eq!(ready["d"]["user"]["id"], fake.bot_user_id().to_string());
    assert_eq!(ready["d"]["application"]["id"], fake.application_id().to_string());
    assert_eq!(ready["d"]["guilds"][0], json!({"id": guild.to_string(), "unavailable": true}));
    let created = next(&mut ws).await.unwrap();
    assert_eq!(created["t"], "GUILD_CREATE");
    assert_eq!(created["s"], 2);
    assert_eq!(created["d"]["channels"][0]["id"], channel.to_string());
    assert!(fake.is_connected());

    // Without MESSAGE_CONTENT, a member's message arrives blank, unless it mentions the bot.
    fake.send_message(channel, alice, "secret").await;
    let blank = dispatch(&mut ws, "MESSAGE_CREATE").await;
    assert_eq!(blank["d"]["content"], "");
    assert_eq!(blank["d"]["author"]["id"], alice.to_string());
    assert_eq!(blank["d"]["guild_id"], guild.to_string());
    let mention = format!("<@{}> help", fake.bot_user_id());
    fake.send_message(channel, alice, &mention).await;
    assert_eq!(dispatch(&mut ws, "MESSAGE_CREATE").await["d"]["content"], mention);
    // The bot's own posts come back with their content.
    post_as_bot(&fake, channel, json!({"content": "mine"})).await;
    assert_eq!(dispatch(&mut ws, "MESSAGE_CREATE").await["d"]["content"], "mine");

    // World changes are dispatched.
    let extra = fake.create_text_channel(guild, "extra", None);
    assert_eq!(dispatch(&mut ws, "CHANNEL_CREATE").await["d"]["id"], extra.to_string());
    let bob = fake.add_member(guild, "bob", &[]);
    assert_eq!(dispatch(&mut ws, "GUILD_MEMBER_ADD").await["d"]["user"]["id"], bob.to_string());
    fake.delete_channel_by_hand(extra).await;
    assert_eq!(dispatch(&mut ws, "CHANNEL_DELETE").await["d"]["id"], extra.to_string());
    assert!(fake.channel(extra).is_none());

    assert_clean(&fake);
}

#[tokio::test]
async fn an_unanswered_interaction_times_out_and_tokens_answer_once() {
    let fake = FakeDiscord::start().await.unwrap();
    fake.set_reply_timeout(Duration::from_millis(300));
    let guild = fake.create_guild("G");
    let channel = fake.create_text_channel(guild, "general", None);
    let alice = fake.add_member(guild, "alice", &[]);
    let mut ws = open(&fake).await;
    identify(&mut ws, fake.token(), GUILDS | GUILD_MESSAGES).await;
    dispatch(&mut ws, "GUILD_CREATE").await;

    let posted = post_as_bot(
        &fake,
        channel,
        json!({"content": "panel", "components": [{"type": 1, "components": [
            {"type": 2, "style": 1, "custom_id": "tickets:open", "label": "Open"}
        ]}]}),
    )
    .await;
    let message: u64 = posted["id"].as_str().unwrap().parse().unwrap();
    let click = fake.click_button(channel, message, "tickets:open", alice).await;
    assert_eq!(click.response, None, "nobody answered");

    let created = dispatch(&mut ws, "INTERACTION_CREATE").await["d"].clone();
    assert_eq!(created["id"], click.id.to_string());
    assert_eq!(created["type"], 3);
    assert_eq!(created["data"]["custom_id"], "tickets:open");
    assert_eq!(created["member"]["user"]["id"], alice.to_string());
    assert!(created["member"]["permissions"].as_str().unwrap().parse::<u64>().unwrap() > 0);
    assert!(created["app_permissions"].is_string());
    assert_eq!(created["message"]["id"], message.to_string());

    let token = created["token"].as_str().unwrap();
    let url = format!("{}/api/v10/interactions/{}/{token}/callback", fake.base_url(), click.id);
    let answer = json!({"type": 4, "data": {"content": "late"}});
    let client = reqwest::Client::new();
    let first =
        client.post(&url).header("Content-Type", "application/json").body(answer.to_string()).send().await.unwrap();
    assert_eq!(first.status().as_u16(), 204);
    let second =
        client.post(&url).header("Content-Type", "application/json").body(answer.to_string()).send().await.unwrap();
    assert_eq!(second.status().as_u16(), 400);
    let body: Value = serde_json::from_str(&second.text().await.unwrap()).unwrap();
    assert_eq!(body["code"], 40060);
    assert_eq!(fake.interaction(click.id).unwrap().reply_text().as_deref(), Some("late"));
    // The reply is a channel message, echoed like any other.
    assert_eq!(dispatch(&mut ws, "MESSAGE_CREATE").await["d"]["content"], "late");
    assert_clean(&fake);
}

#[tokio::test]
async fn a_wrong_token_closes_with_4004_and_shutdown_with_1001() {
    let fake = FakeDiscord::start().await.unwrap();
    let mut ws = open(&fake).await;
    next(&mut ws).await.unwrap();
    identify(&mut ws, "nope", GUILDS).await;
    assert_eq!(next(&mut ws).await, Err(4004));

    let mut ws = open(&fake).await;
    next(&mut ws).await.unwrap();
    identify(&mut ws, &format!("Bot {}", fake.token()), GUILDS).await;
    assert_eq!(next(&mut ws).await.unwrap()["t"], "READY");
    fake.shutdown().await;
    assert_eq!(next(&mut ws).await, Err(1001));
    assert!(reqwest::get(format!("{}/api/v10/gateway", fake.base_url())).await.is_err());
}

#[tokio::test]
async fn member_chunks_and_resume_requests() {
    let fake = FakeDiscord::start().await.unwrap();
    let guild = fake.create_guild("G");
    fake.add_member(guild, "alice", &[]);
    let mut ws = open(&fake).await;
    identify(&mut ws, fake.token(), GUILDS | GUILD_MEMBERS).await;
    dispatch(&mut ws, "GUILD_CREATE").await;

    send(&mut ws, json!({"op": 8, "d": {"guild_id": guild.to_string(), "query": "", "limit": 0, "nonce": "n1"}})).await;
    let chunk = dispatch(&mut ws, "GUILD_MEMBERS_CHUNK").await;
    assert_eq!(chunk["d"]["members"].as_array().unwrap().len(), 3, "bot, owner, alice");
    assert_eq!(chunk["d"]["nonce"], "n1");

    // The fake keeps no sessions to resume: invalid session, identify again.
    let mut other = open(&fake).await;
    next(&mut other).await.unwrap();
    send(&mut other, json!({"op": 6, "d": {"token": fake.token(), "session_id": "x", "seq": 3}})).await;
    let invalid = next(&mut other).await.unwrap();
    assert_eq!((invalid["op"].clone(), invalid["d"].clone()), (json!(9), json!(false)));
    assert_clean(&fake);
}
