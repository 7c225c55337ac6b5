//! Acting as a member: typing in a channel (with files attached), editing and deleting messages by hand, clicking a
//! button, choosing in a select, submitting a modal, running a slash command, deleting a channel by hand.
//!
//! The fake refuses what a real user could not do (a button that is not there, a modal that was
//! not shown, a channel the user cannot see): it records a violation and sends nothing.

use serde_json::{Value, json};

use super::FakeDiscord;
use super::interactions::{Interaction, InteractionKind, InteractionRecord, create_payload, modal_submit_components};
use super::payload::{self, sf};
use super::permissions::{self, ADMINISTRATOR, ATTACH_FILES, MANAGE_MESSAGES, SEND_MESSAGES, VIEW_CHANNEL};
use super::rest::{Upload, check_files, delete_channel, delete_message, edit_message, new_message, post_message};
use super::router::Endpoint;
use super::shared::lock;
use super::world::{ChannelKind, StoredMessage, World, json_id};

/// A refusal: what a real user could not do.
type Refusal = String;

/// Checks that `user` can see `channel` (guild channels) or is its recipient (DMs).
fn can_see(w: &World, channel: u64, user: u64) -> Result<(), Refusal> {
    let c = w.channels.get(&channel).ok_or_else(|| format!("channel {channel} does not exist"))?;
    match (c.kind, c.guild.and_then(|g| w.guilds.get(&g))) {
        (ChannelKind::Dm, _) if c.recipient == Some(user) => Ok(()),
        (ChannelKind::Dm, _) => Err(format!("user {user} is not in DM channel {channel}")),
        (_, Some(g)) if permissions::in_channel(g, c, user) & VIEW_CHANNEL != 0 => Ok(()),
        _ => Err(format!("user {user} cannot see channel {channel}")),
    }
}

/// Checks that `user` is a person: the bot posts, edits and deletes through the REST API, never by hand.
fn by_a_person(w: &World, user: u64) -> Result<(), Refusal> {
    if user == w.bot_id {
        return Err("the bot acts through the REST API, not by hand".to_string());
    }
    Ok(())
}

/// The media type Discord gives a file a person uploads, from its name (`None` when it cannot tell).
fn guess_media_type(filename: &str) -> Option<&'static str> {
    let extension = filename.rsplit_once('.')?.1.to_ascii_lowercase();
    Some(match extension.as_str() {
        "txt" | "log" => "text/plain; charset=utf-8",
        "html" | "htm" => "text/html; charset=utf-8",
        "csv" => "text/csv; charset=utf-8",
        "json" => "application/json",
        "pdf" => "application/pdf",
        "zip" => "application/zip",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "webp" => "image/webp",
        "mp4" => "video/mp4",
        _ => return None,
    })
}

/// Finds a component by `custom_id` in a message's components (any depth).
fn find_component<'a>(components: &'a Value, custom_id: &str) -> Option<&'a Value> {
    match components {
        Value::Array(items) => items.iter().find_map(|c| find_component(c, custom_id)),
        Value::Object(map) => {
            if map.get("custom_id").and_then(Value::as_str) == Some(custom_id) {
                return Some(components);
            }
            ["components", "component", "accessory"]
                .iter()
                .filter_map(|k| map.get(*k))
                .find_map(|c| find_component(c, custom_id))
        }
        _ => None,
    }
}

/// The message a component interaction is on (a channel message, or an ephemeral one the user
/// was shown).
fn component_message(w: &World, channel: u64, message: u64, user: u64) -> Result<&StoredMessage, Refusal> {
    if let Some(m) = w.messages.get(&message).filter(|m| m.state.channel == channel) {
        return Ok(m);
    }
    let seen_by_user =
        |m: &&StoredMessage| m.interaction.as_ref().and_then(|i| i.pointer("/user/id")).and_then(json_id) == Some(user);
    w.ephemeral
        .get(&message)
        .filter(|m| m.state.channel == channel)
        .filter(seen_by_user)
        .ok_or_else(|| format!("message {message} is not in channel {channel}"))
}

