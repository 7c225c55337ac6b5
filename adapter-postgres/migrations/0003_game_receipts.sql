-- Game records handled, by game server, run and ref: a record the game sends again after a broken link or a
-- bridge fail-over is recognised and not handled twice. The newest 10,000 per server are kept: `seq` numbers a
-- server's receipts, so that keeping them bounded is one indexed delete, not a count.
CREATE TABLE game_receipts (
    server_id text   NOT NULL,
    seq       bigint NOT NULL CHECK (seq > 0),
    key       text   NOT NULL,
    PRIMARY KEY (server_id, seq),
    UNIQUE (server_id, key)
);
