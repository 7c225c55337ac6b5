#![allow(clippy::expect_used, clippy::unwrap_used)] // A test suite: a failed expectation is the check failing.
//! The store conformance suite: the rules every [`TicketStore`] backend must follow, as generic async checks,
//! and [`store_conformance_tests!`](crate::store_conformance_tests) to run them all (matrix-rust-sdk's pattern).
//!
//! ```text
//! // In a backend's tests, with whatever async test attribute it uses:
//! ticket_core::store_conformance_tests!(#[tokio::test], my_backend::Store::open_in_memory().await.unwrap());
//! ```
//!
//! Enabled by the `conformance` feature. Checks panic with a message naming the rule that failed.

use time::OffsetDateTime;
use time::macros::datetime;

use crate::effect::{ChainKey, Destination, Effect, LogEntry, Notice};
use crate::id::{ApplicationId, ChannelId, GameServerId, GuildId, MessageId, RoleId, TicketId, UserId};
use crate::pid::{Pid, PidKey};
use crate::ports::{Commit, Retry, StoreError, TicketStore, TranscriptAuthor, TranscriptEntry};
use crate::qna::{AnswerKind, QnaAnswer, QnaQuestion};
use crate::recruitment::{Application, RecruitmentStatus, RequestedRole, StatusChange, Step1};
use crate::relay::GameName;
use crate::settings::{ApplicantAccess, GuildSettings, PostedMessage, RecruitmentOption, TicketType};
use crate::ticket::{
    CloseReason, HeldReply, InGameTicket, RecruitmentTicket, SupportTicket, Ticket, TicketDetail, TicketSource,
};
use crate::topic::Topic;

mod delegate;
mod export;
mod gateway;
mod limits;
mod open_views;
mod receipts;
mod stats;
mod timers;
mod transcripts;
pub use delegate::{__async_trait, __time};
pub use export::*;
pub use gateway::*;
pub use limits::*;
pub use open_views::*;
pub use receipts::*;
pub use stats::*;
pub use timers::*;
pub use transcripts::*;

/// Runs every conformance check as its own test. Give the async test attribute and an expression making a
/// fresh, empty store (it may use `.await`).
#[macro_export]
macro_rules! store_conformance_tests {
    (#[$attr:meta], $store:expr) => {
        $crate::store_conformance_tests!(@each #[$attr], $store, [
            settings_default_then_saved,
            settings_stale_version_conflicts,
            tickets_of_every_kind_round_trip,
            tickets_found_by_channel_and_guild,
            ticket_stale_version_conflicts,
            open_keys_are_unique,
            closing_frees_the_open_key,
            closing_and_reopening_works_in_either_order,
            open_channel_names_match_the_base,
            open_channel_names_are_unique_per_guild,
            open_lookups_follow_renames_closes_and_reopens,
            open_ticket_channels_list_open_tickets_with_a_channel,
            open_game_players_list_one_servers_open_tickets,
            applications_round_trip_and_list,
            application_needs_its_ticket,
            transcripts_append_in_order_and_outlive_the_channel,
            transcripts_keep_staff_attachments_edits_and_deletions,
            transcripts_are_purged_per_guild_after_closing,
            tickets_are_found_by_when_they_are_due,
            commits_are_all_or_nothing,
            outbox_keeps_order_per_chain,
            outbox_done_retry_and_dead,
            outbox_ignores_unknown_ids,
            outbox_amend_keeps_the_place_of_the_effect,
            outbox_amend_and_done_in_one_commit,
            outbox_amend_needs_a_pending_effect,
            every_effect_round_trips,
            ids_are_never_reused,
            exports_list_in_id_order_and_pages,
            a_whole_store_copies_in_and_out,
            game_receipts_are_kept_with_their_commit,
            the_gateway_watermark_is_kept,
            limits_blocklist_and_snippets_round_trip,
            support_slots_are_open_keys_of_their_own,
            the_last_opening_is_found_per_person_and_kind,
            ticket_activity_and_feedback_round_trip,
            ticket_stats_read_one_guild_since_a_time,
        ]);
    };
    (@each #[$attr:meta], $store:expr, [$($check:ident),* $(,)?]) => {
        $(
            #[$attr]
            async fn $check() {
                let store = $store;
                $crate::conformance::$check(&store).await;
            }
        )*
    };
}

/// The deployment key the samples use.
pub fn sample_key() -> PidKey {
    match PidKey::new(&[7; 32]) {
        Ok(key) => key,
        Err(_) => unreachable!("32 bytes is a valid secret"),
    }
}

/// A fixed time.
pub const T0: OffsetDateTime = datetime!(2026-11-20 12:00 UTC);

pub(crate) fn name(text: &str) -> GameName {
    GameName::new(text).unwrap_or_else(|_| unreachable!("sample names are valid"))
}

/// An open in-game ticket.
pub fn sample_in_game(id: u64, guild: u64, account_pid: Pid, player: &str) -> Ticket {
    Ticket {
        id: TicketId::new(id),
        guild: GuildId::new(guild),
        channel: None,
        channel_name: crate::relay::channel_slug(player),
        detail: TicketDetail::InGame(InGameTicket {
            server: GameServerId::new("main").unwrap_or_else(|_| unreachable!("valid id")),
            player: account_pid,
            name: name(player),
            online: true,
            held: vec![HeldReply { from: "Staff".into(), text: "hello".into(), at: T0 }],
        }),
        opened_at: T0,
        closed: None,
        claim: None,
        timers: Default::default(),
        activity: Default::default(),
        version: 0,
    }
}

