-- The seed's `orders` table, plus the reason, the items, idempotency and timing columns.
CREATE TABLE IF NOT EXISTS orders (
    order_id        uuid PRIMARY KEY,
    user_id         text NOT NULL,
    total_amount    numeric(14, 2) NOT NULL CHECK (total_amount > 0),
    status          text NOT NULL
        CHECK (status IN ('PENDING', 'PAID', 'COMPENSATING', 'CONFIRMED', 'CANCELLED')),
    reason          text,
    items           jsonb NOT NULL DEFAULT '[]',
    idempotency_key text UNIQUE,
    request_hash    text,
    created_at      timestamptz NOT NULL DEFAULT clock_timestamp(),
    updated_at      timestamptz NOT NULL DEFAULT clock_timestamp(),
    finished_at     timestamptz  -- when it became CONFIRMED or CANCELLED
);
CREATE INDEX IF NOT EXISTS orders_status_created ON orders (status, created_at);
