//! Logs: `tracing` events written to standard error, readable by default or one JSON object per line.
//!
//! The filter is `RUST_LOG` if set, else `logging.filter` from the configuration, else the default given (`info`
//! for the bot, `warn` for the demo, whose story goes to standard output). Nothing the bot logs carries a raw
//! Discord user id or game account id: people appear as pids (keyed hashes), see `docs/privacy.md`.
//!
//! Other crates' logs are not ours to vet: serenity's HTTP spans carry `user_id: UserId(…)` at debug, and its
//! gateway payloads every member's id at trace. So a general level above `info` (`debug`, `trace`) applies to
//! this project's crates only, and every other crate stays at `info` ([`contained`]), unless the filter names it
//! (`RUST_LOG=debug,serenity=debug` is the operator's explicit choice).

use std::io::IsTerminal;

use tracing_subscriber::EnvFilter;
use tracing_subscriber::filter::LevelFilter;

use crate::config::LogFormat;
use crate::env::{Env, RUST_LOG};

/// This project's crates: a general level applies to them in full.
const OUR_CRATES: &[&str] =
    &["ticket_bot", "ticket_core", "adapter_discord", "adapter_xilero", "adapter_sqlite", "adapter_rsi"];

/// The most other crates log unless named: nothing of theirs at this level carries people's ids.
const OTHERS_AT_MOST: LevelFilter = LevelFilter::INFO;

/// `filter` with its general level (a directive that is only a level, like `debug`) kept for this project's
/// crates and capped at `info` for every other crate; directives that name a target are kept as they are.
pub fn contained(filter: &str) -> String {
    let directives: Vec<&str> = filter.split(',').map(str::trim).filter(|d| !d.is_empty()).collect();
    let general = directives.iter().rev().find_map(|d| d.parse::<LevelFilter>().ok());
    let Some(general) = general.filter(|level| *level > OTHERS_AT_MOST) else { return filter.to_owned() };
    let named = |krate: &str| directives.iter().any(|d| d.split(['=', '[']).next().is_some_and(|t| t.trim() == krate));
    let mut out: Vec<String> = vec![OTHERS_AT_MOST.to_string().to_lowercase()];
    out.extend(directives.iter().filter(|d| d.parse::<LevelFilter>().is_err()).map(|d| (*d).to_owned()));
    for krate in OUR_CRATES.iter().filter(|k| !named(k)) {
        out.push(format!("{krate}={}", general.to_string().to_lowercase()));
    }
    out.join(",")
}

/// Installs the global subscriber. Returns a note for the user when a filter was unusable (the default is used
/// instead). Calling it twice keeps the first subscriber.
pub fn init(format: LogFormat, env: &Env, configured: Option<&str>, default: &str) -> Option<String> {
    let parse = |text: &str| EnvFilter::try_new(contained(text));
    let (filter, note) = match env.get(RUST_LOG).map(parse) {
        Some(Ok(filter)) => (filter, None),
        Some(Err(error)) => {
            (EnvFilter::new(default), Some(format!("{RUST_LOG} is not a log filter ({error}); using {default:?}")))
        }
        None => (configured.and_then(|c| parse(c).ok()).unwrap_or_else(|| EnvFilter::new(default)), None),
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_general_level_above_info_is_ours_only() {
        assert_eq!(contained("info"), "info");
        assert_eq!(contained("warn,adapter_xilero=debug"), "warn,adapter_xilero=debug");
        assert_eq!(
            contained("debug"),
            "info,ticket_bot=debug,ticket_core=debug,adapter_discord=debug,adapter_xilero=debug,adapter_sqlite=debug,adapter_rsi=debug"
        );
        assert_eq!(
            contained("trace,serenity=debug,adapter_xilero=info"),
            "info,serenity=debug,adapter_xilero=info,ticket_bot=trace,ticket_core=trace,adapter_discord=trace,adapter_sqlite=trace,adapter_rsi=trace",
            "named crates keep what the operator asked"
        );
        for filter in ["debug", "trace", "info,serenity=trace", "off"] {
            assert!(EnvFilter::try_new(contained(filter)).is_ok(), "{filter}");
        }
    }
}
