"""The saga end to end through the three real services, Kafka and Postgres."""

from __future__ import annotations

import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import orjson

from sagaline.seed_saga import topics
from tests.integration.saga.conftest import Saga, new_user, wait_for
from tests.integration.saga.redelivery import CHARGER, caught_up, payment_forgotten

CREDIT = 10_000  # Settings.starting_credit


def test_the_seed_readmes_curl_is_final_within_two_seconds(saga: Saga) -> None:
    started = time.monotonic()  # a user of its own: a shared one would drain run after run
    response = saga.order.post("/orders", json={"userId": new_user(), "totalAmount": 500})
    assert response.status_code == 201
    body = response.json()
    assert body["status"] == "PENDING" and uuid.UUID(body["orderId"])
    final = saga.final(body["orderId"], timeout_s=10)
    assert time.monotonic() - started < 2.0, "final, but later than 2 s"
    assert final["status"] == "CONFIRMED"


def test_happy_path_confirms_charges_and_reserves(saga: Saga) -> None:
    user, sku = new_user(), saga.new_sku(10)
    order_id = saga.place(user, 120.5, [(sku, 3)])
    order = saga.final(order_id)
    assert order["status"] == "CONFIRMED" and order["reason"] is None
    payment = saga.payment.get(f"/payments/{order_id}").json()
    assert payment["status"] == "CHARGED" and payment["amount"] == 120.5
    assert saga.balance(user) == CREDIT - 120.5
    reservation = saga.inventory.get(f"/reservations/{order_id}").json()
    assert reservation["status"] == "RESERVED"
    assert reservation["items"] == [{"sku": sku, "quantity": 3}]
    assert saga.stock(sku) == 7


def test_payment_failure_cancels_and_reserves_nothing(saga: Saga) -> None:
    user, sku = new_user(), saga.new_sku(10)
    order_id = saga.place(user, CREDIT + 1, [(sku, 1)])
    order = saga.final(order_id)
    assert (order["status"], order["reason"]) == ("CANCELLED", "INSUFFICIENT_FUNDS")
    payment = saga.payment.get(f"/payments/{order_id}").json()
    assert (payment["status"], payment["reason"]) == ("FAILED", "INSUFFICIENT_FUNDS")
    assert saga.balance(user) == CREDIT
    assert saga.inventory.get(f"/reservations/{order_id}").status_code == 404
    assert saga.stock(sku) == 10


def test_inventory_failure_refunds_the_payment(saga: Saga) -> None:
    user, sku = new_user(), saga.new_sku(1)
    order_id = saga.place(user, 300, [(sku, 2)])
    order = saga.final(order_id)
    assert (order["status"], order["reason"]) == ("CANCELLED", "OUT_OF_STOCK")
    payment = saga.payment.get(f"/payments/{order_id}").json()
    assert payment["status"] == "REFUNDED" and payment["refundedAt"]
    assert saga.balance(user) == CREDIT
    assert saga.inventory.get(f"/reservations/{order_id}").json()["status"] == "FAILED"
    assert saga.stock(sku) == 1


def test_an_unknown_sku_cancels_with_a_refund(saga: Saga) -> None:
    user = new_user()
    order = saga.final(saga.place(user, 10, [("NO-SUCH-SKU", 1)]))
    assert (order["status"], order["reason"]) == ("CANCELLED", "UNKNOWN_SKU")
    assert saga.balance(user) == CREDIT


def test_an_idempotency_key_used_ten_times_at_once_makes_one_order(saga: Saga) -> None:
    user, key = new_user(), f"key-{uuid.uuid4()}"
    body = {"userId": user, "totalAmount": 7}

    def post() -> tuple[int, bytes]:
        r = saga.order.post("/orders", json=body, headers={"Idempotency-Key": key})
        return r.status_code, r.content

    with ThreadPoolExecutor(10) as pool:
        answers = list(pool.map(lambda _: post(), range(10)))
    assert {code for code, _ in answers} == {201}
    assert len({content for _, content in answers}) == 1
    order_id = orjson.loads(answers[0][1])["orderId"]
    saga.final(order_id)
    assert saga.balance(user) == CREDIT - 7
    mine = [o for o in saga.order.get("/orders?limit=1000").json() if o["userId"] == user]
    assert len(mine) == 1


