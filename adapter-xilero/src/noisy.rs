//! Log lines that anyone who can reach the port could otherwise write at will.
//!
//! Refused authentications, connections from addresses no server may use and connections pushed out of the
//! waiting room are each logged in full the first time in a window ([`WINDOW`]); the rest of the window only
//! counts them, and one summary line per kind says how many more there were and from how many addresses. A
//! thousand refused attempts in a second make two lines, not a thousand.

use std::collections::{BTreeMap, BTreeSet};
use std::net::IpAddr;
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use tokio::time::Instant;

/// How long one summary covers.
pub(crate) const WINDOW: Duration = Duration::from_secs(10);

/// The most distinct addresses remembered per window (for the count in the summary).
const MAX_ADDRESSES: usize = 1024;

/// What happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Noise {
    /// An authentication was refused.
    AuthRefused,
    /// A connection came from an address no game server may connect from.
    UnknownAddress,
    /// A connection waiting to authenticate was closed to make room for a newer one.
    PushedOut,
}

impl Noise {
    fn describe(self) -> &'static str {
        match self {
            Self::AuthRefused => "authentications refused",
            Self::UnknownAddress => "connections from addresses no game server may use, closed",
            Self::PushedOut => "connections waiting to authenticate, closed to make room",
        }
    }
}

struct Window {
    started: Instant,
    more: u64,
    addresses: BTreeSet<IpAddr>,
}

/// The windows of every kind of noise.
#[derive(Default)]
pub(crate) struct NoisyLog {
    windows: Mutex<BTreeMap<Noise, Window>>,
}

/// A summary due: `more` events after the first one, from `addresses` addresses, over `over`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Summary {
    pub noise: Noise,
    pub more: u64,
    pub addresses: usize,
    pub over: Duration,
}

impl Summary {
    /// Logs it.
    pub fn log(&self) {
        tracing::warn!(
            more = self.more,
            addresses = self.addresses,
            seconds = self.over.as_secs(),
            "game link: {} more {} in the last {} s, from {} address(es)",
            self.more,
            self.noise.describe(),
            self.over.as_secs().max(1),
            self.addresses,
        );
    }
}

impl NoisyLog {
    fn windows(&self) -> MutexGuard<'_, BTreeMap<Noise, Window>> {
        // Every change is a map operation or a counter; a panic elsewhere cannot leave it torn.
        self.windows.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Notes one event from `peer`. `true`: log this one in full (the first of its window).
    pub fn first(&self, noise: Noise, peer: IpAddr, now: Instant) -> bool {
        let mut windows = self.windows();
        match windows.get_mut(&noise) {
            Some(window) if now.duration_since(window.started) < WINDOW => {
                window.more += 1;
                if window.addresses.len() < MAX_ADDRESSES {
                    window.addresses.insert(peer);
                }
                false
            }
            _ => {
                windows.insert(noise, Window { started: now, more: 0, addresses: BTreeSet::from([peer]) });
                true
            }
        }
    }

    /// Ends the windows that are over, returning a summary for each that counted more than its first event.
    pub fn flush(&self, now: Instant) -> Vec<Summary> {
        let mut windows = self.windows();
        let mut due = Vec::new();
        windows.retain(|&noise, window| {
            let over = now.duration_since(window.started);
            if over < WINDOW {
                return true;
            }
            if window.more > 0 {
                due.push(Summary { noise, more: window.more, addresses: window.addresses.len(), over });
            }
            false
        });
        due
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_of_a_window_is_logged_and_the_rest_summarised() {
        let log = NoisyLog::default();
        let t0 = Instant::now();
        let a: IpAddr = "127.0.0.1".parse().unwrap();
        let b: IpAddr = "127.0.0.2".parse().unwrap();
        assert!(log.first(Noise::AuthRefused, a, t0));
        let logged = (0..999).filter(|i| log.first(Noise::AuthRefused, if i % 2 == 0 { a } else { b }, t0)).count();
        assert_eq!(logged, 0);
        assert!(log.first(Noise::PushedOut, a, t0), "each kind has its own window");
        assert!(log.flush(t0 + Duration::from_secs(1)).is_empty(), "not over yet");
        let due = log.flush(t0 + WINDOW);
        assert_eq!(due, vec![Summary { noise: Noise::AuthRefused, more: 999, addresses: 2, over: WINDOW }]);
        assert!(log.first(Noise::AuthRefused, a, t0 + WINDOW), "a new window starts with a full line");
    }
}
