//! What the link server reports: events to subscribe to, and counters.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};

use ticket_core::GameServerId;

use crate::protocol::ErrorCode;

/// Something that happened on the link. Subscribe with [`LinkHandle::subscribe`](crate::LinkHandle::subscribe).
///
/// Events never carry account or character ids, secrets or player messages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LinkEvent {
    /// A game server authenticated (`connection` numbers its connections).
    Authenticated {
        /// The server.
        server: GameServerId,
        /// Which connection.
        connection: u64,
        /// Whether it replaced a connection that was still open.
        replaced: bool,
    },
    /// A connection was refused at authentication.
    AuthRefused {
        /// Where it came from.
        peer: SocketAddr,
        /// Why.
        code: ErrorCode,
    },
    /// An authenticated connection ended.
    Disconnected {
        /// The server.
        server: GameServerId,
        /// Which connection.
        connection: u64,
        /// Why: `None` when the game closed it, else the code sent before closing.
        reason: Option<ErrorCode>,
    },
    /// A record was answered with an `error` record without reaching the desk (malformed, unknown action…).
    Refused {
        /// The server.
        server: GameServerId,
        /// Why.
        code: ErrorCode,
    },
    /// A `config`, `ticket`, `login`, `logout` or `sync_done` record went through the desk, or an `error`
    /// `player_offline` answering a whisper by its `ref` (the reply is then held for the player's next login).
    Handled {
        /// The server.
        server: GameServerId,
        /// The record's action.
        action: &'static str,
        /// The `error` code answered, if the desk refused or failed.
        error: Option<ErrorCode>,
    },
}

/// Counters since the link started.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LinkStats {
    /// Connections accepted.
    pub connections: u64,
    /// Connections waiting to authenticate that were closed to make room for newer ones (see
    /// [`LinkLimits::max_pending_auth`](crate::LinkLimits::max_pending_auth)).
    pub rejected_busy: u64,
    /// Connections closed at once because they came from an address no game server may connect from.
    pub rejected_address: u64,
    /// Authentications refused.
    pub auth_refused: u64,
    /// Lines that were not records (bad syntax, not UTF-8, too long).
    pub malformed: u64,
    /// Records refused for their content (unknown action, missing or invalid field).
    pub refused: u64,
    /// Records the desk refused or failed on.
    pub desk_errors: u64,
    /// `error` records the game sent.
    pub game_errors: u64,
    /// Records of the desk not queued because the game's queue was full (reported to the desk as congestion, which
    /// retries them). Answers to the game's own records (`pong`, `error`) are never dropped.
    pub dropped: u64,
    /// Whispers forgotten to make room for newer ones (see [`LinkLimits::recent_whispers`]): a late
    /// `player_offline` for one of them cannot hold its reply any more.
    ///
    /// [`LinkLimits::recent_whispers`]: crate::LinkLimits::recent_whispers
    pub forgotten_whispers: u64,
}

#[derive(Debug, Default)]
pub(crate) struct Counters {
    pub connections: AtomicU64,
    pub rejected_busy: AtomicU64,
    pub rejected_address: AtomicU64,
    pub auth_refused: AtomicU64,
    pub malformed: AtomicU64,
    pub refused: AtomicU64,
    pub desk_errors: AtomicU64,
    pub game_errors: AtomicU64,
    pub dropped: AtomicU64,
    pub forgotten_whispers: AtomicU64,
}

impl Counters {
    pub fn bump(counter: &AtomicU64) {
        counter.fetch_add(1, Ordering::Relaxed);
    }

    pub fn snapshot(&self) -> LinkStats {
        let get = |c: &AtomicU64| c.load(Ordering::Relaxed);
        LinkStats {
            connections: get(&self.connections),
            rejected_busy: get(&self.rejected_busy),
            rejected_address: get(&self.rejected_address),
            auth_refused: get(&self.auth_refused),
            malformed: get(&self.malformed),
            refused: get(&self.refused),
            desk_errors: get(&self.desk_errors),
            game_errors: get(&self.game_errors),
            dropped: get(&self.dropped),
            forgotten_whispers: get(&self.forgotten_whispers),
        }
    }
}
