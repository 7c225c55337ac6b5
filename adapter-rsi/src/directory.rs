//! `RsiDirectory`: `ticket_core`'s `ProfileDirectory` over the public RSI pages.

use async_trait::async_trait;
use reqwest::{Client, Url};
use ticket_core::ports::{CitizenProfile, OrgProfile, ProfileDirectory, ProfileError};

use crate::citizen_page::read_citizen;
use crate::dom::Document;
use crate::fetch::{build_client, fetch};
use crate::not_found::is_not_found_page;
use crate::org_page::read_org;
use crate::site::Site;
use crate::{MAX_BODY_BYTES, RsiConfig, SetupError, is_valid_handle, is_valid_sid};

/// Looks citizens and organisations up on the public RSI site: one GET per lookup, no retries (the caller
/// decides), a bounded time and size.
///
/// Cheap to clone; clones share one HTTP connection pool.
///
/// ```no_run
/// use std::sync::Arc;
/// use adapter_rsi::{RsiConfig, RsiDirectory};
/// use ticket_core::ports::ProfileDirectory;
///
/// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
/// let rsi: Arc<dyn ProfileDirectory> = Arc::new(RsiDirectory::new(RsiConfig::default())?);
/// let profile = rsi.citizen("Kestrel_Vane").await?;
/// println!("{} ({})", profile.display_name, profile.handle);
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct RsiDirectory {
    client: Client,
    site: Site,
}

impl RsiDirectory {
    /// Checks `config` and builds the HTTP client, once.
    ///
    /// # Errors
    ///
    /// [`SetupError`] if the base URL is not an `http`/`https` root, the timeout is zero, the user agent is not
    /// a valid header value, or the HTTP client cannot be built.
    pub fn new(config: RsiConfig) -> Result<Self, SetupError> {
        let site = Site::parse(&config.base_url)?;
        let client = build_client(&config.user_agent, config.timeout, site.is_loopback())?;
        Ok(RsiDirectory { client, site })
    }

    /// Fetches `url`, parses it and reads it with `read`. A page that cannot be read but is RSI's "page not found"
    /// page is `NotFound`; reading first means a real page is never mistaken for it (say, a citizen whose display
    /// name starts with "404").
    async fn lookup<T>(
        &self,
        url: Url,
        read: impl FnOnce(&Document, &Url, &Site) -> Result<T, ProfileError>,
    ) -> Result<T, ProfileError> {
        let fetched = fetch(&self.client, url, MAX_BODY_BYTES).await?;
        let doc = Document::parse(&fetched.html);
        match read(&doc, &fetched.url, &self.site) {
            Err(ProfileError::Unreadable) if is_not_found_page(&doc) => Err(ProfileError::NotFound),
            Err(ProfileError::Unreadable) => {
                tracing::warn!(url = %fetched.url, "RSI page not as expected; has the site's layout changed?");
                Err(ProfileError::Unreadable)
            }
            read => read,
        }
    }
}

#[async_trait]
impl ProfileDirectory for RsiDirectory {
    async fn citizen(&self, handle: &str) -> Result<CitizenProfile, ProfileError> {
        if !is_valid_handle(handle) {
            tracing::debug!(handle, "not an RSI handle; not looked up");
            return Err(ProfileError::NotFound);
        }
        self.lookup(self.site.citizen_url(handle)?, read_citizen).await
    }

    async fn organisation(&self, sid: &str) -> Result<OrgProfile, ProfileError> {
        if !is_valid_sid(sid) {
            tracing::debug!(sid, "not an RSI SID; not looked up");
            return Err(ProfileError::NotFound);
        }
        self.lookup(self.site.org_url(sid)?, read_org).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn new_checks_the_configuration() {
        assert!(RsiDirectory::new(RsiConfig::default()).is_ok());
        let bad_base = RsiConfig { base_url: "robertsspaceindustries.com".into(), ..RsiConfig::default() };
        assert!(matches!(RsiDirectory::new(bad_base), Err(SetupError::BaseUrl { .. })));
        let zero = RsiConfig { timeout: std::time::Duration::ZERO, ..RsiConfig::default() };
        assert_eq!(RsiDirectory::new(zero).err(), Some(SetupError::ZeroTimeout));
    }
}
