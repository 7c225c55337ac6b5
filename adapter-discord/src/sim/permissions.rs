//! Discord's permission bits (for `create_role` and assertions) and the arithmetic the fake uses:
//! base permissions from roles, channel overwrites, and the role
//! hierarchy.

use serde_json::Value;

use super::world::{ChannelKind, ChannelState, Guild, OverwriteKind};

/// `CREATE_INSTANT_INVITE`.
pub const CREATE_INSTANT_INVITE: u64 = 1 << 0;
/// `ADMINISTRATOR`.
pub const ADMINISTRATOR: u64 = 1 << 3;
/// `MANAGE_CHANNELS`.
pub const MANAGE_CHANNELS: u64 = 1 << 4;
/// `ADD_REACTIONS`.
pub const ADD_REACTIONS: u64 = 1 << 6;
/// `VIEW_CHANNEL`.
pub const VIEW_CHANNEL: u64 = 1 << 10;
/// `SEND_MESSAGES`.
pub const SEND_MESSAGES: u64 = 1 << 11;
/// `MANAGE_MESSAGES`.
pub const MANAGE_MESSAGES: u64 = 1 << 13;
/// `EMBED_LINKS`.
pub const EMBED_LINKS: u64 = 1 << 14;
/// `ATTACH_FILES`.
pub const ATTACH_FILES: u64 = 1 << 15;
/// `READ_MESSAGE_HISTORY`.
pub const READ_MESSAGE_HISTORY: u64 = 1 << 16;
/// `MENTION_EVERYONE`.
pub const MENTION_EVERYONE: u64 = 1 << 17;
/// `USE_EXTERNAL_EMOJIS`.
pub const USE_EXTERNAL_EMOJIS: u64 = 1 << 18;
/// `CHANGE_NICKNAME`.
pub const CHANGE_NICKNAME: u64 = 1 << 26;
/// `MANAGE_NICKNAMES`.
pub const MANAGE_NICKNAMES: u64 = 1 << 27;
/// `MANAGE_ROLES`.
pub const MANAGE_ROLES: u64 = 1 << 28;
/// `USE_APPLICATION_COMMANDS`.
pub const USE_APPLICATION_COMMANDS: u64 = 1 << 31;

/// Every permission Discord (as serenity 0.12.5 knows it) defines.
pub fn all() -> u64 {
    serenity::model::Permissions::all().bits()
}

/// What the `@everyone` role of a new guild allows: Discord's documented default
/// (`104324673`: invites, reactions, view, send, TTS, embeds, files, history, mention everyone,
/// external emojis, voice basics, change nickname) plus application commands.
pub const EVERYONE_DEFAULT: u64 = 104_324_673 | USE_APPLICATION_COMMANDS;

/// What the bot's own role allows: what a ticket bot needs.
pub const BOT_DEFAULT: u64 = VIEW_CHANNEL
    | SEND_MESSAGES
    | MANAGE_CHANNELS
    | MANAGE_ROLES
    | MANAGE_NICKNAMES
    | EMBED_LINKS
    | READ_MESSAGE_HISTORY;

/// What Discord reports as `app_permissions` / member permissions in a DM.
pub const DM_DEFAULT: u64 = VIEW_CHANNEL
    | SEND_MESSAGES
    | EMBED_LINKS
    | ATTACH_FILES
    | READ_MESSAGE_HISTORY
    | ADD_REACTIONS
    | USE_EXTERNAL_EMOJIS;

/// Permission bits as Discord accepts them in JSON: a string of digits or a number (0 when
/// absent or unreadable).
pub(crate) fn from_json(value: Option<&Value>) -> u64 {
    match value {
        Some(Value::String(s)) => s.parse().unwrap_or(0),
        Some(Value::Number(n)) => n.as_u64().unwrap_or(0),
        _ => 0,
    }
}

/// A member's guild-wide permissions (`@everyone` + their roles; owner and administrators have
/// all).
pub(crate) fn base(guild: &Guild, user: u64) -> u64 {
    if guild.owner == user {
        return all();
    }
    let mut bits = guild.roles.get(&guild.id).map_or(0, |r| r.permissions);
    if let Some(member) = guild.members.get(&user) {
        for role in &member.roles {
            bits |= guild.roles.get(role).map_or(0, |r| r.permissions);
        }
    }
    if bits & ADMINISTRATOR != 0 { all() } else { bits }
}