/// An open support ticket.
pub fn sample_support(id: u64, guild: u64, user: u64) -> Ticket {
    let key = sample_key();
    Ticket {
        id: TicketId::new(id),
        guild: GuildId::new(guild),
        channel: Some(ChannelId::new(1000 + id)),
        channel_name: format!("support-{id}"),
        detail: TicketDetail::Support(SupportTicket {
            opener: key.user(UserId::new(user)),
            contact: key.seal(UserId::new(user)),
            question: "My ship is stuck".into(),
            slot: 0,
        }),
        opened_at: T0,
        closed: None,
        claim: None,
        timers: Default::default(),
        activity: Default::default(),
        version: 0,
    }
}

/// An open recruitment ticket.
pub fn sample_recruitment(id: u64, guild: u64, user: u64, app: Option<u64>) -> Ticket {
    let key = sample_key();
    Ticket {
        id: TicketId::new(id),
        guild: GuildId::new(guild),
        channel: Some(ChannelId::new(2000 + id)),
        channel_name: format!("apply-{id}"),
        detail: TicketDetail::Recruitment(RecruitmentTicket {
            applicant: key.user(UserId::new(user)),
            contact: key.seal(UserId::new(user)),
            application: app.map(ApplicationId::new),
        }),
        opened_at: T0,
        closed: None,
        claim: None,
        timers: Default::default(),
        activity: Default::default(),
        version: 0,
    }
}

/// An application in status Approved, with Q&A.
pub fn sample_application(id: u64, ticket: &Ticket, user: u64) -> Application {
    let key = sample_key();
    Application {
        id: ApplicationId::new(id),
        guild: ticket.guild,
        ticket: ticket.id,
        applicant: key.user(UserId::new(user)),
        contact: key.seal(UserId::new(user)),
        applicant_name: "Applicant".into(),
        status: RecruitmentStatus::Approved,
        form: Step1 {
            requested: RequestedRole::Member,
            area: "medical".into(),
            time_zone: "Europe/Berlin".into(),
            rsi_handle: "Pilot_1".into(),
            notes: "Hi".into(),
        },
        tz_info: Some("Europe/Berlin (UTC+01:00)".into()),
        qna: vec![QnaAnswer {
            question: "Availability".into(),
            kind: AnswerKind::TimeRange,
            answer: Some("18:00-22:00".into()),
            uk_time: Some("17:00-21:00".into()),
        }],
        qna_draft: Vec::new(),
        decline_reason: None,
        record: Some(PostedMessage { channel: ChannelId::new(5), message: MessageId::new(6) }),
        qna_prompt: None,
        history: vec![StatusChange { status: RecruitmentStatus::Pending, by: key.user(UserId::new(user)), at: T0 }],
        created_at: T0,
        updated_at: T0,
        version: 0,
    }
}

