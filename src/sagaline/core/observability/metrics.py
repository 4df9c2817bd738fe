"""A service's Prometheus metrics: the relay, the consumer and the outbox (names `sagaline_*`,
documented in docs/observability.md).

Every metric lives in the registry it is given (one per service, made by its composition
root), so tests read them without a global. On the hot path only labelled children cached
at start or on first use are touched, once per batch; what needs a query (the outbox backlog)
is read by a collector when Prometheus scrapes, never per event.
"""

from __future__ import annotations

import collections
import logging
from collections.abc import Callable, Iterable, Sequence
from typing import NamedTuple

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Histogram,
    ProcessCollector,
    disable_created_metrics,
)
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from sagaline.core.http.metrics import HttpMetrics
from sagaline.core.kafka.lag import ConsumerLag
from sagaline.core.observability import alerts

log = logging.getLogger(__name__)

# Seconds; one batch of the relay or the consumer is a few ms to a few s.
BATCH_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 15.0)
OUTCOMES = ("handled", "duplicate", "retried", "dead_lettered")


class RelayMetrics:
    """What the outbox relay moved to the broker, and how long each batch took."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self._published = Counter(
            "sagaline_relay_published", "Outbox rows the broker acknowledged, by topic.",
            ["topic"], registry=registry)
        self._refused = Counter(
            "sagaline_relay_refused", "Outbox rows the broker refused for good (marked failed).",
            ["topic"], registry=registry)
        self._duration = Histogram(
            "sagaline_relay_batch_duration_seconds",
            "Time of one relay batch that found rows: read, publish, wait for acks, mark.",
            buckets=BATCH_BUCKETS, registry=registry)
        self._by_topic: dict[tuple[bool, str], Counter] = {}

    def batch(self, published: Iterable[str], refused: Iterable[str], seconds: float) -> None:
        """`published`/`refused`: the topic of each row settled that way."""
        self._duration.observe(seconds)
        for topic, n in collections.Counter(published).items():
            self._child(True, topic).inc(n)
        for topic, n in collections.Counter(refused).items():
            self._child(False, topic).inc(n)

    def _child(self, ok: bool, topic: str) -> Counter:
        child = self._by_topic.get((ok, topic))
        if child is None:
            child = (self._published if ok else self._refused).labels(topic)
            self._by_topic[(ok, topic)] = child
        return child


class ConsumerMetrics:
    """What the consumer loop did with each message it polled."""

    def __init__(self, registry: CollectorRegistry) -> None:
        messages = Counter(
            "sagaline_consumer_messages",
            "Messages consumed, by outcome: handled (first delivery), duplicate (already "
            "handled, skipped), retried (a failed attempt that will be tried again), "
            "dead_lettered.", ["outcome"], registry=registry)
        self._outcome = {outcome: messages.labels(outcome) for outcome in OUTCOMES}
        self._dead_letters = Counter(
            "sagaline_dead_letters", "Messages sent to the dead-letter topic, by source topic.",
            ["topic"], registry=registry)
        self._duration = Histogram(
            "sagaline_consumer_batch_duration_seconds",
            "Time to handle and commit one polled batch.", buckets=BATCH_BUCKETS,
            registry=registry)

    def handled(self, total: int, new: int, seconds: float | None = None) -> None:
        """`total` messages settled, `new` of them first deliveries (the rest duplicates)."""
        self._outcome["handled"].inc(new)
        if total > new:
            self._outcome["duplicate"].inc(total - new)
        if seconds is not None:
            self._duration.observe(seconds)

    def retried(self) -> None:
        self._outcome["retried"].inc()

    def dead_lettered(self, topic: str) -> None:
        self._outcome["dead_lettered"].inc()
        self._dead_letters.labels(topic).inc()  # rare: no cached child needed


class Backlog(NamedTuple):
    rows: int  # pending rows (neither published nor failed)
    oldest_age_s: float  # age of the oldest pending row; 0 when none


class OutboxBacklog(Collector):
    """The outbox's pending rows, read when scraped. A failed read (database away) leaves
    the two gauges out of that scrape instead of failing it; readiness reports the database."""

    def __init__(self, read: Callable[[], Backlog]) -> None:
        self._read = read

    def collect(self) -> Sequence[Metric]:
        try:
            backlog = self._read()
        except Exception as exc:
            log.debug("outbox backlog not read: %s", exc)
            return []
        return [GaugeMetricFamily("sagaline_outbox_pending_rows",
                                  "Outbox rows waiting to be published.", backlog.rows),
                GaugeMetricFamily("sagaline_outbox_oldest_pending_age_seconds",
                                  "Age of the oldest outbox row waiting to be published "
                                  "(0 when none waits).", backlog.oldest_age_s)]

    def describe(self) -> Sequence[Metric]:
        return []  # values come from the database: never collected at registration


class ServiceMetrics:
    """All the core's metrics of one service, in its registry (plus the process's CPU and
    memory). Created by the composition root unless METRICS_ENABLED is false."""

    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        disable_created_metrics()  # type: ignore[no-untyped-call]  # no `_created` series
        self.registry = registry or CollectorRegistry()
        ProcessCollector(registry=self.registry)
        self.relay = RelayMetrics(self.registry)
        self.consumer = ConsumerMetrics(self.registry)
        self.http = HttpMetrics(self.registry)
        self.lag = ConsumerLag()
        self.registry.register(self.lag)
        self.registry.register(alerts.Exported())

    def watch_outbox(self, read: Callable[[], Backlog]) -> None:
        self.registry.register(OutboxBacklog(read))
