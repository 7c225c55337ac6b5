//! Narrow views of open tickets: only the columns a start-up reconciliation or a game server's resync needs, read
//! without decoding whole tickets.

use rusqlite::{Connection, params};
use ticket_core::ports::OpenGamePlayer;
use ticket_core::relay::GameName;
use ticket_core::{ChannelId, GameServerId, GuildId, TicketId};

use crate::SqliteError;
use crate::codec::{id, parse, raw_id, required};

/// A guild's open tickets with a channel (`tickets_open_by_guild`).
const OPEN_CHANNELS: &str = "SELECT id, channel_id FROM tickets WHERE guild_id = ?1 AND closed_at IS NULL AND channel_id IS NOT NULL ORDER BY id";

/// A game server's open in-game tickets in a guild (`tickets_open_by_game_server`).
const OPEN_GAME_PLAYERS: &str = "SELECT id, person_pid, player_name, player_online, \
                                 json_array_length(held_replies) > 0 FROM tickets \
                                 WHERE guild_id = ?1 AND game_server = ?2 AND closed_at IS NULL ORDER BY id";

/// The channels of a guild's open tickets, as `(ticket, channel)` by ticket id.
pub(crate) fn channels(conn: &Connection, guild: GuildId) -> Result<Vec<(TicketId, ChannelId)>, SqliteError> {
    let mut stmt = conn.prepare_cached(OPEN_CHANNELS)?;
    let rows = stmt.query_map([id(guild.get())], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, i64>(1)?)))?;
    rows.map(|row| {
        let (ticket, channel) = row?;
        Ok((TicketId::new(raw_id(ticket)), ChannelId::new(raw_id(channel))))
    })
    .collect()
}

/// A game server's open in-game tickets in a guild, by ticket id.
pub(crate) fn game_players(
    conn: &Connection,
    guild: GuildId,
    server: &GameServerId,
) -> Result<Vec<OpenGamePlayer>, SqliteError> {
    let mut stmt = conn.prepare_cached(OPEN_GAME_PLAYERS)?;
    let rows = stmt.query_map(params![id(guild.get()), server.as_str()], |r| {
        Ok((
            r.get::<_, i64>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, Option<String>>(2)?,
            r.get::<_, Option<bool>>(3)?,
            r.get::<_, Option<bool>>(4)?,
        ))
    })?;
    rows.map(|row| {
        let (ticket, pid, name, online, held) = row?;
        Ok(OpenGamePlayer {
            ticket: TicketId::new(raw_id(ticket)),
            player: parse(&pid, "player pid")?,
            name: GameName::new(required(name, "player name")?).map_err(|e| SqliteError::decode("player name", e))?,
            online: required(online, "player online")?,
            held: required(held, "held replies")?,
        })
    })
    .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::{database, plan};

    #[test]
    fn both_views_read_through_an_index() {
        let conn = database();
        for (sql, index) in [
            (OPEN_CHANNELS, "USING INDEX tickets_open_by_guild"),
            (OPEN_GAME_PLAYERS, "USING INDEX tickets_open_by_game_server"),
        ] {
            let steps = plan(&conn, sql);
            assert!(steps.contains(index) && !steps.contains("TEMP B-TREE"), "{sql}: {steps}");
        }
    }
}