/// Every kind of effect, each variant at least once.
pub fn sample_effects() -> Vec<Effect> {
    let key = sample_key();
    let user = key.seal(UserId::new(42));
    let ticket = TicketId::new(1);
    let app = ApplicationId::new(2);
    let server = GameServerId::new("main").unwrap_or_else(|_| unreachable!("valid id"));
    let notices = vec![
        Notice::SupportPanel,
        Notice::RecruitmentPanel { org_url: Some("https://robertsspaceindustries.com/orgs/X".into()), org_image: None },
        Notice::SupportAbout,
        Notice::SupportWelcome { opener: user, question: "q".into(), ping: vec![RoleId::new(3)] },
        Notice::InGameWelcome {
            player: name("Foo"),
            server: server.clone(),
            source: TicketSource::Request,
            ping: vec![],
            opening: None,
        },
        Notice::InGameWelcome {
            player: name("Foo"),
            server: server.clone(),
            source: TicketSource::Whisper,
            ping: vec![RoleId::new(3)],
            opening: Some("my cart is gone".into()),
        },
        Notice::PlayerMessage { player: name("Foo"), text: "line one\nline two ünïcode".into() },
        Notice::ReplyHeld { player: name("Foo") },
        Notice::Snippet { name: "hello".into(), by: "GM Alice".into(), text: "Hi!".into() },
        Notice::HeldDelivered { player: name("Foo"), count: 2 },
        Notice::PlayerLoggedOut { player: name("Foo") },
        Notice::PlayerLoggedIn { player: name("Foo") },
        Notice::Step1Wizard { ticket, applicant: user, ping: vec![], options: vec!["medical".into()] },
        Notice::Step1Summary {
            app,
            applicant: user,
            form: sample_application(2, &sample_recruitment(1, 1, 42, Some(2)), 42).form,
            tz_info: Some("Europe/Berlin (UTC+01:00)".into()),
            area_ping: Some(RoleId::new(4)),
        },
        Notice::QnaPrompt { app, pages: 2 },
        Notice::QnaSummary { app, answers: sample_application(2, &sample_recruitment(1, 1, 42, Some(2)), 42).qna },
        Notice::FinaliseControl { app, by_name: "Staff".into() },
        Notice::Log(LogEntry::SupportResolved {
            ticket,
            channel_name: "support-1".into(),
            opener: user,
            by: user,
            by_name: "Staff".into(),
            question: "q".into(),
            resolution: "done".into(),
            reopen: true,
        }),
        Notice::Log(LogEntry::Recruitment {
            app,
            action: RecruitmentStatus::Declined,
            applicant: user,
            by: user,
            by_name: "Staff".into(),
            reason: Some("no".into()),
        }),
        Notice::Log(LogEntry::NicknameRefused {
            applicant: user,
            nickname: "Pilot".into(),
            reason: "hierarchy".into(),
        }),
        Notice::Log(LogEntry::ActionFailed { action: "grant role".into(), error: "forbidden".into() }),
        Notice::Log(LogEntry::InGameClosed { ticket, player: name("Foo"), reason: "logout".into() }),
        Notice::ResolvedDm { channel_name: "support-1".into(), resolution: "done".into() },
        Notice::DeclinedDm,
        Notice::Log(LogEntry::TicketClosed {
            ticket,
            channel_name: "support-1".into(),
            reason: "inactive".into(),
            reopen: false,
        }),
        Notice::CloseRequested { ticket, opener: user, by_name: "Staff".into(), hours: 24 },
        Notice::CloseRequestKept { by_name: "Ann".into() },
        Notice::InactivityWarning { opener: user, idle_hours: 48, closes_in_hours: 24 },
        Notice::Reopened { from: ticket, by_name: "Staff".into(), lines: vec![("Ann".into(), "hi ✓".into())] },
        Notice::Claimed { by: user, exclusive: true },
        Notice::Unclaimed { by_name: "Staff".into() },
        Notice::Transferred { from_name: "Staff".into(), to: user },
    ];
    let mut effects = vec![
        Effect::CreateTicketChannel {
            ticket,
            kind: TicketType::Recruitment,
            guild: GuildId::new(1),
            name: "ticket-foo".into(),
            category: Some(ChannelId::new(9)),
            topic: Topic {
                app: Some(app),
                requested: Some(RequestedRole::Affiliate),
                tz: Some("UTC+2".into()),
                opener: Some(user),
                ..Topic::ticket(ticket)
            },
            members: vec![user],
            staff_roles: vec![RoleId::new(3)],
        },
        Effect::DeleteTicketChannel { ticket },
        Effect::SetTopic { ticket, topic: Topic::ticket(ticket) },
        Effect::AllowRole { ticket, role: RoleId::new(4) },
        Effect::SetMemberAccess { ticket, user, access: ApplicantAccess::ReadOnly },
        Effect::SetRoleAccess { ticket, role: RoleId::new(4), access: ApplicantAccess::ReadOnly },
        Effect::ResetMemberAccess { ticket, user },
        Effect::PostTranscript { ticket, to: Destination::Dm(user), notice: Notice::DeclinedDm },
        Effect::CompleteQnaPrompt { app },
        Effect::UpdateRecord { app },
        Effect::DeleteMessage { message: PostedMessage { channel: ChannelId::new(1), message: MessageId::new(2) } },
        Effect::RemoveOldPanels { channel: ChannelId::new(1), keep: MessageId::new(3), control: "recruit:open".into() },
        Effect::GrantRole { guild: GuildId::new(1), user, role: RoleId::new(3) },
        Effect::SyncNickname { guild: GuildId::new(1), user, rsi_handle: "Pilot".into(), log_channel: None },
        Effect::ShowRsiProfile { ticket, rsi_handle: "Pilot".into() },
        Effect::Whisper {
            ticket,
            server: server.clone(),
            player: name("Foo"),
            from: "Staff".into(),
            text: "hi".into(),
        },
        Effect::GameTicketCreated { server: server.clone(), player: name("Foo"), source: TicketSource::Whisper },
        Effect::GameNotice { server: server.clone(), player: name("Foo"), text: "You are blocked.".into() },
        Effect::GameTicketClosed { server, player: name("Foo") },
        Effect::ShowFeedback { ticket },
    ];
    effects.push(Effect::Post {
        to: Destination::Dm(user),
        notice: Notice::FeedbackPrompt { ticket, channel_name: "support-ann".into() },
    });
    effects.push(Effect::Post { to: Destination::Dm(user), notice: Notice::DeclinedDm });
    effects.push(Effect::Post { to: Destination::Channel(ChannelId::new(8)), notice: Notice::SupportPanel });
    effects.extend(notices.into_iter().map(|notice| Effect::Post { to: Destination::Ticket(ticket), notice }));
    effects
}

pub(crate) async fn commit(store: &impl TicketStore, commit: Commit) -> Vec<crate::EffectId> {
    match store.commit(commit).await {
        Ok(ids) => ids,
        Err(e) => panic!("a valid commit failed: {e}"),
    }
}

async fn must_conflict(store: &impl TicketStore, c: Commit, rule: &str) {
    match store.commit(c).await {
        Err(StoreError::Conflict) => {}
        other => panic!("{rule}: expected a conflict, got {other:?}"),
    }
}

