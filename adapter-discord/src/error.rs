//! Errors of the Discord adapter.

/// Why the bot could not start or run.
#[derive(Debug, thiserror::Error)]
pub enum DiscordError {
    /// The token was refused or Discord could not be reached at start.
    #[error("could not reach Discord at start-up: {0}")]
    Connect(#[source] serenity::Error),
    /// The gateway connection failed.
    #[error("the Discord gateway failed: {0}")]
    Gateway(#[source] serenity::Error),
    /// The configuration is unusable.
    #[error("invalid Discord configuration: {0}")]
    Config(&'static str),
}
