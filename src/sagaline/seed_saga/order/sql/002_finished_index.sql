-- Sagas finished lately (the dashboard's rates and latency percentiles): a range scan of a
-- few seconds instead of the whole table. Partial: only the final update of an order adds
-- an entry.
CREATE INDEX IF NOT EXISTS orders_finished_at ON orders (finished_at) WHERE finished_at IS NOT NULL;
