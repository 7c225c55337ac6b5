//! Files on messages, through serenity 0.12.5's own client: the bot uploads them (channel messages, DMs, interaction
//! replies, a deferred reply edited with a file, followups) and reads them back byte for byte; members attach,
//! edit and delete by hand, and the bot sees it on the gateway; what Discord refuses is refused.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::Duration;

use adapter_discord::sim::{AttachmentState, FakeDiscord, permissions};
use common::{assert_clean, next_matching, raw, setup};
use serenity::all::{
    ApplicationId, ChannelId, CommandInteraction, Context, CreateAttachment, CreateCommand, CreateInteractionResponse,
    CreateInteractionResponseFollowup, CreateInteractionResponseMessage, CreateMessage, EditInteractionResponse,
    EditMessage, EventHandler, GatewayIntents, GuildId, HttpBuilder, Interaction, Message, MessageId,
    MessageUpdateEvent, UserId,
};
use serenity::async_trait;
use tokio::sync::mpsc;

const WAIT: Duration = Duration::from_secs(10);

/// A transcript: UTF-8 HTML (a check mark).
const HTML: &[u8] = b"<html>\xe2\x9c\x93</html>";
/// A binary file with what could pass for multipart delimiters and line breaks in it.
const BINARY: &[u8] = b"\x00\xff\r\n--\r\n\r\n\xfe\x80--boundary\x00";

fn stored(fake: &FakeDiscord, channel: u64, message: u64) -> Vec<AttachmentState> {
    fake.messages(channel).into_iter().find(|m| m.id == message).map(|m| m.attachments).unwrap_or_default()
}

#[tokio::test]
async fn the_bot_uploads_files_and_reads_them_back_byte_exact() {
    let (fake, http) = setup().await;
    let guild = fake.create_guild("G");
    let channel = fake.create_text_channel(guild, "ticket-1", None);

    let sent = ChannelId::new(channel)
        .send_message(
            &http,
            CreateMessage::new()
                .content("x")
                .add_file(CreateAttachment::bytes(HTML.to_vec(), "t.html"))
                .add_file(CreateAttachment::bytes(BINARY.to_vec(), "data.bin")),
        )
        .await
        .unwrap();
    assert_eq!(sent.attachments.len(), 2);
    let first = &sent.attachments[0];
    assert_eq!(first.filename, "t.html");
    assert_eq!(first.size as usize, HTML.len());
    assert_eq!(first.content_type.as_deref(), Some("text/html"));
    assert_eq!(first.url, format!("https://cdn.discordapp.com/attachments/{channel}/{}/t.html", first.id));
    assert_eq!(first.proxy_url, format!("https://media.discordapp.net/attachments/{channel}/{}/t.html", first.id));
    assert!(!first.ephemeral);

    // Through inspect: the bytes as uploaded.
    let files = stored(&fake, channel, sent.id.get());
    assert_eq!(files.len(), 2);
    assert_eq!((files[0].id, files[0].filename.as_str(), files[0].data.as_slice()), (first.id.get(), "t.html", HTML));
    assert_eq!((files[1].filename.as_str(), files[1].data.as_slice()), ("data.bin", BINARY));

    // Through GET: the same attachments, in serenity's model and on the wire.
    let got = http.get_message(ChannelId::new(channel), sent.id).await.unwrap();
    let described = |m: &Message| -> Vec<(u64, String, u32, String)> {
        m.attachments.iter().map(|a| (a.id.get(), a.filename.clone(), a.size, a.url.clone())).collect()
    };
    assert_eq!(described(&got), described(&sent));
    let (status, body, _) = raw(&fake, "GET", &format!("/channels/{channel}/messages/{}", sent.id), None).await;
    assert_eq!(status, 200);
    assert_eq!(body["attachments"][1]["size"], BINARY.len());
    assert_eq!(body["attachments"][1]["id"], files[1].id.to_string());

    // An edit without `attachments` keeps them; one listing an id keeps that one and adds the new upload.
    let edited =
        ChannelId::new(channel).edit_message(&http, sent.id, EditMessage::new().content("edited")).await.unwrap();
    assert_eq!(edited.attachments.len(), 2);
    let edited = ChannelId::new(channel)
        .edit_message(
            &http,
            sent.id,
            EditMessage::new()
                .keep_existing_attachment(first.id)
                .new_attachment(CreateAttachment::bytes(b"v2".to_vec(), "t2.html")),
        )
        .await
        .unwrap();
    let names: Vec<&str> = edited.attachments.iter().map(|a| a.filename.as_str()).collect();
    assert_eq!(names, ["t.html", "t2.html"]);
    let files = stored(&fake, channel, sent.id.get());
    assert_eq!(files[1].data, b"v2");
    let cleared = ChannelId::new(channel)
        .edit_message(&http, sent.id, EditMessage::new().remove_all_attachments())
        .await
        .unwrap();
    assert!(cleared.attachments.is_empty());
    assert!(stored(&fake, channel, sent.id.get()).is_empty());

    // A message with a file and no text is not empty.
    let only_file = ChannelId::new(channel)
        .send_message(&http, CreateMessage::new().add_file(CreateAttachment::bytes(HTML.to_vec(), "only.html")))
        .await
        .unwrap();
    assert_eq!(only_file.content, "");
    assert_eq!(stored(&fake, channel, only_file.id.get())[0].data, HTML);
    assert_clean(&fake);
}

