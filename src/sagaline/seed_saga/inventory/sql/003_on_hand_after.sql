-- What each reservation did to the stock, for the dashboard's timeline: every SKU's units on
-- hand right after reserving and right after releasing ({"SKU-1": 7}; before = after +/-
-- the quantity). Written by the same INSERT and UPDATE that record the reservation and the
-- release (no round trip of their own). Nullable and without default: adding them rewrites
-- nothing.
ALTER TABLE reservations ADD COLUMN IF NOT EXISTS on_hand_after_reserve jsonb,
                         ADD COLUMN IF NOT EXISTS on_hand_after_release jsonb;
