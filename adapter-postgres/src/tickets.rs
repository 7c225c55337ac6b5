//! Tickets on the `tickets` table: one row per ticket, kind-specific columns NULL for other kinds.

use deadpool_postgres::GenericClient;
use ticket_core::relay::GameName;
use ticket_core::settings::TicketType;
use ticket_core::ticket::{
    Claim, CloseReason, CloseRequest, Closure, HeldReply, InGameTicket, RecruitmentTicket, SupportTicket, Ticket,
    TicketDetail, TicketTimers,
};
use ticket_core::{ApplicationId, ChannelId, GameServerId, GuildId, Pid, SealedUser, TicketId};
use time::OffsetDateTime;
use tokio_postgres::Row;

use crate::PostgresError;
use crate::codec::{
    count, execute, from_json, from_name, get, id, json, name, opt_id, opt_row, parse, parse_opt, raw_id, required,
    rows, stored_count,
};

pub(crate) const COLUMNS: &str = "id, guild_id, kind, channel_id, channel_name, person_pid, contact, game_server, \
                       player_name, player_online, held_replies, question, application_id, opened_at, closed_at, \
                       close_reason, resolution, closed_by, version, claimed_by_pid, claimed_by_contact, \
                       claimed_by_name, claimed_at, close_requested_by_pid, close_requested_by_name, \
                       close_requested_at, close_request_closes_at, opener_active_at, inactivity_warned_at, due_at, slot, \
                       first_response_pid, first_response_contact, first_response_at, closed_by_contact, feedback";

/// Lookups, each served by an index: the primary key, `tickets_by_channel`,
/// `tickets_by_open_key`, `tickets_open_by_guild` and `tickets_due`.
pub(crate) const BY_ID: &str = "id = $1";
pub(crate) const BY_CHANNEL: &str = "channel_id = $1 ORDER BY id DESC LIMIT 1";
pub(crate) const BY_OPEN_KEY: &str = "open_key = $1";
pub(crate) const OPEN_IN_GUILD: &str = "guild_id = $1 AND closed_at IS NULL ORDER BY id";
pub(crate) const DUE: &str = "closed_at IS NULL AND due_at IS NOT NULL AND due_at <= $1 ORDER BY due_at, id LIMIT $2";
/// The names of a guild's open tickets that are `$2` or lie in the byte-order range [`$3`, `$4`): a range scan of
/// `tickets_open_by_name` (`text_pattern_ops`, so the range is by bytes whatever the collation).
pub(crate) const OPEN_NAMES: &str = "guild_id = $1 AND closed_at IS NULL \
                                     AND (channel_name = $2 OR (channel_name ~>=~ $3 AND channel_name ~<~ $4))";

