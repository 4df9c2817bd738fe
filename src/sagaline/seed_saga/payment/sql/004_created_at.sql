-- Payments created since a time (`sagaline check --since`): a range of this index, not a read
-- of every payment. Plain CREATE INDEX (the runner applies every script in one transaction,
-- where CONCURRENTLY is refused): it blocks writes to `payments` while it builds, seconds at
-- millions of rows.
CREATE INDEX IF NOT EXISTS payments_created_at ON payments (created_at);
