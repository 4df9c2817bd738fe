"""An order's statuses, named once: the repository, the handlers, the API and the auditor
import them from here (the values are what the orders table and `GET /orders` hold)."""

from __future__ import annotations

from enum import StrEnum


class OrderStatus(StrEnum):
    PENDING = "PENDING"  # placed; payment not decided
    PAID = "PAID"  # charged; inventory not decided
    COMPENSATING = "COMPENSATING"  # inventory failed; the refund is under way
    CONFIRMED = "CONFIRMED"  # final: charged and reserved
    CANCELLED = "CANCELLED"  # final: nothing charged or held once compensations settle


FINAL = frozenset({OrderStatus.CONFIRMED, OrderStatus.CANCELLED})
NOT_FINAL = tuple(status for status in OrderStatus if status not in FINAL)
