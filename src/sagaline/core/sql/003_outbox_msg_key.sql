-- One saga's events by their Kafka key (the dashboard's timeline, `outbox.sent` for a resend):
-- a few rows, not every row published in the saga's window (all of the last hour's for a
-- saga still in flight). Plain CREATE INDEX: the runner applies every script in one
-- transaction, where CONCURRENTLY is refused; the outbox is small (purged after its
-- retention), so its writes wait only for the build of that.
CREATE INDEX IF NOT EXISTS outbox_msg_key ON outbox (msg_key);
