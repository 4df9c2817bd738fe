"""Compensations are retried until they succeed; they are never dead-lettered for failing.

Driven through payment's composition root with fakes, so what is tested is what the service
wires: the topology marks the compensating topics and the consumer's retry policy honours it.
"""

from __future__ import annotations

import uuid
from decimal import Decimal

import pytest

from sagaline.core.envelope import Envelope
from sagaline.core.messages import IncomingMessage
from sagaline.core.retry import RetryPolicy
from sagaline.services import topics
from sagaline.services.payment.bootstrap import bootstrap
from sagaline.services.payment.handlers import PaymentRules, charge_for_order
from sagaline.services.payment.repository import Payment
from sagaline.settings import PaymentSettings
from tests.doubles import InMemoryPublisher, InMemorySource
from tests.fakes import FakePayments, FakePaymentUnitOfWork
from tests.service_settings import settings_for

pytestmark = pytest.mark.unit
O1 = uuid.UUID("00000000-0000-4000-8000-0000000000c1")


class FailingPayments(FakePayments):
    """`get` raises an unclassified error (a bug, say) the next `failures` times."""

    def __init__(self) -> None:
        super().__init__()
        self.failures = 0

    def get(self, order_id: uuid.UUID, for_update: bool = False) -> Payment | None:
        if self.failures:
            self.failures -= 1
            raise RuntimeError("a bug, since fixed")
        return super().get(order_id, for_update)


def incoming(event: Envelope, offset: int) -> IncomingMessage:
    return IncomingMessage(event.topic, 0, offset, event.key.encode(), event.value(),
                           {k: v.encode() for k, v in event.headers().items()})


def charged_uow() -> tuple[FakePaymentUnitOfWork, FailingPayments]:
    uow = FakePaymentUnitOfWork()
    uow.payments = payments = FailingPayments()
    created = Envelope.first(topics.ORDER_CREATED, str(O1), {
        "orderId": str(O1), "userId": "u1", "totalAmount": 30,
        "createdAt": "2026-01-01T00:00:00Z"})
    with uow:
        charge_for_order(created, uow, PaymentRules(Decimal(100)))
        uow.commit()
    return uow, payments


def test_a_cancelled_order_is_refunded_however_often_the_refund_fails_first() -> None:
    uow, payments = charged_uow()
    cancelled = Envelope.first(topics.ORDER_CANCELLED, str(O1), {
        "orderId": str(O1), "userId": "u1", "amount": 30, "reason": "TIMEOUT"})
    source, publisher = InMemorySource([incoming(cancelled, 0)]), InMemoryPublisher()
    service = bootstrap(settings_for(PaymentSettings), unit_of_work=lambda: uow,
                        publisher=publisher, source=source)
    assert service.consumer is not None
    service.consumer.retry = RetryPolicy(max_attempts=3, base_delay_s=0, max_delay_s=0)
    payments.failures = 10  # > a batch and three attempts alone, twice over
    for _ in range(5):
        service.consumer.step()
    assert publisher.on_topic("dlq.payment") == []
    assert uow.payments.rows[O1].status == "REFUNDED"
    assert [e.topic for e in uow.committed][-1] == topics.PAYMENT_REFUNDED
    assert [m.offset for m in source.acked] == [0]
