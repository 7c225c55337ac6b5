//! The wiring of the ticket system: one SQLite file, the `Desk`, Discord and the game link. The binary and the
//! end-to-end tests both start the system through [`App`].
#![warn(missing_docs)]

mod app;

pub use app::{App, AppConfig, AppError};
