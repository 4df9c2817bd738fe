"""The operator log on a real Postgres: entries read back newest first and by saga, and the
table refuses any change or removal (it is append-only)."""

from __future__ import annotations

import psycopg
import pytest

from sagaline.core.operator_log import Entry, SqlOperatorLog


def test_entries_read_back_newest_first_and_by_saga(core_dsn: str) -> None:
    with psycopg.connect(core_dsn, autocommit=True) as conn:
        log = SqlOperatorLog(conn, "order")
        log.append(Entry("ann", "dlq.replay", "fixed", "replayed 2", ("o1", "o2"),
                         {"refs": ["0:1", "0:2"]}))
        log.append(Entry("bob", "saga.cancel", "customer asked", "cancelled", ("o2",)))
        newest, oldest = log.entries()
        assert (newest.operator, newest.action, oldest.detail) == (
            "bob", "saga.cancel", {"refs": ["0:1", "0:2"]})
        assert newest.at is not None and oldest.at is not None and newest.at >= oldest.at
        assert [e.action for e in log.entries("o1")] == ["dlq.replay"]
        assert [e.operator for e in log.entries("o2")] == ["bob", "ann"]
        assert log.entries("o3") == []


@pytest.mark.parametrize("change", [
    "UPDATE operator_log SET result = 'nothing happened'",
    "DELETE FROM operator_log",
    "TRUNCATE operator_log",
])
def test_the_log_is_append_only(core_dsn: str, change: str) -> None:
    with psycopg.connect(core_dsn, autocommit=True) as conn:
        SqlOperatorLog(conn, "order").append(Entry("ann", "dlq.discard", "test", "discarded 1"))
        with pytest.raises(psycopg.errors.InsufficientPrivilege, match="append-only"):
            conn.execute(change)
        assert conn.execute("SELECT count(*) FROM operator_log").fetchone() == (1,)
