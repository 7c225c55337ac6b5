//! Interaction callbacks (types 4, 5, 6, 7, 8 for an autocomplete, 9; each token answers once), followups and the
//! original response (`/webhooks/{app}/{token}…`).

use serde_json::{Value, json};

use super::messages::{self, EPHEMERAL, LOADING};
use super::{Ctx, Reply, Upload};
use crate::sim::errors::{ApiError, Unknown};
use crate::sim::interactions::{InteractionKind, InteractionRecord, ModalView, ShownModal, metadata};
use crate::sim::payload::sf;
use crate::sim::router::Endpoint;
use crate::sim::shared::Shared;
use crate::sim::world::World;

pub(super) fn handle(shared: &Shared, endpoint: Endpoint, ctx: &Ctx) -> Result<Reply, ApiError> {
    if endpoint == Endpoint::InteractionCallback {
        let id = ctx.id("interaction_id")?;
        let token = ctx.param("interaction_token").to_string();
        return shared.mutate(|w| callback(w, id, &token, ctx));
    }
    let app = ctx.id("webhook_id")?;
    let token = ctx.param("webhook_token").to_string();
    shared.mutate(|w| {
        if app != w.app_id {
            return Err(ApiError::unknown(Unknown::Webhook));
        }
        let record =
            w.interactions.values().find(|r| r.token == token).cloned().ok_or(ApiError::unknown(Unknown::Webhook))?;
        if record.response.is_none() {
            // Discord knows the webhook only once the interaction was acknowledged.
            return Err(ApiError::unknown(Unknown::Webhook));
        }
        match endpoint {
            Endpoint::ExecuteWebhook => followup(w, &record, ctx.body(), ctx.files()),
            Endpoint::GetOriginal | Endpoint::UpdateOriginal | Endpoint::DeleteOriginal => {
                let message = original(&record).ok_or(ApiError::unknown(Unknown::Message))?;
                webhook_message(w, &record, endpoint, message, ctx, true)
            }
            _ => {
                let message = ctx.id("message_id")?;
                let own = record.webhook_messages.contains(&message) || original(&record) == Some(message);
                if !own {
                    return Err(ApiError::unknown(Unknown::Message));
                }
                webhook_message(w, &record, endpoint, message, ctx, false)
            }
        }
    })
}

/// The message `@original` means: the reply (type 4, or the deferred reply of type 5), or the
/// message a component sits on (types 6 and 7).
pub(crate) fn original(record: &InteractionRecord) -> Option<u64> {
    match record.response_type() {
        Some(4 | 5) => record.original_message,
        Some(6 | 7) => record.message,
        _ => None,
    }
}

/// Flags a bot may set on an interaction reply: ephemeral, suppress embeds, suppress
/// notifications, components v2.
const ALLOWED_REPLY_FLAGS: u64 = EPHEMERAL | (1 << 2) | (1 << 12) | (1 << 15);

fn invalid_type(message: &str) -> ApiError {
    ApiError::invalid_field(&["type"], "INTERACTION_RESPONSE_TYPE_INVALID", message)
}

