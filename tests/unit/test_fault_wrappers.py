"""Fault points as wrappers: each one fires at its place (before a commit, after a batch
committed, around the relay's publish), and only when armed; core.wiring composes them."""

from __future__ import annotations

import contextlib
import os
import random
from collections.abc import Callable
from typing import Any

import pytest

from sagaline.core.messaging.envelope import Envelope
from sagaline.core.messaging.messages import IncomingMessage
from sagaline.core.messaging.processor import EventProcessor
from sagaline.core.messaging.publisher import OutgoingMessage
from sagaline.core.middleware import faults
from sagaline.core.runtime import wiring
from sagaline.testing.messaging import InMemoryPublisher, InMemorySource
from sagaline.testing.unit_of_work import InMemoryUnitOfWork

pytestmark = pytest.mark.unit


class Crashed(BaseException):  # os._exit is no Exception a consumer could catch
    """Stands in for os._exit, so the test sees where the process would have died."""


class WatchedPoints(faults.FaultPoints):
    """Real fault points that call `look` at each hit, with the point's name."""

    def __init__(self, look: Callable[[str], None], **points: float) -> None:
        super().__init__({name.replace("_", ".", 1): p for name, p in points.items()},
                         random.Random(0))
        self.look = look

    def hit(self, name: str) -> None:
        self.look(name)
        super().hit(name)


@pytest.fixture(autouse=True)
def no_exit(monkeypatch: pytest.MonkeyPatch) -> None:
    def crash(code: int) -> None:
        raise Crashed(code)
    monkeypatch.setattr(os, "_exit", crash)  # how a fault point exits


def emitting(event: Envelope, uow: Any) -> None:
    uow.emit(event)


def incoming(n: int) -> IncomingMessage:
    event = Envelope.first("t", "k", {"n": n})
    return IncomingMessage("t", 0, n, b"k", event.value(),
                           {k: v.encode() for k, v in event.headers().items()})


def test_before_commit_fires_after_the_handlers_and_before_the_commit() -> None:
    uow = InMemoryUnitOfWork()
    seen: list[tuple[str, int, int]] = []
    points = WatchedPoints(lambda name: seen.append((name, len(uow._events), uow.commits)),
                           consumer_before_commit=1.0)
    processor = EventProcessor("g", {"t": emitting}, faults.before_commit(lambda: uow, points))
    with pytest.raises(Crashed):
        processor.process([Envelope.first("t", "k", {})])
    assert seen == [("consumer.before_commit", 1, 0)] and uow.committed == [] and not uow.inbox


def test_the_wrapped_unit_of_work_forwards_everything_else() -> None:
    uow = InMemoryUnitOfWork()
    points = WatchedPoints(lambda _: None, consumer_before_commit=0.5)
    processor = EventProcessor("g", {"t": emitting}, faults.before_commit(lambda: uow, points))
    events = [Envelope.first("t", "k", {}) for _ in range(20)]
    handled = 0
    for event in events:
        with contextlib.suppress(Crashed):
            handled += processor.process([event])
    assert 0 < handled < 20 and len(uow.committed) == handled == len(uow.inbox)


def test_after_process_fires_when_committed_and_before_the_ack() -> None:
    uow = InMemoryUnitOfWork()
    source = InMemorySource([incoming(0), incoming(1)])
    seen: list[tuple[str, int, int]] = []
    points = WatchedPoints(lambda name: seen.append((name, uow.commits, len(source.acked))),
                           consumer_after_commit=1.0)
    plumbing = wiring.Plumbing("s", "dsn", "kafka", faults=points)
    processor = wiring.event_processor(plumbing, "g", {"t": emitting}, lambda: uow)
    loop = wiring.consumer_loop(plumbing, processor, InMemoryPublisher(), "dlq.s", source,
                                saga_key=lambda _: "")
    with pytest.raises(Crashed):
        loop.step()
    assert seen == [("consumer.after_commit", 1, 0)] and source.acked == []
    assert loop.processor.consumer == "g" and loop.processor.topics == ["t"]


def test_around_publish_fires_before_sending_and_after_the_ack() -> None:
    inner = InMemoryPublisher()
    seen: list[tuple[str, int]] = []
    points = WatchedPoints(lambda name: seen.append((name, len(inner.sent))),
                           relay_after_claim=0.0, relay_after_ack=1.0)
    points.delays["relay.after_claim"] = 0.001  # armed, as a pause
    publisher = faults.around_publish(inner, points)
    with pytest.raises(Crashed):
        publisher.publish([OutgoingMessage(1, "t", "k", b"{}", {})], 1.0)
    assert seen == [("relay.after_claim", 0), ("relay.after_ack", 1)]


def test_relay_points_wrap_only_the_relays_publisher() -> None:
    inner = InMemoryPublisher()
    hits: list[str] = []
    points = WatchedPoints(hits.append, relay_after_ack=0.0001)
    relay = wiring.outbox_relay(wiring.Plumbing("s", "dsn", "kafka", faults=points), inner)
    relay._publisher.publish([OutgoingMessage(1, "t", "k", b"{}", {})], 1.0)
    inner.publish([OutgoingMessage(2, "t", "k", b"{}", {})], 1.0)  # dead letters, say
    assert hits == ["relay.after_claim", "relay.after_ack"]


def test_unarmed_points_add_no_wrapper_at_all() -> None:
    points = faults.FaultPoints({"consumer.after_commit": 0.0})
    publisher = InMemoryPublisher()
    make = InMemoryUnitOfWork
    processor = EventProcessor("g", {}, make)
    assert faults.before_commit(make, points) is make
    assert faults.after_process(processor, points) is processor
    assert faults.around_publish(publisher, points) is publisher


def test_a_handler_point_crashes_that_handler_alone_before_it_runs(no_exit: None) -> None:
    points = faults.FaultPoints(faults.parse("handler.t.b:1"))
    ran: list[str] = []
    wrap_a = faults.before_handler(points, "t.a")
    wrap_b = faults.before_handler(points, "t.b")
    handle_a = wrap_a(lambda event, uow: ran.append(event.topic))
    handle_b = wrap_b(lambda event, uow: ran.append(event.topic))
    handle_a(Envelope.first("t.a", "k", {}), InMemoryUnitOfWork())
    with pytest.raises(Crashed):
        handle_b(Envelope.first("t.b", "k", {}), InMemoryUnitOfWork())
    assert ran == ["t.a"]  # the crashed handler did nothing


def test_handler_points_name_a_topic() -> None:
    assert faults.parse("handler.inventory.reserved:0.5") == {"handler.inventory.reserved": 0.5}
    with pytest.raises(ValueError, match=r"handler\.<topic>"):
        faults.parse("handler.:1")
