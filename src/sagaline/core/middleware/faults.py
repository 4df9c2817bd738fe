"""Fault points for the chaos suite: a hard exit, or a pause, at a named place, only when
configured.

`CRASH_POINTS=consumer.after_commit:0.01,relay.after_ack:0.02` makes each named point exit the
process (os._exit, no cleanup, like kill -9) with the given probability each time it is hit.
`DELAY_POINTS=consumer.before_commit:8` makes a point pause that many seconds the first time
it is hit in a process (a handler slower than the consumer's poll interval, once).
Off unless set; a production deployment never sets them.

The points are not calls inside the core's classes: they are wrappers around the parts, as
middleware is (core.wiring puts them on only when a point is armed):
`consumer.before_commit` wraps the unit of work's commit, `consumer.after_commit` the
processor (its batch committed, the consumer has not acknowledged it), `relay.after_claim` and
`relay.after_ack` the relay's publisher (rows are claimed before, and marked after, it);
`handler.<topic>` one handler (crashing inside its transaction, so nothing it did commits).
"""

from __future__ import annotations

import os
import random
import time
from collections.abc import Callable, Mapping, Sequence
from types import TracebackType
from typing import Any, Self, TypeVar, cast

from sagaline.core.messaging.envelope import Envelope
from sagaline.core.messaging.processor import Processor
from sagaline.core.messaging.publisher import Delivery, OutgoingMessage, Publisher
from sagaline.core.postgres.unit_of_work import UnitOfWork

U = TypeVar("U", bound=UnitOfWork)

POINTS = (
    "consumer.before_commit",  # handler ran, transaction not committed
    "consumer.after_commit",  # transaction committed, offset not stored
    "relay.after_claim",  # rows selected and locked, nothing sent
    "relay.after_ack",  # broker acknowledged, rows not marked published
)
# `handler.<topic>`: inside the transaction, before the handler of <topic> runs (one step's
# handler, e.g. `handler.inventory.reserved`), as middleware around that handler.
HANDLER_POINT = "handler."
EXIT_CODE = 137
CRASH_MARK = "fault point hit, exiting: "


def parse(spec: str) -> dict[str, float]:
    """`name:number,...` → {name: number} (a probability, or seconds for delays); unknown
    names are an error."""
    points: dict[str, float] = {}
    for item in filter(None, (part.strip() for part in spec.split(","))):
        name, _, chance = item.partition(":")
        if name not in POINTS and not (name.startswith(HANDLER_POINT)
                                       and len(name) > len(HANDLER_POINT)):
            raise ValueError(f"unknown crash point {name!r}; known: {', '.join(POINTS)}, "
                             f"{HANDLER_POINT}<topic>")
        points[name] = float(chance or 1.0)
    return points


class FaultPoints:
    def __init__(self, points: Mapping[str, float] | None = None,
                 chance: random.Random | None = None,
                 delays: Mapping[str, float] | None = None) -> None:
        self.points = dict(points or {})
        self.delays = dict(delays or {})
        self._random = chance or random.Random()

    def armed(self, name: str) -> bool:
        return bool(self.points.get(name) or self.delays.get(name))

    def hit(self, name: str) -> None:
        pause = self.delays.pop(name, None)  # once per process
        if pause:
            time.sleep(pause)
        probability = self.points.get(name)
        if probability and self._random.random() < probability:
            os.write(2, f"{CRASH_MARK}{name}\n".encode())  # unbuffered: the process dies next
            os._exit(EXIT_CODE)


def before_handler(faults: FaultPoints, topic: str) -> Callable[[Any], Any]:
    """Middleware: the point `handler.<topic>` hit before the handler of `topic` runs (the
    handler unchanged when the point is not armed)."""
    point = HANDLER_POINT + topic
    if not faults.armed(point):
        return lambda handler: handler

    def wrap(handler: Callable[[Envelope, U], None]) -> Callable[[Envelope, U], None]:
        def handle(event: Envelope, uow: U) -> None:
            faults.hit(point)
            handler(event, uow)

        return handle

    return wrap


class _CommitFaults:
    """A unit of work that hits a point before it commits; all else is the wrapped one's."""

    def __init__(self, inner: UnitOfWork, faults: FaultPoints, point: str) -> None:
        self._inner, self._faults, self._point = inner, faults, point

    def __enter__(self) -> Self:
        self._inner.__enter__()
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self._inner.__exit__(exc_type, exc, tb)

    def commit(self) -> None:
        self._faults.hit(self._point)
        self._inner.commit()

    def __getattr__(self, name: str) -> Any:  # emit, the service's repositories, ...
        return getattr(self._inner, name)


def before_commit(unit_of_work: Callable[[], U], faults: FaultPoints,
                  point: str = "consumer.before_commit") -> Callable[[], U]:
    """`unit_of_work`, with `point` hit before each commit (itself when the point is off)."""
    if not faults.armed(point):
        return unit_of_work
    # The wrapper has every attribute of a U (it forwards them), though it is no subclass.
    return lambda: cast(U, _CommitFaults(unit_of_work(), faults, point))


class _ProcessedFaults:
    """A processor that hits a point after each batch it committed."""

    def __init__(self, inner: Processor, faults: FaultPoints, point: str) -> None:
        self._inner, self._faults, self._point = inner, faults, point
        self.consumer, self.topics = inner.consumer, inner.topics

    def process(self, events: Sequence[Envelope]) -> int:
        handled = self._inner.process(events)
        self._faults.hit(self._point)
        return handled


def after_process(processor: Processor, faults: FaultPoints,
                  point: str = "consumer.after_commit") -> Processor:
    return _ProcessedFaults(processor, faults, point) if faults.armed(point) else processor


class _PublishFaults:
    """A publisher that hits one point before each publish and another after it."""

    def __init__(self, inner: Publisher, faults: FaultPoints, before: str, after: str) -> None:
        self._inner, self._faults, self._before, self._after = inner, faults, before, after

    def publish(self, batch: Sequence[OutgoingMessage], timeout_s: float) -> list[Delivery]:
        self._faults.hit(self._before)
        deliveries = self._inner.publish(batch, timeout_s)
        self._faults.hit(self._after)
        return deliveries

    def close(self) -> None:
        self._inner.close()


def around_publish(publisher: Publisher, faults: FaultPoints, before: str = "relay.after_claim",
                   after: str = "relay.after_ack") -> Publisher:
    """For the relay's publisher: it publishes rows it claimed, and marks them after."""
    if not (faults.armed(before) or faults.armed(after)):
        return publisher
    return _PublishFaults(publisher, faults, before, after)
