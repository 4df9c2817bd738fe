-- One shipment per order (the core's one-record-per-saga table), and the parcels booked
-- with the carrier per day (never more than its daily capacity).
CREATE TABLE IF NOT EXISTS shipments (
    saga_id    uuid PRIMARY KEY,
    status     text NOT NULL CHECK (status IN ('SCHEDULED', 'FAILED', 'CANCELLED', 'VOIDED')),
    reason     text,
    data       jsonb NOT NULL DEFAULT '{}',
    created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    updated_at timestamptz NOT NULL DEFAULT clock_timestamp()
);

CREATE TABLE IF NOT EXISTS capacity (
    day    date PRIMARY KEY,
    booked integer NOT NULL CHECK (booked >= 0)
);
