//! Who acted: the core's [`Actor`] built from what Discord sent with an interaction or a message.

use serenity::all::{Cache, Member, Message, User};
use ticket_core::{Actor, GuildId, Permissions};

use crate::convert::{from, permissions_from};

/// The actor of an interaction in `guild`: Discord computes the member's permissions in the channel for us.
pub(crate) fn from_interaction(guild: GuildId, member: Option<&Member>, user: &User) -> Actor {
    let (name, roles, permissions) = match member {
        Some(m) => (
            m.display_name().to_owned(),
            m.roles.iter().map(|r| from::role(*r)).collect(),
            m.permissions.map(permissions_from).unwrap_or_else(Permissions::empty),
        ),
        None => (user.display_name().to_owned(), Vec::new(), Permissions::empty()),
    };
    Actor { guild, user: from::user(user.id), display_name: name, roles, permissions, is_bot: user.bot }
}

/// The author of a message in `guild`, with their permissions in its channel computed from the cache (roles and
/// overwrites as the gateway reported them); without a cached guild, roles only.
pub(crate) fn from_message(cache: &Cache, guild: GuildId, message: &Message) -> Actor {
    let roles: Vec<_> = message.member.as_ref().map(|m| m.roles.clone()).unwrap_or_default();
    let name = message
        .member
        .as_ref()
        .and_then(|m| m.nick.clone())
        .unwrap_or_else(|| message.author.display_name().to_owned());
    let permissions = message
        .guild_id
        .and_then(|g| cache.guild(g))
        .and_then(|guild| {
            let channel = guild.channels.get(&message.channel_id)?;
            let member = message.member.as_ref()?;
            // `partial_member_permissions_in` insists the member's embedded user (if any) is the author.
            if member.user.as_ref().is_some_and(|u| u.id != message.author.id) {
                return None;
            }
            Some(guild.partial_member_permissions_in(channel, message.author.id, member))
        })
        .map(permissions_from)
        .unwrap_or_else(Permissions::empty);
    Actor {
        guild,
        user: from::user(message.author.id),
        display_name: name,
        roles: roles.into_iter().map(from::role).collect(),
        permissions,
        is_bot: message.author.bot || message.webhook_id.is_some(),
    }
}
