//! The fake Discord against a real serenity 0.12.5 client: connection (READY, GUILD_CREATE into
//! the cache), messages both ways, and interactions answered with serenity's own builders
//! (modal, message, deferred, update), with no violation anywhere.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::Duration;

use adapter_discord::sim::{FakeDiscord, permissions};
use common::{assert_clean, next_matching};
use serenity::all::{
    ChannelId, ComponentInteractionDataKind, Context, CreateActionRow, CreateButton, CreateInputText,
    CreateInteractionResponse, CreateInteractionResponseFollowup, CreateInteractionResponseMessage, CreateMessage,
    CreateModal, CreateSelectMenu, CreateSelectMenuKind, CreateSelectMenuOption, EditInteractionResponse, EventHandler,
    GatewayIntents, Guild, GuildId, HttpBuilder, InputTextStyle, Interaction, Message, Ready,
};
use serenity::async_trait;
use tokio::sync::mpsc;

const WAIT: Duration = Duration::from_secs(10);

/// What the test's event handler saw.
#[derive(Debug)]
enum Seen {
    Ready { user: u64, guilds: usize },
    GuildCreate { id: u64, channels: usize, roles: usize, members: usize },
    Message { id: u64, author: u64, content: String },
    SecondAnswer(String),
}

struct Handler {
    tx: mpsc::UnboundedSender<Seen>,
}

fn modal() -> CreateInteractionResponse {
    CreateInteractionResponse::Modal(CreateModal::new("tickets:question", "Open a ticket").components(vec![
        CreateActionRow::InputText(
            CreateInputText::new(InputTextStyle::Paragraph, "What happened?", "question").max_length(1000),
        ),
        CreateActionRow::InputText(
            CreateInputText::new(InputTextStyle::Short, "Character", "character").required(false),
        ),
    ]))
}

#[async_trait]
impl EventHandler for Handler {
    async fn ready(&self, _ctx: Context, ready: Ready) {
        let _ = self.tx.send(Seen::Ready { user: ready.user.id.get(), guilds: ready.guilds.len() });
    }

    async fn guild_create(&self, _ctx: Context, guild: Guild, _is_new: Option<bool>) {
        let _ = self.tx.send(Seen::GuildCreate {
            id: guild.id.get(),
            channels: guild.channels.len(),
            roles: guild.roles.len(),
            members: guild.members.len(),
        });
    }

    async fn message(&self, _ctx: Context, msg: Message) {
        let _ =
            self.tx.send(Seen::Message { id: msg.id.get(), author: msg.author.id.get(), content: msg.content.clone() });
    }

    async fn interaction_create(&self, ctx: Context, interaction: Interaction) {
        let http = &ctx.http;
        match interaction {
            Interaction::Component(c) => match c.data.custom_id.as_str() {
                "tickets:open" => c.create_response(http, modal()).await.unwrap(),
                "tickets:defer" => {
                    let defer =
                        CreateInteractionResponse::Defer(CreateInteractionResponseMessage::new().ephemeral(true));
                    c.create_response(http, defer).await.unwrap();
                    c.edit_response(http, EditInteractionResponse::new().content("Working on it")).await.unwrap();
                    c.create_followup(http, CreateInteractionResponseFollowup::new().content("Done").ephemeral(true))
                        .await
                        .unwrap();
                }
                "tickets:claim" => {
                    let update = CreateInteractionResponse::UpdateMessage(
                        CreateInteractionResponseMessage::new().content("Claimed").components(vec![]),
                    );
                    c.create_response(http, update).await.unwrap();
                }
                "tickets:twice" => {
                    let reply =
                        || CreateInteractionResponse::Message(CreateInteractionResponseMessage::new().content("once"));
                    c.create_response(http, reply()).await.unwrap();
                    let second = c.create_response(http, reply()).await;
                    let _ = self.tx.send(Seen::SecondAnswer(format!("{second:?}")));
                }
                "tickets:category" => {
                    let ComponentInteractionDataKind::StringSelect { values } = &c.data.kind else {
                        panic!("not a string select: {:?}", c.data.kind);
                    };
                    let reply = CreateInteractionResponse::Message(
                        CreateInteractionResponseMessage::new()
                            .content(format!("You chose {}", values.join(",")))
                            .ephemeral(true),
                    );
                    c.create_response(http, reply).await.unwrap();
                }
                other => panic!("unexpected custom id {other}"),
            },
            Interaction::Modal(m) => {
                let value = m
                    .data
                    .components
                    .iter()
                    .flat_map(|row| row.components.iter())
                    .find_map(|c| match c {
                        serenity::all::ActionRowComponent::InputText(t) if t.custom_id == "question" => t.value.clone(),
                        _ => None,
                    })
                    .unwrap_or_default();
                let perms = m.member.as_ref().and_then(|member| member.permissions).map_or(0, |p| p.bits());
                let reply = CreateInteractionResponse::Message(
                    CreateInteractionResponseMessage::new()
                        .content(format!("Ticket opened: {value} (perms {perms})"))
                        .ephemeral(true),
                );
                m.create_response(http, reply).await.unwrap();
            }
            Interaction::Command(c) => {
                let target = c
                    .data
                    .options()
                    .into_iter()
                    .find_map(|o| match o.value {
                        serenity::all::ResolvedValue::User(user, _) => Some(user.name.clone()),
                        _ => None,
                    })
                    .unwrap_or_default();
                let reply = CreateInteractionResponse::Message(
                    CreateInteractionResponseMessage::new().content(format!("Added {target}")),
                );
                c.create_response(http, reply).await.unwrap();
            }
            other => panic!("unexpected interaction {other:?}"),
        }
    }
}