impl FakeDiscord {
    /// `author` types `content` in `channel` (MESSAGE_CREATE); returns the message id (0 when the
    /// author could not have posted there, see `violations()`).
    pub async fn send_message(&self, channel: u64, author: u64, content: &str) -> u64 {
        self.post_as_member("send_message", channel, author, content, Vec::new())
    }

    /// `author` posts `content` with `files` (name, bytes) attached in `channel`: MESSAGE_CREATE with the attachments
    /// (a file's media type guessed from its name, as Discord does). Returns the message id; 0 when the author could
    /// not have posted it (as for [`FakeDiscord::send_message`], and without Attach Files there, more than 10 files,
    /// one over 10 MiB, or nothing to post; see `violations()`).
    pub async fn send_message_with_attachments(
        &self,
        channel: u64,
        author: u64,
        content: &str,
        files: &[(&str, &[u8])],
    ) -> u64 {
        let what = "send_message_with_attachments";
        if let Err(refusal) = self.shared.read(|w| by_a_person(w, author)) {
            self.shared.violation(format!("{what} refused: {refusal}"));
            return 0;
        }
        if content.is_empty() && files.is_empty() {
            self.shared.violation(format!("{what} refused: nothing to post"));
            return 0;
        }
        let uploads: Vec<Upload> = (0u64..)
            .zip(files)
            .map(|(index, (name, data))| Upload {
                index: Some(index),
                filename: (*name).to_string(),
                content_type: guess_media_type(name).map(str::to_string),
                data: data.to_vec(),
            })
            .collect();
        if let Err(e) = check_files(Endpoint::CreateMessage, &uploads) {
            self.shared.violation(format!("{what} refused: Discord would not take these files: {}", e.body));
            return 0;
        }
        self.post_as_member(what, channel, author, content, uploads)
    }

    /// Posts a message of a member (the checks of Discord's client first); its id, or 0 and a violation.
    fn post_as_member(&self, what: &str, channel: u64, author: u64, content: &str, files: Vec<Upload>) -> u64 {
        let result = self.shared.mutate(|w| {
            can_see(w, channel, author)?;
            let c = w.channel(channel).map_err(|_| format!("channel {channel} does not exist"))?;
            if c.kind == ChannelKind::Category {
                return Err(format!("channel {channel} is a category"));
            }
            if let Some(g) = c.guild.and_then(|g| w.guilds.get(&g)) {
                let allowed = permissions::in_channel(g, c, author);
                if allowed & SEND_MESSAGES == 0 {
                    return Err(format!("user {author} may not send in channel {channel}"));
                }
                if !files.is_empty() && allowed & ATTACH_FILES == 0 {
                    return Err(format!("user {author} may not attach files in channel {channel}"));
                }
            }
            let message = new_message(w, channel, author, &json!({ "content": content }), &files);
            let id = message.state.id;
            post_message(w, message);
            Ok(id)
        });
        self.unless_refused(what, result).unwrap_or(0)
    }

    /// `author` edits their message `message` in `channel` to `content`, as in Discord's client: MESSAGE_UPDATE with
    /// the whole message (`edited_timestamp` set, `guild_id` and the author's `member` in a guild); its files stay.
    /// `false` when they could not have: not the message's author, a channel they cannot see, or an edit leaving the
    /// message with nothing to show (see `violations()`).
    pub async fn edit_message_by_hand(&self, channel: u64, message: u64, author: u64, content: &str) -> bool {
        let result = self.shared.mutate(|w| {
            by_a_person(w, author)?;
            can_see(w, channel, author)?;
            let m =
                w.message(channel, message).map_err(|_| format!("message {message} is not in channel {channel}"))?;
            if m.state.author != author {
                return Err(format!("user {author} did not write message {message}"));
            }
            let s = &m.state;
            let has_embeds = s.embeds.as_array().is_some_and(|e| !e.is_empty());
            if content.is_empty() && s.attachments.is_empty() && !has_embeds {
                return Err(format!("editing message {message} to nothing (Discord's client offers to delete it)"));
            }
            edit_message(w, message, &json!({ "content": content }), &[])
                .map_err(|e| format!("message {message} cannot be edited: {}", e.body))
        });
        self.unless_refused("edit_message_by_hand", result).is_some()
    }

