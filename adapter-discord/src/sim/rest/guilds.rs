//! Guilds: the guild, its channels (listing and creating, with Discord's limits), roles and
//! members (nicknames and roles, with the role hierarchy).

use serde_json::Value;

use super::channels::{check_overwrite_bits, check_parent, normalize_name, parse_overwrites};
use super::{Ctx, Reply};
use crate::sim::errors::{ApiError, Unknown};
use crate::sim::payload;
use crate::sim::permissions::{self, CHANGE_NICKNAME, MANAGE_CHANNELS, MANAGE_NICKNAMES, MANAGE_ROLES};
use crate::sim::router::Endpoint;
use crate::sim::shared::Shared;
use crate::sim::world::{ChannelKind, ChannelState, World, json_id};

/// Maximum channels (of every kind) in one guild.
pub(crate) const MAX_PER_GUILD: usize = 500;

pub(super) fn handle(shared: &Shared, endpoint: Endpoint, ctx: &Ctx) -> Result<Reply, ApiError> {
    let guild = ctx.id("guild_id")?;
    match endpoint {
        Endpoint::GetGuild => shared.read(|w| Ok(Reply::ok(payload::guild(w, w.guild(guild)?)))),
        Endpoint::ListGuildChannels => shared.read(|w| {
            w.guild(guild)?;
            let list: Vec<Value> = w.guild_channels(guild).into_iter().map(|c| payload::channel(w, c)).collect();
            Ok(Reply::ok(Value::Array(list)))
        }),
        Endpoint::CreateGuildChannel => shared.mutate(|w| create_channel(w, guild, ctx.body())),
        Endpoint::ListRoles => shared.read(|w| Ok(Reply::ok(payload::roles(w.guild(guild)?, w.bot_id)))),
        Endpoint::ListMembers => shared.read(|w| {
            let g = w.guild(guild)?;
            let limit = ctx.query("limit").and_then(|l| l.parse::<usize>().ok()).unwrap_or(1).clamp(1, 1000);
            let after = ctx.query("after").and_then(|a| a.parse::<u64>().ok()).unwrap_or(0);
            let list: Vec<Value> =
                g.members.values().filter(|m| m.user > after).take(limit).map(|m| payload::member(w, m)).collect();
            Ok(Reply::ok(Value::Array(list)))
        }),
        Endpoint::GetMember => {
            let user = member_id(ctx)?;
            shared.read(|w| Ok(Reply::ok(payload::member(w, w.member(guild, user)?))))
        }
        Endpoint::UpdateMember => {
            let user = member_id(ctx)?;
            shared.mutate(|w| update_member(w, guild, user, ctx.body()))
        }
        _ => {
            let user = member_id(ctx)?;
            let role = ctx.id("role_id")?;
            let add = endpoint == Endpoint::AddMemberRole;
            shared.mutate(|w| change_role(w, guild, user, role, add))
        }
    }
}

fn member_id(ctx: &Ctx) -> Result<u64, ApiError> {
    ctx.id("user_id").map_err(|_| ApiError::unknown(Unknown::Member))
}

fn create_channel(w: &mut World, guild: u64, body: &Value) -> Result<Reply, ApiError> {
    let g = w.guild(guild)?;
    let kind = match body.get("type").and_then(Value::as_u64).unwrap_or(0) {
        0 => ChannelKind::Text,
        4 => ChannelKind::Category,
        other => {
            return Err(ApiError::invalid_field(
                &["type"],
                "SIM_UNSUPPORTED_CHANNEL_TYPE",
                &format!("the fake Discord models text channels and categories only, not type {other}"),
            ));
        }
    };
    let parent = body.get("parent_id").and_then(json_id);
    let base = permissions::base(g, w.bot_id);
    let context = match parent.and_then(|p| w.channels.get(&p)) {
        Some(p) => permissions::in_channel(g, p, w.bot_id),
        None => base,
    };
    if context & MANAGE_CHANNELS == 0 {
        return Err(ApiError::missing_permissions());
    }
    if let Some(p) = parent {
        check_parent(w, guild, p, kind)?;
    }
    if w.guild_channels(guild).len() >= MAX_PER_GUILD {
        return Err(ApiError::bad_request(30013, "Maximum number of guild channels reached (500)"));
    }
    let overwrites = match body.get("permission_overwrites").and_then(Value::as_array) {
        Some(list) => {
            let out = parse_overwrites(w, guild, list)?;
            if !out.is_empty() {
                check_overwrite_bits(w, guild, None, parent, &out)?;
            }
            out
        }
        // Without overwrites, a channel in a category is synced with it.
        None => parent.and_then(|p| w.channels.get(&p)).map(|p| p.overwrites.clone()).unwrap_or_default(),
    };
    let name = body.get("name").and_then(Value::as_str).unwrap_or_default();
    let position = match body.get("position").and_then(Value::as_u64) {
        Some(p) => u32::try_from(p).unwrap_or(u32::MAX),
        None => next_position(w, guild, kind, parent),
    };
    let topic = body
        .get("topic")
        .and_then(Value::as_str)
        .filter(|t| !t.is_empty() && kind == ChannelKind::Text)
        .map(str::to_string);
    let id = w.ids.next();
    let channel = ChannelState {
        id,
        guild: Some(guild),
        name: normalize_name(kind, name),
        kind,
        parent,
        topic,
        overwrites,
        position,
        recipient: None,
    };
    let data = payload::channel(w, &channel);
    w.channels.insert(id, channel);
    w.emit("CHANNEL_CREATE", data.clone());
    Ok(Reply::created(data))
}

