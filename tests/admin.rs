//! Every admin command of the spec through the real stack: `/tickets …`, `/recruit-config …`, `/roles …`.
#![allow(clippy::unwrap_used, clippy::expect_used)] // Tests: a failed unwrap is a failed test.

use adapter_discord::sim::Interaction;
use e2e::{PATIENCE, Stack, custom_ids, opt, plain_text, readable, sub};
use serde_json::Value;
use ticket_core::GuildId;

/// Everything the final reply says: content and embed text.
fn said(asked: &Interaction) -> String {
    let last = asked.original_edits.last().cloned().or_else(|| asked.response.as_ref().map(|r| r["data"].clone()));
    last.map_or_else(String::new, |body| plain_text(body["content"].as_str().unwrap_or_default(), &body["embeds"]))
}

fn id(n: u64) -> String {
    n.to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_admin_command_answers_and_takes_effect() {
    let stack = Stack::start().await;
    let d = &stack.discord;
    let (p, people) = (stack.places, stack.people);
    let run = async |name: &str, options: Value| said(&stack.admin_command(name, options).await);
    let settings = async || stack.app.store().settings(GuildId::new(p.guild)).await.unwrap();

    // /tickets set-targets also refreshes the panels: one of each, the older copies removed.
    let panels = |d: &adapter_discord::sim::FakeDiscord, channel: u64, id: &str| {
        d.messages(channel).iter().filter(|m| custom_ids(m).contains(&id.to_owned())).count()
    };
    assert!(d.wait_for(PATIENCE, |d| panels(d, p.support_panel, "tickets:open-support") == 1).await);
    let url = "https://robertsspaceindustries.com/orgs/TEST";
    let org = run("tickets", sub("set-org", vec![opt("url", 3, url)])).await;
    assert!(org.contains(url) && org.contains("/tickets set-targets"), "{org}");
    let again = run("tickets", sub("set-targets", vec![opt("support_panel", 7, id(p.support_panel))])).await;
    assert!(again.starts_with("Saved. Fresh panels are being posted"), "{again}");
    assert!(again.contains(&format!("Support panel: <#{}>", p.support_panel)));
    let refreshed = d
        .wait_for(PATIENCE, |d| {
            panels(d, p.support_panel, "tickets:open-support") == 1
                && d.messages(p.recruitment_panel).len() == 1
                && d.messages(p.recruitment_panel)[0].components.to_string().contains(url)
        })
        .await;
    assert!(refreshed, "fresh panels replace the old ones; the recruitment panel links to RSI");
    assert!(d.messages(p.recruitment_panel)[0].components.to_string().contains("Apply on RSI"));

    let shown = run("tickets", sub("show-targets", vec![])).await;
    assert!(shown.contains(&format!("Recruitment category: <#{}>", p.recruitment_category)), "{shown}");
    assert!(shown.contains(&format!("Application records: <#{}>", p.records)), "{shown}");
    let pings = run("tickets", sub("show-ping", vec![])).await;
    assert_eq!(pings, format!("Support ping: <@&{}> · Recruitment ping: <@&{}>", p.support_role, p.recruiter_role));
    assert_eq!(run("tickets", sub("set-ping", vec![opt("clear", 5, true)])).await, "Ping roles cleared.");
    assert_eq!(settings().await.ping_roles.support, None);
    run("tickets", sub("set-ping", vec![opt("support", 8, id(p.support_role))])).await;
    assert_eq!(
        run("tickets", sub("set-dm-on-close", vec![opt("enabled", 5, false)])).await,
        "DM on close is off for support tickets."
    );
    assert!(!settings().await.dm_on_close);
    assert!(
        run("tickets", sub("set-nick-sync", vec![opt("enabled", 5, true)]))
            .await
            .starts_with("Nickname sync on approve is on.")
    );
    assert!(settings().await.nick_sync);
    assert!(run("tickets", sub("show-org", vec![])).await.contains(url));
    let about = run("tickets", sub("post-support-about", vec![])).await;
    assert_eq!(about, format!("Posting the support explainer in <#{}>.", p.support_panel));
    let posted = d
        .wait_for(PATIENCE, |d| {
            d.messages(p.support_panel).iter().any(|m| readable(m).contains("How support tickets work"))
        })
        .await;
    assert!(posted);
    assert_eq!(
        run("tickets", sub("add-option", vec![opt("name", 3, "Logistics"), opt("ping_role", 8, id(p.recruiter_role))]))
            .await,
        format!("Added **logistics** (pings <@&{}>).", p.recruiter_role)
    );
    let listed = run("tickets", sub("list-options", vec![])).await;
    assert!(
        listed.contains("**medical**") && listed.contains("**salvage**") && listed.contains("**logistics**"),
        "{listed}"
    );
    assert_eq!(run("tickets", sub("remove-option", vec![opt("name", 3, "logistics")])).await, "Removed **logistics**.");
    let ingame = run("tickets", sub("set-ingame", vec![opt("category", 7, id(p.game_category))])).await;
    assert_eq!(
        ingame,
        format!("In-game tickets open in <#{}> and are staffed by <@&{}>.", p.game_category, p.game_role)
    );

    // /recruit-config
    assert_eq!(
        run("recruit-config", sub("set-log-channel", vec![opt("channel", 7, id(p.records))])).await,
        format!("Permanent application records will be posted in <#{}>.", p.records)
    );
    assert_eq!(
        run("recruit-config", sub("set-access-mode", vec![opt("mode", 3, "read_only")])).await,
        "After approve, applicants can read their ticket but no longer write."
    );
    let list = run("recruit-config", sub("qa-list", vec![])).await;
    assert!(
        list.contains("1. **Strengths** — Keywords")
            && list.contains("4. **Anything else we should know** — Paragraph (optional)")
    );
    let added =
        run("recruit-config", sub("qa-add", vec![opt("question", 3, "Main ship"), opt("kind", 3, "keywords")])).await;
    assert!(added.contains("5. **Main ship** — Keywords"), "{added}");
    let edited = run(
        "recruit-config",
        sub("qa-edit", vec![opt("position", 4, 5), opt("question", 3, "Favourite ship"), opt("required", 5, false)]),
    )
    .await;
    assert!(edited.contains("5. **Favourite ship** — Keywords (optional)"), "{edited}");
    let moved = run("recruit-config", sub("qa-move", vec![opt("from", 4, 5), opt("to", 4, 1)])).await;
    assert!(moved.contains("1. **Favourite ship**"), "{moved}");
    let removed = run("recruit-config", sub("qa-remove", vec![opt("position", 4, 1)])).await;
    assert!(!removed.contains("Favourite ship"));
    run("recruit-config", sub("qa-add", vec![opt("question", 3, "Extra"), opt("kind", 3, "yes_no")])).await;
    let reset = run("recruit-config", sub("qa-reset-defaults", vec![])).await;
    assert!(!reset.contains("Extra") && reset.contains("4. **Anything else") && !reset.contains("5. "), "{reset}");
    let bad = run("recruit-config", sub("qa-remove", vec![opt("position", 4, 9)])).await;
    assert_eq!(bad, "there is no question 9; the list has 4");

    // /roles
    let shown = run("roles", sub("show", vec![])).await;
    assert!(shown.contains(&format!("Recruitment capability: <@&{}>", p.recruiter_role)), "{shown}");
    assert!(shown.contains(&format!("Affiliate role: <@&{}>", p.affiliate_role)), "{shown}");

    // /recruit-config is the recruitment capability's: recruiters may, plain members may not.
    let rita = d.run_command(p.guild, p.support_panel, people.rita, "recruit-config", sub("qa-list", vec![])).await;
    assert!(said(&rita).contains("Quick Q&A questions"));
    let ann = d.run_command(p.guild, p.support_panel, people.ann, "recruit-config", sub("qa-list", vec![])).await;
    assert_eq!(
        said(&ann),
        "You need the recruitment role or the Manage Server permission to change recruitment settings."
    );
    stack.assert_no_violations();
    stack.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn admin_commands_answer_only_the_asker_and_are_hidden_from_members() {
    let stack = Stack::start().await;
    let d = &stack.discord;
    let (p, people) = (stack.places, stack.people);
    for (name, options) in [("tickets", sub("show-targets", vec![])), ("roles", sub("show", vec![]))] {
        let asked = stack.admin_command(name, options).await;
        assert!(asked.is_ephemeral(), "/{name} answers the asker only: {asked:?}");
    }
    // `/tickets` and `/roles` are registered for Manage Server only, so Discord does not even offer them to a
    // member (the desk would refuse them too: see ticket-core's desk tests).
    let before = stack.app.store().settings(GuildId::new(p.guild)).await.unwrap();
    for (name, options) in [
        ("tickets", sub("set-dm-on-close", vec![opt("enabled", 5, false)])),
        ("roles", sub("set-org", vec![opt("member", 8, id(p.recruiter_role))])),
    ] {
        let refused = d.run_command(p.guild, p.support_panel, people.rita, name, options).await;
        assert_eq!(refused.id, 0, "/{name} never reaches the bot");
    }
    assert_eq!(
        d.violations(),
        [
            format!("run_command refused: user {} cannot see /tickets (default_member_permissions)", people.rita),
            format!("run_command refused: user {} cannot see /roles (default_member_permissions)", people.rita),
        ],
    );
    assert_eq!(stack.app.store().settings(GuildId::new(p.guild)).await.unwrap(), before, "nothing changed");
    stack.stop().await;
}

/// On a server that took Mention Everyone away from `@everyone`, the bot's ping of a role that is not mentionable
/// shows in the text and notifies no one. Setting such a role says so; once the role is mentionable, pings notify.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_ping_role_that_would_notify_no_one_is_reported_and_pings_notify_once_mentionable() {
    use adapter_discord::sim::permissions::{EVERYONE_DEFAULT, MENTION_EVERYONE};
    let stack = Stack::start().await;
    let d = &stack.discord;
    let (people, places) = (stack.people, stack.places);
    d.set_role_permissions(places.guild, places.guild, EVERYONE_DEFAULT & !MENTION_EVERYONE);
    let support = Value::String(places.support_role.to_string());
    let asked = stack.admin_command("tickets", sub("set-ping", vec![opt("support", 8, support.clone())])).await;
    let reply = asked.reply_text().unwrap();
    assert!(reply.contains(&format!("Discord will not notify <@&{}>", places.support_role)), "{reply}");

    let welcome = |d: &adapter_discord::sim::FakeDiscord, channel: u64| {
        d.messages(channel).into_iter().find(|m| custom_ids(m) == ["tickets:resolve", "tickets:claim"])
    };
    let panel = stack.wait_message(places.support_panel, |m| custom_ids(m) == ["tickets:open-support"]).await;
    let open = async |user: u64, question: &str| {
        let click = d.click_button(places.support_panel, panel.id, "tickets:open-support", user).await;
        let modal = click.modal().unwrap();
        d.submit_modal(places.support_panel, &modal.custom_id, &[("question", question)], user).await;
    };
    open(people.ann, "first").await;
    let first = stack.wait_channel("support-ann").await;
    assert!(d.wait_for(PATIENCE, |d| welcome(d, first).is_some()).await);
    let message = welcome(d, first).unwrap();
    assert!(message.content.contains(&format!("<@&{}>", places.support_role)), "the role is mentioned");
    assert!(d.notified_roles(&message).is_empty(), "but nobody is notified");

    d.set_role_mentionable(places.guild, places.support_role, true);
    let asked = stack.admin_command("tickets", sub("set-ping", vec![opt("support", 8, support)])).await;
    assert!(!asked.reply_text().unwrap().contains("will not notify"), "mentionable now");
    open(people.bob, "second").await;
    let second = stack.wait_channel("support-bob").await;
    assert!(d.wait_for(PATIENCE, |d| welcome(d, second).is_some()).await);
    assert_eq!(d.notified_roles(&welcome(d, second).unwrap()), vec![places.support_role]);
    stack.assert_no_violations();
    stack.stop().await;
}
