//! The shared secret a game server authenticates with.

use std::fmt;

use subtle::ConstantTimeEq;

/// A shared secret. Its `Debug` never shows it; [`Secret::matches`] compares in constant time.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// The shortest secret a link server accepts in its configuration, in bytes.
    pub const MIN_LEN: usize = 16;

    /// Wraps a secret.
    pub fn new(secret: impl Into<String>) -> Self {
        Self(secret.into())
    }

    /// The secret, to send it (game side) or to compare it.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// Its length in bytes.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether it is empty.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Whether `offered` is this secret. The time taken depends on the lengths only, never on where the bytes
    /// differ.
    pub fn matches(&self, offered: &str) -> bool {
        bool::from(self.0.as_bytes().ct_eq(offered.as_bytes()))
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_only_the_same_bytes_and_never_prints() {
        let secret = Secret::new("correct horse battery");
        assert!(secret.matches("correct horse battery"));
        assert!(!secret.matches("correct horse batterz"));
        assert!(!secret.matches("correct horse"));
        assert!(!secret.matches(""));
        assert_eq!(format!("{secret:?}"), "Secret(<redacted>)");
    }
}
