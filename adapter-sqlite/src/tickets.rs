//! Tickets on the `tickets` table: one row per ticket, kind-specific columns NULL for other kinds.

use rusqlite::{Connection, OptionalExtension, Row, params};
use ticket_core::relay::GameName;
use ticket_core::settings::TicketType;
use ticket_core::ticket::TicketTimers;
use ticket_core::ticket::{
    Claim, CloseReason, CloseRequest, Closure, HeldReply, InGameTicket, RecruitmentTicket, SupportTicket, Ticket,
    TicketDetail,
};
use ticket_core::{ApplicationId, ChannelId, GameServerId, GuildId, Pid, SealedUser, TicketId};

use crate::SqliteError;
use crate::codec::{
    count, from_json, from_name, id, json, name, opt_id, opt_time, parse, parse_opt, parse_opt_time, parse_time,
    raw_id, required, stored_count, time,
};

/// A time as unix milliseconds: what sorts in SQL.
fn millis(at: time::OffsetDateTime, what: &'static str) -> Result<i64, SqliteError> {
    i64::try_from(at.unix_timestamp_nanos() / 1_000_000).map_err(|e| SqliteError::encode(what, e))
}

fn from_millis(ms: i64, what: &'static str) -> Result<time::OffsetDateTime, SqliteError> {
    time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
        .map_err(|e| SqliteError::decode(what, e))
}

/// Open tickets due at or before `until`, soonest first, at most `limit`.
pub(crate) fn due(conn: &Connection, until: time::OffsetDateTime, limit: usize) -> Result<Vec<Ticket>, SqliteError> {
    let sql = format!(
        "SELECT {COLUMNS} FROM tickets WHERE closed_at IS NULL AND due_at IS NOT NULL AND due_at <= ?1
         ORDER BY due_at, id LIMIT ?2"
    );
    let limit = i64::try_from(limit).unwrap_or(i64::MAX);
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map(params![millis(until, "due until")?, limit], TicketRow::read)?;
    rows.map(|row| row.map_err(SqliteError::from).and_then(TicketRow::into_ticket)).collect()
}

/// When the soonest open ticket is due.
pub(crate) fn next_due(conn: &Connection) -> Result<Option<time::OffsetDateTime>, SqliteError> {
    let ms: Option<i64> = conn
        .prepare_cached("SELECT min(due_at) FROM tickets WHERE closed_at IS NULL AND due_at IS NOT NULL")?
        .query_row([], |r| r.get(0))?;
    ms.map(|ms| from_millis(ms, "due at")).transpose()
}

const COLUMNS: &str = "id, guild_id, kind, channel_id, channel_name, person_pid, contact, game_server, player_name, \
                       player_online, held_replies, question, application_id, opened_at, closed_at, close_reason, \
                       resolution, closed_by, version, claimed_by_pid, claimed_by_contact, claimed_by_name, \
                       claimed_at, close_requested_by_pid, close_requested_by_name, close_requested_at, \
                       close_request_closes_at, opener_active_at, inactivity_warned_at, due_at, slot, \
                       first_response_pid, first_response_contact, first_response_at, closed_by_contact, feedback";

const BY_ID: &str = "id = ?1";
const BY_CHANNEL: &str = "channel_id = ?1 ORDER BY id DESC LIMIT 1";
const BY_OPEN_KEY: &str = "open_key = ?1";
const OPEN_IN_GUILD: &str = "guild_id = ?1 AND closed_at IS NULL ORDER BY id";

/// Tickets (open and closed) with ids after `after`, in id order, at most `limit` (for an export).
pub(crate) fn after(conn: &Connection, after: Option<TicketId>, limit: usize) -> Result<Vec<Ticket>, SqliteError> {
    let sql = format!("SELECT {COLUMNS} FROM tickets WHERE id > ?1 ORDER BY id LIMIT ?2");
    let limit = i64::try_from(limit).unwrap_or(i64::MAX);
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map(params![id(after.map_or(0, TicketId::get)), limit], TicketRow::read)?;
    rows.map(|row| row.map_err(SqliteError::from).and_then(TicketRow::into_ticket)).collect()
}

