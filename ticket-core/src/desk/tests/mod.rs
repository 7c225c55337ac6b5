//! `Desk` tests: the real in-memory store, mocked Discord, game, RSI and clock.
//!
//! The mocks record every call as data ([`Call`]) so tests can assert on them and snapshot what people read.

mod admin;
mod channel_queue;
mod claims;
mod closing;
mod coalesce;
mod cross_guild;
mod feedback;
mod given_up;
mod in_game;
mod outbox;
mod recruitment;
mod reopen;
mod support;
mod transcripts;

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};

use serde::Serialize;
use time::OffsetDateTime;

use crate::conformance::{T0, sample_key};
use crate::id::{AccountId, ChannelId, GameServerId, GuildId, MessageId, RoleId, UserId};
use crate::message::{Component, Message};
use crate::permissions::{Actor, Permissions};
use crate::ports::{
    BotMessage, CitizenProfile, GameLinkError, MockChatPlatform, MockClock, MockGameLink, MockProfileDirectory,
    OffsetZones, Overwrite, OverwriteTarget, PlatformError, ProfileError, WhisperOutcome,
};
use crate::settings::GuildSettings;
use crate::{Desk, GamePlayer, InMemoryStore, Ports, TicketStore};

pub const GUILD: GuildId = GuildId::new(1);
pub const LOG: ChannelId = ChannelId::new(900);
pub const RECORDS: ChannelId = ChannelId::new(901);
pub const SUPPORT_CATEGORY: ChannelId = ChannelId::new(800);
pub const RECRUIT_CATEGORY: ChannelId = ChannelId::new(801);
pub const GAME_CATEGORY: ChannelId = ChannelId::new(802);
pub const GAME_STAFF: RoleId = RoleId::new(50);
pub const SUPPORT_PING: RoleId = RoleId::new(60);
pub const RECRUIT_PING: RoleId = RoleId::new(61);
pub const SUPPORT_ROLE: RoleId = RoleId::new(40);
pub const RECRUITER_ROLE: RoleId = RoleId::new(30);
pub const MEMBER_ROLE: RoleId = RoleId::new(70);
pub const AFFILIATE_ROLE: RoleId = RoleId::new(71);

/// One thing the desk asked of a port, as data.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Call {
    CreateChannel { name: String, category: Option<u64>, topic: String, overwrites: Vec<String> },
    DeleteChannel { channel: u64 },
    SetTopic { channel: u64, topic: String },
    SetOverwrite { channel: u64, overwrite: String },
    Send { channel: u64, message: Message },
    Edit { channel: u64, id: u64, message: Message },
    DeleteMessage { channel: u64, id: u64 },
    Dm { user: u64, message: Message },
    AddRole { user: u64, role: u64 },
    SetNickname { user: u64, nickname: String },
    Whisper { player: String, from: String, text: String },
    GameTicketCreated { player: String, source: String },
    GameTicketClosed { player: String },
}

/// Faults the mocks inject.
#[derive(Debug, Default)]
pub struct Faults {
    /// Channels that answer 404.
    pub gone: HashSet<ChannelId>,
    /// Discord answers 503 to everything.
    pub discord_down: bool,
    /// Discord answers 429 to everything, asking to wait this long.
    pub rate_limited: Option<std::time::Duration>,
    /// Discord refuses nickname changes.
    pub forbid_nick: bool,
    /// Discord refuses to create channels for good (the bot lacks Manage Channels).
    pub refuse_channels: bool,
    /// The guild is at Discord's channel cap: channels are refused until one is deleted.
    pub guild_full: bool,
    /// Channel creations asked of Discord, made or refused.
    pub create_calls: usize,
    /// Roles the bot's pings do not notify (not mentionable, no Mention Everyone).
    pub unpingable: HashSet<RoleId>,
    /// DMs are closed.
    pub dms_closed: bool,
    /// Players not online in game.
    pub offline: HashSet<String>,
    /// The game link is down.
    pub link_down: bool,
    /// The game link's queue is full: whispers are refused for now.
    pub link_congested: bool,
}

