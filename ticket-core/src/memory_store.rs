//! [`InMemoryStore`]: a [`TicketStore`] in memory, for tests, demos and embedders that bring their own
//! persistence. It follows exactly the same rules as the SQLite store (both run `ticket_core::conformance` (feature `conformance`)).

use std::collections::{BTreeMap, HashMap};
use std::sync::{Mutex, MutexGuard};

use async_trait::async_trait;

use crate::effect::{ChainKey, PendingEffect};
use crate::id::{ApplicationId, ChannelId, EffectId, GuildId, TicketId};
use crate::pid::Pid;
use crate::ports::{Commit, StoreError, TicketStore, TranscriptEntry};
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
    open_keys: HashMap<String, TicketId>,
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
        Ok(self.lock().tickets.values().rev().find(|t| t.channel == Some(channel)).cloned())
    }

    async fn open_ticket_by_key(&self, key: &str) -> Result<Option<Ticket>, StoreError> {
        let state = self.lock();
        Ok(state.open_keys.get(key).and_then(|id| state.tickets.get(id)).cloned())
    }

    async fn open_tickets(&self, guild: GuildId) -> Result<Vec<Ticket>, StoreError> {
        Ok(self.lock().tickets.values().filter(|t| t.guild == guild && t.is_open()).cloned().collect())
    }

    async fn open_channel_names(&self, guild: GuildId, base: &str) -> Result<Vec<String>, StoreError> {
        let dashed = format!("{base}-");
        Ok(self
            .lock()
            .tickets
            .values()
            .filter(|t| t.guild == guild && t.is_open())
            .filter(|t| t.channel_name == base || t.channel_name.starts_with(&dashed))
            .map(|t| t.channel_name.clone())
            .collect())
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
            let holder = self.open_keys.get(key).copied().filter(|holder| {
                // A holder that this commit closes or re-keys frees the key.
                commit.tickets.iter().find(|t| t.id == *holder).is_none_or(|t| t.open_key().as_ref() == Some(key))
            });
            if holder.is_some_and(|h| h != *id) || keys.insert(key, *id).is_some_and(|other| other != *id) {
                return Err(StoreError::Conflict);
            }
        }
        let held = |id: TicketId| self.tickets.get(&id).filter(|t| t.closed.is_none()).map(|t| t.channel_name.clone());
        for (guild, name, id) in commit.name_claims(held)? {
            // A linear scan: this store is for tests and small embeddings.
            let taken = self.tickets.values().any(|t| {
                t.id != id
                    && t.guild == guild
                    && t.closed.is_none()
                    && t.channel_name == name
                    && commit.keeps_name(t.id, name)
            });
            if taken {
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
        Ok(())
    }

    /// Applies a validated commit.
    fn apply(&mut self, commit: Commit) -> Vec<EffectId> {
        if let Some(mut settings) = commit.settings {
            settings.version += 1;
            self.settings.insert(settings.guild, settings);
        }
        // Free every old key first, so that one commit can close a ticket and open another with its key in
        // either order.
        for ticket in &commit.tickets {
            if let Some(old) = self.tickets.get(&ticket.id).and_then(Ticket::open_key) {
                if self.open_keys.get(&old) == Some(&ticket.id) {
                    self.open_keys.remove(&old);
                }
            }
        }
        for mut ticket in commit.tickets {
            if let Some(key) = ticket.open_key() {
                self.open_keys.insert(key, ticket.id);
            }
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
    crate::store_conformance_tests!(#[pollster::test], crate::InMemoryStore::new());
}
