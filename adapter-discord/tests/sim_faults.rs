//! Discord saying no: size limits, unknown ids and routes, missing permissions and the role
//! hierarchy, rate limits, outages, bad tokens, bodies that break Discord's schema, and failures
//! of one route asked for by a test (an error status, a timeout).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use adapter_discord::sim::{Fault, permissions};
use common::{assert_clean, raw, setup};
use serde_json::json;
use serenity::all::{
    ChannelId, ChannelType, CreateChannel, CreateMessage, EditMember, GuildId, HttpBuilder, PermissionOverwrite,
    PermissionOverwriteType, Permissions, RoleId, UserId,
};
use serenity::http::HttpError;

/// Status and Discord error code of a failed serenity call.
fn discord_error<T: std::fmt::Debug>(result: serenity::Result<T>) -> (u16, isize, String) {
    match result {
        Err(serenity::Error::Http(HttpError::UnsuccessfulRequest(e))) => {
            let detail = e.error.errors.first().map_or(e.error.message.clone(), |d| d.message.clone());
            (e.status_code.as_u16(), e.error.code, detail)
        }
        other => panic!("expected a Discord error, got {other:?}"),
    }
}

#[tokio::test]
async fn content_over_2000_characters_is_a_400() {
    let (fake, _) = setup().await;
    let guild = fake.create_guild("G");
    let channel = fake.create_text_channel(guild, "c", None);
    let ok =
        raw(&fake, "POST", &format!("/channels/{channel}/messages"), Some(json!({"content": "x".repeat(2000)}))).await;
    assert_eq!(ok.0, 200);
    let (status, body, _) =
        raw(&fake, "POST", &format!("/channels/{channel}/messages"), Some(json!({"content": "x".repeat(2001)}))).await;
    assert_eq!(status, 400);
    assert_eq!(body["code"], 50035);
    assert_eq!(body["errors"]["content"]["_errors"][0]["code"], "BASE_TYPE_MAX_LENGTH");
    assert_eq!(fake.messages(channel).len(), 1);
    // Discord enforcing its limit is not a protocol violation.
    assert_clean(&fake);
}

#[tokio::test]
async fn the_51st_channel_of_a_category_is_refused() {
    let (fake, http) = setup().await;
    let guild = fake.create_guild("G");
    let category = fake.create_category(guild, "Tickets");
    for i in 0..49 {
        fake.create_text_channel(guild, &format!("t{i}"), Some(category));
    }
    let create = || {
        GuildId::new(guild).create_channel(
            &http,
            CreateChannel::new("ticket").kind(ChannelType::Text).category(ChannelId::new(category)),
        )
    };
    create().await.unwrap();
    let (status, code, message) = discord_error(create().await);
    assert_eq!((status, code), (400, 50035));
    assert_eq!(message, "Maximum number of channels in category reached (50)");
    assert_eq!(fake.channels(guild).len(), 51);
    assert_clean(&fake);
}

#[tokio::test]
async fn the_501st_channel_of_a_guild_is_refused() {
    let (fake, http) = setup().await;
    let guild = fake.create_guild("G");
    for i in 0..500 {
        fake.create_text_channel(guild, &format!("c{i}"), None);
    }
    let result = GuildId::new(guild).create_channel(&http, CreateChannel::new("one-more")).await;
    let (status, code, message) = discord_error(result);
    assert_eq!((status, code), (400, 30013));
    assert_eq!(message, "Maximum number of guild channels reached (500)");
    assert_clean(&fake);
}

#[tokio::test]
async fn unknown_ids_are_404_with_discords_codes() {
    let (fake, http) = setup().await;
    let guild = fake.create_guild("G");
    let channel = fake.create_text_channel(guild, "c", None);
    let alice = fake.add_member(guild, "alice", &[]);
    let missing = 1_234_567_890_123_456_789_u64;

    let (status, body, _) = raw(&fake, "GET", &format!("/channels/{missing}"), None).await;
    assert_eq!(status, 404);
    assert_eq!(body, json!({"message": "Unknown Channel", "code": 10003}));
    let (_, code, _) = discord_error(GuildId::new(guild).member(&http, UserId::new(missing)).await);
    assert_eq!(code, 10007);
    let (_, code, _) = discord_error(ChannelId::new(channel).message(&http, missing).await);
    assert_eq!(code, 10008);
    let (_, code, _) = discord_error(GuildId::new(missing).roles(&http).await);
    assert_eq!(code, 10004);
    let (_, code, _) =
        discord_error(http.add_member_role(GuildId::new(guild), UserId::new(alice), RoleId::new(missing), None).await);
    assert_eq!(code, 10011);
    let (status, body, _) = raw(&fake, "GET", "/channels/not-a-number", None).await;
    assert_eq!((status, body["code"].clone()), (404, json!(10003)));
    // Unknown ids are Discord answering, not violations.
    assert_clean(&fake);
}

