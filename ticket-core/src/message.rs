//! A platform-neutral model of what the bot shows: messages, embeds, buttons, selects and modals.
//!
//! The renderers build these; the Discord adapter converts them at its boundary (twilight's model/transport
//! split). Mentions only ping who [`Message::pings`] lists: the adapter sends `allowed_mentions` accordingly.

use serde::{Deserialize, Serialize};

use crate::custom_id::CustomId;
use crate::id::{EffectId, RoleId, UserId};

/// Who a message may ping. Everything else in its text is shown but pings nobody.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pings {
    /// Users pinged.
    pub users: Vec<UserId>,
    /// Roles pinged.
    pub roles: Vec<RoleId>,
}

/// One embed field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EmbedField {
    /// Its name (at most 256 characters).
    pub name: String,
    /// Its value (at most 1024 characters).
    pub value: String,
    /// Whether it may sit beside others.
    pub inline: bool,
}

/// An embed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Embed {
    /// Title.
    pub title: Option<String>,
    /// Description.
    pub description: Option<String>,
    /// Link of the title.
    pub url: Option<String>,
    /// Side colour, `0xRRGGBB`.
    pub color: Option<u32>,
    /// Fields.
    pub fields: Vec<EmbedField>,
    /// Footer text.
    pub footer: Option<String>,
    /// Thumbnail URL.
    pub thumbnail: Option<String>,
    /// Image URL.
    pub image: Option<String>,
}

impl Embed {
    /// Discord's limit on a field value.
    pub const FIELD_MAX: usize = 1024;
    /// Discord's limit on a description.
    pub const DESCRIPTION_MAX: usize = 4096;

    /// Discord's limit on fields per embed.
    pub const FIELDS_MAX: usize = 25;
    /// Discord's limit on all text of an embed together.
    pub const TOTAL_MAX: usize = 6000;

    /// The characters Discord counts towards [`Self::TOTAL_MAX`].
    pub fn total_len(&self) -> usize {
        let len = |s: &Option<String>| s.as_deref().map_or(0, |s| s.chars().count());
        len(&self.title)
            + len(&self.description)
            + len(&self.footer)
            + self.fields.iter().map(|f| f.name.chars().count() + f.value.chars().count()).sum::<usize>()
    }

    /// Makes the embed fit Discord's limits: at most 25 fields (the rest folded into a last "…" field) and 6000
    /// characters (the longest field values and then the description are shortened).
    pub fn fit(mut self) -> Self {
        if self.fields.len() > Self::FIELDS_MAX {
            let rest = self.fields.split_off(Self::FIELDS_MAX - 1);
            let folded: Vec<String> = rest.iter().map(|f| format!("**{}**: {}", f.name, f.value)).collect();
            self = self.field("…", folded.join("\n"), false);
        }
        while self.total_len() > Self::TOTAL_MAX {
            let excess = self.total_len() - Self::TOTAL_MAX;
            let longest = self.fields.iter_mut().max_by_key(|f| f.value.chars().count());
            match longest {
                Some(field) if field.value.chars().count() > 64 => {
                    let keep = field.value.chars().count().saturating_sub(excess).max(64);
                    field.value = cut(&field.value, keep);
                }
                _ => {
                    let description = self.description.take().unwrap_or_default();
                    let keep = description.chars().count().saturating_sub(excess);
                    self.description = Some(cut(&description, keep)).filter(|d| !d.is_empty());
                    break;
                }
            }
        }
        self
    }

    /// Adds a field, cutting its value to Discord's limit (an empty value becomes `—`).
    pub fn field(mut self, name: impl Into<String>, value: impl Into<String>, inline: bool) -> Self {
        let value = value.into();
        let value = if value.trim().is_empty() { "—".to_owned() } else { cut(&value, Self::FIELD_MAX) };
        self.fields.push(EmbedField { name: cut(&name.into(), 256), value, inline });
        self
    }
}

/// Cuts `text` to `max` characters, marking the cut with `…`.
pub fn cut(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_owned();
    }
    let mut out: String = text.chars().take(max.saturating_sub(1)).collect();
    out.push('…');
    out
}

/// A button's look.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ButtonStyle {
    /// Blurple.
    Primary,
    /// Grey.
    Secondary,
    /// Green.
    Success,
    /// Red.
    Danger,
}

/// A clickable control.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Component {
    /// A button that sends an interaction.
    Button {
        /// Its id.
        id: CustomId,
        /// Its label.
        label: String,
        /// Its look.
        style: ButtonStyle,
        /// Greyed out.
        disabled: bool,
    },
    /// A button that opens a web page.
    Link {
        /// Its label.
        label: String,
        /// The page.
        url: String,
    },
    /// A drop-down.
    Select {
        /// Its id.
        id: CustomId,
        /// Shown before a choice.
        placeholder: String,
        /// The choices (at most 25).
        options: Vec<SelectOption>,
    },
}

/// One choice of a select.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SelectOption {
    /// Shown.
    pub label: String,
    /// Sent back.
    pub value: String,
    /// Shown under the label.
    pub description: Option<String>,
}

/// What makes posting a message idempotent: a second post with the same nonce, soon after the first, gives back
/// the first message instead of posting another (Discord's `nonce` with `enforce_nonce`).
///
/// The outbox derives it from the effect and the part ([`Nonce::for_effect`]), both stored, so the replay of an
/// effect that was posted but not marked done (a crash, a lost answer) carries the same nonces and posts nothing
/// twice. Discord remembers a nonce for a few minutes only. Two posts never share a nonce as long as the store never
/// hands out an effect id twice (the SQLite outbox is `AUTOINCREMENT`, the in-memory store counts).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Nonce(String);

