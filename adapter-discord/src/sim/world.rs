//! The fake's world: users, guilds, roles, members, channels, messages and commands, in memory.
//!
//! The world is plain data behind one mutex in [`super::FakeDiscord`]. Changes that Discord would
//! announce on the gateway are queued here as [`Dispatch`]es and sent by the hub in order.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::Value;

use super::errors::{ApiError, Unknown};
use super::interactions::{InteractionRecord, ShownModal};

/// Discord's epoch (2015-01-01T00:00:00Z) in Unix milliseconds.
const DISCORD_EPOCH_MS: u64 = 1_420_070_400_000;

/// The kind of a channel.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ChannelKind {
    /// A guild text channel (type 0).
    Text,
    /// A guild category (type 4).
    Category,
    /// A direct-message channel between the bot and one user (type 1).
    Dm,
}

impl ChannelKind {
    /// Discord's channel type number.
    pub fn discord_type(self) -> u64 {
        match self {
            ChannelKind::Text => 0,
            ChannelKind::Dm => 1,
            ChannelKind::Category => 4,
        }
    }
}

/// Whom a permission overwrite is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum OverwriteKind {
    /// A role (type 0); the id is a role id (the guild id for `@everyone`).
    Role,
    /// A member (type 1); the id is a user id.
    Member,
}

impl OverwriteKind {
    /// Discord's overwrite type number.
    pub fn discord_type(self) -> u64 {
        match self {
            OverwriteKind::Role => 0,
            OverwriteKind::Member => 1,
        }
    }
}

/// A permission overwrite of a channel.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OverwriteState {
    /// The role or user id.
    pub id: u64,
    /// Role or member.
    pub kind: OverwriteKind,
    /// Allowed permission bits.
    pub allow: u64,
    /// Denied permission bits.
    pub deny: u64,
}

/// A channel as the fake holds it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChannelState {
    /// The channel id.
    pub id: u64,
    /// The guild (`None` for a DM).
    pub guild: Option<u64>,
    /// The name (empty for a DM).
    pub name: String,
    /// Text, category or DM.
    pub kind: ChannelKind,
    /// The category it sits in.
    pub parent: Option<u64>,
    /// The topic.
    pub topic: Option<String>,
    /// Permission overwrites, in the order they were set.
    pub overwrites: Vec<OverwriteState>,
    /// The sorting position.
    pub position: u32,
    /// For a DM: the user on the other side.
    pub recipient: Option<u64>,
}

/// A message as the fake holds it.
#[derive(Clone, Debug, PartialEq)]
pub struct MessageState {
    /// The message id.
    pub id: u64,
    /// The channel it is in.
    pub channel: u64,
    /// The author's user id.
    pub author: u64,
    /// The text.
    pub content: String,
    /// The embeds, as Discord returns them (a JSON array).
    pub embeds: Value,
    /// The components, as sent (a JSON array).
    pub components: Value,
    /// The `allowed_mentions` the bot sent with it (`null` when none).
    pub allowed_mentions: Value,
    /// Message flags (64 = ephemeral).
    pub flags: u64,
    /// Whether it was edited after it was posted.
    pub edited: bool,
    /// The files attached to it, in order.
    pub attachments: Vec<AttachmentState>,
}

/// A file attached to a message, as the fake holds it (the bytes as uploaded).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AttachmentState {
    /// The attachment id (a snowflake).
    pub id: u64,
    /// The file name.
    pub filename: String,
    /// The media type the file was uploaded with, if any.
    pub content_type: Option<String>,
    /// The file's bytes.
    pub data: Vec<u8>,
}

/// A guild member as the fake holds it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MemberState {
    /// The guild.
    pub guild: u64,
    /// The user id.
    pub user: u64,
    /// The user's name.
    pub username: String,
    /// Role ids (without `@everyone`).
    pub roles: Vec<u64>,
    /// The guild nickname.
    pub nick: Option<String>,
}

/// A role as the fake holds it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RoleState {
    /// The role id (`@everyone` has the guild's id).
    pub id: u64,
    /// The name.
    pub name: String,
    /// Permission bits.
    pub permissions: u64,
    /// Position in the hierarchy (`@everyone` is 0; higher is more powerful).
    pub position: u32,
    /// Whether an integration manages it (the bot's own role).
    pub managed: bool,
    /// Whether anyone may mention it ("Allow anyone to @mention this role"; off for new roles, as on Discord).
    pub mentionable: bool,
}

/// A user account.
#[derive(Clone, Debug)]
pub(crate) struct User {
    pub id: u64,
    pub username: String,
    pub bot: bool,
    /// When set, the bot cannot DM this user (Discord answers 50007).
    pub dms_closed: bool,
}

/// A guild.
#[derive(Clone, Debug)]
pub(crate) struct Guild {
    pub id: u64,
    pub name: String,
    pub owner: u64,
    pub bot_role: u64,
    pub roles: BTreeMap<u64, RoleState>,
    pub members: BTreeMap<u64, MemberState>,
}

