-- Schema version 1: every table the ticket system keeps, in the store's own schema (the connection's search_path).
--
-- Conventions, as the SQLite store's: ids and Discord snowflakes are bigint (the u64 bits reinterpreted as i64);
-- people are stored only as pids (32 hex digits, HMAC-SHA256 of their platform id) or sealed contacts (48 hex
-- digits, AES-SIV); enum values are the domain's snake_case names. Unlike SQLite, times are timestamptz (so they
-- sort and compare as times in SQL), flags are boolean and JSON is jsonb.

-- The root of a guild's settings: one row per guild that ever saved settings, with the optimistic-concurrency
-- version. Every other settings table hangs off it.
CREATE TABLE guild_settings (
    guild_id bigint PRIMARY KEY,
    version  bigint NOT NULL CHECK (version > 0)
);

-- Where panels are posted and ticket channels created, the posted panel messages, the staff log channel, and the
-- /tickets switches.
CREATE TABLE ticket_panel_config (
    guild_id                         bigint PRIMARY KEY REFERENCES guild_settings (guild_id) ON DELETE CASCADE,
    support_panel_channel            bigint,
    recruitment_panel_channel        bigint,
    support_category                 bigint,
    recruitment_category             bigint,
    log_channel                      bigint,
    support_panel_posted_channel     bigint,
    support_panel_posted_message     bigint,
    recruitment_panel_posted_channel bigint,
    recruitment_panel_posted_message bigint,
    dm_on_close                      boolean NOT NULL,
    nick_sync                        boolean NOT NULL,
    CHECK ((support_panel_posted_channel IS NULL) = (support_panel_posted_message IS NULL)),
    CHECK ((recruitment_panel_posted_channel IS NULL) = (recruitment_panel_posted_message IS NULL))
);

-- The role pinged (and let into the channel) when a panel ticket opens.
CREATE TABLE ticket_notify_roles (
    guild_id    bigint NOT NULL REFERENCES guild_settings (guild_id) ON DELETE CASCADE,
    ticket_type text   NOT NULL CHECK (ticket_type IN ('support', 'recruitment')),
    role_id     bigint NOT NULL,
    PRIMARY KEY (guild_id, ticket_type)
);

-- The selectable recruitment areas, in order.
CREATE TABLE ticket_recruitment_options (
    guild_id  bigint  NOT NULL REFERENCES guild_settings (guild_id) ON DELETE CASCADE,
    position  integer NOT NULL,
    name      text    NOT NULL,
    ping_role bigint,
    PRIMARY KEY (guild_id, position)
);

-- The RSI organisation shown on the recruitment panel.
CREATE TABLE recruit_panel_settings (
    guild_id  bigint PRIMARY KEY REFERENCES guild_settings (guild_id) ON DELETE CASCADE,
    org_url   text,
    org_image text
);

-- The permanent record channel and what applicants keep after Approve.
CREATE TABLE recruit_settings (
    guild_id         bigint PRIMARY KEY REFERENCES guild_settings (guild_id) ON DELETE CASCADE,
    record_channel   bigint,
    applicant_access text NOT NULL CHECK (applicant_access IN ('keep', 'read_only', 'remove'))
);

-- The Quick Q&A questions, in order.
CREATE TABLE recruit_qna_questions (
    guild_id bigint  NOT NULL REFERENCES guild_settings (guild_id) ON DELETE CASCADE,
    position integer NOT NULL,
    label    text    NOT NULL,
    kind     text    NOT NULL CHECK (kind IN ('keywords', 'time_range', 'yes_no', 'paragraph')),
    required boolean NOT NULL,
    PRIMARY KEY (guild_id, position)
);

-- /roles: the roles that carry a capability, in order.
CREATE TABLE capability_roles (
    guild_id   bigint  NOT NULL REFERENCES guild_settings (guild_id) ON DELETE CASCADE,
    capability text    NOT NULL CHECK (capability IN ('support', 'recruitment')),
    position   integer NOT NULL,
    role_id    bigint  NOT NULL,
    PRIMARY KEY (guild_id, capability, position)
);

-- /roles: the org roles granted on Approve.
CREATE TABLE org_roles (
    guild_id       bigint NOT NULL REFERENCES guild_settings (guild_id) ON DELETE CASCADE,
    requested_role text   NOT NULL CHECK (requested_role IN ('member', 'affiliate')),
    role_id        bigint NOT NULL,
    PRIMARY KEY (guild_id, requested_role)
);

-- In-game tickets: enabled and close-on-logout come from the game server's conf/channels.conf; the category and
-- staff role are set on Discord.
CREATE TABLE discord_guild_channels (
    guild_id               bigint PRIMARY KEY REFERENCES guild_settings (guild_id) ON DELETE CASCADE,
    ticket_enabled         boolean NOT NULL,
    ticket_close_on_logout boolean NOT NULL,
    ticket_category        bigint,
    staff_role             bigint
);

