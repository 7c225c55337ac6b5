//! Who acted: the core's [`Actor`] built from what Discord sent with an interaction or a message.

use serenity::all::{Member, Message, Permissions as SPermissions, RoleId, User};
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
    let member = message.member.as_ref();
    let permissions = message
        .guild_id
        .zip(member)
        // A member whose embedded user is someone else than the author is not the author's.
        .filter(|(_, member)| member.user.as_ref().is_none_or(|u| u.id == message.author.id))
        .and_then(|(g, member)| guilds.permissions_in(g, message.channel_id, message.author.id, &member.roles));
    let roles = member.map(|m| m.roles.as_slice()).unwrap_or_default();
    author(guild, message, member.and_then(|m| m.nick.clone()), roles, permissions)
}

/// The author of a message read from a channel's history, which carries no member: their roles and name from
/// `member` as Discord gave it (`None`: roles unknown, taken as none), their permissions in the channel from the
/// guild view.
pub(crate) fn from_listed(guilds: &GuildView, guild: GuildId, message: &Message, member: Option<&Member>) -> Actor {
    let member = member.filter(|m| m.user.id == message.author.id);
    let permissions =
        member.and_then(|m| guilds.permissions_in(m.guild_id, message.channel_id, message.author.id, &m.roles));
    let roles = member.map(|m| m.roles.as_slice()).unwrap_or_default();
    author(guild, message, member.and_then(|m| m.nick.clone()), roles, permissions)
}

fn author(
    guild: GuildId,
    message: &Message,
    nick: Option<String>,
    roles: &[RoleId],
    permissions: Option<SPermissions>,
) -> Actor {
    Actor {
        guild,
        user: from::user(message.author.id),
        display_name: nick.unwrap_or_else(|| message.author.display_name().to_owned()),
        roles: roles.iter().map(|r| from::role(*r)).collect(),
        permissions: permissions.map(permissions_from).unwrap_or_else(Permissions::empty),
        is_bot: message.author.bot || message.webhook_id.is_some(),
    }
}
