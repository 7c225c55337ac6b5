//! Limits, cooldowns and the blocklist: who may open a ticket now, what a refusal says, and the admin commands
//! that set them (`/tickets set-limits`, `block`, `unblock`, `blocked`).
//!
//! Every opening checks them inside its decision (so a race past a platform's pre-check is refused too): the
//! blocklist, then the person's open tickets (each holds one *slot* of their open key, so two openings racing for
//! the last slot conflict in the store), then the cooldown since their last opening of that kind.

use time::OffsetDateTime;

use crate::id::{ChannelId, RoleId, UserId};
use crate::limits::{Block, BlockTarget, TicketLimits, blocking};
use crate::message::{Embed, Message};
use crate::permissions::Actor;
use crate::pid::Pid;
use crate::relay::clean_line;
use crate::settings::{GuildSettings, TicketType};
use crate::ticket::{TicketDetail, recruitment_key, support_slot_key};

use super::{Desk, DeskError, Problem};

/// The name in-game refusals are whispered from.
pub(crate) const GAME_NOTICE_FROM: &str = "RagnaSync";

/// How a kind of ticket is named in refusals.
fn kind_name(kind: TicketType) -> &'static str {
    match kind {
        TicketType::Support => "support",
        TicketType::Recruitment => "recruitment",
        TicketType::InGame => "in-game",
    }
}

fn unix(at: OffsetDateTime) -> i64 {
    at.unix_timestamp()
}

/// A time for the game, which has no markdown: `2025-01-02 15:04 UTC`.
pub(crate) fn game_time(at: OffsetDateTime) -> String {
    let at = at.to_offset(time::UtcOffset::UTC);
    format!("{:04}-{:02}-{:02} {:02}:{:02} UTC", at.year(), u8::from(at.month()), at.day(), at.hour(), at.minute())
}

/// What a blocked member reads in Discord.
pub(crate) fn blocked_text(reason: &Option<String>, until: &Option<OffsetDateTime>) -> String {
    let until = match until {
        Some(at) => format!("until <t:{0}:f> (<t:{0}:R>)", unix(*at)),
        None => "until staff lift the block".into(),
    };
    let reason = reason.as_ref().map(|r| format!(" Reason: {r}")).unwrap_or_default();
    format!("You are blocked from opening tickets on this server {until}.{reason}")
}

/// What a member in their cooldown reads in Discord.
pub(crate) fn cooldown_text(kind: &TicketType, until: &OffsetDateTime) -> String {
    format!(
        "You opened a {} ticket recently. You can open another <t:{1}:R> (at <t:{1}:f>).",
        kind_name(*kind),
        unix(*until)
    )
}

/// What a member at their limit of open tickets reads in Discord.
pub(crate) fn too_many_text(max: &u8, channels: &[ChannelId]) -> String {
    let list: Vec<String> = channels.iter().map(|c| format!("<#{c}>")).collect();
    let list = if list.is_empty() { String::new() } else { format!(": {}", list.join(", ")) };
    format!(
        "You already have {max} open support tickets, the most this server allows{list}. You can open another \
         once one of them is closed."
    )
}

/// What a refused player reads in game (a whisper: plain text).
fn game_refusal(refusal: &DeskError) -> Option<String> {
    Some(match refusal {
        DeskError::Blocked { reason, until } => {
            let until = until.map(game_time).map_or("until staff lift the block".into(), |t| format!("until {t}"));
            let reason = reason.as_ref().map(|r| format!(" Reason: {r}")).unwrap_or_default();
            format!("You are blocked from opening tickets {until}.{reason}")
        }
        DeskError::Cooldown { until, .. } => {
            format!("You opened a ticket recently. You can open another at {}.", game_time(*until))
        }
        _ => return None,
    })
}

/// Who a block command is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BlockWho {
    /// A member.
    Member {
        /// Who.
        user: UserId,
        /// Their display name, shown in `/tickets blocked`.
        name: String,
    },
    /// Everyone with a role.
    Role(RoleId),
    /// The person of the ticket in this channel: an in-game ticket's player (staff never see their account), or a
    /// support or recruitment ticket's opener.
    TicketIn(ChannelId),
}

