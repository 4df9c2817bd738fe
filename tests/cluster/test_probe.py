"""The write probe judges only what the producer reported (no stack needed)."""

from __future__ import annotations

from typing import Any

import pytest
from confluent_kafka import KafkaError

from sagaline.devstack import Stack
from tests.cluster import probe
from tests.cluster.conftest import cluster_settings


class SilentProducer:
    """A producer that never calls back: as if the write's outcome were unknown."""

    def __init__(self, config: dict[str, Any]) -> None:
        self.config = config

    def produce(self, *_args: object, **_kwargs: object) -> None:
        pass

    def poll(self, _timeout: float) -> int:
        return 0

    def flush(self, _timeout: float) -> int:
        return 1


class ReportingProducer(SilentProducer):
    def produce(self, *_args: object, on_delivery: Any = None, **_kwargs: object) -> None:
        on_delivery(KafkaError(KafkaError.NOT_ENOUGH_REPLICAS), None)


def test_a_write_without_delivery_report_is_not_counted_as_refused(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(probe, "MESSAGE_TIMEOUT_MS", 100)
    monkeypatch.setattr(probe, "Producer", SilentProducer)
    with pytest.raises(probe.NoDeliveryReport):
        probe.write(Stack(cluster_settings()))


def test_the_reported_error_is_what_the_probe_returns(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(probe, "Producer", ReportingProducer)
    refused = probe.write(Stack(cluster_settings()))
    assert refused is not None and refused.code() == KafkaError.NOT_ENOUGH_REPLICAS
