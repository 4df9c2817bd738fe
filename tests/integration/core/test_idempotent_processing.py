"""The inbox alone makes effects exactly-once: a handler with no guard of its own (it adds a
row per call) runs once per event, under redelivery and under concurrent delivery."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest
from psycopg_pool import ConnectionPool

from sagaline.core.messaging.envelope import Envelope
from sagaline.core.messaging.processor import EventProcessor
from sagaline.core.postgres.unit_of_work import PostgresUnitOfWork


class CountingUnitOfWork(PostgresUnitOfWork):
    def bind(self, conn: psycopg.Connection) -> None:
        self.effects = conn


def add_effect(event: Envelope, uow: Any) -> None:
    uow.effects.execute("INSERT INTO effects (event_id) VALUES (%s)", (event.event_id,))


@pytest.fixture
def processor(core_dsn: str) -> Iterator[EventProcessor[CountingUnitOfWork]]:
    with psycopg.connect(core_dsn, autocommit=True) as conn:
        conn.execute("CREATE TABLE effects (event_id uuid NOT NULL)")  # no unique key!
    with ConnectionPool(core_dsn, min_size=2, max_size=4,
                        kwargs={"autocommit": True}) as pool:  # as db.make_pool
        yield EventProcessor("test-group", {"t": add_effect},
                             lambda: CountingUnitOfWork(pool))


def effects(dsn: str) -> int:
    with psycopg.connect(dsn) as conn:
        row = conn.execute("SELECT count(*) FROM effects").fetchone()
        return int(row[0]) if row else 0


def test_redelivery_has_no_second_effect(processor: EventProcessor[Any],
                                         core_dsn: str) -> None:
    event = Envelope.first("t", "k", {"n": 1})
    assert processor.process([event]) == 1
    assert processor.process([event]) == 0
    assert processor.process([event, event]) == 0
    assert effects(core_dsn) == 1


def test_concurrent_deliveries_of_one_event_have_one_effect(processor: EventProcessor[Any],
                                                            core_dsn: str) -> None:
    events = [Envelope.first("t", f"k{i}", {"n": i}) for i in range(50)]
    handled: list[int] = []
    start = threading.Barrier(4)

    def deliver() -> None:  # as two replicas would, during a rebalance
        start.wait()
        for event in events:
            handled.append(processor.process([event]))

    threads = [threading.Thread(target=deliver) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(handled) == 50 and effects(core_dsn) == 50


def test_a_failed_batch_leaves_no_mark_and_no_effect(processor: EventProcessor[Any],
                                                     core_dsn: str) -> None:
    good, bad = Envelope.first("t", "k", {"n": 1}), Envelope.first("u", "k", {"n": 2})
    with pytest.raises(KeyError):
        processor.process([good, bad])  # no handler for "u": the batch fails
    assert effects(core_dsn) == 0
    assert processor.process([good]) == 1
