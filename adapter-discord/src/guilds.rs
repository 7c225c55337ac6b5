//! [`GuildView`]: what the bot keeps of each guild it is in, from the gateway, in place of serenity's cache.
//!
//! The bot reads little of a guild: its channels (to place and find ticket channels, and to count them against
//! Discord's caps), each channel's permission overwrites and the guild's roles (to work out a message author's
//! permissions), which roles can be pinged, and the bot's own roles. serenity's cache keeps whole models (a
//! `GuildChannel` is several hundred bytes before its strings) and copies each guild once more as it arrives; this
//! view keeps only what is read, about a fifth of the memory per channel, and takes each `GUILD_CREATE` without a
//! copy.
//!
//! Changes are applied in gateway order: the shard runner's collector (see [`crate::ordered`]) applies each event as
//! it is received, before any handler runs. An event the shard delivered before the collector was registered (the
//! moment between `READY` and its handler) is applied by the event handler instead, which asks
//! [`GuildView::was_taken`] first.

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard, RwLock, RwLockReadGuard, RwLockWriteGuard};

use serenity::all::{
    ChannelId, ChannelType, Event, Guild, GuildChannel, GuildId, PartialGuild, PermissionOverwrite,
    PermissionOverwriteType, Permissions, Role, RoleId, UserId,
};
use ticket_core::TicketId;
use ticket_core::topic::TopicMarkers;

/// The guilds the bot is in, as far as it reads them. Shared by the event handler and the platform.
#[derive(Debug)]
pub struct GuildView {
    bot: UserId,
    guilds: RwLock<HashMap<GuildId, GuildState>>,
    /// Changes the collector applied, until the event handler's own call for them has seen that.
    taken: Mutex<HashMap<Change, u32>>,
}

#[derive(Debug)]
struct GuildState {
    owner: UserId,
    roles: HashMap<RoleId, RoleState>,
    bot_roles: Box<[RoleId]>,
    channels: HashMap<ChannelId, ChannelState>,
}

#[derive(Debug, Clone, Copy)]
struct RoleState {
    permissions: Permissions,
    mentionable: bool,
}

#[derive(Debug)]
struct ChannelState {
    kind: ChannelType,
    parent: Option<ChannelId>,
    /// A category's name; other channels' names are never read.
    name: Option<Box<str>>,
    /// The ticket its topic's `TID:` marker names.
    ticket: Option<TicketId>,
    overwrites: Box<[Overwrite]>,
}

#[derive(Debug, Clone, Copy)]
struct Overwrite {
    target: Target,
    allow: Permissions,
    deny: Permissions,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Target {
    Role(RoleId),
    Member(UserId),
}

/// A change to the view, as the collector and the event handler both name it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Change {
    GuildCreated(GuildId),
    GuildUpdated(GuildId),
    GuildDeleted(GuildId),
    ChannelCreated(ChannelId),
    ChannelUpdated(ChannelId),
    ChannelDeleted(ChannelId),
    RoleCreated(RoleId),
    RoleUpdated(RoleId),
    RoleDeleted(RoleId),
    MemberUpdated(GuildId, UserId),
}

/// A guild channel as opening a ticket sees it.
#[derive(Debug, Clone)]
pub(crate) struct BriefChannel {
    pub id: ChannelId,
    /// A category's name; empty for other channels.
    pub name: String,
    pub is_category: bool,
    pub parent: Option<ChannelId>,
    /// The ticket its topic's `TID:` marker names.
    pub ticket: Option<TicketId>,
    /// A category's permission overwrites (copied to its overflow categories); empty for other channels.
    pub overwrites: Vec<PermissionOverwrite>,
}

impl ChannelState {
    fn of(channel: &GuildChannel) -> Self {
        let is_category = channel.kind == ChannelType::Category;
        Self {
            kind: channel.kind,
            parent: channel.parent_id,
            name: is_category.then(|| channel.name.as_str().into()),
            ticket: channel.topic.as_deref().and_then(|t| TopicMarkers::parse(t).ticket),
            overwrites: channel.permission_overwrites.iter().filter_map(Overwrite::of).collect(),
        }
    }

    fn brief(&self, id: ChannelId) -> BriefChannel {
        let is_category = self.kind == ChannelType::Category;
        BriefChannel {
            id,
            name: self.name.as_deref().unwrap_or_default().to_owned(),
            is_category,
            parent: self.parent,
            ticket: self.ticket,
            overwrites: if is_category {
                self.overwrites.iter().copied().map(Overwrite::to_serenity).collect()
            } else {
                Vec::new()
            },
        }
    }
}

impl Overwrite {
    fn of(o: &PermissionOverwrite) -> Option<Self> {
        let target = match o.kind {
            PermissionOverwriteType::Role(r) => Target::Role(r),
            PermissionOverwriteType::Member(u) => Target::Member(u),
            // A kind Discord may add later: it grants nothing the bot knows how to read.
            _ => return None,
        };
        Some(Self { target, allow: o.allow, deny: o.deny })
    }

