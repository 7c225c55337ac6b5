//! [`InMemoryStore`]: a [`TicketStore`] in memory, for tests, demos and embedders that bring their own
//! persistence. It follows exactly the same rules as the SQLite store (both run `ticket_core::conformance` (feature `conformance`)).

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet, VecDeque};
use std::sync::{Mutex, MutexGuard};

use async_trait::async_trait;
use time::OffsetDateTime;

use crate::effect::{ChainKey, PendingEffect};
use crate::id::{ApplicationId, ChannelId, EffectId, GameServerId, GuildId, TicketId};
use crate::pid::Pid;
use crate::ports::{Commit, ExportedEffect, OpenGamePlayer, StoreError, StoreExport, TicketStore, TranscriptEntry};
use crate::receipt::{GameReceipt, RECEIPTS_KEPT};
use crate::recruitment::Application;
use crate::settings::GuildSettings;
use crate::ticket::Ticket;

#[derive(Debug, Default)]
struct State {
    settings: HashMap<GuildId, GuildSettings>,
    tickets: BTreeMap<TicketId, Ticket>,
    applications: BTreeMap<ApplicationId, Application>,
    transcripts: BTreeMap<TicketId, Vec<TranscriptEntry>>,
    outbox: BTreeMap<EffectId, PendingEffect>,
    dead: BTreeMap<EffectId, PendingEffect>,
    last_ticket: u64,
    last_application: u64,
    last_effect: u64,
    index: Index,
    /// Per game server: the receipts kept, and their order (oldest first) for dropping the oldest.
    receipts: HashMap<crate::id::GameServerId, (HashSet<String>, VecDeque<String>)>,
    /// When the bot last heard from Discord.
    gateway_seen: Option<OffsetDateTime>,
}

/// Lookups of `tickets` by something other than their id, so that no query scans every ticket. Kept in step
/// with `tickets` by [`State::apply`], the only place tickets change.
#[derive(Debug, Default, PartialEq)]
struct Index {
    /// Open key → the open ticket holding it.
    open_keys: HashMap<String, TicketId>,
    /// (guild, channel name) → the open tickets with that name: a set, because tickets stored before names had to
    /// be unique may share one. Ordered, so that `base-…` names are one range.
    open_names: BTreeMap<(GuildId, String), BTreeSet<TicketId>>,
    /// Guild → its open tickets.
    open_in_guild: HashMap<GuildId, BTreeSet<TicketId>>,
    /// Channel → the tickets (open or closed) that had it; the newest is the one found.
    by_channel: HashMap<ChannelId, BTreeSet<TicketId>>,
    /// Open tickets with a due time, soonest first.
    due: BTreeSet<(OffsetDateTime, TicketId)>,
    /// (guild, kind, person) → their tickets (open or closed): the newest is their last opening.
    by_person: HashMap<(GuildId, crate::settings::TicketType, Pid), BTreeSet<TicketId>>,
    /// Every ticket by (guild, opened at in unix nanoseconds): what `/tickets stats` reads, with `closed`.
    opened: BTreeSet<(GuildId, i128, TicketId)>,
    /// Closed tickets by (guild, closed at in unix nanoseconds).
    closed: BTreeSet<(GuildId, i128, TicketId)>,
}

