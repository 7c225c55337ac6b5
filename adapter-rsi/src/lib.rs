#![doc = include_str!("../README.md")]
#![warn(missing_docs)]

mod citizen_page;
mod config;
mod directory;
mod dom;
mod entry;
mod error;
mod fetch;
mod names;
mod not_found;
mod org_page;
mod site;

pub use config::{DEFAULT_BASE_URL, DEFAULT_TIMEOUT, MAX_BODY_BYTES, RsiConfig, default_user_agent};
pub use directory::RsiDirectory;
pub use error::SetupError;
pub use names::{HANDLE_MAX, HANDLE_MIN, SID_MAX, SID_MIN, is_valid_handle, is_valid_sid};