#[tokio::test]
async fn a_dm_carries_files_both_ways() {
    let (fake, http) = setup().await;
    let guild = fake.create_guild("G");
    let alice = fake.add_member(guild, "alice", &[]);

    let dm = UserId::new(alice).create_dm_channel(&http).await.unwrap();
    let sent = dm
        .id
        .send_message(
            &http,
            CreateMessage::new().content("Your transcript").add_file(CreateAttachment::bytes(HTML.to_vec(), "t.html")),
        )
        .await
        .unwrap();
    assert_eq!(sent.attachments.len(), 1);
    let dms = fake.dms(alice);
    assert_eq!(dms.len(), 1);
    assert_eq!(dms[0].attachments[0].filename, "t.html");
    assert_eq!(dms[0].attachments[0].data, HTML);

    // Alice answers with a file of her own.
    let answer = fake.send_message_with_attachments(dm.id.get(), alice, "", &[("notes.txt", b"thanks")]).await;
    assert_ne!(answer, 0);
    let got = http.get_message(dm.id, MessageId::new(answer)).await.unwrap();
    assert_eq!(got.author.id.get(), alice);
    assert_eq!(got.attachments[0].filename, "notes.txt");
    assert_eq!(got.attachments[0].content_type.as_deref(), Some("text/plain; charset=utf-8"));
    assert_eq!(stored(&fake, dm.id.get(), answer)[0].data, b"thanks");
    assert_clean(&fake);
}

#[tokio::test]
async fn what_discord_refuses_is_refused() {
    let (fake, http) = setup().await;
    let guild = fake.create_guild("G");
    let channel = fake.create_text_channel(guild, "general", None);
    let alice = fake.add_member(guild, "alice", &[]);

    // Eleven files: Discord takes ten.
    let eleven = (0..11).map(|i| CreateAttachment::bytes(vec![b'x'], format!("{i}.txt")));
    let err = ChannelId::new(channel).send_message(&http, CreateMessage::new().add_files(eleven)).await.unwrap_err();
    assert!(format!("{err:?}").contains("30015"), "{err:?}");

    // Without Attach Files (taken from @everyone), neither the bot nor a member may upload.
    fake.set_role_permissions(guild, guild, permissions::EVERYONE_DEFAULT & !permissions::ATTACH_FILES);
    let file = CreateAttachment::bytes(HTML.to_vec(), "t.html");
    let err = ChannelId::new(channel).send_message(&http, CreateMessage::new().add_file(file)).await.unwrap_err();
    assert!(format!("{err:?}").contains("50013"), "{err:?}");
    assert!(fake.messages(channel).is_empty());
    assert_clean(&fake);
    assert_eq!(fake.send_message_with_attachments(channel, alice, "see", &[("a.txt", b"a")]).await, 0);
    let violations = fake.violations();
    assert_eq!(violations.len(), 1, "{violations:?}");
    assert!(violations[0].contains("may not attach files"), "{violations:?}");
    assert!(fake.messages(channel).is_empty());
}

/// What the test's event handler saw.
#[derive(Debug)]
enum Seen {
    Message { id: u64, files: Vec<(String, u32)> },
    Update { id: u64, content: Option<String>, edited: bool, guild: Option<u64>, files: Option<usize> },
    Delete { id: u64, channel: u64, guild: Option<u64> },
}

struct Handler {
    tx: mpsc::UnboundedSender<Seen>,
}

