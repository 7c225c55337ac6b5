//! [`SerenityPlatform`] against the fake Discord when Discord fails: an error status or a timeout on channel
//! creation, posting and deletion comes back as the core's `Unavailable` (so the outbox tries again later), a call
//! Discord never answers is given up after the request timeout, and the retry does not do twice what Discord did
//! the first time (the `TID:` marker finds the channel, the nonce the message, a deleted channel is `NotFound`).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::sync::Arc;
use std::time::Duration;

use adapter_discord::sim::{FakeDiscord, Fault};
use adapter_discord::{DiscordConfig, SerenityPlatform};
use common::assert_clean;
use ticket_core::message::{Message, Nonce};
use ticket_core::ports::{ChatPlatform, NewChannel, PlatformError};
use ticket_core::{ChannelId, EffectId, GuildId, TicketId, UserId};

/// The client gives up on a silent Discord after this.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(1);
/// How long a test lets a call take before calling it stuck (far beyond the request timeout).
const STUCK: Duration = Duration::from_secs(10);

async fn platform(fake: &FakeDiscord) -> SerenityPlatform {
    let config = DiscordConfig::new(fake.token()).with_api_base(fake.base_url()).with_request_timeout(REQUEST_TIMEOUT);
    SerenityPlatform::new(Arc::new(config.http().unwrap()), UserId::new(fake.bot_user_id()))
}

/// Runs a platform call, failing the test if it never returns.
async fn settled<T>(call: impl std::future::Future<Output = T>) -> T {
    tokio::time::timeout(STUCK, call).await.expect("hung past the request timeout")
}

fn ticket_channel(guild: u64, ticket: u64) -> NewChannel {
    NewChannel {
        ticket: TicketId::new(ticket),
        guild: GuildId::new(guild),
        name: format!("ticket-{ticket}"),
        category: None,
        topic: format!("TID:{ticket}"),
        overwrites: Vec::new(),
    }
}

/// The statuses the fake answered (or withheld) to `method` on paths ending with `tail`, once it has logged
/// `count` of them (a withheld answer is logged after the client gave up waiting for it).
async fn answered(fake: &FakeDiscord, method: &str, tail: &str, count: usize) -> Vec<(u16, bool)> {
    let log = |fake: &FakeDiscord| -> Vec<(u16, bool)> {
        let matching = fake.requests().into_iter().filter(|r| r.method == method && r.path.ends_with(tail));
        matching.map(|r| (r.status, r.withheld)).collect()
    };
    fake.wait_for(STUCK, |fake| log(fake).len() >= count).await;
    log(fake)
}

#[tokio::test]
async fn a_post_whose_answer_never_came_is_given_up_and_not_posted_again() {
    let fake = FakeDiscord::start().await.unwrap();
    let guild = fake.create_guild("G");
    let log = fake.create_text_channel(guild, "log", None);
    let discord = platform(&fake).await;
    let message = || Message::text("resolved").with_nonce(Nonce::for_effect(EffectId::new(42), 0));

    fake.fail_route("POST", &format!("/channels/{log}/messages"), Fault::Status(500), 1);
    fake.fail_route("POST", &format!("/channels/{log}/messages"), Fault::Timeout, 1);
    let refused = settled(discord.send(ChannelId::new(log), message())).await;
    assert_eq!(refused, Err(PlatformError::Unavailable), "a 500 is worth retrying");
    assert!(fake.messages(log).is_empty());
    let lost = settled(discord.send(ChannelId::new(log), message())).await;
    assert_eq!(lost, Err(PlatformError::Unavailable), "no answer is worth retrying");
    assert_eq!(fake.messages(log).len(), 1, "Discord did post it");

    let retried = settled(discord.send(ChannelId::new(log), message())).await.unwrap();
    assert_eq!(fake.messages(log).len(), 1, "the retry was not posted again");
    assert_eq!(retried.get(), fake.messages(log)[0].id, "it gave back the message already posted");
    let posts = answered(&fake, "POST", &format!("/channels/{log}/messages"), 3).await;
    assert_eq!(posts, [(500, false), (200, true), (200, false)]);
    let bodies: Vec<_> = fake.requests().iter().map(|r| r.body.clone()).collect();
    assert!(bodies.iter().all(|b| b["nonce"] == "2a.0" && b["enforce_nonce"] == true), "{bodies:#?}");

    // Another part of the same post is another message.
    let part = Message::text("part 2").with_nonce(Nonce::for_effect(EffectId::new(42), 1));
    let second = settled(discord.send(ChannelId::new(log), part)).await.unwrap();
    assert_ne!(second, retried);
    assert_eq!(fake.messages(log).len(), 2);
    assert_clean(&fake);
}

