-- Close requests, closing by the opener and closing for inactivity (issue 14). The ticket table is rebuilt
-- (SQLite's documented way to change a CHECK constraint) to take the new close reasons, and gains its clocks: a
-- close request waiting for the opener, the opener's last word, an inactivity warning, and when the bot must look
-- at the ticket next (`due_at`, unix milliseconds so that it sorts, indexed for open tickets). The runner turns
-- foreign keys off around this migration and checks them before it commits.
CREATE TABLE tickets_new (
    id             INTEGER PRIMARY KEY,
    guild_id       INTEGER NOT NULL,
    kind           TEXT    NOT NULL CHECK (kind IN ('in_game', 'support', 'recruitment')),
    channel_id     INTEGER,
    channel_name   TEXT    NOT NULL,
    person_pid     TEXT    NOT NULL,
    contact        TEXT,
    game_server    TEXT,
    player_name    TEXT,
    player_online  INTEGER CHECK (player_online IN (0, 1)),
    held_replies   TEXT,
    question       TEXT,
    application_id INTEGER,
    open_key       TEXT,
    opened_at      TEXT    NOT NULL,
    closed_at      TEXT,
    close_reason   TEXT CHECK (close_reason IN
                       ('resolved', 'player_logged_out', 'declined', 'finalised', 'channel_deleted', 'channel_failed',
                        'closed_by_opener', 'close_request_unanswered', 'inactive')),
    resolution     TEXT,
    closed_by      TEXT,
    version        INTEGER NOT NULL CHECK (version > 0),
    claimed_by_pid     TEXT,
    claimed_by_contact TEXT,
    claimed_by_name    TEXT,
    claimed_at         TEXT,
    -- A close request: who asked (pid, display name), when, and when the ticket closes unanswered.
    close_requested_by_pid  TEXT,
    close_requested_by_name TEXT,
    close_requested_at      TEXT,
    close_request_closes_at TEXT,
    opener_active_at       TEXT,
    inactivity_warned_at   TEXT,
    due_at                 INTEGER,
    CHECK ((closed_at IS NULL) = (close_reason IS NULL)),
    CHECK (open_key IS NULL OR closed_at IS NULL)
) STRICT;

INSERT INTO tickets_new (id, guild_id, kind, channel_id, channel_name, person_pid, contact, game_server, player_name,
        player_online, held_replies, question, application_id, open_key, opened_at, closed_at, close_reason,
        resolution, closed_by, version, claimed_by_pid, claimed_by_contact, claimed_by_name, claimed_at)
    SELECT id, guild_id, kind, channel_id, channel_name, person_pid, contact, game_server, player_name,
        player_online, held_replies, question, application_id, open_key, opened_at, closed_at, close_reason,
        resolution, closed_by, version, claimed_by_pid, claimed_by_contact, claimed_by_name, claimed_at
    FROM tickets;
DROP TABLE tickets;
ALTER TABLE tickets_new RENAME TO tickets;

CREATE UNIQUE INDEX tickets_by_open_key ON tickets (open_key) WHERE open_key IS NOT NULL;
CREATE INDEX tickets_by_channel ON tickets (channel_id, id) WHERE channel_id IS NOT NULL;
CREATE INDEX tickets_open_by_guild ON tickets (guild_id, id) WHERE closed_at IS NULL;
CREATE INDEX tickets_open_by_name ON tickets (guild_id, channel_name) WHERE closed_at IS NULL;
CREATE INDEX tickets_closed_by_guild ON tickets (guild_id, closed_at) WHERE closed_at IS NOT NULL;
CREATE INDEX tickets_due ON tickets (due_at, id) WHERE closed_at IS NULL AND due_at IS NOT NULL;

-- /tickets set-closing and set-auto-close.
CREATE TABLE ticket_close_settings (
    guild_id                INTEGER PRIMARY KEY REFERENCES guild_settings (guild_id),
    request_timeout_hours   INTEGER NOT NULL CHECK (request_timeout_hours > 0),
    opener_can_close        INTEGER NOT NULL CHECK (opener_can_close IN (0, 1)),
    support_warn_hours      INTEGER CHECK (support_warn_hours > 0),
    support_close_hours     INTEGER CHECK (support_close_hours > 0),
    recruitment_warn_hours  INTEGER CHECK (recruitment_warn_hours > 0),
    recruitment_close_hours INTEGER CHECK (recruitment_close_hours > 0),
    CHECK ((support_warn_hours IS NULL) = (support_close_hours IS NULL)),
    CHECK ((recruitment_warn_hours IS NULL) = (recruitment_close_hours IS NULL))
) STRICT;