pub(crate) fn tickets(list: Vec<Ticket>) -> Commit {
    Commit { tickets: list, ..Commit::default() }
}

pub(crate) async fn load(store: &impl TicketStore, id: u64) -> Ticket {
    match store.ticket(TicketId::new(id)).await {
        Ok(Some(t)) => t,
        other => panic!("ticket {id} should load, got {other:?}"),
    }
}

/// Settings default to [`GuildSettings::new`] at version 0, and load back exactly as saved, at version 1.
pub async fn settings_default_then_saved(store: &impl TicketStore) {
    let guild = GuildId::new(77);
    let defaults = store.settings(guild).await.expect("settings load");
    assert_eq!(defaults, GuildSettings::new(guild), "unsaved settings are the defaults");
    let mut s = defaults;
    s.dm_on_close = true;
    s.nick_sync = true;
    s.targets.support_panel = Some(ChannelId::new(1));
    s.targets.log_channel = Some(ChannelId::new(2));
    s.panels.support = Some(PostedMessage { channel: ChannelId::new(1), message: MessageId::new(3) });
    s.ping_roles.recruitment = Some(RoleId::new(4));
    s.rsi_org.url = Some("https://robertsspaceindustries.com/orgs/TEST".into());
    s.recruitment_options.push(RecruitmentOption { name: "medical".into(), ping_role: Some(RoleId::new(5)) });
    s.qna.push(QnaQuestion { label: "Ship".into(), kind: AnswerKind::Keywords, required: false });
    s.record_channel = Some(ChannelId::new(6));
    s.applicant_access = ApplicantAccess::Remove;
    s.capability_roles.support = vec![RoleId::new(7), RoleId::new(8)];
    s.org_roles.affiliate = Some(RoleId::new(9));
    s.in_game.close_on_logout = false;
    s.in_game.staff_role = Some(RoleId::new(10));
    s.transcripts.retention_days = Some(30);
    s.claims.exclusive = true;
    s.closing.request_timeout_hours = 6;
    s.closing.opener_can_close = true;
    s.closing.reopen_window_hours = Some(72);
    s.closing.recruitment_inactivity =
        Some(crate::settings::Inactivity { warn_after_hours: 48, close_after_hours: 24 });
    commit(store, Commit { settings: Some(s.clone()), ..Commit::default() }).await;
    let loaded = store.settings(guild).await.expect("settings load");
    s.version = 1;
    assert_eq!(loaded, s, "settings load back as saved, version bumped to 1");
    assert_eq!(store.settings(GuildId::new(78)).await.expect("load").version, 0, "guilds are separate");
}

/// Saving settings loaded at an older version is a conflict and writes nothing.
pub async fn settings_stale_version_conflicts(store: &impl TicketStore) {
    let guild = GuildId::new(1);
    let s = store.settings(guild).await.expect("load");
    commit(store, Commit { settings: Some(s.clone()), ..Commit::default() }).await;
    let mut stale = s;
    stale.dm_on_close = true;
    must_conflict(store, Commit { settings: Some(stale), ..Commit::default() }, "stale settings").await;
    assert!(!store.settings(guild).await.expect("load").dm_on_close, "a conflicting commit wrote nothing");
}

/// Tickets of all three kinds, open and closed, load back exactly as saved.
pub async fn tickets_of_every_kind_round_trip(store: &impl TicketStore) {
    let key = sample_key();
    let mut closed = sample_support(3, 1, 43);
    closed
        .close(CloseReason::Resolved { resolution: "fixed ✓".into() }, Some(key.user(UserId::new(9))), T0)
        .expect("open ticket closes");
    let mut claimed = sample_support(2, 1, 42);
    claimed.claim = Some(crate::ticket::Claim {
        by: key.user(UserId::new(9)),
        contact: key.seal(UserId::new(9)),
        name: "Sam ✓".into(),
        at: T0 + time::Duration::minutes(3),
    });
    let list = vec![
        sample_in_game(1, 1, key.account(crate::AccountId::new(2_000_001)), "Foo Bar"),
        claimed,
        closed,
        sample_recruitment(4, 1, 44, None),
    ];
    commit(store, tickets(list.clone())).await;
    for mut t in list.clone() {
        let loaded = load(store, t.id.get()).await;
        t.version = 1;
        assert_eq!(loaded, t, "ticket {} round-trips", t.id);
    }
    // A claim is given up again.
    let mut released = load(store, 2).await;
    released.claim = None;
    commit(store, tickets(vec![released.clone()])).await;
    released.version = 2;
    assert_eq!(load(store, 2).await, released, "a released claim round-trips");
    assert_eq!(store.ticket(TicketId::new(99)).await.expect("load"), None, "unknown tickets are None");
}

/// Tickets are found by channel (closed ones too) and listed open-per-guild, oldest first.
pub async fn tickets_found_by_channel_and_guild(store: &impl TicketStore) {
    let mut closed = sample_support(1, 1, 40);
    closed.close(CloseReason::ChannelDeleted, None, T0).expect("closes");
    commit(store, tickets(vec![closed, sample_support(2, 1, 41), sample_support(3, 2, 42), sample_support(4, 1, 43)]))
        .await;
    let by_channel = store.ticket_by_channel(ChannelId::new(1001)).await.expect("load");
    assert_eq!(by_channel.map(|t| t.id), Some(TicketId::new(1)), "closed tickets are found by channel");
    assert_eq!(store.ticket_by_channel(ChannelId::new(5)).await.expect("load"), None);
    let open: Vec<u64> = store.open_tickets(GuildId::new(1)).await.expect("load").iter().map(|t| t.id.get()).collect();
    assert_eq!(open, vec![2, 4], "open tickets of one guild, oldest first");
}

