"""(b) Messages as the seed's services send them (KafkaJS producer: no key, no headers, the
seed's JSON) move our services as the contract says. Our own services that would decide the
same step are frozen meanwhile, so what moves an order is the seed's message; thawed, they
decide it too, consistently, and change nothing final."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from sagaline.seed_saga import topics
from tests.compat.freezer import Freezer
from tests.compat.kafkajs import SeedProducer
from tests.integration.saga.conftest import Saga, new_user, wait_for


def test_seed_payment_outcomes_and_reservation_move_our_orders(
        seed_saga: Saga, seed_producer: SeedProducer, freezer: Freezer) -> None:
    freezer.freeze("payment", "inventory")
    paid = seed_saga.place(new_user(), 4)
    refused = seed_saga.place(new_user(), 1_000_000)  # our payment refuses it too, later
    seed_producer.send(topics.PAYMENT_CHARGED, {"orderId": paid, "amount": 4})
    _wait_status(seed_saga, paid, "PAID")
    seed_producer.send(topics.INVENTORY_RESERVED, {"orderId": paid})
    _wait_status(seed_saga, paid, "CONFIRMED")
    seed_producer.send(topics.PAYMENT_FAILED, {"orderId": refused, "amount": 1_000_000})
    assert _wait_status(seed_saga, refused, "CANCELLED")["reason"] == "PAYMENT_FAILED"

    freezer.thaw()
    assert _wait_row(seed_saga, f"/payments/{paid}")["status"] == "CHARGED"
    assert _wait_row(seed_saga, f"/payments/{refused}")["status"] == "FAILED"
    assert _wait_row(seed_saga, f"/reservations/{paid}")["status"] == "RESERVED"
    assert _order(seed_saga, paid)["status"] == "CONFIRMED"
    assert _order(seed_saga, refused)["status"] == "CANCELLED"


def test_a_seed_inventory_failure_is_compensated_with_a_refund(
        seed_saga: Saga, seed_producer: SeedProducer, freezer: Freezer) -> None:
    user = new_user()
    freezer.freeze("inventory")
    order_id = seed_saga.place(user, 6, [(f"SKU-{uuid.uuid4().hex}", 1)])  # fails here too
    _wait_status(seed_saga, order_id, "PAID")
    freezer.freeze("payment")
    seed_producer.send(topics.INVENTORY_FAILED, {"orderId": order_id})
    _wait_status(seed_saga, order_id, "COMPENSATING")
    freezer.thaw("payment")
    assert _wait_status(seed_saga, order_id, "CANCELLED")["reason"] == "OUT_OF_STOCK"
    assert _wait_row(seed_saga, f"/payments/{order_id}")["status"] == "REFUNDED"
    balance = seed_saga.balance(user)

    freezer.thaw("inventory")  # decides FAILED itself; payment must not refund twice
    assert _wait_row(seed_saga, f"/reservations/{order_id}")["status"] == "FAILED"
    assert seed_saga.final(order_id)["status"] == "CANCELLED"
    assert seed_saga.balance(user) == balance


def test_a_seed_order_created_is_charged_and_reserved(seed_saga: Saga,
                                                      seed_producer: SeedProducer) -> None:
    order_id, user = str(uuid.uuid4()), new_user()
    created_at = datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    seed_producer.send(topics.ORDER_CREATED, {"orderId": order_id, "userId": user,
                                              "totalAmount": 500, "createdAt": created_at})
    payment = _wait_row(seed_saga, f"/payments/{order_id}")
    assert (payment["status"], payment["amount"]) == ("CHARGED", 500)
    assert _wait_row(seed_saga, f"/reservations/{order_id}")["status"] == "RESERVED"


def _order(saga: Saga, order_id: str) -> dict[str, Any]:
    response = saga.order.get(f"/orders/{order_id}")
    assert response.status_code == 200, response.text
    return dict(response.json())


def _wait_status(saga: Saga, order_id: str, status: str) -> dict[str, Any]:
    found = wait_for(lambda: (o := _order(saga, order_id))["status"] == status and o, 20,
                     f"order {order_id} {status}")
    return dict(found)


def _wait_row(saga: Saga, path: str) -> dict[str, Any]:
    """GET `path` on payment (/payments/...) or inventory (/reservations/...) until it is
    there."""
    http = saga.payment if path.startswith("/payments") else saga.inventory
    found = wait_for(lambda: (r := http.get(path)).status_code == 200 and r.json(), 20,
                     f"{path} to exist")
    return dict(found)
