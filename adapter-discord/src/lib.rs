#![doc = include_str!("../README.md")]
#![warn(missing_docs)]

mod actor;
mod bot;
mod catch_up;
pub mod commands;
mod convert;
mod error;
mod feedback;
mod guilds;
mod handler;
mod housekeeping;
mod interactions;
mod lanes;
mod limit_commands;
mod ordered;
mod outbox_driver;
pub mod platform;
mod zones;

#[cfg(feature = "sim")]
pub mod sim;

pub use bot::{ApiAddress, BotStopper, DEFAULT_REQUEST_TIMEOUT, DiscordBot, DiscordConfig, INTENTS};
pub use error::DiscordError;
pub use guilds::GuildView;
pub use platform::SerenityPlatform;
pub use zones::IanaZones;
