//! Discord's deduplication of message creation: `nonce` with `enforce_nonce: true`.
//!
//! As Discord documents it (`POST /channels/{channel_id}/messages`): "If true and nonce is present, it will be
//! checked for uniqueness in the past few minutes. If another message was created by the same author with the same
//! nonce, that message will be returned and no new message will be created." A nonce is an integer or a string of
//! at most 25 characters (the request schema checks that). Two details the fake follows as Discord's staff
//! described them when the parameter was introduced (discord-api-docs#6647): the check is per author (not per
//! channel), and when the earlier message was deleted since, the create fails with `404 Unknown Message` instead
//! of posting again.
//!
//! "A few minutes" is not specified; the fake remembers a nonce for [`WINDOW_MS`], the short end, so a bot cannot
//! come to rely on a longer memory than Discord's.

use serde_json::Value;

use crate::sim::errors::{ApiError, Unknown};
use crate::sim::world::{World, now_ms, snowflake_ms};

/// How long a nonce is remembered, in milliseconds.
pub(crate) const WINDOW_MS: u64 = 2 * 60 * 1000;

/// A create request's nonce: the key it is remembered by, and whether the request asks for the check.
#[derive(Debug)]
pub(crate) struct Requested {
    /// The nonce as JSON text: `"abc"` and `5` are different nonces.
    key: String,
    /// The nonce as sent, echoed in the message.
    pub value: Value,
    enforce: bool,
}

/// The nonce of a create body, if it has one (`null` is none).
pub(crate) fn requested(body: &Value) -> Option<Requested> {
    let value = body.get("nonce").filter(|n| !n.is_null())?.clone();
    let enforce = body.get("enforce_nonce").and_then(Value::as_bool) == Some(true);
    Some(Requested { key: value.to_string(), value, enforce })
}

/// With `enforce_nonce`, the message `author` created with this nonce in the window: `Some(Ok(id))` to give back,
/// `Some(Err(404 Unknown Message))` if it was deleted since, `None` to create a new message.
pub(crate) fn earlier(w: &World, author: u64, nonce: &Requested) -> Option<Result<u64, ApiError>> {
    if !nonce.enforce {
        return None;
    }
    let id = *w.nonces.get(&(author, nonce.key.clone()))?;
    if now_ms().saturating_sub(snowflake_ms(id)) > WINDOW_MS {
        return None;
    }
    Some(if w.messages.contains_key(&id) { Ok(id) } else { Err(ApiError::unknown(Unknown::Message)) })
}

/// Remembers that `author` created message `id` with this nonce (with or without `enforce_nonce`: a later
/// enforced create with the same nonce finds it either way).
pub(crate) fn remember(w: &mut World, author: u64, nonce: &Requested, id: u64) {
    let now = now_ms();
    w.nonces.retain(|_, earlier| now.saturating_sub(snowflake_ms(*earlier)) <= WINDOW_MS);
    w.nonces.insert((author, nonce.key.clone()), id);
}