    fn to_serenity(self) -> PermissionOverwrite {
        let kind = match self.target {
            Target::Role(r) => PermissionOverwriteType::Role(r),
            Target::Member(u) => PermissionOverwriteType::Member(u),
        };
        PermissionOverwrite { allow: self.allow, deny: self.deny, kind }
    }
}

/// A channel Discord listed (not from the view) as opening a ticket reads it.
pub(crate) fn brief(channel: &GuildChannel) -> BriefChannel {
    ChannelState::of(channel).brief(channel.id)
}

fn role_state(role: &Role) -> RoleState {
    RoleState { permissions: role.permissions, mentionable: role.mentionable }
}

impl GuildView {
    /// An empty view for the bot user `bot` (whose roles it follows).
    pub fn new(bot: UserId) -> Self {
        Self { bot, guilds: RwLock::default(), taken: Mutex::default() }
    }

    fn read(&self) -> RwLockReadGuard<'_, HashMap<GuildId, GuildState>> {
        // Every write below leaves the map consistent before it can panic: a poisoned lock still guards a usable view.
        self.guilds.read().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn write(&self) -> RwLockWriteGuard<'_, HashMap<GuildId, GuildState>> {
        self.guilds.write().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn taken(&self) -> MutexGuard<'_, HashMap<Change, u32>> {
        // Plain counter updates under the lock: a poisoned lock still guards consistent counts.
        self.taken.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Applies a gateway event, if it changes the view; returns the change. Called by the collector, in gateway
    /// order; the change is remembered as taken.
    pub(crate) fn take(&self, event: &Event) -> Option<Change> {
        let change = self.apply(event)?;
        *self.taken().entry(change).or_default() += 1;
        Some(change)
    }

    /// Whether the collector applied this change (the event handler then leaves it alone); forgets it once.
    pub(crate) fn was_taken(&self, change: Change) -> bool {
        let mut taken = self.taken();
        match taken.get_mut(&change) {
            Some(count) if *count > 1 => {
                *count -= 1;
                true
            }
            Some(_) => {
                taken.remove(&change);
                true
            }
            None => false,
        }
    }

    fn apply(&self, event: &Event) -> Option<Change> {
        match event {
            Event::GuildCreate(e) => Some(self.guild_created(&e.guild)),
            Event::GuildUpdate(e) => Some(self.guild_updated(&e.guild)),
            Event::GuildDelete(e) => Some(self.guild_deleted(e.guild.id)),
            Event::ChannelCreate(e) => Some(self.channel_created(&e.channel)),
            Event::ChannelUpdate(e) => Some(self.channel_updated(&e.channel)),
            Event::ChannelDelete(e) => Some(self.channel_deleted(&e.channel)),
            Event::GuildRoleCreate(e) => Some(self.role_created(&e.role)),
            Event::GuildRoleUpdate(e) => Some(self.role_updated(&e.role)),
            Event::GuildRoleDelete(e) => Some(self.role_deleted(e.guild_id, e.role_id)),
            Event::GuildMemberUpdate(e) => Some(self.member_updated(e.guild_id, e.user.id, &e.roles)),
            _ => None,
        }
    }

    /// A guild arrived (at connection, or when the bot joins it or it becomes available again).
    pub(crate) fn guild_created(&self, guild: &Guild) -> Change {
        let state = GuildState {
            owner: guild.owner_id,
            roles: guild.roles.iter().map(|(id, role)| (*id, role_state(role))).collect(),
            bot_roles: guild.members.get(&self.bot).map(|m| m.roles.as_slice().into()).unwrap_or_default(),
            channels: guild.channels.iter().map(|(id, c)| (*id, ChannelState::of(c))).collect(),
        };
        self.write().insert(guild.id, state);
        Change::GuildCreated(guild.id)
    }

    /// A guild's owner or roles changed.
    pub(crate) fn guild_updated(&self, guild: &PartialGuild) -> Change {
        if let Some(state) = self.write().get_mut(&guild.id) {
            state.owner = guild.owner_id;
            state.roles = guild.roles.iter().map(|(id, role)| (*id, role_state(role))).collect();
        }
        Change::GuildUpdated(guild.id)
    }

    /// The bot left a guild, or it became unavailable (its `GUILD_CREATE` comes again when it is back).
    pub(crate) fn guild_deleted(&self, guild: GuildId) -> Change {
        self.write().remove(&guild);
        Change::GuildDeleted(guild)
    }

    pub(crate) fn channel_created(&self, channel: &GuildChannel) -> Change {
        self.put_channel(channel);
        Change::ChannelCreated(channel.id)
    }

    pub(crate) fn channel_updated(&self, channel: &GuildChannel) -> Change {
        self.put_channel(channel);
        Change::ChannelUpdated(channel.id)
    }

    fn put_channel(&self, channel: &GuildChannel) {
        if let Some(state) = self.write().get_mut(&channel.guild_id) {
            state.channels.insert(channel.id, ChannelState::of(channel));
        }
    }

    pub(crate) fn channel_deleted(&self, channel: &GuildChannel) -> Change {
        if let Some(state) = self.write().get_mut(&channel.guild_id) {
            state.channels.remove(&channel.id);
        }
        Change::ChannelDeleted(channel.id)
    }

