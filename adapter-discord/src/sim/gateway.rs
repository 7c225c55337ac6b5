//! The gateway: one WebSocket session with the bot (HELLO → IDENTIFY → READY + GUILD_CREATEs →
//! dispatches; every heartbeat ACKed).

use std::borrow::Cow;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::sync::mpsc;
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;

use super::payload;
use super::shared::{Shared, lock};
use super::world::{Guild, World};

/// The heartbeat interval HELLO announces, in milliseconds (Discord's usual value).
const HEARTBEAT_INTERVAL_MS: u64 = 41_250;

static SESSIONS: AtomicU64 = AtomicU64::new(1);

/// A payload for one session (not from the hub), checked to parse in serenity (a failure is a
/// violation).
fn checked(shared: &Shared, frame: Value) -> Value {
    shared.check_gateway(&frame);
    frame
}

/// Whether a frame is one of a session's opening payloads (READY and a GUILD_CREATE per guild), which the writer
/// checks once it has sent them ([`Shared::check_gateway_later`]), off the connection's path: with thousands of
/// channels, reading them as serenity does took the fake longer than it took the bot, and the bot waited for it.
fn opens_session(frame: &Value) -> bool {
    matches!(frame.get("t").and_then(Value::as_str), Some("READY" | "GUILD_CREATE"))
}

/// What to do after a client payload.
enum Next {
    Continue,
    Send(Vec<Value>),
    Close(u16, &'static str),
}

/// Serves one gateway connection until it closes or the fake shuts down.
pub(crate) async fn serve<S>(shared: Arc<Shared>, ws: WebSocketStream<S>, query: Option<String>)
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let version_ok = query.as_deref().unwrap_or_default().split('&').any(|kv| kv == "v=10");
    if !version_ok {
        shared.violation(format!("gateway connection without ?v=10 (query: {query:?})"));
    }
    let (mut sink, mut stream) = ws.split();
    let (tx, mut rx) = mpsc::unbounded_channel::<Value>();
    let mut shutdown = shared.shutdown.subscribe();
    let mut seq: u64 = 0;
    let mut session: Option<u64> = None;

    let hello = checked(
        &shared,
        json!({ "op": 10, "d": { "heartbeat_interval": HEARTBEAT_INTERVAL_MS }, "s": null, "t": null }),
    );
    if sink.send(Message::Text(hello.to_string())).await.is_err() {
        return;
    }

    loop {
        let mut outgoing = Vec::new();
        let mut close = None;
        tokio::select! {
            _ = shutdown.changed() => close = Some((1001, "The fake Discord is shutting down.")),
            frame = rx.recv() => match frame {
                Some(frame) => outgoing.push(frame),
                None => break,
            },
            message = stream.next() => match message {
                Some(Ok(Message::Text(text))) => {
                    match handle_payload(&shared, &text, &mut session, &tx) {
                        Next::Continue => {}
                        Next::Send(frames) => outgoing = frames,
                        Next::Close(code, reason) => close = Some((code, reason)),
                    }
                }
                Some(Ok(Message::Binary(_))) => {
                    shared.violation("the bot sent a binary gateway frame (serenity sends JSON text)");
                    close = Some((4002, "Error while decoding payload."));
                }
                Some(Ok(Message::Close(_))) => {
                    // Complete the closing handshake, as Discord does: tungstenite has queued the reply.
                    let _ = sink.close().await;
                    break;
                }
                Some(Err(_)) | None => break,
                Some(Ok(_)) => {}
            },
        }
        for mut frame in outgoing {
            if frame.get("op").and_then(Value::as_u64) == Some(0) {
                seq += 1;
                frame["s"] = json!(seq);
            }
            let sent = sink.send(Message::Text(frame.to_string())).await;
            if opens_session(&frame) {
                shared.check_gateway_later(frame);
            }
            if sent.is_err() {
                close = None;
                break;
            }
        }
        if let Some((code, reason)) = close {
            let frame = CloseFrame { code: CloseCode::from(code), reason: Cow::Borrowed(reason) };
            // The peer may already be gone; nothing to do about a failed close.
            let _ = sink.send(Message::Close(Some(frame))).await;
            break;
        }
    }
    // Closed before unregistering, so that an IDENTIFY still being answered does not register it afterwards
    // (see `Hub::register`).
    rx.close();
    if let Some(id) = session {
        shared.hub.unregister(id);
    }
}

