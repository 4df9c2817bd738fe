from __future__ import annotations

import uuid
from decimal import Decimal

import pydantic
import pytest

from sagaline.core.messaging.envelope import Envelope
from sagaline.core.messaging.retry import PermanentError
from sagaline.seed_saga import topics
from sagaline.seed_saga.payment.fakes import FakePaymentUnitOfWork
from sagaline.seed_saga.payment.handlers import (
    PaymentRules,
    cancel_for_order,
    charge_for_order,
    decline_order,
    refund_after_failure,
)
from sagaline.seed_saga.saga import SAGA

O1 = uuid.UUID("00000000-0000-4000-8000-000000000001")

pytestmark = pytest.mark.unit
RULES = PaymentRules(starting_credit=Decimal(1000))


def order_created(order_id: uuid.UUID | str = O1, amount: int = 500,
                  user: str = "u1") -> Envelope:
    payload = {"orderId": str(order_id), "userId": user, "totalAmount": amount,
               "createdAt": "2026-01-01T00:00:00Z", "items": [{"sku": "A", "quantity": 2}]}
    return Envelope.first(topics.ORDER_CREATED, str(order_id), payload)


def test_charges_a_new_user_from_the_starting_credit() -> None:
    uow = FakePaymentUnitOfWork()
    event = order_created()
    with uow:
        charge_for_order(event, uow, RULES)
        uow.commit()
    assert uow.accounts.rows["u1"].balance == Decimal(500)
    assert uow.payments.rows[O1].status == "CHARGED"
    (charged,) = uow.committed
    assert charged.topic == topics.PAYMENT_CHARGED
    assert charged.payload == {"orderId": str(O1), "amount": Decimal(500), "userId": "u1",
                               "items": [{"sku": "A", "quantity": 2}]}
    assert charged.key == str(O1) and charged.causation_id == str(event.event_id)
    assert charged.correlation_id == str(O1)


def test_fails_when_the_balance_does_not_cover_the_amount() -> None:
    uow = FakePaymentUnitOfWork()
    with uow:
        charge_for_order(order_created(amount=1500), uow, RULES)
        uow.commit()
    assert uow.accounts.rows["u1"].balance == Decimal(1000)
    assert uow.payments.rows[O1].status == "FAILED"
    (failed,) = uow.committed
    assert failed.topic == topics.PAYMENT_FAILED
    assert failed.payload["reason"] == "INSUFFICIENT_FUNDS"


def test_a_second_announcement_of_the_same_order_charges_nothing() -> None:
    uow = FakePaymentUnitOfWork()
    with uow:
        charge_for_order(order_created(), uow, RULES)
        charge_for_order(order_created(), uow, RULES)  # other event id, same order
        uow.commit()
    assert uow.accounts.rows["u1"].balance == Decimal(500)
    assert len(uow.committed) == 1


def test_declining_fails_the_payment_with_the_reason_and_debits_nothing() -> None:
    uow = FakePaymentUnitOfWork()
    with uow:
        decline_order(order_created(), uow, "SOME_REASON")
        decline_order(order_created(), uow, "SOME_REASON")  # decided already: nothing more
        charge_for_order(order_created(), uow, RULES)  # nor does a later charge
        uow.commit()
    assert "u1" not in uow.accounts.rows
    payment = uow.payments.rows[O1]
    assert (payment.status, payment.reason) == ("FAILED", "SOME_REASON")
    (failed,) = uow.committed
    assert failed.topic == topics.PAYMENT_FAILED
    assert failed.payload == {"orderId": str(O1), "amount": Decimal(500), "reason": "SOME_REASON"}


def test_a_decided_payment_is_not_declined_afterwards() -> None:
    uow = FakePaymentUnitOfWork()
    with uow:
        charge_for_order(order_created(), uow, RULES)
        decline_order(order_created(), uow, "SOME_REASON")
        uow.commit()
    assert uow.payments.rows[O1].status == "CHARGED"
    assert [e.topic for e in uow.committed] == [topics.PAYMENT_CHARGED]


