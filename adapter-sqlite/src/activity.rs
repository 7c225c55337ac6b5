//! What a ticket keeps for statistics and feedback ([`Activity`]) on the `tickets` table, and `/tickets stats`'
//! read through the `tickets_stats_opened` and `tickets_stats_closed` indexes (migration 8).

use rusqlite::{Connection, Row, params};
use ticket_core::feedback::{Activity, FeedbackPrompt, Rating, StaffMark};
use ticket_core::settings::TicketType;
use ticket_core::stats::TicketStat;
use ticket_core::ticket::Ticket;
use ticket_core::{GuildId, TicketId};
use time::OffsetDateTime;

use crate::SqliteError;
use crate::codec::{from_json, from_name, id, json, parse, parse_opt, parse_time, raw_id, time};

/// A time as unix milliseconds: what sorts in SQL.
fn millis(at: OffsetDateTime, what: &'static str) -> Result<i64, SqliteError> {
    i64::try_from(at.unix_timestamp_nanos() / 1_000_000).map_err(|e| SqliteError::encode(what, e))
}

fn from_millis(ms: i64, what: &'static str) -> Result<OffsetDateTime, SqliteError> {
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000).map_err(|e| SqliteError::decode(what, e))
}

/// The activity columns as stored.
pub(crate) struct ActivityRow {
    first_pid: Option<String>,
    first_contact: Option<String>,
    first_at: Option<String>,
    closed_by_contact: Option<String>,
    feedback: Option<String>,
}

impl ActivityRow {
    /// Reads `first_response_pid, first_response_contact, first_response_at, closed_by_contact, feedback` (the end
    /// of `tickets::COLUMNS`) from `from` on.
    pub(crate) fn read(r: &Row<'_>, from: usize) -> rusqlite::Result<Self> {
        Ok(Self {
            first_pid: r.get(from)?,
            first_contact: r.get(from + 1)?,
            first_at: r.get(from + 2)?,
            closed_by_contact: r.get(from + 3)?,
            feedback: r.get(from + 4)?,
        })
    }

    pub(crate) fn into_activity(self) -> Result<Activity, SqliteError> {
        let first_response = first_response(self.first_pid, self.first_contact, self.first_at)?;
        Ok(Activity {
            first_response,
            closed_by: parse_opt(self.closed_by_contact, "closed by contact")?,
            feedback: self.feedback.map(|f| from_json::<FeedbackPrompt>(&f, "feedback")).transpose()?,
        })
    }
}

fn first_response(
    pid: Option<String>,
    contact: Option<String>,
    at: Option<String>,
) -> Result<Option<StaffMark>, SqliteError> {
    Ok(match (pid, contact, at) {
        (None, None, None) => None,
        (Some(by), Some(contact), Some(at)) => Some(StaffMark {
            by: parse(&by, "first response by")?,
            contact: parse(&contact, "first responder contact")?,
            at: parse_time(&at, "first response at")?,
        }),
        _ => return Err(SqliteError::decode("first response", "the first response columns disagree")),
    })
}

/// Writes a ticket's activity and its sortable times (the ticket's row is written already).
pub(crate) fn save(conn: &Connection, ticket: &Ticket) -> Result<(), SqliteError> {
    let Activity { first_response, closed_by, feedback } = &ticket.activity;
    let closed_at = ticket.closed.as_ref().map(|c| c.at);
    conn.prepare_cached(
        "UPDATE tickets SET opened_ms = ?2, closed_ms = ?3, first_response_pid = ?4, first_response_contact = ?5,
             first_response_at = ?6, closed_by_contact = ?7, feedback = ?8, rating = ?9
         WHERE id = ?1",
    )?
    .execute(params![
        id(ticket.id.get()),
        millis(ticket.opened_at, "opened at")?,
        closed_at.map(|at| millis(at, "closed at")).transpose()?,
        first_response.map(|m| m.by.to_string()),
        first_response.map(|m| m.contact.to_string()),
        first_response.map(|m| time(m.at, "first response at")).transpose()?,
        closed_by.map(|c| c.to_string()),
        feedback.as_ref().map(|f| json(f, "feedback")).transpose()?,
        ticket.activity.rating().map(Rating::get),
    ])?;
    Ok(())
}

/// A guild's tickets opened at or after `?2`, and those opened before but closed at or after it: two disjoint
/// halves, each a range of one index.
pub(crate) const STATS: &str =
    "SELECT id, kind, opened_ms, closed_ms, closed_by, closed_by_contact, first_response_pid,
        first_response_contact, first_response_at, rating FROM tickets WHERE guild_id = ?1 AND opened_ms >= ?2
    UNION ALL
    SELECT id, kind, opened_ms, closed_ms, closed_by, closed_by_contact, first_response_pid,
        first_response_contact, first_response_at, rating FROM tickets
        WHERE guild_id = ?1 AND closed_ms >= ?2 AND opened_ms < ?2
    ORDER BY id";

/// A guild's tickets of all time, read through `tickets_stats_opened`.
pub(crate) const STATS_ALL: &str = "SELECT id, kind, opened_ms, closed_ms, closed_by, closed_by_contact,
        first_response_pid, first_response_contact, first_response_at, rating FROM tickets WHERE guild_id = ?1
    ORDER BY id";

/// What `/tickets stats` reads of a guild's tickets opened or closed at or after `since` (all for `None`).
pub(crate) fn stats(
    conn: &Connection,
    guild: GuildId,
    since: Option<OffsetDateTime>,
) -> Result<Vec<TicketStat>, SqliteError> {
    let mut stmt;
    let mut rows = match since {
        Some(since) => {
            stmt = conn.prepare_cached(STATS)?;
            stmt.query(params![id(guild.get()), millis(since, "since")?])?
        }
        None => {
            stmt = conn.prepare_cached(STATS_ALL)?;
            stmt.query(params![id(guild.get())])?
        }
    };
    let mut out = Vec::new();
    while let Some(r) = rows.next()? {
        let kind: String = r.get(1)?;
        let opened: Option<i64> = r.get(2)?;
        let closed: Option<i64> = r.get(3)?;
        let closed_by: Option<String> = r.get(4)?;
        let closed_contact: Option<String> = r.get(5)?;
        let rating: Option<u8> = r.get(9)?;
        let closed_at = closed.map(|ms| from_millis(ms, "closed at")).transpose()?;
        let closed_by = match (closed_by, closed_contact, closed_at) {
            (Some(by), Some(contact), Some(at)) => {
                Some(StaffMark { by: parse(&by, "closed by")?, contact: parse(&contact, "closed by contact")?, at })
            }
            _ => None,
        };
        out.push(TicketStat {
            ticket: TicketId::new(raw_id(r.get(0)?)),
            kind: from_name::<TicketType>(&kind, "ticket kind")?,
            opened_at: from_millis(opened.unwrap_or_default(), "opened at")?,
            closed_at,
            closed_by,
            first_response: first_response(r.get(6)?, r.get(7)?, r.get(8)?)?,
            rating: rating.and_then(Rating::new),
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::{database, plan};

    #[test]
    fn stats_read_the_two_indexes() {
        let conn = database();
        let steps = plan(&conn, STATS);
        assert!(steps.contains("USING INDEX tickets_stats_opened"), "{steps}");
        assert!(steps.contains("USING INDEX tickets_stats_closed"), "{steps}");
        assert!(!steps.contains("SCAN tickets"), "{steps}");
        let steps = plan(&conn, STATS_ALL);
        assert!(steps.contains("tickets_stats_opened") && !steps.contains("SCAN tickets"), "{steps}");
    }
}
