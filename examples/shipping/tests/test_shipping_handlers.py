"""Shipping's handlers on its fake unit of work: schedule within the day's capacity, refuse
past it, cancel or void on the order's cancellation, and decide each order once."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest

from sagaline.core.messaging.envelope import Envelope
from sagaline.seed_saga import topics
from shipping.fakes import FakeShippingUnitOfWork
from shipping.handlers import Carrier, cancel_for_order, schedule_for_reserved_order

pytestmark = pytest.mark.unit


def reserved(order_id: uuid.UUID) -> Envelope:
    return Envelope.first(topics.INVENTORY_RESERVED, str(order_id), {"orderId": str(order_id)})


def cancelled(order_id: uuid.UUID) -> Envelope:
    return Envelope.first(topics.ORDER_CANCELLED, str(order_id), {
        "orderId": str(order_id), "userId": "u", "amount": 5, "reason": "TIMEOUT"})


def handle(uow: FakeShippingUnitOfWork, event: Envelope, capacity: int = 10) -> None:
    with uow:
        if event.topic == topics.INVENTORY_RESERVED:
            schedule_for_reserved_order(event, uow, Carrier(capacity))
        else:
            cancel_for_order(event, uow)
        uow.commit()


def test_a_reserved_order_is_scheduled_once() -> None:
    uow, order = FakeShippingUnitOfWork(), uuid.uuid4()
    handle(uow, reserved(order))
    handle(uow, reserved(order))  # announced twice: one parcel
    shipment = uow.shipments.rows[order]
    assert shipment.status == "SCHEDULED"
    assert [e.topic for e in uow.committed] == ["shipping.scheduled"]
    assert sum(uow.capacity.booked.values()) == 1


def test_past_the_days_capacity_shipping_fails_with_its_reason() -> None:
    uow = FakeShippingUnitOfWork()
    first, second = uuid.uuid4(), uuid.uuid4()
    handle(uow, reserved(first), capacity=1)
    handle(uow, reserved(second), capacity=1)
    assert uow.shipments.rows[second].status == "FAILED"
    failed = uow.committed[-1]
    assert failed.topic == "shipping.failed"
    assert failed.payload == {"orderId": str(second), "reason": "NO_CAPACITY"}


def test_a_cancelled_order_gives_its_place_back() -> None:
    uow, order = FakeShippingUnitOfWork(), uuid.uuid4()
    handle(uow, reserved(order))
    handle(uow, cancelled(order))
    assert uow.shipments.rows[order].status == "CANCELLED"
    assert uow.capacity.booked[dt.datetime.now(dt.UTC).date()] == 0


def test_a_cancellation_first_voids_the_later_reservation() -> None:
    uow, order = FakeShippingUnitOfWork(), uuid.uuid4()
    handle(uow, cancelled(order))
    handle(uow, reserved(order))  # arrives after the deadline cancelled the order
    assert uow.shipments.rows[order].status == "VOIDED"
    assert uow.committed == []