/// Starts a serenity client against the fake; returns the receiver of what its handler sees.
async fn connect(fake: &FakeDiscord) -> (mpsc::UnboundedReceiver<Seen>, std::sync::Arc<serenity::http::Http>) {
    let http = HttpBuilder::new(fake.token()).proxy(fake.base_url()).ratelimiter_disabled(true).build();
    let intents = GatewayIntents::GUILDS
        | GatewayIntents::GUILD_MEMBERS
        | GatewayIntents::GUILD_MESSAGES
        | GatewayIntents::DIRECT_MESSAGES
        | GatewayIntents::MESSAGE_CONTENT;
    let (tx, rx) = mpsc::unbounded_channel();
    let mut client = serenity::client::ClientBuilder::new_with_http(http, intents)
        .event_handler(Handler { tx })
        .await
        .expect("client");
    let http = client.http.clone();
    tokio::spawn(async move {
        let _ = client.start().await;
    });
    (rx, http)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serenity_connects_posts_and_answers_a_click_with_a_modal() {
    let fake = FakeDiscord::start().await.unwrap();
    let guild = fake.create_guild("Test Guild");
    let staff = fake.create_role(guild, "Staff", permissions::VIEW_CHANNEL);
    let category = fake.create_category(guild, "Support");
    let panel = fake.create_text_channel(guild, "open-a-ticket", Some(category));
    let alice = fake.add_member(guild, "alice", &[]);

    let (mut rx, http) = connect(&fake).await;
    let (user, guilds) = next_matching(&mut rx, |s| match s {
        Seen::Ready { user, guilds } => Some((user, guilds)),
        _ => None,
    })
    .await;
    assert_eq!(user, fake.bot_user_id());
    assert_eq!(guilds, 1);
    let (id, channels, roles, members) = next_matching(&mut rx, |s| match s {
        Seen::GuildCreate { id, channels, roles, members } => Some((id, channels, roles, members)),
        _ => None,
    })
    .await;
    assert_eq!(id, guild);
    assert_eq!(channels, 2);
    assert_eq!(roles, 3, "@everyone, Bot and Staff");
    assert_eq!(members, 3, "bot, owner, alice");
    let _ = staff;

    // The bot posts a panel through serenity's HTTP; Discord echoes it as MESSAGE_CREATE.
    let posted = ChannelId::new(panel)
        .send_message(
            &http,
            CreateMessage::new().content("Need help? Open a ticket.").components(vec![CreateActionRow::Buttons(vec![
                CreateButton::new("tickets:open").label("Open a ticket"),
            ])]),
        )
        .await
        .unwrap();
    let (echo_id, echo_author) = next_matching(&mut rx, |s| match s {
        Seen::Message { id, author, .. } => Some((id, author)),
        _ => None,
    })
    .await;
    assert_eq!(echo_id, posted.id.get());
    assert_eq!(echo_author, fake.bot_user_id());
    assert_eq!(fake.messages(panel).len(), 1);

    // A member types; the bot sees the content (MESSAGE_CONTENT intent).
    let typed = fake.send_message(panel, alice, "hello there").await;
    let content = next_matching(&mut rx, |s| match s {
        Seen::Message { id, content, .. } if id == typed => Some(content),
        _ => None,
    })
    .await;
    assert_eq!(content, "hello there");

    // Click → modal.
    let click = fake.click_button(panel, posted.id.get(), "tickets:open", alice).await;
    let modal = click.modal().expect("a modal");
    assert_eq!(modal.custom_id, "tickets:question");
    assert_eq!(modal.title, "Open a ticket");
    assert_eq!(modal.inputs.len(), 2);
    assert_eq!(modal.inputs[0].custom_id, "question");
    assert_eq!(modal.inputs[0].style, 2);
    assert_eq!(modal.inputs[0].max_length, Some(1000));
    assert!(modal.inputs[0].required);
    assert!(!modal.inputs[1].required);

    // Submit → ephemeral reply carrying the member's computed permissions.
    let submitted = fake.submit_modal(panel, "tickets:question", &[("question", "my item vanished")], alice).await;
    let text = submitted.reply_text().expect("a reply");
    assert!(text.starts_with("Ticket opened: my item vanished (perms "), "{text}");
    assert!(!text.ends_with("(perms 0)"), "member permissions are sent: {text}");
    assert!(submitted.is_ephemeral());
    // Ephemeral replies are not channel messages.
    assert_eq!(fake.messages(panel).len(), 2);

    // The modal was consumed: submitting again is something no user could do.
    let again = fake.submit_modal(panel, "tickets:question", &[("question", "x")], alice).await;
    assert_eq!(again.response, None);
    let violations = fake.violations();
    assert_eq!(violations.len(), 1, "{violations:?}");
    assert!(violations[0].contains("no modal"), "{violations:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deferred_update_select_command_and_double_answers() {
    let fake = FakeDiscord::start().await.unwrap();
    let guild = fake.create_guild("G");
    let channel = fake.create_text_channel(guild, "general", None);
    let alice = fake.add_member(guild, "alice", &[]);
    let bob = fake.add_member(guild, "bob", &[]);
    let (mut rx, http) = connect(&fake).await;
    assert!(fake.wait_for(WAIT, FakeDiscord::is_connected).await);

    let posted = ChannelId::new(channel)
        .send_message(
            &http,
            CreateMessage::new().content("Controls").components(vec![
                CreateActionRow::Buttons(vec![
                    CreateButton::new("tickets:defer").label("Slow"),
                    CreateButton::new("tickets:claim").label("Claim"),
                    CreateButton::new("tickets:twice").label("Twice"),
                ]),
                CreateActionRow::SelectMenu(CreateSelectMenu::new(
                    "tickets:category",
                    CreateSelectMenuKind::String {
                        options: vec![
                            CreateSelectMenuOption::new("Bug", "bug"),
                            CreateSelectMenuOption::new("Account", "account"),
                        ],
                    },
                )),
            ]),
        )
        .await
        .unwrap();
    let message = posted.id.get();

    // Deferred (type 5, ephemeral) then an edit of @original and a followup.
    let slow = fake.click_button(channel, message, "tickets:defer", alice).await;
    assert_eq!(slow.response_type(), Some(5));
    assert!(fake.wait_for(WAIT, |f| f.interaction(slow.id).is_some_and(|i| i.followups.len() == 1)).await);
    let slow = fake.interaction(slow.id).unwrap();
    assert_eq!(slow.reply_text().as_deref(), Some("Working on it"));
    assert_eq!(slow.followups[0]["content"], "Done");
    assert!(slow.is_ephemeral());

    // A select choice.
    let chose = fake.choose(channel, message, "tickets:category", &["account"], alice).await;
    assert_eq!(chose.reply_text().as_deref(), Some("You chose account"));

    // Update message (type 7) edits the clicked message.
    let claim = fake.click_button(channel, message, "tickets:claim", alice).await;
    assert_eq!(claim.response_type(), Some(7));
    let edited = fake.messages(channel).into_iter().find(|m| m.id == message).unwrap();
    assert_eq!(edited.content, "Claimed");
    assert!(edited.edited);
    assert_eq!(edited.components, serde_json::json!([]));

    // A second callback on one token is refused (40060).
    let posted = ChannelId::new(channel)
        .send_message(
            &http,
            CreateMessage::new()
                .components(vec![CreateActionRow::Buttons(vec![CreateButton::new("tickets:twice").label("Twice")])]),
        )
        .await
        .unwrap();
    let twice = fake.click_button(channel, posted.id.get(), "tickets:twice", alice).await;
    assert_eq!(twice.reply_text().as_deref(), Some("once"));
    let second = next_matching(&mut rx, |s| match s {
        Seen::SecondAnswer(text) => Some(text),
        _ => None,
    })
    .await;
    assert!(second.contains("40060"), "{second}");

    // A slash command with a user option and resolved data.
    http.create_global_commands(&[serenity::all::CreateCommand::new("add")
        .description("Add someone to the ticket")
        .add_option(
            serenity::all::CreateCommandOption::new(serenity::all::CommandOptionType::User, "user", "who")
                .required(true),
        )])
    .await
    .unwrap();
    let added = fake
        .run_command(
            guild,
            channel,
            alice,
            "add",
            serde_json::json!([{"type": 6, "name": "user", "value": bob.to_string()}]),
        )
        .await;
    assert_eq!(added.reply_text().as_deref(), Some("Added bob"));
    assert_clean(&fake);
    let _ = GuildId::new(guild);
}
