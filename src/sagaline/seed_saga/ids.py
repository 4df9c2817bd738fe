"""Order ids are UUIDs in every service (the contract's `orderId`). An event naming an order
by anything else can never be handled: its consumer reads the id first, before any effect,
and gives the event up (dead letter) with nothing written."""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from sagaline.core.messaging.envelope import Envelope
from sagaline.core.messaging.retry import PermanentError


def order_id(value: str) -> uuid.UUID:
    """The order id an event names; PermanentError if it is not a UUID."""
    try:
        return uuid.UUID(value)
    except ValueError:
        raise PermanentError(f"orderId {value[:100]!r} is not a UUID") from None


def order_ids(events: Iterable[Envelope]) -> list[uuid.UUID]:
    """The distinct order ids the events name (`orderId`), in order, for reading ahead; an id
    that is not a UUID is left out (its handler gives the event up)."""
    found: dict[uuid.UUID, None] = {}
    for event in events:
        value = event.payload.get("orderId")
        if isinstance(value, str):
            try:
                found[uuid.UUID(value)] = None
            except ValueError:
                continue
    return list(found)
