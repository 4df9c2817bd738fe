"""A consumer whose source polls without error but delivers nothing while messages wait on
its partitions (a client stuck for good) is reported by readiness; waiting is asked only
now and then, and nothing to get is no stall."""

from __future__ import annotations

import pytest

from sagaline.core.messaging.consumer_stall import StallWatch
from sagaline.core.messaging.messages import IncomingMessage
from sagaline.testing.messaging import InMemorySource
from tests.unit.test_consumer_loop import Recorder, event_message
from tests.unit.test_consumer_restart import Clock, loop_on

pytestmark = pytest.mark.unit


class StuckSource(InMemorySource):
    """Has messages for the consumer but delivers none until `unstuck`; counts the checks."""

    def __init__(self, messages: list[IncomingMessage]) -> None:
        super().__init__(messages)
        self.stuck = True
        self.checks = 0

    def poll(self, max_messages: int, timeout_s: float) -> list[IncomingMessage]:
        return [] if self.stuck else super().poll(max_messages, timeout_s)

    def waiting(self) -> int:
        self.checks += 1
        return super().waiting()


def test_a_source_that_delivers_nothing_while_messages_wait_is_not_ready() -> None:
    clock, source = Clock(), StuckSource([event_message(0, 1), event_message(1, 2)])
    loop = loop_on(source, [], clock, Recorder())
    for now in range(0, 61):
        clock.now = float(now)
        loop.step()
        assert loop.problem() is None, now
    clock.now = 62.0
    loop.step()
    assert loop.problem() == ("consumer group-r: 2 messages wait on its partitions,"
                              " none handled for 62 s")
    source.stuck = False
    assert loop.step() == 2 and loop.problem() is None


def test_waiting_is_asked_at_most_every_check_interval_while_idle() -> None:
    clock, source = Clock(), StuckSource([event_message(0, 1)])
    loop = loop_on(source, [], clock, Recorder())
    for tick in range(0, 300):  # 30 s of empty polls, 0.1 s apart
        clock.now = tick / 10
        loop.step()
    assert source.checks == 2  # at 10 and 20 s: none before 10 s without a message


def test_an_idle_consumer_with_nothing_waiting_stays_ready() -> None:
    clock, source = Clock(), StuckSource([])
    loop = loop_on(source, [], clock, Recorder())
    for now in range(0, 200, 5):
        clock.now = float(now)
        loop.step()
    assert loop.problem() is None


def test_nothing_waiting_at_a_check_is_progress() -> None:
    watch, source = StallWatch(stall_after_s=30), StuckSource([event_message(0, 1)])
    empty = InMemorySource()
    watch.idle(0.0, source)  # the first poll: no check yet
    watch.idle(10.0, source)
    watch.idle(20.0, empty)  # drained meanwhile (e.g. by the partitions' new owner)
    watch.idle(40.0, source)
    assert watch.stalled_for(50.0) is None  # 30 s since the drained check: not over
    assert watch.stalled_for(61.0) == 41.0


def test_a_new_source_starts_with_a_clean_record() -> None:
    watch, source = StallWatch(stall_after_s=30), StuckSource([event_message(0, 1)])
    watch.idle(0.0, source)
    watch.idle(40.0, source)
    assert watch.stalled_for(40.0) == 40.0
    watch.progressed(41.0)
    watch.idle(45.0, source)  # 4 s after a message: not asked
    assert source.checks == 1 and watch.stalled_for(80.0) is None
    watch.reset()
    assert watch.stalled_for(40.0) is None