/// Decodes a row selected by [`COLUMNS`].
fn decode(r: &Row) -> Result<Ticket, PostgresError> {
    let person: String = get(r, 5)?;
    let contact: Option<String> = get(r, 6)?;
    let detail = match from_name::<TicketType>(get(r, 2)?, "ticket kind")? {
        TicketType::InGame => TicketDetail::InGame(InGameTicket {
            server: GameServerId::new(required(get::<Option<String>>(r, 7)?, "game server")?)
                .map_err(|e| PostgresError::decode("game server", e))?,
            player: parse(&person, "player pid")?,
            name: GameName::new(required(get::<Option<String>>(r, 8)?, "player name")?)
                .map_err(|e| PostgresError::decode("player name", e))?,
            online: required(get(r, 9)?, "player online")?,
            held: from_json(required(get(r, 10)?, "held replies")?, "held replies")?,
        }),
        TicketType::Support => TicketDetail::Support(SupportTicket {
            opener: parse(&person, "opener pid")?,
            contact: parse(&required(contact, "opener contact")?, "opener contact")?,
            question: required(get(r, 11)?, "question")?,
            slot: stored_count(i64::from(get::<i16>(r, 30)?), "slot")?,
        }),
        TicketType::Recruitment => TicketDetail::Recruitment(RecruitmentTicket {
            applicant: parse(&person, "applicant pid")?,
            contact: parse(&required(contact, "applicant contact")?, "applicant contact")?,
            application: get::<Option<i64>>(r, 12)?.map(|a| ApplicationId::new(raw_id(a))),
        }),
    };
    let closed = match (get::<Option<OffsetDateTime>>(r, 14)?, get::<Option<String>>(r, 15)?) {
        (None, None) => None,
        (Some(at), Some(reason)) => {
            Some(Closure { reason: close_reason(&reason, get(r, 16)?)?, by: parse_opt(get(r, 17)?, "closed by")?, at })
        }
        _ => return Err(PostgresError::decode("ticket closure", "closed_at and close_reason disagree")),
    };
    let claim = match (get::<Option<String>>(r, 19)?, get::<Option<String>>(r, 20)?, get(r, 21)?, get(r, 22)?) {
        (None, None, None, None) => None,
        (Some(by), Some(contact), Some(name), Some(at)) => {
            Some(Claim { by: parse(&by, "claimed by")?, contact: parse(&contact, "claimer contact")?, name, at })
        }
        _ => return Err(PostgresError::decode("ticket claim", "the claim columns disagree")),
    };
    let close_request = match (get::<Option<String>>(r, 23)?, get(r, 24)?, get(r, 25)?, get(r, 26)?) {
        (None, None, None, None) => None,
        (Some(by), Some(by_name), Some(at), Some(closes_at)) => {
            Some(CloseRequest { by: parse(&by, "close requested by")?, by_name, at, closes_at })
        }
        _ => return Err(PostgresError::decode("close request", "the close request columns disagree")),
    };
    let timers =
        TicketTimers { close_request, opener_active_at: get(r, 27)?, warned_at: get(r, 28)?, due_at: get(r, 29)? };
    Ok(Ticket {
        id: TicketId::new(raw_id(get(r, 0)?)),
        guild: GuildId::new(raw_id(get(r, 1)?)),
        channel: get::<Option<i64>>(r, 3)?.map(|c| ChannelId::new(raw_id(c))),
        channel_name: get(r, 4)?,
        detail,
        opened_at: get(r, 13)?,
        closed,
        claim,
        timers,
        activity: crate::activity::decode(r, 31)?,
        version: stored_count(get(r, 18)?, "ticket version")?,
    })
}

/// The `close_reason` and `resolution` columns of a reason.
fn reason_columns(reason: &CloseReason) -> (&'static str, Option<&str>) {
    reason.code()
}

fn close_reason(code: &str, resolution: Option<String>) -> Result<CloseReason, PostgresError> {
    if code == "resolved" && resolution.is_none() {
        return Err(PostgresError::decode("resolution", "missing for a resolved ticket"));
    }
    CloseReason::from_code(code, resolution)
        .ok_or_else(|| PostgresError::decode("close reason", format!("unknown value {code:?}")))
}

async fn list<C: GenericClient>(
    c: &C,
    filter: &str,
    params: &crate::codec::Params<'_>,
) -> Result<Vec<Ticket>, PostgresError> {
    let sql = format!("SELECT {COLUMNS} FROM tickets WHERE {filter}");
    rows(c, &sql, params).await?.iter().map(decode).collect()
}

async fn one<C: GenericClient>(
    c: &C,
    filter: &str,
    params: &crate::codec::Params<'_>,
) -> Result<Option<Ticket>, PostgresError> {
    let sql = format!("SELECT {COLUMNS} FROM tickets WHERE {filter}");
    opt_row(c, &sql, params).await?.as_ref().map(decode).transpose()
}

/// Tickets (open and closed) with ids after `after`, in id order, at most `limit` (for an export).
pub(crate) async fn after<C: GenericClient>(
    c: &C,
    after: Option<TicketId>,
    limit: usize,
) -> Result<Vec<Ticket>, PostgresError> {
    let limit = i64::try_from(limit).unwrap_or(i64::MAX);
    list(c, "id > $1 ORDER BY id LIMIT $2", &[&id(after.map_or(0, TicketId::get)), &limit]).await
}

