//! The file itself: WAL mode, the schema version, normalized settings tables and real, queryable columns, and
//! everything coming back unchanged after a reopen.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use adapter_sqlite::{APPLICATION_ID, SCHEMA_VERSION, SqliteStore};
use common::TempStore;
use rusqlite::Connection;
use ticket_core::conformance::{
    T0, sample_application, sample_effects, sample_in_game, sample_key, sample_recruitment,
};
use ticket_core::ports::{Commit, TranscriptAuthor, TranscriptEntry};
use ticket_core::qna::{AnswerKind, QnaQuestion};
use ticket_core::settings::{ApplicantAccess, PostedMessage, RecruitmentOption};
use ticket_core::ticket::CloseReason;
use ticket_core::{
    AccountId, ApplicationId, ChainKey, ChannelId, GuildId, GuildSettings, MessageId, RoleId, StoreError, TicketId,
    TicketStore,
};

const TABLES: [&str; 28] = [
    "capability_roles",
    "discord_guild_channels",
    "game_receipts",
    "gateway_watermark",
    "guild_settings",
    "id_counters",
    "org_roles",
    "outbox",
    "recruit_application_answers",
    "recruit_application_history",
    "recruit_applications",
    "recruit_panel_settings",
    "recruit_qna_questions",
    "recruit_settings",
    "sqlite_sequence",
    "ticket_blocks",
    "ticket_claim_settings",
    "ticket_close_settings",
    "ticket_limits",
    "ticket_notify_roles",
    "ticket_panel_config",
    "ticket_recruitment_options",
    "ticket_snippets",
    "ticket_transcript_settings",
    "tickets",
    "transcript_attachments",
    "transcript_edits",
    "transcripts",
];

fn raw(t: &TempStore) -> Connection {
    Connection::open(t.path()).unwrap()
}

fn settings() -> GuildSettings {
    let mut s = GuildSettings::new(GuildId::new(77));
    s.dm_on_close = true;
    s.targets.log_channel = Some(ChannelId::new(2));
    s.panels.recruitment = Some(PostedMessage { channel: ChannelId::new(1), message: MessageId::new(3) });
    s.ping_roles.support = Some(RoleId::new(4));
    s.rsi_org.url = Some("https://robertsspaceindustries.com/orgs/TEST".into());
    s.recruitment_options = vec![
        RecruitmentOption { name: "medical".into(), ping_role: Some(RoleId::new(5)) },
        RecruitmentOption { name: "mining".into(), ping_role: None },
    ];
    s.qna.push(QnaQuestion { label: "Ship".into(), kind: AnswerKind::Keywords, required: false });
    s.applicant_access = ApplicantAccess::ReadOnly;
    s.capability_roles.recruitment = vec![RoleId::new(7), RoleId::new(8)];
    s.org_roles.member = Some(RoleId::new(9));
    s.in_game.close_on_logout = false;
    s.in_game.staff_role = Some(RoleId::new(10));
    s
}

#[tokio::test]
async fn the_file_is_in_wal_mode_at_the_current_schema_version() {
    let t = TempStore::new().await;
    assert_eq!(t.schema_version().await.unwrap(), SCHEMA_VERSION);
    let conn = raw(&t);
    let mode: String = conn.pragma_query_value(None, "journal_mode", |r| r.get(0)).unwrap();
    assert_eq!(mode, "wal");
    let version: u32 = conn.pragma_query_value(None, "user_version", |r| r.get(0)).unwrap();
    assert_eq!(version, SCHEMA_VERSION);
    let app_id: i32 = conn.pragma_query_value(None, "application_id", |r| r.get(0)).unwrap();
    assert_eq!(app_id, APPLICATION_ID);
    let mut stmt = conn.prepare("SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name").unwrap();
    let tables: Vec<String> = stmt.query_map([], |r| r.get(0)).unwrap().map(Result::unwrap).collect();
    assert_eq!(tables, TABLES);
}