    pub(crate) fn role_created(&self, role: &Role) -> Change {
        self.put_role(role);
        Change::RoleCreated(role.id)
    }

    pub(crate) fn role_updated(&self, role: &Role) -> Change {
        self.put_role(role);
        Change::RoleUpdated(role.id)
    }

    fn put_role(&self, role: &Role) {
        if let Some(state) = self.write().get_mut(&role.guild_id) {
            state.roles.insert(role.id, role_state(role));
        }
    }

    pub(crate) fn role_deleted(&self, guild: GuildId, role: RoleId) -> Change {
        if let Some(state) = self.write().get_mut(&guild) {
            state.roles.remove(&role);
        }
        Change::RoleDeleted(role)
    }

    /// A member's roles changed; the view follows only the bot's own.
    pub(crate) fn member_updated(&self, guild: GuildId, user: UserId, roles: &[RoleId]) -> Change {
        if user == self.bot {
            if let Some(state) = self.write().get_mut(&guild) {
                state.bot_roles = roles.into();
            }
        }
        Change::MemberUpdated(guild, user)
    }

    /// The guilds the bot is in.
    pub fn guild_ids(&self) -> Vec<GuildId> {
        self.read().keys().copied().collect()
    }

    /// Whether the view has had the guild's `GUILD_CREATE`.
    pub fn knows_guild(&self, guild: GuildId) -> bool {
        self.read().contains_key(&guild)
    }

    /// The ticket the channel's topic names (its `TID:` marker), if the view knows the channel.
    pub(crate) fn marked_ticket(&self, guild: GuildId, channel: ChannelId) -> Option<TicketId> {
        self.read().get(&guild)?.channels.get(&channel)?.ticket
    }

    /// Whether the view shows this channel in this guild.
    pub fn has_channel(&self, guild: GuildId, channel: ChannelId) -> bool {
        self.read().get(&guild).is_some_and(|g| g.channels.contains_key(&channel))
    }

    /// How many channels the view shows in a guild (categories included), if it knows the guild.
    pub fn channel_count(&self, guild: GuildId) -> Option<usize> {
        self.read().get(&guild).map(|g| g.channels.len())
    }

    /// A guild's channels as opening a ticket reads them, if the view knows the guild.
    pub(crate) fn channels(&self, guild: GuildId) -> Option<Vec<BriefChannel>> {
        self.read().get(&guild).map(|g| g.channels.iter().map(|(id, c)| c.brief(*id)).collect())
    }

    /// Of `roles`, those a ping would not notify: not mentionable, while the bot may not mention every role (no
    /// Administrator or Mention Everyone, and not the owner). `None` if the view does not know the guild.
    pub fn unpingable(&self, guild: GuildId, roles: &[RoleId]) -> Option<Vec<RoleId>> {
        let guilds = self.read();
        let g = guilds.get(&guild)?;
        let everyone = g.roles.get(&RoleId::new(guild.get())).map(|r| r.permissions).unwrap_or_default();
        let granted = g.bot_roles.iter().filter_map(|r| g.roles.get(r)).fold(everyone, |p, r| p | r.permissions);
        if granted.administrator() || granted.mention_everyone() || g.owner == self.bot {
            return Some(Vec::new());
        }
        Some(roles.iter().copied().filter(|r| g.roles.get(r).is_some_and(|role| !role.mentionable)).collect())
    }

    /// A member's permissions in a channel, worked out as serenity's `Guild::partial_member_permissions_in` does
    /// (Discord's documented order): `@everyone` and the member's roles; everything for the owner and
    /// administrators; then the channel's overwrites: `@everyone`'s, the member's roles' together (denials first),
    /// the member's own. `None` when the view does not know the guild or the channel.
    pub fn permissions_in(
        &self,
        guild: GuildId,
        channel: ChannelId,
        user: UserId,
        roles: &[RoleId],
    ) -> Option<Permissions> {
        let guilds = self.read();
        let g = guilds.get(&guild)?;
        let c = g.channels.get(&channel)?;
        if g.owner == user {
            return Some(Permissions::all());
        }
        let everyone = RoleId::new(guild.get());
        let base = roles
            .iter()
            .filter_map(|r| g.roles.get(r))
            .fold(g.roles.get(&everyone).map(|r| r.permissions).unwrap_or_default(), |p, r| p | r.permissions);
        if base.administrator() {
            return Some(Permissions::all());
        }
        let mut permissions = base;
        if let Some(o) = c.overwrites.iter().find(|o| o.target == Target::Role(everyone)) {
            permissions = (permissions & !o.deny) | o.allow;
        }
        let (allow, deny) = c
            .overwrites
            .iter()
            .filter(|o| matches!(o.target, Target::Role(r) if r != everyone && roles.contains(&r)))
            .fold((Permissions::empty(), Permissions::empty()), |(a, d), o| (a | o.allow, d | o.deny));
        permissions = (permissions & !deny) | allow;
        if let Some(o) = c.overwrites.iter().find(|o| o.target == Target::Member(user)) {
            permissions = (permissions & !o.deny) | o.allow;
        }
        Some(permissions)
    }
}

#[cfg(test)]
mod tests;
