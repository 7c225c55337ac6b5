//! Giving up on an effect: it is kept as dead, staff are told in the log, and whoever waits for it is told too
//! (a player whose line never reached Discord, staff whose reply never reached the game, a ticket whose channel
//! could never be made is closed as refused). Nothing is dropped quietly.

use crate::effect::{ChainKey, Destination, Effect, LogEntry, Notice, PendingEffect};
use crate::ports::{Commit, StoreError};
use crate::strings::{BRIDGE_SENDER, IN_GAME_MESSAGE_FAILED};

use super::Desk;
use super::execute::FollowUp;

/// How much of a player's lost line is whispered back to them.
const LOST_LINE_QUOTE_MAX: usize = 60;

impl Desk {
    pub(super) async fn give_up(
        &self,
        effect: &PendingEffect,
        error: String,
        follow: Option<FollowUp>,
    ) -> Result<Vec<ChainKey>, StoreError> {
        // Effects hold people only sealed, so their Debug form is safe to log.
        tracing::error!(effect = %effect.id, kind = ?effect.effect, %error, "outbox: effect failed for good");
        let mut touched = self.finish(effect.id, follow, true).await?;
        if let Some(guild) = self.guild_of(effect.chain).await {
            let settings = self.ports.store.settings(guild).await?;
            if let Some(log) = settings.targets.log_channel {
                let notice = Notice::Log(LogEntry::ActionFailed { action: describe(&effect.effect), error });
                let post = Effect::Post { to: Destination::Channel(log), notice };
                let chain = ChainKey::Guild(guild);
                self.ports.store.commit(Commit { enqueue: vec![(chain, post)], ..Commit::default() }).await?;
                touched.push(chain);
            }
        }
        Ok(touched)
    }

    /// What follows when an effect is given up after its last retry, for whoever waits for it.
    pub(super) async fn when_given_up(&self, effect: &PendingEffect) -> Option<FollowUp> {
        match &effect.effect {
            // The ticket cannot open: closed as refused, and its opener told (as for a refusal at once).
            Effect::CreateTicketChannel { ticket, .. } => Some(FollowUp::ChannelFailed(*ticket)),
            Effect::Post { to: Destination::Ticket(ticket), notice: Notice::PlayerMessage { player, text } } => {
                let stored = self.ports.store.ticket(*ticket).await.ok().flatten()?;
                let server = stored.in_game().ok()?.server.clone();
                let mut quote: String = text.chars().take(LOST_LINE_QUOTE_MAX).collect();
                if text.chars().count() > LOST_LINE_QUOTE_MAX {
                    quote.push('…');
                }
                let tell = Effect::Whisper {
                    ticket: *ticket,
                    server,
                    player: player.clone(),
                    from: BRIDGE_SENDER.to_owned(),
                    text: format!("{IN_GAME_MESSAGE_FAILED} {quote}"),
                };
                Some(FollowUp::Enqueue(effect.chain, vec![tell]))
            }
            Effect::Whisper { ticket, player, from, text, .. } if from != BRIDGE_SENDER => {
                let notice = Notice::ReplyUndelivered { player: player.clone(), text: text.clone() };
                Some(FollowUp::Enqueue(effect.chain, vec![Effect::Post { to: Destination::Ticket(*ticket), notice }]))
            }
            _ => None,
        }
    }
}

/// A short description of an effect for staff, without any ids of people.
pub(super) fn describe(effect: &Effect) -> String {
    match effect {
        Effect::CreateTicketChannel { name, .. } => format!("create channel #{name}"),
        Effect::DeleteTicketChannel { ticket } => format!("delete the channel of ticket {ticket}"),
        Effect::SetTopic { ticket, .. } => format!("set the topic of ticket {ticket}"),
        Effect::SetMemberAccess { ticket, .. } => format!("change access to ticket {ticket}"),
        Effect::ResetMemberAccess { ticket, .. } => format!("reset a member's access to ticket {ticket}"),
        Effect::SetRoleAccess { ticket, role, .. } => format!("change what <@&{role}> may do in ticket {ticket}"),
        Effect::AllowRole { ticket, role } => format!("let <@&{role}> into ticket {ticket}"),
        Effect::Post { .. } => "post a message".into(),
        Effect::PostTranscript { ticket, .. } => format!("post the transcript of ticket {ticket}"),
        Effect::CompleteQnaPrompt { app } => format!("mark the Q&A of application {app} completed"),
        Effect::UpdateRecord { app } => format!("update the record of application {app}"),
        Effect::DeleteMessage { .. } => "delete an old panel".into(),
        Effect::RemoveOldPanels { .. } => "remove older copies of a panel".into(),
        Effect::GrantRole { role, .. } => format!("grant the role <@&{role}>"),
        Effect::SyncNickname { .. } => "set a nickname".into(),
        Effect::ShowRsiProfile { rsi_handle, .. } => format!("look up {rsi_handle} on RSI"),
        Effect::Whisper { player, .. } => format!("whisper {player}"),
        Effect::GameTicketCreated { player, .. } => format!("tell the game {player}'s ticket opened"),
        Effect::GameTicketClosed { player, .. } => format!("tell the game {player}'s ticket closed"),
        Effect::GameNotice { player, .. } => format!("tell {player} in game why no ticket opened"),
        Effect::ShowFeedback { ticket } => format!("show the feedback on the log entry of ticket {ticket}"),
    }
}