impl Index {
    /// Builds the index of `tickets` from scratch.
    #[cfg(test)]
    fn of<'a>(tickets: impl IntoIterator<Item = &'a Ticket>) -> Self {
        let mut index = Self::default();
        for ticket in tickets {
            index.add(ticket);
        }
        index
    }

    /// Adds a ticket as stored.
    fn add(&mut self, ticket: &Ticket) {
        if let Some(channel) = ticket.channel {
            self.by_channel.entry(channel).or_default().insert(ticket.id);
        }
        self.by_person.entry((ticket.guild, ticket.kind(), ticket.person())).or_default().insert(ticket.id);
        self.opened.insert((ticket.guild, ticket.opened_at.unix_timestamp_nanos(), ticket.id));
        if let Some(closed) = &ticket.closed {
            self.closed.insert((ticket.guild, closed.at.unix_timestamp_nanos(), ticket.id));
        }
        if !ticket.is_open() {
            return;
        }
        if let Some(key) = ticket.open_key() {
            self.open_keys.insert(key, ticket.id);
        }
        self.open_names.entry((ticket.guild, ticket.channel_name.clone())).or_default().insert(ticket.id);
        self.open_in_guild.entry(ticket.guild).or_default().insert(ticket.id);
        if let Some(due) = ticket.timers.due_at {
            self.due.insert((due, ticket.id));
        }
    }

    /// Removes a ticket as it was stored (its open key only if it still holds it).
    fn remove(&mut self, ticket: &Ticket) {
        /// Takes `id` out of a set; whether the set is empty now (and should go).
        fn unlist(set: &mut BTreeSet<TicketId>, id: TicketId) -> bool {
            set.remove(&id);
            set.is_empty()
        }
        if let Some(channel) = ticket.channel {
            if self.by_channel.get_mut(&channel).is_some_and(|set| unlist(set, ticket.id)) {
                self.by_channel.remove(&channel);
            }
        }
        let person = (ticket.guild, ticket.kind(), ticket.person());
        if self.by_person.get_mut(&person).is_some_and(|set| unlist(set, ticket.id)) {
            self.by_person.remove(&person);
        }
        self.opened.remove(&(ticket.guild, ticket.opened_at.unix_timestamp_nanos(), ticket.id));
        if let Some(closed) = &ticket.closed {
            self.closed.remove(&(ticket.guild, closed.at.unix_timestamp_nanos(), ticket.id));
        }
        if !ticket.is_open() {
            return;
        }
        if let Some(key) = ticket.open_key() {
            if self.open_keys.get(&key) == Some(&ticket.id) {
                self.open_keys.remove(&key);
            }
        }
        if let Some(due) = ticket.timers.due_at {
            self.due.remove(&(due, ticket.id));
        }
        let name = (ticket.guild, ticket.channel_name.clone());
        if self.open_names.get_mut(&name).is_some_and(|set| unlist(set, ticket.id)) {
            self.open_names.remove(&name);
        }
        if self.open_in_guild.get_mut(&ticket.guild).is_some_and(|set| unlist(set, ticket.id)) {
            self.open_in_guild.remove(&ticket.guild);
        }
    }

    /// The open tickets of `guild` named `name`.
    fn name_holders(&self, guild: GuildId, name: &str) -> impl Iterator<Item = TicketId> + '_ {
        self.open_names.get(&(guild, name.to_owned())).into_iter().flatten().copied()
    }
}

/// A [`TicketStore`] kept in memory.
#[derive(Debug, Default)]
pub struct InMemoryStore {
    state: Mutex<State>,
}

impl InMemoryStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // Commits are validated before anything is applied and applying cannot fail, so a panic elsewhere while
        // the lock was held leaves consistent data behind: carry on with it.
        self.state.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Effects given up on, for inspection.
    pub fn dead_effects(&self) -> Vec<PendingEffect> {
        self.lock().dead.values().cloned().collect()
    }
}

#[async_trait]
impl TicketStore for InMemoryStore {
    async fn settings(&self, guild: GuildId) -> Result<GuildSettings, StoreError> {
        Ok(self.lock().settings.get(&guild).cloned().unwrap_or_else(|| GuildSettings::new(guild)))
    }

    async fn ticket(&self, id: TicketId) -> Result<Option<Ticket>, StoreError> {
        Ok(self.lock().tickets.get(&id).cloned())
    }

    async fn ticket_by_channel(&self, channel: ChannelId) -> Result<Option<Ticket>, StoreError> {
        let state = self.lock();
        let newest = state.index.by_channel.get(&channel).and_then(|ids| ids.last());
        Ok(newest.and_then(|id| state.tickets.get(id)).cloned())
    }

    async fn open_ticket_by_key(&self, key: &str) -> Result<Option<Ticket>, StoreError> {
        let state = self.lock();
        Ok(state.index.open_keys.get(key).and_then(|id| state.tickets.get(id)).cloned())
    }

    async fn last_opened(
        &self,
        guild: GuildId,
        kind: crate::settings::TicketType,
        person: Pid,
    ) -> Result<Option<OffsetDateTime>, StoreError> {
        let state = self.lock();
        let newest = state.index.by_person.get(&(guild, kind, person)).and_then(|ids| ids.last());
        Ok(newest.and_then(|id| state.tickets.get(id)).map(|t| t.opened_at))
    }

