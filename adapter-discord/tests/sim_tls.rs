//! The fake as `https://discord.com` over TLS, reached the way the bot reaches Discord: serenity's own rate limiter
//! on, waiting on the `X-RateLimit-*` headers of every answer and retrying a `429` after its `Retry-After`.
//!
//! Everything here counts calls, never time: the fake's log says how many calls it refused.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::sync::Arc;
use std::time::Duration;

use adapter_discord::DiscordConfig;
use adapter_discord::sim::FakeDiscord;
use common::{assert_clean, raw, setup};
use serenity::all::{ApplicationId, ChannelId, CreateMessage, GetMessages};
use serenity::http::Http;

/// serenity's client as the bot builds it against the fake over TLS (rate limiter on).
async fn setup_tls() -> (FakeDiscord, Arc<Http>) {
    let fake = FakeDiscord::start().await.unwrap();
    let config = DiscordConfig::new(fake.token()).with_api_address(fake.tls_addr(), fake.root_certificate_pem());
    let http = config.http().unwrap();
    http.set_application_id(ApplicationId::new(fake.application_id()));
    (fake, Arc::new(http))
}

/// A guild's one channel, with the fake's rate limits on (5 calls a second per bucket); the fake's request count
/// from then on.
fn limited_channel(fake: &FakeDiscord) -> (u64, usize) {
    let guild = fake.create_guild("G");
    let channel = fake.create_text_channel(guild, "c", None);
    fake.enforce_rate_limits(5, Duration::from_secs(1));
    (channel, fake.request_count())
}

/// Posts `n` messages to `channel` one after the other, as the bot's outbox does; how many failed.
async fn post(http: &Http, channel: u64, n: usize) -> usize {
    let mut failed = 0;
    for i in 0..n {
        let sent = ChannelId::new(channel).send_message(http, CreateMessage::new().content(format!("m{i}"))).await;
        failed += usize::from(sent.is_err());
    }
    failed
}

#[tokio::test]
async fn serenity_reaches_the_fake_as_discord_com_over_tls() {
    let (fake, http) = setup_tls().await;
    let me = http.get_current_user().await.unwrap();
    assert_eq!(me.id.get(), fake.bot_user_id());
    // The gateway is the fake's own (plain ws on loopback), as `GET /gateway/bot` says.
    let gateway = http.get_bot_gateway().await.unwrap();
    assert_eq!(gateway.url, fake.gateway_url());
    let served = fake.requests();
    assert!(served.iter().any(|r| r.path == "/api/v10/users/@me" && r.status == 200), "{served:#?}");
    assert_clean(&fake);
}

#[tokio::test]
async fn a_wrong_root_certificate_is_refused_at_once() {
    let fake = FakeDiscord::start().await.unwrap();
    let other = FakeDiscord::start().await.unwrap();
    let config = DiscordConfig::new(fake.token()).with_api_address(fake.tls_addr(), other.root_certificate_pem());
    let http = config.http().unwrap();
    assert!(http.get_current_user().await.is_err(), "a certificate from another authority is not trusted");
    assert_eq!(fake.request_count(), 0);
    let config = DiscordConfig::new(fake.token()).with_api_address(fake.tls_addr(), "not a certificate");
    assert!(config.http().is_err(), "a root that is no PEM certificate is a configuration error");
}

#[tokio::test]
async fn every_counted_answer_carries_the_buckets_headers() {
    let (fake, _) = setup().await;
    let guild = fake.create_guild("G");
    let channel = fake.create_text_channel(guild, "c", None);
    let (status, _, headers) = raw(&fake, "GET", "/users/@me", None).await;
    assert_eq!(status, 200);
    assert!(!headers.contains_key("x-ratelimit-limit"), "no buckets, no headers");
    fake.enforce_rate_limits(3, Duration::from_secs(60));
    let path = format!("/channels/{channel}/messages");
    let message = Some(serde_json::json!({"content": "x"}));
    let (_, _, first) = raw(&fake, "POST", &path, message.clone()).await;
    let (_, _, second) = raw(&fake, "POST", &path, message.clone()).await;
    assert_eq!(first["x-ratelimit-limit"], "3", "the bucket's own limit");
    assert_eq!(first["x-ratelimit-remaining"], "2");
    assert_eq!(second["x-ratelimit-remaining"], "1");
    let reset_after: f64 = first["x-ratelimit-reset-after"].to_str().unwrap().parse().unwrap();
    assert!(reset_after > 0.0 && reset_after <= 60.0, "{reset_after}");
    let reset: f64 = first["x-ratelimit-reset"].to_str().unwrap().parse().unwrap();
    assert!(reset > 1.7e9, "Unix seconds: {reset}");
    assert_eq!(first["x-ratelimit-bucket"], second["x-ratelimit-bucket"]);
    let (_, _, listed) = raw(&fake, "GET", &path, None).await;
    assert_ne!(listed["x-ratelimit-bucket"], first["x-ratelimit-bucket"], "GET is another bucket");
    assert_eq!(listed["x-ratelimit-remaining"], "2");
    raw(&fake, "POST", &path, message.clone()).await;
    let (status, body, refused) = raw(&fake, "POST", &path, message).await;
    assert_eq!(status, 429);
    assert_eq!(refused["x-ratelimit-limit"], "3");
    assert_eq!(refused["x-ratelimit-remaining"], "0");
    assert_eq!(refused["x-ratelimit-bucket"], first["x-ratelimit-bucket"]);
    let retry_after = body["retry_after"].as_f64().unwrap();
    let whole: u64 = refused["retry-after"].to_str().unwrap().parse().unwrap();
    assert_eq!(whole, retry_after.ceil() as u64, "Retry-After in whole seconds, rounded up, as Discord sends it");
    assert_clean(&fake);
}