#[tokio::test]
async fn unknown_routes_are_404_and_violations() {
    let (fake, _) = setup().await;
    let guild = fake.create_guild("G");
    let channel = fake.create_text_channel(guild, "c", None);

    let (status, body, _) = raw(&fake, "GET", "/made/up/route", None).await;
    assert_eq!(status, 404);
    assert_eq!(body, json!({"message": "404: Not Found", "code": 0}));
    let (status, _, _) = raw(&fake, "GET", &format!("/channels/{channel}/pins"), None).await;
    assert_eq!(status, 404);
    let (status, _, _) = raw(&fake, "DELETE", "/users/@me", None).await;
    assert_eq!(status, 405);
    let violations = fake.violations();
    assert_eq!(violations.len(), 3, "{violations:#?}");
    assert!(violations[0].contains("not a Discord route"));
    assert!(violations[1].contains("the fake does not serve it"));
    assert!(violations[2].contains("method not allowed"));
}

#[tokio::test]
async fn missing_permissions_and_the_role_hierarchy_are_403() {
    let (fake, http) = setup().await;
    let guild = fake.create_guild("G");
    let owner = fake.guild_owner(guild).unwrap();
    let high = fake.create_role(guild, "Admins", 0);
    let low = fake.create_role(guild, "Member", 0);
    let admin = fake.add_member(guild, "admin", &[high]);
    let alice = fake.add_member(guild, "alice", &[low]);
    let nick = |user: u64, name: &'static str| {
        GuildId::new(guild).edit_member(&http, UserId::new(user), EditMember::new().nickname(name))
    };

    // Below the bot: fine. The owner: never.
    nick(alice, "a").await.unwrap();
    assert_eq!(discord_error(nick(owner, "o").await).1, 50013);
    // A role moved above the bot's protects its members and cannot be granted.
    let bot_role = fake.bot_role(guild).unwrap();
    nick(admin, "b").await.unwrap();
    fake.set_role_position(guild, high, 3);
    assert!(
        fake.roles(guild).iter().find(|r| r.id == high).unwrap().position
            > fake.roles(guild).iter().find(|r| r.id == bot_role).unwrap().position
    );
    let (status, code, _) = discord_error(nick(admin, "c").await);
    assert_eq!((status, code), (403, 50013));
    let grant = http.add_member_role(GuildId::new(guild), UserId::new(alice), RoleId::new(high), None).await;
    assert_eq!(discord_error(grant).1, 50013);
    // The bot's own managed role cannot be handed out.
    let grant = http.add_member_role(GuildId::new(guild), UserId::new(alice), RoleId::new(bot_role), None).await;
    assert_eq!(discord_error(grant).1, 50013);

    // Overwrites may only carry permissions the bot has.
    let too_much = GuildId::new(guild)
        .create_channel(
            &http,
            CreateChannel::new("t").permissions(vec![PermissionOverwrite {
                allow: Permissions::MANAGE_GUILD,
                deny: Permissions::empty(),
                kind: PermissionOverwriteType::Member(UserId::new(alice)),
            }]),
        )
        .await;
    assert_eq!(discord_error(too_much).1, 50013);

    // A channel the bot may not write in.
    let quiet = fake.create_text_channel(guild, "quiet", None);
    fake.set_overwrites(
        quiet,
        &[adapter_discord::sim::OverwriteState {
            id: bot_role,
            kind: adapter_discord::sim::OverwriteKind::Role,
            allow: 0,
            deny: permissions::SEND_MESSAGES,
        }],
    );
    let send = ChannelId::new(quiet).send_message(&http, CreateMessage::new().content("hi")).await;
    assert_eq!(discord_error(send), (403, 50013, "Missing Permissions".to_string()));

    // Without Manage Channels the bot creates nothing.
    fake.set_role_permissions(guild, bot_role, permissions::VIEW_CHANNEL | permissions::SEND_MESSAGES);
    let create = GuildId::new(guild).create_channel(&http, CreateChannel::new("t")).await;
    assert_eq!(discord_error(create).0, 403);
    assert_clean(&fake);
}

