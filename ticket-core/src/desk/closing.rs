//! Closing besides staff's own actions: staff ask the opener to confirm (a close request, which closes the ticket
//! when it goes unanswered), the opener closes their own support ticket when the guild allows it, and tickets
//! close for inactivity after a warning. Time comes from the clock: every ticket keeps when it is next due
//! ([`TicketTimers::due_at`]), stores index it, and [`Desk::run_due_tickets`] (called by [`Desk::resume`]) acts on
//! what is due; [`Desk::next_due`] counts it, so the driver wakes in time, across restarts too.

use time::OffsetDateTime;

use crate::effect::{ChainKey, Destination, Effect, LogEntry, Notice};
use crate::id::{ChannelId, TicketId};
use crate::permissions::Actor;
use crate::ports::{Commit, TranscriptAuthor, TranscriptEntry};
use crate::settings::GuildSettings;
use crate::ticket::{CloseReason, CloseRequest, Ticket, TicketDetail, TicketTimers};

use super::transcripts::{is_ticket_staff, require_handler};
use super::{Desk, DeskError, retry_on_conflict};

/// How many due tickets one run takes at most (the rest wait for the next run, which comes at once).
const DUE_BATCH: usize = 64;

/// How long a due ticket that could not be handled waits before it is tried again.
const DUE_RETRY: time::Duration = time::Duration::minutes(5);

/// When `ticket` is next due under `settings`: a close request timing out, the inactivity warning, or the close
/// after it. `None` when nothing is.
pub fn next_due(ticket: &Ticket, settings: &GuildSettings) -> Option<OffsetDateTime> {
    if !ticket.is_open() {
        return None;
    }
    let timers = &ticket.timers;
    let request = timers.close_request.as_ref().map(|r| r.closes_at);
    let inactivity = settings.closing.inactivity(ticket.kind()).filter(|_| ticket.opener().is_some()).map(|i| {
        let last_word = timers.opener_active_at.unwrap_or(ticket.opened_at);
        match timers.warned_at.filter(|w| *w >= last_word) {
            Some(warned) => warned + hours(i.close_after_hours),
            None => last_word + hours(i.warn_after_hours),
        }
    });
    request.into_iter().chain(inactivity).min()
}

fn hours(h: u32) -> time::Duration {
    time::Duration::hours(i64::from(h))
}

/// What is due for a ticket now.
enum Due {
    Close(CloseReason),
    Warn { idle_hours: u32, closes_in_hours: u32 },
    Nothing,
}

fn what_is_due(ticket: &Ticket, settings: &GuildSettings, now: OffsetDateTime) -> Due {
    let timers = &ticket.timers;
    if timers.close_request.as_ref().is_some_and(|r| r.closes_at <= now) {
        return Due::Close(CloseReason::CloseRequestUnanswered);
    }
    let Some(i) = settings.closing.inactivity(ticket.kind()).filter(|_| ticket.opener().is_some()) else {
        return Due::Nothing;
    };
    let last_word = timers.opener_active_at.unwrap_or(ticket.opened_at);
    match timers.warned_at.filter(|w| *w >= last_word) {
        Some(warned) if warned + hours(i.close_after_hours) <= now => Due::Close(CloseReason::Inactive),
        None if last_word + hours(i.warn_after_hours) <= now => {
            Due::Warn { idle_hours: i.warn_after_hours, closes_in_hours: i.close_after_hours }
        }
        _ => Due::Nothing,
    }
}

impl Desk {
    /// `/ticket close-request`: staff ask the opener to confirm closing; the ticket closes by itself when the
    /// opener has not answered within the guild's timeout.
    pub async fn request_close(&self, channel: ChannelId, staff: &Actor) -> Result<TicketId, DeskError> {
        retry_on_conflict!(self.try_request_close(channel, staff).await)
    }

    async fn try_request_close(&self, channel: ChannelId, staff: &Actor) -> Result<TicketId, DeskError> {
        let (mut ticket, settings) = self.open_ticket_in(channel, staff).await?;
        let pid = self.pid_of(staff.user);
        require_handler(staff, &settings, &ticket, pid)?;
        let Some((_, opener)) = ticket.opener() else { return Err(DeskError::NoOpener) };
        if ticket.timers.close_request.is_some() {
            return Err(DeskError::CloseAlreadyRequested);
        }
        let now = self.ports.clock.now();
        let timeout = settings.closing.request_timeout_hours;
        ticket.timers.close_request = Some(CloseRequest {
            by: pid,
            by_name: staff.display_name.clone(),
            at: now,
            closes_at: now + hours(timeout),
        });
        ticket.timers.due_at = next_due(&ticket, &settings);
        let id = ticket.id;
        let notice = Notice::CloseRequested { ticket: id, opener, by_name: staff.display_name.clone(), hours: timeout };
        let line = format!("{} asked to close the ticket.", staff.display_name);
        self.save_ticket_change(ticket, line, now, vec![Effect::Post { to: Destination::Ticket(id), notice }]).await?;
        Ok(id)
    }

