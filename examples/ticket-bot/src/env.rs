//! The environment variables the bot reads: its secrets and the log filter.
//!
//! Secrets never come from the configuration file, so the file can be shared, committed or printed without
//! leaking anything. [`Env`] is a snapshot of the variables that matter, so tests can give their own without
//! touching the process environment.

use std::collections::BTreeMap;

/// The Discord bot token.
pub const DISCORD_TOKEN: &str = "DISCORD_TOKEN";
/// The deployment secret that makes pids (at least 32 bytes); when absent, a secret file is used.
pub const PID_SECRET: &str = "TICKET_BOT_PID_SECRET";
/// The game-link secret shared by every game server without its own variable.
pub const LINK_SECRET: &str = "TICKET_BOT_LINK_SECRET";
/// The Postgres password, when `database.url` names a Postgres database (never in the file's URL).
pub const DATABASE_PASSWORD: &str = "TICKET_BOT_DATABASE_PASSWORD";
/// The log filter (`tracing` env-filter directives).
pub const RUST_LOG: &str = "RUST_LOG";

/// The variable holding one game server's own link secret: `TICKET_BOT_LINK_SECRET_` and the server id in upper
/// case, with `.` and `-` turned into `_` (`xilero` → `TICKET_BOT_LINK_SECRET_XILERO`, `ro-2` →
/// `TICKET_BOT_LINK_SECRET_RO_2`).
pub fn link_secret_var(server_id: &str) -> String {
    let id: String =
        server_id.chars().map(|c| if c.is_ascii_alphanumeric() { c.to_ascii_uppercase() } else { '_' }).collect();
    format!("{LINK_SECRET}_{id}")
}

/// A snapshot of the environment variables the bot reads.
#[derive(Clone, Default)]
pub struct Env {
    vars: BTreeMap<String, String>,
}

impl std::fmt::Debug for Env {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Names only: the values are secrets.
        f.debug_struct("Env").field("set", &self.vars.keys().collect::<Vec<_>>()).finish()
    }
}

impl Env {
    /// The process environment (only the variables the bot reads; values that are not UTF-8 count as unset).
    pub fn from_process() -> Self {
        let vars = std::env::vars_os()
            .filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?)))
            .filter(|(k, _)| Self::is_ours(k))
            .collect();
        Self { vars }
    }

    /// An environment made of these pairs (for tests and embedding).
    pub fn from_pairs<K: Into<String>, V: Into<String>>(pairs: impl IntoIterator<Item = (K, V)>) -> Self {
        Self { vars: pairs.into_iter().map(|(k, v)| (k.into(), v.into())).collect() }
    }

    fn is_ours(name: &str) -> bool {
        matches!(name, DISCORD_TOKEN | PID_SECRET | DATABASE_PASSWORD | RUST_LOG) || name.starts_with(LINK_SECRET)
    }

    /// A variable's value; `None` when unset or empty (an empty secret is no secret).
    pub fn get(&self, name: &str) -> Option<&str> {
        self.vars.get(name).map(String::as_str).filter(|v| !v.trim().is_empty())
    }

    /// The Discord token, trimmed.
    pub fn discord_token(&self) -> Option<&str> {
        self.get(DISCORD_TOKEN).map(str::trim)
    }

    /// A game server's link secret, and the variable it came from: its own variable first, then the shared one.
    pub fn link_secret(&self, server_id: &str) -> Option<(String, &str)> {
        let own = link_secret_var(server_id);
        if let Some(secret) = self.get(&own) {
            return Some((own, secret));
        }
        self.get(LINK_SECRET).map(|secret| (LINK_SECRET.to_owned(), secret))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn server_ids_map_to_variable_names() {
        assert_eq!(link_secret_var("xilero"), "TICKET_BOT_LINK_SECRET_XILERO");
        assert_eq!(link_secret_var("ro-2.eu"), "TICKET_BOT_LINK_SECRET_RO_2_EU");
    }

    #[test]
    fn a_server_variable_wins_over_the_shared_one_and_empty_counts_as_unset() {
        let env = Env::from_pairs([
            ("TICKET_BOT_LINK_SECRET", "shared-secret-0123456789"),
            ("TICKET_BOT_LINK_SECRET_A", "own-secret-0123456789"),
            ("TICKET_BOT_LINK_SECRET_B", "  "),
        ]);
        assert_eq!(env.link_secret("a").map(|(v, _)| v), Some("TICKET_BOT_LINK_SECRET_A".to_owned()));
        assert_eq!(env.link_secret("b").map(|(_, s)| s), Some("shared-secret-0123456789"));
        assert_eq!(Env::default().link_secret("a"), None);
        assert!(!format!("{env:?}").contains("secret-0123"), "Debug shows names only");
    }
}
