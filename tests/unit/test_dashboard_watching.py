"""The dashboard reads nothing while nobody watches: who watches (fake clock), the refresh
loop that sleeps meanwhile, and the first snapshot after a pause, which is never the stale
one from before it."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest

from sagaline.dashboard.published import Published
from sagaline.dashboard.series import Series
from sagaline.dashboard.slow_reads import SlowReads
from sagaline.dashboard.watchers import Watchers, refresh_while_watched
from sagaline.seed_saga.saga import SAGA

pytestmark = pytest.mark.unit
LINGER_S = 5.0


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def watchers(clock: Clock) -> Watchers:
    return Watchers(LINGER_S, clock)


def test_a_request_watches_for_the_linger_time_then_nobody_does(clock: Clock,
                                                                watchers: Watchers) -> None:
    assert not watchers.watched
    watchers.seen()
    clock.now += LINGER_S - 0.1
    assert watchers.watched
    clock.now += 0.2
    assert not watchers.watched


def test_an_open_stream_watches_however_long_and_lingers_after(clock: Clock,
                                                               watchers: Watchers) -> None:
    with watchers.streaming():
        clock.now += 10 * LINGER_S
        assert watchers.watched
    clock.now += LINGER_S - 0.1
    assert watchers.watched
    clock.now += 0.2
    assert not watchers.watched


def test_a_generation_starts_only_when_a_viewer_comes_back(clock: Clock,
                                                          watchers: Watchers) -> None:
    watchers.seen()
    first = watchers.generation
    for _ in range(3):  # requests while watched: the same generation
        clock.now += 1
        watchers.seen()
    with watchers.streaming():
        pass
    assert watchers.generation == first
    clock.now += LINGER_S + 1  # nobody watched meanwhile, and nobody asked
    with watchers.streaming():
        assert watchers.generation == first + 1


def test_the_loop_reads_nothing_unwatched_and_at_once_when_a_viewer_comes(
        clock: Clock, watchers: Watchers) -> None:
    steps: list[int] = []
    called = threading.Event()
    stop = threading.Event()

    def step(generation: int) -> None:
        steps.append(generation)
        called.set()

    loop = threading.Thread(target=refresh_while_watched,
                            args=(step, lambda: 0.05, watchers, stop))
    loop.start()
    try:
        time.sleep(0.3)
        assert steps == []
        begin = time.monotonic()
        watchers.seen()
        assert called.wait(1.0)
        assert time.monotonic() - begin < 0.2  # woken, not polled
        assert steps[0] == watchers.generation
        clock.now += LINGER_S + 1  # gone: the loop stops reading
        time.sleep(0.2)
        count = len(steps)
        time.sleep(0.3)
        assert len(steps) == count
    finally:
        stop.set()
        watchers.wake()
        loop.join(timeout=3)
    assert not loop.is_alive()


def test_a_snapshot_from_before_a_pause_is_not_fresh_and_the_next_one_is(
        clock: Clock, watchers: Watchers) -> None:
    published = Published(watchers)
    assert not published.fresh  # nothing read yet
    watchers.seen()
    published.put(watchers.generation, b'{"n": 1}')
    assert published.fresh
    clock.now += LINGER_S + 1
    watchers.seen()  # back after a pause
    assert not published.fresh
    begin = time.monotonic()
    assert published.current(0.1) == b'{"n": 1}'  # waited, then the last one
    assert time.monotonic() - begin >= 0.1
    later = threading.Timer(0.05, published.put, (watchers.generation, b'{"n": 2}'))
    later.start()
    assert published.current(5.0) == b'{"n": 2}'
    later.join()


class FakeKafka:
    def __init__(self) -> None:
        self.lags = 0

    def lag(self) -> dict[str, int]:
        self.lags += 1
        return {"payment": self.lags}

    def dead_letters(self, look_again: bool = False) -> dict[str, list[object]]:
        return {}


@pytest.fixture
def slow() -> Iterator[SlowReads]:
    reads = SlowReads(FakeKafka(), {}, SAGA, None, Series())  # type: ignore[arg-type]
    yield reads
    reads.close()


def test_the_first_snapshot_after_a_pause_waits_for_kafka_read_again(slow: SlowReads) -> None:
    slow.refresh(1)
    assert slow.wait_for(1, 0.0).lag == {"payment": 1}
    assert slow.wait_for(2, 0.05).generation == 1  # not read yet: the last one
    later = threading.Timer(0.05, slow.refresh, (2,))
    later.start()
    state = slow.wait_for(2, 5.0)
    later.join()
    assert (state.generation, state.lag) == (2, {"payment": 2})
