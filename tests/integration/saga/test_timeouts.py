"""Saga deadline: an order not final in time is cancelled (TIMEOUT) and compensated, and the
outcomes that arrive after it are undone, never resurrecting the order or refunding twice."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest

from sagaline.core.kafka.reader import read_topic
from sagaline.devstack import Stack
from sagaline.seed_saga import topics
from tests.integration.saga.conftest import Saga, new_user, wait_for

CREDIT = 10_000


@pytest.fixture
def impatient_order_service(saga: Saga) -> Iterator[Stack]:
    """The order service restarted with a one-second deadline, restored afterwards."""
    stack = saga.stack
    impatient = stack.with_services(saga_timeout_s=1.0, deadline_scan_interval_s=0.2)
    stack.stop("order")
    impatient.start("order")
    yield impatient
    stack.stop("order")
    stack.start("order")
    saga.settle()


def test_a_late_saga_is_cancelled_and_every_step_undone(saga: Saga,
                                                        impatient_order_service: Stack) -> None:
    stack = saga.stack
    user, sku = new_user(), saga.new_sku(5)
    stack.stop("payment")  # the saga cannot progress: the deadline will pass
    try:
        order_id = saga.place(user, 80, [(sku, 2)])
        order = saga.final(order_id, timeout_s=15)
        assert (order["status"], order["reason"]) == ("CANCELLED", "TIMEOUT")
    finally:
        stack.start("payment")  # now order.created and order.cancelled both arrive
    payment = wait_for(lambda: _payment(saga, order_id), 20, "payment decided")
    assert payment["status"] in ("VOIDED", "REFUNDED")
    wait_for(lambda: saga.balance(user) in (None, CREDIT), 20, "money back")
    wait_for(lambda: saga.stock(sku) == 5, 20, "stock back")
    time.sleep(1.0)  # late outcomes have had their chance to move it: they must not
    again = saga.order.get(f"/orders/{order_id}").json()
    assert (again["status"], again["reason"]) == ("CANCELLED", "TIMEOUT")
    assert saga.balance(user) in (None, CREDIT)


def test_a_timely_saga_is_not_touched_by_the_deadline(saga: Saga,
                                                      impatient_order_service: Stack) -> None:
    order = saga.final(saga.place(new_user(), 5), timeout_s=10)
    assert order["status"] == "CONFIRMED"


def test_a_confirmed_order_past_its_deadline_keeps_its_charge_and_its_stock(
        saga: Saga, impatient_order_service: Stack) -> None:
    user, sku = new_user(), saga.new_sku(5)
    order_id = saga.place(user, 40, [(sku, 2)])
    assert saga.final(order_id, timeout_s=10)["status"] == "CONFIRMED"
    time.sleep(2.5)  # the one-second deadline long past, a dozen deadline scans
    again = saga.order.get(f"/orders/{order_id}").json()
    assert (again["status"], again["reason"]) == ("CONFIRMED", None)
    assert saga.payment.get(f"/payments/{order_id}").json()["status"] == "CHARGED"
    assert saga.balance(user) == CREDIT - 40
    assert saga.stock(sku) == 3
    cancelled = read_topic(saga.stack.settings.kafka_bootstrap_servers, topics.ORDER_CANCELLED)
    assert [m for m in cancelled if m.key == order_id.encode()] == []


def _payment(saga: Saga, order_id: str) -> dict[str, Any] | None:
    response = saga.payment.get(f"/payments/{order_id}")
    body = response.json() if response.status_code == 200 else None
    return body if body and body["status"] != "CHARGED" else None
