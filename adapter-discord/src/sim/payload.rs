//! Discord's JSON shapes of the fake's objects (users, roles, members, channels, messages,
//! guilds, commands), as the REST API returns them and the gateway sends them.
//!
//! Every shape here carries the fields Discord's spec marks required, so it validates against the
//! spec's response schemas and deserializes in serenity 0.12.5 (both are checked at runtime).

use serde_json::{Value, json};

use super::permissions;
use super::rest::EPHEMERAL;
use super::world::{
    AttachmentState, ChannelKind, ChannelState, Guild, MemberState, MessageState, RoleState, StoredCommand,
    StoredMessage, User, World, rfc3339, snowflake_ms,
};

/// A snowflake as Discord writes it (a string).
pub(crate) fn sf(id: u64) -> Value {
    Value::String(id.to_string())
}

/// A user object (`UserResponse`).
pub(crate) fn user(u: &User) -> Value {
    let mut v = json!({
        "id": sf(u.id),
        "username": u.username,
        "discriminator": "0",
        "global_name": null,
        "avatar": null,
        "public_flags": 0,
        "flags": 0,
        "primary_guild": null,
    });
    if u.bot {
        v["bot"] = json!(true);
    }
    v
}

/// A user by id; unknown ids render as a deleted user (Discord's `Deleted User`).
pub(crate) fn user_by_id(world: &World, id: u64) -> Value {
    match world.users.get(&id) {
        Some(u) => user(u),
        None => user(&User { id, username: "Deleted User".into(), bot: false, dms_closed: true }),
    }
}

/// The bot's own user (`UserPIIResponse`, for `GET /users/@me`).
pub(crate) fn current_user(world: &World) -> Value {
    let mut v = user_by_id(world, world.bot_id);
    v["mfa_enabled"] = json!(false);
    v["locale"] = json!("en-US");
    v["verified"] = json!(true);
    v["bot"] = json!(true);
    v
}

/// A role object (`GuildRoleResponse`).
pub(crate) fn role(r: &RoleState, bot_id: u64) -> Value {
    let mut v = json!({
        "id": sf(r.id),
        "name": r.name,
        "permissions": r.permissions.to_string(),
        "position": r.position,
        "color": 0,
        "colors": { "primary_color": 0, "secondary_color": null, "tertiary_color": null },
        "hoist": false,
        "managed": r.managed,
        "mentionable": r.mentionable,
        "icon": null,
        "unicode_emoji": null,
        "flags": 0,
    });
    if r.managed {
        v["tags"] = json!({ "bot_id": sf(bot_id) });
    }
    v
}

/// A guild's roles, lowest first.
pub(crate) fn roles(guild: &Guild, bot_id: u64) -> Value {
    Value::Array(guild.roles_by_position().into_iter().map(|r| role(r, bot_id)).collect())
}

/// A role event's data (GUILD_ROLE_CREATE / GUILD_ROLE_UPDATE).
pub(crate) fn role_event(guild: u64, r: &RoleState, bot_id: u64) -> Value {
    json!({ "guild_id": sf(guild), "role": role(r, bot_id) })
}

/// A member object (`GuildMemberResponse`).
pub(crate) fn member(world: &World, m: &MemberState) -> Value {
    let joined = world.guilds.get(&m.guild).map_or(m.user, |g| g.id.max(m.user));
    json!({
        "user": user_by_id(world, m.user),
        "nick": m.nick,
        "avatar": null,
        "banner": null,
        "roles": m.roles.iter().map(|r| sf(*r)).collect::<Vec<_>>(),
        "joined_at": rfc3339(snowflake_ms(joined)),
        "premium_since": null,
        "deaf": false,
        "mute": false,
        "flags": 0,
        "pending": false,
        "communication_disabled_until": null,
    })
}

/// A member without its `user` (what MESSAGE_CREATE and `resolved` carry).
pub(crate) fn partial_member(world: &World, m: &MemberState) -> Value {
    let mut v = member(world, m);
    if let Value::Object(map) = &mut v {
        map.remove("user");
    }
    v
}

/// A member with its `guild_id` (GUILD_MEMBER_ADD / GUILD_MEMBER_UPDATE).
pub(crate) fn member_event(world: &World, m: &MemberState) -> Value {
    let mut v = member(world, m);
    v["guild_id"] = sf(m.guild);
    v
}

