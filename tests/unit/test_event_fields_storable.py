"""Every text field of every event is validated where it is read: a value PostgreSQL cannot
store (a NUL character, over-long text) is refused as malformed, so its message is
dead-lettered at once instead of failing at the database for ever (issue 23, defect 1)."""

from __future__ import annotations

import types
import uuid
from typing import Any, Union, get_args, get_origin

import pydantic
import pytest

from sagaline.core.messaging.envelope import Envelope
from sagaline.core.messaging.messages import IncomingMessage
from sagaline.seed_saga import events, topics
from sagaline.seed_saga.payment.fakes import FakePaymentUnitOfWork
from sagaline.seed_saga.payment.settings import PaymentSettings
from sagaline.testing.messaging import InMemoryPublisher, InMemorySource
from tests.composition import payment as bootstrap
from tests.service_settings import settings_for

pytestmark = pytest.mark.unit
ORDER = str(uuid.UUID("00000000-0000-4000-8000-0000000000d1"))
ITEM = {"sku": "SKU-1", "quantity": 1}
VALID: dict[type[events.Event], dict[str, Any]] = {
    events.Item: ITEM,
    events.OrderCreated: {"orderId": ORDER, "userId": "u", "totalAmount": 1,
                          "createdAt": "2026-01-01T00:00:00Z", "items": [ITEM]},
    events.PaymentCharged: {"orderId": ORDER, "amount": 1, "userId": "u", "items": [ITEM]},
    events.PaymentFailed: {"orderId": ORDER, "amount": 1, "reason": "NO"},
    events.PaymentRefunded: {"orderId": ORDER, "amount": 1, "reason": "NO"},
    events.InventoryReserved: {"orderId": ORDER},
    events.InventoryFailed: {"orderId": ORDER, "reason": "NO"},
    events.OrderCancelled: {"orderId": ORDER, "userId": "u", "amount": 1, "reason": "NO"},
    events.InventoryReleased: {"orderId": ORDER, "items": [ITEM], "reason": "NO"},
}


def _is_text(annotation: Any) -> bool:
    if annotation is str:
        return True
    if get_origin(annotation) in (Union, types.UnionType):
        return any(_is_text(a) for a in get_args(annotation))
    return False


TEXT_FIELDS = [(model, name) for model in VALID for name, info in model.model_fields.items()
               if _is_text(info.annotation)]


def test_every_event_model_is_covered() -> None:
    declared = {m for m in vars(events).values()
                if isinstance(m, type) and issubclass(m, events.Event) and m is not events.Event}
    assert declared == set(VALID)
    for model, value in VALID.items():
        model.model_validate(value)


@pytest.mark.parametrize(("model", "field"), TEXT_FIELDS,
                         ids=[f"{m.__name__}.{f}" for m, f in TEXT_FIELDS])
@pytest.mark.parametrize("bad", ["a\x00b", "x" * 10_000], ids=["NUL", "over-long"])
def test_a_text_field_refuses_what_postgres_cannot_store(model: type[events.Event], field: str,
                                                         bad: str) -> None:
    with pytest.raises(pydantic.ValidationError):
        model.model_validate({**VALID[model], field: bad})


def test_a_cancellation_with_a_nul_in_its_reason_is_dead_lettered_at_once() -> None:
    # The case reported by hand: Postgres refuses the text, the compensation was retried
    # for ever and held up the consumer.
    cancelled = Envelope.first(topics.ORDER_CANCELLED, ORDER, {
        "orderId": ORDER, "userId": "u", "amount": 1, "reason": "\u0000"})
    source = InMemorySource([IncomingMessage(
        cancelled.topic, 0, 0, ORDER.encode(), cancelled.value(),
        {k: v.encode() for k, v in cancelled.headers().items()})])
    uow, publisher = FakePaymentUnitOfWork(), InMemoryPublisher()
    service = bootstrap(settings_for(PaymentSettings), unit_of_work=lambda: uow,
                        publisher=publisher, source=source)
    assert service.consumer is not None
    assert service.consumer.step() == 1
    (letter,) = publisher.on_topic("dlq.payment")
    assert letter.headers["dlq-error-type"] == "ValidationError"
    assert "NUL" in letter.headers["dlq-error"]
    assert uow.payments.rows == {} and [m.offset for m in source.acked] == [0]