pub struct World {
    pub desk: Desk,
    pub store: Arc<InMemoryStore>,
    pub calls: Arc<Mutex<Vec<Call>>>,
    pub faults: Arc<Mutex<Faults>>,
    pub now: Arc<Mutex<OffsetDateTime>>,
    pub channels: Arc<Mutex<HashMap<u64, u64>>>,
}

fn overwrite(o: &Overwrite) -> String {
    let who = match o.target {
        OverwriteTarget::Everyone => "@everyone".to_owned(),
        OverwriteTarget::Bot => "bot".to_owned(),
        OverwriteTarget::Role(r) => format!("role {r}"),
        OverwriteTarget::Member(u) => format!("member {}", u.get()),
    };
    let names = |p: Permissions| p.iter_names().map(|(n, _)| n.to_lowercase()).collect::<Vec<_>>().join("+");
    let mut out = who;
    if !o.allow.is_empty() {
        out.push_str(&format!(" allow {}", names(o.allow)));
    }
    if !o.deny.is_empty() {
        out.push_str(&format!(" deny {}", names(o.deny)));
    }
    out
}

/// A message the mocked bot posted: its id and controls.
type Posted = (u64, Vec<String>);

fn chat_mock(
    calls: &Arc<Mutex<Vec<Call>>>,
    faults: &Arc<Mutex<Faults>>,
    channels: &Arc<Mutex<HashMap<u64, u64>>>,
) -> MockChatPlatform {
    let mut chat = MockChatPlatform::new();
    let next_id = Arc::new(Mutex::new(100u64));
    let id = move || {
        let mut n = next_id.lock().unwrap();
        *n += 1;
        *n
    };
    let check = {
        let faults = faults.clone();
        move |channel: Option<ChannelId>| -> Result<(), PlatformError> {
            let f = faults.lock().unwrap();
            if f.discord_down {
                return Err(PlatformError::Unavailable);
            }
            if let Some(retry_after) = f.rate_limited {
                return Err(PlatformError::RateLimited { retry_after });
            }
            if channel.is_some_and(|c| f.gone.contains(&c)) {
                return Err(PlatformError::NotFound);
            }
            Ok(())
        }
    };
    macro_rules! record {
        ($calls:expr, $call:expr) => {
            $calls.lock().unwrap().push($call)
        };
    }
    {
        let (calls, check, id, channels) = (calls.clone(), check.clone(), id.clone(), channels.clone());
        let refuse = faults.clone();
        chat.expect_create_channel().returning(move |c| {
            refuse.lock().unwrap().create_calls += 1;
            check(None)?;
            if refuse.lock().unwrap().refuse_channels {
                return Err(PlatformError::Forbidden);
            }
            if refuse.lock().unwrap().guild_full {
                return Err(PlatformError::Rejected { status: 400, code: Some(PlatformError::GUILD_CHANNELS_FULL) });
            }
            // Idempotent per ticket, as the port requires.
            if let Some(existing) = channels.lock().unwrap().get(&c.ticket.get()) {
                return Ok(ChannelId::new(*existing));
            }
            record!(
                calls,
                Call::CreateChannel {
                    name: c.name.clone(),
                    category: c.category.map(ChannelId::get),
                    topic: c.topic.clone(),
                    overwrites: c.overwrites.iter().map(overwrite).collect(),
                }
            );
            let channel = id();
            channels.lock().unwrap().insert(c.ticket.get(), channel);
            Ok(ChannelId::new(channel))
        });
    }
    {
        let (calls, check) = (calls.clone(), check.clone());
        chat.expect_delete_channel().returning(move |c| {
            check(Some(c))?;
            record!(calls, Call::DeleteChannel { channel: c.get() });
            Ok(())
        });
    }
    {
        let faults = faults.clone();
        chat.expect_unpingable_roles().returning(move |_, roles| {
            let unpingable = &faults.lock().unwrap().unpingable;
            Ok(roles.iter().copied().filter(|r| unpingable.contains(r)).collect())
        });
    }
    {
        // A channel exists if the mock made it and it was not deleted (`gone`); asking is not a call people see.
        let (channels, check) = (channels.clone(), check.clone());
        chat.expect_channel_exists().returning(move |c| match check(Some(c)) {
            Ok(()) => Ok(channels.lock().unwrap().values().any(|made| *made == c.get())),
            Err(PlatformError::NotFound) => Ok(false),
            Err(e) => Err(e),
        });
    }
    {
        let (calls, check) = (calls.clone(), check.clone());
        chat.expect_set_topic().returning(move |c, topic| {
            check(Some(c))?;
            record!(calls, Call::SetTopic { channel: c.get(), topic });
            Ok(())
        });
    }
    {
        let (calls, check) = (calls.clone(), check.clone());
        chat.expect_set_overwrite().returning(move |c, o| {
            check(Some(c))?;
            record!(calls, Call::SetOverwrite { channel: c.get(), overwrite: overwrite(&o) });
            Ok(())
        });
    }
    // What the bot posted, per channel, oldest first.
    let posted: Arc<Mutex<HashMap<u64, Vec<Posted>>>> = Arc::default();
    {
        let (calls, check, id, posted) = (calls.clone(), check.clone(), id.clone(), posted.clone());
        chat.expect_send().returning(move |c, message| {
            check(Some(c))?;
            let controls = message
                .rows
                .iter()
                .flatten()
                .filter_map(|c| match c {
                    Component::Button { id, .. } | Component::Select { id, .. } => Some(id.to_string()),
                    Component::Link { .. } => None,
                })
                .collect();
            record!(calls, Call::Send { channel: c.get(), message });
            let message = id();
            posted.lock().unwrap().entry(c.get()).or_default().push((message, controls));
            Ok(MessageId::new(message))
        });
    }
    {
        let (check, posted) = (check.clone(), posted.clone());
        chat.expect_recent_bot_messages().returning(move |c, limit| {
            check(Some(c))?;
            let posted = posted.lock().unwrap();
            let mine = posted.get(&c.get()).cloned().unwrap_or_default();
            Ok(mine
                .into_iter()
                .rev()
                .take(usize::from(limit))
                .map(|(id, controls)| BotMessage { id: MessageId::new(id), controls })
                .collect())
        });
    }
    {
        let (calls, check) = (calls.clone(), check.clone());
        chat.expect_edit().returning(move |c, m, message| {
            check(Some(c))?;
            record!(calls, Call::Edit { channel: c.get(), id: m.get(), message });
            Ok(())
        });
    }
    {
        let (calls, check) = (calls.clone(), check.clone());
        let posted = posted.clone();
        chat.expect_delete_message().returning(move |c, m| {
            check(Some(c))?;
            record!(calls, Call::DeleteMessage { channel: c.get(), id: m.get() });
            if let Some(list) = posted.lock().unwrap().get_mut(&c.get()) {
                list.retain(|(id, _)| *id != m.get());
            }
            Ok(())
        });
    }
    {
        let (calls, check, faults) = (calls.clone(), check.clone(), faults.clone());
        chat.expect_send_dm().returning(move |user, message| {
            check(None)?;
            if faults.lock().unwrap().dms_closed {
                return Err(PlatformError::Forbidden);
            }
            record!(calls, Call::Dm { user: user.get(), message });
            Ok(())
        });
    }
    {
        let (calls, check) = (calls.clone(), check.clone());
        chat.expect_add_role().returning(move |_, user, role| {
            check(None)?;
            record!(calls, Call::AddRole { user: user.get(), role: role.get() });
            Ok(())
        });
    }
    {
        let (calls, faults) = (calls.clone(), faults.clone());
        chat.expect_set_nickname().returning(move |_, user, nickname| {
            check(None)?;
            if faults.lock().unwrap().forbid_nick {
                return Err(PlatformError::Forbidden);
            }
            record!(calls, Call::SetNickname { user: user.get(), nickname });
            Ok(())
        });
    }
    chat
}

