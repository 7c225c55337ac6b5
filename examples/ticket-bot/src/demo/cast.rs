//! The demo's Discord server: its roles, people and channels, made in the fake Discord.

use adapter_discord::sim::FakeDiscord;

use super::show::Names;

/// The people.
#[derive(Debug, Clone, Copy)]
pub(crate) struct People {
    /// The server owner: runs the slash commands and finalises applications.
    pub olivia: u64,
    /// Support staff.
    pub sam: u64,
    /// In-game staff: answers players in game.
    pub alice: u64,
    /// A member who needs help.
    pub ann: u64,
    /// Recruitment staff.
    pub rex: u64,
    /// An applicant.
    pub cara: u64,
}

/// The channels and roles.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Places {
    /// The Discord server.
    pub guild: u64,
    /// Where the owner types commands.
    pub staff_room: u64,
    /// The support panel.
    pub support: u64,
    /// The recruitment panel.
    pub recruitment: u64,
    /// Staff action logs.
    pub log: u64,
    /// Permanent application records.
    pub applications: u64,
    /// Categories for ticket channels.
    pub support_tickets: u64,
    pub recruitment_tickets: u64,
    pub game_tickets: u64,
    /// Roles.
    pub support_role: u64,
    pub gm_role: u64,
    pub recruiter_role: u64,
    pub member_role: u64,
    pub affiliate_role: u64,
}

/// The name of the demo's Discord server.
pub(crate) const GUILD_NAME: &str = "RagnaSync Demo";

/// Makes the server, its roles, people and channels; teaches `names` who and what they are.
pub(crate) fn create(discord: &FakeDiscord, names: &mut Names) -> (People, Places) {
    let guild = discord.create_guild(GUILD_NAME);
    let mut role = |name: &str| {
        let id = discord.create_role(guild, name, 0);
        names.role(id, name);
        id
    };
    let support_role = role("Support");
    let gm_role = role("GM");
    let recruiter_role = role("Recruiter");
    let member_role = role("Member");
    let affiliate_role = role("Affiliate");
    let mut person = |name: &str, roles: &[u64]| {
        let id = discord.add_member(guild, name, roles);
        names.user(id, name);
        id
    };
    let people = People {
        olivia: person("Olivia", &[]),
        sam: person("Sam", &[support_role]),
        alice: person("GM Alice", &[gm_role]),
        ann: person("Ann", &[]),
        rex: person("Rex", &[recruiter_role]),
        cara: person("Cara", &[]),
    };
    discord.set_owner(guild, people.olivia);
    names.user(discord.bot_user_id(), "RagnaSync");
    let text = |name: &str| discord.create_text_channel(guild, name, None);
    let places = Places {
        guild,
        staff_room: text("staff-room"),
        support: text("support"),
        recruitment: text("recruitment"),
        log: text("ticket-log"),
        applications: text("applications"),
        support_tickets: discord.create_category(guild, "Support Tickets"),
        recruitment_tickets: discord.create_category(guild, "Recruitment Tickets"),
        game_tickets: discord.create_category(guild, "In-game Tickets"),
        support_role,
        gm_role,
        recruiter_role,
        member_role,
        affiliate_role,
    };
    names.refresh_channels(discord, guild);
    (people, places)
}