    /// The opener's answer to a close request (its buttons): close now, or keep the ticket open. Staff of the ticket
    /// may withdraw the request with "keep open" too.
    pub async fn answer_close_request(&self, ticket: TicketId, actor: &Actor, close: bool) -> Result<(), DeskError> {
        retry_on_conflict!(self.try_answer_close_request(ticket, actor, close).await)
    }

    async fn try_answer_close_request(&self, id: TicketId, actor: &Actor, close: bool) -> Result<(), DeskError> {
        let store = &self.ports.store;
        let Some(mut ticket) = store.ticket(id).await?.filter(Ticket::is_open) else {
            return Err(DeskError::NoCloseRequest);
        };
        self.same_guild(actor, ticket.guild)?;
        let settings = self.settings(ticket.guild).await?;
        let pid = self.pid_of(actor.user);
        let opener = ticket.opener().is_some_and(|(opener, _)| opener == pid);
        let staff = is_ticket_staff(actor, &settings, &ticket, pid);
        if ticket.timers.close_request.is_none() {
            return Err(DeskError::NoCloseRequest);
        }
        if !(opener || (staff && !close)) {
            return Err(DeskError::NotOpener);
        }
        let now = self.ports.clock.now();
        if close {
            return self.close_now(ticket, &settings, CloseReason::ClosedByOpener, Some(pid), actor, now).await;
        }
        ticket.timers.close_request = None;
        ticket.timers.due_at = next_due(&ticket, &settings);
        let notice = Notice::CloseRequestKept { by_name: actor.display_name.clone() };
        let line = format!("{} kept the ticket open.", actor.display_name);
        let post = Effect::Post { to: Destination::Ticket(ticket.id), notice };
        self.save_ticket_change(ticket, line, now, vec![post]).await
    }

    /// `/ticket close` by the opener of a support ticket, when `/tickets set-closing opener_can_close:true`.
    pub async fn close_by_opener(&self, channel: ChannelId, opener: &Actor) -> Result<TicketId, DeskError> {
        retry_on_conflict!(
            async {
                let (ticket, settings) = self.open_ticket_in(channel, opener).await?;
                let pid = self.pid_of(opener.user);
                if !matches!(&ticket.detail, TicketDetail::Support(s) if s.opener == pid) {
                    return Err(DeskError::NotOpener);
                }
                if !settings.closing.opener_can_close {
                    return Err(DeskError::OpenerCloseOff);
                }
                let id = ticket.id;
                let now = self.ports.clock.now();
                self.close_now(ticket, &settings, CloseReason::ClosedByOpener, Some(pid), opener, now).await?;
                Ok(id)
            }
            .await
        )
    }

    /// Acts on every ticket due by now: closes unanswered close requests and inactive tickets, warns openers.
    /// Returns how many tickets it looked at. Called by [`Desk::resume`].
    pub async fn run_due_tickets(&self) -> Result<usize, DeskError> {
        let mut seen = 0;
        loop {
            let now = self.ports.clock.now();
            let due = self.ports.store.tickets_due(now, DUE_BATCH).await?;
            let batch = due.len();
            for ticket in due {
                seen += 1;
                let id = ticket.id;
                if let Err(error) = retry_on_conflict!(self.settle_due(id, now).await) {
                    // Put off, so that one ticket that cannot be handled neither holds up the others nor has the
                    // driver wake for it at once, again and again.
                    tracing::warn!(ticket = %id, %error, "a due ticket could not be handled; tried again in a while");
                    let mut later = ticket;
                    later.timers.due_at = Some(now + DUE_RETRY);
                    if self.save_and_run(Commit { tickets: vec![later], ..Commit::default() }).await.is_err() {
                        return Ok(seen);
                    }
                }
            }
            if batch < DUE_BATCH {
                return Ok(seen);
            }
        }
    }

    async fn settle_due(&self, id: TicketId, now: OffsetDateTime) -> Result<(), DeskError> {
        let Some(mut ticket) = self.ports.store.ticket(id).await?.filter(Ticket::is_open) else { return Ok(()) };
        let settings = self.settings(ticket.guild).await?;
        match what_is_due(&ticket, &settings, now) {
            Due::Close(reason) => {
                tracing::info!(ticket = %id, %reason, "ticket closed by its clock");
                self.close_by_clock(ticket, &settings, reason, now).await
            }
            Due::Warn { idle_hours, closes_in_hours } => {
                let Some((_, opener)) = ticket.opener() else { return Ok(()) };
                ticket.timers.warned_at = Some(now);
                ticket.timers.due_at = next_due(&ticket, &settings);
                let notice = Notice::InactivityWarning { opener, idle_hours, closes_in_hours };
                let line = format!("No word from the opener for {idle_hours} hours: warned.");
                let post = Effect::Post { to: Destination::Ticket(id), notice };
                self.save_ticket_change(ticket, line, now, vec![post]).await
            }
            Due::Nothing => {
                // Settings changed since the time was set: set it again.
                let due = next_due(&ticket, &settings).filter(|d| *d > now);
                if due == ticket.timers.due_at {
                    return Ok(());
                }
                ticket.timers.due_at = due;
                self.save_and_run(Commit { tickets: vec![ticket], ..Commit::default() }).await
            }
        }
    }

