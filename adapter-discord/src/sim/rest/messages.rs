//! Messages: history, posting, reading, editing and deleting; plus the helpers interaction
//! responses share (creating and editing a message from a body).

use serde_json::{Value, json};

use super::channels::require;
use super::{Ctx, Reply, Upload, nonces};
use crate::sim::errors::{ApiError, Unknown};
use crate::sim::payload::{self, sf};
use crate::sim::permissions::{ATTACH_FILES, MANAGE_MESSAGES, READ_MESSAGE_HISTORY, SEND_MESSAGES, VIEW_CHANNEL};
use crate::sim::router::Endpoint;
use crate::sim::shared::Shared;
use crate::sim::world::{AttachmentState, ChannelKind, MessageState, StoredMessage, World, json_id, now_ms};

/// Message flag: only the interaction's user sees it.
pub(crate) const EPHEMERAL: u64 = 1 << 6;
/// Message flag: a deferred interaction reply still "thinking".
pub(crate) const LOADING: u64 = 1 << 7;

pub(super) fn handle(shared: &Shared, endpoint: Endpoint, ctx: &Ctx) -> Result<Reply, ApiError> {
    let channel = ctx.id("channel_id")?;
    match endpoint {
        Endpoint::ListMessages => shared.read(|w| list(w, channel, ctx)),
        Endpoint::CreateMessage => shared.mutate(|w| {
            let c = w.channel(channel)?;
            match c.kind {
                ChannelKind::Category => {
                    return Err(ApiError::bad_request(50008, "Cannot send messages in a non-text channel"));
                }
                ChannelKind::Dm => {
                    let closed = c.recipient.and_then(|u| w.users.get(&u)).is_none_or(|u| u.dms_closed);
                    if closed {
                        return Err(ApiError::cannot_dm());
                    }
                }
                ChannelKind::Text => {
                    require(w, c, VIEW_CHANNEL, ApiError::missing_access())?;
                    require(w, c, SEND_MESSAGES, ApiError::missing_permissions())?;
                    if !ctx.files().is_empty() {
                        require(w, c, ATTACH_FILES, ApiError::missing_permissions())?;
                    }
                }
            }
            check_not_empty(ctx.body(), ctx.files())?;
            let author = w.bot_id;
            let nonce = nonces::requested(ctx.body());
            if let Some(earlier) = nonce.as_ref().and_then(|n| nonces::earlier(w, author, n)) {
                return Ok(Reply::ok(render(w, earlier?)?));
            }
            let mut message = new_message(w, channel, author, ctx.body(), ctx.files());
            message.nonce = nonce.as_ref().map(|n| n.value.clone());
            let id = message.state.id;
            post(w, message);
            if let Some(nonce) = &nonce {
                nonces::remember(w, author, nonce, id);
            }
            Ok(Reply::ok(render(w, id)?))
        }),
        Endpoint::GetMessage => shared.read(|w| {
            let c = w.channel(channel)?;
            require(w, c, VIEW_CHANNEL | READ_MESSAGE_HISTORY, ApiError::missing_access())?;
            let id = ctx.id("message_id")?;
            let m = w.message(channel, id)?;
            Ok(Reply::ok(payload::message(w, m, false)))
        }),
        Endpoint::UpdateMessage => shared.mutate(|w| {
            let id = ctx.id("message_id")?;
            let c = w.channel(channel)?;
            require(w, c, VIEW_CHANNEL, ApiError::missing_access())?;
            let m = w.message(channel, id)?;
            if m.state.author != w.bot_id {
                return Err(ApiError::new(403, 50005, "Cannot edit a message authored by another user"));
            }
            if !ctx.files().is_empty() {
                require(w, c, ATTACH_FILES, ApiError::missing_permissions())?;
            }
            edit(w, id, ctx.body(), ctx.files())?;
            Ok(Reply::ok(render(w, id)?))
        }),
        _ => shared.mutate(|w| {
            let id = ctx.id("message_id")?;
            let c = w.channel(channel)?;
            require(w, c, VIEW_CHANNEL, ApiError::missing_access())?;
            let m = w.message(channel, id)?;
            if m.state.author != w.bot_id {
                require(w, c, MANAGE_MESSAGES, ApiError::missing_permissions())?;
            }
            delete(w, id);
            Ok(Reply::no_content())
        }),
    }
}

