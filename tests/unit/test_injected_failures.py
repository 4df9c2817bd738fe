"""Injected failures are middleware around a handler: with a seeded random source, exactly the
events it strikes are refused (INJECTED_FAILURE, nothing debited or taken), the others are
handled as usual; an injected inventory failure is then refunded."""

from __future__ import annotations

import random
import uuid
from decimal import Decimal

import pytest

from sagaline.core.messaging.envelope import Envelope
from sagaline.core.messaging.messages import IncomingMessage
from sagaline.core.middleware.injected_failures import INJECTED_FAILURE, RandomFailure
from sagaline.core.runtime.service import Service
from sagaline.seed_saga import topics
from sagaline.seed_saga.inventory.fakes import FakeInventoryUnitOfWork
from sagaline.seed_saga.inventory.handlers import refuse_reservation
from sagaline.seed_saga.inventory.settings import InventorySettings
from sagaline.seed_saga.order.fakes import FakeOrderUnitOfWork
from sagaline.seed_saga.order.handlers import PlaceOrder, place_order
from sagaline.seed_saga.payment.fakes import FakePaymentUnitOfWork
from sagaline.seed_saga.payment.handlers import PaymentRules, decline_order
from sagaline.seed_saga.payment.settings import PaymentSettings
from sagaline.seed_saga.saga import SAGA
from sagaline.testing.messaging import InMemoryPublisher, InMemorySource
from tests.composition import inventory as inventory_bootstrap
from tests.composition import payment as payment_bootstrap
from tests.service_settings import settings_for

pytestmark = pytest.mark.unit


def oid(n: int) -> uuid.UUID:
    """The order id of the n-th test order."""
    return uuid.UUID(int=n)
SEED, RATE, N = 7, 0.25, 200


def struck(seed: int, rate: float, n: int) -> list[bool]:
    """What the seeded random says for each of n events, drawn as the middleware draws."""
    chance = random.Random(seed)
    return [chance.random() < rate for _ in range(n)]


def order_created(n: int) -> Envelope:
    return Envelope.first(topics.ORDER_CREATED, str(oid(n)), {
        "orderId": str(oid(n)), "userId": f"u-{n}", "totalAmount": 10,
        "createdAt": "2026-01-01T00:00:00Z", "items": [{"sku": "A", "quantity": 1}]})


def test_a_rate_outside_0_to_1_is_refused() -> None:
    with pytest.raises(ValueError, match="probability"):
        RandomFailure(1.5)


def test_at_rate_0_the_handler_is_left_as_it_is() -> None:
    charge = SAGA.service("payment").bind(rules=PaymentRules())[topics.ORDER_CREATED]
    assert RandomFailure(0.0).around(charge, refuse=decline_order) is charge


def test_injected_payment_failures_decline_exactly_the_struck_orders() -> None:
    handlers = SAGA.service("payment").bind(rules=PaymentRules(Decimal(100)))
    charge = RandomFailure(RATE, random.Random(SEED)).around(
        handlers[topics.ORDER_CREATED], refuse=decline_order)
    uow = FakePaymentUnitOfWork()
    with uow:
        for n in range(N):
            charge(order_created(n), uow)
        uow.commit()
    expected = struck(SEED, RATE, N)
    assert 20 < sum(expected) < 80  # the seed does strike, and not always
    for n, hit in enumerate(expected):
        payment = uow.payments.rows[oid(n)]
        assert (payment.status, payment.reason) == (("FAILED", INJECTED_FAILURE) if hit
                                                    else ("CHARGED", None))
        assert (f"u-{n}" not in uow.accounts.rows) == hit  # a declined order debits nothing
    failed = [e for e in uow.committed if e.topic == topics.PAYMENT_FAILED]
    assert {e.payload["reason"] for e in failed} == {INJECTED_FAILURE}
    assert len(failed) == sum(expected)


