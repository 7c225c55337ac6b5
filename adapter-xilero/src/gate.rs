//! The waiting room: connections that have not authenticated yet.
//!
//! Anyone who can reach the port can open connections and say nothing. A fixed cap that turns newcomers away
//! lets them keep a real map server out for as long as they keep their connections open; so instead, a
//! newcomer always gets in, and makes room by closing the **oldest** waiting connection: first the oldest from
//! its own address once that address has [`LinkLimits::max_pending_per_address`] waiting, then the oldest of
//! all once [`LinkLimits::max_pending_auth`] are waiting. A real map server authenticates within a round trip of
//! connecting, so it is through long before a flood could push it out; a silent connection only ever waits to
//! be pushed out. (Only addresses a server may connect from get this far: see [`AllowedServer::allow_from`].)
//!
//! [`LinkLimits::max_pending_per_address`]: crate::LinkLimits::max_pending_per_address
//! [`LinkLimits::max_pending_auth`]: crate::LinkLimits::max_pending_auth
//! [`AllowedServer::allow_from`]: crate::AllowedServer::allow_from

use std::collections::VecDeque;
use std::net::IpAddr;
use std::sync::{Arc, Mutex, MutexGuard};

use tokio::sync::oneshot;

/// One waiting connection.
struct Waiting {
    id: u64,
    ip: IpAddr,
    evict: oneshot::Sender<()>,
}

#[derive(Default)]
struct Room {
    next: u64,
    /// In order of arrival: the front is the oldest.
    waiting: VecDeque<Waiting>,
}

/// The connections waiting to authenticate, shared by the accept loop and the connections.
pub(crate) struct Gate {
    room: Mutex<Room>,
    per_address: usize,
    total: usize,
}

/// A connection's place in the waiting room; leaving it (drop) frees the place.
pub(crate) struct Place {
    gate: Arc<Gate>,
    id: u64,
    /// Fires when a newcomer pushed this connection out.
    pub evicted: oneshot::Receiver<()>,
}

impl Gate {
    /// A room for `total` connections, at most `per_address` from one address (both at least 1).
    pub fn new(total: usize, per_address: usize) -> Arc<Self> {
        Arc::new(Self { room: Mutex::new(Room::default()), per_address: per_address.max(1), total: total.max(1) })
    }

    fn room(&self) -> MutexGuard<'_, Room> {
        // Every change is a push or a removal; a panic elsewhere cannot leave the queue torn.
        self.room.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Lets a connection from `ip` in; returns its place and how many older connections were pushed out for it.
    pub fn enter(self: &Arc<Self>, ip: IpAddr) -> (Place, usize) {
        let mut room = self.room();
        let mut pushed_out = 0;
        if room.waiting.iter().filter(|w| w.ip == ip).count() >= self.per_address {
            if let Some(at) = room.waiting.iter().position(|w| w.ip == ip) {
                evict(&mut room, at);
                pushed_out += 1;
            }
        }
        if room.waiting.len() >= self.total {
            evict(&mut room, 0);
            pushed_out += 1;
        }
        let id = room.next;
        room.next += 1;
        let (evict, evicted) = oneshot::channel();
        room.waiting.push_back(Waiting { id, ip, evict });
        (Place { gate: self.clone(), id, evicted }, pushed_out)
    }

    /// How many connections are waiting.
    #[cfg(test)]
    fn len(&self) -> usize {
        self.room().waiting.len()
    }
}

fn evict(room: &mut Room, at: usize) {
    if let Some(oldest) = room.waiting.remove(at) {
        // The connection may have just finished on its own: then nobody listens, which is fine.
        let _ = oldest.evict.send(());
    }
}

impl Drop for Place {
    fn drop(&mut self) {
        let mut room = self.gate.room();
        if let Some(at) = room.waiting.iter().position(|w| w.id == self.id) {
            room.waiting.remove(at);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn a_newcomer_pushes_out_the_oldest_of_its_own_address_first() {
        let gate = Gate::new(10, 2);
        let (mut a1, _) = gate.enter(ip("127.0.0.1"));
        let (mut b1, _) = gate.enter(ip("127.0.0.2"));
        let (mut a2, _) = gate.enter(ip("127.0.0.1"));
        let (_a3, pushed) = gate.enter(ip("127.0.0.1"));
        assert_eq!(pushed, 1);
        assert!(a1.evicted.try_recv().is_ok(), "the oldest from 127.0.0.1 made room");
        assert!(b1.evicted.try_recv().is_err() && a2.evicted.try_recv().is_err());
        assert_eq!(gate.len(), 3);
    }

    #[test]
    fn a_full_room_pushes_out_the_oldest_of_all() {
        let gate = Gate::new(2, 2);
        let (mut a, _) = gate.enter(ip("127.0.0.1"));
        let (mut b, _) = gate.enter(ip("127.0.0.2"));
        let (_c, pushed) = gate.enter(ip("127.0.0.3"));
        assert_eq!(pushed, 1);
        assert!(a.evicted.try_recv().is_ok());
        assert!(b.evicted.try_recv().is_err());
        assert_eq!(gate.len(), 2);
    }

    #[test]
    fn leaving_frees_the_place() {
        let gate = Gate::new(1, 1);
        let (a, _) = gate.enter(ip("::1"));
        drop(a);
        assert_eq!(gate.len(), 0);
        let (mut b, pushed) = gate.enter(ip("::1"));
        assert_eq!(pushed, 0);
        assert!(b.evicted.try_recv().is_err());
    }
}
