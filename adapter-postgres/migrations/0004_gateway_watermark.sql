-- When the bot last heard from Discord: at the next connection, messages posted in ticket channels since then are
-- read from the channels' history (they were never delivered to the bot). One row, replaced at each save.
CREATE TABLE gateway_watermark (
    id      smallint    PRIMARY KEY CHECK (id = 1),
    seen_at timestamptz NOT NULL
);