    async fn close_by_clock(
        &self,
        mut ticket: Ticket,
        settings: &GuildSettings,
        reason: CloseReason,
        now: OffsetDateTime,
    ) -> Result<(), DeskError> {
        let text = reason.to_string();
        let id = ticket.id;
        ticket.close(reason, None, now)?;
        ticket.timers = TicketTimers::default();
        let effects = closing_effects(&mut ticket, settings, &text, now);
        let line = format!("Closed: {text}.");
        self.save_ticket_change(ticket, line, now, effects).await?;
        tracing::info!(ticket = %id, "ticket closed");
        Ok(())
    }

    async fn close_now(
        &self,
        mut ticket: Ticket,
        settings: &GuildSettings,
        reason: CloseReason,
        by: Option<crate::Pid>,
        actor: &Actor,
        now: OffsetDateTime,
    ) -> Result<(), DeskError> {
        let text = reason.to_string();
        ticket.close(reason, by, now)?;
        ticket.timers = TicketTimers::default();
        let effects = closing_effects(&mut ticket, settings, &text, now);
        let line = format!("Closed by {}.", actor.display_name);
        self.save_ticket_change(ticket, line, now, effects).await
    }

    /// Saves a ticket with a transcript line and effects of its chain.
    async fn save_ticket_change(
        &self,
        ticket: Ticket,
        line: String,
        now: OffsetDateTime,
        effects: Vec<Effect>,
    ) -> Result<(), DeskError> {
        let id = ticket.id;
        let chain = ChainKey::Ticket(id);
        let commit = Commit {
            tickets: vec![ticket],
            transcript: vec![TranscriptEntry::line(id, now, TranscriptAuthor::System, line)],
            enqueue: effects.into_iter().map(|e| (chain, e)).collect(),
            ..Commit::default()
        };
        self.save_and_run(commit).await
    }

    /// Sets every open ticket of `guild` to be due as its settings now say (after they changed), a chunk per commit;
    /// in a chunk that lost a race, ticket by ticket, each read again.
    pub(super) async fn reschedule_open_tickets(&self, guild: crate::GuildId) -> Result<(), DeskError> {
        let settings = self.settings(guild).await?;
        let changed: Vec<Ticket> = self
            .ports
            .store
            .open_tickets(guild)
            .await?
            .into_iter()
            .filter_map(|mut t| {
                let due = next_due(&t, &settings);
                (due != t.timers.due_at).then(|| {
                    t.timers.due_at = due;
                    t
                })
            })
            .collect();
        for chunk in changed.chunks(DUE_BATCH) {
            match self.save_and_run(Commit { tickets: chunk.to_vec(), ..Commit::default() }).await {
                Err(DeskError::Store(crate::ports::StoreError::Conflict)) => {
                    for ticket in chunk {
                        retry_on_conflict!(
                            async {
                                let Some(mut t) = self.ports.store.ticket(ticket.id).await?.filter(Ticket::is_open)
                                else {
                                    return Ok(());
                                };
                                t.timers.due_at = next_due(&t, &settings);
                                self.save_and_run(Commit { tickets: vec![t], ..Commit::default() }).await
                            }
                            .await
                        )?;
                    }
                }
                other => other?,
            }
        }
        Ok(())
    }

    /// The open ticket of `channel`, of the actor's guild, with the guild's settings.
    async fn open_ticket_in(&self, channel: ChannelId, actor: &Actor) -> Result<(Ticket, GuildSettings), DeskError> {
        let Some(ticket) = self.ports.store.ticket_by_channel(channel).await?.filter(Ticket::is_open) else {
            return Err(DeskError::NotATicket(channel));
        };
        self.same_guild(actor, ticket.guild)?;
        let settings = self.settings(ticket.guild).await?;
        Ok((ticket, settings))
    }
}

/// What closing a ticket outside a staff action does: the log entry with its transcript, the record updated for an
/// application, the channel deleted.
fn closing_effects(ticket: &mut Ticket, settings: &GuildSettings, reason: &str, now: OffsetDateTime) -> Vec<Effect> {
    let id = ticket.id;
    let mut effects = Vec::new();
    if let Some(log) = settings.targets.log_channel {
        let reopen =
            matches!(ticket.detail, TicketDetail::Support(_)) && settings.closing.reopen_window_hours.is_some();
        let channel_name = ticket.channel_name.clone();
        let entry = LogEntry::TicketClosed { ticket: id, channel_name, reason: reason.into(), reopen };
        effects.push(Effect::PostTranscript { ticket: id, to: Destination::Channel(log), notice: Notice::Log(entry) });
    }
    if let TicketDetail::Recruitment(r) = &ticket.detail {
        effects.extend(r.application.map(|app| Effect::UpdateRecord { app }));
    }
    effects.extend(super::feedback::ask_feedback(ticket, settings, now));
    effects.push(Effect::DeleteTicketChannel { ticket: id });
    effects
}
