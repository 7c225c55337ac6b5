//! In-game tickets end to end: `@request`/whisper in the simulated map server → `ticket-<name>` channel → staff
//! message → whisper in game → the player's next whisper in the same channel → logout closes and deletes.
#![allow(clippy::unwrap_used, clippy::expect_used)] // Tests: a failed unwrap is a failed test.

use adapter_discord::sim::FakeDiscord;
use adapter_xilero::sim::{Seen, SimEvent};
use e2e::{PATIENCE, Stack, digit_parts, game_event, permissions, player_lines, readable, relayed_text};
use ticket_core::relay::pings;
use tokio::sync::mpsc::UnboundedReceiver;

/// Waits for the game to show `player` a line.
async fn sees(events: &mut UnboundedReceiver<SimEvent>, player: &str, line: Seen) {
    let wanted = SimEvent::Sees { player: player.into(), line: line.clone() };
    assert!(game_event(events, |e| *e == wanted).await, "{player} saw {line}");
}

/// Waits for the game to hear that `player`'s ticket closed.
async fn closed(events: &mut UnboundedReceiver<SimEvent>, player: &str) {
    let wanted = SimEvent::TicketClosed { player: player.into() };
    assert!(game_event(events, |e| *e == wanted).await, "the game heard {player}'s ticket closed");
}