def test_a_key_reused_for_another_body_at_once_fails_alone(saga: Saga) -> None:
    """Concurrent orders share transactions (group commit): the requests that reuse a key for
    another body get 409, and neither they nor the batch they landed in hurt the others."""
    key, users = f"key-{uuid.uuid4()}", [new_user() for _ in range(6)]
    requests = [({"userId": users[0], "totalAmount": 7 + n % 2}, {"Idempotency-Key": key})
                for n in range(10)]
    requests += [({"userId": user, "totalAmount": 3}, {}) for user in users[1:]]

    def post(request: tuple[dict[str, Any], dict[str, str]]) -> tuple[int, Any]:
        r = saga.order.post("/orders", json=request[0], headers=request[1])
        return r.status_code, r.json()

    with ThreadPoolExecutor(15) as pool:
        answers = list(pool.map(post, requests))
    keyed, plain = answers[:10], answers[10:]
    winners = {body["orderId"] for code, body in keyed if code == 201}
    assert len(winners) == 1 and sum(code == 201 for code, _ in keyed) == 5
    assert {code for code, _ in keyed} == {201, 409}
    assert [code for code, _ in plain] == [201] * 5
    for _, body in plain:
        assert saga.final(body["orderId"])["status"] == "CONFIRMED"


def _order_created(order_id: str, user: str, amount: int) -> bytes:
    return orjson.dumps({"orderId": order_id, "userId": user, "totalAmount": amount,
                         "createdAt": "2026-01-01T00:00:00Z"})


def test_the_same_event_delivered_twice_has_one_effect(saga: Saga) -> None:
    """The second delivery carries the first's event id, but names another order of another
    user: the handler alone would charge it (it knows that order by nothing); the inbox,
    which knows events by id, skips it."""
    (first, user), (other, stranger) = [(str(uuid.uuid4()), new_user()) for _ in range(2)]
    headers = {"event-id": str(uuid.uuid4()), "correlation-id": first}
    saga.produce(topics.ORDER_CREATED, _order_created(first, user, 40), first.encode(), headers)
    wait_for(lambda: saga.balance(user) == CREDIT - 40, 10, "account charged")
    saga.produce(topics.ORDER_CREATED, _order_created(other, stranger, 40), first.encode(),
                 headers)
    caught_up(saga.stack.settings, CHARGER.consumer_group, topics.ORDER_CREATED)
    assert saga.balance(user) == CREDIT - 40
    assert _payment(saga, other) is None and saga.balance(stranger) is None


def test_a_seed_style_message_without_key_or_headers_is_handled_once(saga: Saga) -> None:
    """Its event id is derived from its content, so the seed's poller republishing the row
    is the same event. The handler is made blind to it (its payment row forgotten): only the
    inbox stops a second charge."""
    order_id, user = str(uuid.uuid4()), new_user()
    value = _order_created(order_id, user, 25)
    saga.produce(topics.ORDER_CREATED, value)  # as the seed sends it: no key, no headers
    payment = wait_for(lambda: _payment(saga, order_id), 10, "payment")
    assert payment["status"] == "CHARGED"
    with payment_forgotten(saga.stack.settings, order_id):
        saga.produce(topics.ORDER_CREATED, value)  # the seed's poller republishing the row
        caught_up(saga.stack.settings, CHARGER.consumer_group, topics.ORDER_CREATED)
        assert _payment(saga, order_id) is None  # not charged again
    assert saga.balance(user) == CREDIT - 25


def _payment(saga: Saga, order_id: str) -> dict[str, Any] | None:
    response = saga.payment.get(f"/payments/{order_id}")
    return response.json() if response.status_code == 200 else None
