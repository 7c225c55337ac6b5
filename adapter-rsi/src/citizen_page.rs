//! Reading a citizen dossier (`/citizens/{handle}`) into a `CitizenProfile`.
//!
//! The parts read, inside `#public-profile`:
//!
//! ```text
//! div.profile.left-col
//!   div.thumb > img[src]                                   avatar (often relative: /media/…)
//!   div.info
//!     p.entry > .value                                     display name (the entry without label or icon)
//!     p.entry > span.label "Handle name" + .value          handle, as RSI spells it
//! div.main-org.right-col.visibility-{V|R|H|}             main organisation box
//!   div.empty "NO MAIN ORG FOUND IN PUBLIC RECORDS"        no main org
//!   div.member-visibility-restriction                      redacted (visibility-R) or hidden (visibility-H)
//!   a.value[href=/orgs/SID]                                org name
//!   p.entry > .label "Spectrum Identification (SID)" + .value
//! p.entry > span.label "Enlisted" + .value "Mar 23, 2014"  enlisted date
//! ```
//!
//! The handle and display name must be there (else `Unreadable`); everything else is optional and left out when
//! missing, hidden or malformed.

use reqwest::Url;
use ticket_core::ports::{CitizenProfile, OrgSummary, ProfileError};
use time::Date;
use time::macros::format_description;

use crate::dom::{Document, El};
use crate::entry::{labelled, unlabelled};
use crate::names::{is_valid_handle, is_valid_sid};
use crate::site::{Site, absolute};

/// Reads the dossier in `doc`, fetched from `page`.
pub(crate) fn read_citizen(doc: &Document, page: &Url, site: &Site) -> Result<CitizenProfile, ProfileError> {
    let root = doc.root();
    let dossier = root.find_id("public-profile").unwrap_or(root);
    let profile = dossier.find(|el| el.has_class("profile") && el.has_class("left-col")).ok_or_else(|| {
        tracing::debug!(%page, "RSI citizen page without a profile box");
        ProfileError::Unreadable
    })?;
    let handle = labelled(profile, "Handle name").map(El::text).unwrap_or_default();
    if !is_valid_handle(&handle) {
        tracing::debug!(%page, handle, "RSI citizen page without a readable handle");
        return Err(ProfileError::Unreadable);
    }
    let display_name = unlabelled(profile).map(El::text).filter(|name| !name.is_empty()).ok_or_else(|| {
        tracing::debug!(%page, "RSI citizen page without a display name");
        ProfileError::Unreadable
    })?;
    let avatar_url = profile
        .find_class("thumb")
        .and_then(|thumb| thumb.find_tag("img"))
        .and_then(|img| img.attr("src"))
        .and_then(|src| absolute(page, src));
    let enlisted = labelled(dossier, "Enlisted").and_then(|value| parse_enlisted(&value.text()));
    let main_org = dossier.find_class("main-org").and_then(read_main_org);
    let url = site.citizen_url(&handle)?.to_string();
    Ok(CitizenProfile { handle, display_name, main_org, enlisted, avatar_url, url })
}

/// The organisation in a `.main-org` box, if it is public.
fn read_main_org(block: El<'_>) -> Option<OrgSummary> {
    let hidden = block.has_class("visibility-R")
        || block.has_class("visibility-H")
        || block.find_class("member-visibility-restriction").is_some()
        || block.find_class("empty").is_some();
    if hidden {
        return None;
    }
    let link = block.find(|el| el.name() == "a" && el.has_class("value"));
    let sid = labelled(block, "Spectrum Identification (SID)")
        .map(El::text)
        .filter(|sid| !sid.is_empty())
        .or_else(|| link.and_then(|a| a.attr("href")).and_then(sid_from_href))?;
    if !is_valid_sid(&sid) || sid.eq_ignore_ascii_case("REDACTED") {
        return None;
    }
    let name = link.map(El::text).filter(|name| !name.is_empty()).unwrap_or_else(|| sid.clone());
    Some(OrgSummary { sid, name })
}

/// `SID` from `/orgs/SID` (or `https://…/orgs/SID/…`).
fn sid_from_href(href: &str) -> Option<String> {
    let (_, after) = href.split_once("/orgs/")?;
    let sid = after.split(['/', '?', '#']).next()?;
    Some(sid.to_owned())
}

