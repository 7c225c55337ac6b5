//! Channels: read, edit (name, topic, parent, overwrites), delete, permission overwrites, typing,
//! and opening DMs.

use serde_json::Value;

use super::{Ctx, Reply};
use crate::sim::errors::{ApiError, Unknown};
use crate::sim::payload;
use crate::sim::permissions::{self, MANAGE_CHANNELS, MANAGE_ROLES, SEND_MESSAGES, VIEW_CHANNEL};
use crate::sim::router::Endpoint;
use crate::sim::shared::Shared;
use crate::sim::world::{ChannelKind, ChannelState, OverwriteKind, OverwriteState, World, json_id};

/// Maximum channels in one category.
pub(crate) const MAX_PER_CATEGORY: usize = 50;
/// Maximum characters of a text channel's topic.
const MAX_TOPIC: usize = 1024;

pub(super) fn handle(shared: &Shared, endpoint: Endpoint, ctx: &Ctx) -> Result<Reply, ApiError> {
    if endpoint == Endpoint::CreateDm {
        return create_dm(shared, ctx);
    }
    let id = ctx.id("channel_id")?;
    match endpoint {
        Endpoint::GetChannel => shared.read(|w| {
            let c = w.channel(id)?;
            require(w, c, VIEW_CHANNEL, ApiError::missing_access())?;
            Ok(Reply::ok(payload::channel(w, c)))
        }),
        Endpoint::UpdateChannel => shared.mutate(|w| update(w, id, ctx.body())),
        Endpoint::DeleteChannel => shared.mutate(|w| {
            let c = w.channel(id)?;
            // The bot may always close a DM, and closing one sends no CHANNEL_DELETE.
            let announce = c.kind != ChannelKind::Dm;
            if announce {
                require(w, c, VIEW_CHANNEL, ApiError::missing_access())?;
                require(w, c, MANAGE_CHANNELS, ApiError::missing_permissions())?;
            }
            let before = delete(w, id, announce).ok_or(ApiError::unknown(Unknown::Channel))?;
            Ok(Reply::ok(before))
        }),
        Endpoint::PutOverwrite => shared.mutate(|w| put_overwrite(w, id, ctx)),
        Endpoint::DeleteOverwrite => shared.mutate(|w| {
            let target = ctx.id("overwrite_id")?;
            let (c, _) = guild_channel(w, id)?;
            require(w, c, VIEW_CHANNEL, ApiError::missing_access())?;
            require(w, c, MANAGE_ROLES, ApiError::missing_permissions())?;
            let channel = w.channels.get_mut(&id).ok_or(ApiError::unknown(Unknown::Channel))?;
            let before = channel.overwrites.len();
            channel.overwrites.retain(|o| o.id != target);
            if channel.overwrites.len() == before {
                return Err(ApiError::unknown(Unknown::Overwrite));
            }
            emit_update(w, id);
            Ok(Reply::no_content())
        }),
        _ => shared.read(|w| {
            let c = w.channel(id)?;
            require(w, c, VIEW_CHANNEL, ApiError::missing_access())?;
            require(w, c, SEND_MESSAGES, ApiError::missing_permissions())?;
            Ok(Reply::no_content())
        }),
    }
}

/// The bot's permissions in a channel.
pub(super) fn bot_permissions(w: &World, c: &ChannelState) -> u64 {
    let guild = c.guild.and_then(|g| w.guilds.get(&g));
    permissions::for_channel(guild, c, w.bot_id)
}

/// Fails with `error` unless the bot has `bits` in the channel.
pub(super) fn require(w: &World, c: &ChannelState, bits: u64, error: ApiError) -> Result<(), ApiError> {
    if bot_permissions(w, c) & bits == bits { Ok(()) } else { Err(error) }
}

/// A guild channel and its guild (a DM is the wrong channel type).
fn guild_channel(w: &World, id: u64) -> Result<(&ChannelState, u64), ApiError> {
    let c = w.channel(id)?;
    let guild = c.guild.ok_or_else(|| ApiError::bad_request(50024, "Cannot execute action on this channel type"))?;
    Ok((c, guild))
}

/// Queues CHANNEL_UPDATE for a channel.
pub(crate) fn emit_update(w: &mut World, id: u64) {
    if let Some(c) = w.channels.get(&id) {
        let data = payload::channel(w, c);
        w.emit("CHANNEL_UPDATE", data);
    }
}

