//! Building the world: guilds, roles, members, owners, categories and channels. Works before and
//! after the bot connects; once it is connected, every change is dispatched as Discord would.

use std::collections::BTreeMap;

use serde_json::json;

use super::FakeDiscord;
use super::payload::{self, sf};
use super::permissions::{BOT_DEFAULT, EVERYONE_DEFAULT};
use super::rest::{emit_channel_update, emit_member_update, next_position};
use super::world::{ChannelKind, ChannelState, Guild, MemberState, RoleState, User, World};

/// Queues GUILD_ROLE_UPDATE for each role whose position changed.
fn emit_positions(w: &mut World, guild: u64, before: &BTreeMap<u64, u32>) {
    let Some(g) = w.guilds.get(&guild) else {
        return;
    };
    let changed: Vec<serde_json::Value> = g
        .roles
        .values()
        .filter(|r| before.get(&r.id).is_some_and(|p| *p != r.position))
        .map(|r| payload::role_event(guild, r, w.bot_id))
        .collect();
    for data in changed {
        w.emit("GUILD_ROLE_UPDATE", data);
    }
}

/// Renumbers roles 1.. in the given order (`@everyone` stays 0).
fn renumber(g: &mut Guild, order: &[u64]) {
    for (i, id) in order.iter().enumerate() {
        if let Some(r) = g.roles.get_mut(id) {
            r.position = u32::try_from(i + 1).unwrap_or(u32::MAX);
        }
    }
}

/// Role ids above `@everyone`, lowest first.
fn ordered_roles(g: &Guild) -> Vec<u64> {
    let mut roles: Vec<&RoleState> = g.roles.values().filter(|r| r.id != g.id).collect();
    roles.sort_by_key(|r| (r.position, std::cmp::Reverse(r.id)));
    roles.into_iter().map(|r| r.id).collect()
}

impl FakeDiscord {
    /// Creates a guild with `@everyone` (id = guild id, a member's usual rights), an owner (a
    /// member without roles, see [`FakeDiscord::guild_owner`]) and the bot as a member with a
    /// managed "Bot" role allowing what a ticket bot needs (View Channels, Send Messages, Manage
    /// Channels, Manage Roles, Manage Nicknames, Embed Links, Read Message History).
    pub fn create_guild(&self, name: &str) -> u64 {
        self.shared.mutate(|w| {
            let id = w.ids.next();
            let bot_role = w.ids.next();
            let owner = w.ids.next();
            w.users.insert(
                owner,
                User {
                    id: owner,
                    username: format!("{}-owner", name.to_lowercase().replace(' ', "-")),
                    bot: false,
                    dms_closed: false,
                },
            );
            let mut roles = BTreeMap::new();
            roles.insert(
                id,
                RoleState {
                    id,
                    name: "@everyone".into(),
                    permissions: EVERYONE_DEFAULT,
                    position: 0,
                    managed: false,
                    mentionable: false,
                },
            );
            roles.insert(
                bot_role,
                RoleState {
                    id: bot_role,
                    name: "Bot".into(),
                    permissions: BOT_DEFAULT,
                    position: 1,
                    managed: true,
                    mentionable: false,
                },
            );
            let mut members = BTreeMap::new();
            for (user, roles) in [(w.bot_id, vec![bot_role]), (owner, vec![])] {
                let username = w.users.get(&user).map(|u| u.username.clone()).unwrap_or_default();
                members.insert(user, MemberState { guild: id, user, username, roles, nick: None });
            }
            let guild = Guild { id, name: name.to_string(), owner, bot_role, roles, members };
            let data = payload::guild_create(w, &guild);
            w.guilds.insert(id, guild);
            w.emit("GUILD_CREATE", data);
            id
        })
    }

    /// Creates a role. Each new role sits above the roles created before it but below the bot's
    /// role, which stays on top (as server owners are told to arrange it); use
    /// [`FakeDiscord::set_role_position`] to put one above the bot. Returns 0 for an unknown
    /// guild.
    pub fn create_role(&self, guild: u64, name: &str, permissions: u64) -> u64 {
        self.shared.mutate(|w| {
            let id = w.ids.next();
            let bot_id = w.bot_id;
            let Some(g) = w.guilds.get_mut(&guild) else {
                return 0;
            };
            let before: BTreeMap<u64, u32> = g.roles.values().map(|r| (r.id, r.position)).collect();
            g.roles.insert(
                id,
                RoleState { id, name: name.to_string(), permissions, position: 0, managed: false, mentionable: false },
            );
            let mut order: Vec<u64> = ordered_roles(g).into_iter().filter(|r| *r != id).collect();
            let at = order.iter().position(|r| *r == g.bot_role).unwrap_or(order.len());
            order.insert(at, id);
            renumber(g, &order);
            let data = g.roles.get(&id).map(|r| payload::role_event(guild, r, bot_id));
            if let Some(data) = data {
                w.emit("GUILD_ROLE_CREATE", data);
            }
            emit_positions(w, guild, &before);
            id
        })
    }

    /// Moves a role to `position` (1 = just above `@everyone`); the others shift to make room.
    pub fn set_role_position(&self, guild: u64, role: u64, position: u32) {
        self.shared.mutate(|w| {
            let Some(g) = w.guilds.get_mut(&guild) else {
                return;
            };
            if role == guild || !g.roles.contains_key(&role) {
                return;
            }
            let before: BTreeMap<u64, u32> = g.roles.values().map(|r| (r.id, r.position)).collect();
            let mut order: Vec<u64> = ordered_roles(g).into_iter().filter(|r| *r != role).collect();
            let at = usize::try_from(position.max(1) - 1).unwrap_or(usize::MAX).min(order.len());
            order.insert(at, role);
            renumber(g, &order);
            emit_positions(w, guild, &before);
        });
    }

