use std::sync::Arc;

use super::*;
use crate::ports::{MockTicketStore, StoreError};
use crate::{DeskError, TicketSource};

/// Whether the calls include the log channel's "Action failed" entry.
fn staff_told_of_a_failure(calls: &[Call]) -> bool {
    calls.iter().any(|c| {
        matches!(c, Call::Send { channel, message }
            if *channel == LOG.get() && message.embeds[0].title.as_deref() == Some("Action failed"))
    })
}

#[pollster::test]
async fn a_crash_before_effects_ran_is_finished_by_resume() {
    let world = World::configured();
    world.faults().discord_down = true;
    let opened = world.desk.open_support_ticket(GUILD, &member(1, "Ann"), "help").await.unwrap();
    assert_eq!(opened.channel, None, "Discord was down: the channel is not made yet");
    let pending = world.store.pending_effects(None).await.unwrap();
    assert_eq!(pending.len(), 2, "create channel and welcome wait in the outbox");
    assert_eq!(pending[0].attempts, 1);
    assert!(world.take_calls().is_empty());

    // A new process over the same store: Discord is back.
    let restarted = World::over(world.store.clone());
    restarted.advance(time::Duration::minutes(5));
    let report = restarted.desk.resume().await.unwrap();
    assert_eq!((report.chains, report.pending_before, report.pending_after), (1, 2, 0));
    let calls = restarted.take_calls();
    assert!(matches!(&calls[0], Call::CreateChannel { name, .. } if name == "support-ann"));
    assert!(matches!(&calls[1], Call::Send { .. }));
    let ticket = restarted.store.ticket(opened.ticket).await.unwrap().unwrap();
    assert_eq!(ticket.channel, Some(restarted.channel_of(opened.ticket)));
}

#[pollster::test]
async fn failures_back_off_and_block_the_chain_until_their_time() {
    let world = World::configured();
    world.faults().discord_down = true;
    let opened = world.desk.open_support_ticket(GUILD, &member(1, "Ann"), "help").await.unwrap();
    world.faults().discord_down = false;
    let report = world.desk.resume().await.unwrap();
    assert_eq!(report.pending_after, 2, "not retried before its time");
    world.advance(time::Duration::seconds(3));
    world.desk.resume().await.unwrap();
    assert!(world.store.pending_effects(None).await.unwrap().is_empty());
    assert!(world.store.ticket(opened.ticket).await.unwrap().unwrap().channel.is_some());
}

#[pollster::test]
async fn an_effect_that_keeps_failing_is_given_up_and_reported_to_staff() {
    let world = World::configured();
    world.faults().discord_down = true;
    world.desk.open_support_ticket(GUILD, &member(1, "Ann"), "help").await.unwrap();
    for _ in 0..12 {
        world.advance(time::Duration::hours(1));
        world.desk.resume().await.unwrap();
    }
    let dead = world.store.dead_effects();
    assert!(!dead.is_empty(), "the create was given up");
    world.faults().discord_down = false;
    world.advance(time::Duration::hours(1));
    world.desk.resume().await.unwrap();
    let calls = world.take_calls();
    assert!(staff_told_of_a_failure(&calls), "staff are told: {calls:?}");
}

#[pollster::test]
async fn a_refused_channel_closes_the_ticket_so_the_member_can_try_again() {
    let world = World::configured();
    let mut chat = MockChatPlatform::new();
    chat.expect_create_channel().returning(|_| Err(PlatformError::Forbidden));
    chat.expect_send().returning(|_, _| Ok(MessageId::new(1)));
    let ports = Ports::new(world.store.clone(), Arc::new(chat));
    let desk = Desk::new(ports, sample_key());
    let opened = desk.open_support_ticket(GUILD, &member(1, "Ann"), "help").await.unwrap();
    assert!(opened.failed && !opened.pending(), "the member is told it failed, not that it is being created");
    let ticket = world.store.ticket(opened.ticket).await.unwrap().unwrap();
    assert_eq!(ticket.closed.map(|c| c.reason), Some(crate::ticket::CloseReason::ChannelFailed));
    assert!(world.store.pending_effects(None).await.unwrap().is_empty());
}

