//! `ticket-bot`: the self-hosters' binary of RagnaSync Tickets, and the wiring it is made of.
//!
//! * [`App`]: the ticket core on its database, Discord and the game link, started and stopped as one system
//!   (the end-to-end tests start it too);
//! * [`database`]: the database, an SQLite file (the default) or Postgres, and [`migrate`], which moves a
//!   deployment from the first to the second;
//! * [`config`]: the configuration file, checked key by key with line numbers;
//! * [`env`] and [`secrets`]: the secrets, from the environment or an owner-only file;
//! * [`demo`]: the offline demo, the real bot against a fake Discord and a simulated game server;
//! * [`offline`]: the pieces the demo is made of (the bot's configuration against the fake Discord, the linked
//!   map server, the set-up commands), which the end-to-end tests start too;
//! * [`cli`] and [`run`]: the command line and what each command does.
#![warn(missing_docs)]

mod app;
pub mod cli;
pub mod config;
pub mod database;
pub mod demo;
pub mod env;
pub mod logging;
pub mod migrate;
pub mod offline;
pub mod run;
pub mod run_lock;
pub mod secrets;
pub mod signal;
pub mod transcript;

pub use app::{App, AppConfig, AppError, FLUSH_TIMEOUT, Services};
