"""The outbox relay on real Postgres (publishing to the fake, and to Kafka)."""

from __future__ import annotations

import os
import threading
import time

import psycopg
import pytest
from psycopg_pool import ConnectionPool

from sagaline.core.kafka.publisher import KafkaPublisher, producer_config
from sagaline.core.messaging.envelope import Envelope
from sagaline.core.messaging.publisher import Publisher
from sagaline.core.middleware import faults
from sagaline.core.outbox import store as outbox
from sagaline.core.outbox.relay import OutboxRelay
from sagaline.core.outbox.retention import Housekeeper
from sagaline.core.postgres import db
from sagaline.core.postgres.unit_of_work import PostgresUnitOfWork
from sagaline.core.runtime import wiring
from sagaline.devstack import Stack
from sagaline.testing.messaging import InMemoryPublisher


def relay_on(dsn: str, publisher: Publisher, **kw: float) -> OutboxRelay:
    return OutboxRelay(outbox.PostgresOutbox(lambda: db.connect(dsn, "test-relay")), publisher,
                       **kw)  # type: ignore[arg-type]


def write(dsn: str, *events: Envelope) -> None:
    with ConnectionPool(dsn, min_size=1, max_size=1) as pool, PostgresUnitOfWork(pool) as uow:
        for e in events:
            uow.emit(e)
        uow.commit()


def event(key: str, n: int, topic: str = "test.contract.a") -> Envelope:
    return Envelope.first(topic, key, {"orderId": key, "n": n})


def pending(dsn: str) -> int:
    with psycopg.connect(dsn) as conn:
        row = conn.execute("SELECT count(*) FROM outbox WHERE NOT published").fetchone()
        return int(row[0]) if row else 0


def test_committed_rows_are_published_and_marked(core_dsn: str) -> None:
    write(core_dsn, event("a", 1), event("a", 2))
    fake = InMemoryPublisher()
    assert relay_on(core_dsn, fake).publish_batch() == 2
    assert [m.value for m in fake.sent] == [b'{"n": 1, "orderId": "a"}',
                                            b'{"n": 2, "orderId": "a"}']
    assert fake.sent[0].headers["event-id"] and fake.sent[0].key == "a"
    assert pending(core_dsn) == 0


def test_rows_committed_out_of_id_order_are_both_published(core_dsn: str) -> None:
    fake = InMemoryPublisher()
    relay = relay_on(core_dsn, fake)
    with psycopg.connect(core_dsn) as slow:
        outbox.append(slow, [event("slow", 1)])  # takes the lower id, commits later
        write(core_dsn, event("fast", 2))  # takes a higher id, commits first
        assert relay.publish_batch() == 1
        slow.commit()
    assert relay.publish_batch() == 1
    assert [m.key for m in fake.sent] == ["fast", "slow"]
    assert pending(core_dsn) == 0


def test_two_relays_publish_each_row_once_and_in_order(core_dsn: str) -> None:
    keys = [f"k{i}" for i in range(20)]
    write(core_dsn, *(event(k, n) for n in range(100) for k in keys))
    fake = InMemoryPublisher()
    relays = [relay_on(core_dsn, fake, batch_size=37) for _ in range(2)]
    stop = threading.Event()
    threads = [threading.Thread(target=r.run, args=(stop,)) for r in relays]
    for t in threads:
        t.start()
    deadline = time.monotonic() + 60
    while pending(core_dsn) and time.monotonic() < deadline:
        time.sleep(0.05)
    stop.set()
    for r in relays:
        r.wake()
    for t in threads:
        t.join()
    ids = [m.headers["event-id"] for m in fake.sent]
    assert len(ids) == 2000 and len(set(ids)) == 2000
    for k in keys:
        got = [m.value for m in fake.sent if m.key == k]
        assert got == [f'{{"n": {n}, "orderId": "{k}"}}'.encode() for n in range(100)]