/// A `tickets` row as stored, before it is checked and turned into a [`Ticket`].
struct TicketRow {
    id: i64,
    guild: i64,
    kind: String,
    channel: Option<i64>,
    channel_name: String,
    person: String,
    contact: Option<String>,
    server: Option<String>,
    player_name: Option<String>,
    online: Option<bool>,
    held: Option<String>,
    question: Option<String>,
    application: Option<i64>,
    opened_at: String,
    closed_at: Option<String>,
    close_reason: Option<String>,
    resolution: Option<String>,
    closed_by: Option<String>,
    version: i64,
    claimed_by: Option<String>,
    claimed_contact: Option<String>,
    claimed_name: Option<String>,
    claimed_at: Option<String>,
    requested_by: Option<String>,
    requested_by_name: Option<String>,
    requested_at: Option<String>,
    request_closes_at: Option<String>,
    opener_active_at: Option<String>,
    warned_at: Option<String>,
    due_at: Option<i64>,
    slot: u8,
    activity: crate::activity::ActivityRow,
}

impl TicketRow {
    fn read(r: &Row<'_>) -> rusqlite::Result<Self> {
        Ok(Self {
            id: r.get(0)?,
            guild: r.get(1)?,
            kind: r.get(2)?,
            channel: r.get(3)?,
            channel_name: r.get(4)?,
            person: r.get(5)?,
            contact: r.get(6)?,
            server: r.get(7)?,
            player_name: r.get(8)?,
            online: r.get(9)?,
            held: r.get(10)?,
            question: r.get(11)?,
            application: r.get(12)?,
            opened_at: r.get(13)?,
            closed_at: r.get(14)?,
            close_reason: r.get(15)?,
            resolution: r.get(16)?,
            closed_by: r.get(17)?,
            version: r.get(18)?,
            claimed_by: r.get(19)?,
            claimed_contact: r.get(20)?,
            claimed_name: r.get(21)?,
            claimed_at: r.get(22)?,
            requested_by: r.get(23)?,
            requested_by_name: r.get(24)?,
            requested_at: r.get(25)?,
            request_closes_at: r.get(26)?,
            opener_active_at: r.get(27)?,
            warned_at: r.get(28)?,
            due_at: r.get(29)?,
            slot: r.get(30)?,
            activity: crate::activity::ActivityRow::read(r, 31)?,
        })
    }

    fn into_ticket(self) -> Result<Ticket, SqliteError> {
        let detail = match from_name::<TicketType>(&self.kind, "ticket kind")? {
            TicketType::InGame => TicketDetail::InGame(InGameTicket {
                server: GameServerId::new(required(self.server, "game server")?)
                    .map_err(|e| SqliteError::decode("game server", e))?,
                player: parse(&self.person, "player pid")?,
                name: GameName::new(required(self.player_name, "player name")?)
                    .map_err(|e| SqliteError::decode("player name", e))?,
                online: required(self.online, "player online")?,
                held: from_json(&required(self.held, "held replies")?, "held replies")?,
            }),
            TicketType::Support => TicketDetail::Support(SupportTicket {
                opener: parse(&self.person, "opener pid")?,
                contact: parse(&required(self.contact, "opener contact")?, "opener contact")?,
                question: required(self.question, "question")?,
                slot: self.slot,
            }),
            TicketType::Recruitment => TicketDetail::Recruitment(RecruitmentTicket {
                applicant: parse(&self.person, "applicant pid")?,
                contact: parse(&required(self.contact, "applicant contact")?, "applicant contact")?,
                application: self.application.map(|a| ApplicationId::new(raw_id(a))),
            }),
        };
        let closed = match (self.closed_at, self.close_reason) {
            (None, None) => None,
            (Some(at), Some(reason)) => Some(Closure {
                reason: close_reason(&reason, self.resolution)?,
                by: parse_opt(self.closed_by, "closed by")?,
                at: parse_time(&at, "closed at")?,
            }),
            _ => return Err(SqliteError::decode("ticket closure", "closed_at and close_reason disagree")),
        };
        let claim = match (self.claimed_by, self.claimed_contact, self.claimed_name, self.claimed_at) {
            (None, None, None, None) => None,
            (Some(by), Some(contact), Some(name), Some(at)) => Some(Claim {
                by: parse(&by, "claimed by")?,
                contact: parse(&contact, "claimer contact")?,
                name,
                at: parse_time(&at, "claimed at")?,
            }),
            _ => return Err(SqliteError::decode("ticket claim", "the claim columns disagree")),
        };
        let close_request = match (self.requested_by, self.requested_by_name, self.requested_at, self.request_closes_at)
        {
            (None, None, None, None) => None,
            (Some(by), Some(by_name), Some(at), Some(closes_at)) => Some(CloseRequest {
                by: parse(&by, "close requested by")?,
                by_name,
                at: parse_time(&at, "close requested at")?,
                closes_at: parse_time(&closes_at, "close request timeout")?,
            }),
            _ => return Err(SqliteError::decode("close request", "the close request columns disagree")),
        };
        let timers = TicketTimers {
            close_request,
            opener_active_at: parse_opt_time(self.opener_active_at, "opener active at")?,
            warned_at: parse_opt_time(self.warned_at, "inactivity warned at")?,
            due_at: self.due_at.map(|ms| from_millis(ms, "due at")).transpose()?,
        };
        Ok(Ticket {
            id: TicketId::new(raw_id(self.id)),
            guild: GuildId::new(raw_id(self.guild)),
            channel: self.channel.map(|c| ChannelId::new(raw_id(c))),
            channel_name: self.channel_name,
            detail,
            opened_at: parse_time(&self.opened_at, "opened at")?,
            closed,
            claim,
            timers,
            activity: self.activity.into_activity()?,
            version: stored_count(self.version, "ticket version")?,
        })
    }
}

