"""A transaction whose connection is lost during COMMIT reports an unknown outcome (the
server may have committed), while an error the server answers with is a plain failure. A unit
of work that asked to know its outcome finds it out from the server, and says "not committed"
only when that is certain."""

from __future__ import annotations

import uuid

import psycopg
import pytest
from psycopg_pool import ConnectionPool

from sagaline.core.outbox import store as outbox
from sagaline.core.postgres import db
from sagaline.core.postgres.db import CommitOutcomeUnknown, NotCommitted
from sagaline.core.postgres.unit_of_work import PostgresUnitOfWork
from tests.integration.commit_cut import cut_during_commit, forwarded, hold_commits, wait_until
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


# A COMMIT held open (a deferred trigger sleeps) while the client's connection is cut: the
# server goes on, and decides after the client lost it. A unit of work that asked to know its
# outcome waits for that decision instead of guessing from what is visible at once.
HELD_S = 2.0


class Landed(PostgresUnitOfWork):
    """Inserts one row into `landed`, and asks to know the outcome of its COMMIT."""

    def write(self) -> None:
        self.know_outcome()
        self.conn.execute("INSERT INTO landed VALUES (1)")


class ImpatientLanded(Landed):
    outcome_wait_s = 0.2  # shorter than the COMMIT is held


def landed(dsn: str) -> int:
    with psycopg.connect(dsn) as conn:
        row = conn.execute("SELECT count(*) FROM landed").fetchone()
        return row[0] if row else 0


@pytest.fixture
def held_dsn(core_dsn: str) -> str:
    with psycopg.connect(core_dsn, autocommit=True) as conn:
        conn.execute("CREATE TABLE landed (n int)")
    return core_dsn


def commit_cut(dsn: str, uow_class: type[Landed]) -> None:
    """Write a row with `uow_class` through a forwarder cut while its COMMIT is held."""
    name = f"core-cut-{uuid.uuid4().hex[:8]}"
    with (forwarded(dsn) as forwarder,
          ConnectionPool(forwarder.dsn, min_size=1, max_size=1,
                         kwargs={"autocommit": True, "application_name": name}) as pool,
          cut_during_commit(forwarder, dsn, name), uow_class(pool) as uow):
        uow.write()
        uow.commit()


def test_a_commit_that_lands_after_the_cut_is_known_to_have_committed(held_dsn: str) -> None:
    hold_commits(held_dsn, "landed", HELD_S)
    commit_cut(held_dsn, Landed)  # returns: it committed
    assert landed(held_dsn) == 1


def test_a_commit_that_fails_after_the_cut_is_known_not_to_have_committed(
        held_dsn: str) -> None:
    hold_commits(held_dsn, "landed", HELD_S, then_fail=True)
    with pytest.raises(NotCommitted):
        commit_cut(held_dsn, Landed)
    assert landed(held_dsn) == 0


def test_a_commit_still_running_at_the_deadline_is_an_unknown_outcome(held_dsn: str) -> None:
    hold_commits(held_dsn, "landed", HELD_S)
    with pytest.raises(CommitOutcomeUnknown) as raised:
        commit_cut(held_dsn, ImpatientLanded)
    assert not isinstance(raised.value, NotCommitted)
    assert wait_until(lambda: landed(held_dsn) == 1)  # it lands later: "not written" would lie