impl Guild {
    /// The roles, lowest first (`@everyone` first; ties by id).
    pub fn roles_by_position(&self) -> Vec<&RoleState> {
        let mut list: Vec<&RoleState> = self.roles.values().collect();
        list.sort_by_key(|r| (r.position, r.id));
        list
    }
}

/// A stored message with what Discord adds around it.
#[derive(Clone, Debug)]
pub(crate) struct StoredMessage {
    pub state: MessageState,
    /// The interaction this message answers (`interaction_metadata`), if any.
    pub interaction: Option<Value>,
    /// The webhook id for interaction responses and followups.
    pub webhook_id: Option<u64>,
    /// Unix milliseconds of the last edit.
    pub edited_at: Option<u64>,
    /// The `nonce` it was created with, echoed in its payloads.
    pub nonce: Option<Value>,
}

/// A registered application command.
#[derive(Clone, Debug)]
pub(crate) struct StoredCommand {
    pub id: u64,
    pub guild: Option<u64>,
    /// The command as the bot registered it (request body).
    pub body: Value,
    pub version: u64,
}

/// A gateway event waiting to be sent.
#[derive(Clone, Debug)]
pub(crate) struct Dispatch {
    /// Event name (`t`).
    pub name: &'static str,
    /// Event data (`d`).
    pub data: Value,
}

/// Monotonic, realistic snowflakes.
#[derive(Debug)]
pub(crate) struct IdGen {
    last: u64,
}

impl IdGen {
    pub fn new() -> Self {
        Self { last: 0 }
    }

    /// The next snowflake: now's timestamp in the high bits, always increasing.
    pub fn next(&mut self) -> u64 {
        let from_clock = now_ms().saturating_sub(DISCORD_EPOCH_MS) << 22;
        self.last = from_clock.max(self.last + 1);
        self.last
    }
}

/// Unix milliseconds now.
pub(crate) fn now_ms() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX)).unwrap_or(0)
}

/// Unix milliseconds a snowflake was made at.
pub(crate) fn snowflake_ms(id: u64) -> u64 {
    (id >> 22) + DISCORD_EPOCH_MS
}

/// RFC 3339 text of Unix milliseconds (as Discord writes timestamps).
pub(crate) fn rfc3339(ms: u64) -> String {
    let nanos = i128::from(ms) * 1_000_000;
    time::OffsetDateTime::from_unix_timestamp_nanos(nanos)
        .ok()
        .and_then(|t| t.format(&time::format_description::well_known::Rfc3339).ok())
        // Only reachable for absurd clocks; Discord's epoch is a valid stand-in.
        .unwrap_or_else(|| "2015-01-01T00:00:00Z".to_string())
}

/// Parses a snowflake path or body parameter.
pub(crate) fn parse_id(raw: &str) -> Option<u64> {
    if raw.is_empty() || !raw.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    raw.parse().ok()
}

/// A snowflake from a JSON string or number.
pub(crate) fn json_id(value: &Value) -> Option<u64> {
    match value {
        Value::String(s) => parse_id(s),
        Value::Number(n) => n.as_u64(),
        _ => None,
    }
}

/// The in-memory world.
#[derive(Debug)]
pub(crate) struct World {
    pub ids: IdGen,
    pub app_id: u64,
    pub bot_id: u64,
    /// The application's owner (a user in no guild).
    pub developer_id: u64,
    pub users: BTreeMap<u64, User>,
    pub guilds: BTreeMap<u64, Guild>,
    pub channels: BTreeMap<u64, ChannelState>,
    /// Messages by id; added and removed only through [`World::store_message`] and [`World::remove_message`], which
    /// keep [`World::by_channel`] in step.
    pub messages: BTreeMap<u64, StoredMessage>,
    /// The ids of each channel's messages: a channel's history (and its last message, in every channel payload)
    /// without a scan of every message of the world.
    by_channel: HashMap<u64, BTreeSet<u64>>,
    /// Ephemeral interaction messages (seen only by one user, never in channel history).
    pub ephemeral: BTreeMap<u64, StoredMessage>,
    pub commands: Vec<StoredCommand>,
    pub interactions: BTreeMap<u64, InteractionRecord>,
    pub modals: Vec<ShownModal>,
    /// Messages created with a nonce, by (author, nonce as JSON text), for `enforce_nonce`.
    pub nonces: HashMap<(u64, String), u64>,
    events: Vec<Dispatch>,
}