/// A channel that is only delayed, then refused for good at a retry: the platform that said "being created"
/// learns the outcome from `opening`, and staff are told in the log.
#[pollster::test]
async fn a_channel_refused_after_a_delay_is_reported_by_opening() {
    let world = World::configured();
    world.faults().discord_down = true;
    let opened = world.desk.open_support_ticket(GUILD, &member(1, "Ann"), "help").await.unwrap();
    assert!(opened.pending(), "Discord was down: being created");
    assert!(world.desk.opening(opened.ticket).await.unwrap().pending());
    {
        let mut faults = world.faults();
        faults.discord_down = false;
        faults.refuse_channels = true;
    }
    world.advance(time::Duration::minutes(5));
    world.desk.resume().await.unwrap();
    let now = world.desk.opening(opened.ticket).await.unwrap();
    assert!(now.failed && now.channel.is_none(), "{now:?}");
    let calls = world.take_calls();
    assert!(staff_told_of_a_failure(&calls), "staff are told: {calls:?}");
}

/// An in-game ticket whose channel Discord refuses: the player is whispered what happened (instead of "Ticket
/// Created"), so they do not wait for an answer that cannot come; staff are told.
#[pollster::test]
async fn a_player_whose_channel_is_refused_is_told_in_game() {
    let world = World::configured();
    world.faults().refuse_channels = true;
    let outcome =
        world.desk.open_game_ticket(GUILD, &server(), &player("Foo", 1), TicketSource::Request, "help").await.unwrap();
    assert!(matches!(outcome, crate::InGameOutcome::Opened(_)));
    let calls = world.take_calls();
    assert!(!calls.iter().any(|c| matches!(c, Call::GameTicketCreated { .. })), "no Ticket Created: {calls:?}");
    assert!(
        calls.contains(&Call::Whisper {
            player: "Foo".into(),
            from: crate::strings::BRIDGE_SENDER.into(),
            text: crate::strings::IN_GAME_TICKET_FAILED.into(),
        }),
        "the player is told: {calls:?}"
    );
    assert!(staff_told_of_a_failure(&calls), "staff are told: {calls:?}");
}

#[pollster::test]
async fn a_failing_store_loses_nothing_and_sends_nothing() {
    let mut store = MockTicketStore::new();
    store.expect_settings().returning(|g| Ok(GuildSettings::new(g)));
    store.expect_open_ticket_by_key().returning(|_| Ok(None));
    store.expect_next_ticket_id().returning(|| Ok(crate::TicketId::new(1)));
    store.expect_open_channel_names().returning(|_, _| Ok(vec![]));
    store.expect_commit().returning(|_| Err(StoreError::backend(std::io::Error::other("disk full"))));
    let mut chat = MockChatPlatform::new();
    chat.expect_create_channel().never();
    chat.expect_send().never();
    let desk = Desk::new(Ports::new(Arc::new(store), Arc::new(chat)), sample_key());
    let err =
        desk.open_game_ticket(GUILD, &server(), &player("Foo", 1), TicketSource::Request, "hi").await.unwrap_err();
    assert!(matches!(err, DeskError::Store(StoreError::Backend(_))));
    assert_eq!(err.to_string(), "storage failed: storage failed: disk full");
    assert!(!err.is_refusal());
}

#[pollster::test]
async fn endless_races_end_in_busy() {
    let mut store = MockTicketStore::new();
    store.expect_settings().returning(|g| Ok(GuildSettings::new(g)));
    store.expect_commit().times(5).returning(|_| Err(StoreError::Conflict));
    let chat = MockChatPlatform::new();
    let desk = Desk::new(Ports::new(Arc::new(store), Arc::new(chat)), sample_key());
    let err = desk.admin(GUILD, &admin(1, "Owner"), crate::AdminCommand::SetDmOnClose(true)).await.unwrap_err();
    assert!(matches!(err, DeskError::Busy));
}

/// A store where another writer gets in first: the first commit of settings is beaten by a competing change.
struct Contended {
    inner: Arc<InMemoryStore>,
    beaten: Mutex<bool>,
}

