#![doc = include_str!("../README.md")]
#![warn(missing_docs)]

mod activity;
mod applications;
mod codec;
mod commit;
mod connect;
mod error;
mod export;
mod gateway;
mod ids;
mod lease;
mod limits;
mod migrations;
mod open_views;
mod outbox;
mod receipts;
mod settings;
mod store;
#[cfg(feature = "test-support")]
pub mod test_support;
mod tickets;
mod transcripts;

pub use connect::{ConnectOptions, UrlSummary, certificates};
pub use error::PostgresError;
pub use lease::{CHECK_EVERY, CHECK_TIMEOUT, Lease};
pub use migrations::SCHEMA_VERSION;
pub use store::{PostgresStore, check_schema};