/// A channel object: `GuildChannelResponse` for guild channels, `PrivateChannelResponse` for DMs.
pub(crate) fn channel(world: &World, c: &ChannelState) -> Value {
    let last_message = world.channel_messages(c.id).next_back().map_or(Value::Null, |m| sf(m.state.id));
    if c.kind == ChannelKind::Dm {
        let recipients: Vec<Value> = c.recipient.map(|u| user_by_id(world, u)).into_iter().collect();
        return json!({
            "id": sf(c.id),
            "type": 1,
            "flags": 0,
            "last_message_id": last_message,
            "recipients": recipients,
        });
    }
    let overwrites: Vec<Value> = c
        .overwrites
        .iter()
        .map(|o| {
            json!({
                "id": sf(o.id),
                "type": o.kind.discord_type(),
                "allow": o.allow.to_string(),
                "deny": o.deny.to_string(),
            })
        })
        .collect();
    let mut v = json!({
        "id": sf(c.id),
        "type": c.kind.discord_type(),
        "flags": 0,
        "guild_id": c.guild.map_or(Value::Null, sf),
        "name": c.name,
        "position": c.position,
        "parent_id": c.parent.map_or(Value::Null, sf),
        "nsfw": false,
    });
    // Moved in, not through `json!` (which would copy them once more, for every channel of every GUILD_CREATE).
    v["permission_overwrites"] = Value::Array(overwrites);
    if c.kind == ChannelKind::Text {
        v["topic"] = c.topic.as_ref().map_or(Value::Null, |t| json!(t));
        v["rate_limit_per_user"] = json!(0);
        v["last_message_id"] = last_message;
    }
    v
}

/// Discord's response form of message components: every component gets a numeric `id` (in
/// depth-first order) and selects get their `min_values`/`max_values` defaults.
pub(crate) fn normalize_components(components: &Value) -> Value {
    fn walk(value: &mut Value, next: &mut u64) {
        match value {
            Value::Array(items) => items.iter_mut().for_each(|v| walk(v, next)),
            Value::Object(map) => {
                if map.contains_key("type") {
                    if !map.get("id").is_some_and(Value::is_u64) {
                        map.insert("id".into(), json!(*next));
                    }
                    *next += 1;
                    let kind = map.get("type").and_then(Value::as_u64).unwrap_or(0);
                    if (3..=8).contains(&kind) {
                        map.entry("min_values").or_insert(json!(1));
                        map.entry("max_values").or_insert(json!(1));
                    }
                    if kind == 3 {
                        map.entry("options").or_insert(json!([]));
                    }
                }
                for key in ["components", "component", "accessory"] {
                    if let Some(child) = map.get_mut(key) {
                        walk(child, next);
                    }
                }
            }
            _ => {}
        }
    }
    let mut out = match components {
        Value::Array(_) => components.clone(),
        _ => json!([]),
    };
    let mut next = 1;
    walk(&mut out, &mut next);
    out
}

/// Discord's response form of embeds: `type: "rich"` and explicit `inline` on fields.
pub(crate) fn normalize_embeds(embeds: &Value) -> Value {
    let Value::Array(items) = embeds else {
        return json!([]);
    };
    let out: Vec<Value> = items
        .iter()
        .filter(|e| e.is_object())
        .map(|e| {
            let mut e = e.clone();
            if let Value::Object(map) = &mut e {
                map.retain(|_, v| !v.is_null());
                map.entry("type").or_insert(json!("rich"));
                if let Some(Value::Array(fields)) = map.get_mut("fields") {
                    for f in fields.iter_mut().filter_map(Value::as_object_mut) {
                        f.entry("inline").or_insert(json!(false));
                    }
                }
            }
            e
        })
        .collect();
    Value::Array(out)
}

/// User ids mentioned in a text (`<@id>` and `<@!id>`).
pub(crate) fn mentioned_users(content: &str) -> Vec<u64> {
    mentions(content, false)
}

/// Role ids mentioned in a text (`<@&id>`).
pub(crate) fn mentioned_roles(content: &str) -> Vec<u64> {
    mentions(content, true)
}