    /// `user` deletes the message `message` in `channel` by hand (MESSAGE_DELETE with `id`, `channel_id` and, in a
    /// guild, `guild_id`): their own message, or in a guild channel anyone's when they have Manage Messages there.
    /// `false` when they could not have (see `violations()`).
    pub async fn delete_message_by_hand(&self, channel: u64, message: u64, user: u64) -> bool {
        let result = self.shared.mutate(|w| {
            by_a_person(w, user)?;
            can_see(w, channel, user)?;
            let m =
                w.message(channel, message).map_err(|_| format!("message {message} is not in channel {channel}"))?;
            if m.state.author != user {
                let c = w.channel(channel).map_err(|_| format!("channel {channel} does not exist"))?;
                let manages = c
                    .guild
                    .and_then(|g| w.guilds.get(&g))
                    .is_some_and(|g| permissions::in_channel(g, c, user) & MANAGE_MESSAGES != 0);
                if !manages {
                    return Err(format!("user {user} may not delete message {message} of someone else"));
                }
            }
            delete_message(w, message);
            Ok(())
        });
        self.unless_refused("delete_message_by_hand", result).is_some()
    }

    /// The result of an act, or `None` and a violation when no real user could have done it.
    fn unless_refused<T>(&self, what: &str, result: Result<T, Refusal>) -> Option<T> {
        result.map_err(|refusal| self.shared.violation(format!("{what} refused: {refusal}"))).ok()
    }

    /// `user` clicks the button `custom_id` on `message`; returns once the bot answered.
    pub async fn click_button(&self, channel: u64, message: u64, custom_id: &str, user: u64) -> Interaction {
        self.use_component(&BUTTON, channel, message, custom_id, user, |_| {
            Ok(json!({ "custom_id": custom_id, "component_type": 2 }))
        })
        .await
    }

    /// `user` chooses `values` in the string select `custom_id` on `message`.
    pub async fn choose(&self, channel: u64, message: u64, custom_id: &str, values: &[&str], user: u64) -> Interaction {
        self.use_component(&STRING_SELECT, channel, message, custom_id, user, |select| {
            let options: Vec<&str> = select
                .get("options")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(|o| o.get("value").and_then(Value::as_str))
                .collect();
            if let Some(v) = values.iter().find(|v| !options.contains(v)) {
                return Err(format!("{v:?} is not an option of select {custom_id:?}"));
            }
            let bound = |k: &str| select.get(k).and_then(Value::as_u64).unwrap_or(1);
            let count = values.len() as u64;
            if count < bound("min_values") || count > bound("max_values") {
                return Err(format!("{count} values chosen in select {custom_id:?}"));
            }
            Ok(json!({ "custom_id": custom_id, "component_type": 3, "values": values }))
        })
        .await
    }

    /// `user` uses the enabled component `custom_id` of `widget`'s type on `message`; `data`
    /// checks what the user does with it and gives the interaction's `data`.
    async fn use_component(
        &self,
        widget: &Widget,
        channel: u64,
        message: u64,
        custom_id: &str,
        user: u64,
        data: impl FnOnce(&Value) -> Result<Value, Refusal>,
    ) -> Interaction {
        let asked = Asked {
            what: widget.what,
            channel,
            user,
            message: Some(message),
            triggered_by: None,
            kind: InteractionKind::Component,
        };
        self.interact(asked, |w| {
            let m = component_message(w, channel, message, user)?;
            let noun = widget.noun;
            let component = find_component(&m.state.components, custom_id)
                .filter(|c| c.get("type").and_then(Value::as_u64) == Some(widget.kind))
                .ok_or_else(|| format!("no {noun} {custom_id:?} on message {message}"))?;
            if component.get("disabled").and_then(Value::as_bool) == Some(true) {
                return Err(format!("{noun} {custom_id:?} is disabled"));
            }
            data(component)
        })
        .await
    }