impl World {
    /// A world with only the bot's user in it.
    pub fn new(bot_name: &str) -> Self {
        let mut ids = IdGen::new();
        let app_id = ids.next();
        let bot_id = ids.next();
        let developer_id = ids.next();
        let mut users = BTreeMap::new();
        users.insert(
            developer_id,
            User { id: developer_id, username: "developer".to_string(), bot: false, dms_closed: false },
        );
        users.insert(bot_id, User { id: bot_id, username: bot_name.to_string(), bot: true, dms_closed: false });
        Self {
            ids,
            app_id,
            bot_id,
            developer_id,
            users,
            guilds: BTreeMap::new(),
            channels: BTreeMap::new(),
            messages: BTreeMap::new(),
            by_channel: HashMap::new(),
            ephemeral: BTreeMap::new(),
            commands: Vec::new(),
            interactions: BTreeMap::new(),
            modals: Vec::new(),
            nonces: HashMap::new(),
            events: Vec::new(),
        }
    }

    /// Queues a gateway event.
    pub fn emit(&mut self, name: &'static str, data: Value) {
        self.events.push(Dispatch { name, data });
    }

    /// Takes the queued gateway events.
    pub fn take_events(&mut self) -> Vec<Dispatch> {
        std::mem::take(&mut self.events)
    }

    pub fn guild(&self, id: u64) -> Result<&Guild, ApiError> {
        self.guilds.get(&id).ok_or(ApiError::unknown(Unknown::Guild))
    }

    pub fn guild_mut(&mut self, id: u64) -> Result<&mut Guild, ApiError> {
        self.guilds.get_mut(&id).ok_or(ApiError::unknown(Unknown::Guild))
    }

    pub fn channel(&self, id: u64) -> Result<&ChannelState, ApiError> {
        self.channels.get(&id).ok_or(ApiError::unknown(Unknown::Channel))
    }

    pub fn user(&self, id: u64) -> Result<&User, ApiError> {
        self.users.get(&id).ok_or(ApiError::unknown(Unknown::User))
    }

    pub fn member(&self, guild: u64, user: u64) -> Result<&MemberState, ApiError> {
        self.guild(guild)?.members.get(&user).ok_or(ApiError::unknown(Unknown::Member))
    }

    /// The message `id` in `channel`.
    pub fn message(&self, channel: u64, id: u64) -> Result<&StoredMessage, ApiError> {
        self.messages.get(&id).filter(|m| m.state.channel == channel).ok_or(ApiError::unknown(Unknown::Message))
    }

    /// Channels of a guild, sorted by position then id.
    pub fn guild_channels(&self, guild: u64) -> Vec<&ChannelState> {
        let mut list: Vec<&ChannelState> = self.channels.values().filter(|c| c.guild == Some(guild)).collect();
        list.sort_by_key(|c| (c.position, c.id));
        list
    }

    /// Messages of a channel, oldest first.
    pub fn channel_messages(&self, channel: u64) -> impl DoubleEndedIterator<Item = &StoredMessage> {
        self.by_channel.get(&channel).into_iter().flatten().filter_map(|id| self.messages.get(id))
    }

    /// Stores a channel message (not an ephemeral one).
    pub fn store_message(&mut self, message: StoredMessage) {
        let (id, channel) = (message.state.id, message.state.channel);
        self.by_channel.entry(channel).or_default().insert(id);
        self.messages.insert(id, message);
    }

    /// Removes a channel message.
    pub fn remove_message(&mut self, id: u64) -> Option<StoredMessage> {
        let message = self.messages.remove(&id)?;
        if let Some(ids) = self.by_channel.get_mut(&message.state.channel) {
            ids.remove(&id);
        }
        Some(message)
    }

    /// The DM channel between the bot and `user`, if one was opened.
    pub fn dm_channel_of(&self, user: u64) -> Option<&ChannelState> {
        self.channels.values().find(|c| c.kind == ChannelKind::Dm && c.recipient == Some(user))
    }

    /// Removes a channel and its messages; children of a category lose their parent. Returns the
    /// removed channel and the children that were orphaned.
    pub fn remove_channel(&mut self, id: u64) -> Option<(ChannelState, Vec<u64>)> {
        let channel = self.channels.remove(&id)?;
        for message in self.by_channel.remove(&id).unwrap_or_default() {
            self.messages.remove(&message);
        }
        let mut orphans = Vec::new();
        for child in self.channels.values_mut() {
            if child.parent == Some(id) {
                child.parent = None;
                orphans.push(child.id);
            }
        }
        Some((channel, orphans))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snowflakes_increase_and_carry_the_time() {
        let mut ids = IdGen::new();
        let a = ids.next();
        let b = ids.next();
        assert!(b > a);
        let ms = snowflake_ms(a);
        assert!(now_ms().abs_diff(ms) < 60_000);
        assert!(rfc3339(ms).ends_with('Z'));
    }

    #[test]
    fn ids_parse_only_from_digits() {
        assert_eq!(parse_id("123"), Some(123));
        assert_eq!(parse_id("12a"), None);
        assert_eq!(parse_id(""), None);
        assert_eq!(json_id(&serde_json::json!("9")), Some(9));
        assert_eq!(json_id(&serde_json::json!(9)), Some(9));
    }
}