-- /tickets set-transcripts: NULL keeps transcripts for good.
CREATE TABLE ticket_transcript_settings (
    guild_id       bigint PRIMARY KEY REFERENCES guild_settings (guild_id) ON DELETE CASCADE,
    retention_days bigint CHECK (retention_days > 0)
);

-- /tickets set-claim: whether only the claimer (and administrators) may write in a claimed ticket.
CREATE TABLE ticket_claim_settings (
    guild_id  bigint PRIMARY KEY REFERENCES guild_settings (guild_id) ON DELETE CASCADE,
    exclusive boolean NOT NULL
);

-- /tickets set-closing and set-auto-close; reopening a closed support ticket within a window (NULL: off).
CREATE TABLE ticket_close_settings (
    guild_id                bigint PRIMARY KEY REFERENCES guild_settings (guild_id) ON DELETE CASCADE,
    request_timeout_hours   bigint  NOT NULL CHECK (request_timeout_hours > 0),
    opener_can_close        boolean NOT NULL,
    support_warn_hours      bigint CHECK (support_warn_hours > 0),
    support_close_hours     bigint CHECK (support_close_hours > 0),
    recruitment_warn_hours  bigint CHECK (recruitment_warn_hours > 0),
    recruitment_close_hours bigint CHECK (recruitment_close_hours > 0),
    reopen_window_hours     bigint CHECK (reopen_window_hours > 0),
    CHECK ((support_warn_hours IS NULL) = (support_close_hours IS NULL)),
    CHECK ((recruitment_warn_hours IS NULL) = (recruitment_close_hours IS NULL))
);

-- Tickets of the three kinds, open and closed. Kind-specific columns are NULL for other kinds.
CREATE TABLE tickets (
    id             bigint PRIMARY KEY,
    guild_id       bigint NOT NULL,
    kind           text   NOT NULL CHECK (kind IN ('in_game', 'support', 'recruitment')),
    channel_id     bigint,
    channel_name   text   NOT NULL,
    -- The person the ticket is for, as a pid: the player's game account, the support opener or the applicant.
    person_pid     text   NOT NULL,
    -- The opener or applicant sealed, to reach them after a restart (NULL for in-game tickets).
    contact        text,
    -- In-game tickets.
    game_server    text,
    player_name    text,
    player_online  boolean,
    held_replies   jsonb,  -- staff replies waiting for the player's next login
    -- Support tickets: the opening question.
    question       text,
    -- Recruitment tickets: the application, once Step 1 is submitted.
    application_id bigint,
    -- No two open tickets share an open key (game:<server>:<pid>, support:<guild>:<pid>…); NULL once closed.
    open_key       text,
    opened_at      timestamptz NOT NULL,
    closed_at      timestamptz,
    close_reason   text CHECK (close_reason IN
                       ('resolved', 'player_logged_out', 'declined', 'finalised', 'channel_deleted', 'channel_failed',
                        'closed_by_opener', 'close_request_unanswered', 'inactive')),
    resolution     text,
    closed_by      text,
    version        bigint NOT NULL CHECK (version > 0),
    -- The staff member holding the ticket: pid, sealed contact, display name, since when.
    claimed_by_pid     text,
    claimed_by_contact text,
    claimed_by_name    text,
    claimed_at         timestamptz,
    -- A close request: who asked (pid, display name), when, and when the ticket closes unanswered.
    close_requested_by_pid  text,
    close_requested_by_name text,
    close_requested_at      timestamptz,
    close_request_closes_at timestamptz,
    opener_active_at        timestamptz,
    inactivity_warned_at    timestamptz,
    -- When the bot must look at the ticket next; NULL once closed.
    due_at                  timestamptz,
    CHECK ((closed_at IS NULL) = (close_reason IS NULL)),
    CHECK (open_key IS NULL OR closed_at IS NULL)
);
CREATE UNIQUE INDEX tickets_by_open_key ON tickets (open_key) WHERE open_key IS NOT NULL;
CREATE INDEX tickets_by_channel ON tickets (channel_id, id) WHERE channel_id IS NOT NULL;
CREATE INDEX tickets_open_by_guild ON tickets (guild_id, id) WHERE closed_at IS NULL;
-- text_pattern_ops: `base-…` names are a byte-order range scan, whatever the database's collation.
CREATE INDEX tickets_open_by_name ON tickets (guild_id, channel_name text_pattern_ops) WHERE closed_at IS NULL;
CREATE INDEX tickets_closed_by_guild ON tickets (guild_id, closed_at) WHERE closed_at IS NOT NULL;
CREATE INDEX tickets_due ON tickets (due_at, id) WHERE closed_at IS NULL AND due_at IS NOT NULL;