fn game_mock(calls: &Arc<Mutex<Vec<Call>>>, faults: &Arc<Mutex<Faults>>) -> MockGameLink {
    let mut game = MockGameLink::new();
    {
        let (calls, faults) = (calls.clone(), faults.clone());
        game.expect_whisper().returning(move |server, player, from, text| {
            let f = faults.lock().unwrap();
            if f.link_down {
                return Err(GameLinkError::LinkDown(server.clone()));
            }
            if f.link_congested {
                return Err(GameLinkError::Congested(server.clone()));
            }
            if f.offline.contains(player.as_str()) {
                return Ok(WhisperOutcome::PlayerOffline);
            }
            calls.lock().unwrap().push(Call::Whisper {
                player: player.to_string(),
                from: from.into(),
                text: text.into(),
            });
            Ok(WhisperOutcome::Delivered)
        });
    }
    {
        let (calls, faults) = (calls.clone(), faults.clone());
        game.expect_ticket_created().returning(move |server, player, source| {
            if faults.lock().unwrap().link_down {
                return Err(GameLinkError::LinkDown(server.clone()));
            }
            calls
                .lock()
                .unwrap()
                .push(Call::GameTicketCreated { player: player.to_string(), source: source.as_str().into() });
            Ok(())
        });
    }
    {
        let (calls, faults) = (calls.clone(), faults.clone());
        game.expect_ticket_closed().returning(move |server, player| {
            if faults.lock().unwrap().link_down {
                return Err(GameLinkError::LinkDown(server.clone()));
            }
            calls.lock().unwrap().push(Call::GameTicketClosed { player: player.to_string() });
            Ok(())
        });
    }
    game
}

