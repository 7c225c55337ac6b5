//! The smallest program that embeds the ticket core, as a library user would: its own chat platform (a console
//! that prints what a Discord bot would do), the core's in-memory store, a `Desk`, and one support ticket opened,
//! answered and resolved. No Discord, no database, no async runtime beyond `block_on`.
//!
//! `cargo run -p embed-minimal`; the walk-through is `docs/embedding.md`.

use std::error::Error;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use async_trait::async_trait;
use ticket_core::ports::{BotMessage, NewChannel, Overwrite, PlatformError, TranscriptAuthor};
use ticket_core::{
    Actor, ChannelId, ChatPlatform, Desk, GuildId, InMemoryStore, Message, MessageId, Permissions, PidKey, Ports,
    RoleId, UserId,
};

/// A chat platform that prints what it is asked to do. A real one calls a chat service's API (see
/// `adapter-discord` for Discord); the desk does not know the difference.
#[derive(Default)]
struct Console {
    next_id: AtomicU64,
}

impl Console {
    fn new_id(&self) -> u64 {
        self.next_id.fetch_add(1, Ordering::Relaxed) + 1
    }
}

/// A message as one line: its text, then each embed's title and fields.
fn one_line(message: &Message) -> String {
    let mut parts = vec![message.content.clone()];
    for embed in &message.embeds {
        parts.extend(embed.title.clone());
        parts.extend(embed.fields.iter().map(|f| format!("{}: {}", f.name, f.value)));
    }
    parts.retain(|p| !p.is_empty());
    parts.join(" | ")
}

#[async_trait]
impl ChatPlatform for Console {
    async fn create_channel(&self, channel: NewChannel) -> Result<ChannelId, PlatformError> {
        let id = ChannelId::new(self.new_id());
        println!("chat: create private channel #{} (ticket {})", channel.name, channel.ticket);
        Ok(id)
    }
    async fn delete_channel(&self, channel: ChannelId) -> Result<(), PlatformError> {
        println!("chat: delete channel {channel}");
        Ok(())
    }
    async fn set_topic(&self, _: ChannelId, _: String) -> Result<(), PlatformError> {
        Ok(())
    }
    async fn set_overwrite(&self, _: ChannelId, _: Overwrite) -> Result<(), PlatformError> {
        Ok(())
    }
    async fn send(&self, channel: ChannelId, message: Message) -> Result<MessageId, PlatformError> {
        println!("chat: [channel {channel}] {}", one_line(&message));
        Ok(MessageId::new(self.new_id()))
    }
    async fn edit(&self, channel: ChannelId, _: MessageId, new: Message) -> Result<(), PlatformError> {
        println!("chat: [channel {channel}] (edited) {}", one_line(&new));
        Ok(())
    }
    async fn delete_message(&self, _: ChannelId, _: MessageId) -> Result<(), PlatformError> {
        Ok(())
    }
    async fn recent_bot_messages(&self, _: ChannelId, _: u8) -> Result<Vec<BotMessage>, PlatformError> {
        // Used to tidy old panels; a console has none.
        Ok(Vec::new())
    }
    async fn send_dm(&self, _: UserId, message: Message) -> Result<(), PlatformError> {
        // A real platform opens a DM with the user; the id itself is never logged.
        println!("chat: [DM] {}", one_line(&message));
        Ok(())
    }
    async fn add_role(&self, _: GuildId, _: UserId, _: RoleId) -> Result<(), PlatformError> {
        Ok(())
    }
    async fn set_nickname(&self, _: GuildId, _: UserId, _: String) -> Result<(), PlatformError> {
        Ok(())
    }
}

async fn run() -> Result<(), Box<dyn Error>> {
    // The deployment secret that turns user ids into pids: at least 32 bytes, kept secret, and the same on every
    // start (load it from your secret store; a constant is only good for an example).
    let key = PidKey::new(b"embed-minimal: an example secret, never use it for real")?;
    let desk = Desk::new(Ports::new(Arc::new(InMemoryStore::new()), Arc::new(Console::default())), key);

    let guild = GuildId::new(1);
    // Who acts, as your platform reports them: a member, and staff with Manage Channels (who may resolve).
    let ann = Actor::member(guild, UserId::new(1001), "Ann", Vec::new(), Permissions::empty());
    let sam = Actor::member(guild, UserId::new(1002), "Sam", Vec::new(), Permissions::MANAGE_CHANNELS);

    println!("Ann opens a support ticket:");
    let opened = desk.open_support_ticket(guild, &ann, "My ship fell through the hangar floor").await?;
    let channel = opened.channel.ok_or("the ticket's channel was not created")?;

    println!("Sam answers in the ticket channel (kept in the transcript):");
    desk.channel_message(channel, &sam, "Put a new one in your hangar, can you check?").await?;

    println!("Sam resolves the ticket:");
    desk.resolve_ticket(channel, &sam, "Replaced the ship").await?;

    println!("The transcript the store kept:");
    for line in desk.store().transcript(opened.ticket).await? {
        let who = match &line.author {
            TranscriptAuthor::Member { name, .. } => name.clone(),
            TranscriptAuthor::Player { name } => name.as_str().to_owned(),
            TranscriptAuthor::System => "bot".to_owned(),
        };
        println!("  {who}: {}", line.text);
    }
    let ticket = desk.store().ticket(opened.ticket).await?.ok_or("the ticket is gone")?;
    println!("Ticket {} is {}.", ticket.id, if ticket.is_open() { "still open" } else { "closed" });
    Ok(())
}

fn main() -> Result<(), Box<dyn Error>> {
    pollster::block_on(run())
}
