"""The snapshot's slower parts, read on a thread of their own so that a broker or a service
that does not answer never holds up the database part: each service's readiness, its
consumer lag and the dead letters (with whether each was replayed since)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

import httpx

from sagaline.audit.read_db import SourceUnavailable
from sagaline.core.saga import Saga
from sagaline.dashboard import kafka_view, readiness
from sagaline.dashboard.series import Series
from sagaline.dashboard.sources import Databases, Unavailable
from sagaline.ops import dlq

T = TypeVar("T")
# Readiness (each /ready asks the broker and the database) and lag (the admin API asks the
# broker for every partition's offsets) change slowly: read less often than dead letters.
READY_EVERY_S = 3.0
LAG_EVERY_S = 5.0


@dataclass(frozen=True)
class SlowState:
    """One read of the slow parts; `generation`: the watchers' generation it was read in."""

    generation: int = 0
    ready: dict[str, bool] = field(default_factory=dict)
    lag: dict[str, int] = field(default_factory=dict)
    letters: list[dict[str, Any]] = field(default_factory=list)
    keys: dict[str, list[str]] = field(default_factory=dict)  # order id -> its letters
    errors: list[str] = field(default_factory=list)


class SlowReads:
    def __init__(self, kafka: kafka_view.KafkaView, urls: dict[str, str], topology: Saga,
                 dbs: Databases, lag_chart: Series) -> None:
        self.kafka, self.urls, self.topology, self.dbs = kafka, urls, topology, dbs
        self.lag_chart = lag_chart
        self.state = SlowState()
        self._http = httpx.Client(timeout=1.0)  # kept: a new client per read costs more
        self._due = {"ready": 0.0, "lag": 0.0}  # when each part is to be read next
        self._errors: dict[str, list[str]] = {}  # per part, from its last read
        self._read_done = threading.Condition()

    def refresh(self, generation: int) -> None:
        """Read what is due (everything when a viewer has just come back)."""
        back, now, last = generation != self.state.generation, time.monotonic(), self.state
        ready, lag, errors = last.ready, last.lag, dict(self._errors)
        if back or now >= self._due["ready"]:
            ready = readiness.ready(self.urls, self._http)
            self._due["ready"] = now + READY_EVERY_S
        if back or now >= self._due["lag"]:
            lag, errors["lag"] = self._read(self.kafka.lag, last.lag)
            self.lag_chart.put(int(time.time()), dict(lag))
            self._due["lag"] = now + LAG_EVERY_S
        found, errors["letters"] = self._read(lambda: self.kafka.dead_letters(back), None)
        letters, keys = last.letters, last.keys
        if found is not None:
            letters, keys = self._letters(found, errors["letters"])
        self._errors = errors
        with self._read_done:
            self.state = SlowState(generation, ready, lag, letters, keys,
                                   [e for part in errors.values() for e in part])
            self._read_done.notify_all()

    @staticmethod
    def _read(read: Callable[[], T], otherwise: T) -> tuple[T, list[str]]:
        try:
            return read(), []
        except SourceUnavailable as exc:
            return otherwise, [str(exc)]

    def wait_for(self, generation: int, timeout_s: float) -> SlowState:
        """The state once read in `generation` (at most `timeout_s`: then the last one)."""
        with self._read_done:
            self._read_done.wait_for(lambda: self.state.generation >= generation, timeout_s)
            return self.state

    def close(self) -> None:
        self._http.close()

    def _letters(self, by_service: dict[str, list[dlq.DeadLetter]], errors: list[str]
                 ) -> tuple[list[dict[str, Any]], dict[str, list[str]]]:
        shown: list[dict[str, Any]] = []
        keys: dict[str, list[str]] = {}
        for service, letters in by_service.items():
            group = self.topology.service(service).consumer_group
            try:
                with self.dbs.read(service) as conn:
                    handled = dlq.handled(conn, group, letters) if letters else {}
            except Unavailable as exc:
                errors.append(str(exc))
                handled = {}
            for letter in letters:
                shown.append(kafka_view.letter_json(service, letter, handled.get(letter.ref)))
                if letter.key:
                    keys.setdefault(letter.key, []).append(f"{letter.topic} {letter.ref}")
        shown.sort(key=lambda d: d["failed_at"] or 0, reverse=True)
        return shown, keys
