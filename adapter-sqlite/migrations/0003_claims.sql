-- Claiming tickets (issue 14): the staff member holding a ticket, as a pid, sealed contact and display name.
ALTER TABLE tickets ADD COLUMN claimed_by_pid TEXT;
ALTER TABLE tickets ADD COLUMN claimed_by_contact TEXT;
ALTER TABLE tickets ADD COLUMN claimed_by_name TEXT;
ALTER TABLE tickets ADD COLUMN claimed_at TEXT;

-- /tickets set-claim: whether only the claimer (and administrators) may write in a claimed ticket.
CREATE TABLE ticket_claim_settings (
    guild_id  INTEGER PRIMARY KEY REFERENCES guild_settings (guild_id),
    exclusive INTEGER NOT NULL CHECK (exclusive IN (0, 1))
) STRICT;
