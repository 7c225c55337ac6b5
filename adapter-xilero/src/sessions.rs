//! The session registry: who is online on which game server, as the game reported with `login` and `logout`.
//!
//! It lives in memory only: raw account and character ids are kept here because the game gave them and the
//! desk needs them again at logout, but they are never logged or stored.
//!
//! When a game server (re)authenticates, its players are marked *unconfirmed*: they count as offline until the
//! game announces them again with `login`. When the game says `sync_done`, those still unconfirmed logged out
//! while the link was down and are forgotten; [`Sessions::finish_resync`] returns everyone the game announced,
//! so that the desk can close the tickets of everyone else (which also covers a bridge that restarted and so
//! remembers nobody).

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard};

use ticket_core::GameServerId;
use ticket_core::relay::GameName;

use crate::protocol::PlayerRef;

/// A server already tracks as many players as allowed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("too many players online on this server (at most {max})")]
pub struct SessionsFull {
    /// The limit.
    pub max: usize,
}

#[derive(Debug)]
struct Session {
    player: PlayerRef,
    confirmed: bool,
}

/// Who is online, per game server.
#[derive(Debug)]
pub struct Sessions {
    servers: Mutex<HashMap<GameServerId, HashMap<GameName, Session>>>,
    max_per_server: usize,
}

impl Sessions {
    /// An empty registry tracking at most `max_per_server` players per server.
    pub fn new(max_per_server: usize) -> Self {
        Self { servers: Mutex::new(HashMap::new()), max_per_server }
    }

    fn lock(&self) -> MutexGuard<'_, HashMap<GameServerId, HashMap<GameName, Session>>> {
        // Every change below is a single map operation; a panic elsewhere cannot leave the map torn.
        self.servers.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// A player logged in (or was announced again after the link came back).
    pub fn login(&self, server: &GameServerId, player: &PlayerRef) -> Result<(), SessionsFull> {
        let mut servers = self.lock();
        let players = servers.entry(server.clone()).or_default();
        if players.len() >= self.max_per_server && !players.contains_key(&player.name) {
            return Err(SessionsFull { max: self.max_per_server });
        }
        players.insert(player.name.clone(), Session { player: player.clone(), confirmed: true });
        Ok(())
    }

    /// A player logged out. Returns whether they were known.
    pub fn logout(&self, server: &GameServerId, name: &GameName) -> bool {
        self.lock().get_mut(server).is_some_and(|players| players.remove(name).is_some())
    }

    /// Whether a player is online (and confirmed since the last authentication).
    pub fn is_online(&self, server: &GameServerId, name: &GameName) -> bool {
        self.lock().get(server).and_then(|players| players.get(name)).is_some_and(|s| s.confirmed)
    }

    /// How many confirmed players a server has online.
    pub fn online_count(&self, server: &GameServerId) -> usize {
        self.lock().get(server).map_or(0, |players| players.values().filter(|s| s.confirmed).count())
    }

    /// A server (re)authenticated: everyone it had online counts as offline until announced again.
    pub fn begin_resync(&self, server: &GameServerId) {
        if let Some(players) = self.lock().get_mut(server) {
            for session in players.values_mut() {
                session.confirmed = false;
            }
        }
    }

    /// The game announced everyone online: players not announced again logged out meanwhile and are forgotten.
    /// Returns the players online now (announced since [`Sessions::begin_resync`]), by name.
    pub fn finish_resync(&self, server: &GameServerId) -> Vec<PlayerRef> {
        let mut servers = self.lock();
        let Some(players) = servers.get_mut(server) else { return Vec::new() };
        players.retain(|_, session| session.confirmed);
        let mut online: Vec<PlayerRef> = players.values().map(|session| session.player.clone()).collect();
        online.sort_by(|a, b| a.name.as_str().cmp(b.name.as_str()));
        online
    }
}

#[cfg(test)]
mod tests {
    use ticket_core::{AccountId, CharId};

    use super::*;

    fn server() -> GameServerId {
        GameServerId::new("xilero").unwrap()
    }

    fn player(name: &str, id: u64) -> PlayerRef {
        PlayerRef { name: GameName::new(name).unwrap(), account: AccountId::new(id), char: CharId::new(id) }
    }

    #[test]
    fn login_logout_and_limits() {
        let sessions = Sessions::new(2);
        let foo = player("Foo", 1);
        assert!(!sessions.is_online(&server(), &foo.name));
        sessions.login(&server(), &foo).unwrap();
        sessions.login(&server(), &foo).unwrap();
        sessions.login(&server(), &player("Bar", 2)).unwrap();
        assert_eq!(sessions.login(&server(), &player("Baz", 3)), Err(SessionsFull { max: 2 }));
        assert!(sessions.is_online(&server(), &foo.name));
        assert!(!sessions.is_online(&GameServerId::new("other").unwrap(), &foo.name));
        assert!(sessions.logout(&server(), &foo.name));
        assert!(!sessions.logout(&server(), &foo.name));
        assert_eq!(sessions.online_count(&server()), 1);
    }

    #[test]
    fn a_resync_finds_who_left_while_the_link_was_down() {
        let sessions = Sessions::new(10);
        for (name, id) in [("Foo", 1), ("Bar", 2), ("Baz", 3)] {
            sessions.login(&server(), &player(name, id)).unwrap();
        }
        sessions.begin_resync(&server());
        assert!(!sessions.is_online(&server(), &player("Foo", 1).name), "unconfirmed players count as offline");
        sessions.login(&server(), &player("Qux", 4)).unwrap();
        sessions.login(&server(), &player("Bar", 2)).unwrap();
        let online = sessions.finish_resync(&server());
        let names: Vec<&str> = online.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(names, ["Bar", "Qux"], "the players announced since the authentication");
        assert_eq!(online[0].account, AccountId::new(2));
        assert_eq!(sessions.online_count(&server()), 2);
        assert!(!sessions.is_online(&server(), &player("Foo", 1).name), "Foo was not announced: forgotten");
        assert!(sessions.login(&server(), &player("Foo", 1)).is_ok());
        assert_eq!(sessions.finish_resync(&server()).len(), 3);
        assert!(sessions.finish_resync(&GameServerId::new("other").unwrap()).is_empty());
    }
}
