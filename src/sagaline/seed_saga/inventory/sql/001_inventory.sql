-- Per-SKU stock, and the seed's `reservations` table with the items it holds.
CREATE TABLE IF NOT EXISTS stock (
    sku        text PRIMARY KEY,
    initial    integer NOT NULL CHECK (initial >= 0),
    on_hand    integer NOT NULL CHECK (on_hand >= 0),  -- never negative, whatever runs at once
    updated_at timestamptz NOT NULL DEFAULT clock_timestamp()
);

CREATE TABLE IF NOT EXISTS reservations (
    order_id    text PRIMARY KEY,
    status      text NOT NULL CHECK (status IN ('RESERVED', 'FAILED', 'RELEASED')),
    reason      text,
    items       jsonb NOT NULL DEFAULT '[]',
    created_at  timestamptz NOT NULL DEFAULT clock_timestamp(),
    released_at timestamptz
);