/// Updating a ticket loaded at an older version is a conflict.
pub async fn ticket_stale_version_conflicts(store: &impl TicketStore) {
    commit(store, tickets(vec![sample_support(1, 1, 40)])).await;
    let loaded = load(store, 1).await;
    let mut first = loaded.clone();
    first.channel_name = "first".into();
    commit(store, tickets(vec![first])).await;
    let mut second = loaded;
    second.channel_name = "second".into();
    must_conflict(store, tickets(vec![second]), "stale ticket").await;
    must_conflict(store, tickets(vec![sample_support(1, 1, 40)]), "inserting an existing id").await;
    let now = load(store, 1).await;
    assert_eq!((now.channel_name.as_str(), now.version), ("first", 2));
}

/// No two open tickets share an open key, whether they come in one commit or two.
pub async fn open_keys_are_unique(store: &impl TicketStore) {
    let pid = sample_key().account(crate::AccountId::new(1));
    commit(store, tickets(vec![sample_in_game(1, 1, pid, "Foo")])).await;
    must_conflict(store, tickets(vec![sample_in_game(2, 1, pid, "Foo")]), "second open in-game ticket").await;
    must_conflict(
        store,
        tickets(vec![sample_support(3, 1, 50), sample_support(4, 1, 50)]),
        "two open support tickets in one commit",
    )
    .await;
    let found = store.open_ticket_by_key(&sample_in_game(1, 1, pid, "Foo").open_key().unwrap_or_default()).await;
    assert_eq!(found.expect("load").map(|t| t.id), Some(TicketId::new(1)), "the holder is found by key");
    commit(store, tickets(vec![sample_support(5, 2, 50)])).await;
}

/// Closing a ticket frees its key, also within the commit that opens the next one.
pub async fn closing_frees_the_open_key(store: &impl TicketStore) {
    let pid = sample_key().account(crate::AccountId::new(1));
    commit(store, tickets(vec![sample_in_game(1, 1, pid, "Foo")])).await;
    let mut old = load(store, 1).await;
    old.close(CloseReason::PlayerLoggedOut, None, T0).expect("closes");
    commit(store, tickets(vec![old, sample_in_game(2, 1, pid, "Foo")])).await;
    let key = sample_in_game(2, 1, pid, "Foo").open_key().unwrap_or_default();
    let holder = store.open_ticket_by_key(&key).await.expect("load");
    assert_eq!(holder.map(|t| t.id), Some(TicketId::new(2)), "the new ticket holds the key");
}

/// Closing a ticket and opening its successor with the same key works whichever comes first in the commit.
pub async fn closing_and_reopening_works_in_either_order(store: &impl TicketStore) {
    let pid = sample_key().account(crate::AccountId::new(1));
    commit(store, tickets(vec![sample_in_game(1, 1, pid, "Foo")])).await;
    let mut old = load(store, 1).await;
    old.close(CloseReason::PlayerLoggedOut, None, T0).expect("closes");
    commit(store, tickets(vec![sample_in_game(2, 1, pid, "Foo"), old])).await;
    let key = sample_in_game(2, 1, pid, "Foo").open_key().unwrap_or_default();
    let holder = store.open_ticket_by_key(&key).await.expect("load");
    assert_eq!(holder.map(|t| t.id), Some(TicketId::new(2)), "new first, old second: the new ticket holds the key");
    must_conflict(store, tickets(vec![sample_in_game(3, 1, pid, "Foo")]), "the key is still held").await;
}

/// Channel names of open tickets are found by their base name.
pub async fn open_channel_names_match_the_base(store: &impl TicketStore) {
    let pid = |n| sample_key().account(crate::AccountId::new(n));
    let named = |id: u64, guild: u64, name: &str| {
        let mut t = sample_in_game(id, guild, pid(id), "Foo");
        t.channel_name = name.to_owned();
        t
    };
    let mut closed = named(5, 1, "ticket-foo-3");
    closed.close(CloseReason::ChannelDeleted, None, T0).expect("closes");
    let list = vec![
        named(1, 1, "ticket-foo"),
        named(2, 1, "ticket-foo-2"),
        named(3, 1, "ticket-foobar"),
        named(4, 2, "ticket-foo-4"),
        closed,
        named(6, 1, "ticket-fo"),
    ];
    commit(store, tickets(list)).await;
    let mut names = store.open_channel_names(GuildId::new(1), "ticket-foo").await.expect("load");
    names.sort();
    assert_eq!(names, vec!["ticket-foo", "ticket-foo-2"], "open, same guild, base or base-…");
    assert!(store.open_channel_names(GuildId::new(1), "ticket-zed").await.expect("load").is_empty());
}

