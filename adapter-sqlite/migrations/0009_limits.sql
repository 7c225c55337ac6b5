-- Limits, the blocklist and snippets (issue 16).

-- Which of the person's open tickets a support ticket is (its open key's slot; 0 for every ticket before limits).
ALTER TABLE tickets ADD COLUMN slot INTEGER NOT NULL DEFAULT 0 CHECK (slot BETWEEN 0 AND 255);

-- A person's last opening of a kind of ticket (the cooldown counts from it), found without a scan.
CREATE INDEX tickets_by_person ON tickets (guild_id, kind, person_pid, id);

-- /tickets set-limits: per kind, the most open tickets per person and the cooldown between openings.
CREATE TABLE ticket_limits (
    guild_id         INTEGER NOT NULL REFERENCES guild_settings (guild_id) ON DELETE CASCADE,
    ticket_type      TEXT    NOT NULL CHECK (ticket_type IN ('in_game', 'support', 'recruitment')),
    max_open         INTEGER NOT NULL CHECK (max_open BETWEEN 1 AND 255),
    cooldown_minutes INTEGER NOT NULL CHECK (cooldown_minutes >= 0),
    PRIMARY KEY (guild_id, ticket_type)
) STRICT, WITHOUT ROWID;

-- /tickets block: members and players by pid (a member also sealed, to show them back), roles by id.
CREATE TABLE ticket_blocks (
    guild_id    INTEGER NOT NULL REFERENCES guild_settings (guild_id) ON DELETE CASCADE,
    position    INTEGER NOT NULL,
    target_kind TEXT    NOT NULL CHECK (target_kind IN ('user', 'role', 'player')),
    target_pid  TEXT,
    role_id     INTEGER,
    contact     TEXT,
    label       TEXT    NOT NULL,
    reason      TEXT,
    until       TEXT,
    blocked_by  TEXT    NOT NULL,
    blocked_at  TEXT    NOT NULL,
    CHECK ((target_kind = 'role') = (role_id IS NOT NULL)),
    CHECK ((target_kind = 'role') = (target_pid IS NULL)),
    PRIMARY KEY (guild_id, position)
) STRICT, WITHOUT ROWID;

-- /tickets snippet add: saved answers, by name.
CREATE TABLE ticket_snippets (
    guild_id INTEGER NOT NULL REFERENCES guild_settings (guild_id) ON DELETE CASCADE,
    name     TEXT    NOT NULL,
    body     TEXT    NOT NULL,
    PRIMARY KEY (guild_id, name)
) STRICT, WITHOUT ROWID;
