//! `Site`: the configured RSI root, the page addresses below it, and turning the page's links into absolute URLs.

use reqwest::Url;
use ticket_core::ports::ProfileError;

use crate::SetupError;

/// A checked base URL: `http` or `https`, with a host, without credentials, query or fragment.
#[derive(Debug, Clone)]
pub(crate) struct Site {
    base: Url,
}

impl Site {
    /// Checks `base_url`.
    pub(crate) fn parse(base_url: &str) -> Result<Site, SetupError> {
        let refuse = |reason| SetupError::BaseUrl { url: base_url.to_owned(), reason };
        let base = Url::parse(base_url.trim()).map_err(|_| refuse("not an absolute URL"))?;
        if !matches!(base.scheme(), "http" | "https") {
            return Err(refuse("only http and https are supported"));
        }
        if base.host_str().is_none_or(str::is_empty) || base.cannot_be_a_base() {
            return Err(refuse("has no host"));
        }
        if !base.username().is_empty() || base.password().is_some() {
            return Err(refuse("must not carry credentials"));
        }
        if base.query().is_some() || base.fragment().is_some() {
            return Err(refuse("must not have a query or fragment"));
        }
        Ok(Site { base })
    }

    /// Whether the site is on this machine (then no proxy is used).
    pub(crate) fn is_loopback(&self) -> bool {
        let host = self.base.host_str().unwrap_or_default();
        host.eq_ignore_ascii_case("localhost")
            || host
                .trim_start_matches('[')
                .trim_end_matches(']')
                .parse::<std::net::IpAddr>()
                .is_ok_and(|ip| ip.is_loopback())
    }

    /// `{base}/citizens/{handle}`.
    pub(crate) fn citizen_url(&self, handle: &str) -> Result<Url, ProfileError> {
        self.page("citizens", handle)
    }

    /// `{base}/orgs/{sid}`.
    pub(crate) fn org_url(&self, sid: &str) -> Result<Url, ProfileError> {
        self.page("orgs", sid)
    }

    fn page(&self, section: &str, name: &str) -> Result<Url, ProfileError> {
        let mut url = self.base.clone();
        // `path_segments_mut` fails only for cannot-be-a-base URLs, which `parse` refused; each segment is
        // percent-encoded, so even an unchecked name could not leave its segment.
        url.path_segments_mut().map_err(|()| ProfileError::Unavailable)?.pop_if_empty().push(section).push(name);
        Ok(url)
    }
}

/// `href` (as found on `page`) as an absolute `http`/`https` URL; `None` for empty, unparsable or other schemes
/// (`javascript:`, `data:` …).
pub(crate) fn absolute(page: &Url, href: &str) -> Option<String> {
    let href = href.trim();
    if href.is_empty() {
        return None;
    }
    let url = page.join(href).ok()?;
    matches!(url.scheme(), "http" | "https").then(|| url.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builds_page_urls_below_the_base() {
        let site = Site::parse("https://robertsspaceindustries.com").unwrap();
        assert_eq!(
            site.citizen_url("Kestrel_Vane").unwrap().as_str(),
            "https://robertsspaceindustries.com/citizens/Kestrel_Vane"
        );
        assert_eq!(site.org_url("VGSL").unwrap().as_str(), "https://robertsspaceindustries.com/orgs/VGSL");
        let mirror = Site::parse("http://127.0.0.1:8080/mirror/").unwrap();
        assert_eq!(mirror.citizen_url("abc").unwrap().as_str(), "http://127.0.0.1:8080/mirror/citizens/abc");
        assert!(mirror.is_loopback());
        assert!(!site.is_loopback());
    }

    #[test]
    fn names_cannot_leave_their_path_segment() {
        let site = Site::parse("https://example.test").unwrap();
        assert_eq!(
            site.citizen_url("../orgs/x?y#z").unwrap().as_str(),
            "https://example.test/citizens/..%2Forgs%2Fx%3Fy%23z"
        );
    }

    #[test]
    fn refuses_bad_bases() {
        for bad in [
            "",
            "robertsspaceindustries.com",
            "ftp://x.test",
            "https://u:p@x.test",
            "https://x.test/?q=1",
            "https://x.test/#f",
            "mailto:a@b.test",
            "file:///etc",
        ] {
            assert!(matches!(Site::parse(bad), Err(SetupError::BaseUrl { .. })), "{bad:?} should be refused");
        }
    }

    #[test]
    fn makes_links_absolute_and_drops_non_web_ones() {
        let page = Url::parse("https://robertsspaceindustries.com/citizens/Kestrel_Vane").unwrap();
        assert_eq!(
            absolute(&page, "/media/a/b.jpg").as_deref(),
            Some("https://robertsspaceindustries.com/media/a/b.jpg")
        );
        assert_eq!(
            absolute(&page, " https://cdn.example.test/x.png ").as_deref(),
            Some("https://cdn.example.test/x.png")
        );
        assert_eq!(absolute(&page, "//cdn.example.test/x.png").as_deref(), Some("https://cdn.example.test/x.png"));
        assert_eq!(absolute(&page, "javascript:void(0)"), None);
        assert_eq!(absolute(&page, "data:image/png;base64,AAAA"), None);
        assert_eq!(absolute(&page, ""), None);
    }
}
