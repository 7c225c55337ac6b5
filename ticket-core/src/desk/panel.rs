//! What support and recruitment tickets share: opening a private channel from a panel.

use crate::effect::{ChainKey, Destination, Effect, Notice};
use crate::id::{GuildId, TicketId};
use crate::permissions::Actor;
use crate::pid::{Pid, SealedUser};
use crate::ports::{Commit, TranscriptAuthor, TranscriptEntry};
use crate::relay::{channel_name, unique_channel_name};
use crate::settings::{GuildSettings, TicketType};
use crate::ticket::CloseReason;
use crate::ticket::{Ticket, TicketDetail};
use crate::topic::Topic;

use super::{Desk, DeskError, Opened};

/// What differs between the kinds of panel ticket.
pub(super) struct PanelTicket {
    /// The ticket's own data.
    pub detail: TicketDetail,
    /// The first message in the channel.
    pub welcome: Notice,
    /// What the opener wrote, for the transcript.
    pub transcript: Option<String>,
    /// Posts after the welcome (a reopened ticket's recap).
    pub then: Vec<Notice>,
}

impl Desk {
    /// Where a panel ticket's channel stands: made, still being made (the outbox retries while Discord is
    /// unavailable), or refused for good. A platform that told the person "being created" asks again until it is
    /// one or the other, and tells them.
    pub async fn opening(&self, ticket: TicketId) -> Result<Opened, DeskError> {
        let stored = self.ports.store.ticket(ticket).await?.ok_or(DeskError::TicketNotFound(ticket))?;
        let failed = stored.closed.as_ref().is_some_and(|c| c.reason == CloseReason::ChannelFailed);
        let queued = if stored.channel.is_none() && !failed { self.place_in_line(ticket) } else { None };
        Ok(Opened { ticket, channel: stored.channel.filter(|_| !failed), failed, queued })
    }

    /// Whether `opener` may open a panel ticket of `kind` in `guild` now: not blocked, below the guild's limit of
    /// open tickets of that kind, and past its cooldown. Lets a platform answer a click with the refusal
    /// ([`DeskError::AlreadyOpen`], [`DeskError::TooManyOpen`], [`DeskError::Blocked`], [`DeskError::Cooldown`])
    /// before showing a form. Opening checks again, inside its decision.
    pub async fn may_open_ticket(&self, guild: GuildId, opener: &Actor, kind: TicketType) -> Result<(), DeskError> {
        self.same_guild(opener, guild)?;
        let settings = self.settings(guild).await?;
        self.opening_slot(&settings, opener, kind, false).await.map(|_| ())
    }

    /// Opens a private panel ticket for `opener`: `make` gives the kind-specific parts.
    pub(super) async fn try_open_panel_ticket(
        &self,
        guild: GuildId,
        opener: &Actor,
        kind: TicketType,
        by_staff: bool,
        make: impl FnOnce(&GuildSettings, TicketId, Pid, SealedUser) -> PanelTicket,
    ) -> Result<TicketId, DeskError> {
        let store = &self.ports.store;
        self.same_guild(opener, guild)?;
        let settings = self.settings(guild).await?;
        let slot = self.opening_slot(&settings, opener, kind, by_staff).await?;
        let pid = self.pid_of(opener.user);
        let contact = self.key.seal(opener.user);
        let prefix = match kind {
            TicketType::Recruitment => "apply-",
            TicketType::Support | TicketType::InGame => "support-",
        };
        let now = self.ports.clock.now();
        let id = store.next_ticket_id().await?;
        let base = channel_name(prefix, &opener.display_name, "member");
        let taken = store.open_channel_names(guild, &base).await?;
        let name = unique_channel_name(&base, |n| taken.iter().any(|t| t == n));
        let mut parts = make(&settings, id, pid, contact);
        if let TicketDetail::Support(support) = &mut parts.detail {
            support.slot = slot;
        }
        let mut ticket = Ticket {
            id,
            guild,
            channel: None,
            channel_name: name.clone(),
            detail: parts.detail,
            opened_at: now,
            closed: None,
            claim: None,
            timers: Default::default(),
            activity: Default::default(),
            version: 0,
        };
        ticket.timers.due_at = super::closing::next_due(&ticket, &settings);
        let chain = ChainKey::Ticket(id);
        let effects = [
            Effect::CreateTicketChannel {
                ticket: id,
                kind,
                guild,
                name,
                category: settings.category(kind),
                topic: Topic { opener: Some(contact), ..Topic::ticket(id) },
                members: vec![contact],
                staff_roles: settings.staff_roles(kind),
            },
            Effect::Post { to: Destination::Ticket(id), notice: parts.welcome },
        ];
        let then = parts.then.into_iter().map(|notice| Effect::Post { to: Destination::Ticket(id), notice });
        let transcript = parts.transcript.map(|text| {
            TranscriptEntry::line(id, now, TranscriptAuthor::member(pid, opener.display_name.clone()), text)
        });
        let commit = Commit {
            tickets: vec![ticket],
            transcript: transcript.into_iter().collect(),
            enqueue: effects.into_iter().chain(then).map(|e| (chain, e)).collect(),
            ..Commit::default()
        };
        self.save_and_run(commit).await?;
        tracing::info!(ticket = %id, opener = %pid, kind = kind.as_str(), "ticket opened");
        Ok(id)
    }
}
