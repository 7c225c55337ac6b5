//! Logs: `tracing` events written to standard error, readable by default or one JSON object per line.
//!
//! The filter is `RUST_LOG` if set, else `logging.filter` from the configuration, else the default given (`info`
//! for the bot, `warn` for the demo, whose story goes to standard output). Nothing the bot logs carries a raw
//! Discord user id or game account id: people appear as pids (keyed hashes), see `docs/privacy.md`.

use std::io::IsTerminal;

use tracing_subscriber::EnvFilter;

use crate::config::LogFormat;
use crate::env::{Env, RUST_LOG};

/// Installs the global subscriber. Returns a note for the user when a filter was unusable (the default is used
/// instead). Calling it twice keeps the first subscriber.
pub fn init(format: LogFormat, env: &Env, configured: Option<&str>, default: &str) -> Option<String> {
    let (filter, note) = match env.get(RUST_LOG).map(EnvFilter::try_new) {
        Some(Ok(filter)) => (filter, None),
        Some(Err(error)) => {
            (EnvFilter::new(default), Some(format!("{RUST_LOG} is not a log filter ({error}); using {default:?}")))
        }
        None => (configured.and_then(|c| EnvFilter::try_new(c).ok()).unwrap_or_else(|| EnvFilter::new(default)), None),
    };
    // Colours only for a person at a terminal, and never with NO_COLOR (https://no-color.org).
    let colour = std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).with_ansi(colour);
    // `try_init` fails only when a subscriber is already installed; the first one stays, which is what we want.
    let _ = match format {
        LogFormat::Text => builder.with_target(false).try_init(),
        LogFormat::Json => builder.json().flatten_event(true).with_current_span(false).try_init(),
    };
    note
}
