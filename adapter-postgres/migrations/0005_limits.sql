-- Limits, the blocklist and snippets (issue 16).

-- Which of the person's open tickets a support ticket is (its open key's slot; 0 for every ticket before limits).
ALTER TABLE tickets ADD COLUMN slot smallint NOT NULL DEFAULT 0 CHECK (slot BETWEEN 0 AND 255);

-- A person's last opening of a kind of ticket (the cooldown counts from it), found without a scan.
CREATE INDEX tickets_by_person ON tickets (guild_id, kind, person_pid, id);

-- /tickets set-limits: per kind, the most open tickets per person and the cooldown between openings.
CREATE TABLE ticket_limits (
    guild_id         bigint NOT NULL REFERENCES guild_settings (guild_id) ON DELETE CASCADE,
    ticket_type      text   NOT NULL CHECK (ticket_type IN ('in_game', 'support', 'recruitment')),
    max_open         smallint NOT NULL CHECK (max_open BETWEEN 1 AND 255),
    cooldown_minutes bigint NOT NULL CHECK (cooldown_minutes >= 0),
    PRIMARY KEY (guild_id, ticket_type)
);

-- /tickets block: members and players by pid (a member also sealed, to show them back), roles by id.
CREATE TABLE ticket_blocks (
    guild_id    bigint  NOT NULL REFERENCES guild_settings (guild_id) ON DELETE CASCADE,
    position    integer NOT NULL,
    target_kind text    NOT NULL CHECK (target_kind IN ('user', 'role', 'player')),
    target_pid  text,
    role_id     bigint,
    contact     text,
    label       text    NOT NULL,
    reason      text,
    until       timestamptz,
    blocked_by  text    NOT NULL,
    blocked_at  timestamptz NOT NULL,
    CHECK ((target_kind = 'role') = (role_id IS NOT NULL)),
    CHECK ((target_kind = 'role') = (target_pid IS NULL)),
    PRIMARY KEY (guild_id, position)
);

-- /tickets snippet add: saved answers, by name.
CREATE TABLE ticket_snippets (
    guild_id bigint NOT NULL REFERENCES guild_settings (guild_id) ON DELETE CASCADE,
    name     text   NOT NULL,
    body     text   NOT NULL,
    PRIMARY KEY (guild_id, name)
);