    async fn open_tickets(&self, guild: GuildId) -> Result<Vec<Ticket>, StoreError> {
        let state = self.lock();
        let open = state.index.open_in_guild.get(&guild).into_iter().flatten();
        Ok(open.filter_map(|id| state.tickets.get(id)).cloned().collect())
    }

    async fn open_ticket_channels(&self, guild: GuildId) -> Result<Vec<(TicketId, ChannelId)>, StoreError> {
        let state = self.lock();
        let open = state.index.open_in_guild.get(&guild).into_iter().flatten();
        Ok(open.filter_map(|id| state.tickets.get(id)?.channel.map(|channel| (*id, channel))).collect())
    }

    async fn open_game_players(
        &self,
        guild: GuildId,
        server: &GameServerId,
    ) -> Result<Vec<OpenGamePlayer>, StoreError> {
        let state = self.lock();
        let open = state.index.open_in_guild.get(&guild).into_iter().flatten();
        Ok(open
            .filter_map(|id| {
                let game = state.tickets.get(id)?.in_game().ok().filter(|game| game.server == *server)?;
                Some(OpenGamePlayer {
                    ticket: *id,
                    player: game.player,
                    name: game.name.clone(),
                    online: game.online,
                    held: !game.held.is_empty(),
                })
            })
            .collect())
    }

    async fn tickets_due(&self, until: OffsetDateTime, limit: usize) -> Result<Vec<Ticket>, StoreError> {
        let state = self.lock();
        Ok(state
            .index
            .due
            .iter()
            .take_while(|(due, _)| *due <= until)
            .take(limit)
            .filter_map(|(_, id)| state.tickets.get(id).cloned())
            .collect())
    }

    async fn ticket_stats(
        &self,
        guild: GuildId,
        since: Option<OffsetDateTime>,
    ) -> Result<Vec<crate::stats::TicketStat>, StoreError> {
        let state = self.lock();
        let from = since.map_or(i128::MIN, OffsetDateTime::unix_timestamp_nanos);
        let range = |set: &BTreeSet<(GuildId, i128, TicketId)>| {
            let in_guild = set.range((guild, from, TicketId::new(0))..).take_while(|(g, _, _)| *g == guild);
            in_guild.map(|(_, _, id)| *id).collect::<Vec<_>>()
        };
        let ids: BTreeSet<TicketId> =
            range(&state.index.opened).into_iter().chain(range(&state.index.closed)).collect();
        Ok(ids.iter().filter_map(|id| state.tickets.get(id)).map(crate::stats::TicketStat::of).collect())
    }

    async fn next_ticket_due(&self) -> Result<Option<OffsetDateTime>, StoreError> {
        Ok(self.lock().index.due.first().map(|(due, _)| *due))
    }

    async fn open_channel_names(&self, guild: GuildId, base: &str) -> Result<Vec<String>, StoreError> {
        let state = self.lock();
        let exact = state.index.open_names.get_key_value(&(guild, base.to_owned()));
        // Every name starting with `base-` sorts from `base-` up to, not including, `base.` (`.` follows `-`).
        let dashed = state.index.open_names.range((guild, format!("{base}-"))..(guild, format!("{base}.")));
        // One name per open ticket, as the SQLite store lists them.
        Ok(exact.into_iter().chain(dashed).flat_map(|((_, name), ids)| ids.iter().map(|_| name.clone())).collect())
    }

    async fn application(&self, id: ApplicationId) -> Result<Option<Application>, StoreError> {
        Ok(self.lock().applications.get(&id).cloned())
    }

    async fn applications_of(&self, guild: GuildId, applicant: Pid) -> Result<Vec<Application>, StoreError> {
        Ok(self
            .lock()
            .applications
            .values()
            .filter(|a| a.guild == guild && a.applicant == applicant)
            .cloned()
            .collect())
    }

    async fn transcript(&self, ticket: TicketId) -> Result<Vec<TranscriptEntry>, StoreError> {
        Ok(self.lock().transcripts.get(&ticket).cloned().unwrap_or_default())
    }