/// Two open tickets of a guild never share a channel name, however they are committed; closing (or renaming) the
/// holder frees the name, and other guilds have their own names.
pub async fn open_channel_names_are_unique_per_guild(store: &impl TicketStore) {
    let named = |id: u64, guild: u64, name: &str| {
        let mut t = sample_support(id, guild, 100 + id);
        t.channel_name = name.to_owned();
        t
    };
    commit(store, tickets(vec![named(1, 1, "support-ann")])).await;
    must_conflict(store, tickets(vec![named(2, 1, "support-ann")]), "a second open ticket with the name").await;
    commit(store, tickets(vec![named(3, 2, "support-ann")])).await;
    must_conflict(
        store,
        tickets(vec![named(4, 1, "support-bob"), named(5, 1, "support-bob")]),
        "two tickets claiming one name in one commit",
    )
    .await;
    let mut renamed = load(store, 3).await;
    commit(store, tickets(vec![named(6, 2, "support-cat")])).await;
    renamed.channel_name = "support-cat".into();
    must_conflict(store, tickets(vec![renamed]), "renaming onto another open ticket's name").await;
    let mut first = load(store, 1).await;
    first.close(CloseReason::Resolved { resolution: "done".into() }, None, T0).expect("closes");
    commit(store, tickets(vec![named(7, 1, "support-ann"), first])).await;
    let mut again = load(store, 7).await;
    again.channel = Some(ChannelId::new(9));
    commit(store, tickets(vec![again])).await;
}

/// Channel names as a check expects them.
type Names = &'static [&'static str];

/// Every lookup of open tickets (by channel name, open key, guild, channel) follows a ticket that is renamed,
/// moved to another channel, closed and reopened.
pub async fn open_lookups_follow_renames_closes_and_reopens(store: &impl TicketStore) {
    let guild = GuildId::new(1);
    let key = sample_support(1, 1, 40).open_key().unwrap();
    let key = key.as_str();
    let check = |step: &'static str, ann: Names, bob: Names, open: bool| async move {
        let mut names = store.open_channel_names(guild, "ticket-ann").await.expect("load");
        names.sort();
        assert_eq!(names, ann, "{step}: names after ticket-ann");
        assert_eq!(store.open_channel_names(guild, "ticket-bob").await.expect("load"), bob, "{step}: ticket-bob");
        let open_ids: Vec<u64> = store.open_tickets(guild).await.expect("load").iter().map(|t| t.id.get()).collect();
        assert_eq!(open_ids, if open { vec![1] } else { vec![] }, "{step}: open tickets of the guild");
        let holder = store.open_ticket_by_key(key).await.expect("load").map(|t| t.id.get());
        assert_eq!(holder, open.then_some(1), "{step}: the holder of the open key");
    };
    let mut ticket = sample_support(1, 1, 40);
    ticket.channel_name = "ticket-ann".into();
    commit(store, tickets(vec![ticket])).await;
    check("opened", &["ticket-ann"], &[], true).await;
    let mut ticket = load(store, 1).await;
    ticket.channel_name = "ticket-bob".into();
    ticket.channel = Some(ChannelId::new(1500));
    commit(store, tickets(vec![ticket])).await;
    check("renamed", &[], &["ticket-bob"], true).await;
    assert_eq!(store.ticket_by_channel(ChannelId::new(1001)).await.expect("load"), None, "the old channel is gone");
    let mut ticket = load(store, 1).await;
    ticket.close(CloseReason::ChannelDeleted, None, T0).expect("closes");
    commit(store, tickets(vec![ticket])).await;
    check("closed", &[], &[], false).await;
    let by_channel = store.ticket_by_channel(ChannelId::new(1500)).await.expect("load");
    assert_eq!(by_channel.map(|t| t.id.get()), Some(1), "a closed ticket is still found by its channel");
    let mut ticket = load(store, 1).await;
    ticket.closed = None;
    ticket.channel_name = "ticket-ann-2".into();
    commit(store, tickets(vec![ticket])).await;
    check("reopened", &["ticket-ann-2"], &[], true).await;
    let named = |id: u64, name: &str| {
        let mut t = sample_support(id, 1, 100 + id);
        t.channel_name = name.to_owned();
        t
    };
    commit(store, tickets(vec![named(2, "ticket-bob")])).await;
    must_conflict(store, tickets(vec![named(3, "ticket-ann-2")]), "the reopened ticket holds its name again").await;
}

/// Applications load back as saved and are listed per applicant, oldest first.
pub async fn applications_round_trip_and_list(store: &impl TicketStore) {
    let ticket = sample_recruitment(1, 1, 42, Some(1));
    let mut a1 = sample_application(1, &ticket, 42);
    let mut a2 = sample_application(2, &ticket, 42);
    a2.status = RecruitmentStatus::Declined;
    a2.decline_reason = Some("Not now — sorry".into());
    let other = sample_application(3, &ticket, 43);
    commit(
        store,
        Commit { tickets: vec![ticket], applications: vec![a1.clone(), a2.clone(), other], ..Commit::default() },
    )
    .await;
    a1.version = 1;
    a2.version = 1;
    assert_eq!(store.application(ApplicationId::new(1)).await.expect("load"), Some(a1.clone()));
    let mine = store.applications_of(GuildId::new(1), a1.applicant).await.expect("load");
    assert_eq!(mine, vec![a1.clone(), a2], "one applicant's applications, oldest first");
    let mut stale = a1.clone();
    stale.version = 0;
    stale.id = ApplicationId::new(1);
    must_conflict(store, Commit { applications: vec![stale], ..Commit::default() }, "stale application").await;
}