/// Removes a channel and its messages, queueing CHANNEL_DELETE (when `announce`) and then
/// CHANNEL_UPDATE for each child that lost its category. Returns the channel as it was.
pub(crate) fn delete(w: &mut World, id: u64, announce: bool) -> Option<Value> {
    let before = payload::channel(w, w.channels.get(&id)?);
    let (_, orphans) = w.remove_channel(id)?;
    if announce {
        w.emit("CHANNEL_DELETE", before.clone());
    }
    for orphan in orphans {
        emit_update(w, orphan);
    }
    Some(before)
}

/// Discord's form of a channel name: text channels are lowercase with dashes for spaces.
pub(super) fn normalize_name(kind: ChannelKind, name: &str) -> String {
    match kind {
        ChannelKind::Text => name.trim().to_lowercase().split_whitespace().collect::<Vec<_>>().join("-"),
        _ => name.trim().to_string(),
    }
}

/// Reads one overwrite (`{id, type, allow, deny}`); without `type`, an id that is a role of the
/// guild is a role overwrite.
pub(super) fn parse_overwrite(
    w: &World,
    guild: u64,
    id: u64,
    value: &Value,
    at: &str,
) -> Result<OverwriteState, ApiError> {
    let g = w.guild(guild)?;
    let kind = match value.get("type").and_then(json_id) {
        Some(0) => OverwriteKind::Role,
        Some(1) => OverwriteKind::Member,
        None if g.roles.contains_key(&id) => OverwriteKind::Role,
        None => OverwriteKind::Member,
        Some(_) => {
            return Err(ApiError::invalid_field(&[at, "type"], "BASE_TYPE_CHOICES", "Value must be one of {0, 1}."));
        }
    };
    let known = match kind {
        OverwriteKind::Role => g.roles.contains_key(&id),
        OverwriteKind::Member => w.users.contains_key(&id),
    };
    if !known {
        return Err(ApiError::invalid_field(&[at, "id"], "UNKNOWN_OVERWRITE_TARGET", "Unknown role or user."));
    }
    let bits = |key: &str| permissions::from_json(value.get(key));
    Ok(OverwriteState { id, kind, allow: bits("allow"), deny: bits("deny") })
}

/// Reads a `permission_overwrites` list (see [`parse_overwrite`]); errors name the item.
pub(super) fn parse_overwrites(w: &World, guild: u64, list: &[Value]) -> Result<Vec<OverwriteState>, ApiError> {
    list.iter()
        .enumerate()
        .map(|(i, o)| {
            let target = o.get("id").and_then(json_id).unwrap_or(0);
            parse_overwrite(w, guild, target, o, &i.to_string())
        })
        .collect()
}

/// Discord's rule for setting overwrites: the bot needs MANAGE_ROLES, and may only allow or deny
/// permissions it has itself in the guild (or in the parent category), unless an overwrite in the
/// channel gives it MANAGE_ROLES.
pub(super) fn check_overwrite_bits(
    w: &World,
    guild: u64,
    channel: Option<&ChannelState>,
    parent: Option<u64>,
    overwrites: &[OverwriteState],
) -> Result<(), ApiError> {
    let g = w.guild(guild)?;
    let base = permissions::base(g, w.bot_id);
    let context = match (channel, parent.and_then(|p| w.channels.get(&p))) {
        (Some(c), _) => permissions::in_channel(g, c, w.bot_id),
        (None, Some(p)) => permissions::in_channel(g, p, w.bot_id),
        (None, None) => base,
    };
    if context & MANAGE_ROLES == 0 {
        return Err(ApiError::missing_permissions());
    }
    let explicit_manage_roles = channel.is_some_and(|c| {
        let roles: &[u64] = g.members.get(&w.bot_id).map_or(&[], |m| m.roles.as_slice());
        c.overwrites.iter().any(|o| {
            o.allow & MANAGE_ROLES != 0
                && match o.kind {
                    OverwriteKind::Member => o.id == w.bot_id,
                    OverwriteKind::Role => roles.contains(&o.id),
                }
        })
    });
    let own = base | context;
    if own == permissions::all() || explicit_manage_roles {
        return Ok(());
    }
    if overwrites.iter().any(|o| (o.allow | o.deny) & !own != 0) {
        return Err(ApiError::missing_permissions());
    }
    Ok(())
}

