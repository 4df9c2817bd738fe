-- The saga's trace context (a W3C traceparent), written when the order is placed: the
-- deadline's cancellation, which no event causes, continues the saga's trace from it.
ALTER TABLE orders ADD COLUMN IF NOT EXISTS traceparent text;
