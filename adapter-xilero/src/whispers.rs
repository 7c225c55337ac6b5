//! The whispers recently sent to each game server, by their `ref`.
//!
//! A whisper counts as delivered once it is on the game's socket, but the player may have left just before it
//! arrives. The game then answers `[action: error][code: player_offline][ref: …]` echoing the whisper's `ref`,
//! and the reader takes the whisper back from here so that the desk holds the reply for the player's next login.
//!
//! The game never confirms a delivered whisper, so entries are not removed on success: each server keeps its
//! most recent `limit` whispers, and the oldest is forgotten (and counted) to make room. A `player_offline` for
//! a forgotten whisper is handled like one without a `ref`.

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard};

use ticket_core::GameServerId;
use ticket_core::relay::GameName;

use crate::codec::cut;

/// The most of a whisper's text (and sender) remembered, in bytes: the desk whispers at most 255 bytes at a time.
const MAX_REMEMBERED: usize = 4096;

/// A staff reply whispered to a player.
#[derive(Clone, PartialEq, Eq)]
pub(crate) struct SentWhisper {
    /// The player.
    pub name: GameName,
    /// The staff member's display name.
    pub from: String,
    /// The reply.
    pub text: String,
}

impl std::fmt::Debug for SentWhisper {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The reply is a private conversation: never in debug output.
        f.debug_struct("SentWhisper").field("name", &self.name).finish_non_exhaustive()
    }
}

/// What [`RecentWhispers::remember`] returns.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Remembered {
    /// The whisper's `ref`, to send with it.
    pub reference: String,
    /// Whether the server's oldest whisper was forgotten to make room.
    pub forgot_one: bool,
}

/// The most recent whispers of every game server, by `ref` (`w` and a number unique to this link).
#[derive(Debug)]
pub(crate) struct RecentWhispers {
    /// Per server, by the number of the `ref`: the first entry is the oldest.
    servers: Mutex<HashMap<GameServerId, BTreeMap<u64, SentWhisper>>>,
    next: AtomicU64,
    limit: usize,
}

/// The `ref` of whisper number `n`.
fn reference(n: u64) -> String {
    format!("w{n}")
}

/// The number of a `ref` this link made; `None` for anything else (`w017` and `w+17` included).
fn number(reference: &str) -> Option<u64> {
    let n = reference.strip_prefix('w')?.parse().ok()?;
    (self::reference(n) == reference).then_some(n)
}

impl RecentWhispers {
    /// Remembers at most `limit` whispers per server (at least one).
    pub fn new(limit: usize) -> Self {
        Self { servers: Mutex::new(HashMap::new()), next: AtomicU64::new(1), limit: limit.max(1) }
    }

    fn lock(&self) -> MutexGuard<'_, HashMap<GameServerId, BTreeMap<u64, SentWhisper>>> {
        // Every change is one or two map operations; a panic elsewhere cannot leave the maps torn.
        self.servers.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Remembers a whisper about to be sent to `server` and gives it its `ref`.
    pub fn remember(&self, server: &GameServerId, mut whisper: SentWhisper) -> Remembered {
        let n = self.next.fetch_add(1, Ordering::Relaxed);
        // A caller bypassing the desk cannot make the memory grow: the desk's whispers are far shorter.
        for value in [&mut whisper.from, &mut whisper.text] {
            value.truncate(cut(value, MAX_REMEMBERED).len());
        }
        let mut servers = self.lock();
        let sent = servers.entry(server.clone()).or_default();
        sent.insert(n, whisper);
        let forgot_one = sent.len() > self.limit && sent.pop_first().is_some();
        Remembered { reference: reference(n), forgot_one }
    }

    /// Takes back the whisper `reference` of `server`, if it is remembered (each is taken at most once).
    pub fn take(&self, server: &GameServerId, reference: &str) -> Option<SentWhisper> {
        let n = number(reference)?;
        self.lock().get_mut(server)?.remove(&n)
    }