#[tokio::test]
async fn a_channel_created_without_an_answer_is_found_by_its_marker_on_retry() {
    let fake = FakeDiscord::start().await.unwrap();
    let guild = fake.create_guild("G");
    let discord = platform(&fake).await;

    fake.fail_route("POST", "/guilds/{guild_id}/channels", Fault::Status(502), 1);
    fake.fail_route("POST", "/guilds/{guild_id}/channels", Fault::Timeout, 1);
    let refused = settled(discord.create_channel(ticket_channel(guild, 7))).await;
    assert_eq!(refused, Err(PlatformError::Unavailable));
    assert!(fake.channels(guild).is_empty());
    let lost = settled(discord.create_channel(ticket_channel(guild, 7))).await;
    assert_eq!(lost, Err(PlatformError::Unavailable));
    assert_eq!(fake.channels(guild).len(), 1, "Discord did create it");

    let found = settled(discord.create_channel(ticket_channel(guild, 7))).await.unwrap();
    assert_eq!(fake.channels(guild).len(), 1, "the retry created nothing");
    assert_eq!(found.get(), fake.channels(guild)[0].id);
    let creations = answered(&fake, "POST", &format!("/guilds/{guild}/channels"), 2).await;
    assert_eq!(creations, [(502, false), (201, true)], "no third creation");
    assert_clean(&fake);
}

#[tokio::test]
async fn a_channel_deleted_without_an_answer_is_gone_on_retry() {
    let fake = FakeDiscord::start().await.unwrap();
    let guild = fake.create_guild("G");
    let channel = fake.create_text_channel(guild, "ticket-7", None);
    let discord = platform(&fake).await;

    fake.fail_route("DELETE", "/channels/{channel_id}", Fault::Status(500), 1);
    fake.fail_route("DELETE", "/channels/{channel_id}", Fault::Timeout, 1);
    let refused = settled(discord.delete_channel(ChannelId::new(channel))).await;
    assert_eq!(refused, Err(PlatformError::Unavailable));
    assert!(fake.channel(channel).is_some());
    let lost = settled(discord.delete_channel(ChannelId::new(channel))).await;
    assert_eq!(lost, Err(PlatformError::Unavailable));
    assert!(fake.channel(channel).is_none(), "Discord did delete it");
    let retried = settled(discord.delete_channel(ChannelId::new(channel))).await;
    assert_eq!(retried, Err(PlatformError::NotFound), "already gone, which the outbox counts as done");
    assert_clean(&fake);
}

#[tokio::test]
async fn a_replayed_post_whose_message_was_deleted_is_not_a_missing_channel() {
    let fake = FakeDiscord::start().await.unwrap();
    let guild = fake.create_guild("G");
    let ticket = fake.create_text_channel(guild, "ticket-7", None);
    let discord = platform(&fake).await;
    let message = || Message::text("hello").with_nonce(Nonce::for_effect(EffectId::new(9), 0));
    let posted = discord.send(ChannelId::new(ticket), message()).await.unwrap();
    discord.delete_message(ChannelId::new(ticket), posted).await.unwrap();
    // Discord posts nothing and says Unknown Message; the channel is still there, which NotFound would deny.
    let replayed = discord.send(ChannelId::new(ticket), message()).await;
    assert_eq!(replayed, Err(PlatformError::Rejected { status: 404, code: Some(10008) }));
    assert!(fake.messages(ticket).is_empty());
    let gone = discord.send(ChannelId::new(1_234_567_890_123), Message::text("x")).await;
    assert_eq!(gone, Err(PlatformError::NotFound), "a missing channel still is");
    assert_clean(&fake);
}