/// `/tickets set-limits`, `block`, `unblock` and `blocked`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LimitsCommand {
    /// `/tickets set-limits`: each value given is changed; with none, the limits are shown.
    SetLimits {
        /// Which kind.
        kind: TicketType,
        /// The most open tickets per person (support only; others stay at 1).
        max_open: Option<u8>,
        /// Minutes between two openings by one person (0: none).
        cooldown_minutes: Option<u32>,
    },
    /// `/tickets block`.
    Block {
        /// Who.
        who: BlockWho,
        /// Why (shown to them).
        reason: Option<String>,
        /// For how many hours; `None`: until unblocked.
        hours: Option<u32>,
    },
    /// `/tickets unblock`.
    Unblock {
        /// Who.
        who: BlockWho,
    },
    /// `/tickets blocked`.
    Blocked,
}

impl LimitsCommand {
    /// The longest block that can be set in hours: a year.
    pub const MAX_BLOCK_HOURS: u32 = 24 * 366;
}

/// The limits, as `/tickets set-limits` shows them.
fn limits_embed(settings: &GuildSettings) -> Message {
    let line = |kind: TicketType| {
        let limit = settings.limits.of(kind);
        let cooldown = match limit.cooldown_minutes {
            0 => "no cooldown".to_owned(),
            m => format!("{m} minute{} between openings", if m == 1 { "" } else { "s" }),
        };
        format!("{} open per person, {cooldown}", limit.max_open)
    };
    Message::embed(
        Embed { title: Some("Ticket limits".into()), ..Embed::default() }
            .field("Support", line(TicketType::Support), false)
            .field("Recruitment", line(TicketType::Recruitment), false)
            .field("In-game", line(TicketType::InGame), false),
    )
}

/// The most blocks `/tickets blocked` lists in its one message.
const BLOCKED_SHOWN: usize = 40;

impl Desk {
    /// Checks that `opener` may open a panel ticket of `kind` now, and gives the slot of their open key the ticket
    /// takes: the first free one below the guild's limit. A ticket staff open for the member (`by_staff`: reopening
    /// one) is not held to the member's block or cooldown, only to the limit.
    pub(super) async fn opening_slot(
        &self,
        settings: &GuildSettings,
        opener: &Actor,
        kind: TicketType,
        by_staff: bool,
    ) -> Result<u8, DeskError> {
        let guild = settings.guild;
        let pid = self.pid_of(opener.user);
        let now = self.ports.clock.now();
        let block = blocking(&settings.blocklist, BlockTarget::User(pid), &opener.roles, now).filter(|_| !by_staff);
        if let Some(block) = block {
            return Err(DeskError::Blocked { reason: self.shown_reason(block), until: block.until });
        }
        let several = TicketLimits::allows_several(kind);
        let max = if several { settings.limits.of(kind).max_open.clamp(1, TicketLimits::MAX_OPEN) } else { 1 };
        // Every slot is looked at (a lowered limit leaves tickets in higher slots, and they count).
        let slots = if several { TicketLimits::MAX_OPEN } else { 1 };
        let (mut held, mut free) = (Vec::new(), None);
        for slot in 0..slots {
            let key = match kind {
                TicketType::Recruitment => recruitment_key(guild, pid),
                TicketType::Support | TicketType::InGame => support_slot_key(guild, pid, slot),
            };
            match self.ports.store.open_ticket_by_key(&key).await? {
                Some(ticket) => held.push(ticket),
                None if slot < max && free.is_none() => free = Some(slot),
                None => {}
            }
        }
        let free = match free {
            Some(slot) if held.len() < usize::from(max) => slot,
            _ if max == 1 => {
                let first = held.first();
                return Err(DeskError::AlreadyOpen {
                    ticket: first.map(|t| t.id).unwrap_or_else(|| crate::id::TicketId::new(0)),
                    channel: first.and_then(|t| t.channel),
                });
            }
            _ => return Err(DeskError::TooManyOpen { max, channels: held.iter().filter_map(|t| t.channel).collect() }),
        };
        // Read only when a cooldown is set: a guild without one pays nothing for it.
        let last = match settings.limits.of(kind).cooldown_minutes {
            _ if by_staff => None,
            0 => None,
            _ => self.ports.store.last_opened(guild, kind, pid).await?,
        };
        if let Some(until) = settings.limits.cooldown_until(kind, last, now) {
            return Err(DeskError::Cooldown { kind, until });
        }
        Ok(free)
    }

