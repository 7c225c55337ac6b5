//! Interactions: what a test sees of the bot's answer ([`Interaction`], [`ModalView`]), what the
//! fake remembers about each interaction, and the INTERACTION_CREATE payloads.

use serde_json::{Value, json};

use super::payload::{self, sf};
use super::permissions;
use super::world::{ChannelState, World};

/// Discord's interaction types the fake sends.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum InteractionKind {
    /// A slash command (type 2).
    Command,
    /// A button click or select choice (type 3).
    Component,
    /// A modal submission (type 5).
    ModalSubmit,
    /// An option being typed that has `autocomplete` (type 4).
    Autocomplete,
}

impl InteractionKind {
    pub fn discord_type(self) -> u64 {
        match self {
            InteractionKind::Command => 2,
            InteractionKind::Component => 3,
            InteractionKind::ModalSubmit => 5,
            InteractionKind::Autocomplete => 4,
        }
    }
}

/// What the fake remembers about one interaction it sent.
#[derive(Clone, Debug)]
pub(crate) struct InteractionRecord {
    pub id: u64,
    pub token: String,
    pub kind: InteractionKind,
    pub guild: Option<u64>,
    pub channel: u64,
    pub user: u64,
    /// The message a component sits on.
    pub message: Option<u64>,
    /// For a modal submit: the interaction that showed the modal.
    pub triggered_by: Option<u64>,
    /// The callback body (`{type, data}`), once the bot answered.
    pub response: Option<Value>,
    /// Bodies of followup messages.
    pub followups: Vec<Value>,
    /// Bodies of edits to the original response.
    pub original_edits: Vec<Value>,
    /// The message that is the original response (type 4, or a deferred reply once edited).
    pub original_message: Option<u64>,
    /// Messages the bot posted through this interaction's webhook (original and followups).
    pub webhook_messages: Vec<u64>,
}

impl InteractionRecord {
    /// The callback type the bot answered with.
    pub fn response_type(&self) -> Option<u64> {
        self.response.as_ref().and_then(|r| r.get("type")).and_then(Value::as_u64)
    }

    /// Whether a test waiting for the bot's answer can stop waiting: the bot answered, and a
    /// deferred reply (type 5) was followed by its content.
    pub fn settled(&self) -> bool {
        match self.response_type() {
            None => false,
            Some(5) => !self.followups.is_empty() || !self.original_edits.is_empty(),
            Some(_) => true,
        }
    }

    /// The public view.
    pub fn view(&self) -> Interaction {
        Interaction {
            id: self.id,
            response: self.response.clone(),
            followups: self.followups.clone(),
            original_edits: self.original_edits.clone(),
        }
    }
}

/// A modal the bot showed to a user (kept until the user submits it).
#[derive(Clone, Debug)]
pub(crate) struct ShownModal {
    pub user: u64,
    pub view: ModalView,
    /// The modal's callback data as the bot sent it (its layout is mirrored on submit).
    pub data: Value,
    /// The message whose component opened the modal (a submit then carries that message).
    pub source_message: Option<u64>,
    /// The interaction the modal answered (a submit's `triggering_interaction_metadata`).
    pub source_interaction: u64,
}

/// What the bot answered to an interaction a test sent.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Interaction {
    /// The interaction id (0 when the fake refused to send it; see `violations()`).
    pub id: u64,
    /// The callback body (`{"type": …, "data": …}`), `None` if the bot did not answer in time.
    pub response: Option<Value>,
    /// Bodies of followup messages (`POST /webhooks/{app}/{token}`), in order.
    pub followups: Vec<Value>,
    /// Bodies of edits to the original response (`PATCH …/messages/@original`), in order. Files uploaded with them
    /// are read with [`super::FakeDiscord::response_attachments`].
    pub original_edits: Vec<Value>,
}

impl Interaction {
    /// The callback type (4 message, 5 deferred, 6 deferred update, 7 update, 9 modal).
    pub fn response_type(&self) -> Option<u64> {
        self.response.as_ref().and_then(|r| r.get("type")).and_then(Value::as_u64)
    }

    /// The choices the bot offered for an autocomplete (callback type 8), as `(name, value)`.
    pub fn choices(&self) -> Option<Vec<(String, String)>> {
        if self.response_type() != Some(8) {
            return None;
        }
        let choices = self.response.as_ref()?.get("data")?.get("choices")?.as_array()?;
        let text = |c: &Value, key: &str| match c.get(key) {
            Some(Value::String(s)) => s.clone(),
            Some(other) => other.to_string(),
            None => String::new(),
        };
        Some(choices.iter().map(|c| (text(c, "name"), text(c, "value"))).collect())
    }

    /// The modal the bot opened (callback type 9).
    pub fn modal(&self) -> Option<ModalView> {
        if self.response_type() != Some(9) {
            return None;
        }
        ModalView::from_data(self.response.as_ref()?.get("data")?)
    }

