//! Limits, cooldowns, the blocklist and snippets end to end, against the fake Discord and the simulated game
//! server: refusals with their reasons, `/tickets block` for a member, a role and an in-game player (run in the
//! player's ticket channel), and `/snippet` with its autocomplete, posted and whispered in game.
#![allow(clippy::unwrap_used, clippy::expect_used)] // Tests: a failed unwrap is a failed test.

use adapter_xilero::sim::{Seen, SimEvent};
use e2e::{PATIENCE, Stack, channel_in, custom_ids, game_event, opt, readable, sub};
use serde_json::{Value, json};

/// Clicks the support panel's button as `user`: the modal shown, or the refusal's text.
async fn click_open(stack: &Stack, user: u64) -> Result<adapter_discord::sim::Interaction, String> {
    let d = &stack.discord;
    let panel = stack.wait_message(stack.places.support_panel, |m| custom_ids(m) == ["tickets:open-support"]).await;
    let click = d.click_button(stack.places.support_panel, panel.id, "tickets:open-support", user).await;
    if click.modal().is_some() {
        return Ok(click);
    }
    assert!(click.is_ephemeral(), "a refusal is shown only to the person: {click:?}");
    Err(click.reply_text().unwrap_or_default())
}

/// Opens a support ticket as `user`; its channel.
async fn open_ticket(stack: &Stack, user: u64) -> u64 {
    let click = click_open(stack, user).await.expect("the form is shown");
    let modal = click.modal().unwrap();
    let submitted =
        stack.discord.submit_modal(stack.places.support_panel, &modal.custom_id, &[("question", "help")], user).await;
    channel_in(&submitted.reply_text().unwrap(), "Your support ticket is open: <#")
}

/// Discord timestamps (`<t:…:f>`, `<t:…:R>`) made stable for a snapshot.
fn stable(text: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(at) = rest.find("<t:") {
        out.push_str(&rest[..at]);
        let end = rest[at..].find('>').map_or(rest.len(), |e| at + e + 1);
        let style = &rest[at..end].chars().rev().nth(1).unwrap_or('?');
        out.push_str(&format!("<t:TIME:{style}>"));
        rest = &rest[end..];
    }
    out.push_str(rest);
    out
}

