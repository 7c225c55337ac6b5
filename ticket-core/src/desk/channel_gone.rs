//! A ticket whose channel is gone (deleted by hand) or could not be made: it closes, and whoever needs to know is
//! told (the player in game, staff in the log, with the transcript).

use time::OffsetDateTime;

use crate::effect::{ChainKey, Destination, Effect, LogEntry, Notice};
use crate::id::TicketId;
use crate::ports::{Commit, StoreError};
use crate::ticket::{CloseReason, TicketDetail};

use super::Desk;

impl Desk {
    /// A ticket's channel is gone (deleted by hand) or could not be made: close the ticket and tell whoever needs
    /// to know. For an in-game ticket, a player message that could not be posted opens a new ticket.
    pub(super) async fn plan_channel_gone(
        &self,
        id: TicketId,
        reason: CloseReason,
        resend: Option<&str>,
        now: OffsetDateTime,
        commit: &mut Commit,
    ) -> Result<Vec<ChainKey>, StoreError> {
        let Some(mut ticket) = self.ports.store.ticket(id).await? else { return Ok(Vec::new()) };
        if !ticket.is_open() {
            return Ok(Vec::new());
        }
        let chain = ChainKey::Ticket(id);
        let mut touched = vec![chain];
        let settings = self.ports.store.settings(ticket.guild).await?;
        let reason_text = reason.to_string();
        let reason_failed = reason == CloseReason::ChannelFailed;
        if reason_failed {
            self.note_channels_refused(ticket.guild, now);
        }
        let deleted = reason == CloseReason::ChannelDeleted;
        if deleted {
            touched.extend(self.wake_line(ticket.guild, now, commit));
        }
        // Closing an open ticket cannot fail.
        let _ = ticket.close(reason, None, now);
        match &ticket.detail {
            TicketDetail::InGame(game) => {
                if let Some(text) = resend {
                    let new_id = self.ports.store.next_ticket_id().await?;
                    let base = crate::relay::channel_slug(game.name.as_str());
                    let taken = self.ports.store.open_channel_names(ticket.guild, &base).await?;
                    let plan = self.plan_in_game_ticket(
                        &settings,
                        new_id,
                        &game.server,
                        game.player,
                        &game.name,
                        crate::ticket::TicketSource::Whisper,
                        text,
                        &taken,
                        now,
                    );
                    commit.tickets.push(plan.ticket);
                    commit.transcript.push(plan.transcript);
                    commit.enqueue.extend(plan.effects.into_iter().map(|e| (ChainKey::Ticket(new_id), e)));
                    touched.push(ChainKey::Ticket(new_id));
                } else {
                    let effect = Effect::GameTicketClosed { server: game.server.clone(), player: game.name.clone() };
                    commit.enqueue.push((chain, effect));
                    if reason_failed {
                        // The player would otherwise wait for an answer that cannot come.
                        let tell = Effect::Whisper {
                            ticket: id,
                            server: game.server.clone(),
                            player: game.name.clone(),
                            from: crate::strings::BRIDGE_SENDER.to_owned(),
                            text: crate::strings::IN_GAME_TICKET_FAILED.to_owned(),
                        };
                        commit.enqueue.push((chain, tell));
                    }
                }
                if let Some(log) = settings.targets.log_channel {
                    let entry =
                        LogEntry::InGameClosed { ticket: id, player: game.name.clone(), reason: reason_text.clone() };
                    let to = Destination::Channel(log);
                    commit.enqueue.push((chain, Effect::PostTranscript { ticket: id, to, notice: Notice::Log(entry) }));
                }
            }
            TicketDetail::Recruitment(r) => {
                if let Some(app) = r.application {
                    commit.enqueue.push((chain, Effect::UpdateRecord { app }));
                }
            }
            TicketDetail::Support(_) => {}
        }
        // A support or recruitment channel deleted by hand: staff keep its transcript in the log.
        if let (Some(log), true, false) =
            (settings.targets.log_channel, deleted, matches!(ticket.detail, TicketDetail::InGame(_)))
        {
            let name = ticket.channel_name.clone();
            let reopen =
                matches!(ticket.detail, TicketDetail::Support(_)) && settings.closing.reopen_window_hours.is_some();
            let entry = LogEntry::TicketClosed { ticket: id, channel_name: name, reason: reason_text, reopen };
            let to = Destination::Channel(log);
            commit.enqueue.push((chain, Effect::PostTranscript { ticket: id, to, notice: Notice::Log(entry) }));
        }
        if let Some(ask) = super::feedback::ask_feedback(&mut ticket, &settings, now) {
            commit.enqueue.push((chain, ask));
        }
        commit.tickets.push(ticket);
        Ok(touched)
    }
}