    /// `user` submits the modal `custom_id` the bot showed them, with `fields` as
    /// (text input `custom_id`, value); inputs not listed are sent empty.
    pub async fn submit_modal(&self, channel: u64, custom_id: &str, fields: &[(&str, &str)], user: u64) -> Interaction {
        let shown = {
            let w = lock(&self.shared.world);
            w.modals.iter().find(|m| m.user == user && m.view.custom_id == custom_id).cloned()
        };
        let Some(shown) = shown else {
            self.shared.violation(format!("submit_modal refused: no modal {custom_id:?} was shown to user {user}"));
            return Interaction::default();
        };
        let values: Vec<(String, String)> = fields.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        let asked = Asked {
            what: "submit_modal",
            channel,
            user,
            message: shown.source_message,
            triggered_by: Some(shown.source_interaction),
            kind: InteractionKind::ModalSubmit,
        };
        self.interact(asked, |w| {
            for (k, _) in &values {
                if !shown.view.inputs.iter().any(|i| &i.custom_id == k) {
                    return Err(format!("modal {custom_id:?} has no input {k:?}"));
                }
            }
            for input in &shown.view.inputs {
                let value = values.iter().find(|(k, _)| *k == input.custom_id).map_or("", |(_, v)| v);
                let len = u32::try_from(value.chars().count()).unwrap_or(u32::MAX);
                if input.required && value.is_empty() {
                    return Err(format!("required input {:?} left empty", input.custom_id));
                }
                let too_long = input.max_length.is_some_and(|m| len > m);
                let too_short = !value.is_empty() && input.min_length.is_some_and(|m| len < m);
                if too_long || too_short {
                    return Err(format!("input {:?} has {len} characters", input.custom_id));
                }
            }
            w.modals.retain(|m| !(m.user == user && m.view.custom_id == custom_id));
            Ok(json!({
                "custom_id": custom_id,
                "components": modal_submit_components(&shown.data, &values),
            }))
        })
        .await
    }

    /// `user` runs the slash command `name` in `channel` of `guild` with Discord's `options` array
    /// (subcommands nest as on Discord; user, role and channel values get `resolved` data).
    pub async fn run_command(&self, guild: u64, channel: u64, user: u64, name: &str, options: Value) -> Interaction {
        self.command_interaction(guild, channel, user, name, options, InteractionKind::Command).await
    }

    /// `user` types in an option of the slash command `name` that has `autocomplete`: Discord sends an
    /// APPLICATION_COMMAND_AUTOCOMPLETE interaction (type 4) with the options so far, the one being typed marked
    /// `"focused": true`, and the bot answers with up to 25 choices (callback type 8, read with
    /// [`Interaction::choices`]).
    pub async fn autocomplete(&self, guild: u64, channel: u64, user: u64, name: &str, options: Value) -> Interaction {
        self.command_interaction(guild, channel, user, name, options, InteractionKind::Autocomplete).await
    }

    async fn command_interaction(
        &self,
        guild: u64,
        channel: u64,
        user: u64,
        name: &str,
        options: Value,
        kind: InteractionKind,
    ) -> Interaction {
        let what = if kind == InteractionKind::Command { "run_command" } else { "autocomplete" };
        let asked = Asked { what, channel, user, message: None, triggered_by: None, kind };
        self.interact(asked, |w| {
            let c = w.channels.get(&channel).ok_or_else(|| format!("channel {channel} does not exist"))?;
            if c.guild != Some(guild) {
                return Err(format!("channel {channel} is not in guild {guild}"));
            }
            let command = w
                .commands
                .iter()
                .filter(|c| c.guild.is_none_or(|g| g == guild))
                .find(|c| {
                    c.body.get("name").and_then(Value::as_str) == Some(name)
                        && c.body.get("type").and_then(Value::as_u64).unwrap_or(1) == 1
                })
                .ok_or_else(|| format!("no slash command {name:?} is registered for guild {guild}"))?;
            if let Some(g) = w.guilds.get(&guild) {
                let needed = permissions::from_json(command.body.get("default_member_permissions"));
                let has = permissions::base(g, user);
                if needed != 0 && has & ADMINISTRATOR == 0 && has & needed != needed {
                    return Err(format!("user {user} cannot see /{name} (default_member_permissions)"));
                }
            }
            let options = normalize_options(&options);
            check_options(command.body.get("options"), &options, name)?;
            let mut data = json!({
                "id": sf(command.id),
                "name": name,
                "type": 1,
                "guild_id": sf(guild),
                "options": options,
            });
            let resolved = resolve(w, guild, &data["options"]);
            if resolved.as_object().is_some_and(|r| !r.is_empty()) {
                data["resolved"] = resolved;
            }
            Ok(data)
        })
        .await
    }

