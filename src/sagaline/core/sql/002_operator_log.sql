-- What operators did to this service's sagas and dead letters: who, what, why, when, the
-- result and the sagas touched. Append-only: rows are never changed or removed.
CREATE TABLE IF NOT EXISTS operator_log (
    id       bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at       timestamptz NOT NULL DEFAULT clock_timestamp(),
    operator text        NOT NULL,
    action   text        NOT NULL,
    reason   text        NOT NULL,
    result   text        NOT NULL,
    sagas    text[]      NOT NULL DEFAULT '{}',
    detail   jsonb       NOT NULL DEFAULT '{}'
);
CREATE INDEX IF NOT EXISTS operator_log_sagas ON operator_log USING gin (sagas);

CREATE OR REPLACE FUNCTION operator_log_is_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'operator_log is append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END $$;

DROP TRIGGER IF EXISTS operator_log_no_change ON operator_log;
CREATE TRIGGER operator_log_no_change BEFORE UPDATE OR DELETE ON operator_log
    FOR EACH ROW EXECUTE FUNCTION operator_log_is_append_only();
DROP TRIGGER IF EXISTS operator_log_no_truncate ON operator_log;
CREATE TRIGGER operator_log_no_truncate BEFORE TRUNCATE ON operator_log
    FOR EACH STATEMENT EXECUTE FUNCTION operator_log_is_append_only();