impl Handler {
    async fn command(ctx: &Context, c: &CommandInteraction) {
        let http = &ctx.http;
        match c.data.name.as_str() {
            // How the ticket bot answers: defer (ephemeral), then edit the reply with the transcript.
            "transcript" => {
                let defer = CreateInteractionResponse::Defer(CreateInteractionResponseMessage::new().ephemeral(true));
                c.create_response(http, defer).await.unwrap();
                let file = CreateAttachment::bytes(HTML.to_vec(), "transcript-1.html");
                let edit = EditInteractionResponse::new().content("Here is the transcript").new_attachment(file);
                c.edit_response(http, edit).await.unwrap();
            }
            // A reply with a file, and a followup with another.
            "report" => {
                let reply = CreateInteractionResponseMessage::new()
                    .content("Report")
                    .add_file(CreateAttachment::bytes(HTML.to_vec(), "report.html"));
                c.create_response(http, CreateInteractionResponse::Message(reply)).await.unwrap();
                let followup = CreateInteractionResponseFollowup::new()
                    .add_file(CreateAttachment::bytes(BINARY.to_vec(), "raw.bin"));
                c.create_followup(http, followup).await.unwrap();
            }
            other => panic!("unexpected command {other}"),
        }
    }
}

#[async_trait]
impl EventHandler for Handler {
    async fn message(&self, _ctx: Context, msg: Message) {
        let files = msg.attachments.iter().map(|a| (a.filename.clone(), a.size)).collect();
        let _ = self.tx.send(Seen::Message { id: msg.id.get(), files });
    }

    async fn message_update(&self, _ctx: Context, _old: Option<Message>, _new: Option<Message>, e: MessageUpdateEvent) {
        let _ = self.tx.send(Seen::Update {
            id: e.id.get(),
            content: e.content,
            edited: e.edited_timestamp.is_some(),
            guild: e.guild_id.map(GuildId::get),
            files: e.attachments.map(|a| a.len()),
        });
    }

    async fn message_delete(&self, _ctx: Context, channel: ChannelId, id: MessageId, guild: Option<GuildId>) {
        let _ = self.tx.send(Seen::Delete { id: id.get(), channel: channel.get(), guild: guild.map(GuildId::get) });
    }

    async fn interaction_create(&self, ctx: Context, interaction: Interaction) {
        match interaction {
            Interaction::Command(c) => Self::command(&ctx, &c).await,
            other => panic!("unexpected interaction {other:?}"),
        }
    }
}