/// A ticket.
pub(crate) async fn get_ticket<C: GenericClient>(c: &C, ticket: TicketId) -> Result<Option<Ticket>, PostgresError> {
    one(c, BY_ID, &[&id(ticket.get())]).await
}

/// The newest ticket whose channel this is, open or closed.
pub(crate) async fn by_channel<C: GenericClient>(c: &C, channel: ChannelId) -> Result<Option<Ticket>, PostgresError> {
    one(c, BY_CHANNEL, &[&id(channel.get())]).await
}

/// The open ticket holding an open key.
pub(crate) async fn by_open_key<C: GenericClient>(c: &C, key: &str) -> Result<Option<Ticket>, PostgresError> {
    one(c, BY_OPEN_KEY, &[&key]).await
}

/// A guild's open tickets, oldest first.
pub(crate) async fn open_in_guild<C: GenericClient>(c: &C, guild: GuildId) -> Result<Vec<Ticket>, PostgresError> {
    list(c, OPEN_IN_GUILD, &[&id(guild.get())]).await
}

/// Open tickets due at or before `until`, soonest first (then by id), at most `limit`.
pub(crate) async fn due<C: GenericClient>(
    c: &C,
    until: OffsetDateTime,
    limit: usize,
) -> Result<Vec<Ticket>, PostgresError> {
    let limit = i64::try_from(limit).unwrap_or(i64::MAX);
    list(c, DUE, &[&until, &limit]).await
}

/// When the soonest open ticket is due (the first entry of `tickets_due`).
pub(crate) async fn next_due<C: GenericClient>(c: &C) -> Result<Option<OffsetDateTime>, PostgresError> {
    let row = opt_row(
        c,
        "SELECT due_at FROM tickets WHERE closed_at IS NULL AND due_at IS NOT NULL ORDER BY due_at, id LIMIT 1",
        &[],
    )
    .await?;
    row.as_ref().map(|r| get(r, 0)).transpose()
}

/// The channel names of a guild's open tickets that are `base` or start with `base-` (`-` sorts just before `.`).
pub(crate) async fn open_names<C: GenericClient>(
    c: &C,
    guild: GuildId,
    base: &str,
) -> Result<Vec<String>, PostgresError> {
    let sql = format!("SELECT channel_name FROM tickets WHERE {OPEN_NAMES}");
    let (from, to) = (format!("{base}-"), format!("{base}."));
    rows(c, &sql, &[&id(guild.get()), &base, &from, &to]).await?.iter().map(|r| get(r, 0)).collect()
}

/// The open tickets of a guild with exactly this channel name (an index lookup of `tickets_open_by_name`).
pub(crate) async fn open_name_holders<C: GenericClient>(
    c: &C,
    guild: GuildId,
    name: &str,
) -> Result<Vec<TicketId>, PostgresError> {
    let found = rows(
        c,
        "SELECT id FROM tickets WHERE guild_id = $1 AND channel_name = $2 AND closed_at IS NULL",
        &[&id(guild.get()), &name],
    )
    .await?;
    found.iter().map(|r| Ok(TicketId::new(raw_id(get(r, 0)?)))).collect()
}

/// The stored version of a ticket, if it exists, and its channel name if it is open: one primary-key lookup.
pub(crate) async fn version_and_open_name<C: GenericClient>(
    c: &C,
    ticket: TicketId,
) -> Result<Option<(u64, Option<String>)>, PostgresError> {
    let row = opt_row(
        c,
        "SELECT version, CASE WHEN closed_at IS NULL THEN channel_name END FROM tickets WHERE id = $1",
        &[&id(ticket.get())],
    )
    .await?;
    row.map(|r| Ok((stored_count(get(&r, 0)?, "ticket version")?, get(&r, 1)?))).transpose()
}