fn relayed(d: &FakeDiscord, channel: u64, text: &str) -> bool {
    d.messages(channel).iter().any(|m| m.content.contains(text))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_in_game_ticket_from_request_to_logout() {
    let stack = Stack::start().await;
    let d = &stack.discord;
    let (sim, mut events) = stack.game().await;
    sim.login("Foo Bar").await.unwrap();
    let before = d.requests().len();

    assert!(sim.request("Foo Bar", "my item vanished").await.unwrap());
    sees(&mut events, "Foo Bar", Seen::RequestEcho("my item vanished".into())).await;
    let channel = stack.wait_channel("ticket-foo-bar").await;
    sees(&mut events, "Foo Bar", Seen::TicketCreated).await;

    // Private to the in-game staff role, the support role and the bot.
    let created = d.channel(channel).unwrap();
    assert_eq!(created.parent, Some(stack.places.game_category));
    let everyone = created.overwrites.iter().find(|o| o.id == stack.places.guild).unwrap();
    assert_ne!(everyone.deny & permissions::VIEW_CHANNEL, 0);
    for role in [stack.places.game_role, stack.places.support_role] {
        assert!(created.overwrites.iter().any(|o| o.id == role && o.allow & permissions::VIEW_CHANNEL != 0));
    }
    let welcome = stack.wait_message(channel, |m| readable(m).contains("In-game ticket: Foo Bar")).await;
    assert!(welcome.content.contains(&format!("<@&{}>", stack.places.game_role)), "in-game staff are pinged");
    stack.wait_message(channel, |m| relayed_text(&m.content, "Foo Bar") == Some("my item vanished")).await;

    // Ten messages each way.
    for n in 1..=10 {
        d.send_message(channel, stack.people.gm, &format!("staff reply {n}")).await;
        sees(&mut events, "Foo Bar", Seen::Whisper { from: "gm-alice".into(), message: format!("staff reply {n}") })
            .await;
        assert!(sim.whisper_support("Foo Bar", &format!("player message {n}")).await.unwrap());
        let text = format!("**Foo Bar** (in game): player message {n}");
        assert!(d.wait_for(PATIENCE, |d| relayed(d, channel, &text)).await, "whisper {n} reached the same channel");
    }
    assert_eq!(stack.channel_named("ticket-foo-bar-2"), None, "no second channel");

    // Logout closes the ticket and deletes the channel (close_on_logout is on by default).
    sim.logout("Foo Bar").await.unwrap();
    assert!(d.wait_for(PATIENCE, |d| d.channel(channel).is_none()).await, "the channel is deleted at logout");
    closed(&mut events, "Foo Bar").await;
    let log = stack.wait_message(stack.places.log, |m| readable(m).contains("In-game ticket closed")).await;
    assert!(readable(&log).contains("player logged out"));

    let calls: Vec<String> = d.requests()[before..]
        .iter()
        .filter(|r| !r.path.contains("/interactions/") && !r.path.contains("/webhooks/"))
        .map(|r| format!("{} {}", r.method, r.path))
        .collect();
    println!("REST calls for one in-game ticket (open, 10 messages each way, close): {}", calls.len());
    for call in &calls {
        println!("  {call}");
    }
    assert!(calls.len() <= 15, "a lifecycle stays cheap: {calls:#?}");
    stack.assert_no_violations();
    sim.shutdown().await;
    stack.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_close_on_logout_replies_wait_for_the_next_login() {
    let stack = Stack::start().await;
    let d = &stack.discord;
    let (sim, mut events) = stack.game().await;
    assert!(sim.set_config(true, false).await.unwrap());
    sim.sync().await.unwrap();
    sim.login("Foo").await.unwrap();
    assert!(sim.request("Foo", "stuck in a wall").await.unwrap());
    let channel = stack.wait_channel("ticket-foo").await;
    sim.logout("Foo").await.unwrap();
    stack.wait_message(channel, |m| m.content.contains("**Foo** logged out")).await;
    assert!(d.channel(channel).is_some(), "the ticket stays open over the logout");

    d.send_message(channel, stack.people.gm, "Moved you to town").await;
    stack.wait_message(channel, |m| m.content.contains("**Foo** is offline. Your reply is held")).await;
    sim.login("Foo").await.unwrap();
    sees(&mut events, "Foo", Seen::Whisper { from: "gm-alice".into(), message: "Moved you to town".into() }).await;
    stack.wait_message(channel, |m| m.content.contains("**Foo** logged in: 1 held reply was whispered.")).await;
    stack.assert_no_violations();
    sim.shutdown().await;
    stack.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_burst_against_discord_rate_limits_arrives_whole_and_in_order() {
    let stack = Stack::start().await;
    let d = &stack.discord;
    let (sim, _events) = stack.game().await;
    sim.login("Foo").await.unwrap();
    assert!(sim.request("Foo", "help").await.unwrap());
    let channel = stack.wait_channel("ticket-foo").await;
    assert!(d.wait_for(PATIENCE, |d| relayed(d, channel, "(in game): help")).await);
    // Discord allows 5 messages per 5 s in a channel; here 1 per second, so that the few posts the lines fold into
    // still meet the limit one after the other (a bot running into it would be refused at nearly every post).
    let before = d.request_count();
    d.enforce_rate_limits(1, std::time::Duration::from_secs(1));
    // Long lines, so that even folded together (up to 2,000 characters a post) they need more posts than Discord
    // takes at once.
    const LINES: usize = 40;
    let pad = "x".repeat(150);
    for n in 1..=LINES {
        assert!(sim.whisper_support("Foo", &format!("line {n} {pad}")).await.unwrap());
    }
    // The number of each line, in the order they were posted.
    let lines = |d: &FakeDiscord| -> Vec<String> {
        let numbered = player_lines(d, channel, "Foo");
        numbered.iter().filter_map(|l| l.strip_prefix("line ")?.split(' ').next().map(str::to_owned)).collect()
    };
    let all = d.wait_for(std::time::Duration::from_secs(30), |d| lines(d).len() == LINES).await;
    assert!(all, "every line arrived: {:?}", lines(d));
    let typed: Vec<String> = (1..=LINES).map(|n| n.to_string()).collect();
    assert_eq!(lines(d), typed, "in the order the player typed them");
    // More posts than one window takes: serenity's rate limiter waited on the X-RateLimit-* headers (the bot
    // reaches the fake as discord.com) instead of running into the limit and retrying.
    let posts = d.requests_since(before).iter().filter(|r| r.method == "POST" && r.status == 200).count();
    assert!(posts >= 3, "the lines needed several windows: {posts} posts");
    let refused = d.rate_limited_since(before);
    assert!(refused <= 1, "the fake refused {refused} calls");
    stack.assert_no_violations();
    sim.shutdown().await;
    stack.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_and_huge_game_text_never_pings_and_is_split() {
    let stack = Stack::start().await;
    let d = &stack.discord;
    let (sim, mut events) = stack.game().await;
    let ids = sim.login("Eve").await.unwrap();
    let hostile = format!("@everyone @here <@{}> <@&{}> look", stack.people.admin, stack.places.support_role);
    assert!(sim.request("Eve", &hostile).await.unwrap());
    sees(&mut events, "Eve", Seen::TicketCreated).await;
    let channel = stack.wait_channel("ticket-eve").await;
    // A game cuts chat at its own limit (255 bytes); a longer text can only reach the desk from elsewhere. Feed the
    // desk 10 000 characters directly: they must reach Discord whole, split into valid messages.
    let huge = "0123456789".repeat(1000);
    let eve = ticket_core::GamePlayer { account: ids.account, name: "Eve".into() };
    let server = ticket_core::GameServerId::new(e2e::SERVER).unwrap();
    let guild = ticket_core::GuildId::new(stack.places.guild);
    stack.app.desk().open_game_ticket(guild, &server, &eve, ticket_core::TicketSource::Whisper, &huge).await.unwrap();
    let all_digits = |d: &FakeDiscord| digit_parts(d, channel, "Eve").concat() == "0123456789".repeat(1000);
    assert!(d.wait_for(PATIENCE, all_digits).await, "the 10 000 characters arrived in order, in parts");
    let said = d.messages(channel).iter().find(|m| m.content.contains("look")).map(|m| m.content.clone()).unwrap();
    assert!(said.contains("@\u{200B}everyone"), "the hostile text is shown, defused: {said:?}");
    for m in d.messages(channel) {
        assert!(m.content.chars().count() <= 2000);
        if m.content.starts_with("**Eve**") {
            assert!(!pings(&m.content), "a relayed message could ping: {:?}", m.content);
            assert_eq!(m.allowed_mentions["parse"], serde_json::json!([]), "mentions are disabled");
            assert!(m.allowed_mentions["users"].as_array().is_none_or(Vec::is_empty));
            assert!(m.allowed_mentions["roles"].as_array().is_none_or(Vec::is_empty));
        }
    }
    let parts = digit_parts(d, channel, "Eve").len();
    assert!(parts >= 6, "split into {parts} messages");
    stack.assert_no_violations();
    sim.shutdown().await;
    stack.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_in_game_channel_deleted_by_hand_closes_the_ticket_and_the_next_whisper_opens_another() {
    let stack = Stack::start().await;
    let d = &stack.discord;
    let (sim, mut events) = stack.game().await;
    sim.login("Foo").await.unwrap();
    assert!(sim.request("Foo", "help").await.unwrap());
    let channel = stack.wait_channel("ticket-foo").await;
    sees(&mut events, "Foo", Seen::TicketCreated).await;
    d.delete_channel_by_hand(channel).await;
    closed(&mut events, "Foo").await;
    assert!(sim.whisper_support("Foo", "hello again").await.unwrap());
    sees(&mut events, "Foo", Seen::TicketCreated).await;
    let next = stack.wait_channel("ticket-foo").await;
    assert_ne!(next, channel);
    stack.wait_message(next, |m| relayed_text(&m.content, "Foo") == Some("hello again")).await;
    stack.assert_no_violations();
    sim.shutdown().await;
    stack.stop().await;
}

/// The guild is at Discord's 500-channel cap: the player's ticket waits in line (they are whispered their place,
/// not "Ticket Created"), what they write meanwhile is kept, and staff are told in the log. When a channel is deleted,
/// the ticket opens with every line, in order.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn at_the_channel_cap_a_player_waits_in_line_and_loses_nothing() {
    let stack = Stack::start().await;
    stack.fill_to_the_channel_cap();
    let d = &stack.discord;
    let (sim, mut events) = stack.game().await;
    sim.login("Foo").await.unwrap();
    assert!(sim.request("Foo", "help").await.unwrap());
    let told = Seen::Whisper {
        from: ticket_core::strings::BRIDGE_SENDER.into(),
        message: ticket_core::strings::in_game_ticket_waiting(1),
    };
    sees(&mut events, "Foo", told).await;
    for line in ["line 2", "line 3"] {
        assert!(sim.whisper_support("Foo", line).await.unwrap());
    }
    let log = stack.wait_message(stack.places.log, |m| readable(m).contains("Channel limit reached")).await;
    assert!(readable(&log).contains("wait in line"), "{}", readable(&log));
    assert_eq!(stack.channel_named("ticket-foo"), None);

    stack.delete_a_filler().await;
    let channel = stack.wait_channel("ticket-foo").await;
    sees(&mut events, "Foo", Seen::TicketCreated).await;
    let lines = |d: &FakeDiscord| player_lines(d, channel, "Foo");
    assert!(d.wait_for(PATIENCE, |d| lines(d).len() == 3).await, "{:?}", lines(d));
    assert_eq!(lines(d), ["help", "line 2", "line 3"]);
    stack.assert_no_violations();
    sim.shutdown().await;
    stack.stop().await;
}

/// Discord refuses the channel for good (the bot lost Manage Channels): the player is whispered that their ticket
/// could not be opened (instead of "Ticket Created" and silence), staff are told in the log, and the player's next
/// line is refused at once instead of opening another ticket that Discord refuses again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_player_is_told_when_discord_refuses_the_channel() {
    let stack = Stack::start().await;
    stack.take_manage_channels_from_the_bot();
    let d = &stack.discord;
    let (sim, mut events) = stack.game().await;
    sim.login("Foo").await.unwrap();
    assert!(sim.request("Foo", "help").await.unwrap());
    let told = Seen::Whisper {
        from: ticket_core::strings::BRIDGE_SENDER.into(),
        message: ticket_core::strings::IN_GAME_TICKET_FAILED.into(),
    };
    sees(&mut events, "Foo", told).await;
    let log = stack.wait_message(stack.places.log, |m| readable(m).contains("Action failed")).await;
    assert!(readable(&log).contains("create channel #ticket-foo"), "{}", readable(&log));
    let creates =
        |d: &FakeDiscord| d.requests().iter().filter(|r| r.method == "POST" && r.path.ends_with("/channels")).count();
    let before = creates(d);
    assert!(sim.whisper_support("Foo", "hello?").await.unwrap());
    sees(&mut events, "Foo", Seen::Offline).await;
    assert_eq!(creates(d), before, "Discord is not asked again at once");
    stack.assert_no_violations();
    sim.shutdown().await;
    stack.stop().await;
}