#[tokio::test]
async fn settings_land_in_their_normalized_tables() {
    let t = TempStore::new().await;
    t.commit(Commit { settings: Some(settings()), ..Commit::default() }).await.unwrap();
    let conn = raw(&t);
    let int = |sql: &str| -> i64 { conn.query_row(sql, [], |r| r.get(0)).unwrap() };
    assert_eq!(int("SELECT ticket_close_on_logout FROM discord_guild_channels WHERE guild_id = 77"), 0);
    assert_eq!(int("SELECT ticket_enabled FROM discord_guild_channels WHERE guild_id = 77"), 1);
    assert_eq!(int("SELECT staff_role FROM discord_guild_channels WHERE guild_id = 77"), 10);
    assert_eq!(int("SELECT role_id FROM ticket_notify_roles WHERE guild_id = 77 AND ticket_type = 'support'"), 4);
    assert_eq!(int("SELECT count(*) FROM ticket_recruitment_options WHERE guild_id = 77"), 2);
    assert_eq!(int("SELECT ping_role FROM ticket_recruitment_options WHERE name = 'medical'"), 5);
    assert_eq!(int("SELECT count(*) FROM recruit_qna_questions WHERE guild_id = 77"), 5, "4 defaults + 1");
    assert_eq!(int("SELECT count(*) FROM capability_roles WHERE capability = 'recruitment'"), 2);
    assert_eq!(int("SELECT role_id FROM org_roles WHERE requested_role = 'member'"), 9);
    assert_eq!(int("SELECT recruitment_panel_posted_message FROM ticket_panel_config WHERE guild_id = 77"), 3);
    assert_eq!(int("SELECT version FROM guild_settings WHERE guild_id = 77"), 1);
    let access: String = conn.query_row("SELECT applicant_access FROM recruit_settings", [], |r| r.get(0)).unwrap();
    assert_eq!(access, "read_only");
    let url: String = conn.query_row("SELECT org_url FROM recruit_panel_settings", [], |r| r.get(0)).unwrap();
    assert!(url.ends_with("/TEST"));
}

#[tokio::test]
async fn tickets_applications_and_effects_have_queryable_columns() {
    let t = TempStore::new().await;
    let ticket = sample_recruitment(1, 1, 42, Some(7));
    let mut app = sample_application(7, &ticket, 42);
    app.decline_reason = Some("not now".into());
    let entry = TranscriptEntry::line(ticket.id, T0, TranscriptAuthor::System, "hi");
    let enqueue = sample_effects().into_iter().map(|e| (ChainKey::Ticket(ticket.id), e)).collect();
    t.commit(Commit {
        tickets: vec![ticket],
        applications: vec![app],
        transcript: vec![entry],
        enqueue,
        ..Commit::default()
    })
    .await
    .unwrap();
    let conn = raw(&t);
    let row: (String, String, String, String, String, String, String, i64, i64) = conn
        .query_row(
            "SELECT status, requested_role, area, rsi_handle, time_zone, notes, decline_reason, record_channel,
                    record_message FROM recruit_applications WHERE id = 7",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?, r.get(6)?, r.get(7)?, r.get(8)?)),
        )
        .unwrap();
    let expected = ("approved", "member", "medical", "Pilot_1", "Europe/Berlin", "Hi", "not now", 5, 6);
    assert_eq!(
        (
            row.0.as_str(),
            row.1.as_str(),
            row.2.as_str(),
            row.3.as_str(),
            row.4.as_str(),
            row.5.as_str(),
            row.6.as_str(),
            row.7,
            row.8
        ),
        expected
    );
    let answer: (String, String) = conn
        .query_row("SELECT question, answer FROM recruit_application_answers WHERE application_id = 7", [], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .unwrap();
    assert_eq!(answer, ("Availability".to_owned(), "18:00-22:00".to_owned()));
    let (kind, channel, key): (String, i64, String) = conn
        .query_row("SELECT kind, channel_id, open_key FROM tickets WHERE id = 1", [], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?))
        })
        .unwrap();
    assert_eq!((kind.as_str(), channel), ("recruitment", 2001));
    assert!(key.starts_with("recruitment:1:"), "{key}");
    let kinds: i64 = conn
        .query_row(
            "SELECT count(DISTINCT effect_kind) FROM outbox WHERE chain_kind = 'ticket' AND chain_id = 1",
            [],
            |r| r.get(0),
        )
        .unwrap();
    let variants: std::collections::HashSet<_> =
        ticket_core::conformance::sample_effects().iter().map(std::mem::discriminant).collect();
    assert_eq!(usize::try_from(kinds).unwrap(), variants.len(), "one effect kind per variant of Effect");
}

