//! Typed identifiers.
//!
//! Every id that crosses an API is a newtype, never a bare `u64` (twilight's rule). Discord snowflakes
//! (`GuildId`, `ChannelId`, `RoleId`, `MessageId`) print as numbers. The ids of *people* — [`UserId`],
//! [`AccountId`], [`CharId`] — never print their raw value through `Debug`, so a stray `?actor` in a log line
//! cannot leak one; stores and logs use a [`Pid`](crate::Pid) instead.

use std::fmt;
use std::num::ParseIntError;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

macro_rules! public_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(u64);

        impl $name {
            /// Wraps a raw value.
            pub const fn new(raw: u64) -> Self {
                Self(raw)
            }

            /// The raw value.
            pub const fn get(self) -> u64 {
                self.0
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, concat!(stringify!($name), "({})"), self.0)
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Display::fmt(&self.0, f)
            }
        }

        impl FromStr for $name {
            type Err = ParseIntError;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                s.parse().map(Self)
            }
        }
    };
}

macro_rules! private_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        ///
        /// Its `Debug` output is redacted and it has no `Display`: call [`get`](Self::get) where the platform
        /// itself needs the raw value, and use a [`Pid`](crate::Pid) everywhere else.
        #[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(u64);

        impl $name {
            /// Wraps a raw value.
            pub const fn new(raw: u64) -> Self {
                Self(raw)
            }

            /// The raw value. Only for the platform boundary: never store or log it.
            pub const fn get(self) -> u64 {
                self.0
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(concat!(stringify!($name), "(<redacted>)"))
            }
        }

        impl FromStr for $name {
            type Err = ParseIntError;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                s.parse().map(Self)
            }
        }
    };
}

public_id!(
    /// A Discord guild (server).
    GuildId
);
public_id!(
    /// A Discord channel, category or thread.
    ChannelId
);
public_id!(
    /// A Discord role.
    RoleId
);
public_id!(
    /// A Discord message.
    MessageId
);
public_id!(
    /// A ticket of any kind, allocated by the [`TicketStore`](crate::TicketStore).
    TicketId
);
public_id!(
    /// A recruitment application, allocated by the [`TicketStore`](crate::TicketStore).
    ApplicationId
);
public_id!(
    /// An entry of the effect outbox, allocated by the [`TicketStore`](crate::TicketStore).
    EffectId
);

private_id!(
    /// A Discord user.
    UserId
);
private_id!(
    /// A game account (rAthena `account_id`).
    AccountId
);
private_id!(
    /// A game character (rAthena `char_id`).
    CharId
);

/// The name a game server gives itself when it connects to the bridge (`server_id` of the `auth` record).
///
/// At most 64 characters of `[A-Za-z0-9_.-]`.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct GameServerId(String);

/// Why a string is not a valid [`GameServerId`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("a game server id must be 1 to 64 characters of letters, digits, '_', '.' or '-'")]
pub struct InvalidGameServerId;

impl GameServerId {
    /// The longest accepted id, in bytes.
    pub const MAX_LEN: usize = 64;

    /// Checks and wraps a server id.
    pub fn new(raw: impl Into<String>) -> Result<Self, InvalidGameServerId> {
        let raw = raw.into();
        let valid = !raw.is_empty()
            && raw.len() <= Self::MAX_LEN
            && raw.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-'));
        if valid { Ok(Self(raw)) } else { Err(InvalidGameServerId) }
    }

    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for GameServerId {
    type Error = InvalidGameServerId;

    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::new(value)
    }
}

impl From<GameServerId> for String {
    fn from(value: GameServerId) -> Self {
        value.0
    }
}

impl fmt::Debug for GameServerId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "GameServerId({:?})", self.0)
    }
}

impl fmt::Display for GameServerId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn people_ids_never_debug_print_their_value() {
        let shown = format!("{:?} {:?} {:?}", UserId::new(4242), AccountId::new(2000001), CharId::new(150001));
        assert!(!shown.contains("4242"));
        assert!(!shown.contains("2000001"));
        assert!(!shown.contains("150001"));
        assert_eq!(UserId::new(4242).get(), 4242);
    }

    #[test]
    fn snowflakes_print_as_numbers() {
        assert_eq!(ChannelId::new(99).to_string(), "99");
        assert_eq!(format!("{:?}", GuildId::new(7)), "GuildId(7)");
        assert_eq!("12".parse::<TicketId>(), Ok(TicketId::new(12)));
    }

    #[test]
    fn game_server_ids_are_checked() {
        assert!(GameServerId::new("xilero-main.1").is_ok());
        assert_eq!(GameServerId::new(""), Err(InvalidGameServerId));
        assert_eq!(GameServerId::new("a b"), Err(InvalidGameServerId));
        assert_eq!(GameServerId::new("x".repeat(65)), Err(InvalidGameServerId));
        let json = serde_json::to_string(&GameServerId::new("main").unwrap()).unwrap();
        assert_eq!(json, "\"main\"");
        assert!(serde_json::from_str::<GameServerId>("\"bad id\"").is_err());
    }
}
