"""Order's saga metrics (docs/observability.md): sagas finished by status and reason, how
long they took, and those still in flight. The core's metrics know no sagas; these do."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Sequence

from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from sagaline.seed_saga.order.repository import Finished, OrderUnitOfWork

log = logging.getLogger(__name__)
# Reasons come from events; anything but a short constant-like name counts as OTHER, so a
# strange event cannot make a series per message.
_REASON = re.compile(r"[A-Z][A-Z0-9_]{0,39}")
# Seconds from placed to final: tens of ms when all goes well, the deadline (60 s) at worst.
DURATION_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 90.0,
                    120.0, 300.0)


def reason_label(reason: str | None) -> str:
    if not reason:
        return ""
    return reason if _REASON.fullmatch(reason) else "OTHER"


class SagaMetrics:
    def __init__(self, registry: CollectorRegistry) -> None:
        self._finished = Counter(
            "sagaline_sagas_finished", "Sagas (orders) that became final, by status and reason.",
            ["status", "reason"], registry=registry)
        self._duration = Histogram(
            "sagaline_saga_duration_seconds", "Time from an order's placing to its final status.",
            ["status"], buckets=DURATION_BUCKETS, registry=registry)
        self._counters: dict[tuple[str, str], Counter] = {}
        self._histograms: dict[str, Histogram] = {}

    def finished(self, outcome: Finished) -> None:
        key = (outcome.status, reason_label(outcome.reason))
        counter = self._counters.get(key)
        if counter is None:
            counter = self._counters[key] = self._finished.labels(*key)
        counter.inc()
        histogram = self._histograms.get(outcome.status)
        if histogram is None:
            histogram = self._histograms[outcome.status] = self._duration.labels(outcome.status)
        histogram.observe(outcome.seconds)


class InFlight(Collector):
    """Orders not final, read when scraped (an index range: cheap while few are in flight)."""

    def __init__(self, unit_of_work: Callable[[], OrderUnitOfWork]) -> None:
        self._unit_of_work = unit_of_work

    def collect(self) -> Sequence[Metric]:
        try:
            with self._unit_of_work() as uow:
                count, oldest_s = uow.orders.in_flight()
        except Exception as exc:
            log.debug("sagas in flight not read: %s", exc)
            return []
        return [GaugeMetricFamily("sagaline_sagas_in_flight",
                                  "Orders placed and not final yet.", count),
                GaugeMetricFamily("sagaline_sagas_oldest_in_flight_age_seconds",
                                  "Age of the oldest order not final (0 when none).", oldest_s)]

    def describe(self) -> Sequence[Metric]:
        return []  # values come from the database: never collected at registration