    async fn purge_transcripts(&self, guild: GuildId, closed_before: OffsetDateTime) -> Result<u64, StoreError> {
        let mut state = self.lock();
        let State { transcripts, tickets, .. } = &mut *state;
        let mut purged = 0;
        transcripts.retain(|id, lines| {
            let expired = tickets
                .get(id)
                .is_some_and(|t| t.guild == guild && t.closed.as_ref().is_some_and(|c| c.at < closed_before));
            if expired {
                purged += lines.len() as u64;
            }
            !expired
        });
        Ok(purged)
    }

    async fn pending_effects(&self, chain: Option<ChainKey>) -> Result<Vec<PendingEffect>, StoreError> {
        Ok(self.lock().outbox.values().filter(|e| chain.is_none_or(|c| e.chain == c)).cloned().collect())
    }

    async fn next_ticket_id(&self) -> Result<TicketId, StoreError> {
        let mut state = self.lock();
        state.last_ticket += 1;
        Ok(TicketId::new(state.last_ticket))
    }

    async fn next_application_id(&self) -> Result<ApplicationId, StoreError> {
        let mut state = self.lock();
        state.last_application += 1;
        Ok(ApplicationId::new(state.last_application))
    }

    async fn commit(&self, commit: Commit) -> Result<Vec<EffectId>, StoreError> {
        let mut state = self.lock();
        state.validate(&commit)?;
        Ok(state.apply(commit))
    }

    async fn has_receipt(&self, receipt: &GameReceipt) -> Result<bool, StoreError> {
        let state = self.lock();
        Ok(state.receipts.get(&receipt.server).is_some_and(|(kept, _)| kept.contains(&receipt.key())))
    }

    async fn gateway_seen(&self) -> Result<Option<OffsetDateTime>, StoreError> {
        Ok(self.lock().gateway_seen)
    }

    async fn set_gateway_seen(&self, at: OffsetDateTime) -> Result<(), StoreError> {
        self.lock().gateway_seen = Some(at);
        Ok(())
    }
}

#[async_trait]
impl StoreExport for InMemoryStore {
    async fn guilds_with_settings(&self) -> Result<Vec<GuildId>, StoreError> {
        let mut guilds: Vec<GuildId> = self.lock().settings.keys().copied().collect();
        guilds.sort();
        Ok(guilds)
    }

    async fn tickets_after(&self, after: Option<TicketId>, limit: usize) -> Result<Vec<Ticket>, StoreError> {
        let state = self.lock();
        let from = after.map_or(std::ops::Bound::Unbounded, std::ops::Bound::Excluded);
        Ok(state.tickets.range((from, std::ops::Bound::Unbounded)).take(limit).map(|(_, t)| t.clone()).collect())
    }

    async fn applications_after(
        &self,
        after: Option<ApplicationId>,
        limit: usize,
    ) -> Result<Vec<Application>, StoreError> {
        let state = self.lock();
        let from = after.map_or(std::ops::Bound::Unbounded, std::ops::Bound::Excluded);
        Ok(state.applications.range((from, std::ops::Bound::Unbounded)).take(limit).map(|(_, a)| a.clone()).collect())
    }

    async fn effects_after(&self, after: Option<EffectId>, limit: usize) -> Result<Vec<ExportedEffect>, StoreError> {
        let state = self.lock();
        let from = after.map_or(std::ops::Bound::Unbounded, std::ops::Bound::Excluded);
        // The first `limit` of both lists, merged, hold the first `limit` of the whole outbox.
        let pending = state.outbox.range((from, std::ops::Bound::Unbounded)).take(limit).map(|(id, e)| (*id, e, false));
        let dead = state.dead.range((from, std::ops::Bound::Unbounded)).take(limit).map(|(id, e)| (*id, e, true));
        let mut effects: Vec<(EffectId, &PendingEffect, bool)> = pending.chain(dead).collect();
        effects.sort_by_key(|(id, _, _)| *id);
        Ok(effects
            .into_iter()
            .take(limit)
            .map(|(_, pending, dead)| ExportedEffect { pending: pending.clone(), dead })
            .collect())
    }
}

