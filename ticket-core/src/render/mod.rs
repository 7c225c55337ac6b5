//! Renderers: pure functions from what the core decided to what a person reads.
//!
//! Effects name people only as [`SealedUser`]s; renderers open them with the deployment's [`PidKey`] at the last
//! moment, so mentions work while nothing stored holds a raw id. Everything here is snapshot-tested.

mod feedback;
mod forms;
mod notice;
mod record;
mod stats;
mod transcript;

pub use feedback::{COMMENT_SHOWN_MAX, feedback_form, feedback_prompt, feedback_thanks, log_with_feedback};
pub use forms::{
    decline_form, open_support_form, qna_completed_tile, qna_form, qna_next_page, resolve_form, step1_area_step,
    step1_details_form, step1_details_step,
};
pub use notice::{notice, rsi_profile};
pub use record::record;
pub use stats::stats;
pub use transcript::{TranscriptView, transcript_file_name, transcript_html, transcript_text};

use crate::id::UserId;
use crate::pid::{PidKey, PidKeyError, SealedUser};

/// Embed colours.
pub(crate) mod colour {
    pub const SUPPORT: u32 = 0x5865F2;
    pub const RECRUITMENT: u32 = 0x57F287;
    pub const IN_GAME: u32 = 0xEB459E;
    pub const LOG: u32 = 0x99AAB5;
    pub const WARNING: u32 = 0xFEE75C;
    pub const DANGER: u32 = 0xED4245;
}

/// Opens sealed users for mentions.
pub(crate) struct People<'a>(pub &'a PidKey);

impl People<'_> {
    pub fn id(&self, sealed: &SealedUser) -> Result<UserId, PidKeyError> {
        self.0.open(sealed)
    }

    pub fn mention(&self, sealed: &SealedUser) -> Result<String, PidKeyError> {
        Ok(format!("<@{}>", self.id(sealed)?.get()))
    }

    /// Text a person typed, as stored (people they mentioned sealed), back as they typed it.
    pub fn typed(&self, text: &str) -> String {
        crate::relay::open_user_mentions(text, self.0)
    }

    /// Text a person typed, shown as they typed it but unable to ping anyone.
    pub fn said(&self, text: &str) -> String {
        crate::relay::neutralise_mentions(&self.typed(text))
    }
}

/// Escapes Discord markdown so a name shows as typed.
pub fn escape_markdown(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '\\' | '*' | '_' | '~' | '`' | '|' | '>' | '#' | '[' | ']' | '(' | ')' | '-' | ':') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}
