-- Reopening a closed support ticket from its log entry (issue 14): the window, in hours; NULL is off.
ALTER TABLE ticket_close_settings ADD COLUMN reopen_window_hours INTEGER CHECK (reopen_window_hours > 0);
