"""Virtual time: a clock the test moves, and periodic workers ticking in that time, so a
saga's deadline passes without a test sleeping.

A periodic worker runs `while not stop.wait(interval): work()`. Given a `Ticks` as its stop
flag, `wait` says "go on" when a tick is due on the clock, and "stop" when none is: `run`
returns having done the ticks that were due. `Schedule.advance` moves the clock from one due
tick to the next, so each tick's work sees the clock at the tick's time.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from typing import cast

from sagaline.core.runtime.workers import Worker


class VirtualClock:
    """Now, as the test says: it starts at the real time and moves only by `advance`."""

    def __init__(self, start: datetime | None = None) -> None:
        self._now = start or datetime.now(UTC)
        self.started = self._now

    def now(self) -> datetime:
        return self._now

    def elapsed_s(self) -> float:
        return (self._now - self.started).total_seconds()

    def advance(self, seconds: float) -> None:
        if seconds < 0:
            raise ValueError(f"time runs forward only, not by {seconds} s")
        self._now += timedelta(seconds=seconds)


class Ticks:
    """The stop flag of one periodic worker on a virtual clock (a `threading.Event` as far
    as `Worker.run` can tell: `wait` and `is_set`). Its first tick is due one interval after
    the clock's start, as a worker started with the service waits one interval first."""

    def __init__(self, clock: VirtualClock) -> None:
        self._clock = clock
        self._last = clock.elapsed_s()
        self.interval: float | None = None  # what the worker last waited for; None: not yet
        self._stopped = False
        self.ticks = 0

    @property
    def next_due(self) -> float | None:
        """When (seconds on the clock) the next tick is due; None: not known yet."""
        return self._last + self.interval if self.interval else None

    def wait(self, timeout: float | None = None) -> bool:
        """False (go on) when a tick is due, True (stop) when none is."""
        self.interval = timeout
        due = self.next_due
        if due is not None and due <= self._clock.elapsed_s():
            self._last = due
            self.ticks += 1
            return False
        self._stopped = True
        return True

    def is_set(self) -> bool:
        return self._stopped

    def set(self) -> None:
        self._stopped = True

    def rearm(self) -> None:
        """Before each run: the worker may go on again when more ticks are due."""
        self._stopped = False


class Schedule:
    """Periodic workers on a virtual clock. Each is run once when added, at the clock's
    time, which tells its interval (a worker that waits first does nothing then)."""

    def __init__(self, clock: VirtualClock) -> None:
        self.clock = clock
        self._workers: list[tuple[Worker, Ticks]] = []

    def add(self, worker: Worker) -> None:
        ticks = Ticks(self.clock)
        self._workers.append((worker, ticks))
        worker.run(cast(threading.Event, ticks))

    def advance(self, seconds: float) -> int:
        """Move the clock `seconds` on, running every tick due meanwhile at its time; returns
        how many ticks ran."""
        end = self.clock.elapsed_s() + seconds
        before = sum(t.ticks for _, t in self._workers)
        while (due := self._next_due()) is not None and due <= end:
            self.clock.advance(max(0.0, due - self.clock.elapsed_s()))
            for worker, ticks in self._workers:
                if ticks.next_due is not None and ticks.next_due <= due:
                    ticks.rearm()
                    worker.run(cast(threading.Event, ticks))
                    if ticks.next_due is not None and ticks.next_due <= due:
                        ticks.interval = None  # it returned without waiting: it is done
        self.clock.advance(max(0.0, end - self.clock.elapsed_s()))
        return sum(t.ticks for _, t in self._workers) - before

    def _next_due(self) -> float | None:
        return min((d for _, t in self._workers if (d := t.next_due) is not None),
                   default=None)
