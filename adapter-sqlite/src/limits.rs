//! The settings of issue 16 on their tables: `ticket_limits`, `ticket_blocks` and `ticket_snippets`; and a
//! person's last opening of a kind of ticket (`tickets_by_person`).

use rusqlite::{Connection, OptionalExtension, params};
use ticket_core::limits::{Block, BlockTarget, OpenLimit, TicketLimits};
use ticket_core::settings::{GuildSettings, TicketType};
use ticket_core::snippet::Snippet;
use ticket_core::{GuildId, Pid, RoleId};
use time::OffsetDateTime;

use crate::SqliteError;
use crate::codec::{
    from_name, id, name, opt_time, parse, parse_opt, parse_opt_time, parse_time, position, raw_id, time,
};

const KINDS: [TicketType; 3] = [TicketType::InGame, TicketType::Support, TicketType::Recruitment];

/// The filter of [`last_opened`], kept apart so that a test can check it uses its index.
pub(crate) const BY_PERSON: &str = "guild_id = ?1 AND kind = ?2 AND person_pid = ?3 ORDER BY id DESC LIMIT 1";

/// Reads the limits, blocklist and snippets of `settings.guild` into `settings`.
pub(crate) fn load(conn: &Connection, settings: &mut GuildSettings) -> Result<(), SqliteError> {
    let g = id(settings.guild.get());
    let mut limits =
        conn.prepare_cached("SELECT ticket_type, max_open, cooldown_minutes FROM ticket_limits WHERE guild_id = ?1")?;
    for row in limits.query_map([g], |r| Ok((r.get::<_, String>(0)?, r.get::<_, u8>(1)?, r.get::<_, u32>(2)?)))? {
        let (kind, max_open, cooldown_minutes) = row?;
        let kind = from_name::<TicketType>(&kind, "limit ticket type")?;
        *settings.limits.of_mut(kind) = OpenLimit { max_open, cooldown_minutes };
    }

    let mut blocks = conn.prepare_cached(
        "SELECT target_kind, target_pid, role_id, contact, label, reason, until, blocked_by, blocked_at
         FROM ticket_blocks WHERE guild_id = ?1 ORDER BY position",
    )?;
    type Row =
        (String, Option<String>, Option<i64>, Option<String>, String, Option<String>, Option<String>, String, String);
    let rows = blocks.query_map([g], |r| {
        Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?, r.get(6)?, r.get(7)?, r.get(8)?))
    })?;
    for row in rows {
        let (kind, pid, role, contact, label, reason, until, by, at): Row = row?;
        let pid = || parse::<Pid>(pid.as_deref().unwrap_or_default(), "blocked pid");
        let target = match kind.as_str() {
            "user" => BlockTarget::User(pid()?),
            "player" => BlockTarget::Player(pid()?),
            "role" => BlockTarget::Role(RoleId::new(raw_id(
                role.ok_or_else(|| SqliteError::decode("blocked role", "missing"))?,
            ))),
            other => return Err(SqliteError::decode("block target", format!("unknown value {other:?}"))),
        };
        settings.blocklist.push(Block {
            target,
            contact: parse_opt(contact, "blocked contact")?,
            label,
            reason,
            until: parse_opt_time(until, "blocked until")?,
            by: parse(&by, "blocked by")?,
            at: parse_time(&at, "blocked at")?,
        });
    }

    let mut snippets =
        conn.prepare_cached("SELECT name, body FROM ticket_snippets WHERE guild_id = ?1 ORDER BY name")?;
    for row in snippets.query_map([g], |r| Ok(Snippet { name: r.get(0)?, text: r.get(1)? }))? {
        settings.snippets.push(row?);
    }
    Ok(())
}

/// Writes the limits, blocklist and snippets of a guild over the stored ones.
pub(crate) fn save(
    conn: &Connection,
    guild: GuildId,
    limits: &TicketLimits,
    blocklist: &[Block],
    snippets: &[Snippet],
) -> Result<(), SqliteError> {
    let g = id(guild.get());
    let mut limit = conn.prepare_cached(
        "INSERT INTO ticket_limits (guild_id, ticket_type, max_open, cooldown_minutes) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (guild_id, ticket_type) DO UPDATE SET
             max_open = excluded.max_open, cooldown_minutes = excluded.cooldown_minutes",
    )?;
    for kind in KINDS {
        let OpenLimit { max_open, cooldown_minutes } = limits.of(kind);
        limit.execute(params![g, name(&kind, "limit ticket type")?, max_open, cooldown_minutes])?;
    }

    conn.prepare_cached("DELETE FROM ticket_blocks WHERE guild_id = ?1")?.execute([g])?;
    let mut block = conn.prepare_cached(
        "INSERT INTO ticket_blocks (guild_id, position, target_kind, target_pid, role_id, contact, label, reason,
             until, blocked_by, blocked_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
    )?;
    for (n, Block { target, contact, label, reason, until, by, at }) in blocklist.iter().enumerate() {
        let (pid, role) = match target {
            BlockTarget::User(p) | BlockTarget::Player(p) => (Some(p.to_string()), None),
            BlockTarget::Role(r) => (None, Some(id(r.get()))),
        };
        block.execute(params![
            g,
            position(n),
            target.kind(),
            pid,
            role,
            contact.map(|c| c.to_string()),
            label,
            reason,
            opt_time(*until, "blocked until")?,
            by.to_string(),
            time(*at, "blocked at")?,
        ])?;
    }

    conn.prepare_cached("DELETE FROM ticket_snippets WHERE guild_id = ?1")?.execute([g])?;
    let mut snippet = conn.prepare_cached("INSERT INTO ticket_snippets (guild_id, name, body) VALUES (?1, ?2, ?3)")?;
    for Snippet { name, text } in snippets {
        snippet.execute(params![g, name, text])?;
    }
    Ok(())
}

/// When `person` last opened a ticket of `kind` in `guild`.
pub(crate) fn last_opened(
    conn: &Connection,
    guild: GuildId,
    kind: TicketType,
    person: Pid,
) -> Result<Option<OffsetDateTime>, SqliteError> {
    let sql = format!("SELECT opened_at FROM tickets WHERE {BY_PERSON}");
    let at: Option<String> = conn
        .prepare_cached(&sql)?
        .query_row(params![id(guild.get()), name(&kind, "ticket kind")?, person.to_string()], |r| r.get(0))
        .optional()?;
    at.map(|at| parse_time(&at, "opened at")).transpose()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::{database, plan};

    #[test]
    fn the_last_opening_is_found_through_its_index() {
        let conn = database();
        let steps = plan(&conn, &format!("SELECT opened_at FROM tickets WHERE {BY_PERSON}"));
        assert!(steps.contains("USING INDEX tickets_by_person") && !steps.contains("TEMP B-TREE"), "{steps}");
    }
}