    /// Deletes a channel as a person would in Discord's client (CHANNEL_DELETE; children of a
    /// category lose their parent).
    pub async fn delete_channel_by_hand(&self, channel: u64) {
        self.shared.mutate(|w| delete_channel(w, channel, true));
    }

    /// Sends an interaction built by `build` and waits for the bot's answer.
    async fn interact(
        &self,
        asked: Asked<'_>,
        build: impl FnOnce(&mut World) -> Result<Value, Refusal>,
    ) -> Interaction {
        let Asked { what, channel, user, message, triggered_by, kind } = asked;
        if !self.shared.hub.connected() {
            self.shared.violation(format!("{what} refused: no bot is connected to the gateway"));
            return Interaction::default();
        }
        let sent = self.shared.mutate(|w| {
            can_see(w, channel, user)?;
            let guild = w.channels.get(&channel).and_then(|c| c.guild);
            if let Some(g) = guild {
                if w.member(g, user).is_err() {
                    return Err(format!("user {user} is not a member of guild {g}"));
                }
            }
            let data = build(w)?;
            let id = w.ids.next();
            let record = InteractionRecord {
                id,
                token: format!("sim-interaction-token.{id:x}"),
                kind,
                guild,
                channel,
                user,
                message,
                triggered_by,
                response: None,
                followups: Vec::new(),
                original_edits: Vec::new(),
                original_message: None,
                webhook_messages: Vec::new(),
            };
            let payload = create_payload(w, &record, data);
            w.interactions.insert(id, record);
            w.emit("INTERACTION_CREATE", payload);
            Ok(id)
        });
        let id = match sent {
            Ok(id) => id,
            Err(refusal) => {
                self.shared.violation(format!("{what} refused: {refusal}"));
                return Interaction::default();
            }
        };
        let timeout = *lock(&self.shared.reply_timeout);
        self.wait_for(timeout, |fake| {
            fake.shared.read(|w| w.interactions.get(&id).is_none_or(InteractionRecord::settled))
        })
        .await;
        self.interaction(id).unwrap_or_default()
    }
}

/// Snowflake-valued options (user 6, channel 7, role 8, mentionable 9) as strings, as Discord
/// sends them.
fn normalize_options(options: &Value) -> Value {
    let mut options = match options {
        Value::Array(_) => options.clone(),
        _ => json!([]),
    };
    if let Value::Array(items) = &mut options {
        for o in items.iter_mut() {
            let kind = o.get("type").and_then(Value::as_u64).unwrap_or(0);
            if (6..=9).contains(&kind) {
                if let Some(id) = o.get("value").and_then(json_id) {
                    o["value"] = sf(id);
                }
            }
            if let Some(nested) = o.get("options") {
                o["options"] = normalize_options(nested);
            }
        }
    }
    options
}

/// Checks sent options against the registered definition: known names, matching types, required
/// options present.
fn check_options(defined: Option<&Value>, sent: &Value, at: &str) -> Result<(), Refusal> {
    let defined: &[Value] = defined.and_then(Value::as_array).map_or(&[], Vec::as_slice);
    let sent: &[Value] = sent.as_array().map_or(&[], Vec::as_slice);
    for o in sent {
        let name = o.get("name").and_then(Value::as_str).unwrap_or_default();
        let def = defined
            .iter()
            .find(|d| d.get("name").and_then(Value::as_str) == Some(name))
            .ok_or_else(|| format!("/{at} has no option {name:?}"))?;
        if def.get("type") != o.get("type") {
            return Err(format!("option {name:?} of /{at} has another type"));
        }
        if o.get("options").is_some() {
            check_options(def.get("options"), &o["options"], &format!("{at} {name}"))?;
        }
    }
    for d in defined {
        let required = d.get("required").and_then(Value::as_bool) == Some(true);
        let name = d.get("name").and_then(Value::as_str).unwrap_or_default();
        if required && !sent.iter().any(|o| o.get("name").and_then(Value::as_str) == Some(name)) {
            return Err(format!("required option {name:?} of /{at} missing"));
        }
    }
    Ok(())
}

