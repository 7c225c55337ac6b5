//! Narrow views of open tickets: only the columns a start-up reconciliation or a game server's resync needs, read
//! without decoding whole tickets.

use deadpool_postgres::GenericClient;
use ticket_core::ports::OpenGamePlayer;
use ticket_core::relay::GameName;
use ticket_core::{ChannelId, GameServerId, GuildId, TicketId};

use crate::PostgresError;
use crate::codec::{get, id, parse, raw_id, required, rows};

/// A guild's open tickets with a channel (`tickets_open_by_guild`).
const OPEN_CHANNELS: &str = "SELECT id, channel_id FROM tickets WHERE guild_id = $1 AND closed_at IS NULL AND channel_id IS NOT NULL ORDER BY id";

/// A game server's open in-game tickets in a guild (`tickets_open_by_game_server`).
const OPEN_GAME_PLAYERS: &str = "SELECT id, person_pid, player_name, player_online, \
                                 jsonb_array_length(held_replies) > 0 FROM tickets \
                                 WHERE guild_id = $1 AND game_server = $2 AND closed_at IS NULL ORDER BY id";

/// The channels of a guild's open tickets, as `(ticket, channel)` by ticket id.
pub(crate) async fn channels<C: GenericClient>(
    c: &C,
    guild: GuildId,
) -> Result<Vec<(TicketId, ChannelId)>, PostgresError> {
    let found = rows(c, OPEN_CHANNELS, &[&id(guild.get())]).await?;
    found.iter().map(|r| Ok((TicketId::new(raw_id(get(r, 0)?)), ChannelId::new(raw_id(get(r, 1)?))))).collect()
}

/// A game server's open in-game tickets in a guild, by ticket id.
pub(crate) async fn game_players<C: GenericClient>(
    c: &C,
    guild: GuildId,
    server: &GameServerId,
) -> Result<Vec<OpenGamePlayer>, PostgresError> {
    let found = rows(c, OPEN_GAME_PLAYERS, &[&id(guild.get()), &server.as_str()]).await?;
    found
        .iter()
        .map(|r| {
            let name: Option<String> = get(r, 2)?;
            Ok(OpenGamePlayer {
                ticket: TicketId::new(raw_id(get(r, 0)?)),
                player: parse(get(r, 1)?, "player pid")?,
                name: GameName::new(required(name, "player name")?)
                    .map_err(|e| PostgresError::decode("player name", e))?,
                online: required(get(r, 3)?, "player online")?,
                held: required(get(r, 4)?, "held replies")?,
            })
        })
        .collect()
}