impl State {
    /// Checks a commit against the state without changing anything.
    fn validate(&self, commit: &Commit) -> Result<(), StoreError> {
        if let Some(settings) = &commit.settings {
            Commit::check_version(self.settings.get(&settings.guild).map(|s| s.version), settings.version)?;
        }
        let mut keys: HashMap<&str, TicketId> = HashMap::new();
        for ticket in &commit.tickets {
            Commit::check_version(self.tickets.get(&ticket.id).map(|t| t.version), ticket.version)?;
        }
        let open_keys: Vec<(String, TicketId)> =
            commit.tickets.iter().filter_map(|t| t.open_key().map(|k| (k, t.id))).collect();
        for (key, id) in &open_keys {
            let holder = self.index.open_keys.get(key).copied().filter(|holder| {
                // A holder that this commit closes or re-keys frees the key.
                commit.tickets.iter().find(|t| t.id == *holder).is_none_or(|t| t.open_key().as_ref() == Some(key))
            });
            if holder.is_some_and(|h| h != *id) || keys.insert(key, *id).is_some_and(|other| other != *id) {
                return Err(StoreError::Conflict);
            }
        }
        let held = |id: TicketId| self.tickets.get(&id).filter(|t| t.closed.is_none()).map(|t| t.channel_name.clone());
        for (guild, name, id) in commit.name_claims(held)? {
            if self.index.name_holders(guild, name).any(|holder| holder != id && commit.keeps_name(holder, name)) {
                return Err(StoreError::Conflict);
            }
        }
        let ticket_exists = |id: TicketId| self.tickets.contains_key(&id) || commit.tickets.iter().any(|t| t.id == id);
        for app in &commit.applications {
            Commit::check_version(self.applications.get(&app.id).map(|a| a.version), app.version)?;
            if !ticket_exists(app.ticket) {
                return Err(StoreError::Missing { what: "ticket", id: app.ticket.get() });
            }
        }
        for entry in &commit.transcript {
            if !ticket_exists(entry.ticket) {
                return Err(StoreError::Missing { what: "ticket", id: entry.ticket.get() });
            }
        }
        // Only pending effects can be amended: an unknown, done or dead one means the caller's view is stale.
        if commit.amend.iter().any(|(id, _)| !self.outbox.contains_key(id)) {
            return Err(StoreError::Conflict);
        }
        Ok(())
    }

