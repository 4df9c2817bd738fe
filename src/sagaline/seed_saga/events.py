"""The saga's events: the value schema of each topic (the seed demo's fields, camelCase, plus
ours). Consumers validate with these; a value that breaks its schema is a permanent failure
(dead letter). Unknown extra fields are ignored, so producers may add fields freely."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Annotated, Any

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    GetCoreSchemaHandler,
    GetJsonSchemaHandler,
    PlainSerializer,
    StringConstraints,
    WithJsonSchema,
)
from pydantic_core import core_schema

from sagaline.core.messaging.envelope import json_number

# Amounts are exact Decimals inside and JSON numbers outside, as in the seed demo.
Amount = Annotated[Decimal, PlainSerializer(json_number, when_used="json")]
MAX_MONEY = Decimal("999999999999.99")  # numeric(14, 2)
Money = Annotated[Amount, Field(gt=0, max_digits=14, decimal_places=2), WithJsonSchema(
    {"type": "number", "exclusiveMinimum": 0, "maximum": float(MAX_MONEY), "multipleOf": 0.01},
    mode="validation")]


def _json_integer(value: Any) -> Any:
    # JSON Schema counts 2.0 as an integer; a string or a boolean is not one.
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError("must be an integer")
    return value


# After the bounds in an Annotated (`Annotated[int, Field(gt=0), JsonInteger]`), so that the
# JSON schema shows them as JSON Schema keywords.
JsonInteger = BeforeValidator(_json_integer)


class _NoNul:
    """PostgreSQL's text and jsonb cannot hold U+0000: refuse it as a field error rather than
    fail at the database, and say so in the JSON schema (a pattern)."""

    pattern = r"^[^\x00]*$"

    def __get_pydantic_core_schema__(self, source: Any,
                                     handler: GetCoreSchemaHandler) -> core_schema.CoreSchema:
        return core_schema.no_info_after_validator_function(self._check, handler(source))

    def __get_pydantic_json_schema__(self, schema: core_schema.CoreSchema,
                                     handler: GetJsonSchemaHandler) -> dict[str, Any]:
        return {**handler(schema), "pattern": self.pattern}

    @staticmethod
    def _check(value: str) -> str:
        if "\x00" in value:
            raise ValueError("must not contain the NUL character (U+0000)")
        return value


Storable = _NoNul()
Text = Annotated[str, StringConstraints(min_length=1, max_length=200), Storable]
Sku = Annotated[str, StringConstraints(min_length=1, max_length=64), Storable]
# Every other text an event carries is bounded and storable too, checked where it is read:
# a value Postgres refuses would fail its handler at every attempt (a compensation for ever),
# while a validation error is a malformed message, dead-lettered at once.
Reason = Annotated[str, StringConstraints(max_length=200), Storable]  # may be empty
Timestamp = Annotated[str, StringConstraints(max_length=64), Storable]  # ISO 8601, as sent


class Event(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class Item(Event):
    sku: Sku
    quantity: Annotated[int, Field(gt=0, le=1_000_000), JsonInteger]


class OrderCreated(Event):
    orderId: Text
    userId: Text
    totalAmount: Money
    createdAt: Timestamp
    items: list[Item] = []  # ours: what to reserve; absent in the seed (reserve nothing)


class PaymentCharged(Event):
    orderId: Text
    amount: Money
    userId: Text | None = None
    items: list[Item] = []  # ours: carried from order.created so inventory needs no lookup


class PaymentFailed(Event):
    orderId: Text
    amount: Money
    reason: Reason = "PAYMENT_FAILED"


class PaymentRefunded(Event):
    orderId: Text
    amount: Money
    reason: Reason = "REFUNDED"


class InventoryReserved(Event):
    orderId: Text


class InventoryFailed(Event):
    orderId: Text
    reason: Reason = "OUT_OF_STOCK"


class OrderCancelled(Event):
    """The order gave up (e.g. its deadline passed): undo whatever was done for it."""

    orderId: Text
    userId: Text
    amount: Money
    reason: Reason = "TIMEOUT"


class InventoryReleased(Event):
    orderId: Text
    items: list[Item] = []
    reason: Reason = "TIMEOUT"


def payload(event: Event) -> dict[str, object]:
    """The JSON value to send: Decimals stay numbers (see envelope.dumps)."""
    return event.model_dump(mode="python")


def saga_key(value: Mapping[str, Any]) -> str:
    """The saga of a message that came without a Kafka key (the seed demo's producers send
    none): its order. The consumers' key function (see core.envelope.decode)."""
    return str(value.get("orderId") or "")