fn callback(w: &mut World, id: u64, token: &str, ctx: &Ctx) -> Result<Reply, ApiError> {
    let record = w.interactions.get(&id).cloned().ok_or(ApiError::unknown(Unknown::Interaction))?;
    if record.token != token {
        return Err(ApiError::new(401, 50027, "Invalid Webhook Token"));
    }
    if record.response.is_some() {
        return Err(ApiError::bad_request(40060, "Interaction has already been acknowledged."));
    }
    let body = ctx.body();
    let kind = body.get("type").and_then(Value::as_u64).unwrap_or(0);
    let data = body.get("data").cloned().unwrap_or(Value::Null);
    let mut original_message = None;
    if (record.kind == InteractionKind::Autocomplete) != (kind == 8) {
        return Err(invalid_type("An autocomplete is answered with choices (type 8), and only it"));
    }
    match kind {
        8 => {
            let choices = data.get("choices").and_then(Value::as_array);
            if choices.is_none_or(|c| c.len() > 25) {
                return Err(ApiError::invalid_field(
                    &["data", "choices"],
                    "BASE_TYPE_MAX_LENGTH",
                    "Must be 25 or fewer in length.",
                ));
            }
        }
        4 => {
            messages::check_not_empty(&data, ctx.files())?;
            original_message = Some(post_reply(w, &record, &data, ctx.files(), reply_flags(&data)));
        }
        5 => {
            let flags = reply_flags(&data) & EPHEMERAL;
            original_message = Some(post_reply(w, &record, &Value::Null, &[], flags | LOADING));
        }
        6 | 7 => {
            let Some(message) = record.message else {
                return Err(invalid_type("Only interactions on a message can update it"));
            };
            if kind == 7 && !(data.is_null() && ctx.files().is_empty()) {
                messages::edit(w, message, &data, ctx.files())?;
            }
        }
        9 => {
            if record.kind == InteractionKind::ModalSubmit {
                return Err(invalid_type("A modal cannot open another modal"));
            }
            let Some(view) = ModalView::from_data(&data) else {
                return Err(invalid_type("Invalid modal"));
            };
            w.modals.retain(|m| !(m.user == record.user && m.view.custom_id == view.custom_id));
            w.modals.push(ShownModal {
                user: record.user,
                view,
                data: data.clone(),
                source_message: record.message,
                source_interaction: record.id,
            });
        }
        _ => return Err(invalid_type("This interaction response type is not valid here")),
    }
    if let Some(r) = w.interactions.get_mut(&id) {
        r.response = Some(body.clone());
        r.original_message = original_message;
        r.webhook_messages.extend(original_message);
    }
    if ctx.query("with_response") == Some("true") {
        let mut answer = json!({ "interaction": {
            "id": sf(id),
            "type": record.kind.discord_type(),
            "response_message_loading": kind == 5,
            "response_message_ephemeral": false,
        }});
        if let Some(m) = original_message {
            answer["interaction"]["response_message_id"] = sf(m);
            answer["resource"] = json!({ "type": kind, "message": messages::render(w, m)? });
        } else {
            answer["resource"] = json!({ "type": kind });
        }
        return Ok(Reply::ok(answer));
    }
    Ok(Reply::no_content())
}

/// The flags of a reply or followup body that a bot may set.
fn reply_flags(body: &Value) -> u64 {
    body.get("flags").and_then(Value::as_u64).unwrap_or(0) & ALLOWED_REPLY_FLAGS
}

/// Posts a message answering `record` through its webhook (a reply, a deferred reply or a
/// followup) with `files` and `flags`; returns its id.
fn post_reply(w: &mut World, record: &InteractionRecord, body: &Value, files: &[Upload], flags: u64) -> u64 {
    let mut message = messages::new_message(w, record.channel, w.bot_id, body, files);
    message.state.flags = flags;
    message.interaction = Some(metadata(w, record));
    message.webhook_id = Some(w.app_id);
    let id = message.state.id;
    messages::post(w, message);
    id
}

fn followup(w: &mut World, record: &InteractionRecord, body: &Value, files: &[Upload]) -> Result<Reply, ApiError> {
    messages::check_not_empty(body, files)?;
    let id = post_reply(w, record, body, files, reply_flags(body));
    if let Some(r) = w.interactions.get_mut(&record.id) {
        r.followups.push(body.clone());
        r.webhook_messages.push(id);
    }
    Ok(Reply::ok(messages::render(w, id)?))
}

fn webhook_message(
    w: &mut World,
    record: &InteractionRecord,
    endpoint: Endpoint,
    message: u64,
    ctx: &Ctx,
    is_original: bool,
) -> Result<Reply, ApiError> {
    let body = ctx.body();
    match endpoint {
        Endpoint::GetOriginal | Endpoint::GetWebhookMessage => Ok(Reply::ok(messages::render(w, message)?)),
        Endpoint::UpdateOriginal | Endpoint::UpdateWebhookMessage => {
            messages::edit(w, message, body, ctx.files())?;
            if is_original {
                if let Some(r) = w.interactions.get_mut(&record.id) {
                    r.original_edits.push(body.clone());
                }
            }
            Ok(Reply::ok(messages::render(w, message)?))
        }
        _ => {
            messages::render(w, message)?;
            messages::delete(w, message);
            Ok(Reply::no_content())
        }
    }
}