-- Recruitment applications, the permanent part of a recruitment ticket.
CREATE TABLE recruit_applications (
    id                 bigint PRIMARY KEY,
    guild_id           bigint NOT NULL,
    ticket_id          bigint NOT NULL REFERENCES tickets (id),
    applicant_pid      text   NOT NULL,
    contact            text   NOT NULL,
    applicant_name     text   NOT NULL,
    status             text   NOT NULL CHECK (status IN
                           ('pending', 'qna_received', 'approved', 'declined', 'finalised', 'removed')),
    requested_role     text   NOT NULL CHECK (requested_role IN ('member', 'affiliate')),
    area               text   NOT NULL,
    rsi_handle         text   NOT NULL,
    time_zone          text   NOT NULL,
    tz_info            text,
    notes              text   NOT NULL,
    decline_reason     text,
    record_channel     bigint,
    record_message     bigint,
    qna_prompt_channel bigint,
    qna_prompt_message bigint,
    created_at         timestamptz NOT NULL,
    updated_at         timestamptz NOT NULL,
    version            bigint NOT NULL CHECK (version > 0),
    CHECK ((record_channel IS NULL) = (record_message IS NULL)),
    CHECK ((qna_prompt_channel IS NULL) = (qna_prompt_message IS NULL))
);
CREATE INDEX recruit_applications_by_applicant ON recruit_applications (guild_id, applicant_pid, id);
CREATE INDEX recruit_applications_by_ticket ON recruit_applications (ticket_id);

-- The Quick Q&A answers of an application: submitted (draft = false) and pages answered so far (draft = true).
CREATE TABLE recruit_application_answers (
    application_id bigint  NOT NULL REFERENCES recruit_applications (id) ON DELETE CASCADE,
    draft          boolean NOT NULL,
    position       integer NOT NULL,
    question       text    NOT NULL,
    kind           text    NOT NULL CHECK (kind IN ('keywords', 'time_range', 'yes_no', 'paragraph')),
    answer         text,
    uk_time        text,
    PRIMARY KEY (application_id, draft, position)
);

-- Every status an application has had, in order.
CREATE TABLE recruit_application_history (
    application_id bigint  NOT NULL REFERENCES recruit_applications (id) ON DELETE CASCADE,
    position       integer NOT NULL,
    status         text    NOT NULL CHECK (status IN
                       ('pending', 'qna_received', 'approved', 'declined', 'finalised', 'removed')),
    by_pid         text    NOT NULL,
    at             timestamptz NOT NULL,
    PRIMARY KEY (application_id, position)
);

-- Every relayed or posted message of every ticket, in order; kept after the ticket closes and its channel is gone.
CREATE TABLE transcripts (
    id           bigserial PRIMARY KEY,
    ticket_id    bigint  NOT NULL REFERENCES tickets (id),
    at           timestamptz NOT NULL,
    author_kind  text    NOT NULL CHECK (author_kind IN ('player', 'member', 'system')),
    author_pid   text,   -- members only
    author_name  text,   -- the player's character name or the member's display name at the time
    author_staff boolean NOT NULL DEFAULT false,
    text         text    NOT NULL,
    message_id   bigint, -- the Discord message the line came from (a message id, never a person's)
    deleted_at   timestamptz
);
CREATE INDEX transcripts_by_ticket ON transcripts (ticket_id, id);
CREATE INDEX transcripts_by_message ON transcripts (ticket_id, message_id, id) WHERE message_id IS NOT NULL;

CREATE TABLE transcript_attachments (
    transcript_id bigint  NOT NULL REFERENCES transcripts (id) ON DELETE CASCADE,
    position      integer NOT NULL CHECK (position >= 0),
    name          text    NOT NULL,
    url           text    NOT NULL,
    PRIMARY KEY (transcript_id, position)
);

-- A line's later texts, oldest first; the last is what the message says now.
CREATE TABLE transcript_edits (
    transcript_id bigint  NOT NULL REFERENCES transcripts (id) ON DELETE CASCADE,
    position      integer NOT NULL CHECK (position >= 0),
    at            timestamptz NOT NULL,
    text          text    NOT NULL,
    PRIMARY KEY (transcript_id, position)
);

-- The effect outbox: effects decided together with the state that caused them, run afterwards. Done effects are
-- deleted; effects given up on stay, marked dead, for inspection. bigserial: a sequence never hands an id out
-- twice, even across a rollback or a crash.
CREATE TABLE outbox (
    id          bigserial PRIMARY KEY,
    chain_kind  text    NOT NULL CHECK (chain_kind IN ('ticket', 'guild')),
    chain_id    bigint  NOT NULL,
    effect_kind text    NOT NULL,  -- the effect's name, e.g. create_ticket_channel, for inspection
    effect      jsonb   NOT NULL,
    attempts    bigint  NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    not_before  timestamptz,
    dead        boolean NOT NULL DEFAULT false
);
CREATE INDEX outbox_pending_by_chain ON outbox (chain_kind, chain_id, id) WHERE NOT dead;
CREATE INDEX outbox_pending ON outbox (id) WHERE NOT dead;

-- The last ticket and application ids handed out, so that an id is never handed out twice, even after a crash.
CREATE TABLE id_counters (
    name text   PRIMARY KEY CHECK (name IN ('ticket', 'application')),
    last bigint NOT NULL CHECK (last >= 0)
);
INSERT INTO id_counters (name, last) VALUES ('ticket', 0), ('application', 0);
