"""One shared snapshot, refreshed every DASHBOARD_REFRESH_S by a background thread whatever
the number of browsers; Kafka, readiness and dead letters on a slower thread of their own, so
a broker that does not answer never holds up the database part."""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

import httpx
import orjson

from sagaline.audit.read_db import SourceUnavailable
from sagaline.core.topology import Topology
from sagaline.dashboard import core_queries, kafka_view, order_queries, readiness, stuck
from sagaline.dashboard.series import Series
from sagaline.dashboard.sources import Databases, Unavailable
from sagaline.ops import dlq
from sagaline.settings import DashboardSettings

log = logging.getLogger(__name__)
WINDOW_S = 5.0  # finished sagas are re-counted over this many recent seconds
SLOW_EVERY_S = 1.0
STUCK_SHOWN = 50


class Collector:
    def __init__(self, settings: DashboardSettings, topology: Topology, dbs: Databases) -> None:
        self.settings, self.topology, self.dbs = settings, topology, dbs
        self.kafka = kafka_view.KafkaView(settings.kafka_bootstrap_servers,
                                          settings.kafka_client_config, topology)
        self.urls = {s.name: settings.service_url(s.name) for s in topology.services}
        self.charts = {name: Series() for name in ("finished", "backlog", "oldest", "lag")}
        self.charts["latency"] = Series(("p50", "p95", "p99"))
        self.slow: dict[str, Any] = {"lag": {}, "ready": {}, "letters": [], "keys": {},
                                     "errors": []}
        self.snapshot: bytes = b"{}"
        self.version = 0
        self._stop = threading.Event()
        self._threads = [threading.Thread(target=self._loop, args=(f, s), daemon=True,
                                          name=f"dashboard-{f.__name__}")
                         for f, s in ((self.refresh, settings.dashboard_refresh_s),
                                      (self.refresh_slow, SLOW_EVERY_S))]

    def start(self) -> None:
        for thread in self._threads:
            thread.start()

    @property
    def stopping(self) -> bool:
        return self._stop.is_set()

    def stop(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=10)

    def _loop(self, step: Any, every_s: float) -> None:
        while not self._stop.is_set():
            begin = time.monotonic()
            try:
                step()
            except Exception:  # a bug must not stop the page from updating
                log.exception("dashboard refresh failed")
            self._stop.wait(max(0.05, every_s - (time.monotonic() - begin)))

    def refresh(self) -> None:
        """Read the databases once and publish a new snapshot."""
        now, errors = time.time(), list(self.slow["errors"])
        in_flight, idle, services = {}, [], {}
        try:
            with self.dbs.read("order") as conn:
                in_flight = order_queries.in_flight(conn)
                idle = order_queries.not_moving(conn, self.settings.stuck_after_s, STUCK_SHOWN)
                self._chart_finished(order_queries.finished(conn, WINDOW_S), now)
        except Unavailable as exc:
            errors.append(str(exc))
        pending = {}
        for name in self.dbs.names:
            try:
                with self.dbs.read(name) as conn:
                    services[name] = core_queries.backlog(conn)
                    pending[name] = core_queries.pending_for(conn, [o["order_id"] for o in idle])
            except Unavailable as exc:
                errors.append(str(exc))
        self._chart_backlog(services, now)
        evidence = stuck.Evidence(self.slow["keys"], pending, self.slow["lag"],
                                  self.slow["ready"])
        stuck_sagas = stuck.analyse(idle, self.topology, evidence, now)
        for name in self.urls:
            services.setdefault(name, {}).update(ready=self.slow["ready"].get(name),
                                                 lag=self.slow["lag"].get(name))
        self._publish({"at": now, "stuck_after_s": self.settings.stuck_after_s,
                       "in_flight": in_flight, "services": services, "errors": errors,
                       "stuck": [s.as_json() for s in stuck_sagas],
                       "dead_letters": self.slow["letters"],
                       "charts": {k: v.columns() for k, v in self.charts.items()}})

    def refresh_slow(self) -> None:
        """Readiness, consumer lag and dead letters (with whether each was replayed)."""
        errors: list[str] = []
        with httpx.Client(timeout=1.0) as client:
            self.slow["ready"] = readiness.ready(self.urls, client)
        try:
            self.slow["lag"] = self.kafka.lag()
            self.charts["lag"].put(int(time.time()), dict(self.slow["lag"]))
            letters = self.kafka.dead_letters()
            self.slow["letters"], self.slow["keys"] = self._letters(letters, errors)
        except SourceUnavailable as exc:
            errors.append(str(exc))
        self.slow["errors"] = errors

    def _letters(self, by_service: dict[str, list[dlq.DeadLetter]], errors: list[str]
                 ) -> tuple[list[dict[str, Any]], dict[str, list[str]]]:
        shown: list[dict[str, Any]] = []
        keys: dict[str, list[str]] = {}
        for service, letters in by_service.items():
            group = self.topology.service(service).consumer_group
            try:
                with self.dbs.read(service) as conn:
                    handled = dlq.handled(conn, group, letters)
            except Unavailable as exc:
                errors.append(str(exc))
                handled = {}
            for letter in letters:
                shown.append(kafka_view.letter_json(service, letter, handled.get(letter.ref)))
                if letter.key:
                    keys.setdefault(letter.key, []).append(f"{letter.topic} {letter.ref}")
        shown.sort(key=lambda d: d["failed_at"] or 0, reverse=True)
        return shown, keys

    def _chart_finished(self, finished: dict[str, Any], now: float) -> None:
        counts: dict[int, dict[str, float | None]] = {
            s: dict.fromkeys(self.charts["finished"].names, 0.0)
            for s in range(int(now - WINDOW_S) + 1, int(now) + 1)}
        for row in finished["per_second"]:
            counts.setdefault(row["second"], {})[row["outcome"]] = float(row["count"])
        for second, values in sorted(counts.items()):
            self.charts["finished"].put(second, values)
        self.charts["latency"].put(int(now), {q: finished[q] for q in ("p50", "p95", "p99")})

    def _chart_backlog(self, services: dict[str, dict[str, Any]], now: float) -> None:
        self.charts["backlog"].put(int(now), {n: s["pending"] for n, s in services.items()})
        self.charts["oldest"].put(int(now), {n: s["oldest_s"] or 0.0 for n, s in
                                             services.items()})

    def _publish(self, snapshot: dict[str, Any]) -> None:
        self.snapshot = orjson.dumps(snapshot)
        self.version += 1
