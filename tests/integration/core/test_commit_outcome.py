"""A transaction whose connection is lost during COMMIT reports an unknown outcome (the
server may have committed), while an error the server answers with is a plain failure."""

from __future__ import annotations

import psycopg
import pytest

from sagaline.core.outbox import store as outbox
from sagaline.core.postgres import db
from sagaline.core.postgres.db import CommitOutcomeUnknown
from tests.integration.core.test_relay import event, pending


def test_a_backend_terminated_before_commit_is_an_unknown_outcome(core_dsn: str) -> None:
    with (db.connect(core_dsn, "victim") as conn, psycopg.connect(core_dsn) as other,
          pytest.raises(CommitOutcomeUnknown), db.PipelinedTransaction(conn) as transaction):
        outbox.append(conn, [event("a", 1)])
        other.execute("SELECT pg_terminate_backend(%s)", (conn.info.backend_pid,))
        transaction.commit()
    assert pending(core_dsn) == 0  # this time it did not commit: a lookup tells


def test_an_error_the_server_answers_at_commit_is_not_an_unknown_outcome(core_dsn: str) -> None:
    with (db.connect(core_dsn, "refused") as conn,
          pytest.raises(psycopg.errors.UndefinedTable) as raised,
          db.PipelinedTransaction(conn) as transaction):
        conn.execute("INSERT INTO no_such_table VALUES (1)")  # unread: fails at COMMIT
        transaction.commit()
    assert not isinstance(raised.value, CommitOutcomeUnknown)
