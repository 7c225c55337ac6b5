//! The logins a game announces right after it (re)connects, before its `sync_done`, held back.
//!
//! After a restart every player online is announced again, each with a `login` that, handled on its own, reads
//! the player's open ticket to find nothing to do (thousands of store reads for a large server). Held back, they
//! are handed to the desk with `sync_done` as one list ([`Desk::sync_players`](ticket_core::Desk::sync_players)
//! reads the server's open in-game tickets once and logs in those whose ticket has the player offline or holds
//! replies for them). A held-back login still goes before any later record of its player, so each player's
//! records keep their order.

use std::collections::HashMap;

use ticket_core::relay::GameName;

use crate::worker::Work;

/// The logins held back during one connection's resync.
#[derive(Debug)]
pub(crate) struct ResyncLogins {
    /// By player; `None` once the resync is over (`sync_done` taken).
    held: Option<HashMap<GameName, Work>>,
    /// At most this many are held; beyond that a login goes through on its own.
    max: usize,
}

impl ResyncLogins {
    /// A connection's resync, just begun: holding at most `max` logins.
    pub(crate) fn new(max: usize) -> Self {
        Self { held: Some(HashMap::new()), max }
    }

    /// Holds `work` back if it is a login during the resync whose player has no login held yet; otherwise gives
    /// it back.
    pub(crate) fn hold(&mut self, work: Work) -> Option<Work> {
        let Some(held) = &mut self.held else { return Some(work) };
        match &work {
            Work::Login { player, .. } if held.len() < self.max && !held.contains_key(&player.name) => {
                held.insert(player.name.clone(), work);
                None
            }
            _ => Some(work),
        }
    }

    /// The held-back login of `player`, which must go before their next record.
    pub(crate) fn take(&mut self, player: &GameName) -> Option<Work> {
        self.held.as_mut()?.remove(player)
    }

    /// Whether any login is held back.
    pub(crate) fn holds_any(&self) -> bool {
        self.held.as_ref().is_some_and(|held| !held.is_empty())
    }

    /// Every login held back, the resync going on.
    pub(crate) fn drain(&mut self) -> Vec<Work> {
        self.held.as_mut().map(|held| held.drain().map(|(_, work)| work).collect()).unwrap_or_default()
    }

    /// Ends the resync (at `sync_done`, or when the connection's records end): every login held back. Later
    /// logins go through on their own.
    pub(crate) fn finish(&mut self) -> Vec<Work> {
        self.held.take().map(|held| held.into_values().collect()).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use ticket_core::{AccountId, CharId};

    use super::*;
    use crate::protocol::PlayerRef;

    fn login(name: &str) -> Work {
        let player = PlayerRef { name: GameName::new(name).unwrap(), account: AccountId::new(1), char: CharId::new(1) };
        Work::Login { player, reference: None }
    }

    fn names(mut works: Vec<Work>) -> Vec<String> {
        works.sort_by_key(|w| w.player().map(|p| p.to_string()));
        works.iter().filter_map(|w| w.player().map(|p| p.to_string())).collect()
    }

    #[test]
    fn logins_are_held_until_the_resync_ends_then_go_through() {
        let mut resync = ResyncLogins::new(10);
        assert!(resync.hold(login("Foo")).is_none());
        assert!(resync.hold(login("Bar")).is_none());
        assert!(resync.hold(login("Foo")).is_some(), "a second login of a held player goes through");
        let config = Work::Config { enabled: true, close_on_logout: true, reference: None };
        assert!(resync.hold(config).is_some(), "only logins are held");
        assert!(resync.holds_any());
        assert!(matches!(resync.take(&GameName::new("Foo").unwrap()), Some(Work::Login { .. })));
        assert!(resync.take(&GameName::new("Foo").unwrap()).is_none());
        assert_eq!(names(resync.finish()), ["Bar"]);
        assert!(!resync.holds_any());
        assert!(resync.hold(login("Baz")).is_some(), "after the resync a login goes through");
        assert!(resync.finish().is_empty());
    }

    #[test]
    fn at_most_max_logins_are_held_and_draining_keeps_the_resync_going() {
        let mut resync = ResyncLogins::new(2);
        assert!(resync.hold(login("A")).is_none());
        assert!(resync.hold(login("B")).is_none());
        assert!(resync.hold(login("C")).is_some(), "beyond the limit");
        assert_eq!(names(resync.drain()), ["A", "B"]);
        assert!(resync.hold(login("C")).is_none(), "still resyncing after a drain");
        assert_eq!(names(resync.finish()), ["C"]);
    }
}
