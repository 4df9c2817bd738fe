"""The snapshot's slower parts, read on a thread of their own so that a broker or a service
that does not answer never holds up the database part: each service's readiness, its
consumer lag and the dead letters (with whether each was replayed since)."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import Any

import httpx

from sagaline.audit.read_db import SourceUnavailable
from sagaline.core.topology import Topology
from sagaline.dashboard import kafka_view, readiness
from sagaline.dashboard.series import Series
from sagaline.dashboard.sources import Databases, Unavailable
from sagaline.ops import dlq


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
    def __init__(self, kafka: kafka_view.KafkaView, urls: dict[str, str], topology: Topology,
                 dbs: Databases, lag_chart: Series) -> None:
        self.kafka, self.urls, self.topology, self.dbs = kafka, urls, topology, dbs
        self.lag_chart = lag_chart
        self.state = SlowState()
        self._http = httpx.Client(timeout=1.0)  # kept: a new client per read costs more
        self._read = threading.Condition()

    def refresh(self, generation: int) -> None:
        ready = readiness.ready(self.urls, self._http)
        errors: list[str] = []
        lag, letters, keys = self.state.lag, self.state.letters, self.state.keys
        try:
            lag = self.kafka.lag()
            self.lag_chart.put(int(time.time()), dict(lag))
            letters, keys = self._letters(self.kafka.dead_letters(), errors)
        except SourceUnavailable as exc:
            errors.append(str(exc))
        with self._read:
            self.state = SlowState(generation, ready, lag, letters, keys, errors)
            self._read.notify_all()

    def wait_for(self, generation: int, timeout_s: float) -> SlowState:
        """The state once read in `generation` (at most `timeout_s`: then the last one)."""
        with self._read:
            self._read.wait_for(lambda: self.state.generation >= generation, timeout_s)
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