    /// Applies a validated commit.
    fn apply(&mut self, commit: Commit) -> Vec<EffectId> {
        if let Some(mut settings) = commit.settings {
            settings.version += 1;
            self.settings.insert(settings.guild, settings);
        }
        // Unindex every old version first, so that one commit can close a ticket and open another with its key in
        // either order.
        for ticket in &commit.tickets {
            if let Some(old) = self.tickets.get(&ticket.id) {
                self.index.remove(old);
            }
        }
        for mut ticket in commit.tickets {
            self.index.add(&ticket);
            ticket.version += 1;
            self.last_ticket = self.last_ticket.max(ticket.id.get());
            self.tickets.insert(ticket.id, ticket);
        }
        for mut app in commit.applications {
            app.version += 1;
            self.last_application = self.last_application.max(app.id.get());
            self.applications.insert(app.id, app);
        }
        for entry in commit.transcript {
            self.transcripts.entry(entry.ticket).or_default().push(entry);
        }
        for change in commit.transcript_changes {
            let lines = self.transcripts.get_mut(&change.ticket).into_iter().flatten();
            if let Some(line) = lines.filter(|l| l.message == Some(change.message)).last() {
                line.apply(&change.kind, change.at);
            }
        }
        for (id, effect) in commit.amend {
            if let Some(pending) = self.outbox.get_mut(&id) {
                pending.effect = effect;
            }
        }
        for id in commit.done {
            self.outbox.remove(&id);
        }
        for retry in commit.retry {
            if let Some(effect) = self.outbox.get_mut(&retry.id) {
                effect.attempts = retry.attempts;
                effect.not_before = Some(retry.not_before);
            }
        }
        for id in commit.dead {
            if let Some(effect) = self.outbox.remove(&id) {
                self.dead.insert(id, effect);
            }
        }
        for receipt in commit.receipts {
            let (kept, order) = self.receipts.entry(receipt.server.clone()).or_default();
            if kept.insert(receipt.key()) {
                order.push_back(receipt.key());
            }
            while order.len() > RECEIPTS_KEPT {
                if let Some(oldest) = order.pop_front() {
                    kept.remove(&oldest);
                }
            }
        }
        let mut ids = Vec::with_capacity(commit.enqueue.len());
        for (chain, effect) in commit.enqueue {
            self.last_effect += 1;
            let id = EffectId::new(self.last_effect);
            self.outbox.insert(id, PendingEffect { id, chain, effect, attempts: 0, not_before: None });
            ids.push(id);
        }
        ids
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::conformance::{T0, sample_in_game, sample_key, sample_support};
    use crate::ticket::CloseReason;

    crate::store_conformance_tests!(#[pollster::test], crate::InMemoryStore::new());

    fn assert_index_fresh(store: &InMemoryStore, step: &str) {
        let state = store.lock();
        assert_eq!(state.index, Index::of(state.tickets.values()), "the index is stale after {step}");
    }

    async fn save(store: &InMemoryStore, tickets: Vec<Ticket>) {
        store.commit(Commit { tickets, ..Commit::default() }).await.unwrap();
    }

    async fn load(store: &InMemoryStore, id: u64) -> Ticket {
        store.ticket(TicketId::new(id)).await.unwrap().unwrap()
    }

    #[pollster::test]
    async fn the_index_follows_every_change_of_a_ticket() {
        let store = InMemoryStore::new();
        let pid = sample_key().account(crate::AccountId::new(1));
        save(&store, vec![sample_support(1, 1, 40), sample_in_game(2, 1, pid, "Foo"), sample_support(3, 2, 41)]).await;
        assert_index_fresh(&store, "opening");

        let mut renamed = load(&store, 1).await;
        renamed.channel_name = "support-renamed".into();
        renamed.channel = Some(ChannelId::new(77));
        save(&store, vec![renamed]).await;
        assert_index_fresh(&store, "renaming and moving a ticket");

        let mut closed = load(&store, 2).await;
        closed.close(CloseReason::PlayerLoggedOut, None, T0).unwrap();
        save(&store, vec![closed, sample_in_game(4, 1, pid, "Foo")]).await;
        assert_index_fresh(&store, "closing a ticket and opening its successor in one commit");

        let mut gone = load(&store, 4).await;
        gone.close(CloseReason::PlayerLoggedOut, None, T0).unwrap();
        save(&store, vec![gone]).await;
        let mut reopened = load(&store, 2).await;
        reopened.closed = None;
        save(&store, vec![reopened]).await;
        assert_index_fresh(&store, "reopening a ticket");
        let key = sample_in_game(2, 1, pid, "Foo").open_key().unwrap();
        assert_eq!(store.open_ticket_by_key(&key).await.unwrap().map(|t| t.id), Some(TicketId::new(2)));

        let failed = store.commit(Commit { tickets: vec![sample_support(5, 1, 40)], ..Commit::default() }).await;
        assert!(matches!(failed, Err(StoreError::Conflict)), "ticket 1 holds the key: {failed:?}");
        assert_index_fresh(&store, "a refused commit");
        assert_eq!(store.ticket(TicketId::new(5)).await.unwrap(), None);
    }

    #[pollster::test]
    async fn tickets_sharing_a_name_are_each_listed_and_each_unlisted() {
        // Stored before names had to be unique: two open tickets with one name.
        let store = InMemoryStore::new();
        let mut first = sample_support(1, 1, 40);
        let mut second = sample_support(2, 1, 41);
        first.channel_name = "support-ann".into();
        second.channel_name = "support-ann".into();
        {
            let mut state = store.lock();
            for ticket in [first, second] {
                state.index.add(&ticket);
                state.tickets.insert(ticket.id, ticket);
            }
        }
        assert_eq!(store.open_channel_names(GuildId::new(1), "support-ann").await.unwrap().len(), 2);
        let mut closed = load(&store, 1).await;
        closed.close(CloseReason::ChannelDeleted, None, T0).unwrap();
        save(&store, vec![closed]).await;
        assert_eq!(store.open_channel_names(GuildId::new(1), "support-ann").await.unwrap(), vec!["support-ann"]);
        assert_index_fresh(&store, "closing one of two tickets sharing a name");
    }
}
