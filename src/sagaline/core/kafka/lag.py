"""Consumer lag per partition, from librdkafka's statistics: no extra request to the broker.

librdkafka emits its statistics (JSON) every `statistics.interval.ms` from the consumer's own
poll; `ConsumerLag.on_statistics` keeps the lag of each assigned partition (high watermark
minus the group's committed offset) and the collector reports that snapshot when scraped.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any

import orjson
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

log = logging.getLogger(__name__)
STATISTICS_INTERVAL_MS = 5_000  # lag is as fresh as this; the JSON is a few kB per call


class ConsumerLag(Collector):
    def __init__(self) -> None:
        self._lag: dict[tuple[str, int], int] = {}

    def client_config(self) -> dict[str, Any]:
        """What to add to the consumer's configuration so its statistics reach us."""
        return {"statistics.interval.ms": STATISTICS_INTERVAL_MS,
                "stats_cb": self.on_statistics}

    def on_statistics(self, statistics: str | bytes) -> None:
        try:
            self._lag = lag_by_partition(orjson.loads(statistics))
        except (orjson.JSONDecodeError, AttributeError, TypeError) as exc:
            log.debug("librdkafka statistics not read: %s", exc)

    def collect(self) -> Sequence[Metric]:
        family = GaugeMetricFamily(
            "sagaline_consumer_lag_messages",
            "Messages on a partition not yet committed by this service's consumer group "
            "(high watermark minus committed offset), per assigned partition.",
            labels=["topic", "partition"])
        for (topic, partition), lag in sorted(self._lag.items()):
            family.add_metric([topic, str(partition)], lag)
        return [family]

    def describe(self) -> Sequence[Metric]:
        return self.collect()


def lag_by_partition(statistics: Mapping[str, Any]) -> dict[tuple[str, int], int]:
    """Lag of every partition this consumer fetches; librdkafka says -1 when it does not
    know (not assigned, nothing committed yet) and lists an internal partition -1."""
    lag: dict[tuple[str, int], int] = {}
    for topic, info in statistics.get("topics", {}).items():
        for partition, p in info.get("partitions", {}).items():
            value = p.get("consumer_lag", -1)
            if int(partition) >= 0 and value >= 0 and p.get("fetch_state") == "active":
                lag[(topic, int(partition))] = value
    return lag