    /// Why a player may not open an in-game ticket now (blocked, or in their cooldown), as the whisper they get;
    /// `None`: they may.
    pub(super) async fn in_game_refusal(
        &self,
        settings: &GuildSettings,
        player: Pid,
        now: OffsetDateTime,
    ) -> Result<Option<String>, DeskError> {
        let refusal = if let Some(block) = blocking(&settings.blocklist, BlockTarget::Player(player), &[], now) {
            DeskError::Blocked { reason: self.shown_reason(block), until: block.until }
        } else {
            let last = match settings.limits.in_game.cooldown_minutes {
                0 => None,
                _ => self.ports.store.last_opened(settings.guild, TicketType::InGame, player).await?,
            };
            match settings.limits.cooldown_until(TicketType::InGame, last, now) {
                Some(until) => DeskError::Cooldown { kind: TicketType::InGame, until },
                None => return Ok(None),
            }
        };
        Ok(game_refusal(&refusal))
    }

    /// Runs a limits or blocklist command on `settings` (saved by the caller when changed).
    pub(super) async fn limits_command(
        &self,
        settings: &mut GuildSettings,
        actor: &Actor,
        command: &LimitsCommand,
    ) -> Result<Message, DeskError> {
        let now = self.ports.clock.now();
        match command {
            LimitsCommand::SetLimits { kind, max_open, cooldown_minutes } => {
                if let Some(max) = max_open {
                    if *max > 1 && !TicketLimits::allows_several(*kind) {
                        return Err(DeskError::invalid(
                            "most open tickets",
                            Problem::Malformed {
                                expected: "1 for recruitment (one application at a time) and in-game tickets (one \
                                           per player and game server)",
                            },
                        ));
                    }
                    if *max == 0 || *max > TicketLimits::MAX_OPEN {
                        return Err(DeskError::invalid(
                            "most open tickets",
                            Problem::Malformed { expected: "from 1 to 10" },
                        ));
                    }
                    settings.limits.of_mut(*kind).max_open = *max;
                }
                if let Some(minutes) = cooldown_minutes {
                    if *minutes > TicketLimits::MAX_COOLDOWN_MINUTES {
                        return Err(DeskError::invalid(
                            "cooldown",
                            Problem::Malformed { expected: "at most 43200 minutes (30 days)" },
                        ));
                    }
                    settings.limits.of_mut(*kind).cooldown_minutes = *minutes;
                }
                let mut reply = limits_embed(settings);
                if max_open.is_some() || cooldown_minutes.is_some() {
                    reply.content = "Saved. Tickets already open stay open.".into();
                }
                Ok(reply)
            }
            LimitsCommand::Block { who, reason, hours } => {
                let (target, contact, label) = self.block_target(who).await?;
                let reason = match reason.as_deref().map(clean_line).map(|r| r.trim().to_owned()) {
                    Some(r) if r.chars().count() > Block::REASON_MAX => {
                        return Err(DeskError::invalid("reason", Problem::TooLong { max: Block::REASON_MAX }));
                    }
                    Some(r) if r.is_empty() => None,
                    r => r,
                };
                let until = match hours {
                    Some(h) if *h == 0 || *h > LimitsCommand::MAX_BLOCK_HOURS => {
                        return Err(DeskError::invalid(
                            "block length",
                            Problem::Malformed { expected: "from 1 to 8784 hours" },
                        ));
                    }
                    Some(h) => Some(now + time::Duration::hours(i64::from(*h))),
                    None => None,
                };
                settings.blocklist.retain(|b| b.active(now) && b.target != target);
                if settings.blocklist.len() >= Block::MAX_ENTRIES {
                    return Err(DeskError::invalid("blocklist", Problem::Full { max: Block::MAX_ENTRIES }));
                }
                let block = Block { target, contact, label, reason, until, by: self.pid_of(actor.user), at: now };
                let shown = self.block_line(&block);
                settings.blocklist.push(block);
                Ok(Message::text(format!("Blocked from opening tickets: {shown}")))
            }
            LimitsCommand::Unblock { who } => {
                let (target, _, label) = self.block_target(who).await?;
                let before = settings.blocklist.len();
                settings.blocklist.retain(|b| b.target != target);
                if settings.blocklist.len() == before {
                    return Err(DeskError::invalid("blocklist", Problem::Unknown { given: label }));
                }
                settings.blocklist.retain(|b| b.active(now));
                Ok(Message::text(format!("{label} may open tickets again.")))
            }
            LimitsCommand::Blocked => {
                let active: Vec<&Block> = settings.blocklist.iter().filter(|b| b.active(now)).collect();
                let mut lines: Vec<String> = active.iter().take(BLOCKED_SHOWN).map(|b| self.block_line(b)).collect();
                if active.len() > BLOCKED_SHOWN {
                    lines.push(format!("… and {} more", active.len() - BLOCKED_SHOWN));
                }
                if lines.is_empty() {
                    lines.push("Nobody is blocked.".into());
                }
                Ok(Message::embed(Embed {
                    title: Some("Blocked from opening tickets".into()),
                    description: Some(lines.join("\n")),
                    footer: Some(format!("{} blocked", active.len())),
                    ..Embed::default()
                }))
            }
        }
    }