/// An application for a ticket that does not exist is refused.
pub async fn application_needs_its_ticket(store: &impl TicketStore) {
    let ticket = sample_recruitment(1, 1, 42, Some(1));
    let app = sample_application(1, &ticket, 42);
    match store.commit(Commit { applications: vec![app], ..Commit::default() }).await {
        Err(StoreError::Missing { what: "ticket", id: 1 }) => {}
        other => panic!("an application without its ticket must be refused, got {other:?}"),
    }
}

/// A commit that fails writes nothing of what it held.
pub async fn commits_are_all_or_nothing(store: &impl TicketStore) {
    let orphan = TranscriptEntry::line(TicketId::new(99), T0, TranscriptAuthor::System, "x");
    let bad = Commit {
        settings: Some(GuildSettings::new(GuildId::new(1))),
        tickets: vec![sample_support(1, 1, 42)],
        transcript: vec![orphan],
        enqueue: vec![(ChainKey::Ticket(TicketId::new(1)), Effect::DeleteTicketChannel { ticket: TicketId::new(1) })],
        ..Commit::default()
    };
    assert!(store.commit(bad).await.is_err(), "a transcript line for an unknown ticket is refused");
    assert_eq!(store.ticket(TicketId::new(1)).await.expect("load"), None, "no ticket written");
    assert_eq!(store.settings(GuildId::new(1)).await.expect("load").version, 0, "no settings written");
    assert!(store.pending_effects(None).await.expect("load").is_empty(), "no effects written");
}

/// Effects get increasing ids and come back per chain in id order.
pub async fn outbox_keeps_order_per_chain(store: &impl TicketStore) {
    let a = ChainKey::Ticket(TicketId::new(1));
    let b = ChainKey::Guild(GuildId::new(1));
    let e = |n: u64| Effect::DeleteTicketChannel { ticket: TicketId::new(n) };
    let first = commit(store, Commit { enqueue: vec![(a, e(1)), (b, e(2)), (a, e(3))], ..Commit::default() }).await;
    let second = commit(store, Commit { enqueue: vec![(a, e(4))], ..Commit::default() }).await;
    assert_eq!(first.len(), 3);
    assert!(first.windows(2).all(|w| w[0] < w[1]) && first[2] < second[0], "ids increase");
    let chain_a: Vec<Effect> =
        store.pending_effects(Some(a)).await.expect("load").into_iter().map(|p| p.effect).collect();
    assert_eq!(chain_a, vec![e(1), e(3), e(4)], "one chain, in order");
    let all = store.pending_effects(None).await.expect("load");
    assert_eq!(all.len(), 4);
    assert!(all.windows(2).all(|w| w[0].id < w[1].id), "all pending, in id order");
    assert!(all.iter().all(|p| p.attempts == 0 && p.not_before.is_none()), "fresh effects have no failures");
}

/// Done effects leave the outbox, retried ones keep their count and time, dead ones never come back.
pub async fn outbox_done_retry_and_dead(store: &impl TicketStore) {
    let a = ChainKey::Ticket(TicketId::new(1));
    let e = |n: u64| Effect::DeleteTicketChannel { ticket: TicketId::new(n) };
    let ids = commit(store, Commit { enqueue: vec![(a, e(1)), (a, e(2)), (a, e(3))], ..Commit::default() }).await;
    let later = T0 + time::Duration::minutes(5);
    commit(
        store,
        Commit {
            done: vec![ids[0]],
            retry: vec![Retry { id: ids[1], attempts: 3, not_before: later }],
            dead: vec![ids[2]],
            ..Commit::default()
        },
    )
    .await;
    let pending = store.pending_effects(None).await.expect("load");
    assert_eq!(pending.len(), 1, "done and dead effects are gone");
    assert_eq!((pending[0].id, pending[0].attempts, pending[0].not_before), (ids[1], 3, Some(later)));
}

/// Marking effects that do not exist done, retried or dead changes nothing and is no error.
pub async fn outbox_ignores_unknown_ids(store: &impl TicketStore) {
    let a = ChainKey::Ticket(TicketId::new(1));
    let ids = commit(
        store,
        Commit { enqueue: vec![(a, Effect::DeleteTicketChannel { ticket: TicketId::new(1) })], ..Commit::default() },
    )
    .await;
    let ghost = crate::EffectId::new(ids[0].get() + 100);
    commit(
        store,
        Commit {
            done: vec![ghost],
            retry: vec![Retry { id: ghost, attempts: 1, not_before: T0 }],
            dead: vec![ghost],
            ..Commit::default()
        },
    )
    .await;
    assert_eq!(store.pending_effects(None).await.expect("load").len(), 1, "the real effect is untouched");
}

fn post(text: &str) -> Effect {
    let player = name("Foo");
    Effect::Post {
        to: Destination::Ticket(TicketId::new(1)),
        notice: Notice::PlayerMessage { player, text: text.into() },
    }
}