    /// Takes back the most recent whisper to `player` on `server`, if one is remembered: for a `player_offline`
    /// that does not say which whisper it answers.
    pub fn take_newest_to(&self, server: &GameServerId, player: &GameName) -> Option<SentWhisper> {
        let mut servers = self.lock();
        let sent = servers.get_mut(server)?;
        let n = sent.iter().rev().find(|(_, w)| w.name == *player).map(|(n, _)| *n)?;
        sent.remove(&n)
    }

    /// How many whispers `server` has remembered.
    #[cfg(test)]
    fn len(&self, server: &GameServerId) -> usize {
        self.lock().get(server).map_or(0, BTreeMap::len)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn server(id: &str) -> GameServerId {
        GameServerId::new(id).unwrap()
    }

    fn whisper(text: &str) -> SentWhisper {
        SentWhisper { name: GameName::new("Foo").unwrap(), from: "GM".into(), text: text.into() }
    }

    #[test]
    fn whispers_are_taken_back_once_by_ref_and_server() {
        let recent = RecentWhispers::new(8);
        let one = recent.remember(&server("a"), whisper("one"));
        let two = recent.remember(&server("b"), whisper("two"));
        assert_eq!((one.reference.as_str(), two.reference.as_str()), ("w1", "w2"), "refs are unique per link");
        assert!(!one.forgot_one && !two.forgot_one);
        assert_eq!(recent.take(&server("b"), "w1"), None, "another server's whisper");
        assert_eq!(recent.take(&server("a"), "w1"), Some(whisper("one")));
        assert_eq!(recent.take(&server("a"), "w1"), None, "taken once");
        for other in ["w02", "w+2", "2", "w", "W2", "w2 ", "w99999999999999999999999"] {
            assert_eq!(recent.take(&server("b"), other), None, "{other}");
        }
        assert_eq!(recent.take(&server("b"), "w2"), Some(whisper("two")));
    }

    #[test]
    fn without_a_ref_the_newest_whisper_to_the_player_is_taken() {
        let recent = RecentWhispers::new(8);
        let bar = SentWhisper { name: GameName::new("Bar").unwrap(), ..whisper("to bar") };
        recent.remember(&server("a"), whisper("one"));
        recent.remember(&server("a"), whisper("two"));
        recent.remember(&server("a"), bar.clone());
        let foo = GameName::new("Foo").unwrap();
        assert_eq!(recent.take_newest_to(&server("b"), &foo), None, "another server's");
        assert_eq!(recent.take_newest_to(&server("a"), &foo), Some(whisper("two")));
        assert_eq!(recent.take_newest_to(&server("a"), &foo), Some(whisper("one")));
        assert_eq!(recent.take_newest_to(&server("a"), &foo), None);
        assert_eq!(recent.take_newest_to(&server("a"), &bar.name), Some(bar));
    }

    #[test]
    fn the_oldest_whisper_is_forgotten_beyond_the_limit() {
        let recent = RecentWhispers::new(2);
        let refs: Vec<Remembered> = ["1", "2", "3"].iter().map(|t| recent.remember(&server("a"), whisper(t))).collect();
        assert_eq!(refs.iter().map(|r| r.forgot_one).collect::<Vec<_>>(), [false, false, true]);
        assert_eq!(recent.len(&server("a")), 2);
        assert_eq!(recent.take(&server("a"), "w1"), None);
        assert_eq!(recent.take(&server("a"), "w3"), Some(whisper("3")));
        assert_eq!(recent.take(&server("a"), "w2"), Some(whisper("2")));
    }

    #[test]
    fn huge_texts_are_capped_at_a_character_boundary() {
        let recent = RecentWhispers::new(1);
        let huge = "é".repeat(MAX_REMEMBERED);
        let kept = recent.remember(&server("a"), whisper(&huge));
        let back = recent.take(&server("a"), &kept.reference).unwrap();
        assert!(back.text.len() <= MAX_REMEMBERED && huge.starts_with(&back.text));
        assert!(!format!("{back:?}").contains('é'), "no reply text in debug output");
    }
}
