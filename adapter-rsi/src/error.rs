//! `SetupError`: why an [`RsiDirectory`](crate::RsiDirectory) could not be built from an
//! [`RsiConfig`](crate::RsiConfig).
//!
//! Lookups themselves fail with `ticket_core`'s `ProfileError`; this is only about the configuration.

/// Why [`RsiDirectory::new`](crate::RsiDirectory::new) refused a configuration.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SetupError {
    /// `base_url` is not an absolute `http`/`https` URL without credentials, query or fragment.
    #[error("invalid RSI base URL {url:?}: {reason}")]
    BaseUrl {
        /// The URL as configured.
        url: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// `timeout` is zero.
    #[error("the RSI timeout must be longer than zero")]
    ZeroTimeout,
    /// `user_agent` cannot be sent as an HTTP header (empty, or with control characters).
    #[error("the RSI user agent is empty or not a valid HTTP header value")]
    UserAgent,
    /// The HTTP client could not be built (for example, no TLS roots could be loaded).
    #[error("could not build the HTTP client for RSI: {0}")]
    Client(String),
}