impl Nonce {
    /// Discord's limit on a string nonce, in characters.
    pub const MAX_LEN: usize = 25;

    /// The nonce of part `part` (from 0) of what the outbox effect `effect` posts: `<effect>.<part>` in lower-case
    /// hexadecimal (at most 16 + 1 + 8 = 25 characters). Every part of a split message has its own.
    pub fn for_effect(effect: EffectId, part: u32) -> Self {
        Self(format!("{:x}.{part:x}", effect.get()))
    }

    /// The nonce as sent.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for Nonce {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// A file sent with a message (a transcript, say).
#[derive(Clone, PartialEq, Eq)]
pub struct FileAttachment {
    /// The file name people see.
    pub name: String,
    /// The bytes.
    pub data: Vec<u8>,
}

impl std::fmt::Debug for FileAttachment {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The bytes would flood a log line; their size says enough.
        f.debug_struct("FileAttachment").field("name", &self.name).field("bytes", &self.data.len()).finish()
    }
}

/// A message to post or edit.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Message {
    /// Text (at most 2000 characters).
    pub content: String,
    /// Embeds.
    pub embeds: Vec<Embed>,
    /// Rows of controls (at most 5 rows of 5 buttons, or one select per row).
    pub rows: Vec<Vec<Component>>,
    /// Who may be pinged.
    pub pings: Pings,
    /// Makes a post idempotent (see [`Nonce`]); the outbox sets it, edits ignore it. Not serialised: it is how
    /// the message travels, not what anyone reads.
    #[serde(skip)]
    pub nonce: Option<Nonce>,
    /// Files sent with it. Not serialised: a message is stored as what it means, and its files are made when it
    /// is sent.
    #[serde(skip)]
    pub files: Vec<FileAttachment>,
}

impl Message {
    /// Plain text that pings nobody.
    pub fn text(content: impl Into<String>) -> Self {
        Self { content: content.into(), ..Self::default() }
    }

    /// One embed that pings nobody.
    pub fn embed(embed: Embed) -> Self {
        Self { embeds: vec![embed], ..Self::default() }
    }

    /// The message, posted with `nonce` (see [`Nonce`]).
    pub fn with_nonce(mut self, nonce: Nonce) -> Self {
        self.nonce = Some(nonce);
        self
    }

    /// The message, with `file` attached.
    pub fn with_file(mut self, file: FileAttachment) -> Self {
        self.files.push(file);
        self
    }

    /// Makes every embed fit Discord's limits (see [`Embed::fit`]) and cuts the content to 2000 characters.
    pub fn fit(mut self) -> Self {
        self.embeds = self.embeds.into_iter().map(Embed::fit).collect();
        self.content = cut(&self.content, crate::relay::DISCORD_MESSAGE_MAX);
        self
    }
}

/// A text input's size.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InputStyle {
    /// One line.
    Short,
    /// Several lines.
    Paragraph,
}

/// A text input of a modal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TextInput {
    /// Sent back with the answer.
    pub id: String,
    /// The label (at most 45 characters).
    pub label: String,
    /// Its size.
    pub style: InputStyle,
    /// Whether it must be filled.
    pub required: bool,
    /// Longest answer (at most 4000).
    pub max_len: u16,
    /// Hint.
    pub placeholder: Option<String>,
}

/// A form shown in answer to a click.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Modal {
    /// Its id, sent back on submit.
    pub id: CustomId,
    /// Title (at most 45 characters).
    pub title: String,
    /// Inputs (at most 5).
    pub inputs: Vec<TextInput>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn oversized_embeds_are_made_to_fit() {
        let mut e = Embed { title: Some("t".into()), description: Some("d".repeat(4000)), ..Embed::default() };
        for i in 0..30 {
            e = e.field(format!("Q{i}"), "a".repeat(1000), false);
        }
        let e = e.fit();
        assert_eq!(e.fields.len(), Embed::FIELDS_MAX);
        assert!(e.total_len() <= Embed::TOTAL_MAX, "{}", e.total_len());
        assert!(e.fields.iter().all(|f| f.value.chars().count() <= Embed::FIELD_MAX));
    }

    #[test]
    fn nonces_are_distinct_per_effect_and_part_and_fit_discords_limit() {
        let nonce = |effect: u64, part: u32| Nonce::for_effect(EffectId::new(effect), part);
        assert_eq!(nonce(42, 0).as_str(), "2a.0");
        assert_eq!(nonce(42, 0), nonce(42, 0), "the same effect and part always give the same nonce");
        let all = [nonce(1, 0), nonce(1, 1), nonce(2, 0), nonce(0x10, 0), nonce(1, 0x10)];
        for (i, a) in all.iter().enumerate() {
            assert!(all[i + 1..].iter().all(|b| a != b), "{a} is unique");
        }
        assert_eq!(nonce(u64::MAX, u32::MAX).as_str().chars().count(), Nonce::MAX_LEN);
    }

    #[test]
    fn small_embeds_are_untouched() {
        let e = Embed { title: Some("t".into()), ..Embed::default() }.field("a", "b", true);
        assert_eq!(e.clone().fit(), e);
        assert_eq!(cut("abcdef", 4), "abc…");
    }
}