/// The `close_reason` and `resolution` columns of a reason.
fn reason_columns(reason: &CloseReason) -> (&'static str, Option<&str>) {
    reason.code()
}

fn close_reason(code: &str, resolution: Option<String>) -> Result<CloseReason, SqliteError> {
    if code == "resolved" && resolution.is_none() {
        return Err(SqliteError::decode("resolution", "missing for a resolved ticket"));
    }
    CloseReason::from_code(code, resolution)
        .ok_or_else(|| SqliteError::decode("close reason", format!("unknown value {code:?}")))
}

fn one(conn: &Connection, filter: &str, key: impl rusqlite::Params) -> Result<Option<Ticket>, SqliteError> {
    let sql = format!("SELECT {COLUMNS} FROM tickets WHERE {filter}");
    let row = conn.prepare_cached(&sql)?.query_row(key, TicketRow::read).optional()?;
    row.map(TicketRow::into_ticket).transpose()
}

/// A ticket.
pub(crate) fn get(conn: &Connection, ticket: TicketId) -> Result<Option<Ticket>, SqliteError> {
    one(conn, BY_ID, [id(ticket.get())])
}

/// The newest ticket whose channel this is, open or closed.
pub(crate) fn by_channel(conn: &Connection, channel: ChannelId) -> Result<Option<Ticket>, SqliteError> {
    one(conn, BY_CHANNEL, [id(channel.get())])
}

/// The open ticket holding an open key.
pub(crate) fn by_open_key(conn: &Connection, key: &str) -> Result<Option<Ticket>, SqliteError> {
    one(conn, BY_OPEN_KEY, [key])
}

/// A guild's open tickets, oldest first.
pub(crate) fn open_in_guild(conn: &Connection, guild: GuildId) -> Result<Vec<Ticket>, SqliteError> {
    let sql = format!("SELECT {COLUMNS} FROM tickets WHERE {OPEN_IN_GUILD}");
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map([id(guild.get())], TicketRow::read)?;
    rows.map(|row| row.map_err(SqliteError::from).and_then(TicketRow::into_ticket)).collect()
}

/// The channel names of a guild's open tickets that are `base` or start with `base-` (a range scan of
/// `tickets_open_by_name`: `-` sorts just before `.`).
pub(crate) fn open_names(conn: &Connection, guild: GuildId, base: &str) -> Result<Vec<String>, SqliteError> {
    let mut stmt = conn.prepare_cached(
        "SELECT channel_name FROM tickets WHERE guild_id = ?1 AND closed_at IS NULL \
         AND (channel_name = ?2 OR (channel_name >= ?3 AND channel_name < ?4))",
    )?;
    let rows = stmt
        .query_map(params![id(guild.get()), base, format!("{base}-"), format!("{base}.")], |r| r.get::<_, String>(0))?;
    rows.map(|row| row.map_err(SqliteError::from)).collect()
}

/// The open tickets of a guild with exactly this channel name (an index lookup of `tickets_open_by_name`).
pub(crate) fn open_name_holders(conn: &Connection, guild: GuildId, name: &str) -> Result<Vec<TicketId>, SqliteError> {
    let mut stmt =
        conn.prepare_cached("SELECT id FROM tickets WHERE guild_id = ?1 AND channel_name = ?2 AND closed_at IS NULL")?;
    let rows = stmt.query_map(params![id(guild.get()), name], |r| r.get::<_, i64>(0))?;
    rows.map(|row| row.map(|raw| TicketId::new(raw_id(raw))).map_err(SqliteError::from)).collect()
}

