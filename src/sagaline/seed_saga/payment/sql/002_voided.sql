-- Saga timeouts: a payment can be VOIDED (the order was cancelled before it was charged, so
-- it never will be).
ALTER TABLE payments DROP CONSTRAINT IF EXISTS payments_status_check;
ALTER TABLE payments ADD CONSTRAINT payments_status_check
    CHECK (status IN ('CHARGED', 'FAILED', 'REFUNDED', 'VOIDED'));
