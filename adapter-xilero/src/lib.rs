#![doc = include_str!("../README.md")]
#![warn(missing_docs)]

pub mod channels_conf;
pub mod codec;
pub mod codepage;
pub mod config;
mod connection;
pub mod events;
mod gate;
mod hub;
pub mod libconfig;
pub mod line;
mod noisy;
pub mod protocol;
mod resync;
pub mod secret;
mod server;
pub mod sessions;
pub mod sim;
mod whispers;
mod worker;

pub use channels_conf::{ChannelsConf, ConfError};
pub use codec::{MAX_LINE, Record};
pub use codepage::{CodePage, CodePageError};
pub use config::{AllowedServer, DEFAULT_LISTEN, DEFAULT_PORT, LinkConfig, LinkConfigError, LinkLimits};
pub use events::{LinkEvent, LinkStats};
pub use hub::LinkHandle;
/// Networks, for [`AllowedServer::allow_from`].
pub use ipnet::IpNet;
pub use protocol::{ErrorCode, FromGame, PROTOCOL_VERSION, ToGame};
pub use secret::Secret;
pub use server::{LinkServer, RunningLink};
