//! Reading an organisation page (`/orgs/{sid}`) into an `OrgProfile`.
//!
//! The parts read, inside `#organization`:
//!
//! ```text
//! div.heading
//!   div.logo > img[src]                          logo (often relative: /media/…/logo/SID-Logo.png)
//!   div.logo > span.count "1,146 members"        member count, when shown
//!   h1 "Name / " > span.symbol "SID"             name and SID, as RSI spells them
//! ```
//!
//! The name and SID must be there (else `Unreadable`); logo and count are optional.

use reqwest::Url;
use ticket_core::ports::{OrgProfile, ProfileError};

use crate::dom::{Document, El};
use crate::names::is_valid_sid;
use crate::site::{Site, absolute};

/// Reads the organisation page in `doc`, fetched from `page`.
pub(crate) fn read_org(doc: &Document, page: &Url, site: &Site) -> Result<OrgProfile, ProfileError> {
    let unreadable = |what: &str| {
        tracing::debug!(%page, what, "RSI organisation page not as expected");
        ProfileError::Unreadable
    };
    let org = doc.root().find_id("organization").ok_or_else(|| unreadable("no #organization"))?;
    let heading = org.find_class("heading").unwrap_or(org);
    let title = heading.find_tag("h1").ok_or_else(|| unreadable("no h1"))?;
    let sid = title.find_class("symbol").map(El::text).unwrap_or_default();
    if !is_valid_sid(&sid) {
        return Err(unreadable("no valid SID"));
    }
    let name = title.own_text().trim_end_matches('/').trim_end().to_owned();
    if name.is_empty() {
        return Err(unreadable("no name"));
    }
    let logo = heading.find_class("logo");
    let logo_url =
        logo.and_then(|logo| logo.find_tag("img")).and_then(|img| img.attr("src")).and_then(|src| absolute(page, src));
    let members = logo.and_then(|logo| logo.find_class("count")).and_then(|count| parse_members(&count.text()));
    let url = site.org_url(&sid)?.to_string();
    Ok(OrgProfile { sid, name, members, logo_url, url })
}

/// The number in "1,146 members" (also "1.146", "1 146" and "1 member").
pub(crate) fn parse_members(text: &str) -> Option<u32> {
    let number: String = text
        .trim()
        .chars()
        .take_while(|c| c.is_ascii_digit() || matches!(c, ',' | '.' | ' ' | '\u{a0}' | '\u{202f}'))
        .filter(char::is_ascii_digit)
        .collect();
    number.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(html: &str) -> Result<OrgProfile, ProfileError> {
        let site = Site::parse("https://robertsspaceindustries.com").unwrap();
        let page = site.org_url("vgsl").unwrap();
        read_org(&Document::parse(html), &page, &site)
    }

    #[test]
    fn reads_every_field_of_an_org_page() {
        assert_eq!(
            read(include_str!("../tests/fixtures/org.html")),
            Ok(OrgProfile {
                sid: "VGSL".into(),
                name: "Vanguard & Sons Logistics".into(),
                members: Some(1146),
                logo_url: Some("https://robertsspaceindustries.com/media/8fk2l1m0zq7nnr/logo/VGSL-Logo.png".into()),
                url: "https://robertsspaceindustries.com/orgs/VGSL".into(),
            })
        );
    }

    #[test]
    fn logo_and_count_are_optional() {
        let html = r#"<div id="organization"><div class="heading"><h1>Tiny / <span class="symbol">TNY</span></h1></div></div>"#;
        let org = read(html).unwrap();
        assert_eq!((org.sid.as_str(), org.name.as_str(), org.members, org.logo_url), ("TNY", "Tiny", None, None));
    }

    #[test]
    fn pages_without_name_or_sid_are_unreadable() {
        for html in [
            include_str!("../tests/fixtures/unreadable.html"),
            include_str!("../tests/fixtures/citizen_full.html"),
            r#"<div id="organization"><div class="heading"></div></div>"#,
            r#"<div id="organization"><h1>Name / </h1></div>"#,
            r#"<div id="organization"><h1> / <span class="symbol">X</span></h1></div>"#,
            r#"<div id="organization"><h1>Name / <span class="symbol">NOT A SID</span></h1></div>"#,
            "",
        ] {
            assert_eq!(read(html), Err(ProfileError::Unreadable), "{html}");
        }
    }

    #[test]
    fn member_counts() {
        assert_eq!(parse_members("1,146 members"), Some(1146));
        assert_eq!(parse_members(" 1 member"), Some(1));
        assert_eq!(parse_members("12.345 members"), Some(12345));
        assert_eq!(parse_members("members"), None);
        assert_eq!(parse_members("99999999999 members"), None);
    }
}
