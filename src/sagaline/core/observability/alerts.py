"""Counters of what an operator must hear about, in one place for the metrics exporter.

Each counter counts by topic and is readable as plain data (`Counter.values()`, or `ALL`
for every one). `Exported` serves them all, with a `topic` label, from a service's metrics
registry (core/metrics.py registers it), so `GET /metrics` shows them.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence

from prometheus_client.core import CounterMetricFamily, Metric
from prometheus_client.registry import Collector


class Counter:
    """A monotonic count per topic; thread-safe."""

    def __init__(self, name: str, description: str) -> None:
        self.name = name
        self.description = description
        self._counts: dict[str, int] = {}
        self._lock = threading.Lock()

    def inc(self, topic: str, amount: int = 1) -> None:
        with self._lock:
            self._counts[topic] = self._counts.get(topic, 0) + amount

    def value(self, topic: str) -> int:
        with self._lock:
            return self._counts.get(topic, 0)

    def values(self) -> dict[str, int]:
        with self._lock:
            return dict(self._counts)


COMPENSATION_FAILING = Counter(
    "sagaline_compensation_failing_total",
    "Times a compensating handler ran out of quick attempts and went back to waiting; "
    "it is retried until it succeeds or is parked, so any increase needs a look")
COMPENSATIONS_PARKED = Counter(
    "sagaline_compensations_parked_total",
    "Compensations still failing after COMPENSATION_PARK_AFTER_S, parked as dead letters so "
    "that the other sagas of their partition go on: each needs a person (by topic)")
DEAD_LETTERS_TRUNCATED = Counter(
    "sagaline_dead_letters_truncated_total",
    "Dead letters the broker refused whole, stored with a prefix of their value (by source "
    "topic)")
DEAD_LETTERS_UNSTORED = Counter(
    "sagaline_dead_letters_unstored_total",
    "Dead letters too large even when truncated: skipped, left on their source topic and "
    "named in the log (by source topic)")
CONSUMER_RESTARTS = Counter(
    "sagaline_consumer_restarts_total",
    "Consumers replaced after a fatal client error (by consumer group)")

ALL = (COMPENSATION_FAILING, COMPENSATIONS_PARKED, DEAD_LETTERS_TRUNCATED, DEAD_LETTERS_UNSTORED,
       CONSUMER_RESTARTS)


class Exported(Collector):
    """Every alert counter as a Prometheus counter family, read at scrape time."""

    def collect(self) -> Sequence[Metric]:
        families = []
        for counter in ALL:
            family = CounterMetricFamily(counter.name.removesuffix("_total"),
                                         counter.description, labels=["topic"])
            for topic, count in sorted(counter.values().items()):
                family.add_metric([topic], count)
            families.append(family)
        return families
