-- Reservations created since a time (`sagaline check --since`): a range of this index, not a
-- read of every reservation. Plain CREATE INDEX (the runner applies every script in one
-- transaction, where CONCURRENTLY is refused): it blocks writes to `reservations` while it
-- builds, seconds at millions of rows.
CREATE INDEX IF NOT EXISTS reservations_created_at ON reservations (created_at);