fn profiles_mock() -> MockProfileDirectory {
    let mut profiles = MockProfileDirectory::new();
    profiles.expect_citizen().returning(|handle| {
        if handle.eq_ignore_ascii_case("pilot_one") {
            Ok(CitizenProfile {
                handle: "Pilot_One".into(),
                display_name: "Pilot One".into(),
                main_org: Some(crate::ports::OrgSummary { sid: "TEST".into(), name: "Test Org".into() }),
                enlisted: Some(time::macros::date!(2950 - 01 - 02)),
                avatar_url: Some("https://robertsspaceindustries.com/media/avatar.png".into()),
                url: "https://robertsspaceindustries.com/citizens/Pilot_One".into(),
            })
        } else {
            Err(ProfileError::NotFound)
        }
    });
    profiles.expect_organisation().returning(|_| Err(ProfileError::NotFound));
    profiles
}

impl World {
    /// A world over a fresh store.
    pub fn new() -> Self {
        Self::over(Arc::new(InMemoryStore::new()))
    }

    /// A world over an existing store (a "restarted process").
    pub fn over(store: Arc<InMemoryStore>) -> Self {
        let calls = Arc::new(Mutex::new(Vec::new()));
        let faults = Arc::new(Mutex::new(Faults::default()));
        let now = Arc::new(Mutex::new(T0));
        let channels = Arc::new(Mutex::new(HashMap::new()));
        let mut clock = MockClock::new();
        {
            let now = now.clone();
            clock.expect_now().returning(move || *now.lock().unwrap());
        }
        let ports = Ports {
            store: store.clone(),
            chat: Arc::new(chat_mock(&calls, &faults, &channels)),
            game: Arc::new(game_mock(&calls, &faults)),
            profiles: Arc::new(profiles_mock()),
            clock: Arc::new(clock),
            zones: Arc::new(OffsetZones),
        };
        let desk = Desk::new(ports, sample_key());
        Self { desk, store, calls, faults, now, channels }
    }

    /// This world, with the desk handing off the effects of game records (see
    /// [`Desk::with_handed_off_game_relay`]).
    pub fn handing_off(self) -> Self {
        Self { desk: self.desk.with_handed_off_game_relay(true), ..self }
    }

