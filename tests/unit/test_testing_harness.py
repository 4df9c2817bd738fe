"""sagaline.testing on a saga declared in the test (tests/unit/tiny_saga.py): the harness
composes any saga's services with their fakes, delivers as Kafka may (per-partition order,
again after a lost acknowledgement), crashes at fault points and restarts, runs the deadline
in virtual time; the generated tests run on that saga too."""

from __future__ import annotations

import dataclasses
import random
from collections import defaultdict

import pytest
from pydantic import ValidationError

from sagaline.core.messaging.publisher import OutgoingMessage
from sagaline.testing.broker import InMemoryBroker
from sagaline.testing.generated import saga_tests
from sagaline.testing.harness import NotQuiet, SagaHarness
from sagaline.testing.unit_of_work import InMemoryUnitOfWork
from tests.unit import tiny_saga as tiny
from tests.unit.tiny_saga import TINY

pytestmark = pytest.mark.unit


def open_ticket(h: SagaHarness) -> str:
    opened = h.post("/tickets", {})
    assert opened.status_code == 201, opened.text
    return str(opened.json()["id"])


TestTinySaga = saga_tests(TINY, start=open_ticket, status=tiny.status,
                          invariants=tiny.invariants, failures={"stamp": {"refuse": True}},
                          deadline_s=31.0, seeds=3)


def test_a_saga_runs_to_its_end_through_the_real_composition() -> None:
    h = SagaHarness(TINY)
    ticket = open_ticket(h)
    h.run()
    assert tiny.status(h, ticket) == "DONE" and h.fake("stamp").stamps.rows == {
        ticket: "STAMPED"}
    assert [m.topic for m in h.broker.sent] == ["tinytest.opened", "tinytest.stamped"]
    assert h.handled("desk") == {"tinytest.stamped"} and h.produced("stamp") == {
        "tinytest.stamped"}


def test_settings_overrides_reach_the_step_and_unknown_ones_are_refused() -> None:
    h = SagaHarness(TINY, settings_overrides={"stamp": {"refuse": True}})
    ticket = open_ticket(h)
    h.run()
    assert tiny.status(h, ticket) == "CANCELLED"
    with pytest.raises(KeyError, match="no \\['refuze'\\]"):
        SagaHarness(TINY, settings_overrides={"stamp": {"refuze": True}})
    with pytest.raises(KeyError, match="no services \\['shipping'\\]"):
        SagaHarness(TINY, settings_overrides={"shipping": {}})


def test_a_published_event_is_delivered_and_checked_against_its_model() -> None:
    h = SagaHarness(TINY)
    ticket = open_ticket(h)
    h.publish("tinytest.refused", {"ticket": ticket})  # as if stamp had refused
    h.run(paused={"stamp"})
    assert tiny.status(h, ticket) == "CANCELLED"
    with pytest.raises(ValidationError):
        h.publish("tinytest.refused", {"tiket": ticket})


def test_the_deadline_passes_in_virtual_time_tick_by_tick() -> None:
    h = SagaHarness(TINY)
    ticket = open_ticket(h)
    expiry = h.steps["desk"].running.extra_workers["expiry"]
    assert h.advance(30) == 30 and tiny.status(h, ticket) == "OPEN"  # not older than 30 s
    assert h.advance(1) == 1 and tiny.status(h, ticket) == "CANCELLED"
    assert isinstance(expiry, tiny.Expiry) and expiry.sweeps == 31
    h.run()  # stamps late, then takes it back
    assert h.fake("stamp").stamps.rows == {ticket: "UNSTAMPED"}


def test_a_crash_after_the_commit_redelivers_and_the_inbox_keeps_it_once() -> None:
    h = SagaHarness(TINY)
    h.crash_at("stamp", "consumer.after_commit", "tinytest.opened")
    ticket = open_ticket(h)
    h.run()
    assert [str(c) for c in h.crashes] == ["stamp at consumer.after_commit on tinytest.opened"]
    assert tiny.status(h, ticket) == "DONE"
    assert h.steps["stamp"].source.delivered  # and it came twice:
    assert max(h.steps["stamp"].source.delivered.values()) == 2
    assert len(h.broker.on_topic("tinytest.stamped")) == 1


def test_a_crash_before_the_commit_keeps_nothing_of_the_transaction() -> None:
    h = SagaHarness(TINY)
    h.crash_at("stamp", "consumer.before_commit", "tinytest.opened")
    open_ticket(h)
    h.steps["desk"].relay.publish_batch()
    with pytest.raises(NotQuiet, match="'stamp': 1"):  # crashed and restarted: it waits again
        h.run(paused={"desk"}, max_rounds=1)
    assert h.crashes and h.fake("stamp").stamps.rows == {} and h.fake("stamp").outbox.rows == {}
    h.run()
    assert list(h.fake("stamp").stamps.rows.values()) == ["STAMPED"]


def test_nothing_delivered_while_the_broker_is_down_is_not_quiet() -> None:
    h = SagaHarness(TINY)
    open_ticket(h)
    h.broker.unavailable = True
    with pytest.raises(NotQuiet, match="desk"):
        h.run(max_rounds=3)
    h.broker.unavailable = False
    h.run()


def test_a_service_without_a_fake_cannot_be_run() -> None:
    desk, stamp = TINY.services
    saga = dataclasses.replace(TINY, services=(desk, dataclasses.replace(stamp, fake=None)))
    with pytest.raises(ValueError, match="stamp declares no fake"):
        SagaHarness(saga)


def published(broker: InMemoryBroker, keys: int, per_topic: int) -> None:
    for n in range(per_topic):
        for topic in ("a", "b"):
            for key in range(keys):
                broker.publish([OutgoingMessage(0, topic, f"k{key}", f"{n}".encode(), {})], 1)


def test_a_random_delivery_keeps_each_partitions_order_and_mixes_the_rest() -> None:
    orders = set()
    for seed in range(5):
        broker = InMemoryBroker(partitions=2, chance=random.Random(seed))
        published(broker, keys=3, per_topic=4)
        source = broker.source("g", ["a", "b"])
        got = source.poll(100, 0)
        assert len(got) == 24
        by_partition = defaultdict(list)
        for m in got:
            by_partition[m.topic, m.partition].append(m.offset)
        assert all(offsets == sorted(offsets) for offsets in by_partition.values())
        orders.add(tuple((m.topic, m.key) for m in got))
    assert len(orders) > 1  # the seeds do reorder


def test_redelivery_sends_each_message_again_once_after_its_ack() -> None:
    broker = InMemoryBroker(redeliver=True)
    published(broker, keys=1, per_topic=2)
    source = broker.source("g", ["a", "b"])
    seen = []
    while batch := source.poll(3, 0):
        seen += [(m.topic, m.offset) for m in batch]
        source.ack(batch)
    assert sorted(seen) == sorted(2 * [("a", 0), ("a", 1), ("b", 0), ("b", 1)])


def test_a_rolled_back_transaction_restores_what_the_fake_kept() -> None:
    uow = tiny.StampUnitOfWork()
    with uow:
        uow.stamps.rows["t1"] = "STAMPED"
        uow.commit()
    with uow:
        uow.stamps.rows["t1"] = "UNSTAMPED"
        uow.stamps.rows["t2"] = "STAMPED"
    assert uow.stamps.rows == {"t1": "STAMPED"} and isinstance(uow, InMemoryUnitOfWork)