/// The `resolved` data for user, role and channel options (any depth).
fn resolve(w: &World, guild: u64, options: &Value) -> Value {
    let mut resolved = json!({});
    let mut stack: Vec<&Value> = vec![options];
    while let Some(Value::Array(items)) = stack.pop() {
        for o in items {
            if let Some(nested) = o.get("options") {
                stack.push(nested);
            }
            let kind = o.get("type").and_then(Value::as_u64).unwrap_or(0);
            let Some(id) = o.get("value").and_then(json_id) else {
                continue;
            };
            let key = id.to_string();
            if matches!(kind, 6 | 9) && w.users.contains_key(&id) {
                resolved["users"][&key] = payload::user_by_id(w, id);
                if let Ok(m) = w.member(guild, id) {
                    resolved["members"][&key] = payload::partial_member(w, m);
                }
            }
            if matches!(kind, 8 | 9) {
                if let Some(r) = w.guilds.get(&guild).and_then(|g| g.roles.get(&id)) {
                    resolved["roles"][&key] = payload::role(r, w.bot_id);
                }
            }
            if kind == 7 {
                if let Some(c) = w.channels.get(&id) {
                    let perms = permissions::for_channel(w.guilds.get(&guild), c, w.bot_id);
                    resolved["channels"][&key] = json!({
                        "id": sf(id),
                        "type": c.kind.discord_type(),
                        "name": c.name,
                        "permissions": perms.to_string(),
                        "parent_id": c.parent.map_or(Value::Null, sf),
                    });
                }
            }
        }
    }
    resolved
}

/// A kind of message component a user can use.
struct Widget {
    /// The test API call, for violation messages.
    what: &'static str,
    /// Discord's component type.
    kind: u64,
    /// What refusals call it.
    noun: &'static str,
}

const BUTTON: Widget = Widget { what: "click_button", kind: 2, noun: "button" };
const STRING_SELECT: Widget = Widget { what: "choose", kind: 3, noun: "string select" };

/// Who asks what of the bot, for [`FakeDiscord::interact`].
struct Asked<'a> {
    /// The test API call, for violation messages.
    what: &'a str,
    channel: u64,
    user: u64,
    /// The message a component sits on.
    message: Option<u64>,
    /// For a modal submit: the interaction that showed the modal.
    triggered_by: Option<u64>,
    kind: InteractionKind,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn options_are_checked_against_the_definition() {
        let defined = json!([
            {"type": 1, "name": "set", "description": "d", "options": [
                {"type": 6, "name": "user", "description": "d", "required": true}
            ]}
        ]);
        let ok = json!([{"type": 1, "name": "set", "options": [{"type": 6, "name": "user", "value": "5"}]}]);
        assert_eq!(check_options(Some(&defined), &ok, "admin"), Ok(()));
        let missing = json!([{"type": 1, "name": "set", "options": []}]);
        assert!(check_options(Some(&defined), &missing, "admin").is_err());
        let unknown = json!([{"type": 3, "name": "nope", "value": "x"}]);
        assert!(check_options(Some(&defined), &unknown, "admin").is_err());
    }

    #[test]
    fn snowflake_options_become_strings() {
        let out = normalize_options(&json!([{"type": 6, "name": "u", "value": 42}]));
        assert_eq!(out[0]["value"], "42");
    }

    #[test]
    fn components_are_found_at_any_depth() {
        let rows = json!([{"type": 1, "components": [{"type": 2, "custom_id": "a"}]}]);
        assert!(find_component(&rows, "a").is_some());
        assert!(find_component(&rows, "b").is_none());
    }
}
