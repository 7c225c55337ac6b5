//! Who acted: the core's [`Actor`] built from what Discord sent with an interaction or a message.

use serenity::all::{Member, Message, User};
use ticket_core::{Actor, GuildId, Permissions};

use crate::convert::{from, permissions_from};
use crate::guilds::GuildView;

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

/// The author of a message in `guild`, with their permissions in its channel worked out from the guild view (roles
/// and overwrites as the gateway reported them); where the view does not know the guild or channel, roles only.
pub(crate) fn from_message(guilds: &GuildView, guild: GuildId, message: &Message) -> Actor {
    let roles: Vec<_> = message.member.as_ref().map(|m| m.roles.clone()).unwrap_or_default();
    let name = message
        .member
        .as_ref()
        .and_then(|m| m.nick.clone())
        .unwrap_or_else(|| message.author.display_name().to_owned());
    let permissions = message
        .guild_id
        .zip(message.member.as_ref())
        // A member whose embedded user is someone else than the author is not the author's.
        .filter(|(_, member)| member.user.as_ref().is_none_or(|u| u.id == message.author.id))
        .and_then(|(g, member)| guilds.permissions_in(g, message.channel_id, message.author.id, &member.roles))
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