#[tokio::test]
async fn rate_limits_answer_429_with_retry_after() {
    let (fake, http) = setup().await;
    fake.rate_limit_next(2, 1.5);
    let (status, body, headers) = raw(&fake, "GET", "/users/@me", None).await;
    assert_eq!(status, 429);
    assert_eq!(body["retry_after"], 1.5);
    assert_eq!(body["global"], false);
    assert_eq!(headers["retry-after"], "2");
    assert_eq!(headers["x-ratelimit-remaining"], "0");
    assert!(headers.contains_key("x-ratelimit-reset-after"));
    // serenity sees the 429 as an unsuccessful request.
    assert_eq!(discord_error(http.get_current_user().await).0, 429);
    // Then it is over.
    http.get_current_user().await.unwrap();
    assert_clean(&fake);
}

#[tokio::test]
async fn per_route_buckets_refuse_a_burst_until_the_window_passes() {
    let (fake, http) = setup().await;
    let guild = fake.create_guild("G");
    let (a, b) = (fake.create_text_channel(guild, "a", None), fake.create_text_channel(guild, "b", None));
    fake.enforce_rate_limits(2, std::time::Duration::from_millis(400));
    let send = |channel: u64| {
        let http = http.clone();
        async move { ChannelId::new(channel).send_message(&http, CreateMessage::new().content("x")).await }
    };
    send(a).await.unwrap();
    send(a).await.unwrap();
    let path = format!("/channels/{a}/messages");
    let (status, body, headers) = raw(&fake, "POST", &path, Some(json!({"content": "x"}))).await;
    assert_eq!(status, 429, "the third message in the window is refused");
    let wait = body["retry_after"].as_f64().unwrap();
    assert!(wait > 0.0 && wait <= 0.4, "retry_after is the time left in the window: {wait}");
    assert!(headers.contains_key("retry-after"));
    send(b).await.expect("another channel is another bucket");
    tokio::time::sleep(std::time::Duration::from_secs_f64(wait)).await;
    send(a).await.expect("a new window");
    assert_eq!(fake.messages(a).len(), 3, "the refused message was not stored");
    assert_clean(&fake);
}

#[tokio::test]
async fn outages_are_503_and_bad_tokens_401() {
    let (fake, http) = setup().await;
    fake.set_unavailable(true);
    assert_eq!(discord_error(http.get_current_user().await).0, 503);
    fake.set_unavailable(false);
    http.get_current_user().await.unwrap();

    let stranger = HttpBuilder::new("not-the-token").proxy(fake.base_url()).ratelimiter_disabled(true).build();
    assert_eq!(discord_error(stranger.get_current_user().await).0, 401);
    assert_clean(&fake);
}

#[tokio::test]
async fn bodies_that_break_discords_schema_are_400_and_violations() {
    let (fake, _) = setup().await;
    let guild = fake.create_guild("G");
    let channel = fake.create_text_channel(guild, "c", None);
    let (status, body, _) =
        raw(&fake, "POST", &format!("/channels/{channel}/messages"), Some(json!({"content": 5}))).await;
    assert_eq!(status, 400);
    assert_eq!(body["code"], 50035);
    let (status, _, _) =
        raw(&fake, "POST", &format!("/guilds/{guild}/channels"), Some(json!({"type": 0, "topic": "no name"}))).await;
    assert_eq!(status, 400);
    let violations = fake.violations();
    assert_eq!(violations.len(), 2, "{violations:#?}");
    assert!(violations.iter().all(|v| v.contains("does not match Discord's schema")));
    assert!(fake.messages(channel).is_empty());
}

