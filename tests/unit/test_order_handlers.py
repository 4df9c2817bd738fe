from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

import pytest

from sagaline.core.messaging.envelope import Envelope
from sagaline.core.messaging.retry import PermanentError
from sagaline.seed_saga import topics
from sagaline.seed_saga.events import Item
from sagaline.seed_saga.order.fakes import FakeOrderUnitOfWork
from sagaline.seed_saga.order.handlers import (
    IdempotencyConflict,
    PlaceOrder,
    cancel_overdue,
    place_order,
)
from sagaline.seed_saga.saga import SAGA

pytestmark = pytest.mark.unit
HANDLERS = SAGA.service("order").bind(statuses=SAGA.statuses)


def placed(uow: FakeOrderUnitOfWork, key: str | None = None, amount: int = 500) -> uuid.UUID:
    with uow:
        order = place_order(PlaceOrder("u1", Decimal(amount), (Item(sku="A", quantity=1),),
                                       key), uow)
        uow.commit()
    return order.order_id


Step = tuple[str, dict[str, Any]]  # (topic, fields besides orderId and amount)


def deliver(uow: FakeOrderUnitOfWork, order_id: uuid.UUID, *steps: Step) -> str:
    with uow:
        for topic, extra in steps:
            HANDLERS[topic](Envelope.first(topic, str(order_id),
                                           {"orderId": str(order_id), "amount": 500, **extra}),
                            uow)
        uow.commit()
    return uow.orders.rows[order_id].status


def test_placing_an_order_writes_it_pending_with_its_event() -> None:
    uow = FakeOrderUnitOfWork(SAGA.statuses)
    order_id = placed(uow)
    assert uow.orders.rows[order_id].status == "PENDING"
    (created,) = uow.committed
    assert created.topic == topics.ORDER_CREATED and created.key == str(order_id)
    assert created.payload["userId"] == "u1" and created.payload["totalAmount"] == 500
    assert created.payload["items"] == [{"sku": "A", "quantity": 1}]
    assert {"orderId", "userId", "totalAmount", "createdAt"} <= set(created.payload)


def test_an_idempotency_key_returns_the_first_order() -> None:
    uow = FakeOrderUnitOfWork(SAGA.statuses)
    assert placed(uow, key="k1") == placed(uow, key="k1")
    assert len(uow.orders.rows) == 1 and len(uow.committed) == 1


def test_an_idempotency_key_reused_for_another_request_is_refused() -> None:
    uow = FakeOrderUnitOfWork(SAGA.statuses)
    placed(uow, key="k1")
    with pytest.raises(IdempotencyConflict):
        placed(uow, key="k1", amount=7)


@pytest.mark.parametrize(("steps", "status", "reason"), [
    ([(topics.PAYMENT_CHARGED, {}), (topics.INVENTORY_RESERVED, {})], "CONFIRMED", None),
    ([(topics.INVENTORY_RESERVED, {}), (topics.PAYMENT_CHARGED, {})], "CONFIRMED", None),
    ([(topics.PAYMENT_FAILED, {})], "CANCELLED", "PAYMENT_FAILED"),  # a seed event: no reason
    ([(topics.PAYMENT_FAILED, {"reason": "INSUFFICIENT_FUNDS"})], "CANCELLED",
     "INSUFFICIENT_FUNDS"),
    ([(topics.PAYMENT_FAILED, {"reason": "INJECTED_FAILURE"})], "CANCELLED", "INJECTED_FAILURE"),
    ([(topics.PAYMENT_CHARGED, {}), (topics.INVENTORY_FAILED, {"reason": "OUT_OF_STOCK"})],
     "COMPENSATING", "OUT_OF_STOCK"),
    ([(topics.INVENTORY_FAILED, {"reason": "OUT_OF_STOCK"}),
      (topics.PAYMENT_REFUNDED, {"reason": "OUT_OF_STOCK"})], "CANCELLED", "OUT_OF_STOCK"),
    ([(topics.PAYMENT_REFUNDED, {"reason": "UNKNOWN_SKU"}),
      (topics.INVENTORY_FAILED, {"reason": "UNKNOWN_SKU"}), (topics.PAYMENT_CHARGED, {})],
     "CANCELLED", "UNKNOWN_SKU"),
])
def test_outcomes_move_the_order(steps: list[Step], status: str, reason: str | None) -> None:
    uow = FakeOrderUnitOfWork(SAGA.statuses)
    order_id = placed(uow)
    assert deliver(uow, order_id, *steps) == status
    assert uow.orders.rows[order_id].reason == reason


@pytest.mark.parametrize("late", [topics.PAYMENT_FAILED, topics.INVENTORY_FAILED,
                                  topics.PAYMENT_REFUNDED, topics.PAYMENT_CHARGED])
def test_a_late_event_never_moves_a_final_order(late: str) -> None:
    uow = FakeOrderUnitOfWork(SAGA.statuses)
    order_id = placed(uow)
    deliver(uow, order_id, (topics.PAYMENT_CHARGED, {}), (topics.INVENTORY_RESERVED, {}))
    assert deliver(uow, order_id, (late, {})) == "CONFIRMED"


def test_an_order_id_that_is_no_uuid_is_a_permanent_error() -> None:
    uow = FakeOrderUnitOfWork(SAGA.statuses)
    with pytest.raises(PermanentError), uow:
        HANDLERS[topics.PAYMENT_FAILED](
            Envelope.first(topics.PAYMENT_FAILED, "x", {"orderId": "x", "amount": 1}), uow)


def test_overdue_orders_are_cancelled_once_and_announced() -> None:
    uow = FakeOrderUnitOfWork(SAGA.statuses)
    late, done = placed(uow), placed(uow)
    deliver(uow, done, (topics.PAYMENT_CHARGED, {}), (topics.INVENTORY_RESERVED, {}))
    uow.committed.clear()
    with uow:
        assert cancel_overdue(uow, 30, SAGA.statuses) == 0  # nothing is old enough yet
    uow.clock.advance(31)
    with uow:
        assert cancel_overdue(uow, 30, SAGA.statuses) == 1
    with uow:
        assert cancel_overdue(uow, 30, SAGA.statuses) == 0
    assert (uow.orders.rows[late].status, uow.orders.rows[late].reason) == ("CANCELLED",
                                                                            "TIMEOUT")
    (announced,) = uow.committed
    assert announced.topic == topics.ORDER_CANCELLED
    assert announced.payload == {"orderId": str(late), "userId": "u1", "amount": Decimal(500),
                                 "reason": "TIMEOUT"}
    assert deliver(uow, late, (topics.INVENTORY_RESERVED, {})) == "CANCELLED"