#[tokio::test]
async fn everything_comes_back_unchanged_after_a_reopen() {
    let t = TempStore::new().await;
    let ticket = sample_recruitment(1, 1, 42, Some(7));
    let app = sample_application(7, &ticket, 42);
    let game = sample_in_game(2, 1, sample_key().account(AccountId::new(2_000_001)), "Foo Bar");
    let ids = t
        .commit(Commit {
            settings: Some(settings()),
            tickets: vec![ticket.clone(), game.clone()],
            applications: vec![app.clone()],
            enqueue: vec![(ChainKey::Guild(GuildId::new(77)), sample_effects().remove(0))],
            ..Commit::default()
        })
        .await
        .unwrap();
    let before = (
        t.settings(GuildId::new(77)).await.unwrap(),
        t.ticket(TicketId::new(1)).await.unwrap(),
        t.ticket(TicketId::new(2)).await.unwrap(),
        t.application(ApplicationId::new(7)).await.unwrap(),
        t.pending_effects(None).await.unwrap(),
    );
    t.store.close().await;
    let reopened = SqliteStore::open(t.path()).await.unwrap();
    let after = (
        reopened.settings(GuildId::new(77)).await.unwrap(),
        reopened.ticket(TicketId::new(1)).await.unwrap(),
        reopened.ticket(TicketId::new(2)).await.unwrap(),
        reopened.application(ApplicationId::new(7)).await.unwrap(),
        reopened.pending_effects(None).await.unwrap(),
    );
    assert_eq!(after, before);
    assert_eq!(after.4.iter().map(|p| p.id).collect::<Vec<_>>(), ids);
    assert!(reopened.next_ticket_id().await.unwrap() > TicketId::new(2));
}

/// A commit may close a ticket and open the next one with the same key in either order (the desk's
/// channel-gone path lists the new ticket first), and the new one then holds the key.
#[tokio::test]
async fn closing_and_reopening_a_key_works_in_either_order() {
    let pid = sample_key().account(AccountId::new(1));
    for closing_first in [true, false] {
        let store = SqliteStore::open_in_memory().await.unwrap();
        store.commit(Commit { tickets: vec![sample_in_game(1, 1, pid, "Foo")], ..Commit::default() }).await.unwrap();
        let mut old = store.ticket(TicketId::new(1)).await.unwrap().unwrap();
        old.close(CloseReason::PlayerLoggedOut, None, T0).unwrap();
        let new = sample_in_game(2, 1, pid, "Foo");
        let tickets = if closing_first { vec![old, new] } else { vec![new, old] };
        store.commit(Commit { tickets, ..Commit::default() }).await.unwrap();
        let key = sample_in_game(2, 1, pid, "Foo").open_key().unwrap();
        let holder = store.open_ticket_by_key(&key).await.unwrap().map(|t| t.id);
        assert_eq!(holder, Some(TicketId::new(2)), "closing first: {closing_first}");
        let third = sample_in_game(3, 1, pid, "Foo");
        let refused = store.commit(Commit { tickets: vec![third], ..Commit::default() }).await;
        assert!(matches!(refused, Err(StoreError::Conflict)), "the key is held again: {refused:?}");
    }
}

