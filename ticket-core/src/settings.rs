//! Per-guild settings: everything `/tickets`, `/recruit-config`, `/roles` and the game link configure.

use serde::{Deserialize, Serialize};

use crate::id::{ChannelId, GuildId, MessageId, RoleId};
use crate::permissions::Capability;
use crate::qna::QnaQuestion;
use crate::recruitment::RequestedRole;

/// The three kinds of ticket.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TicketType {
    /// Opened by a player from inside the game.
    InGame,
    /// Opened from the support panel.
    Support,
    /// Opened from the recruitment panel.
    Recruitment,
}

impl TicketType {
    /// The lowercase name used in text and storage.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::InGame => "in_game",
            Self::Support => "support",
            Self::Recruitment => "recruitment",
        }
    }
}

/// Where panels are posted and where ticket channels are created (`/tickets set-targets`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PanelTargets {
    /// Where the Support panel is posted.
    pub support_panel: Option<ChannelId>,
    /// Where the Recruitment panel is posted.
    pub recruitment_panel: Option<ChannelId>,
    /// Where support ticket channels are created.
    pub support_category: Option<ChannelId>,
    /// Where recruitment ticket channels are created.
    pub recruitment_category: Option<ChannelId>,
    /// Where staff action logs (resolved, approved, declined, finalised…) are posted.
    pub log_channel: Option<ChannelId>,
}

/// A panel message the bot posted, remembered so that a refresh can remove the older copy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct PostedMessage {
    /// The channel it is in.
    pub channel: ChannelId,
    /// The message.
    pub message: MessageId,
}

/// The panel messages currently posted.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PostedPanels {
    /// The support panel.
    pub support: Option<PostedMessage>,
    /// The recruitment panel.
    pub recruitment: Option<PostedMessage>,
}

/// Roles pinged when a ticket opens, and given access to its channel (`/tickets set-ping`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PingRoles {
    /// Pinged for support tickets.
    pub support: Option<RoleId>,
    /// Pinged for recruitment tickets.
    pub recruitment: Option<RoleId>,
}

/// The RSI organisation shown on recruitment embeds (`/tickets set-org`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RsiOrg {
    /// The organisation page; enables the "Apply on RSI" button.
    pub url: Option<String>,
    /// An image for the recruitment panel.
    pub image: Option<String>,
}

/// A selectable recruitment area/focus (`/tickets add-option`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecruitmentOption {
    /// The short name shown to applicants, e.g. `medical`.
    pub name: String,
    /// A role pinged, and given access, when an applicant picks this area.
    pub ping_role: Option<RoleId>,
}

/// What the applicant may still do in their ticket after Approve (`/recruit-config set-access-mode`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ApplicantAccess {
    /// Keeps reading and writing (the default: they talk to staff about RSI acceptance).
    #[default]
    Keep,
    /// Can read but no longer write.
    ReadOnly,
    /// Loses access to the channel.
    Remove,
}

impl ApplicantAccess {
    /// The lowercase name used in commands.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Keep => "keep",
            Self::ReadOnly => "read_only",
            Self::Remove => "remove",
        }
    }
}

/// Roles that carry a capability (`/roles`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CapabilityRoles {
    /// Staff who handle support tickets.
    pub support: Vec<RoleId>,
    /// Staff who handle recruitment.
    pub recruitment: Vec<RoleId>,
}

impl CapabilityRoles {
    /// The roles for a capability.
    pub fn get(&self, capability: Capability) -> &[RoleId] {
        match capability {
            Capability::Support => &self.support,
            Capability::Recruitment => &self.recruitment,
        }
    }

    /// The roles for a capability, to change.
    pub fn get_mut(&mut self, capability: Capability) -> &mut Vec<RoleId> {
        match capability {
            Capability::Support => &mut self.support,
            Capability::Recruitment => &mut self.recruitment,
        }
    }
}

/// The org roles granted on Approve (`/roles`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrgRoles {
    /// Granted to approved Members.
    pub member: Option<RoleId>,
    /// Granted to approved Affiliates.
    pub affiliate: Option<RoleId>,
}

impl OrgRoles {
    /// The role for a requested role.
    pub fn for_request(&self, requested: RequestedRole) -> Option<RoleId> {
        match requested {
            RequestedRole::Member => self.member,
            RequestedRole::Affiliate => self.affiliate,
        }
    }
}

