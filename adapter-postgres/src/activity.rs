//! What a ticket keeps for statistics and feedback ([`Activity`]) on the `tickets` table, and `/tickets stats`'
//! read through `tickets_opened_by_guild` and `tickets_closed_by_guild` (migration 4).

use deadpool_postgres::GenericClient;
use ticket_core::feedback::{Activity, FeedbackPrompt, Rating, StaffMark};
use ticket_core::settings::TicketType;
use ticket_core::stats::TicketStat;
use ticket_core::ticket::Ticket;
use ticket_core::{GuildId, TicketId};
use time::OffsetDateTime;
use tokio_postgres::Row;

use crate::PostgresError;
use crate::codec::{execute, from_json, from_name, get, id, json, parse, parse_opt, raw_id, rows};

fn first_response(
    pid: Option<String>,
    contact: Option<String>,
    at: Option<OffsetDateTime>,
) -> Result<Option<StaffMark>, PostgresError> {
    Ok(match (pid, contact, at) {
        (None, None, None) => None,
        (Some(by), Some(contact), Some(at)) => Some(StaffMark {
            by: parse(&by, "first response by")?,
            contact: parse(&contact, "first responder contact")?,
            at,
        }),
        _ => return Err(PostgresError::decode("first response", "the first response columns disagree")),
    })
}

/// Decodes `first_response_pid, first_response_contact, first_response_at, closed_by_contact, feedback` (the end of
/// `tickets::COLUMNS`) from `from` on.
pub(crate) fn decode(r: &Row, from: usize) -> Result<Activity, PostgresError> {
    Ok(Activity {
        first_response: first_response(get(r, from)?, get(r, from + 1)?, get(r, from + 2)?)?,
        closed_by: parse_opt(get(r, from + 3)?, "closed by contact")?,
        feedback: get::<Option<serde_json::Value>>(r, from + 4)?
            .map(|f| from_json::<FeedbackPrompt>(f, "feedback"))
            .transpose()?,
    })
}

/// Writes a ticket's activity (the ticket's row is written already).
pub(crate) async fn save<C: GenericClient>(c: &C, ticket: &Ticket) -> Result<(), PostgresError> {
    let Activity { first_response, closed_by, feedback } = &ticket.activity;
    let feedback = feedback.as_ref().map(|f| json(f, "feedback")).transpose()?;
    execute(
        c,
        "UPDATE tickets SET first_response_pid = $2, first_response_contact = $3, first_response_at = $4,
             closed_by_contact = $5, feedback = $6, rating = $7
         WHERE id = $1",
        &[
            &id(ticket.id.get()),
            &first_response.map(|m| m.by.to_string()),
            &first_response.map(|m| m.contact.to_string()),
            &first_response.map(|m| m.at),
            &closed_by.map(|c| c.to_string()),
            &feedback,
            &ticket.activity.rating().map(|r| i16::from(r.get())),
        ],
    )
    .await?;
    Ok(())
}

/// A guild's tickets opened at or after `$2`, and those opened before but closed at or after it: two disjoint
/// halves, each a range of one index.
pub(crate) const STATS: &str =
    "SELECT id, kind, opened_at, closed_at, closed_by, closed_by_contact, first_response_pid,
        first_response_contact, first_response_at, rating FROM tickets WHERE guild_id = $1 AND opened_at >= $2
    UNION ALL
    SELECT id, kind, opened_at, closed_at, closed_by, closed_by_contact, first_response_pid,
        first_response_contact, first_response_at, rating FROM tickets
        WHERE guild_id = $1 AND closed_at >= $2 AND closed_at IS NOT NULL AND opened_at < $2
    ORDER BY id";

/// The same for all time.
const STATS_ALL: &str = "SELECT id, kind, opened_at, closed_at, closed_by, closed_by_contact, first_response_pid,
        first_response_contact, first_response_at, rating FROM tickets WHERE guild_id = $1 ORDER BY id";

/// What `/tickets stats` reads of a guild's tickets opened or closed at or after `since` (all for `None`).
pub(crate) async fn stats<C: GenericClient>(
    c: &C,
    guild: GuildId,
    since: Option<OffsetDateTime>,
) -> Result<Vec<TicketStat>, PostgresError> {
    let g = id(guild.get());
    let found = match since {
        Some(since) => rows(c, STATS, &[&g, &since]).await?,
        None => rows(c, STATS_ALL, &[&g]).await?,
    };
    found
        .iter()
        .map(|r| {
            let closed_at: Option<OffsetDateTime> = get(r, 3)?;
            let closed_by = match (get::<Option<String>>(r, 4)?, get::<Option<String>>(r, 5)?, closed_at) {
                (Some(by), Some(contact), Some(at)) => {
                    Some(StaffMark { by: parse(&by, "closed by")?, contact: parse(&contact, "closed by contact")?, at })
                }
                _ => None,
            };
            let rating: Option<i16> = get(r, 9)?;
            Ok(TicketStat {
                ticket: TicketId::new(raw_id(get(r, 0)?)),
                kind: from_name::<TicketType>(get(r, 1)?, "ticket kind")?,
                opened_at: get(r, 2)?,
                closed_at,
                closed_by,
                first_response: first_response(get(r, 6)?, get(r, 7)?, get(r, 8)?)?,
                rating: rating.and_then(|r| u8::try_from(r).ok()).and_then(Rating::new),
            })
        })
        .collect()
}
