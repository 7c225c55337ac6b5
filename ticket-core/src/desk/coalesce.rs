//! Coalescing a burst: a player's lines that wait behind their ticket's previous post go out as one post.
//!
//! When the outbox is about to post a player's line in their ticket (or the welcome that carries the line that
//! opened it) and more lines of the same player wait right behind it in the ticket's chain, it folds them into the
//! first one (one [`Commit`]: the first effect amended to carry them all, the others marked done) as long as the
//! result is still one Discord message (2,000 characters), then posts that. The transcript keeps every line as it came.
//!
//! Only effects this process enqueued and never tried are folded: a post's nonce is its effect's id, so an effect
//! that may have reached Discord already (tried before a crash, or whose answer was lost) must be posted as it was,
//! or Discord would give back the old message for the new text and the lines folded into it would be lost.

use crate::effect::{Destination, Effect, Notice, PendingEffect};
use crate::ports::{Commit, StoreError};
use crate::render;

use super::Desk;

impl Desk {
    /// Whether this process enqueued `effect` and never tried it, so that nothing of it can have been posted.
    fn untried_here(&self, effect: &PendingEffect) -> bool {
        effect.attempts == 0 && self.first_own_effect.get().is_some_and(|first| effect.id >= *first)
    }

    /// Folds the player lines waiting right behind `run[0]` into it, if it is a player's line (or the welcome of
    /// an in-game ticket, which carries the opening line); whether it did (the caller then reloads the chain).
    pub(super) async fn coalesce(&self, run: &[PendingEffect]) -> bool {
        let Some(head) = run.first() else { return false };
        let Effect::Post { to: Destination::Ticket(ticket), notice } = &head.effect else { return false };
        let Some((player, text)) = player_text(notice) else { return false };
        if !self.untried_here(head) {
            return false;
        }
        let mut merged = text.to_owned();
        let mut absorbed = Vec::new();
        for next in &run[1..] {
            let (to, from, text) = match &next.effect {
                Effect::Post { to: Destination::Ticket(to), notice: Notice::PlayerMessage { player, text } } => {
                    (to, player, text)
                }
                // What goes to the game (the "ticket created" answer, a staff reply) is not in the channel: the
                // channel's own order is the same when a later line is posted before it.
                Effect::GameTicketCreated { .. } | Effect::Whisper { .. } => continue,
                _ => break,
            };
            if to != ticket || from != player || next.not_before.is_some() || !self.untried_here(next) {
                break;
            }
            let candidate = format!("{merged}\n{text}");
            if !render::notice(&with_text(notice, candidate.clone()), &self.key).is_ok_and(|parts| parts.len() == 1) {
                break;
            }
            merged = candidate;
            absorbed.push(next.id);
        }
        if absorbed.is_empty() {
            return false;
        }
        let lines = absorbed.len() + 1;
        let notice = with_text(notice, merged);
        let commit = Commit {
            amend: vec![(head.id, Effect::Post { to: Destination::Ticket(*ticket), notice })],
            done: absorbed,
            ..Commit::default()
        };
        match self.ports.store.commit(commit).await {
            Ok(_) => {
                tracing::debug!(%ticket, lines, "outbox: a player's waiting lines go out as one post");
                true
            }
            // Someone else settled one of them meanwhile: post them as they are.
            Err(StoreError::Conflict) => false,
            Err(error) => {
                tracing::warn!(%ticket, %error, "outbox: could not fold waiting lines together; posting them one by one");
                false
            }
        }
    }
}

/// The player and the text of a post that relays a player's line: their line, or the welcome carrying the line
/// that opened the ticket.
fn player_text(notice: &Notice) -> Option<(&crate::relay::GameName, &str)> {
    match notice {
        Notice::PlayerMessage { player, text } => Some((player, text)),
        Notice::InGameWelcome { player, opening: Some(text), .. } => Some((player, text)),
        _ => None,
    }
}

/// `notice` relaying `text` instead (a notice [`player_text`] reads).
fn with_text(notice: &Notice, text: String) -> Notice {
    let mut notice = notice.clone();
    match &mut notice {
        Notice::PlayerMessage { text: line, .. } => *line = text,
        Notice::InGameWelcome { opening, .. } => *opening = Some(text),
        _ => {}
    }
    notice
}