    /// The text the user sees as the answer: the content of a type-4 reply; otherwise (deferred
    /// flows) of the last edit of the original response that has content, else of the first
    /// followup that has content.
    pub fn reply_text(&self) -> Option<String> {
        let content = |v: &Value| v.get("content").and_then(Value::as_str).map(str::to_string);
        if self.response_type() == Some(4) {
            return self.response.as_ref().and_then(|r| r.get("data")).and_then(content);
        }
        self.original_edits.iter().rev().find_map(content).or_else(|| self.followups.iter().find_map(content))
    }

    /// Whether the answer is only visible to the user (flag 64 on the reply, on the deferred
    /// reply, or on the first followup).
    pub fn is_ephemeral(&self) -> bool {
        let flags = |v: &Value| v.get("flags").and_then(Value::as_u64).unwrap_or(0);
        let data = self.response.as_ref().and_then(|r| r.get("data"));
        match (self.response_type(), data) {
            (Some(4 | 5), Some(data)) => flags(data) & 64 != 0,
            (Some(4 | 5), None) => false,
            _ => self.followups.first().is_some_and(|f| flags(f) & 64 != 0),
        }
    }
}

/// A modal as the bot defined it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ModalView {
    /// The modal's `custom_id`.
    pub custom_id: String,
    /// The title.
    pub title: String,
    /// The text inputs, in order.
    pub inputs: Vec<ModalInput>,
}

/// One text input of a modal.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ModalInput {
    /// The input's `custom_id`.
    pub custom_id: String,
    /// The label (of the input, or of the label component around it).
    pub label: String,
    /// 1 = short, 2 = paragraph.
    pub style: u8,
    /// Whether the user must fill it (Discord's default is true).
    pub required: bool,
    /// Minimum length, if set.
    pub min_length: Option<u32>,
    /// Maximum length, if set.
    pub max_length: Option<u32>,
    /// The prefilled value, if any.
    pub value: Option<String>,
}

impl ModalView {
    /// Reads a modal from callback data: action rows of text inputs (what serenity 0.12 sends) or
    /// label components around text inputs (Discord's newer form).
    pub(crate) fn from_data(data: &Value) -> Option<ModalView> {
        let mut inputs = Vec::new();
        for top in data.get("components")?.as_array()? {
            match top.get("type").and_then(Value::as_u64) {
                Some(1) => {
                    for c in top.get("components").and_then(Value::as_array)? {
                        inputs.push(ModalInput::from_component(c, None)?);
                    }
                }
                Some(18) => {
                    let label = top.get("label").and_then(Value::as_str);
                    let c = top.get("component")?;
                    if c.get("type").and_then(Value::as_u64) == Some(4) {
                        inputs.push(ModalInput::from_component(c, label)?);
                    }
                }
                _ => {}
            }
        }
        Some(ModalView {
            custom_id: data.get("custom_id")?.as_str()?.to_string(),
            title: data.get("title").and_then(Value::as_str).unwrap_or_default().to_string(),
            inputs,
        })
    }
}

impl ModalInput {
    fn from_component(c: &Value, label: Option<&str>) -> Option<ModalInput> {
        let number = |k: &str| c.get(k).and_then(Value::as_u64).and_then(|n| u32::try_from(n).ok());
        Some(ModalInput {
            custom_id: c.get("custom_id")?.as_str()?.to_string(),
            label: label.or_else(|| c.get("label").and_then(Value::as_str)).unwrap_or_default().to_string(),
            style: c.get("style").and_then(Value::as_u64).and_then(|s| u8::try_from(s).ok()).unwrap_or(1),
            required: c.get("required").and_then(Value::as_bool).unwrap_or(true),
            min_length: number("min_length"),
            max_length: number("max_length"),
            value: c.get("value").and_then(Value::as_str).map(str::to_string),
        })
    }
}

/// The submitted form of a modal, mirroring its layout (rows or labels) with the user's values.
pub(crate) fn modal_submit_components(data: &Value, values: &[(String, String)]) -> Value {
    let value_of = |id: &str| values.iter().find(|(k, _)| k == id).map_or(String::new(), |(_, v)| v.clone());
    let input = |c: &Value, id_hint: u64| {
        let id = c.get("custom_id").and_then(Value::as_str).unwrap_or_default();
        json!({
            "type": 4,
            "id": c.get("id").and_then(Value::as_u64).unwrap_or(id_hint),
            "custom_id": id,
            "value": value_of(id),
        })
    };
    let mut next_id = 1;
    let mut out = Vec::new();
    for top in data.get("components").and_then(Value::as_array).into_iter().flatten() {
        let top_id = next_id;
        next_id += 1;
        match top.get("type").and_then(Value::as_u64) {
            Some(1) => {
                let mut row = Vec::new();
                for c in top.get("components").and_then(Value::as_array).into_iter().flatten() {
                    row.push(input(c, next_id));
                    next_id += 1;
                }
                out.push(json!({"type": 1, "id": top_id, "components": row}));
            }
            Some(18) => {
                if let Some(c) = top.get("component") {
                    out.push(json!({"type": 18, "id": top_id, "component": input(c, next_id)}));
                    next_id += 1;
                }
            }
            _ => {}
        }
    }
    Value::Array(out)
}

