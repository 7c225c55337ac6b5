#![doc = include_str!("../README.md")]
#![warn(missing_docs)]

mod activity;
mod applications;
mod codec;
mod commit;
mod error;
mod export;
mod gateway;
mod group;
mod ids;
mod limits;
mod migrations;
mod open_views;
mod options;
mod outbox;
mod receipts;
mod settings;
mod store;
#[cfg(test)]
mod test_support;
mod tickets;
mod transcripts;
mod worker;

pub use error::SqliteError;
pub use migrations::{APPLICATION_ID, SCHEMA_VERSION};
pub use options::{OpenOptions, Synchronous};
pub use store::SqliteStore;