/// In-game ticket settings. `enabled` and `close_on_logout` come from the game server's `conf/channels.conf`
/// through the link's `config` record; the category and staff role are set on Discord.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InGameSettings {
    /// `ragnasync_ticket_support_system_enabled` (default true).
    pub enabled: bool,
    /// `ragnasync_ticket_support_system_close_on_logout` (default true).
    pub close_on_logout: bool,
    /// Where `ticket-<player>` channels are created.
    pub category: Option<ChannelId>,
    /// Staff who see in-game tickets and whose messages are whispered to the player.
    pub staff_role: Option<RoleId>,
}

impl Default for InGameSettings {
    fn default() -> Self {
        Self { enabled: true, close_on_logout: true, category: None, staff_role: None }
    }
}

/// Transcripts (`/tickets set-transcripts`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct TranscriptSettings {
    /// How many days a closed ticket's transcript is kept; `None` keeps it for good (the default).
    pub retention_days: Option<u32>,
}

impl TranscriptSettings {
    /// The longest retention that can be set: ten years.
    pub const MAX_RETENTION_DAYS: u32 = 3650;
}

/// Claiming tickets (`/tickets set-claim`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ClaimSettings {
    /// Once a ticket is claimed, only the claimer and administrators may write in it (staff still read it).
    pub exclusive: bool,
}

/// Closing for inactivity, for one kind of ticket: the opener is warned after `warn_after_hours` without a word
/// from them, and the ticket closes `close_after_hours` after the warning unless they write.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Inactivity {
    /// Hours without a word from the opener before they are warned.
    pub warn_after_hours: u32,
    /// Hours after the warning before the ticket closes.
    pub close_after_hours: u32,
}

/// How tickets close besides staff's own actions (`/tickets set-closing`, `/tickets set-auto-close`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct CloseSettings {
    /// Hours the opener has to answer staff's close request before the ticket closes (default 24).
    pub request_timeout_hours: u32,
    /// Whether the opener of a support ticket may close it themselves (`/ticket close`).
    pub opener_can_close: bool,
    /// Closing support tickets for inactivity; off by default.
    pub support_inactivity: Option<Inactivity>,
    /// Closing recruitment tickets for inactivity; off by default.
    pub recruitment_inactivity: Option<Inactivity>,
    /// How long after closing a support ticket staff may reopen it from its log entry; off (`None`) by default.
    pub reopen_window_hours: Option<u32>,
    /// Whether the opener of a support or recruitment ticket is asked for a 1–5 star rating in a DM at close; off
    /// by default (see `docs/workflow.md`).
    pub feedback: bool,
}

impl CloseSettings {
    /// The longest time any of these may be set to, in hours: a year.
    pub const MAX_HOURS: u32 = 24 * 366;

    /// Inactivity closing for a kind of ticket (in-game tickets keep their own rule: the player's logout).
    pub fn inactivity(&self, kind: TicketType) -> Option<Inactivity> {
        match kind {
            TicketType::Support => self.support_inactivity,
            TicketType::Recruitment => self.recruitment_inactivity,
            TicketType::InGame => None,
        }
    }
}

impl Default for CloseSettings {
    fn default() -> Self {
        Self {
            request_timeout_hours: 24,
            opener_can_close: false,
            support_inactivity: None,
            recruitment_inactivity: None,
            reopen_window_hours: None,
            feedback: false,
        }
    }
}

/// Everything configurable for one guild.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct GuildSettings {
    /// The guild these settings belong to.
    pub guild: GuildId,
    /// Panel channels, ticket categories and the action log.
    pub targets: PanelTargets,
    /// Panel messages currently posted.
    pub panels: PostedPanels,
    /// Staff ping roles per ticket type.
    pub ping_roles: PingRoles,
    /// DM the opener when a support ticket is resolved.
    pub dm_on_close: bool,
    /// Set an approved applicant's nickname from their RSI handle.
    pub nick_sync: bool,
    /// RSI organisation page and image.
    pub rsi_org: RsiOrg,
    /// Selectable recruitment areas.
    pub recruitment_options: Vec<RecruitmentOption>,
    /// The Quick Q&A questions, in order.
    pub qna: Vec<QnaQuestion>,
    /// Where permanent recruitment records are posted.
    pub record_channel: Option<ChannelId>,
    /// What the applicant may do after Approve.
    pub applicant_access: ApplicantAccess,
    /// Capability → roles.
    pub capability_roles: CapabilityRoles,
    /// Member/Affiliate roles.
    pub org_roles: OrgRoles,
    /// In-game ticket settings.
    pub in_game: InGameSettings,
    /// Transcript settings.
    pub transcripts: TranscriptSettings,
    /// Claim settings.
    pub claims: ClaimSettings,
    /// Closing settings.
    pub closing: CloseSettings,
    /// Limits on opening tickets, per kind.
    pub limits: crate::limits::TicketLimits,
    /// Members, roles and players who may not open tickets.
    pub blocklist: Vec<crate::limits::Block>,
    /// Saved answers, by name.
    pub snippets: Vec<crate::snippet::Snippet>,
    /// Optimistic-concurrency version, maintained by the store.
    pub version: u64,
}

