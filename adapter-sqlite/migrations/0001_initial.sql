-- Schema version 1: every table the ticket system keeps.
--
-- Conventions: ids and Discord snowflakes are INTEGER (the u64 bits reinterpreted as i64); people are stored only
-- as pids (32 hex digits, HMAC-SHA256 of their platform id) or sealed contacts (48 hex digits, AES-SIV);
-- times are RFC 3339 text; enum values are the domain's snake_case names. Every table is STRICT.

-- The root of a guild's settings: one row per guild that ever saved settings, with the optimistic-concurrency
-- version. Every other settings table hangs off it.
CREATE TABLE guild_settings (
    guild_id INTEGER PRIMARY KEY,
    version  INTEGER NOT NULL CHECK (version > 0)
) STRICT;

-- cfg.ticket_panel_config: where panels are posted and ticket channels created, the posted panel messages, the
-- staff log channel, and the /tickets switches.
CREATE TABLE ticket_panel_config (
    guild_id                       INTEGER PRIMARY KEY REFERENCES guild_settings (guild_id) ON DELETE CASCADE,
    support_panel_channel          INTEGER,
    recruitment_panel_channel      INTEGER,
    support_category               INTEGER,
    recruitment_category           INTEGER,
    log_channel                    INTEGER,
    support_panel_posted_channel   INTEGER,
    support_panel_posted_message   INTEGER,
    recruitment_panel_posted_channel INTEGER,
    recruitment_panel_posted_message INTEGER,
    dm_on_close                    INTEGER NOT NULL CHECK (dm_on_close IN (0, 1)),
    nick_sync                      INTEGER NOT NULL CHECK (nick_sync IN (0, 1)),
    CHECK ((support_panel_posted_channel IS NULL) = (support_panel_posted_message IS NULL)),
    CHECK ((recruitment_panel_posted_channel IS NULL) = (recruitment_panel_posted_message IS NULL))
) STRICT;

-- cfg.ticket_notify_roles: the role pinged (and let into the channel) when a panel ticket opens.
CREATE TABLE ticket_notify_roles (
    guild_id    INTEGER NOT NULL REFERENCES guild_settings (guild_id) ON DELETE CASCADE,
    ticket_type TEXT    NOT NULL CHECK (ticket_type IN ('support', 'recruitment')),
    role_id     INTEGER NOT NULL,
    PRIMARY KEY (guild_id, ticket_type)
) STRICT, WITHOUT ROWID;

-- cfg.ticket_recruitment_options: the selectable recruitment areas, in order.
CREATE TABLE ticket_recruitment_options (
    guild_id  INTEGER NOT NULL REFERENCES guild_settings (guild_id) ON DELETE CASCADE,
    position  INTEGER NOT NULL,
    name      TEXT    NOT NULL,
    ping_role INTEGER,
    PRIMARY KEY (guild_id, position)
) STRICT, WITHOUT ROWID;

-- cfg.recruit_panel_settings: the RSI organisation shown on the recruitment panel.
CREATE TABLE recruit_panel_settings (
    guild_id  INTEGER PRIMARY KEY REFERENCES guild_settings (guild_id) ON DELETE CASCADE,
    org_url   TEXT,
    org_image TEXT
) STRICT;

-- cfg.recruit_settings: the permanent record channel and what applicants keep after Approve.
CREATE TABLE recruit_settings (
    guild_id         INTEGER PRIMARY KEY REFERENCES guild_settings (guild_id) ON DELETE CASCADE,
    record_channel   INTEGER,
    applicant_access TEXT NOT NULL CHECK (applicant_access IN ('keep', 'read_only', 'remove'))
) STRICT;