/// The regression: with the rate limiter on, a burst to one channel waits for the bucket instead of running into
/// it. (Through the proxy, with the limiter off, the same burst is refused: see the next test.)
#[tokio::test]
async fn a_burst_to_one_channel_waits_for_the_bucket_and_is_hardly_refused() {
    let (fake, http) = setup_tls().await;
    let (channel, before) = limited_channel(&fake);
    assert_eq!(post(&http, channel, 20).await, 0, "every post went through");
    assert_eq!(fake.messages(channel).len(), 20);
    let refused = fake.rate_limited_since(before);
    // The first call learns the bucket; after it, serenity waits for each reset before sending.
    assert!(refused <= 1, "the fake refused {refused} calls");
    assert_clean(&fake);
}

#[tokio::test]
async fn through_the_proxy_without_the_limiter_the_same_burst_is_refused() {
    let (fake, http) = setup().await;
    let (channel, before) = limited_channel(&fake);
    let failed = post(&http, channel, 20).await;
    assert!(failed > 0, "serenity hands the 429s back as errors");
    assert_eq!(fake.rate_limited_since(before), failed);
    assert_clean(&fake);
}

#[tokio::test]
async fn a_429_is_retried_after_its_retry_after() {
    let (fake, http) = setup_tls().await;
    let guild = fake.create_guild("G");
    let channel = fake.create_text_channel(guild, "c", None);
    fake.rate_limit_next(1, 0.3);
    let before = fake.request_count();
    assert_eq!(post(&http, channel, 1).await, 0, "serenity waited and sent it again");
    let statuses: Vec<u16> = fake.requests_since(before).iter().map(|r| r.status).collect();
    assert_eq!(statuses, [429, 200]);
    assert_eq!(fake.messages(channel).len(), 1);
    assert_clean(&fake);
}

/// serenity keeps one bucket for a route whatever the method (GET and POST of `/channels/{id}/messages` share it),
/// Discord (and the fake) one per method: reading and posting in one channel at once must not make serenity run
/// into the limit over and over.
#[tokio::test]
async fn reading_and_posting_one_channel_at_once_is_hardly_refused() {
    let (fake, http) = setup_tls().await;
    let (channel, before) = limited_channel(&fake);
    let reading = {
        let http = Arc::clone(&http);
        tokio::spawn(async move {
            let mut failed = 0;
            for _ in 0..12 {
                let read = ChannelId::new(channel).messages(&http, GetMessages::new().limit(5)).await;
                failed += usize::from(read.is_err());
            }
            failed
        })
    };
    let failed_posts = post(&http, channel, 12).await;
    let failed_reads = reading.await.unwrap();
    assert_eq!((failed_posts, failed_reads), (0, 0), "every call went through");
    let refused = fake.rate_limited_since(before);
    assert!(refused <= 3, "the fake refused {refused} calls: {:#?}", fake.requests_since(before));
    assert_clean(&fake);
}

/// The TLS listener serves the gateway upgrade too (the same server code as the plain one).
#[tokio::test]
async fn the_gateway_upgrade_is_served_over_tls_too() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio_rustls::rustls::pki_types::pem::PemObject;
    use tokio_rustls::rustls::pki_types::{CertificateDer, ServerName};
    use tokio_rustls::rustls::{ClientConfig, RootCertStore, crypto};

    let fake = FakeDiscord::start().await.unwrap();
    let mut roots = RootCertStore::empty();
    roots.add(CertificateDer::from_pem_slice(fake.root_certificate_pem().as_bytes()).unwrap()).unwrap();
    let config = ClientConfig::builder_with_provider(Arc::new(crypto::ring::default_provider()))
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
    let connector = tokio_rustls::TlsConnector::from(Arc::new(config));
    let tcp = tokio::net::TcpStream::connect(fake.tls_addr()).await.unwrap();
    let name = ServerName::try_from("discord.com").unwrap();
    let mut tls = connector.connect(name, tcp).await.expect("the certificate is discord.com's, from the fake's root");
    let handshake = "GET /gateway?v=10&encoding=json HTTP/1.1\r\nHost: discord.com\r\nConnection: Upgrade\r\n\
                     Upgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n";
    tls.write_all(handshake.as_bytes()).await.unwrap();
    let mut answer = vec![0; 1024];
    let read = tls.read(&mut answer).await.unwrap();
    let head = String::from_utf8_lossy(&answer[..read]);
    assert!(head.starts_with("HTTP/1.1 101"), "{head}");
    assert!(head.contains("s3pPLMBiTxaQ9kYGzzhZRbK+xOo="), "the accept key of the sample nonce: {head}");
    assert_clean(&fake);
}
