//! Privacy: after real desk use cases with known Discord user ids and game account ids, the raw bytes of the
//! database file and its WAL hold none of them (only pids and sealed contacts), in any encoding.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::path::Path;
use std::sync::Arc;

use common::{FakeChat, FakeGame, FixedClock, NoOneOnRsi, TempStore, file_bytes};
use ticket_core::conformance::{T0, sample_support};
use ticket_core::ports::Commit;
use ticket_core::recruitment::RequestedRole;
use ticket_core::{
    AccountId, Actor, AdminCommand, ChannelId, Desk, GamePlayer, GameServerId, GuildId, MessageOutcome, OrgRolesUpdate,
    Permissions, PidKey, Ports, QnaProgress, RoleId, Step1Input, TargetsUpdate, TicketSource, TicketStore, UserId,
};

const GUILD: GuildId = GuildId::new(1);
const ADMIN: u64 = 381_234_567_890_123_456;
const OPENER: u64 = 412_345_678_901_234_567;
const STAFF: u64 = 523_456_789_012_345_678;
const APPLICANT: u64 = 634_567_890_123_456_789;
const DECLINED: u64 = 745_678_901_234_567_890;
const USERS: [u64; 5] = [ADMIN, OPENER, STAFF, APPLICANT, DECLINED];
const ACCOUNTS: [u64; 2] = [2_000_001, 2_000_002];
const SUPPORT_ROLE: RoleId = RoleId::new(40);
const GAME_STAFF: RoleId = RoleId::new(50);

fn person(user: u64, name: &str, permissions: Permissions) -> Actor {
    Actor::member(GUILD, UserId::new(user), name, vec![SUPPORT_ROLE, GAME_STAFF], permissions)
}

fn player(account: u64, name: &str) -> GamePlayer {
    GamePlayer { account: AccountId::new(account), name: name.into() }
}

/// Every way a raw id could sit in the file: decimal text, 8 bytes big and little endian, and for game accounts
/// (32-bit in rAthena) 4 bytes both ways.
fn encodings(raw: u64, account: bool) -> Vec<Vec<u8>> {
    let mut found = vec![raw.to_string().into_bytes(), raw.to_be_bytes().to_vec(), raw.to_le_bytes().to_vec()];
    if let Some(small) = u32::try_from(raw).ok().filter(|_| account) {
        found.push(small.to_be_bytes().to_vec());
        found.push(small.to_le_bytes().to_vec());
    }
    found
}

