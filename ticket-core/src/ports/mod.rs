//! Ports: what the core asks of the outside world. Adapters implement them; tests mock them.
//!
//! Every port is object-safe and `Send + Sync`, so a [`Desk`](crate::Desk) holds them as `Arc<dyn …>` and an
//! embedding program can bring its own.

mod chat;
mod clock;
mod export;
mod game;
mod profile;
mod store;
mod zones;

pub use chat::{BotMessage, ChatPlatform, NewChannel, Overwrite, OverwriteTarget, PlatformError};
pub use clock::{Clock, SystemClock};
pub use export::{ExportedEffect, StoreExport};
pub use game::{GameLink, GameLinkError, WhisperOutcome};
pub use profile::{CitizenProfile, OrgProfile, OrgSummary, ProfileDirectory, ProfileError};
pub use store::{
    Commit, OpenGamePlayer, Retry, StoreError, TicketStore, TranscriptAttachment, TranscriptAuthor, TranscriptChange,
    TranscriptChangeKind, TranscriptEdit, TranscriptEntry,
};
pub use zones::{OffsetZones, TimeZones, ZoneInfo};

#[cfg(test)]
pub use chat::MockChatPlatform;
#[cfg(test)]
pub use clock::MockClock;
#[cfg(test)]
pub use game::MockGameLink;
#[cfg(test)]
pub use profile::MockProfileDirectory;
#[cfg(test)]
pub use store::MockTicketStore;