fn mentions(content: &str, roles: bool) -> Vec<u64> {
    let mut out = Vec::new();
    for (start, _) in content.match_indices("<@") {
        let rest = &content[start + 2..];
        let (is_role, rest) = match rest.as_bytes().first() {
            Some(b'&') => (true, &rest[1..]),
            Some(b'!') => (false, &rest[1..]),
            _ => (false, rest),
        };
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        if is_role != roles || digits == 0 || rest.as_bytes().get(digits) != Some(&b'>') {
            continue;
        }
        if let Ok(id) = rest[..digits].parse::<u64>() {
            if !out.contains(&id) {
                out.push(id);
            }
        }
    }
    out
}

/// A message object (`MessageResponse`). With `gateway`, adds what MESSAGE_CREATE carries
/// (`guild_id` and the author's partial `member`).
pub(crate) fn message(world: &World, m: &StoredMessage, gateway: bool) -> Value {
    let s = &m.state;
    let guild = world.channels.get(&s.channel).and_then(|c| c.guild);
    let mentions: Vec<Value> = mentioned_users(&s.content)
        .into_iter()
        .filter(|u| world.users.contains_key(u))
        .map(|u| user_by_id(world, u))
        .collect();
    let mention_roles: Vec<Value> = match guild.and_then(|g| world.guilds.get(&g)) {
        Some(g) => mentioned_roles(&s.content).into_iter().filter(|r| g.roles.contains_key(r)).map(sf).collect(),
        None => Vec::new(),
    };
    let ephemeral = s.flags & EPHEMERAL != 0;
    let attachments: Vec<Value> = s.attachments.iter().map(|a| attachment(s.channel, a, ephemeral)).collect();
    let kind = match &m.interaction {
        Some(i) if i.get("type").and_then(Value::as_u64) == Some(2) => 20,
        _ => 0,
    };
    let mut v = json!({
        "id": sf(s.id),
        "channel_id": sf(s.channel),
        "author": user_by_id(world, s.author),
        "content": s.content,
        "timestamp": rfc3339(snowflake_ms(s.id)),
        "edited_timestamp": m.edited_at.map_or(Value::Null, |ms| json!(rfc3339(ms))),
        "tts": false,
        "mention_everyone": mention_everyone(world, m, guild),
        "mentions": mentions,
        "mention_roles": mention_roles,
        "attachments": attachments,
        // Stored embeds are normalized when posted or edited.
        "embeds": s.embeds,
        "components": normalize_components(&s.components),
        "pinned": false,
        "type": kind,
        "flags": s.flags,
    });
    if let Some(nonce) = &m.nonce {
        v["nonce"] = nonce.clone();
    }
    if let Some(webhook) = m.webhook_id {
        v["webhook_id"] = sf(webhook);
        v["application_id"] = sf(world.app_id);
    }
    if let Some(interaction) = &m.interaction {
        v["interaction_metadata"] = interaction.clone();
    }
    if gateway {
        if let Some(g) = guild {
            v["guild_id"] = sf(g);
            if let Ok(member) = world.member(g, s.author) {
                v["member"] = partial_member(world, member);
            }
        }
    }
    v
}

/// An attachment object (`MessageAttachmentResponse`), its file on Discord's CDN under the channel and its id;
/// files of an ephemeral message are marked so.
pub(crate) fn attachment(channel: u64, a: &AttachmentState, ephemeral: bool) -> Value {
    let path = format!("attachments/{channel}/{}/{}", a.id, url_segment(&a.filename));
    let mut v = json!({
        "id": sf(a.id),
        "filename": a.filename,
        "size": a.data.len(),
        "url": format!("https://cdn.discordapp.com/{path}"),
        "proxy_url": format!("https://media.discordapp.net/{path}"),
    });
    if let Some(content_type) = &a.content_type {
        v["content_type"] = json!(content_type);
    }
    if ephemeral {
        v["ephemeral"] = json!(true);
    }
    v
}

