-- Game records handled, by game server, run and ref: a record the game sends again after a broken link or a
-- bridge fail-over is recognised and not handled twice. The newest 10,000 per server are kept.
CREATE TABLE game_receipts (
    id        INTEGER PRIMARY KEY,
    server_id TEXT NOT NULL,
    key       TEXT NOT NULL,
    UNIQUE (server_id, key)
);
CREATE INDEX game_receipts_by_server ON game_receipts (server_id, id);
