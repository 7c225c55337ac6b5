-- A game server's open in-game tickets, read when it announces who is online after (re)connecting (issue 13).
CREATE INDEX tickets_open_by_game_server ON tickets (guild_id, game_server, id)
    WHERE closed_at IS NULL AND game_server IS NOT NULL;
