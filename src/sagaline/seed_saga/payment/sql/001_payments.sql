-- The seed's `payments` table, plus accounts with balances and refunds.
CREATE TABLE IF NOT EXISTS accounts (
    user_id        text PRIMARY KEY,
    balance        numeric(14, 2) NOT NULL CHECK (balance >= 0),
    initial_credit numeric(14, 2) NOT NULL,
    created_at     timestamptz NOT NULL DEFAULT clock_timestamp()
);

CREATE TABLE IF NOT EXISTS payments (
    order_id    text PRIMARY KEY,
    user_id     text NOT NULL,
    amount      numeric(14, 2) NOT NULL,
    status      text NOT NULL CHECK (status IN ('CHARGED', 'FAILED', 'REFUNDED')),
    reason      text,
    created_at  timestamptz NOT NULL DEFAULT clock_timestamp(),
    refunded_at timestamptz
);
CREATE INDEX IF NOT EXISTS payments_user ON payments (user_id);
