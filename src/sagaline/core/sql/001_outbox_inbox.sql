-- The outbox keeps the seed demo's columns (id, topic, payload, published, created_at) so its
-- tools still read it, plus what a reliable relay needs.
CREATE TABLE IF NOT EXISTS outbox (
    id           bigserial PRIMARY KEY,
    topic        text        NOT NULL,
    payload      jsonb       NOT NULL,
    published    boolean     NOT NULL DEFAULT false,
    created_at   timestamptz NOT NULL DEFAULT clock_timestamp(),
    event_id     uuid        NOT NULL,
    msg_key      text,
    headers      jsonb       NOT NULL DEFAULT '{}',
    published_at timestamptz,
    failed_at    timestamptz,
    error        text
);
-- The relay's work queue: small, because published rows leave it at once.
CREATE INDEX IF NOT EXISTS outbox_pending ON outbox (id) WHERE NOT published AND failed_at IS NULL;
CREATE INDEX IF NOT EXISTS outbox_published_at ON outbox (published_at) WHERE published;

-- One row per event a consumer has handled; written in the handler's transaction.
CREATE TABLE IF NOT EXISTS inbox (
    consumer   text        NOT NULL,
    event_id   uuid        NOT NULL,
    topic      text        NOT NULL,
    handled_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    PRIMARY KEY (consumer, event_id)
);
CREATE INDEX IF NOT EXISTS inbox_handled_at ON inbox (handled_at);
