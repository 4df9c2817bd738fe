"""The saga's events: the value schema of each topic (the seed demo's fields, camelCase, plus
ours). Consumers validate with these; a value that breaks its schema is a permanent failure
(dead letter). Unknown extra fields are ignored, so producers may add fields freely."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, PlainSerializer

from sagaline.core.envelope import json_number

# Amounts are exact Decimals inside and JSON numbers outside, as in the seed demo.
Amount = Annotated[Decimal, PlainSerializer(json_number, when_used="json")]
Money = Annotated[Amount, Field(gt=0, max_digits=14, decimal_places=2)]


def _storable(value: str) -> str:
    # PostgreSQL's text and jsonb cannot hold U+0000: refuse it here, as a field error,
    # rather than fail at the database.
    if "\x00" in value:
        raise ValueError("must not contain the NUL character (U+0000)")
    return value


Storable = AfterValidator(_storable)
Text = Annotated[str, Field(min_length=1, max_length=200), Storable]


class Event(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class Item(Event):
    sku: Annotated[str, Field(min_length=1, max_length=64), Storable]
    quantity: Annotated[int, Field(gt=0, le=1_000_000)]


class OrderCreated(Event):
    orderId: Text
    userId: Text
    totalAmount: Money
    createdAt: str
    items: list[Item] = []  # ours: what to reserve; absent in the seed (reserve nothing)


class PaymentCharged(Event):
    orderId: Text
    amount: Money
    userId: str | None = None
    items: list[Item] = []  # ours: carried from order.created so inventory needs no lookup


class PaymentFailed(Event):
    orderId: Text
    amount: Money
    reason: str = "PAYMENT_FAILED"


class PaymentRefunded(Event):
    orderId: Text
    amount: Money
    reason: str = "REFUNDED"


class InventoryReserved(Event):
    orderId: Text


class InventoryFailed(Event):
    orderId: Text
    reason: str = "OUT_OF_STOCK"


class OrderCancelled(Event):
    """The order gave up (e.g. its deadline passed): undo whatever was done for it."""

    orderId: Text
    userId: Text
    amount: Money
    reason: str = "TIMEOUT"


class InventoryReleased(Event):
    orderId: Text
    items: list[Item] = []
    reason: str = "TIMEOUT"


def payload(event: Event) -> dict[str, object]:
    """The JSON value to send: Decimals stay numbers (see envelope.dumps)."""
    return event.model_dump(mode="python")


def saga_key(value: Mapping[str, Any]) -> str:
    """The saga of a message that came without a Kafka key (the seed demo's producers send
    none): its order. The consumers' key function (see core.envelope.decode)."""
    return str(value.get("orderId") or "")
