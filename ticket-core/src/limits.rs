//! Limits on opening tickets (`/tickets set-limits`) and the blocklist (`/tickets block`): what a guild keeps in
//! its [`GuildSettings`](crate::settings::GuildSettings), and the pure rules that read them.
//!
//! - A **limit** per kind of ticket: the most tickets one person may have open at once (support tickets only:
//!   an applicant has one application at a time, and a player's in-game messages go to their one ticket per game
//!   server), and a **cooldown** between two openings of that kind by one person.
//! - The **blocklist**: members (by pid), roles (by id) and in-game players (by the pid of their account), each
//!   with an optional reason and an optional end. A blocked person opens no ticket of any kind.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::id::RoleId;
use crate::pid::{Pid, SealedUser};
use crate::settings::TicketType;

/// One kind's limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct OpenLimit {
    /// The most tickets of this kind one person may have open at once (at least 1).
    pub max_open: u8,
    /// Minutes one person waits between two openings of this kind (0: no cooldown).
    pub cooldown_minutes: u32,
}

impl Default for OpenLimit {
    fn default() -> Self {
        Self { max_open: 1, cooldown_minutes: 0 }
    }
}

/// The limits of each kind (`/tickets set-limits`). The defaults are one open ticket and no cooldown.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct TicketLimits {
    /// Support tickets (opened from the panel).
    pub support: OpenLimit,
    /// Recruitment tickets: `max_open` stays 1.
    pub recruitment: OpenLimit,
    /// In-game tickets: `max_open` stays 1 (one per player and game server).
    pub in_game: OpenLimit,
}

impl TicketLimits {
    /// The most open support tickets per member that can be set.
    pub const MAX_OPEN: u8 = 10;
    /// The longest cooldown that can be set, in minutes: 30 days.
    pub const MAX_COOLDOWN_MINUTES: u32 = 30 * 24 * 60;

    /// The limit of a kind.
    pub fn of(&self, kind: TicketType) -> OpenLimit {
        match kind {
            TicketType::Support => self.support,
            TicketType::Recruitment => self.recruitment,
            TicketType::InGame => self.in_game,
        }
    }

    /// The limit of a kind, to change.
    pub fn of_mut(&mut self, kind: TicketType) -> &mut OpenLimit {
        match kind {
            TicketType::Support => &mut self.support,
            TicketType::Recruitment => &mut self.recruitment,
            TicketType::InGame => &mut self.in_game,
        }
    }

    /// Whether a kind may allow more than one open ticket per person (only support tickets do).
    pub fn allows_several(kind: TicketType) -> bool {
        kind == TicketType::Support
    }

    /// When a person whose last opening of `kind` was at `last` may open the next one; `None`: now.
    pub fn cooldown_until(
        &self,
        kind: TicketType,
        last: Option<OffsetDateTime>,
        now: OffsetDateTime,
    ) -> Option<OffsetDateTime> {
        let minutes = self.of(kind).cooldown_minutes;
        let until = last? + time::Duration::minutes(i64::from(minutes));
        (minutes > 0 && until > now).then_some(until)
    }
}

/// Who is blocked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BlockTarget {
    /// A Discord member, by pid.
    User(Pid),
    /// Every member with a role.
    Role(RoleId),
    /// An in-game player, by the pid of their game account.
    Player(Pid),
}

impl BlockTarget {
    /// The lowercase name used in storage.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::User(_) => "user",
            Self::Role(_) => "role",
            Self::Player(_) => "player",
        }
    }
}

/// One entry of the blocklist.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Block {
    /// Who.
    pub target: BlockTarget,
    /// A blocked member, sealed: `/tickets blocked` shows them as a mention.
    pub contact: Option<SealedUser>,
    /// The name shown for them: the member's display name or the player's character name when blocked.
    pub label: String,
    /// Why, as staff wrote it (shown to the blocked person).
    pub reason: Option<String>,
    /// When the block ends; `None`: until unblocked.
    #[serde(with = "time::serde::rfc3339::option")]
    pub until: Option<OffsetDateTime>,
    /// Who blocked them.
    pub by: Pid,
    /// When.
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
}

impl Block {
    /// The most entries a guild's blocklist holds.
    pub const MAX_ENTRIES: usize = 250;
    /// The longest reason.
    pub const REASON_MAX: usize = 200;

    /// Whether it is in force at `now`.
    pub fn active(&self, now: OffsetDateTime) -> bool {
        self.until.is_none_or(|until| until > now)
    }
}

/// The block in force at `now` that stops a person: by their pid (`user` for a member, `player` for an in-game
/// player) or by one of their `roles`. A block by pid comes first, then the one that ends last.
pub fn blocking<'a>(
    list: &'a [Block],
    person: BlockTarget,
    roles: &[RoleId],
    now: OffsetDateTime,
) -> Option<&'a Block> {
    let hits = |b: &&Block| {
        b.active(now) && (b.target == person || matches!(b.target, BlockTarget::Role(r) if roles.contains(&r)))
    };
    let ends = |b: &&Block| (b.target == person, b.until.is_none(), b.until);
    list.iter().filter(hits).max_by_key(ends)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::PidKey;
    use crate::id::UserId;

    fn block(target: BlockTarget, until: Option<OffsetDateTime>) -> Block {
        let key = PidKey::new(&[1; 32]).unwrap();
        Block {
            target,
            contact: None,
            label: "x".into(),
            reason: None,
            until,
            by: key.user(UserId::new(1)),
            at: OffsetDateTime::UNIX_EPOCH,
        }
    }

    #[test]
    fn blocks_apply_by_pid_or_role_until_they_end() {
        let key = PidKey::new(&[1; 32]).unwrap();
        let me = BlockTarget::User(key.user(UserId::new(5)));
        let other = BlockTarget::User(key.user(UserId::new(6)));
        let t0 = OffsetDateTime::UNIX_EPOCH;
        let later = t0 + time::Duration::hours(1);
        let list = vec![block(other, None), block(BlockTarget::Role(RoleId::new(9)), Some(later))];
        assert!(blocking(&list, me, &[], t0).is_none(), "someone else's block");
        assert_eq!(
            blocking(&list, me, &[RoleId::new(9)], t0).map(|b| b.target),
            Some(BlockTarget::Role(RoleId::new(9)))
        );
        assert!(blocking(&list, me, &[RoleId::new(9)], later).is_none(), "ended");
        assert!(blocking(&list, other, &[], later).is_some(), "no end");
        // A player's pid and a member's are different targets even with the same bytes.
        let Some(BlockTarget::User(pid)) = Some(other) else { unreachable!() };
        assert!(blocking(&list, BlockTarget::Player(pid), &[], t0).is_none());
    }

    #[test]
    fn cooldowns_run_from_the_last_opening() {
        let t0 = OffsetDateTime::UNIX_EPOCH;
        let mut limits = TicketLimits::default();
        assert_eq!(limits.cooldown_until(TicketType::Support, Some(t0), t0), None, "no cooldown by default");
        limits.support.cooldown_minutes = 30;
        let until = t0 + time::Duration::minutes(30);
        assert_eq!(limits.cooldown_until(TicketType::Support, Some(t0), t0), Some(until));
        assert_eq!(limits.cooldown_until(TicketType::Support, Some(t0), until), None, "over");
        assert_eq!(limits.cooldown_until(TicketType::Support, None, t0), None, "never opened one");
        assert_eq!(limits.cooldown_until(TicketType::InGame, Some(t0), t0), None, "per kind");
    }
}