/// SQLite's own record encoding of an integer column: big endian in the fewest of 1, 2, 3, 4, 6 or 8 bytes.
fn sqlite_integer(raw: u64) -> Vec<u8> {
    let bytes = raw.to_be_bytes();
    let len = match raw {
        0..=0x7f => 1,
        0x80..=0x7fff => 2,
        0x8000..=0x7f_ffff => 3,
        0x80_0000..=0x7fff_ffff => 4,
        0x8000_0000..=0x7fff_ffff_ffff => 6,
        _ => 8,
    };
    bytes[8 - len..].to_vec()
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// The raw ids (with how they were found) that occur in the files.
fn leaks(files: &[&Path], ids: &[(u64, bool)], sqlite_encoding: bool) -> Vec<String> {
    let mut found = Vec::new();
    for file in files {
        let bytes = file_bytes(file);
        for &(raw, account) in ids {
            let mut patterns = encodings(raw, account);
            if sqlite_encoding {
                patterns.push(sqlite_integer(raw));
            }
            for pattern in patterns.iter().filter(|p| contains(&bytes, p)) {
                found.push(format!("{raw} as {pattern:02x?} in {}", file.display()));
            }
        }
    }
    found
}

fn all_ids() -> Vec<(u64, bool)> {
    USERS.iter().map(|&u| (u, false)).chain(ACCOUNTS.iter().map(|&a| (a, true))).collect()
}

/// Plays every kind of use case; `clock` moves on between steps as people do (past the record's edit quiet time).
async fn scenario(desk: &Desk, chat: &FakeChat, clock: &FixedClock) {
    let later = || clock.advance(time::Duration::seconds(30));
    let admin = person(ADMIN, "Admin", Permissions::ADMINISTRATOR);
    let staff = person(STAFF, "Staff", Permissions::MANAGE_CHANNELS);
    let opener = Actor::member(GUILD, UserId::new(OPENER), "Opener", vec![], Permissions::empty());
    let applicant = Actor::member(GUILD, UserId::new(APPLICANT), "Applicant", vec![], Permissions::empty());
    let declined = Actor::member(GUILD, UserId::new(DECLINED), "Declined", vec![], Permissions::empty());
    let server = GameServerId::new("main").unwrap();

    let targets = TargetsUpdate { log_channel: Some(ChannelId::new(900)), ..TargetsUpdate::default() };
    for command in [
        AdminCommand::SetTargets(targets),
        AdminCommand::SetLogChannel(ChannelId::new(901)),
        AdminCommand::SetDmOnClose(true),
        AdminCommand::SetNickSync(true),
        AdminCommand::RolesSet { capability: ticket_core::Capability::Support, roles: vec![SUPPORT_ROLE] },
        AdminCommand::RolesSetOrg(OrgRolesUpdate { member: Some(RoleId::new(70)), affiliate: None }),
        AdminCommand::SetInGame { category: Some(ChannelId::new(802)), staff_role: Some(GAME_STAFF) },
    ] {
        desk.admin(GUILD, &admin, command).await.unwrap();
    }

    // A support ticket: opened, talked in, resolved (the opener is DMed).
    let support = desk.open_support_ticket(GUILD, &opener, "My ship is stuck").await.unwrap();
    let channel = support.channel.unwrap();
    assert_eq!(
        desk.channel_message(channel, &opener, "Still stuck").await.unwrap(),
        MessageOutcome::Recorded(support.ticket)
    );
    // Mentions typed as Discord's client sends them: the person's raw id inside the text.
    let typed = format!("thanks <@{STAFF}>, and <@!{ADMIN}> too; see <@&40> in <#900>");
    desk.channel_message(channel, &opener, &typed).await.unwrap();
    let shown = desk.transcript(support.ticket).await.unwrap();
    assert!(
        shown.iter().any(|e| e.text == format!("thanks <@{STAFF}>, and <@{ADMIN}> too; see <@&40> in <#900>")),
        "a transcript shows the people mentioned again: {:?}",
        shown.iter().map(|e| &e.text).collect::<Vec<_>>()
    );
    desk.resolve_ticket(channel, &staff, "Unstuck it").await.unwrap();

    // Recruitment: one application to Finalised, one declined.
    let opened = desk.open_recruitment_ticket(GUILD, &applicant).await.unwrap();
    let step1 = Step1Input {
        requested: RequestedRole::Member,
        area: "general".into(),
        time_zone: "UTC+2".into(),
        rsi_handle: "Pilot_1".into(),
        notes: "Hello".into(),
    };
    let app = desk.submit_step1(opened.ticket, &applicant, &step1).await.unwrap();
    let recruitment_channel = chat.channel_of(opened.ticket).unwrap();
    desk.channel_message(recruitment_channel, &applicant, &format!("hi <@{STAFF}>")).await.unwrap();
    later();
    let answers = ["piloting".to_owned(), "18:00-22:00".into(), "yes".into(), String::new()];
    assert_eq!(desk.submit_qna(app, &applicant, 1, &answers).await.unwrap(), QnaProgress::Completed);
    later();
    desk.approve(app, &staff).await.unwrap();
    later();
    desk.finalise(app, &admin).await.unwrap();
    let other = desk.open_recruitment_ticket(GUILD, &declined).await.unwrap();
    let other_app = desk.submit_step1(other.ticket, &declined, &step1).await.unwrap();
    later();
    desk.submit_qna(other_app, &declined, 1, &answers).await.unwrap();
    later();
    desk.decline(other_app, &staff, "Not right now").await.unwrap();

    // In-game: one player's ticket closes on logout; the other's stays open over a logout and gets held replies.
    let first = player(ACCOUNTS[0], "Foo Bar");
    let ticket = match desk.open_game_ticket(GUILD, &server, &first, TicketSource::Request, "item vanished").await {
        Ok(ticket_core::InGameOutcome::Opened(t)) => t,
        other => panic!("expected a new ticket, got {other:?}"),
    };
    desk.relay_player_message(GUILD, &server, &first, "it was a sword").await.unwrap();
    desk.relay_player_message(GUILD, &server, &first, &format!("is <@{ADMIN}> there?")).await.unwrap();
    let game_channel = chat.channel_of(ticket).unwrap();
    desk.channel_message(game_channel, &staff, "Looking into it").await.unwrap();
    desk.channel_message(game_channel, &staff, &format!("<@{OPENER}> will help")).await.unwrap();
    desk.player_logout(GUILD, &server, &first).await.unwrap();
    desk.apply_game_config(GUILD, true, false).await.unwrap();
    let second = player(ACCOUNTS[1], "Baz");
    desk.open_game_ticket(GUILD, &server, &second, TicketSource::Whisper, "help").await.unwrap();
    desk.player_logout(GUILD, &server, &second).await.unwrap();
    let second_channel = desk.store().open_tickets(GUILD).await.unwrap().iter().find_map(|t| t.channel).unwrap();
    desk.channel_message(second_channel, &staff, "We will fix it").await.unwrap();
    desk.player_login(GUILD, &server, &second).await.unwrap();
    desk.channel_deleted(second_channel).await.unwrap();
    desk.resume().await.unwrap();
}

#[tokio::test]
async fn the_database_holds_no_raw_discord_or_game_ids() {
    let t = Arc::new(TempStore::new().await);
    let chat = Arc::new(FakeChat::new());
    let game = Arc::new(FakeGame::default());
    let clock = Arc::new(FixedClock::new(T0));
    let ports = Ports::new(t.clone(), chat.clone())
        .with_game(game.clone())
        .with_profiles(Arc::new(NoOneOnRsi))
        .with_clock(clock.clone());
    let desk = Desk::new(ports, PidKey::new(b"privacy test deployment secret, 32+ bytes").unwrap());
    scenario(&desk, &chat, &clock).await;
    assert!(desk.store().pending_effects(None).await.unwrap().is_empty(), "the scenario ran to the end");
    assert!(game.whispers.load(std::sync::atomic::Ordering::SeqCst) >= 2, "staff replies reached the game");

    let db = t.path();
    let wal = db.with_extension("db-wal");
    assert!(file_bytes(&wal).len() > 4096, "the scenario left frames in the WAL to scan");
    let found = leaks(&[&db, &wal], &all_ids(), false);
    assert!(found.is_empty(), "raw ids in the database or its WAL: {found:#?}");

    // Folded into the main file, SQLite's compact integer encoding must not show them either.
    t.store.close().await;
    let found = leaks(&[&db], &all_ids(), true);
    assert!(found.is_empty(), "raw ids in the checkpointed database: {found:#?}");
    // What is there instead: the people as pids, next to what they wrote.
    let bytes = file_bytes(&db);
    for user in [OPENER, STAFF, APPLICANT] {
        assert!(contains(&bytes, desk.pid_of(UserId::new(user)).to_string().as_bytes()), "the pid of {user} is stored");
    }
    assert!(contains(&bytes, desk.key().account(AccountId::new(ACCOUNTS[0])).to_string().as_bytes()));
    assert!(contains(&bytes, b"Looking into it") && contains(&bytes, b"Unstuck it"), "the transcripts are there");
}

/// The scan can fail: an id stored as a channel id and in a channel name is found in both encodings.
#[tokio::test]
async fn the_scan_finds_an_id_that_is_stored() {
    const CONTROL: u64 = 999_888_777_666_555_444;
    let t = TempStore::new().await;
    let mut ticket = sample_support(1, 1, 42);
    ticket.channel = Some(ChannelId::new(CONTROL));
    ticket.channel_name = format!("support-{CONTROL}");
    t.commit(Commit { tickets: vec![ticket], ..Commit::default() }).await.unwrap();
    t.store.close().await;
    let found = leaks(&[&t.path()], &[(CONTROL, false)], true);
    assert_eq!(found.len(), 3, "decimal text, 8-byte big endian (the integer column) and SQLite's form: {found:#?}");
}
