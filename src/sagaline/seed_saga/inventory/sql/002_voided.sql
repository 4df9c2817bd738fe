-- Saga timeouts: a reservation can be VOIDED (the order was cancelled before it was reserved,
-- so it never will be); RELEASED ones gave their stock back.
ALTER TABLE reservations DROP CONSTRAINT IF EXISTS reservations_status_check;
ALTER TABLE reservations ADD CONSTRAINT reservations_status_check
    CHECK (status IN ('RESERVED', 'FAILED', 'RELEASED', 'VOIDED'));
