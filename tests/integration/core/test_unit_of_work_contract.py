"""One suite for the UnitOfWork interface, on the in-memory fake and on Postgres."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import psycopg
import pytest
from psycopg_pool import ConnectionPool

from sagaline.core.messaging.envelope import Envelope
from sagaline.core.messaging.inbox import AlreadyDelivered
from sagaline.core.postgres.unit_of_work import PostgresUnitOfWork
from sagaline.testing.unit_of_work import InMemoryUnitOfWork


class Probe:
    """Reads what a unit of work left behind, for either implementation."""

    def __init__(self, make: Callable[[], Any], outbox: Callable[[], list[str]]) -> None:
        self.make = make
        self.outbox = outbox


@pytest.fixture(params=[pytest.param("memory", marks=pytest.mark.unit), "postgres"])
def probe(request: pytest.FixtureRequest) -> Iterator[Probe]:
    if request.param == "memory":
        shared = InMemoryUnitOfWork()
        yield Probe(lambda: shared, lambda: [e.topic for e in shared.committed])
        return
    dsn = request.getfixturevalue("core_dsn")
    woken: list[int] = []
    with ConnectionPool(dsn, min_size=1, max_size=2) as pool:
        def outbox() -> list[str]:
            with psycopg.connect(dsn) as conn:
                return [r[0] for r in conn.execute("SELECT topic FROM outbox ORDER BY id")]
        yield Probe(lambda: PostgresUnitOfWork(pool, on_commit=lambda: woken.append(1)),
                    outbox)


def event(topic: str = "t") -> Envelope:
    return Envelope.first(topic, "k", {"orderId": "k"})


def test_committed_events_reach_the_outbox(probe: Probe) -> None:
    with probe.make() as uow:
        uow.emit(event("a"))
        uow.emit(event("b"))
        uow.commit()
    assert probe.outbox() == ["a", "b"]


def test_leaving_without_commit_rolls_back(probe: Probe) -> None:
    with probe.make() as uow:
        uow.emit(event("a"))
    with pytest.raises(RuntimeError), probe.make() as uow:
        uow.emit(event("b"))
        raise RuntimeError("handler failed")
    assert probe.outbox() == []


def test_an_event_is_new_once_per_consumer(probe: Probe) -> None:
    e, f = event(), event()
    with probe.make() as uow:
        assert uow.first_deliveries("c1", [e, f, e]) == [e, f]
        assert uow.first_deliveries("c1", [e]) == []
        assert uow.first_deliveries("c2", [e]) == [e]
        uow.commit()
    with probe.make() as uow:
        assert uow.first_deliveries("c1", [f, e]) == []


def test_a_blind_claim_of_a_handled_event_fails_and_keeps_nothing(probe: Probe) -> None:
    e, f = event(), event()
    with probe.make() as uow:
        uow.claim_deliveries("c1", [e])
        uow.claim_deliveries("c2", [e])  # another consumer's mark is its own
        uow.commit()
    with pytest.raises(AlreadyDelivered), probe.make() as uow:
        uow.claim_deliveries("c1", [f, e])
        uow.emit(event("lost"))
        uow.commit()
    with probe.make() as uow:
        assert uow.first_deliveries("c1", [e, f]) == [f]
    assert probe.outbox() == []


def test_a_blind_claims_conflict_surfaces_at_a_later_read(core_dsn: str) -> None:
    """Pipeline mode: the claim is not waited for; a handler's read meets its failure."""
    e = event()
    with ConnectionPool(core_dsn, min_size=1, max_size=1) as pool:
        with PostgresUnitOfWork(pool) as uow:
            uow.claim_deliveries("c1", [e])
            uow.commit()
        with pytest.raises(AlreadyDelivered), PostgresUnitOfWork(pool) as uow:
            uow.claim_deliveries("c1", [e])
            uow.conn.execute("SELECT 1").fetchone()
        with pytest.raises(AlreadyDelivered), PostgresUnitOfWork(pool) as uow:
            uow.claim_deliveries("c1", [e])  # and left without a commit: met on the way out
        with PostgresUnitOfWork(pool) as uow:  # the connection is usable again
            assert uow.first_deliveries("c1", [e]) == []


def test_an_inbox_mark_rolled_back_is_forgotten(probe: Probe) -> None:
    e = event()
    with probe.make() as uow:
        assert uow.first_deliveries("c1", [e]) == [e]
    with probe.make() as uow:
        assert uow.first_deliveries("c1", [e]) == [e]


def test_an_unread_statements_error_surfaces_at_commit_and_keeps_nothing(
        core_dsn: str) -> None:
    """Pipeline mode: a statement nobody reads fails later, at commit; the whole unit of work
    still rolls back, and its connection goes back to the pool usable, out of pipeline mode."""
    with ConnectionPool(core_dsn, min_size=1, max_size=1) as pool:
        with pytest.raises(psycopg.errors.DivisionByZero), PostgresUnitOfWork(pool) as uow:
            uow.emit(event("lost"))
            uow.conn.execute("SELECT 1 / 0")  # no fetch: the error is not known yet
            uow.commit()
        with PostgresUnitOfWork(pool) as uow:
            uow.emit(event("kept"))
            uow.commit()
        with pool.connection() as conn:
            assert [r[0] for r in conn.execute("SELECT topic FROM outbox")] == ["kept"]

