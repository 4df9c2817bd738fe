"""Whether anyone watches the dashboard, so that it reads nothing while nobody does.

A viewer is an open event stream (a browser tab), or a request to the page or the API in the
last `linger_s` (a script polling /api/snapshot). Each return of a viewer after a pause starts
a new *generation*: a snapshot made in an earlier one is stale and is never shown as current.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from starlette.types import ASGIApp, Receive, Scope, Send

log = logging.getLogger(__name__)
IDLE_WAIT_S = 1.0  # a paused loop looks at its stop flag this often
MAX_INTERVAL_S = 1.0
BACKOFF = 2.0


class Watchers:
    def __init__(self, linger_s: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.linger_s = linger_s
        self._clock = clock
        self._streams = 0
        self._last_seen = float("-inf")
        self._generation = 0
        self._changed = threading.Condition()

    @property
    def watched(self) -> bool:
        with self._changed:
            return self._watched_now()

    @property
    def generation(self) -> int:
        """Increments each time a viewer comes back after nobody watched."""
        with self._changed:
            return self._generation

    def seen(self) -> None:
        """A request to the page or the API."""
        with self._changed:
            self._arrive()
            self._last_seen = self._clock()

    @contextmanager
    def streaming(self) -> Iterator[None]:
        """An open event stream: watched while it lasts, and for `linger_s` after."""
        with self._changed:
            self._arrive()
            self._streams += 1
        try:
            yield
        finally:
            with self._changed:
                self._streams -= 1
                self._last_seen = self._clock()

    def wait_for_viewer(self, timeout_s: float) -> bool:
        """Block until someone watches (at most `timeout_s`); True when someone does."""
        with self._changed:
            return self._changed.wait_for(self._watched_now, timeout_s)

    def wake(self) -> None:
        """Let every waiter look again (used at stop)."""
        with self._changed:
            self._changed.notify_all()

    def _watched_now(self) -> bool:
        return self._streams > 0 or self._clock() - self._last_seen < self.linger_s

    def _arrive(self) -> None:
        """Called before a viewer is counted: nobody watched until now? a new generation."""
        if not self._watched_now():
            self._generation += 1
        self._changed.notify_all()


class Watching:
    """ASGI middleware: every request but those to `unwatched` paths (the liveness probe)
    says someone watches (plain ASGI: an event stream must see its client go away)."""

    def __init__(self, app: ASGIApp, watchers: Watchers, unwatched: frozenset[str]) -> None:
        self.app, self.watchers, self.unwatched = app, watchers, unwatched

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"] not in self.unwatched:
            self.watchers.seen()
        await self.app(scope, receive, send)


def refresh_while_watched(step: Callable[[int], None], every_s: Callable[[], float],
                          watchers: Watchers, stop: threading.Event) -> None:
    """Call `step(generation)` every `every_s()` seconds while someone watches, until `stop`;
    while nobody watches, nothing (a viewer coming back wakes it at once)."""
    while not stop.is_set():
        if not watchers.wait_for_viewer(IDLE_WAIT_S):
            continue
        begin = time.monotonic()
        try:
            step(watchers.generation)
        except Exception:  # a bug must not stop the page from updating
            log.exception("dashboard refresh failed")
        stop.wait(max(0.05, every_s() - (time.monotonic() - begin)))


def backed_off(refresh_s: float, took_s: float) -> float:
    """The time from one refresh's start to the next: `refresh_s`, or longer after a slow
    refresh (twice its time, so the databases are read at most half the time), but never
    past MAX_INTERVAL_S: the page still updates every second."""
    return max(refresh_s, min(MAX_INTERVAL_S, BACKOFF * took_s))