/// A file name as a URL path segment: everything but RFC 3986's unreserved characters percent-encoded.
fn url_segment(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for byte in name.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// The roles a message notifies, as Discord decides: mentioned in its text (`<@&id>`), let through by its
/// `allowed_mentions`, and either mentionable or mentioned by an author with Mention Everyone in the channel.
/// A mention that fails the last test shows in the text and notifies no one.
pub(crate) fn notified_roles(world: &World, m: &MessageState) -> Vec<u64> {
    let Some(channel) = world.channels.get(&m.channel) else { return Vec::new() };
    let Some(g) = channel.guild.and_then(|g| world.guilds.get(&g)) else { return Vec::new() };
    let may_any = permissions::in_channel(g, channel, m.author) & permissions::MENTION_EVERYONE != 0;
    let allowed = |role: u64| match &m.allowed_mentions {
        Value::Null => true,
        am => {
            let parse = am.get("parse").and_then(Value::as_array).is_some_and(|p| p.iter().any(|x| x == "roles"));
            let listed = am.get("roles").and_then(Value::as_array).is_some_and(|l| l.iter().any(|r| *r == sf(role)));
            parse || listed
        }
    };
    let mut found = Vec::new();
    for piece in m.content.split("<@&").skip(1) {
        let Some(id) = piece.split('>').next().and_then(|id| id.parse::<u64>().ok()) else { continue };
        let Some(role) = g.roles.get(&id) else { continue };
        if allowed(id) && (role.mentionable || may_any) && !found.contains(&id) {
            found.push(id);
        }
    }
    found
}

/// Whether a message pings `@everyone`/`@here`: the text says so, the author may, and the
/// message's `allowed_mentions` lets it.
fn mention_everyone(world: &World, m: &StoredMessage, guild: Option<u64>) -> bool {
    let s = &m.state;
    if !(s.content.contains("@everyone") || s.content.contains("@here")) {
        return false;
    }
    let allowed = match &s.allowed_mentions {
        Value::Null => true,
        am => am.get("parse").and_then(Value::as_array).is_some_and(|p| p.iter().any(|x| x == "everyone")),
    };
    let may = match guild.and_then(|g| world.guilds.get(&g)) {
        Some(g) => {
            let channel = world.channels.get(&s.channel);
            channel.is_some_and(|c| permissions::in_channel(g, c, s.author) & permissions::MENTION_EVERYONE != 0)
        }
        None => false,
    };
    allowed && may
}

/// A registered command (`ApplicationCommandResponse`).
pub(crate) fn command(world: &World, c: &StoredCommand) -> Value {
    let mut v = match &c.body {
        Value::Object(map) => Value::Object(map.clone()),
        _ => json!({}),
    };
    if let Value::Object(map) = &mut v {
        map.retain(|_, value| !value.is_null());
        if let Some(options) = map.get_mut("options") {
            clean_options(options);
        }
    }
    v["id"] = sf(c.id);
    v["application_id"] = sf(world.app_id);
    v["version"] = sf(c.version);
    let kind = v.get("type").and_then(Value::as_u64).unwrap_or(1);
    v["type"] = json!(kind);
    if v.get("description").is_none() {
        v["description"] = json!("");
    }
    v["default_member_permissions"] = match c.body.get("default_member_permissions") {
        Some(Value::Number(n)) => json!(n.to_string()),
        Some(Value::String(s)) => json!(s),
        _ => Value::Null,
    };
    if v.get("dm_permission").is_none() {
        v["dm_permission"] = json!(true);
    }
    if v.get("nsfw").is_none() {
        v["nsfw"] = json!(false);
    }
    if let Some(g) = c.guild {
        v["guild_id"] = sf(g);
    }
    v
}

/// Command options as Discord returns them: unset (null) fields and empty lists left out.
fn clean_options(options: &mut Value) {
    let Value::Array(items) = options else {
        return;
    };
    for option in items.iter_mut() {
        if let Value::Object(map) = option {
            map.retain(|_, v| !(v.is_null() || v.as_array().is_some_and(Vec::is_empty)));
            if let Some(nested) = map.get_mut("options") {
                clean_options(nested);
            }
        }
    }
}

/// A guild as `GET /guilds/{id}` returns it (`GuildWithCountsResponse`).
pub(crate) fn guild(world: &World, g: &Guild) -> Value {
    json!({
        "id": sf(g.id),
        "name": g.name,
        "icon": null,
        "description": null,
        "home_header": null,
        "splash": null,
        "discovery_splash": null,
        "features": [],
        "banner": null,
        "owner_id": sf(g.owner),
        "application_id": null,
        "region": "deprecated",
        "afk_channel_id": null,
        "afk_timeout": 300,
        "system_channel_id": null,
        "system_channel_flags": 0,
        "widget_enabled": false,
        "widget_channel_id": null,
        "verification_level": 0,
        "roles": roles(g, world.bot_id),
        "default_message_notifications": 0,
        "mfa_level": 0,
        "explicit_content_filter": 0,
        "max_presences": null,
        "max_members": 500_000,
        "max_stage_video_channel_users": 50,
        "max_video_channel_users": 25,
        "vanity_url_code": null,
        "premium_tier": 0,
        "premium_subscription_count": 0,
        "preferred_locale": "en-US",
        "rules_channel_id": null,
        "safety_alerts_channel_id": null,
        "public_updates_channel_id": null,
        "premium_progress_bar_enabled": false,
        "nsfw": false,
        "nsfw_level": 0,
        "emojis": [],
        "stickers": [],
        "incidents_data": null,
    })
}

/// A guild as GUILD_CREATE sends it: the guild plus its channels, members and gateway fields.
pub(crate) fn guild_create(world: &World, g: &Guild) -> Value {
    let mut v = guild(world, g);
    let channels: Vec<Value> = world.guild_channels(g.id).into_iter().map(|c| channel(world, c)).collect();
    let members: Vec<Value> = g.members.values().map(|m| member(world, m)).collect();
    let extra = json!({
            "joined_at": rfc3339(snowflake_ms(g.id)),
            "large": false,
            "unavailable": false,
            "member_count": g.members.len(),
            "voice_states": [],
            "threads": [],
            "presences": [],
            "stage_instances": [],
            "guild_scheduled_events": [],
            "soundboard_sounds": [],
    });
    if let (Value::Object(map), Value::Object(extra)) = (&mut v, extra) {
        map.extend(extra);
        // Moved in, not through `json!` (which would copy every channel's description once more).
        map.insert("members".into(), Value::Array(members));
        map.insert("channels".into(), Value::Array(channels));
    }
    v
}

/// The READY event data.
pub(crate) fn ready(world: &World, session_id: &str, gateway_url: &str) -> Value {
    let guilds: Vec<Value> = world.guilds.keys().map(|id| json!({ "id": sf(*id), "unavailable": true })).collect();
    json!({
        "v": 10,
        "user": current_user(world),
        "guilds": guilds,
        "session_id": session_id,
        "resume_gateway_url": gateway_url,
        "shard": [0, 1],
        "application": { "id": sf(world.app_id), "flags": 0 },
        "private_channels": [],
        "presences": [],
        "relationships": [],
        "user_settings": {},
        "session_type": "normal",
        "geo_ordered_rtc_regions": [],
        "guild_join_requests": [],
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mentions_are_parsed_like_discord() {
        let text = "hi <@1> and <@!2>, <@&3> and <@x> <@4";
        assert_eq!(mentioned_users(text), vec![1, 2]);
        assert_eq!(mentioned_roles(text), vec![3]);
    }

    #[test]
    fn components_get_ids_and_select_defaults() {
        let rows = json!([{"type": 1, "components": [
            {"type": 2, "style": 1, "custom_id": "a", "label": "A"},
            {"type": 3, "custom_id": "s", "options": [{"label": "x", "value": "x"}]}
        ]}]);
        let out = normalize_components(&rows);
        assert_eq!(out[0]["id"], 1);
        assert_eq!(out[0]["components"][0]["id"], 2);
        assert_eq!(out[0]["components"][1]["id"], 3);
        assert_eq!(out[0]["components"][1]["min_values"], 1);
    }

    #[test]
    fn attachments_point_at_the_cdn() {
        let a = AttachmentState { id: 7, filename: "a b\u{e9}.txt".into(), content_type: None, data: vec![1, 2, 3] };
        let v = attachment(5, &a, true);
        assert_eq!(v["id"], "7");
        assert_eq!(v["size"], 3);
        assert_eq!(v["url"], "https://cdn.discordapp.com/attachments/5/7/a%20b%C3%A9.txt");
        assert_eq!(v["proxy_url"], "https://media.discordapp.net/attachments/5/7/a%20b%C3%A9.txt");
        assert_eq!(v["ephemeral"], true);
        assert!(v.get("content_type").is_none());
    }

    #[test]
    fn embeds_become_rich_with_inline_fields() {
        let out = normalize_embeds(&json!([{"title": "t", "fields": [{"name": "n", "value": "v"}], "url": null}]));
        assert_eq!(out[0]["type"], "rich");
        assert_eq!(out[0]["fields"][0]["inline"], false);
        assert!(out[0].get("url").is_none());
    }
}
