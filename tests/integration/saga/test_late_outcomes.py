"""A late inventory.reserved never moves a CANCELLED order, through the real SQL and broker."""

from __future__ import annotations

import uuid

import psycopg

from sagaline.core.messaging.envelope import Envelope
from sagaline.seed_saga import topics
from tests.integration.saga.conftest import Saga, new_user, wait_for

CREDIT = 10_000


def handled_by_order(saga: Saga, event_id: uuid.UUID) -> bool:
    with psycopg.connect(saga.stack.settings.dsn("order")) as conn:
        row = conn.execute("SELECT count(*) FROM inbox WHERE consumer = %s AND event_id = %s",
                           ("order-service-group", event_id)).fetchone()
    return row == (1,)


def test_a_late_inventory_reserved_never_moves_a_cancelled_order(saga: Saga) -> None:
    order_id = saga.place(new_user(), CREDIT + 1)  # more than the credit: payment fails
    order = saga.final(order_id)
    assert (order["status"], order["reason"]) == ("CANCELLED", "INSUFFICIENT_FUNDS")
    late = Envelope.first(topics.INVENTORY_RESERVED, order_id, {"orderId": order_id})
    saga.produce(topics.INVENTORY_RESERVED, late.value(), order_id.encode(), late.headers())
    wait_for(lambda: handled_by_order(saga, late.event_id), 15, "the late event handled")
    again = saga.order.get(f"/orders/{order_id}").json()
    assert (again["status"], again["reason"]) == ("CANCELLED", "INSUFFICIENT_FUNDS")
    assert again["finishedAt"] == order["finishedAt"]