/// The open ticket holding an open key, by id.
pub(crate) async fn key_holder<C: GenericClient>(c: &C, key: &str) -> Result<Option<TicketId>, PostgresError> {
    let row = opt_row(c, "SELECT id FROM tickets WHERE open_key = $1", &[&key]).await?;
    row.map(|r| Ok(TicketId::new(raw_id(get(&r, 0)?)))).transpose()
}

/// Whether a ticket exists.
pub(crate) async fn exists<C: GenericClient>(c: &C, ticket: TicketId) -> Result<bool, PostgresError> {
    Ok(opt_row(c, "SELECT 1 FROM tickets WHERE id = $1", &[&id(ticket.get())]).await?.is_some())
}

/// Frees the open key a stored ticket holds, unless it keeps holding it after the commit. Done for every ticket
/// of a commit before any is written, so that a commit may close one ticket and open another with the same key in
/// any order.
pub(crate) async fn release_key<C: GenericClient>(c: &C, ticket: &Ticket) -> Result<(), PostgresError> {
    execute(
        c,
        "UPDATE tickets SET open_key = NULL WHERE id = $1 AND open_key IS DISTINCT FROM $2",
        &[&id(ticket.id.get()), &ticket.open_key()],
    )
    .await?;
    Ok(())
}

/// The columns whose meaning depends on the ticket's kind (NULL for the other kinds).
struct KindColumns<'a> {
    person: Pid,
    contact: Option<SealedUser>,
    server: Option<&'a str>,
    player_name: Option<&'a str>,
    online: Option<bool>,
    held: Option<serde_json::Value>,
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

    fn of(detail: &'a TicketDetail) -> Result<Self, PostgresError> {
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
pub(crate) async fn save<C: GenericClient>(c: &C, ticket: &Ticket) -> Result<(), PostgresError> {
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
    // Open tickets only: a closed ticket is due for nothing.
    let due_at = due_at.filter(|_| closed.is_none());
    execute(
        c,
        "INSERT INTO tickets (id, guild_id, kind, channel_id, channel_name, person_pid, contact, game_server,
             player_name, player_online, held_replies, question, application_id, open_key, opened_at, closed_at,
             close_reason, resolution, closed_by, version, claimed_by_pid, claimed_by_contact, claimed_by_name,
             claimed_at, close_requested_by_pid, close_requested_by_name, close_requested_at, close_request_closes_at,
             opener_active_at, inactivity_warned_at, due_at, slot)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22,
             $23, $24, $25, $26, $27, $28, $29, $30, $31, $32)
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
        &[
            &id(ticket_id.get()),
            &id(guild.get()),
            &name(&ticket.kind(), "ticket kind")?,
            &opt_id(channel.map(ChannelId::get)),
            channel_name,
            &kind.person.to_string(),
            &kind.contact.map(|c| c.to_string()),
            &kind.server,
            &kind.player_name,
            &kind.online,
            &kind.held,
            &kind.question,
            &opt_id(kind.application),
            &ticket.open_key(),
            opened_at,
            &closed_at,
            &reason,
            &resolution,
            &closed_by.map(|p| p.to_string()),
            &count(version.saturating_add(1), "ticket version")?,
            &claim.as_ref().map(|c| c.by.to_string()),
            &claim.as_ref().map(|c| c.contact.to_string()),
            &claim.as_ref().map(|c| c.name.as_str()),
            &claim.as_ref().map(|c| c.at),
            &close_request.as_ref().map(|r| r.by.to_string()),
            &close_request.as_ref().map(|r| r.by_name.as_str()),
            &close_request.as_ref().map(|r| r.at),
            &close_request.as_ref().map(|r| r.closes_at),
            opener_active_at,
            warned_at,
            &due_at,
            &i16::from(kind.slot),
        ],
    )
    .await?;
    // The activity, written by its own module.
    crate::activity::save(c, ticket).await
}
