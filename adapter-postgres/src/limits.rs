//! The settings of issue 16 on their tables: `ticket_limits`, `ticket_blocks` and `ticket_snippets`; and a
//! person's last opening of a kind of ticket (`tickets_by_person`).

use deadpool_postgres::GenericClient;
use ticket_core::limits::{Block, BlockTarget, OpenLimit, TicketLimits};
use ticket_core::settings::{GuildSettings, TicketType};
use ticket_core::snippet::Snippet;
use ticket_core::{GuildId, Pid, RoleId};
use time::OffsetDateTime;

use crate::PostgresError;
use crate::codec::{
    execute, from_name, get, id, name, opt_row, parse, parse_opt, position, raw_id, rows, stored_count,
};

const KINDS: [TicketType; 3] = [TicketType::InGame, TicketType::Support, TicketType::Recruitment];

/// Reads the limits, blocklist and snippets of `settings.guild` into `settings`.
pub(crate) async fn load<C: GenericClient>(c: &C, settings: &mut GuildSettings) -> Result<(), PostgresError> {
    let g = id(settings.guild.get());
    let sql = "SELECT ticket_type, max_open, cooldown_minutes FROM ticket_limits WHERE guild_id = $1";
    for r in rows(c, sql, &[&g]).await? {
        let kind = from_name::<TicketType>(get(&r, 0)?, "limit ticket type")?;
        *settings.limits.of_mut(kind) = OpenLimit {
            max_open: stored_count(i64::from(get::<i16>(&r, 1)?), "max open")?,
            cooldown_minutes: stored_count(get::<i64>(&r, 2)?, "cooldown")?,
        };
    }

    let sql = "SELECT target_kind, target_pid, role_id, contact, label, reason, until, blocked_by, blocked_at
               FROM ticket_blocks WHERE guild_id = $1 ORDER BY position";
    for r in rows(c, sql, &[&g]).await? {
        let pid = || parse::<Pid>(get::<Option<&str>>(&r, 1)?.unwrap_or_default(), "blocked pid");
        let target = match get::<&str>(&r, 0)? {
            "user" => BlockTarget::User(pid()?),
            "player" => BlockTarget::Player(pid()?),
            "role" => BlockTarget::Role(RoleId::new(raw_id(
                get::<Option<i64>>(&r, 2)?.ok_or_else(|| PostgresError::decode("blocked role", "missing"))?,
            ))),
            other => return Err(PostgresError::decode("block target", format!("unknown value {other:?}"))),
        };
        settings.blocklist.push(Block {
            target,
            contact: parse_opt(get(&r, 3)?, "blocked contact")?,
            label: get(&r, 4)?,
            reason: get(&r, 5)?,
            until: get(&r, 6)?,
            by: parse(get(&r, 7)?, "blocked by")?,
            at: get(&r, 8)?,
        });
    }

    let sql = "SELECT name, body FROM ticket_snippets WHERE guild_id = $1 ORDER BY name";
    for r in rows(c, sql, &[&g]).await? {
        settings.snippets.push(Snippet { name: get(&r, 0)?, text: get(&r, 1)? });
    }
    Ok(())
}

/// Writes the limits, blocklist and snippets of a guild over the stored ones.
pub(crate) async fn save<C: GenericClient>(
    c: &C,
    guild: GuildId,
    limits: &TicketLimits,
    blocklist: &[Block],
    snippets: &[Snippet],
) -> Result<(), PostgresError> {
    let g = id(guild.get());
    for kind in KINDS {
        let OpenLimit { max_open, cooldown_minutes } = limits.of(kind);
        execute(
            c,
            "INSERT INTO ticket_limits (guild_id, ticket_type, max_open, cooldown_minutes) VALUES ($1, $2, $3, $4)
             ON CONFLICT (guild_id, ticket_type) DO UPDATE SET
                 max_open = excluded.max_open, cooldown_minutes = excluded.cooldown_minutes",
            &[&g, &name(&kind, "limit ticket type")?, &i16::from(max_open), &i64::from(cooldown_minutes)],
        )
        .await?;
    }

    execute(c, "DELETE FROM ticket_blocks WHERE guild_id = $1", &[&g]).await?;
    for (n, Block { target, contact, label, reason, until, by, at }) in blocklist.iter().enumerate() {
        let (pid, role) = match target {
            BlockTarget::User(p) | BlockTarget::Player(p) => (Some(p.to_string()), None),
            BlockTarget::Role(r) => (None, Some(id(r.get()))),
        };
        execute(
            c,
            "INSERT INTO ticket_blocks (guild_id, position, target_kind, target_pid, role_id, contact, label, reason,
                 until, blocked_by, blocked_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
            &[
                &g,
                &position(n),
                &target.kind(),
                &pid,
                &role,
                &contact.map(|c| c.to_string()),
                label,
                reason,
                until,
                &by.to_string(),
                at,
            ],
        )
        .await?;
    }

    execute(c, "DELETE FROM ticket_snippets WHERE guild_id = $1", &[&g]).await?;
    for Snippet { name, text } in snippets {
        execute(c, "INSERT INTO ticket_snippets (guild_id, name, body) VALUES ($1, $2, $3)", &[&g, name, text]).await?;
    }
    Ok(())
}

/// When `person` last opened a ticket of `kind` in `guild` (through `tickets_by_person`).
pub(crate) async fn last_opened<C: GenericClient>(
    c: &C,
    guild: GuildId,
    kind: TicketType,
    person: Pid,
) -> Result<Option<OffsetDateTime>, PostgresError> {
    let row = opt_row(
        c,
        "SELECT opened_at FROM tickets WHERE guild_id = $1 AND kind = $2 AND person_pid = $3
         ORDER BY id DESC LIMIT 1",
        &[&id(guild.get()), &name(&kind, "ticket kind")?, &person.to_string()],
    )
    .await?;
    row.map(|r| get(&r, 0)).transpose()
}
