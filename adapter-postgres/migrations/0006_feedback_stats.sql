-- Feedback and statistics (issue 16). A ticket keeps its first staff response (pid, sealed contact, time), the
-- staff member who closed it (sealed; `closed_by` has the pid), and the feedback prompt with the opener's answer
-- (when asked, the log entry it is shown on, the rating and comment); `rating` repeats the stars for the
-- statistics. `/tickets stats` reads a guild's tickets opened or closed since a time through
-- `tickets_opened_by_guild` and `tickets_closed_by_guild` (made by the first migration). Tickets stored before
-- this have no response, closer or feedback: their statistics say "no data" for them.
ALTER TABLE tickets
    ADD COLUMN first_response_pid     text,
    ADD COLUMN first_response_contact text,
    ADD COLUMN first_response_at      timestamptz,
    ADD COLUMN closed_by_contact      text,
    ADD COLUMN feedback               jsonb,
    ADD COLUMN rating                 smallint CHECK (rating BETWEEN 1 AND 5);

CREATE INDEX tickets_opened_by_guild ON tickets (guild_id, opened_at);

-- /tickets set-closing feedback: ask openers for a rating at close (off by default).
ALTER TABLE ticket_close_settings ADD COLUMN feedback boolean NOT NULL DEFAULT false;