/// Starts a serenity client against the fake, with the ticket bot's intents; returns what its handler sees.
async fn connect(fake: &FakeDiscord) -> (mpsc::UnboundedReceiver<Seen>, std::sync::Arc<serenity::http::Http>) {
    let http = HttpBuilder::new(fake.token())
        .proxy(fake.base_url())
        .ratelimiter_disabled(true)
        .application_id(ApplicationId::new(fake.application_id()))
        .build();
    let intents = GatewayIntents::GUILDS
        | GatewayIntents::GUILD_MEMBERS
        | GatewayIntents::GUILD_MESSAGES
        | GatewayIntents::DIRECT_MESSAGES
        | GatewayIntents::MESSAGE_CONTENT;
    let (tx, rx) = mpsc::unbounded_channel();
    let mut client =
        serenity::client::ClientBuilder::new_with_http(http, intents).event_handler(Handler { tx }).await.unwrap();
    let http = client.http.clone();
    tokio::spawn(async move {
        let _ = client.start().await;
    });
    assert!(fake.wait_for(WAIT, FakeDiscord::is_connected).await);
    (rx, http)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn interaction_replies_carry_files() {
    let fake = FakeDiscord::start().await.unwrap();
    let guild = fake.create_guild("G");
    let channel = fake.create_text_channel(guild, "ticket-1", None);
    let alice = fake.add_member(guild, "alice", &[]);
    let (_rx, http) = connect(&fake).await;
    http.create_global_commands(&[
        CreateCommand::new("transcript").description("Transcript"),
        CreateCommand::new("report").description("Report"),
    ])
    .await
    .unwrap();

    // Deferred, then edited with the file: an ephemeral reply, in no channel.
    let asked = fake.run_command(guild, channel, alice, "transcript", serde_json::json!([])).await;
    assert_eq!(asked.response_type(), Some(5));
    assert_eq!(asked.reply_text().as_deref(), Some("Here is the transcript"));
    assert!(asked.is_ephemeral());
    let files = fake.response_attachments(asked.id);
    assert_eq!(files.len(), 1);
    assert_eq!(files[0].filename, "transcript-1.html");
    assert_eq!(files[0].data, HTML);
    let reply = fake.response_message(asked.id).unwrap();
    assert_eq!(reply.content, "Here is the transcript");
    assert_eq!(reply.attachments, files);
    assert!(fake.messages(channel).is_empty(), "an ephemeral reply is in no channel");
    // The edit's answer is logged just after the reply settles.
    assert!(fake.wait_for(WAIT, |f| f.requests().iter().any(|r| r.method == "PATCH")).await);
    let edit = fake.requests().into_iter().find(|r| r.method == "PATCH").unwrap();
    assert!(edit.path.ends_with("/messages/@original"), "{}", edit.path);
    assert_eq!(edit.body["attachments"][0]["filename"], "transcript-1.html", "the payload names the upload");
    assert_eq!(edit.response["attachments"][0]["ephemeral"], true);

    // A reply of type 4 with a file, then a followup with another.
    let asked = fake.run_command(guild, channel, alice, "report", serde_json::json!([])).await;
    assert_eq!(asked.response_type(), Some(4));
    assert!(fake.wait_for(WAIT, |f| f.response_attachments(asked.id).len() == 2).await);
    let files = fake.response_attachments(asked.id);
    assert_eq!((files[0].filename.as_str(), files[0].data.as_slice()), ("report.html", HTML));
    assert_eq!((files[1].filename.as_str(), files[1].data.as_slice()), ("raw.bin", BINARY));
    let in_channel = fake.messages(channel);
    assert_eq!(in_channel.len(), 2);
    assert_eq!(in_channel[0].attachments[0].data, HTML);
    assert_eq!(in_channel[1].attachments[0].data, BINARY);
    assert_clean(&fake);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn members_attach_edit_and_delete_by_hand() {
    let fake = FakeDiscord::start().await.unwrap();
    let guild = fake.create_guild("G");
    let channel = fake.create_text_channel(guild, "ticket-1", None);
    let moderators = fake.create_role(guild, "Moderators", permissions::MANAGE_MESSAGES);
    let alice = fake.add_member(guild, "alice", &[]);
    let bob = fake.add_member(guild, "bob", &[]);
    let mod_user = fake.add_member(guild, "mod", &[moderators]);
    let (mut rx, _http) = connect(&fake).await;

    // A file arrives with the message.
    let posted = fake.send_message_with_attachments(channel, alice, "my log", &[("client.log", BINARY)]).await;
    assert_ne!(posted, 0);
    let files = next_matching(&mut rx, |s| match s {
        Seen::Message { id, files } if id == posted => Some(files),
        _ => None,
    })
    .await;
    assert_eq!(files, [("client.log".to_string(), BINARY.len() as u32)]);
    assert_eq!(stored(&fake, channel, posted)[0].data, BINARY);

    // Alice edits it: the whole message comes as MESSAGE_UPDATE, its file kept.
    assert!(fake.edit_message_by_hand(channel, posted, alice, "my log (edited)").await);
    let (content, edited, in_guild, files) = next_matching(&mut rx, |s| match s {
        Seen::Update { id, content, edited, guild, files } if id == posted => Some((content, edited, guild, files)),
        _ => None,
    })
    .await;
    assert_eq!(content.as_deref(), Some("my log (edited)"));
    assert!(edited);
    assert_eq!(in_guild, Some(guild));
    assert_eq!(files, Some(1));
    let message = fake.messages(channel).into_iter().find(|m| m.id == posted).unwrap();
    assert!(message.edited);
    assert_eq!(message.attachments.len(), 1);

    // Her own message she deletes; a moderator deletes anyone's.
    let second = fake.send_message(channel, bob, "spam").await;
    assert!(fake.delete_message_by_hand(channel, posted, alice).await);
    assert!(fake.delete_message_by_hand(channel, second, mod_user).await);
    // serenity runs each event's handler in a task of its own: the two may come in either order.
    let mut deleted = Vec::new();
    while deleted.len() < 2 {
        deleted.push(
            next_matching(&mut rx, |s| match s {
                Seen::Delete { id, channel, guild } => Some((id, channel, guild)),
                _ => None,
            })
            .await,
        );
    }
    deleted.sort_unstable();
    assert_eq!(deleted, [(posted, channel, Some(guild)), (second, channel, Some(guild))]);
    assert!(fake.messages(channel).is_empty());
    assert_clean(&fake);

    // Bob can neither edit nor delete what Alice wrote (no Manage Messages); nothing changes.
    let third = fake.send_message(channel, alice, "mine").await;
    assert!(!fake.edit_message_by_hand(channel, third, bob, "hijacked").await);
    assert!(!fake.delete_message_by_hand(channel, third, bob).await);
    let violations = fake.violations();
    assert_eq!(violations.len(), 2, "{violations:?}");
    assert!(violations[0].contains("edit_message_by_hand refused"), "{violations:?}");
    assert!(violations[1].contains("delete_message_by_hand refused"), "{violations:?}");
    let left = fake.messages(channel);
    assert_eq!(left.len(), 1);
    assert_eq!(left[0].content, "mine");
    assert!(!left[0].edited);
}