/// The stored version of a ticket, if it exists, and its channel name if it is open: one primary-key lookup.
pub(crate) fn version_and_open_name(
    conn: &Connection,
    ticket: TicketId,
) -> Result<Option<(u64, Option<String>)>, SqliteError> {
    let stored: Option<(i64, Option<String>)> = conn
        .prepare_cached("SELECT version, CASE WHEN closed_at IS NULL THEN channel_name END FROM tickets WHERE id = ?1")?
        .query_row([id(ticket.get())], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    stored.map(|(version, name)| Ok((stored_count(version, "ticket version")?, name))).transpose()
}

/// The open ticket holding an open key, by id.
pub(crate) fn key_holder(conn: &Connection, key: &str) -> Result<Option<TicketId>, SqliteError> {
    let holder: Option<i64> =
        conn.prepare_cached("SELECT id FROM tickets WHERE open_key = ?1")?.query_row([key], |r| r.get(0)).optional()?;
    Ok(holder.map(|h| TicketId::new(raw_id(h))))
}

/// Whether a ticket exists.
pub(crate) fn exists(conn: &Connection, ticket: TicketId) -> Result<bool, SqliteError> {
    Ok(conn.prepare_cached("SELECT 1 FROM tickets WHERE id = ?1")?.exists([id(ticket.get())])?)
}

/// Frees the open key a stored ticket holds, unless it keeps holding it after the commit. Done for every ticket
/// of a commit before any is written, so that a commit may close one ticket and open another with the same key in
/// any order.
pub(crate) fn release_key(conn: &Connection, ticket: &Ticket) -> Result<(), SqliteError> {
    conn.prepare_cached("UPDATE tickets SET open_key = NULL WHERE id = ?1 AND open_key IS NOT ?2")?
        .execute(params![id(ticket.id.get()), ticket.open_key()])?;
    Ok(())
}

/// The columns whose meaning depends on the ticket's kind (NULL for the other kinds).
struct KindColumns<'a> {
    person: Pid,
    contact: Option<SealedUser>,
    server: Option<&'a str>,
    player_name: Option<&'a str>,
    online: Option<bool>,
    held: Option<String>,
    question: Option<&'a str>,
    application: Option<u64>,
    slot: u8,
}

impl<'a> KindColumns<'a> {
    fn person(person: Pid) -> Self {
        Self {
            person,
            contact: None,
            server: None,
            player_name: None,
            online: None,
            held: None,
            question: None,
            application: None,
            slot: 0,
        }
    }

    fn of(detail: &'a TicketDetail) -> Result<Self, SqliteError> {
        Ok(match detail {
            TicketDetail::InGame(InGameTicket { server, player, name, online, held }) => Self {
                server: Some(server.as_str()),
                player_name: Some(name.as_str()),
                online: Some(*online),
                held: Some(json::<Vec<HeldReply>>(held, "held replies")?),
                ..Self::person(*player)
            },
            TicketDetail::Support(SupportTicket { opener, contact, question, slot }) => {
                Self { contact: Some(*contact), question: Some(question), slot: *slot, ..Self::person(*opener) }
            }
            TicketDetail::Recruitment(RecruitmentTicket { applicant, contact, application }) => Self {
                contact: Some(*contact),
                application: application.map(ApplicationId::get),
                ..Self::person(*applicant)
            },
        })
    }
}