/// The next free position among channels of the same kind and parent.
pub(crate) fn next_position(w: &World, guild: u64, kind: ChannelKind, parent: Option<u64>) -> u32 {
    let count = w.guild_channels(guild).iter().filter(|c| c.kind == kind && c.parent == parent).count();
    u32::try_from(count).unwrap_or(u32::MAX)
}

/// Queues GUILD_MEMBER_UPDATE for a member.
pub(crate) fn emit_member_update(w: &mut World, guild: u64, user: u64) {
    if let Ok(m) = w.member(guild, user) {
        let data = payload::member_event(w, m);
        w.emit("GUILD_MEMBER_UPDATE", data);
    }
}

fn update_member(w: &mut World, guild: u64, user: u64, body: &Value) -> Result<Reply, ApiError> {
    let g = w.guild(guild)?;
    let current = w.member(guild, user)?.clone();
    let base = permissions::base(g, w.bot_id);
    let mut next = current.clone();
    if let Some(nick) = body.get("nick") {
        // Discord checks the permission whenever the field is sent, changed or not.
        let allowed = if user == w.bot_id {
            base & (CHANGE_NICKNAME | MANAGE_NICKNAMES) != 0
        } else {
            base & MANAGE_NICKNAMES != 0 && permissions::outranks(g, w.bot_id, user)
        };
        if !allowed {
            return Err(ApiError::missing_permissions());
        }
        next.nick = nick.as_str().filter(|n| !n.is_empty()).map(str::to_string);
    }
    if let Some(roles) = body.get("roles").and_then(Value::as_array) {
        let mut wanted = Vec::new();
        for r in roles.iter().filter_map(json_id) {
            if r == guild || !g.roles.contains_key(&r) {
                return Err(ApiError::invalid_field(&["roles"], "UNKNOWN_ROLE", &format!("Unknown role {r}")));
            }
            if !wanted.contains(&r) {
                wanted.push(r);
            }
        }
        let changed: Vec<u64> = wanted
            .iter()
            .filter(|r| !current.roles.contains(r))
            .chain(current.roles.iter().filter(|r| !wanted.contains(r)))
            .copied()
            .collect();
        if !changed.is_empty() {
            let managed = changed.iter().any(|r| g.roles.get(r).is_some_and(|role| role.managed));
            let may = base & MANAGE_ROLES != 0 && changed.iter().all(|r| permissions::can_manage_role(g, w.bot_id, *r));
            if managed || !may {
                return Err(ApiError::missing_permissions());
            }
        }
        next.roles = wanted;
    }
    let changed = next != current;
    if changed {
        if let Some(member) = w.guild_mut(guild)?.members.get_mut(&user) {
            *member = next;
        }
        emit_member_update(w, guild, user);
    }
    Ok(Reply::ok(payload::member(w, w.member(guild, user)?)))
}

fn change_role(w: &mut World, guild: u64, user: u64, role: u64, add: bool) -> Result<Reply, ApiError> {
    let g = w.guild(guild)?;
    let member = w.member(guild, user)?;
    let Some(r) = g.roles.get(&role).filter(|_| role != guild) else {
        return Err(ApiError::unknown(Unknown::Role));
    };
    let may = permissions::base(g, w.bot_id) & MANAGE_ROLES != 0
        && permissions::can_manage_role(g, w.bot_id, role)
        && !r.managed;
    if !may {
        return Err(ApiError::missing_permissions());
    }
    let has = member.roles.contains(&role);
    if has == add {
        return Ok(Reply::no_content());
    }
    if let Some(m) = w.guild_mut(guild)?.members.get_mut(&user) {
        if add {
            m.roles.push(role);
        } else {
            m.roles.retain(|x| *x != role);
        }
    }
    emit_member_update(w, guild, user);
    Ok(Reply::no_content())
}
