//! `ProfileDirectory`: RSI citizen and organisation lookups.

use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use time::Date;

/// An organisation as shown on a citizen's page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrgSummary {
    /// Its spectrum id (SID).
    pub sid: String,
    /// Its name.
    pub name: String,
}

/// A public RSI citizen profile.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CitizenProfile {
    /// The handle, as RSI spells it.
    pub handle: String,
    /// The display name.
    pub display_name: String,
    /// The main organisation, if public.
    pub main_org: Option<OrgSummary>,
    /// When they enlisted.
    pub enlisted: Option<Date>,
    /// Their avatar.
    pub avatar_url: Option<String>,
    /// Their profile page.
    pub url: String,
}

/// A public RSI organisation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrgProfile {
    /// Its SID.
    pub sid: String,
    /// Its name.
    pub name: String,
    /// Its member count, if shown.
    pub members: Option<u32>,
    /// Its logo.
    pub logo_url: Option<String>,
    /// Its page.
    pub url: String,
}

/// Why a lookup gave nothing.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProfileError {
    /// No such citizen or organisation.
    #[error("not found on RSI")]
    NotFound,
    /// RSI did not answer in time.
    #[error("RSI did not answer in time")]
    Timeout,
    /// RSI could not be reached or answered with an error.
    #[error("RSI is unavailable")]
    Unavailable,
    /// The page did not have the expected shape.
    #[error("the RSI page could not be read")]
    Unreadable,
}

/// Looks people and organisations up on RSI. Implemented by `adapter-rsi`.
#[cfg_attr(test, mockall::automock)]
#[async_trait]
pub trait ProfileDirectory: Send + Sync {
    /// A citizen by handle.
    async fn citizen(&self, handle: &str) -> Result<CitizenProfile, ProfileError>;
    /// An organisation by SID.
    async fn organisation(&self, sid: &str) -> Result<OrgProfile, ProfileError>;
}
