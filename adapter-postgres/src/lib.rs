#![doc = include_str!("../README.md")]
#![warn(missing_docs)]

mod applications;
mod codec;
mod commit;
mod error;
mod ids;
mod migrations;
mod open_views;
mod outbox;
mod settings;
mod store;
mod tickets;
mod transcripts;

pub use error::PostgresError;
pub use migrations::SCHEMA_VERSION;
pub use store::PostgresStore;