-- cfg.recruit_settings (Q&A part): the Quick Q&A questions, in order.
CREATE TABLE recruit_qna_questions (
    guild_id INTEGER NOT NULL REFERENCES guild_settings (guild_id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    label    TEXT    NOT NULL,
    kind     TEXT    NOT NULL CHECK (kind IN ('keywords', 'time_range', 'yes_no', 'paragraph')),
    required INTEGER NOT NULL CHECK (required IN (0, 1)),
    PRIMARY KEY (guild_id, position)
) STRICT, WITHOUT ROWID;

-- /roles: the roles that carry a capability, in order.
CREATE TABLE capability_roles (
    guild_id   INTEGER NOT NULL REFERENCES guild_settings (guild_id) ON DELETE CASCADE,
    capability TEXT    NOT NULL CHECK (capability IN ('support', 'recruitment')),
    position   INTEGER NOT NULL,
    role_id    INTEGER NOT NULL,
    PRIMARY KEY (guild_id, capability, position)
) STRICT, WITHOUT ROWID;

-- /roles: the org roles granted on Approve.
CREATE TABLE org_roles (
    guild_id       INTEGER NOT NULL REFERENCES guild_settings (guild_id) ON DELETE CASCADE,
    requested_role TEXT    NOT NULL CHECK (requested_role IN ('member', 'affiliate')),
    role_id        INTEGER NOT NULL,
    PRIMARY KEY (guild_id, requested_role)
) STRICT, WITHOUT ROWID;

-- discord_guild_channels: in-game tickets. ticket_enabled and ticket_close_on_logout come from the game server's
-- conf/channels.conf; the category and staff role are set on Discord.
CREATE TABLE discord_guild_channels (
    guild_id               INTEGER PRIMARY KEY REFERENCES guild_settings (guild_id) ON DELETE CASCADE,
    ticket_enabled         INTEGER NOT NULL CHECK (ticket_enabled IN (0, 1)),
    ticket_close_on_logout INTEGER NOT NULL CHECK (ticket_close_on_logout IN (0, 1)),
    ticket_category        INTEGER,
    staff_role             INTEGER
) STRICT;

-- cfg.tickets: tickets of the three kinds, open and closed. Kind-specific columns are NULL for other kinds.
CREATE TABLE tickets (
    id             INTEGER PRIMARY KEY,
    guild_id       INTEGER NOT NULL,
    kind           TEXT    NOT NULL CHECK (kind IN ('in_game', 'support', 'recruitment')),
    channel_id     INTEGER,
    channel_name   TEXT    NOT NULL,
    -- The person the ticket is for, as a pid: the player's game account, the support opener or the applicant.
    person_pid     TEXT    NOT NULL,
    -- The opener or applicant sealed, to reach them after a restart (NULL for in-game tickets).
    contact        TEXT,
    -- In-game tickets.
    game_server    TEXT,
    player_name    TEXT,
    player_online  INTEGER CHECK (player_online IN (0, 1)),
    held_replies   TEXT,  -- JSON: staff replies waiting for the player's next login
    -- Support tickets: the opening question.
    question       TEXT,
    -- Recruitment tickets: the application, once Step 1 is submitted.
    application_id INTEGER,
    -- No two open tickets share an open key (game:<server>:<pid>, support:<guild>:<pid>…); NULL once closed.
    open_key       TEXT,
    opened_at      TEXT    NOT NULL,
    closed_at      TEXT,
    close_reason   TEXT CHECK (close_reason IN
                       ('resolved', 'player_logged_out', 'declined', 'finalised', 'channel_deleted', 'channel_failed')),
    resolution     TEXT,
    closed_by      TEXT,
    version        INTEGER NOT NULL CHECK (version > 0),
    CHECK ((closed_at IS NULL) = (close_reason IS NULL)),
    CHECK (open_key IS NULL OR closed_at IS NULL)
) STRICT;
CREATE UNIQUE INDEX tickets_by_open_key ON tickets (open_key) WHERE open_key IS NOT NULL;
CREATE INDEX tickets_by_channel ON tickets (channel_id, id) WHERE channel_id IS NOT NULL;
CREATE INDEX tickets_open_by_guild ON tickets (guild_id, id) WHERE closed_at IS NULL;
CREATE INDEX tickets_open_by_name ON tickets (guild_id, channel_name) WHERE closed_at IS NULL;

-- cfg.recruit_applications: recruitment applications, the permanent part of a recruitment ticket.
CREATE TABLE recruit_applications (
    id                 INTEGER PRIMARY KEY,
    guild_id           INTEGER NOT NULL,
    ticket_id          INTEGER NOT NULL REFERENCES tickets (id),
    applicant_pid      TEXT    NOT NULL,
    contact            TEXT    NOT NULL,
    applicant_name     TEXT    NOT NULL,
    status             TEXT    NOT NULL CHECK (status IN
                           ('pending', 'qna_received', 'approved', 'declined', 'finalised', 'removed')),
    requested_role     TEXT    NOT NULL CHECK (requested_role IN ('member', 'affiliate')),
    area               TEXT    NOT NULL,
    rsi_handle         TEXT    NOT NULL,
    time_zone          TEXT    NOT NULL,
    tz_info            TEXT,
    notes              TEXT    NOT NULL,
    decline_reason     TEXT,
    record_channel     INTEGER,
    record_message     INTEGER,
    qna_prompt_channel INTEGER,
    qna_prompt_message INTEGER,
    created_at         TEXT    NOT NULL,
    updated_at         TEXT    NOT NULL,
    version            INTEGER NOT NULL CHECK (version > 0),
    CHECK ((record_channel IS NULL) = (record_message IS NULL)),
    CHECK ((qna_prompt_channel IS NULL) = (qna_prompt_message IS NULL))
) STRICT;
CREATE INDEX recruit_applications_by_applicant ON recruit_applications (guild_id, applicant_pid, id);
CREATE INDEX recruit_applications_by_ticket ON recruit_applications (ticket_id);

-- The Quick Q&A answers of an application: submitted (draft = 0) and pages answered so far (draft = 1).
CREATE TABLE recruit_application_answers (
    application_id INTEGER NOT NULL REFERENCES recruit_applications (id) ON DELETE CASCADE,
    draft          INTEGER NOT NULL CHECK (draft IN (0, 1)),
    position       INTEGER NOT NULL,
    question       TEXT    NOT NULL,
    kind           TEXT    NOT NULL CHECK (kind IN ('keywords', 'time_range', 'yes_no', 'paragraph')),
    answer         TEXT,
    uk_time        TEXT,
    PRIMARY KEY (application_id, draft, position)
) STRICT, WITHOUT ROWID;

-- Every status an application has had, in order.
CREATE TABLE recruit_application_history (
    application_id INTEGER NOT NULL REFERENCES recruit_applications (id) ON DELETE CASCADE,
    position       INTEGER NOT NULL,
    status         TEXT    NOT NULL CHECK (status IN
                       ('pending', 'qna_received', 'approved', 'declined', 'finalised', 'removed')),
    by_pid         TEXT    NOT NULL,
    at             TEXT    NOT NULL,
    PRIMARY KEY (application_id, position)
) STRICT, WITHOUT ROWID;

-- Every relayed or posted message of every ticket, in order; kept after the ticket closes and its channel is gone.
CREATE TABLE transcripts (
    id          INTEGER PRIMARY KEY,
    ticket_id   INTEGER NOT NULL REFERENCES tickets (id),
    at          TEXT    NOT NULL,
    author_kind TEXT    NOT NULL CHECK (author_kind IN ('player', 'member', 'system')),
    author_pid  TEXT,   -- members only
    author_name TEXT,   -- the player's character name or the member's display name at the time
    text        TEXT    NOT NULL
) STRICT;
CREATE INDEX transcripts_by_ticket ON transcripts (ticket_id, id);

-- The effect outbox: effects decided together with the state that caused them, run afterwards. Done effects are
-- deleted; effects given up on stay, marked dead, for inspection. AUTOINCREMENT: an id is never handed out twice.
CREATE TABLE outbox (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    chain_kind  TEXT    NOT NULL CHECK (chain_kind IN ('ticket', 'guild')),
    chain_id    INTEGER NOT NULL,
    effect_kind TEXT    NOT NULL,  -- the effect's name, e.g. create_ticket_channel, for inspection
    effect      TEXT    NOT NULL,  -- JSON
    attempts    INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    not_before  TEXT,
    dead        INTEGER NOT NULL DEFAULT 0 CHECK (dead IN (0, 1))
) STRICT;
CREATE INDEX outbox_pending_by_chain ON outbox (chain_kind, chain_id, id) WHERE dead = 0;

-- The last ticket and application ids handed out, so that an id is never handed out twice, even after a crash.
CREATE TABLE id_counters (
    name TEXT    PRIMARY KEY CHECK (name IN ('ticket', 'application')),
    last INTEGER NOT NULL CHECK (last >= 0)
) STRICT, WITHOUT ROWID;
INSERT INTO id_counters (name, last) VALUES ('ticket', 0), ('application', 0);
