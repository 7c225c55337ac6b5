-- Feedback and statistics (issue 16). A ticket keeps its first staff response (pid, sealed contact, time), the
-- staff member who closed it (sealed; `closed_by` has the pid), and the feedback prompt with the opener's answer
-- (JSON: when asked, the log entry it is shown on, the rating and comment); `rating` repeats the stars for the
-- statistics. `opened_ms` and `closed_ms` are the opening and closing times in unix milliseconds, so that they
-- sort: `/tickets stats` reads a guild's tickets opened or closed since a time through the two indexes below.
-- Tickets stored before this have no response, closer or feedback; their times are filled from the text columns.
ALTER TABLE tickets ADD COLUMN opened_ms INTEGER;
ALTER TABLE tickets ADD COLUMN closed_ms INTEGER;
ALTER TABLE tickets ADD COLUMN first_response_pid TEXT;
ALTER TABLE tickets ADD COLUMN first_response_contact TEXT;
ALTER TABLE tickets ADD COLUMN first_response_at TEXT;
ALTER TABLE tickets ADD COLUMN closed_by_contact TEXT;
ALTER TABLE tickets ADD COLUMN feedback TEXT;
ALTER TABLE tickets ADD COLUMN rating INTEGER CHECK (rating BETWEEN 1 AND 5);

UPDATE tickets SET
    opened_ms = CAST(round((julianday(opened_at) - 2440587.5) * 86400000.0) AS INTEGER),
    closed_ms = CAST(round((julianday(closed_at) - 2440587.5) * 86400000.0) AS INTEGER);

CREATE INDEX tickets_stats_opened ON tickets (guild_id, opened_ms);
CREATE INDEX tickets_stats_closed ON tickets (guild_id, closed_ms) WHERE closed_ms IS NOT NULL;

-- /tickets set-closing feedback: ask openers for a rating at close (off by default).
ALTER TABLE ticket_close_settings ADD COLUMN feedback INTEGER NOT NULL DEFAULT 0 CHECK (feedback IN (0, 1));
