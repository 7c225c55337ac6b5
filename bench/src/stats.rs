//! `/tickets stats` over a guild with 100,000 closed tickets (10,000 with `--quick`).
//!
//! The tickets are written into the bot's SQLite file before it starts, through the store as the bot writes them
//! (sealed under the bot's own pid secret, so the statistics can mention their staff): support, recruitment and
//! in-game tickets closed over the last 30 days, answered and closed by 40 staff members, most of them rated. The
//! command is then asked end to end through the fake Discord, as an admin asks it, and timed from the click to the
//! answer.

use std::path::Path;
use std::time::{Duration, Instant};

use adapter_sqlite::SqliteStore;
use serde_json::json;
use ticket_core::feedback::{FeedbackAnswer, FeedbackPrompt, Rating, StaffMark};
use ticket_core::relay::GameName;
use ticket_core::ticket::{CloseReason, InGameTicket, RecruitmentTicket, SupportTicket, Ticket, TicketDetail};
use ticket_core::{ChannelId, Commit, GameServerId, GuildId, PidKey, TicketId, TicketStore, UserId};
use time::OffsetDateTime;

use crate::Error;
use crate::world::World;

/// Staff members who answer and close the seeded tickets.
const STAFF: usize = 40;
/// Seeded ticket ids start here, far above any id the bot hands out during the benchmark.
const FIRST_ID: u64 = 1_000_000_000;
/// Tickets per commit while seeding.
const CHUNK: usize = 2_000;

/// The seeded guild's staff members, added to guild `n` of the fake.
pub fn add_staff(world: &World, n: usize) -> Vec<u64> {
    let guild = world.places[n].guild;
    (0..STAFF).map(|i| world.discord.add_member(guild, &format!("staff-{i}"), &[])).collect()
}

/// Writes `count` closed tickets of `guild` into the SQLite file at `database`, sealed with the pid secret `secret`.
pub async fn seed(database: &Path, secret: &str, guild: u64, staff: &[u64], count: usize) -> Result<(), Error> {
    let key = PidKey::new(secret.trim().as_bytes())?;
    let store = SqliteStore::open(database).await?;
    let now = OffsetDateTime::now_utc();
    let server = GameServerId::new("bench-stats")?;
    let marks: Vec<(ticket_core::Pid, ticket_core::SealedUser)> =
        staff.iter().map(|s| (key.user(UserId::new(*s)), key.seal(UserId::new(*s)))).collect();
    let mut tickets = Vec::with_capacity(CHUNK);
    for i in 0..count {
        let n = i as u64;
        let opener = UserId::new(9_000_000_000 + n);
        let (pid, contact) = (key.user(opener), key.seal(opener));
        // Spread over the last 29 days, so that every one falls in the default period (30 days).
        let ago = n * 29 * 86_400 / count.max(1) as u64;
        let closed_at = now - time::Duration::seconds(ago as i64) - time::Duration::hours(1);
        let opened_at = closed_at - time::Duration::minutes(30 + (n % 600) as i64);
        let detail = match i % 3 {
            0 => TicketDetail::Support(SupportTicket { opener: pid, contact, question: "help".into(), slot: 0 }),
            1 => TicketDetail::Recruitment(RecruitmentTicket { applicant: pid, contact, application: None }),
            _ => TicketDetail::InGame(InGameTicket {
                server: server.clone(),
                player: pid,
                name: GameName::new(format!("Player {i}"))?,
                online: false,
                held: Vec::new(),
            }),
        };
        let in_game = matches!(detail, TicketDetail::InGame(_));
        let (by, by_contact) = marks[i % marks.len()];
        let responder = marks[(i / 7) % marks.len()];
        let id = TicketId::new(FIRST_ID + n);
        let mut ticket = Ticket {
            id,
            guild: GuildId::new(guild),
            channel: Some(ChannelId::new(FIRST_ID + n)),
            channel_name: format!("ticket-{i}"),
            detail,
            opened_at,
            closed: None,
            claim: None,
            timers: Default::default(),
            activity: Default::default(),
            version: 0,
        };
        let reason =
            if in_game { CloseReason::PlayerLoggedOut } else { CloseReason::Resolved { resolution: "done".into() } };
        ticket.close(reason, (!in_game).then_some(by), closed_at)?;
        ticket.activity.first_response = Some(StaffMark {
            by: responder.0,
            contact: responder.1,
            at: opened_at + time::Duration::minutes(1 + (n % 45) as i64),
        });
        if !in_game {
            ticket.activity.closed_by = Some(by_contact);
            let answer = (i % 4 != 0).then(|| FeedbackAnswer {
                rating: Rating::new(1 + (i % 5) as u8).unwrap_or_else(|| unreachable!("1 to 5")),
                comment: None,
                at: closed_at,
            });
            ticket.activity.feedback = Some(FeedbackPrompt { asked_at: closed_at, log: None, answer });
        }
        tickets.push(ticket);
        if tickets.len() == CHUNK || i + 1 == count {
            store.commit(Commit { tickets: std::mem::take(&mut tickets), ..Commit::default() }).await?;
        }
    }
    store.close().await;
    Ok(())
}

/// Asks `/tickets stats` (`period`: `30d`, `all`…) in guild `n` `samples` times as its admin; each time from the
/// click to the answer, and the last answer's embed text.
pub async fn ask(world: &World, n: usize, period: &str, samples: usize) -> Result<(Vec<Duration>, String), Error> {
    let p = &world.places[n];
    let mut times = Vec::with_capacity(samples);
    let mut shown = String::new();
    for _ in 0..samples {
        let options =
            json!([{ "name": "stats", "type": 1, "options": [{ "name": "period", "type": 3, "value": period }] }]);
        let started = Instant::now();
        let asked = world.discord.run_command(p.guild, p.log, p.admin, "tickets", options).await;
        times.push(started.elapsed());
        let answer = asked.original_edits.last().ok_or("/tickets stats was not answered")?;
        shown = answer["embeds"].to_string();
    }
    Ok((times, shown))
}