#[async_trait::async_trait]
impl TicketStore for Contended {
    async fn settings(&self, g: GuildId) -> Result<GuildSettings, StoreError> {
        self.inner.settings(g).await
    }
    async fn ticket(&self, id: crate::TicketId) -> Result<Option<crate::Ticket>, StoreError> {
        self.inner.ticket(id).await
    }
    async fn ticket_by_channel(&self, c: ChannelId) -> Result<Option<crate::Ticket>, StoreError> {
        self.inner.ticket_by_channel(c).await
    }
    async fn open_ticket_by_key(&self, k: &str) -> Result<Option<crate::Ticket>, StoreError> {
        self.inner.open_ticket_by_key(k).await
    }
    async fn last_opened(
        &self,
        g: GuildId,
        kind: crate::TicketType,
        person: crate::Pid,
    ) -> Result<Option<time::OffsetDateTime>, StoreError> {
        self.inner.last_opened(g, kind, person).await
    }
    async fn open_tickets(&self, g: GuildId) -> Result<Vec<crate::Ticket>, StoreError> {
        self.inner.open_tickets(g).await
    }
    async fn open_ticket_channels(&self, g: GuildId) -> Result<Vec<(crate::TicketId, ChannelId)>, StoreError> {
        self.inner.open_ticket_channels(g).await
    }
    async fn open_game_players(
        &self,
        g: GuildId,
        server: &crate::GameServerId,
    ) -> Result<Vec<crate::ports::OpenGamePlayer>, StoreError> {
        self.inner.open_game_players(g, server).await
    }
    async fn tickets_due(&self, until: time::OffsetDateTime, n: usize) -> Result<Vec<crate::Ticket>, StoreError> {
        self.inner.tickets_due(until, n).await
    }
    async fn ticket_stats(
        &self,
        g: GuildId,
        since: Option<time::OffsetDateTime>,
    ) -> Result<Vec<crate::stats::TicketStat>, StoreError> {
        self.inner.ticket_stats(g, since).await
    }
    async fn next_ticket_due(&self) -> Result<Option<time::OffsetDateTime>, StoreError> {
        self.inner.next_ticket_due().await
    }
    async fn open_channel_names(&self, g: GuildId, base: &str) -> Result<Vec<String>, StoreError> {
        self.inner.open_channel_names(g, base).await
    }
    async fn application(&self, id: crate::ApplicationId) -> Result<Option<crate::Application>, StoreError> {
        self.inner.application(id).await
    }
    async fn applications_of(&self, g: GuildId, p: crate::Pid) -> Result<Vec<crate::Application>, StoreError> {
        self.inner.applications_of(g, p).await
    }
    async fn transcript(&self, t: crate::TicketId) -> Result<Vec<crate::ports::TranscriptEntry>, StoreError> {
        self.inner.transcript(t).await
    }
    async fn purge_transcripts(&self, g: GuildId, before: time::OffsetDateTime) -> Result<u64, StoreError> {
        self.inner.purge_transcripts(g, before).await
    }
    async fn pending_effects(&self, c: Option<crate::ChainKey>) -> Result<Vec<crate::PendingEffect>, StoreError> {
        self.inner.pending_effects(c).await
    }
    async fn next_ticket_id(&self) -> Result<crate::TicketId, StoreError> {
        self.inner.next_ticket_id().await
    }
    async fn next_application_id(&self) -> Result<crate::ApplicationId, StoreError> {
        self.inner.next_application_id().await
    }
    async fn has_receipt(&self, receipt: &crate::GameReceipt) -> Result<bool, StoreError> {
        self.inner.has_receipt(receipt).await
    }
    async fn commit(&self, commit: crate::Commit) -> Result<Vec<crate::EffectId>, StoreError> {
        let first = std::mem::replace(&mut *self.beaten.lock().unwrap(), true);
        if !first {
            if let Some(settings) = &commit.settings {
                let mut rival = self.inner.settings(settings.guild).await?;
                rival
                    .recruitment_options
                    .push(crate::settings::RecruitmentOption { name: "salvage".into(), ping_role: None });
                self.inner.commit(crate::Commit { settings: Some(rival), ..Default::default() }).await?;
            }
        }
        self.inner.commit(commit).await
    }
}

#[pollster::test]
async fn a_lost_race_is_decided_again_and_keeps_both_changes() {
    let inner = Arc::new(InMemoryStore::new());
    let store = Arc::new(Contended { inner: inner.clone(), beaten: Mutex::new(false) });
    let desk = Desk::new(Ports::new(store, Arc::new(MockChatPlatform::new())), sample_key());
    let add = crate::AdminCommand::AddOption { name: "medical".into(), ping_role: None };
    desk.admin(GUILD, &admin(1, "Owner"), add).await.unwrap();
    let names: Vec<String> =
        inner.settings(GUILD).await.unwrap().recruitment_options.into_iter().map(|o| o.name).collect();
    assert_eq!(names, vec!["salvage", "medical"], "the rival's change and ours are both kept");
}