/// RSI's enlisted date: "Mar 23, 2014" (also accepts "March 23, 2014").
pub(crate) fn parse_enlisted(text: &str) -> Option<Date> {
    let short = format_description!("[month repr:short case_sensitive:false] [day padding:none], [year]");
    let long = format_description!("[month repr:long case_sensitive:false] [day padding:none], [year]");
    let text = text.trim();
    Date::parse(text, short).or_else(|_| Date::parse(text, long)).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::Month;

    fn read(html: &str) -> Result<CitizenProfile, ProfileError> {
        let site = Site::parse("https://robertsspaceindustries.com").unwrap();
        let page = site.citizen_url("kestrel_vane").unwrap();
        read_citizen(&Document::parse(html), &page, &site)
    }

    #[test]
    fn reads_every_field_of_a_full_dossier() {
        let profile = read(include_str!("../tests/fixtures/citizen_full.html")).unwrap();
        assert_eq!(
            profile,
            CitizenProfile {
                handle: "Kestrel_Vane".into(),
                display_name: "Kestrel Vane".into(),
                main_org: Some(OrgSummary { sid: "VGSL".into(), name: "Vanguard & Sons Logistics".into() }),
                enlisted: Some(Date::from_calendar_date(2014, Month::March, 23).unwrap()),
                avatar_url: Some(
                    "https://robertsspaceindustries.com/media/k3v7q2x9ab1cdr/heap_infobox/Kestrel-Avatar.jpg".into()
                ),
                url: "https://robertsspaceindustries.com/citizens/Kestrel_Vane".into(),
            }
        );
    }

    #[test]
    fn a_redacted_main_org_is_none_and_an_absolute_avatar_is_kept() {
        let profile = read(include_str!("../tests/fixtures/citizen_redacted_org.html")).unwrap();
        assert_eq!(profile.handle, "Quiet-Orbit");
        assert_eq!(profile.display_name, "Quiet Orbit");
        assert_eq!(profile.main_org, None);
        assert_eq!(
            profile.avatar_url.as_deref(),
            Some("https://cdn.robertsspaceindustries.com/static/images/account/avatar_default_big.jpg")
        );
        assert_eq!(profile.enlisted, Some(Date::from_calendar_date(2021, Month::February, 17).unwrap()));
    }

    #[test]
    fn no_main_org_in_public_records_is_none() {
        let profile = read(include_str!("../tests/fixtures/citizen_no_org.html")).unwrap();
        assert_eq!(profile.handle, "LoneDrifter42");
        assert_eq!(profile.display_name, "Lone Drifter");
        assert_eq!(profile.main_org, None);
        assert_eq!(profile.enlisted, Some(Date::from_calendar_date(2018, Month::October, 5).unwrap()));
    }

    #[test]
    fn a_page_without_the_profile_box_is_unreadable() {
        assert_eq!(read(include_str!("../tests/fixtures/unreadable.html")), Err(ProfileError::Unreadable));
        assert_eq!(read(include_str!("../tests/fixtures/org.html")), Err(ProfileError::Unreadable));
        assert_eq!(read(""), Err(ProfileError::Unreadable));
    }

    #[test]
    fn a_profile_box_without_a_valid_handle_or_name_is_unreadable() {
        let no_handle = r#"<div class="profile left-col"><div class="info">
            <p class="entry"><strong class="value">Name</strong></p></div></div>"#;
        let bad_handle = r#"<div class="profile left-col"><div class="info">
            <p class="entry"><strong class="value">Name</strong></p>
            <p class="entry"><span class="label">Handle name</span><strong class="value">not a handle</strong></p>
            </div></div>"#;
        let no_name = r#"<div class="profile left-col"><div class="info">
            <p class="entry"><span class="label">Handle name</span><strong class="value">abc</strong></p>
            </div></div>"#;
        for html in [no_handle, bad_handle, no_name] {
            assert_eq!(read(html), Err(ProfileError::Unreadable), "{html}");
        }
    }

    #[test]
    fn a_visible_org_without_sid_label_takes_the_sid_from_its_link() {
        let block = r#"<div class="profile left-col"><div class="info">
            <p class="entry"><strong class="value">N</strong></p>
            <p class="entry"><span class="label">Handle name</span><strong class="value">abc</strong></p></div></div>
            <div class="main-org right-col visibility-V"><div class="info">
            <p class="entry"><a href="/orgs/IMP" class="value data3">Imperium</a></p></div></div>"#;
        assert_eq!(read(block).unwrap().main_org, Some(OrgSummary { sid: "IMP".into(), name: "Imperium".into() }));
    }

    #[test]
    fn a_blank_or_redacted_sid_is_no_org() {
        for sid in ["&nbsp;", "REDACTED", "not/a/sid"] {
            let html = format!(
                r#"<div class="profile left-col"><div class="info">
                <p class="entry"><strong class="value">N</strong></p>
                <p class="entry"><span class="label">Handle name</span><strong class="value">abc</strong></p></div></div>
                <div class="main-org right-col visibility-V"><div class="info">
                <p class="entry"><a class="value">Some Org</a></p>
                <p class="entry"><span class="label">Spectrum Identification (SID)</span><strong class="value">{sid}</strong></p>
                </div></div>"#
            );
            assert_eq!(read(&html).unwrap().main_org, None, "{sid}");
        }
    }

    #[test]
    fn enlisted_dates_in_rsi_format() {
        let d = |y, m, day| Date::from_calendar_date(y, m, day).ok();
        assert_eq!(parse_enlisted("Mar 23, 2014"), d(2014, Month::March, 23));
        assert_eq!(parse_enlisted(" May 5, 2017 "), d(2017, Month::May, 5));
        assert_eq!(parse_enlisted("Feb 17, 2021"), d(2021, Month::February, 17));
        assert_eq!(parse_enlisted("October 15, 2018"), d(2018, Month::October, 15));
        assert_eq!(parse_enlisted("Feb 30, 2021"), None);
        assert_eq!(parse_enlisted("2014-03-23"), None);
        assert_eq!(parse_enlisted(""), None);
    }

    #[test]
    fn sids_from_org_links() {
        assert_eq!(sid_from_href("/orgs/SCSFIN").as_deref(), Some("SCSFIN"));
        assert_eq!(sid_from_href("https://robertsspaceindustries.com/orgs/IMP/members?x").as_deref(), Some("IMP"));
        assert_eq!(sid_from_href("/citizens/x"), None);
    }
}