    /// Runs what the desk handed off, as the bot's driver does; how many chains.
    pub async fn run_handed_off(&self) -> usize {
        let chains = self.desk.take_handed_off();
        for chain in &chains {
            self.desk.run_chain(*chain).await;
        }
        chains.len()
    }

    /// A world whose guild has every setting configured.
    pub fn configured() -> Self {
        let world = Self::new();
        world.configure(|s| s);
        world
    }

    pub fn configure(&self, change: impl FnOnce(&mut GuildSettings) -> &mut GuildSettings) {
        let mut s = pollster::block_on(self.store.settings(GUILD)).unwrap();
        s.targets.log_channel = Some(LOG);
        s.record_channel = Some(RECORDS);
        s.targets.support_category = Some(SUPPORT_CATEGORY);
        s.targets.recruitment_category = Some(RECRUIT_CATEGORY);
        s.in_game.category = Some(GAME_CATEGORY);
        s.in_game.staff_role = Some(GAME_STAFF);
        s.ping_roles.support = Some(SUPPORT_PING);
        s.ping_roles.recruitment = Some(RECRUIT_PING);
        s.capability_roles.support = vec![SUPPORT_ROLE];
        s.capability_roles.recruitment = vec![RECRUITER_ROLE];
        s.org_roles.member = Some(MEMBER_ROLE);
        s.org_roles.affiliate = Some(AFFILIATE_ROLE);
        change(&mut s);
        pollster::block_on(self.store.commit(crate::Commit { settings: Some(s), ..Default::default() })).unwrap();
    }

    pub fn faults(&self) -> std::sync::MutexGuard<'_, Faults> {
        self.faults.lock().unwrap()
    }

    /// Every call so far, and forgets them.
    pub fn take_calls(&self) -> Vec<Call> {
        std::mem::take(&mut *self.calls.lock().unwrap())
    }

    pub fn advance(&self, by: time::Duration) {
        *self.now.lock().unwrap() += by;
    }

    /// The channel the mock made for a ticket.
    pub fn channel_of(&self, ticket: crate::TicketId) -> ChannelId {
        ChannelId::new(*self.channels.lock().unwrap().get(&ticket.get()).expect("the ticket has a channel"))
    }
}

pub fn server() -> GameServerId {
    GameServerId::new("xilero").unwrap()
}

pub fn player(name: &str, account: u64) -> GamePlayer {
    GamePlayer { account: AccountId::new(account), name: name.into() }
}

pub fn member(id: u64, name: &str) -> Actor {
    Actor::member(GUILD, UserId::new(id), name, vec![], Permissions::VIEW_CHANNEL | Permissions::SEND_MESSAGES)
}

pub fn staff(id: u64, name: &str) -> Actor {
    Actor::member(GUILD, UserId::new(id), name, vec![], Permissions::MANAGE_CHANNELS)
}

pub fn recruiter(id: u64, name: &str) -> Actor {
    Actor::member(GUILD, UserId::new(id), name, vec![RECRUITER_ROLE], Permissions::empty())
}

pub fn game_staff(id: u64, name: &str) -> Actor {
    Actor::member(GUILD, UserId::new(id), name, vec![GAME_STAFF], Permissions::empty())
}

pub fn admin(id: u64, name: &str) -> Actor {
    Actor::member(GUILD, UserId::new(id), name, vec![], Permissions::MANAGE_GUILD | Permissions::MANAGE_CHANNELS)
}

/// Every text a person can read in a call (content, embed text), for "no ping / no leak" checks.
pub fn readable(call: &Call) -> Vec<String> {
    let message = match call {
        Call::Send { message, .. } | Call::Edit { message, .. } | Call::Dm { message, .. } => message,
        Call::Whisper { text, .. } => return vec![text.clone()],
        _ => return Vec::new(),
    };
    let mut out = vec![message.content.clone()];
    for e in &message.embeds {
        out.extend(e.title.clone());
        out.extend(e.description.clone());
        out.extend(e.fields.iter().map(|f| format!("{}: {}", f.name, f.value)));
    }
    out
}
