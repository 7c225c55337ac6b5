//! `RsiConfig`: where the pages are and how patiently to ask for them.

use std::time::Duration;

/// The public RSI site.
pub const DEFAULT_BASE_URL: &str = "https://robertsspaceindustries.com";

/// How long one lookup may take, connecting and reading included.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(5);

/// The largest page read; a bigger answer is refused as [`ProfileError::Unreadable`](ticket_core::ports::ProfileError)
/// (RSI's own profile pages are well under 400 KiB).
pub const MAX_BODY_BYTES: usize = 2 * 1024 * 1024;

/// How an [`RsiDirectory`](crate::RsiDirectory) reaches RSI.
///
/// ```
/// use std::time::Duration;
/// use adapter_rsi::RsiConfig;
///
/// let config = RsiConfig { timeout: Duration::from_secs(3), ..RsiConfig::default() };
/// assert_eq!(config.base_url, "https://robertsspaceindustries.com");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RsiConfig {
    /// The site's root, `http` or `https`, without query or fragment (default [`DEFAULT_BASE_URL`]). Pages are
    /// read from `{base_url}/citizens/{handle}` and `{base_url}/orgs/{sid}`.
    pub base_url: String,
    /// The most one lookup may take, from connecting to the last byte of the page (default [`DEFAULT_TIMEOUT`]).
    pub timeout: Duration,
    /// The `User-Agent` sent with every request (default [`default_user_agent`]).
    pub user_agent: String,
}

impl Default for RsiConfig {
    fn default() -> Self {
        RsiConfig { base_url: DEFAULT_BASE_URL.to_owned(), timeout: DEFAULT_TIMEOUT, user_agent: default_user_agent() }
    }
}

/// `RagnaSyncTickets/{version} (+{repository})`: says who is asking and where to find them.
#[must_use]
pub fn default_user_agent() -> String {
    format!("RagnaSyncTickets/{} (+{})", env!("CARGO_PKG_VERSION"), env!("CARGO_PKG_REPOSITORY"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_point_at_rsi_with_a_five_second_budget_and_a_named_agent() {
        let config = RsiConfig::default();
        assert_eq!(config.base_url, "https://robertsspaceindustries.com");
        assert_eq!(config.timeout, Duration::from_secs(5));
        assert!(config.user_agent.starts_with("RagnaSyncTickets/0."), "{}", config.user_agent);
        assert!(config.user_agent.contains("https://github.com/ragnasync/tickets"));
    }
}
