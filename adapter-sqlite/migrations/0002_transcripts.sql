-- Transcripts people can read (issue 14): who wrote as staff, the Discord message a line came from (a message id,
-- never a person's), its attachments as links, its edits and its deletion; and how long a guild keeps the
-- transcripts of closed tickets.
ALTER TABLE transcripts ADD COLUMN author_staff INTEGER NOT NULL DEFAULT 0 CHECK (author_staff IN (0, 1));
ALTER TABLE transcripts ADD COLUMN message_id INTEGER;
ALTER TABLE transcripts ADD COLUMN deleted_at TEXT;
CREATE INDEX transcripts_by_message ON transcripts (ticket_id, message_id) WHERE message_id IS NOT NULL;

CREATE TABLE transcript_attachments (
    transcript_id INTEGER NOT NULL REFERENCES transcripts (id) ON DELETE CASCADE,
    position      INTEGER NOT NULL CHECK (position >= 0),
    name          TEXT    NOT NULL,
    url           TEXT    NOT NULL,
    PRIMARY KEY (transcript_id, position)
) STRICT;

-- A line's later texts, oldest first; the last is what the message says now.
CREATE TABLE transcript_edits (
    transcript_id INTEGER NOT NULL REFERENCES transcripts (id) ON DELETE CASCADE,
    position      INTEGER NOT NULL CHECK (position >= 0),
    at            TEXT    NOT NULL,
    text          TEXT    NOT NULL,
    PRIMARY KEY (transcript_id, position)
) STRICT;

-- Closed tickets of a guild, by the time they closed: what purging by retention reads.
CREATE INDEX tickets_closed_by_guild ON tickets (guild_id, closed_at) WHERE closed_at IS NOT NULL;

-- /tickets set-transcripts: NULL keeps transcripts for good.
CREATE TABLE ticket_transcript_settings (
    guild_id       INTEGER PRIMARY KEY REFERENCES guild_settings (guild_id),
    retention_days INTEGER CHECK (retention_days > 0)
) STRICT;