/// Tickets opened side by side in one guild (the game's records no longer wait for each other): each channel lands
/// in a category with room, and exactly the overflow categories needed are opened, once each.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn channels_created_side_by_side_fill_each_category_once() {
    let fake = FakeDiscord::start().await.unwrap();
    let guild = fake.create_guild("G");
    let category = fake.create_category(guild, "In-game Tickets");
    let discord = Arc::new(platform(&fake).await);
    let creates = (1..=120u64).map(|ticket| {
        let discord = discord.clone();
        tokio::spawn(async move {
            let request = NewChannel { category: Some(ChannelId::new(category)), ..ticket_channel(guild, ticket) };
            discord.create_channel(request).await
        })
    });
    for created in futures_util::future::join_all(creates).await {
        assert!(created.unwrap().is_ok());
    }
    let channels = fake.channels(guild);
    let categories: Vec<_> = channels.iter().filter(|c| c.name.starts_with("In-game Tickets")).collect();
    let mut names: Vec<&str> = categories.iter().map(|c| c.name.as_str()).collect();
    names.sort();
    assert_eq!(names, ["In-game Tickets", "In-game Tickets 2", "In-game Tickets 3"], "each overflow opened once");
    for c in &categories {
        let children = channels.iter().filter(|ch| ch.parent == Some(c.id)).count();
        assert!(children <= 50, "{} holds {children}", c.name);
    }
    assert_eq!(channels.iter().filter(|c| c.name.starts_with("ticket-")).count(), 120);
    assert_clean(&fake);
}

/// Calls that share one of serenity's rate-limit buckets (posts to one channel: the staff log, from many tickets at
/// once) go one after the other: serenity's limiter, which lets every call waiting on a bucket go at once when its
/// window resets, then waits before each call instead of running into Discord's limit with all of them.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn posts_to_one_channel_at_once_are_hardly_refused() {
    let fake = FakeDiscord::start().await.unwrap();
    let guild = fake.create_guild("G");
    let log = fake.create_text_channel(guild, "log", None);
    let config = DiscordConfig::new(fake.token()).with_api_address(fake.tls_addr(), fake.root_certificate_pem());
    let platform = SerenityPlatform::new(Arc::new(config.http().unwrap()), UserId::new(fake.bot_user_id()));
    fake.enforce_rate_limits(5, Duration::from_secs(1));
    let before = fake.request_count();
    let posts: Vec<_> = (0..20)
        .map(|i| {
            let platform = platform.clone();
            tokio::spawn(async move { platform.send(ChannelId::new(log), Message::text(format!("entry {i}"))).await })
        })
        .collect();
    for post in posts {
        assert!(post.await.unwrap().is_ok(), "every post went through");
    }
    assert_eq!(fake.messages(log).len(), 20);
    let refused = fake.rate_limited_since(before);
    assert!(refused <= 1, "the fake refused {refused} calls");
    assert_clean(&fake);
}

/// A guild at Discord's 500-channel cap: a channel creation is refused as the guild being full without a call to
/// create it. Before, each creation asked Discord, and on its `30013` listed the channels again and asked once more:
/// in a 1,000-player burst, 130 refused calls.
#[tokio::test]
async fn at_the_channel_cap_a_creation_is_refused_without_asking_discord() {
    let fake = FakeDiscord::start().await.unwrap();
    let guild = fake.create_guild("G");
    let category = fake.create_category(guild, "In-game Tickets");
    for n in 1..500 {
        fake.create_text_channel(guild, &format!("filler-{n}"), None);
    }
    let discord = platform(&fake).await;
    let request = NewChannel { category: Some(ChannelId::new(category)), ..ticket_channel(guild, 1) };
    let refused = settled(discord.create_channel(request)).await.unwrap_err();
    assert!(refused.is_guild_full(), "{refused:?}");
    let creates = fake.requests().into_iter().filter(|r| r.method == "POST" && r.path.ends_with("/channels")).count();
    assert_eq!(creates, 0, "Discord was not asked");

    // A channel deleted makes room: the next creation asks, and gets its channel.
    let filler = fake.channels(guild).into_iter().find(|c| c.name == "filler-1").unwrap().id;
    settled(discord.delete_channel(ChannelId::new(filler))).await.unwrap();
    let request = NewChannel { category: Some(ChannelId::new(category)), ..ticket_channel(guild, 1) };
    assert!(settled(discord.create_channel(request)).await.is_ok());
    assert_clean(&fake);
}
