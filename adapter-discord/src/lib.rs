#![doc = include_str!("../README.md")]
#![warn(missing_docs)]

mod actor;
mod bot;
pub mod commands;
mod convert;
mod error;
mod handler;
mod interactions;
pub mod platform;
mod zones;

#[cfg(feature = "sim")]
pub mod sim;

pub use bot::{DiscordBot, DiscordConfig, INTENTS};
pub use error::DiscordError;
pub use platform::SerenityPlatform;
/// Stops the gateway connection (see [`DiscordBot::shard_manager`]).
pub use serenity::all::ShardManager;
pub use zones::IanaZones;
