"""Compensations are retried until they succeed; they are never dead-lettered for failing.

Driven through payment's composition root with fakes, so what is tested is what the service
wires: the topology marks the compensating topics and the consumer's retry policy honours it.
"""

from __future__ import annotations

import re
import uuid
from decimal import Decimal

import psycopg
import pytest

from sagaline.core.messaging.consumer import ConsumerLoop
from sagaline.core.messaging.deadletter import TopicDeadLetters
from sagaline.core.messaging.envelope import Envelope, MalformedMessage
from sagaline.core.messaging.messages import IncomingMessage
from sagaline.core.messaging.processor import EventProcessor
from sagaline.core.messaging.retry import Decision, RetryPolicy
from sagaline.core.observability import alerts
from sagaline.core.saga import Service
from sagaline.seed_saga import topics
from sagaline.seed_saga.payment.fakes import FakePayments, FakePaymentUnitOfWork
from sagaline.seed_saga.payment.handlers import PaymentRules, charge_for_order, refund_after_failure
from sagaline.seed_saga.payment.repository import Payment
from sagaline.seed_saga.payment.settings import PaymentSettings
from sagaline.seed_saga.saga import SAGA
from sagaline.settings import ServiceSettings
from sagaline.testing.messaging import InMemoryPublisher, InMemorySource
from tests.composition import payment as bootstrap
from tests.service_settings import settings_for
from tests.unit.test_consumer_restart import Clock

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


def test_the_topology_declares_the_compensations() -> None:
    assert SAGA.service("payment").compensations == {topics.INVENTORY_FAILED,
                                                     topics.ORDER_CANCELLED}
    assert SAGA.service("inventory").compensations == {topics.ORDER_CANCELLED}
    assert SAGA.service("order").compensations == frozenset()


def test_a_compensation_the_service_does_not_consume_is_an_error() -> None:
    with pytest.raises(ValueError, match=re.escape("compensations it does not consume: ['t.b']")):
        Service("s", "tests", "g", {"t.a": lambda e, u: None}, (), settings=ServiceSettings,
                parts=lambda *_: None, compensations=frozenset({"t.b"}))


def test_only_an_unreadable_compensation_is_dead_lettered() -> None:
    policy = RetryPolicy(max_attempts=3)
    assert policy.decide(RuntimeError("bug"), 3, compensation=True) is Decision.KEEP_TRYING
    assert policy.decide(RuntimeError("bug"), 2, compensation=True) is Decision.RETRY
    assert policy.decide(RuntimeError("bug"), 3) is Decision.DEAD_LETTER
    assert policy.decide(MalformedMessage("x"), 1, compensation=True) is Decision.DEAD_LETTER
    assert policy.decide(psycopg.OperationalError("down"), 1, compensation=True) \
        is Decision.BACK_OFF


def test_a_failing_compensation_raises_an_alert_and_backs_off_within_bounds(
        caplog: pytest.LogCaptureFixture) -> None:
    uow, payments = charged_uow()
    failed = Envelope.first(topics.INVENTORY_FAILED, str(O1), {
        "orderId": str(O1), "reason": "OUT_OF_STOCK"})
    source, clock = InMemorySource([incoming(failed, 0)]), Clock()
    processor = EventProcessor("g", {topics.INVENTORY_FAILED: refund_after_failure},
                               lambda: uow)
    loop = ConsumerLoop(source, processor, TopicDeadLetters(InMemoryPublisher(), "dlq.x"),
                        RetryPolicy(max_attempts=2, base_delay_s=1, max_delay_s=4),
                        sleep=lambda _s: None, clock=clock,
                        compensations={topics.INVENTORY_FAILED})
    before = alerts.COMPENSATION_FAILING.value(topics.INVENTORY_FAILED)
    payments.failures = 3 * 5  # a batch and two attempts alone: five rounds
    for round_ in range(1, 6):
        loop.step()  # a round fails: its partition waits
        loop.step()  # not tried again before its back-off is over
        assert payments.failures == 15 - 3 * round_
        clock.now += 4.0  # the back-off's bound
    loop.step()
    assert alerts.COMPENSATION_FAILING.value(topics.INVENTORY_FAILED) == before + 5
    assert sum("ALERT compensation inventory.failed[0]@0" in r.message
               for r in caplog.records if r.levelname == "ERROR") == 5
    assert uow.payments.rows[O1].status == "REFUNDED" and len(source.acked) == 1


def test_how_long_a_compensation_may_fail_before_it_is_parked_is_a_setting() -> None:
    settings = settings_for(PaymentSettings, compensation_park_after_s=12)
    service = bootstrap(settings, unit_of_work=FakePaymentUnitOfWork,
                        publisher=InMemoryPublisher(), source=InMemorySource())
    assert service.consumer is not None and service.consumer.park_after_s == 12
    assert PaymentSettings.model_fields["compensation_park_after_s"].default == 300