#[tokio::test]
async fn the_test_api_refuses_what_no_user_could_do() {
    let (fake, _) = setup().await;
    let guild = fake.create_guild("G");
    let hidden = fake.create_text_channel(guild, "staff-only", None);
    fake.set_overwrites(
        hidden,
        &[adapter_discord::sim::OverwriteState {
            id: guild,
            kind: adapter_discord::sim::OverwriteKind::Role,
            allow: 0,
            deny: permissions::VIEW_CHANNEL,
        }],
    );
    let alice = fake.add_member(guild, "alice", &[]);
    assert_eq!(fake.send_message(hidden, alice, "let me in").await, 0);
    let click = fake.click_button(hidden, 1, "x", alice).await;
    assert_eq!(click.response, None);
    let violations = fake.violations();
    assert_eq!(violations.len(), 2, "{violations:#?}");
    assert!(violations[0].contains("cannot see"));
    assert!(violations[1].contains("no bot is connected"));
}

#[tokio::test]
async fn closed_dms_are_403_50007() {
    let (fake, http) = setup().await;
    let guild = fake.create_guild("G");
    let alice = fake.add_member(guild, "alice", &[]);
    fake.set_dms_closed(alice, true);
    let dm = UserId::new(alice).create_dm_channel(&http).await.unwrap();
    let sent = dm.send_message(&http, CreateMessage::new().content("declined")).await;
    assert_eq!(discord_error(sent), (403, 50007, "Cannot send messages to this user".to_string()));
    assert!(fake.dms(alice).is_empty());
    assert_clean(&fake);
}

#[tokio::test]
async fn a_route_fails_with_the_status_asked_for_as_often_as_asked() {
    let (fake, http) = setup().await;
    let guild = fake.create_guild("G");
    let (a, b) = (fake.create_text_channel(guild, "a", None), fake.create_text_channel(guild, "b", None));
    fake.fail_route("POST", &format!("/channels/{a}/messages"), Fault::Status(500), 2);
    let send = |channel: u64| ChannelId::new(channel).send_message(&http, CreateMessage::new().content("x"));
    assert_eq!(discord_error(send(a).await), (500, 0, "500: Internal Server Error".to_string()));
    send(b).await.expect("another channel is another route");
    assert_eq!(discord_error(send(a).await).0, 500);
    send(a).await.expect("twice, as asked");
    assert_eq!((fake.messages(a).len(), fake.messages(b).len()), (1, 1), "a refused post is not stored");
    assert_clean(&fake);
}

#[tokio::test]
async fn a_timeout_carries_the_request_out_and_never_answers() {
    let (fake, _) = setup().await;
    let guild = fake.create_guild("G");
    let channel = fake.create_text_channel(guild, "c", None);
    fake.fail_route("POST", "/channels/{channel_id}/messages", Fault::Timeout, 1);
    let client = reqwest::Client::builder().timeout(std::time::Duration::from_millis(200)).build().unwrap();
    let sent = client
        .post(format!("{}/api/v10/channels/{channel}/messages", fake.base_url()))
        .header("Authorization", format!("Bot {}", fake.token()))
        .header("Content-Type", "application/json")
        .body(json!({"content": "did it arrive?"}).to_string())
        .send()
        .await;
    assert!(sent.is_err_and(|e| e.is_timeout()), "no answer came");
    assert_eq!(fake.messages(channel).len(), 1, "but the message was posted");
    let logged = fake.wait_for(std::time::Duration::from_secs(10), |f| !f.requests().is_empty()).await;
    assert!(logged);
    let request = &fake.requests()[0];
    assert!(request.withheld);
    assert_eq!((request.status, &request.response["content"]), (200, &json!("did it arrive?")));
    // The next request is answered again.
    assert_eq!(
        raw(&fake, "POST", &format!("/channels/{channel}/messages"), Some(json!({"content": "2"}))).await.0,
        200
    );
    assert_clean(&fake);
}

#[tokio::test]
async fn failing_a_route_the_fake_does_not_serve_or_with_a_success_is_a_violation() {
    let (fake, _) = setup().await;
    fake.fail_route("GET", "/channels/{channel_id}/pins", Fault::Status(500), 1);
    fake.fail_route("PUT", "/users/@me", Fault::Timeout, 1);
    fake.fail_route("GET", "/users/@me", Fault::Status(200), 1);
    let violations = fake.violations();
    assert_eq!(violations.len(), 3, "{violations:#?}");
    assert!(violations[..2].iter().all(|v| v.contains("matches no route the fake serves")));
    assert!(violations[2].contains("not an error status"));
    assert_eq!(raw(&fake, "GET", "/users/@me", None).await.0, 200, "nothing was set");
}