fn update(w: &mut World, id: u64, body: &Value) -> Result<Reply, ApiError> {
    let (c, guild) = guild_channel(w, id)?;
    let c = c.clone();
    require(w, &c, VIEW_CHANNEL, ApiError::missing_access())?;
    require(w, &c, MANAGE_CHANNELS, ApiError::missing_permissions())?;
    let mut next = c.clone();
    if let Some(name) = body.get("name").and_then(Value::as_str) {
        next.name = normalize_name(c.kind, name);
    }
    if let Some(topic) = body.get("topic") {
        let topic = topic.as_str().map(str::to_string);
        if topic.as_ref().is_some_and(|t| t.chars().count() > MAX_TOPIC) {
            return Err(ApiError::invalid_field(
                &["topic"],
                "BASE_TYPE_MAX_LENGTH",
                "Must be 1024 or fewer in length.",
            ));
        }
        next.topic = topic.filter(|t| !t.is_empty());
    }
    if let Some(position) = body.get("position").and_then(Value::as_u64) {
        next.position = u32::try_from(position).unwrap_or(u32::MAX);
    }
    if let Some(parent) = body.get("parent_id") {
        let parent = json_id(parent);
        if parent != c.parent {
            if let Some(p) = parent {
                check_parent(w, guild, p, c.kind)?;
            }
            next.parent = parent;
        }
    }
    if let Some(list) = body.get("permission_overwrites").and_then(Value::as_array) {
        let overwrites = parse_overwrites(w, guild, list)?;
        check_overwrite_bits(w, guild, Some(&c), None, &overwrites)?;
        next.overwrites = overwrites;
    }
    let changed = next != c;
    w.channels.insert(id, next);
    if changed {
        emit_update(w, id);
    }
    let c = w.channel(id)?;
    Ok(Reply::ok(payload::channel(w, c)))
}

/// A valid parent: a category of the same guild with room for one more channel.
pub(super) fn check_parent(w: &World, guild: u64, parent: u64, kind: ChannelKind) -> Result<(), ApiError> {
    let invalid = |message| ApiError::invalid_field(&["parent_id"], "CHANNEL_PARENT_INVALID", message);
    if kind == ChannelKind::Category {
        return Err(invalid("Categories cannot have subcategories"));
    }
    match w.channels.get(&parent) {
        Some(p) if p.guild == Some(guild) && p.kind == ChannelKind::Category => {}
        _ => return Err(invalid("Not a category")),
    }
    let children = w.channels.values().filter(|c| c.parent == Some(parent)).count();
    if children >= MAX_PER_CATEGORY {
        return Err(ApiError::invalid_field(
            &["parent_id"],
            "CHANNEL_PARENT_MAX_CHANNELS",
            "Maximum number of channels in category reached (50)",
        ));
    }
    Ok(())
}

fn put_overwrite(w: &mut World, id: u64, ctx: &Ctx) -> Result<Reply, ApiError> {
    let target = ctx.id("overwrite_id")?;
    let (c, guild) = guild_channel(w, id)?;
    let c = c.clone();
    require(w, &c, VIEW_CHANNEL, ApiError::missing_access())?;
    let overwrite = parse_overwrite(w, guild, target, ctx.body(), "body")?;
    check_overwrite_bits(w, guild, Some(&c), c.parent, std::slice::from_ref(&overwrite))?;
    let channel = w.channels.get_mut(&id).ok_or(ApiError::unknown(Unknown::Channel))?;
    match channel.overwrites.iter_mut().find(|o| o.id == target) {
        Some(existing) => *existing = overwrite,
        None => channel.overwrites.push(overwrite),
    }
    emit_update(w, id);
    Ok(Reply::no_content())
}

fn create_dm(shared: &Shared, ctx: &Ctx) -> Result<Reply, ApiError> {
    let Some(recipient) = ctx.body().get("recipient_id").and_then(json_id) else {
        return Err(ApiError::invalid_field(&["recipient_id"], "BASE_TYPE_REQUIRED", "This field is required"));
    };
    shared.mutate(|w| {
        let user = w.users.get(&recipient).ok_or(ApiError::bad_request(50033, "Invalid Recipient(s)"))?;
        if user.bot {
            return Err(ApiError::cannot_dm());
        }
        let id = match w.dm_channel_of(recipient) {
            Some(c) => c.id,
            None => {
                let id = w.ids.next();
                w.channels.insert(
                    id,
                    ChannelState {
                        id,
                        guild: None,
                        name: String::new(),
                        kind: ChannelKind::Dm,
                        parent: None,
                        topic: None,
                        overwrites: Vec::new(),
                        position: 0,
                        recipient: Some(recipient),
                    },
                );
                id
            }
        };
        let c = w.channel(id)?;
        Ok(Reply::ok(payload::channel(w, c)))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_channel_names_are_lowercased_and_dashed() {
        assert_eq!(normalize_name(ChannelKind::Text, " Ticket  Foo Bar "), "ticket-foo-bar");
        assert_eq!(normalize_name(ChannelKind::Category, "Support Tickets"), "Support Tickets");
    }
}