def test_an_injected_inventory_failure_takes_nothing_and_is_refunded() -> None:
    pay, stock = FakePaymentUnitOfWork(), FakeInventoryUnitOfWork({"A": N})
    payment = SAGA.service("payment").bind(rules=PaymentRules(Decimal(100)))
    inventory = SAGA.service("inventory").bind()
    reserve = RandomFailure(RATE, random.Random(SEED)).around(
        inventory[topics.PAYMENT_CHARGED], refuse=refuse_reservation)
    with pay, stock:
        for n in range(N):
            payment[topics.ORDER_CREATED](order_created(n), pay)
        for charged in list(pay._events):
            reserve(charged, stock)
        for outcome in stock._events:
            if outcome.topic == topics.INVENTORY_FAILED:
                payment[topics.INVENTORY_FAILED](outcome, pay)
        pay.commit()
        stock.commit()
    expected = struck(SEED, RATE, N)
    reserved = N - sum(expected)
    assert stock.stock.rows["A"].on_hand == N - reserved  # a refused order takes nothing
    for n, hit in enumerate(expected):
        held = stock.reservations.rows[oid(n)]
        assert (held.status, held.reason) == (("FAILED", INJECTED_FAILURE) if hit
                                              else ("RESERVED", None))
        assert pay.payments.rows[oid(n)].status == ("REFUNDED" if hit else "CHARGED")
        assert pay.accounts.rows[f"u-{n}"].balance == Decimal(100 if hit else 90)
    refunds = [e for e in pay.committed if e.topic == topics.PAYMENT_REFUNDED]
    assert len(refunds) == sum(expected)
    assert {e.payload["reason"] for e in refunds} == {INJECTED_FAILURE}


def test_the_order_keeps_the_injected_reason() -> None:
    handlers = SAGA.service("order").bind(statuses=SAGA.statuses)
    uow = FakeOrderUnitOfWork(SAGA.statuses)
    with uow:
        order_id = place_order(PlaceOrder("u1", Decimal(500)), uow).order_id
        for topic in (topics.PAYMENT_CHARGED, topics.INVENTORY_FAILED, topics.PAYMENT_REFUNDED):
            handlers[topic](Envelope.first(topic, str(order_id), {
                "orderId": str(order_id), "amount": 500, "reason": INJECTED_FAILURE}), uow)
        uow.commit()
    order = uow.orders.rows[order_id]
    assert (order.status, order.reason) == ("CANCELLED", INJECTED_FAILURE)


def deliver(service: Service, source: InMemorySource, event: Envelope) -> None:
    source.add(IncomingMessage(event.topic, 0, 0, event.key.encode(), event.value(),
                               {k: v.encode() for k, v in event.headers().items()}))
    assert service.consumer is not None and service.consumer.step() == 1


def test_the_payment_bootstrap_wraps_the_charge_at_its_rate() -> None:
    uow, source = FakePaymentUnitOfWork(), InMemorySource()
    service = payment_bootstrap(settings_for(PaymentSettings, payment_failure_rate=1.0),
                                unit_of_work=lambda: uow, publisher=InMemoryPublisher(),
                                source=source)
    deliver(service, source, order_created(1))
    assert uow.payments.rows[oid(1)].reason == INJECTED_FAILURE


def test_the_inventory_bootstrap_wraps_the_reservation_at_its_rate() -> None:
    uow, source = FakeInventoryUnitOfWork({"A": 5}), InMemorySource()
    service = inventory_bootstrap(settings_for(InventorySettings, inventory_failure_rate=1.0),
                                  unit_of_work=lambda: uow, publisher=InMemoryPublisher(),
                                  source=source)
    deliver(service, source, order_created(1).follow(topics.PAYMENT_CHARGED, {
        "orderId": str(oid(1)), "amount": 10, "items": [{"sku": "A", "quantity": 1}]}))
    assert uow.reservations.rows[oid(1)].reason == INJECTED_FAILURE
    assert uow.stock.rows["A"].on_hand == 5