fn snippet_group(name: &str, options: Vec<Value>) -> Value {
    json!([{ "name": "snippet", "type": 2, "options": [{ "name": name, "type": 1, "options": options }] }])
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn limits_and_cooldowns_refuse_with_their_reasons() {
    let stack = Stack::start().await;
    let (people, places) = (stack.people, stack.places);
    // The commands as the fake Discord took them: /tickets within Discord's 25 subcommands and groups.
    let registered = stack.discord.commands();
    let tickets = registered.iter().find(|c| c["name"] == "tickets").expect("/tickets is registered");
    assert!(tickets["options"].as_array().unwrap().len() <= 25);
    assert!(registered.iter().any(|c| c["name"] == "snippet"));
    // The default is today's rule: one open ticket.
    let first = open_ticket(&stack, people.ann).await;
    let refused = click_open(&stack, people.ann).await.unwrap_err();
    assert_eq!(refused, format!("You already have an open ticket: <#{first}>."));

    let set =
        stack.admin_command("tickets", sub("set-limits", vec![opt("kind", 3, "support"), opt("max_open", 4, 2)])).await;
    insta::assert_snapshot!(
        "set_limits",
        e2e::plain_text(&set.reply_text().unwrap_or_default(), &set.original_edits.last().unwrap()["embeds"])
    );
    let second = open_ticket(&stack, people.ann).await;
    assert_ne!(first, second);
    let refused = click_open(&stack, people.ann).await.unwrap_err();
    assert_eq!(
        refused,
        format!(
            "You already have 2 open support tickets, the most this server allows: <#{first}>, <#{second}>. You can \
             open another once one of them is closed."
        )
    );

    // Recruitment keeps one application at a time.
    let no = stack
        .admin_command("tickets", sub("set-limits", vec![opt("kind", 3, "recruitment"), opt("max_open", 4, 3)]))
        .await;
    assert!(no.reply_text().unwrap().starts_with("The most open tickets should be 1 for recruitment"), "{no:?}");

    // A cooldown counts from the last opening.
    stack
        .admin_command("tickets", sub("set-limits", vec![opt("kind", 3, "support"), opt("cooldown_minutes", 4, 60)]))
        .await;
    open_ticket(&stack, people.bob).await;
    stack.discord.run_command(places.guild, first, people.staff, "ticket", sub("close-request", vec![])).await;
    let cooling = click_open(&stack, people.bob).await.unwrap_err();
    assert!(cooling.contains("<t:"), "{cooling}");
    insta::assert_snapshot!("cooldown_refusal", stable(&cooling));

    // Staff still read any ticket's transcript with /ticket transcript (/tickets has no copy of it any more).
    let transcript = stack
        .discord
        .run_command(
            places.guild,
            places.support_panel,
            people.staff,
            "ticket",
            sub("transcript", vec![opt("channel", 7, first.to_string())]),
        )
        .await;
    assert!(
        !stack.discord.response_attachments(transcript.id).is_empty() || transcript.reply_text().is_some(),
        "{transcript:?}"
    );
    stack.assert_no_violations();
    stack.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn blocked_members_and_roles_are_refused_until_unblocked() {
    let stack = Stack::start().await;
    let (people, places) = (stack.people, stack.places);
    let blocked = stack
        .admin_command(
            "tickets",
            sub(
                "block",
                vec![
                    opt("user", 6, people.ann.to_string()),
                    opt("reason", 3, format!("spam @everyone, reported by <@{}>", people.bob)),
                    opt("hours", 4, 48),
                ],
            ),
        )
        .await;
    assert!(
        blocked
            .reply_text()
            .unwrap()
            .starts_with(&format!("Blocked from opening tickets: • <@{}> — until <t:", people.ann))
    );
    let refused = click_open(&stack, people.ann).await.unwrap_err();
    insta::assert_snapshot!("blocked_refusal", stable(&refused.replace(&people.bob.to_string(), "BOB")));

    stack.admin_command("tickets", sub("block", vec![opt("role", 8, places.support_role.to_string())])).await;
    let staff_refused = click_open(&stack, people.staff).await.unwrap_err();
    assert_eq!(staff_refused, "You are blocked from opening tickets on this server until staff lift the block.");

    let list = stack.admin_command("tickets", sub("blocked", vec![])).await;
    let shown = e2e::plain_text("", &list.original_edits.last().unwrap()["embeds"]);
    insta::assert_snapshot!(
        "blocked_list",
        stable(
            &shown
                .replace(&people.ann.to_string(), "ANN")
                .replace(&people.bob.to_string(), "BOB")
                .replace(&places.support_role.to_string(), "ROLE")
        )
    );

    let lifted = stack.admin_command("tickets", sub("unblock", vec![opt("user", 6, people.ann.to_string())])).await;
    assert_eq!(lifted.reply_text().as_deref(), Some("ann may open tickets again."));
    open_ticket(&stack, people.ann).await;
    let again = stack.admin_command("tickets", sub("unblock", vec![opt("user", 6, people.ann.to_string())])).await;
    assert_eq!(again.reply_text().as_deref(), Some("The blocklist has no entry called \"ann\"."));
    stack.assert_no_violations();
    stack.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_in_game_player_is_blocked_from_their_ticket_channel_and_told_in_game() {
    let stack = Stack::start().await;
    let d = &stack.discord;
    let (sim, mut events) = stack.game().await;
    sim.login("Foo").await.unwrap();
    assert!(sim.request("Foo", "give me items").await.unwrap());
    let channel = stack.wait_channel("ticket-foo").await;
    // The ticket knows its channel once the welcome is posted in it.
    stack.wait_message(channel, |m| readable(m).contains("In-game ticket: Foo")).await;
    let blocked = d
        .run_command(
            stack.places.guild,
            channel,
            stack.people.admin,
            "tickets",
            sub("block", vec![opt("reason", 3, "begging")]),
        )
        .await;
    assert_eq!(
        blocked.reply_text().as_deref(),
        Some("Blocked from opening tickets: • Foo (in game) — until unblocked · begging")
    );
    // Their open ticket goes on; once it closes, the next request is refused in game with the reason.
    sim.logout("Foo").await.unwrap();
    assert!(d.wait_for(PATIENCE, |d| d.channel(channel).is_none()).await, "closed on logout");
    sim.login("Foo").await.unwrap();
    assert!(sim.request("Foo", "again").await.unwrap());
    let told = Seen::Whisper {
        from: "RagnaSync".into(),
        message: "You are blocked from opening tickets until staff lift the block. Reason: begging".into(),
    };
    let wanted = SimEvent::Sees { player: "Foo".into(), line: told };
    assert!(game_event(&mut events, |e| *e == wanted).await, "the player is told why");
    assert!(stack.channel_named("ticket-foo").is_none(), "no ticket opened");
    stack.assert_no_violations();
    stack.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn snippets_are_autocompleted_posted_and_whispered() {
    let stack = Stack::start().await;
    let d = &stack.discord;
    let (people, places) = (stack.people, stack.places);
    let long = "Please relog and check your storage. ".repeat(20);
    stack
        .admin_command("tickets", snippet_group("add", vec![opt("name", 3, "Relog"), opt("text", 3, long.trim())]))
        .await;
    stack
        .admin_command(
            "tickets",
            snippet_group("add", vec![opt("name", 3, "refund"), opt("text", 3, "No refunds, sorry @everyone.")]),
        )
        .await;
    let bad = stack
        .admin_command("tickets", snippet_group("add", vec![opt("name", 3, "two words"), opt("text", 3, "x")]))
        .await;
    assert_eq!(
        bad.reply_text().as_deref(),
        Some("The snippet name should be one word of lowercase letters, digits, - and _.")
    );
    let list = stack.admin_command("tickets", snippet_group("list", vec![])).await;
    insta::assert_snapshot!("snippet_list", e2e::plain_text("", &list.original_edits.last().unwrap()["embeds"]));

    let typed = |value: &str| json!([{ "name": "name", "type": 3, "value": value, "focused": true }]);
    let offered = d.autocomplete(places.guild, places.support_panel, people.staff, "snippet", typed("RE")).await;
    assert_eq!(offered.choices(), Some(vec![("refund".into(), "refund".into()), ("relog".into(), "relog".into())]));
    let member = d.autocomplete(places.guild, places.support_panel, people.ann, "snippet", typed("")).await;
    assert_eq!(member.choices(), Some(vec![]), "members do not learn the names");

    let outside = d
        .run_command(places.guild, places.support_panel, people.staff, "snippet", json!([opt("name", 3, "refund")]))
        .await;
    assert_eq!(outside.reply_text().as_deref(), Some("This channel is not a ticket."));
    let own = open_ticket(&stack, people.ann).await;
    let by_member = d.run_command(places.guild, own, people.ann, "snippet", json!([opt("name", 3, "refund")])).await;
    assert!(by_member.reply_text().unwrap().starts_with("You need"), "{by_member:?}");
    let posted = d.run_command(places.guild, own, people.staff, "snippet", json!([opt("name", 3, "refund")])).await;
    assert_eq!(posted.reply_text().as_deref(), Some("Snippet `refund` posted."));
    let post = stack.wait_message(own, |m| readable(m).contains("No refunds")).await;
    insta::assert_snapshot!("snippet_post", readable(&post));
    let footer = post.embeds[0]["footer"]["text"].as_str().unwrap_or_default().to_owned();
    assert!(footer.ends_with("· snippet refund") && !footer.starts_with('·'), "who used it is shown: {footer}");
    assert!(e2e::may_ping(&post).0.is_empty() && e2e::may_ping(&post).1.is_empty(), "a snippet pings nobody");

    // In game: whispered to the player, split to the game's size.
    let (sim, mut events) = stack.game().await;
    sim.login("Foo").await.unwrap();
    assert!(sim.request("Foo", "lost items").await.unwrap());
    let channel = stack.wait_channel("ticket-foo").await;
    stack.wait_message(channel, |m| readable(m).contains("In-game ticket: Foo")).await;
    let used = d.run_command(places.guild, channel, people.gm, "snippet", json!([opt("name", 3, "relog")])).await;
    assert_eq!(used.reply_text().as_deref(), Some("Snippet `relog` posted."));
    let mut heard = String::new();
    while heard.len() < long.trim().len() {
        let part = std::cell::RefCell::new(None);
        let found = game_event(&mut events, |e| match e {
            SimEvent::Sees { line: Seen::Whisper { from, message }, .. } if from == "gm-alice" => {
                *part.borrow_mut() = Some(message.clone());
                true
            }
            _ => false,
        })
        .await;
        assert!(found, "whispered whole: {heard}");
        let part = part.into_inner().unwrap();
        assert!(part.len() + "gm-alice: ".len() <= 255, "each whisper fits the game");
        heard = if heard.is_empty() { part } else { format!("{heard} {part}") };
    }
    assert_eq!(heard, long.trim());
    stack.assert_no_violations();
    stack.stop().await;
}
