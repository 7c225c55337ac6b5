//! A `ChatPlatform` that prints what staff would see in Discord.

use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use async_trait::async_trait;
use ticket_core::ports::{NewChannel, Overwrite, PlatformError};
use ticket_core::{ChannelId, ChatPlatform, GuildId, Message, MessageId, RoleId, UserId};

/// Prints every channel made, message posted and channel deleted, as `[discord #channel] …` lines.
#[derive(Debug, Default)]
pub struct ConsoleChat {
    names: Mutex<HashMap<ChannelId, String>>,
    by_ticket: Mutex<HashMap<u64, ChannelId>>,
    next: AtomicU64,
}

impl ConsoleChat {
    fn id(&self) -> u64 {
        1000 + self.next.fetch_add(1, Ordering::Relaxed)
    }

    fn name(&self, channel: ChannelId) -> String {
        let names = self.names.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        names.get(&channel).map_or_else(|| format!("#{channel}"), |n| format!("#{n}"))
    }
}

/// One line per message: its content, then each embed as `[title] field: value · …`.
fn render(message: &Message) -> Vec<String> {
    let mut lines = Vec::new();
    if !message.content.is_empty() {
        lines.push(message.content.replace('\n', " / "));
    }
    for embed in &message.embeds {
        let mut line = format!("[{}]", embed.title.as_deref().unwrap_or("embed"));
        let fields: Vec<String> = embed.fields.iter().map(|f| format!("{}: {}", f.name, f.value)).collect();
        if !fields.is_empty() {
            line.push(' ');
            line.push_str(&fields.join(" · "));
        }
        lines.push(line);
    }
    lines
}

#[async_trait]
impl ChatPlatform for ConsoleChat {
    async fn create_channel(&self, channel: NewChannel) -> Result<ChannelId, PlatformError> {
        let mut by_ticket = self.by_ticket.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some(id) = by_ticket.get(&channel.ticket.get()) {
            return Ok(*id);
        }
        let id = ChannelId::new(self.id());
        by_ticket.insert(channel.ticket.get(), id);
        self.names.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).insert(id, channel.name.clone());
        println!("[discord] created #{}", channel.name);
        Ok(id)
    }

    async fn delete_channel(&self, channel: ChannelId) -> Result<(), PlatformError> {
        println!("[discord] deleted {}", self.name(channel));
        Ok(())
    }

    async fn set_topic(&self, _: ChannelId, _: String) -> Result<(), PlatformError> {
        Ok(())
    }

    async fn set_overwrite(&self, _: ChannelId, _: Overwrite) -> Result<(), PlatformError> {
        Ok(())
    }

    async fn send(&self, channel: ChannelId, message: Message) -> Result<MessageId, PlatformError> {
        let name = self.name(channel);
        for line in render(&message) {
            println!("[discord {name}] {line}");
        }
        Ok(MessageId::new(self.id()))
    }

    async fn edit(&self, _: ChannelId, _: MessageId, _: Message) -> Result<(), PlatformError> {
        Ok(())
    }

    async fn recent_bot_messages(
        &self,
        _: ChannelId,
        _: u8,
    ) -> Result<Vec<ticket_core::ports::BotMessage>, PlatformError> {
        Ok(Vec::new())
    }
    async fn delete_message(&self, _: ChannelId, _: MessageId) -> Result<(), PlatformError> {
        Ok(())
    }

    async fn send_dm(&self, _: UserId, _: Message) -> Result<(), PlatformError> {
        Ok(())
    }

    async fn add_role(&self, _: GuildId, _: UserId, _: RoleId) -> Result<(), PlatformError> {
        Ok(())
    }

    async fn set_nickname(&self, _: GuildId, _: UserId, _: String) -> Result<(), PlatformError> {
        Ok(())
    }
}