/// The partial channel object interactions carry.
fn partial_channel(world: &World, channel: &ChannelState, user: u64) -> Value {
    let guild = channel.guild.and_then(|g| world.guilds.get(&g));
    let mut v = json!({
        "id": sf(channel.id),
        "type": channel.kind.discord_type(),
        "permissions": permissions::for_channel(guild, channel, user).to_string(),
        "flags": 0,
    });
    if let Some(g) = channel.guild {
        v["guild_id"] = sf(g);
        v["name"] = json!(channel.name);
        v["parent_id"] = channel.parent.map_or(Value::Null, sf);
    }
    v
}

/// The INTERACTION_CREATE data for `record` with interaction-specific `data` (and, for
/// components, the message).
pub(crate) fn create_payload(world: &World, record: &InteractionRecord, data: Value) -> Value {
    let channel = world.channels.get(&record.channel);
    let guild = record.guild.and_then(|g| world.guilds.get(&g));
    let mut v = json!({
        "id": sf(record.id),
        "application_id": sf(world.app_id),
        "type": record.kind.discord_type(),
        "data": data,
        "channel_id": sf(record.channel),
        "token": record.token,
        "version": 1,
        "locale": "en-US",
        "entitlements": [],
        "attachment_size_limit": 26_214_400,
    });
    if let Some(c) = channel {
        v["channel"] = partial_channel(world, c, record.user);
        let app = permissions::for_channel(guild, c, world.bot_id);
        v["app_permissions"] = json!(app.to_string());
    }
    match (guild, channel) {
        (Some(g), Some(c)) => {
            v["guild_id"] = sf(g.id);
            v["guild_locale"] = json!("en-US");
            v["context"] = json!(0);
            v["authorizing_integration_owners"] = json!({ "0": sf(g.id) });
            if let Some(m) = g.members.get(&record.user) {
                let mut member = payload::member(world, m);
                member["permissions"] = json!(permissions::in_channel(g, c, record.user).to_string());
                v["member"] = member;
            }
        }
        _ => {
            v["user"] = payload::user_by_id(world, record.user);
            v["context"] = json!(1);
            v["authorizing_integration_owners"] = json!({ "0": "0" });
        }
    }
    if let Some(m) = record.message.and_then(|id| world.messages.get(&id)) {
        v["message"] = payload::message(world, m, false);
    }
    v
}

/// The `interaction_metadata` of a message that answers `record`.
pub(crate) fn metadata(world: &World, record: &InteractionRecord) -> Value {
    let mut v = json!({
        "id": sf(record.id),
        "type": record.kind.discord_type(),
        "user": payload::user_by_id(world, record.user),
        "authorizing_integration_owners": match record.guild {
            Some(g) => json!({ "0": sf(g) }),
            None => json!({ "0": "0" }),
        },
    });
    if let (InteractionKind::Component, Some(m)) = (record.kind, record.message) {
        v["interacted_message_id"] = sf(m);
    }
    if record.kind == InteractionKind::ModalSubmit {
        if let Some(trigger) = record.triggered_by.and_then(|t| world.interactions.get(&t)) {
            v["triggering_interaction_metadata"] = metadata(world, trigger);
        }
    }
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answered(response: Value) -> Interaction {
        Interaction { id: 1, response: Some(response), ..Interaction::default() }
    }

    #[test]
    fn reply_text_and_ephemeral_of_a_message_reply() {
        let i = answered(json!({"type": 4, "data": {"content": "hi", "flags": 64}}));
        assert_eq!(i.reply_text().as_deref(), Some("hi"));
        assert!(i.is_ephemeral());
        assert_eq!(i.modal(), None);
    }

    #[test]
    fn deferred_replies_read_their_followups() {
        let mut i = answered(json!({"type": 5, "data": {"flags": 64}}));
        assert_eq!(i.reply_text(), None);
        i.followups.push(json!({"content": "later"}));
        assert_eq!(i.reply_text().as_deref(), Some("later"));
        i.original_edits.push(json!({"content": "edited"}));
        assert_eq!(i.reply_text().as_deref(), Some("edited"));
        assert!(i.is_ephemeral());
    }

    #[test]
    fn modals_read_rows_and_labels() {
        let data = json!({"custom_id": "m", "title": "T", "components": [
            {"type": 1, "components": [{"type": 4, "custom_id": "a", "label": "A", "style": 2, "max_length": 10}]},
            {"type": 18, "label": "B", "component": {"type": 4, "custom_id": "b", "style": 1, "required": false}}
        ]});
        let i = answered(json!({"type": 9, "data": data}));
        let modal = i.modal().unwrap_or_default();
        assert_eq!(modal.custom_id, "m");
        assert_eq!(modal.inputs.len(), 2);
        assert_eq!(modal.inputs[0].max_length, Some(10));
        assert!(modal.inputs[0].required);
        assert_eq!(modal.inputs[1].label, "B");
        assert!(!modal.inputs[1].required);
        let submitted = modal_submit_components(&data, &[("a".into(), "x".into())]);
        assert_eq!(submitted[0]["components"][0]["value"], "x");
        assert_eq!(submitted[1]["component"]["value"], "");
    }
}