def test_a_refused_row_is_marked_failed_and_the_rest_published(core_dsn: str) -> None:
    write(core_dsn, event("a", 1), event("a", 2), event("a", 3))
    fake = InMemoryPublisher()
    with psycopg.connect(core_dsn) as conn:
        second = conn.execute("SELECT id FROM outbox ORDER BY id OFFSET 1 LIMIT 1").fetchone()
    assert second is not None
    fake.refuse.add(second[0])
    relay = relay_on(core_dsn, fake)
    assert relay.publish_batch() == 3 and relay.failed_rows == 1
    assert len(fake.sent) == 2
    with psycopg.connect(core_dsn) as conn:
        failed = conn.execute("SELECT id, error FROM outbox WHERE failed_at IS NOT NULL").fetchall()
    assert failed == [(second[0], "refused")]
    assert relay.publish_batch() == 0
    fake.refuse.clear()  # the cause is fixed: send it once more
    with psycopg.connect(core_dsn) as conn:
        assert outbox.requeue_failed(conn) == 1
    assert relay.publish_batch() == 1 and pending(core_dsn) == 0


def test_a_broker_outage_leaves_rows_pending_until_it_returns(core_dsn: str) -> None:
    write(core_dsn, event("a", 1))
    fake = InMemoryPublisher()
    fake.unavailable = True
    relay = relay_on(core_dsn, fake)
    with pytest.raises(OSError):
        relay.publish_batch()
    assert pending(core_dsn) == 1
    fake.unavailable = False
    assert relay.publish_batch() == 1 and pending(core_dsn) == 0


def test_published_rows_and_old_inbox_rows_are_purged_after_retention(core_dsn: str) -> None:
    write(core_dsn, event("a", 1), event("a", 2))
    relay_on(core_dsn, InMemoryPublisher(), batch_size=1).publish_batch()
    with ConnectionPool(core_dsn, min_size=1, max_size=1) as pool, \
            PostgresUnitOfWork(pool) as uow:
        uow.first_deliveries("c", [event("b", 1)])
        uow.commit()
    keeper = Housekeeper(lambda: db.connect(core_dsn, "t"), 3600, 3600)
    assert keeper.purge() == (0, 0)
    keeper = Housekeeper(lambda: db.connect(core_dsn, "t"), 0, 0)
    assert keeper.purge() == (1, 1)  # the published row; the pending one stays
    assert pending(core_dsn) == 1


def test_a_commit_wakes_the_relay_long_before_its_poll_interval(core_dsn: str) -> None:
    fake = InMemoryPublisher()
    relay = relay_on(core_dsn, fake, poll_interval_s=60.0)
    stop = threading.Event()
    thread = threading.Thread(target=relay.run, args=(stop,))
    thread.start()
    time.sleep(0.3)  # let it go idle on its 60 s wait
    with ConnectionPool(core_dsn, min_size=1, max_size=1) as pool, \
            PostgresUnitOfWork(pool, on_commit=relay.wake) as uow:
        uow.emit(event("a", 1))
        uow.commit()
    deadline = time.monotonic() + 10
    while not fake.sent and time.monotonic() < deadline:
        time.sleep(0.01)
    stop.set()
    relay.wake()
    thread.join()
    assert len(fake.sent) == 1


def test_the_relay_publishes_to_kafka(core_dsn: str, stack: Stack,
                                      test_topics: tuple[str, ...]) -> None:
    write(core_dsn, *(event("kk", n) for n in range(10)))
    kafka = KafkaPublisher(producer_config(stack.settings.kafka_bootstrap_servers))
    assert relay_on(core_dsn, kafka).publish_batch() == 10
    assert pending(core_dsn) == 0
    kafka.close()



class Crashed(BaseException):
    """Stands in for os._exit: where the process would have died."""


@pytest.mark.parametrize(("point", "sent"), [("relay.after_claim", 0), ("relay.after_ack", 2)])
def test_a_crash_at_a_relay_point_leaves_the_rows_pending(
        core_dsn: str, monkeypatch: pytest.MonkeyPatch, point: str, sent: int) -> None:
    def crash(code: int) -> None:
        raise Crashed(code)
    monkeypatch.setattr(os, "_exit", crash)  # how a fault point exits
    write(core_dsn, event("a", 1), event("b", 2))
    fake = InMemoryPublisher()
    armed = wiring.Plumbing("t", core_dsn, "unused", faults=faults.FaultPoints({point: 1.0}))
    relay = wiring.outbox_relay(armed, fake)
    with pytest.raises(Crashed):
        relay.publish_batch()
    relay._reset()  # the connection dies with the process: its transaction rolls back
    assert len(fake.sent) == sent and pending(core_dsn) == 2
    assert relay_on(core_dsn, fake).publish_batch() == 2 and pending(core_dsn) == 0
