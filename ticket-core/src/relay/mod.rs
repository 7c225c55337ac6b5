//! Relay rules: what happens to text on its way between the game, the applicant and Discord.
//!
//! * [`clean_text`] strips control and bidi-override characters (newlines survive for Discord;
//!   [`clean_line`] folds them for the game).
//! * [`neutralise_mentions`] makes sure a player can never ping `@everyone`, `@here`, a user, a role or a
//!   channel through the relay. The Discord adapter also sends relayed text with mentions disabled; this is the
//!   second lock.
//! * [`channel_slug`] turns a player name into a valid, unique `ticket-<name>` channel name.
//! * [`split_chars`] and [`split_bytes`] cut long text to Discord's 2000 characters and the game's whisper size.

mod mentions;
mod sanitize;
mod sealed_mentions;
mod slug;
mod split;

pub use mentions::{neutralise_mentions, pings};
pub use sanitize::{GameName, InvalidGameName, clean_line, clean_text};
pub use sealed_mentions::{open_user_mentions, seal_user_mentions};
pub use slug::{CHANNEL_NAME_MAX, channel_name, channel_slug, is_valid_channel_name, unique_channel_name};
pub use split::{split_bytes, split_chars};

/// Discord's limit on a message's content, in characters.
pub const DISCORD_MESSAGE_MAX: usize = 2000;

/// The game's limit on one whisper's text, in bytes (rAthena's `CHAT_SIZE_MAX` is 255 + NUL).
pub const GAME_WHISPER_MAX: usize = 255;

/// The longest text accepted from anyone into a ticket, in characters. Longer text is cut and marked.
pub const RELAY_TEXT_MAX: usize = 20_000;

/// Everything a relayed text goes through before Discord: cleaned, neutralised, split to Discord's limit,
/// each part with `prefix` in front (the prefix is neutralised too).
pub fn for_discord(prefix: &str, text: &str) -> Vec<String> {
    let prefix = neutralise_mentions(&clean_text(prefix).replace('\n', " "));
    let body = neutralise_mentions(&clean_text(text));
    let room = DISCORD_MESSAGE_MAX.saturating_sub(prefix.chars().count()).max(1);
    split_chars(&body, room).into_iter().map(|part| format!("{prefix}{part}")).collect()
}

/// Everything a staff reply from `from` goes through before a whisper: cleaned, folded to one line, split so
/// that each whisper the player reads, `<from>: <part>`, fits the game's size. (Measured in UTF-8, which takes
/// at least as many bytes as any code page a game server uses, so it fits there too.)
pub fn for_game(from: &str, text: &str) -> Vec<String> {
    let room = GAME_WHISPER_MAX.saturating_sub(from.len() + ": ".len()).max(GAME_WHISPER_MAX / 2);
    split_bytes(&clean_line(text), room)
}