    /// One block as `/tickets blocked` lists it.
    fn block_line(&self, block: &Block) -> String {
        let who = match (&block.target, &block.contact) {
            (BlockTarget::Role(role), _) => format!("<@&{role}>"),
            (BlockTarget::User(_), Some(contact)) => match self.key.open(contact) {
                Ok(user) => format!("<@{}>", user.get()),
                Err(_) => block.label.clone(),
            },
            (BlockTarget::User(_), None) => block.label.clone(),
            (BlockTarget::Player(_), _) => format!("{} (in game)", block.label),
        };
        let until = match block.until {
            Some(at) => format!("until <t:{}:f>", unix(at)),
            None => "until unblocked".into(),
        };
        let reason = self.shown_reason(block).map(|r| format!(" · {r}")).unwrap_or_default();
        format!("• {who} — {until}{reason}")
    }

    /// A block's reason as people read it: the members it mentions, sealed for storing, mentioned again.
    fn shown_reason(&self, block: &Block) -> Option<String> {
        block.reason.as_deref().map(|r| crate::relay::open_user_mentions(r, &self.key))
    }

    /// What a block command names, as a blocklist target, the member's sealed contact and a label.
    async fn block_target(
        &self,
        who: &BlockWho,
    ) -> Result<(BlockTarget, Option<crate::pid::SealedUser>, String), DeskError> {
        Ok(match who {
            BlockWho::Member { user, name } => {
                (BlockTarget::User(self.pid_of(*user)), Some(self.key.seal(*user)), clean_line(name))
            }
            BlockWho::Role(role) => (BlockTarget::Role(*role), None, format!("<@&{role}>")),
            BlockWho::TicketIn(channel) => {
                let Some(ticket) = self.ports.store.ticket_by_channel(*channel).await? else {
                    return Err(DeskError::invalid(
                        "member",
                        Problem::Malformed { expected: "given, or the command run in a ticket's channel" },
                    ));
                };
                match &ticket.detail {
                    TicketDetail::InGame(game) => (BlockTarget::Player(game.player), None, game.name.to_string()),
                    TicketDetail::Support(t) => (BlockTarget::User(t.opener), Some(t.contact), ticket.channel_name),
                    TicketDetail::Recruitment(t) => {
                        (BlockTarget::User(t.applicant), Some(t.contact), ticket.channel_name)
                    }
                }
            }
        })
    }
}
