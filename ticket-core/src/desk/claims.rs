//! Claiming tickets: a staff member takes a ticket (the Claim button, `/ticket claim`), gives it up
//! (`/ticket unclaim`) or hands it to another (`/ticket transfer`). The channel says who holds it. With
//! `/tickets set-claim exclusive:true`, only the claimer (and administrators, whom Discord lets through) may write in
//! a claimed ticket: the staff roles keep reading, and in an in-game ticket only the claimer's replies are whispered.

use crate::effect::{ChainKey, Destination, Effect, Notice};
use crate::id::{ChannelId, TicketId};
use crate::permissions::{Actor, Permissions};
use crate::ports::{Commit, TranscriptAuthor, TranscriptEntry};
use crate::settings::{ApplicantAccess, GuildSettings};
use crate::ticket::{Claim, Ticket};

use super::transcripts::{is_ticket_staff, require_handler};
use super::{Desk, DeskError, retry_on_conflict};

/// What a claim command did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClaimOutcome {
    /// The actor holds the ticket now.
    Claimed(TicketId),
    /// The actor held it already: nothing changed.
    AlreadyYours(TicketId),
    /// Nobody holds it now.
    Released(TicketId),
    /// Someone else holds it now.
    Transferred(TicketId),
}

impl ClaimOutcome {
    /// What the person who acted is told.
    pub fn reply(&self) -> &'static str {
        match self {
            Self::Claimed(_) => "You hold this ticket now.",
            Self::AlreadyYours(_) => "You already hold this ticket.",
            Self::Released(_) => "You released this ticket.",
            Self::Transferred(_) => "The ticket is handed over.",
        }
    }
}

/// A claim change asked for.
enum Change<'a> {
    Claim,
    Release,
    HandTo(&'a Actor),
}

/// Whether `actor` may act over a claim they do not hold: Manage Server (Administrator includes it).
fn is_admin(actor: &Actor) -> bool {
    actor.permissions.allows(Permissions::MANAGE_GUILD)
}

impl Desk {
    /// The Claim button or `/ticket claim` in a ticket's channel: the actor (staff of its kind) holds it now.
    pub async fn claim_ticket(&self, channel: ChannelId, actor: &Actor) -> Result<ClaimOutcome, DeskError> {
        retry_on_conflict!(self.try_change_claim(channel, actor, &Change::Claim).await)
    }

    /// `/ticket unclaim`: the claimer (or an administrator) gives the ticket up.
    pub async fn unclaim_ticket(&self, channel: ChannelId, actor: &Actor) -> Result<ClaimOutcome, DeskError> {
        retry_on_conflict!(self.try_change_claim(channel, actor, &Change::Release).await)
    }

    /// `/ticket transfer`: the claimer (or an administrator, or any staff of its kind while nobody holds it) hands
    /// the ticket to `to`, who must handle its kind of ticket.
    pub async fn transfer_ticket(
        &self,
        channel: ChannelId,
        actor: &Actor,
        to: &Actor,
    ) -> Result<ClaimOutcome, DeskError> {
        retry_on_conflict!(self.try_change_claim(channel, actor, &Change::HandTo(to)).await)
    }

