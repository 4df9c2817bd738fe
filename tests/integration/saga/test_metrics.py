"""GET /metrics of the real services while sagas run: what a Prometheus would scrape."""

from __future__ import annotations

import httpx
from prometheus_client.parser import text_string_to_metric_families

from sagaline.seed_saga import topics
from sagaline.seed_saga.saga import SAGA
from tests.integration.saga.conftest import Saga, new_user, wait_for

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


def scrape(client: httpx.Client) -> Samples:
    response = client.get("/metrics")
    assert response.status_code == 200
    return {(s.name, frozenset(s.labels.items())): s.value
            for family in text_string_to_metric_families(response.text)
            for s in family.samples}


def get(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


def test_a_saga_is_counted_by_each_service(saga: Saga) -> None:
    before = {name: scrape(client) for name, client in
              (("order", saga.order), ("payment", saga.payment), ("inventory", saga.inventory))}
    confirmed = saga.place(new_user(), 10, [(saga.new_sku(5), 1)])
    refused = saga.place(new_user(), 10, [(saga.new_sku(1), 2)])  # out of stock: refunded
    assert saga.final(confirmed)["status"] == "CONFIRMED"
    cancelled = saga.final(refused)
    assert cancelled["status"] == "CANCELLED"

    order = scrape(saga.order)
    finished = "sagaline_sagas_finished_total"
    assert get(order, finished, status="CONFIRMED", reason="") > get(
        before["order"], finished, status="CONFIRMED", reason="")
    reason = cancelled["reason"]
    assert get(order, finished, status="CANCELLED", reason=reason) > get(
        before["order"], finished, status="CANCELLED", reason=reason)
    durations = "sagaline_saga_duration_seconds_count"
    assert get(order, durations, status="CONFIRMED") > get(before["order"], durations,
                                                           status="CONFIRMED")
    assert ("sagaline_sagas_in_flight", frozenset()) in order
    posts = "sagaline_http_requests_total"
    assert get(order, posts, method="POST", route="/orders", status="201") >= get(
        before["order"], posts, method="POST", route="/orders", status="201") + 2
    assert get(order, "sagaline_relay_published_total", topic=topics.ORDER_CREATED) >= get(
        before["order"], "sagaline_relay_published_total", topic=topics.ORDER_CREATED) + 2

    for name, client in (("payment", saga.payment), ("inventory", saga.inventory)):
        now = scrape(client)
        handled = "sagaline_consumer_messages_total"
        assert get(now, handled, outcome="handled") >= get(
            before[name], handled, outcome="handled") + 2, name
        assert ("sagaline_outbox_pending_rows", frozenset()) in now, name
    payment = scrape(saga.payment)
    assert get(payment, "sagaline_relay_published_total", topic=topics.PAYMENT_REFUNDED) > get(
        before["payment"], "sagaline_relay_published_total", topic=topics.PAYMENT_REFUNDED)


def test_a_poison_message_counts_as_a_dead_letter_and_lag_is_reported(saga: Saga) -> None:
    def dead_letters() -> float:
        return get(scrape(saga.payment), "sagaline_dead_letters_total",
                   topic=topics.ORDER_CREATED)

    before = dead_letters()
    saga.produce(topics.ORDER_CREATED, b"not json", key=b"poison")
    wait_for(lambda: dead_letters() > before, 20, "the dead letter counted")
    # librdkafka's statistics come every 5 s; by then the group has committed offsets
    lag = wait_for(lambda: [labels for (name, labels), _ in scrape(saga.payment).items()
                            if name == "sagaline_consumer_lag_messages"], 15, "lag series")
    assert {dict(labels)["topic"] for labels in lag} <= set(SAGA.topics)