/// A member's permissions in a channel: base permissions with the channel's overwrites applied
/// (`@everyone`, then roles, then the member), as Discord computes them. Without `VIEW_CHANNEL`
/// nothing else counts.
pub(crate) fn in_channel(guild: &Guild, channel: &ChannelState, user: u64) -> u64 {
    let base = base(guild, user);
    if base & ADMINISTRATOR != 0 || guild.owner == user {
        return all();
    }
    let mut bits = base;
    let everyone = channel.overwrites.iter().find(|o| o.kind == OverwriteKind::Role && o.id == guild.id);
    if let Some(o) = everyone {
        bits = (bits & !o.deny) | o.allow;
    }
    let roles: &[u64] = guild.members.get(&user).map_or(&[], |m| m.roles.as_slice());
    let (mut allow, mut deny) = (0, 0);
    for o in &channel.overwrites {
        if o.kind == OverwriteKind::Role && o.id != guild.id && roles.contains(&o.id) {
            allow |= o.allow;
            deny |= o.deny;
        }
    }
    bits = (bits & !deny) | allow;
    if let Some(o) = channel.overwrites.iter().find(|o| o.kind == OverwriteKind::Member && o.id == user) {
        bits = (bits & !o.deny) | o.allow;
    }
    if bits & VIEW_CHANNEL == 0 { 0 } else { bits }
}

/// Permissions of `user` in `channel`, wherever it is (DMs get [`DM_DEFAULT`]).
pub(crate) fn for_channel(guild: Option<&Guild>, channel: &ChannelState, user: u64) -> u64 {
    match (channel.kind, guild) {
        (ChannelKind::Dm, _) | (_, None) => DM_DEFAULT,
        (_, Some(guild)) => in_channel(guild, channel, user),
    }
}

/// The position of a member's highest role (0 when they only have `@everyone`).
pub(crate) fn top_position(guild: &Guild, user: u64) -> u32 {
    guild
        .members
        .get(&user)
        .map_or(0, |m| m.roles.iter().filter_map(|r| guild.roles.get(r)).map(|r| r.position).max().unwrap_or(0))
}

/// Whether `actor` may act on `target` (kick, nickname, roles): the owner cannot be managed, and
/// the actor's highest role must be strictly above the target's.
pub(crate) fn outranks(guild: &Guild, actor: u64, target: u64) -> bool {
    if guild.owner == actor {
        return true;
    }
    if guild.owner == target {
        return false;
    }
    top_position(guild, actor) > top_position(guild, target)
}

/// Whether `actor` may grant or remove `role`: it must sit strictly below the actor's highest role.
pub(crate) fn can_manage_role(guild: &Guild, actor: u64, role: u64) -> bool {
    if guild.owner == actor {
        return true;
    }
    guild.roles.get(&role).is_some_and(|r| r.position < top_position(guild, actor))
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::sim::world::{MemberState, OverwriteState, RoleState};

    fn guild() -> Guild {
        let mut roles = BTreeMap::new();
        let role = |id, permissions, position| RoleState {
            id,
            name: format!("r{id}"),
            permissions,
            position,
            managed: false,
            mentionable: false,
        };
        roles.insert(1, role(1, EVERYONE_DEFAULT, 0));
        roles.insert(2, role(2, BOT_DEFAULT, 3));
        roles.insert(3, role(3, 0, 1));
        roles.insert(4, role(4, ADMINISTRATOR, 2));
        let mut members = BTreeMap::new();
        for (user, roles) in [(10, vec![2]), (11, vec![3]), (12, vec![4]), (13, vec![])] {
            members.insert(user, MemberState { guild: 1, user, username: format!("u{user}"), roles, nick: None });
        }
        Guild { id: 1, name: "g".into(), owner: 13, bot_role: 2, roles, members }
    }

    fn private_channel() -> ChannelState {
        ChannelState {
            id: 50,
            guild: Some(1),
            name: "ticket".into(),
            kind: ChannelKind::Text,
            parent: None,
            topic: None,
            overwrites: vec![
                OverwriteState { id: 1, kind: OverwriteKind::Role, allow: 0, deny: VIEW_CHANNEL },
                OverwriteState { id: 3, kind: OverwriteKind::Role, allow: VIEW_CHANNEL, deny: SEND_MESSAGES },
            ],
            position: 0,
            recipient: None,
        }
    }

    #[test]
    fn overwrites_apply_in_discord_order() {
        let g = guild();
        let c = private_channel();
        // @everyone cannot see it; role 3 can see but not send.
        assert_eq!(in_channel(&g, &c, 10), 0);
        let staff = in_channel(&g, &c, 11);
        assert_ne!(staff & VIEW_CHANNEL, 0);
        assert_eq!(staff & SEND_MESSAGES, 0);
        // Administrator and owner see everything.
        assert_eq!(in_channel(&g, &c, 12), all());
        assert_eq!(in_channel(&g, &c, 13), all());
    }

    #[test]
    fn member_overwrite_beats_role_overwrites() {
        let g = guild();
        let mut c = private_channel();
        c.overwrites.push(OverwriteState { id: 11, kind: OverwriteKind::Member, allow: SEND_MESSAGES, deny: 0 });
        assert_ne!(in_channel(&g, &c, 11) & SEND_MESSAGES, 0);
    }

    #[test]
    fn hierarchy_is_strict_and_protects_the_owner() {
        let g = guild();
        assert!(outranks(&g, 10, 11));
        assert!(outranks(&g, 10, 12));
        assert!(!outranks(&g, 11, 10));
        assert!(!outranks(&g, 10, 13));
        assert!(can_manage_role(&g, 10, 3));
        assert!(!can_manage_role(&g, 10, 2));
    }
}
