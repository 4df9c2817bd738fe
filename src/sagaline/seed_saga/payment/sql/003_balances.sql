-- What each payment did to its payer's account, for the dashboard's timeline: the balance
-- right after its charge and right after its refund (before = after -/+ amount). Written
-- by the same INSERT and UPDATE that record the charge and the refund (no round trip of
-- their own). Nullable and without default: adding them rewrites nothing.
ALTER TABLE payments ADD COLUMN IF NOT EXISTS balance_after_charge numeric(14, 2),
                     ADD COLUMN IF NOT EXISTS balance_after_refund numeric(14, 2);