/// A deployment made before transcripts kept staff, messages, attachments and edits (schema version 1) is
/// migrated in place, and its lines read as they were: not staff, no message, nothing attached or edited.
#[tokio::test]
async fn a_version_1_database_is_migrated_and_its_transcripts_still_read() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("v1.db");
    {
        let conn = Connection::open(&path).unwrap();
        conn.execute_batch(include_str!("../migrations/0001_initial.sql")).unwrap();
        conn.pragma_update(None, "application_id", APPLICATION_ID).unwrap();
        conn.pragma_update(None, "user_version", 1).unwrap();
        conn.execute_batch(
            "INSERT INTO tickets (id, guild_id, kind, channel_name, person_pid, question, opened_at, version)
                 VALUES (5, 1, 'support', 'support-ann', '0123456789abcdef0123456789abcdef', 'help',
                         '2026-11-20T12:00:00Z', 1);
             INSERT INTO transcripts (ticket_id, at, author_kind, author_pid, author_name, text)
                 VALUES (5, '2026-11-20T12:00:00Z', 'member', '0123456789abcdef0123456789abcdef', 'Ann', 'help'),
                        (5, '2026-11-20T12:01:00Z', 'system', NULL, NULL, 'noted');",
        )
        .unwrap();
    }
    let store = SqliteStore::open(&path).await.unwrap();
    assert_eq!(store.schema_version().await.unwrap(), SCHEMA_VERSION);
    let lines = store.transcript(TicketId::new(5)).await.unwrap();
    assert_eq!(lines.len(), 2);
    assert!(matches!(&lines[0].author, TranscriptAuthor::Member { name, staff: false, .. } if name == "Ann"));
    assert_eq!(lines[0].text, "help");
    assert!(lines.iter().all(|l| l.message.is_none() && l.attachments.is_empty() && l.edits.is_empty()));
    assert!(lines.iter().all(|l| l.deleted_at.is_none()));
    assert_eq!(store.settings(ticket_core::GuildId::new(1)).await.unwrap().transcripts.retention_days, None);
    store.close().await;
}

/// Tickets stored before feedback and statistics (schema version 9) get their opening and closing times for the
/// statistics' indexes from the migration, and read with no first response, closer or feedback.
#[tokio::test]
async fn a_version_9_database_gets_its_ticket_times_indexed_for_statistics() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("v9.db");
    {
        let store = SqliteStore::open(&path).await.unwrap();
        store.close().await;
        let conn = Connection::open(&path).unwrap();
        // Back to version 9: the columns of migration 10 dropped again.
        conn.execute_batch(
            "DROP INDEX tickets_stats_opened; DROP INDEX tickets_stats_closed;
             ALTER TABLE tickets DROP COLUMN opened_ms; ALTER TABLE tickets DROP COLUMN closed_ms;
             ALTER TABLE tickets DROP COLUMN first_response_pid; ALTER TABLE tickets DROP COLUMN first_response_contact;
             ALTER TABLE tickets DROP COLUMN first_response_at; ALTER TABLE tickets DROP COLUMN closed_by_contact;
             ALTER TABLE tickets DROP COLUMN feedback; ALTER TABLE tickets DROP COLUMN rating;
             ALTER TABLE ticket_close_settings DROP COLUMN feedback;
             PRAGMA user_version = 9;
             INSERT INTO tickets (id, guild_id, kind, channel_name, person_pid, contact, question, opened_at,
                                  closed_at, close_reason, resolution, closed_by, version)
                 VALUES (5, 1, 'support', 'support-ann', '0123456789abcdef0123456789abcdef', NULL, 'help',
                         '2026-11-20T12:00:00.25Z', '2026-11-20T13:30:00+01:00', 'closed_by_opener', NULL, NULL, 2),
                        (6, 1, 'support', 'support-bob', '0123456789abcdef0123456789abcdee', NULL, 'help',
                         '2026-10-01T08:00:00Z', NULL, NULL, NULL, NULL, 1);",
        )
        .unwrap();
    }
    let store = SqliteStore::open(&path).await.unwrap();
    assert_eq!(store.schema_version().await.unwrap(), SCHEMA_VERSION);
    let guild = ticket_core::GuildId::new(1);
    let since = time::macros::datetime!(2026-11-20 12:00 UTC);
    let rows = store.ticket_stats(guild, Some(since)).await.unwrap();
    assert_eq!(rows.len(), 1, "only the ticket opened since then: {rows:?}");
    assert_eq!(rows[0].opened_at, time::macros::datetime!(2026-11-20 12:00:00.25 UTC), "to the millisecond");
    assert_eq!(rows[0].closed_at, Some(time::macros::datetime!(2026-11-20 12:30 UTC)), "offsets are honoured");
    assert_eq!((rows[0].first_response, rows[0].closed_by, rows[0].rating), (None, None, None), "no data");
    assert_eq!(store.ticket_stats(guild, None).await.unwrap().len(), 2);
    assert!(!store.settings(guild).await.unwrap().closing.feedback);
    store.close().await;
}
