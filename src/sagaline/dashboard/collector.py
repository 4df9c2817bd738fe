"""One shared snapshot, refreshed every DASHBOARD_REFRESH_S by a background thread whatever
the number of browsers, and only while someone watches (`watchers`): nobody watching, nothing
is read. Kafka, readiness and dead letters are on a slower thread of their own (`slow_reads`),
so a broker that does not answer never holds up the database part."""

from __future__ import annotations

import logging
import threading
import time
from collections import Counter
from typing import Any

import orjson

from sagaline.core.saga import Saga
from sagaline.dashboard import core_queries, kafka_view, order_queries, sources, stuck
from sagaline.dashboard.charts import Charts
from sagaline.dashboard.published import Published
from sagaline.dashboard.slow_reads import SlowReads
from sagaline.dashboard.sources import Databases, Unavailable
from sagaline.dashboard.watchers import Watchers, backed_off, refresh_while_watched
from sagaline.settings import DashboardSettings

log = logging.getLogger(__name__)
SLOW_EVERY_S = 1.0
STUCK_SHOWN = 50
# After a pause, the first snapshot waits this long for Kafka and readiness to be read again
# (a broker that does not answer then shows as an error, with what was known before).
SLOW_WAIT_S = 2.0


class Collector:
    def __init__(self, settings: DashboardSettings, topology: Saga, dbs: Databases,
                 watchers: Watchers | None = None,
                 kafka: kafka_view.KafkaView | None = None) -> None:
        self.settings, self.topology, self.dbs = settings, topology, dbs
        self.watchers = watchers or Watchers(settings.dashboard_linger_s)
        self.charts = Charts(topology.names)
        kafka = kafka or kafka_view.KafkaView(settings.kafka_bootstrap_servers,
                                              settings.kafka_client_config, topology)
        urls = {name: sources.service_url(settings, topology, name) for name in topology.names}
        self.slow = SlowReads(kafka, urls, topology, dbs, self.charts.series["lag"])
        self.published = Published(self.watchers)
        self.interval_s = settings.dashboard_refresh_s  # longer after a slow refresh
        self._stop = threading.Event()
        self._threads = [
            threading.Thread(target=refresh_while_watched, daemon=True,
                             args=(step, every, self.watchers, self._stop),
                             name=f"dashboard-{step.__name__}")
            for step, every in ((self.refresh, lambda: self.interval_s),
                                (self.slow.refresh, lambda: SLOW_EVERY_S))]

    def start(self) -> None:
        for thread in self._threads:
            thread.start()

    @property
    def stopping(self) -> bool:
        return self._stop.is_set()

    def stop(self) -> None:
        self._stop.set()
        self.watchers.wake()
        for thread in self._threads:
            thread.join(timeout=10)
        self.slow.close()

    def refresh(self, generation: int) -> None:
        """Read the databases once and publish a new snapshot."""
        slow = self.slow.wait_for(generation, SLOW_WAIT_S)
        now, errors, began = time.time(), list(slow.errors), time.monotonic()
        if slow.generation < generation:
            errors.append("Kafka and readiness: not read yet since the page opened")
        in_flight, idle = self._read_records(generation, now, errors)
        backlog, pending = self._read_outboxes([s["saga_id"] for s in idle], errors)
        self.charts.put_backlog(backlog, now)
        evidence = stuck.Evidence(slow.keys, pending, slow.lag, slow.ready)
        stuck_sagas = stuck.analyse(idle, self.topology, evidence, now)
        letters = Counter(letter["service"] for letter in slow.letters)
        services = {name: {**backlog.get(name, {}), "ready": slow.ready.get(name),
                           "lag": slow.lag.get(name), "dead_letters": letters[name]}
                    for name in self.topology.names}
        self.published.put(generation, orjson.dumps({
            "at": now, "stuck_after_s": self.settings.stuck_after_s, "in_flight": in_flight,
            "services": services, "errors": errors, "stuck": [s.as_json() for s in stuck_sagas],
            "dead_letters": slow.letters,
            "charts": self.charts.columns()}))
        self.interval_s = backed_off(self.settings.dashboard_refresh_s, time.monotonic() - began)

    def _read_records(self, generation: int, now: float, errors: list[str]
                      ) -> tuple[dict[str, int], list[dict[str, Any]]]:
        """From the owner's saga records: how many sagas are in each status not final, the
        ones not moving, and the finished ones of the latest seconds (into the charts)."""
        not_final = self.topology.statuses.not_final
        try:
            with self.dbs.read(self.topology.owner) as conn:
                in_flight = order_queries.in_flight(conn, not_final)
                idle = order_queries.not_moving(conn, not_final, self.settings.stuck_after_s,
                                                STUCK_SHOWN)
                since = self.charts.finished_since(generation, now)
                self.charts.put_finished(generation, since, now,
                                         order_queries.finished(conn, since))
        except Unavailable as exc:
            errors.append(str(exc))
            return {}, []
        return in_flight, idle

    def _read_outboxes(self, keys: list[str], errors: list[str]
                       ) -> tuple[dict[str, dict[str, Any]], dict[str, dict[str, float]]]:
        """Each service's outbox backlog, and which of `keys` (the stuck candidates) it
        still holds unpublished rows of."""
        backlog, pending = {}, {}
        for name in self.topology.names:
            try:
                with self.dbs.read(name) as conn:
                    backlog[name] = core_queries.backlog(conn)
                    pending[name] = core_queries.pending_for(conn, keys)
            except Unavailable as exc:
                errors.append(str(exc))
        return backlog, pending