def test_refunds_a_charge_once_when_inventory_failed() -> None:
    uow = FakePaymentUnitOfWork()
    with uow:
        charge_for_order(order_created(), uow, RULES)
        charged = uow._events[0]
        failure = charged.follow(topics.INVENTORY_FAILED,
                                 {"orderId": str(O1), "reason": "OUT_OF_STOCK"})
        refund_after_failure(failure, uow)
        refund_after_failure(failure, uow)
        uow.commit()
    assert uow.accounts.rows["u1"].balance == Decimal(1000)
    assert uow.payments.rows[O1].status == "REFUNDED"
    refunds = [e for e in uow.committed if e.topic == topics.PAYMENT_REFUNDED]
    assert [e.payload for e in refunds] == [
        {"orderId": str(O1), "amount": Decimal(500), "reason": "OUT_OF_STOCK"}]


def test_nothing_to_refund_for_a_failed_or_unknown_payment() -> None:
    uow = FakePaymentUnitOfWork()
    with uow:
        charge_for_order(order_created(amount=5000), uow, RULES)
        refund_after_failure(inventory_failed(O1), uow)
        refund_after_failure(inventory_failed(uuid.uuid4()), uow)
        uow.commit()
    assert [e.topic for e in uow.committed] == [topics.PAYMENT_FAILED]


def test_a_value_that_breaks_the_schema_is_rejected() -> None:
    bad = Envelope.first(topics.ORDER_CREATED, "o", {"orderId": str(O1), "totalAmount": -5})
    with pytest.raises(pydantic.ValidationError), FakePaymentUnitOfWork() as uow:
        charge_for_order(bad, uow, RULES)


def test_the_topology_hands_the_rules_to_the_charge() -> None:
    handlers = SAGA.service("payment").bind(rules=PaymentRules(starting_credit=Decimal(300)))
    assert set(handlers) == {topics.ORDER_CREATED, topics.INVENTORY_FAILED,
                             topics.ORDER_CANCELLED}
    uow = FakePaymentUnitOfWork()
    with uow:
        handlers[topics.ORDER_CREATED](order_created(amount=500), uow)
        uow.commit()
    assert uow.payments.rows[O1].reason == "INSUFFICIENT_FUNDS"  # 300 of credit, not 1000


def cancelled(order_id: uuid.UUID | str = O1, amount: int = 500,
              user: str = "u1") -> Envelope:
    return Envelope.first(topics.ORDER_CANCELLED, str(order_id),
                          {"orderId": str(order_id), "userId": user, "amount": amount,
                           "reason": "TIMEOUT"})


def test_a_cancelled_order_is_refunded_once() -> None:
    uow = FakePaymentUnitOfWork()
    with uow:
        charge_for_order(order_created(), uow, RULES)
        cancel_for_order(cancelled(), uow)
        cancel_for_order(cancelled(), uow)
        refund_after_failure(inventory_failed(O1), uow)  # a late failure too
        uow.commit()
    assert uow.accounts.rows["u1"].balance == Decimal(1000)
    refunds = [e for e in uow.committed if e.topic == topics.PAYMENT_REFUNDED]
    assert [e.payload["reason"] for e in refunds] == ["TIMEOUT"]


def test_a_cancellation_before_the_charge_voids_it() -> None:
    uow = FakePaymentUnitOfWork()
    with uow:
        cancel_for_order(cancelled(), uow)
        charge_for_order(order_created(), uow, RULES)  # arrives late: must not charge
        uow.commit()
    assert uow.payments.rows[O1].status == "VOIDED"
    assert "u1" not in uow.accounts.rows and uow.committed == []


def inventory_failed(order_id: uuid.UUID | str) -> Envelope:
    return Envelope.first(topics.INVENTORY_FAILED, str(order_id), {"orderId": str(order_id)})


@pytest.mark.parametrize("event", [order_created("o-1"), cancelled("o-1"),
                                   inventory_failed("o-1")],
                         ids=["order.created", "order.cancelled", "inventory.failed"])
def test_an_order_id_that_is_no_uuid_is_given_up_before_any_effect(event: Envelope) -> None:
    uow = FakePaymentUnitOfWork()
    with pytest.raises(PermanentError, match="not a UUID"), uow:
        SAGA.service("payment").bind(rules=RULES)[event.topic](event, uow)
        uow.commit()
    assert uow.accounts.rows == {} and uow.payments.rows == {}
    assert uow.committed == [] and uow.commits == 0