    async fn try_change_claim(
        &self,
        channel: ChannelId,
        actor: &Actor,
        change: &Change<'_>,
    ) -> Result<ClaimOutcome, DeskError> {
        let Some(mut ticket) = self.ports.store.ticket_by_channel(channel).await?.filter(Ticket::is_open) else {
            return Err(DeskError::NotATicket(channel));
        };
        self.same_guild(actor, ticket.guild)?;
        let settings = self.settings(ticket.guild).await?;
        let pid = self.pid_of(actor.user);
        require_handler(actor, &settings, &ticket, pid)?;
        let id = ticket.id;
        let now = self.ports.clock.now();
        let holder = ticket.claim.clone();
        let holds = holder.as_ref().is_some_and(|c| c.by == pid);
        let exclusive = settings.claims.exclusive;
        let mut effects = Vec::new();
        let (outcome, line) = match change {
            Change::Claim => match &holder {
                Some(_) if holds => return Ok(ClaimOutcome::AlreadyYours(id)),
                Some(other) => return Err(DeskError::AlreadyClaimed { by: other.name.clone() }),
                None => {
                    let contact = self.key.seal(actor.user);
                    ticket.claim = Some(Claim { by: pid, contact, name: actor.display_name.clone(), at: now });
                    ticket.activity.note_response(pid, || contact, now);
                    if exclusive {
                        effects.extend(staff_access(&settings, &ticket, ApplicantAccess::ReadOnly));
                        effects.push(Effect::SetMemberAccess {
                            ticket: id,
                            user: contact,
                            access: ApplicantAccess::Keep,
                        });
                    }
                    effects.push(post(id, Notice::Claimed { by: contact, exclusive }));
                    (ClaimOutcome::Claimed(id), format!("{} claimed the ticket.", actor.display_name))
                }
            },
            Change::Release => {
                let Some(claim) = &holder else { return Err(DeskError::NotClaimed) };
                if !holds && !is_admin(actor) {
                    return Err(DeskError::NotClaimer { by: claim.name.clone() });
                }
                ticket.claim = None;
                if exclusive {
                    effects.extend(staff_access(&settings, &ticket, ApplicantAccess::Keep));
                    effects.extend(reset_member(&ticket, claim));
                }
                effects.push(post(id, Notice::Unclaimed { by_name: actor.display_name.clone() }));
                (ClaimOutcome::Released(id), format!("{} released the ticket.", actor.display_name))
            }
            Change::HandTo(to) => {
                if let Some(claim) = holder.as_ref().filter(|_| !holds && !is_admin(actor)) {
                    return Err(DeskError::NotClaimer { by: claim.name.clone() });
                }
                self.same_guild(to, ticket.guild)?;
                let to_pid = self.pid_of(to.user);
                if !is_ticket_staff(to, &settings, &ticket, to_pid) {
                    return Err(DeskError::NotTicketStaff { name: to.display_name.clone(), kind: kind_name(&ticket) });
                }
                if holder.as_ref().is_some_and(|c| c.by == to_pid) {
                    return Ok(ClaimOutcome::AlreadyYours(id));
                }
                let contact = self.key.seal(to.user);
                ticket.claim = Some(Claim { by: to_pid, contact, name: to.display_name.clone(), at: now });
                if exclusive {
                    if let Some(previous) = &holder {
                        // Their staff role decides again: read only while the claim is exclusive.
                        effects.extend(reset_member(&ticket, previous));
                    } else {
                        effects.extend(staff_access(&settings, &ticket, ApplicantAccess::ReadOnly));
                    }
                    effects.push(Effect::SetMemberAccess { ticket: id, user: contact, access: ApplicantAccess::Keep });
                }
                effects.push(post(id, Notice::Transferred { from_name: actor.display_name.clone(), to: contact }));
                let line = format!("{} handed the ticket to {}.", actor.display_name, to.display_name);
                (ClaimOutcome::Transferred(id), line)
            }
        };
        let chain = ChainKey::Ticket(id);
        let commit = Commit {
            tickets: vec![ticket],
            transcript: vec![TranscriptEntry::line(id, now, TranscriptAuthor::System, line)],
            enqueue: effects.into_iter().map(|e| (chain, e)).collect(),
            ..Commit::default()
        };
        self.save_and_run(commit).await?;
        tracing::info!(ticket = %id, by = %pid, ?outcome, "claim changed");
        Ok(outcome)
    }

    /// With exclusive claims, refuses a reply to a player from staff other than the claimer (administrators
    /// excepted), as Discord itself refuses their messages in the channel.
    pub(crate) fn check_claim(
        settings: &GuildSettings,
        ticket: &Ticket,
        actor: &Actor,
        pid: crate::Pid,
    ) -> Result<(), DeskError> {
        match &ticket.claim {
            Some(claim)
                if settings.claims.exclusive
                    && claim.by != pid
                    && !actor.permissions.allows(Permissions::ADMINISTRATOR) =>
            {
                Err(DeskError::NotClaimer { by: claim.name.clone() })
            }
            _ => Ok(()),
        }
    }
}

fn post(ticket: TicketId, notice: Notice) -> Effect {
    Effect::Post { to: Destination::Ticket(ticket), notice }
}

/// The staff roles of a ticket's kind set to `access` (read-only while an exclusive claim holds).
fn staff_access(settings: &GuildSettings, ticket: &Ticket, access: ApplicantAccess) -> Vec<Effect> {
    settings
        .staff_roles(ticket.kind())
        .into_iter()
        .map(|role| Effect::SetRoleAccess { ticket: ticket.id, role, access })
        .collect()
}

/// A former claimer's own overwrite taken back, unless they opened the ticket (an administrator who claimed their
/// own ticket keeps the access every opener has).
fn reset_member(ticket: &Ticket, claim: &Claim) -> Option<Effect> {
    let opener = ticket.opener().is_some_and(|(opener, _)| opener == claim.by);
    (!opener).then_some(Effect::ResetMemberAccess { ticket: ticket.id, user: claim.contact })
}

fn kind_name(ticket: &Ticket) -> &'static str {
    match ticket.kind() {
        crate::settings::TicketType::Support => "support",
        crate::settings::TicketType::InGame => "in-game",
        crate::settings::TicketType::Recruitment => "recruitment",
    }
}