    /// Changes a role's permission bits.
    pub fn set_role_permissions(&self, guild: u64, role: u64, permissions: u64) {
        self.update_role(guild, role, |r| r.permissions = permissions);
    }

    /// Turns a role's "Allow anyone to @mention this role" on or off.
    pub fn set_role_mentionable(&self, guild: u64, role: u64, mentionable: bool) {
        self.update_role(guild, role, |r| r.mentionable = mentionable);
    }

    /// Changes one role and tells the gateway (GUILD_ROLE_UPDATE); nothing for an unknown guild or role.
    fn update_role(&self, guild: u64, role: u64, change: impl FnOnce(&mut RoleState)) {
        self.shared.mutate(|w| {
            let bot_id = w.bot_id;
            let Some(r) = w.guilds.get_mut(&guild).and_then(|g| g.roles.get_mut(&role)) else {
                return;
            };
            change(r);
            let data = payload::role_event(guild, r, bot_id);
            w.emit("GUILD_ROLE_UPDATE", data);
        });
    }

    /// The bot's own (managed) role in a guild.
    pub fn bot_role(&self, guild: u64) -> Option<u64> {
        self.shared.read(|w| w.guilds.get(&guild).map(|g| g.bot_role))
    }

    /// The guild's owner.
    pub fn guild_owner(&self, guild: u64) -> Option<u64> {
        self.shared.read(|w| w.guilds.get(&guild).map(|g| g.owner))
    }

    /// Creates a user and makes them a member with `roles`; returns the user id (0 for an unknown
    /// guild).
    pub fn add_member(&self, guild: u64, username: &str, roles: &[u64]) -> u64 {
        self.shared.mutate(|w| {
            if !w.guilds.contains_key(&guild) {
                return 0;
            }
            let user = w.ids.next();
            w.users.insert(user, User { id: user, username: username.to_string(), bot: false, dms_closed: false });
            let member = MemberState {
                guild,
                user,
                username: username.to_string(),
                roles: roles.iter().copied().filter(|r| *r != guild).collect(),
                nick: None,
            };
            let data = payload::member_event(w, &member);
            if let Some(g) = w.guilds.get_mut(&guild) {
                g.members.insert(user, member);
            }
            w.emit("GUILD_MEMBER_ADD", data);
            user
        })
    }

    /// The member leaves the guild (GUILD_MEMBER_REMOVE).
    pub fn remove_member(&self, guild: u64, user: u64) {
        self.shared.mutate(|w| {
            let removed = w.guilds.get_mut(&guild).and_then(|g| g.members.remove(&user));
            if removed.is_some() {
                let data = json!({ "guild_id": sf(guild), "user": payload::user_by_id(w, user) });
                w.emit("GUILD_MEMBER_REMOVE", data);
            }
        });
    }

    /// Gives or takes a role from a member by hand (GUILD_MEMBER_UPDATE).
    pub fn set_member_roles(&self, guild: u64, user: u64, roles: &[u64]) {
        self.shared.mutate(|w| {
            let Some(m) = w.guilds.get_mut(&guild).and_then(|g| g.members.get_mut(&user)) else {
                return;
            };
            m.roles = roles.iter().copied().filter(|r| *r != guild).collect();
            emit_member_update(w, guild, user);
        });
    }

    /// Makes `user` the guild's owner (GUILD_UPDATE).
    pub fn set_owner(&self, guild: u64, user: u64) {
        self.shared.mutate(|w| {
            let Some(g) = w.guilds.get_mut(&guild) else {
                return;
            };
            g.owner = user;
            if let Some(g) = w.guilds.get(&guild) {
                let data = payload::guild(w, g);
                w.emit("GUILD_UPDATE", data);
            }
        });
    }

    /// When set, the bot's DMs to this user fail with 403 / 50007 (DMs closed).
    pub fn set_dms_closed(&self, user: u64, closed: bool) {
        self.shared.mutate(|w| {
            if let Some(u) = w.users.get_mut(&user) {
                u.dms_closed = closed;
            }
        });
    }

    /// Creates a category (CHANNEL_CREATE).
    pub fn create_category(&self, guild: u64, name: &str) -> u64 {
        self.add_channel(guild, name, ChannelKind::Category, None)
    }

    /// Creates a text channel, in a category when `parent` is given (then synced with its
    /// overwrites, as Discord does) (CHANNEL_CREATE).
    pub fn create_text_channel(&self, guild: u64, name: &str, parent: Option<u64>) -> u64 {
        self.add_channel(guild, name, ChannelKind::Text, parent)
    }

    fn add_channel(&self, guild: u64, name: &str, kind: ChannelKind, parent: Option<u64>) -> u64 {
        self.shared.mutate(|w| {
            if !w.guilds.contains_key(&guild) {
                return 0;
            }
            let id = w.ids.next();
            let overwrites = parent.and_then(|p| w.channels.get(&p)).map(|p| p.overwrites.clone()).unwrap_or_default();
            let channel = ChannelState {
                id,
                guild: Some(guild),
                name: name.to_string(),
                kind,
                parent,
                topic: None,
                overwrites,
                position: next_position(w, guild, kind, parent),
                recipient: None,
            };
            let data = payload::channel(w, &channel);
            w.channels.insert(id, channel);
            w.emit("CHANNEL_CREATE", data);
            id
        })
    }

    /// Sets a channel's permission overwrites by hand (CHANNEL_UPDATE).
    pub fn set_overwrites(&self, channel: u64, overwrites: &[super::OverwriteState]) {
        self.shared.mutate(|w| {
            if let Some(c) = w.channels.get_mut(&channel) {
                c.overwrites = overwrites.to_vec();
                emit_channel_update(w, channel);
            }
        });
    }
}