/// Writes a ticket at `version + 1`. The caller has checked the version and the open key.
pub(crate) fn save(conn: &Connection, ticket: &Ticket) -> Result<(), SqliteError> {
    // Destructured in full: a field added to the domain type fails to compile here until it is stored.
    let Ticket {
        id: ticket_id,
        guild,
        channel,
        channel_name,
        detail,
        opened_at,
        closed,
        claim,
        timers,
        activity: _,
        version,
    } = ticket;
    let TicketTimers { close_request, opener_active_at, warned_at, due_at } = timers;
    let kind = KindColumns::of(detail)?;
    let (closed_at, reason, resolution, closed_by) = match closed {
        Some(Closure { reason, by, at }) => {
            let (code, resolution) = reason_columns(reason);
            (Some(*at), Some(code), resolution, *by)
        }
        None => (None, None, None, None),
    };
    conn.prepare_cached(
        "INSERT INTO tickets (id, guild_id, kind, channel_id, channel_name, person_pid, contact, game_server,
             player_name, player_online, held_replies, question, application_id, open_key, opened_at, closed_at,
             close_reason, resolution, closed_by, version, claimed_by_pid, claimed_by_contact, claimed_by_name,
             claimed_at, close_requested_by_pid, close_requested_by_name, close_requested_at, close_request_closes_at,
             opener_active_at, inactivity_warned_at, due_at, slot)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22,
             ?23, ?24, ?25, ?26, ?27, ?28, ?29, ?30, ?31, ?32)
         ON CONFLICT (id) DO UPDATE SET
             guild_id = excluded.guild_id, kind = excluded.kind, channel_id = excluded.channel_id,
             channel_name = excluded.channel_name, person_pid = excluded.person_pid, contact = excluded.contact,
             game_server = excluded.game_server, player_name = excluded.player_name,
             player_online = excluded.player_online, held_replies = excluded.held_replies,
             question = excluded.question, application_id = excluded.application_id, open_key = excluded.open_key,
             opened_at = excluded.opened_at, closed_at = excluded.closed_at, close_reason = excluded.close_reason,
             resolution = excluded.resolution, closed_by = excluded.closed_by, version = excluded.version,
             claimed_by_pid = excluded.claimed_by_pid, claimed_by_contact = excluded.claimed_by_contact,
             claimed_by_name = excluded.claimed_by_name, claimed_at = excluded.claimed_at,
             close_requested_by_pid = excluded.close_requested_by_pid,
             close_requested_by_name = excluded.close_requested_by_name,
             close_requested_at = excluded.close_requested_at,
             close_request_closes_at = excluded.close_request_closes_at,
             opener_active_at = excluded.opener_active_at, inactivity_warned_at = excluded.inactivity_warned_at,
             due_at = excluded.due_at, slot = excluded.slot",
    )?
    .execute(params![
        id(ticket_id.get()),
        id(guild.get()),
        name(&ticket.kind(), "ticket kind")?,
        opt_id(channel.map(ChannelId::get)),
        channel_name,
        kind.person.to_string(),
        kind.contact.map(|c| c.to_string()),
        kind.server,
        kind.player_name,
        kind.online,
        kind.held,
        kind.question,
        opt_id(kind.application),
        ticket.open_key(),
        time(*opened_at, "opened at")?,
        opt_time(closed_at, "closed at")?,
        reason,
        resolution,
        closed_by.map(|p| p.to_string()),
        count(version.saturating_add(1), "ticket version")?,
        claim.as_ref().map(|c| c.by.to_string()),
        claim.as_ref().map(|c| c.contact.to_string()),
        claim.as_ref().map(|c| c.name.as_str()),
        claim.as_ref().map(|c| time(c.at, "claimed at")).transpose()?,
        close_request.as_ref().map(|r| r.by.to_string()),
        close_request.as_ref().map(|r| r.by_name.as_str()),
        close_request.as_ref().map(|r| time(r.at, "close requested at")).transpose()?,
        close_request.as_ref().map(|r| time(r.closes_at, "close request timeout")).transpose()?,
        opt_time(*opener_active_at, "opener active at")?,
        opt_time(*warned_at, "inactivity warned at")?,
        // Open tickets only: a closed ticket is due for nothing.
        due_at.filter(|_| closed.is_none()).map(|t| millis(t, "due at")).transpose()?,
        kind.slot,
    ])?;
    // The activity (written by its own module) and the times the statistics sort by.
    crate::activity::save(conn, ticket)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::{database, plan};

    #[test]
    fn every_lookup_uses_an_index() {
        let conn = database();
        for (filter, index) in [
            (BY_ID, "USING INTEGER PRIMARY KEY"),
            (BY_CHANNEL, "USING INDEX tickets_by_channel"),
            (BY_OPEN_KEY, "USING INDEX tickets_by_open_key"),
            (OPEN_IN_GUILD, "USING INDEX tickets_open_by_guild"),
        ] {
            let steps = plan(&conn, &format!("SELECT {COLUMNS} FROM tickets WHERE {filter}"));
            assert!(steps.contains(index) && !steps.contains("TEMP B-TREE"), "{filter}: {steps}");
        }
    }
}
