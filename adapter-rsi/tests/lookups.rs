//! Lookups that find something (or clearly nothing), against the fake RSI on loopback.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod fake_rsi;

use adapter_rsi::{RsiConfig, RsiDirectory};
use fake_rsi::{FakeRsi, Reply, fixture};
use ticket_core::ports::{CitizenProfile, OrgProfile, OrgSummary, ProfileDirectory, ProfileError};
use time::{Date, Month};

#[tokio::test]
async fn reads_a_full_citizen_dossier() {
    let fake = FakeRsi::start(vec![("/citizens/kestrel_vane", Reply::Page(200, fixture("citizen_full.html")))]).await;
    let base = fake.base_url();

    let profile = fake.directory().citizen("kestrel_vane").await.unwrap();

    assert_eq!(
        profile,
        CitizenProfile {
            handle: "Kestrel_Vane".into(),
            display_name: "Kestrel Vane".into(),
            main_org: Some(OrgSummary { sid: "VGSL".into(), name: "Vanguard & Sons Logistics".into() }),
            enlisted: Some(Date::from_calendar_date(2014, Month::March, 23).unwrap()),
            avatar_url: Some(format!("{base}/media/k3v7q2x9ab1cdr/heap_infobox/Kestrel-Avatar.jpg")),
            url: format!("{base}/citizens/Kestrel_Vane"),
        }
    );
    let seen = fake.seen();
    assert_eq!(seen.len(), 1, "one request per lookup");
    assert_eq!(seen[0].path, "/citizens/kestrel_vane");
    assert_eq!(seen[0].user_agent.as_deref(), Some("adapter-rsi-tests/1.0"));
    assert_eq!(seen[0].accept_language.as_deref(), Some("en"));
}

#[tokio::test]
async fn a_redacted_main_org_is_none() {
    let fake =
        FakeRsi::start(vec![("/citizens/Quiet-Orbit", Reply::Page(200, fixture("citizen_redacted_org.html")))]).await;

    let profile = fake.directory().citizen("Quiet-Orbit").await.unwrap();

    assert_eq!(profile.handle, "Quiet-Orbit");
    assert_eq!(profile.display_name, "Quiet Orbit");
    assert_eq!(profile.main_org, None);
    assert_eq!(profile.enlisted, Some(Date::from_calendar_date(2021, Month::February, 17).unwrap()));
    assert_eq!(
        profile.avatar_url.as_deref(),
        Some("https://cdn.robertsspaceindustries.com/static/images/account/avatar_default_big.jpg")
    );
    assert_eq!(profile.url, format!("{}/citizens/Quiet-Orbit", fake.base_url()));
}

#[tokio::test]
async fn no_main_org_in_public_records_is_none() {
    let fake =
        FakeRsi::start(vec![("/citizens/LoneDrifter42", Reply::Page(200, fixture("citizen_no_org.html")))]).await;

    let profile = fake.directory().citizen("LoneDrifter42").await.unwrap();

    assert_eq!((profile.handle.as_str(), profile.display_name.as_str()), ("LoneDrifter42", "Lone Drifter"));
    assert_eq!(profile.main_org, None);
    assert_eq!(
        profile.avatar_url,
        Some(format!("{}/media/0rixm629l5bwwr/heap_infobox/Lone-Drifter.jpg", fake.base_url()))
    );
}

#[tokio::test]
async fn reads_an_organisation_page() {
    let fake = FakeRsi::start(vec![("/orgs/VGSL", Reply::Page(200, fixture("org.html")))]).await;
    let base = fake.base_url();

    let org = fake.directory().organisation("VGSL").await.unwrap();

    assert_eq!(
        org,
        OrgProfile {
            sid: "VGSL".into(),
            name: "Vanguard & Sons Logistics".into(),
            members: Some(1146),
            logo_url: Some(format!("{base}/media/8fk2l1m0zq7nnr/logo/VGSL-Logo.png")),
            url: format!("{base}/orgs/VGSL"),
        }
    );
    assert_eq!(fake.requests(), 1);
}

#[tokio::test]
async fn status_404_is_not_found() {
    let fake = FakeRsi::start(vec![
        ("/citizens/Nobody_By_This_Name", Reply::Page(404, fixture("not_found.html"))),
        ("/orgs/NOPE", Reply::Page(404, fixture("not_found.html"))),
    ])
    .await;
    let rsi = fake.directory();

    assert_eq!(rsi.citizen("Nobody_By_This_Name").await, Err(ProfileError::NotFound));
    assert_eq!(rsi.organisation("NOPE").await, Err(ProfileError::NotFound));
    assert_eq!(rsi.citizen("unrouted_handle").await, Err(ProfileError::NotFound), "a bare 404 too");
}

