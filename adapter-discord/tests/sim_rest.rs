//! Every REST call a ticket bot makes, sent by serenity 0.12.5's own HTTP client: its request
//! bodies pass Discord's schemas, the fake's answers parse in serenity, and the world changes as
//! on Discord.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use adapter_discord::sim::{ChannelKind, OverwriteKind, permissions};
use common::{assert_clean, setup};
use serenity::all::{
    ChannelId, ChannelType, Command, CommandOptionType, CreateAllowedMentions, CreateChannel, CreateCommand,
    CreateCommandOption, CreateEmbed, CreateEmbedFooter, CreateMessage, EditChannel, EditMember, EditMessage,
    GetMessages, GuildId, MessageId, PermissionOverwrite, PermissionOverwriteType, Permissions, RoleId, Timestamp,
    UserId,
};

#[tokio::test]
async fn identity_application_guild_and_commands() {
    let (fake, http) = setup().await;
    let guild = fake.create_guild("G");

    let me = http.get_current_user().await.unwrap();
    assert_eq!(me.id.get(), fake.bot_user_id());
    assert!(me.bot);
    let app = http.get_current_application_info().await.unwrap();
    assert_eq!(app.id.get(), fake.application_id());
    let partial = GuildId::new(guild).to_partial_guild(&http).await.unwrap();
    assert_eq!(partial.name, "G");
    assert_eq!(partial.roles.len(), 2);

    let owner = fake.guild_owner(guild).unwrap();
    let user = http.get_user(UserId::new(owner)).await.unwrap();
    assert_eq!(user.id.get(), owner);

    let commands = vec![
        CreateCommand::new("ticket")
            .description("Ticket admin")
            .default_member_permissions(Permissions::MANAGE_GUILD)
            .add_option(
                CreateCommandOption::new(CommandOptionType::SubCommand, "close", "Close it")
                    .add_sub_option(CreateCommandOption::new(CommandOptionType::String, "reason", "Why")),
            ),
        CreateCommand::new("apply").description("Apply to join"),
    ];
    let global = Command::set_global_commands(&http, commands.clone()).await.unwrap();
    assert_eq!(global.len(), 2);
    let in_guild = GuildId::new(guild).set_commands(&http, commands).await.unwrap();
    assert_eq!(in_guild.len(), 2);
    assert_eq!(in_guild[0].guild_id, Some(GuildId::new(guild)));
    // A bulk overwrite keeps the ids of commands that stay.
    let again =
        Command::set_global_commands(&http, vec![CreateCommand::new("apply").description("Apply")]).await.unwrap();
    assert_eq!(again.len(), 1);
    assert_eq!(again[0].id, global[1].id);
    assert_eq!(fake.commands().len(), 3);
    assert_clean(&fake);
}

