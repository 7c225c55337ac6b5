//! The gateway hub: the identified bot sessions, and dispatching world changes to them as Discord
//! would (only the events their intents ask for, message content only with the privileged
//! intent).

use std::sync::Mutex;

use serde_json::{Value, json};
use tokio::sync::mpsc;

use super::shared::{Shared, lock};
use super::world::{Dispatch, World, json_id};

/// Gateway intents (bits of IDENTIFY's `intents`).
pub(crate) mod intents {
    /// `GUILDS`.
    pub const GUILDS: u64 = 1 << 0;
    /// `GUILD_MEMBERS` (privileged).
    pub const GUILD_MEMBERS: u64 = 1 << 1;
    /// `GUILD_MESSAGES`.
    pub const GUILD_MESSAGES: u64 = 1 << 9;
    /// `DIRECT_MESSAGES`.
    pub const DIRECT_MESSAGES: u64 = 1 << 12;
    /// `MESSAGE_CONTENT` (privileged).
    pub const MESSAGE_CONTENT: u64 = 1 << 15;
}

/// One identified session.
struct Session {
    id: u64,
    intents: u64,
    tx: mpsc::UnboundedSender<Value>,
}

/// The identified sessions.
#[derive(Default)]
pub(crate) struct Hub {
    sessions: Mutex<Vec<Session>>,
}

/// The intent an event needs (`None`: always sent).
fn required_intent(name: &str, data: &Value) -> Option<u64> {
    match name {
        "GUILD_CREATE" | "GUILD_UPDATE" | "GUILD_DELETE" | "GUILD_ROLE_CREATE" | "GUILD_ROLE_UPDATE"
        | "GUILD_ROLE_DELETE" | "CHANNEL_CREATE" | "CHANNEL_UPDATE" | "CHANNEL_DELETE" => Some(intents::GUILDS),
        "GUILD_MEMBER_ADD" | "GUILD_MEMBER_UPDATE" | "GUILD_MEMBER_REMOVE" => Some(intents::GUILD_MEMBERS),
        "MESSAGE_CREATE" | "MESSAGE_UPDATE" | "MESSAGE_DELETE" => {
            if data.get("guild_id").is_some() {
                Some(intents::GUILD_MESSAGES)
            } else {
                Some(intents::DIRECT_MESSAGES)
            }
        }
        _ => None,
    }
}

/// Without `MESSAGE_CONTENT`, Discord blanks the content of guild messages that are neither the
/// bot's own nor mention it.
fn blank_content(world: &World, data: &mut Value) {
    let author = data.pointer("/author/id").and_then(json_id);
    let in_guild = data.get("guild_id").is_some();
    let mentions_bot = data
        .get("mentions")
        .and_then(Value::as_array)
        .is_some_and(|m| m.iter().any(|u| u.get("id").and_then(json_id) == Some(world.bot_id)));
    if in_guild && author != Some(world.bot_id) && !mentions_bot {
        data["content"] = json!("");
        data["embeds"] = json!([]);
        data["attachments"] = json!([]);
        data["components"] = json!([]);
    }
}

impl Hub {
    /// Adds an identified session; `first` are its opening payloads (READY, GUILD_CREATEs), sent
    /// before any later dispatch. A connection that closed its receiver meanwhile (it ended while its IDENTIFY was
    /// still being answered, and has unregistered already) is not added: it would count as connected for ever.
    pub fn register(&self, id: u64, intents: u64, tx: mpsc::UnboundedSender<Value>, first: Vec<Value>) {
        // Under the lock: a connection closes its receiver before it unregisters, which waits for this lock.
        let mut sessions = lock(&self.sessions);
        if tx.is_closed() {
            return;
        }
        for frame in first {
            // The receiver is open (checked above); a send fails only once it closes, and then it unregisters.
            let _ = tx.send(frame);
        }
        sessions.push(Session { id, intents, tx });
    }

    pub fn unregister(&self, id: u64) {
        lock(&self.sessions).retain(|s| s.id != id);
    }

    /// Whether a bot is connected and identified.
    pub fn connected(&self) -> bool {
        !lock(&self.sessions).is_empty()
    }

    /// Sends events to every session that asked for them. Each payload is checked to
    /// deserialize in serenity first, connected or not, so that a bad payload shows up in the
    /// test that made it; a failure is a violation (and the payload is still sent, so the test
    /// sees what the bot does with it).
    pub fn dispatch(&self, world: &World, events: Vec<Dispatch>, shared: &Shared) {
        let mut sessions = lock(&self.sessions);
        for Dispatch { name, data } in events {
            let mut frame = json!({ "op": 0, "s": 1, "t": name });
            // Moved in, not through `json!` (which copies what it interpolates).
            frame["d"] = data;
            shared.check_gateway(&frame);
            if sessions.is_empty() {
                continue;
            }
            let needed = required_intent(name, &frame["d"]);
            sessions.retain(|s| {
                if needed.is_some_and(|bit| s.intents & bit == 0) {
                    return true;
                }
                let mut frame = frame.clone();
                if name.starts_with("MESSAGE_") && s.intents & intents::MESSAGE_CONTENT == 0 {
                    blank_content(world, &mut frame["d"]);
                }
                s.tx.send(frame).is_ok()
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn message_events_need_the_right_intent() {
        let guild = json!({"guild_id": "1"});
        assert_eq!(required_intent("MESSAGE_CREATE", &guild), Some(intents::GUILD_MESSAGES));
        assert_eq!(required_intent("MESSAGE_CREATE", &json!({})), Some(intents::DIRECT_MESSAGES));
        assert_eq!(required_intent("INTERACTION_CREATE", &guild), None);
    }

    #[test]
    fn content_is_blanked_without_the_privileged_intent() {
        let world = World::new("bot");
        let mut other = json!({"guild_id": "1", "author": {"id": "5"}, "content": "x", "mentions": []});
        blank_content(&world, &mut other);
        assert_eq!(other["content"], "");
        let mut own = json!({"guild_id": "1", "author": {"id": world.bot_id.to_string()}, "content": "x"});
        blank_content(&world, &mut own);
        assert_eq!(own["content"], "x");
        let mut dm = json!({"author": {"id": "5"}, "content": "x"});
        blank_content(&world, &mut dm);
        assert_eq!(dm["content"], "x");
    }
}
