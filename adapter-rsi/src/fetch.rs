//! Fetching one page: one GET, a bounded body, and HTTP outcomes mapped to `ProfileError`.
//!
//! | outcome | error |
//! |---|---|
//! | the time budget runs out (connecting, waiting or reading) | `Timeout` |
//! | connection refused/reset, TLS or protocol failure | `Unavailable` |
//! | 404 or 410 | `NotFound` |
//! | 429, 5xx, any other non-2xx (also a redirect not followed) | `Unavailable` |
//! | a body over [`MAX_BODY_BYTES`](crate::MAX_BODY_BYTES) (announced or actual) | `Unreadable` |

use std::time::Duration;

use reqwest::header::{ACCEPT, ACCEPT_LANGUAGE, HeaderMap, HeaderValue};
use reqwest::{Client, StatusCode, Url, redirect};
use ticket_core::ports::ProfileError;

use crate::SetupError;

/// How many redirects (within the site) are followed.
const MAX_REDIRECTS: usize = 3;

/// A page as fetched.
#[derive(Debug)]
pub(crate) struct Fetched {
    /// Where it was finally read from (after redirects).
    pub(crate) url: Url,
    /// Its text (invalid UTF-8 replaced).
    pub(crate) html: String,
}

/// The HTTP client: the user agent, the total timeout, English pages, redirects only within the same origin, and no
/// proxy for a loopback site.
pub(crate) fn build_client(user_agent: &str, timeout: Duration, loopback: bool) -> Result<Client, SetupError> {
    if timeout.is_zero() {
        return Err(SetupError::ZeroTimeout);
    }
    let agent = HeaderValue::from_str(user_agent).map_err(|_| SetupError::UserAgent)?;
    if user_agent.trim().is_empty() {
        return Err(SetupError::UserAgent);
    }
    let mut headers = HeaderMap::new();
    headers.insert(ACCEPT, HeaderValue::from_static("text/html,application/xhtml+xml;q=0.9,*/*;q=0.1"));
    // Dates and labels are read in English ("Enlisted", "Mar 23, 2014").
    headers.insert(ACCEPT_LANGUAGE, HeaderValue::from_static("en"));
    let redirects = redirect::Policy::custom(|attempt| {
        let same_origin = attempt.previous().first().is_some_and(|first| first.origin() == attempt.url().origin());
        if same_origin && attempt.previous().len() <= MAX_REDIRECTS { attempt.follow() } else { attempt.stop() }
    });
    let mut builder = Client::builder()
        .user_agent(agent)
        .default_headers(headers)
        .timeout(timeout)
        .connect_timeout(timeout)
        .redirect(redirects);
    if loopback {
        builder = builder.no_proxy();
    }
    builder.build().map_err(|e| SetupError::Client(e.to_string()))
}

/// GETs `url`, reading at most `limit` bytes of body.
pub(crate) async fn fetch(client: &Client, url: Url, limit: usize) -> Result<Fetched, ProfileError> {
    let mut response = client.get(url.clone()).send().await.map_err(|e| transport(&url, &e))?;
    let status = response.status();
    if status == StatusCode::NOT_FOUND || status == StatusCode::GONE {
        return Err(ProfileError::NotFound);
    }
    if !status.is_success() {
        tracing::info!(%url, %status, "RSI answered with an error");
        return Err(ProfileError::Unavailable);
    }
    let final_url = response.url().clone();
    if response.content_length().is_some_and(|length| length > limit as u64) {
        tracing::warn!(%url, length = response.content_length(), limit, "RSI page too large; not read");
        return Err(ProfileError::Unreadable);
    }
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(|e| transport(&url, &e))? {
        if body.len() + chunk.len() > limit {
            tracing::warn!(%url, limit, "RSI page too large; reading stopped");
            return Err(ProfileError::Unreadable);
        }
        body.extend_from_slice(&chunk);
    }
    Ok(Fetched { url: final_url, html: String::from_utf8_lossy(&body).into_owned() })
}

fn transport(url: &Url, error: &reqwest::Error) -> ProfileError {
    if error.is_timeout() {
        tracing::info!(%url, "RSI did not answer in time");
        ProfileError::Timeout
    } else {
        tracing::info!(%url, error = %error, "RSI could not be reached");
        ProfileError::Unavailable
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_a_zero_timeout_and_bad_user_agents() {
        assert_eq!(build_client("ua", Duration::ZERO, true).err(), Some(SetupError::ZeroTimeout));
        assert_eq!(build_client("", Duration::from_secs(1), true).err(), Some(SetupError::UserAgent));
        assert_eq!(build_client("bad\nagent", Duration::from_secs(1), true).err(), Some(SetupError::UserAgent));
        assert!(build_client("ok/1.0", Duration::from_secs(1), false).is_ok());
    }
}