#[tokio::test]
async fn ticket_channels_with_overwrites_topics_and_deletion() {
    let (fake, http) = setup().await;
    let guild = fake.create_guild("G");
    let staff = fake.create_role(guild, "Staff", permissions::VIEW_CHANNEL);
    let category = fake.create_category(guild, "Tickets");
    let alice = fake.add_member(guild, "alice", &[]);
    let bot = fake.bot_user_id();

    let member_view = Permissions::VIEW_CHANNEL | Permissions::SEND_MESSAGES | Permissions::READ_MESSAGE_HISTORY;
    let created = GuildId::new(guild)
        .create_channel(
            &http,
            CreateChannel::new("Ticket Alice")
                .kind(ChannelType::Text)
                .category(ChannelId::new(category))
                .topic("TID:1 OPENER:42")
                .permissions(vec![
                    PermissionOverwrite {
                        allow: Permissions::empty(),
                        deny: Permissions::VIEW_CHANNEL,
                        kind: PermissionOverwriteType::Role(RoleId::new(guild)),
                    },
                    PermissionOverwrite {
                        allow: member_view,
                        deny: Permissions::empty(),
                        kind: PermissionOverwriteType::Member(UserId::new(alice)),
                    },
                    PermissionOverwrite {
                        allow: member_view,
                        deny: Permissions::empty(),
                        kind: PermissionOverwriteType::Member(UserId::new(bot)),
                    },
                    PermissionOverwrite {
                        allow: member_view,
                        deny: Permissions::empty(),
                        kind: PermissionOverwriteType::Role(RoleId::new(staff)),
                    },
                ]),
        )
        .await
        .unwrap();
    let id = created.id.get();
    let state = fake.channel(id).unwrap();
    assert_eq!(state.name, "ticket-alice", "Discord lowercases text channel names");
    assert_eq!(state.kind, ChannelKind::Text);
    assert_eq!(state.parent, Some(category));
    assert_eq!(state.topic.as_deref(), Some("TID:1 OPENER:42"));
    assert_eq!(state.overwrites.len(), 4);
    assert_eq!(state.overwrites[1].kind, OverwriteKind::Member);
    assert_eq!(state.overwrites[1].allow, member_view.bits());

    // Reading back.
    let listed = GuildId::new(guild).channels(&http).await.unwrap();
    assert_eq!(listed.len(), 2);
    let read = ChannelId::new(id).to_channel(&http).await.unwrap();
    assert_eq!(read.id().get(), id);

    // Topic and name edits.
    ChannelId::new(id)
        .edit(&http, EditChannel::new().topic("TID:1 OPENER:42 CLOSED").name("closed-alice"))
        .await
        .unwrap();
    let state = fake.channel(id).unwrap();
    assert_eq!(state.topic.as_deref(), Some("TID:1 OPENER:42 CLOSED"));
    assert_eq!(state.name, "closed-alice");

    // Overwrites one by one.
    let bob = fake.add_member(guild, "bob", &[]);
    ChannelId::new(id)
        .create_permission(
            &http,
            PermissionOverwrite {
                allow: Permissions::VIEW_CHANNEL,
                deny: Permissions::empty(),
                kind: PermissionOverwriteType::Member(UserId::new(bob)),
            },
        )
        .await
        .unwrap();
    assert!(fake.channel(id).unwrap().overwrites.iter().any(|o| o.id == bob));
    ChannelId::new(id).delete_permission(&http, PermissionOverwriteType::Member(UserId::new(bob))).await.unwrap();
    assert!(!fake.channel(id).unwrap().overwrites.iter().any(|o| o.id == bob));

    // Deleting.
    ChannelId::new(id).delete(&http).await.unwrap();
    assert!(fake.channel(id).is_none());
    assert_eq!(fake.channels(guild).len(), 1);
    assert_clean(&fake);
}

#[tokio::test]
async fn messages_embeds_history_edits_and_deletes() {
    let (fake, http) = setup().await;
    let guild = fake.create_guild("G");
    let channel = fake.create_text_channel(guild, "log", None);
    let alice = fake.add_member(guild, "alice", &[]);

    let sent = ChannelId::new(channel)
        .send_message(
            &http,
            CreateMessage::new()
                .content(format!("<@{alice}> your ticket"))
                .embed(
                    CreateEmbed::new()
                        .title("Application")
                        .description("Pending")
                        .field("Status", "Pending", true)
                        .colour(0x00ff00)
                        .footer(CreateEmbedFooter::new("APP:7"))
                        .timestamp(Timestamp::now()),
                )
                .allowed_mentions(CreateAllowedMentions::new().users(vec![UserId::new(alice)])),
        )
        .await
        .unwrap();
    assert_eq!(sent.mentions.len(), 1);
    let stored = &fake.messages(channel)[0];
    assert_eq!(stored.embeds[0]["title"], "Application");
    assert_eq!(stored.allowed_mentions["users"][0], alice.to_string());

    let second = ChannelId::new(channel).send_message(&http, CreateMessage::new().content("second")).await.unwrap();
    let history = ChannelId::new(channel).messages(&http, GetMessages::new().limit(10)).await.unwrap();
    assert_eq!(history.len(), 2);
    assert_eq!(history[0].id, second.id, "newest first");
    let before = ChannelId::new(channel).messages(&http, GetMessages::new().before(second.id).limit(10)).await.unwrap();
    assert_eq!(before.len(), 1);

    ChannelId::new(channel)
        .edit_message(
            &http,
            sent.id,
            EditMessage::new().embed(CreateEmbed::new().title("Application").description("Approved")),
        )
        .await
        .unwrap();
    let stored = &fake.messages(channel)[0];
    assert_eq!(stored.embeds[0]["description"], "Approved");
    assert!(stored.edited);

    ChannelId::new(channel).delete_message(&http, second.id).await.unwrap();
    assert_eq!(fake.messages(channel).len(), 1);
    let gone = ChannelId::new(channel).message(&http, MessageId::new(second.id.get())).await;
    assert!(gone.is_err());
    assert_clean(&fake);
}

