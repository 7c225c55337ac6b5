//! Role pings that notify. A role mention in a message from the bot notifies the role's members only if the role
//! is mentionable or the bot has the Mention Everyone permission; otherwise Discord shows the mention and tells
//! no one. The bot does not ask for Mention Everyone (it never needs to ping `@everyone`): it checks the ping
//! roles instead, says so when they are set, and warns at start-up.

use crate::id::{GuildId, RoleId};
use crate::settings::GuildSettings;

use super::{Desk, DeskError};

/// Every role a ticket or application pings: the support and recruitment ping roles, the in-game staff role and
/// the recruitment areas' roles, each once.
pub(crate) fn pinged_roles(settings: &GuildSettings) -> Vec<RoleId> {
    let mut roles = Vec::new();
    let candidates = [settings.ping_roles.support, settings.ping_roles.recruitment, settings.in_game.staff_role];
    for role in candidates.into_iter().flatten().chain(settings.recruitment_options.iter().filter_map(|o| o.ping_role))
    {
        if !roles.contains(&role) {
            roles.push(role);
        }
    }
    roles
}

/// What an admin is told when a ping role they set would notify no one.
pub(crate) fn silent_note(roles: &[RoleId]) -> String {
    let named: Vec<String> = roles.iter().map(|r| format!("<@&{r}>")).collect();
    let (subject, verb) = if roles.len() == 1 { ("The role", "is") } else { ("The roles", "are") };
    format!(
        "\n⚠️ Discord will not notify {} when the bot pings {}: {subject} {verb} not mentionable and the bot does not \
         have Mention Everyone. Turn on \"Allow anyone to @mention this role\" (Server Settings → Roles), or give the \
         bot the Mention Everyone permission.",
        named.join(", "),
        if roles.len() == 1 { "it" } else { "them" },
    )
}

impl Desk {
    /// The ping roles of `guild` whose pings would notify no one (the platform says which; none if it cannot
    /// tell). For a warning at start-up.
    pub async fn silent_ping_roles(&self, guild: GuildId) -> Result<Vec<RoleId>, DeskError> {
        let settings = self.settings(guild).await?;
        self.silent_among(guild, &pinged_roles(&settings)).await
    }

    /// Which of `roles` the bot's pings would not notify; none when the platform cannot tell.
    pub(crate) async fn silent_among(&self, guild: GuildId, roles: &[RoleId]) -> Result<Vec<RoleId>, DeskError> {
        if roles.is_empty() {
            return Ok(Vec::new());
        }
        match self.ports.chat.unpingable_roles(guild, roles).await {
            Ok(silent) => Ok(silent),
            Err(error) => {
                tracing::debug!(%guild, %error, "cannot tell whether ping roles are mentionable");
                Ok(Vec::new())
            }
        }
    }
}