fn handle_payload(
    shared: &Arc<Shared>,
    text: &str,
    session: &mut Option<u64>,
    tx: &mpsc::UnboundedSender<Value>,
) -> Next {
    let Ok(payload) = serde_json::from_str::<Value>(text) else {
        shared.violation(format!("the bot sent a gateway payload that is not JSON: {text}"));
        return Next::Close(4002, "Error while decoding payload.");
    };
    let op = payload.get("op").and_then(Value::as_u64);
    let d = payload.get("d").cloned().unwrap_or(Value::Null);
    match op {
        Some(1) => Next::Send(vec![checked(shared, json!({ "op": 11, "d": null, "s": null, "t": null }))]),
        Some(2) => identify(shared, &d, session, tx),
        Some(3 | 4) if session.is_some() => Next::Continue,
        // Sessions are not kept for resuming: Discord's answer is "invalid session, identify".
        Some(6) => Next::Send(vec![checked(shared, json!({ "op": 9, "d": false, "s": null, "t": null }))]),
        Some(8) if session.is_some() => Next::Send(member_chunks(shared, &d)),
        Some(3 | 4 | 8) => Next::Close(4003, "Not authenticated."),
        _ => {
            shared.violation(format!("the bot sent an unknown gateway opcode: {text}"));
            Next::Close(4001, "Unknown opcode.")
        }
    }
}

fn identify(shared: &Arc<Shared>, d: &Value, session: &mut Option<u64>, tx: &mpsc::UnboundedSender<Value>) -> Next {
    if session.is_some() {
        shared.violation("the bot sent IDENTIFY twice on one connection");
        return Next::Close(4005, "Already authenticated.");
    }
    let token = d.get("token").and_then(Value::as_str).unwrap_or_default();
    if token.strip_prefix("Bot ").unwrap_or(token) != shared.token {
        return Next::Close(4004, "Authentication failed.");
    }
    let Some(wanted) = d.get("intents").and_then(Value::as_u64) else {
        shared.violation("IDENTIFY without intents");
        return Next::Close(4013, "Invalid intent(s).");
    };
    if let Some(shard) = d.get("shard").and_then(Value::as_array) {
        let valid =
            shard.len() == 2 && shard[1].as_u64().is_some_and(|n| n >= 1) && shard[0].as_u64() < shard[1].as_u64();
        if !valid {
            return Next::Close(4010, "Invalid shard.");
        }
    }
    let id = SESSIONS.fetch_add(1, Ordering::Relaxed);
    *session = Some(id);
    let (shared, tx) = (shared.clone(), tx.clone());
    // Off the connection's task, so that its writer sends READY and each GUILD_CREATE while the next is built: the
    // bot reads one guild while the fake describes the next.
    tokio::task::spawn_blocking(move || {
        let delay = *lock(&shared.guild_create_delay);
        let world = lock(&shared.world);
        let ready = json!({
            "op": 0, "s": 1, "t": "READY",
            "d": payload::ready(&world, &format!("sim-session-{id}"), &shared.gateway_url()),
        });
        shared.hub.register(id, wanted, tx.clone(), vec![ready]);
        if delay.is_zero() {
            // As on Discord, each guild is described as it is when its GUILD_CREATE is sent, and the world is
            // unlocked in between (a REST call for a guild already described need not wait for all the others).
            // The session is registered already: a change made before a guild's description shows in it, and its
            // event comes too, before it; a change made after comes after.
            let guilds: Vec<u64> = world.guilds.keys().copied().collect();
            drop(world);
            for id in guilds {
                let world = lock(&shared.world);
                if let Some(guild) = world.guilds.get(&id) {
                    // A closed receiver means the connection is gone: nothing left to tell.
                    let _ = tx.send(guild_create(&world, guild));
                }
            }
        } else {
            // Like a large guild on real Discord: its GUILD_CREATE comes a while after READY, describing the guild
            // as it was when the session started.
            let guilds: Vec<Value> = world.guilds.values().map(|g| guild_create(&world, g)).collect();
            drop(world);
            tokio::spawn(async move {
                tokio::time::sleep(delay).await;
                for frame in guilds {
                    let _ = tx.send(frame);
                }
            });
        }
        shared.bump();
    });
    Next::Continue
}

/// A guild's GUILD_CREATE, checked once sent (see `opens_session`).
fn guild_create(world: &World, guild: &Guild) -> Value {
    let mut frame = json!({ "op": 0, "s": 1, "t": "GUILD_CREATE" });
    // Moved in: `json!` would serialise the guild's whole description once more (it copies what it interpolates),
    // which took the fake as long as describing the guild.
    frame["d"] = payload::guild_create(world, guild);
    frame
}

/// GUILD_MEMBERS_CHUNK answers to REQUEST_GUILD_MEMBERS (all members in one chunk).
fn member_chunks(shared: &Shared, d: &Value) -> Vec<Value> {
    let guild = d.get("guild_id").and_then(super::world::json_id);
    let world = lock(&shared.world);
    let Some(guild) = guild.and_then(|g| world.guilds.get(&g)) else {
        return Vec::new();
    };
    let members: Vec<Value> = guild.members.values().map(|m| payload::member(&world, m)).collect();
    let mut chunk = json!({
        "guild_id": payload::sf(guild.id),
        "members": members,
        "chunk_index": 0,
        "chunk_count": 1,
    });
    if let Some(nonce) = d.get("nonce") {
        chunk["nonce"] = nonce.clone();
    }
    vec![checked(shared, json!({ "op": 0, "s": 1, "t": "GUILD_MEMBERS_CHUNK", "d": chunk }))]
}