#[tokio::test]
async fn dms_roles_and_nicknames() {
    let (fake, http) = setup().await;
    let guild = fake.create_guild("G");
    let member_role = fake.create_role(guild, "Member", 0);
    let alice = fake.add_member(guild, "alice", &[]);

    let dm = UserId::new(alice).create_dm_channel(&http).await.unwrap();
    dm.send_message(&http, CreateMessage::new().content("Your application was declined.")).await.unwrap();
    let dms = fake.dms(alice);
    assert_eq!(dms.len(), 1);
    assert_eq!(dms[0].content, "Your application was declined.");
    assert_eq!(fake.channel(dm.id.get()).unwrap().kind, ChannelKind::Dm);
    // Opening the DM again gives the same channel.
    let again = UserId::new(alice).create_dm_channel(&http).await.unwrap();
    assert_eq!(again.id, dm.id);

    http.add_member_role(GuildId::new(guild), UserId::new(alice), RoleId::new(member_role), Some("approved"))
        .await
        .unwrap();
    assert_eq!(fake.member(guild, alice).unwrap().roles, vec![member_role]);
    let member = GuildId::new(guild).member(&http, UserId::new(alice)).await.unwrap();
    assert_eq!(member.roles, vec![RoleId::new(member_role)]);

    GuildId::new(guild)
        .edit_member(&http, UserId::new(alice), EditMember::new().nickname("[RSI] Alice"))
        .await
        .unwrap();
    assert_eq!(fake.member(guild, alice).unwrap().nick.as_deref(), Some("[RSI] Alice"));

    http.remove_member_role(GuildId::new(guild), UserId::new(alice), RoleId::new(member_role), None).await.unwrap();
    assert!(fake.member(guild, alice).unwrap().roles.is_empty());

    let roles = GuildId::new(guild).roles(&http).await.unwrap();
    assert_eq!(roles.len(), 3);
    assert_clean(&fake);
}

#[tokio::test]
async fn world_changes_by_hand_are_valid_discord_events() {
    let (fake, http) = setup().await;
    let guild = fake.create_guild("G");
    let role = fake.create_role(guild, "Staff", permissions::VIEW_CHANNEL);
    let alice = fake.add_member(guild, "alice", &[]);
    let bob = fake.add_member(guild, "bob", &[role]);

    fake.set_member_roles(guild, alice, &[role]);
    assert_eq!(fake.member(guild, alice).unwrap().roles, vec![role]);
    fake.set_role_permissions(guild, role, permissions::ADMINISTRATOR);
    assert_eq!(fake.roles(guild)[1].permissions, permissions::ADMINISTRATOR);
    fake.set_owner(guild, bob);
    assert_eq!(fake.guild_owner(guild), Some(bob));
    let partial = GuildId::new(guild).to_partial_guild(&http).await.unwrap();
    assert_eq!(partial.owner_id.get(), bob);
    fake.remove_member(guild, alice);
    assert!(fake.member(guild, alice).is_none());
    let category = fake.create_category(guild, "Old");
    let child = fake.create_text_channel(guild, "child", Some(category));
    fake.delete_channel_by_hand(category).await;
    assert_eq!(fake.channel(child).unwrap().parent, None, "children lose their category");
    assert_clean(&fake);
}

#[tokio::test]
async fn everyone_pings_follow_allowed_mentions() {
    let (fake, http) = setup().await;
    let guild = fake.create_guild("G");
    let channel = ChannelId::new(fake.create_text_channel(guild, "relay", None));
    let loud = channel.send_message(&http, CreateMessage::new().content("@everyone look")).await.unwrap();
    assert!(loud.mention_everyone, "@everyone may mention everyone by default");
    let quiet = channel
        .send_message(
            &http,
            CreateMessage::new().content("@everyone look").allowed_mentions(CreateAllowedMentions::new()),
        )
        .await
        .unwrap();
    assert!(!quiet.mention_everyone, "allowed_mentions with nothing parsed pings nobody");
    assert_eq!(fake.messages(channel.get())[1].allowed_mentions["parse"], serde_json::json!([]));
    assert_clean(&fake);
}
