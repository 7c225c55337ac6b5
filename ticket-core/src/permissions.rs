//! Who may do what: Discord permission bits, the bot's capabilities, and the [`Actor`] of a use case.
//!
//! The platform adapter passes what it knows about the person who clicked or typed as data; the
//! [`Desk`](crate::Desk) decides. Nothing is trusted because a button was hidden from someone.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::id::{GuildId, RoleId, UserId};
use crate::settings::GuildSettings;

bitflags::bitflags! {
    /// Discord permission bits (the subset the ticket system reads or grants), at Discord's own positions.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
    #[serde(transparent)]
    pub struct Permissions: u64 {
        /// Administrator: every permission.
        const ADMINISTRATOR = 1 << 3;
        /// Manage Channels.
        const MANAGE_CHANNELS = 1 << 4;
        /// Manage Guild (Manage Server).
        const MANAGE_GUILD = 1 << 5;
        /// View Channel.
        const VIEW_CHANNEL = 1 << 10;
        /// Send Messages.
        const SEND_MESSAGES = 1 << 11;
        /// Embed Links.
        const EMBED_LINKS = 1 << 14;
        /// Attach Files.
        const ATTACH_FILES = 1 << 15;
        /// Read Message History.
        const READ_MESSAGE_HISTORY = 1 << 16;
        /// Manage Nicknames.
        const MANAGE_NICKNAMES = 1 << 27;
        /// Manage Roles.
        const MANAGE_ROLES = 1 << 28;
    }
}

impl Permissions {
    /// What a person inside a ticket channel is allowed: see, write, read back, attach and embed.
    pub const TICKET_PARTICIPANT: Self = Self::VIEW_CHANNEL
        .union(Self::SEND_MESSAGES)
        .union(Self::READ_MESSAGE_HISTORY)
        .union(Self::ATTACH_FILES)
        .union(Self::EMBED_LINKS);

    /// What the bot needs in a ticket channel it creates.
    pub const TICKET_BOT: Self = Self::TICKET_PARTICIPANT.union(Self::MANAGE_CHANNELS);

    /// Whether these permissions include `needed` (Administrator includes everything).
    pub fn allows(self, needed: Permissions) -> bool {
        self.contains(Self::ADMINISTRATOR) || self.contains(needed)
    }
}

/// A capability the bot maps to guild roles with `/roles`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Capability {
    /// Handles support tickets.
    Support,
    /// Handles recruitment and `/recruit-config`.
    Recruitment,
}

impl fmt::Display for Capability {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Support => "support",
            Self::Recruitment => "recruitment",
        })
    }
}

/// What a use case asks of its actor.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Requirement {
    /// A Discord permission (Administrator also passes).
    Permission(Permissions),
    /// A capability role, or else the fallback Discord permission.
    CapabilityOr(Capability, Permissions),
    /// The in-game staff role, the support capability, or Manage Channels.
    GameStaff,
}

impl fmt::Display for Requirement {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Permission(p) => write!(f, "the {} permission", permission_names(*p)),
            Self::CapabilityOr(cap, p) => {
                write!(f, "the {cap} role or the {} permission", permission_names(*p))
            }
            Self::GameStaff => f.write_str("the in-game staff role or the Manage Channels permission"),
        }
    }
}

fn permission_names(p: Permissions) -> String {
    let names: Vec<&str> = p
        .iter()
        .map(|bit| match bit {
            Permissions::ADMINISTRATOR => "Administrator",
            Permissions::MANAGE_CHANNELS => "Manage Channels",
            Permissions::MANAGE_GUILD => "Manage Server",
            Permissions::VIEW_CHANNEL => "View Channel",
            Permissions::SEND_MESSAGES => "Send Messages",
            Permissions::EMBED_LINKS => "Embed Links",
            Permissions::ATTACH_FILES => "Attach Files",
            Permissions::READ_MESSAGE_HISTORY => "Read Message History",
            Permissions::MANAGE_NICKNAMES => "Manage Nicknames",
            Permissions::MANAGE_ROLES => "Manage Roles",
            _ => "unknown",
        })
        .collect();
    names.join(" + ")
}

/// The person behind a use case, as the platform reported them.
#[derive(Clone, PartialEq, Eq)]
pub struct Actor {
    /// The Discord server (guild) where they acted: their roles and permissions are those of this guild, and they
    /// can only act on tickets, applications and settings of this guild.
    pub guild: GuildId,
    /// Their Discord user id.
    pub user: UserId,
    /// The name to show in transcripts and logs (display name or username).
    pub display_name: String,
    /// Their roles in the guild.
    pub roles: Vec<RoleId>,
    /// Their permissions in the channel where they acted.
    pub permissions: Permissions,
    /// Whether the platform marks them as a bot.
    pub is_bot: bool,
}

impl fmt::Debug for Actor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Actor")
            .field("guild", &self.guild)
            .field("user", &self.user)
            .field("display_name", &self.display_name)
            .field("roles", &self.roles)
            .field("permissions", &self.permissions)
            .field("is_bot", &self.is_bot)
            .finish()
    }
}

impl Actor {
    /// A human member of `guild` with the given roles and permissions there.
    pub fn member(
        guild: GuildId,
        user: UserId,
        display_name: impl Into<String>,
        roles: Vec<RoleId>,
        permissions: Permissions,
    ) -> Self {
        Self { guild, user, display_name: display_name.into(), roles, permissions, is_bot: false }
    }

    /// Whether the actor holds any of `roles`.
    pub fn has_any_role(&self, roles: &[RoleId]) -> bool {
        roles.iter().any(|r| self.roles.contains(r))
    }

    /// Whether the actor meets `requirement` under `settings`.
    pub fn meets(&self, requirement: Requirement, settings: &GuildSettings) -> bool {
        match requirement {
            Requirement::Permission(p) => self.permissions.allows(p),
            Requirement::CapabilityOr(cap, p) => {
                self.permissions.allows(p) || self.has_any_role(settings.capability_roles.get(cap))
            }
            Requirement::GameStaff => {
                self.permissions.allows(Permissions::MANAGE_CHANNELS)
                    || settings.in_game.staff_role.is_some_and(|r| self.roles.contains(&r))
                    || self.has_any_role(settings.capability_roles.get(Capability::Support))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn administrator_allows_everything() {
        assert!(Permissions::ADMINISTRATOR.allows(Permissions::MANAGE_GUILD));
        assert!(!Permissions::MANAGE_CHANNELS.allows(Permissions::MANAGE_GUILD));
        assert!(Permissions::MANAGE_GUILD.allows(Permissions::MANAGE_GUILD));
    }

    #[test]
    fn capability_roles_or_permission() {
        let mut settings = GuildSettings::default();
        settings.capability_roles.recruitment = vec![RoleId::new(9)];
        let staff = Actor::member(GuildId::new(1), UserId::new(1), "s", vec![RoleId::new(9)], Permissions::empty());
        let nobody = Actor::member(GuildId::new(1), UserId::new(2), "n", vec![RoleId::new(8)], Permissions::empty());
        let need = Requirement::CapabilityOr(Capability::Recruitment, Permissions::MANAGE_CHANNELS);
        assert!(staff.meets(need, &settings));
        assert!(!nobody.meets(need, &settings));
        assert!(!format!("{staff:?}").contains("UserId(1)"));
        assert_eq!(need.to_string(), "the recruitment role or the Manage Channels permission");
    }
}