#[tokio::test]
async fn the_not_found_page_with_status_200_is_not_found() {
    let fake = FakeRsi::start(vec![
        ("/citizens/Nobody_By_This_Name", Reply::Page(200, fixture("not_found.html"))),
        ("/orgs/NOPE", Reply::Page(200, fixture("not_found.html"))),
    ])
    .await;
    let rsi = fake.directory();

    assert_eq!(rsi.citizen("Nobody_By_This_Name").await, Err(ProfileError::NotFound));
    assert_eq!(rsi.organisation("NOPE").await, Err(ProfileError::NotFound));
}

#[tokio::test]
async fn status_410_is_not_found() {
    let fake = FakeRsi::start(vec![("/citizens/Gone_Citizen", Reply::Page(410, Vec::new()))]).await;
    assert_eq!(fake.directory().citizen("Gone_Citizen").await, Err(ProfileError::NotFound));
}

#[tokio::test]
async fn a_page_missing_its_expected_parts_is_unreadable() {
    let fake = FakeRsi::start(vec![
        ("/citizens/Kestrel_Vane", Reply::Page(200, fixture("unreadable.html"))),
        ("/orgs/VGSL", Reply::Page(200, fixture("unreadable.html"))),
        ("/orgs/SWAP", Reply::Page(200, fixture("citizen_full.html"))),
        ("/citizens/Empty_Page", Reply::Page(200, Vec::new())),
    ])
    .await;
    let rsi = fake.directory();

    assert_eq!(rsi.citizen("Kestrel_Vane").await, Err(ProfileError::Unreadable));
    assert_eq!(rsi.organisation("VGSL").await, Err(ProfileError::Unreadable));
    assert_eq!(rsi.organisation("SWAP").await, Err(ProfileError::Unreadable), "a dossier is not an org page");
    assert_eq!(rsi.citizen("Empty_Page").await, Err(ProfileError::Unreadable));
}

#[tokio::test]
async fn follows_a_redirect_within_the_site() {
    let fake = FakeRsi::start(vec![
        ("/citizens/Kestrel_Vane", Reply::Redirect("/en/citizens/Kestrel_Vane")),
        ("/en/citizens/Kestrel_Vane", Reply::Page(200, fixture("citizen_full.html"))),
    ])
    .await;

    let profile = fake.directory().citizen("Kestrel_Vane").await.unwrap();

    assert_eq!(profile.handle, "Kestrel_Vane");
    // Relative links are resolved against the page actually read.
    assert_eq!(
        profile.avatar_url,
        Some(format!("{}/media/k3v7q2x9ab1cdr/heap_infobox/Kestrel-Avatar.jpg", fake.base_url()))
    );
    assert_eq!(
        fake.seen().iter().map(|s| s.path.as_str()).collect::<Vec<_>>(),
        ["/citizens/Kestrel_Vane", "/en/citizens/Kestrel_Vane"]
    );
}

#[tokio::test]
async fn a_base_url_with_a_path_keeps_it() {
    let fake = FakeRsi::start(vec![("/mirror/orgs/VGSL", Reply::Page(200, fixture("org.html")))]).await;
    let config = RsiConfig { base_url: format!("{}/mirror/", fake.base_url()), ..RsiConfig::default() };

    let org = RsiDirectory::new(config).unwrap().organisation("VGSL").await.unwrap();

    assert_eq!(org.url, format!("{}/mirror/orgs/VGSL", fake.base_url()));
}

#[tokio::test]
async fn a_real_dossier_is_read_even_if_it_looks_like_the_not_found_page_in_places() {
    let page = String::from_utf8(fixture("citizen_full.html"))
        .unwrap()
        .replace("Kestrel Vane | Kestrel_Vane - Roberts", "404 - Roberts Space Industries | Kestrel_Vane - Roberts")
        .replace(r#"<body id="""#, r#"<body id="missing""#);
    let fake = FakeRsi::start(vec![("/citizens/Kestrel_Vane", Reply::Page(200, page.into_bytes()))]).await;

    let profile = fake.directory().citizen("Kestrel_Vane").await.unwrap();

    assert_eq!(profile.handle, "Kestrel_Vane");
}