/// Amending a pending effect replaces what it does and keeps its id, chain, place, attempts and retry time.
pub async fn outbox_amend_keeps_the_place_of_the_effect(store: &impl TicketStore) {
    let (a, b) = (ChainKey::Ticket(TicketId::new(1)), ChainKey::Guild(GuildId::new(1)));
    let ids = commit(
        store,
        Commit { enqueue: vec![(a, post("1")), (b, post("b")), (a, post("2")), (a, post("3"))], ..Commit::default() },
    )
    .await;
    let later = T0 + time::Duration::minutes(5);
    let retry = vec![Retry { id: ids[2], attempts: 2, not_before: later }];
    commit(store, Commit { retry, ..Commit::default() }).await;
    commit(store, Commit { amend: vec![(ids[2], post("2 and more"))], ..Commit::default() }).await;
    let chain = store.pending_effects(Some(a)).await.expect("load");
    let effects: Vec<Effect> = chain.iter().map(|p| p.effect.clone()).collect();
    assert_eq!(effects, vec![post("1"), post("2 and more"), post("3")], "the amended effect keeps its place");
    let amended = &chain[1];
    assert_eq!((amended.id, amended.chain, amended.attempts, amended.not_before), (ids[2], a, 2, Some(later)));
    assert_eq!(store.pending_effects(Some(b)).await.expect("load")[0].effect, post("b"), "other chains untouched");
}

/// Several pending posts of a chain fold into the first: amended and marked done in one commit.
pub async fn outbox_amend_and_done_in_one_commit(store: &impl TicketStore) {
    let a = ChainKey::Ticket(TicketId::new(1));
    let ids =
        commit(store, Commit { enqueue: vec![(a, post("1")), (a, post("2")), (a, post("3"))], ..Commit::default() })
            .await;
    commit(store, Commit { amend: vec![(ids[0], post("1\n2\n3"))], done: vec![ids[1], ids[2]], ..Commit::default() })
        .await;
    let pending = store.pending_effects(None).await.expect("load");
    let left: Vec<_> = pending.into_iter().map(|p| (p.id, p.effect)).collect();
    assert_eq!(left, vec![(ids[0], post("1\n2\n3"))], "one effect left, holding every line");
}

/// Amending an effect that is done, dead or unknown is a conflict, and nothing of that commit is written.
pub async fn outbox_amend_needs_a_pending_effect(store: &impl TicketStore) {
    let a = ChainKey::Ticket(TicketId::new(1));
    let ids =
        commit(store, Commit { enqueue: vec![(a, post("1")), (a, post("2")), (a, post("3"))], ..Commit::default() })
            .await;
    commit(store, Commit { done: vec![ids[0]], dead: vec![ids[1]], ..Commit::default() }).await;
    let unknown = crate::EffectId::new(ids[2].get() + 100);
    for (gone, what) in [(ids[0], "a done effect"), (ids[1], "a dead effect"), (unknown, "an unknown effect")] {
        let c = Commit {
            tickets: vec![sample_support(1, 1, 40)],
            enqueue: vec![(a, post("4"))],
            amend: vec![(ids[2], post("3 amended")), (gone, post("x"))],
            retry: vec![Retry { id: ids[2], attempts: 1, not_before: T0 }],
            ..Commit::default()
        };
        must_conflict(store, c, what).await;
        assert_eq!(store.ticket(TicketId::new(1)).await.expect("load"), None, "{what}: no ticket written");
        let pending = store.pending_effects(None).await.expect("load");
        let left: Vec<_> = pending.into_iter().map(|p| (p.id, p.effect, p.attempts)).collect();
        assert_eq!(left, vec![(ids[2], post("3"), 0)], "{what}: nothing else of the commit applied");
    }
}

/// Every effect variant is stored and loaded without change.
pub async fn every_effect_round_trips(store: &impl TicketStore) {
    let effects = sample_effects();
    let chain = ChainKey::Ticket(TicketId::new(1));
    commit(store, Commit { enqueue: effects.iter().cloned().map(|e| (chain, e)).collect(), ..Commit::default() }).await;
    let loaded: Vec<Effect> =
        store.pending_effects(Some(chain)).await.expect("load").into_iter().map(|p| p.effect).collect();
    assert_eq!(loaded, effects, "effects round-trip");
}

/// Allocated ids are fresh: never one handed out before, nor one already used by a saved record.
pub async fn ids_are_never_reused(store: &impl TicketStore) {
    let t1 = store.next_ticket_id().await.expect("id");
    let t2 = store.next_ticket_id().await.expect("id");
    assert!(t2 > t1, "ticket ids increase");
    commit(store, tickets(vec![sample_recruitment(t2.get() + 10, 1, 42, None)])).await;
    let t3 = store.next_ticket_id().await.expect("id");
    assert!(t3.get() > t2.get() + 10, "ids skip past saved tickets");
    let a1 = store.next_application_id().await.expect("id");
    let a2 = store.next_application_id().await.expect("id");
    assert!(a2 > a1, "application ids increase");
    let ticket = load(store, t2.get() + 10).await;
    commit(store, Commit { applications: vec![sample_application(a2.get() + 5, &ticket, 42)], ..Commit::default() })
        .await;
    assert!(store.next_application_id().await.expect("id").get() > a2.get() + 5, "ids skip past saved applications");
}
