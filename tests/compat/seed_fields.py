"""The seed's view of a message value: the fields CONTRACT.md says it reads, with their JSON
types as JSON.parse gives them (amounts are numbers, never strings)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sagaline.seed_saga import topics

NUMBER, TEXT, LIST = "number", "text", "list"

FIELDS: dict[str, dict[str, str]] = {
    topics.ORDER_CREATED: {"orderId": TEXT, "userId": TEXT, "totalAmount": NUMBER,
                           "createdAt": TEXT},
    topics.PAYMENT_CHARGED: {"orderId": TEXT, "amount": NUMBER},
    topics.PAYMENT_FAILED: {"orderId": TEXT, "amount": NUMBER},
    topics.INVENTORY_RESERVED: {"orderId": TEXT},
    topics.INVENTORY_FAILED: {"orderId": TEXT},
    # Ours (the seed's README names payment.refunded as the compensation it lacks).
    topics.PAYMENT_REFUNDED: {"orderId": TEXT, "amount": NUMBER},
    topics.ORDER_CANCELLED: {"orderId": TEXT, "userId": TEXT, "amount": NUMBER},
    topics.INVENTORY_RELEASED: {"orderId": TEXT, "items": LIST},
}


def _is(kind: str, value: Any) -> bool:
    if kind == NUMBER:
        return isinstance(value, int | float) and not isinstance(value, bool)
    return isinstance(value, str if kind == TEXT else list)


def check(topic: str, value: dict[str, Any]) -> None:
    wrong = {name: value.get(name) for name, kind in FIELDS[topic].items()
             if not _is(kind, value.get(name))}
    assert not wrong, f"{topic}: fields missing or of the wrong JSON type: {wrong} in {value}"
    if topic == topics.ORDER_CREATED:
        datetime.fromisoformat(value["createdAt"])  # ISO-8601, as the seed writes it