impl Default for GuildSettings {
    fn default() -> Self {
        Self::new(GuildId::new(0))
    }
}

impl GuildSettings {
    /// The most recruitment options a select menu can show.
    pub const MAX_OPTIONS: usize = 25;

    /// The defaults for a guild that has configured nothing.
    pub fn new(guild: GuildId) -> Self {
        Self {
            guild,
            targets: PanelTargets::default(),
            panels: PostedPanels::default(),
            ping_roles: PingRoles::default(),
            dm_on_close: false,
            nick_sync: false,
            rsi_org: RsiOrg::default(),
            recruitment_options: Vec::new(),
            qna: QnaQuestion::defaults(),
            record_channel: None,
            applicant_access: ApplicantAccess::Keep,
            capability_roles: CapabilityRoles::default(),
            org_roles: OrgRoles::default(),
            in_game: InGameSettings::default(),
            transcripts: TranscriptSettings::default(),
            claims: ClaimSettings::default(),
            closing: CloseSettings::default(),
            limits: crate::limits::TicketLimits::default(),
            blocklist: Vec::new(),
            snippets: Vec::new(),
            version: 0,
        }
    }

    /// The ping role of a ticket type, if any.
    pub fn ping_role(&self, kind: TicketType) -> Option<RoleId> {
        match kind {
            TicketType::Support => self.ping_roles.support,
            TicketType::Recruitment => self.ping_roles.recruitment,
            TicketType::InGame => self.in_game.staff_role,
        }
    }

    /// The roles that staff a ticket type: its ping role and its capability roles, without duplicates.
    pub fn staff_roles(&self, kind: TicketType) -> Vec<RoleId> {
        let capability = match kind {
            TicketType::Support | TicketType::InGame => Capability::Support,
            TicketType::Recruitment => Capability::Recruitment,
        };
        let mut roles: Vec<RoleId> = self.ping_role(kind).into_iter().collect();
        for role in self.capability_roles.get(capability) {
            if !roles.contains(role) {
                roles.push(*role);
            }
        }
        roles
    }

    /// The category where channels of a ticket type are created.
    pub fn category(&self, kind: TicketType) -> Option<ChannelId> {
        match kind {
            TicketType::Support => self.targets.support_category,
            TicketType::Recruitment => self.targets.recruitment_category,
            TicketType::InGame => self.in_game.category,
        }
    }

    /// Finds a recruitment option by name, ignoring case.
    pub fn option(&self, name: &str) -> Option<&RecruitmentOption> {
        self.recruitment_options.iter().find(|o| o.name.eq_ignore_ascii_case(name.trim()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_follow_the_specs() {
        let s = GuildSettings::new(GuildId::new(1));
        assert!(s.in_game.enabled);
        assert!(s.in_game.close_on_logout);
        assert!(!s.dm_on_close);
        assert!(!s.nick_sync);
        assert_eq!(s.qna.len(), 4);
        assert_eq!(s.applicant_access, ApplicantAccess::Keep);
    }

    #[test]
    fn staff_roles_merge_ping_and_capability_without_duplicates() {
        let mut s = GuildSettings::new(GuildId::new(1));
        s.ping_roles.support = Some(RoleId::new(5));
        s.capability_roles.support = vec![RoleId::new(5), RoleId::new(6)];
        assert_eq!(s.staff_roles(TicketType::Support), vec![RoleId::new(5), RoleId::new(6)]);
        assert!(s.staff_roles(TicketType::Recruitment).is_empty());
    }

    #[test]
    fn old_settings_without_new_fields_still_load() {
        let s: GuildSettings = serde_json::from_str(r#"{"guild": 3, "dm_on_close": true}"#).unwrap();
        assert_eq!(s.guild, GuildId::new(3));
        assert!(s.dm_on_close);
        assert_eq!(s.qna.len(), 4);
    }
}