fn list(w: &World, channel: u64, ctx: &Ctx) -> Result<Reply, ApiError> {
    let c = w.channel(channel)?;
    require(w, c, VIEW_CHANNEL, ApiError::missing_access())?;
    if super::channels::bot_permissions(w, c) & READ_MESSAGE_HISTORY == 0 {
        return Ok(Reply::ok(json!([])));
    }
    let limit = ctx.query("limit").and_then(|l| l.parse::<usize>().ok()).unwrap_or(50).clamp(1, 100);
    let id_of = |name| ctx.query(name).and_then(|v| v.parse::<u64>().ok());
    let all: Vec<&StoredMessage> = w.channel_messages(channel).collect();
    let picked: Vec<&StoredMessage> = if let Some(after) = id_of("after") {
        let mut newer: Vec<_> = all.into_iter().filter(|m| m.state.id > after).take(limit).collect();
        newer.reverse();
        newer
    } else if let Some(around) = id_of("around") {
        let before: Vec<_> = all.iter().filter(|m| m.state.id < around).rev().take(limit / 2).copied().collect();
        let rest: Vec<_> = all.iter().filter(|m| m.state.id >= around).take(limit - before.len()).copied().collect();
        rest.into_iter().rev().chain(before).collect()
    } else {
        let before = id_of("before").unwrap_or(u64::MAX);
        all.into_iter().rev().filter(|m| m.state.id < before).take(limit).collect()
    };
    Ok(Reply::ok(Value::Array(picked.into_iter().map(|m| payload::message(w, m, false)).collect())))
}

/// Discord refuses a message with nothing to show (code 50006); uploaded files are something to show.
pub(crate) fn check_not_empty(body: &Value, files: &[Upload]) -> Result<(), ApiError> {
    if !files.is_empty() {
        return Ok(());
    }
    let has = |key: &str| match body.get(key) {
        Some(Value::String(s)) => !s.is_empty(),
        Some(Value::Array(a)) => !a.is_empty(),
        Some(Value::Null) | None => false,
        Some(_) => true,
    };
    if ["content", "embeds", "components", "sticker_ids", "poll", "attachments"].iter().any(|k| has(k)) {
        Ok(())
    } else {
        Err(ApiError::bad_request(50006, "Cannot send an empty message"))
    }
}

/// A new message from a request body and the files uploaded with it (not stored yet).
pub(crate) fn new_message(w: &mut World, channel: u64, author: u64, body: &Value, files: &[Upload]) -> StoredMessage {
    let id = w.ids.next();
    let attachments = uploaded(w, body, files);
    StoredMessage {
        state: MessageState {
            id,
            channel,
            author,
            content: body.get("content").and_then(Value::as_str).unwrap_or_default().to_string(),
            embeds: payload::normalize_embeds(body.get("embeds").unwrap_or(&Value::Null)),
            components: array_or_empty(body.get("components")),
            allowed_mentions: body.get("allowed_mentions").cloned().unwrap_or(Value::Null),
            flags: body.get("flags").and_then(Value::as_u64).unwrap_or(0),
            edited: false,
            attachments,
        },
        interaction: None,
        webhook_id: None,
        edited_at: None,
        nonce: None,
    }
}

fn array_or_empty(value: Option<&Value>) -> Value {
    match value {
        Some(Value::Array(a)) => Value::Array(a.clone()),
        _ => json!([]),
    }
}

/// Stores a message and queues MESSAGE_CREATE (ephemeral messages are kept aside, unseen).
pub(crate) fn post(w: &mut World, message: StoredMessage) {
    let id = message.state.id;
    if message.state.flags & EPHEMERAL != 0 {
        w.ephemeral.insert(id, message);
        return;
    }
    w.store_message(message);
    if let Some(m) = w.messages.get(&id) {
        let data = payload::message(w, m, true);
        w.emit("MESSAGE_CREATE", data);
    }
}

