"""The metrics: what the consumer, the HTTP app and the collectors count, read from the
service's own registry (no Prometheus, no services)."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

import orjson
import pytest
from fastapi.testclient import TestClient
from prometheus_client import CollectorRegistry, generate_latest

from sagaline.core.kafka.lag import ConsumerLag, lag_by_partition
from sagaline.core.messaging.consumer import ConsumerLoop
from sagaline.core.messaging.deadletter import TopicDeadLetters
from sagaline.core.messaging.processor import EventProcessor
from sagaline.core.messaging.retry import RetryPolicy
from sagaline.core.observability import alerts
from sagaline.core.observability.metrics import Backlog, OutboxBacklog, ServiceMetrics
from sagaline.seed_saga.order.fakes import FakeOrderUnitOfWork
from sagaline.seed_saga.order.handlers import PlaceOrder, place_order
from sagaline.seed_saga.order.metrics import InFlight, SagaMetrics, reason_label
from sagaline.seed_saga.order.repository import Finished
from sagaline.seed_saga.order.settings import OrderSettings
from sagaline.seed_saga.saga import SAGA
from sagaline.testing.messaging import InMemoryPublisher, InMemorySource
from sagaline.testing.unit_of_work import InMemoryUnitOfWork
from tests.composition import order as bootstrap
from tests.service_settings import settings_for
from tests.unit.test_consumer_loop import Recorder, event_message, message

pytestmark = pytest.mark.unit


def value(registry: CollectorRegistry, name: str, **labels: str) -> float | None:
    return registry.get_sample_value(name, labels)


def test_the_consumer_counts_each_outcome() -> None:
    metrics = ServiceMetrics()
    duplicate = event_message(0, 1)
    failing_once = Recorder({3: [TimeoutError("flake")]})
    source = InMemorySource([duplicate, event_message(1, 2), duplicate, message(2, b"bad"),
                             event_message(3, 3)])
    uow = InMemoryUnitOfWork()  # one, so its inbox sees the duplicate
    processor = EventProcessor("group", {"t": failing_once}, lambda: uow)
    loop = ConsumerLoop(source, processor, TopicDeadLetters(InMemoryPublisher(), "dlq.t"),
                        RetryPolicy(max_attempts=3, base_delay_s=0), sleep=lambda _s: None,
                        metrics=metrics.consumer)
    while loop.step():
        pass
    count = {o: value(metrics.registry, "sagaline_consumer_messages_total", outcome=o)
             for o in ("handled", "duplicate", "retried", "dead_lettered")}
    assert count == {"handled": 3, "duplicate": 1, "retried": 1, "dead_lettered": 1}
    assert value(metrics.registry, "sagaline_dead_letters_total", topic="t") == 1


@pytest.fixture
def order_app() -> tuple[TestClient, ServiceMetrics]:
    metrics = ServiceMetrics()
    service = bootstrap(settings_for(OrderSettings), unit_of_work=SAGA.service("order").fake,
                        publisher=InMemoryPublisher(), source=InMemorySource(), metrics=metrics)
    return TestClient(service.app), metrics


def test_http_requests_are_counted_by_route_template_and_status(
        order_app: tuple[TestClient, ServiceMetrics]) -> None:
    client, metrics = order_app
    assert client.post("/orders", json={"userId": "u", "totalAmount": 1}).status_code == 201
    for _ in range(2):
        assert client.get(f"/orders/{uuid.uuid4()}").status_code == 404
    assert client.get("/no/such/path").status_code == 404
    requests = "sagaline_http_requests_total"
    assert value(metrics.registry, requests, method="POST", route="/orders", status="201") == 1
    assert value(metrics.registry, requests, method="GET", route="/orders/{order_id}",
                 status="404") == 2
    assert value(metrics.registry, requests, method="GET", route="<unmatched>",
                 status="404") == 1
    assert value(metrics.registry, "sagaline_http_request_duration_seconds_count",
                 route="/orders") == 1


def test_get_metrics_serves_the_registry_in_prometheus_text(
        order_app: tuple[TestClient, ServiceMetrics]) -> None:
    client, _ = order_app
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    assert "sagaline_consumer_messages_total{outcome=\"handled\"} 0.0" in response.text
    assert "sagaline_sagas_in_flight 0.0" in response.text  # order's, from its unit of work
    assert "/metrics" not in client.get("/openapi.json").text  # not part of the API


def test_metrics_disabled_means_no_route_and_nothing_counted() -> None:
    service = bootstrap(settings_for(OrderSettings, metrics_enabled=False),
                        unit_of_work=SAGA.service("order").fake, publisher=InMemoryPublisher(),
                        source=InMemorySource())
    assert service.metrics is None and service.consumer is not None
    assert service.consumer.metrics is None
    assert TestClient(service.app).get("/metrics").status_code == 404


def test_the_outbox_backlog_is_read_on_scrape_and_left_out_when_unreadable() -> None:
    reads: list[int] = []

    def read() -> Backlog:  # every sample read below is a scrape of its own
        reads.append(1)
        if len(reads) > 2:
            raise OSError("database away")
        return Backlog(7, 12.5)

    registry = CollectorRegistry()
    registry.register(OutboxBacklog(read))
    assert reads == []  # registering reads nothing
    assert value(registry, "sagaline_outbox_pending_rows") == 7
    assert value(registry, "sagaline_outbox_oldest_pending_age_seconds") == 12.5
    assert value(registry, "sagaline_outbox_pending_rows") is None


STATISTICS: dict[str, Any] = {"topics": {
    "payment.charged": {"partitions": {
        "0": {"consumer_lag": 4, "fetch_state": "active"},
        "1": {"consumer_lag": -1, "fetch_state": "active"},  # nothing committed yet
        "2": {"consumer_lag": 9, "fetch_state": "none"},  # not assigned (any more)
        "-1": {"consumer_lag": 0, "fetch_state": "none"}}},  # librdkafka's internal one
    "order.created": {"partitions": {"3": {"consumer_lag": 0, "fetch_state": "active"}}}}}


def test_lag_is_kept_for_assigned_partitions_only() -> None:
    assert lag_by_partition(STATISTICS) == {("payment.charged", 0): 4, ("order.created", 3): 0}


def test_lag_collector_reports_the_last_statistics_and_ignores_garbage() -> None:
    registry = CollectorRegistry()
    lag = ConsumerLag()
    registry.register(lag)
    lag.on_statistics(orjson.dumps(STATISTICS).decode())
    lag.on_statistics("not json")  # keeps the last good snapshot
    assert value(registry, "sagaline_consumer_lag_messages", topic="payment.charged",
                 partition="0") == 4
    assert lag.client_config()["stats_cb"] == lag.on_statistics


def test_sagas_finished_count_by_status_and_a_bounded_reason() -> None:
    registry = CollectorRegistry()
    sagas = SagaMetrics(registry)
    sagas.finished(Finished("CONFIRMED", None, 0.2))
    sagas.finished(Finished("CANCELLED", "TIMEOUT", 61.0))
    sagas.finished(Finished("CANCELLED", "free text from an event", 1.0))
    finished = "sagaline_sagas_finished_total"
    assert value(registry, finished, status="CONFIRMED", reason="") == 1
    assert value(registry, finished, status="CANCELLED", reason="TIMEOUT") == 1
    assert value(registry, finished, status="CANCELLED", reason="OTHER") == 1
    assert value(registry, "sagaline_saga_duration_seconds_bucket", status="CANCELLED",
                 le="60.0") == 1
    assert value(registry, "sagaline_saga_duration_seconds_sum", status="CANCELLED") == 62
    assert [reason_label(r) for r in (None, "OUT_OF_STOCK", "x" * 50)] == [
        "", "OUT_OF_STOCK", "OTHER"]


def test_sagas_in_flight_come_from_the_orders() -> None:
    uow = FakeOrderUnitOfWork(SAGA.statuses)
    with uow:
        for _ in range(2):
            place_order(PlaceOrder("u", Decimal(1)), uow)
        uow.commit()
    registry = CollectorRegistry()
    registry.register(InFlight(lambda: uow))
    assert value(registry, "sagaline_sagas_in_flight") == 2
    assert value(registry, "sagaline_sagas_oldest_in_flight_age_seconds") == 0


def test_the_alert_counters_are_served_with_every_services_metrics() -> None:
    before = alerts.CONSUMER_RESTARTS.value("test-group")
    alerts.CONSUMER_RESTARTS.inc("test-group")
    text = generate_latest(ServiceMetrics().registry).decode()
    assert f'sagaline_consumer_restarts_total{{topic="test-group"}} {before + 1}.0' in text
    assert "# TYPE sagaline_compensation_failing_total counter" in text