/// The REST form of a stored (or ephemeral) message.
pub(crate) fn render(w: &World, id: u64) -> Result<Value, ApiError> {
    w.messages
        .get(&id)
        .or_else(|| w.ephemeral.get(&id))
        .map(|m| payload::message(w, m, false))
        .ok_or(ApiError::unknown(Unknown::Message))
}

/// The attachments of files uploaded with a message or an edit, with new ids, in the order sent: each named as the
/// body's `attachments` entry whose `id` is its upload index names it, else as uploaded.
fn uploaded(w: &mut World, body: &Value, files: &[Upload]) -> Vec<AttachmentState> {
    let entries = body.get("attachments").and_then(Value::as_array).map_or(&[][..], Vec::as_slice);
    files
        .iter()
        .map(|file| {
            let entry = file.index.and_then(|i| entries.iter().find(|e| e.get("id").and_then(json_id) == Some(i)));
            let filename = entry.and_then(|e| e.get("filename")).and_then(Value::as_str).filter(|f| !f.is_empty());
            AttachmentState {
                id: w.ids.next(),
                filename: filename.unwrap_or(&file.filename).to_string(),
                content_type: file.content_type.clone(),
                data: file.data.clone(),
            }
        })
        .collect()
}

/// The ids of the attachments an edit body keeps: those its `attachments` array lists (`None`: it has no such array,
/// all are kept).
fn kept_attachments(body: &Value) -> Option<Vec<u64>> {
    let entries = body.get("attachments")?.as_array()?;
    Some(entries.iter().filter_map(|e| e.get("id").and_then(json_id)).collect())
}

/// Applies an edit body (`content`, `embeds`, `components`, `flags`, `allowed_mentions`, `attachments`) and the files
/// uploaded with it to a message, and queues MESSAGE_UPDATE for visible messages. Attachments are kept as on Discord:
/// all of them when the body has no `attachments` array, else those it lists by id; new files are added.
pub(crate) fn edit(w: &mut World, id: u64, body: &Value, files: &[Upload]) -> Result<(), ApiError> {
    let visible = w.messages.contains_key(&id);
    if !visible && !w.ephemeral.contains_key(&id) {
        return Err(ApiError::unknown(Unknown::Message));
    }
    let added = uploaded(w, body, files);
    let m = match w.messages.get_mut(&id) {
        Some(m) => m,
        None => w.ephemeral.get_mut(&id).ok_or(ApiError::unknown(Unknown::Message))?,
    };
    let s = &mut m.state;
    if let Some(content) = body.get("content") {
        s.content = content.as_str().unwrap_or_default().to_string();
    }
    if let Some(embeds) = body.get("embeds") {
        s.embeds = payload::normalize_embeds(embeds);
    }
    if let Some(components) = body.get("components") {
        s.components = array_or_empty(Some(components));
    }
    if let Some(flags) = body.get("flags").and_then(Value::as_u64) {
        // Ephemerality cannot change after posting.
        s.flags = (flags & !EPHEMERAL) | (s.flags & EPHEMERAL);
    }
    if let Some(allowed) = body.get("allowed_mentions") {
        s.allowed_mentions = allowed.clone();
    }
    if let Some(kept) = kept_attachments(body) {
        s.attachments.retain(|a| kept.contains(&a.id));
    }
    s.attachments.extend(added);
    s.flags &= !LOADING;
    s.edited = true;
    m.edited_at = Some(now_ms());
    if visible {
        if let Some(m) = w.messages.get(&id) {
            let data = payload::message(w, m, true);
            w.emit("MESSAGE_UPDATE", data);
        }
    }
    Ok(())
}

/// Deletes a message (visible: queues MESSAGE_DELETE).
pub(crate) fn delete(w: &mut World, id: u64) {
    if w.ephemeral.remove(&id).is_some() {
        return;
    }
    if let Some(m) = w.remove_message(id) {
        let mut data = json!({ "id": sf(id), "channel_id": sf(m.state.channel) });
        if let Some(g) = w.channels.get(&m.state.channel).and_then(|c| c.guild) {
            data["guild_id"] = sf(g);
        }
        w.emit("MESSAGE_DELETE", data);
    }
}
